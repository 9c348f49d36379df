import type { Domain, Language } from './synthetic-code.js';

/*
 * Who and what the demo organization is made of. Fictional people at a fictional company; the
 * order of DEVELOPERS matters: a smaller demo takes the first ones, which already mix early, late
 * and non-adopters of Claude Code.
 */

export const DEMO_ORG = { login: 'acme', id: 5_100_001, name: 'Acme Corp' } as const;
export const DEMO_INSTALLATION_ID = 61_000_001;
export const EMAIL_DOMAIN = 'acme.example';

export type Team = 'payments' | 'web' | 'data' | 'platform';

/** When someone starts with Claude Code (day index in the demo), and how their machine reports it. */
export interface Adoption {
  /** Days are counted from the demo's first day, as a share of the whole range (0…1). */
  from: number;
  /** Stopped using it after this share of the range (a trial that did not stick). */
  until?: number;
  /**
   * `hooks`: the managed settings with telemetry, tool details and the PostToolUse hook (line-level
   * evidence). `telemetry`: telemetry on, nothing else (counts only; PRs attributed by trailers).
   */
  mode: 'hooks' | 'telemetry';
  /** Signed in with a Claude subscription (account UUID sent) or using an API key. */
  account: 'subscription' | 'api';
  /** Sends telemetry under a personal address, so only the commits its sessions make link it. */
  personalEmail?: string;
  /** How often this person reaches for Claude Code once adopted (0…1). */
  intensity: number;
}

export interface RosterEntry {
  login: string;
  name: string;
  team: Team;
  role: 'admin' | 'member';
  adoption: Adoption | null;
  terminal: string;
  /** Another GitHub team this person is in besides `team` (a person in several teams counts in each). */
  alsoIn?: Team;
  /**
   * The `team` their Claude Code sends (OTEL_RESOURCE_ATTRIBUTES in their managed settings), when it
   * is not their GitHub team's name: a team only telemetry names (its slug is the app's reading of it).
   */
  telemetryTeam?: string;
}

