import { describe, expect, it } from 'vitest';
import { hexDump, pyBytes, pyBytesB64, visibleText } from '../../../../web/src/diagram/format.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('pyBytes', () => {
  it('writes bytes as Python does', () => {
    expect(pyBytes(enc('hello\r\n'))).toBe("b'hello\\r\\n'");
    expect(pyBytes(enc("it's"))).toBe('b"it\'s"');
    expect(pyBytes(enc('🌮'))).toBe("b'\\xf0\\x9f\\x8c\\xae'");
  });

  it('labels base64 bytes from their start, the same as decoding them all', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(pyBytesB64(b64("it's\r\n"), 20)).toBe(pyBytes(enc("it's\r\n"), 20));
    // A 64 KiB chunk of a flood: its label starts as its bytes do, and says there is more.
    const chunk = `GET / HTTP/1.0\r\n${'A'.repeat(65536)}`;
    expect(pyBytesB64(b64(chunk), 20)).toBe(pyBytes(enc(chunk), 20));
    expect(pyBytesB64(b64(chunk), 20)).toBe("b'GET / HTTP/1.0\\r\\nAA'…");
  });
});

describe('visibleText', () => {
  it('shows escape sequences, control bytes and invalid UTF-8 instead of running them', () => {
    expect(visibleText(enc('\x1b[31mred\x1b[0m'))).toBe('\\x1b[31mred\\x1b[0m');
    expect(visibleText(new Uint8Array([0x41, 0x00, 0xff, 0x42]))).toBe('A\\x00<ff>B');
    expect(visibleText(enc('taco 🌮'))).toBe('taco 🌮');
  });
});

describe('hexDump', () => {
  it('shows offset, hex and printable characters', () => {
    expect(hexDump(enc('Hello\n'))).toEqual([`0000  ${'48 65 6c 6c 6f 0a'.padEnd(47)}  Hello.`]);
    expect(hexDump(new Uint8Array(20))).toHaveLength(2);
  });
});
