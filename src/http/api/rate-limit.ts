/**
 * Requests per key per fixed window (a minute by default), counted in this process: enough for one
 * server, which is how the app runs. Windows of keys not seen for a while are forgotten.
 */
export class FixedWindowRateLimiter {
  readonly #windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(key: string, now: number): { allowed: boolean; remaining: number; resetSeconds: number } {
    const start = now - (now % this.windowMs);
    let window = this.#windows.get(key);
    if (!window || window.start !== start) {
      if (this.#windows.size > 10_000) this.#windows.clear();
      this.#windows.set(key, (window = { start, used: 0 }));
    }
    const resetSeconds = Math.max(1, Math.ceil((start + this.windowMs - now) / 1000));
    if (window.used >= this.limit) return { allowed: false, remaining: 0, resetSeconds };
    window.used++;
    return { allowed: true, remaining: this.limit - window.used, resetSeconds };
  }
}
