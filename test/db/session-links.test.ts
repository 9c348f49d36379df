import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionsOfIdentities } from '../../src/db/incremental-inputs.js';
import { sessionCommitMessages, sessionLinks, sessionSpansOfIdentities } from '../../src/db/processing-inputs.js';
import { addSessionCommits, addSessionPullRequest, recordSession } from '../../src/db/telemetry-store.js';
import { storePushedCommit } from '../helpers/outcome-timelines.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/*
 * A run reads the links (commits, PRs) and the commit messages of the sessions it reads, those
 * seen in its window, not of every session the org ever had: at 10,000 developers the whole org's
 * links are millions of rows read for one day's run.
 */

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

describe('session links and commit messages: only the sessions seen in the window', () => {
  it('takes a session seen on any day of the window (one that began before it too), not one before or after it, nor another org', async () => {
    const db = t.db;
    // Shas whose first seven characters differ (a short sha matches every commit it is a prefix of).
    const full = (first: string) => first.repeat(40);
    const commits = { before: full('1'), spanning: full('2'), inside: full('3'), after: full('4'), other: full('5') };
    // Sessions of acme, and one of another org (globex) seen inside the window; the window is 2026-11-02..2026-11-05.
    const sessions = [
      { id: 's-before', org: 'acme', first: '2026-10-20T10:00:00.000Z', last: '2026-11-01T23:59:59.000Z', sha: commits.before, pr: 1 },
      { id: 's-spanning', org: 'acme', first: '2026-10-30T10:00:00.000Z', last: '2026-11-02T08:00:00.000Z', sha: commits.spanning, pr: 2 },
      { id: 's-inside', org: 'acme', first: '2026-11-05T22:00:00.000Z', last: '2026-11-05T23:00:00.000Z', sha: commits.inside, pr: 3 },
      { id: 's-after', org: 'acme', first: '2026-11-06T00:00:00.000Z', last: '2026-11-07T10:00:00.000Z', sha: commits.after, pr: 4 },
      { id: 's-other-org', org: 'globex', first: '2026-11-03T10:00:00.000Z', last: '2026-11-03T11:00:00.000Z', sha: commits.other, pr: 5 },
    ];
    for (const s of sessions) {
      await recordSession(db, { id: s.id, org: s.org, seenAt: s.first, githubLogin: 'dana' });
      await recordSession(db, { id: s.id, org: s.org, seenAt: s.last, githubLogin: 'dana' });
      // Two commits each (a short sha and another full one), to see a session's list kept whole.
      await addSessionCommits(db, [
        { sessionId: s.id, org: s.org, sha: s.sha.slice(0, 7), source: 'hook', seenAt: s.first },
        { sessionId: s.id, org: s.org, sha: `e${s.sha.slice(1)}`, source: 'hook', seenAt: s.first },
      ]);
      await db.transaction((tx) =>
        addSessionPullRequest(tx, { sessionId: s.id, org: s.org, repository: `${s.org}/widgets`, number: s.pr, url: `https://github.com/${s.org}/widgets/pull/${s.pr}`, seenAt: s.last }),
      );
      // GitHub knows each session's first commit (acme's repository; globex's in its own).
      const repository = s.org === 'acme' ? undefined : { id: 7002, owner: 'globex', name: 'widgets' };
      await storePushedCommit(db, { sha: s.sha, message: `Work of ${s.id}`, pushedAt: s.first, ...(repository ? { repository } : {}) });
    }

    const window = { org: 'acme', fromDay: '2026-11-02', toDay: '2026-11-05' };
    const links = await sessionLinks(db, window);
    expect(Object.fromEntries(links.commits)).toEqual({
      's-spanning': [commits.spanning.slice(0, 7), `e${commits.spanning.slice(1)}`],
      's-inside': [commits.inside.slice(0, 7), `e${commits.inside.slice(1)}`],
    });
    expect(Object.fromEntries(links.pullRequests)).toEqual({ 's-spanning': ['acme/widgets#2'], 's-inside': ['acme/widgets#3'] });

    const messages = await sessionCommitMessages(db, window);
    expect(messages.map((m) => [m.sessionId, m.message]).sort()).toEqual([
      ['s-inside', 'Work of s-inside'],
      ['s-spanning', 'Work of s-spanning'],
    ]);

    // The whole history as the window: every acme session, never globex's.
    const all = await sessionLinks(db, { org: 'acme', fromDay: '2026-01-01', toDay: '2026-12-31' });
    expect([...all.commits.keys()].sort()).toEqual(['s-after', 's-before', 's-inside', 's-spanning']);
    expect(all.pullRequests.get('s-before')).toEqual(['acme/widgets#1']);
    expect((await sessionCommitMessages(db, { org: 'acme', fromDay: '2026-01-01', toDay: '2026-12-31' })).map((m) => m.sessionId).sort()).toEqual([
      's-after',
      's-before',
      's-inside',
      's-spanning',
    ]);
  });
});

describe('the sessions of many identities at once (a full run checks its pending identity marks)', () => {
  it('answers for each identity what the one-identity read answers, per org, in one statement per org', async () => {
    const db = t.db;
    const sighting = (id: string, org: string, seenAt: string, who: { userEmail?: string; userAccountUuid?: string; userId?: string }) =>
      recordSession(db, { id, org, seenAt, ...who });
    await sighting('s-1', 'acme', '2026-11-01T10:00:00.000Z', { userEmail: 'Dana@Example.com', userAccountUuid: 'uuid-d' });
    await sighting('s-1', 'acme', '2026-11-03T10:00:00.000Z', {});
    await sighting('s-2', 'acme', '2026-11-02T10:00:00.000Z', { userEmail: 'dana@example.com' });
    await sighting('s-3', 'acme', '2026-11-04T10:00:00.000Z', { userId: 'u-7', userAccountUuid: 'uuid-d' });
    await sighting('s-4', 'acme', '2026-11-05T10:00:00.000Z', { userEmail: 'lee@example.com' });
    // Another org's session of the same email: never acme's.
    await sighting('s-9', 'globex', '2026-11-02T10:00:00.000Z', { userEmail: 'dana@example.com' });

    const marks = [
      { org: 'acme', key: 'email:dana@example.com' },
      { org: 'acme', key: 'account_uuid:uuid-d' },
      { org: 'acme', key: 'user_id:u-7' },
      { org: 'acme', key: 'email:nobody@example.com' },
      { org: 'acme', key: 'team:platform' },
      { org: 'globex', key: 'email:dana@example.com' },
    ];
    const spans = await sessionSpansOfIdentities(db, marks);
    const ids = (org: string, key: string) => (spans.get(`${org}\u0000${key}`) ?? []).map((s) => s.id);
    expect(ids('acme', 'email:dana@example.com')).toEqual(['s-1', 's-2']);
    expect(ids('acme', 'account_uuid:uuid-d')).toEqual(['s-1', 's-3']);
    expect(ids('acme', 'user_id:u-7')).toEqual(['s-3']);
    expect(ids('acme', 'email:nobody@example.com')).toEqual([]);
    expect(ids('acme', 'team:platform')).toEqual([]);
    expect(ids('globex', 'email:dana@example.com')).toEqual(['s-9']);
    expect(spans.get('acme\u0000email:dana@example.com')![0]).toEqual({ id: 's-1', firstSeenAt: '2026-11-01T10:00:00.000Z', lastSeenAt: '2026-11-03T10:00:00.000Z' });
    // The same as one identity at a time.
    for (const { org, key } of marks) expect(spans.get(`${org}\u0000${key}`) ?? []).toEqual(await sessionsOfIdentities(db, org, [key]));
  });
});
