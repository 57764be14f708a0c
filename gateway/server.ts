// The composition root: the HTTP server that serves the page, the one WebSocket endpoint (/ws) and
// its gatekeeping (Host, Origin, token, limits, heartbeat). The only importer of `ws`.

import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { GatewayConfig } from './config.js';
import { KernelTable } from './engine/kernel-table.js';
import type { NamePort } from './engine/name-port.js';
import type { SyscallPort } from './engine/syscall-port.js';
import { type Lesson, lessonsDocument } from './lessons/types.js';
import { Outbox, OutboxSchedule } from './outbox.js';
import type { EncodedMessage, StreamRecord } from './protocol/encode.js';
import { type LessonServerInfo, MAX_FRAME_BYTES, type ServerMessage, toBase64 } from './protocol/messages.js';
import { decodeRecords } from './protocol/records.js';
import { Session, type Transport } from './session/session.js';
import { Sessions } from './session/sessions.js';
import { wsFrame } from './ws-frame.js';

export interface GatewayDeps {
  /** Addresses students may bind besides loopback (LAN mode). */
  bindHosts?: readonly string[];
  sys: SyscallPort;
  names: NamePort;
  lessonServers: () => LessonServerInfo[];
  /** The validated guided lessons, served at GET /api/lessons (without their exercises' solutions). */
  lessons?: readonly Lesson[];
  /** How often each page is pinged; one that missed the last ping is cut off (default 15 s). */
  heartbeatMs?: number;
}

export interface Gateway {
  /** Where it listens; open-urls.ts makes the addresses to print from it. */
  port: number;
  sessions: Sessions;
  /** Draws a lesson server's call in the diagram of the session whose socket it talks to. */
  lessonTrace(ev: LessonTrace): void;
  /** The session whose socket has this local address (a lesson server's client), if any. */
  sessionOf(address: readonly [string, number]): object | null;
  close(): Promise<void>;
}

export interface LessonTrace {
  server: string;
  kind: 'accept' | 'recv' | 'send' | 'close' | 'recvfrom' | 'sendto';
  local: readonly [string, number];
  remote: readonly [string, number];
  bytes?: Uint8Array;
}

const HEARTBEAT_MS = 15_000;
/** Stop reading a tab's requests while this much of our output to it is unsent; resume below LOW. */
const PAUSE_ABOVE = 256 * 1024;
const RESUME_BELOW = 64 * 1024;
/** Unsent bytes to one tab beyond which it is cut off (it stopped reading). */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Above this, the page is behind: streams stop reading until it has caught up. */
const CONGESTED_BUFFERED = 256 * 1024;
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * A tab's WebSocket as its session sees it. A class, not an object literal with getters: a literal's
 * getters close over its own `ws`, so every tab's transport had a shape of its own, and with a
 * thousand tabs each property read of a transport missed V8's inline caches.
 */
class WsTransport implements Transport {
  binary = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly outbox: Outbox,
  ) {}

  send(msg: ServerMessage | EncodedMessage | StreamRecord, lazy = false): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (typeof msg === 'string') this.outbox.push(msg, lazy);
    else if (!(msg instanceof Uint8Array)) this.outbox.push(JSON.stringify(msg), lazy);
    else if (this.binary) this.outbox.push(msg, lazy);
    // Made while a page that read records was closing, held, and replayed to its successor, which
    // reads only JSON (the engine asks `binary` of the transport it is about to reach).
    else for (const m of decodeRecords(msg)) this.outbox.push(JSON.stringify(m), lazy);
  }

  close(code: number, reason: string): void {
    this.outbox.flush();
    this.ws.close(code, reason);
  }

  takeBack(): (EncodedMessage | StreamRecord)[] {
    // Every string in an outbox is one message's JSON, and every buffer one stream record.
    return this.outbox.takeBack() as (EncodedMessage | StreamRecord)[];
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get congested(): boolean {
    return this.ws.bufferedAmount > CONGESTED_BUFFERED;
  }
}

