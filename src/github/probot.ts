import type { Logger } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import type { GitHubAppCredentials } from '../config.js';
import { WEBHOOKS_PATH } from './app.js';

export interface ProbotOptions {
  credentials: GitHubAppCredentials;
  /** `https://api.github.com`, or `<GHE_PROTOCOL>://<GHE_HOST>/api/v3` for GitHub Enterprise Server. */
  baseUrl: string;
  log: Logger;
  /** Tests turn Octokit's own retries and throttling off, so the job queue's retries are what they see. */
  octokitRetries?: boolean;
}

/**
 * The Probot instance, built from the validated config rather than from `process.env`, so the app
 * has one source of configuration. Every Octokit it hands out talks to `baseUrl` (GitHub Enterprise
 * Server included).
 */
export function createProbot({ credentials, baseUrl, log, octokitRetries = true }: ProbotOptions): Probot {
  const Octokit = octokitRetries
    ? ProbotOctokit
    : ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });
  return new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    secret: credentials.webhookSecret,
    baseUrl,
    webhookPath: WEBHOOKS_PATH,
    log: log.child({ name: 'probot' }) as never,
    Octokit,
  });
}
