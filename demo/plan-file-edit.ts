import type { DemoRepository, FileChange, Hunk } from './demo-plan.js';
import type { Planning } from './planning.js';
import type { Random } from './random.js';
import { existingLines } from './synthetic-code.js';

/** Where a piece of work changes one file, before its new lines are written. */
export type FileEdit = ReturnType<typeof planFileEdit>;

/** New lines at a new path or in one of the repository's files, with the context and removed lines around them. */
export function planFileEdit({ planning, random, repository, lines, preferNew }: { planning: Planning; random: Random; repository: DemoRepository; lines: number; preferNew: boolean }) {
  const existing = planning.filesOf.get(repository.name)!;
  const isNew = preferNew || existing.length === 0 || random.chance(0.3);
  const path = isNew ? newPath({ random, repository, existing }) : random.pick(existing);
  if (isNew) existing.push(path);
  const args = { random, registry: planning.registry, path, language: repository.spec.language, domain: repository.spec.domain };
  const contextBefore = isNew ? [] : existingLines(args, 3);
  const removed = isNew ? [] : existingLines(args, random.weighted([[0, 5], [1, 3], [2, 2], [3, 1]] as const));
  const contextAfter = isNew ? [] : existingLines(args, 3);
  const oldStart = isNew ? 0 : random.int(4, 320);
  return { path, isNew, args, contextBefore, removed, contextAfter, oldStart, target: lines };
}

/** The edit as one hunk adding `added`. */
export const hunkOf = (edit: FileEdit, added: string[]): Hunk =>
  edit.isNew
    ? { oldStart: 0, newStart: 1, lines: added.map((l) => `+${l}`) }
    : {
        oldStart: edit.oldStart,
        newStart: edit.oldStart,
        lines: [...edit.contextBefore.map((l) => ` ${l}`), ...edit.removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`), ...edit.contextAfter.map((l) => ` ${l}`)],
      };

export const fileChange = (edit: FileEdit, added: string[]): FileChange => ({
  path: edit.path,
  status: edit.isNew ? 'added' : 'modified',
  hunks: [hunkOf(edit, added)],
  excluded: false,
});

/** A path the repository does not have yet, named in its domain's words. */
export function newPath({ random, repository, existing }: { random: Random; repository: DemoRepository; existing: string[] }): string {
  const { domain, dirs, extension, language } = repository.spec;
  for (let i = 0; i < 100; i++) {
    const words = [random.pick(domain.nouns), random.pick([...domain.verbs, ...domain.qualifiers])];
    const base = language === 'Python' || language === 'Go' ? words.join('_') : words.join('-');
    const path = `${random.pick(dirs)}/${base}${extension}`;
    if (!existing.includes(path)) return path;
  }
  return `${random.pick(dirs)}/${random.hex(6)}${extension}`;
}
