import { createHmac } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { toCsv } from '../../src/metrics/csv.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { PR42_MERGED, pullRequestPayload } from '../helpers/github-payloads.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { logsRequest, metricsRequest } from '../helpers/otlp-builders.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * CSV formula injection: text that reaches a CSV export from outside (an OTel `user.email`, a PR
 * title) must not reach a spreadsheet as a formula. Every export is checked with a cell starting
 * with each character a spreadsheet treats as the start of a formula.
 */

const PREFIXES = ['=', '+', '-', '@', '\t', '\r'];
const hostileEmail = (p: string) => `${p}hyperlink("https://evil.example")@x.example` // emails are kept lowercase;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

let app: AppServer;
let cleanup: () => Promise<void>;
let apiKey: string;
let owner: string;

const DAY = BigInt(Date.parse('2026-11-21T09:00:00Z')) * 1_000_000n;

// GitHub's answers are mocked once, in beforeAll, for every export below.
keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  const token = (await createIngestToken(app.db, { org: 'acme' })).token;
  for (const [i, p] of PREFIXES.entries()) {
    const attributes = { 'session.id': `hostile-${i}`, 'user.email': hostileEmail(p) };
    const send = async (path: string, body: object) => {
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    };
    await send(
      '/v1/metrics',
      metricsRequest([
        { name: 'claude_code.session.count', value: 1, attributes, start: DAY, time: DAY + 1_000_000_000n },
        { name: 'claude_code.cost.usage', value: 0.25, attributes: { ...attributes, model: 'claude-sonnet-4-5' }, start: DAY, time: DAY + 1_000_000_000n },
      ]),
    );
    await send(
      '/v1/logs',
      logsRequest([{ name: 'api_request', time: DAY, attributes: { ...attributes, model: 'claude-sonnet-4-5', input_tokens: 10, output_tokens: 5, cost_usd: '0.25' } }]),
    );
  }
  await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4711 });
  nockOrgMembership('acme', 'olga', 'admin');
}, 60_000);
afterAll(() => cleanup());
afterEach(() => {
  nock.abortPendingRequests();
});

const apiCsv = async (path: string) => {
  const res = await app.http.request(`/api/v1/orgs/acme${path}`, { headers: { 'x-api-key': apiKey, accept: 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return parse(await res.text(), { columns: true }) as Record<string, string>[];
};
const pageCsv = async (path: string) => {
  const res = await app.http.request(path, { headers: { cookie: owner } });
  expect(res.status).toBe(200);
  return parse(await res.text(), { columns: true }) as Record<string, string>[];
};

/** Every hostile email appears, defused with a leading apostrophe, and no cell starts a formula. */
function expectDefused(rows: Record<string, string>[], column: string) {
  const cells = rows.map((r) => r[column]!);
  for (const p of PREFIXES) expect(cells).toContain(`'${hostileEmail(p)}`);
  for (const row of rows) {
    for (const cell of Object.values(row)) {
      // Numbers may be negative; text may not start a formula.
      if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(cell)) expect(PREFIXES).not.toContain(cell[0]);
    }
  }
}

describe('CSV exports neutralize formulas', () => {
  it('toCsv prefixes text cells and leaves negative numbers alone', () => {
    const csv = toCsv(
      PREFIXES.map((p, i) => ({ text: `${p}1+1`, n: -i - 1 })),
      ['text', 'n'],
    );
    const rows = parse(csv, { columns: true }) as { text: string; n: string }[];
    expect(rows.map((r) => r.text)).toEqual(PREFIXES.map((p) => `'${p}1+1`));
    expect(rows.map((r) => r.n)).toEqual(['-1', '-2', '-3', '-4', '-5', '-6']);
  });

  it('API users CSV', async () => {
    expectDefused(await apiCsv(`/users?${RANGE}`), 'email');
  });

  it("the pages' users.csv", async () => {
    expectDefused(await pageCsv(`/orgs/acme/users.csv?${RANGE}`), 'email');
  });

  it('API spend_report', async () => {
    expectDefused(await apiCsv(`/spend_report?${RANGE}`), 'user_email');
  });

  it("the pages' spend-report.csv", async () => {
    expectDefused(await pageCsv(`/orgs/acme/spend-report.csv?period=custom&${RANGE}`), 'user_email');
  });

  it('API pull requests CSV', async () => {
    let n = 0;
    for (const p of PREFIXES) {
      const title = `${p}cmd|' /C calc'!A0`;
      const payload = pullRequestPayload('edited', { ...PR42_MERGED, title, updatedAt: `2026-11-22T0${++n}:00:00Z` });
      const body = JSON.stringify(payload);
      const res = await fetch(`${app.url}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': `csv-title-${n}`,
          'x-hub-signature-256': `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      expect(res.status).toBe(200);
      const rows = await apiCsv(`/pull-requests?${RANGE}`);
      expect(rows.find((r) => r.number === '42')?.title).toBe(`'${title}`);
    }
  });
});
