import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { setViewerTeams } from '../../src/db/org-settings.js';
import { approveGitHubSignIn, canvasImage, canvasPainted, collectErrors, launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.js';
import { DANA } from '../helpers/github-payloads.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { at, nockInstallationTokenAnyTimes } from '../helpers/web-session.js';

/*
 * The metrics pages in real Chromium against a running app whose data went through the real
 * pipeline (the recorded Claude Code sessions and PR #42). GitHub is mocked at the HTTP edge.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let browser: Browser;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

// GitHub's answers are mocked once, in beforeAll, for the whole file.
keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await cleanup();
});

const api = async (path: string) => (await fetch(`${app.url}/api/v1/orgs/acme${path}`, { headers: { 'x-api-key': apiKey } })).json() as Promise<Record<string, unknown>>;
const tiles = (page: Page) =>
  page.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value') === '' ? null : Number(e.getAttribute('data-value'))])));
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe('an owner in Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    context = await signedInContext(browser, app.url, { login: 'olivia', id: 501 });
    nockOrgMembership('acme', 'olivia', 'admin');
    page = await context.newPage();
    errors = collectErrors(page);
  });
  afterAll(async () => {
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sees the overview with every chart drawn and the API’s figures', async () => {
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="spend"]');
    for (const chart of ['adoption', 'prs-per-user', 'merged', 'accepted', 'active-users', 'spend', 'spend-by-model', 'outcomes', 'outcomes-cost']) {
      expect([chart, await canvasPainted(page, `canvas[data-chart="${chart}"]`)]).toEqual([chart, true]);
    }
    const summary = await api(`/summary?${RANGE}`);
    const shown = Object.fromEntries(Object.entries(await tiles(page)).filter(([k]) => !/^(usage|spend|outcomes|durability)\./.test(k)));
    expect(shown['pull_requests.with_claude_code']).toBe(1);
    for (const [metric, value] of Object.entries(shown)) expect([metric, value]).toEqual([metric, at(summary, metric)]);
    // The Outcomes tiles are the outcomes API's fields (a null comparison shows as an empty value).
    const outcomes = await api(`/outcomes?${RANGE}`);
    const field = (p: string) => p.split('.').reduce<any>((v, k) => (v === null ? null : v[k]), outcomes);
    const outcomeTiles = Object.entries(await tiles(page)).filter(([k]) => k.startsWith('outcomes.'));
    expect(outcomeTiles.length).toBe(4);
    for (const [metric, value] of outcomeTiles) expect([metric, value]).toEqual([metric, field(metric.slice('outcomes.'.length))]);
    // And the Durability tiles, the durability API's.
    const durability = await api(`/durability?${RANGE}`);
    const durabilityTiles = Object.entries(await tiles(page)).filter(([k]) => k.startsWith('durability.'));
    expect(durabilityTiles.length).toBe(3);
    for (const [metric, value] of durabilityTiles) {
      expect([metric, value]).toEqual([metric, metric.slice('durability.'.length).split('.').reduce<any>((v, k) => (v === null ? null : v[k]), durability)]);
    }
    await shot(page, 'overview');
  });

  it('toggles the merged chart to lines of code and the leaderboard to lines', async () => {
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
    const before = await canvasImage(page, 'canvas[data-chart="merged"]');
    await page.click('[data-chart-toggle="merged"] button[data-view="lines"]');
    expect(await page.getAttribute('canvas[data-chart="merged"]', 'data-view')).toBe('lines');
    expect(await page.getAttribute('[data-chart-toggle="merged"] button[data-view="lines"]', 'aria-pressed')).toBe('true');
    expect(await canvasImage(page, 'canvas[data-chart="merged"]')).not.toBe(before);

    const visibleBoard = () => page.$eval('[data-board]', (b) => b.querySelector('[data-board-table]:not([hidden])')!.getAttribute('data-board-table'));
    expect(await visibleBoard()).toBe('prs-with');
    expect(await page.locator('[data-board-table="prs-with"] tr[data-person="dana"]').isVisible()).toBe(true);
    await page.click('[data-board-part="metric"] button[data-value="lines"]');
    expect(await visibleBoard()).toBe('lines-with');
    expect(await page.locator('[data-board-table="lines-with"] tr[data-person="dana"] td').last().innerText()).toContain('22');
    await page.click('[data-board-part="scope"] button[data-value="all"]');
    expect(await visibleBoard()).toBe('lines-all');
    await shot(page, 'overview-toggled');
  });

  it('changes the numbers with the date range', async () => {
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    const wide = Object.fromEntries(Object.entries(await tiles(page)).filter(([k]) => !/^(usage|spend|outcomes|durability)\./.test(k)));
    await page.fill('input[name="start_date"]', '2026-11-22');
    await page.fill('input[name="end_date"]', '2026-11-22');
    await Promise.all([page.waitForURL(/start_date=2026-11-22/), page.click('form[aria-label="Custom date range"] button[type="submit"]')]);
    const narrow = Object.fromEntries(Object.entries(await tiles(page)).filter(([k]) => !/^(usage|spend|outcomes|durability)\./.test(k)));
    const summary = await api('/summary?start_date=2026-11-22&end_date=2026-11-22');
    for (const [metric, value] of Object.entries(narrow)) expect([metric, value]).toEqual([metric, at(summary, metric)]);
    expect(narrow).not.toEqual(wide);
    // A preset is a link: the last 7 days end today.
    await page.click('.presets a:has-text("Last 7 days")');
    expect(new URL(page.url()).searchParams.get('range')).toBe('7d');
  });

  it('keeps the chosen range when moving between pages, through the nav and a PR’s author', async () => {
    const range = (url: string) => [new URL(url).searchParams.get('start_date'), new URL(url).searchParams.get('end_date')];
    await page.goto(`${app.url}/orgs/acme?start_date=2026-11-21&end_date=2026-11-22`);
    await Promise.all([page.waitForURL(/\/pull-requests/), page.click('nav[aria-label="Sections"] a:has-text("Pull requests")')]);
    expect(range(page.url())).toEqual(['2026-11-21', '2026-11-22']);
    await Promise.all([page.waitForURL(/\/users\/dana/), page.click('tr[data-pull-request="acme/widgets#42"] a:has-text("dana")')]);
    expect(range(page.url())).toEqual(['2026-11-21', '2026-11-22']);
    expect(await page.inputValue('input[name="start_date"]')).toBe('2026-11-21');
    await Promise.all([page.waitForURL(/\/users\?/), page.click('nav[aria-label="Sections"] a:has-text("People")')]);
    expect(range(page.url())).toEqual(['2026-11-21', '2026-11-22']);
    await Promise.all([page.waitForURL(/\/orgs\/acme\?/), page.click('nav[aria-label="Sections"] a:has-text("Overview")')]);
    expect(range(page.url())).toEqual(['2026-11-21', '2026-11-22']);
  });

  it('keeps the repository filter when moving between pages, and its figures are the API’s repository row', async () => {
    const params = (url: string) => Object.fromEntries(['start_date', 'end_date', 'repository'].map((k) => [k, new URL(url).searchParams.get(k)]));
    const kept = { start_date: '2026-11-21', end_date: '2026-11-22', repository: 'acme/widgets' };
    await page.goto(`${app.url}/orgs/acme?start_date=2026-11-21&end_date=2026-11-22`);
    await page.selectOption('form[data-filter="repository"] select[name="repository"]', 'acme/widgets');
    await Promise.all([page.waitForURL(/repository=acme%2Fwidgets/), page.click('form[data-filter="repository"] button[type="submit"]')]);
    expect(params(page.url())).toEqual(kept);
    const row = ((await api('/repositories?start_date=2026-11-21&end_date=2026-11-22')).data as Record<string, number | string>[]).find((r) => r.repository === 'acme/widgets')!;
    const shown = await tiles(page);
    expect(shown['pull_requests.with_claude_code']).toBe(row.pull_requests_with_claude_code);
    expect(shown['lines_committed.with_claude_code']).toBe(row.lines_with_claude_code);
    expect(await page.locator('[data-metric="claude_code.lines_accepted"] .badge').textContent()).toBe('org-wide');
    // Changing the range keeps the repository.
    await Promise.all([page.waitForURL(/range=7d/), page.click('.presets a:has-text("Last 7 days")')]);
    expect(new URL(page.url()).searchParams.get('repository')).toBe('acme/widgets');
    await page.goto(`${app.url}/orgs/acme?start_date=2026-11-21&end_date=2026-11-22&repository=acme/widgets`);
    await Promise.all([page.waitForURL(/\/users\?/), page.click('nav[aria-label="Sections"] a:has-text("People")')]);
    expect(params(page.url())).toEqual(kept);
    expect(await page.inputValue('form[data-filter="repository"] select[name="repository"]')).toBe('acme/widgets');
    expect(await page.$$eval('tr[data-person]', (rows) => rows.map((r) => r.getAttribute('data-person')))).toEqual(['dana']);
    await Promise.all([page.waitForURL(/\/pull-requests/), page.click('nav[aria-label="Sections"] a:has-text("Pull requests")')]);
    expect(params(page.url())).toEqual(kept);
    expect(await page.inputValue('form[aria-label="Filter pull requests"] select[name="repository"]')).toBe('acme/widgets');
    await Promise.all([page.waitForURL(/\/users\/dana/), page.click('tr[data-pull-request="acme/widgets#42"] a:has-text("dana")')]);
    expect(params(page.url())).toEqual(kept);
    await Promise.all([page.waitForURL(/\/orgs\/acme\?/), page.click('nav[aria-label="Sections"] a:has-text("Overview")')]);
    expect(params(page.url())).toEqual(kept);
    // "All repositories" clears it, keeping the range.
    await Promise.all([page.waitForURL((u) => !u.searchParams.has('repository')), page.click('form[data-filter="repository"] a:has-text("All repositories")')]);
    expect(params(page.url())).toEqual({ ...kept, repository: null });
  });

  it('exports all users as the API’s CSV', async () => {
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Export all users (CSV)")')]);
    expect(download.suggestedFilename()).toBe('acme-users-2026-11-20-2026-11-22.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const fromApi = await (await fetch(`${app.url}/api/v1/orgs/acme/users?${RANGE}&format=csv`, { headers: { 'x-api-key': apiKey } })).text();
    expect(csv).toBe(fromApi);
    expect(csv.split('\n')[0]).toContain('lines_with_claude_code');
    expect(csv).toMatch(/^dana,/m);
  });

  it('opens a PR’s evidence in plain words, and a person’s page', async () => {
    await page.goto(`${app.url}/orgs/acme/pull-requests?${RANGE}`);
    const pr = page.locator('tr[data-pull-request="acme/widgets#42"] details');
    expect(await pr.locator('li').first().isVisible()).toBe(false);
    await pr.locator('summary').click();
    const evidence = await pr.locator('li').allInnerTexts();
    expect(evidence.join('\n')).toMatch(/of 23 lines match what Claude Code wrote in session/);
    await shot(page, 'pull-requests');

    await page.goto(`${app.url}/orgs/acme/users/dana?${RANGE}`);
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="person-merged"]');
    expect(await canvasPainted(page, 'canvas[data-chart="person-merged"]')).toBe(true);
    // Sessions on their own axis, on the right of the activity chart.
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="person-activity"]');
    expect(
      await page.evaluate(`(() => { const c = Chart.getChart(document.querySelector('canvas[data-chart="person-activity"]')); return [c.options.scales.y1.position, c.options.scales.y1.title.text, c.data.datasets.map((d) => d.yAxisID)]; })()`),
    ).toEqual(['right', 'Sessions', ['y', 'y1']]);
    expect((await tiles(page)).lines_with_claude_code).toBe(22);
    await shot(page, 'person');

    await page.goto(`${app.url}/orgs/acme/users?${RANGE}`);
    expect(await page.locator('tr[data-person="dana"]').innerText()).toContain('22');
    await shot(page, 'people');
  });

  it('toggles spend by model between 1 month, 3 months and 1 year, and exports the spend report', async () => {
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="spend-by-model"]');
    expect(await canvasPainted(page, 'canvas[data-chart="spend-by-model"]')).toBe(true);
    await page.click('[data-chart-toggle="spend-by-model"] button[data-view="1y"]');
    expect(await page.getAttribute('canvas[data-chart="spend-by-model"]', 'data-view')).toBe('1y');
    await page.selectOption('select[name="period"]', 'custom');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export spend report (CSV)")')]);
    expect(download.suggestedFilename()).toBe('acme-spend-report-2026-11-20-2026-11-22.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const fromApi = await (await fetch(`${app.url}/api/v1/orgs/acme/spend_report?${RANGE}`, { headers: { 'x-api-key': apiKey } })).text();
    expect(csv).toBe(fromApi);
    await page.locator('[data-section="spend"]').screenshot({ path: join(SCREENSHOTS, 'spend-section.png') });
  });

  it('creates an API key on the settings page, shown once, that then reads the API', async () => {
    await page.goto(`${app.url}/orgs/acme/settings`);
    expect(await page.locator('#managed-settings').innerText()).toContain(`"OTEL_EXPORTER_OTLP_ENDPOINT": "${app.url}"`);
    await page.click('button:has-text("Create API key")');
    const key = await page.locator('#new-secret').innerText();
    const res = await fetch(`${app.url}/api/v1/orgs/acme/summary`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    await shot(page, 'settings');
  });

  it('reads on a phone, in the dark color scheme', async () => {
    const phone = await context.newPage();
    const phoneErrors = collectErrors(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.emulateMedia({ colorScheme: 'dark' });
    await phone.goto(`${app.url}/orgs/acme?${RANGE}`);
    await phone.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
    // Nothing wider than the screen, and the page is dark.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await phone.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(13, 17, 23)');
    await shot(phone, 'overview-phone-dark');
    expect(phoneErrors).toEqual([]);
    await phone.close();
  });
});

describe('a member of a listed team in Chromium', () => {
  it('sees the metrics but not spend or settings', async () => {
    await setViewerTeams(app.db, 'acme', ['platform'], 'test');
    const context = await signedInContext(browser, app.url, { login: 'tom', id: 502 });
    nockOrgMembership('acme', 'tom', 'member');
    nockTeamMembership('acme', 'platform', 'tom', true);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    await page.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
    expect(await page.locator('[data-metric="pull_requests.with_claude_code"]').count()).toBe(1);
    expect(await page.locator('[data-metric="claude_code.cost_usd"]').count()).toBe(0);
    expect(await page.locator('canvas[data-chart="spend"]').count()).toBe(0);
    expect(await page.locator('[data-section="spend"]').count()).toBe(0);
    expect(await page.locator('[data-section="usage"]').isVisible()).toBe(true);
    expect(await canvasPainted(page, 'canvas[data-chart="active-users"]')).toBe(true);
    expect(await page.locator('nav a:has-text("Settings")').count()).toBe(0);
    await shot(page, 'overview-member');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('someone outside the org gets a 403 page', async () => {
    const context = await signedInContext(browser, app.url, { login: 'xavier', id: 503 });
    nockOrgMembership('acme', 'xavier', null);
    const page = await context.newPage();
    const res = await page.goto(`${app.url}/orgs/acme?${RANGE}`);
    expect(res!.status()).toBe(403);
    expect(await page.locator('h1').innerText()).toBe('No access');
    await context.close();
    expect(nock.pendingMocks().filter((m) => !m.includes('access_tokens'))).toEqual([]);
  });
});

describe('signing in from a bookmark', () => {
  it('goes through GitHub and lands on the page asked for', async () => {
    const context = await browser.newContext();
    await approveGitHubSignIn(context);
    (await import('../helpers/nock-github.js')).nockOAuthSignIn({ login: DANA.login, id: DANA.id });
    nockOrgMembership('acme', 'dana', 'admin');
    const page = await context.newPage();
    await page.goto(`${app.url}/orgs/acme/pull-requests?${RANGE}`);
    expect(page.url()).toBe(`${app.url}/orgs/acme/pull-requests?${RANGE}`);
    expect(await page.locator('header .who strong').innerText()).toBe('dana');
    await Promise.all([page.waitForURL(`${app.url}/`), page.click('button:has-text("Sign out")')]);
    expect(await page.locator('h1').innerText()).toBe('Claude Code contribution metrics');
    // Signed out for real: the bookmark asks for sign-in again.
    const again = await context.request.get(`${app.url}/orgs/acme`, { maxRedirects: 0 });
    expect(again.headers().location).toBe('/auth/sign-in?return_to=%2Forgs%2Facme');
    await context.close();
  });
});
