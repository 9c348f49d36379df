import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { startAppServer } from '../../src/app-server.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { attributions } from '../../src/db/schema.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { INSTALLATION_ID, installationPayload, pullRequestPayload } from '../helpers/github-payloads.js';
import { nockCommit, nockInstallationToken, nockPullRequestCommits, nockPullRequestFiles } from '../helpers/nock-github.js';
import { testServerConfig, silentLog, TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { testEngine } from '../helpers/test-db.js';
import { createTestPostgresDatabase, testPostgresUrl } from '../helpers/test-postgres.js';

/*
 * The attribution evaluation: scenarios recorded with the real Claude Code CLI
 * (`npm run record:attribution-eval`, scripts in test/fixtures/claude-code-scenarios/) are sent
 * through the app's real HTTP endpoints — Claude Code's OTLP exports and hook calls with an ingest
 * token, GitHub's signed webhooks — with GitHub's REST answers (built from the scenario's real git
 * history) mocked at the HTTP edge; then the PRs are enriched and processed, and every PR's
 * attribution is compared with the truth counted by hand in the scenario file.
 */

const ROOT = resolve(import.meta.dirname, '../..');
export const SCENARIOS_DIR = join(ROOT, 'test/fixtures/claude-code-scenarios');
export const RECORDINGS_DIR = join(ROOT, 'test/fixtures/attribution-eval');

export interface Truth {
  linesAdded: number;
  linesWithClaudeCode: number;
  /** Per file: [effective lines added, of which Claude Code's]. */
  byFile?: Record<string, [number, number]>;
  notes?: string;
}

interface RestFile {
  sha: string;
  filename: string;
  previous_filename?: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

interface RecordedCommit {
  sha: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
  login: string | null;
  files: RestFile[];
}

interface RecordedPullRequest {
  repository: string;
  number: number;
  title: string;
  body: string | null;
  author: string;
  branch: string;
  baseSha: string;
  headSha: string;
  createdAt: string;
  mergedAt: string;
  commits: RecordedCommit[];
  files: RestFile[];
}

interface Recording {
  title: string;
  people: Record<string, { name: string; email: string; login: string | null }>;
  repositories: string[];
  sessions: { id: string; repository: string; person: string; cwd: string; sessionId: string; startedAt: string; endedAt: string }[];
  pullRequests: RecordedPullRequest[];
}

export interface PullRequestOutcome {
  scenario: string;
  /** `owner/name#number` */
  key: string;
  title: string;
  truth: Truth;
  got: { linesAdded: number; linesWithClaudeCode: number; withClaudeCode: boolean; evidence: unknown[] } | null;
}

export function scenarioNames(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** The hand-counted truth of every PR of a scenario, from its script. */
export function scenarioTruth(name: string): { title: string; truths: Map<string, Truth> } {
  const scenario = JSON.parse(readFileSync(join(SCENARIOS_DIR, `${name}.json`), 'utf8')) as {
    title: string;
    repositories: Record<string, { fullName: string }>;
    script: { op: string; repo: string; number?: number; truth?: Truth }[];
  };
  const truths = new Map<string, Truth>();
  for (const op of scenario.script) {
    if (op.op !== 'pull_request') continue;
    truths.set(`${scenario.repositories[op.repo]!.fullName}#${op.number}`, op.truth!);
  }
  return { title: scenario.title, truths };
}

export function loadRecording(name: string): Recording {
  return JSON.parse(readFileSync(join(RECORDINGS_DIR, name, 'recording.json'), 'utf8')) as Recording;
}

interface CapturedRequest {
  file: string;
  method: string;
  path: string;
  contentType: string;
  contentEncoding: string | null;
}

function capturedRequests(scenario: string, session: string) {
  const dir = join(RECORDINGS_DIR, scenario, session, 'captured');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as CapturedRequest[];
  return index.map((r) => ({ ...r, body: readFileSync(join(dir, r.file)) }));
}

/** A stable id for a name (GitHub ids are numbers). */
function idOf(text: string, base: number): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 1_000_000;
  return base + h;
}

function user(login: string) {
  return { login, id: idOf(login, 10_000_000), type: 'User' };
}

function repositoryObject(fullName: string) {
  const [owner, name] = fullName.split('/') as [string, string];
  return {
    id: idOf(fullName, 20_000_000),
    node_id: `R_${name}`,
    name,
    full_name: fullName,
    private: true,
    owner: { login: owner, id: 5001, type: 'Organization', node_id: 'O_5001' },
    default_branch: 'main',
    master_branch: 'main',
  };
}

function pullRequestWebhook(action: 'opened' | 'closed', pr: RecordedPullRequest) {
  const merged = action === 'closed';
  const additions = pr.files.reduce((n, f) => n + f.additions, 0);
  const deletions = pr.files.reduce((n, f) => n + f.deletions, 0);
  const payload = pullRequestPayload(action, {
    number: pr.number,
    id: idOf(`${pr.repository}#${pr.number}`, 30_000_000),
    author: user(pr.author),
    title: pr.title,
    body: pr.body,
    createdAt: pr.createdAt,
    updatedAt: merged ? pr.mergedAt : pr.createdAt,
    mergedAt: merged ? pr.mergedAt : null,
    closedAt: merged ? pr.mergedAt : null,
    mergeCommitSha: merged ? createHmac('sha1', 'merge').update(`${pr.repository}#${pr.number}`).digest('hex') : null,
    additions,
    deletions,
    changedFiles: pr.files.length,
    headRef: pr.branch,
    headSha: pr.headSha,
  });
  const repository = repositoryObject(pr.repository);
  const owner = repository.owner.login;
  return {
    ...payload,
    pull_request: {
      ...payload.pull_request,
      head: { ...payload.pull_request.head, label: `${owner}:${pr.branch}`, repo: repository },
      base: { ...payload.pull_request.base, label: `${owner}:main`, sha: pr.baseSha, repo: repository },
    },
    repository,
    organization: { login: owner, id: 5001 },
  };
}

function restCommit(c: RecordedCommit) {
  return {
    sha: c.sha,
    node_id: `C_${c.sha.slice(0, 10)}`,
    commit: { author: c.author, committer: c.committer, message: c.message, tree: { sha: '0'.repeat(40) } },
    author: c.login ? user(c.login) : null,
    committer: c.login ? user(c.login) : null,
    parents: c.parents.map((sha) => ({ sha })),
  };
}

function restCommitWithFiles(c: RecordedCommit) {
  const additions = c.files.reduce((n, f) => n + f.additions, 0);
  const deletions = c.files.reduce((n, f) => n + f.deletions, 0);
  return { ...restCommit(c), stats: { additions, deletions, total: additions + deletions }, files: c.files };
}

/** A fresh PostgreSQL database for the app when the suite runs on PostgreSQL (`TEST_ENGINE=postgres`); else none (its SQLite file). */
async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  if (testEngine() !== 'postgres') return undefined;
  const clusterUrl = testPostgresUrl();
  if (!clusterUrl) throw new Error('TEST_ENGINE=postgres needs TEST_POSTGRES_URL (scripts/postgres-cluster.sh start)');
  return createTestPostgresDatabase(clusterUrl, { migrated: true });
}

/**
 * Runs one recorded scenario through a fresh app (its own SQLite file, or PostgreSQL database when
 * the suite runs on PostgreSQL; real HTTP on port 0) and answers every PR's attribution beside its
 * truth. GitHub's REST API is mocked with nock; the caller keeps nock's net connect limited to
 * 127.0.0.1 (nock stops HTTP only: PostgreSQL's connections are not affected).
 */
export async function evaluateScenario(name: string): Promise<PullRequestOutcome[]> {
  const recording = loadRecording(name);
  const { truths } = scenarioTruth(name);
  const dir = mkdtempSync(join(tmpdir(), 'ccm-attr-eval-'));
  let clock = new Date(recording.sessions[0]?.startedAt ?? recording.pullRequests[0]!.createdAt);
  const postgres = await postgresDatabase();
  const config = testServerConfig(dir, { SEATS: '25', ...(postgres ? { DATABASE_URL: postgres.url } : {}) });
  let app: Awaited<ReturnType<typeof startAppServer>>;
  try {
    app = await startAppServer({ config, log: silentLog, startWorker: false, octokitRetries: false, now: () => clock });
  } catch (error) {
    await postgres?.drop();
    throw error;
  }
  try {
    const post = async (path: string, body: Buffer | string, headers: Record<string, string>) => {
      const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`${name}: POST ${path} answered ${res.status}: ${await res.text()}`);
    };

    // Claude Code's telemetry and hook calls, as each session sent them, with an org ingest token.
    const { token } = await createIngestToken(app.db, { org: 'acme' });
    for (const session of recording.sessions) {
      clock = new Date(session.startedAt);
      for (const r of capturedRequests(name, session.id)) {
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': r.contentType };
        if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
        await post(r.path, r.body, headers);
      }
    }

    // GitHub: the installation, then each PR opened and merged (signed webhooks).
    let delivery = 0;
    const webhook = (event: string, payload: object) => {
      const body = JSON.stringify(payload);
      return post('/api/github/webhooks', body, {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': `${name}-${++delivery}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`,
      });
    };
    const installation = installationPayload('created');
    await webhook('installation', {
      ...installation,
      repositories: recording.repositories.map((fullName) => {
        const r = repositoryObject(fullName);
        return { id: r.id, node_id: r.node_id, name: r.name, full_name: r.full_name, private: true };
      }),
    });
    for (const pr of recording.pullRequests) {
      clock = new Date(pr.createdAt);
      await webhook('pull_request', pullRequestWebhook('opened', pr));
      clock = new Date(pr.mergedAt);
      await webhook('pull_request', pullRequestWebhook('closed', pr));
    }

    // GitHub's REST answers for each merged PR: its commits, its files, each commit's own diff.
    nockInstallationToken(INSTALLATION_ID);
    for (const pr of recording.pullRequests) {
      const [owner, repo] = pr.repository.split('/') as [string, string];
      const ref = { owner, repo, number: pr.number };
      nockPullRequestCommits(ref, pr.commits.map(restCommit));
      nockPullRequestFiles(ref, pr.files);
      for (const c of pr.commits) nockCommit({ owner, repo, sha: c.sha }, restCommitWithFiles(c));
    }
    const ran = await app.worker.runDueJobs();
    if (ran !== recording.pullRequests.length) throw new Error(`${name}: ${ran} jobs ran, expected ${recording.pullRequests.length}`);
    const pending = nock.pendingMocks();
    if (pending.length > 0) throw new Error(`${name}: GitHub calls not made: ${pending.join(', ')}`);

    const days = [...recording.sessions.flatMap((s) => [s.startedAt, s.endedAt]), ...recording.pullRequests.flatMap((p) => [p.createdAt, p.mergedAt])]
      .map((t) => new Date(t).toISOString().slice(0, 10))
      .sort();
    await runProcessing(app.db, { org: 'acme', fromDay: days[0]!, toDay: days.at(-1)!, now: () => clock });

    const rows = await app.db.select().from(attributions);
    return recording.pullRequests.map((pr) => {
      const key = `${pr.repository}#${pr.number}`;
      const row = rows.find((r) => r.repository === pr.repository && r.number === pr.number);
      return {
        scenario: name,
        key,
        title: pr.title,
        truth: truths.get(key)!,
        got: row
          ? { linesAdded: row.linesAdded, linesWithClaudeCode: row.linesWithClaudeCode, withClaudeCode: row.withClaudeCode, evidence: row.evidence as unknown[] }
          : null,
      };
    });
  } finally {
    nock.cleanAll();
    await app.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Score {
  pullRequests: number;
  /** PRs whose lines_added, lines_with_claude_code and with_claude_code all equal the truth. */
  pullRequestsRight: number;
  claudeLines: number;
  creditedLines: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/**
 * Line precision and recall from per-PR counts: a PR credited with more lines than Claude Code
 * wrote has that many false positives, one credited with fewer that many false negatives.
 */
export function score(outcomes: PullRequestOutcome[]): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let credited = 0;
  let claude = 0;
  let right = 0;
  for (const o of outcomes) {
    const got = o.got?.linesWithClaudeCode ?? 0;
    const truth = o.truth.linesWithClaudeCode;
    credited += got;
    claude += truth;
    tp += Math.min(got, truth);
    fp += Math.max(0, got - truth);
    fn += Math.max(0, truth - got);
    if (o.got && o.got.linesAdded === o.truth.linesAdded && got === truth && o.got.withClaudeCode === truth > 0) right++;
  }
  return {
    pullRequests: outcomes.length,
    pullRequestsRight: right,
    claudeLines: claude,
    creditedLines: credited,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

/** A plain-text table: one row per PR, then the totals. */
export function formatTable(outcomes: PullRequestOutcome[]): string {
  const head = ['scenario', 'pull request', 'lines', 'Claude (truth)', 'credited', 'with (truth/got)', ''];
  const rows = outcomes.map((o) => {
    const got = o.got;
    const ok = got && got.linesAdded === o.truth.linesAdded && got.linesWithClaudeCode === o.truth.linesWithClaudeCode && got.withClaudeCode === o.truth.linesWithClaudeCode > 0;
    const added = got && got.linesAdded !== o.truth.linesAdded ? `${got.linesAdded} (truth ${o.truth.linesAdded})` : String(o.truth.linesAdded);
    return [
      o.scenario,
      o.key,
      added,
      String(o.truth.linesWithClaudeCode),
      got ? String(got.linesWithClaudeCode) : 'not attributed',
      `${o.truth.linesWithClaudeCode > 0 ? 'yes' : 'no'}/${got ? (got.withClaudeCode ? 'yes' : 'no') : '-'}`,
      ok ? 'ok' : 'WRONG',
    ];
  });
  const s = score(outcomes);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `PRs right: ${s.pullRequestsRight} of ${s.pullRequests}`,
    `lines by Claude Code: ${s.claudeLines}; credited: ${s.creditedLines} (${s.truePositives} right, ${s.falsePositives} false positives, ${s.falseNegatives} missed)`,
    `line precision: ${s.precision.toFixed(3)} (target 1.000)   line recall: ${s.recall.toFixed(3)} (target ≥ 0.950)`,
  ].join('\n');
}
