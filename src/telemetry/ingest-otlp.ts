import { createHash } from 'node:crypto';
import type { Db, Tx } from '../db/client.js';
import { markIngestTokenUsed, type IngestToken } from '../db/ingest-tokens.js';
import {
  addApiRequests,
  addSessionCommits,
  addTelemetryCounters,
  applyOtlpExportOnce,
  cumulativeToDeltas,
  linkIdentities,
  recordSessions,
  type ApiRequestIncrement,
  type CounterIncrement,
  type IdentityLink,
  type SeriesPoint,
  type SessionCommit,
  type SessionSighting,
} from '../db/telemetry-store.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { markForProcessing, type Mark } from '../db/processing-marks.js';
import { counterFor, dimensionPart, sessionFields } from './claude-code-metrics.js';
import { API_REQUEST_BOUNDS, MAX_ID_LENGTH, METRIC_BOUNDS, telemetryTimeMs, toMicroUsd, WHOLE_NUMBER_METRICS } from './ingest-bounds.js';
import { utcDay, type Attributes, type LogEvent, type MetricPoint } from './otlp-model.js';
import { ownProperty } from '../own-property.js';

export interface IngestResult {
  /** False when the identical request was applied before (an exporter retry). */
  applied: boolean;
  accepted: number;
  rejected: number;
  rejectionMessage: string;
}

