import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * JSON logs on stdout (Probot logs through the same logger). Request bodies, tokens, prompts and
 * code are never logged; the redaction below guards headers that might carry secrets.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { app: 'claude-code-metrics' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'],
      censor: '[redacted]',
    },
  });
}
