import { sql } from 'drizzle-orm';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestToken, revokeIngestToken } from '../../src/db/ingest-tokens.js';
import { otlpTypes } from '../../src/telemetry/otlp-proto.js';
import { DAY0, HOUR, logsRequest, metricsRequest, toProtobuf } from '../helpers/otlp-builders.js';
import { capturedRequests } from '../helpers/replay.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';
import { createTestApp } from '../helpers/test-app.js';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeEach(async () => {
  t = await createTestApp({ maxBodyBytes: 64 * 1024 });
});
afterEach(() => t.cleanup());

function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}, token: string | null = t.token) {
  return t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
}

const lines = (n: number, extra: PointExtra = {}) => ({ name: 'claude_code.lines_of_code.count', value: n, attributes: { type: 'added' }, ...extra });
type PointExtra = { start?: bigint; time?: bigint; temporality?: 1 | 2 | 0 };

async function nothingStored() {
  const f = await storedTelemetry(t.db);
  expect(f.counters).toEqual({});
  expect(f.sessions).toEqual([]);
  expect(f.fingerprints).toEqual({});
  expect(await t.db.get(sql`SELECT count(*) AS n FROM otlp_exports`)).toEqual({ n: 0 });
}

describe('OTLP metrics', () => {
  it('answers an accepted export with the OTLP response message', async () => {
    const res = await post('/v1/metrics', JSON.stringify(metricsRequest([lines(12)])));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({});
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 12 });
  });

  it('answers protobuf with protobuf', async () => {
    const res = await post('/v1/metrics', toProtobuf('metrics', metricsRequest([lines(5, {}), { ...lines(7), asInt: true } as never])), {
      'content-type': 'application/x-protobuf',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = otlpTypes.metricsResponse.decode(new Uint8Array(await res.arrayBuffer()));
    expect(otlpTypes.metricsResponse.toObject(decoded)).toEqual({});
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 12 });
  });

  it('adds DELTA points up across exports and days', async () => {
    await post('/v1/metrics', JSON.stringify(metricsRequest([lines(3)])));
    await post('/v1/metrics', JSON.stringify(metricsRequest([lines(4, { start: DAY0 + HOUR, time: DAY0 + 2n * HOUR })])));
    await post('/v1/metrics', JSON.stringify(metricsRequest([lines(5, { start: DAY0 + 24n * HOUR, time: DAY0 + 25n * HOUR })])));
    const rows = (await t.db.all(sql`SELECT day, value FROM telemetry_daily WHERE metric = 'lines_added' ORDER BY day`));
    expect(rows).toEqual([
      { day: '2026-11-21', value: 7 },
      { day: '2026-11-22', value: 5 },
    ]);
  });

  it('counts the same export delivered twice once (exporters retry)', async () => {
    const body = JSON.stringify(metricsRequest([lines(9)]));
    expect((await post('/v1/metrics', body)).status).toBe(200);
    expect((await post('/v1/metrics', body)).status).toBe(200);
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 9 });
  });

  it('turns CUMULATIVE series into deltas, through a counter reset and a restart', async () => {
    const cumulative = (value: number, start: bigint, time: bigint) =>
      post('/v1/metrics', JSON.stringify(metricsRequest([lines(value, { temporality: 2, start, time })])));
    await cumulative(10, DAY0, DAY0 + HOUR); // +10
    await cumulative(25, DAY0, DAY0 + 2n * HOUR); // +15
    await cumulative(25, DAY0, DAY0 + 2n * HOUR); // a repeated point: +0
    await cumulative(4, DAY0, DAY0 + 3n * HOUR); // reset (value went down): +4
    await cumulative(6, DAY0 + 4n * HOUR, DAY0 + 5n * HOUR); // restart (new start time): +6
    await cumulative(9, DAY0 + 4n * HOUR, DAY0 + 6n * HOUR); // +3
    await cumulative(100, DAY0, DAY0 + 3n * HOUR + 1n); // a late point of the old run: +0
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 10 + 15 + 4 + 6 + 3 });
  });

  it('keeps cumulative series apart by session and attributes', async () => {
    const point = (session: string, type: string, value: number) => ({
      name: 'claude_code.lines_of_code.count',
      value,
      temporality: 2 as const,
      attributes: { 'session.id': session, type },
    });
    await post('/v1/metrics', JSON.stringify(metricsRequest([point('a', 'added', 5), point('b', 'added', 7), point('a', 'removed', 2)])));
    await post(
      '/v1/metrics',
      JSON.stringify(metricsRequest([point('a', 'added', 8), point('b', 'added', 7), point('a', 'removed', 3)].map((p) => ({ ...p, time: DAY0 + 2n * HOUR })))),
    );
    const rows = (await t.db.all(sql`SELECT session_id, metric, value FROM telemetry_daily ORDER BY session_id, metric`));
    expect(rows).toEqual([
      { session_id: 'a', metric: 'lines_added', value: 8 },
      { session_id: 'a', metric: 'lines_removed', value: 3 },
      { session_id: 'b', metric: 'lines_added', value: 7 },
    ]);
  });

  it('reports rejected points as partial success and stores the rest', async () => {
    const res = await post(
      '/v1/metrics',
      JSON.stringify(metricsRequest([lines(6), lines(-2), { ...lines(1), temporality: 0 }, { name: 'some.other.metric', value: 1 }])),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '2',
        errorMessage:
          '1 × claude_code.lines_of_code.count: value must be a number from 0 to 1000000; 1 × claude_code.lines_of_code.count: aggregation temporality must be DELTA or CUMULATIVE',
      },
    });
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 6 });
  });

  it('accepts gzip bodies', async () => {
    const body = gzipSync(JSON.stringify(metricsRequest([lines(11)])));
    const res = await post('/v1/metrics', body, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 11 });
  });

  it('accepts the recorded protobuf export gzipped', async () => {
    const recorded = capturedRequests('rate-limiter-http-protobuf-details-hooks').find((r) => r.path === '/v1/metrics')!;
    const res = await post('/v1/metrics', gzipSync(recorded.body), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect((await storedTelemetry(t.db)).counters).toMatchObject({ sessions: 1, lines_added: 30, commits: 1 });
  });
});

