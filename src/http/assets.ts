import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { ownProperty } from '../own-property.js';

/*
 * The pages' static files, served by the app itself so the pages work with no internet access:
 * the stylesheet, the pages' script, and Chart.js from its npm package. URLs carry a version, so
 * browsers may keep them for a year.
 */

const here = dirname(fileURLToPath(import.meta.url));
const chartJsDir = dirname(createRequire(import.meta.url).resolve('chart.js'));

const FILES: Record<string, { path: string; type: string }> = {
  'app.css': { path: join(here, 'assets', 'app.css'), type: 'text/css; charset=utf-8' },
  'pages.js': { path: join(here, 'assets', 'pages.js'), type: 'text/javascript; charset=utf-8' },
  'chart.umd.js': { path: join(chartJsDir, 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

export function assetRoutes() {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    const file = ownProperty(FILES, name);
    if (!file) return c.text('Not found', 404);
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(file.path);
      cache.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': file.type,
      'cache-control': c.req.query('v') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  });
  return app;
}
