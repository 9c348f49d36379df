/*
 * Each line Claude Code wrote matches at most one added line (spec: Attribution), across every PR
 * and direct push of the org, not only within one. Subjects are attributed in merge order; what a
 * subject's line matches took from a session is recorded (the consumption ledger), and a later
 * subject only matches what is left. This module is the pure half: the shape of a consumption and
 * an in-memory ledger; processing keeps the same records in the store.
 */

/** A line a session wrote (`path` as the session wrote it) that a subject's added lines matched, `lines` times. */
export interface ConsumedLine {
  sessionId: string;
  path: string;
  fingerprint: number;
  lines: number;
}

/**
 * What subjects merged before the one being attributed took from what a session wrote into one
 * file: fingerprint → lines. Asked only for the files of candidate sessions that meet a PR file.
 */
export type ConsumedBefore = (sessionId: string, path: string) => ReadonlyMap<number, number> | undefined;

const keyOf = (sessionId: string, path: string) => `${sessionId}\u0000${path}`;

/** An in-memory ledger: add each subject's consumption in merge order, ask it before the next subject. */
export class ConsumedLines {
  readonly #byFile = new Map<string, Map<number, number>>();

  add(lines: Iterable<ConsumedLine>): void {
    for (const { sessionId, path, fingerprint, lines: n } of lines) {
      const key = keyOf(sessionId, path);
      let perFile = this.#byFile.get(key);
      if (!perFile) this.#byFile.set(key, (perFile = new Map()));
      perFile.set(fingerprint, (perFile.get(fingerprint) ?? 0) + n);
    }
  }

  readonly before: ConsumedBefore = (sessionId, path) => this.#byFile.get(keyOf(sessionId, path));
}
