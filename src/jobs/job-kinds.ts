import type { Job } from '../db/schema.js';

/*
 * The kinds of job the durable queue runs, each with the payload it carries. The queue types
 * `enqueueJob` and the handlers by kind from this list, and derives each job's dedupe key from its
 * payload here, so the parts that queue work (webhooks, processing, the scheduler) and the part
 * that does it (github/) agree through this file alone.
 */

/** A merged PR whose commits and files are fetched from GitHub. */
export interface EnrichPullRequestPayload {
  installationId: number;
  pullRequestId: number;
  owner: string;
  repo: string;
  number: number;
}

/** A commit pushed straight to the default branch, fetched from GitHub. */
export interface EnrichCommitPayload {
  installationId: number;
  repositoryId: number;
  commitId: number;
  owner: string;
  repo: string;
  sha: string;
}

/** A PR attributed to Claude Code, labelled on GitHub. */
export interface LabelPullRequestPayload {
  installationId: number;
  pullRequestId: number;
  owner: string;
  repo: string;
  number: number;
}

/** An org whose GitHub members are counted. */
export interface OrgMemberCountPayload {
  installationId: number;
  /** The organization's login, as GitHub spells it. */
  org: string;
}

export interface JobPayloads {
  'enrich-pull-request': EnrichPullRequestPayload;
  'enrich-commit': EnrichCommitPayload;
  'label-pull-request': LabelPullRequestPayload;
  'org-member-count': OrgMemberCountPayload;
}

export type JobKind = keyof JobPayloads;
export type JobPayload<K extends JobKind> = JobPayloads[K];

/** One job's identity: a second job with the same key is the same work (see `enqueueJob`). */
const dedupeKeys: { [K in JobKind]: (payload: JobPayload<K>) => string } = {
  'enrich-pull-request': (p) => `enrich-pull-request:${p.pullRequestId}`,
  'enrich-commit': (p) => `enrich-commit:${p.repositoryId}:${p.sha}`,
  'label-pull-request': (p) => `label-pull-request:${p.pullRequestId}`,
  'org-member-count': (p) => `org-member-count:${p.org.toLowerCase()}`,
};

export function dedupeKeyOf<K extends JobKind>(kind: K, payload: JobPayload<K>): string {
  return dedupeKeys[kind](payload);
}

function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(dedupeKeys, kind);
}

/** Does one kind's work and resolves when it is done. Must be idempotent: a job may run again after a crash. */
export type JobHandler<K extends JobKind> = (payload: JobPayload<K>, job: Job) => Promise<void>;

export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/** The work of `job` with the handler of its kind; undefined when `handlers` has none for it. */
export function jobWork(handlers: Partial<JobHandlers>, job: Job): (() => Promise<void>) | undefined {
  return isJobKind(job.kind) ? workOf(handlers, job.kind, job) : undefined;
}

function workOf<K extends JobKind>(handlers: Partial<JobHandlers>, kind: K, job: Job): (() => Promise<void>) | undefined {
  const handler: JobHandler<K> | undefined = handlers[kind];
  // The payload is the one `enqueueJob` stored for this kind; the database hands it back as JSON,
  // and this is the one place that says which type it is.
  return handler && (() => handler(job.payload as JobPayload<K>, job));
}
