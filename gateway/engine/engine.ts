// One session's sockets and the calls made on them, one system call per step, each reported as trace
// events (call-started, call-blocked, call-returned/failed, data, state-changed). Knows the OS only
// through SyscallPort/NamePort and time only through the injected clock; knows nothing of WebSockets.
//
// Blocking, as Python's socket module does it: every fd is non-blocking in the kernel; a call that
// would block (EAGAIN, EINPROGRESS) on a socket in blocking mode is reported as blocked, waits for
// readiness on Node's loop, and is retried. So one student's accept() never stalls anyone else.

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  DataEvents,
  type EncodedMessage,
  encodeWritten,
  type StreamRecord,
  writtenRecord,
} from '../protocol/encode.js';
import { type ExplainContext, explainError } from '../protocol/explain.js';
import {
  type Address,
  type Call,
  type CallError,
  type CallResult,
  type Family,
  fromBase64,
  HOST_ERROR_CODES,
  type KernelSocket,
  MAX_PENDING_WRITE,
  type ResultOf,
  type ServerMessage,
  type SockType,
  toBase64,
} from '../protocol/messages.js';
import { Fifo } from './fifo.js';
import type { KernelTable } from './kernel-table.js';
import { NameError, type NamePort } from './name-port.js';
import { type HeldAddress, type Policy, RefusedError } from './policy.js';
import { type Disposable, SyscallError, type SyscallPort } from './syscall-port.js';
import { Ticker } from './ticker.js';
import { TurnBatch } from './turn-batch.js';

export type TraceMessage = Extract<ServerMessage, { seq: number }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type TraceBody = DistributiveOmit<TraceMessage, 'seq' | 't'>;

/**
 * The local addresses a session holds, told to the gateway so that a lesson server's call can be drawn
 * in the diagram of the session its peer belongs to, without asking every session.
 */
export interface LocalAddresses {
  held(address: Address): void;
  /** The socket was closed: its peer may still be finishing with the address for a while. */
  released(address: Address): void;
}

export interface EngineOptions {
  sys: SyscallPort;
  names: NamePort;
  policy: Policy;
  kernelTable: KernelTable;
  /** Monotonic milliseconds. */
  clock: () => number;
  /**
   * lazy: the message may wait a few milliseconds for company (see Streams in messages.ts). A stream's
   * data events and its writes' replies come already encoded (see protocol/encode.ts): as binary
   * records while `binary` says the page reads them, as JSON text otherwise.
   */
  emit: (msg: ServerMessage | EncodedMessage | StreamRecord, lazy?: boolean) => void;
  /** True while the page takes streams' traffic as binary records (see protocol/records.ts). */
  binary?: () => boolean;
  /** True while the page is not keeping up: streams stop reading until it is false again. */
  congested?: () => boolean;
  /** Told of every local address this session's sockets take and let go (see LocalAddresses). */
  locals?: LocalAddresses;
  /**
   * Where stream writes wait for the end of the turn, shared by every session of a gateway so their
   * sends go out back to back (see turn-batch.ts). An engine alone gets its own.
   */
  writeBatch?: TurnBatch;
  /**
   * Where the looks at moving sockets wait their QUIET_TICK_MS, shared by every session of a gateway
   * so that they wake the loop together (see ticker.ts). An engine alone gets its own.
   */
  ticker?: Ticker;
}

interface SocketRecord {
  handle: string;
  fd: number;
  program: string;
  family: Family;
  type: SockType;
  /** Python's view: null blocks forever, 0 is non-blocking, > 0 gives up after that many seconds. */
  timeout: number | null;
  pending: Set<Pending>;
  listening: boolean;
  /** bind() succeeded, or the kernel bound it implicitly (connect, sendto). */
  bound: boolean;
  /** UDP: addresses datagrams came from; answering them is allowed, as a server must. */
  heardFrom: Set<string> | null;
  /** Bytes already reported as arrived in the receive queue and not yet recv'd. */
  seenQ: number;
  /** The kernel's view of it last reported to the page. */
  lastView: KernelSocket | null;
  observer: Disposable | null;
  /**
   * Set when the readability watch fired: not re-armed until the program touches the socket again.
   * A socket can stay readable with nothing new to say (a pending ICMP error on UDP), and a
   * level-triggered watch re-armed on it would spin.
   */
  observerSpent: boolean;
  local: Address | null;
  remote: Address | null;
  /** The gateway's read loop on this socket (connect/accept with stream: true), or null. */
  stream: StreamLoop | null;
  /** Bytes written with `write`, in order, not yet all taken by the kernel. */
  writes: Fifo<WriteJob>;
  /** Bytes in `writes` not yet taken. */
  writeBacklog: number;
  /** The writable watch while the kernel's send buffer is full. */
  writeWait: Disposable | null;
  /** Sends `writes` at the end of this turn; made on the socket's first write, queued once a turn. */
  writeSoon: (() => void) | null;
  /** writeSoon is queued. */
  writeQueued: boolean;
  /** Its data events' constant parts, encoded on its first streamed or written bytes. */
  dataEvents: DataEvents | null;
  /** A call touched it since the kernel's view of it was last read. */
  dirty: boolean;
  /** Its state is still changing without new calls (queues, handshakes, closes): read on the tick. */
  moving: boolean;
  /** When a stream's read last asked whether it could settle (performance.now(); see pump). */
  settleAskedAt: number;
  /** Closed, or its engine disposed: no longer in `sockets`. */
  gone: boolean;
  /** shutdown(SHUT_WR or SHUT_RDWR) succeeded: its FIN is sent, and no byte may follow. */
  shutWr: boolean;
}

interface StreamLoop {
  watch: Disposable | null;
  /** Set while the page reads too slowly: reading resumes when it fires. */
  paused: ReturnType<typeof setTimeout> | null;
}

interface WriteJob {
  id: string;
  /** The page's base64 (a JSON write), which is also the data event's when the kernel takes it all at once. */
  base64: string | null;
  data: Uint8Array;
  /** False while `data` is a view into the page's frame (see write). */
  owned: boolean;
  sent: number;
}

/** The socket's data events, made at its first. */
function dataEvents(rec: SocketRecord): DataEvents {
  rec.dataEvents ??= new DataEvents(rec.handle, rec.program, rec.remote);
  return rec.dataEvents;
}

/**
 * A binary write's bytes are a view into the socket's whole read chunk, which is fine for the turn it
 * is sent in; a write that has to wait for room in the kernel would keep the chunk alive, so it takes
 * a copy of its own bytes then.
 */
function own(job: WriteJob): void {
  if (job.owned) return;
  job.data = Buffer.from(job.data);
  job.owned = true;
}

interface Ghost {
  program: string;
  local: Address;
  remote: Address;
  last: string;
}

/** What select() asks of one socket. */
interface Asked {
  read: boolean;
  write: boolean;
  urgent: boolean;
}

/**
 * A call in progress, which may wait on the kernel (or the resolver) several times. cancel() ends the
 * wait under way. One that comes between two waits is kept, and ends the next wait at once: a wake's
 * retry runs when Node drains its microtasks, and a message from the page may be handled before that
 * (a Ctrl-C there used to be acknowledged and lost, the call left waiting for good).
 */
class Pending {
  /** call-blocked is reported once per call, however many times it waits. */
  blocked = false;
  /** A cancel that came while no wait was under way. */
  cancelled: Error | null = null;
  private stop: ((err: Error) => void) | null = null;

  constructor(
    readonly id: string,
    /** The program that made the call (not necessarily the one that made its socket). */
    readonly program: string,
  ) {}

  cancel(err: Error): void {
    if (this.stop) this.stop(err);
    else this.cancelled ??= err;
  }

  /** A wait begins, which `stop` ends early. */
  waiting(stop: (err: Error) => void): void {
    this.stop = stop;
  }

  /** That wait is over. */
  waited(stop: (err: Error) => void): void {
    if (this.stop === stop) this.stop = null;
  }
}

