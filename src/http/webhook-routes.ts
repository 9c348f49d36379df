import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { WEBHOOKS_PATH } from '../config.js';
import { isKnownWebhookEvent, webhookPayloadProblem } from '../github/webhook-payloads.js';
import { isStoreBusy, StoreBusyError } from '../db/store-busy.js';
import { ApiError } from './errors.js';
import { BodyTooLargeError, InFlightBytes, readBodyWithin, TooManyBodiesError } from './in-flight-bytes.js';

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
  /**
   * Bytes of webhook bodies held at once, across requests (default 4 × `maxBodyBytes`). A body is
   * read whole before its signature can be checked, so without this bound many unsigned bodies
   * sent at once (or slowly) would each hold up to `maxBodyBytes` of memory.
   */
  maxInFlightBytes?: number;
  log: Logger;
}

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Reads at most `maxBodyBytes` within the route's shared budget, hashing as it goes; past either it
 * stops reading and refuses (the connection closed, the rest discarded unread).
 */
async function readSignedBody(body: ReadableStream<Uint8Array> | null, secret: string, maxBodyBytes: number, inFlight: InFlightBytes, held: { bytes: number }) {
  const hmac = createHmac('sha256', secret);
  let read: { chunks: Uint8Array[]; size: number };
  try {
    read = await readBodyWithin(body, { maxBytes: maxBodyBytes, inFlight, held, onChunk: (chunk) => hmac.update(chunk) });
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ApiError(413, 'invalid_request_error', error.message, { connection: 'close' });
    if (error instanceof TooManyBodiesError) {
      throw new ApiError(503, 'api_error', 'Too many webhook bodies are being received at once; deliver again shortly.', { 'retry-after': '5', connection: 'close' });
    }
    throw error;
  }
  // Joined and decoded only once the signature matches: an unsigned body is never copied.
  return { text: () => Buffer.concat(read.chunks, read.size).toString('utf8'), digest: hmac.digest() };
}

/** The store is busy (another connection holds SQLite's write lock): GitHub may deliver again. */
function busyError(error: unknown): StoreBusyError | true | undefined {
  const errors = error instanceof AggregateError ? error.errors : [error];
  const busy = errors.find((e) => isStoreBusy(e));
  return busy instanceof StoreBusyError ? busy : busy !== undefined ? true : undefined;
}

export function webhookRoutes({ receiver, maxBodyBytes, maxInFlightBytes = 4 * maxBodyBytes, log }: WebhookRoutesDeps) {
  const app = new Hono();
  const inFlight = new InFlightBytes(maxInFlightBytes);

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

    // The bytes read are held until the delivery is handled, then given back to the shared bound.
    const held = { bytes: 0 };
    try {
      const body = await readSignedBody(c.req.raw.body, receiver.secret, maxBodyBytes, inFlight, held);
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
    } finally {
      inFlight.release(held.bytes);
    }
  });

  return app;
}
