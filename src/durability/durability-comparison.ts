/*
 * Durability compared (spec: Outcomes, "Durability"): of the lines the range's merged PRs added,
 * the share still there 14, 30 and 90 days after the merge, and the share that ended within 21
 * days, for PRs with vs without Claude Code (people only: bots are left out before). Only PRs old
 * enough for a horizon count towards it, and each answer says how many did.
 */

/** One merged PR's stored durability, with its attribution's with/without. */
export interface DurabilityPr {
  withClaudeCode: boolean;
  lines: number;
  surviving14d: number | null;
  surviving30d: number | null;
  surviving90d: number | null;
  deleted21d: number | null;
  rewritten21d: number | null;
  /** `[seconds after the merge, lines, of which rewritten]` of every ending so far. */
  endedLives: [number, number, number][];
}

export interface SurvivalCohort {
  /** PRs old enough for the horizon that added at least one line. */
  prs: number;
  lines: number;
  surviving: number;
  rate: number;
}

export interface ChurnCohort {
  prs: number;
  lines: number;
  deleted: number;
  /** Of the deleted lines, those a later change rewrote (a line within the similarity threshold took their place). */
  rewritten: number;
  rate: number;
}

export interface DurabilityCohort {
  survival: { d14: SurvivalCohort | null; d30: SurvivalCohort | null; d90: SurvivalCohort | null };
  churn21d: ChurnCohort | null;
  /** Median life, in days, of the lines that ended so far; null when none did. */
  medianLifeDaysOfEndedLines: number | null;
  /** Lines that ended so far (the median's sample). */
  endedLines: number;
  /** Merged PRs of the cohort, and how many are old enough for each horizon. */
  pullRequests: { merged: number; d14: number; d30: number; d90: number; churn21d: number };
}

const ratio = (part: number, whole: number) => Math.round((part / whole) * 10_000) / 10_000;
const SURVIVING = { d14: 'surviving14d', d30: 'surviving30d', d90: 'surviving90d' } as const;

/** The weighted median of `[value, weight]` pairs: the middle one, or the mean of the two middle ones. */
export function weightedMedian(pairs: readonly (readonly [number, number])[]): number | null {
  const sorted = pairs.filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, w]) => n + w, 0);
  if (total === 0) return null;
  // 1-based ranks of the middle element(s).
  const lo = Math.floor((total + 1) / 2);
  const hi = Math.floor(total / 2) + 1;
  let seen = 0;
  let low: number | undefined;
  for (const [value, weight] of sorted) {
    seen += weight;
    if (low === undefined && seen >= lo) low = value;
    if (seen >= hi) return (low! + value) / 2;
  }
  return low ?? null;
}

function cohort(prs: DurabilityPr[]): DurabilityCohort {
  const survival = {} as DurabilityCohort['survival'];
  const qualifying = { d14: 0, d30: 0, d90: 0 };
  for (const key of ['d14', 'd30', 'd90'] as const) {
    let n = 0;
    let lines = 0;
    let surviving = 0;
    for (const pr of prs) {
      const s = pr[SURVIVING[key]];
      if (s === null) continue;
      qualifying[key]++;
      if (pr.lines === 0) continue;
      n++;
      lines += pr.lines;
      surviving += s;
    }
    survival[key] = n === 0 ? null : { prs: n, lines, surviving, rate: ratio(surviving, lines) };
  }
  let churn: ChurnCohort | null = null;
  let churnQualifying = 0;
  for (const pr of prs) {
    if (pr.deleted21d === null) continue;
    churnQualifying++;
    if (pr.lines === 0) continue;
    churn ??= { prs: 0, lines: 0, deleted: 0, rewritten: 0, rate: 0 };
    churn.prs++;
    churn.lines += pr.lines;
    churn.deleted += pr.deleted21d;
    churn.rewritten += pr.rewritten21d ?? 0;
  }
  if (churn) churn.rate = ratio(churn.deleted, churn.lines);
  const ended = prs.flatMap((pr) => pr.endedLives.map(([seconds, lines]) => [seconds, lines] as const));
  const median = weightedMedian(ended);
  return {
    survival,
    churn21d: churn,
    medianLifeDaysOfEndedLines: median === null ? null : Math.round((median / 86_400) * 10) / 10,
    endedLines: ended.reduce((n, [, lines]) => n + lines, 0),
    pullRequests: { merged: prs.length, ...qualifying, churn21d: churnQualifying },
  };
}

/** PRs with vs without Claude Code, each cohort's survival, churn and median life. */
export function compareDurability(prs: readonly DurabilityPr[]): { withClaudeCode: DurabilityCohort; withoutClaudeCode: DurabilityCohort } {
  return {
    withClaudeCode: cohort(prs.filter((p) => p.withClaudeCode)),
    withoutClaudeCode: cohort(prs.filter((p) => !p.withClaudeCode)),
  };
}
