import type { DemoPerson, DemoRepository, PlannedSession } from './demo-plan.js';
import { hunkOf, planFileEdit } from './plan-file-edit.js';
import { MINUTE, type Planning } from './planning.js';
import type { Random } from './random.js';
import { writeCode } from './synthetic-code.js';

/** List prices in USD per million tokens: input, output, cache read, cache write. */
const MODEL_PRICES: Record<string, [number, number, number, number]> = {
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'claude-opus-4-1': [15, 75, 1.5, 18.75],
  'claude-haiku-4-5': [1, 5, 0.1, 1.25],
};

/** Time moving on through a session: `after([min, max])` moves it on by a random number of seconds in that many minutes. */
export function sessionClock({ random, start }: { random: Random; start: number }) {
  let t = start;
  return { after: (minutes: [number, number]) => (t += random.int(minutes[0] * 60, minutes[1] * 60) * 1000) };
}

export function startSession({ random, person, repository, startedAt, subfolder }: { random: Random; person: DemoPerson; repository: DemoRepository; startedAt: number; subfolder: string }): PlannedSession {
  const root = `/home/${person.login}/src/${repository.name}`;
  return { id: random.uuid(), person, repository, cwd: subfolder ? `${root}/${subfolder}` : root, subfolder, startedAt, endedAt: startedAt, steps: [], apiRequests: [] };
}

export function addPrompt({ random, session, at }: { random: Random; session: PlannedSession; at: number }) {
  session.steps.push({ kind: 'prompt', at, promptId: random.uuid(), length: random.int(20, 600) });
}

/** The model calls behind a session's steps, priced at list price. */
export function addApiRequests({ random, session }: { random: Random; session: PlannedSession }) {
  const profile = session.person.claudeCode!;
  const work = session.steps.filter((s) => s.kind !== 'prompt').length;
  const n = 3 + work * 2 + random.int(0, 8);
  const span = Math.max(MINUTE, session.endedAt - session.startedAt);
  for (let i = 0; i < n; i++) {
    const model = random.chance(0.18) ? 'claude-haiku-4-5' : profile.model;
    const [pin, pout, pread, pwrite] = MODEL_PRICES[model]!;
    const inputTokens = random.int(200, 6000);
    const outputTokens = random.int(80, 2400);
    const cacheReadTokens = i === 0 ? 0 : random.int(4000, 80000);
    const cacheCreationTokens = random.chance(0.3) ? random.int(500, 9000) : 0;
    const costUsd = Math.round(((inputTokens * pin + outputTokens * pout + cacheReadTokens * pread + cacheCreationTokens * pwrite) / 1e6) * 1e6) / 1e6;
    session.apiRequests.push({
      at: session.startedAt + Math.floor(((i + 0.5) / n) * span),
      model,
      inputTokens,
      outputTokens,
      cacheReadTokens,
      cacheCreationTokens,
      costUsd,
      durationMs: random.int(800, 30000),
    });
  }
}

/** A session that explores, runs things, writes throwaway code or gets its edits rejected: nothing ships. */
export function planExploratorySession({ planning, random, person, repository, start }: { planning: Planning; random: Random; person: DemoPerson; repository: DemoRepository; start: number }) {
  const files = planning.filesOf.get(repository.name)!;
  const { language } = repository.spec;
  const session = startSession({ random, person, repository, startedAt: start, subfolder: '' });
  const clock = sessionClock({ random, start });
  addPrompt({ random, session, at: start });
  for (let i = random.int(2, 6); i > 0; i--) session.steps.push({ kind: 'read', at: clock.after([0.2, 3]), toolUseId: toolUseId(random), path: random.pick(files) });
  if (random.chance(0.5)) {
    addPrompt({ random, session, at: clock.after([1, 5]) });
    session.steps.push({ kind: 'bash', at: clock.after([0.5, 2]), toolUseId: toolUseId(random), command: testCommand(repository), description: 'Run the tests' });
  }
  if (random.chance(0.45)) {
    const edit = planFileEdit({ planning, random, repository, lines: random.int(4, 25), preferNew: random.chance(0.5) });
    const lines = writeCode({ ...edit.args, target: edit.target });
    if (random.chance(0.4)) session.steps.push({ kind: 'reject', at: clock.after([0.5, 3]), toolUseId: toolUseId(random), tool: edit.isNew ? 'Write' : 'Edit', path: edit.path, language });
    session.steps.push(
      edit.isNew
        ? { kind: 'write', at: clock.after([1, 5]), toolUseId: toolUseId(random), path: edit.path, content: `${lines.join('\n')}\n`, linesAdded: lines.length, language }
        : { kind: 'edit', at: clock.after([1, 5]), toolUseId: toolUseId(random), path: edit.path, hunk: hunkOf(edit, lines), linesAdded: lines.length, linesRemoved: edit.removed.length, language },
    );
    if (edit.isNew) files.pop(); // never committed: the file does not exist for later work
  } else if (random.chance(0.5)) {
    const path = random.pick(files);
    session.steps.push({ kind: 'reject', at: clock.after([0.5, 3]), toolUseId: toolUseId(random), tool: 'Edit', path, language });
  }
  session.endedAt = clock.after([2, 15]);
  addApiRequests({ random, session });
  planning.sessions.push(session);
}

/** Sometimes Claude Code runs in a subfolder: file paths are then relative to it (the app matches by suffix). */
export function subfolderFor({ random, paths }: { random: Random; paths: string[] }): string {
  const first = paths[0]!.split('/')[0]!;
  return paths.every((p) => p.startsWith(`${first}/`)) && random.chance(0.12) ? first : '';
}

export function toolUseId(random: Random): string {
  return `toolu_01${random.hex(22)}`;
}

export function testCommand(repository: DemoRepository): string {
  switch (repository.spec.language) {
    case 'Python':
      return 'pytest -q';
    case 'Go':
      return 'go test ./...';
    case 'Markdown':
      return 'npx markdownlint-cli2 "**/*.md"';
    default:
      return 'npm test';
  }
}
