import Database from 'better-sqlite3';

/*
 * A second process that takes SQLite's write lock and holds it, again and again, as a long write
 * transaction of another program would (a backup tool, a script, a long command-line run).
 * Arguments: the database file, how long to hold the lock, how long to leave it free, how many times.
 * Prints `LOCKED` and `FREE` as it goes and `DONE` at the end.
 */
const [path, holdMs, freeMs, cycles] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const db = new Database(path);
db.pragma('busy_timeout = 30000');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (let i = 0; i < cycles; i++) {
  db.exec('BEGIN IMMEDIATE');
  console.log('LOCKED');
  await sleep(holdMs);
  db.exec('COMMIT');
  console.log('FREE');
  await sleep(freeMs);
}
db.close();
console.log('DONE');
