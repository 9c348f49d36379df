import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** Starts a processing run on the database at `url` (a SQLite path or a PostgreSQL URL) in a child process that holds it until killed. */
export function holdProcessingRunInChild(url: string): Promise<{ child: ChildProcess; runId: number }> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hold-processing-run.ts', url], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      const m = /RUN (\d+)/.exec(out);
      if (m) done({ child: c, runId: Number(m[1]) });
    });
    c.on('exit', (code) => fail(new Error(`child exited with ${code}`)));
  });
}
