// One raw session: a program (raw, raw2...) that talks to a peer as nc or telnet would, through the
// gateway, so the diagram draws it like any other program. A TCP connection is streamed (see Streams in
// gateway/protocol/messages.ts): the gateway reads it and pushes data events, and `write` sends; a
// listener's accept loop streams every client it accepts. UDP stays stepped: recv()/recvfrom() loops,
// send()/sendto() calls. Knows no React and no DOM: a RawGateway runs the calls and carries the events.

import {
  type Address,
  type Call,
  type CallError,
  type CallResult,
  fromBase64,
  MAX_DATA_BYTES,
  MAX_PENDING_WRITE,
  type ServerMessage,
  toBase64,
} from '../../../gateway/protocol/messages.js';
import type { Direction } from './render-bytes.js';

export type CallReply = { ok: true; result: CallResult } | { ok: false; error: CallError };
export type WriteReply = { ok: true; bytes: number } | { ok: false; error: CallError };

/** What a raw session needs of the page's connection to the gateway, for its one program. */
export interface RawGateway {
  /** Runs one call for this session's program; `source` says what the student did, for the diagram. */
  call(call: Call, signal: AbortSignal | undefined, source: string): Promise<CallReply>;
  /** Sends bytes on a streamed TCP socket after its earlier writes; answers once the kernel took them all. */
  write(socket: string, bytes: Uint8Array): Promise<WriteReply>;
  /** Calls `fn` with every message the gateway sends, until the returned function is called. */
  onMessage(fn: (msg: ServerMessage) => void): () => void;
}

type StreamMessage = Extract<ServerMessage, { type: 'data' | 'stream-ended' }>;

export interface RawTarget {
  mode: 'connect' | 'listen';
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
  /** The lesson server's name, when the target is one. */
  name?: string;
}

export interface Chunk {
  id: number;
  dir: Direction;
  /** Wall-clock milliseconds. */
  at: number;
  bytes: Uint8Array;
}

/**
 * What ended (or half-ended) a connection. `id` counts with the chunks' ids, so a view can show the
 * close between the bytes that came before it and those after.
 */
export type CloseEvent =
  | { id: number; what: 'you-fin'; at: number; how: 'shutdown' | 'close' }
  | { id: number; what: 'peer-fin'; at: number }
  | { id: number; what: 'peer-rst'; at: number };

export type StreamStatus = 'connecting' | 'open' | 'closed' | 'failed';

export interface RawStream {
  id: number;
  title: string;
  peer: Address | null;
  /** The socket's handle on the gateway (the listener's, for a UDP listener's peers). */
  socket: string | null;
  status: StreamStatus;
  closes: readonly CloseEvent[];
  /** The failure that ended the stream (connect refused, denied...). */
  error: CallError | null;
  /** The latest thing worth telling that did not end it (a send that failed, an ICMP error...). */
  notice: string | null;
  chunks: readonly Chunk[];
  /** Older chunks dropped to keep memory bounded. */
  dropped: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RawListener {
  status: 'starting' | 'listening' | 'stopped' | 'failed';
  address: Address;
  socket: string | null;
  error: CallError | null;
  /** False once accept() (or recvfrom) failed for good; the kernel may still queue connections. */
  accepting: boolean;
  clients: number;
}

export interface RawState {
  program: string;
  target: RawTarget;
  listener: RawListener | null;
  streams: readonly RawStream[];
}

interface Runtime {
  socket: string | null;
  /** The call this stream waits on (connect, a UDP recv), cancelled when the student closes. */
  waiting: AbortController | null;
  closing: boolean;
  /** The stream's sends and EOF, in the order asked for: each waits for the one before. */
  sending: Promise<unknown>;
  /** TCP writes the gateway has not answered yet. */
  writes: Set<Promise<unknown>>;
  /** Their bytes, kept under WRITE_WINDOW. */
  writing: number;
  /** UDP listener peers: where sendto() goes. */
  udpPeer: Address | null;
}

/** UDP recv() size: what nc asks for. */
export const RECV_BYTES = 4096;
/** Largest piece sent in one message: its base64 must fit the gateway's message limit. */
export const SEND_PIECE = MAX_DATA_BYTES;
/** Most bytes written and not yet answered: well inside what the gateway lets wait (EGW_LIMIT beyond). */
export const WRITE_WINDOW = MAX_PENDING_WRITE / 2;
const MAX_CHUNKS = 2000;
const MAX_KEPT_BYTES = 1 << 20;

const offline = (syscall: string, err: unknown): CallError => ({
  code: 'EGW_OFFLINE',
  errno: null,
  syscall,
  message: err instanceof Error ? err.message : String(err),
  explain: 'The page lost its connection to the gateway, so this call could not run.',
});

export class RawSessionController {
  private state: RawState;
  private readonly subscribers = new Set<() => void>();
  private readonly runtime = new Map<number, Runtime>();
  /** Streamed TCP sockets, by handle: whose data and stream-ended events are whose. */
  private readonly streamed = new Map<string, number>();
  /**
   * Stream events for a socket not yet known, kept while an accept() is waiting: its reply and the new
   * connection's first bytes may come in one frame, and the bytes are handled before the reply's await.
   */
  private early: StreamMessage[] = [];
  private readonly unsubscribe: () => void;
  private listenWait: AbortController | null = null;
  private nextStream = 1;
  private nextChunk = 1;
  private disposed = false;

