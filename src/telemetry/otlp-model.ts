import type {
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpLogsRequest,
  OtlpMetricsRequest,
} from './otlp-decode.js';

/*
 * Decoded OTLP requests flattened into the points and events the receiver works with.
 */

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export function anyValueToPlain(value: OtlpAnyValue | undefined): AttributeValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return JSON.stringify((value.arrayValue.values ?? []).map(anyValueToPlain));
  if (value.kvlistValue !== undefined) return JSON.stringify(attributesToPlain(value.kvlistValue.values));
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

export function attributesToPlain(list: OtlpKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) {
    const v = anyValueToPlain(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

export type Temporality = 'delta' | 'cumulative' | 'unspecified' | 'gauge';

export interface MetricPoint {
  name: string;
  temporality: Temporality;
  resource: Attributes;
  attributes: Attributes;
  startTimeUnixNano: string;
  timeUnixNano: string;
  value: number;
}

const TEMPORALITY: Record<number, Temporality> = { 0: 'unspecified', 1: 'delta', 2: 'cumulative' };

export function metricPoints(request: OtlpMetricsRequest): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attributesToPlain(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const data = metric.sum ?? metric.gauge;
        if (!data) continue; // histograms and summaries: not produced by Claude Code
        const temporality = metric.sum ? (TEMPORALITY[metric.sum.aggregationTemporality ?? 0] ?? 'unspecified') : 'gauge';
        for (const dp of data.dataPoints ?? []) {
          points.push({
            name: metric.name ?? '',
            temporality,
            resource,
            attributes: attributesToPlain(dp.attributes),
            startTimeUnixNano: dp.startTimeUnixNano ?? '0',
            timeUnixNano: dp.timeUnixNano ?? '0',
            value: dp.asDouble ?? (dp.asInt !== undefined ? Number(dp.asInt) : Number.NaN),
          });
        }
      }
    }
  }
  return points;
}

export interface LogEvent {
  /** The event's short name: `tool_result` for `claude_code.tool_result`. */
  name: string;
  timeUnixNano: string;
  resource: Attributes;
  attributes: Attributes;
}

export function logEvents(request: OtlpLogsRequest): LogEvent[] {
  const events: LogEvent[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const resource = attributesToPlain(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        const attributes = attributesToPlain(record.attributes);
        const body = anyValueToPlain(record.body);
        const fullName = String(attributes['event.name'] ?? record.eventName ?? (typeof body === 'string' ? body : ''));
        const time = record.timeUnixNano && record.timeUnixNano !== '0' ? record.timeUnixNano : (record.observedTimeUnixNano ?? '0');
        events.push({ name: fullName.replace(/^claude_code\./, ''), timeUnixNano: time, resource, attributes });
      }
    }
  }
  return events;
}

/** Epoch milliseconds of an OTLP nanosecond timestamp (a decimal string); `fallback` for 0 or garbage. */
export function nanosToMillis(nanos: string, fallback: number): number {
  if (!/^\d+$/.test(nanos) || nanos === '0') return fallback;
  return Number(BigInt(nanos) / 1_000_000n);
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
