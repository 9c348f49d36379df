import {
  boundedOrUndefined,
  GITHUB_LOGIN,
  MAX_CUSTOM_LABEL_KEY_LENGTH,
  MAX_CUSTOM_LABEL_VALUE_LENGTH,
  MAX_CUSTOM_LABELS,
  MAX_DIMENSION_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_ID_LENGTH,
  MAX_LABEL_LENGTH,
  truncated,
} from './ingest-bounds.js';
import type { Attributes } from './otlp-model.js';
import { teamSlugOf } from '../db/teams.js';
import { ownProperty } from '../own-property.js';

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
  // Kept in integer micro-dollars (the point's USD value × 1,000,000), so sums are exact.
  'claude_code.cost.usage': (a) => ({ metric: 'cost_micro_usd', dimension: str(a.model) }),
  'claude_code.token.usage': (a) => ({ metric: 'tokens', dimension: `${str(a.model)}:${str(a.type)}` }),
  'claude_code.active_time.total': (a) => ({ metric: 'active_time_seconds', dimension: str(a.type, '') }),
};

/**
 * The counter a data point adds to, or null for a metric (or attribute value) the app does not
 * use. A dimension longer than a model or tool name can be (MAX_DIMENSION_LENGTH per part) is
 * 'too long': the caller rejects the point.
 */
export function counterFor(metricName: string, attributes: Attributes): CounterKey | 'too long' | null {
  const map = ownProperty(COUNTERS, metricName);
  const counter = map ? map(attributes) : null;
  if (!counter) return null;
  const d = counter.dimension;
  return d.length > 2 * MAX_DIMENSION_LENGTH + 1 || d.split(':').some((part) => part.length > MAX_DIMENSION_LENGTH) ? 'too long' : counter;
}

/** A model or tool name as a dimension part: 'unknown' when unset, undefined when too long. */
export function dimensionPart(value: unknown): string | undefined {
  const s = str(value);
  return s.length <= MAX_DIMENSION_LENGTH ? s : undefined;
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

/**
 * The org's own labels on a resource (`team`, `department`, …): scalar values, at most
 * MAX_CUSTOM_LABELS of them (first by key), keys and values of bounded length; others are dropped.
 */
function customLabels(resource: Attributes): Record<string, string | number | boolean> {
  let custom = customAttributes.get(resource);
  if (!custom) {
    custom = {};
    const keys = Object.keys(resource)
      .filter((k) => !IDENTITY_AND_STANDARD.has(k) && k.length <= MAX_CUSTOM_LABEL_KEY_LENGTH)
      .sort();
    let kept = 0;
    for (const k of keys) {
      const v = resource[k]!;
      if (typeof v === 'string' && v.length > MAX_CUSTOM_LABEL_VALUE_LENGTH) continue;
      if (typeof v === 'number' && !Number.isFinite(v)) continue;
      custom[k] = v;
      if (++kept >= MAX_CUSTOM_LABELS) break;
    }
    customAttributes.set(resource, custom);
  }
  return custom;
}

/**
 * Who and where: read from a point's (or event's) attributes, falling back to its resource.
 * Identity fields too long to be real are left unset (they only help matching); labels shown as
 * they are are truncated. The session id is returned whole: the caller refuses one too long.
 */
export function sessionFields(attributes: Attributes, resource: Attributes) {
  const get = (key: string) => {
    const v = attributes[key] ?? resource[key];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const githubLogin = get('github.login');
  return {
    sessionId: get('session.id') ?? '',
    appVersion: truncated(get('app.version') ?? get('service.version'), MAX_LABEL_LENGTH),
    terminalType: truncated(get('terminal.type'), MAX_LABEL_LENGTH),
    userEmail: boundedOrUndefined(get('user.email')?.toLowerCase(), MAX_EMAIL_LENGTH),
    userAccountUuid: boundedOrUndefined(get('user.account_uuid'), MAX_ID_LENGTH),
    userId: boundedOrUndefined(get('user.id'), MAX_ID_LENGTH),
    organizationId: boundedOrUndefined(get('organization.id'), MAX_ID_LENGTH),
    githubLogin: githubLogin && GITHUB_LOGIN.test(githubLogin) ? githubLogin : undefined,
    attributes: customLabels(resource),
    // The team the org set (`OTEL_RESOURCE_ATTRIBUTES=team=…`), as a team slug; unset when it names none.
    team: teamSlugOf(resource.team),
  };
}
