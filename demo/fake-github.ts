import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoPerson, DemoPlan, PlannedCommit, PlannedPullRequest } from './demo-plan.js';
import { restCommit, restCommitWithFiles, restFile, userObject } from './github-shapes.js';

/*
 * A stand-in for GitHub (as a GitHub Enterprise Server at `http://127.0.0.1:<port>`), answering
 * from the demo's plan: the REST calls enrichment makes (installation token, a PR's commits,
 * files and reviews, one commit), the org and team membership checks of the metrics pages, and the OAuth web
 * flow, whose authorize page is a clearly labeled demo page listing demo people to sign in as.
 * The app talks to it exactly as it talks to GitHub; nothing in the app knows it is a demo.
 */

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, the app's `GHE_HOST`. */
  host: string;
  /** Requests answered, by route; and requests no route knew (the app asked for something unexpected). */
  stats: { byRoute: Record<string, number>; unknown: string[] };
  close(): Promise<void>;
}

export interface FakeGitHubOptions {
  plan: DemoPlan;
  oauth: { clientId: string; clientSecret: string };
  port?: number;
  host?: string;
}

const CODE_TTL_MS = 10 * 60_000;

export async function startFakeGitHub({ plan, oauth, port = 0, host = '127.0.0.1' }: FakeGitHubOptions): Promise<FakeGitHub> {
  const org = plan.org.login.toLowerCase();
  const repos = new Map(plan.repositories.map((r) => [r.name.toLowerCase(), r]));
  const pulls = new Map<string, PlannedPullRequest>();
  const commits = new Map<string, PlannedCommit>();
  for (const pr of plan.pullRequests) {
    pulls.set(`${pr.repository.name.toLowerCase()}#${pr.number}`, pr);
    for (const c of pr.commits) commits.set(`${pr.repository.name.toLowerCase()}@${c.sha}`, c);
  }
  for (const push of plan.directPushes) commits.set(`${push.repository.name.toLowerCase()}@${push.commit.sha}`, push.commit);
  const people = new Map(plan.people.map((p) => [p.login.toLowerCase(), p]));

  const installationTokens = new Set<string>();
  const oauthCodes = new Map<string, { login: string; redirectUri: string; expires: number }>();
  const userTokens = new Map<string, DemoPerson>();
  const stats: FakeGitHub['stats'] = { byRoute: {}, unknown: [] };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: `demo GitHub failed: ${(error as Error).message}` });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const count = (route: string) => (stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1);
    const auth = req.headers.authorization ?? '';
    const installationAuth = () => {
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1];
      return token !== undefined && installationTokens.has(token);
    };
    let m: RegExpExecArray | null;

    // --- OAuth web flow (github.com/login/oauth/…) ---
    if (method === 'GET' && path === '/login/oauth/authorize') {
      count('oauth.authorize');
      const clientId = url.searchParams.get('client_id');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const state = url.searchParams.get('state') ?? '';
      if (clientId !== oauth.clientId || !/^https?:\/\//.test(redirectUri)) {
        return html(res, 400, page('Demo sign-in — no real GitHub', '<p>This sign-in link is not for the demo app (unknown client_id or no redirect_uri).</p>'));
      }
      return html(res, 200, authorizePage(plan, redirectUri, state));
    }
    if (method === 'GET' && path === '/login/oauth/demo-approve') {
      count('oauth.approve');
      const login = (url.searchParams.get('login') ?? '').toLowerCase();
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const state = url.searchParams.get('state') ?? '';
      if (!/^https?:\/\//.test(redirectUri)) return html(res, 400, page('Demo sign-in — no real GitHub', '<p>Missing redirect_uri.</p>'));
      const back = new URL(redirectUri);
      if (!people.has(login)) {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = randomBytes(10).toString('hex');
        oauthCodes.set(code, { login, redirectUri, expires: Date.now() + CODE_TTL_MS });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', state);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (method === 'POST' && path === '/login/oauth/access_token') {
      count('oauth.access_token');
      const body = await readBody(req);
      const code = oauthCodes.get(String(body.code ?? ''));
      if (body.client_id !== oauth.clientId || body.client_secret !== oauth.clientSecret) {
        return json(res, 200, oauthError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.'));
      }
      if (!code || code.expires < Date.now()) {
        return json(res, 200, oauthError('bad_verification_code', 'The code passed is incorrect or expired.'));
      }
      oauthCodes.delete(String(body.code));
      const token = `ghu_demo${randomBytes(16).toString('hex')}`;
      userTokens.set(token, people.get(code.login)!);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: '' });
    }

    // --- REST API (GitHub Enterprise Server serves it under /api/v3) ---
    if (!path.startsWith('/api/v3')) return notFound(res, stats, method, path);
    const api = path.slice('/api/v3'.length) || '/';

    if (method === 'GET' && api === '/user') {
      count('users.getAuthenticated');
      const person = userTokens.get(/^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1] ?? '');
      if (!person) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return json(res, 200, { ...userObject(person), name: person.name, email: person.email });
    }
    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(api))) {
      count('apps.createInstallationAccessToken');
      // Any app JWT is accepted: the demo generates a fresh private key at every start.
      if (!/^bearer\s+[\w-]+\.[\w-]+\.[\w-]+$/i.test(auth)) return json(res, 401, { message: 'A JSON web token could not be decoded' });
      if (Number(m[1]) !== plan.installationId) return json(res, 404, { message: 'Not Found' });
      const token = `ghs_demo${randomBytes(16).toString('hex')}`;
      installationTokens.add(token);
      return json(res, 201, {
        token,
        expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { contents: 'read', metadata: 'read', members: 'read', pull_requests: 'read' },
        repository_selection: 'selected',
      });
    }
    if (method === 'GET' && api === '/app/hook/deliveries') {
      count('apps.listWebhookDeliveries');
      if (!/^bearer\s+[\w-]+\.[\w-]+\.[\w-]+$/i.test(auth)) return json(res, 401, { message: 'A JSON web token could not be decoded' });
      // The demo delivers every webhook itself and none fails: nothing for catch-up to redeliver.
      return json(res, 200, []);
    }
    if (!installationAuth()) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });

    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/.exec(api))) {
      count('pulls.listReviews');
      const pr = m[1]!.toLowerCase() === org ? pulls.get(`${m[2]!.toLowerCase()}#${m[3]}`) : undefined;
      if (!pr) return json(res, 404, { message: 'Not Found' });
      // The demo's reviews arrive as webhooks; enrichment finds none more.
      return paginated(res, url, []);
    }
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/(commits|files)$/.exec(api))) {
      count(`pulls.list${m[4] === 'commits' ? 'Commits' : 'Files'}`);
      const pr = m[1]!.toLowerCase() === org ? pulls.get(`${m[2]!.toLowerCase()}#${m[3]}`) : undefined;
      if (!pr) return json(res, 404, { message: 'Not Found' });
      const items =
        m[4] === 'commits'
          ? pr.commits.map((c) => restCommit(pr.repository, c))
          : pr.commits.flatMap((c) => c.files.map((f) => restFile(pr.repository, f, c.sha)));
      return paginated(res, url, items);
    }
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{7,40})$/i.exec(api))) {
      count('repos.getCommit');
      const repo = repos.get(m[2]!.toLowerCase());
      const key = `${m[2]!.toLowerCase()}@`;
      const ref = m[3]!.toLowerCase();
      const commit =
        m[1]!.toLowerCase() !== org || !repo
          ? undefined
          : (commits.get(key + ref) ?? [...commits].find(([k]) => k.startsWith(key) && k.slice(key.length).startsWith(ref))?.[1]);
      if (!commit || !repo) return json(res, 422, { message: `No commit found for SHA: ${m[3]}` });
      return json(res, 200, restCommitWithFiles(repo, commit));
    }
    if (method === 'POST' && (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/.exec(api))) {
      count('issues.addLabels');
      const body = await readBody(req);
      const labels = Array.isArray(body.labels) ? (body.labels as string[]) : [];
      return json(res, 200, labels.map((name, i) => ({ id: 7_000 + i, name, color: 'd97757', default: false })));
    }
    if (method === 'GET' && (m = /^\/orgs\/([^/]+)\/memberships\/([^/]+)$/.exec(api))) {
      count('orgs.getMembershipForUser');
      const person = m[1]!.toLowerCase() === org ? people.get(decodeURIComponent(m[2]!).toLowerCase()) : undefined;
      if (!person) return json(res, 404, { message: 'Not Found' });
      return json(res, 200, { state: 'active', role: person.role, user: userObject(person), organization: { login: plan.org.login, id: plan.org.id } });
    }
    if (method === 'GET' && (m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(api))) {
      count('teams.getMembershipForUserInOrg');
      const person = m[1]!.toLowerCase() === org ? people.get(decodeURIComponent(m[3]!).toLowerCase()) : undefined;
      if (!person || !person.teams.includes(m[2]!.toLowerCase())) return json(res, 404, { message: 'Not Found' });
      return json(res, 200, { role: 'member', state: 'active', url: `${url.origin}/api/v3/teams/1/memberships/${person.login}` });
    }
    if (method === 'GET' && (m = /^\/orgs\/([^/]+)\/members$/.exec(api))) {
      count('orgs.listMembers');
      if (m[1]!.toLowerCase() !== org) return json(res, 404, { message: 'Not Found' });
      const role = url.searchParams.get('role');
      const members = plan.people.filter((p) => !role || role === 'all' || (role === 'admin' ? p.role === 'admin' : p.role === 'member'));
      return paginated(res, url, members.map(userObject));
    }
    // The org's teams (spec: Teams): every team slug the roster names, with its members.
    const teamSlugs = [...new Set(plan.people.flatMap((p) => p.teams))].sort();
    if (method === 'GET' && (m = /^\/orgs\/([^/]+)\/teams$/.exec(api))) {
      count('teams.list');
      if (m[1]!.toLowerCase() !== org) return json(res, 404, { message: 'Not Found' });
      return paginated(res, url, teamSlugs.map((slug, i) => ({ id: 9_100 + i, slug, name: slug.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => `${dash ? ' ' : ''}${ch.toUpperCase()}`), privacy: 'closed' })));
    }
    if (method === 'GET' && (m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/.exec(api))) {
      count('teams.listMembersInOrg');
      const slug = decodeURIComponent(m[2]!).toLowerCase();
      if (m[1]!.toLowerCase() !== org || !teamSlugs.includes(slug)) return json(res, 404, { message: 'Not Found' });
      return paginated(res, url, plan.people.filter((p) => p.teams.includes(slug)).map(userObject));
    }
    return notFound(res, stats, method, path);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPort = `${host}:${address.port}`;
  return {
    url: `http://${hostPort}`,
    host: hostPort,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function html(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}

function notFound(res: ServerResponse, stats: FakeGitHub['stats'], method: string, path: string) {
  stats.unknown.push(`${method} ${path}`);
  json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
}

function oauthError(error: string, description: string) {
  return { error, error_description: description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' };
}

/** GitHub's page-number pagination, with the `link` header Octokit follows. */
function paginated(res: ServerResponse, url: URL, items: unknown[]) {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const headers: Record<string, string> = {};
  if (page < last) {
    const link = (p: number) => {
      const u = new URL(url);
      u.searchParams.set('page', String(p));
      return u.toString();
    };
    headers.link = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
  }
  json(res, 200, items.slice((page - 1) * perPage, page * perPage), headers);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 38rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  .banner { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1.5rem; }
  ul { list-style: none; padding: 0; }
  li { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; }
  li a { display: block; padding: .75rem 1rem; color: inherit; text-decoration: none; }
  li a:hover { background: #f6f8fa; }
  .who { font-weight: 600; }
  .what { color: #59636e; font-size: 14px; }
</style></head>
<body>${body}</body></html>`;
}

export const DEMO_SIGN_IN_TITLE = 'Demo sign-in — no real GitHub';

function authorizePage(plan: DemoPlan, redirectUri: string, state: string): string {
  const link = (params: Record<string, string>) => `/login/oauth/demo-approve?${new URLSearchParams({ ...params, redirect_uri: redirectUri, state })}`;
  const { owner, member, outsider } = plan.signIn;
  const choices: [DemoPerson, string][] = [
    [owner, `Owner of ${plan.org.login}: sees every page, spend and the settings.`],
    [member, `Member of the team “${plan.viewerTeam}”, which the owner allowed: sees the metrics.`],
    [outsider, `Member of ${plan.org.login} outside the allowed teams: is shown “No access”.`],
  ];
  return page(
    DEMO_SIGN_IN_TITLE,
    `<div class="banner"><strong>${DEMO_SIGN_IN_TITLE}.</strong> This page belongs to <code>npm run demo</code>'s stand-in for GitHub.
It signs you in to the demo app as one of the demo organization's people; no GitHub account is used or needed.</div>
<h1>Sign in to the demo as…</h1>
<ul>
${choices
  .map(
    ([p, what]) =>
      `<li><a href="${escapeHtml(link({ login: p.login }))}" data-login="${escapeHtml(p.login)}"><span class="who">${escapeHtml(p.name)} (@${escapeHtml(p.login)})</span><br><span class="what">${escapeHtml(what)}</span></a></li>`,
  )
  .join('\n')}
</ul>
<p><a href="${escapeHtml(link({ login: '' }))}">Cancel</a></p>`,
  );
}
