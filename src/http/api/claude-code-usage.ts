import type { Db } from '../../db/client.js';
import { dataProcessedAt, modelUsageOfDay, usageOfDay, type ModelUsageRow, type UsageRow } from '../../db/metrics-queries.js';
import { pageOf } from './cursor-paging.js';

/*
 * Anthropic's Claude Code usage report (`GET /v1/organizations/usage_report/claude_code`): one
 * record per person and day, written once for both paths that serve it (`/api/v1/orgs/{org}/
 * claude_code_usage` and Anthropic's own), each record extended with this app's contribution
 * metrics.
 */

/** Cents, four decimals, of integer micro-dollars (1 cent = 10,000 micro-dollars). */
const cents = (microUsd: number) => microUsd / 10_000;

/** One person's day as a record of Anthropic's Claude Code usage report, plus this app's contribution metrics. */
function usageRecord(org: string, day: string, u: UsageRow, models: ModelUsageRow[]) {
  const tool = (accepted: number, rejected: number) => ({ accepted, rejected });
  return {
    date: `${day}T00:00:00Z`,
    actor: u.email ? { type: 'user_actor' as const, email_address: u.email } : { type: 'api_actor' as const, api_key_name: u.githubLogin ?? u.userKey },
    organization_id: org,
    customer_type: (u.customerType ?? 'api') as 'api' | 'subscription',
    // Claude Code's telemetry says whether a Claude account was signed in, not which plan it is on.
    subscription_type: null,
    terminal_type: u.terminalType ?? 'unknown',
    // Sessions that export telemetry to this app run in a person's terminal or IDE.
    is_remote: false,
    core_metrics: {
      num_sessions: u.sessions,
      lines_of_code: { added: u.linesAccepted, removed: u.linesRemoved },
      commits_by_claude_code: u.commitsByClaudeCode,
      pull_requests_by_claude_code: u.pullRequestsByClaudeCode,
    },
    tool_actions: {
      edit_tool: tool(u.editToolAccepted, u.editToolRejected),
      multi_edit_tool: tool(u.multiEditToolAccepted, u.multiEditToolRejected),
      write_tool: tool(u.writeToolAccepted, u.writeToolRejected),
      notebook_edit_tool: tool(u.notebookEditToolAccepted, u.notebookEditToolRejected),
    },
    model_breakdown: models
      .filter((m) => m.inputTokens + m.outputTokens + m.cacheReadTokens + m.cacheCreationTokens > 0 || m.costMicroUsd > 0)
      .map((m) => ({
        model: m.model,
        tokens: { input: m.inputTokens, output: m.outputTokens, cache_read: m.cacheReadTokens, cache_creation: m.cacheCreationTokens },
        estimated_cost: { currency: 'USD' as const, amount: cents(m.costMicroUsd) },
      })),
    contribution_metrics: {
      github_login: u.githubLogin,
      pull_requests: { merged: u.pullRequestsMerged, with_claude_code: u.pullRequestsWithClaudeCode, without_claude_code: u.pullRequestsWithoutClaudeCode },
      lines_committed: { total: u.linesCommitted, with_claude_code: u.linesWithClaudeCode, without_claude_code: u.linesWithoutClaudeCode },
    },
  };
}

/** A page of the day's records: `data`, `has_more`, `next_page` (Anthropic's envelope), and when the data was processed. */
export function claudeCodeUsage(db: Db, org: string, query: { starting_at: string; limit: number; after: string | undefined }) {
  const page = pageOf(usageOfDay(db, org, query.starting_at, { afterKey: query.after, limit: query.limit + 1 }), query.limit, (u) => u.userKey);
  const models = modelUsageOfDay(db, org, query.starting_at, page.rows.map((r) => r.userKey));
  return {
    data: page.rows.map((u) => usageRecord(org, query.starting_at, u, models.filter((m) => m.userKey === u.userKey))),
    has_more: page.hasMore,
    next_page: page.nextPage,
    data_processed_at: dataProcessedAt(db, org),
  };
}
