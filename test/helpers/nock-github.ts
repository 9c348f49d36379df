import nock from 'nock';

/*
 * Typed mocks of the GitHub REST endpoints the app calls. Each returns the nock scope so a test can
 * check `scope.isDone()`; the shared setup (`nock-setup.ts`) checks after each test that no mock was left unused.
 */

export const GITHUB_API = 'https://api.github.com';

export function nockInstallationToken(installationId: number, base = GITHUB_API) {
  return nock(base)
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: `ghs_test_${installationId}`, expires_at: '2099-01-01T00:00:00Z', permissions: {} });
}

interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  base?: string;
}

export function nockPullRequestCommits({ owner, repo, number, base = GITHUB_API }: PullRequestRef, commits: object[]) {
  return nock(base).get(`/repos/${owner}/${repo}/pulls/${number}/commits`).query(true).reply(200, commits);
}

/** A PR's files, and its reviews (none unless given), which enrichment reads right after the files. */
export function nockPullRequestFiles({ owner, repo, number, base = GITHUB_API }: PullRequestRef, files: object[], reviews: object[] = []) {
  return nock(base)
    .get(`/repos/${owner}/${repo}/pulls/${number}/files`)
    .query(true)
    .reply(200, files)
    .get(`/repos/${owner}/${repo}/pulls/${number}/reviews`)
    .query(true)
    .reply(200, reviews);
}

/** A paginated list: page 1 links to page 2 the way GitHub does. */
export function nockPaginated(path: string, pages: object[][], base = GITHUB_API) {
  const scope = nock(base);
  pages.forEach((page, i) => {
    const headers: Record<string, string> =
      i < pages.length - 1 ? { link: `<${base}${path}?per_page=100&page=${i + 2}>; rel="next"` } : {};
    scope
      .get(path)
      .query((q) => String(q.page ?? '1') === String(i + 1))
      .reply(200, page, headers);
  });
  return scope;
}

export function nockCommit({ owner, repo, sha, base = GITHUB_API }: { owner: string; repo: string; sha: string; base?: string }, body: object) {
  return nock(base).get(`/repos/${owner}/${repo}/commits/${sha}`).reply(200, body);
}

/**
 * The REST calls that enrich a merged PR built from recorded commits: its commits, its files (the
 * commits' files together), its reviews and each commit's own diff.
 */
export async function nockMergedPullRequest(
  ref: PullRequestRef,
  commits: import('./claude-code-recordings.js').RecordedCommit[],
  login: string | null,
  reviews: object[] = [],
) {
  const { restCommitOf, restCommitWithFilesOf, restFilesOf } = await import('./claude-code-recordings.js');
  const files = commits.flatMap((c) => restFilesOf(c));
  const names = files.map((f) => f.filename);
  if (new Set(names).size !== names.length) throw new Error('a file changed by two commits needs a merged PR diff');
  return [
    nockPullRequestCommits(ref, commits.map((c) => restCommitOf(c, login))),
    nockPullRequestFiles(ref, files, reviews),
    ...commits.map((c) => nockCommit({ owner: ref.owner, repo: ref.repo, sha: c.sha, base: ref.base }, restCommitWithFilesOf(c, login))),
  ];
}

export const GITHUB_WEB = 'https://github.com';
export const TEST_OAUTH = { GITHUB_CLIENT_ID: 'Iv23liTestClient', GITHUB_CLIENT_SECRET: 'test-client-secret' };

/** GitHub's side of the OAuth web flow: the code exchange, then who the token belongs to. */
export function nockOAuthSignIn(user: { login: string; id: number; name?: string }, { code = 'test-code', web = GITHUB_WEB, api = GITHUB_API } = {}) {
  const exchanged: Record<string, string>[] = [];
  const exchange = nock(web)
    .post('/login/oauth/access_token', (body: Record<string, string>) => {
      exchanged.push(body);
      return body.code === code;
    })
    .reply(200, { access_token: `ghu_${user.login}`, token_type: 'bearer', scope: '' });
  const who = nock(api)
    .get('/user')
    .matchHeader('authorization', `token ghu_${user.login}`)
    .reply(200, { login: user.login, id: user.id, name: user.name ?? null, type: 'User' });
  return { exchange, who, exchanged };
}

