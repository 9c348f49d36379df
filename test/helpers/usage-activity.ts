import type { Hono } from 'hono';
import type { Db } from '../../src/db/client.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { logsRequest, metricsRequest } from './otlp-builders.js';

/*
 * Generated Claude Code telemetry over several weeks around a month and quarter boundary
 * (2026-09-01 .. 2026-10-20, plus a day at the turn of the year), sent through the real OTLP
 * receiver and processed: the input of the usage and spend tests. `ACTIVITY` is the plan the
 * tests compute their expectations from, independently of the app.
 */

export interface PlannedDay {
  /** The email Claude Code reports. */
  email: string;
  day: string;
  model: string;
  requests: number;
  /** Per request. */
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** Per request, USD. */
  cost: number;
  linesAdded: number;
}

export const PEOPLE = {
  alice: { email: 'alice@acme.example', githubLogin: 'Alice', accountUuid: '0b6e3f58-8d2a-4f19-b7c4-6a1e9d3c5f20' },
  bob: { email: 'bob@acme.example' },
  carol: { email: 'carol@acme.example', accountUuid: '5f0c9a2e-3b1d-4c7e-9a61-2d8e4b7f1c03' },
  dave: { email: 'dave@acme.example' },
  erin: { email: 'erin@acme.example' },
} as const;
export type Person = keyof typeof PEOPLE;

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(dayOf(t));
  return out;
}

/** Who was active on which day (UTC), by plan. */
export const SCHEDULE: Record<Person, string[]> = {
  // Every weekday.
  alice: days('2026-09-01', '2026-10-20').filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())),
  // Every third day.
  bob: days('2026-09-01', '2026-10-20').filter((_, i) => i % 3 === 0),
  // Twice, 29 days apart, and once at the turn of the year.
  carol: ['2025-12-31', '2026-01-02', '2026-09-03', '2026-10-02'],
  // Across the month and quarter boundary.
  dave: ['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01'],
  // The last day of the quarter only.
  erin: ['2026-09-30'],
};

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1'];

export const ACTIVITY: (PlannedDay & { person: Person })[] = (Object.keys(SCHEDULE) as Person[]).flatMap((person, p) =>
  SCHEDULE[person].map((day, i) => ({
    person,
    email: PEOPLE[person].email,
    day,
    model: MODELS[(p + i) % 2]!,
    requests: 1 + ((p + i) % 3),
    input: 100 + 10 * p,
    output: 40 + i,
    cacheRead: 7 * p,
    cacheCreation: 3 * (i % 2),
    cost: Math.round((0.0125 + 0.001 * p + 0.0005 * (i % 5)) * 1e6) / 1e6,
    linesAdded: 2 + p + (i % 4),
  })),
);

const ns = (day: string, hour: number) => BigInt(Date.parse(`${day}T00:00:00Z`) + hour * 3_600_000) * 1_000_000n;

/** Sends the plan through `/v1/metrics` and `/v1/logs`, then processes every planned day. */
export async function sendPlannedActivity(app: Hono<any>, db: Db, token: string): Promise<void> {
  const post = async (path: string, body: object) => {
    const res = await app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  for (const a of ACTIVITY) {
    const who = PEOPLE[a.person] as { email: string; githubLogin?: string; accountUuid?: string };
    const session = `sess-${a.person}-${a.day}`;
    const attributes: Record<string, string> = {
      'session.id': session,
      'user.email': who.email,
      ...(who.githubLogin ? { 'github.login': who.githubLogin } : {}),
      ...(who.accountUuid ? { 'user.account_uuid': who.accountUuid } : {}),
    };
    const point = (name: string, value: number, extra: Record<string, string> = {}) => ({
      name,
      value,
      attributes: { ...attributes, ...extra },
      start: ns(a.day, 9),
      time: ns(a.day, 10),
    });
    await post(
      '/v1/metrics',
      metricsRequest([
        point('claude_code.session.count', 1),
        point('claude_code.lines_of_code.count', a.linesAdded, { type: 'added' }),
        point('claude_code.cost.usage', a.cost * a.requests, { model: a.model }),
        point('claude_code.token.usage', a.input * a.requests, { model: a.model, type: 'input' }),
        point('claude_code.token.usage', a.output * a.requests, { model: a.model, type: 'output' }),
        point('claude_code.token.usage', a.cacheRead * a.requests, { model: a.model, type: 'cacheRead' }),
        point('claude_code.token.usage', a.cacheCreation * a.requests, { model: a.model, type: 'cacheCreation' }),
        point('claude_code.active_time.total', 60 + a.requests, { type: 'cli' }),
      ]),
    );
    await post(
      '/v1/logs',
      logsRequest(
        Array.from({ length: a.requests }, (_, r) => ({
          name: 'api_request',
          time: ns(a.day, 9) + BigInt(r) * 1_000_000_000n,
          attributes: {
            ...attributes,
            model: a.model,
            input_tokens: a.input,
            output_tokens: a.output,
            cache_read_tokens: a.cacheRead,
            cache_creation_tokens: a.cacheCreation,
            cost_usd: String(a.cost),
          },
        })),
      ),
    );
  }
  await runProcessing(db, { org: 'acme', fromDay: '2025-12-31', toDay: '2026-01-02' });
  await runProcessing(db, { org: 'acme', fromDay: '2026-09-01', toDay: '2026-10-20' });
}

/** The plan's user key of a person: the GitHub login when telemetry carries one, else `unlinked:<email>`. */
export const userKeyOf = (person: Person) => {
  const who = PEOPLE[person] as { email: string; githubLogin?: string };
  return who.githubLogin ? who.githubLogin.toLowerCase() : `unlinked:${who.email}`;
};
