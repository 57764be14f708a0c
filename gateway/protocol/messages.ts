// The wire contract between the page and the gateway: every message type, the protocol version and
// the one validator for what the browser sends. Pure data and functions: no I/O, no Node, no DOM.
//
// # How a conversation goes
//
// One WebSocket per browser tab. Every message is JSON in a text frame, except the traffic of
// streamed sockets on a connection that asked for binary records (see Binary records below).
//
// 1. The page sends `hello { id, protocol, resume?, binary? }`. The gateway answers `welcome` (with the
//    session's id, a resume token, the engine in use, the ports this session may bind and the lesson
//    servers) or `error` (e.g. EGW_PROTOCOL_VERSION) and closes. A page that reloads within the grace
//    period sends the resume token it was given and gets the same session and sockets back.
// 2. Requests from the page carry an `id` (any string of 1..64 chars, unique among the page's
//    outstanding requests). Each request gets exactly ONE reply carrying the same id:
//      call    -> call-returned | call-failed   (also trace events: they carry `seq` and `t`)
//      write   -> written | failed
//      cancel  -> ack | error
//      sockets -> sockets
//      ping    -> pong
//    A request the gateway cannot understand gets `error { id, code, message }` naming what was
//    wrong (id is null when none could be read), and the session carries on.
// 3. Events stream without being asked, in order. Every trace message (call-started, call-blocked,
//    call-returned, call-failed, data, state-changed, stream-ended, server-call, notice) carries `seq` (1, 2, 3... per session)
//    and `t` (monotonic milliseconds since the session began): enough to draw a faithful diagram.
//
// Bytes travel as base64 in `data` fields, so any byte value survives JSON.
//
// # Streams: nc in the browser
//
// Stepping send() and recv() is the lesson; a raw session (type bytes, see what comes back, as nc or
// telnet would) wants the bytes to flow by themselves. `connect` and `accept` with `stream: true`
// make the gateway run nc's read loop on the connected socket from the moment it exists: whenever the
// kernel has bytes it calls recv() (up to 64 KiB) and pushes them as a `data` event (direction "in");
// when recv() returns 0 (the peer's FIN) or fails (ECONNRESET...) it pushes `stream-ended` and stops
// reading. The socket stays open until the page closes it. While the page reads slowly the gateway
// stops reading, and the kernel's buffers (then TCP's flow control) hold the peer back. A stepped
// recv() on a streamed socket is refused (EGW_STREAMING): the stream takes the bytes.
//
// `write { socket, data }` sends every byte (as sendall does), in order after the socket's earlier
// writes, and replies `written { bytes }` once the kernel took them all, or `failed` (EPIPE...); each
// piece the kernel took is also a `data` event (direction "out"). A socket may have at most
// MAX_PENDING_WRITE bytes waiting to be written. Replies to writes and their data events are not
// urgent, nor are the `state-changed` events of sockets whose bytes are moving (read a few times a
// second, not after a call): the gateway may hold them up to 40 ms to send them with the next
// urgent message (so an echo costs one frame each way).
//
// The gateway may put several messages in one frame as a JSON array, in order (all the events of
// one call leave together); a page must accept both a single object and an array. The page sends
// one message per frame.
//
// # Binary records
//
// A page that says `hello { binary: true }` (and is answered `welcome { binary: true }`) may send its
// `write`s as binary frames, and gets every streamed socket's `data` events and every `written` reply
// as binary records, several to a binary frame; records.ts has the layout, and decodes them into the
// very messages above. A frame that has records carries the other messages of the same moment too,
// as JSON records among them, so a page reading frames (text and binary) in arrival order sees every
// message in `seq` order. The choice is per connection (a page reloaded without it gets JSON,
// including what was held for it while it was away).

export const PROTOCOL_VERSION = 1;

