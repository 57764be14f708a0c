// The real engine: every method is the libc system call of the same name, made through koffi on
// Node's main thread with non-blocking fds, so it returns at once. Readiness comes from an epoll set
// of the engine's own, which Node's loop watches through koffi.node.poll (Reactor below). The only
// file that touches koffi.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { Fifo } from '../engine/fifo.js';
import type {
  Datagram,
  Disposable,
  FdState,
  KernelRow,
  PollAnswer,
  PollAsk,
  SyscallPort,
} from '../engine/syscall-port.js';
import { SyscallError } from '../engine/syscall-port.js';
import type {
  Address,
  EngineInfo,
  Family,
  OptionValue,
  ShutdownHow,
  SocketOption,
  SockType,
} from '../protocol/messages.js';
import { EPOLL_EVENT, LINUX, SOCKOPT_NUMBERS, TCP_STATES, unacknowledgedBytes } from './platform-linux.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { decodeSockaddr, encodeSockaddr } from './sockaddr.js';

const require = createRequire(import.meta.url);

/** TCP states in which no FIN has come from the peer: TCP_INFO's count of bytes received is all data. */
const NO_FIN_YET: ReadonlySet<string> = new Set([
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT1',
  'FIN_WAIT2',
]);

type Fn = (...args: unknown[]) => number;
interface PollHandle {
  start(opts: { readable?: boolean; writable?: boolean }, cb: (status: number, ev: PollEvents) => void): void;
  stop(): void;
  close(): void;
}
interface PollEvents {
  readable: boolean;
  writable: boolean;
  disconnect: boolean;
}
interface Koffi {
  load(path: string | null): { func(decl: string): Fn };
  errno(): number;
  node: {
    poll(
      fd: number,
      opts: { readable?: boolean; writable?: boolean },
      cb: (status: number, ev: PollEvents) => void,
    ): PollHandle;
  };
}

// errno numbers -> names, from Node's table for this host. Where two names share a number, the one a
// textbook uses wins.
const ERRNO_NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.errno)) {
  const had = ERRNO_NAMES.get(num);
  if (had === undefined || name === 'EAGAIN' || name === 'EOPNOTSUPP' || name === 'EDEADLK')
    ERRNO_NAMES.set(num, name);
}
const errnoName = (n: number) => ERRNO_NAMES.get(n) ?? `E${n}`;

/** Thrown when koffi or libc cannot be loaded: the gateway falls back to node:net. */
export class EngineUnavailable extends Error {}

export function loadLibcPort(): SyscallPort {
  if (process.platform !== 'linux')
    throw new EngineUnavailable(`the real engine supports Linux; this is ${process.platform}`);
  let koffi: Koffi;
  try {
    koffi = require('koffi') as Koffi;
  } catch (err) {
    throw new EngineUnavailable(`koffi could not load: ${(err as Error).message}`);
  }
  return new LibcPort(koffi);
}

interface FdInfo {
  /** To build the right sockaddr. */
  family: Family;
  type: SockType;
  /** Bytes recv() took (TCP), to derive its receive queue from TCP_INFO (a Number: exact to 8 PiB). */
  consumed: number;
}

class LibcPort implements SyscallPort {
  readonly info: EngineInfo = { kind: 'libc', platform: `${process.platform}-${process.arch}`, merges: [] };
  private readonly c: Record<string, Fn>;
  private readonly strerrorFn: (n: number) => string;
  private readonly reactor: Reactor;
  private readonly lenBuf = Buffer.alloc(4);
  private readonly intBuf = Buffer.alloc(8);
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private readonly addrBuf = Buffer.alloc(LINUX.SOCKADDR_STORAGE_SIZE);
  private readonly tcpInfo = Buffer.alloc(LINUX.TCP_INFO_SIZE);
  /**
   * What this port knows of each fd it opened, indexed by fd number (small and reused lowest first,
   * so the array stays dense; a lookup per stream read costs no hashing).
   */
  private readonly fds: (FdInfo | undefined)[] = [];

