import { summarizeFileChange } from '../../src/attribution/file-change.js';
import type { Db } from '../../src/db/client.js';
import {
  linkPullRequestCommits,
  markCommitEnriched,
  markPullRequestEnriched,
  replaceChangedFiles,
  upsertCommit,
  upsertPullRequest,
  upsertRepository,
} from '../../src/db/github-activity.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { metricsRequest } from './otlp-builders.js';
import { TEST_FINGERPRINT_KEY } from './test-probot.js';

/*
 * An org sliced by teams (spec: Teams), through the real stores, receiver and processing:
 *
 * - GitHub teams (as the member job stores them): platform = alice, bob; web = alice, carol.
 *   Org members: alice, bob, carol, dave (dave never sends telemetry: "not using Claude Code yet").
 * - Telemetry (OTLP, `github.login` + `team` resource attributes): alice on 11-02 with
 *   team=platform (the GitHub team's slug: the same team), 10 lines accepted, $0.50; erin on 11-03
 *   with team=Data (no GitHub team: a telemetry team `data`), 7 lines, $0.25; bob on 11-03 with no
 *   team, 3 lines, $0.10.
 * - Merged PRs of acme/widgets, each opened the day it merged: #1 alice 11-02 with Claude Code
 *   (trailer) 4 lines; #2 bob 11-03 without, 3 lines; #3 carol 11-03 with, 2 lines; #4 dave 11-04
 *   without, 5 lines; #5 erin 11-03 without, 1 line; #6 erin 11-04 without, 2 lines (erin sent no
 *   telemetry that day, so #6 is not the data team's).
 */

export const TEAMS_RANGE = 'start_date=2026-11-02&end_date=2026-11-04';
export const TEAMS_NOW = new Date('2026-11-05T12:00:00Z');

const REPO = { id: 7001, owner: 'acme', name: 'widgets' };

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

async function storeMergedPr(db: Db, pr: { number: number; author: string; day: string; lines: number; withClaudeCode: boolean }): Promise<void> {
  const opened = `${pr.day}T08:00:00.000Z`;
  const merged = `${pr.day}T15:00:00.000Z`;
  const patch = `@@ -0,0 +1,${pr.lines} @@\n${Array.from({ length: pr.lines }, (_, i) => `+const value${pr.number}x${i} = compute(${i});`).join('\n')}`;
  const files = [summarizeFileChange({ filename: `src/f${pr.number}.ts`, status: 'added', additions: pr.lines, deletions: 0, patch }, TEST_FINGERPRINT_KEY)];
  await db.transaction(async (tx) => {
    await upsertRepository(tx, { id: REPO.id, ownerLogin: REPO.owner, name: REPO.name, fullName: `${REPO.owner}/${REPO.name}`, private: true }, 4242, opened);
    await upsertPullRequest(tx, {
      id: 900 + pr.number,
      repositoryId: REPO.id,
      number: pr.number,
      authorId: null,
      authorLogin: pr.author,
      authorIsBot: false,
      title: `Change ${pr.number}`,
      body: null,
      baseRef: 'main',
      headRef: `feature/${pr.number}`,
      headSha: null,
      draft: false,
      state: 'closed',
      createdAt: opened,
      githubUpdatedAt: merged,
      closedAt: merged,
      mergedAt: merged,
      mergeCommitSha: null,
      additions: pr.lines,
      deletions: 0,
      changedFiles: 1,
    });
    const message = pr.withClaudeCode ? `Change ${pr.number}\n\nCo-Authored-By: Claude <noreply@anthropic.com>` : `Change ${pr.number}`;
    const sha = (0xabc000 + pr.number).toString(16).padStart(40, '0');
    const commitId = await upsertCommit(tx, {
      repositoryId: REPO.id,
      sha,
      message,
      authorLogin: pr.author,
      authoredAt: `${pr.day}T07:00:00.000Z`,
      committedAt: `${pr.day}T07:00:00.000Z`,
      claudeCodeTrailer: pr.withClaudeCode,
    });
    await replaceChangedFiles(tx, { commitId }, files);
    await markCommitEnriched(tx, commitId, { additions: pr.lines, deletions: 0 }, merged);
    await linkPullRequestCommits(tx, 900 + pr.number, [commitId]);
    await replaceChangedFiles(tx, { pullRequestId: 900 + pr.number }, files);
    await markPullRequestEnriched(tx, 900 + pr.number, merged);
  });
}

/** What the scenario needs of an app: it answers requests (a Hono app, or the app server's). */
type RequestsApp = { request: (path: string, init: RequestInit) => Response | Promise<Response> };

async function sendTelemetry(app: RequestsApp, token: string, who: { login: string; email: string; team?: string; session: string; day: string; lines: number; costUsd: number }) {
  const resource: Record<string, string> = { 'service.name': 'claude-code', 'github.login': who.login, 'user.email': who.email };
  if (who.team) resource.team = who.team;
  const start = ns(`${who.day}T09:00:00Z`);
  const time = ns(`${who.day}T10:00:00Z`);
  const attributes = { 'session.id': who.session, 'user.email': who.email };
  const body = metricsRequest(
    [
      { name: 'claude_code.session.count', value: 1, attributes, start, time },
      { name: 'claude_code.lines_of_code.count', value: who.lines, attributes: { ...attributes, type: 'added' }, start, time },
      { name: 'claude_code.cost.usage', value: who.costUsd, attributes: { ...attributes, model: 'claude-sonnet-4-5' }, start, time },
    ],
    resource,
  );
  const res = await app.request('/v1/metrics', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`/v1/metrics answered ${res.status}: ${await res.text()}`);
}

/** Fills `db` with the scenario above and processes 2026-11-02..04. */
export async function storeTeamsScenario(app: RequestsApp, db: Db, token: string): Promise<void> {
  await replaceOrgPeople(
    db,
    'acme',
    {
      members: ['alice', 'bob', 'carol', 'dave'],
      teams: [
        { id: 1, slug: 'platform', name: 'Platform', members: ['alice', 'bob'] },
        { id: 2, slug: 'web', name: 'Web', members: ['alice', 'carol'] },
      ],
    },
    '2026-11-01T00:00:00.000Z',
  );
  await sendTelemetry(app, token, { login: 'alice', email: 'alice@acme.example', team: 'platform', session: 's-alice', day: '2026-11-02', lines: 10, costUsd: 0.5 });
  await sendTelemetry(app, token, { login: 'erin', email: 'erin@acme.example', team: 'Data', session: 's-erin', day: '2026-11-03', lines: 7, costUsd: 0.25 });
  await sendTelemetry(app, token, { login: 'bob', email: 'bob@acme.example', session: 's-bob', day: '2026-11-03', lines: 3, costUsd: 0.1 });
  await storeMergedPr(db, { number: 1, author: 'alice', day: '2026-11-02', lines: 4, withClaudeCode: true });
  await storeMergedPr(db, { number: 2, author: 'bob', day: '2026-11-03', lines: 3, withClaudeCode: false });
  await storeMergedPr(db, { number: 3, author: 'carol', day: '2026-11-03', lines: 2, withClaudeCode: true });
  await storeMergedPr(db, { number: 4, author: 'dave', day: '2026-11-04', lines: 5, withClaudeCode: false });
  await storeMergedPr(db, { number: 5, author: 'erin', day: '2026-11-03', lines: 1, withClaudeCode: false });
  await storeMergedPr(db, { number: 6, author: 'erin', day: '2026-11-04', lines: 2, withClaudeCode: false });
  await runProcessing(db, { org: 'acme', fromDay: '2026-11-02', toDay: '2026-11-04', now: () => TEAMS_NOW });
}
