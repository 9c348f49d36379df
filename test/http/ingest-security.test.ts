import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { pruneExpired } from '../../src/db/retention.js';
import { otlpTypes } from '../../src/telemetry/otlp-proto.js';
import { DAY0, HOUR, logsRequest, metricsRequest, toProtobuf } from '../helpers/otlp-builders.js';
import { capturedRequests } from '../helpers/replay.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * The Claude Code receivers facing the open internet (issue 12): one org's token changes nothing
 * another org's figures read; implausible values, dates and sizes are refused or bounded; the OTLP
 * routes answer as the OTLP/HTTP spec says.
 */

const NOW = new Date(Number(DAY0 / 1_000_000n) + 30 * 3_600_000); // a day after DAY0, 06:00
let t: Awaited<ReturnType<typeof createTestApp>>;
afterEach(() => t?.cleanup());

async function app(maxBodyBytes = 1024 * 1024) {
  t = await createTestApp({ now: () => NOW, maxBodyBytes });
  return t;
}

function post(path: string, body: string | Uint8Array, token: string, headers: Record<string, string> = {}) {
  return t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

const count = async (table: string) => (await t.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)}`))!.n;

/** Every row of the tables the ingest path writes and processing reads, for one org (times included). */
async function rowsOf(org: string) {
  const tables = ['claude_sessions', 'telemetry_daily', 'api_requests_daily', 'session_commits', 'session_pull_requests', 'session_line_fingerprints', 'hook_calls', 'otlp_exports', 'identity_links'];
  const rows: Record<string, Record<string, unknown>[]> = {};
  for (const table of tables) rows[table] = await t.db.all(sql`SELECT * FROM ${sql.raw(table)} WHERE org = ${org} ORDER BY 1, 2, 3`);
  return rows;
}

const hookWrite = (sessionId: string, toolUseId: string, content: string) =>
  JSON.stringify({
    session_id: sessionId,
    hook_event_name: 'PostToolUse',
    tool_name: 'Write',
    tool_use_id: toolUseId,
    cwd: '/home/dev/widgets',
    tool_input: { file_path: '/home/dev/widgets/src/limiter.ts', content },
    tool_response: { type: 'create' },
  });

const hookPr = (sessionId: string, toolUseId: string, url: string) =>
  JSON.stringify({
    session_id: sessionId,
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_use_id: toolUseId,
    tool_input: { command: 'gh pr create' },
    tool_response: { gitOperation: { commit: { sha: 'abc1234' }, pr: { url } } },
  });

describe('tenant isolation: org A’s token changes nothing org B’s figures read', () => {
  const SESSION = 'b-session-0001';
  const B_LINES = { name: 'claude_code.lines_of_code.count', value: 0, attributes: { type: 'added', 'session.id': SESSION, 'user.email': 'bea@globex.example' } };
  const cumulative = (value: number, time: bigint, email = 'bea@globex.example') =>
    JSON.stringify(metricsRequest([{ ...B_LINES, value, temporality: 2, start: DAY0, time, attributes: { ...B_LINES.attributes, 'user.email': email } }]));

  /** What org B sends, in order; `attack` runs org A's requests between B's. */
  async function orgB(tokenB: string, attack: () => Promise<void>) {
    const exportBody = JSON.stringify(metricsRequest([{ ...B_LINES, value: 5 }]));
    await attack(); // A sends B's export body, B's tool_use_id, a future point on B's series and B's session id first
    expect((await post('/v1/metrics', exportBody, tokenB)).status).toBe(200);
    expect((await post('/v1/metrics', cumulative(10, DAY0 + HOUR), tokenB)).status).toBe(200);
    expect((await post('/v1/metrics', cumulative(25, DAY0 + 2n * HOUR), tokenB)).status).toBe(200);
    expect((await post('/hooks/claude-code', hookWrite(SESSION, 'toolu_b1', 'export const limit = 10;\nexport const burst = 20;'), tokenB)).status).toBe(200);
    expect((await post('/hooks/claude-code', hookPr(SESSION, 'toolu_b2', 'https://github.com/globex/widgets/pull/7'), tokenB)).status).toBe(200);
    await attack(); // and again after B's data arrived
  }

  it('reusing B’s session id, tool_use_id, identical export body and cumulative series (future-dated point) leaves B’s rows as they are without A', async () => {
    await app();
    const b = (await createIngestToken(t.db, { org: 'globex' })).token;
    await orgB(b, async () => {});
    const alone = await rowsOf('globex');
    await t.cleanup();

    await app();
    const b2 = (await createIngestToken(t.db, { org: 'globex' })).token;
    const a = t.token; // acme
    await orgB(b2, async () => {
      await post('/v1/metrics', JSON.stringify(metricsRequest([{ ...B_LINES, value: 5 }])), a);
      // A future-dated point (within the day allowed) on the same series as B's, with a huge value.
      await post('/v1/metrics', cumulative(900_000, BigInt(NOW.getTime()) * 1_000_000n + 12n * HOUR, 'mallory@acme.example'), a);
      await post('/v1/metrics', cumulative(1, BigInt(NOW.getTime()) * 1_000_000n + 12n * HOUR), a);
      await post('/hooks/claude-code', hookWrite(SESSION, 'toolu_b1', 'const stolen = true;\nconst more = "lines";'), a);
      await post('/hooks/claude-code', hookPr(SESSION, 'toolu_b2', 'https://github.com/globex/widgets/pull/8'), a);
      await post('/hooks/claude-code', hookPr(SESSION, 'toolu_a9', 'https://github.com/globex/widgets/pull/9'), a);
      await post('/v1/logs', JSON.stringify(logsRequest([{ name: 'api_request', attributes: { 'session.id': SESSION, model: 'm', cost_usd: '3', 'user.email': 'mallory@acme.example' } }])), a);
    });
    const attacked = await rowsOf('globex');
    expect(attacked).toEqual(alone);
    // B's genuine figures: 5 (delta) + 25 (cumulative: 10, then +15), its PR and the lines it wrote.
    const b_counters = (await t.db.get(sql`SELECT sum(value) AS v FROM telemetry_daily WHERE org = 'globex' AND metric = 'lines_added'`));
    expect(b_counters).toEqual({ v: 30 });
    expect(attacked.session_pull_requests).toMatchObject([{ repository: 'globex/widgets', number: 7 }]);
    expect(attacked.claude_sessions).toMatchObject([{ id: SESSION, org: 'globex', user_email: 'bea@globex.example' }]);
    // A's writes landed in A's own org, under the same session id, apart from B's.
    expect(await t.db.all(sql`SELECT org, user_email FROM claude_sessions WHERE id = ${SESSION} ORDER BY org`)).toEqual([
      { org: 'acme', user_email: 'mallory@acme.example' },
      { org: 'globex', user_email: 'bea@globex.example' },
    ]);
  });
});

describe('amplification and stored sizes', () => {
  /** A resource attribute nested `depth` levels deep (kvlistValue inside kvlistValue). */
  function nested(depth: number) {
    let value: object = { stringValue: 'x'.repeat(40) };
    for (let i = 0; i < depth; i++) value = { kvlistValue: { values: [{ key: `k${i}`, value }] } };
    return value;
  }

  it('a 24-level nested resource attribute stores nothing of it and costs nothing (was 134 MB)', async () => {
    await app();
    const body = metricsRequest([{ name: 'claude_code.lines_of_code.count', value: 3, attributes: { type: 'added' } }]);
    (body.resourceMetrics[0]!.resource.attributes as object[]).push({ key: 'team', value: { stringValue: 'payments' } }, { key: 'bomb', value: nested(24) });
    const protobuf = toProtobuf('metrics', body);
    expect(protobuf.length).toBeLessThan(2_500);
    const started = Date.now();
    const before = process.memoryUsage().rss;
    const res = await post('/v1/metrics', protobuf, t.token, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    const session = (await t.db.get<{ attributes: string }>(sql`SELECT attributes FROM claude_sessions`))!;
    expect(JSON.parse(session.attributes)).toEqual({ team: 'payments' });
    expect((await storedTelemetry(t.db)).counters).toEqual({ lines_added: 3 });
  });

  it('a JSON body nested deeper than 64 levels is a 400 in google.rpc.Status, before it is parsed', async () => {
    await app();
    const deep = `{"resourceMetrics":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    const res = await post('/v1/metrics', deep, t.token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: expect.stringContaining('nests deeper than 64 levels') });
    expect(await count('otlp_exports')).toBe(0);
  });

  it('a body of many tiny messages is refused (413) before it is decoded (10 MB of empty data points took 1.3 GB and 13 s)', async () => {
    await app();
    const emptyResourceMetrics = Buffer.alloc(1024 * 1024).fill(Buffer.from([0x0a, 0x00]));
    const proto = await post('/v1/metrics', emptyResourceMetrics, t.token, { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(413);
    expect(otlpTypes.status.toObject(otlpTypes.status.decode(new Uint8Array(await proto.arrayBuffer())))).toEqual({
      code: 8,
      message: 'Body holds more than 200000 protobuf messages: send smaller exports.',
    });
    const json = await post('/v1/logs', `{"resourceLogs":[${Array(300_000).fill('{}').join(',')}]}`, t.token);
    expect(json.status).toBe(413);
    const hook = await post('/hooks/claude-code', `{"session_id":"s","hook_event_name":"PostToolUse","x":[${Array(300_000).fill('[]').join(',')}]}`, t.token);
    expect(hook.status).toBe(413);
    expect(await count('otlp_exports')).toBe(0);
  });

  it('keeps at most 16 custom labels of bounded size; identity fields too long to be real are left unset', async () => {
    await app();
    const resource: Record<string, string> = { 'service.name': 'claude-code' };
    for (let i = 0; i < 40; i++) resource[`label${String(i).padStart(2, '0')}`] = `v${i}`;
    resource.team = 'payments';
    resource.huge = 'y'.repeat(10_000);
    resource['k'.repeat(100)] = 'long key';
    const attributes = {
      type: 'added',
      'user.email': `${'e'.repeat(300)}@acme.example`,
      'user.id': 'u'.repeat(1_000_000),
      'terminal.type': 't'.repeat(500),
      'github.login': 'not a login!',
    };
    const res = await post('/v1/metrics', JSON.stringify(metricsRequest([{ name: 'claude_code.lines_of_code.count', value: 1, attributes }], resource)), t.token);
    expect(res.status).toBe(200);
    const s = (await t.db.get(sql`SELECT * FROM claude_sessions`)) as Record<string, string | null>;
    expect(s.user_email).toBeNull();
    expect(s.user_id).toBeNull();
    expect(s.github_login).toBeNull();
    expect(s.terminal_type).toBe('t'.repeat(64));
    const labels = JSON.parse(s.attributes!) as Record<string, string>;
    expect(Object.keys(labels)).toHaveLength(16);
    expect(labels.huge).toBeUndefined();
    expect(Object.keys(labels).every((k) => k.length <= 64)).toBe(true);
  });

  it('refuses a session id, tool_use_id or cwd too long to be real (400 for a hook call, partial success for OTLP)', async () => {
    await app();
    const long = 's'.repeat(129);
    for (const body of [hookWrite(long, 'toolu_1', 'const a = 1;'), hookWrite('sess', 'x'.repeat(129), 'const a = 1;')]) {
      const res = await post('/hooks/claude-code', body, t.token);
      expect(res.status).toBe(400);
    }
    const cwd = JSON.parse(hookWrite('sess', 'toolu_2', 'const a = 1;')) as Record<string, unknown>;
    expect((await post('/hooks/claude-code', JSON.stringify({ ...cwd, cwd: '/'.repeat(5000) }), t.token)).status).toBe(400);
    const res = await post('/v1/metrics', JSON.stringify(metricsRequest([{ name: 'claude_code.session.count', value: 1, attributes: { 'session.id': long } }])), t.token);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 × claude_code.session.count: session.id must be at most 128 characters' } });
    expect([await count('claude_sessions'), await count('hook_calls'), await count('session_line_fingerprints'), await count('telemetry_daily')]).toEqual([0, 0, 0, 0]);
  });

  it('a file path longer than 4096 characters is not fingerprinted; a PR link that is not GitHub-shaped is not stored', async () => {
    await app();
    const call = JSON.parse(hookWrite('sess', 'toolu_3', 'export const limit = 10;')) as { tool_input: Record<string, string> };
    call.tool_input.file_path = `/home/dev/widgets/${'d/'.repeat(3000)}x.ts`;
    expect((await post('/hooks/claude-code', JSON.stringify(call), t.token)).status).toBe(200);
    expect((await post('/hooks/claude-code', hookPr('sess', 'toolu_4', `https://github.com/${'o'.repeat(60)}/r/pull/1`), t.token)).status).toBe(200);
    expect((await post('/hooks/claude-code', hookPr('sess', 'toolu_5', 'https://github.com/acme/widgets/pull/99999999999'), t.token)).status).toBe(200);
    expect([await count('session_line_fingerprints'), await count('session_pull_requests'), await count('session_commits')]).toEqual([0, 0, 1]);
  });
});