export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
  const webRoot = config.webRoot ?? resolve(import.meta.dirname, '..', '..', 'web', 'dist');
  const hasWeb = existsSync(join(webRoot, 'index.html'));
  const sessions = new Sessions({
    sys: deps.sys,
    names: deps.names,
    kernelTable: new KernelTable(
      () => deps.sys.kernelTable(),
      () => performance.now(),
    ),
    lessonServers: deps.lessonServers,
    allow: config.allow,
    bindHosts: deps.bindHosts ?? [],
    studentPorts: config.studentPorts,
    portsPerSession: config.portsPerSession,
    maxSockets: config.maxSockets,
    maxSessions: config.maxSessions,
    maxSessionsPerAddress: config.maxSessionsPerAddress,
    callsPerSecond: config.callsPerSecond,
    connectsPerSecond: config.connectsPerSecond,
    pageEvents: config.pageEvents,
    graceMs: config.graceSeconds * 1000,
  });
  /** Per client address, the wrong tokens of the last minute (hashed) and when each was first seen. */
  const badTokens = new Map<string, { hash: string; at: number }[]>();
  const lessonsJson = JSON.stringify(lessonsDocument(deps.lessons ?? []));

  const http: Server = createServer(
    // A connection that never finishes its headers (slowloris, before any token is checked) is cut
    // 10 s in: Node looks for such connections every 30 s unless told, so they lived up to 40 s.
    {
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 2_000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      void serveHttp(req, res).catch((err) => {
        console.error('[http]', err);
        if (!res.headersSent) res.writeHead(500).end('internal error');
      });
    },
  );
  http.maxHeadersCount = 100;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });

  function tokenOf(req: IncomingMessage): string | null {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams.get('token');
    if (q) return q;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    const cookie = /(?:^|;\s*)playground_token=([^;]+)/.exec(req.headers.cookie ?? '');
    return cookie ? decodeURIComponent(cookie[1]!) : null;
  }

  function tokenOk(given: string | null): boolean {
    if (config.token === null) return true;
    if (given === null) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(config.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Two different wrong tokens a minute per address, then 429: guessing is not an option. Only a
   * new wrong value is a guess. No token at all is not one, nor is the same stale cookie sent again
   * by a page that reconnects: a class behind one address (a school's NAT) would otherwise be locked
   * out by one student who opened the page without the link, or kept yesterday's cookie.
   */
  function tooManyBadTokens(addr: string): boolean {
    const now = Date.now();
    const recent = (badTokens.get(addr) ?? []).filter((b) => now - b.at < 60_000);
    if (recent.length === 0) badTokens.delete(addr);
    else badTokens.set(addr, recent);
    return recent.length >= 2;
  }

  function noteBadToken(addr: string, given: string | null): void {
    if (given === null) return;
    const hash = createHash('sha256').update(given).digest('base64');
    const recent = badTokens.get(addr) ?? [];
    if (recent.some((b) => b.hash === hash)) return;
    recent.push({ hash, at: Date.now() });
    badTokens.set(addr, recent);
  }

  /** Checks that guard the WebSocket: DNS rebinding (Host), cross-site hijacking (Origin), the token. */
  function gatekeep(req: IncomingMessage): { status: number; reason: string } | null {
    const host = req.headers.host ?? '';
    const hostname = host.replace(/:\d+$/, '');
    if (config.token === null && !LOOPBACK_HOSTNAMES.has(hostname)) {
      return { status: 403, reason: `Host ${host || '(none)'} is not a loopback name` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const allowed =
        origin === `http://${host}` || origin === `https://${host}` || config.origins.includes(origin);
      if (!allowed) return { status: 403, reason: `Origin ${origin} is not this gateway's page` };
    } else if (config.token !== null && !tokenOk(tokenOf(req))) {
      return { status: 401, reason: 'a token is required' };
    }
    if (config.token !== null) {
      const addr = req.socket.remoteAddress ?? '?';
      if (tooManyBadTokens(addr)) return { status: 429, reason: 'too many bad tokens; wait a minute' };
      const given = tokenOf(req);
      if (!tokenOk(given)) {
        noteBadToken(addr, given);
        return { status: 401, reason: 'missing or wrong access token' };
      }
    }
    return null;
  }

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const refusal = path === '/ws' ? gatekeep(req) : { status: 404, reason: 'the WebSocket lives at /ws' };
    if (refusal) {
      socket.end(
        `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, socket, req.socket.remoteAddress ?? '?'));
  });

  // When each tab's messages leave: one frame per turn, lazy ones waiting for company (outbox.ts).
  const outboxes = new OutboxSchedule();

  /** A tab's WebSocket; `socket` is the TCP connection under it, where its frames are written. */
  function attach(ws: WebSocket, socket: Socket, address: string): void {
    const outbox = new Outbox(
      outboxes,
      (frame) => {
        if (ws.bufferedAmount > MAX_BUFFERED) {
          ws.close(1008, 'the page stopped reading');
          return;
        }
        // One write per frame (see ws-frame.ts); ws sees it in bufferedAmount like its own.
        socket.write(wsFrame(frame));
      },
      // A page closing (a reload) gets nothing more: what waits goes to the page that resumes it.
      () => ws.readyState === ws.OPEN,
    );
    const transport = new WsTransport(ws, outbox);
    const opened = sessions.open(transport, address);
    if (opened instanceof Session) {
      serve(ws, outbox, transport, opened);
      return;
    }
    // Over a limit. A reload, though, brings the resume token of a session that waits for it and
    // already holds its place: refused, it would lose its sockets to the very limit it counts in.
    const refuse = () => {
      clearTimeout(timer);
      if (ws.readyState !== ws.OPEN) return;
      // Written at once, not through the outbox, whose frame would leave after the close. The page
      // shows the close reason while it tries again (a tab closed elsewhere lets it in).
      ws.send(JSON.stringify({ type: 'error', id: null, code: 'EGW_RATE_LIMITED', message: opened.message }));
      ws.close(1013, opened.reason);
    };
    const timer = setTimeout(refuse, 5000);
    ws.on('close', () => clearTimeout(timer));
    ws.once('message', (data: RawData, isBinary: boolean) => {
      clearTimeout(timer);
      const token = isBinary ? null : resumeTokenOf(data.toString());
      if (token === null || !sessions.canResume(token)) {
        refuse();
        return;
      }
      serve(ws, outbox, transport, sessions.open(transport, address, { resuming: true }) as Session, data);
    });
  }

  /** The resume token of a hello, or null for anything else. */
  function resumeTokenOf(text: string): string | null {
    try {
      const m: unknown = JSON.parse(text);
      if (typeof m !== 'object' || m === null) return null;
      const { type, resume } = m as { type?: unknown; resume?: unknown };
      return type === 'hello' && typeof resume === 'string' ? resume : null;
    } catch {
      return null;
    }
  }

  /** A tab's session at work; `first` is a message that came before it was served. */
  function serve(
    ws: WebSocket,
    outbox: Outbox,
    transport: WsTransport,
    opened: Session,
    first?: RawData,
  ): void {
    let session: Session = opened;
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, deps.heartbeatMs ?? HEARTBEAT_MS);
    const receive = (data: RawData, isBinary: boolean) => {
      try {
        session = isBinary
          ? session.receiveBinary(asBytes(data), transport)
          : session.receive(data.toString(), transport, byteLength(data));
      } catch (err) {
        console.error('[gateway] message handling failed', err);
        transport.send({
          type: 'error',
          id: null,
          code: 'EGW_INTERNAL',
          message: 'internal error in the gateway (logged)',
        });
      }
      if (ws.bufferedAmount > PAUSE_ABOVE) pauseUntilDrained(ws);
    };
    ws.on('message', receive);
    if (first !== undefined) receive(first, false);
    ws.on('close', () => {
      clearInterval(heartbeat);
      // The session takes back what had yet to leave (for a reload), then nothing is left to send.
      session.detach(transport);
      outbox.drop();
    });
    ws.on('error', (err) => console.error('[gateway] websocket error', err.message));
  }

  /** A message's size in bytes, as it came. */
  function byteLength(data: RawData): number {
    if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
    return data.byteLength;
  }

  /** A binary message's bytes: ws gives one Buffer unless it was told to give fragments or ArrayBuffers. */
  function asBytes(data: RawData): Uint8Array {
    if (Array.isArray(data)) return Buffer.concat(data);
    return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  }

  /** Backpressure on requests: a tab that does not read its replies stops being read. */
  function pauseUntilDrained(ws: WebSocket): void {
    if (ws.isPaused) return;
    ws.pause();
    const check = () => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount < RESUME_BELOW) ws.resume();
      else setTimeout(check, 10);
    };
    setTimeout(check, 10);
  }

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (config.token !== null) {
      const given = url.searchParams.get('token');
      if (given !== null) {
        const addr = req.socket.remoteAddress ?? '?';
        if (tooManyBadTokens(addr)) {
          refusePage(res, 429, TOO_MANY_GUESSES(addr));
          return;
        }
        if (!tokenOk(given)) {
          noteBadToken(addr, given);
          refusePage(res, 401, WRONG_TOKEN);
          return;
        }
        // Swap the token for a cookie and take it out of the address bar, which a projector shows.
        url.searchParams.delete('token');
        res
          .writeHead(303, {
            Location: url.pathname + url.search,
            'Set-Cookie': `playground_token=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
          })
          .end();
        return;
      }
    }
    if (url.pathname === '/api/lessons') {
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-cache',
        ...SECURITY_HEADERS,
      });
      res.end(req.method === 'HEAD' ? undefined : lessonsJson);
      return;
    }
    if (url.pathname === '/healthz') {
      res
        .writeHead(200, { 'Content-Type': 'application/json', ...SECURITY_HEADERS })
        .end(JSON.stringify({ ok: true, sessions: sessions.size, engine: deps.sys.info.kind }));
      return;
    }
    // The page itself: without the token it could only say "connection lost" forever (a browser is
    // not told why a WebSocket was refused), so a student who typed the address without ?token=, or
    // kept the cookie of a gateway since restarted with another token, is told what to open instead.
    if (config.token !== null && !isAsset(url.pathname)) {
      const addr = req.socket.remoteAddress ?? '?';
      const given = tokenOf(req);
      if (given !== null && tooManyBadTokens(addr)) {
        refusePage(res, 429, TOO_MANY_GUESSES(addr));
        return;
      }
      if (!tokenOk(given)) {
        noteBadToken(addr, given);
        refusePage(res, 401, given === null ? NO_TOKEN : STALE_TOKEN);
        return;
      }
    }
    if (!hasWeb) {
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
        .end(placeholderPage(deps));
      return;
    }
    // Static files of the built web app; anything else is the app (its own router reads the hash).
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(webRoot, rel);
    if (!file.startsWith(webRoot + sep) || !existsSync(file) || rel === '/' || rel.endsWith('/'))
      file = join(webRoot, 'index.html');
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': file.includes(`${sep}assets${sep}`)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(config.port, config.host, () => {
      http.off('error', fail);
      ok();
    });
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    sessions,
    lessonTrace(ev) {
      const owner = sessions.owner([ev.remote[0], ev.remote[1]]);
      if (!owner) return;
      owner.engine.serverCall({
        type: 'server-call',
        server: ev.server,
        syscall: ev.kind,
        local: [ev.local[0], ev.local[1]],
        remote: [ev.remote[0], ev.remote[1]],
        ...(ev.bytes ? { data: toBase64(ev.bytes), bytes: ev.bytes.length } : {}),
      });
    },
    sessionOf(address) {
      return sessions.owner([address[0], address[1]]);
    },
    async close() {
      sessions.closeAll();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => http.close(() => ok()));
      http.closeAllConnections();
    },
  };
}