export const QUIET_TICK_MS = 250;
const GHOST_TICK_MS = 1000;
/** How often a lingering close() looks whether the peer has acknowledged everything. */
const LINGER_LOOK_MS = 100;
/** The states in which Linux's close() lingers: its bytes or FIN not yet acknowledged. */
const LINGERS_IN: ReadonlySet<string> = new Set(['FIN_WAIT1', 'CLOSING', 'LAST_ACK']);
/** States of a connection the kernel keeps apart from any fd (the rest wait in a backlog). */
const OUTLIVES_CLOSE: ReadonlySet<string> = new Set([
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
]);
const MAX_PEEK = 64 * 1024;
const NAME_TIMEOUT_MS = 5000;
/** One read of a stream's loop: what nc asks for is smaller; this keeps bulk transfers to few events. */
const STREAM_READ = 64 * 1024;
/** Where every read loop reads (one at a time, synchronously): its bytes are copied into the record. */
const streamBuffer = Buffer.allocUnsafe(STREAM_READ);
/** How often a stream paused for a slow page looks again. */
const STREAM_PAUSE_MS = 20;

export class Engine {
  private readonly sockets = new Map<string, SocketRecord>();
  /** Handles closed by this session, so using one again answers EBADF as Python would. */
  private readonly closed = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  /** TCP connections this session closed that the kernel may still hold (FIN_WAIT, TIME_WAIT...). */
  private readonly closedTuples = new Map<
    string,
    { program: string; local: Address; remote: Address; at: number }
  >();
  private readonly ghosts = new Map<string, Ghost>();
  /**
   * How many sockets are `moving`. (Flags on the records, not Sets of them: a Set emptied and filled
   * again at every message reallocated its table each time, and at a message a second per session
   * those tables outlived the young generation.)
   */
  private movingCount = 0;
  private seq = 0;
  private readonly t0: number;
  private readonly ticker: Ticker;
  /** The sockets refreshSome is about to read (kept, not made per look: see fifo.ts). */
  private readonly looking = new Fifo<SocketRecord>();
  private tickArmed = false;
  private ghostTick: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly writeBatch: TurnBatch;

  constructor(private readonly o: EngineOptions) {
    this.t0 = o.clock();
    this.writeBatch = o.writeBatch ?? new TurnBatch();
    this.ticker = o.ticker ?? new Ticker(QUIET_TICK_MS);
  }

  /**
   * Stamps an event with its sequence number and time and sends it. Every caller passes a fresh object
   * literal, so it is stamped in place: copying it with a spread cost 1.5 µs an event, more than the
   * JSON it becomes (bench/run.ts's stream echo sends two events a message).
   */
  private send(body: TraceBody, lazy = false): TraceMessage {
    const msg = body as TraceMessage;
    msg.seq = ++this.seq;
    msg.t = this.now();
    if (!this.disposed) this.o.emit(msg, lazy);
    return msg;
  }

  /** Milliseconds since the engine started, to the microsecond: every event's `t`. */
  private now(): number {
    return Math.round((this.o.clock() - this.t0) * 1000) / 1000;
  }

  /** A lesson server's call on a connection with one of this session's sockets. */
  serverCall(body: Extract<TraceBody, { type: 'server-call' }>): void {
    this.send(body);
  }

  notice(level: 'info' | 'warning', message: string): void {
    this.send({ type: 'notice', level, message });
  }

  /** Runs one call to completion; the returned message is both the reply and a trace event. */
  async call(id: string, program: string, call: Call): Promise<TraceMessage> {
    if (this.pending.has(id)) {
      return this.failed(
        id,
        program,
        call,
        gatewayError('EGW_PROTO', call.op, `request id ${id} is already in use`),
      );
    }
    // Bytes written on this socket earlier in the turn go first: a close() must not overtake them.
    const named = 'socket' in call ? this.sockets.get(call.socket) : undefined;
    if (named?.writeQueued) named.writeSoon?.();
    this.send({ type: 'call-started', id, program, call });
    const p = new Pending(id, program);
    this.pending.set(id, p);
    try {
      const rate = this.o.policy.checkRate(
        call.op === 'connect' || call.op === 'connect_ex' ? 'connect' : 'call',
      );
      if (rate) throw new RefusedError(rate);
      const result = await this.run(p, program, call);
      if ('socket' in result && typeof result.socket === 'string') {
        const made = this.sockets.get(result.socket);
        if (made) made.dirty = true;
      }
      return this.send({ type: 'call-returned', id, program, call, result });
    } catch (err) {
      return this.failed(id, program, call, this.toCallError(err, call));
    } finally {
      this.pending.delete(id);
      // What the call did to the kernel's state is reported right after its result: its own socket
      // (another call's refresh may have taken it off the dirty list while this one waited) and any
      // socket it made.
      const own = 'socket' in call ? this.sockets.get(call.socket) : undefined;
      if (own) own.dirty = true;
      this.refreshDirty();
    }
  }

  private failed(id: string, program: string, call: Call, error: CallError): TraceMessage {
    return this.send({ type: 'call-failed', id, program, call, error });
  }

  /** Stops waiting for a blocked call (Ctrl-C). Returns false when no such call is waiting. */
  cancel(callId: string): boolean {
    const p = this.pending.get(callId);
    if (!p) return false;
    p.cancel(
      new GatewayFailure('EGW_CANCELLED', 'interrupted: the call was cancelled before the kernel was ready'),
    );
    return true;
  }

  /** Every socket this session holds and every one the kernel still keeps for it. */
  snapshot(): KernelSocket[] {
    const out: KernelSocket[] = [];
    for (const rec of this.sockets.values()) out.push(this.kernelView(rec));
    for (const g of this.ghosts.values()) out.push(JSON.parse(g.last) as KernelSocket);
    return out;
  }

  /** Closes every fd this session owns. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const p of this.pending.values()) p.cancel(new GatewayFailure('EGW_CANCELLED', 'the session ended'));
    for (const rec of this.sockets.values()) {
      this.release(rec);
      rec.gone = true;
      if (rec.local && rec.local[1] !== 0) this.o.locals?.released(rec.local);
    }
    this.sockets.clear();
    this.disposed = true;
    if (this.ghostTick) clearTimeout(this.ghostTick);
  }

  // -------------------------------------------------------------------------------------------
  // Streams (see Streams in messages.ts): nc's read loop, and writes that need no call each

  /**
   * Queues bytes to be sent in order on a TCP socket; replies `written` once the kernel took all.
   * `data` is the JSON write's base64 or a binary write's bytes.
   */
  write(id: string, handle: string, data: string | Uint8Array): void {
    try {
      const rate = this.o.policy.checkRate('call');
      if (rate) throw new RefusedError(rate);
      // Not a call: its state is read a few times a second while bytes move, not after each write.
      const rec = this.find(handle);
      if (rec.type !== 'SOCK_STREAM') throw notStreamable();
      const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data;
      if (rec.writeBacklog + bytes.length > MAX_PENDING_WRITE) {
        throw new RefusedError({
          code: 'EGW_LIMIT',
          message: `more than ${MAX_PENDING_WRITE} bytes would wait to be written on this socket: wait for the earlier writes`,
        });
      }
      const job: WriteJob = {
        id,
        base64: typeof data === 'string' ? data : null,
        data: bytes,
        owned: typeof data === 'string',
        sent: 0,
      };
      rec.writes.push(job);
      if (rec.writeWait) own(job);
      rec.writeBacklog += bytes.length;
      // Sent at the end of this turn with every other page's writes (see turn-batch.ts), unless the
      // kernel's buffer is full: then the writable watch sends it after the earlier ones.
      if (rec.writeQueued || rec.writeWait) return;
      rec.writeQueued = true;
      rec.writeSoon ??= () => {
        rec.writeQueued = false;
        if (rec.writes.length > 0 && !rec.writeWait && !rec.gone) {
          this.flushWrites(rec);
        }
      };
      this.writeBatch.add(rec.writeSoon);
    } catch (err) {
      this.o.emit({ type: 'failed', id, error: this.errorOf(err, 'write') }, true);
    }
  }

