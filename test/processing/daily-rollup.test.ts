import { afterEach, describe, expect, it } from 'vitest';
import { dailyModelUsage, dailyOrgMetrics, dailyUserMetrics } from '../../src/db/schema.js';
import { emptyMetrics } from '../../src/db/daily-metrics.js';
import { rollupDay, type DayInput, type TelemetryCounter, type UserRef } from '../../src/processing/daily-rollup.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { DAY0, HOUR, logsRequest, metricsRequest } from '../helpers/otlp-builders.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * Model usage (requests, tokens, cost per person, model and day) comes from one source per
 * session: its `api_request` events when it sent any, else its cost/token metrics. The recorded CLI
 * names the model differently in the two (events `claude-sonnet-4-5`, metrics `claude-opus-4-8[1m]`).
 */

const DANA: UserRef = { userKey: 'dana', githubLogin: 'dana', email: 'dana@acme.example' };
const SAM: UserRef = { userKey: 'unlinked:sam@acme.example', githubLogin: null, email: 'sam@acme.example' };

const metrics = (sessionId: string, model: string, cost: number, input: number, output: number): TelemetryCounter[] => [
  { sessionId, metric: 'sessions', dimension: '', value: 1 },
  { sessionId, metric: 'cost_micro_usd', dimension: model, value: cost },
  { sessionId, metric: 'tokens', dimension: `${model}:input`, value: input },
  { sessionId, metric: 'tokens', dimension: `${model}:output`, value: output },
];

function day(input: Partial<DayInput>) {
  return rollupDay({
    subjects: [],
    opened: [],
    telemetry: [],
    apiRequests: [],
    userOfSession: (id) => (id.startsWith('dana') ? DANA : SAM),
    ...input,
  });
}

describe('rollupDay: model usage', () => {
  it('takes a session’s requests, tokens and cost from its api_request events, under the events’ model: one row', () => {
    const rollup = day({
      telemetry: metrics('dana-1', 'claude-opus-4-8[1m]', 13_200, 960, 336),
      apiRequests: [
        { sessionId: 'dana-1', model: 'claude-sonnet-4-5', requests: 8, inputTokens: 960, outputTokens: 336, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 13200 },
      ],
    });
    expect(rollup.models).toEqual([
      { userKey: 'dana', model: 'claude-sonnet-4-5', requests: 8, inputTokens: 960, outputTokens: 336, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 13200 },
    ]);
    expect(rollup.users.get('dana')!.metrics).toMatchObject({ sessions: 1, costMicroUsd: 13200, inputTokens: 960, outputTokens: 336, activeUsers: 1 });
    expect(rollup.org).toMatchObject({ sessions: 1, costMicroUsd: 13200, inputTokens: 960, outputTokens: 336, activeUsers: 1 });
  });

  it('where the events and metrics disagree, the events count, never both', () => {
    const rollup = day({
      telemetry: metrics('dana-1', 'claude-opus-4-8[1m]', 9_000_000, 9000, 900),
      apiRequests: [
        { sessionId: 'dana-1', model: 'claude-sonnet-4-5', requests: 2, inputTokens: 100, outputTokens: 10, cacheReadTokens: 5, cacheCreationTokens: 1, costMicroUsd: 500000 },
      ],
    });
    expect(rollup.models.map((m) => [m.model, m.requests, m.costMicroUsd])).toEqual([['claude-sonnet-4-5', 2, 500_000]]);
    expect(rollup.org).toMatchObject({ costMicroUsd: 500000, inputTokens: 100, outputTokens: 10, cacheReadTokens: 5, cacheCreationTokens: 1 });
  });

  it('a session without events keeps its metrics (no request count); sessions are independent', () => {
    const rollup = day({
      telemetry: [...metrics('dana-1', 'claude-opus-4-8[1m]', 13_200, 960, 336), ...metrics('sam-1', 'claude-opus-4-1', 250_000, 50, 5)],
      apiRequests: [
        { sessionId: 'dana-1', model: 'claude-sonnet-4-5', requests: 8, inputTokens: 960, outputTokens: 336, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 13200 },
      ],
    });
    expect(rollup.models.map((m) => [m.userKey, m.model, m.requests, m.inputTokens, m.costMicroUsd])).toEqual([
      ['dana', 'claude-sonnet-4-5', 8, 960, 13_200],
      ['unlinked:sam@acme.example', 'claude-opus-4-1', 0, 50, 250_000],
    ]);
    expect(rollup.org.costMicroUsd).toBe(263_200);
    expect(rollup.org.inputTokens).toBe(1010);
  });

  it('a session known to send events contributes no metric usage on a day without events', () => {
    const rollup = day({ telemetry: metrics('dana-1', 'claude-opus-4-8[1m]', 0.01, 100, 10), sessionsWithApiRequests: new Set(['dana-1']) });
    expect(rollup.models).toEqual([]);
    expect(rollup.org).toMatchObject({ sessions: 1, costMicroUsd: 0, inputTokens: 0, activeUsers: 1 });
  });
});