  constructor(
    program: string,
    target: RawTarget,
    private readonly gateway: RawGateway,
    private readonly now: () => number = Date.now,
  ) {
    this.state = { program, target, listener: null, streams: [] };
    this.unsubscribe = gateway.onMessage(this.onMessage);
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  };

  readonly getSnapshot = (): RawState => this.state;

  stream(id: number): RawStream | undefined {
    return this.state.streams.find((s) => s.id === id);
  }

  /** Connects, or starts listening, as the target says. */
  start(): Promise<unknown> {
    return this.state.target.mode === 'connect' ? this.connect() : this.listen();
  }

  /** A new connection to the target (the first, or after the last one ended). Returns its stream id. */
  async connect(): Promise<number> {
    const { proto, host, port, name } = this.state.target;
    const where = `${host}:${port}`;
    const id = this.addStream(name ? `${name} ${where}` : where, [host, port], 'connecting');
    const rt = this.runtime.get(id)!;
    const src = `raw session: ${proto === 'udp' ? 'nc -u' : 'nc'} ${host} ${port}`;
    const made = await this.run(
      { op: 'socket', family: family(host), type: proto === 'udp' ? 'SOCK_DGRAM' : 'SOCK_STREAM' },
      src,
    );
    if (!made.ok || made.result.op !== 'socket') {
      this.update(id, { status: 'failed', error: made.ok ? null : made.error });
      return id;
    }
    rt.socket = made.result.socket;
    this.update(id, { socket: rt.socket });
    if (rt.closing) {
      await this.closeSocket(id);
      return id;
    }
    const tcp = proto === 'tcp';
    // Known before connect() returns: its reply and the first bytes of the stream may come together.
    if (tcp) this.streamed.set(rt.socket, id);
    rt.waiting = new AbortController();
    const connected = await this.run(
      { op: 'connect', socket: rt.socket, address: [host, port], ...(tcp ? { stream: true } : {}) },
      src,
      rt.waiting.signal,
    );
    rt.waiting = null;
    if (!connected.ok) {
      this.update(id, {
        status: rt.closing ? 'closed' : 'failed',
        error: rt.closing ? null : connected.error,
      });
      await this.closeSocket(id);
      return id;
    }
    if (rt.closing) return id;
    this.update(id, { status: 'open' });
    if (!tcp) void this.receiveLoop(id);
    return id;
  }

  /** Binds, listens and accepts clients (TCP), or binds and receives datagrams (UDP). */
  async listen(): Promise<void> {
    const { proto, host, port } = this.state.target;
    const listener: RawListener = {
      status: 'starting',
      address: [host, port],
      socket: null,
      error: null,
      accepting: true,
      clients: 0,
    };
    this.setListener(listener);
    const src = `raw session: ${proto === 'udp' ? 'nc -u -l' : 'nc -l'} ${host} ${port}`;
    const fail = async (error: CallError) => {
      const socket = this.state.listener?.socket;
      this.setListener({ status: 'failed', error, accepting: false, socket: null });
      if (socket) await this.run({ op: 'close', socket }, src);
    };
    const made = await this.run(
      { op: 'socket', family: family(host), type: proto === 'udp' ? 'SOCK_DGRAM' : 'SOCK_STREAM' },
      src,
    );
    if (!made.ok || made.result.op !== 'socket') return made.ok ? undefined : fail(made.error);
    const socket = made.result.socket;
    this.setListener({ socket });
    if (proto === 'tcp') {
      // A listener restarted on the same port must not wait for old connections' TIME_WAIT.
      const reuse = await this.run({ op: 'setsockopt', socket, option: 'SO_REUSEADDR', value: 1 }, src);
      if (!reuse.ok) return fail(reuse.error);
    }
    const bound = await this.run({ op: 'bind', socket, address: [host, port] }, src);
    if (!bound.ok) return fail(bound.error);
    if (proto === 'tcp') {
      const listening = await this.run({ op: 'listen', socket, backlog: 8 }, src);
      if (!listening.ok) return fail(listening.error);
    }
    if (this.state.listener?.status !== 'starting') return;
    this.setListener({ status: 'listening' });
    if (proto === 'tcp') void this.acceptLoop(socket);
    else void this.datagramLoop(socket);
  }

