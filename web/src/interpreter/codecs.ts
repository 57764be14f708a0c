// str <-> bytes the way Python's codecs do it: UTF-8 (strict, with CPython's error positions and
// reasons), ASCII and Latin-1, with errors='strict' | 'replace' | 'ignore' | 'backslashreplace'.
// The lesson "text is not bytes" depends on these messages being Python's own.

import { pyError } from './errors.js';
import { codePoints } from './values.js';

type Codec = 'utf-8' | 'ascii' | 'latin-1';

export function normalizeEncoding(name: string): Codec {
  const n = name.toLowerCase().replace(/[-_\s]/g, '');
  if (n === 'utf8' || n === 'u8') return 'utf-8';
  if (n === 'ascii' || n === 'usascii') return 'ascii';
  if (n === 'latin1' || n === 'iso88591' || n === 'l1' || n === '8859') return 'latin-1';
  throw pyError('LookupError', `unknown encoding: ${name}`);
}

const ERROR_MODES = new Set(['strict', 'replace', 'ignore', 'backslashreplace']);
function checkErrors(errors: string): void {
  if (!ERROR_MODES.has(errors)) throw pyError('LookupError', `unknown error handler name '${errors}'`);
}

/** How Python shows an unencodable character in its message: '\U0001f32e', '\xe9'. */
function escapeChar(cp: number): string {
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

export function encode(text: string, encoding = 'utf-8', errors = 'strict'): Uint8Array {
  const codec = normalizeEncoding(encoding);
  checkErrors(errors);
  const out: number[] = [];
  const chars = codePoints(text);
  const limit = codec === 'ascii' ? 0x80 : codec === 'latin-1' ? 0x100 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < chars.length; i++) {
    const cp = chars[i]!.codePointAt(0)!;
    const surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (cp >= limit || surrogate) {
      if (errors === 'strict') {
        let end = i + 1;
        if (!surrogate) while (end < chars.length && chars[end]!.codePointAt(0)! >= limit) end++;
        const reason = surrogate ? 'surrogates not allowed' : `ordinal not in range(${limit})`;
        const what =
          end - i === 1
            ? `character '${escapeChar(cp)}' in position ${i}`
            : `characters in position ${i}-${end - 1}`;
        throw pyError('UnicodeEncodeError', `'${codec}' codec can't encode ${what}: ${reason}`);
      }
      if (errors === 'replace') out.push(0x3f);
      else if (errors === 'backslashreplace') for (const ch of escapeChar(cp)) out.push(ch.charCodeAt(0));
      continue;
    }
    if (codec !== 'utf-8' || cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else {
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    }
  }
  return Uint8Array.from(out);
}

/** One UTF-8 sequence starting at i: its length and code point, or the error CPython reports. */
function utf8At(b: Uint8Array, i: number): { len: number; cp: number } | { end: number; reason: string } {
  const first = b[i]!;
  if (first < 0x80) return { len: 1, cp: first };
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (first >= 0xc2 && first <= 0xdf) need = 1;
  else if (first === 0xe0) [need, lo] = [2, 0xa0];
  else if ((first >= 0xe1 && first <= 0xec) || first === 0xee || first === 0xef) need = 2;
  else if (first === 0xed) [need, hi] = [2, 0x9f];
  else if (first === 0xf0) [need, lo] = [3, 0x90];
  else if (first >= 0xf1 && first <= 0xf3) need = 3;
  else if (first === 0xf4) [need, hi] = [3, 0x8f];
  else return { end: i + 1, reason: 'invalid start byte' };
  let cp = first & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
  for (let k = 1; k <= need; k++) {
    if (i + k >= b.length) return { end: b.length, reason: 'unexpected end of data' };
    const c = b[i + k]!;
    const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
    if (c < min || c > max) return { end: i + k, reason: 'invalid continuation byte' };
    cp = (cp << 6) | (c & 0x3f);
  }
  return { len: need + 1, cp };
}

export function decode(bytes: Uint8Array, encoding = 'utf-8', errors = 'strict'): string {
  const codec = normalizeEncoding(encoding);
  checkErrors(errors);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    let bad: { end: number; reason: string } | null = null;
    const b = bytes[i]!;
    if (codec === 'latin-1') {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (codec === 'ascii') {
      if (b < 0x80) {
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      bad = { end: i + 1, reason: 'ordinal not in range(128)' };
    } else {
      const r = utf8At(bytes, i);
      if ('cp' in r) {
        out += String.fromCodePoint(r.cp);
        i += r.len;
        continue;
      }
      bad = r;
    }
    if (errors === 'strict') {
      const what =
        bad.end - i === 1
          ? `byte 0x${b.toString(16).padStart(2, '0')} in position ${i}`
          : `bytes in position ${i}-${bad.end - 1}`;
      throw pyError('UnicodeDecodeError', `'${codec}' codec can't decode ${what}: ${bad.reason}`);
    }
    if (errors === 'replace') out += '\ufffd';
    else if (errors === 'backslashreplace') {
      for (let k = i; k < bad.end; k++) out += `\\x${bytes[k]!.toString(16).padStart(2, '0')}`;
    }
    i = bad.end;
  }
  return out;
}
