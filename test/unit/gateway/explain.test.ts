// Every failure a student can meet comes with a sentence that says what to do, and never blames the
// kernel for what the playground itself refused.

import { describe, expect, it } from 'vitest';
import { KNOWN_CODES } from '../../../gateway/lessons/checks.js';
import { explainError } from '../../../gateway/protocol/explain.js';

const fallback = (code: string) =>
  explainError(code, { syscall: 'connect' }).includes(`(${code})`) ||
  explainError(code, { syscall: 'connect' }).includes(`answered ${code}`);

describe('explanations of failed calls', () => {
  it('has its own sentence for every refusal of the playground that a call can fail with', () => {
    const playground = KNOWN_CODES.filter((c) => c.startsWith('EGW_'));
    expect(playground.length).toBeGreaterThan(5);
    expect(playground.filter(fallback)).toEqual([]);
  });

  it('has its own sentence for the kernel errors the lessons teach', () => {
    const taught = [
      'ECONNREFUSED',
      'EADDRINUSE',
      'EACCES',
      'EPIPE',
      'ENOTCONN',
      'EINVAL',
      'EAGAIN',
      'EINPROGRESS',
      'ECONNRESET',
      'ETIMEDOUT',
    ];
    expect(taught.filter(fallback)).toEqual([]);
  });

  it('tells a student whose socket outlived a gateway restart to make a new one', () => {
    expect(explainError('EGW_NO_SUCH_HANDLE', { syscall: 'bind' })).toMatch(
      /earlier session.*socket\.socket\(\)/,
    );
  });

  it('names the playground, not the kernel, for a refusal it has no sentence for', () => {
    expect(explainError('EGW_SOMETHING_NEW', { syscall: 'bind' })).toBe(
      'The playground refused this call (EGW_SOMETHING_NEW).',
    );
    expect(explainError('EXDEV', { syscall: 'bind' })).toBe('The kernel answered EXDEV.');
  });
});
