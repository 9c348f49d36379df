import { setImmediate as nextTurn } from 'node:timers/promises';
import { casedLine, effectiveLine, excludedFileReason } from '../attribution/effective-lines.js';
import { LineFingerprintTally } from '../attribution/line-fingerprint.js';
import type { Db, Tx } from '../db/client.js';
import { markIngestTokenUsed, type IngestToken } from '../db/ingest-tokens.js';
import {
  addSessionCommit,
  addSessionLineFingerprints,
  addSessionPullRequest,
  applyHookCallOnce,
  recordSession,
  sessionsWithNewFacts,
  sessionWorkingDirectory,
} from '../db/telemetry-store.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { linesMarkKey, markForProcessing, type Mark } from '../db/processing-marks.js';
import { gitOperationOf, writtenFile, type HookCall, type WrittenFile } from './hook-call.js';

export interface HookIngestResult {
  applied: boolean;
  /** Effective lines fingerprinted from this call. */
  lines: number;
  commit?: string | undefined;
  pullRequest?: string | undefined;
}

/** Lines normalized and fingerprinted between two yields to the event loop (a few milliseconds of work). */
export const HOOK_LINES_PER_TURN = 2_000;

/** A hook call with its per-line work done, ready for `applyHookCall`'s one short transaction. */
export interface PreparedHookCall {
  token: IngestToken;
  call: HookCall;
  /** The working directory paths were made relative to (the session's first one). */
  cwd: string | undefined;
  file: WrittenFile | null;
  /** Effective lines fingerprinted. */
  lines: number;
  tally: LineFingerprintTally | undefined;
}

/**
 * The per-line work of a hook call (spec: Attribution, "Effective lines"): which lines count, their
 * normalized form, fingerprint and sketch. A generator that yields every `HOOK_LINES_PER_TURN`
 * lines, so the server can let other requests run in between (`prepareHookCall`) while a test or
 * script can run it straight through (`ingestHookCall`); both give the same result.
 */
function* hookCallWork(
  { token, call, cwd }: { token: IngestToken; call: HookCall; cwd: string | undefined },
  fingerprintKey: string,
): Generator<void, PreparedHookCall> {
  const file = writtenFile({ ...call, cwd });
  const written = file && !excludedFileReason(file.path) ? file.lines : [];
  let lines = 0;
  let tally: LineFingerprintTally | undefined;
  for (let from = 0; from < written.length; from += HOOK_LINES_PER_TURN) {
    if (from > 0) yield;
    const to = Math.min(from + HOOK_LINES_PER_TURN, written.length);
    for (let i = from; i < to; i++) {
      const raw = written[i]!;
      if (effectiveLine(raw) === null) continue;
      tally ??= new LineFingerprintTally(fingerprintKey);
      // Fingerprinted lowercased, sketched in its case, which splits names into their parts.
      tally.add(casedLine(raw));
      lines++;
    }
  }
  return { token, call, cwd, file, lines, tally };
}