describe('refusals store nothing', () => {
  const body = () => JSON.stringify(metricsRequest([lines(5)]));

  it.each([
    ['no token', null, 'Missing ingest token: send "Authorization: Bearer <token>".'],
    ['an unknown token', 'ccm_ingest_not-a-real-token', 'Unknown or revoked ingest token.'],
  ])('401 for %s', async (_name, token, message) => {
    const res = await post('/v1/metrics', body(), {}, token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 16, message }); // google.rpc.Status, UNAUTHENTICATED
    await nothingStored();
  });

  it('401 for a revoked token, for metrics, logs and hooks', async () => {
    const { token, row } = await createIngestToken(t.db, { org: 'acme' });
    await revokeIngestToken(t.db, row.id);
    for (const path of ['/v1/metrics', '/v1/logs', '/hooks/claude-code']) {
      const res = await post(path, body(), {}, token);
      expect(res.status).toBe(401);
    }
    await nothingStored();
  });

  it('400 for a garbage JSON body', async () => {
    const res = await post('/v1/metrics', '{"resourceMetrics": [');
    expect(res.status).toBe(400);
    const json = (await res.json()) as { code: number; message: string };
    expect(json.code).toBe(3); // INVALID_ARGUMENT
    expect(json.message).toMatch(/^Body is not a valid OTLP JSON ExportMetricsServiceRequest: /);
    await nothingStored();
  });

  it('400 for JSON of the wrong shape', async () => {
    const res = await post('/v1/metrics', JSON.stringify({ resourceMetrics: 'nope' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('resourceMetrics');
    await nothingStored();
  });

  it('400 for a garbage protobuf body', async () => {
    const res = await post('/v1/metrics', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = otlpTypes.status.toObject(otlpTypes.status.decode(new Uint8Array(await res.arrayBuffer()))) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^Body is not a valid OTLP protobuf ExportMetricsServiceRequest: /);
    await nothingStored();
  });

  it('400 for a body that claims gzip but is not', async () => {
    const res = await post('/v1/metrics', body(), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^Body is not valid gzip data/);
    await nothingStored();
  });

  it('415 for another content type', async () => {
    const res = await post('/v1/metrics', body(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      code: 3,
      message: 'Unsupported Content-Type "text/plain": send application/json or application/x-protobuf (OTLP/HTTP).',
    });
    await nothingStored();
  });

  it('413 for an oversized body', async () => {
    const huge = JSON.stringify(metricsRequest(Array.from({ length: 400 }, () => lines(1))));
    expect(huge.length).toBeGreaterThan(64 * 1024);
    const res = await post('/v1/metrics', huge);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ code: 8, message: 'Body is larger than 65536 bytes.' }); // RESOURCE_EXHAUSTED
    await nothingStored();
  });

  it('413 for a small gzip body that inflates past the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post('/v1/metrics', bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toBe('Body is larger than 65536 bytes once decompressed.');
    await nothingStored();
  });

  it('a refused request leaves what was accepted before intact', async () => {
    await post('/v1/metrics', body());
    await post('/v1/metrics', '{garbage');
    await post('/v1/metrics', body().replace('"asDouble":5', '"asDouble":6'), { 'content-type': 'text/plain' });
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 5 });
  });
});

