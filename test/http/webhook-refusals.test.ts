import { sql } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { pullRequests, repositories, webhookDeliveries } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { PR42, pullRequestPayload, pullRequestReviewPayload } from '../helpers/github-payloads.js';
import { testServerConfig, TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { testServerDatabase } from '../helpers/test-app.js';
import { testEngine } from '../helpers/test-db.js';

/*
 * What the webhook route refuses, and how: in the spec's error shape, storing nothing, reading no
 * more of an oversized body than the limit, and logging no byte of any body, at every log level.
 */

const MARKER = 'BODY-MARKER-7f3a9c';
const LIMIT = 64 * 1024;

let dir: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;
let app: AppServer;
let logged: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-refusals-'));
  database = await testServerDatabase();
  logged = [];
  const config = testServerConfig(dir, { ...database.env, WEBHOOK_MAX_BODY_BYTES: String(LIMIT) });
  // The app's own logger, at its most talkative, writing into memory.
  const log = createLogger('trace', { write: (line: string) => void logged.push(line) });
  app = await startAppServer({ config, log, startWorker: false });
});

afterEach(async () => {
  await app?.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const sign = (body: string, secret = TEST_WEBHOOK_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function post(body: string, headers: Record<string, string | undefined>) {
  const res = await fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined)),
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

function deliver(event: string, body: string, overrides: Record<string, string | undefined> = {}) {
  return post(body, {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': crypto.randomUUID(),
    'x-hub-signature-256': sign(body),
    ...overrides,
  });
}

const storedNothing = async () => {
  expect(await app.db.select().from(webhookDeliveries)).toEqual([]);
  expect(await app.db.select().from(pullRequests)).toEqual([]);
  expect(await app.db.select().from(repositories)).toEqual([]);
};

const prBody = (title = `${MARKER} title`) => JSON.stringify(pullRequestPayload('opened', { ...PR42, title, body: `${MARKER} body` }));

describe('refusals use the error shape and store nothing', () => {
  it('a wrong signature is a 401', async () => {
    const res = await deliver('pull_request', prBody(), { 'x-hub-signature-256': sign(prBody(), 'not-the-secret') });
    expect(res).toMatchObject({ status: 401, body: { error: { type: 'authentication_error', message: 'Signature does not match the body and the webhook secret.' } } });
    await storedNothing();
  });

  it('a missing or malformed signature is a 401', async () => {
    for (const signature of [undefined, 'sha1=abc', 'sha256=xyz']) {
      const res = await deliver('pull_request', prBody(), { 'x-hub-signature-256': signature });
      expect(res).toMatchObject({ status: 401, body: { error: { type: 'authentication_error', message: expect.stringContaining('X-Hub-Signature-256') } } });
    }
    await storedNothing();
  });

  it('an unknown event, a missing event or delivery id, and another content type are refused', async () => {
    expect(await deliver('bogus_event', prBody())).toEqual({
      status: 400,
      headers: expect.anything(),
      body: { error: { type: 'invalid_request_error', message: 'Unknown X-GitHub-Event: not an event GitHub sends.' } },
    });
    expect(await deliver('pull_request', prBody(), { 'x-github-event': undefined })).toMatchObject({ status: 400, body: { error: { message: 'Missing X-GitHub-Event header.' } } });
    expect(await deliver('pull_request', prBody(), { 'x-github-delivery': undefined })).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
    expect(await deliver('pull_request', prBody(), { 'x-github-delivery': 'x'.repeat(101) })).toMatchObject({ status: 400 });
    expect(await deliver('pull_request', prBody(), { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415, body: { error: { type: 'invalid_request_error' } } });
    await storedNothing();
  });

  it('a signed body that is not JSON is a 400 that does not quote the body', async () => {
    const body = `{"${MARKER}": nope`;
    const res = await deliver('pull_request', body);
    expect(res).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', message: 'Body is not valid JSON.' } } });
    await storedNothing();
  });

  it('a signed payload with a string id or missing fields is a 400, not a 500', async () => {
    const payload = pullRequestPayload('opened', PR42);
    const stringId = JSON.stringify({ ...payload, pull_request: { ...payload.pull_request, id: '420042' } });
    expect(await deliver('pull_request', stringId)).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', message: 'Malformed pull_request payload: pull_request.pull_request.id: Invalid input: expected number, received string' } },
    });
    const { pull_request, ...noPullRequest } = payload;
    expect(await deliver('pull_request', JSON.stringify(noPullRequest))).toMatchObject({ status: 400 });
    const review = pullRequestReviewPayload({ id: 7, submittedAt: '2026-11-21T21:00:00Z' });
    expect(await deliver('pull_request_review', JSON.stringify({ ...review, review: { ...review.review, submitted_at: 'soon' } }))).toMatchObject({ status: 400 });
    expect(await deliver('push', JSON.stringify([1, 2]))).toMatchObject({ status: 400, body: { error: { message: 'Malformed push payload: the payload is not a JSON object' } } });
    await storedNothing();
  });

  it('an event the app does not handle is acknowledged and stores nothing', async () => {
    expect(await deliver('ping', JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }))).toMatchObject({ status: 200, body: {} });
    expect(await deliver('pull_request', JSON.stringify({ action: 'labeled' }))).toMatchObject({ status: 200 });
    await storedNothing();
  });

  it('a handler that fails answers 500 in the error shape, and the delivery can be applied again', async () => {
    await app.db.run(sql`ALTER TABLE pull_request_reviews RENAME TO pull_request_reviews_away`);
    const body = JSON.stringify(pullRequestReviewPayload({ id: 7, submittedAt: '2026-11-21T21:00:00Z' }, { title: `${MARKER} title` }));
    const res = await deliver('pull_request_review', body, { 'x-github-delivery': 'failing-1' });
    expect(res).toMatchObject({ status: 500, body: { error: { type: 'api_error', message: 'Internal error; the server log has the details.' } } });
    expect(await app.db.select().from(webhookDeliveries)).toEqual([]);
    await app.db.run(sql`ALTER TABLE pull_request_reviews_away RENAME TO pull_request_reviews`);
    expect((await deliver('pull_request_review', body, { 'x-github-delivery': 'failing-1' })).status).toBe(200);
    expect(logged.join('')).toContain('webhook delivery failed');
    expect(logged.join('')).not.toContain(MARKER);
  });
});

