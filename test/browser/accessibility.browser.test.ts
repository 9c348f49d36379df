import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { listIngestTokens } from '../../src/db/ingest-tokens.js';
import { setViewerTeams } from '../../src/db/org-settings.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { axeViolations, collectErrors, launchChromium, openAllDetails, sidewaysOverflow, signedInContext } from '../helpers/browser.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes } from '../helpers/web-session.js';

/*
 * Every page, as an owner and as a member of a listed team, in the light and the dark color
 * scheme: axe-core finds nothing with every "Show the numbers" table and PR evidence open, and at
 * a phone's 390 px nothing scrolls sideways.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let browser: Browser;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

const MEMBER_PAGES = [
  '/',
  '/api/docs',
  `/orgs/acme?${RANGE}`,
  `/orgs/acme?range=90d`,
  `/orgs/acme/users?${RANGE}`,
  `/orgs/acme/users/dana?${RANGE}`,
  `/orgs/acme/users/sam?${RANGE}`,
  `/orgs/acme/pull-requests?${RANGE}`,
  `/orgs/acme/pull-requests?${RANGE}&with_claude_code=false`,
  `/orgs/acme/pull-requests?${RANGE}&repository=acme/widgets&author=dana&q=rate`,
  `/orgs/acme/users?${RANGE}&sort=sessions&dir=desc&q=a`,
  `/orgs/acme/repositories?${RANGE}`,
  `/orgs/acme/repositories/acme/widgets?${RANGE}`,
  // Narrowed to a repository (org-wide figures marked), and a range that ends today (a partial day).
  `/orgs/acme?${RANGE}&repository=acme/widgets`,
  `/orgs/acme/users?${RANGE}&repository=acme/widgets`,
  `/orgs/acme/users/dana?${RANGE}&repository=acme/widgets`,
  '/orgs/acme?range=7d',
  '/orgs/acme/users/nobody',
  `/orgs/acme/teams?${RANGE}`,
  `/orgs/acme?${RANGE}&team=platform`,
  `/orgs/acme/users?${RANGE}&team=platform`,
  `/orgs/acme/pull-requests?${RANGE}&team=platform`,
  `/orgs/acme?${RANGE}&team=nobody`,
];
const OWNER_PAGES = [...MEMBER_PAGES, '/orgs/acme/settings', '/orgs/acme/settings?notice=processing-busy'];
/** The confirmation before revoking acme's org token (its id is known once the org is set up). */
let revokePage: string;

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  nockInstallationTokenAnyTimes();
  await setViewerTeams(app.db, 'acme', ['platform'], 'test');
  // A GitHub team (the team filter, the Teams page) and a member with no telemetry ("Not using Claude Code yet").
  await replaceOrgPeople(app.db, 'acme', { members: ['dana', 'lee'], teams: [{ id: 1, slug: 'platform', name: 'Platform', members: ['dana'] }] }, '2026-11-20T00:00:00.000Z');
  revokePage = `/orgs/acme/settings/ingest-tokens/${(await listIngestTokens(app.db, 'acme'))[0]!.id}/revoke`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await cleanup();
});

/** The elements that stick out on the right, outside any scrolling frame (for a failure's message). */
const widestElements = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) if (/auto|scroll/.test(getComputedStyle(p).overflowX)) return false; return true; })
    .slice(0, 6).map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').join(', ')`);

async function checkEveryPage(context: BrowserContext, pages: string[]) {
  const found: string[] = [];
  const tooWide: string[] = [];
  const page: Page = await context.newPage();
  const errors = collectErrors(page);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of pages) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${app.url}${path}`);
      await openAllDetails(page);
      for (const v of await axeViolations(page)) found.push(`${scheme} ${path} ${v}`);
      if (scheme === 'dark') continue;
      // A phone loads the page at its own width (charts size themselves as they are drawn).
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${app.url}${path}`);
      await openAllDetails(page);
      const overflow = await sidewaysOverflow(page);
      if (overflow > 0) tooWide.push(`${path}: ${overflow}px too wide: ${await widestElements(page)}`);
    }
  }
  await page.close();
  // The refusals (an unknown person, a member's settings) log their status; nothing else may log an error.
  return { found, tooWide, errors: errors.filter((e) => !/status of (403|404)/.test(e)) };
}

describe('every page, light and dark, laptop and phone', () => {
  it('an owner: axe finds no violation and nothing scrolls sideways', async () => {
    const context = await signedInContext(browser, app.url, { login: 'olivia', id: 501 });
    nockOrgMembership('acme', 'olivia', 'admin');
    const { found, tooWide, errors } = await checkEveryPage(context, [...OWNER_PAGES, revokePage]);
    await context.close();
    expect({ found, tooWide, errors }).toEqual({ found: [], tooWide: [], errors: [] });
  }, 120_000);

  it('a member of a listed team: the same', async () => {
    const context = await signedInContext(browser, app.url, { login: 'tom', id: 502 });
    nockOrgMembership('acme', 'tom', 'member');
    nockTeamMembership('acme', 'platform', 'tom', true);
    const { found, tooWide, errors } = await checkEveryPage(context, [...MEMBER_PAGES, '/orgs/acme/settings']);
    await context.close();
    expect({ found, tooWide, errors }).toEqual({ found: [], tooWide: [], errors: [] });
  }, 120_000);

  it('a wide table scrolls inside its frame on a phone, keeping the key column in view and showing that it scrolls', async () => {
    const context = await signedInContext(browser, app.url, { login: 'olga', id: 504 });
    nockOrgMembership('acme', 'olga', 'admin');
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/orgs/acme/users?${RANGE}`);
    const frame = page.locator('.table-wrap[aria-label="People"]');
    const sizes = await frame.evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth, focusable: e.getAttribute('tabindex') }));
    expect(sizes.scroll).toBeGreaterThan(sizes.client);
    expect(sizes.focusable).toBe('0');
    // The shadows that show more to the side are part of the frame's background.
    expect(await page.evaluate('getComputedStyle(document.querySelector(".table-wrap[aria-label=People]")).backgroundImage')).toContain('radial-gradient');
    const key = page.locator('tr[data-person="dana"] > :first-child');
    const left = async () => (await key.boundingBox())!.x;
    const before = await left();
    // Scrolled with the keyboard, as a frame that has focus is.
    await frame.focus();
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    // Chromium may scroll smoothly: on a loaded machine the frame has not moved yet right after the keys.
    await expect.poll(() => frame.evaluate((e) => e.scrollLeft), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(await left()).toBe(before);
    expect(await key.isVisible()).toBe(true);
    await context.close();
  });

  it('the favicon is served, so no page logs a 404 for it', async () => {
    const res = await fetch(`${app.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\//);
  });
});
