// Runs one TCP lesson server: its listening socket, every accepted connection, the limits that keep
// one client from hurting the others, and the restart after a crash. Knows no protocol: that is the
// TcpLesson it is given (a fresh one at every start, as a restarted process would have).

import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { ClientOf, LessonServerTrace, TcpConn, TcpLesson, TcpSession } from './lesson.js';
import { SupervisedHost } from './supervised-host.js';
import { describeError } from './supervisor.js';

export interface TcpHostOptions {
  host: string;
  port: number;
  /** Connections in all. */
  maxClients: number;
  /**
   * Connections from one page, so that a few tabs cannot fill the server. Clients from outside the
   * page (nc, a script on the gateway's host: the servers listen on its loopback) have no share of
   * their own, only the total.
   */
  maxClientsPerOwner: number;
  /** The page a client belongs to; null for one from outside the page (nc, a script). */
  ownerOf: ClientOf | undefined;
  idleTimeoutMs: number;
  trace: ((ev: LessonServerTrace) => void) | undefined;
  log: (line: string) => void;
  /** Test-only: a handler that receives these bytes throws, as a bug in a lesson server would. */
  throwOn: Buffer | undefined;
}

type Kind = LessonServerTrace['kind'];

// Once the server has closed its end, the client may still be sending: keep reading and dropping it
// for a while. Closing with unread bytes in the receive queue makes the kernel send RST instead of
// FIN, and an RST can make the client lose the reply it has not read yet (see "lingering close").
const LINGER_MS = 5_000;

// Replies queued for a client that does not read them. Reading pauses at Node's high-water mark,
// but one chunk of short commands can still ask for far more output than it took to send (64 KiB
// of empty lines, each answered with a sentence): past this much the client is cut off.
const MAX_UNSENT_BYTES = 1 << 20;

export class TcpHost extends SupervisedHost<TcpLesson> {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private active = 0;
  /** Counted connections by page (see ownerOf). */
  private readonly owners = new Map<object, number>();

  constructor(
    make: () => TcpLesson,
    private readonly opts: TcpHostOptions,
  ) {
    super(make, opts, 'tcp');
  }

  protected open(port: number): Promise<number> {
    return this.listen(port);
  }

  protected stop(): void {
    this.stopListening();
  }

  /** Behave as if the listening socket had failed (for tests, and for an operator's "restart"). */
  simulateListenerError(err: Error): void {
    this.server?.emit('error', err);
  }

  async close(): Promise<void> {
    await this.supervisor.shutdown();
    const closing: Promise<unknown>[] = [];
    for (const socket of this.sockets) {
      closing.push(new Promise((resolve) => socket.once('close', resolve)));
      socket.destroy();
    }
    await Promise.all([...closing, ...this.stopped]);
  }

