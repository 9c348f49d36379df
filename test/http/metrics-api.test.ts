import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { startProcessedOrg } from '../helpers/processed-org.js';

/*
 * The metrics API through `app.request()`, on a database the real pipeline filled from the recordings.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let key: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg());
  key = (await createApiKey(app.db, { org: 'acme' })).key;
});
afterAll(() => cleanup());

const get = (path: string, headers: Record<string, string> = { 'x-api-key': key }) => app.http.request(`/api/v1${path}`, { headers });
const json = async (path: string) => {
  const res = await get(path);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe('figures', () => {
  it('summary: Dana’s PR #42 with Claude Code, and both sessions’ usage', async () => {
    const body = await json(`/orgs/acme/summary?${RANGE}`);
    expect(body).toEqual({
      org: 'acme',
      start_date: '2026-11-20',
      end_date: '2026-11-22',
      pull_requests: { merged: 1, with_claude_code: 1, without_claude_code: 0, with_claude_code_share: 1, opened: 1, by_bots: 0 },
      lines_committed: { total: 23, with_claude_code: 22, without_claude_code: 1 },
      claude_code: {
        // Dana: 30 lines accepted, Write + 2 Edits accepted; Sam: 1 line, 1 Edit accepted and 1 Write rejected.
        lines_accepted: 31,
        lines_removed: 1,
        suggestion_accept_rate: 0.8,
        decisions: { accepted: 4, rejected: 1 },
        sessions: 2,
        active_users: 2,
        commits: 2,
        pull_requests: 1,
        cost_usd: 0.02145,
      },
      data_processed_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('daily: one row per day, zeros where nothing happened, summing to the summary', async () => {
    const body = await json(`/orgs/acme/daily?${RANGE}`);
    expect(body.data.map((r: { date: string }) => r.date)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    expect(body.data[0]).toMatchObject({ pull_requests_merged: 0, lines_accepted: 0, cost_usd: 0, suggestion_accept_rate: null });
    expect(body.data[1]).toMatchObject({
      pull_requests_merged: 1,
      pull_requests_merged_with_claude_code: 1,
      lines_committed: 23,
      lines_committed_with_claude_code: 22,
      lines_committed_without_claude_code: 1,
      lines_accepted: 31,
      decisions_accepted: 4,
      decisions_rejected: 1,
      suggestion_accept_rate: 0.8,
      sessions: 2,
      active_users: 2,
      cost_usd: 0.02145,
    });
  });

  it('users: Dana by login, Sam unlinked by email', async () => {
    const body = await json(`/orgs/acme/users?${RANGE}`);
    expect(body.next_page).toBeNull();
    expect(body.data).toEqual([
      {
        login: 'dana',
        email: 'dana@acme.example',
        pull_requests_merged: 1,
        pull_requests_with_claude_code: 1,
        pull_requests_without_claude_code: 0,
        pull_requests_opened: 1,
        lines_committed: 23,
        lines_with_claude_code: 22,
        lines_without_claude_code: 1,
        lines_accepted: 30,
        suggestion_accept_rate: 1,
        sessions: 1,
        cost_usd: 0.0132,
      },
      expect.objectContaining({ login: null, email: 'sam@acme.example', lines_accepted: 1, suggestion_accept_rate: 0.5, pull_requests_merged: 0 }),
    ]);
  });

  it('users/{login}: one person’s totals and days', async () => {
    const body = await json(`/orgs/acme/users/Dana?${RANGE}`);
    expect(body.totals).toMatchObject({ login: 'dana', lines_with_claude_code: 22 });
    expect(body.data.map((d: { lines_accepted: number }) => d.lines_accepted)).toEqual([0, 30, 0]);
    expect((await get(`/orgs/acme/users/nobody?${RANGE}`)).status).toBe(404);
  });

  it('pull-requests: the attribution, its evidence, in plain words', async () => {
    const body = await json(`/orgs/acme/pull-requests?${RANGE}`);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      repository: 'acme/widgets',
      number: 42,
      title: 'Add rate limiting',
      author: 'dana',
      author_is_bot: false,
      with_claude_code: true,
      lines_added: 23,
      lines_with_claude_code: 22,
    });
    expect(body.data[0].evidence.map((e: { kind: string }) => e.kind)).toEqual(['line_match', 'commit_link', 'trailer']);
    expect(body.data[0].explanation).toEqual([
      '22 of 23 lines match what Claude Code wrote in session c09ec6b4, working in acme/widgets (src/rate-limiter.ts: 17, src/server.ts: 5)',
      'commit 6a585aa was made by Claude Code (session c09ec6b4)',
      'commit 6a585aa carries a Co-Authored-By: Claude trailer; the description says "Generated with Claude Code"',
    ]);
    expect((await json(`/orgs/acme/pull-requests?${RANGE}&with_claude_code=false`)).data).toEqual([]);
    expect((await json(`/orgs/acme/pull-requests?${RANGE}&with_claude_code=true`)).data).toHaveLength(1);
  });

  it('pull-requests/{owner}/{repo}/{number}: one PR', async () => {
    expect(await json('/orgs/acme/pull-requests/acme/widgets/42')).toMatchObject({ number: 42, lines_with_claude_code: 22 });
    const missing = await get('/orgs/acme/pull-requests/acme/widgets/41');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { type: 'not_found_error', message: 'No processed merged pull request acme/widgets#41.' } });
  });

  it('repositories: per repository', async () => {
    expect((await json(`/orgs/acme/repositories?${RANGE}`)).data).toEqual([
      {
        repository: 'acme/widgets',
        pull_requests_merged: 1,
        pull_requests_with_claude_code: 1,
        pull_requests_without_claude_code: 0,
        pull_requests_opened: 1,
        lines_committed: 23,
        lines_with_claude_code: 22,
        lines_without_claude_code: 1,
      },
    ]);
  });
});

describe('pagination', () => {
  it('walks every person exactly once, also when people are added between pages', async () => {
    const seen: (string | null)[] = [];
    let page: string | null = null;
    let first = true;
    do {
      const body: any = await json(`/orgs/acme/users?${RANGE}&limit=1${page ? `&page=${page}` : ''}`);
      seen.push(...body.data.map((u: { login: string | null; email: string }) => u.login ?? u.email));
      page = body.next_page;
      if (first) {
        // Someone new, sorting before and after the cursor, arrives while the pipeline pages.
        for (const userKey of ['aaron', 'zed']) {
          await app.db.run(sql`INSERT INTO daily_user_metrics (org, day, user_key, github_login) VALUES ('acme', '2026-11-21', ${userKey}, ${userKey})`);
        }
        first = false;
      }
    } while (page);
    expect(seen).toEqual(['dana', 'sam@acme.example', 'zed']);
    await app.db.run(sql`DELETE FROM daily_user_metrics WHERE user_key IN ('aaron', 'zed')`);
  });

  it('rejects a page cursor it did not make', async () => {
    const res = await get(`/orgs/acme/users?${RANGE}&page=not-a-cursor`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid query parameter "page": not a cursor from this API' } });
  });
});

describe('errors', () => {
  const error = async (path: string, status: number, headers?: Record<string, string>) => {
    const res = await get(path, headers);
    expect(res.status).toBe(status);
    return ((await res.json()) as { error: { type: string; message: string } }).error;
  };

  it('401 without a key, with an unknown key, with a revoked key', async () => {
    expect(await error('/orgs/acme/summary', 401, {})).toEqual({
      type: 'authentication_error',
      message: 'Missing API key: send "x-api-key: <key>" or "Authorization: Bearer <key>".',
    });
    expect(await error('/orgs/acme/summary', 401, { 'x-api-key': 'ccm_api_nope' })).toEqual({ type: 'authentication_error', message: 'Unknown or revoked API key.' });
    const revoked = await createApiKey(app.db, { org: 'acme' });
    await revokeApiKey(app.db, revoked.row.id);
    expect((await error('/orgs/acme/summary', 401, { 'x-api-key': revoked.key })).type).toBe('authentication_error');
  });

  it('accepts Authorization: Bearer too', async () => {
    expect((await get(`/orgs/acme/summary?${RANGE}`, { authorization: `Bearer ${key}` })).status).toBe(200);
  });

  it('404 for an org the key does not cover, exactly like an org that does not exist', async () => {
    const other = (await createApiKey(app.db, { org: 'globex' })).key;
    const covered = await error('/orgs/acme/summary', 404, { 'x-api-key': other });
    const missing = await error('/orgs/acme/summary', 404, { 'x-api-key': other });
    expect(covered).toEqual({ type: 'not_found_error', message: 'No organization "acme".' });
    expect(missing).toEqual(covered);
    expect(await error('/orgs/initech/summary', 404)).toEqual({ type: 'not_found_error', message: 'No organization "initech".' });
  });

  it.each([
    ['/orgs/acme/summary?start_date=2026-13-01', 'Invalid query parameter "start_date": is not a calendar date'],
    ['/orgs/acme/summary?end_date=yesterday', 'Invalid query parameter "end_date": must be a date (YYYY-MM-DD)'],
    ['/orgs/acme/summary?start_date=2026-11-22&end_date=2026-11-20', 'Invalid query parameters: start_date (2026-11-22) is after end_date (2026-11-20)'],
    ['/orgs/acme/daily?start_date=2025-01-01&end_date=2026-01-02', 'Invalid query parameters: start_date to end_date spans 367 days; at most 366 are allowed'],
    ['/orgs/acme/summary?colour=blue', 'Unknown query parameter "colour"'],
    ['/orgs/acme/pull-requests/acme/widgets/42?colour=blue', 'Unknown query parameter "colour"'],
    ['/orgs/acme/users?limit=0', 'Invalid query parameter "limit": must be at least 1'],
    ['/orgs/acme/users?limit=1001', 'Invalid query parameter "limit": must be at most 1000'],
    ['/orgs/acme/pull-requests?with_claude_code=maybe', 'Invalid query parameter "with_claude_code": Invalid option: expected one of "true"|"false"'],
  ])('400 for %s', async (path, message) => {
    expect(await error(path, 400)).toEqual({ type: 'invalid_request_error', message });
  });
});

describe('freshness and rate limit', () => {
  it('answers 304 to a poller that has the current ETag', async () => {
    const first = await get(`/orgs/acme/summary?${RANGE}`);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await get(`/orgs/acme/summary?${RANGE}`, { 'x-api-key': key, 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('compares If-None-Match as HTTP does: a list, a weak tag (a compressing proxy) or *', async () => {
    const etag = (await get(`/orgs/acme/summary?${RANGE}`)).headers.get('etag')!;
    for (const header of [`W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await get(`/orgs/acme/summary?${RANGE}`, { 'x-api-key': key, 'if-none-match': header });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
    }
    expect((await get(`/orgs/acme/summary?${RANGE}`, { 'x-api-key': key, 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('429 with Retry-After and RateLimit headers past the limit', async () => {
    const { app: limited, cleanup: stop } = await startProcessedOrg({ API_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const k = (await createApiKey(limited.db, { org: 'acme' })).key;
      const call = () => limited.http.request('/api/v1/orgs/acme/summary', { headers: { 'x-api-key': k } });
      const first = await call();
      expect(first.headers.get('ratelimit-limit')).toBe('2');
      expect(first.headers.get('ratelimit-remaining')).toBe('1');
      expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    } finally {
      await stop();
    }
  });
});

describe('OpenAPI', () => {
  it('describes every route', async () => {
    const res = await app.http.request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      // Anthropic's paths, under their own server (/v1/organizations).
      '/analytics/cost_report',
      '/analytics/summaries',
      '/analytics/usage_report',
      '/analytics/user_cost_report',
      '/analytics/user_usage_report',
      '/analytics/users',
      '/me',
      '/orgs/{org}/claude_code_usage',
      '/orgs/{org}/cost_report',
      '/orgs/{org}/daily',
      '/orgs/{org}/durability',
      '/orgs/{org}/outcomes',
      '/orgs/{org}/pull-requests',
      '/orgs/{org}/pull-requests/{owner}/{repo}/{number}',
      '/orgs/{org}/repositories',
      '/orgs/{org}/spend_report',
      '/orgs/{org}/summaries',
      '/orgs/{org}/summary',
      '/orgs/{org}/teams',
      '/orgs/{org}/usage_report',
      '/orgs/{org}/user_cost_report',
      '/orgs/{org}/user_usage_report',
      '/orgs/{org}/users',
      '/orgs/{org}/users/{login}',
      '/usage_report/claude_code',
    ]);
  });
});
