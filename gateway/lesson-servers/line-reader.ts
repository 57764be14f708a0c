// Turns a TCP byte stream into lines for the line-based lesson servers: a recv() returns whatever
// bytes have arrived, so a line may come in pieces or several lines in one chunk. Bounds line length.

import { Buffer } from 'node:buffer';
import type { TcpConn, TcpSession } from './lesson.js';

export const MAX_LINE_BYTES = 8192;

export interface Line {
  /** The line decoded as UTF-8, without its ending. */
  text: string;
  /** How the client ended it: telnet sends \r\n, nc and Python scripts usually \n; '' when it never did. */
  ending: '\n' | '\r\n' | '';
}

export class LineReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** The lines this chunk completes; `tooLong` once a line outgrows the limit (stop reading then). */
  push(chunk: Buffer): { lines: Line[]; tooLong: boolean } {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      const crlf = nl > start && buf[nl - 1] === 0x0d;
      const stop = crlf ? nl - 1 : nl;
      if (stop - start > this.maxBytes) return { lines, tooLong: true };
      // A \n byte never occurs inside a multi-byte UTF-8 character, so each line decodes on its own.
      lines.push({ text: buf.toString('utf8', start, stop), ending: crlf ? '\r\n' : '\n' });
      start = nl + 1;
    }
    const rest = buf.subarray(start);
    if (rest.length > this.maxBytes) return { lines, tooLong: true };
    // Copy, so a small remainder does not keep a large chunk alive.
    this.pending = Buffer.from(rest);
    return { lines, tooLong: false };
  }

  get hasRest(): boolean {
    return this.pending.length > 0;
  }

  /** Whatever came after the last line ending, as a line without one. */
  takeRest(): Line | null {
    if (this.pending.length === 0) return null;
    const text = this.pending.toString('utf8').replace(/\r$/, '');
    this.pending = Buffer.alloc(0);
    return { text, ending: '' };
  }
}

export interface LineHandlers {
  line(line: Line): void;
  /** The line a client gets before being cut off for sending a line over MAX_LINE_BYTES. */
  tooLong: string;
  /**
   * Take bytes with no line ending as a whole line once nothing more has come for this long. Seed
   * 003's client sends `fnd:name` with no newline and waits for the answer, as if each recv()
   * returned exactly one message; this lets such a client work, at the cost of a short pause.
   */
  quietFlushMs?: number;
  /** The client closed its side (after any unterminated last line was handled). Default: close. */
  end?(): void;
}

/** A session for a line protocol: each complete line goes to `line`, in order. */
export function lineSession(conn: TcpConn, h: LineHandlers): TcpSession {
  const reader = new LineReader();
  let cancelFlush: (() => void) | null = null;
  return {
    data(chunk) {
      cancelFlush?.();
      cancelFlush = null;
      const { lines, tooLong } = reader.push(chunk);
      for (const line of lines) {
        if (conn.closed) return;
        h.line(line);
      }
      if (conn.closed) return;
      if (tooLong) {
        conn.send(h.tooLong);
        conn.close();
        return;
      }
      if (h.quietFlushMs !== undefined && reader.hasRest) {
        cancelFlush = conn.later(h.quietFlushMs, () => {
          cancelFlush = null;
          const rest = reader.takeRest();
          if (rest) h.line(rest);
        });
      }
    },
    end() {
      cancelFlush?.();
      const rest = reader.takeRest();
      if (rest && !conn.closed) h.line(rest);
      if (conn.closed) return;
      if (h.end) h.end();
      else conn.close();
    },
  };
}
