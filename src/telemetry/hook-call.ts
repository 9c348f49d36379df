import { posix } from 'node:path';
import { z } from 'zod';
import { normalizeLine } from '../attribution/effective-lines.js';
import { MAX_DIMENSION_LENGTH, MAX_ID_LENGTH, MAX_PATH_LENGTH, MAX_URL_LENGTH } from './ingest-bounds.js';

/*
 * Claude Code's PostToolUse hook call (spec: Inputs): what a tool wrote, and the commits and pull
 * requests a Bash command made. Only what is needed is read; the rest of the payload is ignored.
 */

const structuredPatch = z.array(z.object({ lines: z.array(z.string()) }).passthrough());

// Ids are matched on, so one too long is refused rather than truncated (README: Security).
export const hookCallSchema = z
  .object({
    session_id: z.string().min(1, 'must not be empty').max(MAX_ID_LENGTH),
    hook_event_name: z.string().max(MAX_DIMENSION_LENGTH),
    tool_name: z.string().max(MAX_DIMENSION_LENGTH).optional(),
    tool_use_id: z.string().max(MAX_ID_LENGTH).optional(),
    cwd: z.string().max(MAX_PATH_LENGTH).optional(),
    tool_input: z.record(z.string(), z.unknown()).optional(),
    tool_response: z.unknown().optional(),
  })
  .passthrough();

export type HookCall = z.infer<typeof hookCallSchema>;

export interface WrittenFile {
  /** The file path relative to the session's working directory, or absolute (from `/`) outside it. */
  path: string;
  lines: string[];
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const splitLines = (text: string) => text.split(/\r?\n/);

function addedLinesOfStructuredPatch(value: unknown): string[] | undefined {
  const parsed = structuredPatch.safeParse(value);
  if (!parsed.success || parsed.data.length === 0) return undefined;
  return parsed.data.flatMap((hunk) => hunk.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
}

/**
 * The lines of `content` that were not in `before`: each line of the old file cancels one equal
 * line of the new one (compared after normalization, so a re-indented or re-quoted line is not new).
 */
function linesNewRelativeTo(content: string, before: string): string[] {
  const old = new Map<string, number>();
  for (const line of splitLines(before)) {
    const key = normalizeLine(line);
    old.set(key, (old.get(key) ?? 0) + 1);
  }
  return splitLines(content).filter((line) => {
    const key = normalizeLine(line);
    const left = old.get(key) ?? 0;
    if (left === 0) return true;
    old.set(key, left - 1);
    return false;
  });
}

/**
 * What a Write call put into the file that was not there before. A Write over an existing file
 * reports `type: "update"` with a structured patch and, in recent CLI versions, the file before
 * (`originalFile`); a new file reports `type: "create"` with `originalFile: null`. When the call
 * does not say what was there before, nothing counts: its lines cannot be told from the old ones.
 */
function linesOfWrite(content: string, response: Record<string, unknown>): string[] | null {
  const patched = addedLinesOfStructuredPatch(response.structuredPatch);
  if (patched) return patched;
  const original = response.originalFile;
  if (typeof original === 'string') return linesNewRelativeTo(content, original);
  if (response.type === 'create' || (response.type === undefined && original === null)) return splitLines(content);
  if (response.type === 'update' && Array.isArray(response.structuredPatch)) return []; // rewritten with the same content
  return null;
}

/**
 * Where a tool wrote, relative to the working directory; outside it, the absolute path (from `/`,
 * without a drive letter), so processing can tell the two apart when it places the file in a
 * repository.
 */
export function relativeFilePath(filePath: string, cwd: string | undefined): string {
  const normalized = filePath.replace(/\\/g, '/');
  const isAbsolute = posix.isAbsolute(normalized) || /^[a-z]:\//i.test(normalized);
  if (cwd) {
    const base = cwd.replace(/\\/g, '/').replace(/\/+$/, '');
    if (normalized.startsWith(`${base}/`)) return posix.normalize(normalized.slice(base.length + 1));
  }
  if (!isAbsolute) return posix.normalize(normalized);
  return posix.normalize(normalized.replace(/^([a-z]:)?\/+/i, '/'));
}

/** The lines a Write, Edit, MultiEdit or NotebookEdit call put into a file; null for other tools. */
export function writtenFile(call: HookCall): WrittenFile | null {
  const input = asRecord(call.tool_input);
  const response = asRecord(call.tool_response);
  const filePath = asString(input.file_path) ?? asString(input.notebook_path) ?? asString(response.filePath);
  if (!filePath || filePath.length > MAX_PATH_LENGTH) return null;
  const path = relativeFilePath(filePath, call.cwd);

  switch (call.tool_name) {
    case 'Write': {
      const content = asString(input.content) ?? asString(response.content);
      const lines = content === undefined ? null : linesOfWrite(content, response);
      return lines === null ? null : { path, lines };
    }
    case 'Edit': {
      const lines = addedLinesOfStructuredPatch(response.structuredPatch);
      if (lines) return { path, lines };
      const newString = asString(input.new_string);
      return newString === undefined ? null : { path, lines: splitLines(newString) };
    }
    case 'MultiEdit': {
      const lines = addedLinesOfStructuredPatch(response.structuredPatch);
      if (lines) return { path, lines };
      const edits = Array.isArray(input.edits) ? input.edits : [];
      return { path, lines: edits.flatMap((e) => splitLines(asString(asRecord(e).new_string) ?? '')) };
    }
    case 'NotebookEdit': {
      if (input.edit_mode === 'delete') return null;
      const source = asString(input.new_source);
      return source === undefined ? null : { path, lines: splitLines(source) };
    }
    default:
      return null;
  }
}

export interface GitOperation {
  commitSha?: string;
  pullRequest?: { repository: string; number: number; url: string };
}

/** The commit and pull request a Bash call reported (`tool_response.gitOperation`). */
export function gitOperationOf(call: HookCall): GitOperation {
  if (call.tool_name !== 'Bash') return {};
  const op = asRecord(asRecord(call.tool_response).gitOperation);
  const result: GitOperation = {};
  const sha = asString(asRecord(op.commit).sha);
  if (sha && /^[0-9a-f]{7,40}$/i.test(sha)) result.commitSha = sha.toLowerCase();
  const pr = asRecord(op.pr);
  const url = asString(pr.url);
  // A GitHub owner is at most 39 characters, a repository name 100; PR numbers are positive 32-bit integers.
  const match = url && url.length <= MAX_URL_LENGTH ? /^https?:\/\/[^/]+\/([^/]{1,39}\/[^/]{1,100})\/pull\/(\d{1,10})(?:[/?#]|$)/.exec(url) : null;
  if (url && match) {
    const number = typeof pr.number === 'number' ? pr.number : Number(match[2]);
    if (Number.isSafeInteger(number) && number > 0 && number <= 2_147_483_647) {
      result.pullRequest = { repository: match[1]!.toLowerCase(), number, url };
    }
  }
  return result;
}
