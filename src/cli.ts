import { parseArgs } from 'node:util';
import { desc, eq } from 'drizzle-orm';
import { ConfigError, loadConfig } from './config.js';
import { closeDb, createDb, type Db } from './db/client.js';
import { jobs } from './db/schema.js';
import { countJobsByStatus } from './jobs/job-queue.js';

/*
 * The command line: `npm run cli -- <command> [options]`. It opens the same database as the server
 * (WAL lets both run at once). A secret a command creates is always the last line it prints.
 */

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  jobs                 GitHub fetch jobs by status, and the failed ones with their errors
  jobs retry           re-arm every failed job (after fixing what made it fail)
  help                 this text`;

type Command = (db: Db, args: string[]) => Promise<number> | number;

const commands: Record<string, Command> = {
  jobs(db, args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (positionals[0] === 'retry') {
      const rearmed = db
        .update(jobs)
        .set({ status: 'pending', attempts: 0, runAfter: Date.now(), lastError: null, finishedAt: null })
        .where(eq(jobs.status, 'failed'))
        .returning({ id: jobs.id })
        .all();
      console.log(`${rearmed.length} failed job(s) re-armed; the server runs them on its next poll.`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unknown jobs subcommand "${positionals[0]}"`);
    const counts = countJobsByStatus(db);
    console.log(`pending ${counts.pending}  running ${counts.running}  done ${counts.done}  failed ${counts.failed}`);
    for (const job of db.select().from(jobs).where(eq(jobs.status, 'failed')).orderBy(desc(jobs.updatedAt)).limit(20).all()) {
      console.log(`#${job.id} ${job.dedupeKey} after ${job.attempts} attempt(s): ${job.lastError}`);
    }
    return 0;
  },
  help() {
    console.log(USAGE);
    return 0;
  },
};

class UsageError extends Error {}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  let db: Db | undefined;
  try {
    const config = loadConfig(env);
    db = createDb(config.databasePath);
    return await command(db, rest);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    if (db) closeDb(db);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
