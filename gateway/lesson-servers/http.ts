// A tiny HTTP/1.0 and 1.1 server for the hand-typed GET of seed 002: one request per connection,
// answered with Content-Length and `Connection: close`, then closed. Lenient where a person typing
// into nc or telnet needs it (a bare \n ends a line), strict where HTTP is (a bounded request head).

import { Buffer } from 'node:buffer';
import type { TcpConn, TcpLesson } from './lesson.js';
import { type Line, LineReader } from './line-reader.js';

export const MAX_HEAD_BYTES = 8192;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const HINT = 'A request looks like: GET / HTTP/1.0, then an empty line.';

const PAGES: Record<string, { type: string; body: string }> = {
  '/': {
    type: 'text/html; charset=utf-8',
    body: [
      '<!doctype html>',
      '<html><head><title>Socket playground</title></head>',
      '<body><h1>It works</h1>',
      '<p>This page came back over a TCP connection you opened yourself. Everything above it',
      'is the response head: a status line, headers, and an empty line.</p>',
      '<p>Try <a href="/hello.txt">/hello.txt</a> for plain text, or a path that does not exist.</p>',
      '</body></html>',
      '',
    ].join('\n'),
  },
  '/hello.txt': {
    type: 'text/plain; charset=utf-8',
    body: 'Hello from the playground web server.\nContent-Length counted every byte of this text.\n',
  },
};

interface Request {
  method: string;
  target: string;
  version: string;
}

export function httpServer(): TcpLesson {
  return {
    name: 'http',
    description: 'A tiny web server: type GET / HTTP/1.0 then an empty line, or point curl at it.',
    busy: (limit, yours) =>
      response(
        503,
        'Service Unavailable',
        yours
          ? `You already have ${limit} connections open here; close one and try again.\n`
          : 'Too many connections right now; try again soon.\n',
      ),
    idle: (seconds) => response(408, 'Request Timeout', `No complete request within ${seconds} s.\n`),
    open: (conn) => new Exchange(conn),
  };
}

/** One connection: read the request head, answer once, close. */
class Exchange {
  private readonly reader = new LineReader(MAX_HEAD_BYTES);
  private received = 0;
  private request: Request | null = null;
  private readonly headers = new Map<string, string>();
  private blankLines = 0;

  constructor(private readonly conn: TcpConn) {}

  data(chunk: Buffer): void {
    this.received += chunk.length;
    const { lines, tooLong } = this.reader.push(chunk);
    for (const line of lines) {
      if (this.conn.closed) return;
      this.line(line);
    }
    if (this.conn.closed) return;
    // Anything after the head (a body nobody asked for) has been dropped by then: we closed.
    if (tooLong || this.received > MAX_HEAD_BYTES) {
      if (this.request)
        this.answer(
          431,
          'Request Header Fields Too Large',
          `The request head is over ${MAX_HEAD_BYTES} bytes.\n`,
        );
      else this.answer(414, 'URI Too Long', `The request line is over ${MAX_HEAD_BYTES} bytes.\n`);
    }
  }

  /** The client sent end of file: answer what it typed if it got as far as a request line. */
  end(): void {
    const rest = this.reader.takeRest();
    if (rest && rest.text !== '') this.line(rest);
    if (this.conn.closed) return;
    if (this.request) this.respond(this.request);
    else if (this.received > 0)
      this.answer(400, 'Bad Request', `The connection ended before a request line.\n${HINT}\n`);
    else this.conn.close();
  }

  private line({ text }: Line): void {
    if (!this.request) {
      // RFC 9112 section 2.2: ignore at least one empty line before the request line.
      if (text === '') {
        if (++this.blankLines > 4) this.answer(400, 'Bad Request', `Expected a request line.\n${HINT}\n`);
        return;
      }
      this.request = this.parseRequestLine(text);
      return;
    }
    if (text === '') {
      this.respond(this.request);
      return;
    }
    const m = HEADER.exec(text);
    if (!m?.[1]) {
      this.answer(
        400,
        'Bad Request',
        `A header line must look like Name: value (got ${JSON.stringify(text.slice(0, 60))}).\n`,
      );
      return;
    }
    this.headers.set(m[1].toLowerCase(), m[2] ?? '');
  }

  private parseRequestLine(text: string): Request | null {
    const parts = text.trim().split(/[ \t]+/);
    const [method, target, version] = parts;
    if (parts.length !== 3 || !method || !target || !version || !TOKEN.test(method)) {
      this.answer(
        400,
        'Bad Request',
        `Could not read the request line ${JSON.stringify(text.slice(0, 60))}.\n${HINT}\n`,
      );
      return null;
    }
    if (!/^HTTP\/\d\.\d$/.test(version)) {
      this.answer(400, 'Bad Request', `"${version.slice(0, 20)}" is not an HTTP version.\n${HINT}\n`);
      return null;
    }
    if (version !== 'HTTP/1.0' && version !== 'HTTP/1.1') {
      this.answer(505, 'HTTP Version Not Supported', 'This server speaks HTTP/1.0 and HTTP/1.1.\n');
      return null;
    }
    if (!target.startsWith('/')) {
      this.answer(
        400,
        'Bad Request',
        `The path must start with "/" (got ${JSON.stringify(target.slice(0, 60))}).\n`,
      );
      return null;
    }
    return { method, target, version };
  }

  private respond(req: Request): void {
    if (req.version === 'HTTP/1.1' && !this.headers.has('host')) {
      this.answer(400, 'Bad Request', 'HTTP/1.1 requests need a Host: header (or ask with HTTP/1.0).\n');
      return;
    }
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      // Methods are case-sensitive: "get" is not GET.
      this.answer(
        405,
        'Method Not Allowed',
        `This server only answers GET and HEAD, not ${req.method.slice(0, 20)}.\n`,
        {
          extra: 'Allow: GET, HEAD\r\n',
        },
      );
      return;
    }
    const path = req.target.split('?')[0] ?? '/';
    const page = PAGES[path];
    if (!page) {
      const known = Object.keys(PAGES).join(' and ');
      this.answer(404, 'Not Found', `Nothing at ${path.slice(0, 100)}. This server has ${known}.\n`, {
        head,
      });
      return;
    }
    this.answer(200, 'OK', page.body, { head, type: page.type });
  }

  private answer(
    status: number,
    reason: string,
    body: string,
    o: { head?: boolean; type?: string; extra?: string } = {},
  ): void {
    this.conn.send(response(status, reason, body, o));
    this.conn.close();
  }
}

function response(
  status: number,
  reason: string,
  body: string,
  o: { head?: boolean; type?: string; extra?: string } = {},
): string {
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    'Server: socket-playground\r\n' +
    `Content-Type: ${o.type ?? 'text/plain; charset=utf-8'}\r\n` +
    `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n` +
    'Connection: close\r\n' +
    (o.extra ?? '') +
    '\r\n' +
    (o.head ? '' : body)
  );
}