  private flushWrites(rec: SocketRecord): void {
    while (rec.writes.length > 0) {
      const job = rec.writes.at(0);
      let n = 0;
      if (job.data.length > 0) {
        try {
          n = this.o.sys.send(rec.fd, job.sent === 0 ? job.data : job.data.subarray(job.sent));
        } catch (err) {
          if (err instanceof SyscallError && err.code === 'EAGAIN') {
            // The kernel's send buffer is full: go on when it has room.
            for (let i = 0; i < rec.writes.length; i++) own(rec.writes.at(i));
            rec.writeWait = this.o.sys.wait(rec.fd, 'writable', () => {
              rec.writeWait = null;
              this.flushWrites(rec);
            });
            return;
          }
          this.failWrites(rec, this.errorOf(err, 'send'));
          rec.dirty = true;
          this.refreshDirty();
          return;
        }
        if (job.sent === 0 && n === job.data.length && this.o.binary?.() === true && !this.disposed) {
          // Taken whole, as nearly every write is: its data event and its reply in one record pair.
          rec.writes.shift();
          rec.writeBacklog -= n;
          this.o.emit(dataEvents(rec).sentWhole(job.id, job.data, ++this.seq, this.now()), true);
          continue;
        }
        const whole = job.sent === 0 && n === job.data.length;
        this.sendData(rec, 'out', job.data, job.sent, job.sent + n, whole ? job.base64 : null, false, true);
      }
      job.sent += n;
      rec.writeBacklog -= n;
      if (job.sent < job.data.length) continue;
      rec.writes.shift();
      const binary = this.o.binary?.() === true;
      this.o.emit(
        binary ? writtenRecord(job.id, job.data.length) : encodeWritten(job.id, job.data.length),
        true,
      );
    }
    // Bytes still unacknowledged (sendQ) are shown when the page next asks, or the stream ends.
    this.setMoving(rec, true);
    this.scheduleTick();
  }

  private failWrites(rec: SocketRecord, error: CallError): void {
    rec.writeBacklog = 0;
    rec.writeWait?.dispose();
    rec.writeWait = null;
    for (let job = rec.writes.shift(); job !== undefined; job = rec.writes.shift()) {
      this.o.emit({ type: 'failed', id: job.id, error }, true);
    }
  }

  private startStream(rec: SocketRecord): void {
    if (rec.stream) return;
    // The read loop is now the socket's only reader: the arrival observer would report twice.
    rec.observer?.dispose();
    rec.observer = null;
    rec.stream = { watch: null, paused: null };
    this.armStream(rec, rec.stream);
  }

  private armStream(rec: SocketRecord, loop: StreamLoop): void {
    loop.paused = null;
    if (rec.stream !== loop || loop.watch) return;
    loop.watch = this.o.sys.watch(rec.fd, () => this.pump(rec, loop));
  }

  /** The socket is readable: one recv(), its bytes pushed; or the end of the stream. */
  private pump(rec: SocketRecord, loop: StreamLoop): void {
    if (rec.stream !== loop) return;
    if (this.o.congested?.()) {
      // The page is behind: leave the bytes to the kernel (and TCP's window) until it catches up.
      loop.watch?.dispose();
      loop.watch = null;
      loop.paused ??= setTimeout(() => this.armStream(rec, loop), STREAM_PAUSE_MS);
      return;
    }
    let n: number;
    try {
      n = this.o.sys.recvInto(rec.fd, streamBuffer);
    } catch (err) {
      if (err instanceof SyscallError && err.code === 'EAGAIN') return;
      this.endStream(rec, 'error', this.errorOf(err, 'recv'));
      return;
    }
    if (n === 0) {
      this.endStream(rec, 'eof');
      return;
    }
    this.sendData(rec, 'in', streamBuffer, 0, n, null, true, false);
    // A reply usually settles the stream: asked at once, its look need not fall due (at a message a
    // second, the looks' shared timer then finds nothing to do). At most once per tick: a stream
    // that echoes all the time leaves it to its look (see settleStream).
    if (rec.moving) {
      const now = performance.now();
      if (now - rec.settleAskedAt >= QUIET_TICK_MS) {
        rec.settleAskedAt = now;
        this.settleStream(rec);
      }
    }
  }

  /**
   * A streamed socket its writes left moving, whose last look found it quiet: if nothing waits in
   * its send queue either, the look would find what the last one did, so one ioctl settles it
   * instead of a look's three calls (at 5000 sessions a message a second, the looks were ~7% of the
   * gateway's CPU). Asked when the look is due, and by a read at most once a tick: asked at every
   * read, a stream that echoes all the time paid one per echo. Bytes the peer has not acknowledged
   * keep it moving, and the look shows them. True when settled.
   */
  private settleStream(rec: SocketRecord): boolean {
    if (!rec.stream || rec.writes.length > 0 || !isQuietStream(rec.lastView)) return false;
    let waiting: number;
    try {
      waiting = this.o.sys.sendQueue(rec.fd);
    } catch {
      return false;
    }
    if (waiting !== 0) return false;
    this.setMoving(rec, false);
    return true;
  }

  /**
   * A stream's data event for bytes[from, to), encoded from parts kept on the socket (see
   * protocol/encode.ts) and copied from `bytes` at once (the read loop's buffer is reused); `b64` is
   * the bytes' base64 when the page sent them so.
   */
  private sendData(
    rec: SocketRecord,
    direction: 'in' | 'out',
    bytes: Uint8Array,
    from: number,
    to: number,
    b64: string | null,
    streamed: boolean,
    lazy: boolean,
  ): void {
    if (this.disposed) return;
    const seq = ++this.seq;
    const t = this.now();
    this.o.emit(
      this.o.binary?.() === true
        ? dataEvents(rec).record(direction, bytes, streamed, seq, t, from, to)
        : dataEvents(rec).encode(
            direction,
            b64 ?? base64(bytes.subarray(from, to)),
            to - from,
            streamed,
            seq,
            t,
          ),
      lazy,
    );
  }

  private endStream(rec: SocketRecord, reason: 'eof' | 'error', error?: CallError): void {
    this.stopStream(rec);
    this.send({
      type: 'stream-ended',
      socket: rec.handle,
      program: rec.program,
      reason,
      ...(error ? { error } : {}),
    });
    // The peer's FIN (CLOSE_WAIT) or its RST: the kernel's state changed.
    rec.dirty = true;
    this.refreshDirty();
  }

  private stopStream(rec: SocketRecord): void {
    const loop = rec.stream;
    if (!loop) return;
    loop.watch?.dispose();
    if (loop.paused) clearTimeout(loop.paused);
    rec.stream = null;
    // An ended stream's socket stays readable (EOF, or the error): a readability observer armed on it
    // would fire at once, forever. It waits until the program touches the socket again.
    rec.observerSpent = true;
  }

  // -------------------------------------------------------------------------------------------
  // The calls

