import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { nockOAuthSignIn } from './nock-github.js';

/*
 * Real Chromium (Debian's `chromium` package, which `.ci/run` installs) driven by playwright-core.
 * No browser is ever downloaded. GitHub's authorize page is the one thing the browser would reach
 * outside: it is answered in the browser the way GitHub answers an authorized app, by sending the
 * browser back to the callback with a code and the state.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--no-proxy-server'] });
}

/** Console errors and uncaught exceptions of a page, to assert there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * Answers GitHub's authorize page as GitHub does for an app the person already authorized:
 * straight back to the callback with a code and the state. Playwright intercepts only the first
 * request of a redirect chain, so the chain "page → /auth/sign-in → github.com" is walked here
 * (with the context's cookies) and the browser is sent to the callback in one hop.
 */
export async function approveGitHubSignIn(context: BrowserContext): Promise<void> {
  await context.route(
    (url) => url.hostname !== 'github.com',
    (route) =>
      walkToGitHub(route, context).catch((error: Error) => {
        // A request the page gave up meanwhile (a navigation replaced it, the page closed): nothing waits for its answer.
        if (/disposed|closed|destroyed/i.test(error.message)) return;
        throw error;
      }),
  );
}

async function walkToGitHub(route: Route, context: BrowserContext): Promise<void> {
  // Form posts go as the browser sends them (with their Origin); only page loads can lead to GitHub.
  if (route.request().method() !== 'GET') return route.continue();
  let url = route.request().url();
  let response = await route.fetch({ maxRedirects: 0 });
  for (let hop = 0; hop < 3 && response.status() >= 300 && response.status() < 400; hop++) {
    const next = new URL(response.headers().location!, url);
    if (next.hostname === 'github.com' && next.pathname === '/login/oauth/authorize') {
      const back = new URL(next.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', 'test-code');
      back.searchParams.set('state', next.searchParams.get('state')!);
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    }
    if (next.pathname !== '/auth/sign-in') break;
    url = next.toString();
    response = await context.request.get(url, { maxRedirects: 0 });
  }
  return route.fulfill({ response });
}

/** A browser context signed in as `user` (GitHub's side mocked with nock). */
export async function signedInContext(browser: Browser, baseUrl: string, user: { login: string; id: number }, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  await approveGitHubSignIn(context);
  nockOAuthSignIn(user);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/auth/sign-in?return_to=%2F`);
  await page.close();
  return context;
}

/** Whether a canvas has any painted pixel. */
// These run in the page; the test project has no DOM types, so the canvas is described by hand.
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
  toDataURL(): string;
}

export const canvasPainted = (page: Page, selector: string) =>
  page.$eval(selector, (c) => {
    const canvas = c as unknown as Canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) return true;
    return false;
  });

export const canvasImage = (page: Page, selector: string) => page.$eval(selector, (c) => (c as unknown as Canvas).toDataURL());

/** axe-core's violations on the page as it is now, each as "rule: target (message)". */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the pages' CSP (scripts only from the app) does not stop it.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource());
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) =>
    v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').split('\\n').slice(1).join(' ').trim() + ')')).flat())`)) as string[];
  return violations;
}

let axeScript: string | undefined;
const axeSource = () => (axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

/** Opens every "Show the numbers" table and every PR's evidence. */
export const openAllDetails = (page: Page) => page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');

/** How much wider than the viewport the page is (0: no sideways scroll). */
export const sidewaysOverflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;