// SQLite's write lock held by another connection: PostgreSQL has no database-wide lock to wait for.
describe.skipIf(testEngine() === 'postgres')('a busy database', () => {
  it('answers 503 with Retry-After, stores nothing, and the delivery is applied when sent again', async () => {
    // Another connection (the command line, a long processing run) holds SQLite's write lock.
    const other = new Database(join(dir, 'metrics.db'));
    other.exec('BEGIN IMMEDIATE');
    const body = prBody('Add rate limiting');
    let res;
    try {
      res = await deliver('pull_request', body, { 'x-github-delivery': 'busy-1' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toEqual({ error: { type: 'api_error', message: 'The database is busy; deliver again shortly.' } });
    await storedNothing();
    expect((await deliver('pull_request', body, { 'x-github-delivery': 'busy-1' })).status).toBe(200);
    expect(await app.db.select().from(pullRequests)).toMatchObject([{ number: 42 }]);
  }, 20_000);
});

/** Sends `total` bytes of JSON-ish filler in 64 KiB chunks, stopping when the server answers. */
function sendLarge(total: number, { declareLength }: { declareLength: boolean }) {
  return new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, `"${MARKER}",`);
    let sent = 0;
    let answered = false;
    const req = request(`${app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'huge-1',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        ...(declareLength ? { 'content-length': String(total) } : {}),
      },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
      res.on('error', reject);
    });
    // The server closes the connection after its answer; writing into it then fails, as it should.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('an oversized body', () => {
  it.each([true, false])('is refused with a 413 at the limit, without being buffered (Content-Length declared: %s)', async (declareLength) => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const total = 50 * 1024 * 1024;
    const res = await sendLarge(total, { declareLength });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { type: 'invalid_request_error', message: `Body is larger than ${LIMIT} bytes.` } });
    // The answer came long before the 50 MB were sent, and memory did not grow by the body's size.
    expect(res.sent).toBeLessThan(total);
    expect(process.memoryUsage().rss - before).toBeLessThan(25 * 1024 * 1024);
    await storedNothing();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

/** Starts an unsigned body of `bytes` and leaves it unfinished, as a slow sender would. */
function startUnfinished(bytes: number) {
  const req = request(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
  });
  const answer = new Promise<{ status: number; retryAfter?: string | string[] | undefined }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] });
    });
    req.on('error', () => resolve({ status: 0 }));
  });
  req.write(Buffer.alloc(bytes, 'x'));
  return { req, answer };
}

describe('bodies being received at once', () => {
  it('hold at most 4 × the body limit in all: past that a body is refused with 503 and Retry-After, and deliveries go on once they end', async () => {
    // Four unfinished bodies just under the limit hold almost all of the 4 × LIMIT allowed.
    const slow = Array.from({ length: 4 }, () => startUnfinished(LIMIT - 1024));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fifth = startUnfinished(LIMIT - 1024);
    expect(await fifth.answer).toEqual({ status: 503, retryAfter: '5' });
    fifth.req.destroy();
    for (const s of slow) s.req.destroy();
    await storedNothing();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The bytes they held are given back: a real delivery is applied.
    const res = await deliver('pull_request', prBody('after the slow senders'));
    expect(res.status).toBe(200);
    expect(await app.db.select().from(pullRequests)).toHaveLength(1);
  });
});

describe('logs', () => {
  it('hold no byte of any body, accepted or refused, at trace level', async () => {
    expect((await deliver('pull_request', prBody())).status).toBe(200);
    expect((await deliver('pull_request', prBody(), { 'x-hub-signature-256': sign(prBody(), 'wrong') })).status).toBe(401);
    expect((await deliver('pull_request', `[${JSON.stringify(MARKER)}`)).status).toBe(400);
    expect((await deliver('pull_request', JSON.stringify({ ...JSON.parse(prBody()), number: MARKER, pull_request: { id: MARKER } }))).status).toBe(400);
    expect((await sendLarge(2 * LIMIT, { declareLength: false })).status).toBe(413);
    const text = logged.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain('Add rate limiting');
  });
});
