/*
 * Screenshots of the metrics pages for the README, from a running demo (`npm run demo`): signs in
 * as the demo's owner through the demo sign-in page in Debian's Chromium and saves
 * docs/screenshots/*.png.
 *
 *   npm run demo            # in one terminal
 *   npm run screenshots     # in another (BASE_URL=http://localhost:3000 by default)
 */
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://localhost:3000';
const org = process.env.ORG ?? 'acme';
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--no-proxy-server'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await page.goto(`${base}/orgs/${org}`);
  // The demo's stand-in for GitHub's authorize page: sign in as the org's owner.
  await page.click('a:has-text("dana")');
  await page.waitForURL(`${base}/orgs/${org}`);
  await page.goto(`${base}/orgs/${org}?range=30d`);
  await page.waitForSelector('canvas[data-drawn="true"][data-chart="merged"]');
  await page.screenshot({ path: `${out}/overview.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1120 } });
  await page.goto(`${base}/orgs/${org}/pull-requests?range=30d&with_claude_code=true`);
  await page.locator('details.evidence summary').first().click();
  await page.screenshot({ path: `${out}/pull-requests.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 700 } });
  console.log(`Saved ${out}/overview.png and ${out}/pull-requests.png`);
} finally {
  await browser.close();
}
