import { MAX_ATTRIBUTE_KEY_LENGTH, MAX_ATTRIBUTES } from './ingest-bounds.js';
import { decodeError, type OtlpFormat } from './otlp-decode.js';
import { ownProperty } from '../own-property.js';
import { DAY_MS } from '../utc-days.js';

/*
 * OTLP requests flattened into the points and events the receiver works with. The same code reads
 * OTLP/JSON objects and decoded protobuf messages: field names are the same, 64-bit integers are
 * strings or numbers in JSON and Long objects in protobuf, and a protobuf `oneof` names its set
 * field in a virtual property (`value`, `data`) where JSON simply has the one key.
 */

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

type Obj = Record<string, unknown>;

class Reader {
  constructor(
    private readonly signal: 'metrics' | 'logs',
    private readonly format: OtlpFormat,
  ) {}

  fail(path: string, what: string): never {
    throw decodeError(this.signal, this.format, `${path}: ${what}`);
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'array expected');
    return value;
  }

  object(value: unknown, path: string): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'object expected');
    return value as Obj;
  }

  /** A 64-bit integer field as a decimal string ("0" when unset). */
  int64(value: unknown, path: string): string {
    if (value === undefined || value === null || value === '') return '0';
    if (typeof value === 'string') {
      if (!/^-?\d+$/.test(value)) this.fail(path, 'integer expected');
      return value;
    }
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) this.fail(path, 'integer expected');
      return BigInt(value).toString();
    }
    if (typeof value === 'object' && 'low' in value && 'high' in value) return String(value); // protobuf Long
    return this.fail(path, 'integer expected');
  }

  double(value: unknown, path: string): number {
    if (typeof value === 'number') return value;
    // OTLP/JSON may spell special doubles as strings.
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
    return this.fail(path, 'number expected');
  }

  /**
   * A scalar attribute value. Arrays, key-value lists and bytes carry nothing the app reads: they
   * are ignored without being walked, so their size or depth costs nothing. A field this receiver
   * does not know (a newer protocol's) is skipped, as protobuf skips unknown fields.
   */
  anyValue(v: Obj | undefined, path: string): AttributeValue | undefined {
    if (!v) return undefined;
    const set = typeof v.value === 'string' ? v.value : ANY_VALUE_FIELDS.find((k) => v[k] !== undefined && v[k] !== null);
    switch (set) {
      case 'stringValue':
        if (typeof v.stringValue !== 'string') this.fail(`${path}.stringValue`, 'string expected');
        return v.stringValue;
      case 'boolValue':
        if (typeof v.boolValue !== 'boolean') this.fail(`${path}.boolValue`, 'boolean expected');
        return v.boolValue;
      case 'intValue':
        return Number(this.int64(v.intValue, `${path}.intValue`));
      case 'doubleValue':
        return this.double(v.doubleValue, `${path}.doubleValue`);
      default:
        return undefined;
    }
  }

  /** The first MAX_ATTRIBUTES attributes with a scalar value and a key of at most MAX_ATTRIBUTE_KEY_LENGTH characters. */
  attributes(list: unknown, path: string): Attributes {
    const out: Attributes = {};
    const items = this.list(list, path);
    let kept = 0;
    for (let i = 0; i < items.length && kept < MAX_ATTRIBUTES; i++) {
      const kv = this.object(items[i], `${path}[${i}]`);
      if (!kv || typeof kv.key !== 'string') this.fail(`${path}[${i}].key`, 'string expected');
      if (kv.key.length > MAX_ATTRIBUTE_KEY_LENGTH || kv.key === '__proto__') continue;
      const value = this.anyValue(this.object(kv.value, `${path}[${i}].value`), `${path}[${i}].value`);
      if (value === undefined) continue;
      out[kv.key] = value;
      kept++;
    }
    return out;
  }
}

/** AnyValue's fields, in the order an OTLP/JSON object is read (the first one set wins). */
const ANY_VALUE_FIELDS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'];

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

