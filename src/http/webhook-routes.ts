import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { WEBHOOKS_PATH } from '../github/app.js';
import { isKnownWebhookEvent, webhookPayloadProblem } from '../github/webhook-payloads.js';
import { isStoreBusy, StoreBusyError } from '../db/store-busy.js';
import { ApiError } from './errors.js';

/*
 * Where GitHub delivers webhooks. The route reads the body itself, within a size limit, checks the
 * signature, the JSON and the fields the handlers read, and only then hands the delivery to Probot
 * (`receive`), so that an unauthenticated body is never buffered beyond the limit, never logged,
 * and every refusal has the spec's error shape and stores nothing.
 */

export interface WebhookReceiver {
  /** The secret GitHub signs deliveries with (`X-Hub-Signature-256`). */
  secret: string;
  /** Runs the app's handlers for one verified delivery (Probot's `receive`). */
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
}

export interface WebhookRoutesDeps {
  /** Absent when the app has no GitHub credentials: deliveries are refused with a 503. */
  receiver: WebhookReceiver | undefined;
  /** Largest body accepted (GitHub caps payloads at 25 MB). */
  maxBodyBytes: number;
  log: Logger;
}

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** Reads at most `maxBodyBytes`, hashing as it goes; past the limit it stops reading and refuses. */
async function readSignedBody(body: ReadableStream<Uint8Array> | null, secret: string, maxBodyBytes: number) {
  const hmac = createHmac('sha256', secret);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        // What is left unread is discarded by the server and the connection closed, never buffered.
        if (size > maxBodyBytes) throw new ApiError(413, 'invalid_request_error', `Body is larger than ${maxBodyBytes} bytes.`, { connection: 'close' });
        hmac.update(value);
        chunks.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  // Joined and decoded only once the signature matches: an unsigned body is never copied.
  return { text: () => Buffer.concat(chunks, size).toString('utf8'), digest: hmac.digest() };
}

/** The store is busy (another connection holds SQLite's write lock): GitHub may deliver again. */
function busyError(error: unknown): StoreBusyError | true | undefined {
  const errors = error instanceof AggregateError ? error.errors : [error];
  const busy = errors.find((e) => isStoreBusy(e));
  return busy instanceof StoreBusyError ? busy : busy !== undefined ? true : undefined;
}

export function webhookRoutes({ receiver, maxBodyBytes, log }: WebhookRoutesDeps) {
  const app = new Hono();

  app.post(WEBHOOKS_PATH, async (c) => {
    if (!receiver) {
      throw new ApiError(503, 'api_error', 'GitHub App not configured: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET, then restart.');
    }
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      throw new ApiError(415, 'invalid_request_error', 'Unsupported Content-Type: GitHub App webhooks are application/json.');
    }
    const name = c.req.header('x-github-event');
    if (!name) throw new ApiError(400, 'invalid_request_error', 'Missing X-GitHub-Event header.');
    if (!isKnownWebhookEvent(name)) throw new ApiError(400, 'invalid_request_error', 'Unknown X-GitHub-Event: not an event GitHub sends.');
    const id = c.req.header('x-github-delivery');
    if (!id || !DELIVERY_ID.test(id)) throw new ApiError(400, 'invalid_request_error', 'Missing or malformed X-GitHub-Delivery header.');
    const signature = SIGNATURE.exec(c.req.header('x-hub-signature-256') ?? '')?.[1];
    if (!signature) throw new ApiError(401, 'authentication_error', 'Missing or malformed X-Hub-Signature-256 header: deliveries must be signed.');
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > maxBodyBytes) throw new ApiError(413, 'invalid_request_error', `Body is larger than ${maxBodyBytes} bytes.`, { connection: 'close' });

    const body = await readSignedBody(c.req.raw.body, receiver.secret, maxBodyBytes);
    if (!timingSafeEqual(body.digest, Buffer.from(signature, 'hex'))) {
      throw new ApiError(401, 'authentication_error', 'Signature does not match the body and the webhook secret.');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.text());
    } catch {
      // The parser's message quotes the body: it is not repeated here.
      throw new ApiError(400, 'invalid_request_error', 'Body is not valid JSON.');
    }
    const problem = webhookPayloadProblem(name, payload);
    if (problem) throw new ApiError(400, 'invalid_request_error', `Malformed ${name} payload: ${problem}`);

    try {
      await receiver.receive({ id, name, payload });
    } catch (error) {
      const busy = busyError(error);
      if (busy) {
        const retryAfter = busy instanceof StoreBusyError ? busy.retryAfterSeconds : 5;
        log.warn({ delivery: id, event: name }, 'webhook delivery deferred: the database is busy');
        throw new ApiError(503, 'api_error', 'The database is busy; deliver again shortly.', { 'retry-after': String(retryAfter) });
      }
      log.error({ err: error, delivery: id, event: name }, 'webhook delivery failed');
      throw new ApiError(500, 'api_error', 'Internal error; the server log has the details.');
    }
    return c.json({});
  });

  return app;
}
