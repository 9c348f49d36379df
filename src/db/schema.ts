import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/*
 * Times from GitHub are stored as ISO-8601 UTC text (`toISOString()`), so they sort and bucket by
 * day with plain string functions. Scheduling times of the job queue are epoch milliseconds.
 */

/** A GitHub App installation: one organization (or user account) that the app covers. */
export const installations = sqliteTable(
  'installations',
  {
    id: integer('id').primaryKey(), // GitHub's installation id
    accountId: integer('account_id').notNull(),
    accountLogin: text('account_login').notNull(),
    accountType: text('account_type').notNull(), // Organization | User
    repositorySelection: text('repository_selection'), // all | selected
    status: text('status', { enum: ['active', 'suspended', 'deleted'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('installations_account_login_idx').on(t.accountLogin)],
);

export const repositories = sqliteTable(
  'repositories',
  {
    id: integer('id').primaryKey(), // GitHub's repository id
    // No foreign key: a repository's events can arrive before its installation's.
    installationId: integer('installation_id'),
    ownerLogin: text('owner_login').notNull(),
    name: text('name').notNull(),
    fullName: text('full_name').notNull(),
    defaultBranch: text('default_branch'),
    private: integer('private', { mode: 'boolean' }).notNull().default(false),
    /** False once the repository was removed from the installation; its history is kept. */
    covered: integer('covered', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('repositories_full_name_idx').on(t.fullName),
    index('repositories_installation_id_idx').on(t.installationId),
    index('repositories_owner_login_idx').on(t.ownerLogin),
  ],
);

export const githubUsers = sqliteTable(
  'github_users',
  {
    id: integer('id').primaryKey(), // GitHub's user id
    login: text('login').notNull(),
    type: text('type').notNull(), // User | Bot | Organization
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('github_users_login_idx').on(t.login)],
);

export const pullRequests = sqliteTable(
  'pull_requests',
  {
    id: integer('id').primaryKey(), // GitHub's pull request id
    repositoryId: integer('repository_id')
      .notNull()
      .references(() => repositories.id),
    number: integer('number').notNull(),
    authorId: integer('author_id').references(() => githubUsers.id),
    authorLogin: text('author_login').notNull(),
    authorIsBot: integer('author_is_bot', { mode: 'boolean' }).notNull(),
    title: text('title').notNull(),
    body: text('body'),
    baseRef: text('base_ref').notNull(),
    headRef: text('head_ref').notNull(),
    headSha: text('head_sha'),
    draft: integer('draft', { mode: 'boolean' }).notNull().default(false),
    state: text('state').notNull(), // open | closed
    createdAt: text('created_at').notNull(),
    /** GitHub's `updated_at` of the payload last applied: older payloads never overwrite newer ones. */
    githubUpdatedAt: text('github_updated_at').notNull(),
    closedAt: text('closed_at'),
    mergedAt: text('merged_at'),
    mergeCommitSha: text('merge_commit_sha'),
    /** Who merged it (GitHub's `merged_by`): a PR Claude Code's bot opened is credited to them when nothing else names a person. */
    mergedByLogin: text('merged_by_login'),
    additions: integer('additions'),
    deletions: integer('deletions'),
    changedFiles: integer('changed_files'),
    firstReviewedAt: text('first_reviewed_at'),
    /** When the merged PR's commits and files were fetched from GitHub (null until then). */
    enrichedAt: text('enriched_at'),
    /** Whether the `opened` delivery showed a draft (null when that delivery was not seen). */
    openedAsDraft: integer('opened_as_draft', { mode: 'boolean' }),
    /** The earliest `ready_for_review` and `converted_to_draft` seen (their payload's `updated_at`), whatever the order. */
    firstReadyForReviewAt: text('first_ready_for_review_at'),
    firstConvertedToDraftAt: text('first_converted_to_draft_at'),
    /** `owner/repo#N` (lowercase) when the body says GitHub's "Reverts owner/repo#N": the PR this one reverts. Never the body's other text. */
    revertsPullRequest: text('reverts_pull_request'),
  },
  (t) => [
    uniqueIndex('pull_requests_repository_id_number_idx').on(t.repositoryId, t.number),
    index('pull_requests_merged_at_idx').on(t.mergedAt),
    // A repository's merged PRs of a window without reading their rows: durability's replay marks
    // and stored lives, run after every processing run.
    index('pull_requests_repository_id_merged_at_idx').on(t.repositoryId, t.mergedAt, t.enrichedAt),
    index('pull_requests_author_login_idx').on(t.authorLogin),
    index('pull_requests_merge_commit_sha_idx').on(t.mergeCommitSha),
    index('pull_requests_reverts_pull_request_idx').on(t.revertsPullRequest),
  ],
);

export const pullRequestReviews = sqliteTable(
  'pull_request_reviews',
  {
    id: integer('id').primaryKey(), // GitHub's review id
    pullRequestId: integer('pull_request_id')
      .notNull()
      .references(() => pullRequests.id, { onDelete: 'cascade' }),
    reviewerLogin: text('reviewer_login'),
    /** The reviewer's account is a bot (GitHub's user `type`): bots' reviews are not a pickup. */
    reviewerIsBot: integer('reviewer_is_bot', { mode: 'boolean' }).notNull().default(false),
    state: text('state').notNull(),
    submittedAt: text('submitted_at').notNull(),
  },
  (t) => [index('pull_request_reviews_pull_request_id_idx').on(t.pullRequestId)],
);

export const commits = sqliteTable(
  'commits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    repositoryId: integer('repository_id')
      .notNull()
      .references(() => repositories.id),
    sha: text('sha').notNull(),
    authorName: text('author_name'),
    authorEmail: text('author_email'),
    authorLogin: text('author_login'),
    committerName: text('committer_name'),
    committerEmail: text('committer_email'),
    committerLogin: text('committer_login'),
    authoredAt: text('authored_at'),
    committedAt: text('committed_at'),
    message: text('message').notNull(),
    /** The message carries a `Co-Authored-By: Claude … <noreply@anthropic.com>` trailer. */
    claudeCodeTrailer: integer('claude_code_trailer', { mode: 'boolean' }).notNull().default(false),
    /** Pushed straight to the repository's default branch (the push event's ref was the default branch). */
    pushedToDefaultBranch: integer('pushed_to_default_branch', { mode: 'boolean' }).notNull().default(false),
    pushedAt: text('pushed_at'),
    additions: integer('additions'),
    deletions: integer('deletions'),
    /** When the commit's files were fetched from GitHub (only done for direct pushes to the default branch). */
    enrichedAt: text('enriched_at'),
    /** The sha of git's "This reverts commit <sha>." in the message (lowercase): the commit this one reverts. */
    revertsSha: text('reverts_sha'),
  },
  (t) => [
    uniqueIndex('commits_repository_id_sha_idx').on(t.repositoryId, t.sha),
    index('commits_sha_idx').on(t.sha),
    index('commits_pushed_at_idx').on(t.pushedAt),
    index('commits_reverts_sha_idx').on(t.revertsSha),
  ],
);

export const pullRequestCommits = sqliteTable(
  'pull_request_commits',
  {
    pullRequestId: integer('pull_request_id')
      .notNull()
      .references(() => pullRequests.id, { onDelete: 'cascade' }),
    commitId: integer('commit_id')
      .notNull()
      .references(() => commits.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'pull_request_commits_pk', columns: [t.pullRequestId, t.commitId] }),
    index('pull_request_commits_commit_id_idx').on(t.commitId),
  ],
);

/**
 * A file changed by a merged pull request or by a commit pushed to the default branch.
 * Only counts and line fingerprints are kept, never the code.
 */
export const changedFiles = sqliteTable(
  'changed_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    pullRequestId: integer('pull_request_id').references(() => pullRequests.id, { onDelete: 'cascade' }),
    commitId: integer('commit_id').references(() => commits.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    /** The path before a rename, so lines written into the old path still match. */
    previousPath: text('previous_path'),
    status: text('status').notNull(), // added | modified | removed | renamed | copied | changed | unchanged
    additions: integer('additions').notNull(),
    deletions: integer('deletions').notNull(),
    /** Added lines that count (spec: Attribution, effective lines); 0 for an excluded file. */
    effectiveLines: integer('effective_lines').notNull(),
    /** Why the whole file does not count (lock file, generated, vendored, fixture), or null. */
    excludedReason: text('excluded_reason'),
    /** GitHub omits the patch of very large diffs; their lines are then unknown. */
    patchMissing: integer('patch_missing', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    uniqueIndex('changed_files_pull_request_id_path_idx').on(t.pullRequestId, t.path),
    uniqueIndex('changed_files_commit_id_path_idx').on(t.commitId, t.path),
    check('changed_files_owner_check', sql`(${t.pullRequestId} IS NULL) <> (${t.commitId} IS NULL)`),
  ],
);

/** One row per distinct effective added line of a changed file: its keyed fingerprint and how often it was added. */
export const addedLineFingerprints = sqliteTable(
  'added_line_fingerprints',
  {
    changedFileId: integer('changed_file_id')
      .notNull()
      .references(() => changedFiles.id, { onDelete: 'cascade' }),
    fingerprint: integer('fingerprint').notNull(),
    occurrences: integer('occurrences').notNull(),
    /** The line's keyed token sketch (`src/attribution/line-sketch.ts`), for matching edited lines; never the line. */
    sketch: blob('sketch', { mode: 'buffer' }),
  },
  (t) => [primaryKey({ name: 'added_line_fingerprints_pk', columns: [t.changedFileId, t.fingerprint] })],
);

/**
 * One row per distinct effective line a changed file deleted (its `-` lines): its keyed fingerprint
 * and how often it was deleted, never the line. A later merged change that deletes a line ends the
 * life of the line an earlier PR added (spec: Outcomes, "Durability"); kept for 90 days and more.
 */
export const deletedLineFingerprints = sqliteTable(
  'deleted_line_fingerprints',
  {
    changedFileId: integer('changed_file_id')
      .notNull()
      .references(() => changedFiles.id, { onDelete: 'cascade' }),
    fingerprint: integer('fingerprint').notNull(),
    occurrences: integer('occurrences').notNull(),
  },
  (t) => [primaryKey({ name: 'deleted_line_fingerprints_pk', columns: [t.changedFileId, t.fingerprint] })],
);

/** Every webhook delivery handled, so a redelivery changes nothing. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(), // X-GitHub-Delivery
    event: text('event').notNull(),
    action: text('action'),
    installationId: integer('installation_id'),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('webhook_deliveries_received_at_idx').on(t.receivedAt)],
);

/**
 * Deliveries the app asked GitHub to send again (catch-up after downtime), by their
 * `X-GitHub-Delivery` guid, so that no delivery is asked for twice.
 */
export const webhookRedeliveryRequests = sqliteTable(
  'webhook_redelivery_requests',
  {
    guid: text('guid').primaryKey(), // X-GitHub-Delivery
    /** GitHub's id of the failed attempt that was asked to be redelivered. */
    deliveryId: integer('delivery_id').notNull(),
    event: text('event').notNull(),
    requestedAt: text('requested_at').notNull(),
  },
  (t) => [index('webhook_redelivery_requests_requested_at_idx').on(t.requestedAt)],
);

/** The durable job queue: work that must survive restarts and be retried (GitHub API calls). */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    /** At most one job per key (e.g. `enrich-pull-request:123`); enqueueing it again reuses the row. */
    dedupeKey: text('dedupe_key').notNull(),
    payload: text('payload', { mode: 'json' }).notNull(),
    status: text('status', { enum: ['pending', 'running', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    runAfter: integer('run_after').notNull(), // epoch ms
    /** A running job whose lease ran out (the process died) is picked up again. */
    lockedUntil: integer('locked_until'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    uniqueIndex('jobs_dedupe_key_idx').on(t.dedupeKey),
    index('jobs_status_run_after_idx').on(t.status, t.runAfter),
  ],
);

/** Secrets the app generates for itself on first start (e.g. the line fingerprint key). */
export const appSecrets = sqliteTable('app_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: text('created_at').notNull(),
});

// ---------------------------------------------------------------------------------------------
// Claude Code side: ingest tokens, sessions, telemetry counters, hook fingerprints, identities.
// `org` is the GitHub organization login an ingest token was issued for.

/** Bearer tokens Claude Code sends with telemetry and hook calls; only their SHA-256 is kept. */
export const ingestTokens = sqliteTable(
  'ingest_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org: text('org').notNull(),
    /** Set for a personal token: whose data it carries (the strongest identity link). */
    githubLogin: text('github_login'),
    tokenHash: text('token_hash').notNull(),
    /** The first characters of the token, to tell tokens apart in lists. */
    tokenPrefix: text('token_prefix').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
    lastUsedAt: text('last_used_at'),
  },
  (t) => [uniqueIndex('ingest_tokens_token_hash_idx').on(t.tokenHash), index('ingest_tokens_org_idx').on(t.org)],
);

/** Keys of the metrics API (`x-api-key`), each scoped to one org; only their SHA-256 is kept. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org: text('org').notNull(),
    keyHash: text('key_hash').notNull(),
    keyPrefix: text('key_prefix').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
    lastUsedAt: text('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_key_hash_idx').on(t.keyHash), index('api_keys_org_idx').on(t.org)],
);

/**
 * OTLP requests already applied (hash of the decompressed body), per org: an exporter's retry
 * counts once, and another org's identical body is another request.
 */
export const otlpExports = sqliteTable(
  'otlp_exports',
  {
    bodyHash: text('body_hash').notNull(),
    signal: text('signal').notNull(),
    org: text('org').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'otlp_exports_pk', columns: [t.org, t.bodyHash] }),
    index('otlp_exports_received_at_idx').on(t.receivedAt),
  ],
);

/**
 * One Claude Code session (`session.id`) of one org, with who ran it and where. Session ids are
 * chosen by the sender, so every session key is (org, id): one org's token never reaches another's.
 */
export const claudeSessions = sqliteTable(
  'claude_sessions',
  {
    id: text('id').notNull(),
    org: text('org').notNull(),
    firstSeenAt: text('first_seen_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    appVersion: text('app_version'),
    terminalType: text('terminal_type'),
    userEmail: text('user_email'),
    userAccountUuid: text('user_account_uuid'),
    userId: text('user_id'),
    organizationId: text('organization_id'),
    /** From a personal ingest token or the `github.login` resource attribute. */
    githubLogin: text('github_login'),
    /** Where the session ran (from hook calls), to relate file paths to repositories. */
    cwd: text('cwd'),
    /** Other resource attributes set by the org (`team`, `department`, …). */
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, string | number | boolean>>(),
    /** The `team` resource attribute as a team slug (`teamSlugOf`, db/teams.ts); null when unset or not slug-like. */
    team: text('team'),
  },
  (t) => [
    primaryKey({ name: 'claude_sessions_pk', columns: [t.org, t.id] }),
    index('claude_sessions_user_email_idx').on(t.userEmail),
  ],
);

/**
 * Telemetry counters per org, UTC day, session, metric and dimension (e.g. `Edit:accept`,
 * a model, `model:input`). Deltas add up here; cumulative series are turned into deltas first.
 */
export const telemetryDaily = sqliteTable(
  'telemetry_daily',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    sessionId: text('session_id').notNull(),
    metric: text('metric').notNull(),
    dimension: text('dimension').notNull(),
    value: real('value').notNull(),
    /** When the row was last written: retention prunes by it as well as by day, whatever day a sender claimed. */
    receivedAt: text('received_at').notNull().default(''),
  },
  (t) => [
    primaryKey({ name: 'telemetry_daily_pk', columns: [t.org, t.day, t.sessionId, t.metric, t.dimension] }),
    index('telemetry_daily_session_id_idx').on(t.sessionId),
  ],
);

/** The last point of each cumulative series, to turn the next one into a delta. The key hashes the org with the series. */
export const cumulativeSeries = sqliteTable('cumulative_series', {
  seriesKey: text('series_key').primaryKey(),
  startTimeUnixNano: text('start_time_unix_nano').notNull(),
  timeUnixNano: text('time_unix_nano').notNull(),
  value: real('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** `api_request` events summed per org, day, session and model. */
export const apiRequestsDaily = sqliteTable(
  'api_requests_daily',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    sessionId: text('session_id').notNull(),
    model: text('model').notNull(),
    requests: integer('requests').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    cacheReadTokens: integer('cache_read_tokens').notNull(),
    cacheCreationTokens: integer('cache_creation_tokens').notNull(),
    /** Integer micro-dollars (USD × 1,000,000): sums stay exact. */
    costMicroUsd: integer('cost_micro_usd').notNull().default(0),
    /** When the row was last written (retention prunes by it as well as by day). */
    receivedAt: text('received_at').notNull().default(''),
  },
  (t) => [
    primaryKey({ name: 'api_requests_daily_pk', columns: [t.org, t.day, t.sessionId, t.model] }),
    index('api_requests_daily_session_id_idx').on(t.sessionId),
  ],
);

/** Commits a session reported making (short or full sha), from hook calls or `tool_result` events. */
export const sessionCommits = sqliteTable(
  'session_commits',
  {
    sessionId: text('session_id').notNull(),
    sha: text('sha').notNull(),
    org: text('org').notNull(),
    source: text('source').notNull(), // hook | event
    seenAt: text('seen_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'session_commits_pk', columns: [t.org, t.sessionId, t.sha] }),
    index('session_commits_sha_idx').on(t.sha),
  ],
);

/** Pull requests a session reported opening (`gitOperation.pr`). */
export const sessionPullRequests = sqliteTable(
  'session_pull_requests',
  {
    sessionId: text('session_id').notNull(),
    repository: text('repository').notNull(), // owner/name
    number: integer('number').notNull(),
    org: text('org').notNull(),
    url: text('url').notNull(),
    seenAt: text('seen_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'session_pull_requests_pk', columns: [t.org, t.sessionId, t.repository, t.number] }),
    index('session_pull_requests_repository_number_idx').on(t.repository, t.number),
  ],
);

/**
 * Fingerprints of the lines a session wrote into a file, never the lines. `path` is relative to
 * the working directory the session started in (`claude_sessions.cwd`), or absolute (from `/`)
 * outside it; processing places it in a repository (src/attribution/session-workspace.ts).
 */
export const sessionLineFingerprints = sqliteTable(
  'session_line_fingerprints',
  {
    sessionId: text('session_id').notNull(),
    path: text('path').notNull(),
    fingerprint: integer('fingerprint').notNull(),
    occurrences: integer('occurrences').notNull(),
    /** The line's keyed token sketch (`src/attribution/line-sketch.ts`), for matching edited lines; never the line. */
    sketch: blob('sketch', { mode: 'buffer' }),
    org: text('org').notNull(),
    firstWrittenAt: text('first_written_at').notNull(),
  },
  (t) => [primaryKey({ name: 'session_line_fingerprints_pk', columns: [t.org, t.sessionId, t.path, t.fingerprint] })],
);

/**
 * The consumption ledger (spec: Attribution, "each line Claude wrote matches at most one added
 * line"), across the org's PRs and direct pushes: which line a session wrote (its fingerprint, in
 * the file at `path` as the session wrote it) was matched by which subject, how many times.
 * Subjects are attributed in merge order (`subject_at`, then `subject`), and a subject's match
 * only gets what subjects merged before it left. Written with the subject's attribution; keys and
 * fingerprints only, never a line.
 */
export const consumedSessionLines = sqliteTable(
  'consumed_session_lines',
  {
    org: text('org').notNull(),
    /** The attribution's subject: `pull_request:<id>` or `commit:<id>`. */
    subject: text('subject').notNull(),
    /** When the subject merged (or was pushed): the ledger's order. */
    subjectAt: text('subject_at').notNull(),
    sessionId: text('session_id').notNull(),
    path: text('path').notNull(),
    fingerprint: integer('fingerprint').notNull(),
    lines: integer('lines').notNull(),
  },
  (t) => [
    primaryKey({ name: 'consumed_session_lines_pk', columns: [t.org, t.subject, t.sessionId, t.path, t.fingerprint] }),
    index('consumed_session_lines_org_session_id_path_idx').on(t.org, t.sessionId, t.path, t.subjectAt),
    index('consumed_session_lines_subject_at_idx').on(t.subjectAt),
  ],
);

/** Hook calls already applied (`tool_use_id`, per org): a retried call counts once. */
export const hookCalls = sqliteTable(
  'hook_calls',
  {
    org: text('org').notNull(),
    toolUseId: text('tool_use_id').notNull(),
    sessionId: text('session_id').notNull(),
    toolName: text('tool_name').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [primaryKey({ name: 'hook_calls_pk', columns: [t.org, t.toolUseId] }), index('hook_calls_received_at_idx').on(t.receivedAt)],
);

/** A Claude Code user (by email, account UUID or user id) known to be a GitHub login, and how we know. */
export const identityLinks = sqliteTable(
  'identity_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org: text('org').notNull(),
    kind: text('kind', { enum: ['email', 'account_uuid', 'user_id'] }).notNull(),
    value: text('value').notNull(),
    githubLogin: text('github_login').notNull(),
    source: text('source', { enum: ['personal_token', 'commit', 'resource_attribute', 'email_match', 'admin'] }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('identity_links_org_kind_value_source_idx').on(t.org, t.kind, t.value, t.source),
    index('identity_links_org_github_login_idx').on(t.org, t.githubLogin),
  ],
);

// ---------------------------------------------------------------------------------------------
// Processing output: per-PR attributions and daily rollups, recomputed by `process`.

/** The attribution of one merged pull request, or of one commit pushed straight to the default branch. */
export const attributions = sqliteTable(
  'attributions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org: text('org').notNull(),
    /** `pull_request:<id>` or `commit:<id>`: what was attributed. */
    subject: text('subject').notNull(),
    pullRequestId: integer('pull_request_id').references(() => pullRequests.id, { onDelete: 'cascade' }),
    commitId: integer('commit_id').references(() => commits.id, { onDelete: 'cascade' }),
    repository: text('repository').notNull(), // owner/name
    number: integer('number'),
    sha: text('sha'),
    authorLogin: text('author_login').notNull(),
    isBot: integer('is_bot', { mode: 'boolean' }).notNull(),
    /** UTC day of the merge (or of the push). */
    day: text('day').notNull(),
    withClaudeCode: integer('with_claude_code', { mode: 'boolean' }).notNull(),
    linesAdded: integer('lines_added').notNull(),
    linesWithClaudeCode: integer('lines_with_claude_code').notNull(),
    evidence: text('evidence', { mode: 'json' }).notNull(),
    /** Hash of the attribution: a rerun that finds the same answer leaves the row (and its time) as it was. */
    resultHash: text('result_hash').notNull(),
    attributedAt: text('attributed_at').notNull(),
  },
  (t) => [
    uniqueIndex('attributions_subject_idx').on(t.subject),
    index('attributions_org_day_idx').on(t.org, t.day),
    index('attributions_org_author_login_day_idx').on(t.org, t.authorLogin, t.day),
    // Covers what the outcomes report reads of a range's PRs: it reads the index, never the rows
    // (their evidence makes them large), which halved the report's read on the benchmark org.
    index('attributions_outcomes_idx').on(t.org, t.day, t.isBot, t.authorLogin, t.withClaudeCode, t.linesAdded, t.repository, t.pullRequestId),
  ],
);

/**
 * The delivery outcome of one merged pull request (spec: Outcomes), computed by processing from its
 * commits, reviews, draft times and the reverts that landed after it. Durations in seconds; null
 * when a time is unknown (no commit dates, no review by someone else before the merge).
 */
export const pullRequestOutcomes = sqliteTable(
  'pull_request_outcomes',
  {
    pullRequestId: integer('pull_request_id')
      .primaryKey()
      .references(() => pullRequests.id, { onDelete: 'cascade' }),
    org: text('org').notNull(),
    /** UTC day of the merge. */
    day: text('day').notNull(),
    firstCommitAt: text('first_commit_at'),
    cycleTimeSeconds: integer('cycle_time_seconds'),
    codingTimeSeconds: integer('coding_time_seconds'),
    pickupTimeSeconds: integer('pickup_time_seconds'),
    reviewTimeSeconds: integer('review_time_seconds'),
    reviewRounds: integer('review_rounds').notNull(),
    /** `owner/repo#N` of the PR that reverted it, or the sha of a commit pushed straight to the branch. */
    revertedBy: text('reverted_by'),
    revertedAt: text('reverted_at'),
  },
  (t) => [index('pull_request_outcomes_org_day_idx').on(t.org, t.day)],
);

/**
 * How long the effective lines a merged PR added lasted (spec: Outcomes, "Durability"), computed by
 * processing from the fingerprints of lines later merged changes deleted. Counts of lines; a horizon
 * the PR has not reached yet (as of `as_of`) is null.
 */
export const pullRequestDurability = sqliteTable(
  'pull_request_durability',
  {
    pullRequestId: integer('pull_request_id')
      .primaryKey()
      .references(() => pullRequests.id, { onDelete: 'cascade' }),
    org: text('org').notNull(),
    /** UTC day of the merge. */
    day: text('day').notNull(),
    /** Effective lines whose life began with this PR (a line it only moved within a file keeps its older life). */
    lines: integer('lines').notNull(),
    surviving14d: integer('surviving_14d'),
    surviving30d: integer('surviving_30d'),
    surviving90d: integer('surviving_90d'),
    /** Lines that ended within 21 days of the merge (churn), and how many of those were rewritten. */
    deleted21d: integer('deleted_21d'),
    rewritten21d: integer('rewritten_21d'),
    /** Every ending so far: `[seconds after the merge, lines, of which rewritten]`, for median lives. */
    endedLives: text('ended_lives', { mode: 'json' }).$type<[number, number, number][]>().notNull(),
    /** The now of the processing run that last changed these figures (a run that finds them the same leaves the row). */
    asOf: text('as_of').notNull(),
  },
  (t) => [index('pull_request_durability_org_day_idx').on(t.org, t.day)],
);

/**
 * The last replay of a repository's line lives: the newest changed file it saw and how many, from
 * the start of the window it replayed, and until when its lives stand as that window moves on
 * (`replayLineLives`). A run that finds the same files, with its own window starting no later than
 * that, replays nothing and only moves its PRs' figures past the horizons they reached since (from
 * their stored endings), so an incremental run (and the next night's) stays cheap.
 */
export const repositoryDurabilityReplays = sqliteTable('repository_durability_replays', {
  repositoryId: integer('repository_id')
    .primaryKey()
    .references(() => repositories.id, { onDelete: 'cascade' }),
  lastChangedFileId: integer('last_changed_file_id').notNull(),
  changedFiles: integer('changed_files').notNull(),
  replayedAt: text('replayed_at').notNull(),
  /** The start of the window the mark counts (null: a mark from before windows moved without a replay). */
  windowStart: text('window_start'),
  /** The latest window start the stored lives stand for; null when any. */
  standsUntil: text('stands_until'),
});

/** The metric columns every daily rollup has (spec: Metrics). */
function dailyMetricColumns() {
  const n = (name: string) => integer(name).notNull().default(0);
  const r = (name: string) => real(name).notNull().default(0);
  return {
    pullRequestsMerged: n('pull_requests_merged'),
    pullRequestsWithClaudeCode: n('pull_requests_with_claude_code'),
    pullRequestsWithoutClaudeCode: n('pull_requests_without_claude_code'),
    pullRequestsByBots: n('pull_requests_by_bots'),
    pullRequestsOpened: n('pull_requests_opened'),
    linesCommitted: n('lines_committed'),
    linesWithClaudeCode: n('lines_with_claude_code'),
    linesWithoutClaudeCode: n('lines_without_claude_code'),
    linesAccepted: n('lines_accepted'),
    linesRemoved: n('lines_removed'),
    editToolAccepted: n('edit_tool_accepted'),
    editToolRejected: n('edit_tool_rejected'),
    multiEditToolAccepted: n('multi_edit_tool_accepted'),
    multiEditToolRejected: n('multi_edit_tool_rejected'),
    writeToolAccepted: n('write_tool_accepted'),
    writeToolRejected: n('write_tool_rejected'),
    notebookEditToolAccepted: n('notebook_edit_tool_accepted'),
    notebookEditToolRejected: n('notebook_edit_tool_rejected'),
    sessions: n('sessions'),
    activeUsers: n('active_users'),
    commitsByClaudeCode: n('commits_by_claude_code'),
    pullRequestsByClaudeCode: n('pull_requests_by_claude_code'),
    /** Spend in integer micro-dollars (USD × 1,000,000): sums stay exact. */
    costMicroUsd: n('cost_micro_usd'),
    inputTokens: n('input_tokens'),
    outputTokens: n('output_tokens'),
    cacheReadTokens: n('cache_read_tokens'),
    cacheCreationTokens: n('cache_creation_tokens'),
    activeTimeSeconds: r('active_time_seconds'),
    prompts: n('prompts'),
  };
}

export const dailyOrgMetrics = sqliteTable(
  'daily_org_metrics',
  { org: text('org').notNull(), day: text('day').notNull(), ...dailyMetricColumns() },
  (t) => [primaryKey({ name: 'daily_org_metrics_pk', columns: [t.org, t.day] })],
);

/**
 * Per person and day. `user_key` is the GitHub login when the person is linked to one; telemetry no
 * identity links to a login is kept under `unlinked:<email or id>` (never dropped).
 */
export const dailyUserMetrics = sqliteTable(
  'daily_user_metrics',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    userKey: text('user_key').notNull(),
    githubLogin: text('github_login'),
    email: text('email'),
    /** The terminal most of the person's telemetry came from that day (`vscode`, `iTerm.app`, …). */
    terminalType: text('terminal_type'),
    /** `subscription` when Claude Code was signed in to a Claude account, `api` for API-key use. */
    customerType: text('customer_type'),
    ...dailyMetricColumns(),
  },
  (t) => [
    primaryKey({ name: 'daily_user_metrics_pk', columns: [t.org, t.day, t.userKey] }),
    index('daily_user_metrics_org_user_key_day_idx').on(t.org, t.userKey, t.day),
    // Who was active in a range, read in user order without sorting: the summary's active people.
    index('daily_user_metrics_active_org_user_key_day_idx').on(t.org, t.userKey, t.day).where(sql`${t.activeUsers} > 0`),
  ],
);

export const dailyRepositoryMetrics = sqliteTable(
  'daily_repository_metrics',
  { org: text('org').notNull(), day: text('day').notNull(), repository: text('repository').notNull(), ...dailyMetricColumns() },
  (t) => [primaryKey({ name: 'daily_repository_metrics_pk', columns: [t.org, t.day, t.repository] })],
);

/** Requests, tokens and cost of one model: the columns of `daily_model_usage` and `daily_terminal_model_usage`. */
function modelUsageColumns() {
  return {
    model: text('model').notNull(),
    requests: integer('requests').notNull().default(0),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    cacheCreationTokens: integer('cache_creation_tokens').notNull().default(0),
    /** Integer micro-dollars (USD × 1,000,000). */
    costMicroUsd: integer('cost_micro_usd').notNull().default(0),
  };
}

/** Tokens, cost and requests per person, model and day. */
export const dailyModelUsage = sqliteTable(
  'daily_model_usage',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    userKey: text('user_key').notNull(),
    ...modelUsageColumns(),
  },
  (t) => [primaryKey({ name: 'daily_model_usage_pk', columns: [t.org, t.day, t.userKey, t.model] })],
);

/**
 * A person's Claude Code telemetry of one day, per terminal (`terminal.type` of the sessions;
 * `unknown` when unset) and whether the sessions ran remotely (Claude Code on the web: their
 * commits carry its markers): the records of Anthropic's Claude Code usage report, one per person,
 * day, terminal and `is_remote`, which sum to the person's day in `daily_user_metrics`. Only
 * telemetry metrics are set here; PRs and lines committed are not per terminal.
 */
export const dailyTerminalMetrics = sqliteTable(
  'daily_terminal_metrics',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    userKey: text('user_key').notNull(),
    terminalType: text('terminal_type').notNull(),
    isRemote: integer('is_remote', { mode: 'boolean' }).notNull(),
    ...dailyMetricColumns(),
  },
  (t) => [primaryKey({ name: 'daily_terminal_metrics_pk', columns: [t.org, t.day, t.userKey, t.terminalType, t.isRemote] })],
);

/** Tokens, cost and requests per person, terminal, `is_remote`, model and day: the model breakdown of `daily_terminal_metrics`. */
export const dailyTerminalModelUsage = sqliteTable(
  'daily_terminal_model_usage',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    userKey: text('user_key').notNull(),
    terminalType: text('terminal_type').notNull(),
    isRemote: integer('is_remote', { mode: 'boolean' }).notNull(),
    ...modelUsageColumns(),
  },
  (t) => [primaryKey({ name: 'daily_terminal_model_usage_pk', columns: [t.org, t.day, t.userKey, t.terminalType, t.isRemote, t.model] })],
);

/** Every processing run: when, over what, how it ended. Also the lock that keeps runs one at a time. */
export const processingRuns = sqliteTable(
  'processing_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    org: text('org'),
    fromDay: text('from_day').notNull(),
    toDay: text('to_day').notNull(),
    status: text('status', { enum: ['running', 'succeeded', 'failed', 'abandoned'] }).notNull(),
    trigger: text('trigger').notNull(), // cli | schedule | api
    startedAt: text('started_at').notNull(),
    heartbeatAt: text('heartbeat_at').notNull(),
    finishedAt: text('finished_at'),
    attributed: integer('attributed').notNull().default(0),
    daysRecomputed: integer('days_recomputed').notNull().default(0),
    /**
     * What the run changed: attributions whose result differs, and days whose rollup differs. A
     * nightly run after incremental runs kept up finds none; more says what they missed.
     */
    corrections: integer('corrections'),
    error: text('error'),
    // The process running it, so that a run whose process died is seen at once on the same host.
    pid: integer('pid'),
    host: text('host'),
    processStartedAt: text('process_started_at'),
  },
  (t) => [index('processing_runs_status_idx').on(t.status)],
);

