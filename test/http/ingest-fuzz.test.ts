import { sql } from 'drizzle-orm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestToken, revokeIngestToken } from '../../src/db/ingest-tokens.js';
import { otlpTypes } from '../../src/telemetry/otlp-proto.js';
import { capturedRequests } from '../helpers/replay.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * Fuzzing the three Claude Code endpoints with what an attacker or a broken exporter sends:
 * random bytes, truncated protobuf, wrong types, huge and deeply nested values, gzip bombs, wrong
 * content types, revoked tokens. Every answer is a 2xx (a decodable request, perhaps with partial
 * success) or a 4xx, never a 5xx; a refusal changes no row; memory stays bounded. Seeded, so a
 * failure reproduces.
 */

const MAX_BODY = 256 * 1024;
const TABLES = ['claude_sessions', 'telemetry_daily', 'api_requests_daily', 'session_commits', 'session_pull_requests', 'session_line_fingerprints', 'hook_calls', 'otlp_exports', 'cumulative_series', 'identity_links'];

let t: Awaited<ReturnType<typeof createTestApp>>;
let revoked: string;
beforeAll(async () => {
  t = await createTestApp({ maxBodyBytes: MAX_BODY });
  const r = await createIngestToken(t.db, { org: 'acme' });
  expect(await revokeIngestToken(t.db, r.row.id)).toBe(true);
  revoked = r.token;
});
afterAll(() => t.cleanup());

/** mulberry32: a small seeded generator. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T,>(xs: readonly T[]): T => xs[int(xs.length)]! };
}

const rowCounts = async () => {
  const counts: number[] = [];
  for (const table of TABLES) counts.push((await t.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)}`))!.n);
  return counts;
};

const recorded = (path: string, type: string) =>
  capturedRequests('rate-limiter-http-protobuf-details-hooks')
    .concat(capturedRequests('rate-limiter-http-json-details-hooks'))
    .filter((r) => r.path === path && r.contentType === type)
    .map((r) => r.body);

type Case = { path: string; body: Uint8Array | string; headers: Record<string, string>; label: string };

const HUGE_VALUES: unknown[] = [
  1e308,
  -1e308,
  1e30,
  -1,
  'NaN',
  'Infinity',
  '1e308',
  '-0',
  '99999999999999999999999999999',
  'x'.repeat(100_000),
  null,
  true,
  [],
  {},
  [[[[[[[[[]]]]]]]]],
  { stringValue: { nested: true } },
  { kvlistValue: { values: 'not a list' } },
];

/** A JSON value with one leaf replaced by something of the wrong type or size. */
function mutateJson(value: unknown, rnd: ReturnType<typeof random>): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rnd.next() < 0.1) return rnd.pick(HUGE_VALUES);
    const copy = [...value];
    const i = rnd.int(copy.length);
    copy[i] = mutateJson(copy[i], rnd);
    return copy;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || rnd.next() < 0.1) return rnd.pick(HUGE_VALUES);
    const key = rnd.pick(keys);
    return { ...value, [key]: mutateJson((value as Record<string, unknown>)[key], rnd) };
  }
  return rnd.pick(HUGE_VALUES);
}

/** Protobuf bytes of an AnyValue nested `depth` levels (kvlist in kvlist), built without recursion. */
function deepAnyValue(depth: number): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  let inner = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue { string_value: "x" }
  for (let i = 0; i < depth; i++) {
    const kv = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12, ...varint(inner.length)]), inner]); // KeyValue { key: "k", value }
    const list = Buffer.concat([Buffer.from([0x0a, ...varint(kv.length)]), kv]); // KeyValueList { values: [kv] }
    inner = Buffer.concat([Buffer.from([0x32, ...varint(list.length)]), list]); // AnyValue { kvlist_value }
  }
  return inner;
}

let gzipBomb: Buffer | undefined;
/** 32 MiB of zeros, gzipped to about 32 KB. */
const bomb = () => (gzipBomb ??= gzipSync(Buffer.alloc(32 * 1024 * 1024)));