  /**
   * Sends bytes on a stream, in order after what is already being sent; resolves true once all of them
   * left (TCP: the kernel took them), false on failure. TCP writes go out without waiting for the
   * replies to earlier ones (the gateway keeps their order), up to WRITE_WINDOW bytes unanswered.
   */
  send(id: number, bytes: Uint8Array, source: string): Promise<boolean> {
    const rt = this.runtime.get(id);
    if (!rt) return Promise.resolve(false);
    if (this.state.target.proto === 'tcp') {
      // The next send or EOF waits until these writes are handed over, not until they are answered.
      const queued = rt.sending.then(() => this.queueWrites(id, rt, bytes));
      rt.sending = queued.catch(() => undefined);
      return queued.then((q) => q.done);
    }
    const done = rt.sending.then(() => this.sendDatagram(id, rt, bytes, source));
    rt.sending = done.catch(() => false);
    return done;
  }

  /** Half-close: shutdown(SHUT_WR) sends FIN and keeps receiving, as `nc -N` does at end of input. */
  sendEof(id: number): Promise<boolean> {
    const rt = this.runtime.get(id);
    if (!rt) return Promise.resolve(false);
    const done = rt.sending.then(async () => {
      // FIN goes after every byte written before it: the gateway does not order a call after writes.
      await Promise.allSettled([...rt.writes]);
      const s = this.stream(id);
      if (!rt.socket || !s || s.status !== 'open' || rt.closing) return false;
      if (s.closes.some((c) => c.what === 'you-fin')) return true;
      const r = await this.run(
        { op: 'shutdown', socket: rt.socket, how: 'SHUT_WR' },
        'raw session: send EOF',
      );
      if (!r.ok) {
        this.update(id, { notice: `shutdown failed: ${r.error.code} ${r.error.message}` });
        return false;
      }
      this.addClose(id, { what: 'you-fin', how: 'shutdown' });
      await this.finishIfDone(id);
      return true;
    });
    rt.sending = done.catch(() => false);
    return done;
  }

  /** close(): stops waiting, closes the socket (FIN if the connection was open). */
  async close(id: number): Promise<void> {
    const rt = this.runtime.get(id);
    const s = this.stream(id);
    if (!rt || !s) return;
    if (rt.udpPeer) {
      // A UDP listener's peer has no socket of its own: forgetting it is all there is.
      rt.closing = true;
      this.update(id, { status: 'closed' });
      return;
    }
    if (rt.closing) return;
    rt.closing = true;
    rt.waiting?.abort();
    if (s.status === 'connecting' && !rt.socket) return; // connect() will close it when socket() returns
    await this.closeSocket(id);
    if (this.stream(id)?.status !== 'failed') this.update(id, { status: 'closed' });
  }

  /** Closes the current connection (if still open) and opens a new one to the same target. */
  async reconnect(): Promise<number> {
    for (const s of this.state.streams)
      if (s.status === 'open' || s.status === 'connecting') await this.close(s.id);
    return this.connect();
  }

  /** Stops accepting and closes the listening socket; connected clients stay connected. */
  async stopListening(): Promise<void> {
    const l = this.state.listener;
    if (!l?.socket || l.status === 'stopped') return;
    const socket = l.socket;
    this.setListener({ status: 'stopped', accepting: false, socket: null });
    this.listenWait?.abort();
    await this.run({ op: 'close', socket }, 'raw session: stop listening');
  }