/** `GET /orgs/{org}/memberships/{username}`: an owner ("admin"), a member, or nobody (404). */
export function nockOrgMembership(org: string, username: string, role: 'admin' | 'member' | null, { state = 'active', base = GITHUB_API } = {}) {
  const scope = nock(base).get(`/orgs/${org}/memberships/${username}`);
  return role ? scope.reply(200, { role, state, user: { login: username } }) : scope.reply(404, { message: 'Not Found' });
}

/** `GET /orgs/{org}/teams/{team}/memberships/{username}`: active member of the team, or not (404). */
export function nockTeamMembership(org: string, team: string, username: string, member: boolean, base = GITHUB_API) {
  const scope = nock(base).get(`/orgs/${org}/teams/${team}/memberships/${username}`);
  return member ? scope.reply(200, { role: 'member', state: 'active' }) : scope.reply(404, { message: 'Not Found' });
}

/** A GitHub team as `nockOrgTeams` lists it. */
export interface NockTeam {
  id: number;
  slug: string;
  name: string;
  members: string[];
}

const inPages = <T>(items: T[]): T[][] => {
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += 100) pages.push(items.slice(i, i + 100));
  return pages.length > 0 ? pages : [[]];
};

const githubUser = (login: string, i: number) => ({ login, id: 100_000 + i, type: 'User', site_admin: false });

/**
 * `GET /orgs/{org}/members` (every member, as the app's `members: read` installation token sees
 * them): `count` members `member-1`…, or the `logins` given, 100 a page, linked the way GitHub
 * does; and the org's teams (`nockOrgTeams`, none unless given), which the same job reads.
 */
export function nockOrgMembers(org: string, count: number, base = GITHUB_API, { logins, teams = [] }: { logins?: string[]; teams?: NockTeam[] } = {}) {
  const members = (logins ?? Array.from({ length: count }, (_, i) => `member-${i + 1}`)).map(githubUser);
  const scope = nockPaginated(`/orgs/${org}/members`, inPages(members), base);
  nockOrgTeams(org, teams, base);
  return scope;
}

/** `GET /orgs/{org}/teams` and each team's `GET /orgs/{org}/teams/{slug}/members`, 100 a page. */
export function nockOrgTeams(org: string, teams: NockTeam[], base = GITHUB_API) {
  const scope = nockPaginated(`/orgs/${org}/teams`, inPages(teams.map(({ id, slug, name }) => ({ id, slug, name, privacy: 'closed' }))), base);
  for (const t of teams) nockPaginated(`/orgs/${org}/teams/${t.slug}/members`, inPages(t.members.map(githubUser)), base);
  return scope;
}

/**
 * The app's webhook deliveries (`GET /app/hook/deliveries`), newest first, in pages linked by
 * GitHub's opaque `cursor`; every call must carry the app's JWT.
 */
export function nockHookDeliveries(pages: object[][], base = GITHUB_API) {
  const scope = nock(base).matchHeader('authorization', /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i);
  pages.forEach((page, i) => {
    const headers: Record<string, string> =
      i < pages.length - 1 ? { link: `<${base}/app/hook/deliveries?per_page=100&cursor=v1_page${i + 2}>; rel="next"` } : {};
    scope
      .get('/app/hook/deliveries')
      .query((q) => q.per_page === '100' && (i === 0 ? q.cursor === undefined : q.cursor === `v1_page${i + 1}`))
      .reply(200, page, headers);
  });
  return scope;
}

/** Redelivery requests (`POST /app/hook/deliveries/{id}/attempts`): answers 202 and records each id asked for. */
export function nockRedeliveries(base = GITHUB_API) {
  const asked: number[] = [];
  const scope = nock(base)
    .matchHeader('authorization', /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i)
    .persist()
    .post(/^\/app\/hook\/deliveries\/\d+\/attempts$/)
    .reply(202, (uri) => {
      asked.push(Number(/deliveries\/(\d+)\//.exec(uri)![1]));
      return {};
    });
  return { scope, asked };
}
