import type { Statement } from 'better-sqlite3';
import type { Db } from './client.js';

const caches = new WeakMap<object, Map<string, Statement>>();

/**
 * A prepared statement, compiled once per database connection. Hot paths (ingest, processing) use
 * these directly: compiling or building a query per call costs more than running it.
 */
export function statement(db: Db, source: string): Statement {
  let cache = caches.get(db.$client);
  if (!cache) caches.set(db.$client, (cache = new Map()));
  let stmt = cache.get(source);
  if (!stmt) cache.set(source, (stmt = db.$client.prepare(source)));
  return stmt;
}
