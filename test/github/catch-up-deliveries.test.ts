import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer } from '../../src/app-server.js';
import { webhookRedeliveryRequests } from '../../src/db/schema.js';
import { applyDeliveryOnce } from '../../src/db/webhook-deliveries.js';
import { catchUpDeliveries, type HookDelivery } from '../../src/github/catch-up-deliveries.js';
import { nockHookDeliveries, nockRedeliveries } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { testServerConfig, createTestProbot, silentLog } from '../helpers/test-probot.js';

/* Catch-up after downtime, against GitHub's REST API mocked at the HTTP edge. */

const NOW = new Date('2026-11-21T12:00:00Z');
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let nextId = 1000;

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
});

afterEach(async () => {
  await t.cleanup();
});

/** One attempt as GitHub lists it, `hoursAgo` before NOW. */
function attempt(guid: string, hoursAgo: number, outcome: 'ok' | 'failed' | 'unreachable', extra: Partial<HookDelivery> = {}): HookDelivery {
  const codes = { ok: [200, 'OK'], failed: [500, 'Invalid HTTP Response: 500'], unreachable: [0, 'failed to connect to host'] } as const;
  return {
    id: ++nextId,
    guid,
    delivered_at: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString().replace('.000', ''),
    redelivery: false,
    duration: 0.2,
    status: codes[outcome][1],
    status_code: codes[outcome][0],
    event: 'pull_request',
    action: 'closed',
    installation_id: 4242,
    repository_id: 7001,
    throttled_at: null,
    ...extra,
  } as HookDelivery;
}

const pass = async (maxPerPass = 50) => catchUpDeliveries({ db: t.db, octokit: await probot.auth(), log: silentLog, now: () => NOW, lookbackHours: 72, maxPerPass });

describe('catchUpDeliveries', () => {
  it('asks GitHub to redeliver, oldest first, what failed or never arrived and was never applied; nothing else', async () => {
    const failedPr = attempt('guid-failed', 30, 'failed');
    const unreachablePush = attempt('guid-unreachable', 20, 'unreachable', { event: 'push', action: null });
    const appliedMeanwhile = attempt('guid-applied', 10, 'failed');
    await applyDeliveryOnce(t.db, { id: 'guid-applied', event: 'pull_request', action: 'closed', installationId: 4242 }, NOW.toISOString(), () => {});
    const retriedOk = [attempt('guid-retried', 5, 'ok', { redelivery: true }), attempt('guid-retried', 6, 'failed')];
    // Two failed attempts of one delivery: the latest is redelivered, once.
    const twiceFailed = [attempt('guid-twice', 2, 'failed', { redelivery: true }), attempt('guid-twice', 4, 'failed')];
    const unhandled = attempt('guid-labeled', 3, 'failed', { action: 'labeled' });
    const ping = attempt('guid-ping', 3, 'failed', { event: 'ping', action: null });
    const ok = attempt('guid-ok', 1, 'ok');
    const tooOld = attempt('guid-old', 80, 'failed');
    const beyond = attempt('guid-beyond', 90, 'failed');

    // Newest first, in two pages; the second reaches past the window, so no third page is asked for.
    nockHookDeliveries([
      [ok, twiceFailed[0]!, unhandled, ping, twiceFailed[1]!, retriedOk[0]!, retriedOk[1]!, appliedMeanwhile],
      [unreachablePush, failedPr, tooOld, beyond],
    ]);
    const redeliveries = nockRedeliveries();
    const result = await pass();

    expect(redeliveries.asked).toEqual([failedPr.id, unreachablePush.id, twiceFailed[0]!.id]);
    expect(result).toEqual({ listed: 10, failed: 4, known: 1, requested: 3 });
    expect((await t.db.select().from(webhookRedeliveryRequests)).map((r) => [r.guid, r.deliveryId, r.event])).toEqual([
      ['guid-failed', failedPr.id, 'pull_request'],
      ['guid-unreachable', unreachablePush.id, 'push'],
      ['guid-twice', twiceFailed[0]!.id, 'pull_request'],
    ]);
  });

  it('never asks twice for the same delivery, and asks at most maxPerPass a pass', async () => {
    const failed = [attempt('guid-a', 9, 'failed'), attempt('guid-b', 8, 'failed'), attempt('guid-c', 7, 'failed')];
    const listing = [...failed].reverse();
    const redeliveries = nockRedeliveries();

    nockHookDeliveries([listing]);
    expect(await pass(2)).toMatchObject({ failed: 3, known: 0, requested: 2 });
    expect(redeliveries.asked).toEqual([failed[0]!.id, failed[1]!.id]);

    // GitHub has not redelivered yet (or the redelivery failed too): the next pass asks only for the rest.
    nockHookDeliveries([listing]);
    expect(await pass(2)).toMatchObject({ failed: 3, known: 2, requested: 1 });
    nockHookDeliveries([listing]);
    expect(await pass(2)).toMatchObject({ failed: 3, known: 3, requested: 0 });
    expect(redeliveries.asked).toEqual(failed.map((d) => d.id));
  });

  it('keeps going past a refused redelivery and records only those GitHub accepted', async () => {
    const gone = attempt('guid-gone', 9, 'failed');
    const fine = attempt('guid-fine', 8, 'failed');
    nockHookDeliveries([[fine, gone]]);
    nock('https://api.github.com').post(`/app/hook/deliveries/${gone.id}/attempts`).reply(422, { message: 'Validation Failed' });
    nock('https://api.github.com').post(`/app/hook/deliveries/${fine.id}/attempts`).reply(202, {});
    expect(await pass()).toMatchObject({ failed: 2, requested: 1 });
    expect((await t.db.select().from(webhookRedeliveryRequests)).map((r) => r.guid)).toEqual(['guid-fine']);
  });
});

describe('the server', () => {
  it('runs a catch-up pass as it starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccm-catch-up-'));
    const lost = attempt('guid-lost', 1, 'unreachable');
    nockHookDeliveries([[{ ...lost, delivered_at: new Date(Date.now() - 3_600_000).toISOString() }]]);
    const redeliveries = nockRedeliveries();
    const config = testServerConfig(dir);
    const app = await startAppServer({ config, log: silentLog });
    try {
      for (let i = 0; i < 100 && redeliveries.asked.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(redeliveries.asked).toEqual([lost.id]);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
