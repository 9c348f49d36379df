import type { SessionFacts } from '../attribution/attribute-pull-request.js';
import { remoteCommitSignal } from '../attribution/claude-code-markers.js';
import type { SessionWhereabouts } from '../attribution/session-workspace.js';
import type { Db } from '../db/client.js';
import { resolveGitHubLogins } from '../db/identity-links.js';
import {
  eachOrgSession,
  eachSessionTelemetryDay,
  orgRepositoryNames,
  sessionCommitMessages,
  sessionCommitPlaces,
  sessionLinks,
  sessionsWritten,
  type SubjectRow,
} from '../db/processing-inputs.js';
import type { UserRef } from './daily-rollup.js';
import { DEFAULT_PROCESSING_MEMORY } from './with-processing-memory.js';

/*
 * What processing knows about an org's sessions, kept compact (issue 21): at 10,000 developers a
 * window holds 540,000 sessions, and an object of facts and a user per session, with every
 * subject's set of related sessions beside them, held about 900 MB alive (2.3 GB of peak RSS).
 * Sessions are numbered in id order and their facts kept in arrays by number; the users, days
 * and working directories they share are kept once; a subject's related sessions are its author's
 * list (shared by all their subjects) and the few its commits and PR link, found when asked. What
 * sessions wrote is read on demand, and at most `writtenCacheLines` of it stays cached.
 */

/** A session's number in the index (its place in id order). */
export type SessionNumber = number;

const NO_SESSIONS: readonly SessionNumber[] = Object.freeze([]);

function unlinkedKey(s: { userEmail: string | null; userAccountUuid: string | null; userId: string | null }): string {
  if (s.userEmail) return `unlinked:${s.userEmail}`;
  if (s.userAccountUuid) return `unlinked:account:${s.userAccountUuid}`;
  if (s.userId) return `unlinked:user:${s.userId}`;
  return 'unlinked';
}

/** One copy of each equal string (days, directories, logins repeat across sessions). */
class Strings {
  readonly #seen = new Map<string, string>();
  of(s: string): string;
  of(s: string | null): string | null;
  of(s: string | null): string | null {
    if (s === null) return null;
    const known = this.#seen.get(s);
    if (known !== undefined) return known;
    this.#seen.set(s, s);
    return s;
  }
}

/** A cached session's lines and, once asked, where it worked (evicted together). */
interface Written {
  written: SessionFacts['written'];
  lines: number;
  whereabouts?: SessionWhereabouts;
}

export class SessionIndex {
  readonly #ids: string[] = [];
  readonly #numberOf = new Map<string, SessionNumber>();
  /** Per session: its user (an index into `#users`), its active days (shared arrays), its working directory. */
  readonly #user: number[] = [];
  readonly #activeDays: (readonly string[])[] = [];
  readonly #cwd: (string | null)[] = [];
  readonly #users: UserRef[] = [];
  /** Sessions that reported commits or PRs: their shas and `owner/repo#number`s. */
  #commitShas = new Map<string, string[]>();
  #pullRequests = new Map<string, string[]>();
  readonly #byLogin = new Map<string, SessionNumber[]>();
  readonly #byShaPrefix = new Map<string, SessionNumber[]>();
  readonly #byPullRequest = new Map<string, SessionNumber[]>();
  /** Per subject, the sessions related through its commits or PR (not its author's), when there are any. */
  readonly #linked = new Map<SubjectRow, SessionNumber[]>();
  readonly #written = new Map<SessionNumber, Written>();
  #cachedLines = 0;
  #repositoryNames: ReadonlySet<string> = new Set();

  constructor(
    private readonly db: Db,
    private readonly org: string,
    /** Session lines kept cached at most (`PROCESSING_SESSION_LINES_CACHE`). */
    readonly writtenCacheLines = DEFAULT_PROCESSING_MEMORY.sessionLinesCache,
  ) {}

  get size(): number {
    return this.#ids.length;
  }

