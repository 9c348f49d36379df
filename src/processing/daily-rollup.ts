/*
 * One UTC day's rollups (spec: Metrics) from plain rows: the day's attributions, opened PRs and
 * telemetry counters. Pure: the processing job feeds it and stores what it returns.
 */

import { emptyMetrics, type DailyMetrics, type DayRollup, type MetricKey, type TerminalDay, type TerminalModelUsage, type UserDay } from '../db/daily-metrics.js';
import type { TelemetryRow } from '../db/processing-inputs.js';
import { addTokenUsage, type ApiRequestUsage, type ModelUsage, type TokenUsage } from '../db/token-usage.js';
import { ownProperty } from '../own-property.js';

/**
 * Distinct telemetry teams kept per org and day. The `team` attribute is whatever an ingest token's
 * holder writes, so one token sending a new value per session could otherwise fill the org's
 * teams list (and every team chooser) with thousands of rows. 200 is far above the teams an org
 * names by hand; its GitHub teams are listed apart and never cut.
 */
export const MAX_TELEMETRY_TEAMS_PER_DAY = 200;

/**
 * The day's person-team pairs (`userKey\u0000team`), sorted, of at most MAX_TELEMETRY_TEAMS_PER_DAY
 * teams: past the bound, the teams named by the most people are kept (ties: by slug), so a flood
 * of one-person names cannot push out a team many people share.
 */
function boundedTeams(pairs: Set<string>): { userKey: string; team: string }[] {
  const rows = [...pairs].sort().map((key) => {
    const [userKey, team] = key.split('\u0000') as [string, string];
    return { userKey, team };
  });
  const people = new Map<string, number>();
  for (const r of rows) people.set(r.team, (people.get(r.team) ?? 0) + 1);
  if (people.size <= MAX_TELEMETRY_TEAMS_PER_DAY) return rows;
  const kept = new Set(
    [...people]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, MAX_TELEMETRY_TEAMS_PER_DAY)
      .map(([team]) => team),
  );
  return rows.filter((r) => kept.has(r.team));
}

export interface AttributedSubject {
  kind: 'pull_request' | 'commit';
  repository: string;
  authorLogin: string;
  isBot: boolean;
  withClaudeCode: boolean;
  linesAdded: number;
  linesWithClaudeCode: number;
}

export interface UserRef {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
  /** The session's terminal and whether it was signed in to a Claude account (telemetry sessions only). */
  terminalType?: string | null | undefined;
  /** The session ran remotely (Claude Code on the web): its commits carry that's markers. */
  isRemote?: boolean | undefined;
  signedIn?: boolean | undefined;
  /** The session's `team` resource attribute, as a team slug (spec: Teams). */
  team?: string | null | undefined;
}

/** One telemetry counter of the day (a `telemetry_daily` row). */
export type TelemetryCounter = TelemetryRow;

export interface DayInput {
  subjects: AttributedSubject[];
  opened: { authorLogin: string; authorIsBot: boolean; repository: string }[];
  telemetry: TelemetryCounter[];
  apiRequests: ApiRequestUsage[];
  /**
   * Sessions whose tokens and cost come from their `api_request` events rather than from the
   * `cost.usage` / `token.usage` metrics: those that sent such events on any day. Defaults to the
   * sessions in `apiRequests`.
   */
  sessionsWithApiRequests?: ReadonlySet<string> | undefined;
  /** Who each session's user is (a GitHub login, or an unlinked key). */
  userOfSession: (sessionId: string) => UserRef;
}

const TOOL_COLUMNS: Record<string, [MetricKey, MetricKey]> = {
  Edit: ['editToolAccepted', 'editToolRejected'],
  MultiEdit: ['multiEditToolAccepted', 'multiEditToolRejected'],
  Write: ['writeToolAccepted', 'writeToolRejected'],
  NotebookEdit: ['notebookEditToolAccepted', 'notebookEditToolRejected'],
};

const TOKEN_COLUMNS: Record<string, keyof Omit<TokenUsage, 'costMicroUsd'>> = {
  input: 'inputTokens',
  output: 'outputTokens',
  cacheRead: 'cacheReadTokens',
  cacheCreation: 'cacheCreationTokens',
};

/**
 * Telemetry counters (see telemetry/claude-code-metrics.ts) that add straight into one daily
 * metric. Looked up once per counter for the org and the person alike: as fast as the switch it
 * replaced (measured), and one line per counter.
 */
