import { parseArgs } from 'node:util';
import { buildDemo, type Demo } from '../demo/build-demo.js';
import type { LogLevel } from '../src/config.js';

/*
 * `npm run demo [-- --reset]`: a realistic synthetic organization in `data/demo.db`, built through
 * the app's real ingestion paths, then served until Ctrl-C. Re-running serves the same demo again;
 * `--reset` builds it anew. PORT (default 3000) and HOST (default 127.0.0.1) set where it listens;
 * the stand-in GitHub listens on PORT + 1. `--database-url postgres://…` builds it in that (empty)
 * PostgreSQL database instead of `data/demo.db`.
 */

const { values } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'data' },
    developers: { type: 'string' },
    days: { type: 'string' },
    'database-url': { type: 'string' },
  },
});

const port = process.env.PORT ? Number(process.env.PORT) : 3000;
// performance.now() counts from the process start: this is how long loading the app took.
const started = performance.now();
let demo: Demo;
try {
  demo = await buildDemo({
    dir: values.dir,
    databaseUrl: values['database-url'],
    port,
    host: process.env.HOST || '127.0.0.1',
    reset: values.reset,
    developers: values.developers ? Number(values.developers) : undefined,
    days: values.days ? Number(values.days) : undefined,
    logLevel: (process.env.LOG_LEVEL as LogLevel | undefined) || 'warn',
    onProgress: (message) => console.log(message),
  });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    console.error(`Port ${port} or ${port + 1} is in use. Stop what uses it, or run with another port: PORT=4000 npm run demo`);
    process.exit(1);
  }
  throw error;
}

const local = `http://localhost:${port === 0 ? new URL(demo.app.url).port : port}`;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const loading = (started / 1000).toFixed(1);
const { plan, org } = demo;
console.log(
  demo.built
    ? `\nDemo built in ${seconds} s after ${loading} s of loading (sending ${(demo.timings.send! / 1000).toFixed(1)} s, enrichment ${(demo.timings.enrich! / 1000).toFixed(1)} s, processing ${(demo.timings.process! / 1000).toFixed(1)} s) into ${demo.databasePath}.`
    : `\nServing the demo built earlier in ${demo.databasePath} (history up to ${plan.days.at(-1)}); \`npm run demo -- --reset\` builds a fresh one.`,
);
console.log(`
  Overview      ${local}/orgs/${org}
  Sign in       open the overview → "Sign in with GitHub" → the demo sign-in page (no real GitHub account):
                  ${plan.signIn.owner.login} (owner: everything, settings and spend)
                  ${plan.signIn.member.login} (member of team "${plan.viewerTeam}": the metrics)
                  ${plan.signIn.outsider.login} (member outside that team: "No access")
  API key       ${demo.apiKey}
  Try           curl -H "x-api-key: ${demo.apiKey}" "${local}/api/v1/orgs/${org}/summary?start_date=${plan.days[0]}&end_date=${plan.days.at(-1)}"
  API docs      ${local}/api/docs
  Stand-in GitHub ${demo.github.url} (its sign-in page must be reachable from your browser too)

Ctrl-C stops the demo; the data stays in ${demo.databasePath}.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log('\nStopping the demo…');
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