  /** Reads the sessions seen between `fromDay` and `toDay`: the widest window any subject of the run can look at. */
  async load(fromDay: string, toDay: string): Promise<this> {
    const { db, org } = this;
    const strings = new Strings();
    this.#repositoryNames = new Set(await orgRepositoryNames(db, org));
    const links = await sessionLinks(db, { org, fromDay, toDay });
    this.#commitShas = links.commits;
    this.#pullRequests = links.pullRequests;
    // A session whose commits carry Claude Code on the web's markers ran remotely.
    const remote = new Set((await sessionCommitMessages(db, { org, fromDay, toDay })).filter((c) => remoteCommitSignal(c) !== null).map((c) => c.sessionId));
    // Sessions in id order; what makes their user is kept once per distinct combination (a person's
    // sessions share it), and logins are resolved once per identity rather than per session.
    const kinds = new Map<string, number>();
    const kindRows: { githubLogin: string | null; userEmail: string | null; userAccountUuid: string | null; userId: string | null; terminalType: string | null; team: string | null; isRemote: boolean }[] = [];
    const firstLast: string[] = [];
    await eachOrgSession(db, { org, fromDay, toDay }, (s) => {
      const n = this.#ids.length;
      this.#ids.push(s.id);
      this.#numberOf.set(s.id, n);
      const isRemote = remote.has(s.id);
      const key = JSON.stringify([s.githubLogin, s.userEmail, s.userAccountUuid, s.userId, s.terminalType, s.team, isRemote]);
      let kind = kinds.get(key);
      if (kind === undefined) {
        kinds.set(key, (kind = kindRows.length));
        kindRows.push({ githubLogin: s.githubLogin, userEmail: s.userEmail, userAccountUuid: s.userAccountUuid, userId: s.userId, terminalType: s.terminalType, team: s.team, isRemote });
      }
      this.#user.push(kind);
      this.#cwd.push(strings.of(s.cwd));
      firstLast.push(strings.of(s.firstSeenAt.slice(0, 10)), strings.of(s.lastSeenAt.slice(0, 10)));
    });
    const identities = new Map<string, number>();
    const identityList: { email: string | null; accountUuid: string | null; userId: string | null }[] = [];
    const identityOfKind = kindRows.map((k) => {
      const key = `${k.userEmail}|${k.userAccountUuid}|${k.userId}`;
      let i = identities.get(key);
      if (i === undefined) {
        identities.set(key, (i = identityList.length));
        identityList.push({ email: k.userEmail, accountUuid: k.userAccountUuid, userId: k.userId });
      }
      return i;
    });
    const logins = await resolveGitHubLogins(db, org, identityList);
    for (const [i, k] of kindRows.entries()) {
      const login = k.githubLogin ?? logins[identityOfKind[i]!]?.githubLogin ?? null;
      const who = login ? { userKey: login.toLowerCase(), githubLogin: login } : { userKey: unlinkedKey(k), githubLogin: null };
      this.#users.push({ ...who, email: k.userEmail, terminalType: k.terminalType, isRemote: k.isRemote, signedIn: k.userAccountUuid !== null, team: k.team });
    }
    // Active days: those with telemetry, and the days first and last seen, in order.
    const telemetryDays: (string[] | undefined)[] = new Array(this.#ids.length);
    await eachSessionTelemetryDay(db, { org, fromDay, toDay }, (sessionId, day) => {
      const n = this.#numberOf.get(sessionId);
      if (n === undefined) return;
      (telemetryDays[n] ??= []).push(strings.of(day));
    });
    const dayLists = new Map<string, readonly string[]>();
    for (let n = 0; n < this.#ids.length; n++) {
      const days = new Set(telemetryDays[n]);
      days.add(firstLast[2 * n]!);
      days.add(firstLast[2 * n + 1]!);
      const sorted = [...days].sort();
      const key = sorted.join();
      let shared = dayLists.get(key);
      if (!shared) dayLists.set(key, (shared = Object.freeze(sorted)));
      this.#activeDays.push(shared);
      telemetryDays[n] = undefined;
    }
    for (let n = 0; n < this.#ids.length; n++) {
      const login = this.#users[this.#user[n]!]!.githubLogin;
      if (login) push(this.#byLogin, login.toLowerCase(), n);
      const id = this.#ids[n]!;
      for (const sha of this.#commitShas.get(id) ?? []) push(this.#byShaPrefix, sha.slice(0, 7), n);
      for (const pr of this.#pullRequests.get(id) ?? []) push(this.#byPullRequest, pr, n);
    }
    return this;
  }

  idOf(n: SessionNumber): string {
    return this.#ids[n]!;
  }

  numberOf(sessionId: string): SessionNumber | undefined {
    return this.#numberOf.get(sessionId);
  }

  userOf(sessionId: string): UserRef {
    const n = this.#numberOf.get(sessionId);
    return n !== undefined ? this.#users[this.#user[n]!]! : { userKey: 'unlinked', githubLogin: null, email: null };
  }

  /** Whether the session was active on a day in [fromDay, toDay]. */
  activeIn(n: SessionNumber, fromDay: string, toDay: string): boolean {
    return this.#activeDays[n]!.some((d) => d >= fromDay && d <= toDay);
  }

  hasCommits(n: SessionNumber): boolean {
    return this.#commitShas.has(this.#ids[n]!);
  }

  /** Facts of a session without what it wrote. */
  facts(n: SessionNumber): Omit<SessionFacts, 'written'> {
    const id = this.#ids[n]!;
    return {
      id,
      githubLogin: this.#users[this.#user[n]!]!.githubLogin,
      activeDays: this.#activeDays[n] as string[],
      commitShas: this.#commitShas.get(id) ?? [],
      pullRequests: this.#pullRequests.get(id) ?? [],
    };
  }

  /** Whether any session of the window reported a commit or a PR (else no subject has sessions linked beyond its author's). */
  get reportsLinks(): boolean {
    return this.#byShaPrefix.size > 0 || this.#byPullRequest.size > 0;
  }

  /**
   * Notes the sessions linked to each subject through its commits (`commitShasOf`: PR id → shas)
   * or its PR, beyond its author's: what `relatedTo` answers without the shas at hand.
   */
  linkSubjects(subjects: readonly SubjectRow[], commitShasOf: ReadonlyMap<number, string[]>): void {
    if (!this.reportsLinks) return;
    for (const subject of subjects) {
      const shas = subject.pullRequestId !== null ? (commitShasOf.get(subject.pullRequestId) ?? []) : [subject.sha!];
      const linked = this.#linkedTo(subject, shas);
      if (linked.length > 0) this.#linked.set(subject, linked);
    }
  }

  #linkedTo(subject: SubjectRow, commitShas: readonly string[]): SessionNumber[] {
    const linked: SessionNumber[] = [];
    for (const sha of commitShas) for (const n of this.#byShaPrefix.get(sha.slice(0, 7)) ?? []) linked.push(n);
    if (subject.number !== null) for (const n of this.#byPullRequest.get(`${subject.repository}#${subject.number}`) ?? []) linked.push(n);
    return linked;
  }

  /**
   * The sessions related to a subject linked by `linkSubjects` (its author's, then those linked to
   * its commits or PR), active or not, possibly with repeats. Its author's list is shared: not to be changed.
   */
  relatedTo(subject: SubjectRow): readonly SessionNumber[] {
    const own = this.#byLogin.get(subject.authorLogin.toLowerCase()) ?? NO_SESSIONS;
    const linked = this.#linked.get(subject);
    return linked ? [...own, ...linked] : own;
  }

  /**
   * Sessions that may be candidates for a subject: related to it (its author's, and those linked
   * to it or its commits) and active in the window (the attribution applies the exact rules).
   * What they wrote is loaded only for these.
   */
  async candidatesFor(subject: SubjectRow, commitShas: string[], fromDay: string, toDay: string): Promise<SessionFacts[]> {
    const related = new Set<SessionNumber>(this.#byLogin.get(subject.authorLogin.toLowerCase()) ?? NO_SESSIONS);
    for (const n of this.#linkedTo(subject, commitShas)) related.add(n);
    const active = [...related].filter((n) => this.activeIn(n, fromDay, toDay));
    await this.#readWritten(active);
    const out: SessionFacts[] = [];
    for (const n of active) {
      const cached = this.#cached(n) ?? this.#remember(n, (await sessionsWritten(this.db, this.org, [this.#ids[n]!])).get(this.#ids[n]!) ?? []);
      cached.whereabouts ??= await this.#whereabouts(n);
      out.push({ ...this.facts(n), written: cached.written, whereabouts: cached.whereabouts });
    }
    return out;
  }

  /** Where a session worked: its working directory, and the repositories its commits and PRs landed in. */
  async #whereabouts(n: SessionNumber): Promise<SessionWhereabouts> {
    const id = this.#ids[n]!;
    const pullRequests = this.#pullRequests.get(id) ?? [];
    const repositories = new Set(pullRequests.map((pr) => pr.slice(0, pr.lastIndexOf('#'))));
    const commitPaths = new Map<string, string[]>();
    if (this.#commitShas.has(id)) {
      for (const { repository, path } of await sessionCommitPlaces(this.db, this.org, id)) {
        repositories.add(repository);
        let paths = commitPaths.get(repository);
        if (!paths) commitPaths.set(repository, (paths = []));
        if (path !== null) paths.push(path);
      }
    }
    return { cwd: this.#cwd[n] ?? null, repositories: [...repositories], commitPaths, orgRepositoryNames: this.#repositoryNames };
  }

  /** Reads what the sessions not cached yet wrote, in one statement, into the cache. */
  async #readWritten(sessions: SessionNumber[]): Promise<void> {
    const missing = sessions.filter((n) => !this.#written.has(n));
    if (missing.length === 0) return;
    const read = await sessionsWritten(this.db, this.org, missing.map((n) => this.#ids[n]!));
    for (const n of missing) this.#remember(n, read.get(this.#ids[n]!) ?? []);
  }

  #cached(n: SessionNumber): Written | undefined {
    const w = this.#written.get(n);
    if (w) {
      // Most recently used last, so eviction drops the sessions not needed for longest.
      this.#written.delete(n);
      this.#written.set(n, w);
    }
    return w;
  }

  #remember(n: SessionNumber, written: SessionFacts['written']): Written {
    const entry: Written = { written, lines: lineCount(written) };
    this.#written.delete(n);
    this.#written.set(n, entry);
    this.#cachedLines += entry.lines;
    // Bounded by fingerprints held: sessions repeat across a person's PRs, but an org has too many to keep all.
    for (const [old, w] of this.#written) {
      if (this.#cachedLines <= this.writtenCacheLines || old === n) break;
      this.#written.delete(old);
      this.#cachedLines -= w.lines;
    }
    return entry;
  }
}

function lineCount(files: SessionFacts['written']): number {
  let n = 0;
  for (const f of files) n += f.fingerprints.size;
  return n;
}

function push<K, T>(map: Map<K, T[]>, key: K, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
