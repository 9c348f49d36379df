import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../src/app-server.js';
import { closeDb, createDb, sqliteConnection } from '../src/db/client.js';
import { loadConfig } from '../src/config.js';
import { createTestDb, testEngine } from './helpers/test-db.js';
import { silentLog } from './helpers/test-probot.js';

let dir: string;
let app: AppServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-start-'));
});
afterEach(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startAppServer', () => {
  // SQLite's write lock: PostgreSQL has none to wait for.
  it.skipIf(testEngine() === 'postgres')('starts while another process holds the write lock for a moment (its first start writes the generated keys)', async () => {
    const path = join(dir, 'metrics.db');
    await closeDb(await createDb(path));
    const holder = spawn(process.execPath, ['--import', 'tsx', 'bench/servers/lock-holder.ts', path, '700', '0', '1'], {
      cwd: resolve(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise<void>((locked) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('LOCKED') && locked()));
    app = await startAppServer({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: path }), log: silentLog, startWorker: false });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(sqliteConnection(app.db)!.pragma('busy_timeout', { simple: true })).toBe(10);
    await exited;
  });

  it.skipIf(testEngine() !== 'postgres')('opens PostgreSQL when DATABASE_URL is a postgres:// URL, and keeps its generated keys across a restart', async () => {
    const t = await createTestDb();
    try {
      const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: t.url });
      app = await startAppServer({ config, log: silentLog, startWorker: false });
      expect(app.db.engine).toBe('postgres');
      expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const secrets = () => t.db.all<{ name: string; value: string }>(sql`SELECT name, value FROM app_secrets ORDER BY name`);
      const generated = await secrets();
      expect(generated.length).toBeGreaterThan(0);
      await app.close();
      app = await startAppServer({ config, log: silentLog, startWorker: false });
      expect(await secrets()).toEqual(generated);
    } finally {
      await app?.close();
      app = undefined;
      await t.cleanup();
    }
  });
});
