import { describe, expect, it } from 'vitest';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../src/secret-token.js';

describe('secret tokens', () => {
  it('lists a token by its kind and six characters, even when the random part contains "_"', () => {
    expect(secretTokenPrefix('ccm_ingest_ab_cdefghijk_lmnopqrstuvwxyz0123')).toBe('ccm_ingest_ab_cde');
    expect(secretTokenPrefix('ccm_api_Zz9_-_qwertyuiopasdfghjklzxcvbnm12')).toBe('ccm_api_Zz9_-_');
    for (let i = 0; i < 200; i++) {
      const token = newSecretToken(i % 2 ? 'ccm_api' : 'ccm_ingest');
      expect(secretTokenPrefix(token).length).toBe(i % 2 ? 14 : 17);
      expect(token.length - secretTokenPrefix(token).length).toBe(26);
    }
  });

  it('stores SHA-256 only', () => {
    expect(hashSecretToken('ccm_api_x')).toMatch(/^[0-9a-f]{64}$/);
  });
});
