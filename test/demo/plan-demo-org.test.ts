import { describe, expect, it } from 'vitest';
import type { DemoPlan } from '../../demo/demo-plan.js';
import { expectedFigures, expectedLineLives } from '../../demo/expected-figures.js';
import { planDemoOrg } from '../../demo/plan-demo-org.js';
import { addedLines, counted, DAY, utcDay } from '../../demo/planning.js';
import { isCountedLine } from '../../demo/synthetic-code.js';

/*
 * The planner on every calendar, without the app: `npm run demo` plans its history ending today, so
 * it must work whatever today is. The date reaches the plan's choices only through the weekday of
 * its first day (developers rarely work weekends): for given options, the plans of two dates a week
 * apart differ only in their timestamps (the last test checks it). So one week of dates covers
 * every day of every year; a whole year would plan each of these seven calendars 52 times (1-3 s
 * per default plan, 3-7 s with --days 120). The week holds 2026-11-21, a Saturday: the default demo
 * used to throw "no fresh line left" on every Saturday, and with --days 120 on five days of seven.
 */

const WEEK = Array.from({ length: 7 }, (_, i) => new Date(Date.parse('2026-11-16T15:00:00Z') + i * DAY));

const SIZES = [
  { name: 'the default demo (npm run demo)', options: {}, developers: 25, days: 60 },
  { name: 'the size test/demo/demo.test.ts builds', options: { developers: 7, days: 42 }, developers: 7, days: 42 },
  { name: 'the largest (--days 120)', options: { days: 120 }, developers: 25, days: 120 },
  { name: 'the smallest (--developers 1 --days 14)', options: { developers: 1, days: 14 }, developers: 1, days: 14 },
] as const;

describe.each(SIZES)('planning $name', ({ options, developers, days }) => {
  it.each(WEEK.map((now) => [utcDay(now.getTime()), now] as const))('ending on %s', (_, now) => {
    const plan = planDemoOrg({ now, ...options });
    expect(plan.days).toHaveLength(days);
    expect(plan.days.at(-1)).toBe(utcDay(now.getTime()));
    expect(plan.people.filter((p) => p.developer)).toHaveLength(developers);
    expectNothingAfterNow(plan);
    expectFiguresFollowFromTheDiffs(plan);
    expectWrittenLinesUniquePerFile(plan);
    if (developers >= 7) expectARealisticMix(plan);
  }, 60_000);
});

describe('the date', () => {
  it('changes only the timestamps of plans a week apart', () => {
    const options = { developers: 7, days: 42 };
    const week = 7 * DAY;
    const earlier = planDemoOrg({ now: WEEK[5]!, ...options });
    const later = planDemoOrg({ now: new Date(WEEK[5]!.getTime() + week), ...options });
    const weekEarlier = (day: string) => utcDay(Date.parse(`${day}T00:00:00Z`) - week);
    const shifted = JSON.stringify(later, (_, value: unknown) => {
      if (typeof value === 'number' && value > 1e12) return value - week; // an instant (ids are below 1e10)
      if (typeof value !== 'string') return value;
      return value
        .replace(/\d{4}-\d{2}-\d{2}/g, weekEarlier)
        .replace(/^(claude\/issue-\d+-)(\d{4})(\d{2})(\d{2})$/, (_, prefix: string, y: string, m: string, d: string) => `${prefix}${weekEarlier(`${y}-${m}-${d}`).replace(/-/g, '')}`);
    });
    expect(shifted).toBe(JSON.stringify(earlier));
  });
});

function expectNothingAfterNow(plan: DemoPlan) {
  for (const p of plan.pullRequests) {
    for (const at of [p.createdAt, p.draft?.readyForReviewAt, p.closedAt, p.mergedAt, p.review?.at, ...p.otherReviews.map((x) => x.at), ...p.pushes.map((x) => x.at)]) {
      if (at !== null && at !== undefined) expect(at).toBeLessThanOrEqual(plan.now);
    }
  }
  for (const p of plan.pullRequests) {
    // A draft is made ready after it is opened and before its merge; a review comes once it is ready.
    const readyAt = p.draft?.readyForReviewAt;
    if (readyAt) {
      expect(readyAt).toBeGreaterThan(p.createdAt);
      if (p.mergedAt !== null) expect(readyAt).toBeLessThan(p.mergedAt);
      if (p.review) expect(p.review.at).toBeGreaterThan(readyAt);
    }
    // The rest of a review timeline comes before the merge, and only with a teammate's review.
    if (!p.review) expect(p.otherReviews).toEqual([]);
    for (const r of p.otherReviews) if (p.mergedAt !== null) expect(r.at).toBeLessThan(p.mergedAt);
  }
  for (const d of plan.directPushes) expect(d.at).toBeLessThanOrEqual(plan.now);
  for (const s of plan.sessions) expect(s.endedAt).toBeLessThanOrEqual(plan.now);
}

