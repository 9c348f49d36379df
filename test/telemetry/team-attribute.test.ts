import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY0, HOUR, metricsRequest } from '../helpers/otlp-builders.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * The `team` resource attribute (spec: Teams) as the OTLP receiver stores it: read as a team slug,
 * bounded, never truncated into another team's name.
 */

let t: ReturnType<typeof createTestApp>;

beforeEach(() => {
  t = createTestApp({ now: () => new Date(Number((DAY0 + 2n * HOUR) / 1_000_000n)) });
});
afterEach(() => t.cleanup());

async function send(session: string, resource: Record<string, string>) {
  const body = metricsRequest([{ name: 'claude_code.session.count', value: 1, attributes: { 'session.id': session } }], { 'service.name': 'claude-code', ...resource });
  const res = await t.app.request('/v1/metrics', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const teamOf = (session: string) => (t.db.$client.prepare('SELECT team FROM claude_sessions WHERE id = ?').get(session) as { team: string | null }).team;

describe('the team resource attribute', () => {
  it('is stored as the slug GitHub would give the name', async () => {
    await send('s1', { team: 'Payments Team' });
    await send('s2', { team: 'platform' });
    expect([teamOf('s1'), teamOf('s2')]).toEqual(['payments-team', 'platform']);
  });

  it('names no team when too long, empty of letters and digits, or absent; a later export without it keeps the one known', async () => {
    await send('long', { team: 'x'.repeat(101) });
    await send('punct', { team: '%%%' });
    await send('none', {});
    expect([teamOf('long'), teamOf('punct'), teamOf('none')]).toEqual([null, null, null]);
    await send('kept', { team: 'web' });
    await send('kept', {});
    expect(teamOf('kept')).toBe('web');
  });
});

describe('the migration that added the column', () => {
  it('fills it for sessions recorded before, where the stored `team` label makes a plain slug (lowercased, spaces as dashes)', async () => {
    const { readFileSync } = await import('node:fs');
    const migration = readFileSync(new URL('../../drizzle/0017_teams.sql', import.meta.url), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;
    const insert = t.db.$client.prepare("INSERT INTO claude_sessions (id, org, first_seen_at, last_seen_at, attributes) VALUES (?, 'acme', 'x', 'x', ?)");
    insert.run('old-1', JSON.stringify({ team: 'Payments' }));
    insert.run('old-2', JSON.stringify({ team: 'Web Team' }));
    insert.run('old-3', JSON.stringify({ team: 'R&D' })); // no plain slug: left unset rather than guessed
    insert.run('old-4', JSON.stringify({ department: 'x' }));
    insert.run('old-5', null);
    t.db.$client.exec(backfill);
    expect(['old-1', 'old-2', 'old-3', 'old-4', 'old-5'].map(teamOf)).toEqual(['payments', 'web-team', null, null, null]);
  });
});
