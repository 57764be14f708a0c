import { describe, expect, it } from 'vitest';
import {
  clockTime,
  hexRows,
  renderPieces,
  SafeTerminalWriter,
  visibleLine,
} from '../../../../web/src/raw/render-bytes.js';

const enc = (s: string) => new TextEncoder().encode(s);
const raw = (...b: number[]) => Uint8Array.from(b);
/** Our own SGR codes, the only escape sequences the safe writer may emit. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const OUR_SGR = /\x1b\[[0-9;]*m/g;

describe('visibleLine', () => {
  it('shows an escape sequence as text: \\x1b[31m', () => {
    expect(visibleLine(enc('\x1b[31mred\x1b[0m'))).toBe('\\x1b[31mred\\x1b[0m');
  });

  it('shows control characters as escapes', () => {
    expect(visibleLine(raw(0x41, 0x00, 0x07, 0x7f, 0x42))).toBe('A\\x00\\x07\\x7fB');
    expect(visibleLine(enc('a\tb\r\n'))).toBe('a\\tb\\r\\n');
  });

  it('shows invalid UTF-8 as <ff>, byte by byte', () => {
    expect(visibleLine(raw(0x41, 0xff, 0x42))).toBe('A<ff>B');
    // Overlong NUL, a lone continuation byte, a UTF-16 surrogate, and a code point past U+10FFFF.
    expect(visibleLine(raw(0xc0, 0x80))).toBe('<c0><80>');
    expect(visibleLine(raw(0x80))).toBe('<80>');
    expect(visibleLine(raw(0xed, 0xa0, 0x80))).toBe('<ed><a0><80>');
    expect(visibleLine(raw(0xf4, 0x90, 0x80, 0x80))).toBe('<f4><90><80><80>');
  });

  it('keeps valid UTF-8 text as text', () => {
    expect(visibleLine(enc('café 🌮 日本'))).toBe('café 🌮 日本');
  });

  it('shows C1 controls (a terminal reads U+009B as CSI), direction overrides and invisible characters', () => {
    expect(visibleLine(enc('\u009b31m'))).toBe('\\u009b31m');
    expect(visibleLine(enc('abc\u202edef'))).toBe('abc\\u202edef');
    expect(visibleLine(enc('a\u200bb\ufeff'))).toBe('a\\u200bb\\ufeff');
  });
});

describe('renderPieces', () => {
  it('keeps a UTF-8 character cut by the end of a chunk for the next one', () => {
    const euro = enc('€'); // e2 82 ac
    const first = renderPieces(Uint8Array.from([0x61, euro[0]!, euro[1]!]), false);
    expect(first.pieces).toEqual([{ kind: 'text', text: 'a' }]);
    expect([...first.rest]).toEqual([0xe2, 0x82]);
    // When the stream ends there, the cut character is shown byte by byte.
    expect(renderPieces(first.rest, true).pieces).toEqual([{ kind: 'mark', text: '<e2><82>' }]);
  });

  it('marks a newline as its own piece', () => {
    expect(renderPieces(enc('a\nb')).pieces).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'newline' },
      { kind: 'text', text: 'b' },
    ]);
  });
});

describe('SafeTerminalWriter', () => {
  it('lets no escape sequence from the peer reach the terminal, only its own colours', () => {
    const w = new SafeTerminalWriter();
    const hostile = enc('\x1b]0;PWNED\x07\x1b[31m\x1b]52;c;?\x07\x1b[6n\u009b6n\x1bP$q\x1b\\');
    const out = w.write('in', hostile);
    const stripped = out.replace(OUR_SGR, '');
    const controls = [...stripped].filter((c) => {
      const n = c.codePointAt(0)!;
      return (n < 0x20 && c !== '\r' && c !== '\n') || (n >= 0x7f && n <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(stripped).toBe('← \\x1b]0;PWNED\\x07\\x1b[31m\\x1b]52;c;?\\x07\\x1b[6n\\u009b6n\\x1bP$q\\x1b\\');
  });

  it('starts every line with the direction, and a change of direction on a new line', () => {
    const w = new SafeTerminalWriter();
    const plain = (s: string) => s.replace(OUR_SGR, '');
    let out = w.write('out', enc('hello\r\n'));
    out += w.write('in', enc('hel'));
    out += w.write('in', enc('lo\r\nbye'));
    out += w.write('out', enc('x'));
    expect(plain(out)).toBe('→ hello\\r\\n\r\n← hello\\r\\n\r\n← bye\r\n→ x');
  });

  it('joins a character split across two chunks of the same direction', () => {
    const w = new SafeTerminalWriter();
    const euro = enc('€');
    const out = w.write('in', euro.subarray(0, 1)) + w.write('in', euro.subarray(1));
    expect(out.replace(OUR_SGR, '')).toBe('← €');
    expect(w.end('in')).toBe('');
  });

  it('keeps every mark whole in a narrow terminal: one that does not fit starts the next row', () => {
    // 12 columns: "→ GET / HT" fills 10, "\r" still fits (12), "\n" goes to the next row, under the text.
    const w = new SafeTerminalWriter(12);
    const plain = (s: string) => s.replace(OUR_SGR, '');
    expect(plain(w.write('out', enc('GET / HT\r\n')))).toBe('→ GET / HT\\r\r\n  \\n\r\n');
    // Text the terminal wraps itself is counted on: "← 0123456789" fills the row, "abcdef" wraps to the
    // next, "\x00" (4 columns) still fits after it, "\x01" does not.
    expect(plain(w.write('in', enc('0123456789abcdef\x00\x01')))).toBe('← 0123456789abcdef\\x00\r\n  \\x01');
  });

  it('counts a wide character as two columns, and breaks nothing in a terminal wide enough', () => {
    const w = new SafeTerminalWriter(8);
    // "← 日本" is 6 columns: "\r" fits (8), "\n" does not.
    expect(w.write('in', enc('日本\r\n')).replace(OUR_SGR, '')).toBe('← 日本\\r\r\n  \\n\r\n');
    const wide = new SafeTerminalWriter();
    expect(wide.write('in', enc('日本\r\n')).replace(OUR_SGR, '')).toBe('← 日本\\r\\n\r\n');
  });

  it('breaks its own notes between words in a narrow terminal', () => {
    const w = new SafeTerminalWriter(20);
    expect(w.note('── echo closed: FIN (recv → 0 bytes) ──').replace(OUR_SGR, '')).toBe(
      '── echo closed: FIN\r\n  (recv → 0 bytes)\r\n  ──\r\n',
    );
  });

  it('writes its own notes on a line of their own', () => {
    const w = new SafeTerminalWriter();
    const out = w.write('in', enc('partial')) + w.note('── FIN ──');
    expect(out.replace(OUR_SGR, '')).toBe('← partial\r\n── FIN ──\r\n');
  });
});

describe('hexRows', () => {
  it('gives offset, hex and printable ASCII, 8 bytes to a row', () => {
    expect(hexRows(enc('Hello\r\n\x00!'))).toEqual([
      { offset: '0000', hex: '48 65 6c 6c 6f 0d 0a 00', text: 'Hello...' },
      { offset: '0008', hex: '21'.padEnd(23), text: '!' },
    ]);
  });
});

describe('clockTime', () => {
  it('shows hours to milliseconds', () => {
    expect(clockTime(new Date(2024, 0, 1, 9, 5, 7, 42).getTime())).toBe('09:05:07.042');
  });
});
