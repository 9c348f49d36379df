import { gunzipSync, inflateSync } from 'node:zlib';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { findIngestToken, type IngestToken } from '../db/ingest-tokens.js';
import { hookCallSchema } from '../telemetry/hook-call.js';
import { jsonShapeProblem } from '../telemetry/ingest-bounds.js';
import { applyHookCall, prepareHookCall } from '../telemetry/ingest-hook.js';
import { bodyHash, ingestLogs, ingestMetrics } from '../telemetry/ingest-otlp.js';
import { logEvents, metricPoints } from '../telemetry/otlp-model.js';
import { decodeOtlp, encodeOtlpResponse, encodeOtlpStatus, OtlpDecodeError, OtlpTooLargeError, type OtlpFormat, type Signal } from '../telemetry/otlp-decode.js';
import { isStoreBusy, writeWhenFree } from '../db/store-busy.js';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, errorTypeOf, storeBusyRefusal } from './errors.js';
import { BodyTooLargeError, InFlightBytes, readBodyWithin, TooManyBodiesError } from './in-flight-bytes.js';

/*
 * Where Claude Code sends its telemetry (OTLP/HTTP, as an OpenTelemetry collector answers it) and
 * its PostToolUse hook calls. Every refusal is a 4xx and stores nothing: OTLP refusals carry a
 * `google.rpc.Status` in the request's encoding (as the OTLP/HTTP spec asks), hook refusals the
 * spec's error shape.
 */

export interface TelemetryRoutesDeps {
  db: Db;
  log: Logger;
  fingerprintKey: string;
  /** Largest body accepted, on the wire and after decompression. */
  maxBodyBytes: number;
  /**
   * Bytes of bodies held at once by all telemetry and hook requests together (default
   * 8 × `maxBodyBytes`): an ingest token is on every developer machine, and without this bound
   * many unfinished bodies sent at once would each hold up to `maxBodyBytes`.
   */
  maxInFlightBytes?: number;
  /** How long an OTLP request waits for SQLite's write lock before answering 503 (default 2 s; PostgreSQL has no such lock). */
  storeBusyWaitMs?: number;
  /** The same for a hook call (default 10 s). */
  hookStoreBusyWaitMs?: number;
  now?: () => Date;
}

type TelemetryEnv = { Variables: { token: IngestToken; held: { bytes: number } } };

/** A refusal of the request's body or headers (its error type follows from the status). */
const refusal = (status: 400 | 401 | 405 | 413 | 415, message: string, headers: Record<string, string> = {}) =>
  new ApiError(status, errorTypeOf(status), message, headers);

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function otlpFormat(contentType: string | undefined): OtlpFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  throw refusal(
    415,
    `Unsupported Content-Type "${contentType ?? ''}": send application/json or application/x-protobuf (OTLP/HTTP).`,
  );
}

/** The route's body (within the route's shared budget), decompressed within `maxBodyBytes`. */
async function readBody(c: Context<TelemetryEnv>, maxBodyBytes: number, inFlight: InFlightBytes): Promise<Uint8Array> {
  let read: { chunks: Uint8Array[]; size: number };
  try {
    read = await readBodyWithin(c.req.raw.body, { maxBytes: maxBodyBytes, inFlight, held: c.get('held') });
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw refusal(413, error.message);
    throw error;
  }
  const raw = new Uint8Array(Buffer.concat(read.chunks, read.size));
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw refusal(415, `Unsupported Content-Encoding "${encoding}": send gzip or no encoding.`);
  }
  try {
    // The output limit guards against a small body that inflates to gigabytes.
    return encoding === 'gzip' ? gunzipSync(raw, { maxOutputLength: maxBodyBytes }) : inflateSync(raw, { maxOutputLength: maxBodyBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw refusal(413, `Body is larger than ${maxBodyBytes} bytes once decompressed.`);
    }
    throw refusal(400, `Body is not valid ${encoding} data: ${(error as Error).message}`);
  }
}

/** The request's OTLP encoding, for the answer: JSON when the content type names neither. */
function answerFormat(c: Context): OtlpFormat {
  try {
    return otlpFormat(c.req.header('content-type'));
  } catch {
    return 'json';
  }
}

/** Protobuf bytes as a body Hono sends as is. */
const bodyOf = (bytes: Uint8Array | string) => (typeof bytes === 'string' ? bytes : Uint8Array.from(bytes));

/** An OTLP/HTTP refusal: the status with a `google.rpc.Status` body in the request's encoding. */
function otlpRefusal(c: Context, status: ContentfulStatusCode, message: string, headers: Record<string, string> = {}) {
  const { body, contentType } = encodeOtlpStatus(answerFormat(c), status, message);
  return c.body(bodyOf(body), status, { 'content-type': contentType, ...headers });
}

const OTLP_PATHS = ['/v1/metrics', '/v1/logs'] as const;
const HOOK_PATH = '/hooks/claude-code';

/**
 * How long a request waits for the write lock. OTLP exporters retry a 503 (honouring
 * `Retry-After`) within their export timeout, 10 s by default, so a short wait and a prompt 503
 * leave them room for several tries.
 */
export const STORE_BUSY_WAIT_MS = 2_000;

/**
 * Claude Code does not send a failed hook call again, and waits for a hook far longer than this,
 * so a hook call waits longer for the lock: a 503 there loses the lines it carried.
 */
export const HOOK_STORE_BUSY_WAIT_MS = 10_000;

