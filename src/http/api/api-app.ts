import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { ApiKey } from '../../db/api-keys.js';
import { errorBody } from '../errors.js';

/*
 * The metrics API's Hono apps: what a route may read from the context (the key that was checked),
 * and the one validation hook that answers a request its zod schema refuses, in the spec's error
 * shape, naming the parameter.
 */

export type ApiEnv = { Variables: { apiKey: ApiKey } };

function describeIssue(issue: z.core.$ZodIssue, where: 'query' | 'path'): string {
  if (issue.code === 'unrecognized_keys') {
    return `Unknown ${where} parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  // A rule across parameters (a range's two ends) names none of them.
  if (issue.path.length === 0) return `Invalid ${where} parameters: ${issue.message}`;
  return `Invalid ${where} parameter "${String(issue.path[0])}": ${issue.message}`;
}

/** An API app whose validation refusals are 400s in the spec's error shape. */
export function apiApp() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const where = result.target === 'param' ? 'path' : 'query';
        return c.json(errorBody('invalid_request_error', describeIssue(result.error.issues[0]!, where)), 400);
      }
      return undefined;
    },
  });
}