/**
 * Largest WebSocket message the gateway accepts from a page, in bytes. A larger one, up to
 * MAX_FRAME_BYTES, is answered with EGW_TOO_BIG (naming its id when its first bytes do) and the
 * session goes on.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Largest WebSocket message the gateway reads at all: a larger one ends the connection (close code
 * 1009), as no page sends one. A tab away that long loses nothing: its session waits out the grace
 * period for it. The bound is what one connection can make the gateway hold: 120 tabs × 256 KiB.
 */
export const MAX_FRAME_BYTES = 4 * MAX_MESSAGE_BYTES;

/**
 * Most bytes a page puts in one message (a send's data, a write): their base64 and the JSON around
 * them stay well inside MAX_MESSAGE_BYTES. More goes in pieces.
 */
export const MAX_DATA_BYTES = 32 * 1024;

/** Longest timeout a call takes (settimeout, select), in seconds: a day. */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** Longest host name a call carries (a resolver knows none longer), in characters. */
export const MAX_HOST_NAME = 255;
/** Longest address text gethostbyaddr takes, and longest service name getservbyname takes. */
export const MAX_SHORT_NAME = 64;

/**
 * CallError codes of a failed reverse lookup (gethostbyaddr): h_errno's names, with its numbers as
 * errno (HOST_NOT_FOUND 1, TRY_AGAIN 2, NO_RECOVERY 3). Python raises socket.herror for these and
 * socket.gaierror for the EAI_* codes.
 */
export const HOST_ERROR_CODES: ReadonlySet<string> = new Set(['HOST_NOT_FOUND', 'TRY_AGAIN', 'NO_RECOVERY']);

/** Most bytes one streamed socket may have waiting to be written (sent by `write`, not yet taken by the kernel). */
export const MAX_PENDING_WRITE = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Vocabulary

export type Family = 'AF_INET' | 'AF_INET6';
export type SockType = 'SOCK_STREAM' | 'SOCK_DGRAM';
export type ShutdownHow = 'SHUT_RD' | 'SHUT_WR' | 'SHUT_RDWR';
export type RecvFlag = 'MSG_PEEK' | 'MSG_DONTWAIT' | 'MSG_WAITALL';

/** Socket options a student can set, by their POSIX names. */
export const SOCKET_OPTIONS = {
  SO_REUSEADDR: 'SOL_SOCKET',
  SO_REUSEPORT: 'SOL_SOCKET',
  SO_RCVBUF: 'SOL_SOCKET',
  SO_SNDBUF: 'SOL_SOCKET',
  SO_KEEPALIVE: 'SOL_SOCKET',
  SO_LINGER: 'SOL_SOCKET',
  SO_BROADCAST: 'SOL_SOCKET',
  SO_ERROR: 'SOL_SOCKET',
  SO_TYPE: 'SOL_SOCKET',
  SO_ACCEPTCONN: 'SOL_SOCKET',
  TCP_NODELAY: 'IPPROTO_TCP',
} as const;
export type SocketOption = keyof typeof SOCKET_OPTIONS;
export type OptionLevel = (typeof SOCKET_OPTIONS)[SocketOption];

/** SO_LINGER's value is a pair; every other option is an integer. */
export type OptionValue = number | { onoff: number; linger: number };

/** An address as Python writes it: (host, port). For AF_INET6 the host is the bare IPv6 text. */
export type Address = readonly [host: string, port: number];

/** TCP states with their RFC 793 names, as the kernel reports them; UNCONN for an unconnected UDP socket. */
export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSED'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'UNCONN';

// ---------------------------------------------------------------------------------------------
// Calls: one system call (or one resolver question) per request, named as POSIX names it.

