import type protobuf from 'protobufjs';
import { otlpTypes } from './otlp-proto.js';

/*
 * OTLP/HTTP bodies → one plain object shape, whatever the encoding. JSON bodies go through the same
 * message types as protobuf ones (`fromObject`), so both end up identical: lowerCamelCase field
 * names, 64-bit integers as decimal strings, enums as numbers.
 */

export type Signal = 'metrics' | 'logs';
export type OtlpFormat = 'json' | 'protobuf';

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
export interface OtlpResource {
  attributes?: OtlpKeyValue[];
}
export interface OtlpNumberDataPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
}
export interface OtlpMetric {
  name?: string;
  unit?: string;
  sum?: { dataPoints?: OtlpNumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  gauge?: { dataPoints?: OtlpNumberDataPoint[] };
}
export interface OtlpMetricsRequest {
  resourceMetrics?: { resource?: OtlpResource; scopeMetrics?: { metrics?: OtlpMetric[] }[] }[];
}
export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  eventName?: string;
}
export interface OtlpLogsRequest {
  resourceLogs?: { resource?: OtlpResource; scopeLogs?: { logRecords?: OtlpLogRecord[] }[] }[];
}

export class OtlpDecodeError extends Error {}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false };

function requestType(signal: Signal): protobuf.Type {
  return signal === 'metrics' ? otlpTypes.metricsRequest : otlpTypes.logsRequest;
}

export function decodeOtlp(signal: 'metrics', format: OtlpFormat, body: Uint8Array): OtlpMetricsRequest;
export function decodeOtlp(signal: 'logs', format: OtlpFormat, body: Uint8Array): OtlpLogsRequest;
export function decodeOtlp(signal: Signal, format: OtlpFormat, body: Uint8Array): OtlpMetricsRequest | OtlpLogsRequest {
  const type = requestType(signal);
  try {
    if (format === 'protobuf') return type.toObject(type.decode(body), TO_OBJECT);
    const json: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('the body is not a JSON object');
    return type.toObject(type.fromObject(json), TO_OBJECT);
  } catch (error) {
    const what = format === 'protobuf' ? 'protobuf' : 'JSON';
    const name = signal === 'metrics' ? 'ExportMetricsServiceRequest' : 'ExportLogsServiceRequest';
    throw new OtlpDecodeError(`Body is not a valid OTLP ${what} ${name}: ${(error as Error).message}`);
  }
}

/** The OTLP response message, with `partialSuccess` when some points or records were rejected, in the request's encoding. */
export function encodeOtlpResponse(
  signal: Signal,
  format: OtlpFormat,
  rejected: { count: number; message: string },
): { body: Uint8Array | string; contentType: string } {
  const partialSuccess =
    rejected.count > 0
      ? signal === 'metrics'
        ? { rejectedDataPoints: rejected.count, errorMessage: rejected.message }
        : { rejectedLogRecords: rejected.count, errorMessage: rejected.message }
      : undefined;
  const message = partialSuccess ? { partialSuccess } : {};
  if (format === 'json') {
    // OTLP/JSON writes 64-bit integers as strings.
    const json = partialSuccess
      ? {
          partialSuccess: Object.fromEntries(
            Object.entries(partialSuccess).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
          ),
        }
      : {};
    return { body: JSON.stringify(json), contentType: 'application/json' };
  }
  const type = signal === 'metrics' ? otlpTypes.metricsResponse : otlpTypes.logsResponse;
  return { body: type.encode(type.fromObject(message)).finish(), contentType: 'application/x-protobuf' };
}
