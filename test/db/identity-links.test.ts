import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { learnIdentityLinks, resolveGitHubLogin, resolveGitHubLogins } from '../../src/db/identity-links.js';
import { upsertCommit, upsertRepository } from '../../src/db/github-activity.js';
import { addSessionCommit, linkIdentity, recordSession } from '../../src/db/telemetry-store.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { installationPayload, pushPayload } from '../helpers/github-payloads.js';
import { replayRecording } from '../helpers/replay.js';
import { createTestApp } from '../helpers/test-app.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';
import { createTestProbot } from '../helpers/test-probot.js';

const RECORDING = 'rate-limiter-http-json-details-hooks';
const claudeCommit = recordedCommits(RECORDING)[1]!;
let t: Awaited<ReturnType<typeof createTestApp>>;

beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.cleanup();
});

async function pushClaudeCommit(login: string) {
  const probot = await createTestProbot(t.db, () => new Date('2026-11-21T21:00:00Z'));
  await probot.receive({ id: 'i', name: 'installation', payload: installationPayload('created') } as never);
  await probot.receive({ id: 'p', name: 'push', payload: pushPayload('feature/rate-limit', [claudeCommit], { login }) } as never);
}

const commitLinks = async () => (await storedTelemetry(t.db)).identities.filter((l) => l.source === 'commit');

describe('links learned from commits a session made', () => {
  it('when the session reports the commit after GitHub saw it', async () => {
    await pushClaudeCommit('dana');
    await replayRecording(t.app, RECORDING, t.token);
    expect(await commitLinks()).toEqual([
      { kind: 'email', value: 'dana@acme.example', githubLogin: 'dana', source: 'commit' },
      { kind: 'user_id', value: '4dcfa2b85aaad2e8443550c2ee1700348c549d9a90b2ef04cb3bbd2a1242e25e', githubLogin: 'dana', source: 'commit' },
    ]);
  });

  it('when GitHub sees the commit after the session reported it', async () => {
    await replayRecording(t.app, RECORDING, t.token);
    expect(await commitLinks()).toEqual([]);
    await pushClaudeCommit('dana');
    expect((await commitLinks()).map((l) => [l.kind, l.githubLogin])).toEqual([
      ['email', 'dana'],
      ['user_id', 'dana'],
    ]);
    expect(await resolveGitHubLogin(t.db, 'acme', { email: 'dana@acme.example' })).toEqual({ githubLogin: 'dana', source: 'commit' });
  });

  it('the commit author email matching a session email is a weaker link of its own', async () => {
    await pushClaudeCommit('dana');
    await replayRecording(t.app, RECORDING, t.token);
    await learnIdentityLinks(t.db, 'acme');
    expect((await storedTelemetry(t.db)).identities.filter((l) => l.source === 'email_match')).toEqual([
      { kind: 'email', value: 'dana@acme.example', githubLogin: 'dana', source: 'email_match' },
    ]);
  });

  it('learns only within the scope given, however many sessions or shas it names', async () => {
    const now = '2026-11-21T21:00:00.000Z';
    const sha = 'abcdef0123456789abcdef0123456789abcdef01';
    await upsertRepository(t.db, { id: 3_000_000_001, ownerLogin: 'Acme', name: 'api', fullName: 'Acme/api', private: false }, null, now);
    await upsertCommit(t.db, { repositoryId: 3_000_000_001, sha, message: 'Add limiter', authorLogin: 'erin', authorEmail: 'Erin@acme.example', claudeCodeTrailer: false });
    await recordSession(t.db, { id: 's-erin', org: 'acme', seenAt: now, userEmail: 'erin@acme.example' });
    await addSessionCommit(t.db, { sessionId: 's-erin', sha: sha.slice(0, 7), org: 'acme', source: 'hook', seenAt: now });
    const others = Array.from({ length: 1_000 }, (_, i) => `other-${i}`);
    expect(await learnIdentityLinks(t.db, 'acme', { sessionIds: others }, now)).toBe(0);
    expect(await learnIdentityLinks(t.db, 'acme', { shas: ['f'.repeat(40)] }, now)).toBe(0);
    expect(await learnIdentityLinks(t.db, 'acme', { sessionIds: [...others, 's-erin'], shas: [sha] }, now)).toBe(2);
    expect((await storedTelemetry(t.db)).identities.filter((l) => l.githubLogin === 'erin')).toEqual([
      { kind: 'email', value: 'erin@acme.example', githubLogin: 'erin', source: 'commit' },
      { kind: 'email', value: 'erin@acme.example', githubLogin: 'erin', source: 'email_match' },
    ]);
  });

  it('never links across organizations', async () => {
    const { token } = await createIngestToken(t.db, { org: 'other-org' });
    await pushClaudeCommit('dana');
    await replayRecording(t.app, RECORDING, token);
    expect(await commitLinks()).toEqual([]);
  });
});

