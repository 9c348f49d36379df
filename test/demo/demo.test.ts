import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, type Demo } from '../../demo/build-demo.js';
import { sessionTelemetry } from '../../demo/claude-code-telemetry.js';
import { expectedFigures, expectedLineLives, expectedTeams } from '../../demo/expected-figures.js';
import { DEMO_SIGN_IN_TITLE } from '../../demo/fake-github.js';
import { compareOutcomes, type OutcomePr } from '../../src/outcomes/outcome-comparison.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { testEngine } from '../helpers/test-db.js';
import { createTestPostgresDatabase, testPostgresUrl } from '../helpers/test-postgres.js';

/*
 * `npm run demo` at a smaller scale (7 developers, 6 weeks): built through the app's real doors
 * (signed webhooks, OTLP, hook calls, enrichment from the stand-in GitHub, processing), then
 * checked against figures counted from the demo's own plan, and signed in to over real HTTP. With
 * TEST_ENGINE=postgres the demo is built in a fresh PostgreSQL database, and every figure checked is
 * the same as on SQLite (the plan is the same: same seed, same "now").
 */

let dir: string;
let demo: Demo;
let postgres: { url: string; drop(): Promise<void> } | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-demo-'));
  if (testEngine() === 'postgres') {
    const clusterUrl = testPostgresUrl();
    if (!clusterUrl) throw new Error('TEST_ENGINE=postgres needs TEST_POSTGRES_URL (scripts/postgres-cluster.sh start)');
    postgres = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  }
  demo = await buildDemo({ dir, databaseUrl: postgres?.url, port: 0, developers: 7, days: 42, logLevel: 'silent' });
}, 240_000);

