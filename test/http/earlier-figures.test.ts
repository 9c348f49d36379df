import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks, keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { signInAcmeOwner } from '../helpers/web-session.js';

/*
 * After a processing run ends, the overview waits PAGE_FRESH_WAIT_MS for the new figures; past that
 * it shows the earlier run's, says so, and shows the new ones once computed. With a wait of 0 the
 * page never waits for them when it has an earlier run's to show.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let cookie: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg({ ...TEST_OAUTH, PAGE_FRESH_WAIT_MS: '0' }));
  cookie = await signInAcmeOwner(app.http);
}, 60_000);
afterAll(() => cleanup());
allowUnusedNockMocks('access_tokens');
keepNockMocksBetweenTests();

const overview = async (path = `/orgs/acme?${RANGE}`) => {
  const res = await app.http.request(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  const html = await res.text();
  return { processedAt: /data-processed-at="([^"]*)"/.exec(html)![1], earlier: html.includes('data-earlier-figures'), html };
};

describe('the overview right after a processing run', () => {
  it("shows the earlier run's figures, saying so, until the new ones are computed", async () => {
    const first = await overview();
    expect(first.earlier).toBe(false);
    expect(first.processedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    await new Promise((resolve) => setTimeout(resolve, 5)); // the next run ends at a later millisecond
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
    const during = await overview();
    expect(during.earlier).toBe(true);
    expect(during.processedAt).toBe(first.processedAt);
    expect(during.html).toContain(`These figures are of the run before it (${first.processedAt!.slice(0, 16).replace('T', ' ')} UTC)`);

    let after = await overview();
    for (let i = 0; after.earlier && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await overview();
    }
    expect(after.earlier).toBe(false);
    expect(after.processedAt! > first.processedAt!).toBe(true);
    // Another range was never shown: it waits for its figures.
    expect((await overview('/orgs/acme?start_date=2026-11-21&end_date=2026-11-22')).earlier).toBe(false);
  });
});
