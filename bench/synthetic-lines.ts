import { encodeSketch } from '../src/attribution/line-sketch.js';
import type { OrgSize } from './processing.js';

/*
 * The synthetic org's lines (bench/processing-child.ts): what each Claude Code session wrote, and
 * each line's tokens and sketch. Shared by the generator and the child process that writes the
 * session lines beside it.
 */

/** The generator's seed, and the step of its PRNG (mulberry32). */
export const SEED = 0x5eed;
const STEP = 0x6d2b79f5;

/** mulberry32's output for the state `s` (the state after its step). */
function mulberry(s: number): number {
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The generator's PRNG: a small deterministic one, so every run generates the same org. Its state
 * only counts steps, so the n-th number drawn is known without drawing the ones before it
 * (`randomAt`, `skip`).
 */
export function createRandom(seed = SEED) {
  let state = seed;
  return {
    next(): number {
      state = (state + STEP) | 0;
      return mulberry(state);
    },
    /** Moves on by `draws` numbers, as drawing them would. */
    skip(draws: number): void {
      state = (state + Math.imul(draws, STEP)) | 0;
    },
  };
}

/** The `draw`-th number (from 1) drawn from a PRNG seeded with `seed`. */
const randomAt = (draw: number, seed = SEED) => mulberry((seed + Math.imul(draw, STEP)) | 0);

// Synthetic lines for the similarity match: each line's tokens follow from its fingerprint (so the
// PR side can rebuild what a session wrote without keeping 5 million lines in memory), drawn from
// a vocabulary shaped like code: many one-character tokens (punctuation, digits) and words of 2-12
// letters. The token hashes are random, as keyed hashes look to whoever has no key.
export function lineRandom(fp: number): () => number {
  let state = (fp % 4294967296) ^ Math.floor(fp / 4294967296);
  return () => mulberry((state = (state + STEP) | 0));
}
const VOCABULARY = (() => {
  const r = lineRandom(0x70c4b);
  const symbols = Array.from({ length: 40 }, () => ({ hash: Math.floor(r() * 65536), length: 1 }));
  const words = Array.from({ length: 4000 }, () => ({ hash: Math.floor(r() * 65536), length: 2 + Math.floor(r() * 11) }));
  return { symbols, words };
})();
function lineTokens(fp: number): { hash: number; length: number }[] {
  const r = lineRandom(fp);
  const n = 4 + Math.floor(r() * 12);
  return Array.from({ length: n }, () => (r() < 0.55 ? VOCABULARY.symbols[Math.floor(r() * 40)]! : VOCABULARY.words[Math.floor(r() * 4000)]!));
}
export const sketchOf = (fp: number) => encodeSketch(lineTokens(fp));
/** A line a person edited: one token of it replaced (most stay within 20%, long words in short lines do not). */
export function editedSketch(fp: number): Uint8Array {
  const tokens = lineTokens(fp);
  const r = lineRandom(fp + 1);
  const at = Math.floor(r() * tokens.length);
  tokens[at] = tokens[at]!.length === 1 ? VOCABULARY.symbols[Math.floor(r() * 40)]! : VOCABULARY.words[Math.floor(r() * 4000)]!;
  return encodeSketch(tokens);
}
/** About one line in seven that a PR takes from Claude Code was edited by a person first. */
export const isEdited = (fp: number) => lineRandom(fp + 2)() < 0.15;

export const FILES_PER_PR = 3;
/** 60% of developers use Claude Code. */
export const claudeUser = (dev: number) => dev % 10 < 6;

/**
 * The org's Claude Code sessions: one per Claude-using developer and day (`s-<developer>-<day>`),
 * writing into the files PRs will touch. They are the generator's first draws: day by day, each
 * Claude user in turn, each of a session's three files its fingerprints, then its folder and name.
 */
export function sessionLines(size: OrgSize) {
  const claudeUsers = Math.floor(size.developers / 10) * 6 + Math.min(6, size.developers % 10);
  const sessionsPerDay = size.developers * 0.6;
  const linesPerSession = Math.max(1, Math.round(size.sessionLines / (sessionsPerDay * size.days)));
  const linesPerFile = Math.ceil(linesPerSession / FILES_PER_PR);
  const drawsPerFile = linesPerFile + 2;
  /** What developer `dev`'s session of day `dayIndex` wrote: its files in the order written, each line's fingerprint in the order drawn. */
  const files = (dev: number, dayIndex: number): { path: string; fps: number[] }[] => {
    const session = dayIndex * claudeUsers + Math.floor(dev / 10) * 6 + (dev % 10);
    return Array.from({ length: FILES_PER_PR }, (_, f) => {
      const first = (session * FILES_PER_PR + f) * drawsPerFile;
      const fps = Array.from({ length: linesPerFile }, (_, j) => Math.floor(randomAt(first + j + 1) * 2 ** 48));
      const pick = (draw: number, n: number) => Math.floor(randomAt(first + linesPerFile + draw) * n);
      return { path: `src/module-${pick(1, 40)}/file-${pick(2, 20)}-${f}.ts`, fps };
    });
  };
  return { linesPerSession, files, draws: size.days * claudeUsers * FILES_PER_PR * drawsPerFile };
}
