import { createRoute, OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi';
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

/** An API app whose validation refusals are 400s in the spec's error shape (or in `body`'s, for Anthropic's paths). */
export function apiApp(body: (type: 'invalid_request_error', message: string) => object = errorBody) {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const where = result.target === 'param' ? 'path' : 'query';
        return c.json(body('invalid_request_error', describeIssue(result.error.issues[0]!, where)), 400);
      }
      return undefined;
    },
  });
}

/** Every route is read with an API key, in either header. */
export const API_SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];

/** A GET route of one org's figures, behind the API key: the shape of every metrics API route. */
export function orgRoute<P extends string, Req extends NonNullable<RouteConfig['request']>, Res extends RouteConfig['responses']>(route: {
  path: P;
  summary: string;
  description?: string;
  request: Req;
  responses: Res;
}) {
  const { path, summary, description, request, responses } = route;
  return createRoute({ method: 'get', path, summary, ...(description === undefined ? {} : { description }), security: API_SECURITY, request, responses });
}
