// Turns source text into Python tokens (names, numbers, strings, operators, NEWLINE, INDENT, DEDENT),
// decoding str and bytes literals with all of Python's escapes. Reports syntax errors as CPython
// words them, and marks the ones that only mean "the input is not finished yet" (open brackets).

import { PySyntaxError } from './errors.js';
import { type PyValue, pyBytes, pyFloat, pyInt, pyStr } from './values.js';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'dedent' | 'end';

export interface StringToken {
  /** Lower-cased prefix letters: '', 'b', 'r', 'rb', 'f', 'rf'... */
  prefix: string;
  /** The text between the quotes, undecoded. */
  body: string;
  /** The decoded value; null for f-strings, which the parser splits first. */
  value: PyValue | null;
}

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  col: number;
  /** For numbers: the int or float. */
  number?: PyValue;
  string?: StringToken;
}

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '!=',
  '==',
  '<=',
  '>=',
  '**',
  '//',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '->',
  ':=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '=',
  '.',
  ',',
  ':',
  ';',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '@',
  '&',
  '|',
  '^',
  '~',
];

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** CPython's tokenizer limit (MAXLEVEL). */
const MAX_NESTING = 200;
const NAME_START = /[\p{L}\p{Nl}_]/u;
const NAME_RE = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const NUMBER_RE =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;
const STRING_PREFIX_RE = /(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?(?='|")/y;

/** Splits source into tokens. Throws PySyntaxError (incomplete=true for an unfinished input). */
export function tokenize(source: string): Token[] {
  const src = source.replace(/\r\n?/g, '\n');
  const tokens: Token[] = [];
  const indents = [0];
  const brackets: { ch: string; line: number; col: number }[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  const col = () => pos - lineStart;
  const push = (kind: TokenKind, text: string, l = line, c = col()): Token => {
    const t: Token = { kind, text, line: l, col: c };
    tokens.push(t);
    return t;
  };
  const fail = (message: string, l = line, c = col(), incomplete = false): never => {
    throw new PySyntaxError(message, l, c, incomplete);
  };

  while (pos < src.length) {
    if (atLineStart && brackets.length === 0) {
      let width = 0;
      while (pos < src.length && (src[pos] === ' ' || src[pos] === '\t' || src[pos] === '\f')) {
        width = src[pos] === '\t' ? (Math.floor(width / 8) + 1) * 8 : src[pos] === ' ' ? width + 1 : 0;
        pos++;
      }
      const c = src[pos];
      if (c === undefined) break;
      if (c === '\n' || c === '#') {
        // Blank and comment-only lines do not count for indentation.
        while (pos < src.length && src[pos] !== '\n') pos++;
        if (pos < src.length) {
          pos++;
          line++;
          lineStart = pos;
        }
        continue;
      }
      atLineStart = false;
      const top = indents[indents.length - 1]!;
      if (width > top) {
        indents.push(width);
        push('indent', '', line, 0);
      } else if (width < top) {
        while (width < indents[indents.length - 1]!) {
          indents.pop();
          push('dedent', '', line, width);
        }
        if (width !== indents[indents.length - 1]) {
          throw new PySyntaxError(
            'unindent does not match any outer indentation level',
            line,
            width,
            false,
            'IndentationError',
          );
        }
      }
    }

    const c = src[pos]!;
    if (c === ' ' || c === '\t' || c === '\f') {
      pos++;
      continue;
    }
    if (c === '#') {
      while (pos < src.length && src[pos] !== '\n') pos++;
      continue;
    }
    if (c === '\\') {
      if (src[pos + 1] === '\n') {
        pos += 2;
        line++;
        lineStart = pos;
        continue;
      }
      if (pos + 1 >= src.length) fail('unexpected EOF while parsing', line, col(), true);
      fail('unexpected character after line continuation character', line, col() + 1);
    }
    if (c === '\n') {
      if (brackets.length === 0) {
        push('newline', '\n');
        atLineStart = true;
      }
      pos++;
      line++;
      lineStart = pos;
      continue;
    }

    // Strings, with their prefix.
    STRING_PREFIX_RE.lastIndex = pos;
    const prefixMatch = STRING_PREFIX_RE.exec(src);
    if (prefixMatch && (NAME_START.test(c) || c === '"' || c === "'")) {
      const startLine = line;
      const startCol = col();
      const prefix = prefixMatch[0].toLowerCase().replace('u', '');
      pos += prefixMatch[0].length;
      const q = src[pos]!;
      const triple = src.startsWith(q.repeat(3), pos);
      const quote = triple ? q.repeat(3) : q;
      pos += quote.length;
      const bodyStart = pos;
      for (;;) {
        if (pos >= src.length) {
          if (triple) {
            fail(
              `unterminated triple-quoted string literal (detected at line ${line})`,
              startLine,
              startCol,
              true,
            );
          }
          fail(
            `unterminated string literal (detected at line ${line})`,
            startLine,
            startCol,
            src.endsWith('\\\n'),
          );
        }
        const ch = src[pos]!;
        if (ch === '\\') {
          if (src[pos + 1] === '\n') {
            line++;
            lineStart = pos + 2;
          }
          pos += 2;
          continue;
        }
        if (ch === '\n') {
          if (!triple) fail(`unterminated string literal (detected at line ${line})`, startLine, startCol);
          line++;
          lineStart = pos + 1;
        }
        if (src.startsWith(quote, pos)) break;
        pos++;
      }
      const body = src.slice(bodyStart, Math.min(pos, src.length));
      pos += quote.length;
      const t = push(
        'string',
        src.slice(bodyStart - quote.length - prefixMatch[0].length, pos),
        startLine,
        startCol,
      );
      const value = prefix.includes('f') ? null : decodeLiteral(body, prefix, startLine, startCol);
      t.string = { prefix, body, value };
      continue;
    }

    if (NAME_START.test(c)) {
      NAME_RE.lastIndex = pos;
      const name = NAME_RE.exec(src)![0];
      push('name', name);
      pos += name.length;
      continue;
    }

    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[pos + 1] ?? ''))) {
      NUMBER_RE.lastIndex = pos;
      const text = NUMBER_RE.exec(src)![0];
      const start = col();
      pos += text.length;
      const next = src[pos] ?? '';
      if (next === 'j' || next === 'J') fail('complex numbers are not supported here', line, start);
      if (NAME_START.test(next) || /[0-9]/.test(next)) fail('invalid decimal literal', line, start);
      const t = push('number', text, line, start);
      t.number = numberValue(text, line, start);
      continue;
    }

    const op = OPERATORS.find((o) => src.startsWith(o, pos));
    if (op) {
      if (Object.hasOwn(CLOSER, op)) {
        if (brackets.length >= MAX_NESTING) fail('too many nested parentheses');
        brackets.push({ ch: op, line, col: col() });
      } else if (op === ')' || op === ']' || op === '}') {
        const open = brackets.pop();
        if (!open) fail(`unmatched '${op}'`);
        else if (CLOSER[open.ch] !== op) {
          const where = open.line === line ? '' : ` on line ${open.line}`;
          fail(`closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'${where}`);
        }
      }
      push('op', op);
      pos += op.length;
      continue;
    }

    const cp = src.codePointAt(pos)!;
    if (cp > 0x7f) {
      const ch = String.fromCodePoint(cp);
      const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      // A no-break space pasted from a slide looks like a space and is not one.
      if (/[\p{Z}\p{C}]/u.test(ch)) fail(`invalid non-printable character ${code}`);
      fail(`invalid character '${ch}' (${code})`);
    }
    fail('invalid syntax');
  }

  const open = brackets[brackets.length - 1];
  if (open) throw new PySyntaxError(`'${open.ch}' was never closed`, open.line, open.col, true);
  const last = tokens[tokens.length - 1];
  if (last && last.kind !== 'newline' && last.kind !== 'dedent') push('newline', '');
  while (indents.length > 1) {
    indents.pop();
    push('dedent', '', line, 0);
  }
  push('end', '', line, 0);
  return tokens;
}

