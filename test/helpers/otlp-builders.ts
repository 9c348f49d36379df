import { otlpTypes } from '../../src/telemetry/otlp-proto.js';

/* Small OTLP/JSON requests shaped like Claude Code's, for cases the recordings do not cover. */

type Attr = Record<string, string | number>;

const kv = (attrs: Attr) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));

export interface PointSpec {
  name: string;
  value: number;
  attributes?: Attr;
  start?: bigint;
  time?: bigint;
  temporality?: 1 | 2 | 0;
  asInt?: boolean;
}

export const DAY0 = 1795219200n * 1_000_000_000n; // 2026-11-21T00:00:00Z in ns
export const HOUR = 3_600n * 1_000_000_000n;

export function metricsRequest(points: PointSpec[], resource: Attr = { 'service.name': 'claude-code', 'service.version': '2.1.197' }) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv(resource) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.197' },
            metrics: points.map((p) => ({
              name: p.name,
              sum: {
                aggregationTemporality: p.temporality ?? 1,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: kv({ 'session.id': 'sess-1', 'user.email': 'dana@acme.example', ...p.attributes }),
                    startTimeUnixNano: String(p.start ?? DAY0),
                    timeUnixNano: String(p.time ?? DAY0 + HOUR),
                    ...(p.asInt ? { asInt: String(p.value) } : { asDouble: p.value }),
                  },
                ],
              },
            })),
          },
        ],
      },
    ],
  };
}

export function logsRequest(events: { name: string; attributes: Attr; time?: bigint }[], resource: Attr = { 'service.name': 'claude-code' }) {
  return {
    resourceLogs: [
      {
        resource: { attributes: kv(resource) },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events' },
            logRecords: events.map((e) => ({
              timeUnixNano: String(e.time ?? DAY0 + HOUR),
              body: { stringValue: `claude_code.${e.name}` },
              attributes: kv({ 'event.name': e.name, 'session.id': 'sess-1', ...e.attributes }),
            })),
          },
        ],
      },
    ],
  };
}

export function toProtobuf(signal: 'metrics' | 'logs', json: object): Uint8Array {
  const type = signal === 'metrics' ? otlpTypes.metricsRequest : otlpTypes.logsRequest;
  return type.encode(type.fromObject(json)).finish();
}
