import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { expect } from 'vitest';
import { capturedRequests } from './replay.js';
import { TEST_WEBHOOK_SECRET } from './test-probot.js';

/**
 * A running app's doors, as GitHub and Claude Code knock on them over real HTTP: a recorded
 * session's telemetry and hook calls with an ingest token, and signed webhooks (deliveries numbered
 * `<prefix>-1`, `<prefix>-2`, …). Each request must be answered 200.
 */
export function appDoors({ url, token, deliveryPrefix }: { url: () => string; token: () => string; deliveryPrefix: string }) {
  let delivery = 0;
  const send = async (path: string, body: Buffer | string, headers: Record<string, string>) => {
    const res = await fetch(`${url()}${path}`, { method: 'POST', headers, body });
    expect(res.status, `${path}: ${res.status === 200 ? '' : await res.text()}`).toBe(200);
  };
  return {
    send,
    async replayTelemetry(recording: string) {
      for (const r of capturedRequests(recording)) await send(r.path, r.body, { authorization: `Bearer ${token()}`, 'content-type': r.contentType });
    },
    async webhook(event: string, payload: object) {
      const body = JSON.stringify(payload);
      await send('/api/github/webhooks', body, {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': `${deliveryPrefix}-${++delivery}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`,
      });
    },
  };
}

/**
 * The figures processing wrote, as one comparable text: the day rollups (of `day`, or all days)
 * and every attribution's result.
 */
export async function processedFigures(db: Db, day?: string): Promise<string> {
  const all = (table: string) => db.all(sql`SELECT * FROM ${sql.raw(table)} ${day ? sql`WHERE day = ${day}` : sql``} ORDER BY 1, 2, 3`);
  return JSON.stringify({
    org: await all('daily_org_metrics'),
    users: await all('daily_user_metrics'),
    repos: await all('daily_repository_metrics'),
    models: await all('daily_model_usage'),
    attributions: await db.all(sql`SELECT subject, with_claude_code, lines_added, lines_with_claude_code, evidence, result_hash FROM attributions ORDER BY subject`),
  });
}
