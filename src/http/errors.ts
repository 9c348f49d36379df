import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { StoreBusyError } from '../db/store-busy.js';

/** The error types of the spec's error shape `{"error": {"type", "message"}}`. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error';

export function errorBody(type: ErrorType, message: string) {
  return { error: { type, message } };
}

export function jsonError(c: Context, status: ContentfulStatusCode, type: ErrorType, message: string) {
  return c.json(errorBody(type, message), status);
}

/**
 * A refusal in the spec's error shape, thrown from a route or middleware and written by the app's
 * one `onError`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * 503 with `Retry-After` when the database's write lock stayed taken (see db/store-busy.ts):
 * nothing was stored, and the sender should try again (OTLP exporters retry a 503; the pages and
 * the API say so). Never a 500: the request was fine.
 */
export function storeBusyResponse(c: Context, error: unknown) {
  const retryAfter = error instanceof StoreBusyError ? error.retryAfterSeconds : 1;
  c.header('Retry-After', String(retryAfter));
  return jsonError(c, 503, 'api_error', `The database is busy with another writer; nothing was stored. Retry in ${retryAfter} s.`);
}
