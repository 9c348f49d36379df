import { describe, expect, it } from 'vitest';
import { hasClaudeCodeTrailer, hasGeneratedWithClaudeCodeLine } from '../../src/attribution/claude-code-markers.js';

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
