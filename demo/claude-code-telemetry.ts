import type { Hunk, PlannedSession, SessionStep } from './demo-plan.js';

/*
 * What Claude Code sends for one planned session, shaped like the real CLI's recordings
 * (`shared/fixtures/claude-code/`): OTLP/HTTP JSON metrics with DELTA temporality, OTLP logs of its
 * events, and — on machines with the managed hook — PostToolUse hook calls carrying what Write and
 * Edit wrote and the commits and PRs Bash made.
 */

export interface TelemetryRequest {
  at: number;
  path: '/v1/metrics' | '/v1/logs' | '/hooks/claude-code';
  body: object;
}

type Value = string | number | boolean;
type Attrs = Record<string, Value>;

const SCOPE_VERSION = '2.1.197';

function kv(attrs: Attrs) {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === 'number' ? (Number.isInteger(v) ? { intValue: v } : { doubleValue: v }) : typeof v === 'boolean' ? { boolValue: v } : { stringValue: v },
  }));
}

const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const isoMs = (ms: number) => new Date(ms).toISOString();

/** What every data point and event of the session carries, as the CLI copies it (spec: identity). */
function identity(session: PlannedSession): Attrs {
  const p = session.person;
  const cc = p.claudeCode!;
  const a: Attrs = {};
  a['user.email'] = cc.telemetryEmail;
  a.team = p.telemetryTeam;
  a['user.id'] = cc.userId;
  a['session.id'] = session.id;
  if (cc.organizationId) a['organization.id'] = cc.organizationId;
  if (cc.accountUuid) a['user.account_uuid'] = cc.accountUuid;
  a['terminal.type'] = p.terminal;
  return a;
}

function resource(session: PlannedSession): Attrs {
  const p = session.person;
  const cc = p.claudeCode!;
  // `user.email` and `team` come from OTEL_RESOURCE_ATTRIBUTES in the org's managed settings.
  return {
    'user.email': cc.telemetryEmail,
    team: p.telemetryTeam,
    'host.arch': cc.hostArch,
    'os.type': cc.osType,
    'os.version': cc.osVersion,
    'service.name': 'claude-code',
    'service.version': cc.version,
  };
}

const toolName = (s: SessionStep): string =>
  s.kind === 'read' ? 'Read' : s.kind === 'write' ? 'Write' : s.kind === 'edit' ? 'Edit' : s.kind === 'reject' ? s.tool : 'Bash';

const shortSha = (sha: string) => sha.slice(0, 7);

function absolutePath(session: PlannedSession, path: string): string {
  return `/home/${session.person.login}/src/${session.repository.name}/${path}`;
}

const oldAndNew = (hunk: Hunk) => ({
  oldString: `${hunk.lines.filter((l) => !l.startsWith('+')).map((l) => l.slice(1)).join('\n')}\n`,
  newString: `${hunk.lines.filter((l) => !l.startsWith('-')).map((l) => l.slice(1)).join('\n')}\n`,
});

function bashStdout(session: PlannedSession, step: Extract<SessionStep, { kind: 'bash' }>): string {
  if (step.commit) {
    const files = step.commit.files.length;
    const insertions = step.commit.files.reduce((n, f) => n + f.hunks.reduce((k, h) => k + h.lines.filter((l) => l.startsWith('+')).length, 0), 0);
    return `[${session.person.login}/work ${shortSha(step.commit.sha)}] ${step.commit.message.split('\n')[0]}\n ${files} file${files === 1 ? '' : 's'} changed, ${insertions} insertions(+)`;
  }
  if (step.pullRequest) return `https://github.com/${step.pullRequest.repository.fullName}/pull/${step.pullRequest.number}`;
  if (step.command.startsWith('git push')) return '';
  return `${20 + (step.toolUseId.charCodeAt(10) % 60)} passed`;
}