  private async run(p: Pending, program: string, call: Call): Promise<CallResult> {
    const { sys } = this.o;
    switch (call.op) {
      case 'socket': {
        if (this.sockets.size >= this.o.policy.maxSockets) throw this.limit();
        const fd = sys.socket(call.family, call.type);
        const rec = this.adopt(fd, program, call.family, call.type);
        return { op: 'socket', socket: rec.handle, fd, family: call.family, type: call.type };
      }
      case 'setsockopt':
        this.on(call.socket, (r) => sys.setsockopt(r.fd, call.option, call.value));
        return { op: 'setsockopt' };
      case 'getsockopt':
        return { op: 'getsockopt', value: this.on(call.socket, (r) => sys.getsockopt(r.fd, call.option)) };
      case 'bind': {
        const rec = this.get(call.socket);
        const host = await this.resolve(call.address[0], rec.family, 'bind');
        const refused = this.o.policy.checkBind(host, call.address[1], proto(rec));
        if (refused) throw new RefusedError(refused);
        await this.orWhatHoldsThePort(rec, call.address[1], () => sys.bind(rec.fd, [host, call.address[1]]));
        rec.bound = true;
        this.setLocal(rec, sys.getsockname(rec.fd));
        return { op: 'bind' };
      }
      case 'listen': {
        const rec = this.get(call.socket);
        // listen() on an unbound socket makes the kernel bind it to every interface on a random port:
        // the playground only lets students bind loopback, so it asks for an explicit bind first.
        if (proto(rec) === 'tcp' && !rec.bound) {
          throw new RefusedError({
            code: 'EGW_BIND_DENIED',
            message:
              'listen() on an unbound socket would bind it to all interfaces; bind() it to a loopback address first',
            // No option allows it: with --lan too, the kernel's pick would be a port outside the session's.
          });
        }
        await this.orWhatHoldsThePort(rec, rec.local?.[1] ?? 0, () => sys.listen(rec.fd, call.backlog));
        rec.listening = true;
        this.setLocal(rec, sys.getsockname(rec.fd));
        return { op: 'listen' };
      }
      case 'accept': {
        const rec = this.get(call.socket);
        if (this.sockets.size >= this.o.policy.maxSockets) throw this.limit();
        const got = await this.blocking(p, rec, 'readable', () => sys.accept(rec.fd));
        const child = this.adopt(got.fd, rec.program, rec.family, 'SOCK_STREAM');
        const local = sys.getsockname(got.fd);
        this.setLocal(child, local);
        child.remote = got.address;
        if (call.stream) this.startStream(child);
        return { op: 'accept', socket: child.handle, fd: got.fd, address: got.address, local };
      }
      case 'connect':
      case 'connect_ex': {
        const rec = this.get(call.socket);
        if (call.op === 'connect' && call.stream && rec.type !== 'SOCK_STREAM') throw notStreamable();
        const host = await this.resolve(call.address[0], rec.family, 'connect');
        const refused = this.o.policy.checkConnect(host, call.address[1], proto(rec), this.held());
        if (refused) throw new RefusedError(refused);
        try {
          await this.connect(p, rec, [host, call.address[1]]);
        } catch (err) {
          if (call.op === 'connect_ex' && err instanceof SyscallError) {
            return { op: 'connect_ex', errno: err.errno, errnoName: err.code };
          }
          throw err;
        }
        rec.bound = true;
        const local = sys.getsockname(rec.fd);
        const remote = sys.getpeername(rec.fd);
        this.setLocal(rec, local);
        rec.remote = remote;
        if (call.op === 'connect' && call.stream) this.startStream(rec);
        return call.op === 'connect_ex'
          ? { op: 'connect_ex', errno: 0, errnoName: null, local, remote }
          : { op: 'connect', local, remote };
      }
      case 'send':
      case 'sendall': {
        const rec = this.get(call.socket);
        const data = fromBase64(call.data);
        // A blocking send on Linux TCP waits until every byte is queued, as sendall does; with a
        // timeout (or non-blocking) one send may take only part: that is when sendall matters.
        const all = call.op === 'sendall' || rec.timeout === null;
        try {
          return { op: call.op, bytes: await this.sendBytes(p, rec, data, all) };
        } catch (err) {
          // Linux answers EPIPE for three different mistakes: say which one this was.
          if (!(err instanceof SyscallError) || err.code !== 'EPIPE') throw err;
          const pipe = rec.remote === null ? 'never-connected' : rec.shutWr ? 'shut-down' : 'peer-gone';
          throw new ExplainedError(err, { pipe });
        }
      }
      case 'sendto': {
        const rec = this.get(call.socket);
        const host = await this.resolve(call.address[0], rec.family, 'sendto');
        const replying = rec.heardFrom?.has(addrKey([host, call.address[1]])) ?? false;
        const refused = replying
          ? null
          : this.o.policy.checkConnect(host, call.address[1], proto(rec), this.held());
        if (refused) throw new RefusedError(refused);
        this.bindLoopbackIfUnbound(rec);
        const data = fromBase64(call.data);
        const bytes = await this.blocking(p, rec, 'writable', () =>
          sys.sendto(rec.fd, data, [host, call.address[1]]),
        );
        this.send({
          type: 'data',
          socket: rec.handle,
          program: rec.program,
          direction: 'out',
          data: call.data,
          bytes,
          peer: [host, call.address[1]],
        });
        return { op: 'sendto', bytes };
      }
      case 'recv': {
        const rec = this.get(call.socket);
        if (rec.stream) {
          throw new GatewayFailure(
            'EGW_STREAMING',
            'this socket is streamed: its bytes arrive as data events',
          );
        }
        const flags = call.flags ?? [];
        const peek = flags.includes('MSG_PEEK');
        const once = flags.includes('MSG_DONTWAIT');
        const read = () => sys.recv(rec.fd, call.bufsize, peek);
        let data = once ? read() : await this.blocking(p, rec, 'readable', read, () => new Uint8Array(0));
        if (flags.includes('MSG_WAITALL') && !peek) data = await this.recvAll(p, rec, data, call.bufsize);
        if (!peek) rec.seenQ = Math.max(0, rec.seenQ - data.length);
        return { op: 'recv', data: toBase64(data), bytes: data.length };
      }
      case 'recvfrom': {
        const rec = this.get(call.socket);
        const flags = call.flags ?? [];
        const peek = flags.includes('MSG_PEEK');
        const read = () => sys.recvfrom(rec.fd, call.bufsize, peek);
        const d = flags.includes('MSG_DONTWAIT')
          ? read()
          : await this.blocking(p, rec, 'readable', read, () => ({
              data: new Uint8Array(0),
              from: null,
              size: 0,
            }));
        if (!peek) rec.seenQ = 0;
        if (rec.type === 'SOCK_DGRAM' && d.from && d.from[1] !== 0) {
          rec.heardFrom ??= new Set();
          if (rec.heardFrom.size < 256) rec.heardFrom.add(addrKey(d.from));
        }
        return {
          op: 'recvfrom',
          data: toBase64(d.data),
          bytes: d.data.length,
          address: d.from,
          truncated: d.size > d.data.length,
          datagramBytes: d.size,
        };
      }
      case 'shutdown':
        this.on(call.socket, (r) => {
          sys.shutdown(r.fd, call.how);
          if (call.how !== 'SHUT_RD') r.shutWr = true;
        });
        return { op: 'shutdown' };
      case 'close': {
        const rec = this.get(call.socket);
        const tuple = rec.local && rec.remote ? tupleKey(rec.local, rec.remote) : null;
        const linger = this.closeSocket(rec);
        if (linger > 0 && tuple) await this.lingering(p, tuple, linger);
        return { op: 'close' };
      }
      case 'getsockname':
        return { op: 'getsockname', address: this.on(call.socket, (r) => sys.getsockname(r.fd)) };
      case 'getpeername':
        return { op: 'getpeername', address: this.on(call.socket, (r) => sys.getpeername(r.fd)) };
      case 'settimeout':
        this.get(call.socket).timeout = call.seconds;
        return { op: 'settimeout' };
      case 'setblocking':
        this.get(call.socket).timeout = call.blocking ? null : 0;
        return { op: 'setblocking' };
      case 'select':
        return this.select(p, program, call);
      case 'gethostname':
        return { op: 'gethostname', name: this.o.names.hostname() };
      case 'gethostbyname': {
        const found = await this.named(p, this.o.names.lookup(call.name, 'AF_INET'));
        return { op: 'gethostbyname', address: found[0]!.address };
      }
      case 'getaddrinfo': {
        const found = await this.named(p, this.o.names.lookup(call.host, call.family ?? null));
        const types: SockType[] = call.type ? [call.type] : ['SOCK_STREAM', 'SOCK_DGRAM'];
        return {
          op: 'getaddrinfo',
          entries: found.flatMap((a) =>
            types.map((type) => ({
              family: a.family,
              type,
              address: [a.address, call.port ?? 0] as Address,
            })),
          ),
        };
      }
      case 'gethostbyaddr': {
        const address = isIP(call.address)
          ? call.address
          : (await this.named(p, this.o.names.lookup(call.address, null)))[0]!.address;
        const name = await this.named(p, this.o.names.reverse(address));
        return { op: 'gethostbyaddr', name, aliases: [], addresses: [address] };
      }
      case 'getservbyname': {
        const port = await this.o.names.getservbyname(call.name, call.proto);
        if (port === null) throw new NameError('getservbyname', 'ENOENT', null, 'service/proto not found');
        return { op: 'getservbyname', port };
      }
      case 'getservbyport': {
        const name = await this.o.names.getservbyport(call.port, call.proto);
        if (name === null) throw new NameError('getservbyport', 'ENOENT', null, 'port/proto not found');
        return { op: 'getservbyport', name };
      }
      default: {
        const unhandled: never = call;
        throw new Error(`unhandled call ${JSON.stringify(unhandled)}`);
      }
    }
  }

