import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { attributions, dailyModelUsage, dailyOrgMetrics, dailyUserMetrics, processingRuns } from '../../src/db/schema.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, installationPayload, pullRequestPayload, pushPayload } from '../helpers/github-payloads.js';
import { GITHUB_API, nockInstallationToken, nockMergedPullRequest, nockOrgMembers } from '../helpers/nock-github.js';
import { appDoors, processedFigures } from '../helpers/app-doors.js';
import { testServerDatabase } from '../helpers/test-app.js';
import { testServerConfig, silentLog } from '../helpers/test-probot.js';

/*
 * The recorded rate-limiter session end to end, over real HTTP into one running app: Claude Code's
 * telemetry and hook calls, then GitHub's signed webhooks for the push and for PR #42 (Claude Code's
 * commit 6a585aa and Dana's README commit a3facfe, merged), GitHub's REST API mocked from the same
 * history, then processing.
 */

const RECORDING = 'rate-limiter-http-json-details-hooks';
const SESSION = 'c09ec6b4-ccf3-4416-9f0b-ed29aa232022';
const [, claudeCommit, readmeCommit] = recordedCommits(RECORDING) as [unknown, ReturnType<typeof recordedCommits>[number], ReturnType<typeof recordedCommits>[number]];
const DAY = '2026-11-21';

let dir: string;
let app: AppServer;
let token: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;

const { replayTelemetry, webhook } = appDoors({ url: () => app.url, token: () => token, deliveryPrefix: 'e2e' });

async function deliverPr42(commits = [claudeCommit, readmeCommit]) {
  await webhook('installation', installationPayload('created'));
  await webhook('pull_request', pullRequestPayload('opened', PR42));
  await webhook('push', pushPayload('feature/rate-limit', commits));
  await webhook('pull_request', pullRequestPayload('closed', { ...PR42_MERGED, additions: 31, changedFiles: 3, headSha: readmeCommit.sha }));
  nockInstallationToken(INSTALLATION_ID);
  // The installation queued a count of acme's members (no SEATS configured), then PR #42's enrichment.
  nockOrgMembers('acme', 12);
  await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, commits, DANA.login);
  expect(await app.worker.runDueJobs()).toBe(2);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-e2e-'));
  // On PostgreSQL a fresh database of its own; on SQLite a file in `dir`.
  database = await testServerDatabase();
  const config = testServerConfig(dir, database.env);
  app = await startAppServer({ config, log: silentLog, startWorker: false, octokitRetries: false });
  token = (await createIngestToken(app.db, { org: 'acme' })).token;
});