function cases(seed: number): Case[] {
  const rnd = random(seed);
  const auth = { authorization: `Bearer ${t.token}` };
  const out: Case[] = [];
  const endpoints = [
    { path: '/v1/metrics', json: recorded('/v1/metrics', 'application/json'), proto: recorded('/v1/metrics', 'application/x-protobuf') },
    { path: '/v1/logs', json: recorded('/v1/logs', 'application/json'), proto: recorded('/v1/logs', 'application/x-protobuf') },
    { path: '/hooks/claude-code', json: recorded('/hooks/claude-code', 'application/json'), proto: [] as Buffer[] },
  ];
  for (const e of endpoints) {
    const json = { ...auth, 'content-type': 'application/json' };
    const proto = { ...auth, 'content-type': 'application/x-protobuf' };
    for (let i = 0; i < 15; i++) {
      const bytes = new Uint8Array(rnd.int(4096));
      for (let j = 0; j < bytes.length; j++) bytes[j] = rnd.int(256);
      out.push({ path: e.path, body: bytes, headers: rnd.next() < 0.5 ? json : proto, label: 'random bytes' });
    }
    for (const sample of e.proto.slice(0, 3)) {
      for (let i = 0; i < 10; i++) out.push({ path: e.path, body: sample.subarray(0, 1 + rnd.int(sample.length - 1)), headers: proto, label: 'truncated protobuf' });
      for (let i = 0; i < 10; i++) {
        const flipped = Uint8Array.from(sample);
        for (let k = 0; k < 3; k++) flipped[rnd.int(flipped.length)] = rnd.int(256);
        out.push({ path: e.path, body: flipped, headers: proto, label: 'corrupted protobuf' });
      }
    }
    for (const sample of e.json.slice(0, 4)) {
      const parsed = JSON.parse(sample.toString('utf8')) as unknown;
      for (let i = 0; i < 15; i++) out.push({ path: e.path, body: JSON.stringify(mutateJson(parsed, rnd)), headers: json, label: 'wrong types' });
      out.push({ path: e.path, body: sample.toString('utf8').slice(0, rnd.int(sample.length)), headers: json, label: 'truncated JSON' });
    }
    out.push({ path: e.path, body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`, headers: json, label: 'deep JSON arrays' });
    out.push({ path: e.path, body: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, headers: json, label: 'deep JSON objects' });
    out.push({ path: e.path, body: JSON.stringify({ session_id: 'x'.repeat(200_000), hook_event_name: 'PostToolUse' }), headers: json, label: 'huge string' });
    out.push({ path: e.path, body: bomb(), headers: { ...json, 'content-encoding': 'gzip' }, label: 'gzip bomb' });
    out.push({ path: e.path, body: bomb(), headers: { ...proto, 'content-encoding': 'deflate' }, label: 'mislabelled deflate' });
    // In a content type the route reads (another one is refused with 415 before the body is read).
    out.push({ path: e.path, body: new Uint8Array(MAX_BODY + 1), headers: e.path === '/hooks/claude-code' ? json : proto, label: 'oversized' });
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', '', 'application/json; charset=utf-16', 'application/x-protobuf; proto=x']) {
      out.push({ path: e.path, body: e.json[0] ?? '{}', headers: { ...auth, 'content-type': type }, label: `content type ${type}` });
    }
    out.push({ path: e.path, body: e.json[0] ?? '{}', headers: { ...json, 'content-encoding': 'br' }, label: 'brotli' });
    for (const authorization of [`Bearer ${revoked}`, 'Bearer ', 'Basic abc', `Bearer ${'a'.repeat(10_000)}`, `bearer ${t.token}x`]) {
      out.push({ path: e.path, body: e.json[0] ?? '{}', headers: { 'content-type': 'application/json', authorization }, label: 'bad token' });
    }
  }
  // Deeply nested attribute values inside valid protobuf requests: resource { attributes: [ { key: "bomb", value: deep } ] }.
  for (const depth of [24, 500, 5_000]) {
    const value = deepAnyValue(depth);
    const kv = Buffer.concat([Buffer.from([0x0a, 0x04, ...Buffer.from('bomb'), 0x12]), varintBuf(value.length), value]);
    const resource = Buffer.concat([Buffer.from([0x0a]), varintBuf(kv.length), kv]);
    const rm = Buffer.concat([Buffer.from([0x0a]), varintBuf(resource.length), resource]);
    const request = Buffer.concat([Buffer.from([0x0a]), varintBuf(rm.length), rm]);
    out.push({ path: '/v1/metrics', body: request, headers: { ...auth, 'content-type': 'application/x-protobuf' }, label: `kvlist nested ${depth}` });
  }
  return out;
}

function varintBuf(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

describe('fuzzing the Claude Code receivers', () => {
  it('answers every case with a 2xx or a 4xx; a refusal changes no row; memory stays bounded', async () => {
    const all = cases(12);
    expect(all.length).toBeGreaterThan(200);
    const rssBefore = process.memoryUsage().rss;
    const statuses = new Map<string, Set<number>>();
    for (const c of all) {
      const before = await rowCounts();
      const res = await t.app.request(c.path, { method: 'POST', headers: c.headers, body: c.body });
      const label = `${c.path} ${c.label}`;
      if (!statuses.has(label)) statuses.set(label, new Set());
      statuses.get(label)!.add(res.status);
      expect(res.status, `${label}: ${await res.clone().text()}`).toBeLessThan(500);
      if (res.status >= 400) expect(await rowCounts(), label).toEqual(before);
      if (c.path !== '/hooks/claude-code' && res.status >= 400) {
        // OTLP refusals are google.rpc.Status messages.
        const type = res.headers.get('content-type');
        if (type === 'application/json') expect(await res.json()).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
        else expect(otlpTypes.status.decode(new Uint8Array(await res.arrayBuffer()))).toBeTruthy();
      }
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    // The kinds of refusal each probe met, so a change of behaviour shows up here.
    const only = (label: string) => [...statuses.get(label)!].sort();
    for (const path of ['/v1/metrics', '/v1/logs', '/hooks/claude-code']) {
      expect(only(`${path} gzip bomb`)).toEqual([413]);
      expect(only(`${path} oversized`)).toEqual([413]);
      expect(only(`${path} bad token`)).toEqual([401]);
      expect(only(`${path} deep JSON arrays`)).toEqual([400]);
      expect(only(`${path} deep JSON objects`)).toEqual([400]);
      expect(only(`${path} content type text/plain`)).toEqual([415]);
      expect(only(`${path} brotli`)).toEqual([415]);
    }
    expect(only('/hooks/claude-code huge string')).toEqual([400]);
    // 24 levels decode (the value is ignored, the request stored); protobufjs refuses messages nested past its depth limit.
    expect(only('/v1/metrics kvlist nested 24')).toEqual([200]);
    for (const depth of [500, 5_000]) expect(only(`/v1/metrics kvlist nested ${depth}`)).toEqual([400]);
    // Nothing of the nested values was stored.
    expect(await t.db.get(sql`SELECT count(*) AS n FROM claude_sessions WHERE CAST(attributes AS TEXT) LIKE '%bomb%'`)).toEqual({ n: 0 });
  }, 60_000);
});