export type Call =
  | { op: 'socket'; family: Family; type: SockType }
  | { op: 'setsockopt'; socket: string; option: SocketOption; value: OptionValue }
  | { op: 'getsockopt'; socket: string; option: SocketOption }
  | { op: 'bind'; socket: string; address: Address }
  | { op: 'listen'; socket: string; backlog: number }
  /** stream: the gateway reads the new connection as it gets bytes (see Streams above). */
  | { op: 'accept'; socket: string; stream?: boolean }
  | { op: 'connect'; socket: string; address: Address; stream?: boolean }
  /** Like connect, but a refusal is a result (the errno), not a failure, as Python's connect_ex. */
  | { op: 'connect_ex'; socket: string; address: Address }
  | { op: 'send'; socket: string; data: string }
  | { op: 'sendall'; socket: string; data: string }
  | { op: 'sendto'; socket: string; data: string; address: Address }
  | { op: 'recv'; socket: string; bufsize: number; flags?: RecvFlag[] }
  | { op: 'recvfrom'; socket: string; bufsize: number; flags?: RecvFlag[] }
  | { op: 'shutdown'; socket: string; how: ShutdownHow }
  | { op: 'close'; socket: string }
  | { op: 'getsockname'; socket: string }
  | { op: 'getpeername'; socket: string }
  /** seconds > 0: calls give up with EGW_TIMEOUT; 0: non-blocking; null: block forever (the default). */
  | { op: 'settimeout'; socket: string; seconds: number | null }
  | { op: 'setblocking'; socket: string; blocking: boolean }
  /**
   * Waits until one of the sockets is ready to read (`read`), to write (`write`) or has urgent data
   * (`except`), as select(2): answers at once with those ready now; else blocks (call-blocked) until
   * one of `read` or `write` is, or `timeout` seconds pass (then every list comes back empty; 0 only
   * looks, null waits for ever). Readiness is the kernel's: a listener with a connection queued,
   * bytes or a FIN or an error to read, room to write, TCP urgent data (POLLPRI).
   */
  | { op: 'select'; read: string[]; write: string[]; except: string[]; timeout: number | null }
  | { op: 'gethostname' }
  | { op: 'gethostbyname'; name: string }
  | { op: 'getaddrinfo'; host: string; port: number | null; family?: Family; type?: SockType }
  | { op: 'gethostbyaddr'; address: string }
  | { op: 'getservbyname'; name: string; proto: 'tcp' | 'udp' }
  | { op: 'getservbyport'; port: number; proto: 'tcp' | 'udp' };

export type CallOp = Call['op'];

/** What each call returns when it succeeds. */
export type CallResult =
  | { op: 'socket'; socket: string; fd: number; family: Family; type: SockType }
  | { op: 'accept'; socket: string; fd: number; address: Address; local: Address }
  | { op: 'send' | 'sendall' | 'sendto'; bytes: number }
  | { op: 'recv'; data: string; bytes: number }
  | {
      op: 'recvfrom';
      data: string;
      bytes: number;
      /** The sender; null when the kernel gave none (TCP: Python's recvfrom then returns None). */
      address: Address | null;
      truncated: boolean;
      datagramBytes: number;
    }
  /** local: the address the kernel bound (the ephemeral port); remote: the peer, as getpeername says. */
  | { op: 'connect'; local: Address; remote: Address }
  /** local and remote as for connect, when errno is 0. */
  | { op: 'connect_ex'; errno: number; errnoName: string | null; local?: Address; remote?: Address }
  /** The sockets of the call's lists that are ready, each once, in the order they were asked. */
  | { op: 'select'; read: string[]; write: string[]; except: string[] }
  | { op: 'getsockname' | 'getpeername'; address: Address }
  | { op: 'getsockopt'; value: OptionValue }
  | { op: 'gethostname'; name: string }
  | { op: 'gethostbyname'; address: string }
  | { op: 'getaddrinfo'; entries: AddrInfo[] }
  | { op: 'gethostbyaddr'; name: string; aliases: string[]; addresses: string[] }
  | { op: 'getservbyname'; port: number }
  | { op: 'getservbyport'; name: string }
  | {
      op: 'setsockopt' | 'bind' | 'listen' | 'shutdown' | 'close' | 'settimeout' | 'setblocking';
    };

/** The result type of one op, e.g. ResultOf<'accept'>. */
export type ResultOf<Op extends CallOp> = CallResult extends infer R
  ? R extends { op: infer O }
    ? Op extends O
      ? R
      : never
    : never
  : never;

export interface AddrInfo {
  family: Family;
  type: SockType;
  address: Address;
}