  private async connect(p: Pending, rec: SocketRecord, address: Address): Promise<void> {
    try {
      this.o.sys.connect(rec.fd, address);
      return;
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== 'EINPROGRESS') throw err;
      // The kernel chose the local port as it sent the SYN: know it now, so the peer's accept can
      // be matched to this socket before connect() returns.
      this.setLocal(rec, this.o.sys.getsockname(rec.fd));
      if (rec.timeout === 0) throw err;
    }
    // The handshake is under way in the kernel: the SYN is out, the socket is in SYN_SENT.
    rec.dirty = true;
    this.refreshDirty();
    await this.waitFor(p, rec, 'writable', deadline(rec, this.o.clock()));
    const failure = this.o.sys.connectResult(rec.fd);
    if (failure) {
      throw new SyscallError('connect', failure, this.o.sys.errnoNumber(failure) ?? 0);
    }
    // A blocking connect returns once the kernel has marked the socket connected; a non-blocking
    // one leaves that to the next connect(), which returns 0 once. Make it now, so that the
    // student's own second connect() meets EISCONN, as a blocking program's does. Whatever it says
    // (a reset in between), the handshake did finish: that is this connect's answer.
    try {
      this.o.sys.connect(rec.fd, address);
    } catch {
      // EISCONN, or a failure the next call on the socket reports.
    }
  }

  private async sendBytes(p: Pending, rec: SocketRecord, data: Uint8Array, all: boolean): Promise<number> {
    const due = deadline(rec, this.o.clock());
    let sent = 0;
    while (sent < data.length || (data.length === 0 && sent === 0)) {
      let n: number;
      try {
        n = this.o.sys.send(rec.fd, data.subarray(sent));
      } catch (err) {
        if (!(err instanceof SyscallError) || err.code !== 'EAGAIN' || rec.timeout === 0) {
          if (sent > 0 && err instanceof SyscallError && !all) break;
          throw err;
        }
        await this.waitFor(p, rec, 'writable', due);
        continue;
      }
      if (n > 0) {
        this.send({
          type: 'data',
          socket: rec.handle,
          program: rec.program,
          direction: 'out',
          data: toBase64(data.subarray(sent, sent + n)),
          bytes: n,
          peer: rec.remote,
        });
      }
      sent += n;
      if (!all || data.length === 0) break;
    }
    return sent;
  }

  private async recvAll(p: Pending, rec: SocketRecord, first: Uint8Array, want: number): Promise<Uint8Array> {
    const parts = [first];
    let have = first.length;
    while (have < want && parts[parts.length - 1]!.length > 0) {
      const more = await this.blocking(p, rec, 'readable', () => this.o.sys.recv(rec.fd, want - have, false));
      if (more.length === 0) break;
      parts.push(more);
      have += more.length;
    }
    return Buffer.concat(parts);
  }

  /**
   * Try the call; while the kernel says EAGAIN and the socket blocks, wait for readiness and retry.
   * `atEnd`: what the blocking call returns on a datagram socket whose read side is shut down with
   * nothing queued. Linux's recv() there wakes and returns 0 bytes, where its non-blocking form says
   * EAGAIN; readiness says readable all the while, so retrying would spin the event loop.
   */
  private async blocking<T>(
    p: Pending,
    rec: SocketRecord,
    interest: 'readable' | 'writable',
    attempt: () => T,
    atEnd?: () => T,
  ): Promise<T> {
    const due = deadline(rec, this.o.clock());
    for (;;) {
      // Closed by another program while this call was between two waits.
      if (rec.gone) throw this.badFd(interest === 'readable' ? 'recv' : 'send');
      try {
        return attempt();
      } catch (err) {
        if (!(err instanceof SyscallError) || err.code !== 'EAGAIN' || rec.timeout === 0) throw err;
      }
      if (atEnd && rec.type === 'SOCK_DGRAM' && this.readShut(rec)) return atEnd();
      await this.waitFor(p, rec, interest, due);
    }
  }

  private readShut(rec: SocketRecord): boolean {
    const [answer] = this.o.sys.poll([{ fd: rec.fd, read: true, write: false, urgent: false }]);
    return answer?.hangup === true;
  }

  private badFd(syscall: string): SyscallError {
    return new SyscallError(syscall, 'EBADF', this.o.sys.errnoNumber('EBADF') ?? 9, 'Bad file descriptor');
  }

  private waitFor(
    p: Pending,
    rec: SocketRecord,
    interest: 'readable' | 'writable',
    due: number | null,
  ): Promise<void> {
    if (!p.blocked) {
      p.blocked = true;
      this.send({ type: 'call-blocked', id: p.id, program: p.program, waitingFor: interest });
    }
    return new Promise<void>((resolve, reject) => {
      if (p.cancelled) {
        reject(p.cancelled);
        return;
      }
      let timer: ReturnType<typeof setTimeout> | null = null;
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        watch.dispose();
        if (timer) clearTimeout(timer);
        rec.pending.delete(p);
        p.waited(finish);
        if (err) reject(err);
        else resolve();
      };
      // A call waiting to read reports the arrival itself: the observer would only repeat it.
      if (interest === 'readable' && rec.observer) {
        rec.observer.dispose();
        rec.observer = null;
      }
      const watch = this.o.sys.wait(rec.fd, interest, () => finish(null));
      rec.pending.add(p);
      p.waiting(finish);
      if (due !== null) {
        timer = setTimeout(
          () => finish(new GatewayFailure('EGW_TIMEOUT', 'timed out')),
          Math.max(0, due - this.o.clock()),
        );
      }
    });
  }

  /**
   * select(2), from the kernel's own answers: a poll(2) that does not wait says which sockets are
   * ready; when none is and the call may wait, it waits on all of them at once and asks again when
   * one wakes (a wake is not a promise: a reader elsewhere may have taken the bytes). The wait wakes
   * for the read and write lists; urgent data is reported when it comes with them (it comes with
   * bytes to read), not for a socket that is only in the third list.
   */
  private async select(
    p: Pending,
    program: string,
    call: Extract<Call, { op: 'select' }>,
  ): Promise<ResultOf<'select'>> {
    const asked = new Map<SocketRecord, Asked>();
    const ask = (handles: readonly string[], what: keyof Asked) => {
      for (const handle of handles) {
        const rec = this.get(handle);
        let a = asked.get(rec);
        if (!a) {
          a = { read: false, write: false, urgent: false };
          asked.set(rec, a);
        }
        a[what] = true;
      }
    };
    ask(call.read, 'read');
    ask(call.write, 'write');
    ask(call.except, 'urgent');
    const due = call.timeout === null ? null : this.o.clock() + call.timeout * 1000;
    for (;;) {
      const ready = this.readyNow(asked);
      const any = ready.read.length + ready.write.length + ready.except.length > 0;
      if (any || call.timeout === 0 || (due !== null && this.o.clock() >= due)) return ready;
      if (!p.blocked) {
        p.blocked = true;
        // Bytes that come during the wait are reported by the sockets' observers (armed when their
        // last call returned) as they arrive, so the page shows them before select returns.
        const waitingFor = call.read.length > 0 ? 'readable' : 'writable';
        this.send({ type: 'call-blocked', id: p.id, program, waitingFor });
      }
      await this.waitAny(p, asked, due);
    }
  }

  /** One poll(2) over select's sockets; a socket closed meanwhile is select's EBADF. */
  private readyNow(asked: Map<SocketRecord, Asked>): ResultOf<'select'> {
    const recs = [...asked.keys()];
    for (const rec of recs) {
      if (rec.gone) throw this.badFd('select');
    }
    const answers = this.o.sys.poll(recs.map((rec) => ({ fd: rec.fd, ...asked.get(rec)! })));
    const out: ResultOf<'select'> = { op: 'select', read: [], write: [], except: [] };
    answers.forEach((a, i) => {
      const handle = recs[i]!.handle;
      if (a.readable) out.read.push(handle);
      if (a.writable) out.write.push(handle);
      if (a.urgent) out.except.push(handle);
    });
    return out;
  }

  /** Resolves when a socket of the read or write lists may be ready, or at `due`; rejects on cancel or close. */
  private waitAny(p: Pending, asked: Map<SocketRecord, Asked>, due: number | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (p.cancelled) {
        reject(p.cancelled);
        return;
      }
      const watches: Disposable[] = [];
      let timer: ReturnType<typeof setTimeout> | null = null;
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        for (const w of watches) w.dispose();
        if (timer) clearTimeout(timer);
        for (const rec of asked.keys()) rec.pending.delete(p);
        p.waited(finish);
        if (err) reject(err);
        else resolve();
      };
      p.waiting(finish);
      try {
        for (const [rec, want] of asked) {
          rec.pending.add(p);
          if (want.read) watches.push(this.o.sys.wait(rec.fd, 'readable', () => finish(null)));
          if (want.write) watches.push(this.o.sys.wait(rec.fd, 'writable', () => finish(null)));
        }
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (due !== null) timer = setTimeout(() => finish(null), Math.max(0, due - this.o.clock()));
    });
  }

  private async named<T>(p: Pending, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (p.cancelled) {
        reject(p.cancelled);
        return;
      }
      const stop = (err: Error) => {
        clearTimeout(timer);
        p.waited(stop);
        reject(err);
      };
      const timer = setTimeout(
        () => stop(new GatewayFailure('EGW_TIMEOUT', 'the resolver did not answer in time')),
        NAME_TIMEOUT_MS,
      );
      p.waiting(stop);
      work.then((v) => {
        clearTimeout(timer);
        p.waited(stop);
        resolve(v);
      }, stop);
    });
  }

  /** Python resolves names before bind/connect; the kernel only ever sees the numeric address. */
  private async resolve(host: string, family: Family, syscall: string): Promise<string> {
    if (host === '') return family === 'AF_INET6' ? '::' : '0.0.0.0';
    if (isIP(host)) return host;
    if (/^[0-9a-fx.:]+$/i.test(host) && !/[g-wyz]/i.test(host)) {
      // 127.1, 0x7f.1, 2130706433: inet_aton accepts them, which is how filters get bypassed.
      throw new RefusedError({
        code: 'EGW_BAD_ADDRESS',
        message: `${host} is not a canonical address: write it as four decimal numbers (127.0.0.1) or as IPv6 (::1)`,
      });
    }
    try {
      const found = await this.o.names.lookup(host, family);
      if (found.length === 0) throw new NameError(syscall, 'EAI_NONAME', -2, 'Name or service not known');
      return found[0]!.address;
    } catch (err) {
      if (err instanceof NameError) throw new NameError(syscall, err.code, err.errno, err.message);
      throw err;
    }
  }

  /** The kernel would bind an unbound UDP socket to 0.0.0.0 on its first sendto; bind it to loopback. */
  private bindLoopbackIfUnbound(rec: SocketRecord): void {
    if (rec.bound) return;
    this.o.sys.bind(rec.fd, [rec.family === 'AF_INET6' ? '::1' : '127.0.0.1', 0]);
    rec.bound = true;
    this.setLocal(rec, this.o.sys.getsockname(rec.fd));
  }

  private setLocal(rec: SocketRecord, address: Address): void {
    rec.local = address;
    if (address[1] !== 0) this.o.locals?.held(address);
  }

  // -------------------------------------------------------------------------------------------
  // Sockets

  private adopt(fd: number, program: string, family: Family, type: SockType): SocketRecord {
    const rec: SocketRecord = {
      handle: `s_${randomBytes(16).toString('base64url')}`,
      fd,
      program,
      family,
      type,
      timeout: null,
      pending: new Set(),
      listening: false,
      bound: false,
      heardFrom: null,
      seenQ: 0,
      lastView: null,
      observer: null,
      observerSpent: false,
      local: null,
      remote: null,
      stream: null,
      writes: new Fifo<WriteJob>(2),
      writeBacklog: 0,
      writeWait: null,
      writeSoon: null,
      writeQueued: false,
      dataEvents: null,
      dirty: true,
      moving: false,
      settleAskedAt: Number.NEGATIVE_INFINITY,
      gone: false,
      shutWr: false,
    };
    this.sockets.set(rec.handle, rec);
    return rec;
  }

  /** The socket a call names: touched, so its state is read again after the call. */
  private get(handle: string): SocketRecord {
    const rec = this.find(handle);
    rec.observerSpent = false;
    rec.dirty = true;
    return rec;
  }

  /** The socket a handle names, or the error Python would give. */
  private find(handle: string): SocketRecord {
    const rec = this.sockets.get(handle);
    if (rec) return rec;
    if (this.closed.has(handle)) {
      throw this.badFd('socket');
    }
    // The same answer for a handle that never existed and one owned by another session.
    throw new GatewayFailure('EGW_NO_SUCH_HANDLE', `no socket named ${handle.slice(0, 24)} in this session`);
  }

  private on<T>(handle: string, fn: (rec: SocketRecord) => T): T {
    return fn(this.get(handle));
  }

  private held(): HeldAddress[] {
    const out: HeldAddress[] = [];
    for (const rec of this.sockets.values())
      if (rec.local) out.push({ proto: proto(rec), host: rec.local[0], port: rec.local[1] });
    return out;
  }

  private limit(): RefusedError {
    return new RefusedError({
      code: 'EGW_LIMIT',
      message: `this session already holds ${this.sockets.size} sockets, the most it may hold`,
      option: '--max-sockets',
    });
  }

  /**
   * Closes the socket for its session: the fd, its handle, its port. Returns the seconds a lingering
   * close() would wait for the peer (see lingering), 0 when close() returns at once: with unread bytes
   * the kernel resets the connection instead, and only a connection that sends its FIN lingers.
   */
  private closeSocket(rec: SocketRecord): number {
    // Calls blocked on this socket in other programs wake with EBADF, as a thread would in Python.
    for (const p of [...rec.pending]) p.cancel(this.badFd('close'));
    const view = this.kernelView(rec);
    if (view.proto === 'tcp' && rec.local && rec.remote && view.state !== 'LISTEN') {
      // The kernel keeps the connection after close(): FIN_WAIT, TIME_WAIT... shown from /proc. A
      // socket that reads CLOSED may have its TIME_WAIT apart already (see readGhosts): it stays
      // this program's after the fd is gone.
      this.closedTuples.set(tupleKey(rec.local, rec.remote), {
        at: this.o.clock(),
        program: rec.program,
        local: rec.local,
        remote: rec.remote,
      });
    }
    if (rec.local && rec.local[1] !== 0) this.o.locals?.released(rec.local);
    const linger = this.release(rec);
    this.sockets.delete(rec.handle);
    rec.gone = true;
    rec.dirty = false;
    this.setMoving(rec, false);
    this.closed.add(rec.handle);
    if (this.closed.size > 1024) this.closed.delete(this.closed.values().next().value!);
    this.send({
      type: 'state-changed',
      kernel: { ...view, fd: null, state: 'CLOSED', recvQ: 0, sendQ: 0, gone: true },
    });
    this.scheduleGhosts(0);
    const sendsFin = view.state === 'ESTABLISHED' || view.state === 'CLOSE_WAIT';
    return view.proto === 'tcp' && sendsFin && view.recvQ === 0 ? linger : 0;
  }

  /**
   * What a lingering close() waits for, waited out on the event loop (the port turned the linger off
   * so that the kernel would not hold the gateway; see SyscallPort.close): until the kernel's table no
   * longer shows the connection in FIN_WAIT1, CLOSING or LAST_ACK (the peer has acknowledged every
   * byte and the FIN), or `seconds` have gone by. Ctrl-C ends the wait; the socket is closed all the
   * same, as it is when a signal interrupts close() on Linux.
   */
  private lingering(p: Pending, tuple: string, seconds: number): Promise<void> {
    const closedAt = this.o.clock();
    const deadline = closedAt + seconds * 1000;
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        p.waited(interrupted);
        if (err) reject(err);
        else resolve();
      };
      const interrupted = () =>
        finish(
          new GatewayFailure(
            'EGW_CANCELLED',
            'interrupted: the socket is closed all the same, and the kernel goes on sending what was queued, then the FIN',
          ),
        );
      if (p.cancelled) {
        interrupted();
        return;
      }
      p.waiting(interrupted);
      const look = async () => {
        timer = null;
        const now = this.o.clock();
        const { rows } = await this.o.kernelTable.read(Math.max(closedAt, now - LINGER_LOOK_MS));
        if (done) return;
        const row = rows?.find((r) => r.inode === 0 && tupleKey(r.local, r.remote) === tuple);
        const left = deadline - this.o.clock();
        if (this.disposed || !row || !LINGERS_IN.has(row.state) || left <= 0) {
          finish();
          return;
        }
        if (!p.blocked) {
          p.blocked = true;
          this.send({ type: 'call-blocked', id: p.id, program: p.program, waitingFor: 'writable' });
        }
        timer = setTimeout(() => void look(), Math.min(LINGER_LOOK_MS, left));
      };
      void look();
    });
  }

  /** Closes the fd; the linger seconds its close() would have waited (see SyscallPort.close). */
  private release(rec: SocketRecord): number {
    rec.observer?.dispose();
    rec.observer = null;
    this.stopStream(rec);
    if (rec.writes.length > 0) {
      this.failWrites(rec, this.errorOf(this.badFd('send'), 'send'));
    }
    try {
      return this.o.sys.close(rec.fd);
    } catch (err) {
      console.error(`[engine] close(${rec.fd}) failed`, err);
      return 0;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Kernel state: read after every call, and while anything is in motion.

  /** The socket's state as the kernel reports it now: the last view itself when nothing changed. */
  private kernelView(rec: SocketRecord): KernelSocket {
    const st = this.o.sys.inspect(rec.fd);
    const state = st?.state ?? 'CLOSED';
    const recvQ = st?.recvQ ?? 0;
    const sendQ = st?.sendQ ?? 0;
    const last = rec.lastView;
    // Most looks (a few a second per socket while bytes move) find what the last one found: a fresh
    // view each time was a tenth of what an echo allocated at 5000 sessions.
    if (
      last !== null &&
      last.state === state &&
      last.recvQ === recvQ &&
      last.sendQ === sendQ &&
      last.acceptQ === st?.acceptQ &&
      last.backlog === (st?.acceptQ !== undefined ? (st.backlog ?? 0) : undefined) &&
      last.synRetries === st?.synRetries &&
      last.fd === rec.fd &&
      last.local === rec.local &&
      last.remote === rec.remote &&
      last.program === rec.program
    ) {
      return last;
    }
    const view: KernelSocket = {
      socket: rec.handle,
      fd: rec.fd,
      program: rec.program,
      proto: proto(rec),
      state,
      local: rec.local,
      remote: rec.remote,
      recvQ,
      sendQ,
    };
    if (st?.acceptQ !== undefined) {
      view.acceptQ = st.acceptQ;
      view.backlog = st.backlog ?? 0;
    }
    if (st?.synRetries !== undefined) view.synRetries = st.synRetries;
    return view;
  }

  /** Reads every socket's state from the kernel and reports what changed. */
  refresh(): void {
    for (const rec of this.sockets.values()) this.looking.push(rec);
    this.refreshSome();
  }

  /**
   * Reads the sockets a call touched (a call changes its own socket; what it does to others, such as
   * a listener's queue or a peer's CLOSE_WAIT, wakes their readability watch instead). Cheap enough
   * to run after every call: TCP_INFO plus two ioctls per socket.
   */
  private refreshDirty(): void {
    for (const rec of this.sockets.values()) {
      if (!rec.dirty) continue;
      rec.dirty = false;
      this.looking.push(rec);
    }
    this.refreshSome();
  }

  /**
   * Reads the sockets put in `looking`, which it empties. lazy: the states are a periodic look, not
   * the outcome of a call: they may wait a few milliseconds to leave with the page's next frame (an
   * echo's) instead of costing a frame of their own.
   */
  private refreshSome(lazy = false): void {
    if (this.disposed) {
      this.looking.clear();
      return;
    }
    let listenerQueue = false;
    for (let rec = this.looking.shift(); rec !== undefined; rec = this.looking.shift()) {
      if (!this.sockets.has(rec.handle)) continue;
      const view = this.kernelView(rec);
      if (rec.stream) rec.seenQ = 0;
      else if (view.proto === 'tcp' && view.state !== 'LISTEN' && view.recvQ > rec.seenQ)
        this.reportArrival(rec, view.recvQ);
      else if (view.recvQ < rec.seenQ) rec.seenQ = view.recvQ;
      // Compared field by field: a JSON key per refresh was a tenth of what a stream allocated.
      if (!rec.lastView || !sameView(view, rec.lastView)) {
        rec.lastView = view;
        this.send({ type: 'state-changed', kernel: view }, lazy);
      }
      const quiet = isQuiet(view);
      this.setMoving(rec, !quiet);
      if ((view.acceptQ ?? 0) > 0) listenerQueue = true;
      // A held connection that ended may have left a TIME_WAIT the kernel keeps apart from the fd.
      if (view.proto === 'tcp' && view.state === 'CLOSED' && rec.remote) listenerQueue = true;
      const watchable =
        view.state === 'ESTABLISHED' ||
        view.state === 'LISTEN' ||
        (view.proto === 'udp' && rec.local !== null);
      if (
        quiet &&
        watchable &&
        !rec.observer &&
        !rec.observerSpent &&
        !rec.stream &&
        rec.pending.size === 0
      ) {
        rec.observer = this.o.sys.wait(rec.fd, 'readable', () => {
          rec.observer = null;
          rec.observerSpent = true;
          rec.dirty = true;
          this.refreshDirty();
        });
      }
    }
    this.scheduleTick();
    if (listenerQueue || this.closedTuples.size > 0 || this.ghosts.size > 0)
      this.scheduleGhosts(GHOST_TICK_MS);
  }

  private setMoving(rec: SocketRecord, moving: boolean): void {
    if (rec.moving === moving) return;
    rec.moving = moving;
    this.movingCount += moving ? 1 : -1;
  }

  /** Sockets in motion (bytes queued, a handshake or a close under way) are read a few times a second. */
  private scheduleTick(): void {
    if (this.movingCount === 0 || this.tickArmed || this.disposed) return;
    this.tickArmed = true;
    this.ticker.add(this.tickNow);
  }

  /** One function per engine, not a closure per tick (at a message a second each would be promoted). */
  private readonly tickNow = (): void => {
    this.tickArmed = false;
    if (this.disposed || this.movingCount === 0) return;
    for (const rec of this.sockets.values()) {
      if (rec.moving && !this.settleStream(rec)) this.looking.push(rec);
    }
    this.refreshSome(true);
  };

  /** New bytes waiting in the kernel's receive queue: peek at them without taking them. */
  private reportArrival(rec: SocketRecord, recvQ: number): void {
    let bytes: Uint8Array;
    try {
      bytes = this.o.sys.recv(rec.fd, Math.min(recvQ, MAX_PEEK), true);
    } catch {
      return;
    }
    const fresh = bytes.subarray(Math.min(rec.seenQ, bytes.length));
    rec.seenQ = recvQ;
    if (fresh.length === 0) return;
    this.send({
      type: 'data',
      socket: rec.handle,
      program: rec.program,
      direction: 'in',
      data: toBase64(fresh),
      bytes: fresh.length,
      peer: rec.remote,
    });
  }

  private scheduleGhosts(delay: number): void {
    if (this.disposed || this.ghostTick) return;
    this.ghostTick = setTimeout(() => {
      this.ghostTick = null;
      void this.readGhosts();
    }, delay);
  }

  /**
   * Sockets with no fd, seen only in the kernel's table: connections in a listener's accept queue,
   * and the FIN_WAIT/TIME_WAIT/LAST_ACK that outlive close().
   */
  private async readGhosts(): Promise<void> {
    const { at, rows } = await this.o.kernelTable.read();
    if (this.disposed || rows === null) return;
    const listeners = new Map<string, SocketRecord>();
    // A socket still held whose connection ended: the kernel moved its TIME_WAIT to a socket of its
    // own (no inode), and the held one reads CLOSED. Show that TIME_WAIT on the same lifeline.
    const held = new Map<string, SocketRecord>();
    for (const rec of this.sockets.values()) {
      if (rec.listening && rec.local) listeners.set(addrKey(rec.local), rec);
      if (rec.local && rec.remote && rec.type === 'SOCK_STREAM')
        held.set(tupleKey(rec.local, rec.remote), rec);
    }
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.inode !== 0 || row.state === 'LISTEN') continue;
      const key = tupleKey(row.local, row.remote);
      const closed = this.closedTuples.get(key) ?? held.get(key);
      const listener =
        listeners.get(addrKey(row.local)) ?? listeners.get(addrKey([anyAddr(row.local[0]), row.local[1]]));
      const program = closed?.program ?? listener?.program;
      if (program === undefined) continue;
      const ghostKey = `k:tcp:${key}`;
      seen.add(ghostKey);
      const view: KernelSocket = {
        socket: ghostKey,
        fd: null,
        program,
        proto: 'tcp',
        state: row.state,
        local: row.local,
        remote: row.remote,
        recvQ: row.recvQ,
        sendQ: row.sendQ,
      };
      const last = JSON.stringify(view);
      const g = this.ghosts.get(ghostKey);
      if (g?.last === last) continue;
      this.ghosts.set(ghostKey, { program, local: row.local, remote: row.remote, last });
      this.send({ type: 'state-changed', kernel: view });
    }
    for (const [key, g] of this.ghosts) {
      if (seen.has(key)) continue;
      this.ghosts.delete(key);
      const tuple = tupleKey(g.local, g.remote);
      this.closedTuples.delete(tuple);
      const view = JSON.parse(g.last) as KernelSocket;
      // A connection that left the backlog because accept() gave it an fd was not forgotten.
      const taken = held.get(tuple);
      const accepted = taken && !OUTLIVES_CLOSE.has(view.state) ? { accepted: taken.handle } : {};
      this.send({
        type: 'state-changed',
        kernel: { ...view, state: 'CLOSED', recvQ: 0, sendQ: 0, gone: true, ...accepted },
      });
    }
    // A closed connection the kernel forgot before we looked has nothing to show; but a read that
    // began before the close (another session's, shared) cannot know of it yet.
    let waiting = false;
    for (const [key, c] of this.closedTuples) {
      if (seen.has(`k:tcp:${key}`)) continue;
      if (c.at < at) this.closedTuples.delete(key);
      else waiting = true;
    }
    const listenerQueue = [...this.sockets.values()].some((r) => r.listening);
    const heldClosed = [...held.values()].some((r) => r.lastView?.state === 'CLOSED');
    if (
      waiting ||
      this.ghosts.size > 0 ||
      (heldClosed && [...held.keys()].some((k) => seen.has(`k:tcp:${k}`))) ||
      (listenerQueue && rows.some((r) => r.inode === 0 && listeners.has(addrKey(r.local))))
    ) {
      this.scheduleGhosts(waiting ? 200 : GHOST_TICK_MS);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  /**
   * Runs a bind() or listen(); on EADDRINUSE for a TCP port, reads the kernel's table for what holds
   * it (a listener, TIME_WAIT, a connection), so the explanation says which rather than listing all.
   */
  private async orWhatHoldsThePort(rec: SocketRecord, port: number, call: () => void): Promise<void> {
    try {
      call();
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== 'EADDRINUSE' || proto(rec) !== 'tcp' || port === 0)
        throw err;
      const { rows } = await this.o.kernelTable.read(this.o.clock());
      const heldBy = (rows ?? []).filter((r) => r.local[1] === port).map((r) => r.state);
      throw heldBy.length > 0 ? new ExplainedError(err, { heldBy, port }) : err;
    }
  }

  private toCallError(err: unknown, call: Call): CallError {
    const address = 'address' in call && Array.isArray(call.address) ? (call.address as Address) : undefined;
    return this.errorOf(err, call.op, address);
  }

  private errorOf(err: unknown, syscall: string, address?: Address): CallError {
    const ctx: ExplainContext = { syscall, host: address?.[0], port: address?.[1] };
    if (err instanceof ExplainedError) Object.assign(ctx, err.detail);
    if (err instanceof SyscallError) {
      const errno = err.errno || this.o.sys.errnoNumber(err.code);
      return {
        code: err.code,
        errno,
        syscall,
        message: `[Errno ${errno}] ${this.o.sys.strerror(err.code)}`,
        explain: explainError(err.code, ctx),
        ...(address ? { address } : {}),
      };
    }
    if (err instanceof RefusedError) {
      return {
        code: err.refusal.code,
        errno: null,
        syscall,
        message: err.refusal.message,
        explain: explainError(err.refusal.code, { ...ctx, option: err.refusal.option }),
        ...(address ? { address } : {}),
        ...(err.refusal.option ? { option: err.refusal.option } : {}),
      };
    }
    if (err instanceof NameError) {
      return {
        code: err.code,
        errno: err.errno,
        syscall: err.syscall,
        message: err.errno === null ? err.message : `[Errno ${err.errno}] ${err.message}`,
        explain: explainError(HOST_ERROR_CODES.has(err.code) ? err.code : 'EGW_NAME', ctx),
      };
    }
    if (err instanceof GatewayFailure) {
      return {
        code: err.code,
        errno: null,
        syscall,
        message: err.message,
        explain: explainError(err.code, ctx),
      };
    }
    console.error(`[engine] ${syscall} failed unexpectedly`, err);
    return gatewayError('EGW_INTERNAL', syscall, 'internal error in the gateway (logged)');
  }
}