// What a student reads when the page is refused: what happened and what to open instead.
const ASK =
  'Open the link your instructor gave you: it ends in <code>?token=</code> followed by the access token.';
const NO_TOKEN = `This socket playground is shared by a class and needs its access token. ${ASK}`;
const STALE_TOKEN = `The access token this browser kept no longer opens this playground (it was probably restarted with a new token). ${ASK}`;
const WRONG_TOKEN = `That access token is wrong. ${ASK}`;
const TOO_MANY_GUESSES = (addr: string) =>
  `Too many wrong access tokens came from your address (${escapeHtml(addr)}) in the last minute. Wait a minute, then ${ASK.charAt(0).toLowerCase()}${ASK.slice(1)}`;

/** Files of the built app that carry no secrets (scripts, styles, fonts): served without the token. */
function isAsset(pathname: string): boolean {
  return pathname.startsWith('/assets/');
}

function refusePage(res: ServerResponse, status: 401 | 429, message: string): void {
  res
    .writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      ...SECURITY_HEADERS,
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Socket playground: access token needed</title></head>\n<body><h1>Socket playground</h1>\n<p>${message}</p></body></html>\n`,
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function placeholderPage(deps: GatewayDeps): string {
  const rows = deps
    .lessonServers()
    .map((l) => `<li><code>${l.name}</code> ${l.proto} ${l.host}:${l.port}</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Socket playground</title></head>
<body><h1>Socket playground gateway</h1>
<p>The gateway is running with the <strong>${deps.sys.info.kind}</strong> engine. The web app has not been built yet
(<code>npm run build</code>); its WebSocket is at <code>/ws</code>.</p><h2>Lesson servers</h2><ul>${rows}</ul></body></html>`;
}
