import { setFlagsFromString } from 'node:v8';

/*
 * Why processing bounds V8's heap growth while it runs. Measured on the benchmark org (1,000
 * developers, 20,000 PRs; --trace-gc): what a full recompute holds alive never passes 90 MB
 * after a full collection (attribution's session index and cached session lines; durability's
 * replay of one repository, 20–30 MB), yet the heap grew to 370–420 MB and the process's peak RSS
 * to 571 MB. V8 lets the heap grow to up to 4× what the last full collection kept when collecting
 * is cheap next to the work done meanwhile, and processing allocates fast and briefly (rows,
 * maps of fingerprints, sketches): garbage fills the room until the next collection. Durability's
 * replay, right after attribution, filled the room attribution's live set had left before a
 * collection saw that little of it was still alive.
 *
 * With the growth factor held at 2 during a run, the heap stays within about twice what is alive
 * (peak RSS 369 MB on that org, the same figures) for more, shorter full collections. The flag
 * is V8's own, read at each collection, and set back to V8's choice when the last run ends (a
 * server runs processing beside its requests). A factor given on the command line is left as it is.
 */

/** Heap growth allowed past what the last full collection kept, in percent (V8's `--heap-growing-percent`). */
export const PROCESSING_HEAP_GROWING_PERCENT = 100;

const setOnCommandLine = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
let running = 0;

/** Runs `work` with V8's heap growth bounded (see above); runs that overlap share the bound until the last ends. */
export async function withBoundedHeapGrowth<T>(work: () => Promise<T>): Promise<T> {
  if (setOnCommandLine) return work();
  if (running++ === 0) setFlagsFromString(`--heap-growing-percent=${PROCESSING_HEAP_GROWING_PERCENT}`);
  try {
    return await work();
  } finally {
    // 0 is V8's default: it picks the factor itself again.
    if (--running === 0) setFlagsFromString('--heap-growing-percent=0');
  }
}
