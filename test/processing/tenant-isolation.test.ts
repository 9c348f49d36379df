import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { capturedRequests } from '../helpers/replay.js';

/*
 * Issue 12, item 3, end to end: another org's ingest token replays acme's own recordings first
 * (the same session ids, tool_use_ids, export bodies and cumulative series), claims acme's PR #42
 * and sends implausible spend. acme's processed figures must be exactly what they are without it.
 */

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

/** Everything acme's pages and API read after processing (times of writing left out). */
async function acmeFigures(app: AppServer) {
  const all = (query: string) => app.db.all(sql.raw(query));
  return {
    org: await all("SELECT * FROM daily_org_metrics WHERE org = 'acme' ORDER BY day"),
    users: await all("SELECT * FROM daily_user_metrics WHERE org = 'acme' ORDER BY day, user_key"),
    repositories: await all("SELECT * FROM daily_repository_metrics WHERE org = 'acme' ORDER BY day, repository"),
    models: await all("SELECT * FROM daily_model_usage WHERE org = 'acme' ORDER BY day, user_key, model"),
    attributions: await all("SELECT subject, with_claude_code, lines_added, lines_with_claude_code, evidence FROM attributions WHERE org = 'acme' ORDER BY subject"),
    identities: await all("SELECT kind, value, github_login, source FROM identity_links WHERE org = 'acme' ORDER BY kind, value, source"),
  };
}

async function replayAs(app: AppServer, org: string) {
  const token = (await createIngestToken(app.db, { org })).token;
  for (const recording of ['rate-limiter-http-json-details-hooks', 'rejected-write-http-json-details-hooks', 'rate-limiter-http-protobuf-details-hooks']) {
    for (const r of capturedRequests(recording)) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': r.contentType };
      if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
      const res = await fetch(`${app.url}${r.path}`, { method: 'POST', headers, body: r.body });
      expect(res.status).toBe(200);
    }
  }
  // A session of its own claiming acme's PR and adding lines under acme's session id.
  const hook = (body: object) =>
    fetch(`${app.url}/hooks/claude-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const session = 'c09ec6b4-ccf3-4416-9f0b-ed29aa232022';
  expect((await hook({ session_id: session, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: 'toolu_evil', tool_response: { gitOperation: { pr: { url: 'https://github.com/acme/widgets/pull/42' } } } })).status).toBe(200);
}

describe('tenant isolation end to end', () => {
  it('another org replaying acme’s recordings first changes none of acme’s processed figures', async () => {
    const alone = await startProcessedOrg({ SEATS: '10' });
    cleanups.push(alone.cleanup);
    const expected = await acmeFigures(alone.app);
    expect((expected.attributions as { with_claude_code: number }[]).some((a) => a.with_claude_code === 1)).toBe(true);
    await alone.cleanup();
    cleanups = [];

    const attacked = await startProcessedOrg({ SEATS: '10' }, { before: (app) => replayAs(app, 'globex') });
    cleanups.push(attacked.cleanup);
    expect(await acmeFigures(attacked.app)).toEqual(expected);
    // globex's copy was stored as globex's own.
    expect(await attacked.app.db.get(sql`SELECT count(*) AS n FROM claude_sessions WHERE org = 'globex'`)).toEqual({ n: 3 });
  }, 60_000);
});