/** A failure decided by the gateway, not the kernel (cancelled, timed out, unknown handle). */
/** The kernel's error, with what the engine knew at that moment to explain it (see ExplainContext). */
class ExplainedError extends SyscallError {
  constructor(
    err: SyscallError,
    readonly detail: Partial<ExplainContext>,
  ) {
    super(err.syscall, err.code, err.errno, err.message);
  }
}

export class GatewayFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function notStreamable(): GatewayFailure {
  return new GatewayFailure(
    'EGW_NOT_STREAMABLE',
    'only a connected TCP socket can be streamed or written to',
  );
}

/** Node's own base64: the page's helper builds a string a byte at a time, too slow for 64 KiB reads. */
const base64 = (b: Uint8Array): string =>
  (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)).toString('base64');

function gatewayError(code: string, syscall: string, message: string): CallError {
  return { code, errno: null, syscall, message, explain: explainError(code, { syscall }) };
}

const proto = (rec: SocketRecord): 'tcp' | 'udp' => (rec.type === 'SOCK_DGRAM' ? 'udp' : 'tcp');
/** One string per address, for maps keyed by it. */
export const addrKey = (a: Address): string => `${a[0]}:${a[1]}`;
const tupleKey = (l: Address, r: Address) => `${addrKey(l)}>${addrKey(r)}`;
const anyAddr = (host: string) => (host.includes(':') ? '::' : '0.0.0.0');