  /** Closes every socket of this session, and stops listening to the gateway's events. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribe();
    this.early = [];
    await this.stopListening();
    await Promise.all(this.state.streams.map((s) => this.close(s.id)));
  }

  // -------------------------------------------------------------------------------------------

  /** Why a stream cannot send now, said as a notice; null when it can. */
  private cannotSend(id: number, rt: Runtime, socket: string | null): string | null {
    const s = this.stream(id);
    if (!s || !socket || s.status !== 'open' || rt.closing) return 'not sent: this connection is not open';
    if (s.closes.some((c) => c.what === 'you-fin'))
      return 'not sent: you already sent EOF (shutdown SHUT_WR): the peer has your FIN';
    return null;
  }

  /**
   * Hands a send's pieces to the gateway as `write`s, waiting only while WRITE_WINDOW bytes are
   * unanswered; `done` says how they ended. The bytes are shown from the data events of what the kernel
   * took, in order with the bytes received.
   */
  private async queueWrites(id: number, rt: Runtime, bytes: Uint8Array): Promise<{ done: Promise<boolean> }> {
    const socket = rt.socket;
    const refused = this.cannotSend(id, rt, socket);
    if (refused || !socket) {
      this.update(id, { notice: refused });
      return { done: Promise.resolve(false) };
    }
    const replies: Promise<WriteReply>[] = [];
    let failed = false;
    for (let off = 0; off < bytes.length && !failed && !rt.closing; off += SEND_PIECE) {
      const piece = bytes.subarray(off, off + SEND_PIECE);
      while (rt.writes.size > 0 && rt.writing + piece.length > WRITE_WINDOW) await Promise.race(rt.writes);
      if (failed || rt.closing) break;
      const reply: Promise<WriteReply> = this.gateway
        .write(socket, piece)
        .catch((err: unknown) => ({ ok: false, error: offline('write', err) }) as const)
        .then((r) => {
          rt.writes.delete(reply);
          rt.writing -= piece.length;
          if (!r.ok) failed = true;
          return r;
        });
      rt.writes.add(reply);
      rt.writing += piece.length;
      replies.push(reply);
    }
    const done = Promise.all(replies).then((rs) => {
      const bad = rs.find((r) => !r.ok);
      if (!bad || bad.ok) {
        if (!rt.closing) this.update(id, { notice: null, error: null });
        return !rt.closing;
      }
      // Closed by the student while bytes waited: the gateway dropped them, as close() does.
      if (rt.closing) return false;
      const error = bad.error;
      // EPIPE: the peer's RST already came, or our FIN went; ECONNRESET: the RST came during the send.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') this.addClose(id, { what: 'peer-rst' });
      this.update(id, { notice: `${error.syscall} failed: ${error.code} ${error.message}`, error });
      return false;
    });
    return { done };
  }

  /** UDP: one datagram, with send() on a connected socket or sendto() to a listener's peer. */
  private async sendDatagram(id: number, rt: Runtime, bytes: Uint8Array, source: string): Promise<boolean> {
    const socket = rt.udpPeer ? (this.state.listener?.socket ?? null) : rt.socket;
    const refused = this.cannotSend(id, rt, socket);
    if (refused || !socket) {
      this.update(id, { notice: refused });
      return false;
    }
    if (bytes.length > SEND_PIECE) {
      this.update(id, {
        notice: `not sent: ${bytes.length} bytes is more than one datagram may carry here (${SEND_PIECE})`,
      });
      return false;
    }
    const data = toBase64(bytes);
    const call: Call = rt.udpPeer
      ? { op: 'sendto', socket, data, address: rt.udpPeer }
      : { op: 'send', socket, data };
    const r = await this.run(call, source);
    if (!r.ok) {
      if (r.error.code === 'EPIPE' || r.error.code === 'ECONNRESET') this.addClose(id, { what: 'peer-rst' });
      this.update(id, { notice: `${call.op} failed: ${r.error.code} ${r.error.message}`, error: r.error });
      return false;
    }
    const sent = 'bytes' in r.result ? r.result.bytes : bytes.length;
    this.addChunk(id, 'out', bytes.subarray(0, sent));
    this.update(id, { notice: null, error: null });
    return true;
  }