  constructor(private readonly koffi: Koffi) {
    const lib = koffi.load(null);
    const decls = [
      'int socket(int, int, int)',
      'int bind(int, const void *, uint32_t)',
      'int listen(int, int)',
      'int accept4(int, void *, void *, int)',
      'int connect(int, const void *, uint32_t)',
      'intptr_t send(int, const void *, size_t, int)',
      'intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)',
      'intptr_t recv(int, void *, size_t, int)',
      'intptr_t recvfrom(int, void *, size_t, int, void *, void *)',
      'int shutdown(int, int)',
      'int close(int)',
      'int getsockname(int, void *, void *)',
      'int getpeername(int, void *, void *)',
      'int setsockopt(int, int, int, const void *, uint32_t)',
      'int getsockopt(int, int, int, void *, void *)',
      // The headers declare these variadic. On Linux (x86_64 and arm64) a variadic pointer argument
      // is passed like a fixed one, and koffi's fixed-signature call is several times cheaper; on
      // Apple arm64 varargs go on the stack, so a Darwin port must declare them with '...'.
      'int ioctl(int, unsigned long, void *)',
      'int poll(void *, unsigned long, int)',
      'int epoll_create1(int)',
      'int epoll_ctl(int, int, int, void *)',
      'int epoll_wait(int, void *, int, int)',
    ];
    this.strerrorFn = lib.func('const char *strerror(int)') as unknown as (n: number) => string;
    this.c = {};
    for (const d of decls) {
      const name = /\s(\w+)\(/.exec(d)![1]!;
      this.c[name] = lib.func(d);
    }
    this.reactor = new Reactor(koffi, this.c);
  }

  /** Reads errno at once: any other call (even Node's own, on this thread) may overwrite it. */
  private fail(syscall: string): never {
    const n = this.koffi.errno();
    throw new SyscallError(syscall, errnoName(n), n);
  }

  errnoNumber(code: string): number | null {
    return (osConstants.errno as Record<string, number>)[code] ?? null;
  }

  strerror(code: string): string {
    const n = this.errnoNumber(code);
    return n === null ? code : this.strerrorFn(n);
  }

  socket(family: Family, type: SockType): number {
    const af = family === 'AF_INET6' ? LINUX.AF_INET6 : LINUX.AF_INET;
    const st = type === 'SOCK_DGRAM' ? LINUX.SOCK_DGRAM : LINUX.SOCK_STREAM;
    const fd = this.c.socket!(af, st | LINUX.SOCK_NONBLOCK | LINUX.SOCK_CLOEXEC, 0);
    if (fd < 0) this.fail('socket');
    this.fds[fd] = { family, type, consumed: 0 };
    return fd;
  }

  setsockopt(fd: number, option: SocketOption, value: OptionValue): void {
    const [level, name] = SOCKOPT_NUMBERS[option];
    let buf: Buffer;
    if (option === 'SO_LINGER') {
      const v = typeof value === 'number' ? { onoff: value ? 1 : 0, linger: value } : value;
      buf = Buffer.alloc(8);
      buf.writeInt32LE(v.onoff, 0);
      buf.writeInt32LE(v.linger, 4);
    } else {
      if (typeof value !== 'number')
        throw new SyscallError('setsockopt', 'EINVAL', this.errnoNumber('EINVAL') ?? 22);
      buf = Buffer.alloc(4);
      buf.writeInt32LE(value, 0);
    }
    if (this.c.setsockopt!(fd, level, name, buf, buf.length) < 0) this.fail('setsockopt');
  }

  getsockopt(fd: number, option: SocketOption): OptionValue {
    const [level, name] = SOCKOPT_NUMBERS[option];
    this.lenBuf.writeUInt32LE(8, 0);
    this.intBuf.fill(0);
    if (this.c.getsockopt!(fd, level, name, this.intBuf, this.lenBuf) < 0) this.fail('getsockopt');
    if (option === 'SO_LINGER')
      return { onoff: this.intBuf.readInt32LE(0), linger: this.intBuf.readInt32LE(4) };
    return this.intBuf.readInt32LE(0);
  }

  bind(fd: number, address: Address): void {
    const sa = this.sockaddr(fd, address, 'bind');
    if (this.c.bind!(fd, sa, sa.length) < 0) this.fail('bind');
  }

  listen(fd: number, backlog: number): void {
    if (this.c.listen!(fd, backlog) < 0) this.fail('listen');
  }

  accept(fd: number): { fd: number; address: Address } {
    this.lenBuf.writeUInt32LE(LINUX.SOCKADDR_STORAGE_SIZE, 0);
    const nfd = this.c.accept4!(fd, this.addrBuf, this.lenBuf, LINUX.SOCK_NONBLOCK | LINUX.SOCK_CLOEXEC);
    if (nfd < 0) this.fail('accept');
    this.fds[nfd] = { family: this.fds[fd]?.family ?? 'AF_INET', type: 'SOCK_STREAM', consumed: 0 };
    return { fd: nfd, address: decodeSockaddr(this.addrBuf) };
  }

  connect(fd: number, address: Address): void {
    const sa = this.sockaddr(fd, address, 'connect');
    if (this.c.connect!(fd, sa, sa.length) < 0) this.fail('connect');
  }

  connectResult(fd: number): string | null {
    const err = this.getsockopt(fd, 'SO_ERROR') as number;
    if (err === 0) return null;
    // A blocking connect that fails leaves the socket unconnected, ready for another connect(); a
    // non-blocking one leaves it "connecting", and the next connect() would say ECONNABORTED.
    // connect(AF_UNSPEC) is the kernel's own way to reset it (see connect(2)), as blocking would.
    const unspec = Buffer.alloc(LINUX.SOCKADDR_IN_SIZE);
    this.c.connect!(fd, unspec, unspec.length);
    return errnoName(err);
  }

  send(fd: number, data: Uint8Array): number {
    const n = this.c.send!(fd, data, data.length, LINUX.MSG_NOSIGNAL);
    if (n < 0) this.fail('send');
    return n;
  }

  sendto(fd: number, data: Uint8Array, address: Address): number {
    const sa = this.sockaddr(fd, address, 'sendto');
    const n = this.c.sendto!(fd, data, data.length, LINUX.MSG_NOSIGNAL, sa, sa.length);
    if (n < 0) this.fail('sendto');
    return n;
  }

  recv(fd: number, bufsize: number, peek: boolean): Uint8Array {
    // Read into one reusable buffer and copy out what came: a stream reads up to 64 KiB at a time
    // and usually gets a few bytes; a fresh 64 KiB buffer per read kept the garbage collector busy.
    const buf = bufsize <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(bufsize);
    const n = this.c.recv!(fd, buf, bufsize, peek ? LINUX.MSG_PEEK : 0);
    if (n < 0) this.fail('recv');
    if (!peek && n > 0) this.took(fd, n);
    if (buf !== this.scratch) return buf.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    this.scratch.copy(out, 0, 0, n);
    return out;
  }

  /** Counts what recv() took from a TCP fd: its receive queue is all received minus this (inspect). */
  private took(fd: number, n: number): void {
    const info = this.fds[fd];
    if (info) info.consumed += n;
  }

  recvInto(fd: number, into: Uint8Array): number {
    const n = this.c.recv!(fd, into, into.length, 0);
    if (n < 0) this.fail('recv');
    if (n > 0) this.took(fd, n);
    return n;
  }

  recvfrom(fd: number, bufsize: number, peek: boolean): Datagram {
    const buf = Buffer.allocUnsafe(bufsize);
    this.lenBuf.writeUInt32LE(LINUX.SOCKADDR_STORAGE_SIZE, 0);
    this.addrBuf.fill(0);
    // MSG_TRUNC makes the kernel return the datagram's real length even when it did not fit: the rest
    // is discarded either way, this only lets the student see how much was lost.
    const flags = (peek ? LINUX.MSG_PEEK : 0) | (this.fds[fd]?.type === 'SOCK_DGRAM' ? LINUX.MSG_TRUNC : 0);
    const n = this.c.recvfrom!(fd, buf, bufsize, flags, this.addrBuf, this.lenBuf);
    if (n < 0) this.fail('recvfrom');
    if (!peek && n > 0 && this.fds[fd]?.type === 'SOCK_STREAM') {
      this.took(fd, Math.min(n, bufsize));
    }
    const from: Address | null = this.lenBuf.readUInt32LE(0) > 0 ? decodeSockaddr(this.addrBuf) : null;
    return { data: buf.subarray(0, Math.min(n, bufsize)), from, size: n };
  }

  shutdown(fd: number, how: ShutdownHow): void {
    if (this.c.shutdown!(fd, LINUX[how]) < 0) this.fail('shutdown');
  }

  close(fd: number): number {
    const linger = this.fds[fd]?.type === 'SOCK_STREAM' ? this.disarmLinger(fd) : 0;
    this.reactor.forget(fd);
    this.fds[fd] = undefined;
    if (this.c.close!(fd) < 0) this.fail('close');
    return linger;
  }

  /**
   * Turns SO_LINGER off on a stream socket that lingers with a time (Linux's close() waits for it even
   * on a non-blocking socket): the kernel then sends the same bytes and FIN after close() returns, as
   * it does once the linger is over. Returns the linger seconds taken off. An accepted socket inherits
   * its listener's linger, so every stream socket is asked.
   */
  private disarmLinger(fd: number): number {
    try {
      const v = this.getsockopt(fd, 'SO_LINGER');
      if (typeof v === 'number' || v.onoff === 0 || v.linger <= 0) return 0;
      this.setsockopt(fd, 'SO_LINGER', { onoff: 0, linger: 0 });
      return v.linger;
    } catch {
      return 0;
    }
  }

  getsockname(fd: number): Address {
    this.lenBuf.writeUInt32LE(LINUX.SOCKADDR_STORAGE_SIZE, 0);
    this.addrBuf.fill(0);
    if (this.c.getsockname!(fd, this.addrBuf, this.lenBuf) < 0) this.fail('getsockname');
    return decodeSockaddr(this.addrBuf, this.fds[fd]?.family);
  }

  getpeername(fd: number): Address {
    this.lenBuf.writeUInt32LE(LINUX.SOCKADDR_STORAGE_SIZE, 0);
    if (this.c.getpeername!(fd, this.addrBuf, this.lenBuf) < 0) this.fail('getpeername');
    return decodeSockaddr(this.addrBuf);
  }

  wait(fd: number, interest: 'readable' | 'writable', ready: () => void): Disposable {
    return this.reactor.wait(fd, interest, ready);
  }

  watch(fd: number, ready: () => void): Disposable {
    return this.reactor.wait(fd, 'readable', ready, true);
  }

  poll(asks: readonly PollAsk[]): PollAnswer[] {
    const fds = Buffer.alloc(asks.length * LINUX.POLLFD_SIZE);
    asks.forEach((a, i) => {
      fds.writeInt32LE(a.fd, i * LINUX.POLLFD_SIZE);
      const events =
        (a.read ? LINUX.POLLIN | LINUX.POLLRDHUP : 0) |
        (a.write ? LINUX.POLLOUT : 0) |
        (a.urgent ? LINUX.POLLPRI : 0);
      fds.writeInt16LE(events, i * LINUX.POLLFD_SIZE + 4);
    });
    if (this.c.poll!(fds, asks.length, 0) < 0) this.fail('poll');
    return asks.map((a, i) => {
      const got = fds.readUInt16LE(i * LINUX.POLLFD_SIZE + 6);
      if (got & LINUX.POLLNVAL) {
        throw new SyscallError('poll', 'EBADF', this.errnoNumber('EBADF') ?? 9, 'Bad file descriptor');
      }
      // fs/select.c: POLLIN_SET has IN, HUP and ERR; POLLOUT_SET has OUT and ERR; POLLEX_SET PRI.
      return {
        readable: a.read && (got & (LINUX.POLLIN | LINUX.POLLHUP | LINUX.POLLERR)) !== 0,
        writable: a.write && (got & (LINUX.POLLOUT | LINUX.POLLERR)) !== 0,
        urgent: a.urgent && (got & LINUX.POLLPRI) !== 0,
        hangup: a.read && (got & (LINUX.POLLRDHUP | LINUX.POLLHUP)) !== 0,
      };
    });
  }

  inspect(fd: number): FdState | null {
    const kind = this.fds[fd];
    if (!kind) return null;
    if (kind.type === 'SOCK_DGRAM') {
      let connected = true;
      this.lenBuf.writeUInt32LE(LINUX.SOCKADDR_STORAGE_SIZE, 0);
      if (this.c.getpeername!(fd, this.addrBuf, this.lenBuf) < 0) connected = false;
      const recvQ = this.ioctlInt(fd, LINUX.FIONREAD);
      const sendQ = this.ioctlInt(fd, LINUX.SIOCOUTQ);
      return { proto: 'udp', state: connected ? 'ESTABLISHED' : 'UNCONN', recvQ, sendQ };
    }
    this.lenBuf.writeUInt32LE(LINUX.TCP_INFO_SIZE, 0);
    if (this.c.getsockopt!(fd, LINUX.IPPROTO_TCP, LINUX.TCP_INFO, this.tcpInfo, this.lenBuf) < 0) return null;
    const ti = this.tcpInfo;
    const state = TCP_STATES[ti[LINUX.TCPI_STATE]!] ?? 'CLOSED';
    if (state === 'LISTEN') {
      return {
        proto: 'tcp',
        state,
        recvQ: 0,
        sendQ: 0,
        acceptQ: ti.readUInt32LE(LINUX.TCPI_UNACKED),
        backlog: ti.readUInt32LE(LINUX.TCPI_SACKED),
      };
    }
    // One getsockopt instead of three calls where the kernel's TCP_INFO is new enough: the bytes
    // waiting to be read are all bytes received minus what recv() took (only this engine reads the
    // fd); nothing is waiting to be acknowledged when no segment is unacked and none is unsent.
    // Once a FIN may have arrived, the count received holds it as one more byte, read or not;
    // FIONREAD leaves it out.
    const full = this.lenBuf.readUInt32LE(0) >= LINUX.TCPI_NOTSENT_BYTES + 4;
    const recvQ =
      full && NO_FIN_YET.has(state)
        ? readU64(ti, LINUX.TCPI_BYTES_RECEIVED) - kind.consumed
        : this.ioctlInt(fd, LINUX.FIONREAD);
    const idle =
      full && ti.readUInt32LE(LINUX.TCPI_UNACKED) === 0 && ti.readUInt32LE(LINUX.TCPI_NOTSENT_BYTES) === 0;
    const sendQ = idle ? 0 : unacknowledgedBytes(state, this.ioctlInt(fd, LINUX.SIOCOUTQ));
    // A listener whose accept queue is full drops SYNs: the client's kernel sends it again, later each time.
    const retries = state === 'SYN_SENT' ? ti[LINUX.TCPI_RETRANSMITS]! : 0;
    return retries > 0
      ? { proto: 'tcp', state, recvQ, sendQ, synRetries: retries }
      : { proto: 'tcp', state, recvQ, sendQ };
  }

  sendQueue(fd: number): number {
    return this.ioctlInt(fd, LINUX.SIOCOUTQ);
  }

  async kernelTable(): Promise<KernelRow[]> {
    const [v4, v6] = await Promise.all([
      readFile('/proc/net/tcp', 'latin1').catch(() => ''),
      readFile('/proc/net/tcp6', 'latin1').catch(() => ''),
    ]);
    return [...parseProcNetTcp(v4, 4), ...parseProcNetTcp(v6, 6)];
  }

  private ioctlInt(fd: number, request: number): number {
    this.intBuf.writeInt32LE(0, 0);
    if (this.c.ioctl!(fd, request, this.intBuf) < 0) return 0;
    return this.intBuf.readInt32LE(0);
  }

  private sockaddr(fd: number, [host, port]: Address, syscall: string): Buffer {
    const family = this.fds[fd]?.family ?? 'AF_INET';
    const sa = encodeSockaddr(family, host, port);
    if (!sa) {
      // The kernel never sees a name: the engine resolves first. A string that is not an address of
      // this socket's family is what inet_pton rejects.
      throw new SyscallError(
        syscall,
        'EAFNOSUPPORT',
        this.errnoNumber('EAFNOSUPPORT') ?? 97,
        `${host} is not an ${family === 'AF_INET6' ? 'IPv6' : 'IPv4'} address`,
      );
    }
    return sa;
  }
}

/**
 * Readiness for every fd the engine waits on, from one epoll set of its own that Node's loop watches
 * as a single fd (koffi.node.poll). When the set is ready, one epoll_wait says which fds are and for
 * what: one callback from native code per turn of the loop, however many sockets are ready, where a
 * poll handle per fd made one each (and koffi built an event object for each).
 *
 * Level-triggered, like uv_poll: an fd left in the set with a connection waiting on a listener keeps
 * the set ready, and Node's loop would spin. So an fd's interest is taken out of the set when nobody
 * waits for it any more, before anyone's callback runs; a read loop's watch stays (a streamed socket
 * costs no epoll_ctl per read).
 */
class Reactor {
  /** Indexed by fd, like LibcPort.fds. */
  private readonly watches: (Watch | undefined)[] = [];
  private readonly due = new Fifo<Waiter>();
  private readonly ep: number;
  /** Kept referenced: koffi stops a poll handle the garbage collector takes. */
  readonly handle: PollHandle;
  private readonly events = Buffer.alloc(EPOLL_EVENT.size * MAX_EVENTS);
  private readonly ctlEvent = Buffer.alloc(EPOLL_EVENT.size);