export const DEVELOPERS: RosterEntry[] = [
  { login: 'dana', name: 'Dana Whitfield', team: 'payments', role: 'admin', terminal: 'vscode', adoption: { from: 0, mode: 'hooks', account: 'subscription', intensity: 0.6 } },
  { login: 'sam', name: 'Sam Okafor', team: 'platform', alsoIn: 'data', role: 'member', terminal: 'iTerm.app', adoption: { from: 0.05, mode: 'hooks', account: 'subscription', intensity: 0.6 } },
  { login: 'lena', name: 'Lena Fischer', team: 'web', telemetryTeam: 'Design Systems', role: 'member', terminal: 'vscode', adoption: { from: 0.3, mode: 'hooks', account: 'subscription', intensity: 0.75 } },
  { login: 'hannah', name: 'Hannah Kowalski', team: 'web', role: 'member', terminal: 'cursor', adoption: { from: 0.62, mode: 'hooks', account: 'subscription', intensity: 0.7 } },
  { login: 'clara', name: 'Clara Dubois', team: 'web', role: 'member', terminal: 'vscode', adoption: null },
  { login: 'kofi', name: 'Kofi Mensah', team: 'data', role: 'member', terminal: 'xterm', adoption: { from: 0.7, mode: 'hooks', account: 'api', personalEmail: 'kofi.m@personal.example', intensity: 0.7 } },
  { login: 'aiko', name: 'Aiko Tanaka', team: 'data', role: 'member', terminal: 'tmux', adoption: { from: 0.02, mode: 'telemetry', account: 'subscription', intensity: 0.7 } },
  { login: 'arjun', name: 'Arjun Mehta', team: 'platform', role: 'member', terminal: 'iTerm.app', adoption: null },
  { login: 'priya', name: 'Priya Raman', team: 'payments', role: 'member', terminal: 'vscode', adoption: { from: 0.08, mode: 'hooks', account: 'subscription', intensity: 0.9 } },
  { login: 'marco', name: 'Marco Bianchi', team: 'web', role: 'member', terminal: 'WarpTerminal', adoption: { from: 0.1, mode: 'hooks', account: 'subscription', intensity: 0.8 } },
  { login: 'jamal', name: 'Jamal Reed', team: 'platform', role: 'admin', terminal: 'iTerm.app', adoption: { from: 0.35, mode: 'hooks', account: 'api', intensity: 0.6 } },
  { login: 'tomas', name: 'Tomás Ortega', team: 'data', role: 'member', terminal: 'vscode', adoption: { from: 0.27, mode: 'hooks', account: 'api', intensity: 0.75 } },
  { login: 'yusuf', name: 'Yusuf Demir', team: 'payments', role: 'member', terminal: 'xterm', adoption: { from: 0.14, until: 0.3, mode: 'hooks', account: 'subscription', intensity: 0.5 } },
  { login: 'sofia', name: 'Sofia Lindqvist', team: 'web', role: 'member', terminal: 'vscode', adoption: { from: 0.4, mode: 'hooks', account: 'subscription', intensity: 0.8 } },
  { login: 'oliver', name: 'Oliver Grant', team: 'payments', role: 'member', terminal: 'Apple_Terminal', adoption: { from: 0.45, mode: 'telemetry', account: 'subscription', intensity: 0.6 } },
  { login: 'ben', name: 'Ben Carter', team: 'payments', role: 'member', terminal: 'vscode', adoption: null },
  { login: 'mei', name: 'Mei Chen', team: 'data', role: 'member', terminal: 'vscode', adoption: { from: 0.5, mode: 'hooks', account: 'subscription', intensity: 0.7 } },
  { login: 'noah', name: 'Noah Adeyemi', team: 'platform', role: 'member', terminal: 'tmux', adoption: { from: 0.48, mode: 'hooks', account: 'api', intensity: 0.65 } },
  { login: 'elena', name: 'Elena Popescu', team: 'data', role: 'member', terminal: 'vscode', adoption: null },
  { login: 'diego', name: 'Diego Ramírez', team: 'payments', role: 'member', terminal: 'cursor', adoption: { from: 0.66, mode: 'hooks', account: 'subscription', intensity: 0.75 } },
  { login: 'freya', name: 'Freya Nilsen', team: 'platform', role: 'member', terminal: 'iTerm.app', adoption: { from: 0.75, mode: 'telemetry', account: 'subscription', intensity: 0.6 } },
  { login: 'nadia', name: 'Nadia Haddad', team: 'web', role: 'member', terminal: 'vscode', adoption: null },
  { login: 'ines', name: 'Inês Costa', team: 'web', role: 'member', terminal: 'vscode', adoption: { from: 0.8, mode: 'hooks', account: 'subscription', intensity: 0.7 } },
  { login: 'lucas', name: 'Lucas Moreau', team: 'platform', role: 'member', terminal: 'xterm', adoption: null },
  { login: 'zoe', name: 'Zoë Park', team: 'data', role: 'member', terminal: 'vscode', adoption: null },
];

/** Org members who are not developers: a designer, on no team that may see the metrics. */
export const OTHER_MEMBERS: RosterEntry[] = [{ login: 'riley', name: 'Riley Brooks', team: 'web', role: 'member', terminal: 'vscode', adoption: null }];

/** The team whose members the demo's owner lets see the metrics. */
export const VIEWER_TEAM = 'engineering';