const TEMPORALITY: Record<string, Temporality> = {
  0: 'unspecified',
  1: 'delta',
  2: 'cumulative',
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 'unspecified',
  AGGREGATION_TEMPORALITY_DELTA: 'delta',
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

/** Every number data point of every sum and gauge; histograms and summaries (Claude Code sends none) are skipped. */
export function metricPoints(request: Obj, format: OtlpFormat): MetricPoint[] {
  const r = new Reader('metrics', format);
  const points: MetricPoint[] = [];
  const resourceMetrics = r.list(request.resourceMetrics, 'resourceMetrics');
  resourceMetrics.forEach((rmValue, i) => {
    const rm = r.object(rmValue, `resourceMetrics[${i}]`) ?? {};
    const resource = r.attributes(r.object(rm.resource, `resourceMetrics[${i}].resource`)?.attributes, `resourceMetrics[${i}].resource.attributes`);
    r.list(rm.scopeMetrics, `resourceMetrics[${i}].scopeMetrics`).forEach((smValue, j) => {
      const smPath = `resourceMetrics[${i}].scopeMetrics[${j}]`;
      const sm = r.object(smValue, smPath) ?? {};
      r.list(sm.metrics, `${smPath}.metrics`).forEach((mValue, k) => {
        const mPath = `${smPath}.metrics[${k}]`;
        const metric = r.object(mValue, mPath) ?? {};
        const sum = r.object(metric.sum, `${mPath}.sum`);
        const gauge = sum ? undefined : r.object(metric.gauge, `${mPath}.gauge`);
        const data = sum ?? gauge;
        if (!data) return;
        const temporality = sum ? (ownProperty(TEMPORALITY, String(sum.aggregationTemporality ?? 0)) ?? 'unspecified') : 'gauge';
        const name = typeof metric.name === 'string' ? metric.name : '';
        r.list(data.dataPoints, `${mPath}.dataPoints`).forEach((dpValue, n) => {
          const dpPath = `${mPath}.dataPoints[${n}]`;
          const dp = r.object(dpValue, dpPath) ?? {};
          const which = typeof dp.value === 'string' ? dp.value : dp.asDouble !== undefined ? 'asDouble' : dp.asInt !== undefined ? 'asInt' : undefined;
          points.push({
            name,
            temporality,
            resource,
            attributes: r.attributes(dp.attributes, `${dpPath}.attributes`),
            startTimeUnixNano: r.int64(dp.startTimeUnixNano, `${dpPath}.startTimeUnixNano`),
            timeUnixNano: r.int64(dp.timeUnixNano, `${dpPath}.timeUnixNano`),
            value:
              which === 'asDouble'
                ? r.double(dp.asDouble, `${dpPath}.asDouble`)
                : which === 'asInt'
                  ? Number(r.int64(dp.asInt, `${dpPath}.asInt`))
                  : Number.NaN,
          });
        });
      });
    });
  });
  return points;
}

export interface LogEvent {
  /** The event's short name: `tool_result` for `claude_code.tool_result`. */
  name: string;
  timeUnixNano: string;
  resource: Attributes;
  attributes: Attributes;
}

export function logEvents(request: Obj, format: OtlpFormat): LogEvent[] {
  const r = new Reader('logs', format);
  const events: LogEvent[] = [];
  r.list(request.resourceLogs, 'resourceLogs').forEach((rlValue, i) => {
    const rl = r.object(rlValue, `resourceLogs[${i}]`) ?? {};
    const resource = r.attributes(r.object(rl.resource, `resourceLogs[${i}].resource`)?.attributes, `resourceLogs[${i}].resource.attributes`);
    r.list(rl.scopeLogs, `resourceLogs[${i}].scopeLogs`).forEach((slValue, j) => {
      const slPath = `resourceLogs[${i}].scopeLogs[${j}]`;
      const sl = r.object(slValue, slPath) ?? {};
      r.list(sl.logRecords, `${slPath}.logRecords`).forEach((recValue, k) => {
        const path = `${slPath}.logRecords[${k}]`;
        const record = r.object(recValue, path) ?? {};
        const attributes = r.attributes(record.attributes, `${path}.attributes`);
        const body = r.anyValue(r.object(record.body, `${path}.body`), `${path}.body`);
        const eventName = typeof record.eventName === 'string' && record.eventName !== '' ? record.eventName : undefined;
        const fullName = String(attributes['event.name'] ?? eventName ?? (typeof body === 'string' ? body : ''));
        const time = r.int64(record.timeUnixNano, `${path}.timeUnixNano`);
        const observed = r.int64(record.observedTimeUnixNano, `${path}.observedTimeUnixNano`);
        events.push({ name: fullName.replace(/^claude_code\./, ''), timeUnixNano: time !== '0' ? time : observed, resource, attributes });
      });
    });
  });
  return events;
}

const dayNames = new Map<number, string>();

/** `YYYY-MM-DD` of an epoch-milliseconds time, in UTC. */
export function utcDay(ms: number): string {
  const index = Math.floor(ms / DAY_MS);
  let name = dayNames.get(index);
  if (name === undefined) {
    name = new Date(index * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(index, name);
  }
  return name;
}