const COUNTER_METRICS = new Map<string, MetricKey>([
  ['sessions', 'sessions'],
  ['lines_added', 'linesAccepted'],
  ['lines_removed', 'linesRemoved'],
  ['commits', 'commitsByClaudeCode'],
  ['pull_requests', 'pullRequestsByClaudeCode'],
  ['active_time_seconds', 'activeTimeSeconds'],
  ['prompts', 'prompts'],
]);

/**
 * Adds one telemetry counter that is not in COUNTER_METRICS to a day's metrics; the model usage it
 * carries goes to `model`. `usage: false` leaves out cost and tokens (the session's `api_request`
 * events carry them).
 */
function addTelemetry(m: DailyMetrics, c: TelemetryCounter, model: (name: string) => ModelUsage, usage: boolean): void {
  switch (c.metric) {
    case 'edit_decisions': {
      const [tool = '', decision] = c.dimension.split(':');
      const columns = ownProperty(TOOL_COLUMNS, tool);
      if (columns) m[columns[decision === 'accept' ? 0 : 1]] += c.value;
      break;
    }
    case 'cost_micro_usd':
      if (!usage) break;
      m.costMicroUsd += c.value;
      model(c.dimension).costMicroUsd += c.value;
      break;
    case 'tokens': {
      if (!usage) break;
      const cut = c.dimension.lastIndexOf(':');
      const column = ownProperty(TOKEN_COLUMNS, c.dimension.slice(cut + 1));
      if (column) {
        m[column] += c.value;
        model(c.dimension.slice(0, cut))[column] += c.value;
      }
      break;
    }
    default:
      break;
  }
}

function addSubject(m: DailyMetrics, s: AttributedSubject): void {
  if (s.isBot) {
    if (s.kind === 'pull_request') m.pullRequestsByBots += 1;
    return; // bots are reported apart, never in the with/without comparison
  }
  if (s.kind === 'pull_request') {
    m.pullRequestsMerged += 1;
    if (s.withClaudeCode) m.pullRequestsWithClaudeCode += 1;
    else m.pullRequestsWithoutClaudeCode += 1;
  }
  m.linesCommitted += s.linesAdded;
  m.linesWithClaudeCode += s.linesWithClaudeCode;
  m.linesWithoutClaudeCode += s.linesAdded - s.linesWithClaudeCode;
}

function emptyModelUsage(userKey: string, model: string): ModelUsage {
  return { userKey, model, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 0 };
}

function addApiRequests(m: DailyMetrics, model: ModelUsage | undefined, r: ApiRequestUsage): void {
  addTokenUsage(m, r);
  if (model) {
    addTokenUsage(model, r);
    model.requests += r.requests;
  }
}

