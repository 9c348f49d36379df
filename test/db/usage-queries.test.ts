import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activityByDay,
  accountUuidOf,
  peopleThisMonth,
  seatsFor,
  seatUtilization,
  spendByModelOverLastDays,
  spendReportRange,
  spendReportRows,
  spendToDate,
  topSpenders,
  usageByDay,
  usageByPerson,
} from '../../src/db/usage-queries.js';
import { lastDays, periodStarts } from '../../src/utc-days.js';
import { createTestApp } from '../helpers/test-app.js';
import { ACTIVITY, PEOPLE, SCHEDULE, sendPlannedActivity, userKeyOf, type Person } from '../helpers/usage-activity.js';

/*
 * Usage and spend reads on telemetry generated over several weeks and processed by the real
 * pipeline. Every expectation is computed here from the plan (`ACTIVITY`, `SCHEDULE`).
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
  await sendPlannedActivity(t.app, t.db, t.token);
}, 60_000);
afterAll(async () => {
  await t.cleanup();
});

const DAY_MS = 86_400_000;
const shift = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const persons = Object.keys(SCHEDULE) as Person[];
/** People with a planned day in the `window` days ending `day`, counted by brute force. */
const activeIn = (day: string, window: number) => persons.filter((p) => SCHEDULE[p].some((d) => d <= day && d > shift(day, -window))).length;
const inRange = (day: string, from: string, to: string) => day >= from && day <= to;
const planCost = (from: string, to: string, keep: (a: (typeof ACTIVITY)[number]) => boolean = () => true) =>
  ACTIVITY.filter((a) => inRange(a.day, from, to) && keep(a)).reduce((s, a) => s + a.cost * a.requests, 0);

describe('active users', () => {
  it('DAU, WAU (7 days) and MAU (30 days) across the month and quarter boundary', async () => {
    const range = { startDate: '2026-09-24', endDate: '2026-10-12' };
    const got = await activityByDay(t.db, 'acme', range);
    expect(got.map((d) => d.day)).toEqual(Array.from({ length: 19 }, (_, i) => shift('2026-09-24', i)));
    for (const d of got) {
      expect({ day: d.day, dau: d.dailyActiveUsers, wau: d.weeklyActiveUsers, mau: d.monthlyActiveUsers }).toEqual({
        day: d.day,
        dau: activeIn(d.day, 1),
        wau: activeIn(d.day, 7),
        mau: activeIn(d.day, 30),
      });
      const planned = ACTIVITY.filter((a) => a.day === d.day);
      expect(d.sessions).toBe(planned.length);
      expect(d.activeTimeSeconds).toBe(planned.reduce((s, a) => s + 60 + a.requests, 0));
    }
    // The windows' edges, spelled out: erin (only 2026-09-30) is in WAU through 2026-10-06 and not after;
    // carol (2026-09-03 and 2026-10-02) stays in MAU all along; dave leaves WAU after 2026-10-07.
    const on = (day: string) => got.find((d) => d.day === day)!;
    // 2026-09-30: alice, dave and erin that day; bob (09-28) within the week; carol (09-03) within the month.
    expect(on('2026-09-30')).toMatchObject({ dailyActiveUsers: 3, weeklyActiveUsers: 4, monthlyActiveUsers: 5 });
    expect(on('2026-10-06')).toMatchObject({ weeklyActiveUsers: 5, monthlyActiveUsers: 5 });
    expect(on('2026-10-07')).toMatchObject({ weeklyActiveUsers: 4 });
    expect(on('2026-10-08')).toMatchObject({ weeklyActiveUsers: 3 });
    expect(on('2026-10-02')).toMatchObject({ monthlyActiveUsers: 5 });
  });

  it('looks back before the range for the first days’ windows, and counts nobody before any telemetry', async () => {
    const [first] = await activityByDay(t.db, 'acme', { startDate: '2026-09-02', endDate: '2026-09-02' });
    expect(first).toMatchObject({ day: '2026-09-02', dailyActiveUsers: activeIn('2026-09-02', 1), weeklyActiveUsers: 2, monthlyActiveUsers: 2 });
    expect(await activityByDay(t.db, 'acme', { startDate: '2026-08-01', endDate: '2026-08-02' })).toEqual([
      { day: '2026-08-01', dailyActiveUsers: 0, weeklyActiveUsers: 0, monthlyActiveUsers: 0, sessions: 0, activeTimeSeconds: 0 },
      { day: '2026-08-02', dailyActiveUsers: 0, weeklyActiveUsers: 0, monthlyActiveUsers: 0, sessions: 0, activeTimeSeconds: 0 },
    ]);
    // Carol's day at the turn of the year is still in the MAU of 2026-01-29, gone on 2026-01-30 (30 days after 2025-12-31).
    const jan = await activityByDay(t.db, 'acme', { startDate: '2026-01-29', endDate: '2026-02-01' });
    expect(jan.map((d) => d.monthlyActiveUsers)).toEqual([1, 1, 1, 0]);
  });

  it('another org sees none of it', async () => {
    expect((await activityByDay(t.db, 'other', { startDate: '2026-09-30', endDate: '2026-09-30' }))[0]).toMatchObject({ dailyActiveUsers: 0, weeklyActiveUsers: 0 });
  });
});

