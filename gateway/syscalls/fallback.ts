// The fallback engine, for where the real libc one cannot load: each system call is modelled on
// node:net / node:dgram, with pseudo fds, and `info.merges` says in plain words what it cannot show
// apart. Owns every Node socket and server it makes; knows nothing of sessions or the engine above.

import dgram from 'node:dgram';
import net from 'node:net';
import { networkInterfaces, constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
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
  TcpState,
} from '../protocol/messages.js';

/** Pseudo fds start here so they never look like the gateway's own (0..~30 on a real host). */
const FIRST_FD = 1000;
/** send() says EAGAIN once this many bytes wait in Node's write queue: our stand-in for a full send buffer. */
const SEND_HWM = 256 * 1024;
/** Reading from the kernel pauses while this many received bytes wait for recv(): backpressure. */
const RECV_HWM = 256 * 1024;
/** A UDP socket drops datagrams while this many bytes wait, as the kernel does when its buffer is full. */
const UDP_QUEUE_MAX = 256 * 1024;
/** A close()d TCP socket may keep flushing queued bytes (the kernel would too), but not forever. */
const CLOSE_FLUSH_MS = 10_000;
/** Largest UDP payload over IPv4 / IPv6: larger sends fail with EMSGSIZE, as sendto(2) says. */
const MAX_UDP4 = 65_507;
const MAX_UDP6 = 65_527;

const ERRNO = osConstants.errno as Record<string, number>;

/** Sentences a student reads next to the diagram: what this engine merges or only models. */
function mergesFor(platform: NodeJS.Platform): string[] {
  return [
    'socket() is lazy in Node: no kernel socket exists until Node needs one (listen() or connect() for TCP; bind(), connect() or sendto() for UDP), and the fd numbers shown (1000 and up) are the playground’s own.',
    'bind() on a TCP socket only records the address: Node takes the port at listen() or connect(), so a port another program holds is reported there, not by bind(), and bind() to port 0 shows port 0 until then.',
    'listen() returns before Node has really taken the port: if it is already in use, EADDRINUSE (or EACCES) comes back from the next call on that socket, usually accept(); only a port held by another playground socket fails at once.',
    platform === 'win32'
      ? 'SO_REUSEADDR is only remembered on TCP sockets: Node gives no way to set it.'
      : 'SO_REUSEADDR is always on once a TCP socket is bound (libuv forces it): the TIME_WAIT lesson cannot be reproduced.',
    'accept() takes connections Node already accepted (paused, so their bytes still wait in the kernel); backlog overflow and clients stuck in SYN_SENT are not visible.',
    'recv(n), MSG_PEEK and short reads work on the gateway’s own buffer of received bytes, not on the kernel’s queue.',
    'UDP datagrams larger than the recvfrom() buffer are cut by the gateway, not by the kernel (the rest is lost all the same and the real size is reported).',
    'A UDP send the kernel refuses (other than EMSGSIZE) reports its errno on the next call on that socket, not on sendto() itself; sendto() with an address on a connected UDP socket fails with EISCONN, as on BSD.',
    'sendQ counts bytes waiting in Node, and send() says EAGAIN once 256 KiB wait there: the kernel’s own send and receive buffers are not visible.',
    'Kernel TCP states are modelled from Node’s events, not read from the kernel; sockets without an fd (TIME_WAIT, connections waiting in the accept queue) are not listed.',
    'SO_RCVBUF, SO_SNDBUF, SO_REUSEPORT and SO_LINGER are only remembered on TCP sockets; SO_LINGER {1, 0} does make close() reset the connection.',
  ];
}

// ---------------------------------------------------------------------------------------------
// Socket records

interface Waiter {
  ready(): void;
}

interface Base {
  fd: number;
  family: Family;
  readers: Set<Waiter>;
  writers: Set<Waiter>;
  /** Options as the student set them (and as libuv forces them), read back by getsockopt. */
  opts: Map<SocketOption, OptionValue>;
  /** The pending socket error (SO_ERROR): reported once by the next call, then cleared. */
  err: string | null;
  immediate: NodeJS.Immediate | null;
}

interface TcpRec extends Base {
  kind: 'tcp';
  mode: 'fresh' | 'listening' | 'connecting' | 'connected';
  /** The address given to bind(): only recorded, Node takes it at listen() or connect(). */
  bound: Address | null;
  // listening
  server: net.Server | null;
  backlog: number;
  acceptQ: net.Socket[];
  // connecting / connected
  sock: net.Socket | null;
  chunks: Buffer[];
  buffered: number;
  /** The peer's FIN arrived. */
  eof: boolean;
  /** We called end() (shutdown SHUT_WR), and Node has passed the FIN to the kernel. */
  wrShut: boolean;
  finished: boolean;
  rdShut: boolean;
  /** The connection is gone (reset, or both FINs exchanged). */
  dead: boolean;
  local: Address | null;
  remote: Address | null;
}

interface UdpRec extends Base {
  kind: 'udp';
  dg: dgram.Socket | null;
  connected: boolean;
  queue: { data: Buffer; from: Address }[];
  queued: number;
  wrShut: boolean;
  rdShut: boolean;
}

