import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestPostgresDatabase } from '../test/helpers/test-postgres.js';
import { metricsExports, send, startServer, stop, type Figure } from './ingest.js';
import { child, FULL_SIZE, runChild, type OrgSize } from './processing.js';

/*
 * `npm run bench -- --engine postgres`: the same figures on PostgreSQL, side by side with SQLite
 * measured in the same run. Ingest: OTLP protobuf exports into one app on SQLite, and into two
 * replicas of the app on one PostgreSQL database (the connections spread over both). Processing and
 * the API: the benchmark's synthetic org generated, processed and served on each engine. The
 * PostgreSQL cluster is a throwaway one (scripts/postgres-cluster.sh) unless BENCH_POSTGRES_URL
 * names one (its databases are created and dropped here).
 */

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = 3;

function startCluster(): { url: string; stop(): void } {
  const given = process.env.BENCH_POSTGRES_URL;
  if (given) return { url: given, stop: () => undefined };
  const script = join(ROOT, 'scripts/postgres-cluster.sh');
  const [folder, url] = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split('\n');
  return { url: url!, stop: () => execFileSync('bash', [script, 'stop', folder!]) };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const ratio = (postgres: number, sqlite: number) => `${(postgres / sqlite).toFixed(2)}×`;

async function ingestFigures(clusterUrl: string, dir: string): Promise<Figure[]> {
  const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  const sqlite = await startServer('bench/servers/app-server.ts', [join(dir, 'ingest.db')]);
  const replicas = [await startServer('bench/servers/app-server.ts', [database.url]), await startServer('bench/servers/app-server.ts', [database.url])];
  try {
    const warm = metricsExports(50, 10, 'protobuf', 'warm');
    await send(sqlite, warm);
    await send(replicas, warm);
    const sqliteRates: number[] = [];
    const postgresRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bodies = metricsExports(300, 10, 'protobuf', `round-${round}`);
      const s = await send(sqlite, bodies);
      sqliteRates.push(s.points / s.seconds);
      const p = await send(replicas, bodies);
      postgresRates.push(p.points / p.seconds);
    }
    const [s, p] = [median(sqliteRates), median(postgresRates)];
    return [
      {
        figure: 'OTLP protobuf ingest (points/s): PostgreSQL, two replicas',
        value: `${Math.round(p).toLocaleString('en')} (${ratio(p, s)} SQLite's)`,
        target: '≥ 20,000',
        baseline: `SQLite, one process: ${Math.round(s).toLocaleString('en')}`,
      },
    ];
  } finally {
    await Promise.all([stop(sqlite), ...replicas.map(stop)]);
    await database.drop();
  }
}

type Quantiles = { p50: number; p95: number; samples: number };
type Latency = Record<string, Quantiles & { first: number; separateClient: Quantiles }>;

async function processingFigures(clusterUrl: string, dir: string, scale: number): Promise<Figure[]> {
  const size: OrgSize = {
    developers: Math.round(FULL_SIZE.developers * scale),
    days: FULL_SIZE.days,
    pullRequests: Math.round(FULL_SIZE.pullRequests * scale),
    sessionLines: Math.round(FULL_SIZE.sessionLines * scale),
  };
  const sqlitePath = join(dir, 'processing.db');
  const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  try {
    const onSqlite = await runChild(size, sqlitePath);
    const onPostgres = await runChild(size, database.url);
    // Both engines served at once and asked in turn, request by request (see the child's 'api' mode).
    const [sqliteApi, postgresApi] = await child<[Latency, Latency]>('api', size, sqlitePath, database.url);
    const label = `${size.developers} devs, ${size.pullRequests} PRs`;
    // Each route twice: from a client in a process of its own after a longer warm-up (as a real
    // client is, of a server long running; the figure the target is for) and, as measured before,
    // from a client in the server's process (see processing-child.ts 'api'). Both engines alike.
    const latency = (name: string, figure: string): Figure[] => {
      const quoted = (p: Quantiles, s: Quantiles, client: string): Figure => ({
        figure: `${figure}, PostgreSQL (ms), ${client}`,
        value: `p50 ${p.p50.toFixed(1)}, p95 ${p.p95.toFixed(1)} (${ratio(p.p95, s.p95)} SQLite's p95; ${p.samples} requests)`,
        target: client.startsWith('client in its own') ? '≤ 2× SQLite' : 'reported',
        baseline: `SQLite: p50 ${s.p50.toFixed(1)}, p95 ${s.p95.toFixed(1)}`,
      });
      return [
        quoted(postgresApi[name]!.separateClient, sqliteApi[name]!.separateClient, 'client in its own process'),
        quoted(postgresApi[name]!, sqliteApi[name]!, "client in the server's process"),
      ];
    };
    return [
      {
        figure: `synthetic org on PostgreSQL (${label}): generated in (s)`,
        value: onPostgres.generateSeconds.toFixed(0),
        target: 'reported',
        baseline: `SQLite: ${onSqlite.generateSeconds.toFixed(0)}`,
      },
      {
        figure: 'full recompute, 90 days, PostgreSQL (s)',
        value: `${onPostgres.fullSeconds.toFixed(1)} (${ratio(onPostgres.fullSeconds, onSqlite.fullSeconds)} SQLite's)`,
        target: '≤ 2× SQLite',
        baseline: `SQLite: ${onSqlite.fullSeconds.toFixed(1)}`,
      },
      {
        figure: 'one-day incremental run, PostgreSQL (s)',
        value: `${onPostgres.oneDaySeconds.toFixed(2)} (${ratio(onPostgres.oneDaySeconds, onSqlite.oneDaySeconds)} SQLite's)`,
        target: '≤ 2× SQLite',
        baseline: `SQLite: ${onSqlite.oneDaySeconds.toFixed(2)}`,
      },
      {
        figure: 'peak RSS of the processing process, PostgreSQL (MB)',
        value: onPostgres.peakRssMb.toFixed(0),
        target: 'reported (the database server\'s memory is its own)',
        baseline: `SQLite: ${onSqlite.peakRssMb.toFixed(0)}`,
      },
      {
        figure: 'attributed with Claude Code, PostgreSQL',
        value: `${onPostgres.withClaudeCode}/${onPostgres.attributed}, ${onPostgres.linesWithClaudeCode} lines`,
        target: 'the same as SQLite',
        baseline: `SQLite: ${onSqlite.withClaudeCode}/${onSqlite.attributed}, ${onSqlite.linesWithClaudeCode} lines`,
      },
      ...latency('summary', 'API summary, 90 days'),
      ...latency('users', 'API users, one page of 100'),
      ...latency('outcomes', 'API outcomes, 90 days'),
      ...latency('durability', 'API durability, 90 days'),
      ...latency('overview_page', 'overview page, 90 days'),
    ];
  } finally {
    await database.drop();
  }
}

export async function benchPostgres(options: { scale?: number; only?: string } = {}): Promise<Figure[]> {
  const cluster = startCluster();
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-postgres-'));
  try {
    const figures: Figure[] = [];
    if (!options.only || options.only === 'ingest') figures.push(...(await ingestFigures(cluster.url, dir)));
    if (!options.only || options.only === 'processing') figures.push(...(await processingFigures(cluster.url, dir, options.scale ?? 1)));
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    cluster.stop();
  }
}
