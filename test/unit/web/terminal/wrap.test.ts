import { describe, expect, it } from 'vitest';
import { wrapWords } from '../../../../web/src/terminal/wrap.js';

const EXPLAIN =
  '  ↳ Nothing is listening on 127.0.0.1:20005: the kernel answered the SYN with RST. A socket that is only bound, not listening, refuses too.';

describe('wrapWords', () => {
  it('leaves a line that fits alone', () => {
    expect(wrapWords('ConnectionRefusedError: [Errno 111] Connection refused', 54)).toBe(
      'ConnectionRefusedError: [Errno 111] Connection refused',
    );
  });

  it('breaks an explanation between words, its rows under the text after the arrow', () => {
    const rows = wrapWords(EXPLAIN, 40).split('\n');
    expect(rows).toEqual([
      '  ↳ Nothing is listening on',
      '    127.0.0.1:20005: the kernel answered',
      '    the SYN with RST. A socket that is',
      '    only bound, not listening, refuses',
      '    too.',
    ]);
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(40);
    // Nothing lost, nothing added but the breaks and the indent.
    expect(rows.map((r) => r.trim()).join(' ')).toBe(EXPLAIN.trim());
  });

  it('indents the rows of an unindented line by two', () => {
    expect(wrapWords('ConnectionRefusedError: [Errno 111] Connection refused', 30)).toBe(
      'ConnectionRefusedError: [Errno\n  111] Connection refused',
    );
  });

  it('cuts a word wider than a row where the terminal would, and goes on after it', () => {
    const rows = wrapWords(`gaierror: ${'x'.repeat(25)} is not a name`, 12).split('\n');
    expect(rows).toEqual(['gaierror:', '  xxxxxxxxxx', '  xxxxxxxxxx', '  xxxxx is', '  not a name']);
  });

  it('counts characters, not UTF-16 units', () => {
    // The arrow and an emoji are one code point each; a row of exactly the width stays one row.
    expect(wrapWords('  ↳ 🌮 is four bytes', 19)).toBe('  ↳ 🌮 is four bytes');
  });

  it('leaves a line alone when its indent leaves no room to wrap under', () => {
    const deep = `${' '.repeat(30)}a long line that cannot be indented usefully`;
    expect(wrapWords(deep, 40)).toBe(deep);
  });
});
