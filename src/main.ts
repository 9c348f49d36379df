import { startAppServer } from './app-server.js';
import { ConfigError, databaseForLog, loadConfig } from './config.js';
import { createLogger } from './logger.js';

// Composition root: read the config once, start the server, stop cleanly on SIGTERM/SIGINT.
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const log = createLogger(config.logLevel);
const app = await startAppServer({ config, log });
log.info({ url: app.url, database: databaseForLog(config.databaseUrl), github: config.github !== undefined }, `listening on ${app.url}`);

const SHUTDOWN_GRACE_MS = 10_000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
