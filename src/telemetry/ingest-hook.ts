import { casedEffectiveLines, excludedFileReason } from '../attribution/effective-lines.js';
import { fingerprintLines } from '../attribution/line-fingerprint.js';
import type { Db } from '../db/client.js';
import type { Tx } from '../db/github-activity.js';
import { markIngestTokenUsed, type IngestToken } from '../db/ingest-tokens.js';
import {
  addSessionCommit,
  addSessionLineFingerprints,
  addSessionPullRequest,
  applyHookCallOnce,
  recordSession,
  sessionWorkingDirectory,
} from '../db/telemetry-store.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { gitOperationOf, writtenFile, type HookCall } from './hook-call.js';

export interface HookIngestResult {
  applied: boolean;
  /** Effective lines fingerprinted from this call. */
  lines: number;
  commit?: string | undefined;
  pullRequest?: string | undefined;
}

/**
 * Applies one PostToolUse hook call: the written lines become fingerprints (with the same
 * normalization as the PR side) and the code is dropped here; Bash calls link the session to the
 * commit and pull request it made. A call repeated with the same `tool_use_id` counts once.
 */
export function ingestHookCall(
  db: Db,
  { token, call, fingerprintKey, now }: { token: IngestToken; call: HookCall; fingerprintKey: string; now: Date },
): HookIngestResult {
  const nowIso = now.toISOString();
  // Paths are kept relative to the working directory the session started in, even when a later
  // call reports another (a `cd`), so that one session's paths all share one base.
  const cwd = sessionWorkingDirectory(db, token.org, call.session_id) ?? call.cwd;
  const file = writtenFile({ ...call, cwd });
  const lines = file && !excludedFileReason(file.path) ? casedEffectiveLines(file.lines) : [];
  const git = gitOperationOf(call);

  const apply = (tx: Tx) => {
    recordSession(db, {
      id: call.session_id,
      org: token.org,
      seenAt: nowIso,
      cwd,
      githubLogin: token.githubLogin ?? undefined,
    });
    if (file && lines.length > 0) {
      addSessionLineFingerprints(db, {
        sessionId: call.session_id,
        path: file.path,
        org: token.org,
        writtenAt: nowIso,
        ...fingerprintLines(fingerprintKey, lines),
      });
    }
    if (git.commitSha) {
      addSessionCommit(db, { sessionId: call.session_id, sha: git.commitSha, org: token.org, source: 'hook', seenAt: nowIso });
      // GitHub may already know this commit and its author.
      learnIdentityLinks(tx, token.org, { sessionIds: [call.session_id] }, nowIso);
    }
    if (git.pullRequest) addSessionPullRequest(tx, { sessionId: call.session_id, ...git.pullRequest, org: token.org, seenAt: nowIso });
    markIngestTokenUsed(tx, token, nowIso);
  };

  const applied = call.tool_use_id
    ? applyHookCallOnce(db, { org: token.org, toolUseId: call.tool_use_id, sessionId: call.session_id, toolName: call.tool_name ?? '', receivedAt: nowIso }, apply)
    : db.transaction((tx) => {
        apply(tx);
        return true;
      });

  return {
    applied,
    lines: lines.length,
    commit: git.commitSha,
    pullRequest: git.pullRequest ? `${git.pullRequest.repository}#${git.pullRequest.number}` : undefined,
  };
}
