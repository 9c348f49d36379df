import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { recordingDir } from './claude-code-recordings.js';

interface CapturedRequest {
  file: string;
  method: string;
  path: string;
  contentType: string;
  contentEncoding: string | null;
}

/** The requests a recording captured, in the order the CLI sent them. */
export function capturedRequests(recording: string): (CapturedRequest & { body: Buffer })[] {
  const dir = join(recordingDir(recording), 'captured');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as CapturedRequest[];
  return index.map((r) => ({ ...r, body: readFileSync(join(dir, r.file)) }));
}

/** Sends every captured request of a recording, byte for byte, through the app. Returns the responses. */
export async function replayRecording(app: Hono<any>, recording: string, token: string, filter?: (r: CapturedRequest) => boolean) {
  const responses: Response[] = [];
  for (const r of capturedRequests(recording)) {
    if (filter && !filter(r)) continue;
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': r.contentType };
    if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
    const res = await app.request(r.path, { method: r.method, headers, body: r.body });
    responses.push(res);
  }
  return responses;
}
