import type { Logger } from 'pino';
import type { ProbotOctokit } from 'probot';
import type { Db } from '../db/client.js';
import { knownDeliveryGuids, pruneRedeliveryRequests, recordRedeliveryRequest } from '../db/webhook-deliveries.js';
import { isHandledWebhook } from './webhook-payloads.js';
import { DAY_MS } from '../utc-days.js';

/*
 * Catch-up after downtime. GitHub does not retry a failed webhook delivery by itself: when the app
 * was down, unreachable or answered an error, the delivery is lost unless someone asks GitHub for it
 * again. A pass lists the app's recent deliveries (`GET /app/hook/deliveries`, as the app, with its
 * JWT) newest first, page by page, back to the lookback window, and asks GitHub to redeliver
 * (`POST /app/hook/deliveries/{id}/attempts`) each delivery of a handled event whose every attempt
 * failed, unless it was applied already (its guid, the `X-GitHub-Delivery`, is in
 * `webhook_deliveries`) or asked for before. The redelivery then arrives through the webhook route
 * like any delivery, and is applied once.
 */

/** A delivery as GitHub lists it (one attempt; redeliveries share the original's guid). */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

export interface CatchUpOptions {
  db: Db;
  /** Authenticated as the app itself (JWT): `probot.auth()` without an installation id. */
  octokit: Pick<ProbotOctokit, 'paginate' | 'request'>;
  log: Logger;
  now?: () => Date;
  /** How far back to look; GitHub keeps deliveries for 3 days. */
  lookbackHours: number;
  /** At most this many redeliveries asked for in one pass. */
  maxPerPass: number;
}

export interface CatchUpResult {
  /** Delivery attempts listed within the window. */
  listed: number;
  /** Deliveries (by guid) of handled events that never succeeded. */
  failed: number;
  /** Of those, applied already or asked for before. */
  known: number;
  /** Redeliveries asked for in this pass. */
  requested: number;
}

/** Listing stops after this many pages whatever the window (100 deliveries a page). */
const MAX_PAGES = 50;

const succeeded = (d: HookDelivery) => d.status === 'OK' || (d.status_code >= 200 && d.status_code < 300);

/** One catch-up pass. */
export async function catchUpDeliveries({ db, octokit, log, now = () => new Date(), lookbackHours, maxPerPass }: CatchUpOptions): Promise<CatchUpResult> {
  const started = now();
  const since = started.getTime() - lookbackHours * 3_600_000;
  const attempts = new Map<string, HookDelivery[]>();
  let listed = 0;
  let pages = 0;
  for await (const page of octokit.paginate.iterator('GET /app/hook/deliveries', { per_page: 100 })) {
    pages += 1;
    let pastWindow = false;
    for (const delivery of page.data as HookDelivery[]) {
      if (!(Date.parse(delivery.delivered_at) >= since)) {
        pastWindow = true;
        continue;
      }
      listed += 1;
      const list = attempts.get(delivery.guid) ?? [];
      list.push(delivery);
      attempts.set(delivery.guid, list);
    }
    // Newest first: once a page reaches past the window, later pages are older still.
    if (pastWindow || pages >= MAX_PAGES) break;
  }

  const failed = [...attempts.values()]
    .filter((list) => isHandledWebhook(list[0]!.event, list[0]!.action) && !list.some(succeeded))
    // The latest attempt is the one to redeliver; the oldest delivery goes first.
    .map((list) => list.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a)))
    .sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at));
  const known = await knownDeliveryGuids(
    db,
    failed.map((d) => d.guid),
  );
  const unknown = failed.filter((d) => !known.has(d.guid));
  const wanted = unknown.slice(0, maxPerPass);

  let requested = 0;
  for (const delivery of wanted) {
    try {
      await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: delivery.id });
    } catch (error) {
      const status = (error as { status?: number }).status;
      log.warn({ err: error, delivery: delivery.guid, event: delivery.event }, 'webhook catch-up: GitHub refused a redelivery');
      // Rate limited or not allowed: the next pass tries again.
      if (status === 403 || status === 429) break;
      continue;
    }
    await recordRedeliveryRequest(db, { guid: delivery.guid, deliveryId: delivery.id, event: delivery.event }, now().toISOString());
    requested += 1;
  }
  await pruneRedeliveryRequests(db, new Date(started.getTime() - 7 * DAY_MS).toISOString());

  const result = { listed, failed: failed.length, known: failed.length - unknown.length, requested };
  if (requested > 0 || result.failed > result.known) log.info(result, 'webhook catch-up: asked GitHub to redeliver failed deliveries');
  else log.debug(result, 'webhook catch-up: nothing to redeliver');
  return result;
}

/**
 * Runs a pass at once and then every `intervalMinutes`, one at a time; `stop()` waits for a pass
 * under way. A failed pass (GitHub unreachable) is logged and the next one runs on time.
 */
export function scheduleDeliveryCatchUp(
  options: Omit<CatchUpOptions, 'octokit'> & { octokit: () => Promise<CatchUpOptions['octokit']>; intervalMinutes: number },
): { stop(): Promise<void>; running(): Promise<void> } {
  let current: Promise<void> = Promise.resolve();
  let busy = false;
  const pass = () => {
    if (busy) return;
    busy = true;
    current = (async () => {
      try {
        await catchUpDeliveries({ ...options, octokit: await options.octokit() });
      } catch (error) {
        options.log.warn({ err: error }, 'webhook catch-up failed; the next pass tries again');
      } finally {
        busy = false;
      }
    })();
  };
  pass();
  const timer = setInterval(pass, options.intervalMinutes * 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
    running: () => current,
  };
}
