/*
 * The pages' models (a page's figures, read and assembled), kept until what they read changes: the
 * figures change only when a processing run ends (`stamp`). A large org's overview takes seconds to
 * assemble and incremental runs end every few minutes, so after each run:
 * - the new model is computed once, however many requests ask for it meanwhile;
 * - a page that says which run its figures are of (`orEarlier`) waits for it at most `freshWaitMs`.
 *   Past that, when the page was drawn for an earlier run, it is drawn again from that model, marked
 *   as such (`earlier`), while the new one goes on computing; the next request after it ends shows it.
 * A page never shown before waits for its model, however long it takes.
 */

export interface PageModel<T> {
  value: T;
  /** The model is the one of an earlier run: a newer one is being computed. */
  earlier: boolean;
}

export interface PageModelsOptions {
  /** What the figures were read at: changes when a processing run ends. */
  stamp: () => Promise<string>;
  /** How long a request waits for a new model before it is drawn from the earlier one (0: not at all). */
  freshWaitMs: number;
  /** How many models are kept (one per page, org, range and filters), the least recently computed dropped first. */
  kept?: number;
  /** A model computed for nobody waiting that failed (the next request computes it again). */
  onBackgroundError?: (error: unknown) => void;
}

export function pageModels({ stamp: stampNow, freshWaitMs, kept = 64, onBackgroundError }: PageModelsOptions) {
  /** The latest model computed for each key, with the stamp it was computed at and the order it was started in. */
  const latest = new Map<string, { stamp: string; started: number; value: unknown }>();
  /** The computation going on for each key. */
  const computing = new Map<string, { stamp: string; promise: Promise<unknown> }>();
  let started = 0;
  /** Computations that someone left to finish on their own, watched for failure once. */
  const watched = new WeakSet<Promise<unknown>>();

  function start<T>(key: string, stamp: string, compute: () => Promise<T> | T): Promise<T> {
    const order = ++started;
    const promise: Promise<T> = (async () => compute())().then(
      (value) => {
        if (computing.get(key)?.promise === promise) computing.delete(key);
        // A computation started before the kept one (of an older stamp) ends later: the kept one stays.
        if ((latest.get(key)?.started ?? 0) < order) {
          latest.delete(key);
          latest.set(key, { stamp, started: order, value });
          if (latest.size > kept) latest.delete(latest.keys().next().value!);
        }
        return value;
      },
      (error: unknown) => {
        if (computing.get(key)?.promise === promise) computing.delete(key);
        throw error;
      },
    );
    computing.set(key, { stamp, promise });
    return promise;
  }

  /** `orEarlier`: the page may be drawn from an earlier run's model (it shows which run its figures are of); else it waits for the new one. */
  return async function model<T>(parts: unknown[], compute: () => Promise<T> | T, { orEarlier = false } = {}): Promise<PageModel<T>> {
    const key = JSON.stringify(parts);
    const stamp = await stampNow();
    const known = latest.get(key);
    if (known?.stamp === stamp) return { value: known.value as T, earlier: false };
    const going = computing.get(key);
    const fresh = going?.stamp === stamp ? (going.promise as Promise<T>) : start(key, stamp, compute);
    if (known === undefined || !orEarlier) return { value: await fresh, earlier: false };
    let timer: NodeJS.Timeout | undefined;
    const inTime =
      freshWaitMs > 0
        ? await Promise.race([fresh.then((value) => ({ value })), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), freshWaitMs)))]).finally(() => clearTimeout(timer))
        : undefined;
    if (inTime) return { value: inTime.value, earlier: false };
    if (!watched.has(fresh)) {
      watched.add(fresh);
      fresh.catch((error: unknown) => onBackgroundError?.(error));
    }
    return { value: known.value as T, earlier: true };
  };
}
