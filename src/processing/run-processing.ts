import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { attributePullRequest, DEFAULT_WINDOW, type Attribution, type PullRequestFacts } from '../attribution/attribute-pull-request.js';
import { coAuthorLoginOf, hasGeneratedWithClaudeCodeLine, remoteCommitSignal } from '../attribution/claude-code-markers.js';
import { ConsumedLines, type ConsumedBefore } from '../attribution/consumed-lines.js';
import type { FileLines } from '../attribution/attribute-pull-request.js';
import { mayBeSamePath } from '../attribution/session-workspace.js';
import type { Db } from '../db/client.js';
import { consumptionOfSessionFiles, replaceConsumption, type RecordedConsumption, type SubjectConsumption } from '../db/consumed-session-lines.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { creditedLoginOf, pullRequestTimelinesOf, revertedBefore, saveOutcomes, withCredit, type OutcomeRow, type StoredTimeline } from '../db/pull-request-outcomes.js';
import { ReadAhead } from '../db/read-ahead.js';
import { pruneExpired } from '../db/retention.js';
import { pullRequestOutcome } from '../outcomes/pull-request-outcome.js';
import { writeWhenFree } from '../db/store-busy.js';
import {
  anySubjectMergedBetween,
  apiRequestsOfDay,
  directPushes,
  knownOrgs,
  labelCandidates,
  mergedPullRequests,
  pullRequestCommitShasOf,
  pullRequestsOpenedOn,
  readAskedSketches,
  readSketchesOf,
  sessionSpansOfIdentities,
  sessionsWithApiRequests,
  subjectInputsOf,
  telemetryOfDay,
  type SubjectRow,
} from '../db/processing-inputs.js';
import {
  attributionsOfDay,
  dropStaleAttributions,
  finishRun,
  RUN_HEARTBEAT_TIMEOUT_MS,
  thisProcess,
  heartbeatRun,
  replaceDayRollup,
  saveAttributions,
  startRun,
  type AttributionRow,
  type ProcessingRun,
} from '../db/rollups.js';
import { claimMarks, oldestPendingMark, parseLinesMarkKey, pendingMarksOfKind, releaseMarks } from '../db/processing-marks.js';
import { sessionSpans, sessionsOfIdentities, staleSubjectSessions, subjectFilePaths } from '../db/incremental-inputs.js';
import { enqueueJobOnce } from '../jobs/job-queue.js';
import { rollupDay } from './daily-rollup.js';
import { SessionIndex, type SessionNumber } from './session-index.js';
import { updateDurability } from './update-durability.js';
import { withAskedRead } from './with-asked-read.js';
import { withBoundedHeapGrowth } from './with-bounded-heap-growth.js';
import { DEFAULT_PROCESSING_MEMORY, peakRssMb, withProcessingMemory, type ProcessingMemory } from './with-processing-memory.js';
import { addDays, DAY_MS, dayOf, dayOfMs, daysOf, lastDays } from '../utc-days.js';

/*
 * The processing job: (1) learn identity links, (2) attribute every merged PR and direct push in
 * the range, in merge order among those that share a session, (3) recompute every day of the
 * range. Attributions are upserted in small transactions, each with its subjects' rows of the
 * consumption ledger, and each day's rollup replaces the old one in one transaction, so a run
 * killed halfway leaves the previous numbers of the days it did not reach, and the next run
 * completes them.
 */

export interface ProcessOptions {
  org?: string | undefined;
  fromDay?: string | undefined;
  toDay?: string | undefined;
  /** Days back from `toDay` when no `fromDay` is given. */
  lookbackDays?: number;
  daysBefore?: number;
  daysAfter?: number;
  /** `ATTRIBUTION_MIN_SIMILARITY`: how similar an edited line must stay to count (default 0.8). */
  minSimilarity?: number | undefined;
  trigger?: string;
  log?: Logger | undefined;
  now?: () => Date;
  /**
   * Raw data older than this many days is pruned after a successful run, and days that old are
   * never recomputed (their raw data is gone; their rollups and attributions stay as they are).
   */
  retentionDays?: number | undefined;
  /** Label PRs attributed to Claude Code on GitHub (`claude-code-assisted`), through the job queue. */
  labelPullRequests?: boolean;
  /**
   * How long each of its writes waits for another process's write lock (default 60 s). Every
   * write is one short transaction (a day, a batch of attributions), and the wait is on timers,
   * so a server running processing keeps answering meanwhile.
   */
  writeWaitMs?: number;
  /** Runs inside each day's transaction before it commits (tests throw here to simulate a crash). */
  beforeDayCommit?: (org: string, day: string) => void;
  /** What the run may hold in memory: session lines cached, SQLite's page cache and map (default `DEFAULT_PROCESSING_MEMORY`). */
  memory?: ProcessingMemory | undefined;
  /** Filled with the time spent on PRs' outcomes (reading timelines, deciding, writing), for the benchmark's share of the run. */
  stageTimes?: { outcomesMs: number };
}

export interface ProcessSummary {
  run: ProcessingRun;
  /** Attributions whose result changed, and days whose rollup changed (a nightly run after incremental runs kept up finds none). */
  corrections: number;
  /** Runs found dead (their process gone, or silent for minutes) and marked abandoned before this one started. */
  abandoned: ProcessingRun[];
  orgs: string[];
  attributed: number;
  changed: number;
  daysRecomputed: number;
  /** The bounds the run held its memory to, and the process's peak RSS when it ended (MB). */
  memory: ProcessingMemory & { peakRssMb: number };
}

