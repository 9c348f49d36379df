import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { ProcessingRun } from '../db/rollups.js';
import { isStoreBusy } from '../db/store-busy.js';
import { ProcessingBusyError, runIncrementalProcessing, runProcessing, startProcessing, type ProcessOptions, type ProcessSummary } from './run-processing.js';

/** One processing run asked for: by whom (`trigger`, stored with the run), of which org and days. */
export interface ProcessRequest {
  trigger: 'schedule' | 'page' | 'cli' | 'backfill';
  org?: string | undefined;
  fromDay?: string | undefined;
  toDay?: string | undefined;
}

export interface Processor {
  /** Runs processing and resolves with its summary; rejects with `ProcessingBusyError` while another run is alive. */
  run(request: ProcessRequest): Promise<ProcessSummary>;
  /**
   * Starts a run and resolves once it holds the processing lock: 'busy' when another live run holds
   * it, else 'started' (the run goes on in the background and its failure is logged).
   */
  start(request: ProcessRequest): Promise<'busy' | 'started'>;
  /** Processes what was marked since the last run (null: nothing was; busy: another run is alive). */
  runIncremental(): Promise<ProcessSummary | { busy: ProcessingRun } | null>;
}


export type ProcessingConfig = Pick<Config, 'processLookbackDays' | 'attributionWindow' | 'attributionMinSimilarity' | 'labelPullRequests' | 'retentionDays' | 'processingMemory'>;

/**
 * The app's processing, with its settings read from the config once and the app's clock: built in
 * the composition root and handed to the scheduler, the pages and the command line.
 */
export function createProcessor({ db, config, log, now = () => new Date() }: { db: Db; config: ProcessingConfig; log?: Logger | undefined; now?: () => Date }): Processor {
  const optionsOf = (request: ProcessRequest): ProcessOptions => ({
    ...request,
    lookbackDays: config.processLookbackDays,
    ...config.attributionWindow,
    minSimilarity: config.attributionMinSimilarity,
    labelPullRequests: config.labelPullRequests,
    retentionDays: config.retentionDays,
    memory: config.processingMemory,
    log,
    now,
  });
  const logFailure = (request: ProcessRequest) => (error: unknown) => {
    // A run that found another alive once its wait for the write lock ended has nothing to report.
    if (!(error instanceof ProcessingBusyError)) log?.error({ err: error, org: request.org, trigger: request.trigger }, 'processing started in the background failed');
  };
  const run = (request: ProcessRequest) => runProcessing(db, optionsOf(request));
  return {
    run,
    runIncremental: () => runIncrementalProcessing(db, optionsOf({ trigger: 'schedule' })),
    async start(request) {
      try {
        const started = await startProcessing(db, optionsOf(request));
        if ('busy' in started) {
          if (started.busy.trigger !== 'incremental') return 'busy';
          // An incremental run ends soon: this run starts after it (`run` waits for it).
          void run(request).catch(logFailure(request));
          return 'started';
        }
        void started.running.catch(logFailure(request));
      } catch (error) {
        // Another process holds the database's write lock: the run waits for it on timers instead.
        if (isStoreBusy(error)) void run(request).catch(logFailure(request));
        else logFailure(request)(error);
      }
      return 'started';
    },
  };
}
