import type { Probot } from 'probot';
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import type { RecordedCommit } from './claude-code-recordings.js';
import { restCommitWithFilesOf } from './claude-code-recordings.js';
import { GitHistory } from './git-history.js';
import { DANA, DEPENDABOT, INSTALLATION_ID, installationPayload, pullRequestPayload, pushPayload } from './github-payloads.js';
import { nockCommit, nockInstallationToken, nockMergedPullRequest } from './nock-github.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from './test-probot.js';

/*
 * A history made with git (real patches), delivered as GitHub would deliver it (webhooks, then the
 * stand-in REST API through nock), enriched and processed: the durability of each merged PR,
 * computed here by hand.
 *
 *  day 0   PR #1 (Dana, Claude Code trailer) adds src/cart.js: 8 effective lines
 *  day 0   PR #2 (Lee) adds src/tax.js: 3 effective lines
 *  day 5   PR #6 (Dependabot, a bot: apart from every comparison) adds src/version.js: 2 lines
 *  day 10  PR #3 (Lee) deletes cart.js's isEmpty (2 lines) and rewrites its loop slightly (1 line, 1 new)
 *  day 20  a direct push (Lee) replaces two lines of tax.js with one
 *  day 40  PR #4 (Dana, trailer) moves cart.js to src/shop/cart.js and adds a line
 *  day 50  PR #5 (Lee) deletes, in the moved file, PR #1's count line and PR #4's line
 *  day 100 (an hour after the day-10 merge turned 90 days old) processing runs
 */

export const DAY = 86_400_000;
const T0 = Date.parse('2026-08-03T10:00:00Z');
const dayIso = (d: number, hour = 0) => new Date(T0 + d * DAY + hour * 3_600_000).toISOString();
export const HISTORY_NOW = new Date(T0 + 100 * DAY + 2 * 3_600_000);
const LEE = { login: 'lee', id: 9002, type: 'User' };
const TRAILER = '\n\nCo-Authored-By: Claude <noreply@anthropic.com>';

const CART = [
  'export function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  '',
  'export function count(items) {',
  '  return items.reduce((n, item) => n + item.quantity, 0);',
  '}',
  '',
  'export function isEmpty(items) {',
  '  return items.length === 0;',
  '}',
  '',
].join('\n');
const TAX = ['export function tax(amount) {', '  const rate = 0.2;', '  return amount * rate;', '}', ''].join('\n');

/** Builds the history in git and stores it through webhooks, enrichment jobs and the mocked REST API. */
export async function deliverDurabilityHistory(db: Db): Promise<void> {
  const git = new GitHistory();
  let probot: Probot | undefined;
  try {
    probot = await createTestProbot(db, () => HISTORY_NOW);
    let deliveries = 0;
    const receive = (name: string, payload: object) => probot!.receive({ id: `history-${++deliveries}`, name, payload } as never);
    await receive('installation', installationPayload('created'));
    nockInstallationToken(INSTALLATION_ID);

    const mergePr = async (number: number, author: { login: string; id: number; type: string }, day: number, commit: RecordedCommit) => {
      const mergedAt = dayIso(day, 1);
      const pr = { number, id: 500_000 + number, author, title: commit.message.split('\n')[0]!, body: null, createdAt: dayIso(day), updatedAt: mergedAt, mergedAt, closedAt: mergedAt, mergeCommitSha: `${number}`.padStart(40, 'e'), headRef: `change-${number}`, headSha: commit.sha };
      await receive('pull_request', pullRequestPayload('closed', pr));
      await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number }, [commit], author.login);
    };
    await mergePr(1, DANA, 0, git.commit({ at: dayIso(0), message: `Add the cart${TRAILER}`, write: { 'src/cart.js': CART } }));
    await mergePr(2, LEE, 0, git.commit({ at: dayIso(0), message: 'Add tax', write: { 'src/tax.js': TAX } }));
    await mergePr(6, DEPENDABOT, 5, git.commit({ at: dayIso(5), message: 'Bump the version', write: { 'src/version.js': 'export const VERSION = "1.0.1";\nexport const BUILD = 42;\n' } }));
    const cart3 = CART.replace('\nexport function isEmpty(items) {\n  return items.length === 0;\n}\n', '').replace('sum += item.price;', 'sum += item.netPrice;');
    await mergePr(3, LEE, 10, git.commit({ at: dayIso(10), message: 'Net prices; drop isEmpty', write: { 'src/cart.js': cart3 } }));
    const push = git.commit({ at: dayIso(20), message: 'Simpler tax', write: { 'src/tax.js': 'export function tax(amount) {\n  return amount / 5;\n}\n' } });
    await receive('push', pushPayload('main', [push], { pushedAt: (T0 + 20 * DAY) / 1000, login: LEE.login }));
    nockCommit({ owner: 'acme', repo: 'widgets', sha: push.sha }, restCommitWithFilesOf(push, LEE.login));
    const cart4 = `${cart3}export const CURRENCY = "EUR";\n`;
    await mergePr(4, DANA, 40, git.commit({ at: dayIso(40), message: `Move the cart${TRAILER}`, rename: { 'src/cart.js': 'src/shop/cart.js' }, write: { 'src/shop/cart.js': cart4 } }));
    const cart5 = cart4.replace('  return items.reduce((n, item) => n + item.quantity, 0);\n', '  return items.length;\n').replace('export const CURRENCY = "EUR";\n', '');
    await mergePr(5, LEE, 50, git.commit({ at: dayIso(50), message: 'Count items', write: { 'src/shop/cart.js': cart5 } }));

    const worker = new JobWorker({
      db,
      log: silentLog,
      pollIntervalMs: 1000,
      now: () => HISTORY_NOW.getTime() + 10 * 60_000,
      random: () => 0.5,
      handlers: githubJobHandlers({ db, octokitFor: (id) => probot!.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog, now: () => HISTORY_NOW }),
    });
    expect(await worker.runDueJobs()).toBe(7);
  } finally {
    git.cleanup();
  }
}

export const HISTORY_RANGE = { fromDay: dayIso(0).slice(0, 10), toDay: HISTORY_NOW.toISOString().slice(0, 10) };

