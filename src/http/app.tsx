import type { HttpBindings } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from 'pino';
import { isDbReachable, type Db } from '../db/client.js';
import { installedOrgs, storedCountsOf } from '../db/overview.js';
import { lastRunsOf } from '../db/rollups.js';
import { WEBHOOKS_PATH } from '../config.js';
import { countJobsByStatus } from '../jobs/job-queue.js';
import type { Processor } from '../processing/processor.js';
import { isStoreBusy } from '../db/store-busy.js';
import { ApiError, errorBody, jsonError, storeBusyRefusal } from './errors.js';
import { ANTHROPIC_BASE_PATH, anthropicApi, documentAnthropicPaths } from './api/anthropic-api.js';
import { apiRateLimiter } from './api/api-key-access.js';
import { metricsApi, OPENAPI_INFO } from './api/metrics-api.js';
import { ApiDocsPage, type OpenApiDocument } from './pages/api-docs-page.js';
import { HomePage, type HomeOrg } from './pages/home-page.js';
import { orgPages } from './pages/org-routes.js';
import { assetRoutes } from './assets.js';
import type { OrgAccess } from './auth/org-access.js';
import { signInRoutes, webSession, type WebEnv } from './auth/sign-in-routes.js';
import { telemetryRoutes } from './telemetry-routes.js';
import { webhookRoutes, type WebhookReceiver } from './webhook-routes.js';

export interface HttpAppDeps {
  db: Db;
  log: Logger;
  /** Runs verified webhook deliveries (Probot); absent when the app has no GitHub credentials. */
  webhooks?: WebhookReceiver | undefined;
  /** Largest webhook body accepted (default 25 MiB, GitHub's own cap on payloads). */
  webhookMaxBodyBytes?: number;
  fingerprintKey: string;
  ingestMaxBodyBytes: number;
  /** Metrics API requests per minute per key. */
  apiRateLimitPerMinute?: number;
  /** The org's seats (SEATS, else its GitHub member count, read from the store); null when unknown. */
  seats?: ((org: string) => Promise<number | null> | number | null) | undefined;
  /** The org's discount on list spend, in percent (DISCOUNT_PERCENT); default 0. */
  discountPercent?: ((org: string) => number) | undefined;
  now?: () => Date;
  /** The metrics pages: sign-in and access; without it the pages say sign-in is not set up. */
  pages?: PagesDeps | undefined;
}

export interface PagesDeps {
  sessionKey: string;
  oauth: { clientId: string; clientSecret: string } | undefined;
  githubApiBaseUrl: string;
  githubWebUrl: string;
  publicUrl: string | undefined;
  access: OrgAccess | undefined;
  processor: Pick<Processor, 'start'>;
  /** PAGE_FRESH_WAIT_MS (default 250). */
  freshWaitMs?: number | undefined;
}

/** Largest form a page accepts (settings forms hold a few short fields). */
const PAGE_FORM_MAX_BYTES = 64 * 1024;

export type AppEnv = { Bindings: HttpBindings; Variables: WebEnv['Variables'] };

