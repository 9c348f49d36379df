import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileLines } from '../../src/attribution/attribute-pull-request.js';
import { consumptionOfSessionFile, consumptionOfSessionFiles, replaceConsumption } from '../../src/db/consumed-session-lines.js';
import { markCommitEnriched, replaceChangedFiles, upsertCommit } from '../../src/db/github-activity.js';
import {
  addedLineSketches,
  directPushes,
  mergedPullRequests,
  pullRequestCommitShas,
  pullRequestCommitShasOf,
  readAskedSketches,
  readSketchesOf,
  sessionsWritten,
  StoredSketches,
  subjectCommits,
  subjectFiles,
  subjectInputsOf,
  type SubjectRow,
} from '../../src/db/processing-inputs.js';
import { pullRequestTimeline, pullRequestTimelinesOf, saveOutcomes, withCredit } from '../../src/db/pull-request-outcomes.js';
import { ReadAhead } from '../../src/db/read-ahead.js';
import { saveAttributions, type AttributionRow } from '../../src/db/rollups.js';
import { sql } from 'drizzle-orm';
import { addSessionLineFingerprints } from '../../src/db/telemetry-store.js';
import { sha, storePushedCommit, storeTimelinePr, WIDGETS_REPO } from '../helpers/outcome-timelines.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/*
 * Processing reads its inputs a batch of subjects at a time (one statement for many subjects
 * instead of one each: a round trip apiece on PostgreSQL). Each batched read must answer exactly
 * what the per-subject reads answer; both are compared here on a small store, on each engine,
 * with the values checked by hand as well.
 */

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

const sketch = (...bytes: number[]) => Uint8Array.from(bytes);

function file(path: string, lines: [fingerprint: number, occurrences: number, sketch?: Uint8Array][]) {
  return {
    path,
    previousPath: null,
    status: 'modified',
    additions: lines.length,
    deletions: 0,
    effectiveLines: lines.length,
    excludedReason: null,
    patchMissing: false,
    fingerprints: new Map(lines.map(([fp, n]) => [fp, n])),
    sketches: new Map(lines.filter((l) => l[2]).map(([fp, , s]) => [fp, s!])),
    deletedFingerprints: new Map<number, number>(),
  };
}

/** Three merged PRs (one reverted by a PR, one by a pushed commit), a direct push with its diff, reviews, sessions. */
async function storeSmallOrg(db: TestDb['db']) {
  const work1 = sha(1);
  const earlier1 = sha(11);
  const work3 = sha(3);
  const revert3 = sha(4);
  await storeTimelinePr(db, {
    id: 1,
    number: 1,
    author: 'dana',
    createdAt: '2026-11-02T10:00:00.000Z',
    mergedAt: '2026-11-02T15:00:00.000Z',
    commits: [
      { sha: work1, authoredAt: '2026-11-02T09:00:00.000Z' },
      { sha: earlier1, authoredAt: '2026-11-02T08:00:00.000Z' },
    ],
    reviews: [
      { id: 11, reviewer: 'lee', state: 'CHANGES_REQUESTED', at: '2026-11-02T12:00:00.000Z' },
      { id: 12, reviewer: 'lee', state: 'APPROVED', at: '2026-11-02T14:00:00.000Z' },
    ],
  });
  await storeTimelinePr(db, {
    id: 2,
    number: 2,
    author: 'lee',
    body: 'Reverts acme/widgets#1',
    createdAt: '2026-11-04T10:00:00.000Z',
    mergedAt: '2026-11-04T11:00:00.000Z',
    commits: [{ sha: sha(2), authoredAt: '2026-11-04T09:55:00.000Z', message: `Revert "PR 1"\n\nThis reverts commit ${work1}.` }],
  });
  await storeTimelinePr(db, {
    id: 3,
    number: 3,
    author: 'dana',
    createdAt: '2026-11-03T10:00:00.000Z',
    mergedAt: '2026-11-03T12:00:00.000Z',
    commits: [{ sha: work3, authoredAt: '2026-11-03T09:00:00.000Z' }],
    reviews: [{ id: 31, reviewer: 'ci[bot]', bot: true, state: 'COMMENTED', at: '2026-11-03T10:05:00.000Z' }],
  });
  await storePushedCommit(db, { sha: revert3, message: `Revert "PR 3"\n\nThis reverts commit ${work3}.`, pushedAt: '2026-11-05T08:00:00.000Z' });
  await db.transaction(async (tx) => {
    await replaceChangedFiles(tx, { pullRequestId: 1 }, [file('src/a.ts', [[101, 1, sketch(1, 2)], [102, 2, sketch(3)]]), file('src/b.ts', [[103, 1]])]);
    await replaceChangedFiles(tx, { pullRequestId: 3 }, [file('src/c.ts', [[301, 1, sketch(9, 9, 9)]])]);
    // PR 1's first commit fetched with its own diff; a direct push with its diff.
    const [commit] = await tx.all<{ id: number }>(sql`SELECT id FROM commits WHERE sha = ${work1}`);
    await replaceChangedFiles(tx, { commitId: commit!.id }, [file('src/a.ts', [[101, 1]])]);
    await markCommitEnriched(tx, commit!.id, { additions: 1, deletions: 0 }, '2026-11-02T15:00:00.000Z');
    const pushed = await upsertCommit(tx, {
      repositoryId: WIDGETS_REPO.id,
      sha: sha(5),
      message: 'Hotfix',
      authorLogin: 'kim',
      authoredAt: '2026-11-05T09:00:00.000Z',
      pushedToDefaultBranch: true,
      pushedAt: '2026-11-05T09:00:00.000Z',
      claudeCodeTrailer: false,
    });
    await replaceChangedFiles(tx, { commitId: pushed }, [file('src/d.ts', [[501, 1, sketch(5)]])]);
    await markCommitEnriched(tx, pushed, { additions: 1, deletions: 0 }, '2026-11-05T09:00:00.000Z');
  });
  const shas = { work1, earlier1, revert3 };
  for (const [sessionId, path, fps] of [
    ['s-1', 'src/a.ts', [101, 102, 900]],
    ['s-1', 'src/b.ts', [103]],
    ['s-2', 'src/c.ts', [301]],
  ] as const) {
    await addSessionLineFingerprints(db, {
      sessionId,
      path,
      org: 'acme',
      writtenAt: '2026-11-01T10:00:00.000Z',
      fingerprints: new Map(fps.map((fp) => [fp, 1])),
      sketches: new Map(fps.map((fp) => [fp, sketch(fp % 256, 7)])),
    });
  }
  return shas;
}