// ---------------------------------------------------------------------------------------------
// The metrics pages: who is signed in, and what each org's owners decided.

/** Signed-in people of the metrics pages. The cookie holds the id; only its SHA-256 is kept. */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    githubLogin: text('github_login').notNull(),
    githubUserId: integer('github_user_id').notNull(),
    name: text('name'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('web_sessions_expires_at_idx').on(t.expiresAt)],
);

/**
 * The metrics API's requests per key (`key`) and fixed window (`window_start`, ISO-8601), kept in
 * the database so every replica counts against one limit (db/rate-limit-windows.ts). Windows past
 * a day are pruned by retention.
 */
export const rateLimitWindows = sqliteTable(
  'rate_limit_windows',
  {
    key: text('key').notNull(),
    windowStart: text('window_start').notNull(),
    used: integer('used').notNull(),
  },
  (t) => [primaryKey({ name: 'rate_limit_windows_pk', columns: [t.key, t.windowStart] }), index('rate_limit_windows_window_start_idx').on(t.windowStart)],
);

/**
 * What changed since processing last ran, stored with the data that changed it (a webhook's
 * delivery, an OTLP export, a hook call, an enrichment) so that a crash loses none: a merged PR
 * (`subject`, the attributions' key), a session's new data from `day` on (`session`), an identity
 * now linked otherwise (`identity`, kind:value), a day's telemetry or PRs opened (`day`). The
 * incremental runner processes them once the oldest is PROCESS_DELAY_SECONDS old. A run claims
 * the rows it takes (`claim` = its id; 0 while pending) and deletes them when it succeeds; a new
 * mark for the same thing meanwhile is a new pending row, inserted without waiting on any lock.
 */