  /** The gateway's events: the bytes and ends of this session's streamed TCP sockets. */
  private readonly onMessage = (msg: ServerMessage): void => {
    if (msg.type === 'welcome') {
      // A new session, not ours resumed: the gateway closed our sockets, and no event will say so.
      if (!msg.resumed) this.lost();
      return;
    }
    if ((msg.type !== 'data' && msg.type !== 'stream-ended') || msg.program !== this.state.program) return;
    const id = this.streamed.get(msg.socket);
    if (id !== undefined) {
      this.onStreamEvent(id, msg);
    } else if (
      this.listenWait &&
      this.state.target.proto === 'tcp' &&
      (msg.type === 'stream-ended' || msg.streamed)
    ) {
      this.early.push(msg);
      if (this.early.length > MAX_CHUNKS) this.early.shift();
    }
  };

  private onStreamEvent(id: number, msg: StreamMessage): void {
    if (msg.type === 'data') {
      // Out: a piece of a write the kernel took. In: what the gateway's read loop received.
      if (msg.direction === 'in' && !msg.streamed) return;
      this.addChunk(id, msg.direction, fromBase64(msg.data));
      return;
    }
    const rt = this.runtime.get(id);
    if (!rt || rt.closing) return;
    if (msg.reason === 'eof') {
      // recv() returned 0 bytes: the peer's FIN, it will send nothing more (it may still read).
      this.addClose(id, { what: 'peer-fin' });
      void this.finishIfDone(id);
      return;
    }
    const error: CallError = msg.error ?? {
      code: 'EGW_INTERNAL',
      errno: null,
      syscall: 'recv',
      message: 'the read loop stopped',
      explain: 'The gateway stopped reading this connection without saying why.',
    };
    void (async () => {
      if (error.code === 'ECONNRESET') {
        // The peer's kernel answered with RST: the connection is gone at once, unread bytes too.
        this.addClose(id, { what: 'peer-rst' });
        await this.closeSocket(id);
        this.update(id, { status: 'closed' });
        return;
      }
      this.update(id, { status: 'failed', error });
      await this.closeSocket(id);
    })();
  }

  /** The gateway started a new session: every socket of ours is gone, and the streams with them. */
  private lost(): void {
    const error = offline('recv', new Error('the session ended'));
    for (const [socket, id] of this.streamed) {
      const rt = this.runtime.get(id);
      if (rt) rt.socket = null;
      if (this.stream(id)?.status !== 'closed') this.update(id, { status: 'failed', error });
      this.streamed.delete(socket);
    }
  }

  /** UDP: blocking recv() calls one after another, as nc -u does. */
  private async receiveLoop(id: number): Promise<void> {
    for (;;) {
      const rt = this.runtime.get(id);
      if (!rt?.socket || rt.closing) return;
      rt.waiting = new AbortController();
      const r = await this.run(
        { op: 'recv', socket: rt.socket, bufsize: RECV_BYTES },
        'raw session: receive loop',
        rt.waiting.signal,
      );
      rt.waiting = null;
      if (rt.closing) return;
      if (r.ok && r.result.op === 'recv') {
        // A datagram of 0 bytes is a datagram (UDP has no FIN).
        this.addChunk(id, 'in', fromBase64(r.result.data));
        continue;
      }
      if (r.ok) return;
      const code = r.error.code;
      if (code === 'EGW_CANCELLED' || code === 'EBADF') return;
      if (code === 'ECONNRESET') {
        this.addClose(id, { what: 'peer-rst' });
        await this.closeSocket(id);
        this.update(id, { status: 'closed' });
        return;
      }
      if (code === 'ECONNREFUSED') {
        // An ICMP "port unreachable" came back for a datagram we sent: nothing listens there.
        this.update(id, {
          notice: `recv failed with ECONNREFUSED: nothing listens at ${this.state.target.host}:${this.state.target.port} (ICMP port unreachable)`,
        });
        continue;
      }
      this.update(id, { status: 'failed', error: r.error });
      await this.closeSocket(id);
      return;
    }
  }