describe('implausible values and dates are rejected as partial success', () => {
  it('cost_usd "1e308", a negative or NaN cost, a fractional token count: rejected; the org total stays exact', async () => {
    await app();
    const request = (cost: string, extra: Record<string, string | number> = {}) => ({
      name: 'api_request',
      attributes: { model: 'claude-sonnet-4-5', input_tokens: 10, cost_usd: cost, ...extra },
    });
    const res = await post(
      '/v1/logs',
      JSON.stringify(
        logsRequest([request('0.1'), request('0.2'), request('1e308'), request('-1'), request('NaN'), request('0.3', { input_tokens: '1.5' }), request('1000.000001')]),
      ),
      t.token,
    );
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedLogRecords: '5',
        errorMessage:
          '4 × api_request: cost_usd must be a number from 0 to 1000; 1 × api_request: token counts must be whole numbers from 0 to 100000000',
      },
    });
    // 0.1 + 0.2 in micro-dollars: exactly 300,000 (0.30000000000000004 in floating point).
    expect(await t.db.all(sql`SELECT requests, input_tokens, cost_micro_usd FROM api_requests_daily`)).toEqual([
      { requests: 2, input_tokens: 20, cost_micro_usd: 300_000 },
    ]);
  });

  it('asDouble 1e300, Infinity, negative and per-metric bounds: rejected, the rest stored', async () => {
    await app();
    const point = (name: string, value: number, attributes: Record<string, string> = {}) => ({ name, value, attributes });
    const res = await post(
      '/v1/metrics',
      JSON.stringify(
        metricsRequest([
          point('claude_code.lines_of_code.count', 1e300, { type: 'added' }),
          point('claude_code.lines_of_code.count', 1_000_001, { type: 'added' }),
          point('claude_code.lines_of_code.count', 7, { type: 'added' }),
          point('claude_code.cost.usage', 10_001, { model: 'm' }),
          point('claude_code.cost.usage', 0.1, { model: 'm' }),
          point('claude_code.cost.usage', 0.2, { model: 'm' }),
          point('claude_code.session.count', -1),
          point('claude_code.token.usage', 5, { model: 'm'.repeat(129), type: 'input' }),
        ]),
      ),
      t.token,
    );
    const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedDataPoints).toBe('5');
    expect(body.partialSuccess.errorMessage).toContain('2 × claude_code.lines_of_code.count: value must be a number from 0 to 1000000');
    expect(body.partialSuccess.errorMessage).toContain('claude_code.cost.usage: value must be a number from 0 to 10000');
    expect(body.partialSuccess.errorMessage).toContain('claude_code.token.usage: model, tool and type names must be at most 128 characters');
    expect(await t.db.all(sql`SELECT metric, value FROM telemetry_daily ORDER BY metric`)).toEqual([
      { metric: 'cost_micro_usd', value: 300_000 },
      { metric: 'lines_added', value: 7 },
    ]);
  });

  it('timeUnixNano 1e30, a negative time, a time before 2020 or more than a day ahead: rejected, not a 500 and not "now"', async () => {
    await app();
    const at = (time: string | number) => {
      const body = metricsRequest([{ name: 'claude_code.session.count', value: 1 }]);
      (body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum.dataPoints[0] as Record<string, unknown>).timeUnixNano = time;
      return JSON.stringify(body);
    };
    const nowNs = BigInt(NOW.getTime()) * 1_000_000n;
    for (const time of [1e30, '-5', '1000000000000000000000', String(1_500_000_000n * 1_000_000_000n), String(nowNs + 25n * HOUR)]) {
      const res = await post('/v1/metrics', at(time), t.token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        partialSuccess: {
          rejectedDataPoints: '1',
          errorMessage: "1 × claude_code.session.count: timestamp must be unset or between 2020-01-01 and one day after the server's clock",
        },
      });
    }
    const logs = logsRequest([{ name: 'user_prompt', attributes: {}, time: 10n ** 29n }]);
    expect(await (await post('/v1/logs', JSON.stringify(logs), t.token)).json()).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });
    expect(await count('telemetry_daily')).toBe(0);
    expect((await post('/v1/metrics', at(String(nowNs + 23n * HOUR)), t.token)).status).toBe(200);
    expect(await count('telemetry_daily')).toBe(1);
  });
});

