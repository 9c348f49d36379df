import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { closeDb, createDb, type Db } from './db/client.js';
import { createApiKey, listApiKeys, revokeApiKey } from './db/api-keys.js';
import { createIngestToken, listIngestTokens, revokeIngestToken } from './db/ingest-tokens.js';
import { pendingMarkCount } from './db/processing-marks.js';
import { deadRunReason, lastRuns, type ProcessingRun } from './db/rollups.js';
import { listIdentityLinks, removeAdminLink } from './db/identity-links.js';
import { linkIdentity } from './db/telemetry-store.js';
import { countJobsByStatus, lastFailedJobs, retryFailedJobs } from './jobs/job-queue.js';
import { createProcessor, type Processor } from './processing/processor.js';
import { ProcessingBusyError } from './processing/run-processing.js';
import { fingerprintKey } from './db/app-secrets.js';
import { backfill, type BackfillProgress } from './github/backfill.js';
import { createProbot } from './github/probot.js';
import { createLogger } from './logger.js';
import { dayOf, isCalendarDate, lastDays } from './utc-days.js';

/** A one-line progress bar on a terminal; a line per phase step otherwise. */
function progressBar() {
  let last = '';
  return (p: BackfillProgress) => {
    const width = 30;
    const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
    const line = `${p.phase === 'listing' ? 'listing repositories' : 'fetching PRs'} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}`;
    if (line === last) return;
    last = line;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${p.done === p.total ? '\n' : ''}`);
    else if (p.done === p.total || p.done % Math.max(1, Math.ceil(p.total / 10)) === 0) process.stderr.write(`${line}\n`);
  };
}

/*
 * The command line: `npm run cli -- <command> [options]`. It opens the same database as the server
 * (`DATABASE_URL`; on SQLite, WAL lets both run at once). A secret a command creates is always the last line it prints.
 */

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  tokens create --org ORG [--user LOGIN]
                       issue an ingest token for Claude Code's telemetry and hooks (printed once,
                       last line); --user makes it personal: its data is LOGIN's
  tokens list [--org ORG]
                       ingest tokens (prefix, owner, created, last used, revoked)
  tokens revoke ID     revoke an ingest token; Claude Code using it is refused from then on
  keys create --org ORG
                       issue a metrics API key for ORG (printed once, last line)
  keys list [--org ORG]
  keys revoke ID       revoke a metrics API key
  identities list --org ORG
                       who is who: Claude Code users linked to GitHub logins, and how we know
  identities link --org ORG --login LOGIN (--email EMAIL | --account UUID)
  identities unlink --org ORG (--email EMAIL | --account UUID)
                       an admin's mapping (the weakest source; learned links win over it)
  process [--org ORG] [--from YYYY-MM-DD --to YYYY-MM-DD]
                       attribute merged PRs and recompute the daily rollups now, then exit
                       (default: every org, the last PROCESS_LOOKBACK_DAYS days)
  backfill --org ORG --days N
                       fetch the PRs ORG merged in the last N days through the GitHub App's
                       installation, enrich them, then process those days (resumable)
  runs                 the last processing runs
  jobs                 GitHub fetch jobs by status, and the failed ones with their errors
  jobs retry           re-arm every failed job (after fixing what made it fail)
  help                 this text`;

type Command = (run: { db: Db; args: string[]; config: Config; processor: Processor }) => Promise<number> | number;


const GITHUB_LOGIN = /^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}(\[bot\])?$/i;

function requireLogin(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  if (!GITHUB_LOGIN.test(value)) throw new UsageError(`${flag} "${value}" is not a GitHub login`);
  return value;
}

/** An ingest token or an API key as `list` shows it. */
interface Credential {
  id: number;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `tokens list` and `keys list`: one line per credential, with its state. */
function printCredentials<C extends Credential>(rows: C[], { none, describe }: { none: string; describe: (credential: C) => string }): number {
  if (rows.length === 0) console.log(none);
  for (const c of rows) {
    const state = c.revokedAt ? `revoked ${c.revokedAt}` : `last used ${c.lastUsedAt ?? 'never'}`;
    console.log(`#${c.id}  ${describe(c)}  created ${c.createdAt}  ${state}`);
  }
  return 0;
}

/** `tokens revoke ID` and `keys revoke ID`. */
async function revokeCredential(
  id: string | undefined,
  { command, noun, name, revoke }: { command: string; noun: string; name: string; revoke: (id: number) => Promise<boolean> | boolean },
): Promise<number> {
  if (!id || !/^\d+$/.test(id)) throw new UsageError(`${command} revoke needs the ${noun} id (see \`${command} list\`)`);
  if (!(await revoke(Number(id)))) throw new UsageError(`no live ${name} #${id}`);
  console.log(`${name[0]!.toUpperCase()}${name.slice(1)} #${id} revoked.`);
  return 0;
}

const commands: Record<string, Command> = {
  async tokens({ db, args }) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { org: { type: 'string' }, user: { type: 'string' } },
    });
    const [sub, id] = positionals;
    switch (sub) {
      case 'create': {
        const org = requireLogin(values.org, '--org');
        const user = values.user === undefined ? undefined : requireLogin(values.user, '--user');
        const { token, row } = await createIngestToken(db, { org, githubLogin: user });
        console.log(`Ingest token #${row.id} for ${org}${user ? ` (personal: ${user})` : ''}. Shown once; store it now:`);
        console.log(token);
        return 0;
      }
      case 'list':
        return printCredentials(await listIngestTokens(db, values.org), {
          none: 'No ingest tokens.',
          describe: (t) => `${t.tokenPrefix}…  ${t.org}${t.githubLogin ? ` / ${t.githubLogin}` : ''}`,
        });
      case 'revoke':
        return await revokeCredential(id, { command: 'tokens', noun: 'token', name: 'ingest token', revoke: (n) => revokeIngestToken(db, n) });
      default:
        throw new UsageError(`tokens needs a subcommand: create, list or revoke`);
    }
  },
  async keys({ db, args }) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { org: { type: 'string' } } });
    const [sub, id] = positionals;
    switch (sub) {
      case 'create': {
        const org = requireLogin(values.org, '--org');
        const { key, row } = await createApiKey(db, { org });
        console.log(`API key #${row.id} for ${row.org}. Shown once; store it now:`);
        console.log(key);
        return 0;
      }
      case 'list':
        return printCredentials(await listApiKeys(db, values.org), { none: 'No API keys.', describe: (k) => `${k.keyPrefix}…  ${k.org}` });
      case 'revoke':
        return await revokeCredential(id, { command: 'keys', noun: 'key', name: 'API key', revoke: (n) => revokeApiKey(db, n) });
      default:
        throw new UsageError('keys needs a subcommand: create, list or revoke');
    }
  },
  async identities({ db, args }) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { org: { type: 'string' }, login: { type: 'string' }, email: { type: 'string' }, account: { type: 'string' } },
    });
    const org = requireLogin(values.org, '--org').toLowerCase();
    const who = (): ['email' | 'account_uuid', string] => {
      if ((values.email === undefined) === (values.account === undefined)) throw new UsageError('give exactly one of --email or --account');
      if (values.email !== undefined) {
        if (!/^[^@\s]+@[^@\s]+$/.test(values.email)) throw new UsageError(`--email "${values.email}" is not an email address`);
        return ['email', values.email.toLowerCase()];
      }
      return ['account_uuid', values.account!];
    };
    switch (positionals[0]) {
      case 'list': {
        const links = await listIdentityLinks(db, org);
        if (links.length === 0) console.log(`No identity links in ${org}.`);
        for (const l of links) console.log(`${l.githubLogin.padEnd(20)} ${l.kind.padEnd(12)} ${l.value}  (${l.source}, ${l.createdAt})`);
        return 0;
      }
      case 'link': {
        const login = requireLogin(values.login, '--login');
        const [kind, value] = who();
        await linkIdentity(db, { org, kind, value, githubLogin: login, source: 'admin', createdAt: new Date().toISOString() });
        console.log(`${kind === 'email' ? 'Email' : 'Account'} ${value} is ${login} in ${org} (admin link); the next processing run uses it.`);
        return 0;
      }
      case 'unlink': {
        const [kind, value] = who();
        if (!(await removeAdminLink(db, org, kind, value))) throw new UsageError(`no admin link for ${value} in ${org}`);
        console.log(`Admin link for ${value} removed.`);
        return 0;
      }
      default:
        throw new UsageError('identities needs a subcommand: list, link or unlink');
    }
  },
  async process({ args, processor }) {
    const { values } = parseArgs({ args, options: { org: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
    const org = values.org === undefined ? undefined : requireLogin(values.org, '--org');
    for (const [flag, value] of [['--from', values.from], ['--to', values.to]] as const) {
      if (value !== undefined && !isCalendarDate(value)) throw new UsageError(`${flag} "${value}" is not a date (YYYY-MM-DD)`);
    }
    if ((values.from === undefined) !== (values.to === undefined)) throw new UsageError('--from and --to go together');
    const started = Date.now();
    try {
      const summary = await processor.run({ org, fromDay: values.from, toDay: values.to, trigger: 'cli' });
      const { run } = summary;
      for (const dead of summary.abandoned) console.error(`Run #${dead.id} (started ${dead.startedAt}) was marked abandoned. ${dead.error}`);
      console.log(
        `Run #${run.id} ${run.status}: ${summary.orgs.length ? summary.orgs.join(', ') : 'no org'} from ${run.fromDay} to ${run.toDay}; ` +
          `${summary.attributed} PR(s) and direct push(es) attributed (${summary.changed} changed), ` +
          `${summary.daysRecomputed} day(s) recomputed in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      );
      return 0;
    } catch (error) {
      if (error instanceof ProcessingBusyError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
  },
  async backfill({ db, args, config, processor }) {
    const { values } = parseArgs({ args, options: { org: { type: 'string' }, days: { type: 'string' } } });
    const org = requireLogin(values.org, '--org');
    if (!values.days || !/^\d+$/.test(values.days) || Number(values.days) < 1 || Number(values.days) > 366) {
      throw new UsageError('--days must be a whole number of days from 1 to 366');
    }
    const days = Number(values.days);
    if (!config.github) throw new UsageError('backfill needs the GitHub App credentials: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET');
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const probot = createProbot({ credentials: config.github, baseUrl: config.githubApiBaseUrl, log });
    const result = await backfill({
      db,
      probot,
      org,
      days,
      fingerprintKey: await fingerprintKey(db, config.fingerprintSecret),
      log,
      onProgress: progressBar(),
    });
    console.log(
      `Backfill of ${org}: ${result.repositories} repositories, ${result.merged} PR(s) merged in the last ${days} day(s), ` +
        `${result.alreadyEnriched} already fetched, ${result.enriched} fetched now, ${result.failed.length} failed.`,
    );
    for (const f of result.failed) console.log(`  ${f.pullRequest}: ${f.error}`);
    const { startDate: fromDay, endDate: toDay } = lastDays(dayOf(new Date()), days);
    const summary = await processor.run({ org, fromDay, toDay, trigger: 'backfill' });
    console.log(`Run #${summary.run.id}: ${summary.attributed} attributed, ${summary.daysRecomputed} day(s) recomputed.`);
    return result.failed.length === 0 ? 0 : 1;
  },
  async runs({ db }) {
    const runningNote = (r: ProcessingRun) => {
      const dead = deadRunReason(r, new Date());
      return dead ? ` (${dead}; the next run marks it abandoned)` : r.pid !== null ? ` (pid ${r.pid} on ${r.host}, heartbeat ${r.heartbeatAt})` : '';
    };
    const runs = await lastRuns(db, 10);
    if (runs.length === 0) console.log('No processing runs yet.');
    for (const r of runs) {
      console.log(
        `#${r.id} ${r.status.padEnd(9)} ${r.trigger.padEnd(11)} ${r.org ?? 'all orgs'} ${r.fromDay}..${r.toDay} started ${r.startedAt}` +
          `${r.finishedAt ? ` finished ${r.finishedAt}` : ''} attributed ${r.attributed} days ${r.daysRecomputed}` +
          `${r.corrections !== null ? ` changes ${r.corrections}` : ''}${r.error ? ` error: ${r.error}` : ''}` +
          (r.status === 'running' ? runningNote(r) : ''),
      );
    }
    const pending = await pendingMarkCount(db, undefined, new Date());
    console.log(pending === 0 ? 'Nothing waits for incremental processing.' : `${pending} change(s) wait for incremental processing.`);
    return 0;
  },
  async jobs({ db, args }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (positionals[0] === 'retry') {
      const rearmed = await retryFailedJobs(db);
      console.log(`${rearmed} failed job(s) re-armed; the server runs them on its next poll.`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unknown jobs subcommand "${positionals[0]}"`);
    const counts = await countJobsByStatus(db);
    console.log(`pending ${counts.pending}  running ${counts.running}  done ${counts.done}  failed ${counts.failed}`);
    for (const job of await lastFailedJobs(db, 20)) {
      console.log(`#${job.id} ${job.dedupeKey} after ${job.attempts} attempt(s): ${job.lastError}`);
    }
    return 0;
  },
  help() {
    console.log(USAGE);
    return 0;
  },
};

class UsageError extends Error {}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  let db: Db | undefined;
  try {
    const config = loadConfig(env);
    db = await createDb(config.databaseUrl);
    return await command({ db, args: rest, config, processor: createProcessor({ db, config }) });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error.message);
      return 2;
    }
    throw error;
  } finally {
    if (db) await closeDb(db);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