/**
 * A failed call keeps the operating system's facts. `code` is the kernel's errno name (EADDRINUSE,
 * ECONNREFUSED...) with `errno` its number on the gateway's host, or a gateway rule (EGW_...) with
 * `errno` null. `explain` is one plain sentence a student can act on.
 */
export interface CallError {
  code: string;
  errno: number | null;
  syscall: string;
  message: string;
  explain: string;
  address?: Address;
  /** For gateway rules: the option an instructor would change to allow it. */
  option?: string;
}

// ---------------------------------------------------------------------------------------------
// Kernel state, as the kernel reports it.

export interface KernelSocket {
  /** The handle of a socket the program holds, or `k:` + 4-tuple for one with no fd (TIME_WAIT, backlog). */
  socket: string;
  fd: number | null;
  program: string | null;
  proto: 'tcp' | 'udp';
  state: TcpState;
  local: Address | null;
  remote: Address | null;
  /** Bytes the kernel holds that the program has not recv'd yet. */
  recvQ: number;
  /** Bytes sent by the program that the peer has not acknowledged yet. */
  sendQ: number;
  /** Listeners: connections completed by the kernel, waiting for accept(). */
  acceptQ?: number;
  /** Listeners: the backlog the kernel is using. */
  backlog?: number;
  /** SYN_SENT: how many times the kernel sent the SYN again, no answer having come (a full backlog drops it). */
  synRetries?: number;
  /** True once the kernel has forgotten the socket entirely, or it left the no-fd list. */
  gone?: boolean;
  /** A connection gone from the backlog because accept() gave it an fd: that socket's handle. */
  accepted?: string;
}

// ---------------------------------------------------------------------------------------------
// Client -> gateway

export type ClientMessage =
  | { type: 'hello'; id: string; protocol: number; resume?: string; binary?: boolean }
  | { type: 'call'; id: string; program: string; call: Call }
  | { type: 'write'; id: string; socket: string; data: string }
  | { type: 'cancel'; id: string; call: string }
  | { type: 'sockets'; id: string }
  | { type: 'ping'; id: string };

// ---------------------------------------------------------------------------------------------
// Gateway -> client

export interface Trace {
  seq: number;
  t: number;
}

export interface EngineInfo {
  /** 'libc': every step is the real system call. 'fallback': Node's net/dgram, with merged steps. */
  kind: 'libc' | 'fallback';
  platform: string;
  /** Plain sentences on what this engine cannot show separately; empty for the real engine. */
  merges: string[];
}

/** The lesson servers the gateway runs; lessons name them as placeholders ({echo}, {udp-echo}...). */
export type LessonServerName =
  | 'echo'
  | 'capitalize'
  | 'counter'
  | 'addressbook'
  | 'names'
  | 'roulette'
  | 'http'
  | 'udp-echo';

export interface LessonServerInfo {
  name: string;
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
  description: string;
}

