import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { commits, repositories, sessionCommits } from '../../src/db/schema.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { DAY0, HOUR, metricsRequest } from '../helpers/otlp-builders.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * Anthropic's Claude Code usage report answers one record per person, day and terminal (the
 * sessions' `terminal.type` resource attribute), and a day's records sum to that day's summary.
 * Three sessions of one person on two terminals, one of another person with no terminal reported,
 * and one of that person on Claude Code on the web: its commit carries the web session's URL, so
 * its record is `is_remote`.
 */

const DAY = '2026-11-21';

describe('usage_report/claude_code: per person, day and terminal', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-22T12:00:00Z') });
    const send = async (session: string, email: string, terminal: string | undefined, n: number, model: string) => {
      const attributes = { 'session.id': session, 'user.email': email };
      const point = (name: string, value: number, extra: Record<string, string> = {}) => ({ name, value, attributes: { ...attributes, ...extra }, start: DAY0 + HOUR, time: DAY0 + 2n * HOUR });
      const resource = { 'service.name': 'claude-code', ...(terminal ? { 'terminal.type': terminal } : {}) };
      const res = await t.app.request('/v1/metrics', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          metricsRequest(
            [
              point('claude_code.session.count', 1),
              point('claude_code.lines_of_code.count', 10 * n, { type: 'added' }),
              point('claude_code.code_edit_tool.decision', n, { tool_name: 'Edit', decision: 'accept' }),
              point('claude_code.token.usage', 100 * n, { model, type: 'input' }),
              point('claude_code.cost.usage', 0.01 * n, { model }),
            ],
            resource,
          ),
        ),
      });
      expect(res.status).toBe(200);
    };
    await send('s-1', 'kim@acme.example', 'vscode', 1, 'claude-sonnet-4-5');
    await send('s-2', 'kim@acme.example', 'iTerm.app', 2, 'claude-sonnet-4-5');
    await send('s-3', 'kim@acme.example', 'iTerm.app', 3, 'claude-opus-4-1');
    await send('s-4', 'lee@acme.example', undefined, 4, 'claude-sonnet-4-5');
    await send('s-5', 'lee@acme.example', undefined, 5, 'claude-sonnet-4-5');
    // What GitHub's push webhook stores of the commit s-5 reported making.
    const now = '2026-11-21T03:00:00Z';
    await t.db.insert(repositories).values({ id: 7, ownerLogin: 'acme', name: 'widgets', fullName: 'acme/widgets', updatedAt: now });
    const sha = 'a'.repeat(40);
    await t.db.insert(commits).values({ repositoryId: 7, sha, message: 'Fix the parser\n\nhttps://claude.ai/code/session_01AbCdEfGh', authorLogin: 'lee' });
    await t.db.insert(sessionCommits).values({ sessionId: 's-5', sha: sha.slice(0, 7), org: 'acme', source: 'event', seenAt: now });
    await runProcessing(t.db, { org: 'acme', fromDay: DAY, toDay: DAY });
    key = (await createApiKey(t.db, { org: 'acme' })).key;
  }, 30_000);
  afterAll(() => t.cleanup());

  const get = async (path: string) => {
    const res = await t.app.request(path, { headers: { 'x-api-key': key } });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as any;
  };

  it('one record per person, terminal and is_remote, summing to the day', async () => {
    const body = await get(`/v1/organizations/usage_report/claude_code?starting_at=${DAY}`);
    expect(Object.keys(body).sort()).toEqual(['data', 'has_more', 'next_page']);
    expect(body.data.map((r: any) => [r.actor.email_address, r.terminal_type, r.is_remote, r.core_metrics.num_sessions, r.core_metrics.lines_of_code.added])).toEqual([
      // Lee's commit links the email to the GitHub login lee, which sorts before unlinked people.
      ['lee@acme.example', 'unknown', false, 1, 40],
      ['lee@acme.example', 'unknown', true, 1, 50],
      ['kim@acme.example', 'iTerm.app', false, 2, 50],
      ['kim@acme.example', 'vscode', false, 1, 10],
    ]);
    expect(body.data[2].model_breakdown.map((m: any) => [m.model, m.tokens.input, m.estimated_cost.amount])).toEqual([
      ['claude-opus-4-1', 300, 3],
      ['claude-sonnet-4-5', 200, 2],
    ]);
    expect(body.data[3].model_breakdown.map((m: any) => [m.model, m.tokens.input])).toEqual([['claude-sonnet-4-5', 100]]);
    expect(body.data[1].model_breakdown.map((m: any) => [m.model, m.tokens.input])).toEqual([['claude-sonnet-4-5', 500]]);

    const summary = await get(`/api/v1/orgs/acme/summary?start_date=${DAY}&end_date=${DAY}`);
    const sum = (f: (r: any) => number) => body.data.reduce((n: number, r: any) => n + f(r), 0);
    expect(sum((r) => r.core_metrics.num_sessions)).toBe(summary.claude_code.sessions);
    expect(sum((r) => r.core_metrics.lines_of_code.added)).toBe(summary.claude_code.lines_accepted);
    expect(sum((r) => r.tool_actions.edit_tool.accepted)).toBe(summary.claude_code.decisions.accepted);
    expect(sum((r) => r.model_breakdown.reduce((n: number, m: any) => n + m.estimated_cost.amount, 0))).toBeCloseTo(summary.claude_code.cost_usd * 100, 6);
  });

  it('pages by record: limit counts records, and no record is skipped or repeated', async () => {
    const seen: string[] = [];
    let page: string | null = null;
    do {
      const body: any = await get(`/v1/organizations/usage_report/claude_code?starting_at=${DAY}&limit=1${page ? `&page=${page}` : ''}`);
      expect(body.data).toHaveLength(1);
      seen.push(...body.data.map((r: any) => `${r.actor.email_address} ${r.terminal_type}`));
      page = body.next_page;
    } while (page);
    expect(seen).toEqual(['lee@acme.example unknown', 'lee@acme.example unknown', 'kim@acme.example iTerm.app', 'kim@acme.example vscode']);
  });

  it('the same records under /api/v1', async () => {
    const anthropic = await get(`/v1/organizations/usage_report/claude_code?starting_at=${DAY}`);
    const ours = await get(`/api/v1/orgs/acme/claude_code_usage?starting_at=${DAY}`);
    expect(ours.data).toEqual(anthropic.data);
  });
});