function deadline(rec: SocketRecord, now: number): number | null {
  return rec.timeout === null || rec.timeout === 0 ? null : now + rec.timeout * 1000;
}

/** The page was shown this view already. */
function sameView(a: KernelSocket, b: KernelSocket): boolean {
  return (
    a.state === b.state &&
    a.recvQ === b.recvQ &&
    a.sendQ === b.sendQ &&
    a.acceptQ === b.acceptQ &&
    a.backlog === b.backlog &&
    a.synRetries === b.synRetries &&
    a.fd === b.fd &&
    a.proto === b.proto &&
    a.program === b.program &&
    a.socket === b.socket &&
    a.gone === b.gone &&
    sameAddress(a.local, b.local) &&
    sameAddress(a.remote, b.remote)
  );
}

function sameAddress(a: Address | null, b: Address | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

/** What a streamed socket looks like when no byte waits anywhere: the read loop empties its receive queue. */
function isQuietStream(v: KernelSocket | null): boolean {
  return v !== null && v.state === 'ESTABLISHED' && v.recvQ === 0 && v.sendQ === 0;
}

/** Nothing will change without a new event: safe to stop polling and watch for readability instead. */
function isQuiet(v: KernelSocket): boolean {
  if (v.proto === 'udp') return v.recvQ === 0;
  if (v.state === 'LISTEN') return (v.acceptQ ?? 0) === 0;
  if (v.state === 'ESTABLISHED') return v.recvQ === 0 && v.sendQ === 0;
  return v.state === 'CLOSED';
}
