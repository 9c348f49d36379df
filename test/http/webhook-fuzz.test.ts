import { sql } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableName, is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import { createHttpApp } from '../../src/http/app.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY, TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { installationPayload, installationRepositoriesPayload, PR42, PR42_MERGED, pullRequestPayload, pullRequestReviewPayload, webhookExamples } from '../helpers/github-payloads.js';

/*
 * The webhook route under hostile input: every field the payloads carry (three levels deep) set
 * to a value of the wrong type or range, random bytes, truncated and deeply nested JSON. Each is
 * answered 200 or a 4xx, never a 5xx, and a refused delivery changes no row.
 */

let t: Awaited<ReturnType<typeof createTestDb>>;
let http: ReturnType<typeof createHttpApp>;
let n = 0;

beforeAll(async () => {
  t = await createTestDb();
  const probot = await createTestProbot(t.db, () => new Date('2026-11-21T12:00:00Z'));
  http = createHttpApp({
    db: t.db,
    log: silentLog,
    fingerprintKey: TEST_FINGERPRINT_KEY,
    ingestMaxBodyBytes: 1024 * 1024,
    webhooks: { secret: TEST_WEBHOOK_SECRET, receive: (event) => probot.receive(event as never) },
  });
});
afterAll(() => t.cleanup());

/**
 * What the store holds, to tell whether a delivery changed a row: on SQLite, the rows inserted,
 * updated or deleted so far on the app's one connection; PostgreSQL has no such count per pool, so
 * there every table's rows, read whole (the fuzzed org's tables hold a few rows).
 */
async function changes(db: Db): Promise<number | string> {
  if (db.engine === 'sqlite') return (await db.get<{ n: number }>(sql`SELECT total_changes() AS n`))!.n;
  const tables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable)).map((t) => getTableName(t));
  // One round trip: a digest of each table's rows as PostgreSQL prints them.
  const digests = sql.join(
    tables.map((name) => sql`SELECT ${name} AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM ${sql.identifier(name)} x`),
    sql` UNION ALL `,
  );
  return JSON.stringify(await db.all(digests));
}

async function deliver(event: string, body: string | Uint8Array, { signed = true } = {}) {
  const signature = createHmac('sha256', signed ? TEST_WEBHOOK_SECRET : 'wrong').update(body).digest('hex');
  const res = await http.request('/api/github/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `fuzz-${++n}`, 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** 200, or a 4xx that stored nothing. */
async function expectHandled(event: string, body: string | Uint8Array, label: string, options?: { signed?: boolean }) {
  const before = await changes(t.db);
  const res = await deliver(event, body, options);
  if (res.status !== 200 && !(res.status >= 400 && res.status < 500)) throw new Error(`${label}: ${res.status} ${res.body}`);
  if (res.status !== 200) {
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
    expect(await changes(t.db), label).toBe(before);
  }
  return res.status;
}

/** Every path to a value in `value`, down to `depth` levels (array items by their first index). */
function paths(value: unknown, depth: number, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? (value.length > 0 ? [[0, value[0]]] : []) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...(UNREAD.has(String(k)) ? [] : paths(v, depth - 1, [...prefix, k]))]);
}

function withValue(payload: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(payload) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

const HOSTILE = [null, 'x', -1, 1e300, 2.5, {}, [[[]]], '+275760-09-13T00:00:00.000Z'];

/** Objects no handler reads beyond their own key (the fields under them are GitHub's to change). */
const UNREAD = new Set(['sender', 'organization', 'enterprise', 'repo', 'head_commit', 'links', '_links', 'license', 'labels', 'assignees', 'requested_reviewers', 'requested_teams', 'milestone', 'permissions', 'events']);

const CASES: [string, () => object][] = [
  ['pull_request', () => pullRequestPayload('opened', PR42)],
  ['pull_request', () => pullRequestPayload('closed', PR42_MERGED)],
  ['pull_request_review', () => pullRequestReviewPayload({ id: 77, submittedAt: '2026-11-21T21:00:00Z' })],
  ['push', () => webhookExamples('push').find((e) => e.commits.length > 0)!],
  ['installation', () => installationPayload('created')],
  ['installation_repositories', () => installationRepositoriesPayload('added', [{ id: 7002, name: 'gadgets', full_name: 'acme/gadgets', private: true }] as never)],
];

describe('webhook fuzzing', () => {
  it.each(CASES)('%s: a wrong type or range at any field is a 200 or a 400, never a 5xx', async (event, build) => {
    const base = build();
    const all = paths(base, 3);
    expect(all.length).toBeGreaterThan(20);
    let refused = 0;
    for (const path of all) {
      for (const value of HOSTILE) {
        const status = await expectHandled(event, JSON.stringify(withValue(base, path, value)), `${event} ${path.join('.')} = ${JSON.stringify(value)}`);
        if (status === 400) refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  it('random bytes, signed or not, are refused and change nothing', async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 2000) }, () => Math.floor(random() * 256));
      const signed = i % 2 === 0;
      const status = await expectHandled('pull_request', bytes, `random ${i}`, { signed });
      expect(status).toBe(signed ? 400 : 401);
    }
  });

  it('truncated and deeply nested JSON is a 400', async () => {
    const full = JSON.stringify(pullRequestPayload('opened', PR42));
    for (let cut = 1; cut < full.length; cut += Math.ceil(full.length / 50)) {
      expect(await expectHandled('pull_request', full.slice(0, cut), `cut at ${cut}`)).toBe(400);
    }
    const deep = `{"action":"opened","pull_request":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect(await expectHandled('pull_request', deep, 'deep')).toBe(400);
    const wide = JSON.stringify({ ...pullRequestPayload('opened', PR42), extra: Array.from({ length: 50_000 }, (_, i) => ({ i })) });
    expect(await expectHandled('pull_request', wide, 'wide')).toBe(200);
  });
});
