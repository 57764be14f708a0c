// The load generator's connections: one 16-byte echo at a time over plain TCP or over binary WebSocket
// frames (the minimal bridge, websockify), and opening thousands of them with every failure counted.

import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/** The message every path echoes: 16 bytes. */
export const MESSAGE = Buffer.from('bench 16 bytes.\n');
export const MESSAGE_BYTES = MESSAGE.length;

/** One session of the load generator, able to echo one message at a time. */
export interface EchoClient {
  /** Sends the 16 bytes and calls `done` once 16 bytes have come back, or with the reason they did not. */
  exchange(done: (err: Error | null) => void): void;
  readonly alive: boolean;
  /** WebSocket frames received that were not the reply being waited for (gateway trace events). */
  readonly extraFrames: number;
  close(): void;
}

/** Waits for bytes to come back; shared by the TCP and WebSocket clients. */
abstract class ByteEcho implements EchoClient {
  private missing = 0;
  private done: ((err: Error | null) => void) | null = null;
  protected dead: Error | null = null;
  readonly extraFrames = 0;

  get alive(): boolean {
    return this.dead === null;
  }

  exchange(done: (err: Error | null) => void): void {
    if (this.dead) {
      done(this.dead);
      return;
    }
    this.missing = MESSAGE_BYTES;
    this.done = done;
    this.write(MESSAGE);
  }

  protected received(bytes: number): void {
    this.missing -= bytes;
    if (this.missing <= 0 && this.done) {
      const done = this.done;
      this.done = null;
      done(null);
    }
  }

  protected died(err: Error): void {
    if (!this.dead) this.dead = err;
    const done = this.done;
    this.done = null;
    done?.(err);
  }

  protected abstract write(data: Buffer): void;
  abstract close(): void;
}

class TcpEcho extends ByteEcho {
  constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk) => this.received(chunk.length));
    socket.on('error', (err) => this.died(err));
    socket.on('close', () => this.died(new Error('connection closed')));
  }

  protected write(data: Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.died(new Error('closed by the bench'));
    this.socket.destroy();
  }
}

class WsEcho extends ByteEcho {
  constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => this.received(data.length));
    ws.on('error', (err) => this.died(err));
    ws.on('close', (code) => this.died(new Error(`WebSocket closed (${code})`)));
  }

  protected write(data: Buffer): void {
    this.ws.send(data);
  }

  close(): void {
    this.died(new Error('closed by the bench'));
    this.ws.terminate();
  }
}

/** A plain TCP connection straight to the echo server: the floor every bridge is compared with. */
export function openTcp(port: number, timeoutMs: number): Promise<EchoClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new TcpEcho(socket));
    });
  });
}

export interface WsOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

/** A WebSocket, open and ready, or the reason it is not (HTTP status, refused, timed out). */
export function openWebSocket(url: string, timeoutMs: number, o: WsOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, o.protocols ?? [], {
      headers: o.headers ?? {},
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      // The load generator shares the machine's two cores with the servers: skip what a bench need not check.
      skipUTF8Validation: true,
    });
    const timer = setTimeout(
      () => fail(new Error(`WebSocket open timed out after ${timeoutMs} ms`)),
      timeoutMs + 500,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(err);
    };
    ws.once('unexpected-response', (_req, res) =>
      fail(new Error(`HTTP ${res.statusCode} instead of a WebSocket`)),
    );
    ws.once('error', (err) => fail(err));
    ws.once('close', (code) => fail(new Error(`WebSocket closed (${code}) while opening`)));
    ws.once('open', () => {
      clearTimeout(timer);
      ws.removeAllListeners();
      resolve(ws);
    });
  });
}

/** A WebSocket to a byte-for-byte bridge (the minimal bridge, websockify): binary frames both ways. */
export async function openWsEcho(url: string, timeoutMs: number, o: WsOptions = {}): Promise<EchoClient> {
  return new WsEcho(await openWebSocket(url, timeoutMs, o));
}

export interface Opened<T> {
  ok: T[];
  failed: number;
  /** Why sessions failed to open, most common first. */
  reasons: [string, number][];
  seconds: number;
}

export interface OpenManyOptions {
  parallel: number;
  /** The whole batch gives up after this long; sessions not yet tried count as failed. */
  deadlineMs: number;
  /** After this many failures in a row the rest are not tried (a server that stopped accepting). */
  giveUpAfter: number;
}

/** Opens n sessions, `parallel` at a time; never throws: failures are counted with their reasons. */
export async function openMany<T>(
  n: number,
  open: (i: number) => Promise<T>,
  o: OpenManyOptions,
): Promise<Opened<T>> {
  const started = performance.now();
  const ok: T[] = [];
  const reasons = new Map<string, number>();
  let next = 0;
  let failed = 0;
  let inARow = 0;
  const worker = async () => {
    while (next < n && inARow < o.giveUpAfter && performance.now() - started < o.deadlineMs) {
      const i = next++;
      try {
        ok.push(await open(i));
        inARow = 0;
      } catch (err) {
        failed++;
        inARow++;
        const why = (err instanceof Error ? err.message : String(err)).slice(0, 80);
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, n) }, worker));
  if (next < n) {
    const why =
      inARow >= o.giveUpAfter
        ? `not tried after ${o.giveUpAfter} failures in a row`
        : 'not tried: setup deadline passed';
    reasons.set(why, n - next);
    failed += n - next;
  }
  return {
    ok,
    failed,
    reasons: [...reasons].sort((a, b) => b[1] - a[1]),
    seconds: (performance.now() - started) / 1000,
  };
}
