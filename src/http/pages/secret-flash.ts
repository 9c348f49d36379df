import { randomBytes } from 'node:crypto';

/*
 * A secret just created, kept for the one page that shows it (post/redirect/get): the form's POST
 * creates it and redirects; the GET after the redirect takes it, once. Kept in this process's
 * memory only, never in a URL, a cookie or a log: the browser holds just a random handle (in an
 * HttpOnly cookie), and the handle is good for one reading by the same person, for minutes. A
 * reload finds nothing and creates nothing.
 */

export interface SecretFlash<T> {
  /** Keeps `value` for `holder` (e.g. org and viewer); answers the handle to take it with. */
  put(holder: string, value: T): string;
  /** The value kept under `handle` for `holder`, forgotten as it is read; undefined if gone, expired or another's. */
  take(holder: string, handle: string | undefined): T | undefined;
}

export function secretFlash<T>({ ttlMs = 5 * 60_000, max = 1000, now = () => Date.now() }: { ttlMs?: number; max?: number; now?: () => number } = {}): SecretFlash<T> {
  const kept = new Map<string, { holder: string; value: T; until: number }>();
  const dropExpired = () => {
    for (const [handle, entry] of kept) if (entry.until <= now()) kept.delete(handle);
  };
  return {
    put(holder, value) {
      dropExpired();
      // Bounded: the oldest go first (each is unread, so at worst a secret is not shown and is revoked).
      while (kept.size >= max) kept.delete(kept.keys().next().value!);
      const handle = randomBytes(18).toString('base64url');
      kept.set(handle, { holder, value, until: now() + ttlMs });
      return handle;
    },
    take(holder, handle) {
      if (!handle) return undefined;
      const entry = kept.get(handle);
      if (!entry || entry.holder !== holder) return undefined;
      kept.delete(handle);
      return entry.until > now() ? entry.value : undefined;
    },
  };
}
