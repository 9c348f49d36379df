import { jsonShapeProblem, MAX_MESSAGES } from './ingest-bounds.js';
import { countMessages, otlpTypes } from './otlp-proto.js';

/*
 * OTLP/HTTP request bodies → the request message. Protobuf bodies are decoded with the protocol's
 * message types; JSON bodies are parsed as OTLP/JSON, whose field names are the same messages'
 * lowerCamelCase names. Both give objects read by the same code in `otlp-model.ts`, which checks
 * the shape as it goes (a JSON body of the wrong shape is as undecodable as bad protobuf).
 */

export type Signal = 'metrics' | 'logs';
export type OtlpFormat = 'json' | 'protobuf';

export class OtlpDecodeError extends Error {}

/** A decodable request too large to decode: more messages than MAX_MESSAGES (answered 413). */
export class OtlpTooLargeError extends Error {}

const MESSAGE_NAME: Record<Signal, string> = { metrics: 'ExportMetricsServiceRequest', logs: 'ExportLogsServiceRequest' };

export function decodeError(signal: Signal, format: OtlpFormat, reason: string): OtlpDecodeError {
  return new OtlpDecodeError(`Body is not a valid OTLP ${format === 'protobuf' ? 'protobuf' : 'JSON'} ${MESSAGE_NAME[signal]}: ${reason}`);
}

/** The request message as a plain object (JSON) or a decoded protobuf message; read with `otlp-model.ts`. */
export function decodeOtlp(signal: Signal, format: OtlpFormat, body: Uint8Array): Record<string, unknown> {
  try {
    if (format === 'protobuf') {
      const type = signal === 'metrics' ? otlpTypes.metricsRequest : otlpTypes.logsRequest;
      if (countMessages(type, body, MAX_MESSAGES) > MAX_MESSAGES) {
        throw new OtlpTooLargeError(`Body holds more than ${MAX_MESSAGES} protobuf messages: send smaller exports.`);
      }
      return type.decode(body) as unknown as Record<string, unknown>;
    }
    // An empty body is an empty request (OTLP/HTTP), as it is in protobuf.
    if (body.byteLength === 0) return {};
    // Checked before parsing: a deeply nested body would cost memory and stack for nothing the app reads.
    const problem = jsonShapeProblem(body);
    if (problem?.startsWith('it holds')) throw new OtlpTooLargeError(`Body is too large to decode: ${problem}; send smaller exports.`);
    if (problem) throw new Error(problem);
    const json: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('the body is not a JSON object');
    return json as Record<string, unknown>;
  } catch (error) {
    if (error instanceof OtlpTooLargeError) throw error;
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

/** gRPC status codes of the HTTP refusals (google.rpc.Code), as an OTLP/HTTP server sends them in `Status.code`. */
const GRPC_CODE: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  503: 14, // UNAVAILABLE
};

/** The body of an OTLP/HTTP refusal: a `google.rpc.Status` message in the request's encoding. */
export function encodeOtlpStatus(format: OtlpFormat, httpStatus: number, message: string): { body: Uint8Array | string; contentType: string } {
  const code = GRPC_CODE[httpStatus] ?? 13; // INTERNAL
  if (format === 'json') return { body: JSON.stringify({ code, message }), contentType: 'application/json' };
  return { body: otlpTypes.status.encode(otlpTypes.status.fromObject({ code, message })).finish(), contentType: 'application/x-protobuf' };
}
