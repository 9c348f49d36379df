/*
 * Reading ahead for processing's per-item reads: processing walks a known list (subjects in
 * attribution order, their PRs' timelines) and asked the store for each item's rows one item at a
 * time. On PostgreSQL every statement is a round trip to the server, so those reads cost more than
 * the work on them; a batched read of the next items costs a few statements for many items.
 */

/** Items whose rows are read together. */
export const ITEMS_PER_READ = 100;

/**
 * Hands out the value of each item of `items`, read `size` items at a time by `read` (which answers
 * a map by item; an item it leaves out has no value). Only the current batch is held: a value is
 * dropped once handed out. Items asked out of order, or not in the list, are read on their own.
 */
export class ReadAhead<T, V> {
  /** The current batch: its items not handed out yet, and their values (an item left out by `read` has none). */
  #pending = new Set<T>();
  #values = new Map<T, V>();
  #next = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly read: (batch: readonly T[]) => Promise<Map<T, V>>,
    private readonly size = ITEMS_PER_READ,
  ) {}

  async of(item: T): Promise<V | undefined> {
    if (!this.#pending.has(item)) {
      const at = this.items.indexOf(item, this.#next);
      if (at < 0) return (await this.read([item])).get(item);
      this.#next = at + this.size;
      const batch = this.items.slice(at, this.#next);
      this.#values = await this.read(batch);
      this.#pending = new Set(batch);
    }
    const value = this.#values.get(item);
    this.#pending.delete(item);
    this.#values.delete(item);
    return value;
  }
}