export class ProcessingBusyError extends Error {
  constructor(
    readonly run: ProcessingRun,
    now: Date,
  ) {
    const owner = run.pid !== null ? `, pid ${run.pid} on ${run.host}` : '';
    const silentS = Math.max(0, Math.round((now.getTime() - Date.parse(run.heartbeatAt)) / 1000));
    // A process on this host was asked and is alive; one elsewhere cannot be asked, only waited out.
    const unchecked = run.pid === null || run.host !== thisProcess().host;
    const presumedDeadAt = new Date(Date.parse(run.heartbeatAt) + RUN_HEARTBEAT_TIMEOUT_MS).toISOString();
    super(
      `Another processing run (#${run.id}${owner}, started ${run.startedAt}, last heartbeat ${silentS} s ago) is in progress; try again when it ends.` +
        (unchecked ? ` Its process cannot be checked from this host: if it died, the run is presumed dead at ${presumedDeadAt}, 2 minutes after its last heartbeat.` : ''),
    );
    this.name = 'ProcessingBusyError';
  }
}

function writesFor(options: ProcessOptions) {
  return <T>(write: () => T | Promise<T>) => writeWhenFree(write, { maxWaitMs: options.writeWaitMs ?? 60_000 });
}

/** The process's memory now, in MB: processing logs it at each stage of an org (debug level) so where memory goes is visible. */
function memoryMb(): { rssMb: number; heapUsedMb: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 1048576), heapUsedMb: Math.round(heapUsed / 1048576) };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Processing may run inside the server: it lets other work in (requests, webhooks) at least this
 * often, since SQLite's driver is synchronous (its statements do not give the event loop a turn)
 * and a batch of 200 PRs took 600 ms on the benchmark org.
 */
const YIELD_EVERY_MS = 50;
let lastYield = performance.now();
async function yieldEvery(ms: number): Promise<void> {
  if (performance.now() - lastYield < ms) return;
  await yieldToEventLoop();
  lastYield = performance.now();
}

/** PRs whose commits' shas are read at once to find the sessions linked to them. */
const LINK_SUBJECTS_PER_READ = 1000;

/**
 * The order subjects are attributed in: merge order (then by subject, in plain string order as
 * SQLite's, which the ledger's reads follow) among subjects that share a session, the only ones
 * whose consumption can meet. Subjects that share none are independent, so groups of them are
 * kept together, one author's after another's: their sessions are read once and stay cached while
 * needed (in plain merge order the whole org's recent sessions would compete for the cache).
 */
