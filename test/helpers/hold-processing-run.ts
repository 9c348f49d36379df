import { createDb } from '../../src/db/client.js';
import { startRun } from '../../src/db/rollups.js';

/*
 * A child process that starts a processing run on the database given (a SQLite path or a
 * PostgreSQL URL) and stays alive until killed: on PostgreSQL it also holds the processing lock.
 */
const db = await createDb(process.argv[2]!);
const started = await startRun(db, { org: null, fromDay: '2026-11-01', toDay: '2026-11-21', trigger: 'cli' }, new Date());
if (!('run' in started)) throw new Error('another run is alive');
console.log(`RUN ${started.run.id}`);
setInterval(() => undefined, 60_000);