/** One PostToolUse hook call, as the CLI posts it. */
function hookCall(session: PlannedSession, step: SessionStep, promptId: string): object | null {
  const base = {
    session_id: session.id,
    transcript_path: `/home/${session.person.login}/.claude/projects/${session.cwd.replace(/\//g, '-')}/${session.id}.jsonl`,
    cwd: session.cwd,
    prompt_id: promptId,
    permission_mode: 'acceptEdits',
    hook_event_name: 'PostToolUse',
  };
  switch (step.kind) {
    case 'write': {
      const filePath = absolutePath(session, step.path);
      return {
        ...base,
        tool_name: 'Write',
        tool_input: { file_path: filePath, content: step.content },
        tool_response: { type: 'create', filePath, content: step.content, structuredPatch: [], originalFile: null, userModified: false },
        tool_use_id: step.toolUseId,
        duration_ms: 4 + (step.linesAdded % 9),
      };
    }
    case 'edit': {
      const filePath = absolutePath(session, step.path);
      const { oldString, newString } = oldAndNew(step.hunk);
      const oldLines = step.hunk.lines.filter((l) => !l.startsWith('+')).length;
      const newLines = step.hunk.lines.filter((l) => !l.startsWith('-')).length;
      return {
        ...base,
        tool_name: 'Edit',
        tool_input: { file_path: filePath, old_string: oldString, new_string: newString, replace_all: false },
        tool_response: {
          filePath,
          oldString,
          newString,
          originalFile: oldString,
          structuredPatch: [{ oldStart: step.hunk.oldStart, oldLines, newStart: step.hunk.newStart, newLines, lines: step.hunk.lines }],
          userModified: false,
          replaceAll: false,
        },
        tool_use_id: step.toolUseId,
        duration_ms: 3 + (step.linesAdded % 7),
      };
    }
    case 'bash': {
      const gitOperation = step.commit
        ? { commit: { sha: shortSha(step.commit.sha), kind: 'committed' } }
        : step.pullRequest
          ? {
              pr: {
                number: step.pullRequest.number,
                url: `https://github.com/${step.pullRequest.repository.fullName}/pull/${step.pullRequest.number}`,
                action: 'created',
              },
            }
          : undefined;
      return {
        ...base,
        tool_name: 'Bash',
        tool_input: { command: step.command, description: step.description },
        tool_response: {
          stdout: bashStdout(session, step),
          stderr: '',
          interrupted: false,
          isImage: false,
          noOutputExpected: false,
          ...(gitOperation ? { gitOperation } : {}),
        },
        tool_use_id: step.toolUseId,
        duration_ms: step.command.includes('test') ? 4_000 + (step.at % 20_000) : 30 + (step.at % 200),
      };
    }
    default:
      return null;
  }
}

interface Increment {
  at: number;
  name: string;
  unit: string;
  attributes: Attrs;
  value: number;
}

const METRIC_DESCRIPTIONS: Record<string, string> = {
  'claude_code.session.count': 'Count of CLI sessions started',
  'claude_code.lines_of_code.count':
    "Count of lines of code modified, with the 'type' attribute indicating whether lines were added or removed and the 'model' attribute indicating which model made the change",
  'claude_code.pull_request.count': 'Number of pull requests created',
  'claude_code.commit.count': 'Number of git commits created',
  'claude_code.cost.usage': 'Cost of the Claude Code session',
  'claude_code.token.usage': 'Number of tokens used',
  'claude_code.code_edit_tool.decision': 'Count of code editing tool permission decisions',
  'claude_code.active_time.total': 'Total active time in seconds',
};

/** The resource and the instrumentation scope that every metrics and logs export names, in OTLP/JSON. */
const otlpResource = (session: PlannedSession) => ({ attributes: kv(resource(session)), droppedAttributesCount: 0 });
const otlpScope = (name: string) => ({ name, version: SCOPE_VERSION });

