import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { markForProcessing, pendingMarkCount } from '../../src/db/processing-marks.js';
import { finishRun, startRun } from '../../src/db/rollups.js';
import { attributions, processingRuns } from '../../src/db/schema.js';
import { linkIdentity } from '../../src/db/telemetry-store.js';
import { startIncrementalProcessing } from '../../src/processing/incremental-runner.js';
import { createProcessor } from '../../src/processing/processor.js';
import { runIncrementalProcessing, runProcessing } from '../../src/processing/run-processing.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, installationPayload, pullRequestPayload, pushPayload } from '../helpers/github-payloads.js';
import { nockInstallationToken, nockMergedPullRequest, nockOrgMembers } from '../helpers/nock-github.js';
import { appDoors, processedFigures } from '../helpers/app-doors.js';
import { testServerDatabase } from '../helpers/test-app.js';
import { silentLog, testServerConfig } from '../helpers/test-probot.js';

/*
 * Incremental processing (README: "Live numbers"): the recorded rate-limiter session and GitHub's
 * webhooks for PR #42 over real HTTP; what they mark is processed without a full run, and gives
 * what a full run gives, so the scheduled run that follows corrects nothing.
 */

const RECORDING = 'rate-limiter-http-json-details-hooks';
const SESSION = 'c09ec6b4-ccf3-4416-9f0b-ed29aa232022';
const [, claudeCommit, readmeCommit] = recordedCommits(RECORDING) as [unknown, ReturnType<typeof recordedCommits>[number], ReturnType<typeof recordedCommits>[number]];
const DAY = '2026-11-21';
/** The app's clock: from noon the day after the session, so that the test does not depend on the day it runs. */
const CLOCK_START = Date.parse('2026-11-22T12:00:00Z');
const started = Date.now();
const now = () => new Date(CLOCK_START + (Date.now() - started));

let dir: string;
let app: AppServer;
let token: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;

const { replayTelemetry: replay, webhook } = appDoors({ url: () => app.url, token: () => token, deliveryPrefix: 'incremental' });
const replayTelemetry = () => replay(RECORDING);

/** PR #42's webhooks, and GitHub's answers for its enrichment (run by the test, or by the worker when it runs). */
async function deliverPr42({ runJobs = true } = {}) {
  await webhook('installation', installationPayload('created'));
  await webhook('pull_request', pullRequestPayload('opened', PR42));
  await webhook('push', pushPayload('feature/rate-limit', [claudeCommit, readmeCommit]));
  nockInstallationToken(INSTALLATION_ID);
  nockOrgMembers('acme', 12);
  await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [claudeCommit, readmeCommit], DANA.login);
  await webhook('pull_request', pullRequestPayload('closed', { ...PR42_MERGED, additions: 31, changedFiles: 3, headSha: readmeCommit.sha }));
  if (runJobs) expect(await app.worker.runDueJobs()).toBe(2);
}

async function start(env: Record<string, string> = {}, startWorker = false, { realClock = false } = {}) {
  database = await testServerDatabase();
  const config = testServerConfig(dir, { ...database.env, ...env });
  app = await startAppServer({ config, log: silentLog, startWorker, octokitRetries: false, ...(realClock ? {} : { now }) });
  token = (await createIngestToken(app.db, { org: 'acme' })).token;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-incremental-'));
});

