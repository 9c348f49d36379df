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
    ['/etc/hosts', '/home/dana/src/widgets', '/etc/hosts'],
    ['C:\\work\\app\\src\\c.ts', 'C:\\work\\app', 'src/c.ts'],
    ['/home/dana/src/widgets-old/a.ts', '/home/dana/src/widgets', '/home/dana/src/widgets-old/a.ts'],
    ['D:\\other\\b.ts', 'C:\\work\\app', '/other/b.ts'],
    ['/home/dana/src/widgets/a.ts', undefined, '/home/dana/src/widgets/a.ts'],
  ])('%s in %s → %s', (file, cwd, expected) => {
    expect(relativeFilePath(file, cwd)).toBe(expected);
  });
});

describe('writtenFile', () => {
  it('Write of a new file: every line of the content (the recorded CLI 2.1.197 shape)', () => {
    const response = { type: 'create', filePath: '/home/dana/src/widgets/a.ts', content: 'one\ntwo\n', structuredPatch: [], originalFile: null };
    expect(writtenFile(call('Write', { file_path: '/home/dana/src/widgets/a.ts', content: 'one\ntwo\n' }, response))).toEqual({
      path: 'a.ts',
      lines: ['one', 'two', ''],
    });
  });

  // A Write over an existing file, as CLI 2.1.332 sends it (recorded through the harness): type
  // "update", the structured patch and the file before.
  const before = "// Loads the server's settings.\nmodule.exports = function load(env) {\n  return { port: env.PORT || 3000 };\n};\n";
  const after =
    "// Loads the server's settings.\nmodule.exports = function load(env) {\n  const port = Number(env.PORT || 3000);\n  return { port, host: env.HOST || '127.0.0.1' };\n};\n";
  const patch = [
    {
      oldStart: 1,
      oldLines: 4,
      newStart: 1,
      newLines: 5,
      lines: [
        " // Loads the server's settings.",
        ' module.exports = function load(env) {',
        '-  return { port: env.PORT || 3000 };',
        '+  const port = Number(env.PORT || 3000);',
        "+  return { port, host: env.HOST || '127.0.0.1' };",
        ' };',
      ],
    },
  ];
  const newLines = ['  const port = Number(env.PORT || 3000);', "  return { port, host: env.HOST || '127.0.0.1' };"];

  it.each([
    ['the structured patch and the file before (2.1.332)', { type: 'update', structuredPatch: patch, originalFile: before }, newLines],
    ['only the structured patch', { type: 'update', structuredPatch: patch }, newLines],
    ['only the file before', { type: 'update', structuredPatch: [], originalFile: before }, newLines],
    ['the same content again', { type: 'update', structuredPatch: [], originalFile: after }, []],
    ['an update that says nothing of what changed', { type: 'update' }, null],
    ['no response at all', undefined, null],
  ])('Write over an existing file, told by %s: only the new lines', (_, response, expected) => {
    const written = writtenFile(call('Write', { file_path: '/home/dana/src/config/config.js', content: after }, response && { filePath: '/home/dana/src/config/config.js', content: after, ...response }));
    expect(written === null ? null : written.lines).toEqual(expected);
  });

  it('Write over an existing file: a line that was there, re-indented or re-quoted, is not new', () => {
    const original = "const a = 'x';\nfunction f() {\n  return a;\n}\n";
    const content = 'const a = "x";\nfunction f() {\n    return a;\n}\nconst b = 2;\n';
    expect(writtenFile(call('Write', { file_path: 'f.js', content }, { type: 'update', originalFile: original }))?.lines).toEqual(['const b = 2;']);
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