export function bodyHash(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

type Session = ReturnType<typeof sessionFields>;

/** Sessions seen in one request, and the identity links a token or attribute gives. */
class SessionTracker {
  readonly #seen = new Map<string, { fields: Session; at: number }>();
  /** Per session, the days its accepted data fell on: what processing must catch up with. */
  readonly #days = new Map<string, Set<string>>();

  see(fields: Session, atMs: number): void {
    const prior = this.#seen.get(fields.sessionId);
    if (!prior || atMs > prior.at) this.#seen.set(fields.sessionId, { fields: { ...prior?.fields, ...definedOnly(fields) } as Session, at: atMs });
    let days = this.#days.get(fields.sessionId);
    if (!days) this.#days.set(fields.sessionId, (days = new Set()));
    days.add(utcDay(atMs));
  }

  /** Marks the days the request's data fell on, and each session from its first such day (`processing_marks`). */
  async mark(tx: Tx, org: string, now: string): Promise<void> {
    const marks: Mark[] = [];
    const allDays = new Set<string>();
    for (const [sessionId, days] of this.#days) {
      const sorted = [...days].sort();
      for (const day of sorted) allDays.add(day);
      if (sessionId !== '') marks.push({ org, kind: 'session', key: sessionId, day: sorted[0]! });
    }
    for (const day of allDays) marks.push({ org, kind: 'day', key: day, day });
    await markForProcessing(tx, marks, now);
  }

  /** Records the sessions and their links: one statement each, however many sessions a request names. */
  async flush(tx: Tx, token: IngestToken, now: string): Promise<void> {
    const sightings: SessionSighting[] = [];
    const identities: IdentityLink[] = [];
    for (const { fields, at } of this.#seen.values()) {
      if (fields.sessionId === '') continue;
      const githubLogin = token.githubLogin ?? fields.githubLogin;
      sightings.push({ ...fields, id: fields.sessionId, org: token.org, seenAt: new Date(at).toISOString(), githubLogin });
      const links: [('email' | 'account_uuid' | 'user_id'), string | undefined][] = [
        ['email', fields.userEmail],
        ['account_uuid', fields.userAccountUuid],
        ['user_id', fields.userId],
      ];
      for (const [kind, value] of links) {
        if (!value) continue;
        if (token.githubLogin) {
          identities.push({ org: token.org, kind, value, githubLogin: token.githubLogin, source: 'personal_token', createdAt: now });
        } else if (fields.githubLogin) {
          identities.push({ org: token.org, kind, value, githubLogin: fields.githubLogin, source: 'resource_attribute', createdAt: now });
        }
      }
    }
    await recordSessions(tx, sightings);
    await linkIdentities(tx, identities);
  }
}

/** Increments of one request, summed per org, day, session, metric and dimension before they are written. */
class CounterSums {
  readonly #sums = new Map<string, CounterIncrement>();

  constructor(private readonly org: string) {}

  add(day: string, sessionId: string, metric: string, dimension: string, value: number): void {
    const key = `${day}\u0000${sessionId}\u0000${metric}\u0000${dimension}`;
    const inc = this.#sums.get(key);
    if (inc) inc.value += value;
    else this.#sums.set(key, { org: this.org, day, sessionId, metric, dimension, value });
  }

  values(): Iterable<CounterIncrement> {
    return this.#sums.values();
  }
}

const MAX_REASONS = 10;

/** An event's name as it appears in a rejection reason. */
const eventLabel = (name: string) => (name === '' ? 'event' : name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** Rejection reasons of one request and how often each occurred. */
class Rejections {
  readonly #problems = new Map<string, number>();

  add(why: string): void {
    this.#problems.set(why, (this.#problems.get(why) ?? 0) + 1);
  }

  result(applied: boolean, accepted: number): IngestResult {
    if (!applied) return { applied, accepted, rejected: 0, rejectionMessage: '' };
    const rejected = [...this.#problems.values()].reduce((a, b) => a + b, 0);
    // Reasons name what the sender sent (an event's name): the answer lists a bounded few.
    const reasons = [...this.#problems].map(([why, n]) => `${n} × ${why}`);
    const more = reasons.length > MAX_REASONS ? [`${reasons.length - MAX_REASONS} more reasons`] : [];
    const rejectionMessage = [...reasons.slice(0, MAX_REASONS), ...more].join('; ');
    return { applied, accepted, rejected, rejectionMessage };
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A cumulative series: the org, the metric, its resource and point attributes. Another org's identical series is another series. */
function seriesKey(org: string, point: MetricPoint): string {
  const sorted = (a: Attributes) => Object.keys(a).sort().map((k) => [k, a[k]]);
  return createHash('sha256')
    .update(JSON.stringify([org, point.name, sorted(point.resource), sorted(point.attributes)]))
    .digest('base64url');
}

const TIME_REJECTION = 'timestamp must be unset or between 2020-01-01 and one day after the server\'s clock';
const SESSION_REJECTION = `session.id must be at most ${MAX_ID_LENGTH} characters`;

/**
 * Applies an OTLP metrics request: every data point of a known metric becomes an increment of
 * its day's, session's counter. DELTA points add up as they are; CUMULATIVE points become deltas
 * per series. Points that cannot be counted (implausible values or dates, see ingest-bounds.ts)
 * are rejected (and reported), the rest stored.
 */
export async function ingestMetrics(
  db: Db,
  { token, points, hash, now }: { token: IngestToken; points: MetricPoint[]; hash: string; now: Date },
): Promise<IngestResult> {
  const nowIso = now.toISOString();
  const nowMs = now.getTime();
  const rejections = new Rejections();
  const reject = (why: string) => rejections.add(why);
  let accepted = 0;

  const applied = await applyOtlpExportOnce(db, { bodyHash: hash, signal: 'metrics', org: token.org, receivedAt: nowIso }, async (tx) => {
    const counters = new CounterSums(token.org);
    const sessions = new SessionTracker();
    // Each accepted point's increase, in the order sent: a number, or the index of a cumulative
    // point whose increase is read from its series (all series of the request at once, below).
    const increases: { day: string; sessionId: string; metric: string; dimension: string; delta: number | { series: number } }[] = [];
    const seriesPoints: SeriesPoint[] = [];
    for (const point of points) {
      const counter = counterFor(point.name, point.attributes);
      if (!counter) {
        accepted++; // unknown metrics and attribute values are accepted and ignored
        continue;
      }
      if (counter === 'too long') {
        reject(`${point.name}: model, tool and type names must be at most 128 characters`);
        continue;
      }
      const bound = ownProperty(METRIC_BOUNDS, point.name)!;
      if (!Number.isFinite(point.value) || point.value < 0 || point.value > bound) {
        reject(`${point.name}: value must be a number from 0 to ${bound}`);
        continue;
      }
      if (WHOLE_NUMBER_METRICS.has(point.name) && !Number.isInteger(point.value)) {
        reject(`${point.name}: value must be a whole number`);
        continue;
      }
      const at = telemetryTimeMs(point.timeUnixNano, nowMs);
      if (at === undefined) {
        reject(`${point.name}: ${TIME_REJECTION}`);
        continue;
      }
      const fields = sessionFields(point.attributes, point.resource);
      if (fields.sessionId.length > MAX_ID_LENGTH) {
        reject(`${point.name}: ${SESSION_REJECTION}`);
        continue;
      }
      // Money is counted in integer micro-dollars from here on.
      const value = counter.metric === 'cost_micro_usd' ? toMicroUsd(point.value) : point.value;
      let delta: number | { series: number };
      if (point.temporality === 'delta') {
        delta = value;
      } else if (point.temporality === 'cumulative') {
        const start = point.startTimeUnixNano === '0' ? 0 : telemetryTimeMs(point.startTimeUnixNano, nowMs);
        if (start === undefined || start > at) {
          reject(`${point.name}: start time must be unset or a plausible time no later than the point's`);
          continue;
        }
        delta = { series: seriesPoints.length };
        seriesPoints.push({ seriesKey: seriesKey(token.org, point), startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano, value });
      } else {
        reject(`${point.name}: aggregation temporality must be DELTA or CUMULATIVE`);
        continue;
      }
      accepted++;
      sessions.see(fields, at);
      increases.push({ day: utcDay(at), sessionId: fields.sessionId, metric: counter.metric, dimension: counter.dimension, delta });
    }
    const seriesDeltas = await cumulativeToDeltas(tx, seriesPoints, nowIso);
    for (const { day, sessionId, metric, dimension, delta } of increases) {
      const value = typeof delta === 'number' ? delta : seriesDeltas[delta.series]!;
      if (value !== 0) counters.add(day, sessionId, metric, dimension, value);
    }
    await addTelemetryCounters(tx, counters.values(), nowIso);
    await sessions.flush(tx, token, nowIso);
    await markIngestTokenUsed(tx, token, nowIso);
    await sessions.mark(tx, token.org, nowIso);
  });

  return rejections.result(applied, applied ? accepted : points.length);
}

/** A plain decimal, as Claude Code writes counts and costs in event attributes ("0.0123", "1e-5"). */
const DECIMAL = /^[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$|^\.[0-9]+(?:[eE][+-]?[0-9]+)?$/;

const num = (v: unknown): number | undefined => {
  if (v === undefined || v === '') return undefined;
  // `Number()` would also read "0x10", "0b11", " 12 " and "-0": none of them is a count or a cost.
  if (typeof v === 'string' && !DECIMAL.test(v)) return Number.NaN;
  if (typeof v !== 'number' && typeof v !== 'string') return Number.NaN;
  const n = Number(v);
  return Number.isFinite(n) ? n : Number.NaN;
};

/** The commit a `tool_result` of a Bash `git commit` reports (with OTEL_LOG_TOOL_DETAILS=1). */
function gitCommitIdOf(event: LogEvent): string | undefined {
  const raw = event.attributes.tool_parameters;
  if (typeof raw !== 'string' || !raw.includes('git_commit_id')) return undefined;
  // The CLI truncates parameters to a few kilobytes: anything longer is not parsed as JSON.
  if (raw.length > 65_536) return /"git_commit_id"\s*:\s*"([0-9a-f]{7,40})"/i.exec(raw.slice(0, 65_536))?.[1]?.toLowerCase();
  try {
    const id = (JSON.parse(raw) as { git_commit_id?: unknown }).git_commit_id;
    return typeof id === 'string' && /^[0-9a-f]{7,40}$/i.test(id) ? id.toLowerCase() : undefined;
  } catch {
    // The CLI truncates long parameter values; the id may still be readable.
    return /"git_commit_id"\s*:\s*"([0-9a-f]{7,40})"/i.exec(raw)?.[1]?.toLowerCase();
  }
}

/**
 * Applies an OTLP logs request of Claude Code events: `api_request` (requests, tokens, cost per
 * model), `tool_result` (the commits a session made), `tool_decision` and `user_prompt` (counts).
 * Prompts and tool inputs are never stored. Unknown events are accepted and ignored.
 */
export async function ingestLogs(
  db: Db,
  { token, events, hash, now }: { token: IngestToken; events: LogEvent[]; hash: string; now: Date },
): Promise<IngestResult> {
  const nowIso = now.toISOString();
  const nowMs = now.getTime();
  const rejections = new Rejections();
  const reject = (why: string) => rejections.add(why);
  let accepted = 0;

  const applied = await applyOtlpExportOnce(db, { bodyHash: hash, signal: 'logs', org: token.org, receivedAt: nowIso }, async (tx) => {
    const counters = new CounterSums(token.org);
    const requests = new Map<string, ApiRequestIncrement>();
    const sessions = new SessionTracker();
    const committingSessions = new Set<string>();
    const sessionCommits: SessionCommit[] = [];
    const count = (day: string, sessionId: string, metric: string, dimension: string) => counters.add(day, sessionId, metric, dimension, 1);

    for (const event of events) {
      const at = telemetryTimeMs(event.timeUnixNano, nowMs);
      if (at === undefined) {
        reject(`${eventLabel(event.name)}: ${TIME_REJECTION}`);
        continue;
      }
      const day = utcDay(at);
      const fields = sessionFields(event.attributes, event.resource);
      if (fields.sessionId.length > MAX_ID_LENGTH) {
        reject(`${eventLabel(event.name)}: ${SESSION_REJECTION}`);
        continue;
      }
      const a = event.attributes;
      switch (event.name) {
        case 'api_request': {
          const tokens = [a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_creation_tokens].map(num);
          const costUsd = num(a.cost_usd);
          if (tokens.some((v) => v !== undefined && !(Number.isSafeInteger(v) && v >= 0 && v <= API_REQUEST_BOUNDS.tokens))) {
            reject(`api_request: token counts must be whole numbers from 0 to ${API_REQUEST_BOUNDS.tokens}`);
            continue;
          }
          if (costUsd !== undefined && !(costUsd >= 0 && costUsd <= API_REQUEST_BOUNDS.costUsd)) {
            reject(`api_request: cost_usd must be a number from 0 to ${API_REQUEST_BOUNDS.costUsd}`);
            continue;
          }
          const model = dimensionPart(a.model);
          if (model === undefined) {
            reject('api_request: model must be at most 128 characters');
            continue;
          }
          const [input = 0, output = 0, cacheRead = 0, cacheCreation = 0] = tokens;
          const cost = toMicroUsd(costUsd ?? 0);
          const key = `${day}\u0000${fields.sessionId}\u0000${model}`;
          const inc = requests.get(key) ?? {
            org: token.org,
            day,
            sessionId: fields.sessionId,
            model,
            requests: 0,
            inputTokens: 0,
            outputTokens: 0,
            cacheReadTokens: 0,
            cacheCreationTokens: 0,
            costMicroUsd: 0,
          };
          inc.requests += 1;
          inc.inputTokens += input;
          inc.outputTokens += output;
          inc.cacheReadTokens += cacheRead;
          inc.cacheCreationTokens += cacheCreation;
          inc.costMicroUsd += cost;
          requests.set(key, inc);
          break;
        }
        case 'tool_result': {
          const sha = gitCommitIdOf(event);
          if (sha && fields.sessionId) {
            sessionCommits.push({ sessionId: fields.sessionId, sha, org: token.org, source: 'event', seenAt: new Date(at).toISOString() });
            committingSessions.add(fields.sessionId);
          }
          break;
        }
        case 'tool_decision': {
          if (a.decision !== 'accept' && a.decision !== 'reject') break;
          const tool = dimensionPart(a.tool_name);
          if (tool === undefined) {
            reject('tool_decision: tool_name must be at most 128 characters');
            continue;
          }
          count(day, fields.sessionId, 'tool_decisions', `${tool}:${a.decision}`);
          break;
        }
        case 'user_prompt':
          count(day, fields.sessionId, 'prompts', '');
          break;
        default:
          break; // other events (hook runs, responses, …): accepted, not used
      }
      accepted++;
      sessions.see(fields, at);
    }
    await addSessionCommits(tx, sessionCommits);
    await addTelemetryCounters(tx, counters.values(), nowIso);
    await addApiRequests(tx, requests.values(), nowIso);
    await sessions.flush(tx, token, nowIso);
    // One request may name thousands of sessions: learnIdentityLinks binds them as one parameter.
    if (committingSessions.size > 0) await learnIdentityLinks(tx, token.org, { sessionIds: [...committingSessions] }, nowIso);
    await markIngestTokenUsed(tx, token, nowIso);
    await sessions.mark(tx, token.org, nowIso);
  });

  return rejections.result(applied, applied ? accepted : events.length);
}
