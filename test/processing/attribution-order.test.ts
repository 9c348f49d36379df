import { describe, expect, it } from 'vitest';
import { attributionOrder } from '../../src/processing/run-processing.js';

/*
 * Subjects that share a Claude Code session are attributed in merge order (the first merged takes
 * the session's lines); subjects that share none stay grouped by author, for the session cache.
 */

const s = (subject: string, authorLogin: string, at: string) => ({ subject, authorLogin, at });

describe('attributionOrder', () => {
  it('keeps authors apart when they share no session, each in merge order', () => {
    const subjects = [s('pull_request:3', 'lee', '2026-11-02T00:00:00Z'), s('pull_request:1', 'dana', '2026-11-03T00:00:00Z'), s('pull_request:2', 'dana', '2026-11-01T00:00:00Z')];
    const sessions = new Map([
      ['pull_request:1', ['d']],
      ['pull_request:2', ['d']],
      ['pull_request:3', ['l']],
    ]);
    expect(attributionOrder(subjects, (x) => sessions.get(x.subject)!).map((x) => x.subject)).toEqual(['pull_request:2', 'pull_request:1', 'pull_request:3']);
  });

  it('puts subjects of two authors that share a session (a commit link) in one merge order', () => {
    const subjects = [
      s('pull_request:1', 'dana', '2026-11-03T00:00:00Z'),
      s('pull_request:2', 'lee', '2026-11-02T00:00:00Z'),
      s('pull_request:3', 'zoe', '2026-11-01T00:00:00Z'),
      s('commit:9', 'lee', '2026-11-02T00:00:00Z'),
    ];
    // Lee's PR #2 carries a commit of Dana's session; Zoe's shares nothing.
    const sessions = new Map([
      ['pull_request:1', ['d']],
      ['pull_request:2', ['l', 'd']],
      ['pull_request:3', ['z']],
      ['commit:9', ['l']],
    ]);
    expect(attributionOrder(subjects, (x) => sessions.get(x.subject)!).map((x) => x.subject)).toEqual([
      'commit:9',
      'pull_request:2',
      'pull_request:1',
      'pull_request:3',
    ]);
  });
});