describe('processing: a session’s requests at 23:59, its metrics exported after midnight', () => {
  let t: Awaited<ReturnType<typeof createTestApp>> | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('counts its spend once, on the day of the requests', async () => {
    t = await createTestApp();
    const post = async (path: string, body: object) => {
      const res = await t!.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${t!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    };
    const request = (at: bigint) => ({
      name: 'api_request',
      time: at,
      attributes: { 'session.id': 'sess-1', 'user.email': 'dana@acme.example', model: 'claude-sonnet-4-5', input_tokens: 120, output_tokens: 42, cost_usd: '0.00165' },
    });
    // 2026-11-21 23:58 and 23:59; the metrics' export covering both lands at 2026-11-22 00:00:05.
    await post('/v1/logs', logsRequest([request(DAY0 + 24n * HOUR - 120_000_000_000n), request(DAY0 + 24n * HOUR - 60_000_000_000n)]));
    const exported = { start: DAY0 + 23n * HOUR, time: DAY0 + 24n * HOUR + 5_000_000_000n };
    await post(
      '/v1/metrics',
      metricsRequest([
        { name: 'claude_code.session.count', value: 1, ...exported },
        { name: 'claude_code.cost.usage', value: 0.0033, attributes: { model: 'claude-opus-4-8[1m]' }, ...exported },
        { name: 'claude_code.token.usage', value: 240, attributes: { model: 'claude-opus-4-8[1m]', type: 'input' }, ...exported },
        { name: 'claude_code.token.usage', value: 84, attributes: { model: 'claude-opus-4-8[1m]', type: 'output' }, ...exported },
      ]),
    );
    await runProcessing(t.db, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-22' });

    expect(await t.db.select().from(dailyModelUsage)).toEqual([
      {
        org: 'acme',
        day: '2026-11-21',
        userKey: 'unlinked:dana@acme.example',
        model: 'claude-sonnet-4-5',
        requests: 2,
        inputTokens: 240,
        outputTokens: 84,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        costMicroUsd: 3300,
      },
    ]);
    const org = (await t.db.select().from(dailyOrgMetrics).orderBy(dailyOrgMetrics.day)).map((r) => [r.day, r.costMicroUsd, r.inputTokens, r.activeUsers]);
    expect(org).toEqual([
      ['2026-11-21', 3300, 240, 1],
      ['2026-11-22', 0, 0, 1],
    ]);
    expect((await t.db.select().from(dailyUserMetrics)).reduce((n, r) => n + r.costMicroUsd, 0)).toBe(3300);
  });
});

describe('rollupDay: names from telemetry', () => {
  it('counts a tool or token type named like an Object property nowhere (no stray fields, no NaN)', () => {
    const rollup = day({
      telemetry: [
        { sessionId: 'dana-1', metric: 'edit_decisions', dimension: 'constructor:accept', value: 3 },
        { sessionId: 'dana-1', metric: 'edit_decisions', dimension: '__proto__:reject', value: 2 },
        { sessionId: 'dana-1', metric: 'tokens', dimension: 'claude-sonnet-4-5:toString', value: 5 },
        { sessionId: 'dana-1', metric: 'edit_decisions', dimension: 'Edit:accept', value: 1 },
      ],
    });
    expect(Object.keys(rollup.org).sort()).toEqual(Object.keys(emptyMetrics()).sort());
    expect(rollup.org.editToolAccepted).toBe(1);
    expect(Object.values(rollup.org).every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe('rollupDay: per terminal and is_remote', () => {
  it('splits each person’s telemetry by the sessions’ terminal and remoteness; the parts sum to the person', () => {
    const refs: Record<string, UserRef> = {
      'dana-vscode': { ...DANA, terminalType: 'vscode' },
      'dana-iterm': { ...DANA, terminalType: 'iTerm.app' },
      'dana-web': { ...DANA, terminalType: 'vscode', isRemote: true },
      'sam-1': SAM,
    };
    const rollup = day({
      telemetry: [
        ...metrics('dana-vscode', 'claude-sonnet-4-5', 1_000, 10, 1),
        ...metrics('dana-iterm', 'claude-sonnet-4-5', 2_000, 20, 2),
        ...metrics('dana-web', 'claude-opus-4-1', 4_000, 40, 4),
        ...metrics('sam-1', 'claude-sonnet-4-5', 8_000, 80, 8),
      ],
      userOfSession: (id) => refs[id]!,
    });
    expect(rollup.terminals.map((t) => [t.userKey, t.terminalType, t.isRemote, t.metrics.sessions, t.metrics.inputTokens, t.metrics.activeUsers])).toEqual([
      ['dana', 'vscode', false, 1, 10, 1],
      ['dana', 'iTerm.app', false, 1, 20, 1],
      ['dana', 'vscode', true, 1, 40, 1],
      [SAM.userKey, 'unknown', false, 1, 80, 1],
    ]);
    expect(rollup.terminalModels.map((m) => [m.userKey, m.terminalType, m.isRemote, m.model, m.costMicroUsd])).toEqual([
      ['dana', 'vscode', true, 'claude-opus-4-1', 4_000],
      ['dana', 'iTerm.app', false, 'claude-sonnet-4-5', 2_000],
      ['dana', 'vscode', false, 'claude-sonnet-4-5', 1_000],
      [SAM.userKey, 'unknown', false, 'claude-sonnet-4-5', 8_000],
    ]);
    for (const key of ['dana', SAM.userKey]) {
      const parts = rollup.terminals.filter((t) => t.userKey === key);
      const whole = rollup.users.get(key)!.metrics;
      expect(parts.reduce((n, t) => n + t.metrics.costMicroUsd, 0)).toBe(whole.costMicroUsd);
      expect(parts.reduce((n, t) => n + t.metrics.sessions, 0)).toBe(whole.sessions);
    }
  });
});
