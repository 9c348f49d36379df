import * as sqlite from './schema.js';
import { pgTableTwin } from './pg-table-twin.js';

/*
 * The PostgreSQL schema: one twin per table of schema.ts, made from it (pg-table-twin.ts), in
 * schema.ts's order (a table's twin after the twins of the tables it references). schema.ts stays
 * the one place a table is defined; a new table there needs its one line here, and
 * test/db/postgres-schema.test.ts fails, naming it, until it has one. drizzle-kit generates the
 * PostgreSQL migrations (drizzle/postgres) from this file: drizzle.postgres.config.ts.
 */

export const installations = pgTableTwin(sqlite.installations);
export const repositories = pgTableTwin(sqlite.repositories);
export const githubUsers = pgTableTwin(sqlite.githubUsers);
export const pullRequests = pgTableTwin(sqlite.pullRequests);
export const pullRequestReviews = pgTableTwin(sqlite.pullRequestReviews);
export const commits = pgTableTwin(sqlite.commits);
export const pullRequestCommits = pgTableTwin(sqlite.pullRequestCommits);
export const changedFiles = pgTableTwin(sqlite.changedFiles);
export const addedLineFingerprints = pgTableTwin(sqlite.addedLineFingerprints);
export const webhookDeliveries = pgTableTwin(sqlite.webhookDeliveries);
export const webhookRedeliveryRequests = pgTableTwin(sqlite.webhookRedeliveryRequests);
export const jobs = pgTableTwin(sqlite.jobs);
export const appSecrets = pgTableTwin(sqlite.appSecrets);
export const ingestTokens = pgTableTwin(sqlite.ingestTokens);
export const apiKeys = pgTableTwin(sqlite.apiKeys);
export const otlpExports = pgTableTwin(sqlite.otlpExports);
export const claudeSessions = pgTableTwin(sqlite.claudeSessions);
export const telemetryDaily = pgTableTwin(sqlite.telemetryDaily);
export const cumulativeSeries = pgTableTwin(sqlite.cumulativeSeries);
export const apiRequestsDaily = pgTableTwin(sqlite.apiRequestsDaily);
export const sessionCommits = pgTableTwin(sqlite.sessionCommits);
export const sessionPullRequests = pgTableTwin(sqlite.sessionPullRequests);
export const sessionLineFingerprints = pgTableTwin(sqlite.sessionLineFingerprints);
export const consumedSessionLines = pgTableTwin(sqlite.consumedSessionLines);
export const hookCalls = pgTableTwin(sqlite.hookCalls);
export const identityLinks = pgTableTwin(sqlite.identityLinks);
export const attributions = pgTableTwin(sqlite.attributions);
export const pullRequestOutcomes = pgTableTwin(sqlite.pullRequestOutcomes);
export const dailyOrgMetrics = pgTableTwin(sqlite.dailyOrgMetrics);
export const dailyUserMetrics = pgTableTwin(sqlite.dailyUserMetrics);
export const dailyRepositoryMetrics = pgTableTwin(sqlite.dailyRepositoryMetrics);
export const dailyModelUsage = pgTableTwin(sqlite.dailyModelUsage);
export const dailyTerminalMetrics = pgTableTwin(sqlite.dailyTerminalMetrics);
export const dailyTerminalModelUsage = pgTableTwin(sqlite.dailyTerminalModelUsage);
export const processingRuns = pgTableTwin(sqlite.processingRuns);
export const webSessions = pgTableTwin(sqlite.webSessions);
export const rateLimitWindows = pgTableTwin(sqlite.rateLimitWindows);
export const processingMarks = pgTableTwin(sqlite.processingMarks);
export const dailyRollupHashes = pgTableTwin(sqlite.dailyRollupHashes);
export const orgSettings = pgTableTwin(sqlite.orgSettings);
export const orgMembers = pgTableTwin(sqlite.orgMembers);
export const githubTeams = pgTableTwin(sqlite.githubTeams);
export const githubTeamMembers = pgTableTwin(sqlite.githubTeamMembers);
export const dailyUserTeams = pgTableTwin(sqlite.dailyUserTeams);
export const deletedLineFingerprints = pgTableTwin(sqlite.deletedLineFingerprints);
export const pullRequestDurability = pgTableTwin(sqlite.pullRequestDurability);
export const repositoryDurabilityReplays = pgTableTwin(sqlite.repositoryDurabilityReplays);