function numberValue(text: string, line: number, col: number): PyValue {
  const t = text.replace(/_/g, '');
  const lower = t.toLowerCase();
  if (lower.startsWith('0x')) return pyInt(Number.parseInt(t.slice(2), 16));
  if (lower.startsWith('0o')) return pyInt(Number.parseInt(t.slice(2), 8));
  if (lower.startsWith('0b')) return pyInt(Number.parseInt(t.slice(2), 2));
  if (/[.eE]/.test(t)) return pyFloat(Number(t));
  if (/^0+[1-9]/.test(t)) {
    throw new PySyntaxError(
      'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
      line,
      col,
    );
  }
  return pyInt(Number(t));
}

const SIMPLE_ESCAPES: Record<string, number> = {
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
};

/** Decodes the body of a str or bytes literal (not an f-string) into its value. */
export function decodeLiteral(body: string, prefix: string, line: number, col: number): PyValue {
  const raw = prefix.includes('r');
  if (prefix.includes('b')) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
    if (/[^\x00-\x7f]/.test(body))
      throw new PySyntaxError('bytes can only contain ASCII literal characters', line, col);
    if (raw) return pyBytes(Uint8Array.from(body, (ch) => ch.charCodeAt(0)));
    return pyBytes(Uint8Array.from(decodeEscapes(body, true, line, col), (ch) => ch.charCodeAt(0)));
  }
  return pyStr(raw ? body : decodeEscapes(body, false, line, col));
}

/**
 * Python's backslash escapes. For bytes the result holds one char per byte (0..255).
 * Unknown escapes keep their backslash, as Python does (with a warning).
 */
export function decodeEscapes(body: string, bytes: boolean, line: number, col: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) {
      out += '\\';
      break;
    }
    if (e === '\n') {
      i++;
      continue;
    }
    if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      out += String.fromCharCode(SIMPLE_ESCAPES[e]!);
      i++;
      continue;
    }
    if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      const n = Number.parseInt(m, 8);
      if (bytes && n > 0xff) throw new PySyntaxError(`invalid octal escape sequence '\\${m}'`, line, col);
      out += String.fromCharCode(n);
      i += m.length;
      continue;
    }
    const hexLen = e === 'x' ? 2 : !bytes && e === 'u' ? 4 : !bytes && e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) {
        // CPython counts positions in the literal's source text, up to the last hex digit it read.
        if (bytes) throw new PySyntaxError(`(value error) invalid \\x escape at position ${i}`, line, col);
        const shape = e === 'x' ? '\\xXX' : e === 'u' ? '\\uXXXX' : '\\UXXXXXXXX';
        const digits = /^[0-9a-fA-F]*/.exec(hex)![0].length;
        throw new PySyntaxError(
          `(unicode error) 'unicodeescape' codec can't decode bytes in position ${i}-${i + 1 + digits}: truncated ${shape} escape`,
          line,
          col,
        );
      }
      const n = Number.parseInt(hex, 16);
      if (n > 0x10ffff) {
        throw new PySyntaxError(
          `(unicode error) 'unicodeescape' codec can't decode bytes in position ${i}-${i + 9}: illegal Unicode character`,
          line,
          col,
        );
      }
      out += String.fromCodePoint(n);
      i += 1 + hexLen;
      continue;
    }
    if (!bytes && e === 'N') throw new PySyntaxError('\\N{...} escapes are not supported here', line, col);
    out += `\\${e}`;
    i++;
  }
  return out;
}