function runThrough<T>(work: Generator<void, T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/**
 * The working directory a call's paths are made relative to: the one the session started in, even
 * when a later call reports another (a `cd`), so that one session's paths all share one base.
 */
async function sessionBase(db: Db, token: IngestToken, call: HookCall): Promise<string | undefined> {
  return (await sessionWorkingDirectory(db, token.org, call.session_id)) ?? call.cwd;
}

/** `hookCallWork` with a turn of the event loop between pieces, so one large call does not hold up other requests. */
export async function prepareHookCall(
  db: Db,
  { token, call, fingerprintKey }: { token: IngestToken; call: HookCall; fingerprintKey: string },
): Promise<PreparedHookCall> {
  const work = hookCallWork({ token, call, cwd: await sessionBase(db, token, call) }, fingerprintKey);
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/**
 * Stores a prepared hook call in one transaction: the written lines as fingerprints (the code is
 * dropped here); Bash calls link the session to the commit and pull request it made. A call
 * repeated with the same `tool_use_id` counts once. All its writes are one transaction, so
 * `writeWhenFree` can retry it whole.
 */
export async function applyHookCall(db: Db, prepared: PreparedHookCall, { fingerprintKey, now }: { fingerprintKey: string; now: Date }): Promise<HookIngestResult> {
  const { token, call } = prepared;
  // Another call of this session may have recorded its working directory while this one was being
  // prepared; paths must share that base, so the (rare) call is prepared again against it.
  const sessionCwd = await sessionBase(db, token, call);
  const { cwd, file, lines, tally } = sessionCwd === prepared.cwd ? prepared : runThrough(hookCallWork({ token, call, cwd: sessionCwd }, fingerprintKey));
  const nowIso = now.toISOString();
  const git = gitOperationOf(call);

  const apply = async (tx: Tx) => {
    const day = nowIso.slice(0, 10);
    // A commit or a PR can change which PRs count the session, and so can a session new to the
    // store or one now somewhere else. Lines written alone can change only the PRs with a file at
    // that path (a `lines` mark).
    const linesKey = file && tally ? linesMarkKey(call.session_id, file.path) : null;
    const newFacts =
      Boolean(git.commitSha || git.pullRequest) ||
      Boolean(file && tally && linesKey === null) ||
      (await sessionsWithNewFacts(tx, token.org, [{ id: call.session_id, days: [day], cwd, githubLogin: token.githubLogin ?? undefined }])).size > 0;
    await recordSession(tx, {
      id: call.session_id,
      org: token.org,
      seenAt: nowIso,
      cwd,
      githubLogin: token.githubLogin ?? undefined,
    });
    if (file && tally) {
      await addSessionLineFingerprints(tx, {
        sessionId: call.session_id,
        path: file.path,
        org: token.org,
        writtenAt: nowIso,
        fingerprints: tally.fingerprints,
        sketches: tally.sketches,
      });
    }
    if (git.commitSha) {
      await addSessionCommit(tx, { sessionId: call.session_id, sha: git.commitSha, org: token.org, source: 'hook', seenAt: nowIso });
      // GitHub may already know this commit and its author.
      await learnIdentityLinks(tx, token.org, { sessionIds: [call.session_id] }, nowIso);
    }
    if (git.pullRequest) await addSessionPullRequest(tx, { sessionId: call.session_id, ...git.pullRequest, org: token.org, seenAt: nowIso });
    await markIngestTokenUsed(tx, token, nowIso);
    const sessionMark: Mark[] = newFacts
      ? [{ org: token.org, kind: 'session', key: call.session_id, day }]
      : linesKey !== null
        ? [{ org: token.org, kind: 'lines', key: linesKey, day }]
        : [];
    await markForProcessing(tx, [...sessionMark, { org: token.org, kind: 'day', key: day, day }], nowIso);
  };

  const applied = call.tool_use_id
    ? await applyHookCallOnce(db, { org: token.org, toolUseId: call.tool_use_id, sessionId: call.session_id, toolName: call.tool_name ?? '', receivedAt: nowIso }, apply)
    : await db.transaction(async (tx) => {
        await apply(tx);
        return true;
      });

  return {
    applied,
    lines,
    commit: git.commitSha,
    pullRequest: git.pullRequest ? `${git.pullRequest.repository}#${git.pullRequest.number}` : undefined,
  };
}

/** Prepares and applies one PostToolUse hook call at once (`prepareHookCall` then `applyHookCall`, without yielding). */
export async function ingestHookCall(
  db: Db,
  { token, call, fingerprintKey, now }: { token: IngestToken; call: HookCall; fingerprintKey: string; now: Date },
): Promise<HookIngestResult> {
  const prepared = runThrough(hookCallWork({ token, call, cwd: await sessionBase(db, token, call) }, fingerprintKey));
  return applyHookCall(db, prepared, { fingerprintKey, now });
}