describe('one request naming many things', () => {
  it('more committing sessions in one logs request than SQLite takes parameters: stored, not a 500', async () => {
    await app(32 * 1024 * 1024);
    // 35,000 records of five protobuf messages each: under the 200,000-message bound, over SQLite's 32,766 parameters.
    const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const logRecords = Array.from({ length: 35_000 }, (_, i) => ({
      timeUnixNano: String(DAY0 + HOUR),
      eventName: 'claude_code.tool_result',
      attributes: [kv('session.id', `s-${i}`), kv('tool_parameters', '{"git_commit_id":"abcdef1"}')],
    }));
    const body = toProtobuf('logs', { resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
    const res = await post('/v1/logs', body, t.token, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(await count('session_commits')).toBe(35_000);
  }, 30_000);

  it('rejection reasons naming what the sender sent are few and short', async () => {
    await app();
    const long = Array.from({ length: 300 }, (_, i) => ({ name: `${'n'.repeat(1000)}${i}`, attributes: {}, time: 5n }));
    const short = Array.from({ length: 300 }, (_, i) => ({ name: `e${i}`, attributes: {}, time: 5n }));
    const res = await post('/v1/logs', JSON.stringify(logsRequest([...long, ...short])), t.token);
    const body = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedLogRecords).toBe('600');
    // Names are cut to 64 characters (the 300 long ones read the same), and ten reasons are listed.
    expect(body.partialSuccess.errorMessage).toMatch(/^300 × n{64}…: timestamp must be/);
    expect(body.partialSuccess.errorMessage).toMatch(/; 291 more reasons$/);
    expect(body.partialSuccess.errorMessage.length).toBeLessThan(2_000);
  });
});

describe('OTLP/HTTP answers', () => {
  it('refusals carry google.rpc.Status in the request’s encoding', async () => {
    await app();
    const json = await post('/v1/metrics', 'not json', t.token);
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({ code: 3, message: expect.stringMatching(/^Body is not a valid OTLP JSON ExportMetricsServiceRequest: /) });

    const proto = await post('/v1/logs', new Uint8Array([0x0a, 0xff, 0xff]), t.token, { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    const status = otlpTypes.status.toObject(otlpTypes.status.decode(new Uint8Array(await proto.arrayBuffer())));
    expect(status).toEqual({ code: 3, message: expect.stringMatching(/^Body is not a valid OTLP protobuf ExportLogsServiceRequest: /) });

    const unauthenticated = await post('/v1/metrics', toProtobuf('metrics', {}), 'ccm_ingest_nope', { 'content-type': 'application/x-protobuf' });
    expect(unauthenticated.status).toBe(401);
    expect(otlpTypes.status.toObject(otlpTypes.status.decode(new Uint8Array(await unauthenticated.arrayBuffer())))).toEqual({
      code: 16,
      message: 'Unknown or revoked ingest token.',
    });
  });

  it('GET /v1/metrics and /v1/logs: 405 with Allow: POST', async () => {
    await app();
    for (const path of ['/v1/metrics', '/v1/logs']) {
      const res = await t.app.request(path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toMatchObject({ code: 12 });
    }
    const hook = await t.app.request('/hooks/claude-code');
    expect(hook.status).toBe(405);
    expect(hook.headers.get('allow')).toBe('POST');
  });

  it('an empty JSON body is an empty request: 200, nothing stored', async () => {
    await app();
    for (const path of ['/v1/metrics', '/v1/logs']) {
      const res = await post(path, '', t.token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    expect(await count('telemetry_daily')).toBe(0);
  });

  it('an unknown field inside an attribute value is ignored, not the attribute (the person stays linked)', async () => {
    await app();
    const body = metricsRequest([{ name: 'claude_code.session.count', value: 1 }]);
    const attrs = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum.dataPoints[0]!.attributes as { key: string; value: Record<string, unknown> }[];
    for (const kv of attrs) kv.value = { futureField: { a: 1 }, ...kv.value };
    expect((await post('/v1/metrics', JSON.stringify(body), t.token)).status).toBe(200);
    expect((await storedTelemetry(t.db)).sessions).toMatchObject([{ id: 'sess-1', userEmail: 'dana@acme.example' }]);
  });
});

describe('retention', () => {
  it('prunes by received time as well as by day: rows dated 2300 go too', async () => {
    await app();
    const insert = (day: string, receivedAt: string) =>
      t.db.run(sql`INSERT INTO telemetry_daily (org, day, session_id, metric, dimension, value, received_at) VALUES ('acme', ${day}, 's', 'sessions', '', 1, ${receivedAt})`);
    await insert('2300-01-01', '2026-01-01T00:00:00.000Z');
    await insert('2026-11-20', '2026-11-20T10:00:00.000Z');
    await t.db.run(
      sql`INSERT INTO api_requests_daily (org, day, session_id, model, requests, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_micro_usd, received_at) VALUES ('acme', '2300-01-01', 's', 'm', 1, 0, 0, 0, 0, 1, '2026-01-01T00:00:00.000Z')`,
    );
    const result = await pruneExpired(t.db, { now: NOW, retentionDays: 120 });
    expect(result).toMatchObject({ telemetryCounters: 1, apiRequestDays: 1 });
    expect(await t.db.all(sql`SELECT day FROM telemetry_daily`)).toEqual([{ day: '2026-11-20' }]);
  });
});

describe('recordings still count in full', () => {
  it('the recorded protobuf export, with a 1 MB team label added, stores the same counters and no label', async () => {
    await app();
    const recorded = capturedRequests('rate-limiter-http-protobuf-details-hooks').find((r) => r.path === '/v1/metrics')!;
    const decoded = otlpTypes.metricsRequest.toObject(otlpTypes.metricsRequest.decode(recorded.body), { longs: String }) as {
      resourceMetrics: { resource: { attributes: object[] } }[];
    };
    decoded.resourceMetrics[0]!.resource.attributes.push({ key: 'department', value: { stringValue: 'z'.repeat(1024 * 1024 - 200) } });
    const body = otlpTypes.metricsRequest.encode(otlpTypes.metricsRequest.fromObject(decoded)).finish();
    const res = await post('/v1/metrics', body, t.token, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(413); // over this app's 1 MiB limit: refused whole
    await t.cleanup();
    t = await createTestApp({ maxBodyBytes: 4 * 1024 * 1024 });
    const accepted = await post('/v1/metrics', body, t.token, { 'content-type': 'application/x-protobuf' });
    expect(accepted.status).toBe(200);
    const figures = await storedTelemetry(t.db);
    expect(figures.counters).toMatchObject({ sessions: 1, lines_added: 30, commits: 1 });
    expect(figures.sessions[0]!.attributes).toEqual({ team: 'payments' });
  });
});
