import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, testEngine, type TestDb } from './helpers/test-db.js';

/*
 * `npm start` as a process: starts on a fresh database with no configuration (a SQLite file in a
 * folder it creates; on PostgreSQL, a fresh database named by DATABASE_URL), stops on SIGTERM.
 */

const root = resolve(import.meta.dirname, '..');
let dir: string;
let postgres: TestDb | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-main-'));
  postgres = testEngine() === 'postgres' ? await createTestDb() : undefined;
});
afterEach(async () => {
  await postgres?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    // A clean environment: nothing of the developer's GitHub App settings leaks in.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: postgres?.url ?? join(dir, 'data', 'metrics.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const listening = new Promise<string>((resolveUrl, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+?)"/.exec(stdout);
      if (m) resolveUrl(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // a test that expects an early exit awaits `exited` instead
  return { child, exited, listening, output: () => ({ stdout, stderr }) };
}

describe('src/main.ts', () => {
  it('starts with no configuration, answers /healthz, and exits cleanly on SIGTERM', async () => {
    const app = startMain({});
    const url = await app.listening;
    const res = await fetch(`${url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output().stdout).toContain('shutting down');
    // Logs are JSON lines and say what is missing.
    expect(app.output().stdout).toContain('No GitHub App credentials');
  });

  it('refuses to start on a bad variable and names it', async () => {
    const app = startMain({ APP_ID: '42' });
    expect(await app.exited).toBe(1);
    expect(app.output().stderr).toContain('Invalid configuration');
    expect(app.output().stderr).toContain('PRIVATE_KEY: required when APP_ID is set');
  });
});
