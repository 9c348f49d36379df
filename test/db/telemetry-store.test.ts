import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSessionCommit } from '../../src/db/telemetry-store.js';
import { createTestDb } from '../helpers/test-db.js';

let t: ReturnType<typeof createTestDb>;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const shas = () => t.db.$client.prepare('SELECT session_id AS s, sha FROM session_commits ORDER BY s, sha').all();
const add = (sessionId: string, sha: string, source: 'hook' | 'event') =>
  addSessionCommit(t.db, { sessionId, sha, org: 'acme', source, seenAt: '2026-11-21T00:00:00Z' });

describe('addSessionCommit', () => {
  const full = 'e9c96525daccab1a6acd00f05321f30e404b7c09';

  it('keeps one commit under its full sha when the hook reports it short first', () => {
    add('s1', 'e9c9652', 'hook');
    add('s1', full, 'event');
    expect(shas()).toEqual([{ s: 's1', sha: full }]);
  });

  it('ignores the short sha when the full one is known', () => {
    add('s1', full, 'event');
    add('s1', 'e9c9652', 'hook');
    expect(shas()).toEqual([{ s: 's1', sha: full }]);
  });

  it('keeps different commits and other sessions apart', () => {
    add('s1', 'e9c9652', 'hook');
    add('s1', 'e9c9653', 'hook');
    add('s2', full, 'event');
    expect(shas()).toEqual([
      { s: 's1', sha: 'e9c9652' },
      { s: 's1', sha: 'e9c9653' },
      { s: 's2', sha: full },
    ]);
  });
});