describe('OTLP logs', () => {
  it('sums api_request events per model and counts decisions and prompts', async () => {
    const res = await post(
      '/v1/logs',
      JSON.stringify(
        logsRequest([
          { name: 'api_request', attributes: { model: 'claude-sonnet-4-5', input_tokens: 100, output_tokens: 20, cache_read_tokens: 5, cache_creation_tokens: 1, cost_usd: '0.5' } },
          { name: 'api_request', attributes: { model: 'claude-sonnet-4-5', input_tokens: 50, output_tokens: 10, cost_usd: '0.25' } },
          { name: 'api_request', attributes: { model: 'claude-haiku-4-5', input_tokens: 7, output_tokens: 3, cost_usd: '0.01' } },
          { name: 'tool_decision', attributes: { tool_name: 'Edit', decision: 'reject' } },
          { name: 'user_prompt', attributes: { prompt: '<REDACTED>', prompt_length: 20 } },
          { name: 'something_new', attributes: { anything: 'x' } },
        ]),
      ),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const f = await storedTelemetry(t.db);
    expect(f.apiRequests.map(({ model, requests, inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens, costUsd }) => ({
      model, requests, inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens, costUsd,
    }))).toEqual([
      { model: 'claude-haiku-4-5', requests: 1, inputTokens: 7, outputTokens: 3, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0.01 },
      { model: 'claude-sonnet-4-5', requests: 2, inputTokens: 150, outputTokens: 30, cacheReadTokens: 5, cacheCreationTokens: 1, costUsd: 0.75 },
    ]);
    expect(f.counters).toEqual({ 'tool_decisions{Edit:reject}': 1, prompts: 1 });
  });

  it('rejects malformed api_request events as partial success', async () => {
    const res = await post(
      '/v1/logs',
      JSON.stringify(logsRequest([{ name: 'api_request', attributes: { model: 'm', input_tokens: 'lots', cost_usd: '1' } }, { name: 'user_prompt', attributes: {} }])),
    );
    expect(await res.json()).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: '1 × api_request: token counts must be whole numbers from 0 to 100000000' },
    });
    expect((await storedTelemetry(t.db)).apiRequests).toEqual([]);
    expect((await storedTelemetry(t.db)).counters).toEqual({ prompts: 1 });
  });

  it('accepts and ignores metrics named like Object properties (they were a 500, which exporters retry forever)', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
    for (const name of names) {
      const res = await post('/v1/metrics', JSON.stringify(metricsRequest([{ ...lines(1), name }])));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    const temporality = metricsRequest([lines(1)]);
    (temporality.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum as { aggregationTemporality: unknown }).aggregationTemporality = 'constructor';
    expect(await (await post('/v1/metrics', JSON.stringify(temporality))).json()).toEqual({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 × claude_code.lines_of_code.count: aggregation temporality must be DELTA or CUMULATIVE' },
    });
    expect((await storedTelemetry(t.db)).counters).toEqual({});
  });

  it('rejects a fractional count (a third of a line) as partial success, and keeps fractional cost and time', async () => {
    const res = await post(
      '/v1/metrics',
      JSON.stringify(
        metricsRequest([
          lines(0.5),
          { name: 'claude_code.session.count', value: 1.25, attributes: {} },
          lines(3),
          { name: 'claude_code.cost.usage', value: 0.25, attributes: { model: 'm' } },
          { name: 'claude_code.active_time.total', value: 1.5, attributes: { type: 'cli' } },
        ]),
      ),
    );
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '2',
        errorMessage: '1 × claude_code.lines_of_code.count: value must be a whole number; 1 × claude_code.session.count: value must be a whole number',
      },
    });
    expect((await storedTelemetry(t.db)).counters).toMatchObject({ lines_added: 3 });
    expect((await storedTelemetry(t.db)).counters).not.toHaveProperty('sessions');
  });

  it('reads counts and costs only as plain decimals (not hex, binary, padded or signed strings)', async () => {
    const odd: Record<string, string>[] = [{ cost_usd: '0x10' }, { cost_usd: ' 12 ' }, { cost_usd: '-0' }, { input_tokens: '0b11' }, { input_tokens: '1_000' }, { output_tokens: '+5' }];
    const res = await post('/v1/logs', JSON.stringify(logsRequest([...odd.map((a) => ({ name: 'api_request', attributes: { model: 'm', ...a } })), { name: 'api_request', attributes: { model: 'm', cost_usd: '1.5e-1', input_tokens: '12' } }])));
    expect(((await res.json()) as { partialSuccess: { rejectedLogRecords: string } }).partialSuccess.rejectedLogRecords).toBe('6');
    expect((await storedTelemetry(t.db)).apiRequests.map(({ model, requests, inputTokens, costUsd }) => ({ model, requests, inputTokens, costUsd }))).toEqual([
      { model: 'm', requests: 1, inputTokens: 12, costUsd: 0.15 },
    ]);
  });
});