export function attributionOrder<S extends { subject: string; at: string; authorLogin: string }, K = string>(subjects: S[], sessionsOf: (subject: S) => Iterable<K>): S[] {
  const byAuthor = [...subjects].sort(
    (a, b) => compareStrings(a.authorLogin.toLowerCase(), b.authorLogin.toLowerCase()) || compareStrings(a.at, b.at) || compareStrings(a.subject, b.subject),
  );
  // Union-find over subjects, joined through the sessions they share; a group's root is its first subject by author.
  const parent = byAuthor.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const firstWithSession = new Map<K, number>();
  byAuthor.forEach((subject, i) => {
    for (const id of sessionsOf(subject)) {
      const other = firstWithSession.get(id);
      if (other === undefined) firstWithSession.set(id, i);
      else {
        const [a, b] = [root(i), root(other)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const group = byAuthor.map((_, i) => root(i));
  return byAuthor
    .map((subject, i) => ({ subject, group: group[i]! }))
    .sort((x, y) => x.group - y.group || compareStrings(x.subject.at, y.subject.at) || compareStrings(x.subject.subject, y.subject.subject))
    .map((x) => x.subject);
}

/** SQLite's default (binary) order of two strings, which `localeCompare` is not. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The consumption ledger as a run sees it while attributing in merge order: what subjects merged
 * before the run's first day consumed (stored, kept as they are), what subjects this run already
 * saved consumed (stored by this run), and what the subjects not yet saved consumed (in memory).
 * Rows a previous run stored for subjects of this range are ignored until this run replaces them.
 */
class RunLedger {
  readonly #saved = new Set<string>();
  #pending = new ConsumedLines();

  constructor(
    private readonly db: Db,
    private readonly org: string,
    private readonly fromDay: string,
    /**
     * An incremental run's: the subjects it attributes again, and every subject of its range.
     * Stored rows of others (not attributed again, or about to be dropped as stale) stay.
     */
    private readonly incremental?: { rerun: Set<string>; merged: Set<string> },
  ) {}

  /** Whether a stored row is replaced by this run (so it is not counted until the run saves it). */
  #replaced(row: RecordedConsumption): boolean {
    if (row.at < this.fromDay || this.#saved.has(row.subject)) return false;
    return !this.incremental || this.incremental.rerun.has(row.subject) || !this.incremental.merged.has(row.subject);
  }

  pending(consumed: SubjectConsumption['consumed']): void {
    this.#pending.add(consumed);
  }

  flushed(subjects: string[]): void {
    for (const s of subjects) this.#saved.add(s);
    this.#pending = new ConsumedLines();
  }

  /**
   * What subjects merged before one merged at `at` consumed (every subject before it in this run
   * was attributed first). The attribution asks synchronously and the store answers
   * asynchronously: a session's file whose ledger rows are not read yet answers nothing and is
   * remembered; `readAsked` reads those (true when there were any), and the attribution runs again.
   */
  before(at: string): { consumedBefore: ConsumedBefore; readAsked(): Promise<boolean> } {
    const stored = new Map<string, RecordedConsumption[]>();
    const asked = new Map<string, [sessionId: string, path: string]>();
    const consumedBefore: ConsumedBefore = (sessionId, path) => {
      const key = `${sessionId}\u0000${path}`;
      const rows = stored.get(key);
      if (!rows) {
        asked.set(key, [sessionId, path]);
        return undefined;
      }
      const out = new Map<number, number>();
      for (const row of rows) {
        if (this.#replaced(row)) continue;
        out.set(row.fingerprint, (out.get(row.fingerprint) ?? 0) + row.lines);
      }
      for (const [fp, n] of this.#pending.before(sessionId, path) ?? []) out.set(fp, (out.get(fp) ?? 0) + n);
      return out.size > 0 ? out : undefined;
    };
    const readAsked = async () => {
      if (asked.size === 0) return false;
      for (const [key, rows] of await consumptionOfSessionFiles(this.db, this.org, [...asked.values()], at)) stored.set(key, rows);
      asked.clear();
      return true;
    };
    return { consumedBefore, readAsked };
  }
}

function push<K, T>(map: Map<K, T[]>, key: K, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function attributionRow(org: string, subject: SubjectRow, result: Attribution, now: string): AttributionRow {
  const day = subject.at.slice(0, 10);
  const body = {
    subject: subject.subject,
    repository: subject.repository,
    number: subject.number,
    sha: subject.sha,
    // The person the PR counts for: its author, or who asked Claude Code's bot for it.
    authorLogin: result.creditedLogin,
    isBot: result.isBot,
    day,
    withClaudeCode: result.withClaudeCode,
    linesAdded: result.linesAdded,
    linesWithClaudeCode: result.linesWithClaudeCode,
    evidence: result.evidence,
  };
  return {
    ...body,
    org,
    pullRequestId: subject.pullRequestId,
    commitId: subject.commitId,
    resultHash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
    attributedAt: now,
  };
}

/** A merged PR's outcome (spec: Outcomes) from its stored timeline, or null when it is not merged. */
async function outcomeRow(
  db: Db,
  pr: { org: string; pullRequestId: number; creditedLogin: string; day: string },
  timelines?: ReadAhead<number, StoredTimeline>,
): Promise<OutcomeRow | null> {
  const timeline = timelines ? await timelines.of(pr.pullRequestId) : (await pullRequestTimelinesOf(db, [pr.pullRequestId])).get(pr.pullRequestId);
  return timeline ? { pullRequestId: pr.pullRequestId, org: pr.org, day: pr.day, ...pullRequestOutcome(withCredit(timeline, pr.creditedLogin)) } : null;
}

/** One label job per PR attributed to Claude Code, ever: a label removed by hand is not put back. */
async function enqueueLabels(db: Db, org: string, fromDay: string, toDay: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    for (const pr of await labelCandidates(tx, org, fromDay, toDay)) {
      const payload = { installationId: pr.installationId, pullRequestId: pr.pullRequestId, owner: pr.owner, repo: pr.repo, number: pr.number };
      await enqueueJobOnce(tx, { kind: 'label-pull-request', payload }, now.getTime());
    }
  });
}

/**
 * What an incremental run recomputes of one org (from its marks): the subjects marked, and those
 * sessions' and identities' subjects, each with the subjects merged after it that share a session
 * (their share of the session's lines may change), then the days marked and those of every
 * subject attributed again or dropped.
 */
export interface Selection {
  /** Subjects marked (`pull_request:<id>`, `commit:<id>`). */
  subjects: Set<string>;
  /** Sessions with new data, and sessions whose user now links to someone else. */
  sessions: Set<string>;
  /**
   * Sessions whose only news is lines written into files at paths ending so (`lines` marks): they
   * can change only subjects with a file there, unless the session's commits place it.
   */
  sessionFiles: Map<string, Set<string>>;
  /** Days to roll up again. */
  days: Set<string>;
  /** The first day rollups may be recomputed (the retention limit). */
  oldestDay: string;
}

/** Attributes and rolls up one org over [fromDay, toDay], or, given a selection, what it names in that range. */
async function processOrg(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  options: ProcessOptions,
  progress: (p: { attributed: number; days: number }) => Promise<void>,
  selection?: Selection,
): Promise<{ attributed: number; changed: number; days: number; changedDays: number }> {
  const now = options.now ?? (() => new Date());
  const write = writesFor(options);
  const scope = selection ? { sessionIds: [...selection.sessions] } : {};
  await write(() => db.transaction(async (tx) => learnIdentityLinks(tx, org, scope, now().toISOString())));
  const { daysBefore = DEFAULT_WINDOW.daysBefore, daysAfter = DEFAULT_WINDOW.daysAfter } = options;
  // An incremental run whose marks name no PR and no session only rolls days up again: it needs the
  // sessions of those days (who each is), and no attribution.
  const attributing = !selection || selection.subjects.size > 0 || selection.sessions.size > 0 || selection.sessionFiles.size > 0;
  const firstDay = selection ? [fromDay, ...selection.days].sort()[0]! : fromDay;
  const lastDay = selection && !attributing ? [...selection.days].sort().at(-1) ?? toDay : toDay;
  const sessions = await new SessionIndex(db, org, memoryOf(options).sessionLinesCache).load(attributing ? addDays(firstDay, -daysBefore) : firstDay, attributing ? addDays(toDay, daysAfter) : lastDay);

  const stage = (name: string, extra: object = {}) => options.log?.debug({ org, stage: name, ...extra, ...memoryMb() }, 'processing stage');
  stage('sessions read', { sessions: sessions.size });
  // Each line a session wrote matches at most one added line of the org, and the subject merged
  // first gets it: subjects that share a session are attributed in merge order.
  const merged = attributing ? [...(await mergedPullRequests(db, org, fromDay, toDay)), ...(await directPushes(db, org, fromDay, toDay))] : [];
  // Read before ordering, which asks synchronously: the sessions linked to each subject's commits,
  // a thousand PRs' shas at a time (at 10,000 developers, two million shas held at once).
  for (let i = 0; sessions.reportsLinks && i < merged.length; i += LINK_SUBJECTS_PER_READ) {
    const chunk = merged.slice(i, i + LINK_SUBJECTS_PER_READ);
    const ids = chunk.filter((s) => s.pullRequestId !== null).map((s) => s.pullRequestId!);
    sessions.linkSubjects(chunk, ids.length > 0 ? await pullRequestCommitShasOf(db, ids) : new Map());
  }
  const relatedOf = (subject: SubjectRow) => sessions.relatedTo(subject);
  let subjects = attributionOrder(merged, relatedOf);
  stage('subjects ordered', { subjects: merged.length });
  // An incremental run: the subjects its marks can change, and the later ones sharing their sessions.
  let rerun: Set<string> | undefined;
  if (selection) {
    const seeds = await seedsOf(db, subjects, selection, sessions, { daysBefore, daysAfter });
    // A subject dropped at the end of this run (no longer merged) frees the lines it took: the
    // subjects merged after it that share one of those sessions take them.
    const freedAt = new Map<SessionNumber, string>(); // session → the earliest merge of a dropped subject that took its lines
    for (const f of await staleSubjectSessions(db, org, fromDay, toDay, new Set(merged.map((s) => s.subject)))) {
      const n = sessions.numberOf(f.sessionId);
      if (n === undefined) continue;
      const at = freedAt.get(n);
      if (at === undefined || compareStrings(f.at, at) < 0) freedAt.set(n, f.at);
    }
    if (freedAt.size > 0) {
      for (const subject of subjects) {
        if (relatedOf(subject).some((n) => freedAt.has(n) && compareStrings(freedAt.get(n)!, subject.at) <= 0)) seeds.add(subject.subject);
      }
    }
    rerun = affectedSubjects(subjects, relatedOf, seeds);
  }
  if (rerun) subjects = subjects.filter((s) => rerun.has(s.subject));
  const ledger = new RunLedger(db, org, fromDay, rerun && { rerun, merged: new Set(merged.map((s) => s.subject)) });
  // Each subject's commits and files, and each PR's timeline, read ahead a batch of subjects at a time.
  const inputs = new ReadAhead(subjects, (batch) => subjectInputsOf(db, batch));
  const timelines = new ReadAhead(
    subjects.filter((s) => s.pullRequestId !== null).map((s) => s.pullRequestId!),
    (ids) => pullRequestTimelinesOf(db, ids),
  );
  let attributed = 0;
  let changed = 0;
  let batch: AttributionRow[] = [];
  let consumption: SubjectConsumption[] = [];
  let outcomes: OutcomeRow[] = [];
  const flush = async () => {
    if (batch.length === 0 && consumption.length === 0 && outcomes.length === 0) return;
    const [rows, consumed, outcomeRows] = [batch, consumption, outcomes];
    changed += await write(() =>
      db.transaction(async (tx) => {
        const n = await saveAttributions(tx, rows);
        await replaceConsumption(tx, org, consumed);
        const t0 = performance.now();
        await saveOutcomes(tx, outcomeRows);
        if (options.stageTimes) options.stageTimes.outcomesMs += performance.now() - t0;
        return n;
      }),
    );
    ledger.flushed(consumed.map((c) => c.subject));
    batch = [];
    consumption = [];
    outcomes = [];
  };
  for (const subject of subjects) {
    const { commits, files, body } = (await inputs.of(subject))!;
    const facts: PullRequestFacts = {
      repository: subject.repository,
      number: subject.number ?? 0,
      authorLogin: subject.authorLogin,
      authorIsBot: subject.authorIsBot,
      mergedAt: subject.at,
      bodyGeneratedWithClaudeCode: hasGeneratedWithClaudeCodeLine(body),
      files,
      commits: commits.map(({ message, authorLogin, committerLogin, ...c }) => ({
        ...c,
        remote: remoteCommitSignal({ message, authorLogin, committerLogin }),
        coAuthorLogin: coAuthorLoginOf(message),
      })),
      headRef: subject.headRef,
      mergedByLogin: subject.mergedByLogin,
    };
    const merged = Date.parse(subject.at);
    const candidates = await sessions.candidatesFor(
      subject,
      commits.map((c) => c.sha),
      dayOfMs(merged - daysBefore * DAY_MS),
      dayOfMs(merged + daysAfter * DAY_MS),
    );
    const consumed = ledger.before(subject.at);
    const written: FileLines[] = candidates.flatMap((c) => c.written);
    const result = await withAskedRead(
      () =>
        attributePullRequest(facts, candidates, {
          daysBefore,
          daysAfter,
          ...(options.minSimilarity !== undefined ? { minSimilarity: options.minSimilarity } : {}),
          consumedBefore: consumed.consumedBefore,
        }),
      // The ledger's rows and the sketches it asked for, read before it runs again. The similarity
      // pass asks for what the sessions wrote first and only then for the PR's lines, so the PR's
      // files are read with the first, which saves a third run.
      async () => {
        const ledgerRead = await consumed.readAsked();
        const writtenRead = await readAskedSketches(written);
        if (writtenRead) await readSketchesOf(facts.files.filter((file) => file.fingerprints.size > 0));
        const filesRead = await readAskedSketches(facts.files);
        return ledgerRead || writtenRead || filesRead;
      },
    );
    batch.push(attributionRow(org, subject, result, now().toISOString()));
    if (subject.pullRequestId !== null) {
      const t0 = performance.now();
      const outcome = await outcomeRow(db, { org, pullRequestId: subject.pullRequestId, creditedLogin: result.creditedLogin, day: subject.at.slice(0, 10) }, timelines);
      if (outcome) outcomes.push(outcome);
      if (options.stageTimes) options.stageTimes.outcomesMs += performance.now() - t0;
    }
    consumption.push({ subject: subject.subject, at: subject.at, consumed: result.consumed });
    ledger.pending(result.consumed);
    attributed++;
    if (attributed % 10_000 === 0) stage('attributing', { attributed });
    if (batch.length >= 200) {
      await flush();
      await progress({ attributed, days: 0 });
    }
    await yieldEvery(YIELD_EVERY_MS);
  }
  await flush();
  // A revert that landed in the range credits the PR it reverts, even one merged before the range.
  const t0 = performance.now();
  for (const pullRequestId of attributing ? await revertedBefore(db, org, fromDay, toDay) : []) {
    const credited = await creditedLoginOf(db, pullRequestId);
    const outcome = credited && (await outcomeRow(db, { org: credited.org, pullRequestId, creditedLogin: credited.authorLogin, day: credited.day }));
    if (outcome) outcomes.push(outcome);
  }
  if (options.stageTimes) options.stageTimes.outcomesMs += performance.now() - t0;
  await flush();
  const keep = new Set(merged.map((s) => s.subject));
  const staleDays = attributing ? await write(() => dropStaleAttributions(db, org, fromDay, toDay, keep)) : [];
  if (options.labelPullRequests && attributing) await write(() => enqueueLabels(db, org, fromDay, toDay, now()));

  stage('attributed', { attributed });
  let days = 0;
  let changedDays = 0;
  const daysToRollUp = selection
    ? [...new Set([...selection.days, ...subjects.map((s) => s.at.slice(0, 10)), ...staleDays])].filter((d) => d >= selection.oldestDay).sort()
    : daysOf({ startDate: fromDay, endDate: toDay });
  for (const day of daysToRollUp) {
    const rollup = rollupDay({
      subjects: (await attributionsOfDay(db, org, day)).map((a) => ({
        kind: a.pullRequestId !== null ? 'pull_request' : 'commit',
        repository: a.repository,
        authorLogin: a.authorLogin,
        isBot: a.isBot,
        withClaudeCode: a.withClaudeCode,
        linesAdded: a.linesAdded,
        linesWithClaudeCode: a.linesWithClaudeCode,
      })),
      opened: await pullRequestsOpenedOn(db, org, day),
      telemetry: await telemetryOfDay(db, org, day),
      apiRequests: await apiRequestsOfDay(db, org, day),
      sessionsWithApiRequests: await sessionsWithApiRequests(db, org, day),
      userOfSession: (id) => sessions.userOf(id),
    });
    if (await write(() => replaceDayRollup(db, org, day, rollup, options.beforeDayCommit ? () => options.beforeDayCommit!(org, day) : undefined))) changedDays++;
    days++;
    await progress({ attributed, days });
    await yieldToEventLoop();
  }
  stage('days rolled up', { days });
  return { attributed, changed, days, changedDays };
}

/**
 * The subjects a selection names directly: those marked, and those a marked session may be a
 * candidate for (related to it, and it active in their window), as `candidatesFor` decides. A
 * session marked only for lines written into some paths names, of those, the subjects with a file
 * (or a file's former path) those lines can match (`mayBeSamePath`); its commits can place it
 * anew, so a session with commits names all of them.
 */
async function seedsOf(
  db: Db,
  subjects: SubjectRow[],
  selection: Selection,
  sessions: SessionIndex,
  { daysBefore, daysAfter }: { daysBefore: number; daysAfter: number },
): Promise<Set<string>> {
  const seeds = new Set<string>();
  const byPath = new Map<SubjectRow, Set<string>>(); // subject → the written paths' ends that would make it a seed
  for (const subject of subjects) {
    if (selection.subjects.has(subject.subject)) {
      seeds.add(subject.subject);
      continue;
    }
    const merged = Date.parse(subject.at);
    const [from, to] = [dayOfMs(merged - daysBefore * DAY_MS), dayOfMs(merged + daysAfter * DAY_MS)];
    for (const n of new Set(sessions.relatedTo(subject))) {
      const id = sessions.idOf(n);
      const tails = selection.sessionFiles.get(id);
      if (!selection.sessions.has(id) && !tails) continue;
      if (!sessions.activeIn(n, from, to)) continue;
      if (selection.sessions.has(id) || sessions.hasCommits(n)) {
        seeds.add(subject.subject);
        byPath.delete(subject);
        break;
      }
      let wanted = byPath.get(subject);
      if (!wanted) byPath.set(subject, (wanted = new Set()));
      for (const tail of tails!) wanted.add(tail);
    }
  }
  if (byPath.size > 0) {
    const paths = await subjectFilePaths(db, [...byPath.keys()]);
    for (const [subject, wanted] of byPath) {
      const files = [...(paths.get(subject) ?? [])];
      if ([...wanted].some((tail) => files.some((path) => mayBeSamePath(tail, path)))) seeds.add(subject.subject);
    }
  }
  return seeds;
}

/**
 * `seeds` and every subject whose attribution can change with theirs: one merged after a changed
 * subject (in attribution order's sense: time, then subject) that shares a session with it, since
 * the lines of a session go to the subject merged first. Subjects merged before are unaffected.
 */
export function affectedSubjects<S extends { subject: string; at: string }, K = string>(subjects: S[], sessionsOf: (subject: S) => Iterable<K>, seeds: Set<string>): Set<string> {
  const bySession = new Map<K, S[]>();
  for (const subject of subjects) for (const id of sessionsOf(subject)) push(bySession, id, subject);
  const after = (a: S, b: S) => compareStrings(a.at, b.at) > 0 || (a.at === b.at && compareStrings(a.subject, b.subject) > 0);
  const out = new Set<string>();
  const queue = subjects.filter((s) => seeds.has(s.subject));
  for (const s of queue) out.add(s.subject);
  while (queue.length > 0) {
    const x = queue.pop()!;
    for (const id of sessionsOf(x)) {
      for (const y of bySession.get(id) ?? []) {
        if (out.has(y.subject) || !after(y, x)) continue;
        out.add(y.subject);
        queue.push(y);
      }
    }
  }
  return out;
}

/**
 * Runs processing now over one org (or every known org) and a day range (default: the last
 * `lookbackDays` days through today, UTC). Throws `ProcessingBusyError` when another run is alive.
 */
export async function runProcessing(db: Db, options: ProcessOptions = {}): Promise<ProcessSummary> {
  const planned = planRun(options);
  const giveUpAt = Date.now() + INCREMENTAL_WAIT_MS;
  let started = await writesFor(options)(() => startRun(db, planned.run, planned.now()));
  // An incremental run ends soon: a scheduled or command-line run waits for it rather than skip a night.
  while ('busy' in started && started.busy.trigger === 'incremental' && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, INCREMENTAL_RETRY_MS));
    started = await writesFor(options)(() => startRun(db, planned.run, planned.now()));
  }
  return withBoundedHeapGrowth(() => withProcessingMemory(db, memoryOf(options), () => continueRun(db, started, planned, options)));
}

/**
 * How long a run waits for an incremental run to end before it gives up as busy: they take
 * seconds after a quiet minute, longer after a burst of merges.
 */
const INCREMENTAL_WAIT_MS = 10 * 60_000;
const INCREMENTAL_RETRY_MS = 500;

/**
 * Starts a run: takes the processing lock before resolving, or says which live run holds it; the
 * started run goes on in the background. Taking the lock does not wait on timers for another
 * process's write lock: past SQLite's busy timeout it throws SQLITE_BUSY (`isStoreBusy`), and the
 * caller decides.
 */
export async function startProcessing(db: Db, options: ProcessOptions = {}): Promise<{ busy: ProcessingRun } | { running: Promise<ProcessSummary> }> {
  const planned = planRun(options);
  const started = await startRun(db, planned.run, planned.now());
  if ('busy' in started) return started;
  // The caller answers first (a page request); the run's work begins on the next turn of the event loop.
  return { running: yieldToEventLoop().then(() => withBoundedHeapGrowth(() => withProcessingMemory(db, memoryOf(options), () => continueRun(db, started, planned, options)))) };
}

/**
 * Processes what was marked since the last run (`processing_marks`): the subjects and days marks
 * name, and what marked sessions and identities can change (`Selection`), per org. Returns null
 * when nothing is marked, `{ busy }` when another run holds the processing lock (the marks wait
 * for the next try). A run that fails leaves its marks to the next one.
 */
export async function runIncrementalProcessing(db: Db, options: ProcessOptions = {}): Promise<ProcessSummary | { busy: ProcessingRun } | null> {
  const now = options.now ?? (() => new Date());
  if ((await oldestPendingMark(db, now())) === null) return null;
  const today = dayOf(now());
  const planned = planRun({ ...options, fromDay: today, toDay: today, trigger: 'incremental' });
  const started = await writesFor(options)(() => startRun(db, planned.run, planned.now()));
  if ('busy' in started) return started;
  return withBoundedHeapGrowth(() => withProcessingMemory(db, memoryOf(options), () => continueIncremental(db, started, planned, options)));
}

async function continueIncremental(
  db: Db,
  { run, abandoned }: { run: ProcessingRun; abandoned: ProcessingRun[] },
  { now, toDay }: PlannedRun,
  options: ProcessOptions,
): Promise<ProcessSummary> {
  const write = writesFor(options);
  for (const dead of abandoned) options.log?.warn({ run: dead.id, reason: dead.error }, `processing run #${dead.id} abandoned`);
  const { daysAfter = DEFAULT_WINDOW.daysAfter } = options;
  // Marks reach back as far as raw data is kept (a backfill's PRs, a link learned late), further than a scheduled run's lookback.
  const oldestDay = options.retentionDays !== undefined ? dayOfMs(now().getTime() - (options.retentionDays - 1) * DAY_MS) : '0000-00-00';
  const oldestAttributed = oldestDay;
  let attributed = 0;
  let changed = 0;
  let corrections = 0;
  let daysRecomputed = 0;
  const orgs: string[] = [];
  try {
    const marks = await write(() => claimMarks(db, { runId: run.id, now: now() }));
    const byOrg = new Map<string, typeof marks>();
    for (const mark of marks) push(byOrg, mark.org, mark);
    for (const [org, orgMarks] of byOrg) {
      orgs.push(org);
      const selection: Selection = { subjects: new Set(), sessions: new Set(), sessionFiles: new Map(), days: new Set(), oldestDay };
      const starts: string[] = [];
      for (const m of orgMarks) {
        if (m.kind === 'subject') {
          selection.subjects.add(m.key);
          starts.push(m.day);
        } else if (m.kind === 'day') selection.days.add(m.day);
        else if (m.kind === 'lines') {
          const { sessionId, pathTail } = parseLinesMarkKey(m.key);
          let tails = selection.sessionFiles.get(sessionId);
          if (!tails) selection.sessionFiles.set(sessionId, (tails = new Set()));
          tails.add(pathTail);
        }
      }
      const marked = await sessionSpans(db, org, [...new Set(orgMarks.filter((m) => m.kind === 'session').map((m) => m.key))]);
      const relinked = await sessionsOfIdentities(db, org, orgMarks.filter((m) => m.kind === 'identity').map((m) => m.key));
      for (const s of [...marked, ...relinked]) {
        selection.sessions.add(s.id);
        selection.sessionFiles.delete(s.id);
        // A session is a candidate of subjects merged from `daysAfter` days before it was first seen.
        starts.push(addDays(s.firstSeenAt.slice(0, 10), -daysAfter));
      }
      for (const s of await sessionSpans(db, org, [...selection.sessionFiles.keys()])) starts.push(addDays(s.firstSeenAt.slice(0, 10), -daysAfter));
      // Everything a relinked session's telemetry counted for now counts for someone else.
      for (const s of relinked) {
        const last = s.lastSeenAt.slice(0, 10) < toDay ? s.lastSeenAt.slice(0, 10) : toDay;
        const first = s.firstSeenAt.slice(0, 10) > oldestAttributed ? s.firstSeenAt.slice(0, 10) : oldestAttributed;
        if (first <= last) for (const day of daysOf({ startDate: first, endDate: last })) selection.days.add(day);
      }
      const earliest = starts.sort()[0];
      const fromDay = earliest === undefined || earliest > toDay ? toDay : earliest < oldestAttributed ? oldestAttributed : earliest;
      const base = { attributed, days: daysRecomputed };
      const result = await processOrg(
        db,
        org,
        fromDay,
        toDay,
        options,
        (p) => write(() => heartbeatRun(db, run.id, { attributed: base.attributed + p.attributed, daysRecomputed: base.days + p.days }, now())),
        selection,
      );
      attributed += result.attributed;
      changed += result.changed;
      corrections += result.changed + result.changedDays;
      daysRecomputed += result.days;
      options.log?.debug({ org, marks: orgMarks.length, ...result }, 'org processed incrementally');
    }
    await write(() => releaseMarks(db, run.id));
    const finished = await write(() => finishRun(db, run.id, { status: 'succeeded', attributed, daysRecomputed, corrections }, now()));
    return { run: finished, abandoned, orgs, attributed, changed, corrections, daysRecomputed, memory: memoryReport(options) };
  } catch (error) {
    await write(() => finishRun(db, run.id, { status: 'failed', attributed, daysRecomputed, error: (error as Error).message }, now()));
    throw error;
  }
}

type PlannedRun = ReturnType<typeof planRun>;

const memoryOf = (options: ProcessOptions): ProcessingMemory => options.memory ?? DEFAULT_PROCESSING_MEMORY;
const memoryReport = (options: ProcessOptions) => ({ ...memoryOf(options), peakRssMb: peakRssMb() });

/** The days and org a run covers, from its options. */
function planRun(options: ProcessOptions) {
  const now = options.now ?? (() => new Date());
  const toDay = options.toDay ?? dayOf(now());
  let fromDay = options.fromDay ?? lastDays(toDay, options.lookbackDays ?? 35).startDate;
  if (fromDay > toDay) throw new Error(`--from ${fromDay} is after --to ${toDay}`);
  if (options.retentionDays !== undefined) {
    const oldestKept = dayOfMs(now().getTime() - (options.retentionDays - 1) * DAY_MS);
    if (toDay < oldestKept) throw new Error(`Days before ${oldestKept} are past RETENTION_DAYS: their raw data is gone and their numbers are final.`);
    if (fromDay < oldestKept) fromDay = oldestKept;
  }
  const org = options.org?.toLowerCase();
  return { now, org, fromDay, toDay, run: { org: org ?? null, fromDay, toDay, trigger: options.trigger ?? 'cli' } };
}

/** The run once `startRun` has answered: every org's attribution and days, retention, the run's end. */
async function continueRun(
  db: Db,
  started: Awaited<ReturnType<typeof startRun>>,
  { now, org, fromDay, toDay }: PlannedRun,
  options: ProcessOptions,
): Promise<ProcessSummary> {
  const write = writesFor(options);
  if ('busy' in started) throw new ProcessingBusyError(started.busy, now());
  const { run, abandoned } = started;
  for (const dead of abandoned) options.log?.warn({ run: dead.id, reason: dead.error }, `processing run #${dead.id} abandoned`);
  const orgs = org ? [org] : [...new Set((await knownOrgs(db)).map((o) => o.toLowerCase()))];
  const { daysAfter = DEFAULT_WINDOW.daysAfter } = options;

  let attributed = 0;
  let changed = 0;
  let corrections = 0;
  let daysRecomputed = 0;
  try {
    // What incremental processing had still to do and this run covers is done by it. A session
    // first seen on day D is a candidate of subjects merged from `daysAfter` days before D: the run
    // covers it when D is in the range and either D less that window is too, or nothing of the org
    // merged in the window's days before the range (a range from an org's first merge covers all).
    const quietBefore = new Set<string>();
    for (const o of orgs) if (!(await anySubjectMergedBetween(db, o, addDays(fromDay, -daysAfter), fromDay))) quietBefore.add(o);
    const sessionCovered = (markOrg: string, firstDay: string, lastDay: string) =>
      firstDay >= fromDay && lastDay <= toDay && (addDays(firstDay, -daysAfter) >= fromDay || quietBefore.has(markOrg));
    // An identity is covered when every one of its sessions is.
    const coveredIdentities = new Set<string>();
    const identityMarks = (await pendingMarksOfKind(db, 'identity', now())).filter((mark) => org === undefined || mark.org === org);
    const spansOf = await sessionSpansOfIdentities(db, identityMarks); // one read per org, not one per identity (issue 21)
    for (const mark of identityMarks) {
      const spans = spansOf.get(`${mark.org}\u0000${mark.key}`) ?? [];
      if (spans.every((s) => sessionCovered(mark.org, s.firstSeenAt.slice(0, 10), s.lastSeenAt.slice(0, 10)))) coveredIdentities.add(`${mark.org}\u0000${mark.key}`);
    }
    await write(() =>
      claimMarks(db, {
        runId: run.id,
        now: now(),
        covers: (m) =>
          (org === undefined || m.org === org) &&
          ((m.kind === 'subject' && m.day >= fromDay && m.day <= toDay) ||
            (m.kind === 'day' && m.day >= fromDay && m.day <= toDay) ||
            ((m.kind === 'session' || m.kind === 'lines') && sessionCovered(m.org, m.day, m.day)) ||
            (m.kind === 'identity' && coveredIdentities.has(`${m.org}\u0000${m.key}`))),
      }),
    );
    for (const o of orgs) {
      const base = { attributed, days: daysRecomputed };
      const result = await processOrg(db, o, fromDay, toDay, options, (p) =>
        write(() => heartbeatRun(db, run.id, { attributed: base.attributed + p.attributed, daysRecomputed: base.days + p.days }, now())),
      );
      attributed += result.attributed;
      changed += result.changed;
      corrections += result.changed + result.changedDays;
      daysRecomputed += result.days;
      // After attribution and outcomes, once the org's session caches are released: durability
      // replays the last 104 days whatever range was attributed (a PR's lines can end any day).
      const durability = await updateDurability(db, { org: o, now: now(), minSimilarity: options.minSimilarity, write });
      options.log?.info({ org: o, ...result, durability: durability.pullRequests, memory: memoryReport(options) }, 'org processed');
    }
    if (options.retentionDays !== undefined) {
      const pruned = await pruneExpired(db, { now: now(), retentionDays: options.retentionDays, maxWaitMs: options.writeWaitMs ?? 60_000 });
      options.log?.info(pruned, 'expired raw data pruned');
    }
    await write(() => releaseMarks(db, run.id));
    const finished = await write(() => finishRun(db, run.id, { status: 'succeeded', attributed, daysRecomputed, corrections }, now()));
    if (corrections > 0) options.log?.info({ run: run.id, corrections }, `processing run #${run.id} changed ${corrections} attributions and days`);
    return { run: finished, abandoned, orgs, attributed, changed, corrections, daysRecomputed, memory: memoryReport(options) };
  } catch (error) {
    await write(() => finishRun(db, run.id, { status: 'failed', attributed, daysRecomputed, error: (error as Error).message }, now()));
    throw error;
  }
}
