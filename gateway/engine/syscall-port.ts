// The engine's only way to reach the operating system. Implementations live in gateway/syscalls/:
// the real one calls libc through koffi; the fallback one models the calls on node:net/node:dgram.
// Every method is non-blocking: a call that would block throws SyscallError EAGAIN/EINPROGRESS and the
// engine waits for readiness with `wait()`. Nothing here may block Node's event loop.

import type {
  Address,
  EngineInfo,
  Family,
  OptionValue,
  ShutdownHow,
  SocketOption,
  SockType,
  TcpState,
} from '../protocol/messages.js';

/** A system call that failed, with the kernel's own errno name and number. */
export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly code: string,
    readonly errno: number,
    message?: string,
  ) {
    super(message ?? `${syscall}: ${code}`);
    this.name = 'SyscallError';
  }
}

export interface Datagram {
  data: Uint8Array;
  /** The sender; null when the kernel gave no address (a TCP socket: its peer is fixed). */
  from: Address | null;
  /** The datagram's real size: larger than data.length when recvfrom truncated it. */
  size: number;
}

/** What the kernel says about one socket we hold an fd for. */
export interface FdState {
  proto: 'tcp' | 'udp';
  state: TcpState;
  recvQ: number;
  sendQ: number;
  acceptQ?: number;
  backlog?: number;
  /** SYN_SENT: how many times the kernel sent the SYN again, no answer having come. */
  synRetries?: number;
}

/** One row of the kernel's socket table, including sockets nobody holds an fd for. */
export interface KernelRow {
  proto: 'tcp';
  state: TcpState;
  local: Address;
  remote: Address;
  recvQ: number;
  sendQ: number;
  /** 0 when no process holds the socket (TIME_WAIT, or waiting in a listener's accept queue). */
  inode: number;
}

/** What select() asks of one fd. */
export interface PollAsk {
  fd: number;
  read: boolean;
  write: boolean;
  /** TCP urgent data (select's third list). */
  urgent: boolean;
}

/** What the kernel answered for it, sorted as select(2) sorts poll's bits. */
export interface PollAnswer {
  readable: boolean;
  writable: boolean;
  urgent: boolean;
  /** Asked to read: the read side is shut down (POLLRDHUP, POLLHUP), by this end or the peer. */
  hangup: boolean;
}

export interface Disposable {
  dispose(): void;
}

export interface SyscallPort {
  readonly info: EngineInfo;

  socket(family: Family, type: SockType): number;
  setsockopt(fd: number, option: SocketOption, value: OptionValue): void;
  getsockopt(fd: number, option: SocketOption): OptionValue;
  bind(fd: number, address: Address): void;
  listen(fd: number, backlog: number): void;
  /** Returns the new fd (already non-blocking and close-on-exec) and the peer's address. */
  accept(fd: number): { fd: number; address: Address };
  /** Starts a connect; throws EINPROGRESS when it continues in the kernel (check with connectResult). */
  connect(fd: number, address: Address): void;
  /** After a connect in progress became writable: 0, or the errno name of why it failed (SO_ERROR). */
  connectResult(fd: number): string | null;
  send(fd: number, data: Uint8Array): number;
  sendto(fd: number, data: Uint8Array, address: Address): number;
  recv(fd: number, bufsize: number, peek: boolean): Uint8Array;
  /** recv() into `into` (up to its length): the byte count, 0 at the end of the stream. */
  recvInto(fd: number, into: Uint8Array): number;
  recvfrom(fd: number, bufsize: number, peek: boolean): Datagram;
  shutdown(fd: number, how: ShutdownHow): void;
  /**
   * Closes fd without waiting, even when SO_LINGER is on with a time: that close() would wait in the
   * kernel until the peer had acknowledged every queued byte and the FIN (or the time ran out), and
   * the whole gateway with it. Returns the linger seconds such a close() would have waited at most, 0
   * when it returns at once; the engine waits that out on the event loop (Engine.lingering).
   */
  close(fd: number): number;
  getsockname(fd: number): Address;
  getpeername(fd: number): Address;

  /** Calls `ready` once, on Node's event loop, when fd is readable (or writable). Never blocks. */
  wait(fd: number, interest: 'readable' | 'writable', ready: () => void): Disposable;
  /**
   * Calls `ready` every time fd is readable, until disposed: a read loop's readiness, armed once.
   * Level-triggered: `ready` must read (or dispose the watch), or it is called again at once.
   */
  watch(fd: number, ready: () => void): Disposable;
  /**
   * Which fds are ready now: one poll(2) that does not wait. Readable as select(2) counts it (bytes,
   * a FIN, a queued connection, a hang-up, an error); writable (room to send, or an error). Throws
   * EBADF for an fd that is not open.
   */
  poll(asks: readonly PollAsk[]): PollAnswer[];
  /** The kernel's view of a socket we hold, or null when it cannot say. */
  inspect(fd: number): FdState | null;
  /** Bytes in a TCP socket's send queue (sent and not yet acknowledged, or not yet sent): inspect's sendQ alone. */
  sendQueue(fd: number): number;
  /** The kernel's TCP table (for sockets without an fd), or null where the platform cannot list it. */
  kernelTable(): Promise<KernelRow[] | null>;
  /** The errno number on this host for a name, for messages that print it as Python does. */
  errnoNumber(code: string): number | null;
  /** The C library's own text for an errno name ("Connection refused"). */
  strerror(code: string): string;
}
