// What the student types in a raw session, turned into the exact bytes to send: Python-style escapes
// (\x00 \r \t \\), hex input (48 65 6c 6c 6f), line endings (\r\n as telnet and `nc -C` send, \n as
// `nc` does) and single keys in character mode. Pure: text in, bytes out; no DOM, no sockets.

import { concatBytes } from '../../../gateway/protocol/messages.js';

export type LineEnding = 'crlf' | 'lf' | 'cr' | 'none';

export const LINE_ENDINGS: Readonly<Record<LineEnding, { bytes: readonly number[]; label: string }>> = {
  crlf: { bytes: [0x0d, 0x0a], label: '\\r\\n (telnet, nc -C)' },
  lf: { bytes: [0x0a], label: '\\n (nc)' },
  cr: { bytes: [0x0d], label: '\\r' },
  none: { bytes: [], label: 'no line ending' },
};

export type Parsed = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  a: 0x07,
  b: 0x08,
  e: 0x1b,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
};

const HEX2 = /^[0-9a-fA-F]{2}$/;

/**
 * Text with escapes, as in a Python bytes literal: \xHH for any byte, \0 (or octal \NNN), \r \n \t
 * \a \b \f \v, \e for ESC, \\ for one backslash. Everything else is UTF-8. An unknown escape such as
 * \q stays as written (backslash and letter), as Python keeps it.
 */
export function parseEscapes(text: string): Parsed {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf('\\', i);
    const end = slash < 0 ? text.length : slash;
    if (end > i) out.push(...utf8(text.slice(i, end)));
    if (slash < 0) break;
    const next = text[slash + 1];
    if (next === undefined) {
      return { ok: false, error: 'a lone \\ at the end: write \\\\ to send one backslash' };
    }
    if (next in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[next]!);
      i = slash + 2;
    } else if (next === 'x') {
      const hex = text.slice(slash + 2, slash + 4);
      if (!HEX2.test(hex)) {
        return {
          ok: false,
          error: `\\x needs two hex digits (got "\\x${hex}" at character ${slash + 1}): \\x00 to \\xff`,
        };
      }
      out.push(Number.parseInt(hex, 16));
      i = slash + 4;
    } else if (next >= '0' && next <= '7') {
      const oct = /^[0-7]{1,3}/.exec(text.slice(slash + 1))![0];
      const value = Number.parseInt(oct, 8);
      if (value > 0xff) return { ok: false, error: `octal escape \\${oct} is larger than one byte (\\377)` };
      out.push(value);
      i = slash + 1 + oct.length;
    } else {
      // Not an escape Python knows: the backslash stays, and the next character is read as usual.
      out.push(0x5c);
      i = slash + 1;
    }
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

/**
 * Hex input: pairs of hex digits, separated or not by spaces, commas or colons, each with an optional
 * 0x or \x prefix: "48 65 6c 6c 6f", "48656c6c6f", "0x48,0x65", "\x48\x65". Exactly those bytes.
 */
export function parseHex(text: string): Parsed {
  const out: number[] = [];
  const tokens = text
    .replace(/\\x/gi, ' ')
    .split(/[\s,:;]+/)
    .filter(Boolean);
  for (const token of tokens) {
    const digits = token.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]*$/.test(digits)) {
      const bad = /[^0-9a-fA-F]/.exec(digits)![0];
      return { ok: false, error: `"${bad}" in "${token}" is not a hex digit (0-9, a-f)` };
    }
    if (digits.length % 2 !== 0) {
      return {
        ok: false,
        error: `"${token}" has an odd number of hex digits: each byte is two (0a, not a)`,
      };
    }
    for (let j = 0; j < digits.length; j += 2) out.push(Number.parseInt(digits.slice(j, j + 2), 16));
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

export type InputMode = 'line' | 'hex' | 'char';

/** One submitted line: text with escapes plus the line ending, or hex bytes exactly (no ending). */
export function lineToBytes(text: string, mode: 'line' | 'hex', ending: LineEnding): Parsed {
  if (mode === 'hex') return parseHex(text);
  const parsed = parseEscapes(text);
  if (!parsed.ok) return parsed;
  return { ok: true, bytes: concatBytes(parsed.bytes, Uint8Array.from(LINE_ENDINGS[ending].bytes)) };
}

/** Pasted text in line mode: every line is sent with the chosen ending, as a terminal would. */
export function pastedLines(text: string, ending: LineEnding): Uint8Array {
  const lines = text.split(/\r\n|\n|\r/);
  // A paste that ends with a newline has nothing after it: no extra empty line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const end = Uint8Array.from(LINE_ENDINGS[ending].bytes);
  return concatBytes(...lines.flatMap((l) => [utf8(l), end]));
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

const KEY_SEQUENCES: Readonly<Record<string, string>> = {
  Backspace: '\x7f',
  Escape: '\x1b',
  Delete: '\x1b[3~',
  ArrowUp: '\x1b[A',
  ArrowDown: '\x1b[B',
  ArrowRight: '\x1b[C',
  ArrowLeft: '\x1b[D',
  Home: '\x1b[H',
  End: '\x1b[F',
  PageUp: '\x1b[5~',
  PageDown: '\x1b[6~',
};

/**
 * Character mode: the bytes one key sends, as a terminal in raw mode would, or null for a key the
 * browser keeps (Tab moves focus, Alt is the page's shortcuts, Ctrl+V pastes, Meta is the system's).
 * Enter sends the chosen line ending (\r when "none" is chosen, as a raw terminal sends).
 */
export function keyToBytes(e: KeyLike, ending: LineEnding): Uint8Array | null {
  if (e.metaKey || e.altKey) return null;
  if (e.key === 'Enter')
    return ending === 'none' ? Uint8Array.of(0x0d) : Uint8Array.from(LINE_ENDINGS[ending].bytes);
  if (e.ctrlKey) {
    if (e.key.length !== 1) return null;
    const k = e.key.toLowerCase();
    if (k === 'v') return null;
    if (k >= 'a' && k <= 'z') return Uint8Array.of(k.charCodeAt(0) - 0x60);
    const control: Record<string, number> = {
      '@': 0,
      ' ': 0,
      '[': 0x1b,
      '\\': 0x1c,
      ']': 0x1d,
      '^': 0x1e,
      _: 0x1f,
    };
    return k in control ? Uint8Array.of(control[k]!) : null;
  }
  const seq = KEY_SEQUENCES[e.key];
  if (seq !== undefined) return utf8(seq);
  if ([...e.key].length === 1) return utf8(e.key);
  return null;
}
