import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Probot } from 'probot';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { githubApp } from '../../src/github/app.js';
import { createProbot } from '../../src/github/probot.js';

export const TEST_APP_ID = '123456';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret';
export const TEST_FINGERPRINT_KEY = 'test-fingerprint-key-0123456789abcdef';

let cachedKey: string | undefined;
/** A real RSA key, so Probot signs real app JWTs; GitHub's answers to them are mocked with nock. */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return cachedKey;
}

export const silentLog = pino({ level: 'silent' });

/** The server's configuration in a test: loopback, any free port, a database in `dir`, the test GitHub App; `env` adds or overrides. */
export function testServerConfig(dir: string, env: Record<string, string> = {}) {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'metrics.db'),
    APP_ID: TEST_APP_ID,
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    ...env,
  });
}

export function testCredentials() {
  return { appId: TEST_APP_ID, privateKey: testPrivateKey(), webhookSecret: TEST_WEBHOOK_SECRET };
}

/** A Probot with the app loaded, Octokit's retries and throttling off (the job queue's retries are under test). */
export async function createTestProbot(db: Db, now?: () => Date): Promise<Probot> {
  const probot = createProbot({
    credentials: testCredentials(),
    baseUrl: 'https://api.github.com',
    log: silentLog,
    octokitRetries: false,
  });
  await probot.load(githubApp({ db, now }));
  return probot;
}