  constructor(
    private readonly koffi: Koffi,
    private readonly c: Record<string, Fn>,
  ) {
    this.ep = c.epoll_create1!(LINUX.EPOLL_CLOEXEC);
    if (this.ep < 0) {
      throw new EngineUnavailable(`epoll_create1 failed: ${errnoName(koffi.errno())}`);
    }
    this.handle = koffi.node.poll(this.ep, { readable: true }, () => this.ready());
  }

  wait(fd: number, interest: 'readable' | 'writable', ready: () => void, persistent = false): Disposable {
    let w = this.watches[fd];
    if (!w) {
      w = { fd, readers: new Set(), writers: new Set(), armed: 0, live: true };
      this.watches[fd] = w;
    }
    const watch = w;
    const waiter: Waiter = { ready, persistent, live: true };
    const set = interest === 'readable' ? watch.readers : watch.writers;
    set.add(waiter);
    const err = this.arm(watch);
    if (err !== 0) {
      set.delete(waiter);
      if (watch.armed === 0 && watch.readers.size === 0 && watch.writers.size === 0) {
        this.watches[fd] = undefined;
      }
      throw new SyscallError('poll', errnoName(err), err);
    }
    return {
      dispose: () => {
        waiter.live = false;
        if (watch.readers.delete(waiter) || watch.writers.delete(waiter)) {
          if (watch.live) this.arm(watch);
        }
      },
    };
  }

