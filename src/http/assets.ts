import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { ownProperty } from '../own-property.js';

/*
 * The pages' static files, served by the app itself so the pages work with no internet access:
 * the stylesheet, the pages' script, the icon, and Chart.js from its npm package. URLs carry a
 * version, so browsers may keep them for a year. `/favicon.ico` answers the icon too, for pages and
 * browsers that ask for it there.
 */

const here = dirname(fileURLToPath(import.meta.url));
const chartJsDir = dirname(createRequire(import.meta.url).resolve('chart.js'));

const FILES: Record<string, { path: string; type: string }> = {
  'app.css': { path: join(here, 'assets', 'app.css'), type: 'text/css; charset=utf-8' },
  'pages.js': { path: join(here, 'assets', 'pages.js'), type: 'text/javascript; charset=utf-8' },
  'favicon.svg': { path: join(here, 'assets', 'favicon.svg'), type: 'image/svg+xml' },
  'chart.umd.js': { path: join(chartJsDir, 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

export function assetRoutes() {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  const answer = (c: Context, name: string, versioned: boolean) => {
    const file = ownProperty(FILES, name);
    if (!file) return c.text('Not found', 404);
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(file.path);
      cache.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': file.type,
      'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  };
  app.get('/assets/:name', (c) => answer(c, c.req.param('name'), Boolean(c.req.query('v'))));
  app.get('/favicon.ico', (c) => answer(c, 'favicon.svg', false));
  return app;
}
