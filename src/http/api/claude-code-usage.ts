import type { Db } from '../../db/client.js';
import {
  dataProcessedAt,
  modelUsageOfDay,
  terminalModelUsageOfDay,
  terminalUsageOfDay,
  type ModelUsageRow,
  type TerminalUsageKey,
  type TerminalUsageRow,
} from '../../db/metrics-queries.js';
import { pageOf } from './cursor-paging.js';

/*
 * Anthropic's Claude Code usage report (`GET /v1/organizations/usage_report/claude_code`): one
 * record per person, day, terminal and `is_remote` (as Anthropic's API answers; the records of a person's day
 * sum to it), written once for both paths that serve it (`/api/v1/orgs/{org}/
 * claude_code_usage` and Anthropic's own), each record extended with this app's contribution
 * metrics.
 */

/** Cents, four decimals, of integer micro-dollars (1 cent = 10,000 micro-dollars). */
const cents = (microUsd: number) => microUsd / 10_000;

/**
 * One person's day on one terminal as a record of Anthropic's Claude Code usage report, plus this
 * app's contribution metrics: PRs and lines committed are not per terminal, so they ride on the
 * record of the person's main terminal (zeros on the others).
 */
function usageRecord(org: string, day: string, row: TerminalUsageRow, models: ModelUsageRow[]) {
  const tool = (accepted: number, rejected: number) => ({ accepted, rejected });
  const u = { ...row, githubLogin: row.person.githubLogin, email: row.person.email, customerType: row.person.customerType };
  const contribution = row.main ? row.person : { ...row, pullRequestsMerged: 0, pullRequestsWithClaudeCode: 0, pullRequestsWithoutClaudeCode: 0, linesCommitted: 0, linesWithClaudeCode: 0, linesWithoutClaudeCode: 0 };
  return {
    date: `${day}T00:00:00Z`,
    actor: u.email ? { type: 'user_actor' as const, email_address: u.email } : { type: 'api_actor' as const, api_key_name: u.githubLogin ?? u.userKey },
    organization_id: org,
    customer_type: (u.customerType ?? 'api') as 'api' | 'subscription',
    // Claude Code's telemetry says whether a Claude account was signed in, not which plan it is on.
    subscription_type: null,
    terminal_type: u.terminalType,
    // Sessions whose commits carry Claude Code on the web's markers ran remotely.
    is_remote: row.isRemote,
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
      pull_requests: {
        merged: contribution.pullRequestsMerged,
        with_claude_code: contribution.pullRequestsWithClaudeCode,
        without_claude_code: contribution.pullRequestsWithoutClaudeCode,
      },
      lines_committed: { total: contribution.linesCommitted, with_claude_code: contribution.linesWithClaudeCode, without_claude_code: contribution.linesWithoutClaudeCode },
    },
  };
}

/** A page of the day's records: `data`, `has_more`, `next_page` (Anthropic's envelope), and when the data was processed. */
export async function claudeCodeUsage(db: Db, org: string, query: { starting_at: string; limit: number; after: TerminalUsageKey | undefined }) {
  const day = query.starting_at;
  const page = pageOf(await terminalUsageOfDay(db, org, day, { after: query.after, limit: query.limit + 1 }), query.limit, (r): TerminalUsageKey => [r.userKey, r.terminalType, r.isRemote ? 1 : 0]);
  const keys = [...new Set(page.rows.map((r) => r.userKey))];
  const perTerminal = await terminalModelUsageOfDay(db, org, day, keys);
  const wholeDay = await modelUsageOfDay(db, org, day, keys);
  const modelsOf = (r: TerminalUsageRow): ModelUsageRow[] =>
    r.wholeDay ? wholeDay.filter((m) => m.userKey === r.userKey) : perTerminal.filter((m) => m.userKey === r.userKey && m.terminalType === r.terminalType && m.isRemote === (r.isRemote ? 1 : 0));
  return {
    data: page.rows.map((r) => usageRecord(org, day, r, modelsOf(r))),
    has_more: page.hasMore,
    next_page: page.nextPage,
    data_processed_at: await dataProcessedAt(db, org),
  };
}
