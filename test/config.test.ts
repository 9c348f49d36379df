import { describe, expect, it } from 'vitest';
import { ConfigError, databaseForLog, loadConfig } from '../src/config.js';
import { testPrivateKey } from './helpers/test-probot.js';

describe('loadConfig', () => {
  it('starts with defaults and no GitHub credentials on an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: 'data/metrics.db',
      logLevel: 'info',
      github: undefined,
      githubApiBaseUrl: 'https://api.github.com',
      fingerprintSecret: undefined,
      processSchedule: '0 2 * * *',
      processingMemory: { sessionLinesCache: 150_000, sqliteCacheMb: 16, sqliteMmapMb: 0 },
      processDelaySeconds: 60,
      processLookbackDays: 35,
      attributionWindow: { daysBefore: 21, daysAfter: 2 },
      attributionMinSimilarity: 0.8,
      labelPullRequests: false,
      apiRateLimitPerMinute: 60,
      seats: undefined,
      discountPercent: 0,
      pageFreshWaitMs: 250,
      retentionDays: 120,
      jobPollIntervalMs: 2000,
      ingestMaxBodyBytes: 10 * 1024 * 1024,
      webhookMaxBodyBytes: 25 * 1024 * 1024,
      webhookCatchUp: { intervalMinutes: 30, lookbackHours: 72, maxPerPass: 50 },
      oauth: undefined,
      githubWebUrl: 'https://github.com',
      sessionSecret: undefined,
      publicUrl: undefined,
    });
  });

  it('reads the sign-in client and the public URL, and wants both halves of the client', () => {
    const config = loadConfig({ GITHUB_CLIENT_ID: 'Iv1.abc', GITHUB_CLIENT_SECRET: 'shh', PUBLIC_URL: 'https://metrics.example.com/', GHE_HOST: 'git.example.com' });
    expect(config.oauth).toEqual({ clientId: 'Iv1.abc', clientSecret: 'shh' });
    expect(config.publicUrl).toBe('https://metrics.example.com');
    expect(config.githubWebUrl).toBe('https://git.example.com');
    expect(() => loadConfig({ GITHUB_CLIENT_ID: 'Iv1.abc' })).toThrow('GITHUB_CLIENT_SECRET: required when GITHUB_CLIENT_ID is set');
    expect(() => loadConfig({ PUBLIC_URL: 'metrics.example.com' })).toThrow(/PUBLIC_URL: must be the URL/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET: must be at least 32 characters/);
    expect(loadConfig({ ATTRIBUTION_MIN_SIMILARITY: '0.85' }).attributionMinSimilarity).toBe(0.85);
    expect(loadConfig({ ATTRIBUTION_MIN_SIMILARITY: '1' }).attributionMinSimilarity).toBe(1);
  });

  it('reads PROCESS_DELAY_SECONDS: seconds, or off', () => {
    expect(loadConfig({ PROCESS_DELAY_SECONDS: '15' }).processDelaySeconds).toBe(15);
    expect(loadConfig({ PROCESS_DELAY_SECONDS: 'off' }).processDelaySeconds).toBeNull();
    expect(loadConfig({ PROCESS_DELAY_SECONDS: '' }).processDelaySeconds).toBe(60);
    expect(() => loadConfig({ PROCESS_DELAY_SECONDS: '0' })).toThrow(/PROCESS_DELAY_SECONDS/);
    expect(() => loadConfig({ PROCESS_DELAY_SECONDS: 'soon' })).toThrow(/PROCESS_DELAY_SECONDS/);
  });

  it('reads SEATS and DISCOUNT_PERCENT', () => {
    expect(loadConfig({ SEATS: '25', DISCOUNT_PERCENT: '12.5' })).toMatchObject({ seats: 25, discountPercent: 12.5 });
    expect(loadConfig({ SEATS: '', DISCOUNT_PERCENT: '' })).toMatchObject({ seats: undefined, discountPercent: 0 });
    expect(loadConfig({ DISCOUNT_PERCENT: '100' }).discountPercent).toBe(100);
  });

  it('reads PAGE_FRESH_WAIT_MS (default 250)', () => {
    expect(loadConfig({}).pageFreshWaitMs).toBe(250);
    expect(loadConfig({ PAGE_FRESH_WAIT_MS: '0' }).pageFreshWaitMs).toBe(0);
    expect(loadConfig({ PAGE_FRESH_WAIT_MS: '1500' }).pageFreshWaitMs).toBe(1500);
  });

  it('treats empty values (as in a copied .env.example) as unset', () => {
    expect(loadConfig({ APP_ID: '', PRIVATE_KEY: '', WEBHOOK_SECRET: '', PORT: '' }).github).toBeUndefined();
  });

  it('reads GitHub App credentials, with \\n escapes in the key', () => {
    const pem = testPrivateKey();
    const config = loadConfig({ APP_ID: '42', PRIVATE_KEY: pem.replace(/\n/g, '\\n'), WEBHOOK_SECRET: 's' });
    expect(config.github).toEqual({ appId: '42', privateKey: pem, webhookSecret: 's' });
  });

  it('points the API at GitHub Enterprise Server', () => {
    expect(loadConfig({ GHE_HOST: 'github.example.com' }).githubApiBaseUrl).toBe('https://github.example.com/api/v3');
    expect(loadConfig({ GHE_HOST: 'ghe.local:8080', GHE_PROTOCOL: 'http' }).githubApiBaseUrl).toBe('http://ghe.local:8080/api/v3');
  });

  it('accepts file: database URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'file:/var/lib/ccm/metrics.db' }).databaseUrl).toBe('/var/lib/ccm/metrics.db');
  });

  it('keeps a PostgreSQL DATABASE_URL as it is, and logs it without its password', () => {
    const url = 'postgresql://metrics:s3cret@db.internal:5432/metrics?sslmode=require';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: 'postgres://metrics@db.internal/metrics' }).databaseUrl).toBe('postgres://metrics@db.internal/metrics');
    expect(databaseForLog(url)).toBe('postgresql://metrics:***@db.internal:5432/metrics?sslmode=require');
    expect(databaseForLog('postgres://metrics@db/metrics?password=s3cret')).toBe('postgres://metrics@db/metrics?password=***');
    expect(databaseForLog('data/metrics.db')).toBe('data/metrics.db');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT: /],
    [{ PORT: '70000' }, /PORT: /],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: /],
    [{ APP_ID: 'my-app' }, /APP_ID: must be the numeric GitHub App ID/],
    [{ APP_ID: '42' }, /PRIVATE_KEY: required when APP_ID is set[\s\S]*WEBHOOK_SECRET: required when APP_ID is set/],
    [{ APP_ID: '42', PRIVATE_KEY: 'not a key', WEBHOOK_SECRET: 's' }, /PRIVATE_KEY: is not a PEM private key/],
    [{ PRIVATE_KEY_PATH: '/nonexistent/key.pem' }, /PRIVATE_KEY_PATH: cannot read \/nonexistent\/key.pem/],
    [{ GHE_HOST: 'https://github.example.com' }, /GHE_HOST: must be a host name/],
    [{ FINGERPRINT_SECRET: 'short' }, /FINGERPRINT_SECRET: must be at least 32 characters/],
    [{ PROCESS_SCHEDULE: 'every night' }, /PROCESS_SCHEDULE: not a cron pattern/],
    [{ ATTRIBUTION_DAYS_BEFORE: '-1' }, /ATTRIBUTION_DAYS_BEFORE: /],
    [{ ATTRIBUTION_MIN_SIMILARITY: '0.2' }, /ATTRIBUTION_MIN_SIMILARITY: /],
    [{ ATTRIBUTION_MIN_SIMILARITY: '1.5' }, /ATTRIBUTION_MIN_SIMILARITY: /],
    [{ ATTRIBUTION_MIN_SIMILARITY: 'most' }, /ATTRIBUTION_MIN_SIMILARITY: /],
    [{ SEATS: '0' }, /SEATS: /],
    [{ SEATS: '2.5' }, /SEATS: /],
    [{ SEATS: 'many' }, /SEATS: /],
    [{ DISCOUNT_PERCENT: '-5' }, /DISCOUNT_PERCENT: /],
    [{ DISCOUNT_PERCENT: '101' }, /DISCOUNT_PERCENT: /],
    [{ PAGE_FRESH_WAIT_MS: '-1' }, /PAGE_FRESH_WAIT_MS: /],
    [{ PAGE_FRESH_WAIT_MS: 'soon' }, /PAGE_FRESH_WAIT_MS: /],
    [{ WEBHOOK_MAX_BODY_BYTES: '1000' }, /WEBHOOK_MAX_BODY_BYTES: /],
    [{ WEBHOOK_CATCH_UP_LOOKBACK_HOURS: '96' }, /WEBHOOK_CATCH_UP_LOOKBACK_HOURS: /],
    [{ WEBHOOK_CATCH_UP_MAX_PER_PASS: '0' }, /WEBHOOK_CATCH_UP_MAX_PER_PASS: /],
    [{ WEBHOOK_CATCH_UP_INTERVAL_MINUTES: '-1' }, /WEBHOOK_CATCH_UP_INTERVAL_MINUTES: /],
  ])('names the bad variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