export type ServerMessage =
  | {
      type: 'welcome';
      id: string;
      protocol: number;
      session: string;
      resumeToken: string;
      resumed: boolean;
      /** Streams' traffic comes as binary records and writes may be sent so (see Binary records). */
      binary: boolean;
      engine: EngineInfo;
      /** Ports this session may bind; lessons write them as placeholders the page fills in. */
      ports: number[];
      bindHosts: string[];
      lessonServers: LessonServerInfo[];
      /** pageEvents: trace events the page keeps for its diagram, dropping the oldest (--page-events). */
      limits: { sockets: number; messageBytes: number; callsPerSecond: number; pageEvents: number };
    }
  | ({ type: 'call-started'; id: string; program: string; call: Call } & Trace)
  /** select() waits for any of its sockets: `readable` when its read list names one, else `writable`. */
  | ({ type: 'call-blocked'; id: string; program: string; waitingFor: 'readable' | 'writable' } & Trace)
  | ({ type: 'call-returned'; id: string; program: string; call: Call; result: CallResult } & Trace)
  | ({ type: 'call-failed'; id: string; program: string; call: Call; error: CallError } & Trace)
  | ({
      type: 'data';
      socket: string;
      program: string;
      direction: 'out' | 'in';
      data: string;
      bytes: number;
      peer: Address | null;
      /** Read by a stream's loop (see Streams): no call of the program's took these bytes. */
      streamed?: boolean;
    } & Trace)
  | ({ type: 'state-changed'; kernel: KernelSocket } & Trace)
  /** A streamed socket's read loop stopped: the peer's FIN (recv returned 0), or an error (ECONNRESET...). */
  | ({
      type: 'stream-ended';
      socket: string;
      program: string;
      reason: 'eof' | 'error';
      error?: CallError;
    } & Trace)
  /** A lesson server's own call, on its lifeline, in the diagram of the session it is talking to. */
  | ({
      type: 'server-call';
      server: string;
      syscall: 'accept' | 'recv' | 'send' | 'close' | 'recvfrom' | 'sendto';
      local: Address;
      remote: Address;
      data?: string;
      bytes?: number;
    } & Trace)
  | ({ type: 'notice'; level: 'info' | 'warning'; message: string } & Trace)
  | { type: 'ack'; id: string }
  | { type: 'written'; id: string; bytes: number }
  /** A write the kernel or a gateway rule refused. */
  | { type: 'failed'; id: string; error: CallError }
  | { type: 'sockets'; id: string; sockets: KernelSocket[] }
  | { type: 'pong'; id: string; t: number }
  | { type: 'error'; id: string | null; code: ProtocolErrorCode; message: string };

export type ProtocolErrorCode =
  | 'EGW_PROTO'
  | 'EGW_PROTOCOL_VERSION'
  | 'EGW_TOO_BIG'
  | 'EGW_RATE_LIMITED'
  | 'EGW_NOT_READY'
  | 'EGW_NO_SUCH_CALL'
  | 'EGW_INTERNAL';

// ---------------------------------------------------------------------------------------------
// Validation at the boundary

export class ProtocolError extends Error {
  constructor(
    readonly id: string | null,
    message: string,
    readonly code: ProtocolErrorCode = 'EGW_PROTO',
  ) {
    super(message);
  }
}

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const FAMILIES: readonly Family[] = ['AF_INET', 'AF_INET6'];
const TYPES: readonly SockType[] = ['SOCK_STREAM', 'SOCK_DGRAM'];
const HOWS: readonly ShutdownHow[] = ['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR'];
const RECV_FLAGS: readonly RecvFlag[] = ['MSG_PEEK', 'MSG_DONTWAIT', 'MSG_WAITALL'];
const PROGRAM_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads fields off one message and says exactly which one is wrong. */
class Reader {
  constructor(
    private readonly o: Obj,
    private readonly id: string | null,
    private readonly where: string,
  ) {}

  fail(field: string, want: string): never {
    const got = this.o[field];
    const shown = got === undefined ? 'nothing' : JSON.stringify(got).slice(0, 40);
    throw new ProtocolError(this.id, `${this.where}: "${field}" must be ${want} (got ${shown})`);
  }

  str(field: string, max = 256): string {
    const v = this.o[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > max)
      this.fail(field, `a string of 1..${max} characters`);
    return v;
  }

