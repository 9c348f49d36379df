import { describe, expect, it } from 'vitest';
import { mayBeSamePath, placeSession, writtenPathTail } from '../../src/attribution/session-workspace.js';

/*
 * What a `lines` mark keeps of a written path, and which repository paths it may be (README: "Live
 * numbers"): wherever a session is placed, a path it wrote and the repository path it becomes end
 * one another, so an incremental run attributes again only the PRs with such a file.
 */

describe('the end of a written path', () => {
  it('drops leading `..` and `.` segments, and keeps whole segments from the end within the bound', () => {
    expect(writtenPathTail('src/orders/service.ts', 400)).toBe('src/orders/service.ts');
    expect(writtenPathTail('../lib/a.ts', 400)).toBe('lib/a.ts');
    expect(writtenPathTail('/home/dana/src/shop/test/orders.test.ts', 400)).toBe('home/dana/src/shop/test/orders.test.ts');
    expect(writtenPathTail('/home/dana/src/shop/test/orders.test.ts', 20)).toBe('test/orders.test.ts');
    expect(writtenPathTail(`dir/${'x'.repeat(30)}`, 20)).toBeNull();
    expect(writtenPathTail('.', 20)).toBeNull();
  });

  it('may be the same path as a repository path only when one ends the other, whole segments', () => {
    expect(mayBeSamePath('src/a.ts', 'src/a.ts')).toBe(true);
    expect(mayBeSamePath('src/a.ts', 'services/api/src/a.ts')).toBe(true);
    expect(mayBeSamePath('home/dana/shop/src/a.ts', 'src/a.ts')).toBe(true);
    expect(mayBeSamePath('src/a.ts', 'lib/a.ts')).toBe(false);
    expect(mayBeSamePath('a.ts', 'src/data.ts')).toBe(false);
    expect(mayBeSamePath('docs/README.md', 'README.md')).toBe(true);
    expect(mayBeSamePath('README.md', 'docs/README.md')).toBe(true);
    expect(mayBeSamePath('docs/README.md', 'site/README.md')).toBe(false);
  });

  it('holds for every placement: the repository path a written path gets always ends with its end, or ends it', () => {
    const cases: { cwd: string; written: string; commitPaths?: string[]; repository: string }[] = [
      { cwd: '/home/dana/src/shop', written: 'test/orders.test.ts', repository: 'acme/shop' },
      { cwd: '/home/dana/src/shop/services/api', written: '../lib/a.ts', repository: 'acme/shop' },
      { cwd: '/home/dana/src/shop/services/api', written: '/home/dana/src/shop/README.md', repository: 'acme/shop' },
      { cwd: '/home/dana/work', written: 'shop/src/a.ts', repository: 'acme/shop' },
      { cwd: '/tmp/x', written: 'pkg/src/a.ts', commitPaths: ['src/a.ts'], repository: 'acme/shop' },
    ];
    for (const c of cases) {
      const placement = placeSession({ cwd: c.cwd, ...(c.commitPaths ? { commitPaths: new Map([[c.repository, c.commitPaths]]) } : {}) }, [c.written], c.repository);
      const repositoryPath = placement?.pathOf(c.written);
      expect(repositoryPath, JSON.stringify(c)).toBeTruthy();
      expect(mayBeSamePath(writtenPathTail(c.written, 400)!, repositoryPath!), `${JSON.stringify(c)} → ${repositoryPath}`).toBe(true);
    }
  });
});
