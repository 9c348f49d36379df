import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { closePostgresDb, createPostgresDb } from '../../src/db/postgres-client.js';
import * as postgresSchema from '../../src/db/postgres-schema.js';
import { apiRequestsDaily, dailyModelUsage, telemetryDaily } from '../../src/db/schema.js';
import { insertRow, selectColumns } from '../../src/db/table-sql.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestPostgresDatabase, testPostgresUrl } from '../helpers/test-postgres.js';

describe('SQL written from a drizzle table', () => {
  it('selects every column but the omitted ones, each named by its field', () => {
    expect(selectColumns(telemetryDaily, ['org', 'day', 'receivedAt'])).toBe('session_id AS "sessionId", metric, dimension, value');
    expect(selectColumns(dailyModelUsage, ['org', 'day'])).toBe(
      'user_key AS "userKey", model, requests, input_tokens AS "inputTokens", output_tokens AS "outputTokens", cache_read_tokens AS "cacheReadTokens", cache_creation_tokens AS "cacheCreationTokens", cost_micro_usd AS "costMicroUsd"',
    );
  });

  it('inserts a whole row, each column bound by its field', () => {
    expect(insertRow(dailyModelUsage)).toBe(
      'INSERT INTO daily_model_usage (org, day, user_key, model, requests, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_micro_usd) VALUES (@org, @day, @userKey, @model, @requests, @inputTokens, @outputTokens, @cacheReadTokens, @cacheCreationTokens, @costMicroUsd)',
    );
  });
});

const clusterUrl = testPostgresUrl();

describe.skipIf(!clusterUrl)('a select written by selectColumns', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('reads the same row, under the same field names, on SQLite and on PostgreSQL', async () => {
    const row = {
      org: 'acme',
      day: '2026-03-02',
      sessionId: 's-1',
      model: 'claude-sonnet-4-5',
      requests: 3,
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 5000,
      cacheCreationTokens: 0,
      costMicroUsd: 18_250,
      receivedAt: '2026-03-02T10:00:00.000Z',
    };
    const query = `SELECT ${selectColumns(apiRequestsDaily, ['org', 'day', 'receivedAt'])} FROM api_requests_daily`;
    const expected = [
      { sessionId: 's-1', model: 'claude-sonnet-4-5', requests: 3, inputTokens: 1200, outputTokens: 340, cacheReadTokens: 5000, cacheCreationTokens: 0, costMicroUsd: 18_250 },
    ];

    const sqlite = createTestDb();
    cleanups.push(() => sqlite.cleanup());
    sqlite.db.insert(apiRequestsDaily).values(row).run();
    expect(sqlite.db.$client.prepare(query).all()).toEqual(expected);

    const database = await createTestPostgresDatabase(clusterUrl!);
    cleanups.push(() => database.drop());
    const postgres = await createPostgresDb({ url: database.url });
    cleanups.push(() => closePostgresDb(postgres));
    await postgres.insert(postgresSchema.apiRequestsDaily).values(row);
    expect((await postgres.execute(sql.raw(query))).rows).toEqual(expected);
  });
});