describe('identities', () => {
  it('a personal token links the session’s Claude Code user to its GitHub login', async () => {
    const { token } = await createIngestToken(t.db, { org: 'acme', githubLogin: 'dana' });
    await post('/v1/metrics', JSON.stringify(metricsRequest([{ ...lines(1), attributes: { type: 'added', 'user.id': 'u-1', 'user.account_uuid': 'acc-1' } }])), {}, token);
    const f = await storedTelemetry(t.db);
    expect(f.sessions[0]).toMatchObject({ id: 'sess-1', githubLogin: 'dana', userEmail: 'dana@acme.example' });
    expect(f.identities).toEqual([
      { kind: 'account_uuid', value: 'acc-1', githubLogin: 'dana', source: 'personal_token' },
      { kind: 'email', value: 'dana@acme.example', githubLogin: 'dana', source: 'personal_token' },
      { kind: 'user_id', value: 'u-1', githubLogin: 'dana', source: 'personal_token' },
    ]);
  });

  it('the github.login resource attribute links too, as a weaker source', async () => {
    await post('/v1/metrics', JSON.stringify(metricsRequest([lines(1)], { 'service.name': 'claude-code', 'github.login': 'dana-gh' })));
    expect((await storedTelemetry(t.db)).identities).toEqual([
      { kind: 'email', value: 'dana@acme.example', githubLogin: 'dana-gh', source: 'resource_attribute' },
    ]);
  });
});

describe('bodies being received at once', () => {
  /** A request whose body sends `bytes` and then neither ends nor fails, as a slow sender would. */
  function unfinished(path: string, bytes: number) {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        c.enqueue(new Uint8Array(bytes).fill(0x20));
      },
    });
    const answer = t.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body,
      duplex: 'half',
    } as RequestInit);
    // The app has read the bytes (its token checked, in the database) once the stream's queue is empty again.
    return { answer, end: () => controller.close(), read: () => (controller.desiredSize ?? 0) > 0 };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('hold at most 8 × the body limit in all (one token can open many): beyond, 503 with Retry-After and nothing stored; then ingest goes on', async () => {
    // Eight unfinished bodies just under the 64 KiB limit hold nearly all of the 512 KiB allowed.
    const slow = Array.from({ length: 8 }, (_, i) => unfinished(i % 2 ? '/v1/metrics' : '/hooks/claude-code', 60 * 1024));
    await vi.waitFor(() => expect(slow.every((s) => s.read())).toBe(true), { timeout: 5_000, interval: 20 });
    await tick();
    for (const path of ['/v1/metrics', '/v1/logs', '/hooks/claude-code']) {
      const more = unfinished(path, 60 * 1024);
      const res = await more.answer;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      // OTLP's answer is a google.rpc.Status (UNAVAILABLE) in the request's encoding; the hook's, the error shape.
      expect(await res.json()).toMatchObject(path === '/hooks/claude-code' ? { error: { type: 'api_error' } } : { code: 14 });
    }
    for (const s of slow) s.end();
    await Promise.all(slow.map((s) => s.answer));
    expect(await t.db.get(sql`SELECT count(*) AS n FROM otlp_exports`)).toEqual({ n: 0 });
    // What they held is given back.
    const res = await post('/v1/metrics', JSON.stringify(metricsRequest([lines(4)])));
    expect(res.status).toBe(200);
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 4 });
  });
});
