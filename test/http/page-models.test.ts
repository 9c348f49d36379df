import { describe, expect, it } from 'vitest';
import { pageModels } from '../../src/http/pages/page-models.js';

/* A page's model: kept per processing run, computed once per run, and drawn from the earlier run's while a slow new one computes. */

/** A computation the test ends when it chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setUp(freshWaitMs: number, kept?: number) {
  let stamp = 'run-1';
  const errors: unknown[] = [];
  const computed: string[] = [];
  const model = pageModels({ stamp: async () => stamp, freshWaitMs, kept, onBackgroundError: (e) => errors.push(e) });
  return {
    model,
    errors,
    computed,
    endRun: (next: string) => (stamp = next),
    /** A compute that records which stamp's figures it made. */
    figures: (value: string) => async () => {
      computed.push(value);
      return value;
    },
  };
}

describe('page models', () => {
  it('are computed once per processing run, however many requests ask at once', async () => {
    const t = setUp(50);
    const slow = deferred<string>();
    let calls = 0;
    const compute = () => {
      calls++;
      return slow.promise;
    };
    const asks = [t.model(['overview'], compute), t.model(['overview'], compute), t.model(['overview'], compute)];
    slow.resolve('figures of run 1');
    expect(await Promise.all(asks)).toEqual(Array(3).fill({ value: 'figures of run 1', earlier: false }));
    expect(await t.model(['overview'], compute)).toEqual({ value: 'figures of run 1', earlier: false });
    expect(calls).toBe(1);
    // Other parts (another range) are another model.
    expect(await t.model(['overview', 'last 7 days'], t.figures('7 days'))).toEqual({ value: '7 days', earlier: false });
  });

  it('draw a page from the earlier run while the new model takes longer than the wait, then from the new one', async () => {
    const t = setUp(20);
    await t.model(['overview'], t.figures('run 1'));
    t.endRun('run-2');
    const slow = deferred<string>();
    const started = performance.now();
    expect(await t.model(['overview'], () => slow.promise, { orEarlier: true })).toEqual({ value: 'run 1', earlier: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    // Still computing: the next request gets the earlier one too, and starts nothing new.
    expect(await t.model(['overview'], t.figures('never'), { orEarlier: true })).toEqual({ value: 'run 1', earlier: true });
    slow.resolve('run 2');
    await slow.promise;
    expect(await t.model(['overview'], t.figures('never'), { orEarlier: true })).toEqual({ value: 'run 2', earlier: false });
    expect(t.computed).toEqual(['run 1']);
  });

  it('wait for the new model when it comes in time, or when the page may not show an earlier run', async () => {
    const t = setUp(1000);
    await t.model(['overview'], t.figures('run 1'));
    t.endRun('run-2');
    expect(await t.model(['overview'], t.figures('run 2'), { orEarlier: true })).toEqual({ value: 'run 2', earlier: false });
    await t.model(['people'], t.figures('people 2'));
    t.endRun('run-3');
    const slow = deferred<string>();
    setTimeout(() => slow.resolve('people 3'), 30);
    // The people page (no `orEarlier`) waits, here past a wait of 0 as well.
    const noWait = setUp(0);
    await noWait.model(['people'], noWait.figures('people 1'));
    noWait.endRun('run-2');
    expect(await noWait.model(['people'], () => slow.promise)).toEqual({ value: 'people 3', earlier: false });
    // With a wait of 0 the overview does not wait at all.
    expect(await noWait.model(['overview'], noWait.figures('overview 2'))).toEqual({ value: 'overview 2', earlier: false });
    noWait.endRun('run-3');
    expect(await noWait.model(['overview'], noWait.figures('overview 3'), { orEarlier: true })).toEqual({ value: 'overview 2', earlier: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await noWait.model(['overview'], noWait.figures('never'), { orEarlier: true })).toEqual({ value: 'overview 3', earlier: false });
  });

  it('a failed computation: the request waiting for it fails; one left to finish alone is reported, and the next request computes again', async () => {
    const t = setUp(0);
    await expect(t.model(['overview'], () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    await t.model(['overview'], t.figures('run 1'));
    t.endRun('run-2');
    const failing = deferred<string>();
    expect(await t.model(['overview'], () => failing.promise, { orEarlier: true })).toEqual({ value: 'run 1', earlier: true });
    expect(await t.model(['overview'], t.figures('never'), { orEarlier: true })).toEqual({ value: 'run 1', earlier: true });
    failing.reject(new Error('statement timeout'));
    await failing.promise.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.errors.map((e) => (e as Error).message)).toEqual(['statement timeout']);
    // The earlier model stays; the next request starts the computation again.
    expect(await t.model(['overview'], t.figures('run 2'), { orEarlier: true })).toEqual({ value: 'run 1', earlier: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await t.model(['overview'], t.figures('never'))).toEqual({ value: 'run 2', earlier: false });
    expect(t.computed).toEqual(['run 1', 'run 2']);
  });

  it('keep a newer model when an older run’s computation ends after it', async () => {
    const t = setUp(0);
    await t.model(['overview'], t.figures('run 1'));
    t.endRun('run-2');
    const run2 = deferred<string>();
    await t.model(['overview'], () => run2.promise, { orEarlier: true });
    t.endRun('run-3');
    expect(await t.model(['overview'], t.figures('run 3'))).toEqual({ value: 'run 3', earlier: false });
    run2.resolve('run 2');
    await run2.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(await t.model(['overview'], t.figures('never'))).toEqual({ value: 'run 3', earlier: false });
  });

  it('keep a bounded number of models, the least recently computed dropped first', async () => {
    const t = setUp(0, 2);
    for (const range of ['a', 'b', 'c']) await t.model([range], t.figures(range));
    await t.model(['c'], t.figures('c again'));
    await t.model(['b'], t.figures('b again'));
    await t.model(['a'], t.figures('a again'));
    expect(t.computed).toEqual(['a', 'b', 'c', 'a again']);
  });
});
