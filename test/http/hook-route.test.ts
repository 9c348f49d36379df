import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedRequests } from '../helpers/replay.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';
import { createTestApp } from '../helpers/test-app.js';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const post = (body: string, headers: Record<string, string> = {}) =>
  t.app.request('/hooks/claude-code', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}`, ...headers },
    body,
  });

const recordedWrite = () =>
  capturedRequests('rate-limiter-http-json-details-hooks')
    .map((r) => r.body.toString('utf8'))
    .find((b) => JSON.parse(b).tool_name === 'Write')!;

describe('POST /hooks/claude-code', () => {
  it('counts a retried call (same tool_use_id) once', async () => {
    expect((await post(recordedWrite())).status).toBe(200);
    expect((await post(recordedWrite())).status).toBe(200);
    expect((await storedTelemetry(t.db)).fingerprints).toEqual({ 'src/rate-limiter.ts': { distinct: 17, lines: 17 } });
  });

  it('counts a line written twice into a file twice', async () => {
    const write = JSON.parse(recordedWrite());
    await post(JSON.stringify({ ...write, tool_use_id: 'a', tool_input: { ...write.tool_input, content: 'return value;\n' } }));
    await post(JSON.stringify({ ...write, tool_use_id: 'b', tool_input: { ...write.tool_input, content: 'return value;\n' } }));
    expect((await storedTelemetry(t.db)).fingerprints).toEqual({ 'src/rate-limiter.ts': { distinct: 1, lines: 2 } });
  });

  it('does not fingerprint excluded files', async () => {
    const write = JSON.parse(recordedWrite());
    await post(JSON.stringify({ ...write, tool_input: { file_path: '/home/dana/src/widgets/package-lock.json', content: '{\n  "name": "widgets"\n}' } }));
    expect((await storedTelemetry(t.db)).fingerprints).toEqual({});
    expect((await storedTelemetry(t.db)).sessions).toHaveLength(1);
  });

  it('acknowledges other hook events without storing anything', async () => {
    const res = await post(JSON.stringify({ session_id: 's', hook_event_name: 'Stop' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await storedTelemetry(t.db)).sessions).toEqual([]);
  });

  it.each([
    ['garbage', '{"session_id": ', 400, /^Body is not valid JSON: /],
    ['no session id', JSON.stringify({ hook_event_name: 'PostToolUse' }), 400, /^Not a Claude Code hook call: session_id /],
    ['an array', '[]', 400, /^Not a Claude Code hook call: body /],
  ])('400 for %s, nothing stored', async (_name, body, status, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { type: string; message: string } };
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.message).toMatch(message);
    expect((await storedTelemetry(t.db)).sessions).toEqual([]);
  });

  it('415 for another content type, nothing stored', async () => {
    const res = await post(recordedWrite(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await storedTelemetry(t.db)).fingerprints).toEqual({});
  });
});