export function rollupDay(input: DayInput): DayRollup {
  const org = emptyMetrics();
  const users = new Map<string, UserDay>();
  const terminals = new Map<string, Map<string, number>>();
  const repositories = new Map<string, DailyMetrics>();
  const models = new Map<string, ModelUsage>();
  // The same telemetry per person and terminal: Anthropic's Claude Code records are per terminal.
  const terminalDays = new Map<string, TerminalDay>();
  const terminalModels = new Map<string, TerminalModelUsage>();
  const terminalOf = (ref: UserRef) => ref.terminalType || 'unknown';
  const placeOf = (ref: UserRef) => `${ref.userKey}\u0000${terminalOf(ref)}\u0000${ref.isRemote === true ? 1 : 0}`;

  const userRow = (ref: UserRef) => {
    let row = users.get(ref.userKey);
    if (!row) {
      users.set(ref.userKey, (row = { userKey: ref.userKey, githubLogin: ref.githubLogin, email: ref.email, metrics: emptyMetrics(), terminalType: null, customerType: null }));
    } else if (!row.email && ref.email) row.email = ref.email;
    if (ref.signedIn !== undefined) row.customerType = ref.signedIn || row.customerType === 'subscription' ? 'subscription' : 'api';
    if (ref.terminalType) {
      let counts = terminals.get(ref.userKey);
      if (!counts) terminals.set(ref.userKey, (counts = new Map()));
      counts.set(ref.terminalType, (counts.get(ref.terminalType) ?? 0) + 1);
    }
    return row.metrics;
  };
  const repoRow = (repository: string) => {
    let row = repositories.get(repository);
    if (!row) repositories.set(repository, (row = emptyMetrics()));
    return row;
  };
  const modelUsage = (userKey: string, model: string) => {
    const key = `${userKey}\u0000${model}`;
    let usage = models.get(key);
    if (!usage) models.set(key, (usage = emptyModelUsage(userKey, model)));
    return usage;
  };
  const terminalRow = (ref: UserRef) => {
    const key = placeOf(ref);
    let row = terminalDays.get(key);
    if (!row) terminalDays.set(key, (row = { userKey: ref.userKey, terminalType: terminalOf(ref), isRemote: ref.isRemote === true, metrics: emptyMetrics() }));
    return row.metrics;
  };
  const terminalModelUsage = (ref: UserRef, model: string) => {
    const key = `${placeOf(ref)}\u0000${model}`;
    let usage = terminalModels.get(key);
    if (!usage) terminalModels.set(key, (usage = { ...emptyModelUsage(ref.userKey, model), terminalType: terminalOf(ref), isRemote: ref.isRemote === true }));
    return usage;
  };
  // A day has many counters per session: its terminal row is looked up once per session.
  const sessionTerminals = new Map<string, DailyMetrics>();
  const terminalOfSession = (sessionId: string, ref: UserRef) => {
    let metrics = sessionTerminals.get(sessionId);
    if (!metrics) sessionTerminals.set(sessionId, (metrics = terminalRow(ref)));
    return metrics;
  };
  const loginRef = (login: string): UserRef => ({ userKey: login.toLowerCase(), githubLogin: login, email: null });

  for (const s of input.subjects) {
    addSubject(org, s);
    addSubject(userRow(loginRef(s.authorLogin)), s);
    addSubject(repoRow(s.repository), s);
  }
  for (const o of input.opened) {
    if (o.authorIsBot) continue;
    org.pullRequestsOpened += 1;
    userRow(loginRef(o.authorLogin)).pullRequestsOpened += 1;
    repoRow(o.repository).pullRequestsOpened += 1;
  }

  // Requests, tokens and cost come from one source per session, so that a person-day has one row
  // per model: Claude Code's `api_request` events when the session sent any (they carry the
  // model, the tokens and the cost of every request), else its `cost.usage` / `token.usage`
  // metrics (no request counts). The two may name the model differently (the recorded CLI reports
  // the response's model in events and the configured one, e.g. `claude-opus-4-8[1m]`, in
  // metrics), and a session's metrics may be exported the day after its last request.
  const fromEvents = input.sessionsWithApiRequests ?? new Set(input.apiRequests.map((r) => r.sessionId));
  const activeUsers = new Set<string>();
  // The person's telemetry teams of the day: `userKey\u0000team` of each session that named one.
  const teams = new Set<string>();
  for (const c of input.telemetry) {
    const ref = input.userOfSession(c.sessionId);
    activeUsers.add(ref.userKey);
    if (ref.team) teams.add(`${ref.userKey}\u0000${ref.team}`);
    const user = userRow(ref);
    const terminal = terminalOfSession(c.sessionId, ref);
    const metric = COUNTER_METRICS.get(c.metric);
    if (metric) {
      org[metric] += c.value;
      user[metric] += c.value;
      terminal[metric] += c.value;
      continue;
    }
    const usage = !fromEvents.has(c.sessionId);
    // Model usage is kept per person; the org's totals need no model split here.
    addTelemetry(org, c, () => emptyModelUsage('', ''), usage);
    addTelemetry(user, c, (model) => modelUsage(ref.userKey, model), usage);
    addTelemetry(terminal, c, (model) => terminalModelUsage(ref, model), usage);
  }
  for (const r of input.apiRequests) {
    const ref = input.userOfSession(r.sessionId);
    activeUsers.add(ref.userKey);
    if (ref.team) teams.add(`${ref.userKey}\u0000${ref.team}`);
    addApiRequests(org, undefined, r);
    addApiRequests(userRow(ref), modelUsage(ref.userKey, r.model), r);
    addApiRequests(terminalOfSession(r.sessionId, ref), terminalModelUsage(ref, r.model), r);
  }
  for (const [userKey, counts] of terminals) {
    users.get(userKey)!.terminalType = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  }
  org.activeUsers = activeUsers.size;
  for (const key of activeUsers) users.get(key)!.metrics.activeUsers = 1;
  for (const t of terminalDays.values()) t.metrics.activeUsers = 1;

  const byUserAndModel = (a: ModelUsage, b: ModelUsage) => a.userKey.localeCompare(b.userKey) || a.model.localeCompare(b.model);
  return {
    org,
    users,
    repositories,
    models: [...models.values()].sort(byUserAndModel),
    terminals: [...terminalDays.values()],
    teams: boundedTeams(teams),
    terminalModels: [...terminalModels.values()].sort((a, b) => byUserAndModel(a, b) || a.terminalType.localeCompare(b.terminalType) || Number(a.isRemote) - Number(b.isRemote)),
  };
}
