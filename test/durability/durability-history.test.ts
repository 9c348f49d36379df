import { eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { pruneExpired } from '../../src/db/retention.js';
import { metricsApi } from '../../src/http/api/metrics-api.js';
import { pullRequestDurability } from '../../src/db/schema.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import type { RecordedCommit } from '../helpers/claude-code-recordings.js';
import { restCommitWithFilesOf } from '../helpers/claude-code-recordings.js';
import { GitHistory } from '../helpers/git-history.js';
import { DANA, DEPENDABOT, INSTALLATION_ID, installationPayload, pullRequestPayload, pushPayload } from '../helpers/github-payloads.js';
import { nockCommit, nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

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

const DAY = 86_400_000;
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
export async function deliverDurabilityHistory(db: ReturnType<typeof createTestDb>['db']): Promise<void> {
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

let t: ReturnType<typeof createTestDb>;
beforeAll(async () => {
  t = createTestDb();
  await deliverDurabilityHistory(t.db);
  await runProcessing(t.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
}, 60_000);
afterAll(() => t.cleanup());

const rowOf = (number: number) => t.db.select().from(pullRequestDurability).where(eq(pullRequestDurability.pullRequestId, 500_000 + number)).get();
const figures = (number: number) => {
  const r = rowOf(number)!;
  return [r.lines, r.surviving14d, r.surviving30d, r.surviving90d, r.deleted21d, r.rewritten21d];
};

describe('an end-to-end history made with git', () => {
  it('gives each merged PR the lines that survived 14, 30 and 90 days and those that ended within 21', () => {
    // [lines, 14 d, 30 d, 90 d, ended within 21 d, of which rewritten]
    expect(figures(1)).toEqual([8, 5, 5, 4, 3, 1]); // 3 ended on day 10 (1 rewritten), 1 on day 50 after the move
    expect(figures(2)).toEqual([3, 3, 1, 1, 2, 0]); // 2 ended by the direct push on day 20
    expect(figures(3)).toEqual([1, 1, 1, 1, 0, 0]); // the rewritten loop line lives on as PR #3's
    expect(figures(4)).toEqual([1, 0, 0, null, 1, 0]); // 60 days old: no 90-day figure yet
    expect(figures(5)).toEqual([1, 1, 1, null, 0, 0]); // its `return items.length;`
    const day = 86_400;
    expect(rowOf(1)!.endedLives).toEqual([
      [10 * day, 3, 1],
      [50 * day, 1, 0],
    ]);
    expect(rowOf(1)).toMatchObject({ org: 'acme', day: '2026-08-03', asOf: HISTORY_NOW.toISOString() });
  });

  it('answers the org’s durability in the API: with vs without Claude Code, bots apart, with sample sizes', async () => {
    const api = metricsApi({ db: t.db, now: () => HISTORY_NOW });
    const headers = { 'x-api-key': createApiKey(t.db, { org: 'acme' }).key };
    const range = `start_date=${HISTORY_RANGE.fromDay}&end_date=${HISTORY_RANGE.toDay}`;
    const res = await api.request(`/orgs/acme/durability?${range}`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    // With: PRs #1 (8 lines) and #4 (1); without: #2 (3), #3 (1), #5 (1). Only #1, #2, #3 are 90 days old.
    expect(body.survival).toEqual({
      with_claude_code: {
        d14: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d30: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d90: { prs: 1, lines: 8, surviving: 4, rate: 0.5 },
      },
      without_claude_code: {
        d14: { prs: 3, lines: 5, surviving: 5, rate: 1 },
        d30: { prs: 3, lines: 5, surviving: 3, rate: 0.6 },
        d90: { prs: 2, lines: 4, surviving: 2, rate: 0.5 },
      },
    });
    expect(body.churn_21d).toEqual({
      with_claude_code: { prs: 2, lines: 9, deleted: 4, rewritten: 1, rate: 0.4444 },
      without_claude_code: { prs: 3, lines: 5, deleted: 2, rewritten: 0, rate: 0.4 },
    });
    // With: 4 lines ended after 10 days, 1 after 50; without: 2 after 20.
    expect(body.median_life_days_of_deleted_lines).toEqual({ with_claude_code: 10, without_claude_code: 20 });
    expect(body.deleted_lines).toEqual({ with_claude_code: 5, without_claude_code: 2 });
    expect(body.pull_requests).toEqual({
      with_claude_code: { merged: 2, old_enough: { d14: 2, d30: 2, d90: 1, churn_21d: 2 } },
      without_claude_code: { merged: 3, old_enough: { d14: 3, d30: 3, d90: 2, churn_21d: 3 } },
    });

    // One person, one repository.
    const lee = (await (await api.request(`/orgs/acme/durability?${range}&login=lee`, { headers })).json()) as typeof body;
    expect(lee.survival).toMatchObject({ with_claude_code: { d14: null, d30: null, d90: null }, without_claude_code: { d90: { prs: 2, lines: 4, surviving: 2 } } });
    const other = (await (await api.request(`/orgs/acme/durability?${range}&repository=acme/gadgets`, { headers })).json()) as typeof body;
    expect(other.pull_requests).toEqual({
      with_claude_code: { merged: 0, old_enough: { d14: 0, d30: 0, d90: 0, churn_21d: 0 } },
      without_claude_code: { merged: 0, old_enough: { d14: 0, d30: 0, d90: 0, churn_21d: 0 } },
    });
    expect((await api.request(`/orgs/acme/durability?${range}&repository=gadgets`, { headers })).status).toBe(400);

    // Per PR, in JSON and CSV.
    const prs = (await (await api.request(`/orgs/acme/pull-requests?${range}`, { headers })).json()) as { data: Record<string, unknown>[] };
    expect(prs.data.map((p) => [p.number, p.with_claude_code, p.lines_surviving_14d, p.lines_surviving_30d, p.lines_surviving_90d])).toEqual([
      [1, true, 5, 5, 4],
      [2, false, 3, 1, 1],
      [6, false, 2, 2, 2],
      [3, false, 1, 1, 1],
      [4, true, 0, 0, null],
      [5, false, 1, 1, null],
    ]);
    const csv = await (await api.request(`/orgs/acme/pull-requests?${range}&format=csv`, { headers })).text();
    const [header, first] = csv.trim().split('\n');
    expect(header!.split(',').slice(-3)).toEqual(['lines_surviving_14d', 'lines_surviving_30d', 'lines_surviving_90d']);
    expect(first!.split(',').slice(-3)).toEqual(['5', '5', '4']);
  });

  it('is the same when processed again', async () => {
    const before = t.db.select().from(pullRequestDurability).all();
    await runProcessing(t.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
    expect(t.db.select().from(pullRequestDurability).all()).toEqual(before);
  });

  it('keeps the fingerprints the 90-day figures need when RETENTION_DAYS is shorter, and final rows stay as they were', async () => {
    const fingerprintsOf = (number: number) =>
      (
        t.db.$client
          .prepare(
            `SELECT (SELECT count(*) FROM added_line_fingerprints a JOIN changed_files f ON f.id = a.changed_file_id WHERE f.pull_request_id = ?)
                  + (SELECT count(*) FROM deleted_line_fingerprints d JOIN changed_files f ON f.id = d.changed_file_id WHERE f.pull_request_id = ?) AS n`,
          )
          .get(500_000 + number, 500_000 + number) as { n: number }
      ).n;
    // PR #1 added 8 distinct lines; PR #3 added 1 and deleted 3.
    expect([fingerprintsOf(1), fingerprintsOf(3)]).toEqual([8, 4]);
    // RETENTION_DAYS=30 at day 100: everything is younger than the 104 days durability replays.
    await pruneExpired(t.db, { now: HISTORY_NOW, retentionDays: 30 });
    expect([fingerprintsOf(1), fingerprintsOf(3)]).toEqual([8, 4]);
    // Five days later the day-0 PRs are past it, the day-10 one is not.
    const later = new Date(HISTORY_NOW.getTime() + 5 * DAY);
    await pruneExpired(t.db, { now: later, retentionDays: 30 });
    expect([fingerprintsOf(1), fingerprintsOf(3)]).toEqual([0, 4]);
    // PR #1's figures were final at 90 days; a later run leaves its row as it was.
    const final = rowOf(1);
    await runProcessing(t.db, { org: 'acme', fromDay: later.toISOString().slice(0, 10), toDay: later.toISOString().slice(0, 10), now: () => later });
    expect(rowOf(1)).toEqual(final);
    expect(figures(3)).toEqual([1, 1, 1, 1, 0, 0]);
  });
});
