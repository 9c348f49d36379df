import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { apiKeys, identityLinks, ingestTokens, orgSettings } from '../../src/db/schema.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * Hostile query parameters and form bodies on the pages, sent by a signed-in owner: every one is
 * answered without a server error, and a refused form changes nothing.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let owner: string;
const ORIGIN = 'http://localhost';

// The owner's sign-in and GitHub's answers are mocked once for every query below.
keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4711 });
  nockOrgMembership('acme', 'olga', 'admin');
}, 60_000);
afterAll(() => cleanup());

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const QUERIES = [
  '/orgs/acme?range=bogus',
  '/orgs/acme?start_date=2026-13-45&end_date=2026-11-22',
  '/orgs/acme?start_date=2026-11-22&end_date=2026-11-01',
  '/orgs/acme?start_date=1900-01-01&end_date=2026-11-22',
  '/orgs/acme?start_date=99999-01-01',
  '/orgs/acme?start_date=2026-11-01&start_date=2026-11-02',
  '/orgs/acme?chart=%00&metric=__proto__',
  '/orgs/acme/users?sort=constructor&dir=up',
  '/orgs/acme/users/%00',
  `/orgs/acme/users/${'x'.repeat(5000)}`,
  '/orgs/acme/users/%E0%A4%A',
  '/orgs/acme/pull-requests?page=garbage',
  `/orgs/acme/pull-requests?page=${cursor({ mergedAt: 5, id: 'x' })}`,
  `/orgs/acme/pull-requests?page=${cursor(['2026', 'a'])}`,
  '/orgs/acme/pull-requests?with_claude_code=maybe',
  '/orgs/acme/spend-report.csv?period=custom&start_date=bad',
  '/orgs/acme/spend-report.csv?period=zzz',
  '/orgs/acme/settings?notice=__proto__',
  '/orgs/acme/settings?notice=constructor',
  `/orgs/${'a'.repeat(3000)}`,
  '/orgs/%E0%A4%A',
  '/auth/sign-in?return_to=%E0%A4%A',
  '/auth/github/callback?code=&state=',
  '/assets/..%2f..%2fpackage.json',
];

describe('pages', () => {
  it.each(QUERIES)('answer %s without a server error', async (path) => {
    const res = await app.http.request(path, { headers: { cookie: owner } });
    expect(res.status).toBeLessThan(500);
  });

  it.each(['constructor', '__proto__', 'toString'])('serve no asset named %s (an inherited property was a 500)', async (name) => {
    expect((await app.http.request(`/assets/${name}`)).status).toBe(404);
  });

  const rows = async () => ({
    settings: (await app.db.select().from(orgSettings)),
    tokens: (await app.db.select().from(ingestTokens)).length,
    keys: (await app.db.select().from(apiKeys)).length,
    links: (await app.db.select().from(identityLinks)),
  });
  const post = (path: string, body: string, contentType = 'application/x-www-form-urlencoded') => {
    nockOrgMembership('acme', 'olga', 'admin');
    return app.http.request(path, { method: 'POST', body, headers: { cookie: owner, origin: ORIGIN, 'content-type': contentType } });
  };

  it('refuse a malformed multipart form with a 400 that changes nothing', async () => {
    const before = await rows();
    const res = await post('/orgs/acme/settings/access', '--x\r\nContent-Disposition: form-data; name="teams"\r\n\r\nplat', 'multipart/form-data; boundary=x');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: 'The form could not be read.' } });
    expect(await rows()).toEqual(before);
  });

  it('refuse a form over 64 KiB with a 413 that changes nothing', async () => {
    const before = await rows();
    const res = await post('/orgs/acme/settings/access', `teams=${'a'.repeat(100_000)}`);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: 'Form is larger than 65536 bytes.' } });
    expect(await rows()).toEqual(before);
  });

  it.each([
    ['/orgs/acme/settings/ingest-tokens/abc/revoke', ''],
    ['/orgs/acme/settings/ingest-tokens/99999999999999999999/revoke', ''],
    ['/orgs/acme/settings/api-keys/1e400/revoke', ''],
    ['/orgs/acme/settings/identity-links', 'login=&email='],
    ['/orgs/acme/settings/identity-links/remove', 'id=zz'],
  ])('answer POST %s (%s) without a server error', async (path, body) => {
    expect((await post(path, body)).status).toBeLessThan(500);
  });
});
