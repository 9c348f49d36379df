import { describe, expect, it } from 'vitest';
import { gitOperationOf, relativeFilePath, writtenFile, type HookCall } from '../../src/telemetry/hook-call.js';

const call = (tool_name: string, tool_input: Record<string, unknown>, tool_response: unknown = {}): HookCall => ({
  session_id: 's',
  hook_event_name: 'PostToolUse',
  cwd: '/home/dana/src/widgets',
  tool_name,
  tool_input,
  tool_response,
});

describe('relativeFilePath', () => {
  it.each([
    ['/home/dana/src/widgets/src/a.ts', '/home/dana/src/widgets', 'src/a.ts'],
    ['/home/dana/src/widgets/src/a.ts', '/home/dana/src/widgets/', 'src/a.ts'],
    ['/home/dana/src/widgets/packages/api/x.ts', '/home/dana/src/widgets/packages/api', 'x.ts'],
    ['src/./b.ts', '/home/dana/src/widgets', 'src/b.ts'],
    ['/etc/hosts', '/home/dana/src/widgets', 'etc/hosts'],
    ['C:\\work\\app\\src\\c.ts', 'C:\\work\\app', 'src/c.ts'],
    ['/home/dana/src/widgets-old/a.ts', '/home/dana/src/widgets', 'home/dana/src/widgets-old/a.ts'],
  ])('%s in %s → %s', (file, cwd, expected) => {
    expect(relativeFilePath(file, cwd)).toBe(expected);
  });
});

describe('writtenFile', () => {
  it('Write: every line of the content', () => {
    expect(writtenFile(call('Write', { file_path: '/home/dana/src/widgets/a.ts', content: 'one\ntwo\n' }))).toEqual({
      path: 'a.ts',
      lines: ['one', 'two', ''],
    });
  });

  it('Edit: the + lines of the structured patch', () => {
    const response = { structuredPatch: [{ lines: [' keep', '-old', '+new one', '+new two'] }, { lines: ['+third'] }] };
    expect(writtenFile(call('Edit', { file_path: '/home/dana/src/widgets/a.ts', new_string: 'ignored' }, response))?.lines).toEqual([
      'new one',
      'new two',
      'third',
    ]);
  });

  it('Edit without a structured patch: new_string', () => {
    expect(writtenFile(call('Edit', { file_path: '/home/dana/src/widgets/a.ts', new_string: 'x = 1\ny = 2' }))?.lines).toEqual(['x = 1', 'y = 2']);
  });

  it('MultiEdit: the patch, or every new_string', () => {
    expect(writtenFile(call('MultiEdit', { file_path: 'a.ts', edits: [{ new_string: 'p\nq' }, { new_string: 'r' }] }))?.lines).toEqual(['p', 'q', 'r']);
    expect(writtenFile(call('MultiEdit', { file_path: 'a.ts', edits: [] }, { structuredPatch: [{ lines: ['+s'] }] }))?.lines).toEqual(['s']);
  });

  it('NotebookEdit: the new cell source, nothing for a deleted cell', () => {
    expect(writtenFile(call('NotebookEdit', { notebook_path: '/home/dana/src/widgets/n.ipynb', new_source: 'import pandas as pd' }))).toEqual({
      path: 'n.ipynb',
      lines: ['import pandas as pd'],
    });
    expect(writtenFile(call('NotebookEdit', { notebook_path: 'n.ipynb', new_source: '', edit_mode: 'delete' }))).toBeNull();
  });

  it('other tools write nothing', () => {
    expect(writtenFile(call('Read', { file_path: '/home/dana/src/widgets/a.ts' }))).toBeNull();
    expect(writtenFile(call('Bash', { command: 'ls' }))).toBeNull();
  });
});

describe('gitOperationOf', () => {
  it('reads the commit and pull request of a Bash call', () => {
    expect(
      gitOperationOf(call('Bash', { command: 'gh pr create' }, { gitOperation: { pr: { number: 42, url: 'https://github.com/Acme/Widgets/pull/42', action: 'created' } } })),
    ).toEqual({ pullRequest: { repository: 'acme/widgets', number: 42, url: 'https://github.com/Acme/Widgets/pull/42' } });
    expect(gitOperationOf(call('Bash', { command: 'git commit' }, { gitOperation: { commit: { sha: '6A585AA', kind: 'committed' } } }))).toEqual({
      commitSha: '6a585aa',
    });
  });

  it('ignores what is not a commit sha or a pull request URL', () => {
    expect(gitOperationOf(call('Bash', {}, { gitOperation: { commit: { sha: 'HEAD' }, pr: { url: 'https://example.com/x' } } }))).toEqual({});
    expect(gitOperationOf(call('Write', {}, { gitOperation: { commit: { sha: 'abcdef1' } } }))).toEqual({});
  });
});
