import type { z } from '@hono/zod-openapi';

/*
 * Paging of the API's lists and the pages' tables: opaque cursors (the last row's sort key as
 * base64url JSON) and "fetch one more than the page, keep the page, the extra row says there is a
 * next one".
 */

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The cursor of a `page` parameter: undefined without one, 'invalid' when it is not one of ours. */
export function decodeCursor<T>(page: string | undefined, check: (v: unknown) => v is T): T | undefined | 'invalid' {
  if (page === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(page, 'base64url').toString('utf8'));
    return check(value) ? value : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** In a query schema's transform: the cursor of `page`, or an issue on `page` the validation hook answers with 400. */
export function cursorOf<T>(ctx: z.RefinementCtx, page: string | undefined, check: (v: unknown) => v is T, message = 'not a cursor from this API'): T | undefined {
  const after = decodeCursor(page, check);
  if (after !== 'invalid') return after;
  ctx.addIssue({ code: 'custom', path: ['page'], message });
  return undefined;
}

/** `rows` fetched with `limit + 1`: the page, and the cursor of its last row when more follow. */
export function pageOf<R>(rows: R[], limit: number, keyOf: (last: R) => unknown): { rows: R[]; hasMore: boolean; nextPage: string | null } {
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit && page.length > 0;
  return { rows: page, hasMore, nextPage: hasMore ? encodeCursor(keyOf(page.at(-1)!)) : null };
}

export const isKeyCursor = (v: unknown): v is string => typeof v === 'string';
/** A merged PR's place in merge order: [merged at, id]. */
export const isPullRequestCursor = (v: unknown): v is [string, number] => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number';
/** A record's place in the Claude Code usage report: [user key, terminal type, is remote (0 or 1)]. */
export const isPersonTerminalCursor = (v: unknown): v is [string, string, number] =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'string' && (v[2] === 0 || v[2] === 1);
