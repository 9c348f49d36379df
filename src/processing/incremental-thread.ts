import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { IncrementalRunner } from './incremental-runner.js';

/** How long stopping waits for a run in progress to end before the thread is terminated (its marks wait for the next run). */
const STOP_WAIT_MS = 30_000;

/**
 * Starts incremental processing in a worker thread (`src/incremental-worker.ts`), which opens the
 * store itself: resolves once it runs. The thread loads TypeScript as this process does (`tsx`), or
 * the built JavaScript beside this file.
 */
export async function startIncrementalThread({ config, log }: { config: Config; log: Logger }): Promise<IncrementalRunner> {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`../incremental-worker${extension}`, import.meta.url).href;
  // TypeScript sources (`npm start`, tests) are loaded through tsx's loader, registered in the thread first.
  const worker =
    extension === '.ts'
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: { config } })
      : new Worker(new URL(entry), { workerData: { config } });
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  worker.on('error', (error) => log.error({ err: error }, 'the incremental processing thread failed'));
  return {
    async stop() {
      if (exited) return;
      const stopped = new Promise<void>((resolve) => worker.on('message', (m) => m === 'stopped' && resolve()));
      worker.postMessage('stop');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_WAIT_MS).unref());
      if ((await Promise.race([stopped.then(() => exit), timeout])) === 'timeout') await worker.terminate();
    },
  };
}