  private async acceptLoop(listener: string): Promise<void> {
    for (;;) {
      if (this.state.listener?.socket !== listener) return;
      this.listenWait = new AbortController();
      const r = await this.run(
        { op: 'accept', socket: listener, stream: true },
        'raw session: accept loop',
        this.listenWait.signal,
      );
      this.listenWait = null;
      const early = this.early;
      this.early = [];
      if (this.state.listener?.socket !== listener) {
        // Stopped while a connection arrived: it is ours all the same, and must be closed.
        if (r.ok && r.result.op === 'accept')
          await this.run({ op: 'close', socket: r.result.socket }, 'raw session');
        return;
      }
      if (r.ok && r.result.op === 'accept') {
        const n = (this.state.listener?.clients ?? 0) + 1;
        this.setListener({ clients: n });
        const id = this.addStream(`client ${n} ${shortAddress(r.result.address)}`, r.result.address, 'open');
        const rt = this.runtime.get(id)!;
        const socket = r.result.socket;
        rt.socket = socket;
        this.update(id, { socket });
        this.streamed.set(socket, id);
        // The gateway reads the client from the start: bytes it sent at once may have come already.
        for (const msg of early) if (msg.socket === socket) this.onStreamEvent(id, msg);
        continue;
      }
      if (!r.ok && (r.error.code === 'EGW_CANCELLED' || r.error.code === 'EBADF')) return;
      this.setListener({ accepting: false, error: r.ok ? null : r.error });
      return;
    }
  }

  private async datagramLoop(listener: string): Promise<void> {
    const peers = new Map<string, number>();
    for (;;) {
      if (this.state.listener?.socket !== listener) return;
      this.listenWait = new AbortController();
      const r = await this.run(
        { op: 'recvfrom', socket: listener, bufsize: 65535 },
        'raw session: receive loop',
        this.listenWait.signal,
      );
      this.listenWait = null;
      if (this.state.listener?.socket !== listener) return;
      // A UDP socket's datagrams always name their sender.
      if (r.ok && r.result.op === 'recvfrom' && r.result.address) {
        const from = r.result.address;
        const key = shortAddress(from);
        let id = peers.get(key);
        if (id === undefined || this.runtime.get(id)?.closing) {
          const n = (this.state.listener?.clients ?? 0) + 1;
          this.setListener({ clients: n });
          id = this.addStream(`peer ${n} ${key}`, from, 'open');
          const rt = this.runtime.get(id)!;
          rt.udpPeer = from;
          this.update(id, { socket: listener });
          peers.set(key, id);
        }
        this.addChunk(id, 'in', fromBase64(r.result.data));
        if (r.result.truncated) {
          this.update(id, {
            notice: `datagram truncated: ${r.result.datagramBytes} bytes were sent, ${r.result.bytes} kept`,
          });
        }
        continue;
      }
      if (!r.ok && (r.error.code === 'EGW_CANCELLED' || r.error.code === 'EBADF')) return;
      if (!r.ok && r.error.code === 'ECONNREFUSED') continue;
      this.setListener({ accepting: false, error: r.ok ? null : r.error });
      return;
    }
  }

  /** Both sides sent FIN: nothing more can happen on this connection, so close the fd as nc does. */
  private async finishIfDone(id: number): Promise<void> {
    const s = this.stream(id);
    if (!s) return;
    const you = s.closes.some((c) => c.what === 'you-fin');
    const peer = s.closes.some((c) => c.what === 'peer-fin');
    if (you && peer) {
      await this.closeSocket(id);
      this.update(id, { status: 'closed' });
    }
  }

  private async closeSocket(id: number): Promise<void> {
    const rt = this.runtime.get(id);
    const s = this.stream(id);
    if (!rt?.socket) return;
    const socket = rt.socket;
    rt.socket = null;
    rt.closing = true;
    const r = await this.run({ op: 'close', socket }, 'raw session: close');
    // Bytes the kernel took before close() were shown as their events came; nothing comes after.
    this.streamed.delete(socket);
    const wasOpen = s?.status === 'open';
    const finished = s?.closes.some((c) => c.what === 'you-fin' || c.what === 'peer-rst');
    const tcp = this.state.target.proto === 'tcp';
    if (r.ok && tcp && wasOpen && !finished) this.addClose(id, { what: 'you-fin', how: 'close' });
  }

  private async run(call: Call, source: string, signal?: AbortSignal): Promise<CallReply> {
    try {
      return await this.gateway.call(call, signal, source);
    } catch (err) {
      return { ok: false, error: offline(call.op, err) };
    }
  }

  private addStream(title: string, peer: Address | null, status: StreamStatus): number {
    const id = this.nextStream++;
    this.runtime.set(id, {
      socket: null,
      waiting: null,
      closing: false,
      sending: Promise.resolve(),
      writes: new Set(),
      writing: 0,
      udpPeer: null,
    });
    const stream: RawStream = {
      id,
      title,
      peer,
      socket: null,
      status,
      closes: [],
      error: null,
      notice: null,
      chunks: [],
      dropped: 0,
      bytesIn: 0,
      bytesOut: 0,
    };
    this.commit({ ...this.state, streams: [...this.state.streams, stream] });
    return id;
  }