/** DELTA exports: each holds what happened since the previous one (the CLI exports periodically and at exit). */
function metricsExports(session: PlannedSession, increments: Increment[]): TelemetryRequest[] {
  const span = session.endedAt - session.startedAt;
  const windows = span > 45 * 60_000 ? 2 : 1;
  const bounds = Array.from({ length: windows + 1 }, (_, i) => session.startedAt + Math.round((span * i) / windows));
  bounds[windows] = session.endedAt + 1_000;
  const ident = identity(session);
  const out: TelemetryRequest[] = [];
  for (let w = 0; w < windows; w++) {
    const [from, to] = [bounds[w]!, bounds[w + 1]!];
    const inWindow = increments.filter((i) => i.at >= from && (i.at < to || w === windows - 1));
    // Same metric and attributes: one data point with the sum (the SDK aggregates between exports).
    const points = new Map<string, { inc: Increment; value: number }>();
    for (const inc of inWindow) {
      const key = `${inc.name}\u0000${JSON.stringify(inc.attributes)}`;
      const p = points.get(key);
      if (p) p.value += inc.value;
      else points.set(key, { inc, value: inc.value });
    }
    const byMetric = new Map<string, { inc: Increment; value: number }[]>();
    for (const p of points.values()) byMetric.set(p.inc.name, [...(byMetric.get(p.inc.name) ?? []), p]);
    if (byMetric.size === 0) continue;
    out.push({
      at: to,
      path: '/v1/metrics',
      body: {
        resourceMetrics: [
          {
            resource: otlpResource(session),
            scopeMetrics: [
              {
                scope: otlpScope('com.anthropic.claude_code'),
                metrics: [...byMetric].map(([name, ps]) => ({
                  name,
                  description: METRIC_DESCRIPTIONS[name] ?? '',
                  unit: ps[0]!.inc.unit,
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: ps.map((p) => ({
                      attributes: kv({ ...ident, ...p.inc.attributes }),
                      startTimeUnixNano: nanos(from),
                      timeUnixNano: nanos(to),
                      asDouble: Math.round(p.value * 1e9) / 1e9,
                    })),
                  },
                })),
              },
            ],
          },
        ],
      },
    });
  }
  return out;
}

/**
 * Every request Claude Code makes for the session, in time order: hook calls as tools run (hook
 * machines only), the events at the end, the metrics in DELTA exports.
 */