  /**
   * The fd is about to close: out of the set first. (Closing would take it out too, but only when no
   * other descriptor shares its file: a copy a child inherited would keep the old fd's readiness
   * coming under a number the next socket may get.)
   */
  forget(fd: number): void {
    const w = this.watches[fd];
    if (!w) return;
    this.watches[fd] = undefined;
    w.live = false;
    w.readers.clear();
    w.writers.clear();
    this.arm(w);
  }

  /** Makes the set's interest in w.fd what its waiters want. Returns 0, or the errno epoll_ctl gave. */
  private arm(w: Watch): number {
    const want =
      (w.readers.size > 0 ? LINUX.EPOLLIN | LINUX.EPOLLRDHUP : 0) | (w.writers.size > 0 ? LINUX.EPOLLOUT : 0);
    if (want === w.armed) return 0;
    const op = want === 0 ? LINUX.EPOLL_CTL_DEL : w.armed === 0 ? LINUX.EPOLL_CTL_ADD : LINUX.EPOLL_CTL_MOD;
    this.ctlEvent.writeUInt32LE(want, 0);
    this.ctlEvent.writeUInt32LE(w.fd, EPOLL_EVENT.data);
    if (this.c.epoll_ctl!(this.ep, op, w.fd, this.ctlEvent) < 0) return this.koffi.errno();
    w.armed = want;
    return 0;
  }