export const processingMarks = sqliteTable(
  'processing_marks',
  {
    org: text('org').notNull(),
    kind: text('kind', { enum: ['subject', 'session', 'lines', 'identity', 'day'] }).notNull(),
    key: text('key').notNull(),
    /** The first day the mark can affect ('' when any). */
    day: text('day').notNull(),
    claim: integer('claim').notNull().default(0),
    markedAt: text('marked_at').notNull(),
  },
  (t) => [primaryKey({ name: 'processing_marks_pk', columns: [t.org, t.kind, t.key, t.day, t.claim] }), index('processing_marks_claim_marked_at_idx').on(t.claim, t.markedAt)],
);

/** A hash of each processed day's rollup, so a run tells a day it changed from one it rewrote identically (and skips the rewrite). */
export const dailyRollupHashes = sqliteTable(
  'daily_rollup_hashes',
  { org: text('org').notNull(), day: text('day').notNull(), hash: text('hash').notNull() },
  (t) => [primaryKey({ name: 'daily_rollup_hashes_pk', columns: [t.org, t.day] })],
);

/** Per-org choices of its owners. */
export const orgSettings = sqliteTable('org_settings', {
  org: text('org').primaryKey(),
  /** JSON array of team slugs whose members may see the metrics pages. */
  viewerTeams: text('viewer_teams').notNull().default('[]'),
  /** Whether members who may see the metrics also see spend (owners always do). */
  membersSeeSpend: integer('members_see_spend', { mode: 'boolean' }).notNull().default(false),
  /** The org's GitHub member count, the default number of seats. */
  memberCount: integer('member_count'),
  memberCountAt: text('member_count_at'),
  /** When `org_members` was last listed from GitHub; null: never (the member list is unknown). */
  membersListedAt: text('members_listed_at'),
  /** When `github_teams` was last listed from GitHub; null: never. */
  teamsListedAt: text('teams_listed_at'),
  /** When the stored members or teams last changed (the daily read or a webhook): cached team figures older than it are stale. */
  teamsChangedAt: text('teams_changed_at'),
  updatedAt: text('updated_at').notNull(),
  updatedBy: text('updated_by'),
});

