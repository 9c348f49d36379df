import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { replayRecording } from '../helpers/replay.js';
import { createTestApp } from '../helpers/test-app.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';

/*
 * Every recording of the real Claude Code CLI, replayed byte for byte over HTTP: the stored figures
 * must be what the recording says.
 */

const RATE_LIMITER_SESSION = 'c09ec6b4-ccf3-4416-9f0b-ed29aa232022';
let t: Awaited<ReturnType<typeof createTestApp>> | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function replay(recording: string) {
  t = await createTestApp();
  const responses = await replayRecording(t.app, recording, t.token);
  for (const res of responses) expect(res.status).toBe(200);
  return storedTelemetry(t.db);
}

const rateLimiterCounters = {
  sessions: 1,
  lines_added: 30,
  commits: 1,
  pull_requests: 1,
  'edit_decisions{Write:accept}': 1,
  'edit_decisions{Edit:accept}': 2,
  'cost_usd{claude-opus-4-8[1m]}': 0.0132,
  'tokens{claude-opus-4-8[1m]:input}': 960,
  'tokens{claude-opus-4-8[1m]:output}': 336,
  prompts: 1,
  'tool_decisions{Bash:accept}': 3,
  'tool_decisions{Write:accept}': 1,
  'tool_decisions{Edit:accept}': 2,
  'tool_decisions{Read:accept}': 1,
};

describe('rate-limiter session, OTLP JSON, tool details and hooks', () => {
  it('stores the session, its counters, its commit and PR links, and the fingerprints of what it wrote', async () => {
    const figures = await replay('rate-limiter-http-json-details-hooks');

    expect(figures.sessions).toEqual([
      {
        id: RATE_LIMITER_SESSION,
        org: 'acme',
        userEmail: 'dana@acme.example',
        userId: '4dcfa2b85aaad2e8443550c2ee1700348c549d9a90b2ef04cb3bbd2a1242e25e',
        appVersion: '2.1.197',
        terminalType: 'xterm',
        githubLogin: null,
        attributes: { team: 'payments' },
      },
    ]);
    expect(figures.counters).toMatchObject(rateLimiterCounters);
    // token.usage's zero cache points and active time are there too.
    expect(figures.counters['active_time_seconds{cli}']).toBeCloseTo(0.574, 6);

    // Eight api_request events, 120 input and 42 output tokens and $0.00165 each.
    expect(figures.apiRequests).toEqual([
      {
        org: 'acme',
        day: '2026-11-21',
        sessionId: RATE_LIMITER_SESSION,
        model: 'claude-sonnet-4-5',
        requests: 8,
        inputTokens: 960,
        outputTokens: 336,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        costUsd: 0.0132,
      },
    ]);

    // The commit Claude Code made is the second one of the session's git history.
    const claudeCommit = recordedCommits('rate-limiter-http-json-details-hooks')[1]!;
    expect(figures.commits).toEqual([{ sessionId: RATE_LIMITER_SESSION, sha: '6a585aa' }]);
    expect(claudeCommit.sha.startsWith('6a585aa')).toBe(true);
    expect(figures.pullRequests).toEqual([{ sessionId: RATE_LIMITER_SESSION, repository: 'acme/widgets', number: 42 }]);

    // Write of src/rate-limiter.ts: 23 lines, 17 effective; the two Edits of src/server.ts: 1 + 4 effective lines.
    expect(figures.fingerprints).toEqual({
      'src/rate-limiter.ts': { distinct: 17, lines: 17 },
      'src/server.ts': { distinct: 5, lines: 5 },
    });
  });

  it('stores no code and no prompt', async () => {
    await replay('rate-limiter-http-json-details-hooks');
    const tables = ['claude_sessions', 'telemetry_daily', 'session_line_fingerprints', 'session_commits', 'api_requests_daily', 'hook_calls'];
    const rows = [];
    for (const table of tables) rows.push(await t!.db.all(sql`SELECT * FROM ${sql.identifier(table)}`));
    const everything = JSON.stringify(rows);
    expect(rows.map((r) => r.length > 0)).toEqual(tables.map(() => true)); // each table holds something to search
    expect(everything).not.toContain('TokenBucket');
    expect(everything).not.toContain('rate limiter module');
    expect(everything).not.toContain('git commit');
  });
});

describe('the same scenario in other encodings and switches', () => {
  it('protobuf and JSON recordings of one scenario store identical figures', async () => {
    const json = await replay('rate-limiter-http-json-details-hooks');
    await t!.cleanup();
    const protobuf = await replay('rate-limiter-http-protobuf-details-hooks');
    // Each run is its own session, made its own commit and took its own time; everything else must match.
    const strip = (f: typeof json) => {
      const copy = JSON.parse(JSON.stringify(f).replaceAll(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"<session>"'));
      delete copy.counters['active_time_seconds{cli}'];
      copy.commits = copy.commits.map((c: { sha: string }) => ({ ...c, sha: '<sha>' }));
      return copy;
    };
    expect(strip(protobuf)).toEqual(strip(json));
    expect(protobuf.counters).toMatchObject(rateLimiterCounters);
    expect(protobuf.counters['active_time_seconds{cli}']).toBeCloseTo(0.518, 6);
    expect(protobuf.commits).toHaveLength(1);
    expect(recordedCommits('rate-limiter-http-protobuf-details-hooks')[1]!.sha.startsWith(protobuf.commits[0]!.sha)).toBe(true);
  });

  it('defaults (telemetry only): counts, but no commit link and no fingerprints', async () => {
    const figures = await replay('rate-limiter-http-json-defaults');
    expect(figures.counters).toMatchObject({ sessions: 1, lines_added: 30, commits: 1, pull_requests: 1, 'edit_decisions{Edit:accept}': 2 });
    expect(figures.commits).toEqual([]);
    expect(figures.fingerprints).toEqual({});
    expect(figures.apiRequests[0]).toMatchObject({ requests: 8, costUsd: 0.0132 });
  });
});

describe('rejected-write session', () => {
  it('stores one accepted and one rejected edit decision, and the commit', async () => {
    const figures = await replay('rejected-write-http-json-details-hooks');
    expect(figures.counters).toMatchObject({
      sessions: 1,
      lines_added: 1,
      lines_removed: 1,
      commits: 1,
      'edit_decisions{Write:reject}': 1,
      'edit_decisions{Edit:accept}': 1,
    });
    expect(figures.counters['edit_decisions{Write:accept}']).toBeUndefined();
    expect(figures.commits.map((c) => c.sha)).toEqual(['ca3049b']);
    expect(recordedCommits('rejected-write-http-json-details-hooks').some((c) => c.sha.startsWith('ca3049b'))).toBe(true);
    // Only the accepted Edit reached the hook: one effective line in config.js.
    expect(figures.fingerprints).toEqual({ 'config.js': { distinct: 1, lines: 1 } });
  });
});
