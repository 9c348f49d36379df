import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { sqliteConnection } from '../../src/db/sqlite-engine.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { withProcessingMemory } from '../../src/processing/with-processing-memory.js';
import { openSqliteTestStore, type OpenedStore } from '../helpers/test-db.js';

/*
 * A processing run's memory bounds (issue 21): read from the configuration, applied to the SQLite
 * connection for the run's duration only, and reported with the run.
 */

let store: OpenedStore;

beforeEach(async () => {
  store = await openSqliteTestStore();
});

afterEach(async () => {
  await store.cleanup();
});

const pragmas = () => {
  const connection = sqliteConnection(store.db)!;
  return { cache: connection.pragma('cache_size', { simple: true }), mmap: connection.pragma('mmap_size', { simple: true }) };
};

describe('processing memory', () => {
  it('is configured, with defaults: 150,000 session lines, a 16 MB page cache, no map', () => {
    expect(loadConfig({}).processingMemory).toEqual({ sessionLinesCache: 150_000, sqliteCacheMb: 16, sqliteMmapMb: 0 });
    expect(loadConfig({ PROCESSING_SESSION_LINES_CACHE: '50000', PROCESSING_SQLITE_CACHE_MB: '256', PROCESSING_SQLITE_MMAP_MB: '512' }).processingMemory).toEqual({
      sessionLinesCache: 50_000,
      sqliteCacheMb: 256,
      sqliteMmapMb: 512,
    });
    expect(() => loadConfig({ PROCESSING_SQLITE_CACHE_MB: '1' })).toThrow(/PROCESSING_SQLITE_CACHE_MB/);
    expect(() => loadConfig({ PROCESSING_SESSION_LINES_CACHE: 'many' })).toThrow(/PROCESSING_SESSION_LINES_CACHE/);
  });

  it('sizes SQLite’s page cache and map for the run only, overlapping runs included', async () => {
    const before = pragmas();
    // better-sqlite3's own page cache: 16,000 KiB (a negative size is in KiB).
    expect(before).toEqual({ cache: -16000, mmap: 0 });
    const memory = { sessionLinesCache: 1000, sqliteCacheMb: 96, sqliteMmapMb: 8 };
    const seen: unknown[] = [];
    await withProcessingMemory(store.db, memory, async () => {
      seen.push(pragmas());
      await withProcessingMemory(store.db, { ...memory, sqliteCacheMb: 2 }, async () => seen.push(pragmas()));
      seen.push(pragmas());
    });
    // 96 MB = 98,304 KiB; 8 MB = 8,388,608 bytes; the inner run shares the outer one's sizes.
    const during = { cache: -98_304, mmap: 8_388_608 };
    expect(seen).toEqual([during, during, during]);
    expect(pragmas()).toEqual(before);
    await expect(withProcessingMemory(store.db, memory, async () => Promise.reject(new Error('run failed')))).rejects.toThrow('run failed');
    expect(pragmas()).toEqual(before);
  });

  it('is reported in the run’s summary', async () => {
    const memory = { sessionLinesCache: 20_000, sqliteCacheMb: 32, sqliteMmapMb: 0 };
    const summary = await runProcessing(store.db, { fromDay: '2026-11-20', toDay: '2026-11-21', now: () => new Date('2026-11-21T12:00:00Z'), memory });
    expect(summary.memory).toMatchObject(memory);
    expect(summary.memory.peakRssMb).toBeGreaterThan(20);
  });
});