  int(field: string, min: number, max: number): number {
    const v = this.o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `an integer from ${min} to ${max}`);
    }
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const v = this.o[field];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.fail(field, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  bool(field: string): boolean {
    const v = this.o[field];
    if (typeof v !== 'boolean') this.fail(field, 'true or false');
    return v;
  }

  bytes(field: string): string {
    const v = this.o[field];
    if (typeof v !== 'string' || v.length % 4 !== 0 || !BASE64_RE.test(v))
      this.fail(field, 'bytes in base64');
    return v;
  }

  address(field: string): Address {
    const v = this.o[field];
    if (
      !Array.isArray(v) ||
      v.length !== 2 ||
      typeof v[0] !== 'string' ||
      v[0].length > MAX_HOST_NAME ||
      typeof v[1] !== 'number' ||
      !Number.isInteger(v[1]) ||
      v[1] < 0 ||
      v[1] > 65535
    ) {
      this.fail(field, 'an address [host, port] with port from 0 to 65535');
    }
    return [v[0], v[1]];
  }

  optionValue(field: string): OptionValue {
    const v = this.o[field];
    if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (isObj(v) && Number.isInteger(v.onoff) && Number.isInteger(v.linger)) {
      return { onoff: v.onoff as number, linger: v.linger as number };
    }
    return this.fail(field, 'an integer, or { onoff, linger } for SO_LINGER');
  }

  /** A list of socket handles (select's three lists). */
  handles(field: string): string[] {
    const v = this.o[field];
    if (
      !Array.isArray(v) ||
      v.length > MAX_SELECT ||
      v.some((h) => typeof h !== 'string' || h.length === 0 || h.length > 64)
    ) {
      this.fail(field, `a list of at most ${MAX_SELECT} socket handles`);
    }
    return v as string[];
  }

  /** Seconds from 0 to a day, or null (wait for ever). */
  seconds(field: string): number | null {
    const s = this.o[field];
    if (s !== null && (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > MAX_TIMEOUT_SECONDS)) {
      this.fail(field, `a number of seconds from 0 to ${MAX_TIMEOUT_SECONDS}, or null`);
    }
    return s as number | null;
  }

  flags(field: string): RecvFlag[] | undefined {
    const v = this.o[field];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((f) => !(RECV_FLAGS as readonly unknown[]).includes(f))) {
      this.fail(field, `a list of ${RECV_FLAGS.join(', ')}`);
    }
    return v as RecvFlag[];
  }
}

const MAX_BUFSIZE = 1 << 20;
/** Most sockets one select() list may name (a session holds far fewer; select(2) itself stops at 1024 fds). */
export const MAX_SELECT = 256;

function parseCall(raw: Json, id: string): Call {
  if (!isObj(raw)) throw new ProtocolError(id, 'call: "call" must be an object with an "op"');
  const op = raw.op;
  const r = new Reader(raw, id, typeof op === 'string' ? `call ${op}` : 'call');
  const sock = () => r.str('socket', 64);
  switch (op) {
    case 'socket':
      return { op, family: r.oneOf('family', FAMILIES), type: r.oneOf('type', TYPES) };
    case 'setsockopt':
      return {
        op,
        socket: sock(),
        option: r.oneOf('option', Object.keys(SOCKET_OPTIONS) as SocketOption[]),
        value: r.optionValue('value'),
      };
    case 'getsockopt':
      return { op, socket: sock(), option: r.oneOf('option', Object.keys(SOCKET_OPTIONS) as SocketOption[]) };
    case 'connect':
    case 'accept': {
      const call: Call =
        op === 'connect' ? { op, socket: sock(), address: r.address('address') } : { op, socket: sock() };
      if (raw.stream !== undefined && r.bool('stream')) call.stream = true;
      return call;
    }
    case 'bind':
    case 'connect_ex':
      return { op, socket: sock(), address: r.address('address') };
    case 'listen':
      return { op, socket: sock(), backlog: r.int('backlog', 0, 4096) };
    case 'close':
    case 'getsockname':
    case 'getpeername':
      return { op, socket: sock() };
    case 'send':
    case 'sendall':
      return { op, socket: sock(), data: r.bytes('data') };
    case 'sendto':
      return { op, socket: sock(), data: r.bytes('data'), address: r.address('address') };
    case 'recv':
    case 'recvfrom': {
      const flags = r.flags('flags');
      const call = { op, socket: sock(), bufsize: r.int('bufsize', 0, MAX_BUFSIZE) };
      return flags ? { ...call, flags } : call;
    }
    case 'shutdown':
      return { op, socket: sock(), how: r.oneOf('how', HOWS) };
    case 'settimeout':
      return { op, socket: sock(), seconds: r.seconds('seconds') };
    case 'setblocking':
      return { op, socket: sock(), blocking: r.bool('blocking') };
    case 'select':
      return {
        op,
        read: r.handles('read'),
        write: r.handles('write'),
        except: r.handles('except'),
        timeout: r.seconds('timeout'),
      };
    case 'gethostname':
      return { op };
    case 'gethostbyname':
      return { op, name: r.str('name', MAX_HOST_NAME) };
    case 'getaddrinfo': {
      const port = raw.port === null || raw.port === undefined ? null : r.int('port', 0, 65535);
      const call: Call = { op, host: r.str('host', MAX_HOST_NAME), port };
      if (raw.family !== undefined) call.family = r.oneOf('family', FAMILIES);
      if (raw.type !== undefined) call.type = r.oneOf('type', TYPES);
      return call;
    }
    case 'gethostbyaddr':
      return { op, address: r.str('address', MAX_SHORT_NAME) };
    case 'getservbyname':
      return { op, name: r.str('name', MAX_SHORT_NAME), proto: r.oneOf('proto', ['tcp', 'udp'] as const) };
    case 'getservbyport':
      return { op, port: r.int('port', 0, 65535), proto: r.oneOf('proto', ['tcp', 'udp'] as const) };
    default:
      throw new ProtocolError(
        id,
        `call: unknown op ${JSON.stringify(op)}; known ops are ${CALL_OPS.join(', ')}`,
      );
  }
}

