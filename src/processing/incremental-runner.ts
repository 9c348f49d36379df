import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { oldestPendingMark } from '../db/processing-marks.js';
import type { Processor } from './processor.js';

export interface IncrementalRunner {
  /** Stops looking for marks and waits for a run in progress to end. */
  stop(): Promise<void>;
}

/** How often the runner looks for marks while none are pending (at most; less with a shorter delay). */
const POLL_MS = 5_000;
/** After a failed run the runner waits longer each time, up to this. */
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Incremental processing in the server process: once the oldest mark (`processing_marks`) is
 * `delayMs` old, one run processes every mark then pending, so a burst of merges is one run, not
 * one per merge, and a change waits at most the delay plus a run. Runs are one at a time with the
 * scheduled and on-demand ones (the processing lock); a busy lock is tried again at the next look.
 */
export function startIncrementalProcessing({
  db,
  processor,
  delayMs,
  log,
  now = () => new Date(),
  pollMs = Math.min(POLL_MS, delayMs),
}: {
  db: Db;
  processor: Processor;
  delayMs: number;
  log: Logger;
  now?: () => Date;
  pollMs?: number;
}): IncrementalRunner {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = look().finally(() => {
        running = undefined;
      });
    }, ms);
    timer.unref();
  };

  const look = async (): Promise<void> => {
    let next = pollMs;
    try {
      const oldest = await oldestPendingMark(db, now());
      const dueInMs = oldest === null ? Infinity : Date.parse(oldest) + delayMs - now().getTime();
      if (dueInMs <= 0) {
        const result = await processor.runIncremental();
        if (result && 'run' in result) {
          failures = 0;
          log.info(
            { run: result.run.id, orgs: result.orgs, attributed: result.attributed, days: result.daysRecomputed, changes: result.corrections },
            'incremental processing done',
          );
          next = 0; // marks made during the run may be due already
        }
      } else if (dueInMs < pollMs) next = dueInMs;
    } catch (error) {
      failures++;
      next = Math.min(MAX_BACKOFF_MS, delayMs * 2 ** Math.min(failures, 16));
      log.error({ err: error, retryInMs: next }, 'incremental processing failed; its marks wait for the next run');
    }
    schedule(next);
  };

  schedule(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
