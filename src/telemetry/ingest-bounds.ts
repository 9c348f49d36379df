import { DAY_MS } from '../utc-days.js';

/*
 * What the Claude Code receivers accept (README: Security). Everything that arrives is bounded
 * here, once: how much of an OTLP request is read, how long a stored string may be, which dates
 * and which values are plausible. A value out of bounds is rejected as partial success (OTLP) or
 * with a 400 (hook calls), or, for an identity field that only helps matching, left unset: never
 * truncated where truncation could make two different things match.
 */

/** Attributes read from one attribute list (a resource's, a point's, an event's); later ones are ignored. */
export const MAX_ATTRIBUTES = 128;
/** Longer attribute keys are ignored. */
export const MAX_ATTRIBUTE_KEY_LENGTH = 256;
/** Nesting of a JSON body (objects and arrays); deeper bodies are refused with a 400 before they are parsed. */
export const MAX_JSON_DEPTH = 64;
/**
 * Messages (protobuf) or objects and arrays (JSON) in one request, counted before it is decoded:
 * decoding materializes each one, so a body of tiny messages would cost many times its size in
 * memory. A Claude Code export holds a few thousand at most; more is refused with a 413.
 */
export const MAX_MESSAGES = 200_000;

/** Identifiers the app matches on: longer values are refused, never truncated. */
export const MAX_ID_LENGTH = 128;
/** `user.email`: RFC 5321 allows 254 characters; a longer value is left unset (never truncated into someone else's). */
export const MAX_EMAIL_LENGTH = 254;
/** Labels shown as they are (`app.version`, `terminal.type`): truncated. */
export const MAX_LABEL_LENGTH = 64;
/** Model and tool names, token types: longer values are refused (partial success). */
export const MAX_DIMENSION_LENGTH = 128;
/** Paths (a hook call's `cwd` and file paths): longer ones are not stored (the file is not fingerprinted). */
export const MAX_PATH_LENGTH = 4096;
/** Custom resource labels kept on a session (`team`, `department`, …): at most this many, first by key order. */
export const MAX_CUSTOM_LABELS = 16;
export const MAX_CUSTOM_LABEL_KEY_LENGTH = 64;
export const MAX_CUSTOM_LABEL_VALUE_LENGTH = 256;
/** A PR link reported by a hook (`gitOperation.pr.url`). */
export const MAX_URL_LENGTH = 2048;

/** GitHub's own rules for a login: 1–39 characters, letters, digits and single hyphens. */
export const GITHUB_LOGIN = /^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i;

/** Telemetry dated before this is refused (Claude Code did not exist): 2020-01-01T00:00:00Z. */
export const EARLIEST_TELEMETRY_MS = Date.UTC(2020, 0, 1);
/** Telemetry dated more than this ahead of the server's clock is refused. */
export const MAX_FUTURE_MS = DAY_MS;

/**
 * The largest plausible value of one data point or event field, per metric (README: Security).
 * Above it (or negative, NaN, infinite) the point is rejected as partial success. Cumulative
 * points are a session's running total, so the bounds allow a long session's worth.
 */
export const METRIC_BOUNDS: Record<string, number> = {
  'claude_code.session.count': 1_000,
  'claude_code.lines_of_code.count': 1_000_000,
  'claude_code.commit.count': 10_000,
  'claude_code.pull_request.count': 10_000,
  'claude_code.code_edit_tool.decision': 100_000,
  /** US dollars. */
  'claude_code.cost.usage': 10_000,
  'claude_code.token.usage': 10_000_000_000,
  /** Seconds: a month. */
  'claude_code.active_time.total': 2_678_400,
};

/** Metrics that count things: a fractional value (a third of a line) is implausible and rejected. */
export const WHOLE_NUMBER_METRICS: ReadonlySet<string> = new Set([
  'claude_code.session.count',
  'claude_code.lines_of_code.count',
  'claude_code.commit.count',
  'claude_code.pull_request.count',
  'claude_code.code_edit_tool.decision',
]);

/** Bounds of one `api_request` event's fields. */
export const API_REQUEST_BOUNDS = {
  /** Tokens of each kind in one request. */
  tokens: 100_000_000,
  /** US dollars for one request. */
  costUsd: 1_000,
} as const;

/** Money is kept as integer micro-dollars (millionths of a US dollar), so sums are exact. */
export const MICRO_USD_PER_USD = 1_000_000;

export function toMicroUsd(usd: number): number {
  return Math.round(usd * MICRO_USD_PER_USD);
}

/**
 * Epoch milliseconds of an OTLP nanosecond timestamp (a decimal string), or undefined when it is
 * implausible: before 2020 or more than a day ahead of `nowMs`. Unset (0) means "now".
 */
export function telemetryTimeMs(nanos: string, nowMs: number): number | undefined {
  if (nanos === '0') return nowMs;
  // 20 digits is past the year 5000 in nanoseconds: anything longer is out of range anyway.
  if (!/^\d{1,20}$/.test(nanos)) return undefined;
  const ms = nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
  return ms >= EARLIEST_TELEMETRY_MS && ms <= nowMs + MAX_FUTURE_MS ? ms : undefined;
}

/**
 * What is wrong with a JSON body's shape, from a scan of its bytes without parsing: nesting deeper
 * than `maxDepth`, or more than `maxObjects` objects and arrays (a body of empty objects parses to
 * thirty times its size). Undefined when neither.
 */
export function jsonShapeProblem(body: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxObjects = MAX_MESSAGES): string | undefined {
  let depth = 0;
  let objects = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped character
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > maxDepth) return `it nests deeper than ${maxDepth} levels`;
      if (++objects > maxObjects) return `it holds more than ${maxObjects} objects and arrays`;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/** A string kept only when it is at most `max` characters long. */
export function boundedOrUndefined(value: string | undefined, max: number): string | undefined {
  return value !== undefined && value.length <= max ? value : undefined;
}

/** A label kept as its first `max` characters. */
export function truncated(value: string | undefined, max: number): string | undefined {
  return value === undefined || value.length <= max ? value : value.slice(0, max);
}