export const CALL_OPS: readonly CallOp[] = [
  'socket',
  'setsockopt',
  'getsockopt',
  'bind',
  'listen',
  'accept',
  'connect',
  'connect_ex',
  'send',
  'sendall',
  'sendto',
  'recv',
  'recvfrom',
  'shutdown',
  'close',
  'getsockname',
  'getpeername',
  'settimeout',
  'setblocking',
  'select',
  'gethostname',
  'gethostbyname',
  'getaddrinfo',
  'gethostbyaddr',
  'getservbyname',
  'getservbyport',
];

/**
 * The id of a message too big to parse, when it is named near the start (as pages write it: type
 * and id first), so the page can tell which request was refused. A guess, never trusted further.
 */
export function idNearStart(text: string): string | null {
  const m = /"id"\s*:\s*"([^"\\]{1,64})"/.exec(text.slice(0, 512));
  return m ? m[1]! : null;
}

/**
 * Validates one message from the page. Throws ProtocolError naming the faulty field; the error's
 * `id` is the message's id when one could be read, so the page can match the complaint to its request.
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError(null, 'message is not valid JSON');
  }
  if (!isObj(raw)) throw new ProtocolError(null, 'message must be a JSON object with a "type"');
  const id = typeof raw.id === 'string' && raw.id.length > 0 && raw.id.length <= 64 ? raw.id : null;
  const type = raw.type;
  if (id === null) {
    throw new ProtocolError(
      null,
      `${typeof type === 'string' ? type : 'message'}: "id" must be a string of 1..64 characters`,
    );
  }
  const r = new Reader(raw, id, typeof type === 'string' ? type : 'message');
  switch (type) {
    case 'hello': {
      const msg: ClientMessage = { type, id, protocol: r.int('protocol', 0, 1_000_000) };
      if (raw.resume !== undefined) msg.resume = r.str('resume', 128);
      if (raw.binary !== undefined) msg.binary = r.bool('binary');
      return msg;
    }
    case 'call': {
      const program = raw.program;
      if (typeof program !== 'string' || !PROGRAM_RE.test(program)) {
        return r.fail('program', 'a program name of 1..32 letters, digits, ".", "_" or "-"');
      }
      return { type, id, program, call: parseCall(raw.call, id) };
    }
    case 'write':
      return { type, id, socket: r.str('socket', 128), data: r.bytes('data') };
    case 'cancel':
      return { type, id, call: r.str('call', 64) };
    case 'sockets':
    case 'ping':
      return { type, id };
    default:
      throw new ProtocolError(
        id,
        `unknown message type ${JSON.stringify(type)}; expected hello, call, write, cancel, sockets or ping`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes in JSON

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The parts' bytes, one after another, in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
