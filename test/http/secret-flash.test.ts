import { describe, expect, it } from 'vitest';
import { secretFlash } from '../../src/http/pages/secret-flash.js';

describe('secretFlash (a secret just created, for the one page that shows it)', () => {
  it('gives the value once, to its holder only, within its time', () => {
    let now = 0;
    const flash = secretFlash<string>({ ttlMs: 1000, now: () => now });
    const handle = flash.put('acme\u0000olivia', 'ccm_secret');
    expect(handle).toMatch(/^[\w-]{24}$/);
    expect(handle).not.toContain('ccm_secret');
    expect(flash.take('acme\u0000mallory', handle)).toBeUndefined();
    expect(flash.take('acme\u0000olivia', handle)).toBe('ccm_secret');
    // Read once: a reload finds nothing.
    expect(flash.take('acme\u0000olivia', handle)).toBeUndefined();
    expect(flash.take('acme\u0000olivia', undefined)).toBeUndefined();

    const late = flash.put('acme\u0000olivia', 'ccm_late');
    now = 1000;
    expect(flash.take('acme\u0000olivia', late)).toBeUndefined();
  });

  it('keeps at most `max`, dropping the oldest first', () => {
    const flash = secretFlash<number>({ max: 2 });
    const [a, b, c] = [flash.put('h', 1), flash.put('h', 2), flash.put('h', 3)];
    expect([flash.take('h', a), flash.take('h', b), flash.take('h', c)]).toEqual([undefined, 2, 3]);
  });
});
