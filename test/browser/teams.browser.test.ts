import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { collectErrors, launchChromium, signedInContext } from '../helpers/browser.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { storeTeamsScenario, TEAMS_RANGE } from '../helpers/teams-scenario.js';
import { at, nockInstallationTokenAnyTimes } from '../helpers/web-session.js';

/*
 * Teams in real Chromium (spec: Teams), on the scenario of test/helpers/teams-scenario.ts: from
 * the Teams page to the overview filtered by a team, whose tiles are the API's team summary; the
 * team chosen in the range form, kept when moving to another page.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let browser: Browser;
let apiKey: string;

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  await storeTeamsScenario(app.http, app.db, (await createIngestToken(app.db, { org: 'acme' })).token);
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await cleanup();
});

const api = async (path: string) => (await fetch(`${app.url}/api/v1/orgs/acme${path}`, { headers: { 'x-api-key': apiKey } })).json() as Promise<Record<string, unknown>>;
/** The overview's headline tiles (the Outcomes section's are compared elsewhere; the Durability section's by `durabilityTiles`). */
const tiles = (page: Page) =>
  page.$$eval('[data-metric]', (els) =>
    Object.fromEntries(
      els
        .filter((e) => !/^(outcomes|durability)\./.test(e.getAttribute('data-metric') ?? ''))
        .map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value') === '' ? null : Number(e.getAttribute('data-value'))]),
    ),
  );

describe('teams in Chromium', () => {
  it('the Teams page opens the overview filtered by a team, whose tiles are the API’s team summary; the team is kept between pages', async () => {
    const context = await signedInContext(browser, app.url, { login: 'olivia', id: 501 });
    nockOrgMembership('acme', 'olivia', 'admin');
    const page = await context.newPage();
    const errors = collectErrors(page);

    await page.goto(`${app.url}/orgs/acme/teams?${TEAMS_RANGE}`);
    expect(await page.$$eval('tr[data-team]', (rows) => rows.map((r) => r.getAttribute('data-team')))).toEqual(['data', 'platform', 'web']);
    await Promise.all([page.waitForURL(/team=platform/), page.click('tr[data-team="platform"] a:has-text("Platform")')]);

    const platform = await api(`/summary?${TEAMS_RANGE}&team=platform`);
    const shown = await tiles(page);
    expect(Object.keys(shown).length).toBe(7);
    for (const [metric, value] of Object.entries(shown)) expect([metric, value]).toEqual([metric, at(platform, metric)]);
    expect(shown['pull_requests.with_claude_code']).toBe(1);
    expect(await page.inputValue('select[name="team"]')).toBe('platform');
    // The Durability section is the team's too: the tiles of the API's `durability?team=`.
    const durability = await api(`/durability?${TEAMS_RANGE}&team=platform`);
    expect(durability.team).toBe('platform');
    const durabilityTiles = await page.$$eval('[data-metric^="durability."]', (els) =>
      els.map((e) => [e.getAttribute('data-metric')!, e.getAttribute('data-value') === '' ? null : Number(e.getAttribute('data-value'))] as const),
    );
    expect(durabilityTiles.length).toBe(3);
    // (The scenario's PRs are days old: no figure yet, null on both sides; test/durability/ has a team's figures by hand.)
    const field = (path: string) => path.split('.').reduce<any>((v, k) => (v === null ? null : v[k]), durability);
    for (const [metric, value] of durabilityTiles) expect([metric, value]).toEqual([metric, field(metric.slice('durability.'.length))]);
    expect(await page.textContent('section[data-durability] p')).toContain("the PRs of acme's team platform merged");

    // Another team, chosen in the range form.
    await page.selectOption('select[name="team"]', 'web');
    await Promise.all([page.waitForURL(/team=web/), page.click('form[aria-label="Custom date range"] button[type="submit"]')]);
    const web = await api(`/summary?${TEAMS_RANGE}&team=web`);
    for (const [metric, value] of Object.entries(await tiles(page))) expect([metric, value]).toEqual([metric, at(web, metric)]);
    // The org's own figures are not the sum of its teams': alice counts in both.
    const org = await api(`/summary?${TEAMS_RANGE}`);
    expect(at(org, 'pull_requests.merged')).toBe(6);

    // Kept through the nav, like the range.
    await Promise.all([page.waitForURL(/\/users\?/), page.click('nav[aria-label="Sections"] a:has-text("People")')]);
    expect(new URL(page.url()).searchParams.get('team')).toBe('web');
    expect(new URL(page.url()).searchParams.get('start_date')).toBe('2026-11-02');
    expect(await page.$$eval('tr[data-person]', (rows) => rows.map((r) => r.getAttribute('data-person')))).toEqual(['alice', 'carol']);
    expect(await page.$$eval('[data-not-using] li', (items) => items.map((i) => i.textContent))).toEqual(['carol']);

    // "All teams" lifts the filter.
    await page.selectOption('select[name="team"]', '');
    await Promise.all([page.waitForURL((url) => !url.searchParams.get('team')), page.click('form[aria-label="Custom date range"] button[type="submit"]')]);
    expect(await page.$$eval('[data-not-using] li', (items) => items.map((i) => i.textContent))).toEqual(['carol', 'dave']);

    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