describe('resolveGitHubLogin', () => {
  it('prefers the most specific identifier, then the strongest source', async () => {
    const at = '2026-11-21T00:00:00Z';
    await linkIdentity(t.db, { org: 'acme', kind: 'email', value: 'x@acme.example', githubLogin: 'from-admin', source: 'admin', createdAt: at });
    await linkIdentity(t.db, { org: 'acme', kind: 'email', value: 'x@acme.example', githubLogin: 'from-attribute', source: 'resource_attribute', createdAt: at });
    expect(await resolveGitHubLogin(t.db, 'acme', { email: 'X@acme.example' })).toEqual({ githubLogin: 'from-attribute', source: 'resource_attribute' });
    await linkIdentity(t.db, { org: 'acme', kind: 'user_id', value: 'u1', githubLogin: 'from-token', source: 'personal_token', createdAt: at });
    // `user.id` names an installation, shared by people on one machine: it counts only without an email.
    expect(await resolveGitHubLogin(t.db, 'acme', { email: 'x@acme.example', userId: 'u1' })).toEqual({ githubLogin: 'from-attribute', source: 'resource_attribute' });
    expect(await resolveGitHubLogin(t.db, 'acme', { email: 'other@acme.example', userId: 'u1' })).toBeUndefined();
    expect(await resolveGitHubLogin(t.db, 'acme', { userId: 'u1' })).toEqual({ githubLogin: 'from-token', source: 'personal_token' });
    await linkIdentity(t.db, { org: 'acme', kind: 'account_uuid', value: 'acc', githubLogin: 'from-account', source: 'email_match', createdAt: at });
    expect(await resolveGitHubLogin(t.db, 'acme', { email: 'x@acme.example', accountUuid: 'acc' })).toEqual({ githubLogin: 'from-account', source: 'email_match' });
    expect(await resolveGitHubLogin(t.db, 'other', { email: 'x@acme.example' })).toBeUndefined();
    expect(await resolveGitHubLogin(t.db, 'acme', {})).toBeUndefined();

    // Many users in one read (processing's): the same answer for each as one at a time.
    const users = [
      { email: 'X@acme.example' },
      { email: 'x@acme.example', userId: 'u1' },
      { email: 'other@acme.example', userId: 'u1' },
      { userId: 'u1' },
      { email: 'x@acme.example', accountUuid: 'acc' },
      {},
    ];
    const one = [];
    for (const user of users) one.push(await resolveGitHubLogin(t.db, 'acme', user));
    expect(await resolveGitHubLogins(t.db, 'acme', users)).toEqual(one);
    expect((await resolveGitHubLogins(t.db, 'acme', users)).map((r) => r?.githubLogin)).toEqual([
      'from-attribute',
      'from-attribute',
      undefined,
      'from-token',
      'from-account',
      undefined,
    ]);
    expect(await resolveGitHubLogins(t.db, 'other', users)).toEqual(users.map(() => undefined));
  });
});