  private listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      // allowHalfOpen: a client's FIN does not close our side; the protocol decides (seed 003's
      // server keeps answering until it decides to close).
      const server = net.createServer({ allowHalfOpen: true, noDelay: true });
      const failedToListen = (err: Error) => {
        server.close();
        reject(err);
      };
      server.once('error', failedToListen);
      server.on('connection', (socket) => this.accept(socket));
      server.listen({ host: this.opts.host, port, backlog: 64 }, () => {
        server.off('error', failedToListen);
        server.on('error', (err) => this.supervisor.crash(`listening socket failed: ${describeError(err)}`));
        this.server = server;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private stopListening(): void {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.removeAllListeners('connection');
    server.on('error', () => {});
    // Closes the listening descriptor now; accepted connections live on and are ours to end, and
    // 'close' comes once they have all gone.
    const done: Promise<void> = new Promise((resolve) => server.close(() => resolve()));
    this.stopped.add(done);
    void done.then(() => this.stopped.delete(done));
  }

  private accept(socket: net.Socket): void {
    if (socket.remoteAddress === undefined || socket.remotePort === undefined) {
      socket.destroy(); // already reset by the client before we got to it
      return;
    }
    this.sockets.add(socket);
    // Errors (ECONNRESET, EPIPE) belong to this one client; 'close' follows and tidies up.
    socket.on('error', () => {});
    const conn = new Connection(
      this,
      socket,
      [socket.localAddress ?? this.opts.host, socket.localPort ?? this.supervisor.port],
      [socket.remoteAddress, socket.remotePort],
    );
    this.emit('accept', conn);
    socket.on('close', () => {
      this.sockets.delete(socket);
      conn.died();
    });
    const seconds = Number((this.opts.idleTimeoutMs / 1000).toFixed(1));
    const owner = this.opts.ownerOf?.(conn.remote) ?? null;
    const all = this.active >= this.opts.maxClients;
    const mine = owner === null ? 0 : (this.owners.get(owner) ?? 0);
    if (all || mine >= this.opts.maxClientsPerOwner) {
      const limit = all ? this.opts.maxClients : this.opts.maxClientsPerOwner;
      socket.resume(); // read and drop whatever it sends, so our close is a FIN and not an RST
      conn.send(this.lesson.busy?.(limit, !all) ?? busyLine(limit, !all));
      conn.close();
      return;
    }
    this.active++;
    if (owner !== null) this.owners.set(owner, mine + 1);
    conn.owner = owner;
    conn.counted = true;
    socket.setTimeout(this.opts.idleTimeoutMs, () => {
      if (conn.closed) {
        socket.destroy();
        return;
      }
      conn.send(this.lesson.idle?.(seconds) ?? `Closing: nothing received for ${seconds} s.\n`);
      conn.close();
    });
    let session: TcpSession | null = null;
    this.guard(conn, () => {
      session = this.lesson.open(conn);
    });
    let paused = false;
    socket.on('data', (chunk: Buffer) => {
      if (conn.closed || !session) return; // lingering: read and drop
      const s: TcpSession = session;
      this.emit('recv', conn, chunk);
      this.guard(conn, () => {
        if (this.opts.throwOn && chunk.includes(this.opts.throwOn))
          throw new Error('fault injected by a test');
        s.data(chunk);
      });
      // A client that sends without reading would make us buffer replies without end: stop reading
      // until the kernel has taken what we queued (the same back-pressure a blocking send() gives).
      if (!paused && socket.writableNeedDrain) {
        paused = true;
        socket.pause();
        socket.once('drain', () => {
          paused = false;
          socket.resume();
        });
      }
    });
    socket.on('end', () => {
      if (conn.closed || !session) return;
      const s: TcpSession = session;
      this.emit('recv', conn, Buffer.alloc(0));
      this.guard(conn, () => (s.end ? s.end() : conn.close()));
    });
  }

  /** Runs protocol code; an exception drops that one client and restarts the server. */
  guard(conn: Connection, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      conn.socket.destroy();
      // A handler that throws is a bug in this file's neighbours: keep the stack for whoever fixes it.
      if (err instanceof Error && err.stack) this.opts.log(`${this.name}: ${err.stack}`);
      this.supervisor.crash(describeError(err));
    }
  }

  released(conn: Connection): void {
    if (!conn.counted) return;
    this.active--;
    if (conn.owner === null) return;
    const left = (this.owners.get(conn.owner) ?? 1) - 1;
    if (left > 0) this.owners.set(conn.owner, left);
    else this.owners.delete(conn.owner);
  }

  emit(kind: Kind, conn: Connection, bytes?: Uint8Array): void {
    const trace = this.opts.trace;
    if (!trace) return;
    const ev: LessonServerTrace = {
      server: this.name,
      kind,
      local: [conn.local[0], conn.local[1]],
      remote: [conn.remote[0], conn.remote[1]],
      t: performance.now(),
    };
    if (bytes) ev.bytes = new Uint8Array(bytes);
    try {
      trace(ev);
    } catch (err) {
      this.opts.log(`${this.name}: onTrace threw: ${describeError(err)}`);
    }
  }
}

/** The default busy line, for a lesson without its own. */
function busyLine(limit: number, yours: boolean): string {
  return yours
    ? `Busy: you already have ${limit} connections here; close one and try again.\n`
    : `Busy: ${limit} clients already.\n`;
}

class Connection implements TcpConn {
  closed = false;
  counted = false;
  /** The page whose share it counts in (see TcpHost.owners); null for an outside client. */
  owner: object | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private linger: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: TcpHost,
    readonly socket: net.Socket,
    readonly local: [string, number],
    readonly remote: [string, number],
  ) {}

  send(data: string | Uint8Array): void {
    if (this.closed || this.socket.destroyed) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.socket.writableLength + bytes.length > MAX_UNSENT_BYTES) {
      this.finish();
      this.socket.destroy();
      return;
    }
    this.host.emit('send', this, bytes);
    this.socket.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.finish();
    this.socket.end();
    this.linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    this.linger.unref();
  }

  later(ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.host.guard(this, fn);
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** The socket is gone (reset, destroyed, or both sides finished). */
  died(): void {
    if (this.linger) clearTimeout(this.linger);
    if (!this.closed) this.finish();
  }

  private finish(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.host.emit('close', this);
    this.host.released(this);
  }
}