afterAll(async () => {
  await demo?.close();
  await postgres?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T = any>(path: string): Promise<T> {
  const res = await fetch(`${demo.app.url}/api/v1/orgs/${demo.org}${path}`, { headers: { 'x-api-key': demo.apiKey } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

const whole = () => ({ startDate: demo.plan.days[0]!, endDate: demo.plan.days.at(-1)! });
const query = (r: { startDate: string; endDate: string }) => `start_date=${r.startDate}&end_date=${r.endDate}`;

describe('the demo organization', () => {
  it('was built from history: nothing was left for the app to fetch or do', async () => {
    expect(demo.built).toBe(true);
    expect(demo.app.db.engine).toBe(testEngine());
    expect(demo.github.stats.unknown).toEqual([]);
    expect(demo.github.stats.byRoute['pulls.listFiles']).toBeGreaterThan(0);
    const jobs = await demo.app.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM jobs WHERE status <> 'done'`);
    expect(jobs!.n).toBe(0);
  });

  it('was processed as it arrived: the full run after it, a nightly reconciliation, changed nothing', async () => {
    const runs = await demo.app.db.all<{ trigger: string; status: string; attributed: number; corrections: number | null }>(
      sql`SELECT trigger, status, attributed, corrections FROM processing_runs ORDER BY id`,
    );
    // Incremental runs followed the history, a run each day with activity (the build runs one as
    // each day of history begins, the server's runner others), and attributed each PR as it merged.
    const incremental = runs.filter((r) => r.trigger === 'incremental' && r.status === 'succeeded');
    expect(incremental.length).toBeGreaterThan(demo.plan.days.length / 2);
    expect(incremental.reduce((n, r) => n + r.attributed, 0)).toBeGreaterThanOrEqual(expectedFigures(demo.plan).pullRequests.merged);
    expect(runs.at(-1)).toEqual({ trigger: 'demo', status: 'succeeded', attributed: expect.any(Number), corrections: 0 });
    expect(demo.corrections).toBe(0);
  });

  it('reports exactly what the plan sent: PRs, lines and Claude Code usage', async () => {
    const expected = expectedFigures(demo.plan);
    const summary = await api(`/summary?${query(whole())}`);
    expect(summary.pull_requests).toMatchObject({
      merged: expected.pullRequests.merged,
      with_claude_code: expected.pullRequests.withClaudeCode,
      without_claude_code: expected.pullRequests.withoutClaudeCode,
      opened: expected.pullRequests.opened,
    });
    expect(summary.lines_committed.total).toBe(expected.linesCommitted.total);
    expect(summary.lines_committed.with_claude_code).toBe(expected.linesCommitted.withClaudeCode);
    expect(summary.claude_code).toMatchObject({
      lines_accepted: expected.claudeCode.linesAccepted,
      decisions: expected.claudeCode.decisions,
      sessions: expected.claudeCode.sessions,
      active_users: expected.claudeCode.activeUsers,
      commits: expected.claudeCode.commits,
      pull_requests: expected.claudeCode.pullRequests,
    });
    expect(summary.claude_code.cost_usd).toBeCloseTo(expected.claudeCode.costUsd, 4);

    // A realistic mix, not a degenerate one.
    expect(expected.pullRequests.withClaudeCode).toBeGreaterThan(0);
    expect(expected.pullRequests.withoutClaudeCode).toBeGreaterThan(0);
    expect(summary.lines_committed.with_claude_code).toBeLessThan(summary.lines_committed.total);
    expect(expected.claudeCode.decisions.rejected).toBeGreaterThan(0);
    expect(demo.plan.pullRequests.some((p) => p.closedAt !== null && p.mergedAt === null)).toBe(true);
    expect(demo.plan.pullRequests.some((p) => p.kind === 'revert' && p.mergedAt !== null)).toBe(true);
  });

  it("counts the bot's PRs apart from the with/without comparison", async () => {
    const expected = expectedFigures(demo.plan);
    const summary = await api(`/summary?${query(whole())}`);
    expect(expected.pullRequests.byBots).toBeGreaterThan(0);
    expect(summary.pull_requests.by_bots).toBe(expected.pullRequests.byBots);
    expect(summary.pull_requests.with_claude_code + summary.pull_requests.without_claude_code).toBe(summary.pull_requests.merged);

    const prs = await api<{ data: any[] }>(`/pull-requests?${query(whole())}&limit=1000`);
    const bots = prs.data.filter((p) => p.author === 'dependabot[bot]');
    expect(bots.length).toBe(expected.pullRequests.byBots);
    expect(bots.every((p) => p.author_is_bot === true && p.with_claude_code === false)).toBe(true);

    // What Claude Code in GitHub Actions opened counts for the developer who asked for it.
    const fromActions = demo.plan.pullRequests.filter((p) => p.creditedTo && p.mergedAt !== null);
    expect(fromActions.length).toBeGreaterThan(0);
    for (const planned of fromActions) {
      const p = prs.data.find((x) => x.repository === planned.repository.fullName && x.number === planned.number)!;
      expect(p).toMatchObject({ author: planned.creditedTo!.login, author_is_bot: false, with_claude_code: true });
      expect(p.explanation.at(-1)).toMatch(new RegExp(`opened by Claude Code's GitHub bot.*credited to ${planned.creditedTo!.login}$`));
    }
  });

  it("recovers each merged PR's timeline and reverts, the plan's own comparisons, and its planted effect, recovered by the same-author comparison", async () => {
    const prs = (await api<{ data: any[] }>(`/pull-requests?${query(whole())}&limit=1000`)).data;
    const merged = demo.plan.pullRequests.filter((p) => p.mergedAt !== null);
    const ref = (p: (typeof merged)[number]) => `${p.repository.fullName.toLowerCase()}#${p.number}`;
    const revertOf = new Map(
      merged.filter((p) => p.kind === 'revert').map((revert) => [revert.body.match(/^Reverts \S+#(\d+)/)![1], ref(revert)] as const),
    );
    expect(revertOf.size).toBeGreaterThan(0);
    const truth: OutcomePr[] = [];
    for (const planned of merged) {
      const row = prs.find((x) => x.repository === planned.repository.fullName.toLowerCase() && x.number === planned.number)!;
      const firstCommit = Math.min(...planned.commits.map((c) => c.at));
      const cycleHours = (planned.mergedAt! - firstCommit) / 3_600_000;
      expect(row.first_commit_at).toBe(new Date(Math.floor(firstCommit / 1000) * 1000).toISOString());
      expect(Math.abs(row.cycle_time_hours - cycleHours)).toBeLessThanOrEqual(0.01);
      // Reviewed by a teammate: pickup is opened (or ready for review, for a draft) → that review.
      const login = (planned.creditedTo ?? planned.author).login;
      const readyAt = planned.draft?.readyForReviewAt ?? planned.createdAt;
      // The rest of its review timeline (a bot's comments, the author's replies, the approval after a
      // request for changes) is no pickup; the request for changes is a review round.
      if (planned.review && planned.review.reviewer.login !== login && planned.review.reviewer.type !== 'Bot') {
        expect(Math.abs(row.pickup_time_hours - (planned.review.at - readyAt) / 3_600_000)).toBeLessThanOrEqual(0.01);
        expect(Math.abs(row.review_time_hours - (planned.mergedAt! - planned.review.at) / 3_600_000)).toBeLessThanOrEqual(0.01);
        expect([ref(planned), row.review_rounds]).toEqual([ref(planned), planned.review.state === 'changes_requested' ? 1 : 0]);
      }
      expect([ref(planned), row.reverted_by]).toEqual([ref(planned), revertOf.get(String(planned.number)) ?? null]);
      if (!row.author_is_bot) {
        const reviewedByOther = planned.review && planned.review.reviewer.login !== login && planned.review.reviewer.type !== 'Bot';
        truth.push({
          login,
          withClaudeCode: row.with_claude_code,
          linesAdded: row.lines_added,
          cycleTimeSeconds: Math.round((planned.mergedAt! - firstCommit) / 1000),
          codingTimeSeconds: null,
          pickupTimeSeconds: reviewedByOther ? Math.round((planned.review!.at - readyAt) / 1000) : null,
          reviewTimeSeconds: reviewedByOther ? Math.round((planned.mergedAt! - planned.review!.at) / 1000) : null,
          reverted: row.reverted,
        });
      }
    }

    // The app's comparisons are those of the plan's own timelines.
    const outcomes = await api(`/outcomes?${query(whole())}`);
    const expected = compareOutcomes(truth);
    expect(outcomes.reverts).toMatchObject({
      with_claude_code: { prs: expected.reverts.with_claude_code.prs, reverted: expected.reverts.with_claude_code.reverted },
      without_claude_code: { prs: expected.reverts.without_claude_code.prs, reverted: expected.reverts.without_claude_code.reverted },
    });
    expect(outcomes.cycle_time_hours.with_claude_code).toEqual(expected.cycle_time_hours.with_claude_code);
    expect(outcomes.cycle_time_hours.without_claude_code).toEqual(expected.cycle_time_hours.without_claude_code);
    expect(outcomes.cycle_time_hours.same_author).toEqual(expected.cycle_time_hours.same_author);
    expect(outcomes.pickup_time_hours.same_author).toEqual(expected.pickup_time_hours.same_author);
    expect(outcomes.review_time_hours.with_claude_code).toEqual(expected.review_time_hours.with_claude_code);
    expect(outcomes.review_time_hours.without_claude_code).toEqual(expected.review_time_hours.without_claude_code);
    // The timelines have every kind of review in them.
    const others = merged.flatMap((p) => p.otherReviews);
    expect(others.some((r) => r.reviewer.type === 'Bot')).toBe(true);
    expect(merged.some((p) => p.review?.state === 'changes_requested' && p.otherReviews.some((r) => r.state === 'approved'))).toBe(true);
    expect(merged.some((p) => p.otherReviews.some((r) => r.reviewer.login === p.author.login))).toBe(true);
    // Drafts made ready later were reviewed after that, and count from then.
    expect(merged.some((p) => p.draft?.readyForReviewAt && p.review)).toBe(true);
    // The planted effect (each person's PRs with Claude Code merge a set number of hours sooner
    // after their first commit, give or take an hour or two) is recovered by the same-author
    // comparison: the plan's value lies within the interval, and the interval excludes no difference.
    const planted = demo.plan.plantedEffects.cycleTimeHoursDifference;
    expect(planted).toBeLessThan(0);
    const sameAuthor = outcomes.cycle_time_hours.same_author;
    expect(sameAuthor.people).toBeGreaterThanOrEqual(3);
    expect(sameAuthor.ci95[0]).toBeLessThanOrEqual(planted);
    expect(sameAuthor.ci95[1]).toBeGreaterThanOrEqual(planted);
    expect(sameAuthor.ci95[1]).toBeLessThan(0);
    // The raw medians with and without are not compared: people merge at their own pace, so which
    // is lower depends on who made more PRs of each kind in the planned weeks (it changes with the
    // day the demo ends). That mix is what the same-author comparison above removes.
  });

  it('recovers the planted revert rates exactly: the reverted PRs of each kind, and their share of that kind', async () => {
    const prs = (await api<{ data: any[] }>(`/pull-requests?${query(whole())}&limit=1000`)).data;
    const merged = demo.plan.pullRequests.filter((p) => p.mergedAt !== null);
    const revertedNumbers = new Set(merged.filter((p) => p.kind === 'revert').map((p) => `${p.repository.fullName.toLowerCase()}#${p.body.match(/^Reverts \S+#(\d+)/)![1]}`));
    const planned = merged.filter((p) => revertedNumbers.has(`${p.repository.fullName.toLowerCase()}#${p.number}`));
    const withClaudeCode = planned.filter((p) => p.expected.linesWithClaudeCode > 0).length;
    const without = planned.length - withClaudeCode;
    expect([withClaudeCode, without].every((n) => n >= 1)).toBe(true);
    // The plan reverted its planted share of the candidates of each kind (rounded, at least one).
    const { revertRate } = demo.plan.plantedEffects;
    expect(revertRate.withClaudeCode).toBeGreaterThan(revertRate.withoutClaudeCode);

    const outcomes = await api(`/outcomes?${query(whole())}`);
    const human = prs.filter((p) => !p.author_is_bot);
    const ofKind = (w: boolean) => human.filter((p) => p.with_claude_code === w).length;
    expect(outcomes.reverts.with_claude_code).toMatchObject({ prs: ofKind(true), reverted: withClaudeCode, rate: Math.round((withClaudeCode / ofKind(true)) * 10_000) / 10_000 });
    expect(outcomes.reverts.without_claude_code).toMatchObject({ prs: ofKind(false), reverted: without, rate: Math.round((without / ofKind(false)) * 10_000) / 10_000 });
  });

  it("recovers the planted spend per PR: each person at their model's price, the org at its spend over its PRs with Claude Code", async () => {
    const planted = Object.entries(demo.plan.plantedEffects.costPerPullRequestUsd);
    expect(planted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(planted.map(([, usd]) => usd)).size).toBe(2); // both models are in the demo
    for (const [login, usd] of planted) {
      const person = await api(`/outcomes?${query(whole())}&login=${login}`);
      expect([login, person.cost_per_pr_usd]).toEqual([login, usd]);
    }
    // The org: all spend (exploring sessions and unmerged work too) over every PR merged with Claude Code.
    const micros = demo.plan.sessions.reduce((n, s) => n + s.apiRequests.reduce((k, r) => k + Math.round(r.costUsd * 1e6), 0), 0);
    const expected = expectedFigures(demo.plan);
    const org = await api(`/outcomes?${query(whole())}`);
    expect(org.cost_per_pr_usd).toBe(Math.round((micros / 1e6 / expected.pullRequests.withClaudeCode) * 100) / 100);
  });

  it("shows the planted teams: GitHub's teams (a person in two counts in each) and a team only telemetry names, the org never double counted", async () => {
    const telemetryDays = (login: string) =>
      new Set(
        demo.plan.sessions
          .filter((s) => s.person.login === login)
          .flatMap((s) => sessionTelemetry(s))
          .filter((r) => r.path !== '/hooks/claude-code')
          .map((r) => new Date(r.at).toISOString().slice(0, 10)),
      );
    const expected = expectedTeams(demo.plan, telemetryDays);
    const teams = await api<{ data: any[] }>(`/teams?${query(whole())}`);
    expect(teams.data.map((t) => [t.slug, t.source])).toEqual(expected.map((t) => [t.slug, t.source]));
    for (const t of expected) {
      const row = teams.data.find((x) => x.slug === t.slug)!;
      expect([t.slug, row.pull_requests_merged, row.pull_requests_with_claude_code, row.lines_committed]).toEqual([
        t.slug,
        t.pullRequestsMerged,
        t.pullRequestsWithClaudeCode,
        t.linesCommitted,
      ]);
    }
    // What was planted: sam is in platform and data, lena's Claude Code says "Design Systems".
    const sam = demo.plan.people.find((p) => p.login === 'sam')!;
    expect(sam.teams).toEqual(expect.arrayContaining(['platform', 'data']));
    const samsPrs = demo.plan.pullRequests.filter((p) => p.mergedAt !== null && (p.creditedTo ?? p.author).login === 'sam').length;
    expect(samsPrs).toBeGreaterThan(0);
    const row = (slug: string) => teams.data.find((x) => x.slug === slug)!;
    expect(row('design-systems')).toMatchObject({ source: 'telemetry', name: 'design-systems' });
    expect(row('design-systems').pull_requests_merged).toBeGreaterThan(0);
    // The org's total is its own: platform and data both count sam's PRs, the summary once.
    const summary = await api(`/summary?${query(whole())}`);
    const teamOf = (login: string) => demo.plan.people.find((p) => p.login === login)!.team;
    const merged = demo.plan.pullRequests.filter((p) => p.mergedAt !== null && (p.author.type !== 'Bot' || p.creditedTo));
    expect(row('platform').pull_requests_merged + row('data').pull_requests_merged).toBe(
      merged.filter((p) => ['platform', 'data'].includes(teamOf((p.creditedTo ?? p.author).login))).length + samsPrs,
    );
    expect(summary.pull_requests.merged).toBe(expectedFigures(demo.plan).pullRequests.merged);
    expect(row('engineering').pull_requests_merged).toBe(summary.pull_requests.merged);
    // The team filter narrows the summary to the team's row.
    const platform = await api(`/summary?${query(whole())}&team=platform`);
    expect(platform.pull_requests.merged).toBe(row('platform').pull_requests_merged);
  });

  it('recovers the planted churn exactly: each PR\'s lines surviving 14 and 30 days, and churn within 21 days, with vs without Claude Code', async () => {
    const DAY = 86_400_000;
    // The processing run's now: the horizons PRs had reached then.
    const asOf = Date.parse((await demo.app.db.get<{ at: string }>(sql`SELECT max(as_of) AS at FROM pull_request_durability`))!.at);
    const prs = (await api<{ data: any[] }>(`/pull-requests?${query(whole())}&limit=1000`)).data;
    const lives = expectedLineLives(demo.plan);
    const ended = (l: (typeof lives)[number], days: number) => l.endedAfterMs.filter((ms) => ms <= days * DAY).length;
    type Cohort = { prs: number; lines: number; surviving: number };
    const survival = { true: { d14: [] as Cohort[], d30: [] as Cohort[] }, false: { d14: [] as Cohort[], d30: [] as Cohort[] } };
    const churn = { true: { prs: 0, lines: 0, deleted: 0 }, false: { prs: 0, lines: 0, deleted: 0 } };
    for (const l of lives) {
      const p = l.pullRequest;
      const row = prs.find((x) => x.repository === p.repository.fullName && x.number === p.number)!;
      const ref = `${row.repository}#${row.number}`;
      expect([ref, row.lines_added]).toEqual([ref, l.lines]);
      const kind = String(row.with_claude_code) as 'true' | 'false';
      for (const days of [14, 30] as const) {
        const reached = asOf >= l.mergedAt + days * DAY;
        expect([ref, days, row[`lines_surviving_${days}d`]]).toEqual([ref, days, reached ? l.lines - ended(l, days) : null]);
        if (reached && l.lines > 0) survival[kind][`d${days}`].push({ prs: 1, lines: l.lines, surviving: l.lines - ended(l, days) });
      }
      expect(row.lines_surviving_90d).toBeNull(); // the demo's 6 weeks reach no 90-day horizon
      if (asOf >= l.mergedAt + 21 * DAY && l.lines > 0) {
        churn[kind].prs++;
        churn[kind].lines += l.lines;
        churn[kind].deleted += ended(l, 21);
      }
    }
    const sum = (cs: Cohort[]) => {
      if (cs.length === 0) return null;
      const t = cs.reduce((a, c) => ({ prs: a.prs + c.prs, lines: a.lines + c.lines, surviving: a.surviving + c.surviving }), { prs: 0, lines: 0, surviving: 0 });
      return { ...t, rate: Math.round((t.surviving / t.lines) * 10_000) / 10_000 };
    };
    const durability = await api(`/durability?${query(whole())}`);
    for (const [kind, key] of [['true', 'with_claude_code'], ['false', 'without_claude_code']] as const) {
      expect(durability.survival[key].d14).toEqual(sum(survival[kind].d14));
      expect(durability.survival[key].d30).toEqual(sum(survival[kind].d30));
      expect(durability.survival[key].d90).toBeNull();
      const c = churn[kind];
      expect(durability.churn_21d[key]).toMatchObject({ ...c, rate: Math.round((c.deleted / c.lines) * 10_000) / 10_000 });
    }
    // The plan reworked a larger share of the PRs with Claude Code, and the figures show it: more
    // churn, fewer lines surviving; some endings were slight rewrites, recognized as such.
    const planted = demo.plan.plantedEffects.followUpShare;
    expect(planted.withClaudeCode).toBeGreaterThan(planted.withoutClaudeCode);
    expect(durability.churn_21d.with_claude_code.rate).toBeGreaterThan(durability.churn_21d.without_claude_code.rate);
    expect(durability.survival.with_claude_code.d14.rate).toBeLessThan(durability.survival.without_claude_code.d14.rate);
    expect(durability.churn_21d.with_claude_code.rewritten + durability.churn_21d.without_claude_code.rewritten).toBeGreaterThan(0);
    expect(durability.churn_21d.with_claude_code.rewritten).toBeLessThan(durability.churn_21d.with_claude_code.deleted);
  });

  it('finds Claude Code by every kind of evidence: line matches, commits it made, trailers', async () => {
    const prs = await api<{ data: any[] }>(`/pull-requests?${query(whole())}&with_claude_code=true&limit=1000`);
    const kinds = new Set(prs.data.flatMap((p) => p.evidence.map((e: { kind: string }) => e.kind)));
    expect(kinds).toContain('line_match');
    expect(kinds).toContain('commit_link');
    expect(kinds).toContain('trailer');
    expect(kinds).toContain('claude_code_remote');
    for (const p of prs.data) {
      const planned = demo.plan.pullRequests.find((x) => x.repository.fullName === p.repository && x.number === p.number)!;
      expect(p.lines_with_claude_code, `${p.repository}#${p.number}`).toBe(planned.expected.linesWithClaudeCode);
      expect(p.lines_added).toBe(planned.expected.linesAdded);
    }
  });

  it('has developers who never used Claude Code, and the app shows them with zero usage', async () => {
    const expected = expectedFigures(demo.plan);
    expect(expected.developersWithoutClaudeCode.length).toBeGreaterThan(0);
    const users = await api<{ data: any[] }>(`/users?${query(whole())}&limit=1000`);
    for (const login of expected.developersWithoutClaudeCode) {
      const row = users.data.find((u) => u.login === login);
      expect(row, login).toBeDefined();
      expect(row.pull_requests_merged).toBeGreaterThan(0);
      expect(row).toMatchObject({ sessions: 0, lines_accepted: 0, pull_requests_with_claude_code: 0, lines_with_claude_code: 0 });
    }
  });

  it('shows adoption growing: more active users in the last two weeks than in the first two', async () => {
    const days = demo.plan.days;
    const first = await api(`/summary?${query({ startDate: days[0]!, endDate: days[13]! })}`);
    const last = await api(`/summary?${query({ startDate: days.at(-14)!, endDate: days.at(-1)! })}`);
    expect(first.claude_code.active_users).toBe(expectedFigures(demo.plan, { startDate: days[0]!, endDate: days[13]! }).claudeCode.activeUsers);
    expect(last.claude_code.active_users).toBeGreaterThan(first.claude_code.active_users);
    expect(last.pull_requests.with_claude_code_share).toBeGreaterThan(first.pull_requests.with_claude_code_share ?? 0);
  });
});

describe('the demo sign-in', () => {
  /** fetch without following redirects, with the cookies each origin set. */
  const cookies = new Map<string, Map<string, string>>();
  async function get(url: string): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = cookies.get(origin) ?? new Map<string, string>();
    cookies.set(origin, jar);
    const res = await fetch(url, { redirect: 'manual', headers: jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {} });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }

  async function signIn(login: string): Promise<Response> {
    cookies.clear();
    const start = await get(`${demo.app.url}/auth/sign-in?return_to=${encodeURIComponent(`/orgs/${demo.org}`)}`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    // The browser goes to the stand-in GitHub, as it would to github.com.
    expect(authorize.origin).toBe(demo.github.url);
    expect(authorize.pathname).toBe('/login/oauth/authorize');
    const page = await get(authorize.toString());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(DEMO_SIGN_IN_TITLE);
    const href = new RegExp(`<a href="([^"]+)" data-login="${login}"`).exec(html)![1]!.replace(/&amp;/g, '&');
    const approved = await get(new URL(href, authorize).toString());
    expect(approved.status).toBe(302);
    const callback = new URL(approved.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${demo.app.url}/auth/github/callback`);
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    const back = await get(callback.toString());
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`/orgs/${demo.org}`);
    return get(`${demo.app.url}/orgs/${demo.org}`);
  }

  it('lets a member of the allowed team see the populated overview', async () => {
    const overview = await signIn(demo.plan.signIn.member.login);
    expect(overview.status).toBe(200);
    const html = await overview.text();
    expect(html).toContain(demo.org);
    expect(html).toContain(demo.plan.signIn.member.login);
    expect(html).not.toContain('Data processing in progress');
    // The page shows the last 30 days: the same merged-PR figure the API gives for them.
    const today = demo.plan.days.at(-1)!;
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const summary = await api(`/summary?start_date=${from}&end_date=${today}`);
    expect(summary.pull_requests.merged).toBeGreaterThan(0);
    expect(html).toContain(String(summary.pull_requests.merged));
  });

  it('lets the owner reach the settings, and shows someone outside the allowed teams "No access"', async () => {
    await signIn(demo.plan.signIn.owner.login);
    expect((await get(`${demo.app.url}/orgs/${demo.org}/settings`)).status).toBe(200);
    const outsider = await signIn(demo.plan.signIn.outsider.login);
    expect(outsider.status).toBe(403);
  });
});

describe('running the demo again', () => {
  it('serves the demo already built, with a fresh API key', async () => {
    const expected = expectedFigures(demo.plan);
    await demo.close();
    demo = await buildDemo({ dir, databaseUrl: postgres?.url, port: 0, logLevel: 'silent' });
    expect(demo.built).toBe(false);
    expect(demo.plan.pullRequests.length).toBeGreaterThan(0);
    const summary = await api(`/summary?${query(whole())}`);
    expect(summary.pull_requests.merged).toBe(expected.pullRequests.merged);
  }, 60_000);
});

/** An answer with the processing run's time (`data_processed_at`, `data_refreshed_at`) left out: the rest is the figures. */
function figuresOf(answer: unknown): unknown {
  if (Array.isArray(answer)) return answer.map(figuresOf);
  if (answer === null || typeof answer !== 'object') return answer;
  return Object.fromEntries(Object.entries(answer).filter(([k]) => k !== 'data_processed_at' && k !== 'data_refreshed_at').map(([k, v]) => [k, figuresOf(v)]));
}

// Issue 15: the same demo built on PostgreSQL and on SQLite gives the same API answers.
describe.skipIf(testEngine() !== 'postgres')('the same demo on SQLite', () => {
  /** What is asked of both: JSON answers (figures compared), and exports (text compared). */
  const asked = () => {
    const days = demo.plan.days;
    const range = query(whole());
    const last = { startDate: days.at(-14)!, endDate: days.at(-1)! };
    const someone = demo.plan.people.find((p) => p.developer && p.claudeCode)!.login;
    return {
      json: [
        `/summary?${range}`,
        `/summary?${range}&team=platform`,
        `/daily?${range}`,
        `/users?${range}&limit=1000`,
        `/users/${someone}?${range}`,
        `/pull-requests?${range}&limit=1000`,
        `/pull-requests?${range}&with_claude_code=true&limit=1000`,
        `/repositories?${range}`,
        `/teams?${range}`,
        `/outcomes?${range}`,
        `/outcomes?${range}&login=${someone}`,
        `/outcomes?${range}&team=platform`,
        `/durability?${range}`,
        `/durability?${range}&team=platform`,
        `/claude_code_usage?starting_at=${days.at(-2)}`,
        `/summaries?starting_date=${last.startDate}&ending_date=${last.endDate}`,
        `/user_usage_report?starting_at=${last.startDate}T00:00:00Z&ending_at=${days.at(-1)}T00:00:00Z`,
        `/cost_report?starting_at=${last.startDate}T00:00:00Z&ending_at=${days.at(-1)}T00:00:00Z&group_by[]=model`,
      ],
      text: [`/users?${range}&format=csv`, `/pull-requests?${range}&format=csv`, `/spend_report?${range}`],
    };
  };
  type Answers = Map<string, { status: number; body: unknown }>;
  let sqliteDir: string;
  let onPostgres: Answers;
  let onSqlite: Answers;
  let expectedMerged: number;

  /** Processes the demo again as of `at` (durability counts the horizons each PR had reached then), then asks it everything. */
  async function answersOf(d: Demo, at: Date): Promise<Answers> {
    await runProcessing(d.app.db, { org: d.org, fromDay: d.plan.days[0], toDay: d.plan.days.at(-1), now: () => at, trigger: 'demo' });
    const answers: Answers = new Map();
    const { json, text } = asked();
    for (const [paths, read] of [
      [json, async (res: Response) => figuresOf(await res.json())],
      [text, (res: Response) => res.text()],
    ] as const) {
      for (const path of paths) {
        const res = await fetch(`${d.app.url}/api/v1/orgs/${d.org}${path}`, { headers: { 'x-api-key': d.apiKey } });
        answers.set(path, { status: res.status, body: await read(res) });
      }
    }
    return answers;
  }

  beforeAll(async () => {
    const at = new Date();
    expectedMerged = expectedFigures(demo.plan).pullRequests.merged;
    onPostgres = await answersOf(demo, at);
    // One app per process (its schedules are named): the PostgreSQL demo closes before the SQLite one opens.
    const { plan } = demo;
    await demo.close();
    demo = undefined as unknown as Demo;
    sqliteDir = mkdtempSync(join(tmpdir(), 'ccm-demo-sqlite-'));
    // The same plan (same seed, same "now"), built into a SQLite file.
    const reference = await buildDemo({ dir: sqliteDir, port: 0, now: new Date(plan.now), developers: 7, days: 42, logLevel: 'silent' });
    try {
      expect(reference.app.db.engine).toBe('sqlite');
      expect(reference.plan).toEqual(plan);
      demo = reference; // asked() reads the plan of `demo`
      onSqlite = await answersOf(reference, at);
    } finally {
      await reference.close();
      demo = undefined as unknown as Demo;
    }
  }, 300_000);

  afterAll(() => {
    rmSync(sqliteDir, { recursive: true, force: true });
  });

  it('answers every API route with the same figures on both engines', () => {
    expect([...onPostgres.keys()]).toEqual([...onSqlite.keys()]);
    for (const [path, answer] of onPostgres) {
      expect([path, answer.status]).toEqual([path, 200]);
      expect([path, answer.body]).toEqual([path, onSqlite.get(path)!.body]);
    }
    // Not trivially equal: the answers hold the demo's figures.
    const summary = onPostgres.values().next().value!.body as any;
    expect(summary.pull_requests.merged).toBe(expectedMerged);
    expect((onPostgres.get([...onPostgres.keys()].find((k) => k.startsWith('/outcomes?'))!)!.body as any).reverts.with_claude_code.reverted).toBeGreaterThan(0);
  });
});
