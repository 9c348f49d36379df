import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { writeWhenFree } from '../db/store-busy.js';
import { enqueueStaleMemberCounts } from '../github/org-member-count.js';
import { ProcessingBusyError, runProcessing } from './run-processing.js';

export interface ProcessingSchedule {
  /** Stops the schedule and waits for a run in progress to end. */
  stop(): Promise<void>;
  nextRun(): Date | null;
}

/**
 * Runs processing on `PROCESS_SCHEDULE` (cron, UTC). A tick that finds another run alive (the
 * command line, or a previous tick) logs it and waits for the next tick. Without `SEATS`, each tick
 * also queues a fresh count of the members of every org whose count is not from today (UTC).
 */
export function scheduleProcessing({ db, config, log, now = () => new Date() }: { db: Db; config: Config; log: Logger; now?: () => Date }): ProcessingSchedule {
  let running: Promise<void> | undefined;
  const tick = async () => {
    if (config.seats === undefined) {
      try {
        const queued = await writeWhenFree(() => enqueueStaleMemberCounts(db, now()), { maxWaitMs: 60_000 });
        if (queued.length > 0) log.info({ orgs: queued }, 'org member counts queued');
      } catch (error) {
        log.error({ err: error }, 'queueing org member counts failed');
      }
    }
    try {
      const summary = await runProcessing(db, {
        lookbackDays: config.processLookbackDays,
        ...config.attributionWindow,
          minSimilarity: config.attributionMinSimilarity,
        labelPullRequests: config.labelPullRequests,
        retentionDays: config.retentionDays,
        trigger: 'schedule',
        log,
      });
      log.info({ run: summary.run.id, orgs: summary.orgs, attributed: summary.attributed, days: summary.daysRecomputed }, 'scheduled processing done');
    } catch (error) {
      if (error instanceof ProcessingBusyError) log.warn(error.message);
      else log.error({ err: error }, 'scheduled processing failed');
    }
  };
  const cron = new Cron(config.processSchedule, { timezone: 'UTC', protect: true, name: 'processing' }, () => {
    running = tick().finally(() => {
      running = undefined;
    });
    return running;
  });
  return {
    async stop() {
      cron.stop();
      await running;
    },
    nextRun: () => cron.nextRun(),
  };
}
