import { sql } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { installations, webhookDeliveries } from '../../src/db/schema.js';
import { STORE_BUSY_WAIT_MS } from '../../src/http/telemetry-routes.js';
import { installationPayload } from '../helpers/github-payloads.js';
import { nockOAuthSignIn, TEST_OAUTH } from '../helpers/nock-github.js';
import { metricsRequest } from '../helpers/otlp-builders.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';
import { testServerConfig, silentLog, TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { testEngine } from '../helpers/test-db.js';
import { cookieHeader, cookiesOf } from '../helpers/web-session.js';

/*
 * Another process holds SQLite's write lock (here: a second connection in an open write
 * transaction, as the command line or a backup script would). The server must answer 503 with
 * Retry-After after a short wait, not a 500 after seconds; keep /healthz answering meanwhile; and
 * store the retried request exactly once when the lock is free.
 */

let dir: string;
let app: AppServer;
let holder: Database.Database;
let token: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-busy-'));
  const config = testServerConfig(dir, { ...TEST_OAUTH });
  app = await startAppServer({ config, log: silentLog, startWorker: false });
  token = (await createIngestToken(app.db, { org: 'acme' })).token;
  holder = new Database(join(dir, 'metrics.db'));
});

afterEach(async () => {
  if (holder.inTransaction) holder.exec('ROLLBACK');
  holder.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (n: number) => ({ name: 'claude_code.lines_of_code.count', value: n, attributes: { type: 'added' } });

function exportMetrics(body: string) {
  return fetch(`${app.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

// SQLite's one writer at a time: PostgreSQL has no database-wide write lock to wait for.
describe.skipIf(testEngine() === 'postgres')('while another connection holds the write lock', () => {
  it('answers an OTLP export 503 with Retry-After after a short wait, keeps /healthz quick, and stores the retry once', async () => {
    const body = JSON.stringify(metricsRequest([lines(12)]));
    holder.exec('BEGIN IMMEDIATE');

    const exported = timed(exportMetrics(body));
    // The export is waiting for the lock: the server still answers at once.
    await new Promise((r) => setTimeout(r, 200));
    const health = await timed(fetch(`${app.url}/healthz`));
    expect(health.value.status).toBe(200);
    expect(await health.value.json()).toEqual({ status: 'ok' });
    expect(health.ms).toBeLessThan(250);

    const { value: res, ms } = await exported;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    // OTLP/HTTP: a refusal carries a google.rpc.Status; 14 is UNAVAILABLE, the retryable code.
    expect(await res.json()).toEqual({ code: 14, message: 'The database is busy with another writer; nothing was stored. Retry in 1 s.' });
    expect(ms).toBeGreaterThanOrEqual(STORE_BUSY_WAIT_MS - 50);
    expect(ms).toBeLessThan(STORE_BUSY_WAIT_MS + 1500);

    holder.exec('COMMIT');
    expect((await exportMetrics(body)).status).toBe(200);
    expect((await exportMetrics(body)).status).toBe(200); // a second retry of the same request counts once too
    expect((await storedTelemetry(app.db)).counters).toEqual({ lines_added: 12 });
  });

  it('stores an export that arrives while the lock is held, once it is released within the wait', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const exported = exportMetrics(JSON.stringify(metricsRequest([lines(5)])));
    setTimeout(() => holder.exec('COMMIT'), 300);
    expect((await exported).status).toBe(200);
    expect((await storedTelemetry(app.db)).counters).toEqual({ lines_added: 5 });
  });

  it('holds a hook call longer than an export (Claude Code does not resend it) and stores it once the lock is released', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const call = {
      session_id: 'sess-1',
      hook_event_name: 'PostToolUse',
      tool_name: 'Write',
      tool_use_id: 'toolu_busy_1',
      cwd: '/home/dana/src/widgets',
      tool_input: { file_path: '/home/dana/src/widgets/src/a.ts', content: 'export const answer = computeTheAnswer();\n' },
      tool_response: { type: 'create', filePath: '/home/dana/src/widgets/src/a.ts', structuredPatch: [], originalFile: null },
    };
    const posted = timed(
      fetch(`${app.url}/hooks/claude-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(call),
      }),
    );
    setTimeout(() => holder.exec('COMMIT'), STORE_BUSY_WAIT_MS + 500);
    const { value: res, ms } = await posted;
    expect(res.status).toBe(200);
    expect(ms).toBeGreaterThan(STORE_BUSY_WAIT_MS + 400);
    expect(await app.db.all(sql`SELECT tool_use_id FROM hook_calls`)).toEqual([{ tool_use_id: 'toolu_busy_1' }]);
    expect(await app.db.get(sql`SELECT count(*) AS n FROM session_line_fingerprints`)).toEqual({ n: 1 });
  });

  it('answers a webhook delivery 503 so GitHub marks it failed, and applies the redelivery once', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const body = JSON.stringify(installationPayload('created'));
    const deliver = () =>
      fetch(`${app.url}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'installation',
          'x-github-delivery': 'delivery-busy-1',
          'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`,
        },
        body,
      });
    const { value: res, ms } = await timed(deliver());
    expect(res.status).toBe(503);
    expect(ms).toBeLessThan(STORE_BUSY_WAIT_MS + 1500);
    expect(await app.db.select().from(installations)).toEqual([]);

    holder.exec('COMMIT');
    expect((await deliver()).status).toBe(200);
    expect((await deliver()).status).toBe(200);
    expect(await app.db.select().from(installations)).toMatchObject([{ id: 4242, accountLogin: 'acme' }]);
    expect(await app.db.select().from(webhookDeliveries)).toHaveLength(1);
  });

  it('answers the sign-in callback (it writes the session) 503 with Retry-After, not 500', async () => {
    const start = await app.http.request('/auth/sign-in?return_to=/');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    nockOAuthSignIn({ login: 'dana', id: 1001 });
    holder.exec('BEGIN IMMEDIATE');
    const back = await app.http.request(`/auth/github/callback?code=test-code&state=${state}`, { headers: { cookie: cookieHeader(cookiesOf(start)) } });
    expect(back.status).toBe(503);
    expect(back.headers.get('retry-after')).toBe('1');
    expect(await back.json()).toEqual({ error: { type: 'api_error', message: 'The database is busy with another writer; nothing was stored. Retry in 1 s.' } });
  });

  it('serves the metrics API (its key-use mark waits for a later request)', async () => {
    const { key } = await createApiKey(app.db, { org: 'acme' });
    holder.exec('BEGIN IMMEDIATE');
    const { value: res, ms } = await timed(
      fetch(`${app.url}/api/v1/orgs/acme/summary?start_date=2026-11-01&end_date=2026-11-30`, { headers: { 'x-api-key': key } }),
    );
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(500);
  });
});

describe.skipIf(testEngine() === 'postgres')('processing in the server while another connection holds the write lock', () => {
  it('waits for the lock on timers, keeps the server answering, and completes', async () => {
    const { runProcessing } = await import('../../src/processing/run-processing.js');
    holder.exec('BEGIN IMMEDIATE');
    const run = runProcessing(app.db, { fromDay: '2026-11-20', toDay: '2026-11-22', now: () => new Date('2026-11-22T12:00:00Z') });
    await new Promise((r) => setTimeout(r, 300));
    const health = await timed(fetch(`${app.url}/healthz`));
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(250);
    holder.exec('COMMIT');
    expect((await run).run.status).toBe('succeeded');
  });
});
