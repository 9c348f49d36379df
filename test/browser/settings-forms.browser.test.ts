import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { listApiKeys } from '../../src/db/api-keys.js';
import { listIngestTokens } from '../../src/db/ingest-tokens.js';
import { collectErrors, launchChromium, signedInContext } from '../helpers/browser.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes } from '../helpers/web-session.js';

/*
 * The settings forms in real Chromium: creating a token or key redirects and shows the secret once
 * (a reload creates no second one), revoking asks first, the login field's pattern is one the
 * browser compiles, and a personal token for someone outside the org is refused.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  nockInstallationTokenAnyTimes();
  browser = await launchChromium();
  context = await signedInContext(browser, app.url, { login: 'olivia', id: 501 });
  nockOrgMembership('acme', 'olivia', 'admin');
  page = await context.newPage();
  errors = collectErrors(page);
}, 60_000);
afterAll(async () => {
  // The refusal of an outsider's token answers 400, which Chromium logs; nothing else may log an error.
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  await context?.close();
  await browser?.close();
  await cleanup();
});

const liveTokens = async () => (await listIngestTokens(app.db, 'acme')).filter((t) => !t.revokedAt);
const settings = () => `${app.url}/orgs/acme/settings`;

describe('settings forms in Chromium', () => {
  it('creates a personal ingest token with a redirect, shows it once, and a reload creates no second one', async () => {
    nockOrgMembership('acme', 'dana', 'member');
    await page.goto(settings());
    const before = (await liveTokens()).length;
    await page.fill('input[name="login"] >> nth=0', 'dana');
    await Promise.all([page.waitForURL(settings()), page.click('button:has-text("Create ingest token")')]);
    const token = await page.locator('#new-secret').innerText();
    expect(token).toMatch(/^ccm_/);
    expect(page.url()).toBe(settings());
    expect(await page.locator('#managed-settings').innerText()).toContain(`Authorization=Bearer ${token}`);
    expect(await liveTokens()).toHaveLength(before + 1);
    expect((await liveTokens()).at(-1)).toMatchObject({ githubLogin: 'dana' });

    await page.reload();
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    expect(await liveTokens()).toHaveLength(before + 1);
    // Back and forward do not post again either.
    await page.goBack();
    await page.goForward();
    expect(await liveTokens()).toHaveLength(before + 1);
  });

  it('creates an API key the same way', async () => {
    await page.goto(settings());
    const before = (await listApiKeys(app.db, 'acme')).length;
    await Promise.all([page.waitForURL(settings()), page.click('button:has-text("Create API key")')]);
    const key = await page.locator('#new-secret').innerText();
    expect((await fetch(`${app.url}/api/v1/orgs/acme/summary`, { headers: { 'x-api-key': key } })).status).toBe(200);
    await page.reload();
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect(await listApiKeys(app.db, 'acme')).toHaveLength(before + 1);
  });

  it('gives the login fields a pattern Chromium compiles in the v mode, and checks it before sending', async () => {
    await page.goto(settings());
    const patterns = await page.$$eval('input[pattern]', (inputs) => inputs.map((i) => i.getAttribute('pattern')!));
    expect(patterns.length).toBeGreaterThanOrEqual(2);
    // Compiled as Chromium compiles a pattern attribute: in the v mode.
    for (const pattern of patterns) {
      const compiled = await page.evaluate((p) => {
        try {
          new RegExp(`^(?:${p})$`, 'v');
          return 'valid';
        } catch (error) {
          return String(error);
        }
      }, pattern);
      expect([pattern, compiled]).toEqual([pattern, 'valid']);
    }
    const login = page.locator('input[name="login"] >> nth=0');
    const mismatch = () => login.evaluate((i) => (i as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch);
    await login.fill('not a login!');
    expect(await mismatch()).toBe(true);
    await login.fill('dana-x-1');
    expect(await mismatch()).toBe(false);
  });

  it('refuses a personal token for a login outside the org with a clear message', async () => {
    nockOrgMembership('acme', 'mallory', null);
    await page.goto(settings());
    const before = (await liveTokens()).length;
    await page.fill('input[name="login"] >> nth=0', 'mallory');
    await page.click('button:has-text("Create ingest token")');
    await page.waitForSelector('.notice.bad');
    expect(await page.locator('.notice.bad').innerText()).toContain('mallory is not a member of acme on GitHub, so no personal token was created');
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect(await liveTokens()).toHaveLength(before);
  });

  it('asks before revoking, naming what stops working; Cancel keeps the token', async () => {
    const orgToken = (await liveTokens()).find((t) => t.githubLogin === null)!;
    await page.goto(settings());
    await Promise.all([page.waitForURL(/\/revoke$/), page.click(`tr[data-secret="${orgToken.tokenPrefix}"] a:has-text("Revoke")`)]);
    expect(await page.locator('h1').innerText()).toContain('Revoke the org ingest token');
    expect(await page.locator('[data-stops]').innerText()).toContain('all telemetry and edit hook calls of every developer whose managed settings carry it stop');
    await Promise.all([page.waitForURL(settings()), page.click('a:has-text("Cancel")')]);
    expect((await liveTokens()).some((t) => t.id === orgToken.id)).toBe(true);

    const personal = (await liveTokens()).find((t) => t.githubLogin === 'dana')!;
    await page.click(`tr[data-secret="${personal.tokenPrefix}"] a:has-text("Revoke")`);
    expect(await page.locator('[data-stops]').innerText()).toContain("dana's telemetry and edit hook calls");
    await Promise.all([page.waitForURL(/notice=token-revoked/), page.click('button:has-text("Revoke it")')]);
    expect(await page.locator('.notice.ok').innerText()).toContain('Ingest token revoked');
    expect((await liveTokens()).some((t) => t.id === personal.id)).toBe(false);
    expect(await page.locator(`tr[data-secret="${personal.tokenPrefix}"]`).count()).toBe(0);
  });
});
