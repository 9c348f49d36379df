import { emitterEventNames } from '@octokit/webhooks';
import { z } from 'zod';
import { ORGANIZATION_ACTIONS } from './handle-organization.js';
import { PULL_REQUEST_ACTIONS } from './handle-pull-request.js';
import { TEAM_ACTIONS } from './handle-team.js';

/*
 * What the handlers read of each webhook payload, checked before a delivery is handled: a signed
 * payload that lacks a field or has one of the wrong type (a string `id`) is refused with a 400 and
 * stores nothing, instead of failing halfway through a handler. Only the fields the handlers use
 * are checked, so GitHub adding or changing others breaks nothing.
 */

const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** The last second a date can be written as `YYYY-MM-DDTHH:MM:SSZ` (9999-12-31T23:59:59Z). */
const MAX_EPOCH_SECONDS = 253_402_300_799;
const time = z.string().refine((s) => {
  const ms = Date.parse(s);
  return ms >= 0 && ms <= MAX_EPOCH_SECONDS * 1000;
}, 'not a date');
/** Installation and push payloads give some times as epoch seconds. */
const epochSeconds = z.number().min(0).max(MAX_EPOCH_SECONDS);
const timeOrEpoch = z.union([time, epochSeconds]);

const user = z.object({ id, login: z.string(), type: z.string().optional() });

const repository = z.object({
  id,
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
  owner: z.object({ login: z.string().optional() }).nullable().optional(),
  default_branch: z.string().optional(),
});

const installationRef = z.object({ id }).optional();

const installation = z.object({
  id,
  account: z.object({ id, login: z.string().optional(), slug: z.string().optional(), type: z.string().optional() }).nullable(),
  repository_selection: z.string().optional(),
  suspended_at: z.string().nullable().optional(),
  created_at: timeOrEpoch,
  updated_at: timeOrEpoch,
});

const installationRepository = z.object({ id, name: z.string(), full_name: z.string(), private: z.boolean() });

const pullRequest = z.object({
  id,
  number: id,
  user: user.nullable(),
  title: z.string(),
  body: z.string().nullable().optional(),
  base: z.object({ ref: z.string() }),
  head: z.object({ ref: z.string(), sha: z.string().optional() }),
  draft: z.boolean().optional(),
  state: z.string(),
  created_at: time,
  updated_at: time,
  closed_at: time.nullable(),
  merged_at: time.nullable(),
  merge_commit_sha: z.string().nullable().optional(),
  merged: z.boolean().nullable().optional(),
  merged_by: z.object({ login: z.string() }).nullable().optional(),
  additions: z.number().int().nonnegative().optional(),
  deletions: z.number().int().nonnegative().optional(),
  changed_files: z.number().int().nonnegative().optional(),
});

const organization = z.object({ login: z.string().min(1).max(100) });
/** A team as events carry it; a deleted team's `membership` payload has no slug. */
const team = z.object({ id, name: z.string().max(1000), slug: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'not a team slug').optional() });
const member = z.object({ login: z.string().min(1).max(100) });

const gitActor = z.object({ name: z.string(), email: z.string().nullable().optional(), username: z.string().optional() });

const schemas: Record<string, { actions: readonly string[] | 'all'; schema: z.ZodType }> = {
  installation: {
    actions: ['created', 'deleted', 'suspend', 'unsuspend'],
    schema: z.object({ installation, repositories: z.array(installationRepository).optional() }),
  },
  installation_repositories: {
    actions: 'all',
    schema: z.object({
      installation,
      repositories_added: z.array(installationRepository),
      repositories_removed: z.array(installationRepository.partial()),
    }),
  },
  pull_request: {
    actions: PULL_REQUEST_ACTIONS,
    schema: z.object({ repository, installation: installationRef, pull_request: pullRequest }),
  },
  pull_request_review: {
    actions: ['submitted'],
    schema: z.object({
      repository,
      installation: installationRef,
      pull_request: pullRequest,
      review: z.object({ id, user: z.object({ login: z.string(), type: z.string().optional() }).nullable().optional(), state: z.string(), submitted_at: time.nullable().optional() }),
    }),
  },
  membership: {
    actions: ['added', 'removed'],
    schema: z.object({ scope: z.string(), member: member.nullable(), team, organization, installation: installationRef }),
  },
  team: {
    actions: TEAM_ACTIONS,
    schema: z.object({ team: team.required({ slug: true }), organization, installation: installationRef }),
  },
  organization: {
    actions: ORGANIZATION_ACTIONS,
    // GitHub sends the membership with every member_added / member_removed; the handler reads it.
    schema: z.object({ organization, membership: z.object({ user: member.nullable() }), installation: installationRef }),
  },
  push: {
    actions: 'all',
    schema: z.object({
      ref: z.string(),
      deleted: z.boolean().optional(),
      installation: installationRef,
      repository: repository.extend({ pushed_at: timeOrEpoch.nullable().optional() }),
      commits: z.array(
        z.object({ id: z.string().regex(/^[0-9a-f]{40,64}$/i, 'not a commit sha'), message: z.string(), timestamp: time, distinct: z.boolean(), author: gitActor, committer: gitActor }),
      ),
    }),
  },
};

const knownEvents = new Set<string>(emitterEventNames.filter((name) => !name.includes('.')));

/** Whether GitHub sends webhooks by this name at all (`pull_request`, `ping`, …). */
export function isKnownWebhookEvent(name: string): boolean {
  return knownEvents.has(name);
}

/** Whether a handler runs for this event and action (what catch-up asks GitHub to redeliver). */
export function isHandledWebhook(name: string, action: string | null | undefined): boolean {
  const entry = schemas[name];
  return entry !== undefined && (entry.actions === 'all' || (typeof action === 'string' && entry.actions.includes(action)));
}

/**
 * Why a payload cannot be handled (`"pull_request.id: …"`), or null when it can, or when no handler
 * runs for this event and action (it is acknowledged and ignored).
 */
export function webhookPayloadProblem(name: string, payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'the payload is not a JSON object';
  const action = (payload as { action?: unknown }).action;
  // The action is recorded with every delivery applied.
  if (action !== undefined && typeof action !== 'string') return `${name}.action: not a string`;
  const entry = schemas[name];
  if (!entry || !isHandledWebhook(name, typeof action === 'string' ? action : null)) return null;
  const parsed = entry.schema.safeParse(payload);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return `${[name, ...issue.path].join('.')}: ${issue.message}`;
}
