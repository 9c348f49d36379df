import { describe, expect, it } from 'vitest';
import { createWebSession, findWebSession, purgeExpiredWebSessions, SESSION_TTL_MS } from '../../src/db/web-sessions.js';
import { createTestDb } from '../helpers/test-db.js';

describe('web sessions', () => {
  it('live for twelve hours, found by the id the cookie holds, stored only as its hash', () => {
    const { db } = createTestDb();
    const start = new Date('2026-11-21T08:00:00Z');
    const { id } = createWebSession(db, { login: 'dana', id: 9001 }, start);
    expect(findWebSession(db, id, new Date(start.getTime() + SESSION_TTL_MS - 1))).toMatchObject({ githubLogin: 'dana', githubUserId: 9001 });
    expect(findWebSession(db, id, new Date(start.getTime() + SESSION_TTL_MS))).toBeUndefined();
    expect(findWebSession(db, `${id}x`, start)).toBeUndefined();
    expect(JSON.stringify(db.$client.prepare('SELECT * FROM web_sessions').all())).not.toContain(id);
  });

  it('ended sessions are purged, live ones kept', () => {
    const { db } = createTestDb();
    createWebSession(db, { login: 'old', id: 1 }, new Date('2026-11-20T00:00:00Z'));
    const live = createWebSession(db, { login: 'new', id: 2 }, new Date('2026-11-21T07:00:00Z'));
    expect(purgeExpiredWebSessions(db, new Date('2026-11-21T08:00:00Z'))).toBe(1);
    expect(findWebSession(db, live.id, new Date('2026-11-21T08:00:00Z'))?.githubLogin).toBe('new');
  });
});
