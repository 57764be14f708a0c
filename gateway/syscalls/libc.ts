// The real engine: every method is the libc system call of the same name, made through koffi on
// Node's main thread with non-blocking fds, so it returns at once. Readiness comes from libuv's own
// poller (koffi.node.poll), used one-shot. The only file that touches koffi.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { Fifo } from '../engine/fifo.js';
import type { Datagram, Disposable, FdState, KernelRow, SyscallPort } from '../engine/syscall-port.js';
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
import { LINUX, SOCKOPT_NUMBERS, TCP_STATES } from './platform-linux.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { decodeSockaddr, encodeSockaddr } from './sockaddr.js';

const require = createRequire(import.meta.url);

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
      'int fcntl(int, int, int)',
    ];
    this.strerrorFn = lib.func('const char *strerror(int)') as unknown as (n: number) => string;
    this.c = {};
    for (const d of decls) {
      const name = /\s(\w+)\(/.exec(d)![1]!;
      this.c[name] = lib.func(d);
    }
    this.reactor = new Reactor(koffi, (fd) => this.c.fcntl!(fd, LINUX.F_GETFD, 0) >= 0);
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
    const from: Address = this.lenBuf.readUInt32LE(0) > 0 ? decodeSockaddr(this.addrBuf) : ['', 0];
    return { data: buf.subarray(0, Math.min(n, bufsize)), from, size: n };
  }

  shutdown(fd: number, how: ShutdownHow): void {
    if (this.c.shutdown!(fd, LINUX[how]) < 0) this.fail('shutdown');
  }

  close(fd: number): void {
    // The poll handle must go before the fd: libuv aborts on a handle whose fd number was reused.
    this.reactor.forget(fd);
    this.fds[fd] = undefined;
    if (this.c.close!(fd) < 0) this.fail('close');
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
    const full = this.lenBuf.readUInt32LE(0) >= LINUX.TCPI_NOTSENT_BYTES + 4;
    const recvQ = full
      ? readU64(ti, LINUX.TCPI_BYTES_RECEIVED) - kind.consumed
      : this.ioctlInt(fd, LINUX.FIONREAD);
    const idle =
      full && ti.readUInt32LE(LINUX.TCPI_UNACKED) === 0 && ti.readUInt32LE(LINUX.TCPI_NOTSENT_BYTES) === 0;
    const sendQ = idle ? 0 : this.ioctlInt(fd, LINUX.SIOCOUTQ);
    return { proto: 'tcp', state, recvQ, sendQ };
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
 * One-shot readiness on Node's own loop. uv_poll is level-triggered: left armed on a listener with a
 * connection waiting, it fires hundreds of thousands of times a second. So each handle is stopped in
 * its callback and re-armed only for waiters that still want it. One handle per fd, always closed
 * before the fd is (koffi aborts the process on a handle whose fd is gone or reused).
 */
class Reactor {
  private readonly watches = new Map<number, Watch>();
  private readonly due = new Fifo<Waiter>();

  constructor(
    private readonly koffi: Koffi,
    private readonly fdIsOpen: (fd: number) => boolean,
  ) {}

  wait(fd: number, interest: 'readable' | 'writable', ready: () => void, persistent = false): Disposable {
    let w = this.watches.get(fd);
    if (!w) {
      if (!this.fdIsOpen(fd)) throw new SyscallError('poll', 'EBADF', osConstants.errno.EBADF);
      w = { fd, handle: null, readers: new Set(), writers: new Set(), armed: '', live: true };
      this.watches.set(fd, w);
    }
    const watch = w;
    const waiter: Waiter = { ready, persistent };
    (interest === 'readable' ? watch.readers : watch.writers).add(waiter);
    this.arm(watch);
    return {
      dispose: () => {
        if (watch.readers.delete(waiter) || watch.writers.delete(waiter)) {
          if (watch.live) this.arm(watch);
        }
      },
    };
  }

  forget(fd: number): void {
    const w = this.watches.get(fd);
    if (!w) return;
    this.watches.delete(fd);
    w.live = false;
    w.handle?.close();
    w.handle = null;
    w.readers.clear();
    w.writers.clear();
  }

  private arm(w: Watch): void {
    const readable = w.readers.size > 0;
    const writable = w.writers.size > 0;
    const want = `${readable ? 'r' : ''}${writable ? 'w' : ''}`;
    if (want === w.armed) return;
    if (want === '') {
      w.handle?.stop();
      w.armed = '';
      return;
    }
    const cb = (status: number, ev: PollEvents) => this.fire(w, status, ev);
    if (w.handle) w.handle.start({ readable, writable }, cb);
    else w.handle = this.koffi.node.poll(w.fd, { readable, writable }, cb);
    w.armed = want;
  }

  private fire(w: Watch, status: number, ev: PollEvents): void {
    // An error status (the fd broke) wakes everyone: their retried call will meet the real errno.
    const failed = status < 0;
    // One queue for every firing (see fifo.ts): a fresh array per stream read was among the larger
    // allocations of a raw session.
    const due = this.due;
    if (failed || ev.readable || ev.disconnect) {
      for (const waiter of w.readers) {
        due.push(waiter);
        if (!waiter.persistent) w.readers.delete(waiter);
      }
    }
    if (failed || ev.writable) {
      for (const waiter of w.writers) due.push(waiter);
      w.writers.clear();
    }
    // Stop what nobody waits for any more before anyone runs; a read loop's watch stays armed, so a
    // streamed socket costs no epoll_ctl per read.
    if (w.live) this.arm(w);
    for (let n = due.length; n > 0; n--) {
      const waiter = due.shift()!;
      try {
        waiter.ready();
      } catch (err) {
        console.error('[reactor] a readiness callback threw', err);
      }
    }
  }
}

interface Waiter {
  ready(): void;
  /** A read loop's watch: stays until disposed. */
  persistent: boolean;
}
interface Watch {
  fd: number;
  handle: PollHandle | null;
  readers: Set<Waiter>;
  writers: Set<Waiter>;
  armed: string;
  /** Still the fd's watch (forget() drops it when the fd closes). */
  live: boolean;
}

/** A u64 counter as a Number (exact below 2^53), without a BigInt per read: inspect runs on every refresh. */
function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 2 ** 32;
}
