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

/** How a refusal answers where the spec's JSON shape is not the answer (an HTML page, an OTLP status). */
export type RefusalRenderer = (c: Context) => Response | Promise<Response>;

/**
 * A refusal in the spec's error shape, thrown from a route or middleware and written by the app's
 * one `onError`. A page's refusal carries its own renderer (the HTML message page it shows).
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly render?: RefusalRenderer,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The answer: the refusal's own rendering, else `{"error": {"type", "message"}}`. */
  answer(c: Context): Response | Promise<Response> {
    return this.render ? this.render(c) : c.json(errorBody(this.type, this.message), this.status, this.headers);
  }
}

/** The error type of the spec's shape that goes with a refusal's status. */
export const errorTypeOf = (status: number): ErrorType =>
  status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';

/** Answers an `ApiError` thrown in a sub-app; anything else goes on to the app's one `onError`. */
export function answerRefusal(error: Error, c: Context): Response | Promise<Response> {
  if (error instanceof ApiError) return error.answer(c);
  throw error;
}

/**
 * 503 with `Retry-After` when the database's write lock stayed taken (see db/store-busy.ts):
 * nothing was stored, and the sender should try again (OTLP exporters retry a 503; the pages and
 * the API say so). Never a 500: the request was fine.
 */
export function storeBusyRefusal(error: unknown): ApiError {
  const retryAfter = error instanceof StoreBusyError ? error.retryAfterSeconds : 1;
  return new ApiError(503, 'api_error', `The database is busy with another writer; nothing was stored. Retry in ${retryAfter} s.`, { 'retry-after': String(retryAfter) });
}