/** The org's GitHub members (`GET /orgs/{org}/members`), replaced whole by the daily member job, kept current by webhooks. */
export const orgMembers = sqliteTable(
  'org_members',
  {
    org: text('org').notNull(),
    /** The lowercase login: the person's user key in the rollups. */
    userKey: text('user_key').notNull(),
    login: text('login').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'org_members_pk', columns: [t.org, t.userKey] })],
);

/** The org's GitHub teams (`GET /orgs/{org}/teams`), by GitHub's team id: a renamed team keeps its id and gets a new slug. */
export const githubTeams = sqliteTable(
  'github_teams',
  {
    org: text('org').notNull(),
    id: integer('id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'github_teams_pk', columns: [t.org, t.id] }), uniqueIndex('github_teams_org_slug_idx').on(t.org, t.slug)],
);

/** Who is in each GitHub team now (`GET /orgs/{org}/teams/{slug}/members`, child teams' members included, as GitHub lists them). */
export const githubTeamMembers = sqliteTable(
  'github_team_members',
  {
    org: text('org').notNull(),
    teamId: integer('team_id').notNull(),
    /** The lowercase login: the person's user key in the rollups. */
    userKey: text('user_key').notNull(),
    login: text('login').notNull(),
  },
  (t) => [
    primaryKey({ name: 'github_team_members_pk', columns: [t.org, t.teamId, t.userKey] }),
    index('github_team_members_org_user_key_idx').on(t.org, t.userKey),
  ],
);

/**
 * The telemetry teams of each person-day: the `team` resource attribute of the sessions a person
 * had that day (one row per team when sessions named several). Written with the day's rollup.
 */
export const dailyUserTeams = sqliteTable(
  'daily_user_teams',
  {
    org: text('org').notNull(),
    day: text('day').notNull(),
    userKey: text('user_key').notNull(),
    team: text('team').notNull(),
  },
  (t) => [
    primaryKey({ name: 'daily_user_teams_pk', columns: [t.org, t.day, t.userKey, t.team] }),
    index('daily_user_teams_org_team_day_idx').on(t.org, t.team, t.day),
  ],
);

export type Installation = typeof installations.$inferSelect;
export type Repository = typeof repositories.$inferSelect;
export type PullRequest = typeof pullRequests.$inferSelect;
export type Commit = typeof commits.$inferSelect;
export type ChangedFile = typeof changedFiles.$inferSelect;
export type Job = typeof jobs.$inferSelect;
