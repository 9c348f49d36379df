import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { sendPlannedActivity } from '../helpers/usage-activity.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * Every documented operation, asked valid and invalid questions: each answer's status is one the
 * document lists for that operation, and its body validates against the schema documented for
 * that status. ajv validates the bodies (the document's schemas are JSON Schema 2020-12, as
 * OpenAPI 3.1 says); @seriousme/openapi-schema-validator checks the document itself elsewhere,
 * not answers.
 */

type Operation = { servers?: { url: string }[]; responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Doc = { servers: { url: string }[]; paths: Record<string, { get: Operation }> };

const R = 'starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z';
const D = 'start_date=2026-09-01&end_date=2026-09-30';

/** Per documented path: requests that must be answered 200, and some that must be refused. */
const REQUESTS: Record<string, { ok: string[]; refused: string[] }> = {
  '/orgs/{org}/summary': { ok: [D], refused: ['start_date=2026-13-01', 'colour=blue', `${D}&team=nobody`, `${D}&team=-x`] },
  '/orgs/{org}/daily': { ok: [D], refused: ['start_date=2025-01-01&end_date=2026-09-01'] },
  '/orgs/{org}/users': { ok: [D, `${D}&limit=1`, `${D}&format=csv`], refused: ['limit=0', 'page=nope'] },
  '/orgs/{org}/users/{login}': { ok: [D], refused: ['colour=blue'] },
  '/orgs/{org}/pull-requests': { ok: [D, `${D}&with_claude_code=true`, `${D}&format=csv`], refused: ['with_claude_code=maybe'] },
  '/orgs/{org}/pull-requests/{owner}/{repo}/{number}': { ok: [], refused: ['', 'colour=blue'] },
  '/orgs/{org}/repositories': { ok: [D], refused: ['end_date=yesterday', `${D}&team=nobody`] },
  '/orgs/{org}/teams': { ok: [D, ''], refused: ['start_date=2026-13-01', `${D}&team=web`] },
  '/orgs/{org}/claude_code_usage': { ok: ['starting_at=2026-09-30', 'starting_at=2026-09-30&limit=1'], refused: ['', 'starting_at=2026-09-30&limit=1001'] },
  '/orgs/{org}/summaries': { ok: ['starting_date=2026-09-26&ending_date=2026-10-09'], refused: ['starting_date=2026-10-09&ending_date=2026-09-26'] },
  '/orgs/{org}/user_usage_report': { ok: [R, `${R}&group_by[]=model&group_by[]=product`, `${R}&bucket_width=1d&limit=3`], refused: [`${R}&group_by[]=speed`] },
  '/orgs/{org}/user_cost_report': { ok: [R, `${R}&group_by[]=model`], refused: [`${R}&group_by[]=token_type`] },
  '/orgs/{org}/usage_report': { ok: [R, `${R}&group_by[]=model&group_by[]=product&limit=31`], refused: [`${R}&bucket_width=1h`] },
  '/orgs/{org}/cost_report': { ok: [R, `${R}&group_by[]=product`], refused: [`${R}&bucket_width=1m`] },
  '/orgs/{org}/outcomes': { ok: [D, `${D}&repository=acme/widgets`, `${D}&login=alice`], refused: ['start_date=2026-02-30', 'colour=blue'] },
  '/orgs/{org}/durability': { ok: [D, `${D}&repository=acme/widgets`, `${D}&login=alice`, `${D}&team=web`], refused: ['repository=widgets', 'colour=blue', `${D}&team=nobody`, `${D}&team=-x`] },
  '/orgs/{org}/spend_report': { ok: [D, 'period=last_month', `${D}&team=web`], refused: ['period=forever', `${D}&team=nobody`, `${D}&team=-x`] },
  '/me': { ok: [''], refused: ['colour=blue'] },
  '/analytics/summaries': { ok: ['starting_date=2026-09-26&ending_date=2026-10-09&beta=true'], refused: ['starting_date=2026-09-01&filter[]=rbac_group_id:g'] },
  '/analytics/users': { ok: ['date=2026-09-30', 'date=2026-09-30&limit=1', 'starting_date=2026-09-01&ending_date=2026-10-01'], refused: ['date=2026-09-30&order_by=message_count'] },
  '/analytics/user_usage_report': { ok: [R, `${R}&group_by[]=model&exclude_deleted_users=true`, `${R}&bucket_width=1d&limit=2`], refused: [`${R}&speeds[]=fast`] },
  '/analytics/user_cost_report': { ok: [R, `${R}&group_by[]=model&order_by=list_amount&order=asc`], refused: [`${R}&context_windows[]=0-200k`] },
  '/analytics/usage_report': { ok: [R, `${R}&group_by[]=product&inference_geos[]=not_available`, `${R}&products[]=chat`], refused: [`${R}&rbac_group_ids[]=g`] },
  '/analytics/cost_report': { ok: [R, `${R}&group_by[]=model`], refused: [`${R}&group_by[]=cost_type`] },
  '/usage_report/claude_code': { ok: ['starting_at=2026-09-30', 'starting_at=2026-09-30&limit=1'], refused: ['starting_at=2026-09-31'] },
};

const PARAMS: Record<string, string> = { org: 'acme', login: 'alice', owner: 'acme', repo: 'widgets', number: '42' };

describe('every answer of every documented operation matches the OpenAPI document', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  let key: string;
  let doc: Doc;
  let ajv: Ajv2020;

  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-10-20T15:00:00Z'), apiRateLimitPerMinute: 10_000 });
    await sendPlannedActivity(t.app, t.db, t.token);
    key = (await createApiKey(t.db, { org: 'acme' })).key;
    // A GitHub team, so that `team=web` names one (as the member job stores it).
    await replaceOrgPeople(t.db, 'acme', { members: ['alice'], teams: [{ id: 1, slug: 'web', name: 'Web', members: ['alice'] }] }, '2026-10-20T14:00:00.000Z');
    doc = (await (await t.app.request('/api/v1/openapi.json')).json()) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc as object, 'openapi.json');
  }, 60_000);
  afterAll(() => t.cleanup());

  const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

  /** Asks, then checks the answer against the operation's documented responses. */
  const check = async (path: string, query: string, headers: Record<string, string> = { 'x-api-key': key }) => {
    const op = doc.paths[path]!.get;
    const server = (op.servers ?? doc.servers)[0]!.url;
    const url = `${server}${path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name]!)}${query ? `?${query}` : ''}`;
    const res = await t.app.request(url, { headers });
    const documented = op.responses[String(res.status)];
    expect(documented, `${url} answered ${res.status}, which is not documented`).toBeDefined();
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    if (res.status === 304) {
      expect(await res.text()).toBe('');
      return res;
    }
    expect(Object.keys(documented!.content ?? {}), `${url}: ${type} is not documented for ${res.status}`).toContain(type);
    const body = type === 'application/json' ? await res.clone().json() : await res.clone().text();
    const validate = ajv.getSchema(`openapi.json#/${pointer('paths', path, 'get', 'responses', String(res.status), 'content', type, 'schema')}`)!;
    expect(validate(body), `${url} (${res.status}): ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    return res;
  };

  it('has requests for every documented operation', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(REQUESTS).sort());
  });

  it('valid requests: 200 (or 404 for a PR that was not processed), and 304 with the ETag', async () => {
    for (const [path, { ok }] of Object.entries(REQUESTS)) {
      for (const query of ok) {
        const res = await check(path, query);
        expect(res.status, `${path}?${query}`).toBe(200);
        const etag = res.headers.get('etag');
        if (etag) expect((await check(path, query, { 'x-api-key': key, 'if-none-match': etag })).status).toBe(304);
      }
    }
    expect((await check('/orgs/{org}/pull-requests/{owner}/{repo}/{number}', '')).status).toBe(404);
  });

  it('invalid requests: 400, 401, 404, each in its documented error shape', async () => {
    for (const [path, { refused }] of Object.entries(REQUESTS)) {
      for (const query of refused) expect([400, 404], `${path}?${query}`).toContain((await check(path, query)).status);
      expect((await check(path, refused[0]!, {})).status).toBe(401);
      expect((await check(path, refused[0]!, { 'x-api-key': 'ccm_api_unknown' })).status).toBe(401);
    }
  });
});
