import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { loadConfig } from '../../src/config.js';
import { installations, pullRequests, webhookDeliveries } from '../../src/db/schema.js';
import { installationPayload, pullRequestPayload, PR42 } from '../helpers/github-payloads.js';
import { silentLog, TEST_APP_ID, TEST_WEBHOOK_SECRET, testPrivateKey } from '../helpers/test-probot.js';

/* The webhook route over a real socket: Probot's middleware inside Hono on @hono/node-server. */

let dir: string;
let app: AppServer;

async function start(env: Record<string, string>) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dir, 'metrics.db'), ...env });
  app = await startAppServer({ config, log: silentLog, startWorker: false });
}

function sign(body: string, secret = TEST_WEBHOOK_SECRET) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function deliver(event: string, payload: object, { id = crypto.randomUUID() as string, secret = TEST_WEBHOOK_SECRET } = {}) {
  const body = JSON.stringify(payload);
  return fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': sign(body, secret),
    },
    body,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-route-'));
});

afterEach(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/github/webhooks with GitHub credentials', () => {
  beforeEach(() => start({ APP_ID: TEST_APP_ID, PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }));

  it('accepts and stores a correctly signed webhook', async () => {
    const res = await deliver('installation', installationPayload('created'));
    expect(res.status).toBe(200);
    expect(await app.db.select().from(installations)).toMatchObject([{ id: 4242, accountLogin: 'acme', status: 'active' }]);
  });

  it('rejects a badly signed webhook and stores nothing', async () => {
    const res = await deliver('pull_request', pullRequestPayload('opened', PR42), { secret: 'not-the-secret' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await app.db.select().from(pullRequests)).toEqual([]);
    expect(await app.db.select().from(webhookDeliveries)).toEqual([]);
  });

  it('rejects an unsigned webhook and stores nothing', async () => {
    const body = JSON.stringify(pullRequestPayload('opened', PR42));
    const res = await fetch(`${app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'unsigned' },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await app.db.select().from(pullRequests)).toEqual([]);
  });

  it('counts a redelivery once', async () => {
    const payload = pullRequestPayload('opened', PR42);
    expect((await deliver('pull_request', payload, { id: 'delivery-1' })).status).toBe(200);
    // A later edit arrives, then GitHub redelivers the first delivery: the edit must stand.
    const edited = pullRequestPayload('edited', { ...PR42, title: 'Edited', updatedAt: '2026-11-21T20:40:00Z' });
    expect((await deliver('pull_request', edited, { id: 'delivery-2' })).status).toBe(200);
    expect((await deliver('pull_request', { ...payload, pull_request: { ...payload.pull_request, updated_at: '2026-11-21T23:00:00Z' } }, { id: 'delivery-1' })).status).toBe(200);
    expect((await app.db.select().from(webhookDeliveries)).map((d) => d.id).sort()).toEqual(['delivery-1', 'delivery-2']);
    expect(await app.db.select().from(pullRequests)).toMatchObject([{ number: 42, title: 'Edited' }]);
  });

  it('serves the home page as connected, without the webhook address to someone signed out', async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    expect(html).toContain('Connected.');
    expect(html).not.toContain('/api/github/webhooks');
  });
});

describe('without GitHub credentials', () => {
  beforeEach(() => start({}));

  it('answers /healthz and a home page that says what to configure', async () => {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const home = await fetch(`${app.url}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Not configured yet');
    expect(html).toMatch(/APP_ID.*PRIVATE_KEY.*WEBHOOK_SECRET/s);
  });

  it('refuses webhooks with a clear error instead of hanging', async () => {
    const res = await deliver('installation', installationPayload('created'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        type: 'api_error',
        message: 'GitHub App not configured: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET, then restart.',
      },
    });
    expect(await app.db.select().from(installations)).toEqual([]);
  });

  it('answers unknown routes in the error shape', async () => {
    const res = await fetch(`${app.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { type: 'not_found_error', message: 'No route for GET /nope' } });
  });
});
