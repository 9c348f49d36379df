import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { admitApiKeyRequest, type AdmittedApiKeyRequest } from '../../db/api-key-requests.js';
import { findApiKey, markApiKeyUsed, type ApiKey } from '../../db/api-keys.js';
import type { Db } from '../../db/client.js';
import { whileServing } from '../../metrics/remembered-reports.js';
import { ApiError } from '../errors.js';
import type { ApiEnv } from './api-app.js';
import { FixedWindowRateLimiter } from './rate-limit.js';

/*
 * The API key check both APIs share (the metrics API under /api/v1 and Anthropic's paths under
 * /v1/organizations): the key in either header, the org it covers, and one rate limit per key
 * across both (and across the app's replicas), so a client cannot multiply its allowance by
 * switching paths or replicas.
 */

export interface ApiKeyAccessDeps {
  db: Db;
  now: () => Date;
  rateLimitPerMinute: number;
  /** Shared by every API the key may call. */
  limiter: FixedWindowRateLimiter;
  /**
   * The org the request names, when its path names one: a key for another org answers 404, as
   * if the org did not exist. Without it (Anthropic's paths), the key alone decides the org.
   */
  orgOf?: ((c: Context) => string) | undefined;
}

/** One minute's allowance per key, counted in the database: shared by the APIs built with it and by every replica on that database. */
export const apiRateLimiter = (db: Db, perMinute: number) => new FixedWindowRateLimiter(db, perMinute, 60_000);

/** The secret of `x-api-key`, else of `Authorization: Bearer`. */
export const apiKeySecret = (c: Context): string | undefined =>
  c.req.header('x-api-key') ?? /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];

/** Authenticates, scopes to the key's org and rate-limits; sets `apiKey` for the routes. */
export function apiKeyAccess({ db, now, rateLimitPerMinute, limiter, orgOf }: ApiKeyAccessDeps) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const secret = apiKeySecret(c);
    if (!secret) throw new ApiError(401, 'authentication_error', 'Missing API key: send "x-api-key: <key>" or "Authorization: Bearer <key>".');
    const org = orgOf?.(c);
    const at = now();
    const window = limiter.windowAt(at.getTime());
    let key: ApiKey | undefined;
    let used: number | undefined;
    let ended: AdmittedApiKeyRequest['processingEnded'] | undefined;
    if (db.engine === 'postgres') {
      // One round trip: the key, the take and the processing stamp (src/db/api-key-requests.ts).
      const admitted = await admitApiKeyRequest(db, { secret, org, windowStart: window.start, limit: limiter.limit });
      ({ key, used } = admitted ?? {});
      ended = admitted?.processingEnded;
    } else {
      key = await findApiKey(db, secret);
    }
    if (!key) throw new ApiError(401, 'authentication_error', 'Unknown or revoked API key.');
    // An org the key does not cover looks exactly like one that does not exist.
    if (org !== undefined && org !== key.org) throw new ApiError(404, 'not_found_error', `No organization "${org}".`);
    const verdict = ended ? limiter.verdict(used, window.resetSeconds) : await limiter.take(String(key.id), at.getTime());
    c.header('RateLimit-Policy', `${rateLimitPerMinute};w=60`);
    c.header('RateLimit-Limit', String(rateLimitPerMinute));
    c.header('RateLimit-Remaining', String(verdict.remaining));
    c.header('RateLimit-Reset', String(verdict.resetSeconds));
    if (!verdict.allowed) {
      c.header('Retry-After', String(verdict.resetSeconds));
      throw new ApiError(429, 'rate_limit_error', `Rate limit of ${rateLimitPerMinute} requests per minute exceeded; retry in ${verdict.resetSeconds} s.`);
    }
    await markApiKeyUsed(db, key, at);
    c.set('apiKey', key);
    if (ended) await whileServing(db, ended, next);
    else await next();
  });
}
