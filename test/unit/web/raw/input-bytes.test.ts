import { describe, expect, it } from 'vitest';
import {
  keyToBytes,
  lineToBytes,
  type Parsed,
  parseEscapes,
  parseHex,
  pastedLines,
} from '../../../../web/src/raw/input-bytes.js';

const bytes = (p: Parsed): number[] => {
  if (!p.ok) throw new Error(`expected bytes, got the error: ${p.error}`);
  return [...p.bytes];
};
const error = (p: Parsed): string => {
  if (p.ok) throw new Error(`expected an error, got bytes ${[...p.bytes]}`);
  return p.error;
};
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('parseEscapes', () => {
  it('turns \\x00, \\r, \\t, \\n and \\\\ into those bytes, as a Python bytes literal does', () => {
    expect(bytes(parseEscapes('\\x00'))).toEqual([0]);
    expect(bytes(parseEscapes('a\\rb\\tc\\nd'))).toEqual(ascii('a\rb\tc\nd'));
    expect(bytes(parseEscapes('back\\\\slash'))).toEqual(ascii('back\\slash'));
    expect(bytes(parseEscapes('\\xff\\x7F'))).toEqual([0xff, 0x7f]);
  });

  it('knows \\0 and octal, \\e for ESC and the other C escapes', () => {
    expect(bytes(parseEscapes('\\0'))).toEqual([0]);
    expect(bytes(parseEscapes('\\012\\177'))).toEqual([0x0a, 0x7f]);
    expect(bytes(parseEscapes('\\e[31m'))).toEqual(ascii('\x1b[31m'));
    expect(bytes(parseEscapes('\\a\\b\\f\\v'))).toEqual([7, 8, 12, 11]);
  });

  it('sends other text as UTF-8, and keeps an unknown escape as written', () => {
    expect(bytes(parseEscapes('é'))).toEqual([0xc3, 0xa9]);
    expect(bytes(parseEscapes('C:\\dir'))).toEqual(ascii('C:\\dir'));
  });

  it('refuses a lone backslash at the end and an incomplete \\x', () => {
    expect(error(parseEscapes('oops\\'))).toContain('lone \\');
    expect(error(parseEscapes('\\x4'))).toContain('two hex digits');
    expect(error(parseEscapes('\\xzz'))).toContain('two hex digits');
    expect(error(parseEscapes('\\400'))).toContain('larger than one byte');
  });
});

describe('parseHex', () => {
  it('reads "48 65 6c 6c 6f" as exactly those bytes', () => {
    expect(bytes(parseHex('48 65 6c 6c 6f'))).toEqual(ascii('Hello'));
  });

  it('accepts pairs run together, 0x and \\x prefixes, commas and colons', () => {
    expect(bytes(parseHex('48656C6c6f'))).toEqual(ascii('Hello'));
    expect(bytes(parseHex('0x00, 0xff'))).toEqual([0, 255]);
    expect(bytes(parseHex('\\x0d\\x0a'))).toEqual([13, 10]);
    expect(bytes(parseHex('de:ad:be:ef'))).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(bytes(parseHex('  '))).toEqual([]);
  });

  it('refuses an odd number of digits and anything that is not hex, saying where', () => {
    expect(error(parseHex('48 6'))).toContain('"6" has an odd number of hex digits');
    expect(error(parseHex('48 6g'))).toContain('"g" in "6g" is not a hex digit');
  });
});

describe('lineToBytes', () => {
  it('adds the chosen line ending: \\r\\n as telnet and nc -C, \\n as nc, \\r, or none', () => {
    expect(bytes(lineToBytes('hi', 'line', 'crlf'))).toEqual(ascii('hi\r\n'));
    expect(bytes(lineToBytes('hi', 'line', 'lf'))).toEqual(ascii('hi\n'));
    expect(bytes(lineToBytes('hi', 'line', 'cr'))).toEqual(ascii('hi\r'));
    expect(bytes(lineToBytes('hi', 'line', 'none'))).toEqual(ascii('hi'));
    expect(bytes(lineToBytes('', 'line', 'crlf'))).toEqual(ascii('\r\n'));
  });

  it('sends hex exactly, with no line ending', () => {
    expect(bytes(lineToBytes('48 69', 'hex', 'crlf'))).toEqual(ascii('Hi'));
  });

  it('passes escape errors on', () => {
    expect(error(lineToBytes('\\x', 'line', 'crlf'))).toContain('two hex digits');
  });
});

describe('pastedLines', () => {
  it('sends every pasted line with the chosen ending, once', () => {
    expect([...pastedLines('one\ntwo\n', 'crlf')]).toEqual(ascii('one\r\ntwo\r\n'));
    expect([...pastedLines('one\r\ntwo', 'lf')]).toEqual(ascii('one\ntwo\n'));
  });
});

describe('keyToBytes (character mode)', () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean }> = {}) =>
    keyToBytes({ key: k, ctrlKey: false, altKey: false, metaKey: false, ...mods }, 'crlf');
  const list = (b: Uint8Array | null) => (b ? [...b] : null);

  it('sends a typed character as its UTF-8 bytes', () => {
    expect(list(key('a'))).toEqual([0x61]);
    expect(list(key('é'))).toEqual([0xc3, 0xa9]);
    expect(list(key('🌮'))).toEqual([0xf0, 0x9f, 0x8c, 0xae]);
  });

  it('sends Enter as the chosen ending, and \\r when none is chosen', () => {
    expect(list(key('Enter'))).toEqual([13, 10]);
    expect(list(keyToBytes({ key: 'Enter', ctrlKey: false, altKey: false, metaKey: false }, 'lf'))).toEqual([
      10,
    ]);
    expect(list(keyToBytes({ key: 'Enter', ctrlKey: false, altKey: false, metaKey: false }, 'none'))).toEqual(
      [13],
    );
  });

  it('sends control keys as a terminal in raw mode does', () => {
    expect(list(key('c', { ctrlKey: true }))).toEqual([3]);
    expect(list(key('D', { ctrlKey: true }))).toEqual([4]);
    expect(list(key('[', { ctrlKey: true }))).toEqual([0x1b]);
    expect(list(key('Backspace'))).toEqual([0x7f]);
    expect(list(key('Escape'))).toEqual([0x1b]);
    expect(list(key('ArrowUp'))).toEqual(ascii('\x1b[A'));
  });

  it('leaves to the browser what it needs: Tab, paste, the page shortcuts on Alt, Meta', () => {
    expect(key('Tab')).toBeNull();
    expect(key('v', { ctrlKey: true })).toBeNull();
    expect(key('n', { altKey: true })).toBeNull();
    expect(key('c', { metaKey: true })).toBeNull();
    expect(key('Shift')).toBeNull();
  });
});
