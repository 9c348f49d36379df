import { describe, expect, it } from 'vitest';
import { dailyModelUsage, telemetryDaily } from '../../src/db/schema.js';
import { insertRow, selectColumns } from '../../src/db/table-sql.js';

describe('SQL written from a drizzle table', () => {
  it('selects every column but the omitted ones, each named by its field', () => {
    expect(selectColumns(telemetryDaily, ['org', 'day', 'receivedAt'])).toBe('session_id AS sessionId, metric, dimension, value');
    expect(selectColumns(dailyModelUsage, ['org', 'day'])).toBe(
      'user_key AS userKey, model, requests, input_tokens AS inputTokens, output_tokens AS outputTokens, cache_read_tokens AS cacheReadTokens, cache_creation_tokens AS cacheCreationTokens, cost_micro_usd AS costMicroUsd',
    );
  });

  it('inserts a whole row, each column bound by its field', () => {
    expect(insertRow(dailyModelUsage)).toBe(
      'INSERT INTO daily_model_usage (org, day, user_key, model, requests, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_micro_usd) VALUES (@org, @day, @userKey, @model, @requests, @inputTokens, @outputTokens, @cacheReadTokens, @cacheCreationTokens, @costMicroUsd)',
    );
  });
});
