import { randomBytes, timingSafeEqual } from 'node:crypto';
import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from '@octokit/oauth-methods';
import { request as octokitRequest } from '@octokit/request';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { createWebSession, deleteWebSession, findWebSession, purgeExpiredWebSessions, SESSION_TTL_MS, type WebSession } from '../../db/web-sessions.js';
import { MessagePage } from '../pages/layout.js';

/*
 * Sign in with GitHub: the GitHub App's OAuth web flow. `state` travels in a short-lived signed
 * cookie and must come back unchanged; the session is a random id in a signed, HttpOnly,
 * SameSite=Lax cookie (Secure when the app is reached over https). GitHub's token serves once, to
 * learn who signed in, and is dropped.
 */

export const SESSION_COOKIE = 'ccm_session';
const STATE_COOKIE = 'ccm_oauth_state';

export interface SignInDeps {
  db: Db;
  log: Logger;
  oauth: { clientId: string; clientSecret: string } | undefined;
  /** The REST API base (github.com's or an Enterprise Server's); the sign-in pages are derived from it. */
  githubApiBaseUrl: string;
  sessionKey: string;
  publicUrl: string | undefined;
  now: () => Date;
}

export type WebEnv = { Variables: { viewer: WebSession | undefined } };

export const appOrigin = (c: Context, publicUrl: string | undefined) => publicUrl ?? new URL(c.req.url).origin;
export const isHttps = (c: Context, publicUrl: string | undefined) =>
  appOrigin(c, publicUrl).startsWith('https:') || c.req.header('x-forwarded-proto') === 'https';

/**
 * Only paths of this app: never an open redirect to another site. Browsers drop tabs and line
 * breaks from a `Location` and read `\` as `/`, so `/<tab>/evil.example` would leave the site and a
 * CR/LF would break the header: only visible ASCII without `\` is kept (the pages send their own
 * paths percent-encoded), and the path must not start with `//`.
 */
export function safeReturnPath(value: string | undefined): string {
  return value && /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(value) ? value : '/';
}

/** Reads the session cookie; sets `viewer` to the signed-in person, if any. */
export function webSession({ db, sessionKey, now }: Pick<SignInDeps, 'db' | 'sessionKey' | 'now'>) {
  return createMiddleware<WebEnv>(async (c, next) => {
    const id = await getSignedCookie(c, sessionKey, SESSION_COOKIE);
    c.set('viewer', id ? await findWebSession(db, id, now()) : undefined);
    await next();
  });
}

/** Starts a session for someone GitHub vouched for (also the demo's sign-in). */
export async function startSession(c: Context, deps: Pick<SignInDeps, 'db' | 'sessionKey' | 'publicUrl' | 'now'>, who: { login: string; id: number; name?: string | null }) {
  // Ended sessions go as new ones start: the table holds only live ones, without a job of its own.
  await purgeExpiredWebSessions(deps.db, deps.now());
  const { id } = await createWebSession(deps.db, who, deps.now());
  await setSignedCookie(c, SESSION_COOKIE, id, deps.sessionKey, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c, deps.publicUrl),
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function signInRoutes(deps: SignInDeps) {
  const { db, log, oauth, sessionKey, publicUrl } = deps;
  const app = new Hono<WebEnv>();
  const request = octokitRequest.defaults({ baseUrl: deps.githubApiBaseUrl });
  const callbackUrl = (c: Context) => `${appOrigin(c, publicUrl)}/auth/github/callback`;

  const failure = (c: Context, status: 400 | 502 | 503, title: string, text: string, returnTo = '/') =>
    c.html(
      <MessagePage title={title}>
        <p>{text}</p>
        {status !== 503 ? (
          <p>
            <a class="button primary" href={`/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`}>
              Sign in with GitHub again
            </a>
          </p>
        ) : null}
      </MessagePage>,
      status,
    );

  app.get('/auth/sign-in', async (c) => {
    const returnTo = safeReturnPath(c.req.query('return_to'));
    if (!oauth) {
      return c.html(
        <MessagePage title="Sign-in is not set up yet">
          <p>The metrics pages need the GitHub App's OAuth client to let people sign in with GitHub.</p>
          <ol>
            <li>
              In the GitHub App's settings, copy the <strong>Client ID</strong>, generate a <strong>client secret</strong>, and set the{' '}
              <strong>Callback URL</strong> to <code>{callbackUrl(c)}</code>.
            </li>
            <li>
              Set <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> (and <code>PUBLIC_URL</code> when the app sits behind a
              proxy), then restart.
            </li>
          </ol>
          <p>
            The <a href="/api/docs">metrics API</a> works without sign-in, with an API key (<code>npm run cli -- keys create --org ORG</code>).
          </p>
        </MessagePage>,
        503,
      );
    }
    const state = randomBytes(24).toString('base64url');
    await setSignedCookie(c, STATE_COOKIE, JSON.stringify({ state, returnTo }), sessionKey, {
      path: '/auth',
      httpOnly: true,
      sameSite: 'Lax',
      secure: isHttps(c, publicUrl),
      maxAge: 600,
    });
    const { url } = getWebFlowAuthorizationUrl({ clientType: 'github-app', clientId: oauth.clientId, redirectUrl: callbackUrl(c), state, request });
    return c.redirect(url, 302);
  });

  app.get('/auth/github/callback', async (c) => {
    if (!oauth) return c.redirect('/auth/sign-in', 302);
    const raw = await getSignedCookie(c, sessionKey, STATE_COOKIE);
    deleteCookie(c, STATE_COOKIE, { path: '/auth' });
    const expected = raw ? (JSON.parse(raw) as { state: string; returnTo: string }) : undefined;
    const { code, state, error } = c.req.query();
    if (error) return failure(c, 400, 'Sign-in was cancelled', 'GitHub did not sign you in (the request was declined). Nothing was changed.', expected?.returnTo);
    if (!expected || !state || !code || !sameText(state, expected.state)) {
      return failure(c, 400, 'Sign-in expired', 'This sign-in link is stale or was not started here. Start again from this site.', expected?.returnTo);
    }
    let who: { login: string; id: number; name: string | null };
    try {
      const { authentication } = await exchangeWebFlowCode({
        clientType: 'github-app',
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        code,
        redirectUrl: callbackUrl(c),
        request,
      });
      const { data } = await request('GET /user', { headers: { authorization: `token ${authentication.token}` } });
      who = { login: data.login, id: Number(data.id), name: data.name ?? null };
    } catch (err) {
      const status = (err as { status?: number }).status;
      log.warn({ err: { message: (err as Error).message, status } }, 'GitHub sign-in failed');
      if (status === 400 || status === 401) {
        return failure(c, 400, 'Sign-in failed', 'GitHub refused this sign-in code (it may have been used already or expired). Please try again.', expected.returnTo);
      }
      return failure(c, 502, 'GitHub did not answer', 'Signing in needs GitHub, which did not answer properly. Please try again in a moment.', expected.returnTo);
    }
    await startSession(c, deps, who);
    log.info({ login: who.login }, 'signed in');
    return c.redirect(safeReturnPath(expected.returnTo), 302);
  });

  app.post('/auth/sign-out', async (c) => {
    const id = await getSignedCookie(c, sessionKey, SESSION_COOKIE);
    if (id) await deleteWebSession(db, id);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c, publicUrl) });
    return c.redirect('/', 303);
  });

  return app;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