  private ready(): void {
    const n = this.c.epoll_wait!(this.ep, this.events, MAX_EVENTS, 0);
    const due = this.due;
    for (let i = 0; i < n; i++) {
      const at = i * EPOLL_EVENT.size;
      const mask = this.events.readUInt32LE(at);
      const w = this.watches[this.events.readUInt32LE(at + EPOLL_EVENT.data)];
      if (!w) continue;
      // An error or a hang-up wakes everyone: their retried call will meet the real errno or EOF.
      const broken = (mask & (LINUX.EPOLLERR | LINUX.EPOLLHUP)) !== 0;
      if (broken || (mask & (LINUX.EPOLLIN | LINUX.EPOLLRDHUP)) !== 0) {
        for (const waiter of w.readers) {
          due.push(waiter);
          if (!waiter.persistent) w.readers.delete(waiter);
        }
      }
      if (broken || (mask & LINUX.EPOLLOUT) !== 0) {
        for (const waiter of w.writers) due.push(waiter);
        w.writers.clear();
      }
      // Take out what nobody waits for any more before anyone runs.
      this.arm(w);
    }
    // One queue for every firing (see fifo.ts): a fresh array per stream read was among the larger
    // allocations of a raw session.
    for (let k = due.length; k > 0; k--) {
      const waiter = due.shift()!;
      // Disposed by a waiter that ran before it in this turn (a connect's completion starting a read
      // loop ends the socket's readability observer): it asked not to be called.
      if (!waiter.live) continue;
      try {
        waiter.ready();
      } catch (err) {
        console.error('[reactor] a readiness callback threw', err);
      }
    }
  }
}

/** Fds one epoll_wait reports at most; more ready ones are reported at the next turn. */
const MAX_EVENTS = 256;

interface Waiter {
  ready(): void;
  /** A read loop's watch: stays until disposed. */
  persistent: boolean;
  /** Not disposed. */
  live: boolean;
}
interface Watch {
  fd: number;
  readers: Set<Waiter>;
  writers: Set<Waiter>;
  /** The events the set watches for this fd (0: not in the set). */
  armed: number;
  /** Still the fd's watch (forget() drops it when the fd closes). */
  live: boolean;
}

/** A u64 counter as a Number (exact below 2^53), without a BigInt per read: inspect runs on every refresh. */
function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 2 ** 32;
}
