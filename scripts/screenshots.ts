/*
 * Screenshots of the metrics pages for the README, from a running demo (`npm run demo`): signs in
 * as the demo's owner through the demo sign-in page in Debian's Chromium and saves
 * docs/screenshots/*.png: the overview (tiles with their change vs the previous period), its
 * Durability section (over the last 90 days: the demo's whole history, so PRs old enough for 30
 * days count), the overview narrowed to one repository, the people, teams, repositories, one
 * repository and pull requests pages.
 *
 *   npm run demo            # in one terminal
 *   npm run screenshots     # in another (BASE_URL=http://localhost:3000 by default)
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://localhost:3000';
const org = process.env.ORG ?? 'acme';
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--no-proxy-server'],
});
const saved: string[] = [];
const save = async (page: Page, name: string, height: number) => {
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
  saved.push(`${out}/${name}.png`);
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await page.goto(`${base}/orgs/${org}`);
  // The demo's stand-in for GitHub's authorize page: sign in as the org's owner.
  await page.click('a:has-text("dana")');
  await page.waitForURL(`${base}/orgs/${org}`);
  await page.goto(`${base}/orgs/${org}?range=30d`);
  await page.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
  await save(page, 'overview', 1180);
  await page.goto(`${base}/orgs/${org}?range=90d`);
  await page.waitForSelector('canvas[data-drawn="true"][data-chart="durability"]');
  const durability = page.locator('section[data-durability]');
  await durability.screenshot({ path: `${out}/overview-durability.png` });
  saved.push(`${out}/overview-durability.png`);
  // The first repository the filter offers (they are listed by name).
  const repository = await page.locator('form[data-filter="repository"] select option:not([value=""])').first().getAttribute('value');
  await page.goto(`${base}/orgs/${org}?range=30d&repository=${encodeURIComponent(repository!)}`);
  await page.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
  await save(page, 'overview-repository', 1180);
  await page.goto(`${base}/orgs/${org}/users?range=30d&sort=pull_requests_with_claude_code&dir=desc`);
  await save(page, 'people', 760);
  await page.goto(`${base}/orgs/${org}/teams?range=30d`);
  await save(page, 'teams', 760);
  await page.goto(`${base}/orgs/${org}/repositories?range=30d`);
  await save(page, 'repositories', 560);
  await page.goto(`${base}/orgs/${org}/repositories/${repository}?range=30d`);
  await page.waitForSelector('canvas[data-drawn="true"]');
  await save(page, 'repository', 900);
  await page.goto(`${base}/orgs/${org}/pull-requests?range=30d&with_claude_code=true`);
  await page.locator('details.evidence summary').first().click();
  await save(page, 'pull-requests', 760);
  console.log(`Saved ${saved.join(', ')}`);
} finally {
  await browser.close();
}
