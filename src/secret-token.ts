import { createHash, randomBytes } from 'node:crypto';

/*
 * Secrets the app hands out (ingest tokens, API keys): random, shown once, stored only as SHA-256.
 * A high-entropy random token needs no slow password hash: guessing one is hopeless either way.
 */

export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The part of a token shown in lists: enough to tell tokens apart, useless to an attacker. */
export function secretTokenPrefix(token: string): string {
  // The kind (`ccm_ingest_`, `ccm_api_`) plus six random characters; the random part may itself contain "_".
  const kind = /^ccm_[a-z]+_/.exec(token)?.[0].length ?? 0;
  return token.slice(0, kind + 6);
}

