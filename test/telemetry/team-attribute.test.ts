import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteConnection } from '../../src/db/client.js';
import { DAY0, HOUR, metricsRequest } from '../helpers/otlp-builders.js';
import { createTestApp } from '../helpers/test-app.js';
import { testEngine } from '../helpers/test-db.js';

/*
 * The `team` resource attribute (spec: Teams) as the OTLP receiver stores it: read as a team slug,
 * bounded, never truncated into another team's name.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeEach(async () => {
  t = await createTestApp({ now: () => new Date(Number((DAY0 + 2n * HOUR) / 1_000_000n)) });
});
afterEach(async () => {
  await t.cleanup();
});

async function send(session: string, resource: Record<string, string>) {
  const body = metricsRequest([{ name: 'claude_code.session.count', value: 1, attributes: { 'session.id': session } }], { 'service.name': 'claude-code', ...resource });
  const res = await t.app.request('/v1/metrics', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const teamOf = async (session: string) => (await t.db.get<{ team: string | null }>(sql`SELECT team FROM claude_sessions WHERE id = ${session}`))!.team;

describe('the team resource attribute', () => {
  it('is stored as the slug GitHub would give the name', async () => {
    await send('s1', { team: 'Payments Team' });
    await send('s2', { team: 'platform' });
    expect([await teamOf('s1'), await teamOf('s2')]).toEqual(['payments-team', 'platform']);
  });

  it('names no team when too long, empty of letters and digits, or absent; a later export without it keeps the one known', async () => {
    await send('long', { team: 'x'.repeat(101) });
    await send('punct', { team: '%%%' });
    await send('none', {});
    expect([await teamOf('long'), await teamOf('punct'), await teamOf('none')]).toEqual([null, null, null]);
    await send('kept', { team: 'web' });
    await send('kept', {});
    expect(await teamOf('kept')).toBe('web');
  });
});

// The backfill is in SQLite's migration history (drizzle/0017_teams.sql): PostgreSQL's schema
// began with the column (drizzle/postgres/), so it has no sessions recorded before it to fill.
describe.skipIf(testEngine() === 'postgres')('the migration that added the column', () => {
  it('fills it for sessions recorded before, where the stored `team` label makes a plain slug (lowercased, spaces as dashes)', async () => {
    const { readFileSync } = await import('node:fs');
    const migration = readFileSync(new URL('../../drizzle/0017_teams.sql', import.meta.url), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;
    const connection = sqliteConnection(t.db)!;
    const insert = connection.prepare("INSERT INTO claude_sessions (id, org, first_seen_at, last_seen_at, attributes) VALUES (?, 'acme', 'x', 'x', ?)");
    insert.run('old-1', JSON.stringify({ team: 'Payments' }));
    insert.run('old-2', JSON.stringify({ team: 'Web Team' }));
    insert.run('old-3', JSON.stringify({ team: 'R&D' })); // no plain slug: left unset rather than guessed
    insert.run('old-4', JSON.stringify({ department: 'x' }));
    insert.run('old-5', null);
    connection.exec(backfill);
    const teams = [];
    for (const id of ['old-1', 'old-2', 'old-3', 'old-4', 'old-5']) teams.push(await teamOf(id));
    expect(teams).toEqual(['payments', 'web-team', null, null, null]);
  });
});
