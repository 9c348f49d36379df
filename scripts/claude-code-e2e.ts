import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { pino } from 'pino';
import { startAppServer } from '../src/app-server.js';
import { loadConfig } from '../src/config.js';
import { createIngestToken } from '../src/db/ingest-tokens.js';

/*
 * `npm run e2e:claude-code`: the real Claude Code CLI, driven offline by the shared harness through
 * the rate-limiter scenario, sends its telemetry and hook calls to this app running on a fresh
 * database; then the stored figures are checked. Needs the CLI from the npm registry (the harness
 * installs it once); not part of `npm test`.
 */

const ROOT = resolve(import.meta.dirname, '..');
const HARNESS = resolve(ROOT, '../shared/tools/claude-code-harness');
const dir = mkdtempSync(join(tmpdir(), 'ccm-e2e-'));
const protocol = process.argv.includes('--json') ? 'http/json' : 'http/protobuf';

const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dir, 'metrics.db'), LOG_LEVEL: 'silent' });
const app = await startAppServer({ config, log: pino({ level: 'silent' }) });
const { token } = await createIngestToken(app.db, { org: 'acme' });
console.log(`app on ${app.url}; running the rate-limiter scenario over ${protocol}…`);

const code = await new Promise<number | null>((done) => {
  const child = spawn(
    process.execPath,
    ['run-scenario.mjs', '--scenario', 'scenarios/rate-limiter.json', '--out', join(dir, 'run'), '--protocol', protocol,
      '--tool-details', '--hooks', '--endpoint', app.url, '--token', token, '--repo', join(dir, 'widgets')],
    { cwd: HARNESS, stdio: 'inherit' },
  );
  child.on('exit', done);
});
if (code !== 0) throw new Error(`harness exited with ${code}`);

const q = (query: SQL) => app.db.all(query);
const counters = Object.fromEntries(
  ((await q(sql`SELECT metric, dimension, sum(value) AS v FROM telemetry_daily GROUP BY metric, dimension`)) as { metric: string; dimension: string; v: number }[]).map(
    (r) => [r.dimension ? `${r.metric}{${r.dimension}}` : r.metric, r.v],
  ),
);
const commit = execFileSync('git', ['-C', join(dir, 'widgets'), 'log', '--format=%h', '--grep', 'Co-Authored-By: Claude'], { encoding: 'utf8' }).trim();
const checks: [string, unknown, unknown][] = [
  ['sessions', counters.sessions, 1],
  ['lines added', counters.lines_added, 30],
  ['accepted Write decisions', counters['edit_decisions{Write:accept}'], 1],
  ['accepted Edit decisions', counters['edit_decisions{Edit:accept}'], 2],
  ['commits', counters.commits, 1],
  ['pull requests', counters.pull_requests, 1],
  // Hooks report the short sha, newer CLIs' events the full one: one link either way.
  ['session → commit link', ((await q(sql`SELECT sha FROM session_commits`)) as { sha: string }[]).map((r) => r.sha.slice(0, commit.length)).join(), commit],
  ['session → PR link', ((await q(sql`SELECT repository || '#' || number AS pr FROM session_pull_requests`)) as { pr: string }[]).map((r) => r.pr).join(), 'acme/widgets#42'],
  ['fingerprinted lines', ((await q(sql`SELECT sum(occurrences) AS n FROM session_line_fingerprints`)) as { n: number }[])[0]!.n, 22],
];
let failed = 0;
for (const [what, got, want] of checks) {
  const ok = got === want;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${String(got)}${ok ? '' : ` (expected ${String(want)})`}`);
}
await app.close();
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
