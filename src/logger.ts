import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * JSON logs on stdout (Probot logs through the same logger). Request bodies, tokens, prompts and
 * code are never logged: the redaction below guards headers that might carry secrets, and the
 * serializers keep webhook payloads out. Probot logs the whole event (`{ event }`) when it receives
 * one, and @octokit/webhooks hangs the event, payload included, on every error it raises; Octokit's
 * request errors carry request and response bodies. So an error is logged as its type, message,
 * stack, code and status only, and an event as its id and name.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'claude-code-metrics' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'],
        censor: '[redacted]',
      },
      serializers: { err: safeError, error: safeError, event: eventSummary },
    },
    destination,
  );
}

interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  status?: number;
  errors?: SafeError[];
  cause?: SafeError;
}

/** An error as logged: what it is and where it came from, none of the data it carries. */
export function safeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & { code?: unknown; status?: unknown; errors?: unknown; cause?: unknown };
  const out: SafeError = { type: e.constructor?.name ?? 'Error', message: e.message };
  if (e.stack) out.stack = e.stack;
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.status === 'number') out.status = e.status;
  if (depth < 3 && Array.isArray(e.errors)) out.errors = e.errors.slice(0, 10).map((inner) => safeError(inner, depth + 1) as SafeError);
  if (depth < 3 && e.cause instanceof Error) out.cause = safeError(e.cause, depth + 1) as SafeError;
  return out;
}

function eventSummary(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return event;
  const { id, name } = event as { id?: unknown; name?: unknown };
  return { id, name };
}