afterEach(async () => {
  await app.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const process = (extra: Parameters<typeof runProcessing>[1] = {}) => runProcessing(app.db, { org: 'acme', fromDay: DAY, toDay: DAY, ...extra });

const tables = () => processedFigures(app.db);

describe('the rate-limiter session, end to end', () => {
  it('attributes PR #42 to Claude Code line by line and rolls up Dana and the org', async () => {
    await replayTelemetry(RECORDING);
    await deliverPr42();
    const summary = await process();
    expect(summary).toMatchObject({ orgs: ['acme'], attributed: 1, daysRecomputed: 1 });

    const [attribution] = await app.db.select().from(attributions);
    // Counted by hand from the recording: Claude Code's Write of src/rate-limiter.ts has 17 effective
    // lines (23 minus blank lines, `) {` and four lone braces), its two Edits of src/server.ts 5
    // (6 minus one `}`); Dana's README commit adds 1 (a blank line does not count).
    expect(attribution).toMatchObject({
      repository: 'acme/widgets',
      number: 42,
      authorLogin: 'dana',
      isBot: false,
      day: DAY,
      withClaudeCode: true,
      linesAdded: 23,
      linesWithClaudeCode: 22,
    });
    expect(attribution!.evidence).toEqual([
      {
        kind: 'line_match',
        sessionId: SESSION,
        lines: 22,
        // The session's commit 6a585aa landed in acme/widgets and changed the files it wrote, at the same paths.
        repository: 'acme/widgets',
        folder: '',
        placedBy: 'commits',
        files: [
          { path: 'src/rate-limiter.ts', lines: 17, exact: 17, edited: 0, rule: 'same_path', sessionPath: 'src/rate-limiter.ts' },
          { path: 'src/server.ts', lines: 5, exact: 5, edited: 0, rule: 'same_path', sessionPath: 'src/server.ts' },
        ],
      },
      { kind: 'commit_link', sessionId: SESSION, commits: [claudeCommit.sha], lines: 0 },
      { kind: 'trailer', commits: [claudeCommit.sha], prBody: true, lines: 0 },
    ]);

    // Dana's telemetry is hers: the session's commit 6a585aa is her commit on GitHub.
    const [dana] = await app.db
      .select()
      .from(dailyUserMetrics)
      .where(and(eq(dailyUserMetrics.userKey, 'dana'), eq(dailyUserMetrics.day, DAY)));
    const expected = {
      pullRequestsMerged: 1,
      pullRequestsWithClaudeCode: 1,
      pullRequestsWithoutClaudeCode: 0,
      pullRequestsOpened: 1,
      linesCommitted: 23,
      linesWithClaudeCode: 22,
      linesWithoutClaudeCode: 1,
      linesAccepted: 30,
      linesRemoved: 0,
      writeToolAccepted: 1,
      editToolAccepted: 2,
      editToolRejected: 0,
      sessions: 1,
      activeUsers: 1,
      commitsByClaudeCode: 1,
      pullRequestsByClaudeCode: 1,
      costMicroUsd: 13_200,
      inputTokens: 960,
      outputTokens: 336,
      prompts: 1,
    };
    expect(dana).toMatchObject({ githubLogin: 'dana', email: 'dana@acme.example', ...expected });
    expect((await app.db.select().from(dailyOrgMetrics).where(eq(dailyOrgMetrics.day, DAY)))[0]).toMatchObject(expected);
    // One model row for Dana's day, from the session's eight recorded api_request events
    // (`claude-sonnet-4-5`, 120 input and 42 output tokens and $0.00165 each); the cost/token metrics
    // name `claude-opus-4-8[1m]` for the same totals and add no second row.
    expect(await app.db.select().from(dailyModelUsage)).toEqual([
      { org: 'acme', day: DAY, userKey: 'dana', model: 'claude-sonnet-4-5', requests: 8, inputTokens: 960, outputTokens: 336, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 13_200 },
    ]);
    expect((await app.db.select().from(processingRuns))[0]).toMatchObject({ status: 'succeeded', attributed: 1, daysRecomputed: 1 });
  });

  it('counts the lines Dana edited by at most 20% as edited, and not the one she rewrote', async () => {
    // Dana changed Claude Code's lines before the commit: two constants, a dropped semicolon, and
    // one line rewritten (`return res.end('slow down');`). The hook's sketches and the PR's meet
    // in processing; no line text is stored on either side.
    const edited = {
      ...claudeCommit,
      patch: claudeCommit.patch
        .replace('+  const bucket = new TokenBucket(100, 50);', '+  const bucket = new TokenBucket(200, 50);')
        .replace("+      res.writeHead(429, { 'retry-after': '1' });", "+      res.writeHead(429, { 'retry-after': '2' });")
        .replace('+    this.tokens -= count;', '+    this.tokens -= count')
        .replace("+      return res.end('slow down');", "+      return res.end(JSON.stringify({ error: 'rate limited', retryAfterSeconds: 2 }));"),
    };
    expect(edited.patch).not.toBe(claudeCommit.patch);
    await replayTelemetry(RECORDING);
    await deliverPr42([edited, readmeCommit]);
    await process();

    const [attribution] = await app.db.select().from(attributions);
    // By hand: src/rate-limiter.ts 17 lines, 16 exact and the semicolon-less one edited; src/server.ts
    // 5 lines Claude wrote, 2 exact, 2 edited, the rewritten one Dana's; README 1 line, Dana's.
    expect(attribution).toMatchObject({ linesAdded: 23, linesWithClaudeCode: 21, withClaudeCode: true });
    expect((attribution!.evidence as unknown[])[0]).toEqual({
      kind: 'line_match',
      sessionId: SESSION,
      lines: 21,
      repository: 'acme/widgets',
      folder: '',
      placedBy: 'commits',
      minSimilarity: 0.8,
      files: [
        { path: 'src/rate-limiter.ts', lines: 17, exact: 16, edited: 1, rule: 'same_path', sessionPath: 'src/rate-limiter.ts' },
        { path: 'src/server.ts', lines: 4, exact: 2, edited: 2, rule: 'same_path', sessionPath: 'src/server.ts' },
      ],
    });
    // The API explains it in plain words.
    const key = (await createApiKey(app.db, { org: 'acme' })).key;
    const res = await fetch(`${app.url}/api/v1/orgs/acme/pull-requests/acme/widgets/42`, { headers: { 'x-api-key': key } });
    expect(((await res.json()) as { explanation: string[] }).explanation[0]).toBe(
      "21 of 23 lines match what Claude Code wrote in session c09ec6b4, working in acme/widgets (src/rate-limiter.ts: 16 exact, 1 edited; src/server.ts: 2 exact, 2 edited); an edited line was changed by at most 20% after Claude Code wrote it (a person's tweak or a formatter)",
    );
    // Nothing of a line is stored: fingerprints and sketches are integers and hash bytes.
    const sketches = await app.db.all<{ sketch: Buffer | null }>(sql`SELECT sketch FROM added_line_fingerprints UNION ALL SELECT sketch FROM session_line_fingerprints`);
    expect(sketches.length).toBeGreaterThan(40);
    for (const { sketch } of sketches) {
      expect(sketch).toBeInstanceOf(Buffer);
      expect(sketch!.length % 3).toBe(0);
      expect(sketch!.toString('latin1')).not.toMatch(/bucket|tokens|retry|slow/i);
    }
  });

  it('the rejected-write session: 1 of 2 edit decisions accepted, under an unlinked bucket that still counts', async () => {
    await replayTelemetry('rejected-write-http-json-details-hooks');
    await process();
    const sam = (await app.db.select().from(dailyUserMetrics).where(eq(dailyUserMetrics.userKey, 'unlinked:sam@acme.example')))[0]!;
    expect(sam).toMatchObject({ githubLogin: null, email: 'sam@acme.example', editToolAccepted: 1, writeToolRejected: 1, activeUsers: 1 });
    const accepted = sam.editToolAccepted + sam.writeToolAccepted;
    expect(accepted / (accepted + sam.editToolRejected + sam.writeToolRejected)).toBe(0.5);
    expect((await app.db.select().from(dailyOrgMetrics))[0]).toMatchObject({ activeUsers: 1, editToolAccepted: 1, writeToolRejected: 1 });
  });

  it('processing twice gives identical tables', async () => {
    await replayTelemetry(RECORDING);
    await replayTelemetry('rejected-write-http-json-details-hooks');
    await deliverPr42();
    await process();
    const first = await tables();
    const second = await process();
    expect(second.changed).toBe(0);
    expect(await tables()).toBe(first);
  });

  it('a run killed halfway leaves the previous numbers intact, and the next run completes them', async () => {
    await replayTelemetry('rejected-write-http-json-details-hooks');
    await process({ fromDay: '2026-11-20', toDay: '2026-11-22' });
    const before = await tables();

    // New data arrives, then a run dies inside the transaction of its second day.
    await replayTelemetry(RECORDING);
    await deliverPr42();
    await expect(
      process({
        fromDay: '2026-11-20',
        toDay: '2026-11-22',
        beforeDayCommit: (_org, day) => {
          if (day === DAY) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const afterCrash = JSON.parse(await tables());
    const prior = JSON.parse(before);
    // The day the run died in still shows the previous run's numbers.
    expect(afterCrash.org).toEqual(prior.org);
    expect(afterCrash.users).toEqual(prior.users);
    expect((await app.db.select().from(processingRuns).orderBy(processingRuns.id)).map((r) => r.status)).toEqual(['succeeded', 'failed']);

    await process({ fromDay: '2026-11-20', toDay: '2026-11-22' });
    const completed = await tables();
    // The same as a clean run on a fresh database with the same data.
    for (const table of ['daily_org_metrics', 'daily_user_metrics', 'daily_repository_metrics', 'daily_model_usage', 'attributions']) {
      await app.db.run(sql`DELETE FROM ${sql.raw(table)}`);
    }
    await process({ fromDay: '2026-11-20', toDay: '2026-11-22' });
    expect(JSON.parse(await tables())).toEqual(JSON.parse(completed));
    expect(JSON.parse(completed).org.find((r: { day: string }) => r.day === DAY)).toMatchObject({ pull_requests_with_claude_code: 1, lines_with_claude_code: 22 });
  });

  it('only one run at a time', async () => {
    await app.db.run(
      sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at)
          VALUES ('acme', ${DAY}, ${DAY}, 'running', 'cli', ${new Date().toISOString()}, ${new Date().toISOString()})`,
    );
    await expect(process()).rejects.toThrow(
      /^Another processing run \(#1, started .*\) is in progress; try again when it ends\. Its process cannot be checked from this host: if it died, the run is presumed dead at \S+, 2 minutes after its last heartbeat\.$/,
    );

    // A run whose process died (no heartbeat for minutes) does not block forever.
    await app.db.run(sql`UPDATE processing_runs SET heartbeat_at = '2026-01-01T00:00:00.000Z'`);
    await process();
    expect(await app.db.select({ status: processingRuns.status }).from(processingRuns).orderBy(processingRuns.id)).toEqual([{ status: 'abandoned' }, { status: 'succeeded' }]);
  });

  it('labels PRs attributed to Claude Code when enabled, once', async () => {
    await replayTelemetry(RECORDING);
    await deliverPr42();
    await process();
    expect(await app.worker.runDueJobs()).toBe(0); // off by default

    await process({ labelPullRequests: true });
    let sent: unknown;
    nock(GITHUB_API)
      .post('/repos/acme/widgets/issues/42/labels', (body) => {
        sent = body;
        return true;
      })
      .reply(200, [{ name: 'claude-code-assisted' }]);
    expect(await app.worker.runDueJobs()).toBe(1);
    expect(sent).toEqual({ labels: ['claude-code-assisted'] });

    await process({ labelPullRequests: true });
    expect(await app.worker.runDueJobs()).toBe(0);
  });
});

