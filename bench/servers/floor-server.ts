import { createServer } from 'node:http';
import { otlpTypes } from '../../src/telemetry/otlp-proto.js';

/*
 * The floor: a bare node:http server that only reads each body and parses it (JSON.parse, or the
 * protobuf decode of the same message type) before answering. No auth, no storage.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if ((req.headers['content-type'] ?? '').includes('protobuf')) {
      const type = req.url === '/v1/logs' ? otlpTypes.logsRequest : otlpTypes.metricsRequest;
      type.decode(body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } else {
      JSON.parse(body.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`PORT ${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
