import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, isKeyCursor, isPullRequestCursor, pageOf } from '../../src/http/api/cursor-paging.js';

describe('cursor paging', () => {
  it('round-trips a sort key through an opaque cursor', () => {
    const cursor = encodeCursor(['2026-11-21T21:10:00.000Z', 7]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, isPullRequestCursor)).toEqual(['2026-11-21T21:10:00.000Z', 7]);
    expect(decodeCursor(undefined, isKeyCursor)).toBeUndefined();
  });

  it('calls anything else not a cursor', () => {
    expect(decodeCursor('garbage', isKeyCursor)).toBe('invalid');
    expect(decodeCursor(encodeCursor({ mergedAt: 5 }), isPullRequestCursor)).toBe('invalid');
    expect(decodeCursor(encodeCursor(['2026', 'a']), isPullRequestCursor)).toBe('invalid');
  });

  it('keeps a page of rows fetched with limit + 1 and points after its last row', () => {
    const rows = ['ann', 'bob', 'cy'];
    expect(pageOf(rows, 2, (r) => r)).toEqual({ rows: ['ann', 'bob'], hasMore: true, nextPage: encodeCursor('bob') });
    expect(pageOf(rows, 3, (r) => r)).toEqual({ rows, hasMore: false, nextPage: null });
    expect(pageOf([], 3, (r) => r)).toEqual({ rows: [], hasMore: false, nextPage: null });
  });
});
