/*
 * A minimal browser for the demo's own use over real HTTP: it keeps cookies per origin and
 * follows redirects one hop at a time, so the demo signs in through the app's real sign-in flow
 * (and the stand-in GitHub's authorize page) like a person would.
 */

export interface Hop {
  url: string;
  status: number;
  location: string | null;
}

export class DemoBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  cookieHeader(url: string): string {
    const jar = this.#cookies.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  #remember(url: string, response: Response): void {
    const origin = new URL(url).origin;
    let jar = this.#cookies.get(origin);
    if (!jar) this.#cookies.set(origin, (jar = new Map()));
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }

  /** One request, no redirect followed. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.#remember(url, response);
    return response;
  }

  /** GETs `url` and follows redirects (at most `max`), returning the final answer and every hop. */
  async follow(url: string, max = 10): Promise<{ response: Response; hops: Hop[] }> {
    const hops: Hop[] = [];
    let current = url;
    for (let i = 0; i <= max; i++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      hops.push({ url: current, status: response.status, location });
      if (response.status < 300 || response.status >= 400 || !location) return { response, hops };
      await response.body?.cancel();
      current = new URL(location, current).toString();
    }
    throw new Error(`more than ${max} redirects from ${url}`);
  }

  /** Posts a form the way a page of the app would (same-origin `Origin` header). */
  async postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/**
 * Signs in to the app as one of the demo people: the app's `/auth/sign-in` sends the browser to the
 * stand-in GitHub's authorize page, whose link for `login` comes back to the app's callback.
 */
export async function signInToDemo(browser: DemoBrowser, appUrl: string, login: string, returnTo = '/'): Promise<{ response: Response; hops: Hop[] }> {
  const start = await browser.follow(`${appUrl}/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`);
  const pageUrl = start.hops.at(-1)!.url;
  const html = await start.response.text();
  const href = new RegExp(`<a href="([^"]+)" data-login="${login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).exec(html)?.[1];
  if (!href) throw new Error(`the demo sign-in page at ${pageUrl} lists no "${login}"`);
  const approve = new URL(href.replace(/&amp;/g, '&'), pageUrl).toString();
  const done = await browser.follow(approve);
  return { response: done.response, hops: [...start.hops, ...done.hops] };
}