describe('seats', () => {
  it('uses SEATS when configured, else the member count source, else unknown', async () => {
    expect(await seatsFor(t.db, 'acme', 25)).toBe(25);
    expect(await seatsFor(t.db, 'acme', 25, { memberCount: () => 40 })).toBe(25);
    expect(await seatsFor(t.db, 'acme', null, { memberCount: () => 40 })).toBe(40);
    expect(await seatsFor(t.db, 'acme', undefined)).toBeNull();
    expect(await seatsFor(t.db, 'acme', null, { memberCount: () => null })).toBeNull();
  });

  it('utilization is WAU ÷ seats, null without seats', () => {
    expect(seatUtilization(3, 8)).toBe(0.375);
    expect(seatUtilization(2, 3)).toBe(0.6667);
    expect(seatUtilization(3, null)).toBeNull();
  });
});

describe('spend', () => {
  it('period starts of month, quarter and year', () => {
    expect(periodStarts('2026-10-10')).toEqual({ month: '2026-10-01', quarter: '2026-10-01', year: '2026-01-01' });
    expect(periodStarts('2026-09-30')).toEqual({ month: '2026-09-01', quarter: '2026-07-01', year: '2026-01-01' });
    expect(periodStarts('2026-02-28')).toEqual({ month: '2026-02-01', quarter: '2026-01-01', year: '2026-01-01' });
  });

  it.each([['2026-09-30'], ['2026-10-10'], ['2026-10-01'], ['2026-01-02']])('month, quarter and year to date on %s', async (today) => {
    const got = await spendToDate(t.db, 'acme', today);
    const year = today.slice(0, 4);
    const month = Number(today.slice(5, 7));
    const quarterStart = `${year}-${String(Math.floor((month - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
    expect(got.monthToDate).toMatchObject({ startDate: `${today.slice(0, 7)}-01`, endDate: today });
    expect(got.quarterToDate).toMatchObject({ startDate: quarterStart, endDate: today });
    expect(got.yearToDate).toMatchObject({ startDate: `${year}-01-01`, endDate: today });
    expect(got.monthToDate.costUsd).toBeCloseTo(planCost(`${today.slice(0, 7)}-01`, today), 9);
    expect(got.quarterToDate.costUsd).toBeCloseTo(planCost(quarterStart, today), 9);
    expect(got.yearToDate.costUsd).toBeCloseTo(planCost(`${year}-01-01`, today), 9);
    // Carol's 2025-12-31 never counts in 2026.
    expect(got.yearToDate.costUsd).toBeLessThan(planCost('2025-01-01', today) - 1e-9);
  });

  it.each([['2026-10-20'], ['2026-09-05'], ['2027-01-31']])('spend by model over 1 month, 3 months and 1 year up to %s, in one read', async (today) => {
    const windows = [30, 90, 365] as const;
    const ranges = windows.map((days) => lastDays(today, days));
    ranges.forEach((range, i) => expect(range.startDate).toBe(shift(today, -(windows[i]! - 1))));
    const got = await spendByModelOverLastDays(t.db, 'acme', today, windows);
    // Every model with usage in the widest window, by name; each window's spend summed here from the plan.
    const models = [...new Set(ACTIVITY.filter((a) => inRange(a.day, ranges[2]!.startDate, today)).map((a) => a.model))].sort();
    expect(models.length).toBeGreaterThan(0);
    expect(got.map((m) => m.model)).toEqual(models);
    for (const m of got) {
      ranges.forEach((range, i) => {
        const cost = ACTIVITY.filter((a) => a.model === m.model && inRange(a.day, range.startDate, range.endDate)).reduce((s, a) => s + a.cost * a.requests, 0);
        expect(m.costUsd[i]).toBeCloseTo(cost, 9);
      });
    }
    // 2027-01-31: the plan's usage is all in the year, none in the last 3 months: 0 there, not left out.
    if (today === '2027-01-31') expect(got.map((m) => [m.costUsd[0], m.costUsd[1], m.costUsd[2]! > 0])).toEqual(got.map(() => [0, 0, true]));
  });

  it('top spenders over a range, and everyone’s spend and lines this month', async () => {
    const range = { startDate: '2026-09-01', endDate: '2026-09-30' };
    const expected = persons
      .map((p) => ({ p, cost: planCost(range.startDate, range.endDate, (a) => a.person === p) }))
      .filter((e) => e.cost > 0)
      .sort((a, b) => b.cost - a.cost);
    const top = await topSpenders(t.db, 'acme', range, 3);
    expect(top.map((u) => u.userKey)).toEqual(expected.slice(0, 3).map((e) => userKeyOf(e.p)));
    top.forEach((u, i) => expect(u.costUsd).toBeCloseTo(expected[i]!.cost, 9));
    expect(top[0]).toMatchObject({ userKey: 'alice', githubLogin: 'Alice', email: 'alice@acme.example' });

    const month = await peopleThisMonth(t.db, 'acme', '2026-10-10');
    const inOctober = persons.filter((p) => SCHEDULE[p].some((d) => inRange(d, '2026-10-01', '2026-10-10')));
    expect(month.map((u) => u.userKey).sort()).toEqual(inOctober.map(userKeyOf).sort());
    for (const u of month) {
      const p = persons.find((x) => userKeyOf(x) === u.userKey)!;
      const rows = ACTIVITY.filter((a) => a.person === p && inRange(a.day, '2026-10-01', '2026-10-10'));
      expect(u.costUsd).toBeCloseTo(rows.reduce((s, a) => s + a.cost * a.requests, 0), 9);
      expect(u.linesAccepted).toBe(rows.reduce((s, a) => s + a.linesAdded, 0));
      expect(u.linesCommitted).toBe(0); // no merged PRs in this plan
      expect(u.email).toBe(PEOPLE[p].email);
    }
    expect(month.map((u) => u.costUsd)).toEqual([...month.map((u) => u.costUsd)].sort((a, b) => b - a));
  });
});

describe('usage by person and by day', () => {
  const range = { startDate: '2026-09-25', endDate: '2026-10-05' };
  const planned = ACTIVITY.filter((a) => inRange(a.day, range.startDate, range.endDate));

  it('per person (and per model) sums equal the plan, and per day sums equal the same totals', async () => {
    const people = await usageByPerson(t.db, 'acme', range);
    for (const u of people) {
      const rows = planned.filter((a) => userKeyOf(a.person) === u.userKey);
      expect(u).toMatchObject({
        model: null,
        requests: rows.reduce((s, a) => s + a.requests, 0),
        inputTokens: rows.reduce((s, a) => s + a.input * a.requests, 0),
        outputTokens: rows.reduce((s, a) => s + a.output * a.requests, 0),
        cacheReadTokens: rows.reduce((s, a) => s + a.cacheRead * a.requests, 0),
        cacheCreationTokens: rows.reduce((s, a) => s + a.cacheCreation * a.requests, 0),
      });
      expect(u.costUsd).toBeCloseTo(rows.reduce((s, a) => s + a.cost * a.requests, 0), 9);
    }
    expect(people.map((u) => u.userKey).sort()).toEqual([...new Set(planned.map((a) => userKeyOf(a.person)))].sort());

    const byModel = await usageByPerson(t.db, 'acme', range, { byModel: true });
    expect(byModel).toHaveLength(new Set(planned.map((a) => `${a.person}|${a.model}`)).size);
    const days = await usageByDay(t.db, 'acme', range);
    expect(days.map((d) => d.day)).toEqual([...new Set(planned.map((a) => a.day))].sort());
    const sum = (rows: { requests: number; outputTokens: number; costUsd: number }[]) => ({
      requests: rows.reduce((s, r) => s + r.requests, 0),
      outputTokens: rows.reduce((s, r) => s + r.outputTokens, 0),
      costUsd: Math.round(rows.reduce((s, r) => s + r.costUsd, 0) * 1e9) / 1e9,
    });
    expect(sum(days)).toEqual(sum(people));
    expect(sum(await usageByDay(t.db, 'acme', range, { byModel: true }))).toEqual(sum(people));
    expect(sum(byModel)).toEqual(sum(people));
  });

  it('filters by model and by person', async () => {
    const sonnet = await usageByPerson(t.db, 'acme', range, { models: ['claude-sonnet-4-5'] });
    const expected = planned.filter((a) => a.model === 'claude-sonnet-4-5');
    expect(sonnet.reduce((s, u) => s + u.requests, 0)).toBe(expected.reduce((s, a) => s + a.requests, 0));
    const dave = await usageByDay(t.db, 'acme', range, { userKeys: ['unlinked:dave@acme.example'] });
    expect(dave.map((d) => d.day)).toEqual(SCHEDULE.dave);
  });
});

describe('spend report rows', () => {
  it('one row per day, person and model, equal to the plan; net = gross × (1 − discount)', async () => {
    const range = { startDate: '2026-09-28', endDate: '2026-10-02' };
    const rows = await spendReportRows(t.db, 'acme', range, { discountPercent: 20 });
    const expected = ACTIVITY.filter((a) => inRange(a.day, range.startDate, range.endDate)).sort(
      (a, b) => a.day.localeCompare(b.day) || userKeyOf(a.person).localeCompare(userKeyOf(b.person)),
    );
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      const a = expected[i]!;
      const gross = a.cost * a.requests;
      expect(r).toMatchObject({
        date: a.day,
        org: 'acme',
        userEmail: a.email,
        accountUuid: 'accountUuid' in PEOPLE[a.person] ? (PEOPLE[a.person] as { accountUuid: string }).accountUuid : null,
        product: 'claude_code',
        model: a.model,
        requestCount: a.requests,
        promptTokens: (a.input + a.cacheRead + a.cacheCreation) * a.requests,
        completionTokens: a.output * a.requests,
      });
      expect(r.grossSpendUsd).toBeCloseTo(gross, 6);
      expect(r.netSpendUsd).toBeCloseTo(gross * 0.8, 6);
    });
    expect(rows.find((r) => r.userKey === 'alice')).toMatchObject({ githubLogin: 'Alice' });
    // Without a discount, net equals gross.
    for (const r of (await spendReportRows(t.db, 'acme', range))) expect(r.netSpendUsd).toBe(r.grossSpendUsd);
  });

  it('account UUID: from the person’s signed-in sessions or links to the login; none for API-key users', async () => {
    expect(await accountUuidOf(t.db, 'acme', 'unlinked:carol@acme.example', 'carol@acme.example')).toBe(PEOPLE.carol.accountUuid);
    expect(await accountUuidOf(t.db, 'acme', 'unlinked:bob@acme.example', 'bob@acme.example')).toBeNull();
    expect(await accountUuidOf(t.db, 'acme', 'unlinked:account:abc', null)).toBe('abc');
    // Alice is linked by her login: her sessions' account UUID is linked to it, found with or without her email.
    expect(await accountUuidOf(t.db, 'acme', 'alice', null)).toBe(PEOPLE.alice.accountUuid);
    expect(await accountUuidOf(t.db, 'acme', 'alice', 'alice@acme.example')).toBe(PEOPLE.alice.accountUuid);
    expect(await accountUuidOf(t.db, 'other', 'unlinked:carol@acme.example', 'carol@acme.example')).toBeNull();
  });

  it('export ranges: month to date, last month, last 90 days', () => {
    expect(spendReportRange('month_to_date', '2026-03-15')).toEqual({ startDate: '2026-03-01', endDate: '2026-03-15' });
    expect(spendReportRange('last_month', '2026-03-15')).toEqual({ startDate: '2026-02-01', endDate: '2026-02-28' });
    expect(spendReportRange('last_month', '2026-01-05')).toEqual({ startDate: '2025-12-01', endDate: '2025-12-31' });
    expect(spendReportRange('last_90_days', '2026-03-15')).toEqual({ startDate: '2025-12-16', endDate: '2026-03-15' });
  });
});
