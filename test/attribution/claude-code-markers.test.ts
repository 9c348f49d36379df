import { describe, expect, it } from 'vitest';
import { coAuthorLoginOf, hasClaudeCodeTrailer, hasGeneratedWithClaudeCodeLine, isClaudeBotLogin, isClaudeBranch, remoteCommitSignal } from '../../src/attribution/claude-code-markers.js';

describe('hasClaudeCodeTrailer', () => {
  it.each([
    ['Add token-bucket rate limiting\n\nCo-Authored-By: Claude <noreply@anthropic.com>', true],
    ['Fix\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>', true],
    ['Fix\n\nco-authored-by: claude sonnet 4 <NOREPLY@ANTHROPIC.COM>\n', true],
    ['Fix\n\nSigned-off-by: Dana <d@x>\nCo-authored-by: Claude <noreply@anthropic.com>\n', true],
    ['Document rate limiting', false],
    ['Fix\n\nCo-Authored-By: Dana <dana@acme.example>', false],
    ['Fix\n\nCo-Authored-By: Claudette <claudette@example.com>', false],
    ['Mention: Co-Authored-By: Claude <noreply@anthropic.com> in docs', false],
    ['Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com.evil>', false],
  ])('%j → %s', (message, expected) => {
    expect(hasClaudeCodeTrailer(message)).toBe(expected);
  });
});

describe('hasGeneratedWithClaudeCodeLine', () => {
  it.each([
    ['## Summary\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)', true],
    ['Generated with Claude Code', true],
    ['Written by hand', false],
    [null, false],
  ])('%j → %s', (body, expected) => {
    expect(hasGeneratedWithClaudeCodeLine(body)).toBe(expected);
  });
});

describe('Claude Code away from the laptop', () => {
  it.each([
    ['claude[bot]', true],
    ['Claude[bot]', true],
    ['claude-code[bot]', true],
    ['claude', false],
    ['claudia[bot]', false],
    ['dependabot[bot]', false],
  ])('isClaudeBotLogin(%s) → %s', (login, expected) => {
    expect(isClaudeBotLogin(login)).toBe(expected);
  });

  it.each([
    ['Fix the cart\n\nhttps://claude.ai/code/session_011CUQx7Yb2vK9pLmN3', 'session_url'],
    ['Fix the cart', null],
    ['See https://claude.ai/code for how', null],
  ])('a commit message %j → %s', (message, expected) => {
    expect(remoteCommitSignal({ message })).toBe(expected);
  });

  it('a commit by the bot, as author or committer', () => {
    expect(remoteCommitSignal({ message: 'x', authorLogin: 'claude[bot]' })).toBe('bot_commit');
    expect(remoteCommitSignal({ message: 'x', authorLogin: 'dana', committerLogin: 'claude[bot]' })).toBe('bot_commit');
    expect(remoteCommitSignal({ message: 'x', authorLogin: 'dana', committerLogin: 'web-flow' })).toBeNull();
  });

  it.each([
    ['claude/issue-12-20261121-0930', true],
    ['claude/add-config-01AbCd', true],
    ['claude', false],
    ['feature/claude/x', false],
    [null, false],
  ])('isClaudeBranch(%s) → %s', (ref, expected) => {
    expect(isClaudeBranch(ref)).toBe(expected);
  });

  it.each([
    ['Fix\n\nCo-authored-by: Dana <9001+dana@users.noreply.github.com>', 'dana'],
    ['Fix\n\nCo-authored-by: Lee <lee@users.noreply.github.com>', 'lee'],
    ['Fix\n\nCo-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>\nCo-authored-by: Sam <5+Sam@users.noreply.github.com>', 'sam'],
    ['Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>', null],
    ['Fix\n\nCo-authored-by: Dana <dana@acme.example>', null],
  ])('coAuthorLoginOf(%j) → %s', (message, expected) => {
    expect(coAuthorLoginOf(message)).toBe(expected);
  });
});
