import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OAUTH, DEMO_WEBHOOK_SECRET, historyRequests, type HistoryRequest } from '../demo/build-demo.js';
import type { DemoPlan } from '../demo/demo-plan.js';
import { expectedFigures } from '../demo/expected-figures.js';
import { startFakeGitHub, type FakeGitHub } from '../demo/fake-github.js';
import { planDemoOrg } from '../demo/plan-demo-org.js';
import { createApiKey } from '../src/db/api-keys.js';
import { createIngestToken } from '../src/db/ingest-tokens.js';
import { createTestDb, testEngine, type TestDb } from './helpers/test-db.js';

/*
 * Several replicas on one PostgreSQL database (issue: PostgreSQL for orgs that outgrow one
 * machine): two `npm start` processes behind nothing but their two ports, fed a small demo
 * organization's history through their real doors. Every webhook goes to one replica and, at the
 * same moment, is redelivered to the other under the same delivery id; OTLP exports and hook calls
 * alternate between them; both replicas' job workers enrich from the stand-in GitHub; two
 * `process` commands start together. Then: each delivery counted once, one processing run at a
 * time, and both replicas answer the API identically, with the plan's figures.
 */

const ROOT = resolve(import.meta.dirname, '..');
const onPostgres = testEngine() === 'postgres';
/** Every process started, so that none outlives the test, also when starting failed half way. */
const started: ChildProcess[] = [];

interface Replica {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolveReplica, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+?)"/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolveReplica({
        child,
        url: match[1]!,
        output: () => output,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`replica exited with ${code}: ${output}`)));
  });
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((r) => child.on('exit', (code) => r({ code, output })));
}