export function sessionTelemetry(session: PlannedSession): TelemetryRequest[] {
  const cc = session.person.claudeCode!;
  const withDetails = cc.mode === 'hooks';
  const language = session.repository.spec.language;
  const requests: TelemetryRequest[] = [];
  const increments: Increment[] = [];
  const inc = (at: number, name: string, attributes: Attrs, value: number, unit = '') => increments.push({ at, name, unit, attributes, value });

  const events: { at: number; name: string; attributes: Attrs }[] = [];
  let promptId = '';
  inc(session.startedAt, 'claude_code.session.count', { start_type: 'fresh' }, 1);

  const apiQueue = [...session.apiRequests];
  const flushApi = (until: number) => {
    while (apiQueue.length > 0 && apiQueue[0]!.at <= until) {
      const r = apiQueue.shift()!;
      events.push({
        at: r.at,
        name: 'api_request',
        attributes: {
          'prompt.id': promptId,
          model: r.model,
          input_tokens: r.inputTokens,
          output_tokens: r.outputTokens,
          cache_read_tokens: r.cacheReadTokens,
          cache_creation_tokens: r.cacheCreationTokens,
          cost_usd: r.costUsd,
          cost_usd_micros: Math.round(r.costUsd * 1e6),
          duration_ms: r.durationMs,
          speed: 'normal',
          query_source: r.model === 'claude-haiku-4-5' ? 'auxiliary' : 'main',
        },
      });
      const model = { model: r.model };
      inc(r.at, 'claude_code.cost.usage', model, r.costUsd, 'USD');
      inc(r.at, 'claude_code.token.usage', { ...model, type: 'input' }, r.inputTokens, 'tokens');
      inc(r.at, 'claude_code.token.usage', { ...model, type: 'output' }, r.outputTokens, 'tokens');
      inc(r.at, 'claude_code.token.usage', { ...model, type: 'cacheRead' }, r.cacheReadTokens, 'tokens');
      inc(r.at, 'claude_code.token.usage', { ...model, type: 'cacheCreation' }, r.cacheCreationTokens, 'tokens');
    }
  };

  for (const step of session.steps) {
    flushApi(step.at);
    if (step.kind === 'prompt') {
      promptId = step.promptId;
      events.push({ at: step.at, name: 'user_prompt', attributes: { 'prompt.id': promptId, prompt_length: String(step.length), prompt: '<REDACTED>' } });
      continue;
    }
    const tool = toolName(step);
    const rejected = step.kind === 'reject';
    events.push({
      at: step.at,
      name: 'tool_decision',
      attributes: { 'prompt.id': promptId, decision: rejected ? 'reject' : 'accept', source: rejected ? 'user_reject' : 'config', tool_name: tool, tool_use_id: step.toolUseId },
    });
    if (step.kind === 'write' || step.kind === 'edit' || step.kind === 'reject') {
      inc(step.at, 'claude_code.code_edit_tool.decision', { decision: rejected ? 'reject' : 'accept', source: rejected ? 'user_reject' : 'config', tool_name: tool, language }, 1);
    }
    if (rejected) continue;
    const result: Attrs = {
      'prompt.id': promptId,
      tool_name: tool,
      tool_use_id: step.toolUseId,
      success: 'true',
      duration_ms: String(step.kind === 'bash' && step.command.includes('test') ? 4200 : 12),
      tool_input_size_bytes: String(step.kind === 'write' ? step.content.length + 60 : 120),
      tool_result_size_bytes: String(140),
    };
    if (withDetails && step.kind === 'bash') {
      result.tool_parameters = JSON.stringify({
        bash_command: step.command.split(' ')[0],
        full_command: step.command,
        description: step.description,
        ...(step.commit ? { git_commit_id: shortSha(step.commit.sha) } : {}),
      });
    }
    events.push({ at: step.at + 15, name: 'tool_result', attributes: result });
    if (step.kind === 'write' || step.kind === 'edit') {
      const model = { model: cc.model };
      inc(step.at, 'claude_code.lines_of_code.count', { type: 'added', ...model }, step.linesAdded);
      inc(step.at, 'claude_code.lines_of_code.count', { type: 'removed', ...model }, step.kind === 'edit' ? step.linesRemoved : 0);
    }
    if (step.kind === 'bash' && step.commit) inc(step.at, 'claude_code.commit.count', {}, 1);
    if (step.kind === 'bash' && step.pullRequest) inc(step.at, 'claude_code.pull_request.count', {}, 1);
    if (withDetails) {
      const call = hookCall(session, step, promptId);
      if (call) requests.push({ at: step.at + 40, path: '/hooks/claude-code', body: call });
    }
  }
  flushApi(Number.POSITIVE_INFINITY);

  // Active time: the CLI working and the person typing, spread over the session.
  const span = (session.endedAt - session.startedAt) / 1000;
  inc(session.startedAt + 1, 'claude_code.active_time.total', { type: 'cli' }, Math.round(span * 0.35 * 1000) / 1000, 's');
  inc(session.endedAt, 'claude_code.active_time.total', { type: 'user' }, Math.round(span * 0.2 * 1000) / 1000, 's');

  events.sort((a, b) => a.at - b.at);
  const ident = identity(session);
  requests.push({
    at: session.endedAt + 2_000,
    path: '/v1/logs',
    body: {
      resourceLogs: [
        {
          resource: otlpResource(session),
          scopeLogs: [
            {
              scope: otlpScope('com.anthropic.claude_code.events'),
              logRecords: events.map((e, i) => ({
                timeUnixNano: nanos(e.at),
                observedTimeUnixNano: nanos(e.at),
                body: { stringValue: `claude_code.${e.name}` },
                attributes: kv({ ...ident, 'event.name': e.name, 'event.timestamp': isoMs(e.at), 'event.sequence': i, ...e.attributes }),
                droppedAttributesCount: 0,
              })),
            },
          ],
        },
      ],
    },
  });
  requests.push(...metricsExports(session, increments));
  return requests.sort((a, b) => a.at - b.at);
}
