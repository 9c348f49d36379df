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
