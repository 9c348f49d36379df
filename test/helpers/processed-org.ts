import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { recordedCommits } from './claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, installationPayload, pullRequestPayload, pushPayload } from './github-payloads.js';
import { nockInstallationToken, nockMergedPullRequest, nockOrgMembers } from './nock-github.js';
import { capturedRequests } from './replay.js';
import { testServerConfig, silentLog, TEST_WEBHOOK_SECRET } from './test-probot.js';
import { testServerDatabase } from './test-app.js';

/** acme's GitHub members, as the mocked API counts them. */
export const ORG_MEMBERS = 12;

/**
 * A running app whose database the real pipeline filled from the recordings: the rate-limiter
 * session (Dana, PR #42 merged with Claude Code's commit and her README commit) and the
 * rejected-write session (Sam, unlinked), processed for 2026-11-20..22. Without `SEATS` in `env`,
 * acme's member count (`ORG_MEMBERS`) is stored too.
 */
export async function startProcessedOrg(
  env: Record<string, string> = {},
  options: { before?: (app: AppServer) => Promise<void> } = {},
): Promise<{ app: AppServer; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-org-'));
  // On PostgreSQL (TEST_ENGINE=postgres) a fresh database of its own; on SQLite a file in `dir`.
  const database = await testServerDatabase();
  const config = testServerConfig(dir, { ...database.env, ...env });
  const app = await startAppServer({ config, log: silentLog, startWorker: false, octokitRetries: false });
  await options.before?.(app); // e.g. another org's token sending first
  const token = (await createIngestToken(app.db, { org: 'acme' })).token;
  const post = async (path: string, body: Buffer | string, headers: Record<string, string>) => {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  for (const recording of ['rate-limiter-http-json-details-hooks', 'rejected-write-http-json-details-hooks']) {
    for (const r of capturedRequests(recording)) await post(r.path, r.body, { authorization: `Bearer ${token}`, 'content-type': r.contentType });
  }
  let n = 0;
  const webhook = (event: string, payload: object) => {
    const body = JSON.stringify(payload);
    return post('/api/github/webhooks', body, {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `org-${++n}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`,
    });
  };
  const [, claudeCommit, readmeCommit] = recordedCommits('rate-limiter-http-json-details-hooks');
  await webhook('installation', installationPayload('created'));
  await webhook('pull_request', pullRequestPayload('opened', PR42));
  await webhook('push', pushPayload('feature/rate-limit', [claudeCommit!, readmeCommit!]));
  await webhook('pull_request', pullRequestPayload('closed', { ...PR42_MERGED, additions: 31, changedFiles: 3, headSha: readmeCommit!.sha }));
  nockInstallationToken(INSTALLATION_ID);
  // Without SEATS the installation queued a count of acme's members: the seats.
  if (!env.SEATS) nockOrgMembers('acme', ORG_MEMBERS);
  await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [claudeCommit!, readmeCommit!], DANA.login);
  await app.worker.runDueJobs();
  await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
  return {
    app,
    async cleanup() {
      await app.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
