import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebSession, findWebSession, purgeExpiredWebSessions, SESSION_TTL_MS } from '../../src/db/web-sessions.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

describe('web sessions', () => {
  it('live for twelve hours, found by the id the cookie holds, stored only as its hash', async () => {
    const { db } = t;
    const start = new Date('2026-11-21T08:00:00Z');
    const { id } = await createWebSession(db, { login: 'dana', id: 9001 }, start);
    expect(await findWebSession(db, id, new Date(start.getTime() + SESSION_TTL_MS - 1))).toMatchObject({ githubLogin: 'dana', githubUserId: 9001 });
    expect(await findWebSession(db, id, new Date(start.getTime() + SESSION_TTL_MS))).toBeUndefined();
    expect(await findWebSession(db, `${id}x`, start)).toBeUndefined();
    const stored = await db.all(sql`SELECT * FROM web_sessions`);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(id);
  });

  it('ended sessions are purged, live ones kept', async () => {
    const { db } = t;
    await createWebSession(db, { login: 'old', id: 1 }, new Date('2026-11-20T00:00:00Z'));
    const live = await createWebSession(db, { login: 'new', id: 2 }, new Date('2026-11-21T07:00:00Z'));
    expect(await purgeExpiredWebSessions(db, new Date('2026-11-21T08:00:00Z'))).toBe(1);
    expect((await findWebSession(db, live.id, new Date('2026-11-21T08:00:00Z')))?.githubLogin).toBe('new');
  });
});
