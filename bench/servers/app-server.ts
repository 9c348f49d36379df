import { pino } from 'pino';
import { startAppServer } from '../../src/app-server.js';
import { loadConfig } from '../../src/config.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';

/* The real app on a fresh SQLite file, for the benchmarks. Prints its port and an ingest token. */
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: process.argv[2] ?? ':memory:', LOG_LEVEL: 'silent' });
const app = await startAppServer({ config, log: pino({ level: 'silent' }) });
const { token } = await createIngestToken(app.db, { org: 'acme' });
console.log(`PORT ${new URL(app.url).port} TOKEN ${token}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
