import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/client.js';
import { createProcessor } from '../../src/processing/processor.js';

/*
 * The freshness benchmark's stand-in for incremental processing, for an app that has none: what
 * `npm run cli -- process --from D --to D` does, in one long-lived process so that each run's CPU
 * time is its own (no start-up). Reads one JSON request a line ({ org, fromDay, toDay }) and answers
 * one JSON line per run: its CPU and wall time and how many PRs it attributed.
 */
const config = loadConfig({ DATABASE_URL: process.argv[2]!, LOG_LEVEL: 'silent' });
const db = await createDb(config.databaseUrl);
const processor = createProcessor({ db, config });
console.log('READY');
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as { org: string; fromDay: string; toDay: string };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await processor.run({ trigger: 'cli', ...request });
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, seconds: (performance.now() - t0) / 1000, attributed: summary.attributed }));
}
await db.close();