export function telemetryRoutes({
  db,
  log,
  fingerprintKey,
  maxBodyBytes,
  maxInFlightBytes = 8 * maxBodyBytes,
  storeBusyWaitMs = STORE_BUSY_WAIT_MS,
  hookStoreBusyWaitMs = HOOK_STORE_BUSY_WAIT_MS,
  now = () => new Date(),
}: TelemetryRoutesDeps) {
  const app = new Hono<TelemetryEnv>();
  const isOtlp = (c: Context) => c.req.path !== HOOK_PATH;
  const inFlight = new InFlightBytes(maxInFlightBytes);
  /** What a request's body holds of the shared budget, given back when the request is done. */
  const holdBody = createMiddleware<TelemetryEnv>(async (c, next) => {
    const held = { bytes: 0 };
    c.set('held', held);
    try {
      await next();
    } finally {
      inFlight.release(held.bytes);
    }
  });

  const authenticate = createMiddleware<TelemetryEnv>(async (c, next) => {
    const secret = bearerToken(c.req.header('authorization'));
    if (!secret) throw refusal(401, 'Missing ingest token: send "Authorization: Bearer <token>".');
    const token = await findIngestToken(db, secret);
    if (!token) throw refusal(401, 'Unknown or revoked ingest token.');
    c.set('token', token);
    await next();
  });

  // A declared length over the limit is refused before reading; the body itself is read within
  // the limit and the shared budget by readBody (Hono's bodyLimit would buffer a chunked body whole first).
  const limit = createMiddleware<TelemetryEnv>(async (c, next) => {
    if (Number(c.req.header('content-length') ?? '0') > maxBodyBytes) throw refusal(413, `Body is larger than ${maxBodyBytes} bytes.`);
    await next();
  });

  /** What the ingest steps throw, as the refusal it is (undefined: not a refusal, the app's onError logs it). */
  const refusalOf = (c: Context, error: Error): ApiError | undefined => {
    if (error instanceof ApiError) return error;
    if (error instanceof OtlpDecodeError) return refusal(400, error.message);
    if (error instanceof OtlpTooLargeError) return refusal(413, error.message);
    if (error instanceof TooManyBodiesError) {
      // A retryable refusal: exporters retry a 503 after Retry-After.
      return new ApiError(503, 'api_error', 'Too many bodies are being received at once; nothing was stored. Retry shortly.', { 'retry-after': '1', connection: 'close' });
    }
    if (isStoreBusy(error)) {
      log.warn({ path: c.req.path }, 'database busy: telemetry refused with 503, the sender retries');
      return storeBusyRefusal(error);
    }
    return undefined;
  };

  // Every refusal in the route's error shape: OTLP's `google.rpc.Status`, or the spec's `{"error": …}` for hook calls.
  app.onError((error, c) => {
    const refused = refusalOf(c, error);
    if (!refused) throw error;
    return isOtlp(c) ? otlpRefusal(c, refused.status, refused.message, refused.headers) : refused.answer(c);
  });

  const otlp = (signal: Signal) => async (c: Context<TelemetryEnv>) => {
    const format = otlpFormat(c.req.header('content-type'));
    const body = await readBody(c, maxBodyBytes, inFlight);
    const token = c.get('token');
    const hash = bodyHash(body);
    const at = now();
    const request = decodeOtlp(signal, format, body);
    const points = signal === 'metrics' ? metricPoints(request, format) : [];
    const events = signal === 'logs' ? logEvents(request, format) : [];
    const result = await writeWhenFree(
      () =>
        signal === 'metrics'
          ? ingestMetrics(db, { token, points, hash, now: at })
          : ingestLogs(db, { token, events, hash, now: at }),
      { maxWaitMs: storeBusyWaitMs },
    );
    log.debug({ signal, org: token.org, ...result }, result.applied ? 'telemetry stored' : 'telemetry repeat ignored');
    const response = encodeOtlpResponse(signal, format, { count: result.rejected, message: result.rejectionMessage });
    return c.body(bodyOf(response.body), 200, { 'content-type': response.contentType });
  };

  app.post('/v1/metrics', authenticate, limit, holdBody, otlp('metrics'));
  app.post('/v1/logs', authenticate, limit, holdBody, otlp('logs'));
  // OTLP/HTTP is POST only; other methods get 405 with the allowed one.
  for (const path of OTLP_PATHS) {
    app.on(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], path, (c) => {
      throw refusal(405, `${c.req.method} is not supported: OTLP/HTTP exports are POST requests.`, { allow: 'POST' });
    });
  }
  app.on(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], HOOK_PATH, (c) => {
    throw refusal(405, `${c.req.method} is not supported: hook calls are POST requests.`, { allow: 'POST' });
  });

  app.post(HOOK_PATH, authenticate, limit, holdBody, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw refusal(415, `Unsupported Content-Type "${c.req.header('content-type') ?? ''}": hook calls are application/json.`);
    }
    const body = await readBody(c, maxBodyBytes, inFlight);
    const problem = jsonShapeProblem(body);
    if (problem) throw refusal(problem.startsWith('it holds') ? 413 : 400, `Body is not a hook call we read: ${problem}.`);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch (error) {
      throw refusal(400, `Body is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = hookCallSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw refusal(400, `Not a Claude Code hook call: ${issue.path.join('.') || 'body'} ${issue.message}`);
    }
    // Only PostToolUse carries what the app measures; other hook events are acknowledged.
    if (parsed.data.hook_event_name !== 'PostToolUse') return c.json({});
    const token = c.get('token');
    const at = now();
    // The per-line work yields to the event loop every few thousand lines; only the write waits for the store.
    const prepared = await prepareHookCall(db, { token, call: parsed.data, fingerprintKey });
    const result = await writeWhenFree(() => applyHookCall(db, prepared, { fingerprintKey, now: at }), { maxWaitMs: hookStoreBusyWaitMs });
    log.debug({ org: token.org, tool: parsed.data.tool_name, ...result }, 'hook call stored');
    return c.json({});
  });

  return app;
}