/** The one Hono app behind the server's single port. */
export function createHttpApp({ db, log, webhooks, webhookMaxBodyBytes = 25 * 1024 * 1024, fingerprintKey, ingestMaxBodyBytes, apiRateLimitPerMinute, seats, discountPercent, now = () => new Date(), pages }: HttpAppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const web = pages ?? {
    sessionKey: randomBytes(32).toString('hex'),
    oauth: undefined,
    githubApiBaseUrl: 'https://api.github.com',
    githubWebUrl: 'https://github.com',
    publicUrl: undefined,
    access: undefined,
    processor: {
      start: () => {
        throw new Error('processing is not available here');
      },
    },
  };

  app.route('/', telemetryRoutes({ db, log, fingerprintKey, maxBodyBytes: ingestMaxBodyBytes, now }));
  // One allowance per key across /api/v1 and Anthropic's paths.
  const rateLimitPerMinute = apiRateLimitPerMinute ?? 60;
  const limiter = apiRateLimiter(db, rateLimitPerMinute);
  const api = metricsApi({ db, now, rateLimitPerMinute, limiter, seats, discountPercent });
  app.route('/api/v1', api);
  const anthropic = anthropicApi({ db, log, now, rateLimitPerMinute, limiter, seats: seats ?? (() => null), discountPercent: discountPercent ?? (() => 0) });
  app.route(ANTHROPIC_BASE_PATH, anthropic);
  documentAnthropicPaths(anthropic, api);

  // The metrics pages: scripts and styles only from this server; forms only posted from its own pages.
  app.route('/', assetRoutes());
  const pageHeaders = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
  const sameOrigin = csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === web.publicUrl });
  // The pages' forms are a few fields: a larger body is refused before it is read.
  const formLimit = bodyLimit({
    maxSize: PAGE_FORM_MAX_BYTES,
    onError: () => {
      throw new ApiError(413, 'invalid_request_error', `Form is larger than ${PAGE_FORM_MAX_BYTES} bytes.`);
    },
  });
  for (const path of ['/auth/*', '/orgs/*']) {
    app.use(path, pageHeaders, sameOrigin, formLimit, webSession({ db, sessionKey: web.sessionKey, now }));
  }
  // The home page (an org's figures, the sign-out form) and the API reference are pages too.
  app.get('/api/docs', pageHeaders, (c) => c.html(<ApiDocsPage doc={api.getOpenAPI31Document(OPENAPI_INFO) as unknown as OpenApiDocument} />));
  app.route('/', signInRoutes({ db, log, oauth: web.oauth, githubApiBaseUrl: web.githubApiBaseUrl, sessionKey: web.sessionKey, publicUrl: web.publicUrl, now }));
  app.route(
    '/',
    orgPages({ db, log, now, ...web, seats, discountPercent }),
  );

  app.get('/healthz', async (c) =>
    (await isDbReachable(db)) ? c.json({ status: 'ok' }) : c.json({ status: 'unavailable', reason: 'database unreachable' }, 503),
  );

  app.route('/', webhookRoutes({ receiver: webhooks, maxBodyBytes: webhookMaxBodyBytes, log }));

  app.get('/', pageHeaders, webSession({ db, sessionKey: web.sessionKey, now }), async (c) => {
    const origin = new URL(c.req.url).origin;
    const signedIn = c.get('viewer');
    let viewer: { login: string; orgs: HomeOrg[] } | undefined;
    if (signedIn) {
      // Only the orgs this person may see, asked of GitHub (remembered for minutes); an org GitHub
      // cannot answer for is left out. Signed out, nothing of any org is shown.
      const orgs: HomeOrg[] = [];
      for (const org of await installedOrgs(db)) {
        const role = await web.access?.roleOf(org, signedIn.githubLogin).catch(() => null);
        if (role) orgs.push({ login: org, role, counts: await storedCountsOf(db, org), jobs: await countJobsByStatus(db, { org }), lastRun: (await lastRunsOf(db, org, 1))[0] });
      }
      viewer = { login: signedIn.githubLogin, orgs };
    }
    return c.html(
      <HomePage
        githubConfigured={webhooks !== undefined}
        webhooksUrl={`${web.publicUrl ?? origin}${WEBHOOKS_PATH}`}
        viewer={viewer}
        signInConfigured={web.oauth !== undefined}
      />,
    );
  });

  app.notFound((c) => jsonError(c, 404, 'not_found_error', `No route for ${c.req.method} ${c.req.path}`));

  app.onError((error, c) => {
    // Refusals raised by middleware (a cross-site form post) carry their own answer.
    if (error instanceof HTTPException) return error.getResponse();
    if (isStoreBusy(error)) {
      log.warn({ method: c.req.method, path: c.req.path }, 'database busy: answered 503');
      return storeBusyRefusal(error).answer(c);
    }
    // A refusal: the spec's error shape, or the page or status the refusal renders itself.
    if (error instanceof ApiError) return error.answer(c);
    log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(errorBody('api_error', 'Internal error; the server log has the details.'), 500);
  });

  return app;
}
