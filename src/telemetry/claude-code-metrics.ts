import type { Attributes } from './otlp-model.js';

/*
 * Claude Code's metrics (spec: Inputs) → the counters kept per day and session. A metric or
 * attribute this table does not know is accepted and ignored.
 */

export interface CounterKey {
  metric: string;
  dimension: string;
}

const str = (v: unknown, fallback = 'unknown') => (v === undefined || v === '' ? fallback : String(v));

const COUNTERS: Record<string, (a: Attributes) => CounterKey | null> = {
  'claude_code.session.count': () => ({ metric: 'sessions', dimension: '' }),
  'claude_code.lines_of_code.count': (a) =>
    a.type === 'added' ? { metric: 'lines_added', dimension: '' } : a.type === 'removed' ? { metric: 'lines_removed', dimension: '' } : null,
  'claude_code.commit.count': () => ({ metric: 'commits', dimension: '' }),
  'claude_code.pull_request.count': () => ({ metric: 'pull_requests', dimension: '' }),
  // Older CLIs name the attribute `tool`, current ones `tool_name`.
  'claude_code.code_edit_tool.decision': (a) =>
    a.decision === 'accept' || a.decision === 'reject'
      ? { metric: 'edit_decisions', dimension: `${str(a.tool_name ?? a.tool)}:${a.decision}` }
      : null,
  'claude_code.cost.usage': (a) => ({ metric: 'cost_usd', dimension: str(a.model) }),
  'claude_code.token.usage': (a) => ({ metric: 'tokens', dimension: `${str(a.model)}:${str(a.type)}` }),
  'claude_code.active_time.total': (a) => ({ metric: 'active_time_seconds', dimension: str(a.type, '') }),
};

/** The counter a data point adds to, or null for a metric (or attribute value) the app does not use. */
export function counterFor(metricName: string, attributes: Attributes): CounterKey | null {
  const map = COUNTERS[metricName];
  return map ? map(attributes) : null;
}

const IDENTITY_AND_STANDARD = new Set([
  'session.id',
  'user.email',
  'user.id',
  'user.account_uuid',
  'organization.id',
  'terminal.type',
  'app.version',
  'service.name',
  'service.version',
  'host.arch',
  'host.name',
  'os.type',
  'os.version',
  'github.login',
]);

// One resource object is shared by all points of a request: its custom attributes are picked once.
const customAttributes = new WeakMap<Attributes, Record<string, string | number | boolean>>();

/** Who and where: read from a point's (or event's) attributes, falling back to its resource. */
export function sessionFields(attributes: Attributes, resource: Attributes) {
  const get = (key: string) => {
    const v = attributes[key] ?? resource[key];
    return v === undefined || v === '' ? undefined : String(v);
  };
  let custom = customAttributes.get(resource);
  if (!custom) {
    custom = {};
    for (const [k, v] of Object.entries(resource)) if (!IDENTITY_AND_STANDARD.has(k)) custom[k] = v;
    customAttributes.set(resource, custom);
  }
  return {
    sessionId: get('session.id') ?? '',
    appVersion: get('app.version') ?? get('service.version'),
    terminalType: get('terminal.type'),
    userEmail: get('user.email')?.toLowerCase(),
    userAccountUuid: get('user.account_uuid'),
    userId: get('user.id'),
    organizationId: get('organization.id'),
    githubLogin: get('github.login'),
    attributes: custom,
  };
}
