import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { isKeptReport } from '../../metrics/remembered-reports.js';
import { ErrorSchema } from './schemas.js';

/* The responses every metrics API route documents: its 200 body and the error answers they share. */

const error = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

export const errorResponses = {
  400: error('A parameter is invalid or not available (the message names it)'),
  401: error('Missing, unknown or revoked API key'),
  404: error('No such org (or not one the key covers), or no such item'),
  429: error('Rate limit exceeded; see Retry-After'),
} as const;

/** `freshJson()`'s answer when If-None-Match names the current ETag. */
export const notModified = { 304: { description: 'Not modified: If-None-Match names the current ETag (no body)' } } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { content: { 'application/json': { schema } }, description },
  ...notModified,
  ...errorResponses,
});

/**
 * Whether `If-None-Match` names this ETag. As HTTP asks: a list of tags, compared weakly (a proxy
 * that compresses answers may send it back as `W/"…"`), or `*`.
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A kept report's JSON text and ETag, by the report: it never changes, so each is worked out once. */
const keptSerializations = new WeakMap<object, { text: string; etag: string }>();

export function serialized(body: unknown): { text: string; etag: string } {
  const kept = isKeptReport(body) ? keptSerializations.get(body) : undefined;
  if (kept) return kept;
  const text = JSON.stringify(body);
  const made = { text, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"` };
  if (isKeptReport(body)) keptSerializations.set(body, made);
  return made;
}

/**
 * Answers JSON with an ETag (of the body) and `Cache-Control: private, no-cache`, or 304 when the
 * caller already has it. Typed as the JSON answer of `body`, so a route's answer is checked against
 * its schema.
 */
export function freshJson<T>(c: Context, body: T): Response & TypedResponse<JSONParsed<T>, 200, 'json'> {
  const { text, etag } = serialized(body);
  c.header('ETag', etag);
  c.header('Cache-Control', 'private, no-cache');
  const answer: Response = ifNoneMatch(c.req.header('if-none-match'), etag) ? c.body(null, 304) : c.body(text, 200, { 'content-type': 'application/json' });
  return answer as Response & TypedResponse<JSONParsed<T>, 200, 'json'>;
}
