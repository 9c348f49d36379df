import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from './config.js';
import { closeDb, createDb } from './db/client.js';
import { createLogger } from './logger.js';
import { startIncrementalProcessing } from './processing/incremental-runner.js';
import { createProcessor } from './processing/processor.js';

/*
 * The server's incremental processing, in a worker thread of its own with its own store handle: a
 * run's work (attribution, rollups) never holds up the thread that answers requests and takes
 * ingest, which keeps answering at its own pace. A composition root, like main.ts: `app-server.ts`
 * starts it (`startIncrementalWorker`) and stops it with the message "stop".
 */

/** The thread's nice value on Linux: the lowest priority, so a run takes only CPU time that requests and ingest leave over. */
const BACKGROUND_NICE = 19;

const { config } = workerData as { config: Config };
const log = createLogger(config.logLevel).child({ name: 'processing', thread: 'incremental' });
// On Linux a thread has its own nice value, and `setPriority` without a process id sets the calling
// thread's. Elsewhere it would lower the whole server's, so it is left alone there.
if (process.platform === 'linux') {
  try {
    setPriority(BACKGROUND_NICE);
  } catch (error) {
    log.warn({ err: error }, 'could not lower the priority of the incremental processing thread');
  }
}
const db = await createDb(config.databaseUrl);
const processor = createProcessor({ db, config, log });
const runner = startIncrementalProcessing({ db, processor, delayMs: (config.processDelaySeconds ?? 60) * 1000, log });

parentPort!.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void (async () => {
    await runner.stop();
    await closeDb(db);
    parentPort!.postMessage('stopped');
    parentPort!.close();
  })();
});
parentPort!.postMessage('started');