/** A file's lines and previous path, without its sketches' reader (compared apart). */
const plain = (files: FileLines[] | undefined) => files?.map((f) => ({ path: f.path, previousPath: f.previousPath, fingerprints: [...f.fingerprints] }));

describe('batched reads answer what the per-subject reads answer', () => {
  it('commits, files and shas of PRs and direct pushes', async () => {
    const { work1, earlier1 } = await storeSmallOrg(t.db);
    const subjects: SubjectRow[] = [
      ...(await mergedPullRequests(t.db, 'acme', '2026-11-01', '2026-11-06')),
      ...(await directPushes(t.db, 'acme', '2026-11-01', '2026-11-06')),
    ];
    expect(subjects.map((s) => s.subject)).toEqual(['pull_request:1', 'pull_request:3', 'pull_request:2', expect.stringMatching(/^commit:\d+$/)]);
    const batched = await subjectInputsOf(t.db, subjects);
    for (const subject of subjects) {
      const one = { commits: await subjectCommits(t.db, subject), files: await subjectFiles(t.db, subject) };
      const many = batched.get(subject)!;
      expect(many.commits.map((c) => ({ ...c, files: plain(c.files) }))).toEqual(one.commits.map((c) => ({ ...c, files: plain(c.files) })));
      expect(plain(many.files)).toEqual(plain(one.files));
    }
    // By hand: PR 1's commits oldest first, the first with its own diff; its files in id order.
    const pr1 = batched.get(subjects[0]!)!;
    expect(pr1.commits.map((c) => [c.sha, c.files?.length])).toEqual([
      [earlier1, undefined],
      [work1, 1],
    ]);
    expect(plain(pr1.files)).toEqual([
      { path: 'src/a.ts', previousPath: null, fingerprints: [[101, 1], [102, 2]] },
      { path: 'src/b.ts', previousPath: null, fingerprints: [[103, 1]] },
    ]);
    expect(plain(batched.get(subjects[3]!)!.files)).toEqual([{ path: 'src/d.ts', previousPath: null, fingerprints: [[501, 1]] }]);
    // PRs' descriptions come with their batch (subjects are read without them): PR 2's, and none for a push.
    expect(subjects.map((s) => batched.get(s)!.body)).toEqual([null, null, 'Reverts acme/widgets#1', null]);

    const shas = await pullRequestCommitShasOf(t.db, [1, 2, 3, 99]);
    for (const id of [1, 2, 3]) expect([...shas.get(id)!].sort()).toEqual([...(await pullRequestCommitShas(t.db, id))].sort());
    expect(shas.get(1)).toHaveLength(2);
    expect(shas.has(99)).toBe(false);
  });

  it('sketches: read together, the same as one file at a time', async () => {
    await storeSmallOrg(t.db);
    const subjects = await mergedPullRequests(t.db, 'acme', '2026-11-01', '2026-11-06');
    const batched = await subjectInputsOf(t.db, subjects);
    const files = [...batched.values()].flatMap((inputs) => inputs.files);
    // Asked for one fingerprint of PR 1's first file only: that file is read, the others are not.
    expect(files[0]!.sketches!.get(101)).toBeUndefined();
    expect(await readAskedSketches(files)).toBe(true);
    expect(files[0]!.sketches!.get(101)).toEqual(sketch(1, 2));
    expect((files[1]!.sketches as StoredSketches).loaded).toBe(false);
    await readSketchesOf(files);
    const ids = await t.db.values<[number, string]>(sql`SELECT id, path FROM changed_files WHERE pull_request_id IS NOT NULL ORDER BY id`);
    for (const [i, [id]] of ids.entries()) {
      for (const [fp, s] of await addedLineSketches(t.db, id)) expect(files[i]!.sketches!.get(fp)).toEqual(new Uint8Array(s));
    }
    expect(files[1]!.sketches!.get(103)).toBeUndefined(); // stored without a sketch
    expect(files[2]!.sketches!.get(301)).toEqual(sketch(9, 9, 9));

    // Sessions' files: what each session wrote, path by path, and their sketches read together.
    const written = await sessionsWritten(t.db, 'acme', ['s-1', 's-2', 's-none']);
    expect([...written.keys()]).toEqual(['s-1', 's-2']);
    expect(plain(written.get('s-1'))).toEqual([
      { path: 'src/a.ts', previousPath: undefined, fingerprints: [[101, 1], [102, 1], [900, 1]] },
      { path: 'src/b.ts', previousPath: undefined, fingerprints: [[103, 1]] },
    ]);
    const sessionFiles = [...written.values()].flat();
    await readSketchesOf(sessionFiles);
    expect(sessionFiles.map((f) => [...f.fingerprints.keys()].map((fp) => f.sketches!.get(fp)))).toEqual([
      [sketch(101, 7), sketch(102, 7), sketch(900 % 256, 7)],
      [sketch(103, 7)],
      [sketch(301 % 256, 7)],
    ]);
  });

  it('timelines', async () => {
    const { revert3 } = await storeSmallOrg(t.db);
    const batched = await pullRequestTimelinesOf(t.db, [1, 2, 3, 99]);
    expect([...batched.keys()].sort()).toEqual([1, 2, 3]);
    const sorted = (timeline: ReturnType<typeof withCredit> | null) =>
      timeline && {
        ...timeline,
        commitAuthoredAt: [...timeline.commitAuthoredAt].sort(),
        reviews: [...timeline.reviews].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)),
        reverts: [...timeline.reverts].sort((a, b) => a.at.localeCompare(b.at) || a.by.localeCompare(b.by)),
      };
    for (const id of [1, 2, 3]) expect(sorted(withCredit(batched.get(id)!, 'kim'))).toEqual(sorted(await pullRequestTimeline(t.db, id, 'kim')));
    // By hand: PR 1 reverted by PR 2 (its body, and its commit naming PR 1's commit), PR 3 by the pushed commit.
    expect(sorted(withCredit(batched.get(1)!, 'dana'))!.reverts).toEqual([
      { by: 'acme/widgets#2', at: '2026-11-04T11:00:00.000Z' },
      { by: 'acme/widgets#2', at: '2026-11-04T11:00:00.000Z' },
    ]);
    expect(batched.get(3)!.reverts).toEqual([{ by: revert3, at: '2026-11-05T08:00:00.000Z' }]);
    expect(batched.get(1)!.reviews).toHaveLength(2);
    expect(batched.get(2)!.reverts).toEqual([]);
  });

  it('the consumption ledger: read for many session files, and replaced for many subjects at once', async () => {
    await storeSmallOrg(t.db);
    const attribution = (subject: string, pullRequestId: number, day: string): AttributionRow => ({
      org: 'acme',
      subject,
      pullRequestId,
      repository: 'acme/widgets',
      number: pullRequestId,
      authorLogin: 'dana',
      isBot: false,
      day,
      withClaudeCode: true,
      linesAdded: 3,
      linesWithClaudeCode: 2,
      evidence: [],
      resultHash: `hash-${subject}`,
      attributedAt: '2026-11-06T00:00:00.000Z',
    });
    expect(await saveAttributions(t.db, [attribution('pull_request:1', 1, '2026-11-02'), attribution('pull_request:3', 3, '2026-11-03')])).toBe(2);
    // The same answers again change nothing; one new answer changes one row.
    expect(await saveAttributions(t.db, [attribution('pull_request:1', 1, '2026-11-02'), attribution('pull_request:3', 3, '2026-11-03')])).toBe(0);
    expect(await saveAttributions(t.db, [{ ...attribution('pull_request:3', 3, '2026-11-03'), resultHash: 'other' }])).toBe(1);

    const line = (sessionId: string, path: string, fingerprint: number, lines = 1) => ({ sessionId, path, fingerprint, lines });
    expect(
      await replaceConsumption(t.db, 'acme', [
        { subject: 'pull_request:1', at: '2026-11-02T15:00:00.000Z', consumed: [line('s-1', 'src/a.ts', 101), line('s-1', 'src/a.ts', 102, 2)] },
        { subject: 'pull_request:3', at: '2026-11-03T12:00:00.000Z', consumed: [line('s-2', 'src/c.ts', 301)] },
      ]),
    ).toBe(2);
    // Unchanged for PR 1, changed for PR 3: one subject rewritten.
    expect(
      await replaceConsumption(t.db, 'acme', [
        { subject: 'pull_request:1', at: '2026-11-02T15:00:00.000Z', consumed: [line('s-1', 'src/a.ts', 102, 2), line('s-1', 'src/a.ts', 101)] },
        { subject: 'pull_request:3', at: '2026-11-03T12:00:00.000Z', consumed: [] },
      ]),
    ).toBe(1);
    await replaceConsumption(t.db, 'acme', [{ subject: 'pull_request:3', at: '2026-11-03T12:00:00.000Z', consumed: [line('s-2', 'src/c.ts', 301)] }]);

    const files = [
      ['s-1', 'src/a.ts'],
      ['s-2', 'src/c.ts'],
      ['s-1', 'src/b.ts'],
    ] as const;
    for (const at of ['2026-11-02T23:00:00.000Z', '2026-11-10T00:00:00.000Z']) {
      const batched = await consumptionOfSessionFiles(t.db, 'acme', files, at);
      for (const [sessionId, path] of files) {
        const byFingerprint = (rows: { fingerprint: number }[]) => [...rows].sort((a, b) => a.fingerprint - b.fingerprint);
        expect(byFingerprint(batched.get(`${sessionId}\u0000${path}`)!)).toEqual(byFingerprint(await consumptionOfSessionFile(t.db, 'acme', sessionId, path, at)));
      }
    }
    const late = await consumptionOfSessionFiles(t.db, 'acme', files, '2026-11-10T00:00:00.000Z');
    expect(late.get('s-2\u0000src/c.ts')).toEqual([{ subject: 'pull_request:3', at: '2026-11-03T12:00:00.000Z', fingerprint: 301, lines: 1 }]);
    expect(late.get('s-1\u0000src/b.ts')).toEqual([]);
    // Before PR 3 merged, its consumption is not yet there.
    expect((await consumptionOfSessionFiles(t.db, 'acme', files, '2026-11-02T23:00:00.000Z')).get('s-2\u0000src/c.ts')).toEqual([]);
  });

  it('outcome rows: many in one statement, a PR listed twice keeps its last row', async () => {
    await storeSmallOrg(t.db);
    const row = (pullRequestId: number, reviewRounds: number) => ({
      pullRequestId,
      org: 'acme',
      day: '2026-11-02',
      firstCommitAt: null,
      cycleTimeSeconds: 3600,
      codingTimeSeconds: null,
      pickupTimeSeconds: null,
      reviewTimeSeconds: null,
      reviewRounds,
      revertedBy: null,
      revertedAt: null,
    });
    await saveOutcomes(t.db, [row(1, 1), row(3, 0), row(1, 4)]);
    expect(await t.db.values(sql`SELECT pull_request_id, review_rounds, cycle_time_seconds FROM pull_request_outcomes ORDER BY pull_request_id`)).toEqual([
      [1, 4, 3600],
      [3, 0, 3600],
    ]);
  });

  it('ReadAhead reads a batch at a time and answers items out of order on their own', async () => {
    const reads: number[][] = [];
    const ahead = new ReadAhead([1, 2, 3, 4, 5], async (batch) => {
      reads.push([...batch]);
      return new Map(batch.filter((n) => n !== 2 && n <= 5).map((n) => [n, n * 10]));
    }, 2);
    expect(await ahead.of(1)).toBe(10);
    expect(await ahead.of(2)).toBeUndefined();
    expect(await ahead.of(3)).toBe(30);
    expect(await ahead.of(9)).toBeUndefined();
    expect(await ahead.of(5)).toBe(50);
    expect(reads).toEqual([[1, 2], [3, 4], [9], [5]]);
  });
});