async function send(replica: Replica, request: HistoryRequest, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${replica.url}${request.path}`, { method: 'POST', headers: { ...request.headers, ...headers }, body: request.body });
  await res.arrayBuffer();
  return res.status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!onPostgres)('two replicas on one PostgreSQL database', () => {
  let t: TestDb;
  let plan: DemoPlan;
  let github: FakeGitHub;
  let replicas: Replica[] = [];
  let env: Record<string, string>;
  let apiKey: string;
  let deliveries = 0;
  let processRuns: Array<{ code: number | null; output: string }> = [];

  beforeAll(async () => {
    t = await createTestDb();
    plan = planDemoOrg({ now: new Date(), developers: 4, days: 14 });
    github = await startFakeGitHub({ plan, oauth: DEMO_OAUTH });
    env = {
      DATABASE_URL: t.url,
      // `info`: the line saying where it listens is an info log.
      LOG_LEVEL: 'info',
      APP_ID: '1',
      PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      WEBHOOK_SECRET: DEMO_WEBHOOK_SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      JOB_POLL_INTERVAL_MS: '100',
    };
    // Both start at once on an empty database: the migrations are applied once, under their lock.
    replicas = await Promise.all([startReplica(env), startReplica(env)]);
    const { token } = await createIngestToken(t.db, { org: plan.org.login }, new Date(plan.installedAt));
    ({ key: apiKey } = await createApiKey(t.db, { org: plan.org.login }));

    const requests = historyRequests(plan, { token });
    for (const [i, request] of requests.entries()) {
      const [first, second] = i % 2 === 0 ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
      if (request.kind === 'webhook') {
        // GitHub's redelivery of the same delivery to the other replica, at the same moment.
        deliveries++;
        const statuses = await Promise.all([send(first, request), send(second, request)]);
        expect(statuses, request.path).toEqual([200, 200]);
      } else {
        expect(await send(first, request), request.path).toBe(200);
      }
    }
    // Both replicas' workers enrich the merged PRs from the stand-in GitHub. A direct push is
    // fetched 5 minutes after it arrived (handle-push.ts); the test brings that moment forward.
    await t.db.run(sql`UPDATE jobs SET run_after = 0 WHERE status = 'pending' AND kind = 'enrich-commit'`);
    for (let waited = 0; ; waited += 200) {
      const open = await t.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM jobs WHERE status IN ('pending', 'running')`);
      if (open!.n === 0) break;
      if (waited > 60_000) {
        const jobs = await t.db.all(sql`SELECT kind, status, attempts, run_after, last_error FROM jobs WHERE status IN ('pending', 'running')`);
        throw new Error(`jobs still open after 60 s: ${JSON.stringify(jobs)}`);
      }
      await sleep(200);
    }
    const range = ['--from', plan.days[0]!, '--to', plan.days.at(-1)!];
    processRuns = await Promise.all([runCli(['process', ...range], env), runCli(['process', ...range], env)]);
    if (processRuns.every((r) => r.code !== 0)) throw new Error(`no processing run succeeded: ${processRuns.map((r) => r.output).join('\n')}`);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await github?.close();
    await t?.cleanup();
  });

  it('counts each webhook delivery once, whichever replica saw it first', async () => {
    // Each delivery id was sent twice at once, to both replicas: one row each, none lost.
    const stored = await t.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_deliveries`);
    expect(stored).toEqual({ n: deliveries });
    const pullRequests = await t.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM pull_requests`);
    expect(pullRequests).toEqual({ n: plan.pullRequests.length });
    // One enrichment job per merged PR and direct push, however many replicas received its webhooks.
    const duplicated = await t.db.all(sql`SELECT dedupe_key FROM jobs GROUP BY dedupe_key HAVING count(*) > 1`);
    expect(duplicated).toEqual([]);
    const failed = await t.db.all(sql`SELECT kind, last_error FROM jobs WHERE status = 'failed'`);
    expect(failed).toEqual([]);
  });

  it('runs one processing run at a time', async () => {
    const runs = await t.db.all<{ startedAt: string; finishedAt: string | null; status: string }>(
      sql`SELECT started_at AS "startedAt", finished_at AS "finishedAt", status FROM processing_runs ORDER BY id`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const run of runs) expect(run.status).toBe('succeeded');
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt >= runs[i - 1]!.finishedAt!).toBe(true);
    // The two commands started together: one ran, or the other found it running and said so.
    for (const run of processRuns) {
      if (run.code !== 0) expect(run.output).toMatch(/Another processing run \(#\d+, pid \d+ on .*\) is in progress; try again when it ends\./);
    }
  });

  it('answers the API the same on both replicas, with the figures the plan sent', async () => {
    const range = `start_date=${plan.days[0]}&end_date=${plan.days.at(-1)}`;
    const paths = [`/summary?${range}`, `/daily?${range}`, `/users?${range}`, `/pull-requests?${range}&limit=200`, `/repositories?${range}`];
    for (const path of paths) {
      const answers = await Promise.all(
        replicas.map(async (replica) => {
          const res = await fetch(`${replica.url}/api/v1/orgs/${plan.org.login}${path}`, { headers: { 'x-api-key': apiKey } });
          expect(res.status, path).toBe(200);
          return res.json();
        }),
      );
      expect(answers[0], path).toEqual(answers[1]);
    }
    const expected = expectedFigures(plan);
    const res = await fetch(`${replicas[1]!.url}/api/v1/orgs/${plan.org.login}/summary?${range}`, { headers: { 'x-api-key': apiKey } });
    const summary = (await res.json()) as any;
    expect(summary.pull_requests).toMatchObject({
      merged: expected.pullRequests.merged,
      with_claude_code: expected.pullRequests.withClaudeCode,
      without_claude_code: expected.pullRequests.withoutClaudeCode,
    });
    expect(summary.lines_committed.total).toBe(expected.linesCommitted.total);
    expect(summary.lines_committed.with_claude_code).toBe(expected.linesCommitted.withClaudeCode);
    expect(summary.claude_code.sessions).toBe(expected.claudeCode.sessions);
  });
});
