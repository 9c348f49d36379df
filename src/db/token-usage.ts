import type { apiRequestsDaily, dailyModelUsage } from './schema.js';

/*
 * Tokens and spend of Claude Code's model requests: one shape for the `api_request` sums of
 * ingest (`api_requests_daily`), the per-model rollup (`daily_model_usage`) and the daily metrics.
 */

/** Input, output, cache read and cache creation tokens, and the spend in integer micro-dollars (USD × 1,000,000). */
export type TokenUsage = Pick<
  typeof dailyModelUsage.$inferSelect,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheCreationTokens' | 'costMicroUsd'
>;

/** Adds `usage` into `into`. */
export function addTokenUsage(into: TokenUsage, usage: TokenUsage): void {
  into.inputTokens += usage.inputTokens;
  into.outputTokens += usage.outputTokens;
  into.cacheReadTokens += usage.cacheReadTokens;
  into.cacheCreationTokens += usage.cacheCreationTokens;
  into.costMicroUsd += usage.costMicroUsd;
}

/** One person's tokens, spend and requests of one model on one day (`daily_model_usage` without org and day). */
export type ModelUsage = Omit<typeof dailyModelUsage.$inferSelect, 'org' | 'day'>;

/** One session's `api_request` events of one day and model, summed (`api_requests_daily` without org, day and write time). */
export type ApiRequestUsage = Omit<typeof apiRequestsDaily.$inferSelect, 'org' | 'day' | 'receivedAt'>;
