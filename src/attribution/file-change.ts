import { addedLinesOfPatch, casedEffectiveLines, excludedFileReason, type ExclusionReason } from './effective-lines.js';
import { fingerprintLines } from './line-fingerprint.js';

/** One file of a diff as GitHub's REST API describes it (`pulls.listFiles`, `repos.getCommit`). */
export interface FileChange {
  filename: string;
  previous_filename?: string | undefined;
  status: string;
  additions: number;
  deletions: number;
  patch?: string | undefined;
}

export interface FileChangeSummary {
  path: string;
  previousPath: string | null;
  status: string;
  additions: number;
  deletions: number;
  effectiveLines: number;
  excludedReason: ExclusionReason | null;
  /** GitHub leaves out the patch of large or binary files: their added lines cannot be fingerprinted. */
  patchMissing: boolean;
  fingerprints: Map<number, number>;
  /** Each fingerprint's keyed token sketch, for matching lines a person edited after Claude Code wrote them. */
  sketches: Map<number, Uint8Array>;
}

/** Counts and fingerprints the effective added lines of one changed file; the code itself is dropped here. */
export function summarizeFileChange(file: FileChange, fingerprintKey: string): FileChangeSummary {
  const excludedReason = excludedFileReason(file.filename);
  const patchMissing = file.patch === undefined && file.additions > 0;
  const lines = excludedReason || file.patch === undefined ? [] : casedEffectiveLines(addedLinesOfPatch(file.patch));
  const { fingerprints, sketches } = fingerprintLines(fingerprintKey, lines);
  return {
    path: file.filename,
    previousPath: file.previous_filename ?? null,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    effectiveLines: lines.length,
    excludedReason,
    patchMissing,
    fingerprints,
    sketches,
  };
}
