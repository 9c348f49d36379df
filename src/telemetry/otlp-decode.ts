import { otlpTypes } from './otlp-proto.js';

/*
 * OTLP/HTTP request bodies → the request message. Protobuf bodies are decoded with the protocol's
 * message types; JSON bodies are parsed as OTLP/JSON, whose field names are the same messages'
 * lowerCamelCase names. Both give objects read by the same code in `otlp-model.ts`, which checks
 * the shape as it goes (a JSON body of the wrong shape is as undecodable as bad protobuf).
 */

export type Signal = 'metrics' | 'logs';
export type OtlpFormat = 'json' | 'protobuf';

export class OtlpDecodeError extends Error {}

const MESSAGE_NAME: Record<Signal, string> = { metrics: 'ExportMetricsServiceRequest', logs: 'ExportLogsServiceRequest' };

export function decodeError(signal: Signal, format: OtlpFormat, reason: string): OtlpDecodeError {
  return new OtlpDecodeError(`Body is not a valid OTLP ${format === 'protobuf' ? 'protobuf' : 'JSON'} ${MESSAGE_NAME[signal]}: ${reason}`);
}

/** The request message as a plain object (JSON) or a decoded protobuf message; read with `otlp-model.ts`. */
export function decodeOtlp(signal: Signal, format: OtlpFormat, body: Uint8Array): Record<string, unknown> {
  try {
    if (format === 'protobuf') {
      const type = signal === 'metrics' ? otlpTypes.metricsRequest : otlpTypes.logsRequest;
      return type.decode(body) as unknown as Record<string, unknown>;
    }
    const json: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('the body is not a JSON object');
    return json as Record<string, unknown>;
  } catch (error) {
    throw decodeError(signal, format, (error as Error).message);
  }
}

/** The OTLP response message, with `partialSuccess` when some points or records were rejected, in the request's encoding. */
export function encodeOtlpResponse(
  signal: Signal,
  format: OtlpFormat,
  rejected: { count: number; message: string },
): { body: Uint8Array | string; contentType: string } {
  const counted = signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedLogRecords';
  if (format === 'json') {
    // OTLP/JSON writes 64-bit integers as strings.
    const json = rejected.count > 0 ? { partialSuccess: { [counted]: String(rejected.count), errorMessage: rejected.message } } : {};
    return { body: JSON.stringify(json), contentType: 'application/json' };
  }
  const type = signal === 'metrics' ? otlpTypes.metricsResponse : otlpTypes.logsResponse;
  const message = rejected.count > 0 ? { partialSuccess: { [counted]: rejected.count, errorMessage: rejected.message } } : {};
  return { body: type.encode(type.fromObject(message)).finish(), contentType: 'application/x-protobuf' };
}
