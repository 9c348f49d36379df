import nock from 'nock';
import type { AppServer } from '../../src/app-server.js';
import { INSTALLATION_ID } from './github-payloads.js';
import { GITHUB_API, nockOAuthSignIn, nockOrgMembership } from './nock-github.js';

/*
 * Signing in to the metrics pages the way a browser does: /auth/sign-in, GitHub's authorize page
 * (skipped: it only sends the browser back with a code and the state), the callback. GitHub's
 * OAuth and REST endpoints are mocked with nock.
 */

export type Http = AppServer['http'];

/** `name=value` pairs of a response's Set-Cookie headers, for the next request's Cookie header. */
export function cookiesOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

export const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

/** Signs `user` in and returns the Cookie header that carries the session. */
export async function signIn(http: Http, user: { login: string; id: number }, returnTo = '/'): Promise<string> {
  const start = await http.request(`/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`);
  if (start.status !== 302) throw new Error(`sign-in answered ${start.status}`);
  const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
  nockOAuthSignIn(user);
  const back = await http.request(`/auth/github/callback?code=test-code&state=${state}`, { headers: { cookie: cookieHeader(cookiesOf(start)) } });
  if (back.status !== 302) throw new Error(`callback answered ${back.status}: ${await back.text()}`);
  return cookieHeader({ ccm_session: cookiesOf(back).ccm_session! });
}

/** The installation token every access check may ask for (Probot caches it after the first time). */
export function nockInstallationTokenAnyTimes(installationId = INSTALLATION_ID) {
  return nock(GITHUB_API)
    .persist()
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: `ghs_test_${installationId}`, expires_at: '2099-01-01T00:00:00Z', permissions: {} });
}

/** The figures a page shows in its tiles: `data-metric` → `data-value`. */
/** Olga, an owner (GitHub admin) of acme, signed in: her session cookie. */
export async function signInAcmeOwner(http: Http): Promise<string> {
  nockInstallationTokenAnyTimes();
  const cookie = await signIn(http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
  return cookie;
}

export function tileValues(html: string): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of html.matchAll(/data-metric="([^"]+)" data-value="([^"]*)"/g)) out[m[1]!] = m[2] === '' ? null : Number(m[2]);
  return out;
}

/** A value at a dotted path of an API answer. */
export const at = (body: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], body);