  private addChunk(id: number, dir: Direction, bytes: Uint8Array): void {
    const chunk: Chunk = { id: this.nextChunk++, dir, at: this.now(), bytes };
    this.modify(id, (s) => {
      let chunks = [...s.chunks, chunk];
      let dropped = s.dropped;
      let kept = chunks.reduce((n, c) => n + c.bytes.length, 0);
      while (chunks.length > 1 && (chunks.length > MAX_CHUNKS || kept > MAX_KEPT_BYTES)) {
        kept -= chunks[0]!.bytes.length;
        chunks = chunks.slice(1);
        dropped++;
      }
      return {
        chunks,
        dropped,
        bytesIn: s.bytesIn + (dir === 'in' ? bytes.length : 0),
        bytesOut: s.bytesOut + (dir === 'out' ? bytes.length : 0),
      };
    });
  }

  private addClose(id: number, ev: DistributiveOmit<CloseEvent, 'id' | 'at'>): void {
    // Each side finishes once: an RST seen by send() and then by recv() is one RST.
    if (this.stream(id)?.closes.some((c) => c.what === ev.what)) return;
    const full = { ...ev, id: this.nextChunk++, at: this.now() } as CloseEvent;
    this.modify(id, (s) => ({ closes: [...s.closes, full] }));
  }

  private update(id: number, patch: Partial<RawStream>): void {
    this.modify(id, () => patch);
  }

  private modify(id: number, fn: (s: RawStream) => Partial<RawStream>): void {
    const streams = this.state.streams.map((s) => (s.id === id ? { ...s, ...fn(s) } : s));
    this.commit({ ...this.state, streams });
  }

  private setListener(patch: Partial<RawListener>): void {
    const l = this.state.listener;
    if (!l && !('address' in patch)) return;
    this.commit({ ...this.state, listener: { ...(l as RawListener), ...patch } });
  }

  private commit(next: RawState): void {
    this.state = next;
    for (const fn of this.subscribers) fn();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const family = (host: string) => (host.includes(':') ? 'AF_INET6' : 'AF_INET');

export const shortAddress = (a: Address): string =>
  a[0].includes(':') ? `[${a[0]}]:${a[1]}` : `${a[0]}:${a[1]}`;

/** Who closed first, and how, in words (colour is never the only sign). */
export function closeStory(s: Pick<RawStream, 'closes'>, peerName = 'the peer'): string | null {
  const [first, second] = s.closes;
  if (!first) return null;
  const say = (e: CloseEvent, then: boolean): string => {
    switch (e.what) {
      case 'peer-rst':
        return `${then ? 'then ' : ''}${peerName} reset the connection (RST: ${then ? 'ECONNRESET' : 'recv failed with ECONNRESET'})`;
      case 'peer-fin':
        return `${then ? 'then ' : ''}${peerName} closed${then ? '' : ' first'} (FIN: recv returned 0 bytes)`;
      case 'you-fin':
        return `${then ? 'then ' : ''}you closed${then ? '' : ' first'} (FIN, with ${e.how === 'shutdown' ? 'shutdown(SHUT_WR)' : 'close()'})`;
      default: {
        const unhandled: never = e;
        return String(unhandled);
      }
    }
  };
  return second ? `${say(first, false)}, ${say(second, true)}` : say(first, false);
}

/** The stream's state in a few words: connected, half-closed (which half), closed, failed. */
export function streamStatusText(s: RawStream, proto: 'tcp' | 'udp', peerName = 'the peer'): string {
  switch (s.status) {
    case 'connecting':
      return 'connecting…';
    case 'failed':
      return s.error ? `failed: ${s.error.code}` : 'failed';
    case 'closed':
      return 'closed';
    case 'open': {
      if (proto === 'udp') return 'ready (UDP: datagrams, no connection)';
      const you = s.closes.some((c) => c.what === 'you-fin');
      const peer = s.closes.some((c) => c.what === 'peer-fin');
      if (peer && you) return 'closed both ways: a FIN each way';
      if (peer) return `half-closed: ${peerName} sent FIN (recv returned 0 bytes); you can still send`;
      if (you) return 'half-closed: you sent FIN (EOF); still receiving';
      return 'connected';
    }
    default: {
      const unhandled: never = s.status;
      return String(unhandled);
    }
  }
}
