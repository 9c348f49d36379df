import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

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
