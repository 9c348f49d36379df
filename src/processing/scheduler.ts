import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Processor } from './processor.js';
import { ProcessingBusyError } from './run-processing.js';

export interface ProcessingSchedule {
  /** Stops the schedule and waits for a run in progress to end. */
  stop(): Promise<void>;
  nextRun(): Date | null;
}

/**
 * Runs processing on `schedule` (`PROCESS_SCHEDULE`: cron, UTC). A tick that finds another run
 * alive (the command line, or a previous tick) logs it and waits for the next tick. `beforeEachRun`
 * is other daily work the composition root wires to the same ticks; it handles its own failures.
 */
export function scheduleProcessing({
  processor,
  schedule,
  log,
  beforeEachRun,
}: {
  processor: Processor;
  schedule: string;
  log: Logger;
  beforeEachRun?: (() => Promise<void>) | undefined;
}): ProcessingSchedule {
  let running: Promise<void> | undefined;
  const tick = async () => {
    await beforeEachRun?.();
    try {
      const summary = await processor.run({ trigger: 'schedule' });
      log.info({ run: summary.run.id, orgs: summary.orgs, attributed: summary.attributed, days: summary.daysRecomputed }, 'scheduled processing done');
    } catch (error) {
      if (error instanceof ProcessingBusyError) log.warn(error.message);
      else log.error({ err: error }, 'scheduled processing failed');
    }
  };
  const cron = new Cron(schedule, { timezone: 'UTC', protect: true, name: 'processing' }, () => {
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
