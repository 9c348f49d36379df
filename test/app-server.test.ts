import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../src/app-server.js';
import { closeDb, createDb } from '../src/db/client.js';
import { loadConfig } from '../src/config.js';
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
  it('starts while another process holds the write lock for a moment (its first start writes the generated keys)', async () => {
    const path = join(dir, 'metrics.db');
    closeDb(createDb(path));
    const holder = spawn(process.execPath, ['--import', 'tsx', 'bench/servers/lock-holder.ts', path, '700', '0', '1'], {
      cwd: resolve(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise<void>((locked) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('LOCKED') && locked()));
    app = await startAppServer({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: path }), log: silentLog, startWorker: false });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(app.db.$client.pragma('busy_timeout', { simple: true })).toBe(10);
    await exited;
  });
});