type Rec = TcpRec | UdpRec;

const wildcard = (family: Family): string => (family === 'AF_INET6' ? '::' : '0.0.0.0');

/** dgram resolves through this: every address is already numeric, and answering at once makes bind() synchronous. */
const numericLookup = (
  hostname: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void => {
  callback(null, hostname, net.isIP(hostname));
};

function sysErr(syscall: string, code: string, message?: string): SyscallError {
  return new SyscallError(syscall, code, ERRNO[code] ?? 0, message);
}

/** Two local addresses that the kernel would count as the same port binding. */
function overlaps(a: string, b: string): boolean {
  if (a === b || a === '::' || b === '::') return true;
  return (a === '0.0.0.0' || b === '0.0.0.0') && net.isIPv4(a) && net.isIPv4(b);
}

export function createFallbackPort(): SyscallPort {
  return new FallbackPort();
}

class FallbackPort implements SyscallPort {
  readonly info: EngineInfo = {
    kind: 'fallback',
    platform: `${process.platform}-${process.arch}`,
    merges: mergesFor(process.platform),
  };
  private readonly table = new Map<number, Rec>();
  private readonly messages = new Map<string, string>();

  constructor() {
    for (const [name, text] of getSystemErrorMap().values()) {
      if (!this.messages.has(name)) this.messages.set(name, text.charAt(0).toUpperCase() + text.slice(1));
    }
  }

  errnoNumber(code: string): number | null {
    return ERRNO[code] ?? null;
  }

  strerror(code: string): string {
    return this.messages.get(code) ?? code;
  }

  // -------------------------------------------------------------------------------------------
  // Creating and naming

  socket(family: Family, type: SockType): number {
    return this.guard('socket', () => {
      if (family !== 'AF_INET' && family !== 'AF_INET6') throw sysErr('socket', 'EAFNOSUPPORT');
      let fd = FIRST_FD;
      while (this.table.has(fd)) fd++; // the lowest free number, as the kernel hands them out
      const base: Base = {
        fd,
        family,
        readers: new Set(),
        writers: new Set(),
        opts: new Map(),
        err: null,
        immediate: null,
      };
      if (type === 'SOCK_DGRAM') {
        this.table.set(fd, {
          ...base,
          kind: 'udp',
          dg: null,
          connected: false,
          queue: [],
          queued: 0,
          wrShut: false,
          rdShut: false,
        });
      } else if (type === 'SOCK_STREAM') {
        this.table.set(fd, this.tcpRec(base));
      } else {
        throw sysErr('socket', 'EINVAL');
      }
      return fd;
    });
  }

  bind(fd: number, address: Address): void {
    this.guard('bind', () => {
      const r = this.get(fd, 'bind');
      this.checkAddress(r, address, 'bind');
      if (r.kind === 'udp') {
        if (r.dg) throw sysErr('bind', 'EINVAL', 'the socket is already bound');
        const dg = this.udpSocket(r);
        let failed: Error | null = null;
        const onError = (err: Error) => {
          failed = err;
        };
        dg.once('error', onError);
        // With a lookup that answers at once, dgram binds synchronously: its error arrives right here.
        dg.bind({ address: address[0], port: address[1], exclusive: true });
        dg.removeListener('error', onError);
        if (failed) {
          r.dg = null;
          r.err = null; // reported here, by bind() itself
          this.closeDgram(dg);
          throw this.fromNode('bind', failed);
        }
        this.applyUdpOptions(r);
        return;
      }
      if (r.bound || r.mode !== 'fresh') throw sysErr('bind', 'EINVAL', 'the socket is already bound');
      const [host, port] = address;
      if (!this.isLocalAddress(host)) throw sysErr('bind', 'EADDRNOTAVAIL');
      if (this.tcpConflict(r, address, 'bind')) throw sysErr('bind', 'EADDRINUSE');
      r.bound = [host, port];
    });
  }

  listen(fd: number, backlog: number): void {
    this.guard('listen', () => {
      const r = this.get(fd, 'listen');
      if (r.kind === 'udp') throw sysErr('listen', 'EOPNOTSUPP');
      if (r.mode === 'listening') {
        r.backlog = backlog; // Linux accepts a second listen() as a new backlog; Node cannot pass it on
        return;
      }
      if (r.mode !== 'fresh') throw sysErr('listen', 'EINVAL');
      r.err = null;
      // listen() on an unbound socket binds every interface on a port the kernel picks.
      const [host, port] = r.bound ?? [wildcard(r.family), 0];
      if (this.tcpConflict(r, [host, port], 'listen')) throw sysErr('listen', 'EADDRINUSE');
      const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
      let ready = false;
      server.on('listening', () => {
        ready = true;
      });
      server.on('error', (err: NodeJS.ErrnoException) => {
        if (r.server !== server) return;
        if (ready) {
          console.error(`[fallback] listener fd ${fd} failed`, err);
          return;
        }
        // The port was not free after all: the socket is bound-but-not-listening again, and its next
        // call reports why (see merges).
        r.server = null;
        r.mode = 'fresh';
        r.err = err.code ?? 'EIO';
        server.close();
        this.kickSoon(r);
      });
      server.on('connection', (sock: net.Socket) => {
        sock.on('error', () => {});
        if (r.server !== server || this.table.get(fd) !== r) {
          this.reset(sock);
          return;
        }
        r.acceptQ.push(sock);
        this.kickSoon(r);
      });
      r.server = server;
      r.mode = 'listening';
      r.backlog = backlog;
      // Node reads 0 as "use the default" (511); 1 is the nearest backlog it will pass to the kernel.
      server.listen({ host, port, backlog: Math.max(1, backlog), exclusive: true, ipv6Only: false });
    });
  }

  accept(fd: number): { fd: number; address: Address } {
    return this.guard('accept', () => {
      const r = this.get(fd, 'accept');
      if (r.kind === 'udp') throw sysErr('accept', 'EOPNOTSUPP');
      const err = this.takeError(r);
      if (err) throw sysErr('listen', err, `listen: ${err} (Node reported it after listen() returned)`);
      if (r.mode !== 'listening') throw sysErr('accept', 'EINVAL');
      const sock = r.acceptQ.shift();
      if (!sock) throw sysErr('accept', 'EAGAIN');
      const nfd = this.socket(r.family, 'SOCK_STREAM');
      const child = this.table.get(nfd) as TcpRec;
      // Accepted sockets inherit the listener's options, as the kernel copies them.
      for (const [k, v] of r.opts) child.opts.set(k, v);
      if (process.platform !== 'win32') child.opts.set('SO_REUSEADDR', 1);
      child.mode = 'connected';
      this.adoptConnection(child, sock);
      return { fd: nfd, address: child.remote ?? [wildcard(r.family), 0] };
    });
  }

  connect(fd: number, address: Address): void {
    this.guard('connect', () => {
      const r = this.get(fd, 'connect');
      this.checkAddress(r, address, 'connect');
      const [host, port] = address;
      if (r.kind === 'udp') {
        if (port === 0) throw sysErr('connect', 'EINVAL', 'Node cannot connect a UDP socket to port 0');
        const dg = r.dg ?? this.udpSocket(r);
        if (r.connected) dg.disconnect();
        r.connected = false;
        // Connecting an unbound socket binds it first, synchronously with our lookup, as the kernel does.
        dg.connect(port, host, (err?: Error) => {
          if (err && this.table.get(fd) === r) {
            r.err = (err as NodeJS.ErrnoException).code ?? 'EIO';
            r.connected = false;
            this.kickSoon(r);
          }
        });
        r.connected = true;
        this.applyUdpOptions(r);
        return;
      }
      if (r.mode === 'listening' || r.mode === 'connected') throw sysErr('connect', 'EISCONN');
      if (r.mode === 'connecting') throw sysErr('connect', 'EALREADY');
      r.err = null;
      const sock = new net.Socket({ allowHalfOpen: true });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        // Errors after the handshake are handled by adoptConnection.
        if (r.sock !== sock || this.table.get(fd) !== r || r.mode !== 'connecting') return;
        // The handshake failed: the socket is unconnected again and SO_ERROR says why.
        r.err = err.code ?? 'EIO';
        r.mode = 'fresh';
        r.sock = null;
        sock.destroy();
        this.kickSoon(r);
      });
      sock.once('connect', () => {
        if (r.sock !== sock || this.table.get(fd) !== r) return;
        r.mode = 'connected';
        this.adoptConnection(r, sock);
        this.kickSoon(r);
      });
      r.sock = sock;
      r.mode = 'connecting';
      const opts: net.TcpSocketConnectOpts = { host, port, family: r.family === 'AF_INET6' ? 6 : 4 };
      if (r.bound) {
        opts.localAddress = r.bound[0];
        opts.localPort = r.bound[1];
        if (process.platform !== 'win32') r.opts.set('SO_REUSEADDR', 1); // uv_tcp_bind forces it
      }
      sock.connect(opts);
      // The SYN is on its way: the kernel would say the same to a non-blocking connect.
      throw sysErr('connect', 'EINPROGRESS');
    });
  }

  connectResult(fd: number): string | null {
    return this.guard('getsockopt', () => {
      const r = this.get(fd, 'getsockopt');
      if (r.kind === 'tcp' && r.mode === 'connecting') return null;
      return this.takeError(r);
    });
  }

  getsockname(fd: number): Address {
    return this.guard('getsockname', () => {
      const r = this.get(fd, 'getsockname');
      if (r.kind === 'udp') {
        const a = r.dg ? this.dgramAddress(r.dg) : null;
        return a ?? [wildcard(r.family), 0];
      }
      return this.tcpLocal(r) ?? r.bound ?? [wildcard(r.family), 0];
    });
  }

  getpeername(fd: number): Address {
    return this.guard('getpeername', () => {
      const r = this.get(fd, 'getpeername');
      if (r.kind === 'udp') {
        if (!r.connected || !r.dg) throw sysErr('getpeername', 'ENOTCONN');
        const a = r.dg.remoteAddress();
        return [a.address, a.port];
      }
      if (r.mode !== 'connected' || !r.remote || r.dead) throw sysErr('getpeername', 'ENOTCONN');
      return r.remote;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Bytes

  send(fd: number, data: Uint8Array): number {
    return this.guard('send', () => {
      const r = this.get(fd, 'send');
      if (r.kind === 'udp') {
        if (!r.connected || !r.dg) throw sysErr('send', 'EDESTADDRREQ');
        return this.udpSend(r, data, null, 'send');
      }
      const err = this.takeError(r);
      if (err) throw sysErr('send', err);
      if (r.mode === 'connecting') throw sysErr('send', 'EAGAIN');
      // Linux answers EPIPE for a socket that was never connected, was shut for writing, or is gone
      // (BSD says ENOTCONN for the first). MSG_NOSIGNAL semantics: no SIGPIPE, just the errno.
      if (r.mode !== 'connected' || !r.sock || r.wrShut || r.dead || r.sock.destroyed)
        throw sysErr('send', 'EPIPE');
      if (data.length === 0) return 0;
      const room = SEND_HWM - r.sock.writableLength;
      if (room <= 0) throw sysErr('send', 'EAGAIN');
      const n = Math.min(room, data.length);
      r.sock.write(Buffer.from(data.subarray(0, n)));
      return n;
    });
  }

  sendto(fd: number, data: Uint8Array, address: Address): number {
    return this.guard('sendto', () => {
      const r = this.get(fd, 'sendto');
      if (r.kind === 'tcp') return this.send(fd, data); // TCP ignores the address, as Linux does
      this.checkAddress(r, address, 'sendto');
      if (address[1] === 0) throw sysErr('sendto', 'EINVAL', 'cannot send to port 0');
      return this.udpSend(r, data, address, 'sendto');
    });
  }

  recv(fd: number, bufsize: number, peek: boolean): Uint8Array {
    return this.guard('recv', () => {
      const r = this.get(fd, 'recv');
      if (r.kind === 'udp') return this.recvfrom(fd, bufsize, peek).data;
      if (r.mode === 'connecting') throw sysErr('recv', 'EAGAIN');
      if (r.mode !== 'connected') throw sysErr('recv', 'ENOTCONN');
      if (bufsize === 0) return new Uint8Array(0);
      // Bytes already received come first; an error (a reset) is reported after them, once.
      if (r.buffered > 0) return this.take(r, bufsize, peek);
      const err = peek ? r.err : this.takeError(r);
      if (err) throw sysErr('recv', err);
      if (r.eof || r.rdShut || r.dead) return new Uint8Array(0);
      throw sysErr('recv', 'EAGAIN');
    });
  }

  recvInto(fd: number, into: Uint8Array): number {
    const data = this.recv(fd, into.length, false);
    into.set(data);
    return data.length;
  }

  recvfrom(fd: number, bufsize: number, peek: boolean): Datagram {
    return this.guard('recvfrom', () => {
      const r = this.get(fd, 'recvfrom');
      if (r.kind === 'tcp') {
        // For TCP the kernel fills in no address (Python shows None), as libc's recvfrom reports.
        const data = this.recv(fd, bufsize, peek);
        return { data, from: null, size: data.length };
      }
      const err = peek ? r.err : this.takeError(r);
      if (err) throw sysErr('recvfrom', err);
      const d = r.queue[0];
      if (!d) {
        if (r.rdShut) return { data: new Uint8Array(0), from: null, size: 0 };
        throw sysErr('recvfrom', 'EAGAIN');
      }
      if (!peek) {
        r.queue.shift();
        r.queued -= d.data.length;
      }
      // The datagram is cut to the buffer and the rest is lost, but its real size is reported (MSG_TRUNC).
      return { data: Buffer.from(d.data.subarray(0, bufsize)), from: d.from, size: d.data.length };
    });
  }

  shutdown(fd: number, how: ShutdownHow): void {
    this.guard('shutdown', () => {
      const r = this.get(fd, 'shutdown');
      const rd = how !== 'SHUT_WR';
      const wr = how !== 'SHUT_RD';
      if (r.kind === 'udp') {
        if (!r.connected) throw sysErr('shutdown', 'ENOTCONN');
        if (rd) {
          r.rdShut = true;
          r.queue = [];
          r.queued = 0;
        }
        if (wr) r.wrShut = true;
        this.kickSoon(r);
        return;
      }
      if (r.mode === 'listening') {
        // Linux: SHUT_RD on a listener stops it listening; SHUT_WR does nothing.
        if (rd) this.stopListening(r);
        this.kickSoon(r);
        return;
      }
      if (r.mode !== 'connected' || !r.sock || r.dead) throw sysErr('shutdown', 'ENOTCONN');
      if (wr && !r.wrShut) {
        r.wrShut = true;
        r.sock.end(); // the FIN goes out after the bytes already queued: a real half-close
      }
      if (rd && !r.rdShut) {
        r.rdShut = true;
        r.sock.pause(); // what the gateway already holds can still be recv'd, then recv() returns 0
      }
      this.kickSoon(r);
    });
  }

  close(fd: number): number {
    // node:net never waits in close(): a linger is only remembered here, and nothing is waited out.
    this.guard('close', () => {
      const r = this.get(fd, 'close');
      this.table.delete(fd);
      r.readers.clear();
      r.writers.clear();
      if (r.immediate) clearImmediate(r.immediate);
      r.immediate = null;
      if (r.kind === 'udp') {
        if (r.dg) this.closeDgram(r.dg);
        r.dg = null;
        return;
      }
      this.stopListening(r);
      const sock = r.sock;
      r.sock = null;
      if (!sock || sock.destroyed) return;
      const linger = r.opts.get('SO_LINGER');
      if (r.buffered > 0 || (typeof linger === 'object' && linger.onoff !== 0 && linger.linger === 0)) {
        // Closing with unread bytes (or SO_LINGER {1, 0}) makes the kernel send RST, not FIN (RFC 2525).
        this.reset(sock);
      } else if (sock.writableLength > 0) {
        // The kernel keeps sending what was queued after close(); so does Node, for a while.
        const timer = setTimeout(() => sock.destroy(), CLOSE_FLUSH_MS);
        timer.unref();
        sock.once('close', () => clearTimeout(timer));
        sock.destroySoon();
      } else {
        sock.destroy();
      }
    });
    return 0;
  }

  // -------------------------------------------------------------------------------------------
  // Options

  setsockopt(fd: number, option: SocketOption, value: OptionValue): void {
    this.guard('setsockopt', () => {
      const r = this.get(fd, 'setsockopt');
      if (option === 'SO_ERROR' || option === 'SO_TYPE' || option === 'SO_ACCEPTCONN') {
        throw sysErr('setsockopt', 'ENOPROTOOPT', `${option} can only be read`);
      }
      if (option === 'TCP_NODELAY' && r.kind === 'udp') throw sysErr('setsockopt', 'ENOPROTOOPT');
      let v: OptionValue;
      if (option === 'SO_LINGER') {
        v = typeof value === 'number' ? { onoff: value ? 1 : 0, linger: value } : value;
      } else {
        if (typeof value !== 'number') throw sysErr('setsockopt', 'EINVAL');
        const flag = option !== 'SO_RCVBUF' && option !== 'SO_SNDBUF';
        v = flag ? (value ? 1 : 0) : value;
      }
      r.opts.set(option, v);
      if (r.kind === 'udp') {
        this.applyUdpOptions(r, true);
      } else if (r.mode === 'connected' && r.sock && !r.sock.destroyed) {
        this.applyTcpOptions(r, r.sock);
      }
    });
  }

  getsockopt(fd: number, option: SocketOption): OptionValue {
    return this.guard('getsockopt', () => {
      const r = this.get(fd, 'getsockopt');
      switch (option) {
        case 'SO_ERROR': {
          const err = r.kind === 'tcp' && r.mode === 'connecting' ? null : this.takeError(r);
          return err ? (ERRNO[err] ?? 0) : 0;
        }
        case 'SO_TYPE':
          return r.kind === 'udp' ? 2 : 1;
        case 'SO_ACCEPTCONN':
          return r.kind === 'tcp' && r.mode === 'listening' ? 1 : 0;
        case 'TCP_NODELAY':
          if (r.kind === 'udp') throw sysErr('getsockopt', 'ENOPROTOOPT');
          return r.opts.get(option) ?? 0;
        case 'SO_REUSEADDR':
          // libuv sets SO_REUSEADDR itself whenever it binds a TCP socket (not on Windows).
          if (r.kind === 'tcp' && r.mode === 'listening' && process.platform !== 'win32') return 1;
          return r.opts.get(option) ?? 0;
        case 'SO_RCVBUF':
        case 'SO_SNDBUF': {
          if (r.kind === 'udp' && r.dg && this.dgramAddress(r.dg)) {
            try {
              return option === 'SO_RCVBUF' ? r.dg.getRecvBufferSize() : r.dg.getSendBufferSize();
            } catch {
              // not bound after all: fall through to the remembered value
            }
          }
          return r.opts.get(option) ?? (option === 'SO_RCVBUF' ? 131_072 : 16_384);
        }
        case 'SO_LINGER':
          return r.opts.get(option) ?? { onoff: 0, linger: 0 };
        case 'SO_REUSEPORT':
        case 'SO_KEEPALIVE':
        case 'SO_BROADCAST':
          return r.opts.get(option) ?? 0;
        default: {
          const unhandled: never = option;
          throw sysErr('getsockopt', 'ENOPROTOOPT', `unknown option ${String(unhandled)}`);
        }
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Readiness and state

  wait(fd: number, interest: 'readable' | 'writable', ready: () => void): Disposable {
    const r = this.get(fd, 'poll');
    const waiter: Waiter = { ready };
    const set = interest === 'readable' ? r.readers : r.writers;
    set.add(waiter);
    // Never call back from inside wait(): the check runs again on the next turn of the loop.
    if (this.isReady(r, interest)) this.kickSoon(r);
    return {
      dispose: () => {
        set.delete(waiter);
      },
    };
  }

  poll(asks: readonly PollAsk[]): PollAnswer[] {
    return asks.map((a) => {
      const r = this.get(a.fd, 'poll');
      return {
        readable: a.read && this.isReady(r, 'readable'),
        writable: a.write && this.isReady(r, 'writable'),
        // node:net has no out-of-band data: nothing is ever urgent here.
        urgent: false,
        hangup: a.read && r.rdShut,
      };
    });
  }

  watch(fd: number, ready: () => void): Disposable {
    // One wait after another: the model's readiness is its own events, so re-arming costs nothing.
    let current: Disposable | null = null;
    let live = true;
    const arm = () => {
      current = this.wait(fd, 'readable', () => {
        if (!live) return;
        ready();
        if (live && this.table.has(fd)) arm();
      });
    };
    arm();
    return {
      dispose: () => {
        live = false;
        current?.dispose();
      },
    };
  }

  inspect(fd: number): FdState | null {
    const r = this.table.get(fd);
    if (!r) return null;
    if (r.kind === 'udp') {
      let sendQ = 0;
      try {
        if (r.dg && this.dgramAddress(r.dg)) sendQ = r.dg.getSendQueueSize();
      } catch {
        sendQ = 0;
      }
      // FIONREAD on a UDP socket gives the size of the next datagram, which is what libc's engine shows.
      const recvQ = r.queue[0]?.data.length ?? 0;
      return { proto: 'udp', state: r.connected ? 'ESTABLISHED' : 'UNCONN', recvQ, sendQ };
    }
    if (r.mode === 'listening') {
      return {
        proto: 'tcp',
        state: 'LISTEN',
        recvQ: 0,
        sendQ: 0,
        acceptQ: r.acceptQ.length,
        backlog: r.backlog,
      };
    }
    const sendQ = r.sock && !r.sock.destroyed ? r.sock.writableLength : 0;
    if (r.mode === 'connecting') return { proto: 'tcp', state: 'SYN_SENT', recvQ: 0, sendQ };
    if (r.mode === 'fresh') return { proto: 'tcp', state: 'CLOSED', recvQ: 0, sendQ: 0 };
    return { proto: 'tcp', state: this.tcpState(r), recvQ: r.buffered, sendQ };
  }

  sendQueue(fd: number): number {
    return this.inspect(fd)?.sendQ ?? 0;
  }

  async kernelTable(): Promise<KernelRow[] | null> {
    return null; // Node cannot list sockets that have no fd
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private tcpRec(base: Base): TcpRec {
    return {
      ...base,
      kind: 'tcp',
      mode: 'fresh',
      bound: null,
      server: null,
      backlog: 0,
      acceptQ: [],
      sock: null,
      chunks: [],
      buffered: 0,
      eof: false,
      wrShut: false,
      finished: false,
      rdShut: false,
      dead: false,
      local: null,
      remote: null,
    };
  }

  /** Every port method runs here, so nothing but SyscallError ever leaves one. */
  private guard<T>(syscall: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SyscallError) throw err;
      throw this.fromNode(syscall, err);
    }
  }

  private fromNode(syscall: string, err: unknown): SyscallError {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code && ERRNO[code] !== undefined) return sysErr(syscall, code);
    if (code?.startsWith('ERR_')) return sysErr(syscall, 'EINVAL', `${syscall}: ${(err as Error).message}`);
    console.error(`[fallback] ${syscall} failed unexpectedly`, err);
    return sysErr(syscall, 'EIO', `${syscall}: internal error in the fallback engine`);
  }

  private get(fd: number, syscall: string): Rec {
    const r = this.table.get(fd);
    if (!r) throw sysErr(syscall, 'EBADF');
    return r;
  }

  private takeError(r: Rec): string | null {
    const err = r.err;
    r.err = null;
    return err;
  }

  private checkAddress(r: Rec, [host, port]: Address, syscall: string): void {
    const ok = r.family === 'AF_INET6' ? net.isIPv6(host) : net.isIPv4(host);
    if (!ok) {
      throw sysErr(
        syscall,
        'EAFNOSUPPORT',
        `${host} is not an ${r.family === 'AF_INET6' ? 'IPv6' : 'IPv4'} address`,
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw sysErr(syscall, 'EINVAL');
  }

  /** What the kernel checks at bind(): the address must belong to this host. */
  private isLocalAddress(host: string): boolean {
    if (host === '0.0.0.0' || host === '::' || host.includes('%')) return true;
    // An IPv6 socket may bind an IPv4-mapped address (::ffff:127.0.0.1): the IPv4 part must be ours.
    if (host.toLowerCase().startsWith('::ffff:') && net.isIPv4(host.slice(7)))
      return this.isLocalAddress(host.slice(7));
    // Linux answers for all of 127.0.0.0/8 on the loopback interface.
    if (process.platform === 'linux' && host.startsWith('127.')) return true;
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (a.address === host) return true;
    }
    return false;
  }

  /**
   * The kernel's bind table, as far as this engine's own sockets go: a listener always holds its
   * port; two merely bound sockets may share one only when both set SO_REUSEADDR.
   */
  private tcpConflict(self: TcpRec, [host, port]: Address, at: 'bind' | 'listen'): boolean {
    if (port === 0) return false;
    for (const o of this.table.values()) {
      if (o === self || o.kind !== 'tcp') continue;
      const addr = o.mode === 'listening' ? (this.tcpLocal(o) ?? o.bound) : o.bound;
      if (!addr || addr[1] !== port || !overlaps(addr[0], host)) continue;
      if (o.mode === 'listening') return true;
      if (at === 'bind' && !(self.opts.get('SO_REUSEADDR') && o.opts.get('SO_REUSEADDR'))) return true;
    }
    return false;
  }

  private tcpLocal(r: TcpRec): Address | null {
    if (r.mode === 'listening' && r.server) {
      const a = r.server.address();
      return a && typeof a === 'object' ? [a.address, a.port] : null;
    }
    if (r.local) return r.local;
    if (r.sock?.localPort !== undefined && r.sock.localAddress !== undefined)
      return [r.sock.localAddress, r.sock.localPort];
    return null;
  }

  private tcpState(r: TcpRec): TcpState {
    if (r.dead || (r.eof && r.finished)) return 'CLOSED';
    if (r.eof) return r.wrShut ? 'LAST_ACK' : 'CLOSE_WAIT';
    if (r.wrShut) return r.finished ? 'FIN_WAIT2' : 'FIN_WAIT1';
    return 'ESTABLISHED';
  }

  /** A connected Node socket becomes this fd's: start reading into the gateway's buffer. */
  private adoptConnection(r: TcpRec, sock: net.Socket): void {
    r.sock = sock;
    r.local =
      sock.localAddress !== undefined && sock.localPort !== undefined
        ? [sock.localAddress, sock.localPort]
        : null;
    r.remote =
      sock.remoteAddress !== undefined && sock.remotePort !== undefined
        ? [sock.remoteAddress, sock.remotePort]
        : null;
    const live = () => r.sock === sock && this.table.get(r.fd) === r;
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!live() || r.dead) return;
      r.err = err.code ?? 'EIO';
      r.dead = true;
      this.kickSoon(r);
    });
    if (sock.destroyed) r.dead = true;
    sock.on('data', (chunk: Buffer) => {
      if (!live()) return;
      r.chunks.push(chunk);
      r.buffered += chunk.length;
      if (r.buffered >= RECV_HWM) sock.pause();
      this.kickSoon(r);
    });
    sock.on('end', () => {
      if (!live()) return;
      r.eof = true;
      this.kickSoon(r);
    });
    sock.on('finish', () => {
      if (!live()) return;
      r.finished = true;
      this.kickSoon(r);
    });
    sock.on('close', () => {
      if (!live()) return;
      if (!r.eof || !r.finished) r.dead = true;
      this.kickSoon(r);
    });
    sock.on('drain', () => {
      if (live()) this.kickSoon(r);
    });
    this.applyTcpOptions(r, sock);
    sock.resume();
  }

  private applyTcpOptions(r: TcpRec, sock: net.Socket): void {
    if (r.opts.has('TCP_NODELAY')) sock.setNoDelay(r.opts.get('TCP_NODELAY') === 1);
    if (r.opts.has('SO_KEEPALIVE')) sock.setKeepAlive(r.opts.get('SO_KEEPALIVE') === 1);
  }

  /** Takes (or peeks at) up to n received bytes, and resumes reading once there is room again. */
  private take(r: TcpRec, n: number, peek: boolean): Uint8Array {
    const want = Math.min(n, r.buffered);
    const out = Buffer.allocUnsafe(want);
    let got = 0;
    let i = 0;
    while (got < want) {
      const c = r.chunks[i]!;
      const k = Math.min(c.length, want - got);
      c.copy(out, got, 0, k);
      got += k;
      if (peek) i++;
      else if (k === c.length) r.chunks.shift();
      else r.chunks[0] = c.subarray(k);
    }
    if (!peek) {
      r.buffered -= want;
      if (r.buffered < RECV_HWM && r.sock && !r.rdShut && !r.sock.destroyed && r.sock.isPaused())
        r.sock.resume();
    }
    return out;
  }

  private stopListening(r: TcpRec): void {
    const server = r.server;
    r.server = null;
    if (r.mode === 'listening') r.mode = 'fresh';
    // The kernel resets connections still waiting in the accept queue when their listener goes.
    for (const sock of r.acceptQ.splice(0)) this.reset(sock);
    if (server) server.close();
  }

  private reset(sock: net.Socket): void {
    try {
      sock.resetAndDestroy();
    } catch {
      sock.destroy();
    }
  }

  private udpSocket(r: UdpRec): dgram.Socket {
    const dg = dgram.createSocket({
      type: r.family === 'AF_INET6' ? 'udp6' : 'udp4',
      lookup: numericLookup as unknown as dgram.SocketOptions['lookup'],
      reuseAddr: r.opts.get('SO_REUSEADDR') === 1,
      ipv6Only: false,
    });
    const live = () => r.dg === dg && this.table.get(r.fd) === r;
    dg.on('error', (err: NodeJS.ErrnoException) => {
      // ICMP port unreachable on a connected socket arrives here (recvmsg: ECONNREFUSED), as the kernel
      // would report it on the next call.
      if (!live()) return;
      r.err = err.code ?? 'EIO';
      this.kickSoon(r);
    });
    dg.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (!live() || r.rdShut) return;
      if (r.queued + msg.length > UDP_QUEUE_MAX) return; // a full receive buffer drops the datagram
      r.queue.push({ data: msg, from: [rinfo.address, rinfo.port] });
      r.queued += msg.length;
      this.kickSoon(r);
    });
    r.dg = dg;
    return dg;
  }

  /**
   * dgram applies options only to a bound socket: they are applied when it gets bound. Only a
   * setsockopt() call itself reports a value the kernel refuses.
   */
  private applyUdpOptions(r: UdpRec, strict = false): void {
    const dg = r.dg;
    if (!dg || !this.dgramAddress(dg)) return;
    try {
      this.applyUdpOptionsTo(r, dg);
    } catch (err) {
      if (strict) throw err;
    }
  }

  private applyUdpOptionsTo(r: UdpRec, dg: dgram.Socket): void {
    const num = (o: SocketOption) => {
      const v = r.opts.get(o);
      return typeof v === 'number' ? v : undefined;
    };
    const broadcast = num('SO_BROADCAST');
    if (broadcast !== undefined) dg.setBroadcast(broadcast === 1);
    const rcv = num('SO_RCVBUF');
    if (rcv !== undefined && rcv > 0) dg.setRecvBufferSize(rcv);
    const snd = num('SO_SNDBUF');
    if (snd !== undefined && snd > 0) dg.setSendBufferSize(snd);
  }

  private udpSend(r: UdpRec, data: Uint8Array, to: Address | null, syscall: string): number {
    const err = this.takeError(r);
    if (err) throw sysErr(syscall, err);
    if (r.wrShut) throw sysErr(syscall, 'EPIPE');
    if (data.length > (r.family === 'AF_INET6' ? MAX_UDP6 : MAX_UDP4)) throw sysErr(syscall, 'EMSGSIZE');
    const dg = r.dg ?? this.udpSocket(r);
    const onSent = (e: Error | null) => {
      if (e && r.dg === dg && this.table.get(r.fd) === r) {
        r.err = (e as NodeJS.ErrnoException).code ?? 'EIO';
        this.kickSoon(r);
      }
    };
    const buf = Buffer.from(data);
    if (r.connected) {
      const peer = dg.remoteAddress();
      if (to && (to[0] !== peer.address || to[1] !== peer.port)) throw sysErr(syscall, 'EISCONN');
      dg.send(buf, onSent);
    } else {
      if (!to) throw sysErr(syscall, 'EDESTADDRREQ');
      // An unbound socket is bound to the wildcard address on its first send, as the kernel does.
      dg.send(buf, to[1], to[0], onSent);
      this.applyUdpOptions(r);
    }
    return data.length;
  }

  private dgramAddress(dg: dgram.Socket): Address | null {
    try {
      const a = dg.address();
      return [a.address, a.port];
    } catch {
      return null; // not bound yet
    }
  }

  private closeDgram(dg: dgram.Socket): void {
    try {
      dg.close();
    } catch {
      // already closed
    }
  }

  // Readiness, as poll(2) would report it for the modelled socket.
  private isReady(r: Rec, interest: 'readable' | 'writable'): boolean {
    if (r.err !== null) return true;
    if (r.kind === 'udp') {
      if (interest === 'writable') return true;
      return r.queue.length > 0 || r.rdShut;
    }
    switch (r.mode) {
      case 'listening':
        return interest === 'readable' && r.acceptQ.length > 0;
      case 'connecting':
        return false;
      case 'fresh':
        return true; // an unconnected TCP socket polls as POLLOUT|POLLHUP: the retried call says why
      case 'connected': {
        if (r.dead || !r.sock || r.sock.destroyed) return true;
        if (interest === 'readable') return r.buffered > 0 || r.eof || r.rdShut;
        return r.wrShut || r.sock.writableLength < SEND_HWM;
      }
      default: {
        const unhandled: never = r.mode;
        return unhandled;
      }
    }
  }

  /** Wakes, on the next turn of the loop, the waiters whose condition holds then. */
  private kickSoon(r: Rec): void {
    if (r.immediate || (r.readers.size === 0 && r.writers.size === 0)) return;
    r.immediate = setImmediate(() => {
      r.immediate = null;
      if (this.table.get(r.fd) !== r) return;
      const due: Waiter[] = [];
      if (r.readers.size > 0 && this.isReady(r, 'readable')) {
        due.push(...r.readers);
        r.readers.clear();
      }
      if (r.writers.size > 0 && this.isReady(r, 'writable')) {
        due.push(...r.writers);
        r.writers.clear();
      }
      for (const w of due) {
        try {
          w.ready();
        } catch (err) {
          console.error('[fallback] a readiness callback threw', err);
        }
      }
    });
  }
}
