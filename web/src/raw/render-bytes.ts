// Bytes from a peer made safe to look at: printable text stays text; control characters, escape
// sequences, invisible and direction-changing characters and invalid UTF-8 become visible marks
// (\x1b[31m, \x00, \u202e, <ff>), so nothing a peer sends can recolour, retitle, query or move the
// student's terminal. Pure: bytes in, text out; knows nothing of xterm beyond the few SGR codes it adds.

import { concatBytes } from '../../../gateway/protocol/messages.js';
import { wrapWords } from '../terminal/wrap.js';

export type Direction = 'in' | 'out';

export type Piece =
  /** Printable text, shown as is. */
  | { kind: 'text'; text: string }
  /** Something invisible or dangerous, shown as a mark: \x1b, \x00, \r, \t, \u202e, <ff>. */
  | { kind: 'mark'; text: string }
  /** A line feed: shown as \n and a real line break. */
  | { kind: 'newline' };

/**
 * Characters that print nothing, or reorder what is around them: shown as \uXXXX. C1 controls
 * (U+0080-U+009F) matter most: a terminal reads U+009B as CSI, exactly like ESC [.
 */
const INVISIBLE =
  /[\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

/** How long the UTF-8 sequence starting with this byte is, and the range its second byte must be in. */
function lead(b: number): { len: number; lo: number; hi: number } | null {
  if (b >= 0xc2 && b <= 0xdf) return { len: 2, lo: 0x80, hi: 0xbf };
  if (b === 0xe0) return { len: 3, lo: 0xa0, hi: 0xbf }; // no overlong forms
  if (b === 0xed) return { len: 3, lo: 0x80, hi: 0x9f }; // no UTF-16 surrogates
  if (b >= 0xe1 && b <= 0xef) return { len: 3, lo: 0x80, hi: 0xbf };
  if (b === 0xf0) return { len: 4, lo: 0x90, hi: 0xbf };
  if (b === 0xf4) return { len: 4, lo: 0x80, hi: 0x8f }; // nothing past U+10FFFF
  if (b >= 0xf1 && b <= 0xf3) return { len: 4, lo: 0x80, hi: 0xbf };
  return null;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

const C0_NAMES: Readonly<Record<number, string>> = { 9: '\\t', 13: '\\r' };

/**
 * Splits bytes into pieces. With `final` false, a UTF-8 character cut off at the end of the chunk is
 * returned as `rest`, to be completed by the next chunk; with `final` true it is shown as <xx> marks.
 */
export function renderPieces(bytes: Uint8Array, final = true): { pieces: Piece[]; rest: Uint8Array } {
  const pieces: Piece[] = [];
  let text = '';
  const flush = () => {
    if (text) pieces.push({ kind: 'text', text });
    text = '';
  };
  const mark = (m: string) => {
    flush();
    const last = pieces[pieces.length - 1];
    if (last?.kind === 'mark') last.text += m;
    else pieces.push({ kind: 'mark', text: m });
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      flush();
      pieces.push({ kind: 'newline' });
      i++;
      continue;
    }
    if (b < 0x20 || b === 0x7f) {
      mark(C0_NAMES[b] ?? `\\x${hex2(b)}`);
      i++;
      continue;
    }
    if (b < 0x80) {
      text += String.fromCharCode(b);
      i++;
      continue;
    }
    const l = lead(b);
    if (!l) {
      mark(`<${hex2(b)}>`);
      i++;
      continue;
    }
    // Check each continuation byte; stop at the first one that does not fit.
    let ok = true;
    let j = 1;
    for (; j < l.len && i + j < bytes.length; j++) {
      const c = bytes[i + j]!;
      const [lo, hi] = j === 1 ? [l.lo, l.hi] : [0x80, 0xbf];
      if (c < lo || c > hi) {
        ok = false;
        break;
      }
    }
    if (ok && j < l.len) {
      // Cut off by the end of the chunk.
      if (!final) {
        flush();
        return { pieces, rest: bytes.slice(i) };
      }
      ok = false;
    }
    if (!ok) {
      mark(`<${hex2(b)}>`);
      i++;
      continue;
    }
    let cp = b & (0xff >> (l.len + 1));
    for (let k = 1; k < l.len; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    const ch = String.fromCodePoint(cp);
    if (INVISIBLE.test(ch)) mark(`\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`);
    else text += ch;
    i += l.len;
  }
  flush();
  return { pieces, rest: new Uint8Array(0) };
}

/** The pieces as one line of plain text (for screen readers, logs and tests): newlines as \n. */
export function visibleLine(bytes: Uint8Array): string {
  return renderPieces(bytes)
    .pieces.map((p) => (p.kind === 'newline' ? '\\n' : p.text))
    .join('');
}

// SGR codes this file writes; the only escape sequences that ever reach the terminal in safe mode.
const SGR = {
  reset: '\x1b[0m',
  /** Received text: the terminal's own colour. */
  in: '',
  /** Sent text: yellow, and every line of it starts with → so colour is not the only sign. */
  out: '\x1b[33m',
  gutterIn: '\x1b[36m',
  gutterOut: '\x1b[33m',
  mark: '\x1b[35m',
} as const;

export const GUTTER: Readonly<Record<Direction, string>> = { in: '← ', out: '→ ' };
/** Where a line's text starts: after its gutter. A row the view breaks starts there too. */
const INDENT = 2;

/** One mark of a run (\r\x00 is two): a row may end between marks, never inside one. */
const ONE_MARK = /\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|<[0-9a-f]{2}>|\\[rtn]/g;

/** East Asian wide characters: two columns each in xterm. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/gu;

/** How many terminal columns text takes. */
function columns(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n + (text.match(WIDE)?.length ?? 0);
}

/**
 * The safe terminal view of a conversation: bytes in both directions, each line starting with ← (the
 * peer's) or → (yours), marks for what is invisible, a real line break after every \n. Keeps the
 * UTF-8 character cut off at the end of a chunk until the next chunk in the same direction.
 */
export class SafeTerminalWriter {
  /**
   * The terminal's width. The terminal wraps a long row at its last column whatever is there, so a
   * mark would read "\r\" at the end of one row and "n" at the start of the next: a mark that does
   * not fit where it is starts the next row instead, under the line's text.
   */
  constructor(private readonly cols = Number.POSITIVE_INFINITY) {}

  /** The column the next character goes to, counted as the terminal does (cols: the row is full). */
  private col = 0;
  private atLineStart = true;
  private last: Direction | null = null;
  private readonly rest: Record<Direction, Uint8Array> = { in: new Uint8Array(0), out: new Uint8Array(0) };

  write(dir: Direction, bytes: Uint8Array): string {
    const pending = this.rest[dir];
    const all = pending.length ? concatBytes(pending, bytes) : bytes;
    const { pieces, rest } = renderPieces(all, false);
    this.rest[dir] = rest;
    return this.emit(dir, pieces);
  }

  /** Shows a cut-off character as <xx> marks: the stream ended without the rest of it. */
  end(dir: Direction): string {
    const pending = this.rest[dir];
    this.rest[dir] = new Uint8Array(0);
    return pending.length ? this.emit(dir, renderPieces(pending, true).pieces) : '';
  }

  /**
   * A line of the page's own (a FIN, an RST), on a line of its own, dim, broken between words where
   * the view is narrow. `text` must be trusted.
   */
  note(text: string): string {
    const lines = Number.isFinite(this.cols) ? wrapWords(text, this.cols) : text;
    const out = `${this.atLineStart ? '' : '\r\n'}\x1b[2m${lines.replace(/\n/g, '\r\n')}${SGR.reset}\r\n`;
    this.atLineStart = true;
    this.col = 0;
    this.last = null;
    return out;
  }

  private emit(dir: Direction, pieces: Piece[]): string {
    if (pieces.length === 0) return '';
    let out = '';
    // A change of direction starts a new line, so every line has one speaker.
    if (this.last !== null && this.last !== dir && !this.atLineStart) {
      out += '\r\n';
      this.atLineStart = true;
      this.col = 0;
    }
    this.last = dir;
    const colour = SGR[dir];
    const gutter = () => {
      if (!this.atLineStart) return '';
      this.atLineStart = false;
      this.advance(INDENT);
      return `${dir === 'in' ? SGR.gutterIn : SGR.gutterOut}${GUTTER[dir]}${SGR.reset}`;
    };
    for (const p of pieces) {
      if (p.kind === 'newline') {
        out += `${gutter()}${SGR.mark}${this.marks('\\n')}${SGR.reset}\r\n`;
        this.atLineStart = true;
        this.col = 0;
      } else if (p.kind === 'mark') {
        out += `${gutter()}${SGR.mark}${this.marks(p.text)}${SGR.reset}`;
      } else {
        out += `${gutter()}${colour}${p.text}${colour ? SGR.reset : ''}`;
        this.advance(columns(p.text));
      }
    }
    return out;
  }

  /** A run of marks, each whole on its row. */
  private marks(run: string): string {
    let out = '';
    for (const m of run.match(ONE_MARK) ?? [run]) {
      if (this.col > INDENT && this.col + m.length > this.cols) {
        out += `\r\n${' '.repeat(INDENT)}`;
        this.col = INDENT;
      }
      out += m;
      this.advance(m.length);
    }
    return out;
  }

  private advance(width: number): void {
    const at = this.col + width;
    this.col = at <= this.cols ? at : ((at - 1) % this.cols) + 1;
  }
}

export interface HexRow {
  offset: string;
  hex: string;
  text: string;
}

/** A hex dump in rows of `width` bytes: offset, the bytes in hex, and printable ASCII (others as .). */
export function hexRows(bytes: Uint8Array, width = 8): HexRow[] {
  const rows: HexRow[] = [];
  for (let off = 0; off < bytes.length; off += width) {
    const row = bytes.subarray(off, off + width);
    rows.push({
      offset: off.toString(16).padStart(4, '0'),
      hex: Array.from(row, hex2)
        .join(' ')
        .padEnd(width * 3 - 1),
      text: Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''),
    });
  }
  return rows;
}

/** Wall-clock time with milliseconds, as packet captures show it: 14:03:07.215. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