afterEach(async () => {
  await app.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const incremental = () => runIncrementalProcessing(app.db, { now });
const fullRun = () => runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22', now });

async function marks() {
  return app.db.all<{ kind: string; key: string; day: string }>(sql`SELECT kind, key, day FROM processing_marks ORDER BY kind, key, day`);
}

async function pr42() {
  const [row] = await app.db.select().from(attributions).where(eq(attributions.number, 42));
  return row && { withClaudeCode: row.withClaudeCode, linesAdded: row.linesAdded, linesWithClaudeCode: row.linesWithClaudeCode, authorLogin: row.authorLogin };
}

const figures = () => processedFigures(app.db, DAY);

describe('incremental processing', () => {
  it('processes what the session and the merge marked as a full run would, and the scheduled run after corrects nothing', async () => {
    await start();
    await replayTelemetry();
    await deliverPr42();
    const marked = await marks();
    // The merge (its subject), the session from the day its data fell on, and the days to roll up.
    expect(marked).toContainEqual({ kind: 'subject', key: `pull_request:${PR42.id}`, day: DAY });
    expect(marked).toContainEqual({ kind: 'session', key: SESSION, day: DAY });
    expect(marked).toContainEqual({ kind: 'day', key: DAY, day: DAY });

    const summary = await incremental();
    expect(summary).toMatchObject({ orgs: ['acme'], attributed: 1, run: { trigger: 'incremental', status: 'succeeded' } });
    // The numbers the end-to-end test counts by hand for this session.
    expect(await pr42()).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 22, authorLogin: 'dana' });
    expect(await marks()).toEqual([]);
    expect(await incremental()).toBeNull();

    const live = await figures();
    const reconciled = await fullRun();
    expect(reconciled.corrections).toBe(0);
    expect(reconciled.run.corrections).toBe(0);
    expect(await figures()).toEqual(live);
  });

  it('attributes again a PR merged before its session’s telemetry arrived', async () => {
    await start();
    await deliverPr42();
    await incremental();
    // Without the session, the commits' own evidence counts (Claude Code's trailer), as a full run counts it.
    const before = await pr42();
    expect((await fullRun()).corrections).toBe(0);
    expect(await pr42()).toEqual(before);

    await replayTelemetry();
    expect(await marks()).not.toContainEqual(expect.objectContaining({ kind: 'subject' }));
    const summary = await incremental();
    expect(summary).toMatchObject({ attributed: 1 });
    const after = await pr42();
    expect(after).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 22, authorLogin: 'dana' });
    expect(after).not.toEqual(before);
    expect((await fullRun()).corrections).toBe(0);
  });

  it('attributes again, for lines a session wrote, only the PRs with a file at that path', async () => {
    await start();
    await replayTelemetry();
    await deliverPr42();
    await incremental();
    expect(await pr42()).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 22, authorLogin: 'dana' });
    // Dana's second session, with her personal token, in the repository's folder, without commits.
    const personal = (await createIngestToken(app.db, { org: 'acme', githubLogin: DANA.login })).token;
    const second = 'b0c3a1d2-0000-4000-8000-00000000da2a';
    let calls = 0;
    const write = async (path: string, lines: string[]) => {
      const cwd = '/home/dana/src/widgets';
      const content = `${lines.join('\n')}\n`;
      const res = await fetch(`${app.url}/hooks/claude-code`, {
        method: 'POST',
        headers: { authorization: `Bearer ${personal}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          session_id: second,
          cwd,
          hook_event_name: 'PostToolUse',
          tool_name: 'Write',
          tool_input: { file_path: `${cwd}/${path}`, content },
          tool_response: { type: 'create', filePath: `${cwd}/${path}`, content, structuredPatch: [], originalFile: null },
          tool_use_id: `toolu_second_${++calls}`,
        }),
      });
      expect(res.status).toBe(200);
    };
    const today = now().toISOString().slice(0, 10);

    // Its first call is a session new to the store: every PR it may count for is attributed again.
    await write('src/metrics-helper.ts', ['export const helperName = "metrics helper";']);
    expect(await marks()).toEqual([
      { kind: 'day', key: today, day: today },
      { kind: 'session', key: second, day: today },
    ]);
    expect(await incremental()).toMatchObject({ attributed: 1 });

    // More lines into files PR #42 does not have, one of them named like one of its own in another
    // folder: only the day is rolled up again.
    await write('src/other-helper.ts', ['export const otherHelper = "another helper";']);
    await write('lib/server.ts', ['export const serverName = "another server";']);
    expect(await marks()).toEqual([
      { kind: 'day', key: today, day: today },
      { kind: 'lines', key: `${second.length}:${second}lib/server.ts`, day: today },
      { kind: 'lines', key: `${second.length}:${second}src/other-helper.ts`, day: today },
    ]);
    expect(await incremental()).toMatchObject({ attributed: 0, daysRecomputed: 1 });
    expect(await pr42()).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 22, authorLogin: 'dana' });

    // Into README.md, which PR #42 changed: it is attributed again and takes the line.
    await write('README.md', ['Requests beyond 100 per burst get HTTP 429 with Retry-After.']);
    expect(await marks()).toContainEqual({ kind: 'lines', key: `${second.length}:${second}README.md`, day: today });
    expect(await incremental()).toMatchObject({ attributed: 1 });
    expect(await pr42()).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 23, authorLogin: 'dana' });
    expect((await fullRun()).corrections).toBe(0);
  });

  it('counts what a session did for the person an admin links it to, once linked', async () => {
    await start();
    // Telemetry alone: nothing links the session's user to a GitHub login yet.
    await replayTelemetry();
    await incremental();
    const [session] = await app.db.all<{ email: string }>(sql`SELECT user_email AS email FROM claude_sessions WHERE id = ${SESSION}`);
    const email = session!.email.toLowerCase();
    const usersOf = async () => (await app.db.all<{ user_key: string }>(sql`SELECT user_key FROM daily_user_metrics WHERE day = ${DAY} ORDER BY user_key`)).map((r) => r.user_key);
    expect(await usersOf()).toEqual([`unlinked:${email}`]);

    await linkIdentity(app.db, { org: 'acme', kind: 'email', value: email, githubLogin: 'erin', source: 'admin', createdAt: now().toISOString() });
    expect(await marks()).toEqual([{ kind: 'identity', key: `email:${email}`, day: '' }]);
    // Linking it again changes nothing, so marks nothing.
    await linkIdentity(app.db, { org: 'acme', kind: 'email', value: email, githubLogin: 'erin', source: 'admin', createdAt: now().toISOString() });
    expect(await marks()).toHaveLength(1);
    await incremental();
    expect(await usersOf()).toEqual(['erin']);
    expect((await fullRun()).corrections).toBe(0);

    // A full run whose range holds all of an identity's sessions takes its mark; one that does not, leaves it.
    await linkIdentity(app.db, { org: 'acme', kind: 'email', value: email, githubLogin: 'sam', source: 'admin', createdAt: now().toISOString() });
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-22', toDay: '2026-11-22', now });
    expect(await marks()).toEqual([{ kind: 'identity', key: `email:${email}`, day: '' }]);
    // The session began on the 21st: PRs merged from the 19th (two days before) may count it. Nothing
    // of the org merged or was pushed on the 19th or 20th, so a run from the 21st covers it too.
    expect((await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-22', now })).corrections).toBeGreaterThan(0);
    expect(await marks()).toEqual([]);
    expect(await usersOf()).toEqual(['sam']);

    // A commit pushed to the default branch on the 20th may count the session, and names its email
    // as dana's (marking the identity): only a range from the 19th covers it now.
    await webhook('installation', installationPayload('created'));
    await webhook('push', pushPayload('main', [claudeCommit], { pushedAt: Date.parse('2026-11-20T12:00:00Z') / 1000 }));
    const identityMarks = async () => (await marks()).filter((m) => m.kind === 'identity');
    expect(await identityMarks()).toContainEqual({ kind: 'identity', key: `email:${email}`, day: '' });
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-22', now });
    expect(await identityMarks()).toContainEqual({ kind: 'identity', key: `email:${email}`, day: '' });
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-19', toDay: '2026-11-22', now });
    expect(await identityMarks()).toEqual([]);
    expect(await usersOf()).toEqual(['dana']);
  });

  it('marks an identifier only when the login it resolves to changes, not for another source naming the same person', async () => {
    await start();
    const link = (githubLogin: string, source: 'admin' | 'email_match' | 'commit') =>
      linkIdentity(app.db, { org: 'acme', kind: 'email', value: 'ana@acme.example', githubLogin, source, createdAt: now().toISOString() });
    await link('ana', 'admin');
    expect(await marks()).toEqual([{ kind: 'identity', key: 'email:ana@acme.example', day: '' }]);
    await incremental();
    // A stronger source that names the same login: who the sessions belong to is unchanged.
    await link('ana', 'email_match');
    expect(await marks()).toEqual([]);
    // A weaker source that disagrees loses to the stronger ones: nothing changes either.
    await link('someone-else', 'admin');
    expect(await marks()).toEqual([]);
    // The strongest so far names someone else: the identifier now resolves to another person.
    await link('ana-work', 'commit');
    expect(await marks()).toEqual([{ kind: 'identity', key: 'email:ana@acme.example', day: '' }]);
  });

  it('keeps the marks of a run that failed, and the next run processes them', async () => {
    await start();
    await replayTelemetry();
    await deliverPr42();
    await expect(
      runIncrementalProcessing(app.db, {
        now,
        beforeDayCommit: () => {
          throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(await pendingMarkCount(app.db, 'acme', now())).toBeGreaterThanOrEqual(3);
    expect((await app.db.select().from(processingRuns)).map((r) => r.status)).toEqual(['failed']);

    await incremental();
    expect(await pr42()).toEqual({ withClaudeCode: true, linesAdded: 23, linesWithClaudeCode: 22, authorLogin: 'dana' });
    expect(await pendingMarkCount(app.db, 'acme', now())).toBe(0);
    // Twice gives the same numbers.
    const once = await figures();
    await markForProcessing(app.db, [{ org: 'acme', kind: 'subject', key: `pull_request:${PR42.id}`, day: DAY }], now().toISOString());
    await incremental();
    expect(await figures()).toEqual(once);
  });

  it('processes a burst of 500 merges in batches once the oldest is PROCESS_DELAY_SECONDS old, not in 500 runs', async () => {
    await start();
    const processor = createProcessor({ db: app.db, config: testServerConfig(dir, database.env), now });
    const runner = startIncrementalProcessing({ db: app.db, processor, delayMs: 400, pollMs: 20, log: silentLog, now });
    try {
      for (let i = 1; i <= 500; i++) {
        // Each merge's enrichment commits its own mark (these PRs are not stored: nothing to attribute, only to batch).
        await markForProcessing(app.db, [{ org: 'acme', kind: 'subject', key: `pull_request:${1_000_000 + i}`, day: DAY }], now().toISOString());
        // Merges keep arriving for about a second, longer than the delay: runs start while they do.
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await expect.poll(() => pendingMarkCount(app.db, undefined, now()), { timeout: 10_000, interval: 50 }).toBe(0);
    } finally {
      await runner.stop();
    }
    const runs = await app.db.select().from(processingRuns);
    expect(runs.every((r) => r.trigger === 'incremental' && r.status === 'succeeded')).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    // One run per delay at most, whatever the number of merges.
    expect(runs.length).toBeLessThanOrEqual(10);
  });

  it('lets a scheduled or command-line run wait for an incremental run to end, and refuses it while another kind of run goes on', async () => {
    await start();
    const held = await startRun(app.db, { org: null, fromDay: DAY, toDay: DAY, trigger: 'incremental' }, now());
    if (!('run' in held)) throw new Error('expected to start');
    let finished = false;
    const waiting = fullRun().then((summary) => {
      finished = true;
      return summary;
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(finished).toBe(false);
    await finishRun(app.db, held.run.id, { status: 'succeeded', attributed: 0, daysRecomputed: 0, corrections: 0 }, now());
    expect((await waiting).run).toMatchObject({ status: 'succeeded', trigger: 'cli' });

    const page = await startRun(app.db, { org: null, fromDay: DAY, toDay: DAY, trigger: 'page' }, now());
    await expect(fullRun()).rejects.toThrow(/Another processing run/);
    if ('run' in page) await finishRun(app.db, page.run.id, { status: 'succeeded', attributed: 0, daysRecomputed: 0 }, now());
  });

  it.each([
    ['on the thread that serves requests (a test clock)', false],
    ['in a thread of its own (the real clock, as `npm start` runs)', true],
  ])('shows a merged PR in the API without any manual run, with the server processing %s', async (_, realClock) => {
    await start({ PROCESS_DELAY_SECONDS: '1', JOB_POLL_INTERVAL_MS: '100' }, true, { realClock });
    const key = (await createApiKey(app.db, { org: 'acme' })).key;
    const get = () => fetch(`${app.url}/api/v1/orgs/acme/pull-requests/acme/widgets/42`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(404);
    await replayTelemetry();
    await deliverPr42({ runJobs: false });
    await expect.poll(async () => (await get()).status, { timeout: 20_000, interval: 200 }).toBe(200);
    const body = (await (await get()).json()) as { with_claude_code: boolean; lines_with_claude_code: number; data_processed_at: string };
    expect(body).toMatchObject({ with_claude_code: true, lines_with_claude_code: 22 });
    // The PR shows as soon as its attribution is written; the run's end stamps the figures soon after.
    await expect.poll(async () => ((await (await get()).json()) as { data_processed_at: string | null }).data_processed_at, { timeout: 10_000 }).not.toBeNull();
    const processedAt = ((await (await get()).json()) as { data_processed_at: string }).data_processed_at;
    const runs = await app.db.select().from(processingRuns);
    expect(runs.filter((r) => r.trigger === 'incremental' && r.status === 'succeeded').map((r) => r.finishedAt)).toContain(processedAt);
    expect(body.data_processed_at === null || runs.some((r) => r.finishedAt === body.data_processed_at)).toBe(true);
    // The worker also runs the members count the installation queued, in its own time.
    await expect.poll(() => nock.pendingMocks(), { timeout: 10_000, interval: 100 }).toEqual([]);
    if (realClock && process.platform === 'linux') {
      // Its thread runs at the lowest priority (nice 19), and only it: the thread answering requests keeps its own.
      expect(threadNiceValues()).toContain(19);
      expect(getPriority()).toBe(0);
    }
  });
});

/** The nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}