export const BOT = { login: 'dependabot[bot]', id: 49_699_333, name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' } as const;

/** The Claude GitHub App's bot, which Claude Code in GitHub Actions commits and opens PRs as. */
export const CLAUDE_BOT = { login: 'claude[bot]', id: 209_825_114, name: 'claude[bot]', email: '209825114+claude[bot]@users.noreply.github.com' } as const;

export interface RepositorySpec {
  name: string;
  team: Team | 'all';
  language: Language;
  /** Where code lives in the repository, and file extension. */
  dirs: string[];
  extension: string;
  /** Dependency manifest and lock file a bot bumps. */
  manifest?: { file: string; lock: string; packages: string[] };
  domain: Domain;
}

export const REPOSITORIES: RepositorySpec[] = [
  {
    name: 'payments-api',
    team: 'payments',
    language: 'TypeScript',
    dirs: ['src/billing', 'src/payouts', 'src/webhooks', 'src/ledger'],
    extension: '.ts',
    manifest: { file: 'package.json', lock: 'package-lock.json', packages: ['stripe', 'zod', 'pino', 'undici', 'drizzle-orm', 'vitest'] },
    domain: {
      nouns: ['invoice', 'refund', 'payout', 'charge', 'ledger', 'customer', 'dispute', 'webhook', 'subscription', 'coupon'],
      verbs: ['settle', 'reconcile', 'retry', 'validate', 'capture', 'refund', 'schedule', 'sync', 'void', 'price'],
      qualifiers: ['pending', 'failed', 'partial', 'monthly', 'overdue', 'disputed', 'queued', 'expired'],
      fields: ['amount', 'fee', 'attempts', 'balance', 'currencyDigits', 'taxRate', 'retryAfter', 'quantity'],
    },
  },
  {
    name: 'web-app',
    team: 'web',
    language: 'TypeScript',
    dirs: ['src/components', 'src/pages/settings', 'src/hooks', 'src/lib'],
    extension: '.ts',
    manifest: { file: 'package.json', lock: 'package-lock.json', packages: ['react', 'react-dom', 'vite', '@tanstack/react-query', 'date-fns', 'eslint'] },
    domain: {
      nouns: ['banner', 'modal', 'invite', 'session', 'filter', 'chart', 'workspace', 'toast', 'avatar', 'plan'],
      verbs: ['render', 'load', 'dismiss', 'format', 'track', 'prefetch', 'select', 'paginate', 'highlight', 'sort'],
      qualifiers: ['visible', 'archived', 'pinned', 'recent', 'shared', 'draft', 'unread', 'selected'],
      fields: ['width', 'offset', 'count', 'zIndex', 'delayMs', 'pageSize', 'opacity', 'order'],
    },
  },
  {
    name: 'data-pipeline',
    team: 'data',
    language: 'Python',
    dirs: ['pipeline/jobs', 'pipeline/transforms', 'pipeline/io', 'pipeline/quality'],
    extension: '.py',
    manifest: { file: 'pyproject.toml', lock: 'poetry.lock', packages: ['pandas', 'pyarrow', 'sqlalchemy', 'great-expectations', 'boto3'] },
    domain: {
      nouns: ['event', 'partition', 'snapshot', 'cohort', 'metric', 'table', 'batch', 'export', 'schema', 'account'],
      verbs: ['load', 'dedupe', 'backfill', 'aggregate', 'validate', 'compact', 'export', 'join', 'sample', 'enrich'],
      qualifiers: ['daily', 'late', 'stale', 'raw', 'hourly', 'missing', 'duplicate', 'active'],
      fields: ['row_count', 'bytes', 'lag_minutes', 'null_ratio', 'revenue', 'sessions', 'watermark', 'retries'],
    },
  },
  {
    name: 'edge-gateway',
    team: 'platform',
    language: 'Go',
    dirs: ['internal/proxy', 'internal/auth', 'internal/ratelimit', 'internal/health'],
    extension: '.go',
    manifest: { file: 'go.mod', lock: 'go.sum', packages: ['golang.org/x/net', 'google.golang.org/grpc', 'github.com/prometheus/client_golang'] },
    domain: {
      nouns: ['route', 'token', 'upstream', 'bucket', 'certificate', 'listener', 'probe', 'tenant', 'header', 'backend'],
      verbs: ['rotate', 'drain', 'resolve', 'throttle', 'verify', 'balance', 'evict', 'refresh', 'reload', 'probe'],
      qualifiers: ['stale', 'healthy', 'idle', 'expired', 'warm', 'degraded', 'pinned', 'canary'],
      fields: ['weight', 'latency', 'burst', 'ttl', 'inflight', 'errors', 'capacity', 'port'],
    },
  },
  {
    name: 'handbook',
    team: 'all',
    language: 'Markdown',
    dirs: ['runbooks', 'onboarding', 'architecture'],
    extension: '.md',
    domain: {
      nouns: ['incident', 'deploy', 'rollback', 'alert', 'service', 'review', 'release', 'secret', 'backup', 'migration'],
      verbs: ['escalate', 'rotate', 'restore', 'approve', 'announce', 'verify', 'document', 'schedule', 'silence', 'drain'],
      qualifiers: ['critical', 'weekly', 'manual', 'regional', 'planned', 'emergency', 'quarterly', 'staged'],
      fields: ['owner', 'severity', 'duration', 'region', 'budget', 'channel', 'window', 'version'],
    },
  },
];

export const TEAM_REPOSITORY: Record<Team, string> = {
  payments: 'payments-api',
  web: 'web-app',
  data: 'data-pipeline',
  platform: 'edge-gateway',
};
