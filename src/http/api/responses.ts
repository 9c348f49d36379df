import { z } from '@hono/zod-openapi';
import { ErrorSchema } from './schemas.js';

/* The responses every metrics API route documents: its 200 body and the error answers they share. */

const error = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

export const errorResponses = {
  400: error('A parameter is invalid or not available (the message names it)'),
  401: error('Missing, unknown or revoked API key'),
  404: error('No such org (or not one the key covers), or no such item'),
  429: error('Rate limit exceeded; see Retry-After'),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { content: { 'application/json': { schema } }, description },
  ...errorResponses,
});
