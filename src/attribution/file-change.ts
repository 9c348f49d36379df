import { addedLinesOfPatch, casedEffectiveLines, deletedLinesOfPatch, effectiveLines, excludedFileReason, type ExclusionReason } from './effective-lines.js';
import { fingerprintCounts, fingerprintLines } from './line-fingerprint.js';

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
  /**
   * Fingerprints of the effective lines the change deleted (its `-` lines), with their counts: a
   * later merge that deletes a line ends the life of the line an earlier PR added (spec: Outcomes,
   * "Durability"). Same normalization and key as added lines; empty when not asked for.
   */
  deletedFingerprints: Map<number, number>;
}

/**
 * Counts and fingerprints the effective added lines of one changed file, and (unless
 * `deletedLines` is false) its effective deleted lines; the code itself is dropped here.
 */
export function summarizeFileChange(file: FileChange, fingerprintKey: string, options: { deletedLines?: boolean } = {}): FileChangeSummary {
  const excludedReason = excludedFileReason(file.filename);
  const patchMissing = file.patch === undefined && file.additions > 0;
  const lines = excludedReason || file.patch === undefined ? [] : casedEffectiveLines(addedLinesOfPatch(file.patch));
  const { fingerprints, sketches } = fingerprintLines(fingerprintKey, lines);
  // An excluded file's added lines are never counted, so the lines it deletes end no counted life.
  const deletedFingerprints =
    options.deletedLines === false || excludedReason || file.patch === undefined
      ? new Map<number, number>()
      : fingerprintCounts(fingerprintKey, effectiveLines(deletedLinesOfPatch(file.patch)));
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
    deletedFingerprints,
  };
}