/** What the app should report for each PR and push is what its diffs add; the totals add up. */
function expectFiguresFollowFromTheDiffs(plan: DemoPlan) {
  for (const x of [...plan.pullRequests, ...plan.directPushes]) {
    const files = 'commits' in x ? x.commits.flatMap((c) => c.files) : x.commit.files;
    expect(x.expected.linesAdded).toBe(counted(addedLines(files)));
    expect(x.expected.linesWithClaudeCode).toBeGreaterThanOrEqual(0);
    expect(x.expected.linesWithClaudeCode).toBeLessThanOrEqual(x.expected.linesAdded);
  }
  const figures = expectedFigures(plan);
  expect(figures.pullRequests.withClaudeCode + figures.pullRequests.withoutClaudeCode).toBe(figures.pullRequests.merged);
  expect(figures.linesCommitted.withClaudeCode).toBeLessThanOrEqual(figures.linesCommitted.total);
  expect(figures.claudeCode.activeUsers).toBeLessThanOrEqual(plan.people.length);
  expect(Number.isFinite(figures.claudeCode.costUsd)).toBe(true);
}

/**
 * Every counted line the developers and Claude Code wrote is new to its file across the whole
 * history, so a line Claude Code wrote can only match itself (the premise of the expected figures).
 * Reverts re-add removed lines, Dependabot and the weekly releases rewrite version lines: none of
 * those is written through the line registry.
 */
function expectWrittenLinesUniquePerFile(plan: DemoPlan) {
  const commits = [
    ...plan.pullRequests.filter((p) => p.kind === 'feature').flatMap((p) => p.commits),
    ...plan.directPushes.map((d) => d.commit).filter((c) => !c.message.startsWith('Release v')),
  ];
  const seen = new Map<string, Set<string>>();
  for (const file of commits.flatMap((c) => c.files)) {
    let lines = seen.get(file.path);
    if (!lines) seen.set(file.path, (lines = new Set()));
    for (const line of addedLines([file]).filter(isCountedLine)) {
      const key = line.trim().replace(/\s+/g, ' ').replace(/['`]/g, '"').toLowerCase();
      expect(lines.has(key), `${file.path}: ${line}`).toBe(false);
      lines.add(key);
    }
  }
}

/** What the demo test asserts of the app's figures holds for the plan on every calendar. */
function expectARealisticMix(plan: DemoPlan) {
  const figures = expectedFigures(plan);
  expect(figures.pullRequests.withClaudeCode).toBeGreaterThan(0);
  expect(figures.pullRequests.withoutClaudeCode).toBeGreaterThan(0);
  expect(figures.pullRequests.byBots).toBeGreaterThan(0);
  expect(figures.linesCommitted.withClaudeCode).toBeLessThan(figures.linesCommitted.total);
  expect(figures.claudeCode.decisions.rejected).toBeGreaterThan(0);
  expect(figures.developersWithoutClaudeCode.length).toBeGreaterThan(0);
  expect(plan.pullRequests.some((p) => p.closedAt !== null && p.mergedAt === null)).toBe(true);
  expect(plan.pullRequests.some((p) => p.kind === 'revert' && p.mergedAt !== null)).toBe(true);
  expect(plan.pullRequests.some((p) => p.creditedTo && p.mergedAt !== null)).toBe(true);
  const { days } = plan;
  const first = expectedFigures(plan, { startDate: days[0]!, endDate: days[13]! });
  const last = expectedFigures(plan, { startDate: days.at(-14)!, endDate: days.at(-1)! });
  expect(last.claudeCode.activeUsers).toBeGreaterThan(first.claudeCode.activeUsers);
  const share = (f: typeof first) => (f.pullRequests.merged === 0 ? 0 : f.pullRequests.withClaudeCode / f.pullRequests.merged);
  expect(share(last)).toBeGreaterThan(share(first));
  // Churn: lines of earlier PRs with and without Claude Code end within 21 days of their merge.
  const within21 = (withClaudeCode: boolean) =>
    expectedLineLives(plan).filter((l) => l.pullRequest.expected.linesWithClaudeCode > 0 === withClaudeCode && l.endedAfterMs.some((ms) => ms <= 21 * DAY));
  expect(within21(true).length).toBeGreaterThan(0);
  expect(within21(false).length).toBeGreaterThan(0);
  // A follow-up's deleted lines are lines its PR's repository had in that file from earlier PRs.
  const followUps = plan.pullRequests.filter((p) => p.branch.includes('/follow-up-'));
  expect(followUps.length).toBeGreaterThan(0);
  for (const f of followUps) {
    const file = f.commits[0]!.files[0]!;
    const earlier = plan.pullRequests
      .filter((p) => p !== f && p.repository === f.repository && p.createdAt < f.createdAt)
      .flatMap((p) => p.commits.flatMap((c) => c.files.filter((x) => x.path === file.path)));
    const added = new Set(addedLines(earlier));
    for (const h of file.hunks) for (const l of h.lines) if (l.startsWith('-')) expect(added.has(l.slice(1))).toBe(true);
  }
}
