import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { findApiKey } from '../src/db/api-keys.js';
import { findIngestToken } from '../src/db/ingest-tokens.js';
import { createTestDb, type TestDb } from './helpers/test-db.js';

let t: TestDb;
let out: string[];
let err: string[];

beforeEach(async () => {
  // The command line opens the database itself (DATABASE_URL); the test reads it through its own handle.
  t = await createTestDb();
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.cleanup();
});

const cli = (...argv: string[]) => runCli(argv, { DATABASE_URL: t.url });

describe('command line', () => {
  it('tokens create prints a working token as its last line; revoke stops it', async () => {
    expect(await cli('tokens', 'create', '--org', 'Acme', '--user', 'dana')).toBe(0);
    const token = out.at(-1)!;
    expect(token).toMatch(/^ccm_ingest_[\w-]{32}$/);
    expect(await findIngestToken(t.db, token)).toMatchObject({ org: 'acme', githubLogin: 'dana' });
    expect(await cli('tokens', 'revoke', '1')).toBe(0);
    expect(await findIngestToken(t.db, token)).toBeUndefined();
  });

  it('keys create prints a working API key as its last line', async () => {
    expect(await cli('keys', 'create', '--org', 'acme')).toBe(0);
    expect(await findApiKey(t.db, out.at(-1)!)).toMatchObject({ org: 'acme' });
    expect(await cli('keys', 'list')).toBe(0);
    expect(out.at(-1)).toMatch(/^#1 {2}ccm_api_\S+… {2}acme {2}created .* last used never$/);
  });

  it('identities: an admin links, lists and unlinks', async () => {
    expect(await cli('identities', 'link', '--org', 'acme', '--login', 'sam', '--email', 'Sam@Acme.example')).toBe(0);
    expect(await cli('identities', 'list', '--org', 'acme')).toBe(0);
    expect(out.at(-1)).toMatch(/^sam +email +sam@acme\.example {2}\(admin, /);
    expect(await cli('identities', 'unlink', '--org', 'acme', '--email', 'sam@acme.example')).toBe(0);
    expect(await cli('identities', 'unlink', '--org', 'acme', '--email', 'sam@acme.example')).toBe(2);
    expect(err.at(-1)).toContain('no admin link for sam@acme.example in acme');
  });

  it('process reports its run', async () => {
    expect(await cli('process', '--org', 'acme', '--from', '2026-11-01', '--to', '2026-11-03')).toBe(0);
    expect(out.at(-1)).toMatch(/^Run #1 succeeded: acme from 2026-11-01 to 2026-11-03; 0 PR\(s\) and direct push\(es\) attributed \(0 changed\), 3 day\(s\) recomputed in /);
  });

  it('runs lists the last runs with what each changed, and what waits for incremental processing', async () => {
    expect(await cli('identities', 'link', '--org', 'acme', '--login', 'sam', '--email', 'sam@acme.example')).toBe(0);
    expect(await cli('runs')).toBe(0);
    expect(out.slice(-2)).toEqual(['No processing runs yet.', '1 change(s) wait for incremental processing.']);
    expect(await cli('process', '--org', 'acme', '--from', '2026-11-01', '--to', '2026-11-03')).toBe(0);
    expect(await cli('runs')).toBe(0);
    expect(out.at(-2)).toMatch(/^#1 succeeded cli {9}acme 2026-11-01\.\.2026-11-03 started \S+ finished \S+ attributed 0 days 3 changes 0$/);
    // The link's identity has no session before the run's range: the run covered it.
    expect(out.at(-1)).toBe('Nothing waits for incremental processing.');
  });

  it.each([
    [['nope'], 'Unknown command "nope".'],
    [['tokens', 'create'], '--org is required'],
    [['tokens', 'create', '--org', 'not a login!'], '--org "not a login!" is not a GitHub login'],
    [['process', '--from', '2026-02-30', '--to', '2026-03-01'], '--from "2026-02-30" is not a date (YYYY-MM-DD)'],
    [['backfill', '--org', 'acme', '--days', '7'], 'backfill needs the GitHub App credentials'],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    expect(await cli(...argv)).toBe(2);
    expect(err.join('\n')).toContain(message);
  });
});
