// Python's `socket` module for the prompt: the socket type and its methods (each one gateway Call),
// the module's functions (gethostbyname, create_connection...) and constants. Argument checks word
// mistakes as CPython's socketmodule.c does; the kernel's answers come only from the gateway.

import {
  type Address,
  type Family,
  fromBase64,
  MAX_DATA_BYTES,
  MAX_HOST_NAME,
  MAX_SHORT_NAME,
  MAX_TIMEOUT_SECONDS,
  type RecvFlag,
  type SockType,
  toBase64,
} from '../../../gateway/protocol/messages.js';
import { bind, noKeywords, P, toBytesLike, toInt } from './args.js';
import {
  DEFAULT_BACKLOG,
  FAMILIES,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_FLAGS,
  OPTIONS,
  PLAIN_INTS,
  SHUT,
  SOCK_TYPES,
} from './constants.js';
import { EXC, excType, makeExc, PyException, playgroundError, pyError, timeoutLimit } from './errors.js';
import { SOCKET_METHOD_DOCS } from './help.js';
import { repr } from './repr.js';
import {
  addressValue,
  builtin,
  bytesToBinary,
  type Ctx,
  type Kwargs,
  NONE,
  newId,
  numberOf,
  type PyBuiltin,
  type PyModule,
  type PySocket,
  type PyType,
  type PyValue,
  pyBool,
  pyBytes,
  pyFloat,
  pyInt,
  pyList,
  pyStr,
  pyTuple,
  pyType,
  typeName,
} from './values.js';

/** The largest recv() the gateway accepts (the protocol's limit). */
const MAX_BUFSIZE = 1 << 20;

const familyValue = (f: Family): PyValue => ({
  kind: 'int',
  value: f === 'AF_INET6' ? 10 : 2,
  enumOf: 'AddressFamily',
});
const typeValue = (t: SockType): PyValue => ({
  kind: 'int',
  value: t === 'SOCK_DGRAM' ? 2 : 1,
  enumOf: 'SocketKind',
});

/** An errno the kernel would give for an argument it cannot take (Python passes them through). */
const kernelStyle = (errno: number, text: string, explain: string) =>
  new PyException(makeExc(excType('OSError'), [pyInt(errno), pyStr(text)], explain));

// ---------------------------------------------------------------------------------------------
// Addresses

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isIpLiteral = (host: string): boolean =>
  IPV4.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host));

/** The numeric address a host will have, when it is obvious without asking the resolver. */
function knownHost(host: string, family: Family): string | null {
  if (host === '') return family === 'AF_INET6' ? '::' : '0.0.0.0';
  if (host === 'localhost') return family === 'AF_INET6' ? '::1' : '127.0.0.1';
  return isIpLiteral(host) ? host : null;
}

/** socket.gaierror(errno, text), as the resolver's failures are raised. */
const gaierror = (errno: number, text: string): PyException =>
  new PyException(makeExc(excType('gaierror'), [pyInt(errno), pyStr(text)]));

const NO_SUCH_NAME = () => gaierror(-2, 'Name or service not known');

/**
 * A host name on its way to the resolver, checked as Python checks it first: its idna codec refuses
 * an empty label or one of 64 characters or more (UnicodeError), and no resolver knows a name longer
 * than `longest` (the protocol's limit for the call).
 */
function resolverHost(name: string, longest = MAX_HOST_NAME): string {
  const labels = name.split('.');
  const idna = (why: string) =>
    pyError('UnicodeError', `encoding with 'idna' codec failed (UnicodeError: ${why})`);
  for (const label of labels.slice(0, -1))
    if (label.length === 0 || label.length >= 64) throw idna('label empty or too long');
  if (labels[labels.length - 1]!.length >= 64) throw idna('label too long');
  if (name.length > longest) throw NO_SUCH_NAME();
  return name;
}

/** A Python address tuple -> the protocol's [host, port], with CPython's messages for mistakes. */
function toAddress(sock: PySocket, v: PyValue, fname: string): Address {
  const fam = sock.family;
  if (fam === 'AF_INET6') {
    if (v.kind !== 'tuple' || v.items.length < 2 || v.items.length > 4) {
      throw pyError('TypeError', 'AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])');
    }
  } else {
    if (v.kind !== 'tuple')
      throw pyError('TypeError', `${fname}(): AF_INET address must be tuple, not ${typeName(v)}`);
    if (v.items.length !== 2) throw pyError('TypeError', 'AF_INET address must be a pair (host, port)');
  }
  const [host, port] = v.items;
  const text = hostText(host!);
  // Longer than any name: the resolver cannot know it.
  if (text.length > MAX_HOST_NAME) throw NO_SUCH_NAME();
  return [text, portNumber(port!, fname)];
}

function hostText(v: PyValue): string {
  if (v.kind === 'str') return v.value;
  if (v.kind === 'bytes') return bytesToBinary(v.value);
  throw pyError('TypeError', `str, bytes or bytearray expected, not ${typeName(v)}`);
}

function portNumber(v: PyValue, fname: string): number {
  const port = toInt(v);
  if (port < 0 || port > 65535) throw pyError('OverflowError', `${fname}(): port must be 0-65535.`);
  return port;
}

function recvFlags(v: PyValue): RecvFlag[] | undefined {
  let bits = toInt(v);
  if (bits === 0) return undefined;
  const flags: RecvFlag[] = [];
  for (const [name, bit] of MSG_FLAGS) {
    if (bits & bit) {
      flags.push(name);
      bits &= ~bit;
    }
  }
  if (bits !== 0) {
    throw playgroundError(
      `recv flags ${bits} are not offered`,
      `The flags offered here are ${MSG_FLAGS.map(([n]) => `socket.${n}`).join(', ')}.`,
    );
  }
  return flags;
}

function option(level: number, opt: number): (typeof OPTIONS)[number][0] {
  const found = OPTIONS.find(([, l, o]) => l === level && o === opt);
  if (!found) {
    throw playgroundError(
      `socket option (level ${level}, option ${opt}) is not offered`,
      `The options offered here are ${OPTIONS.map(([n]) => n).join(', ')}.`,
    );
  }
  return found[0];
}

const LINGER_HINT =
  "SO_LINGER takes a struct linger, 8 bytes: import struct, then struct.pack('ii', onoff, seconds).";
const int32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getInt32(at, true);
const packInts = (...n: number[]) => {
  const out = new Uint8Array(n.length * 4);
  const view = new DataView(out.buffer);
  n.forEach((x, i) => {
    view.setInt32(i * 4, x, true);
  });
  return out;
};

function timeoutSeconds(v: PyValue): number | null {
  if (v.kind === 'none') return null;
  const n = v.kind === 'float' ? v.value : toInt(v);
  if (Number.isNaN(n) || n < 0) throw pyError('ValueError', 'Timeout value out of range');
  if (n > MAX_TIMEOUT_SECONDS) throw timeoutLimit();
  return n;
}

// ---------------------------------------------------------------------------------------------
// Socket objects

export function newSocket(
  handle: string,
  fd: number,
  family: Family,
  type: SockType,
  proto: number,
  timeout: number | null,
): PySocket {
  return {
    kind: 'socket',
    handle,
    fd,
    family,
    type,
    proto,
    closed: false,
    timeout,
    laddr: null,
    raddr: null,
    id: newId(),
  };
}

/** socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0): one `socket` call. */
async function createSocket(ctx: Ctx, args: PyValue[], kwargs: Kwargs): Promise<PySocket> {
  const [f, t, p, fileno] = bind(
    'socket',
    [P('family', pyInt(-1)), P('type', pyInt(-1)), P('proto', pyInt(-1)), P('fileno', NONE)],
    args,
    kwargs,
  );
  if (fileno!.kind !== 'none')
    throw playgroundError('socket(fileno=...) is not offered: make a new socket instead');
  const fnum = toInt(f!);
  const tnum = toInt(t!);
  const pnum = toInt(p!);
  const family = fnum === -1 ? 'AF_INET' : FAMILIES.find(([, v]) => v === fnum)?.[0];
  if (family === undefined || family === 'AF_UNSPEC') {
    if (fnum === 1) throw playgroundError('AF_UNIX sockets are not offered; use AF_INET or AF_INET6');
    throw kernelStyle(
      97,
      'Address family not supported by protocol',
      'Use socket.AF_INET (IPv4) or socket.AF_INET6.',
    );
  }
  const type = tnum === -1 ? 'SOCK_STREAM' : SOCK_TYPES.find(([, v]) => v === tnum)?.[0];
  if (type === undefined) {
    if (tnum === 3) throw playgroundError('SOCK_RAW sockets are not offered; use SOCK_STREAM or SOCK_DGRAM');
    throw kernelStyle(22, 'Invalid argument', 'Use socket.SOCK_STREAM (TCP) or socket.SOCK_DGRAM (UDP).');
  }
  const proto = pnum === -1 ? 0 : pnum;
  const natural = type === 'SOCK_STREAM' ? IPPROTO_TCP : IPPROTO_UDP;
  if (proto !== 0 && proto !== natural) {
    throw kernelStyle(
      93,
      'Protocol not supported',
      `A ${type} socket speaks protocol ${natural} (or 0 for the default).`,
    );
  }
  const r = await ctx.gateway({ op: 'socket', family, type });
  const sock = newSocket(r.socket, r.fd, family, type, proto, ctx.defaultTimeout);
  // Python applies setdefaulttimeout() to every new socket.
  if (ctx.defaultTimeout !== null)
    await ctx.gateway({ op: 'settimeout', socket: sock.handle, seconds: ctx.defaultTimeout });
  return sock;
}

type SocketMethod = (s: PySocket, args: PyValue[], kwargs: Kwargs, ctx: Ctx) => PyValue | Promise<PyValue>;

const SOCKET_METHODS: Record<string, SocketMethod> = {
  async bind(s, args, kwargs, ctx) {
    noKeywords('socket.bind', kwargs);
    const [addr] = bind('bind', [P('address')], args, kwargs);
    const address = toAddress(s, addr!, 'bind');
    await ctx.gateway({ op: 'bind', socket: s.handle, address });
    const host = knownHost(address[0], s.family);
    // Port 0 lets the kernel choose; getsockname() will tell.
    s.laddr = host !== null && address[1] !== 0 ? [host, address[1]] : 'unknown';
    return NONE;
  },

  async listen(s, args, kwargs, ctx) {
    noKeywords('socket.listen', kwargs);
    const [b] = bind('listen', [P('backlog', pyInt(DEFAULT_BACKLOG))], args, kwargs);
    // The kernel silently caps the backlog at net.core.somaxconn, and treats a negative one as 0.
    const backlog = Math.min(4096, Math.max(0, toInt(b!)));
    await ctx.gateway({ op: 'listen', socket: s.handle, backlog });
    return NONE;
  },

  async accept(s, args, kwargs, ctx) {
    bind('socket.accept', [], args, kwargs);
    const r = await ctx.gateway({ op: 'accept', socket: s.handle });
    const conn = newSocket(r.socket, r.fd, s.family, 'SOCK_STREAM', s.proto, ctx.defaultTimeout);
    conn.laddr = [...r.local];
    conn.raddr = [...r.address];
    if (ctx.defaultTimeout !== null) {
      await ctx.gateway({ op: 'settimeout', socket: conn.handle, seconds: ctx.defaultTimeout });
    }
    return pyTuple([conn, addressValue(r.address, s.family)]);
  },

  async connect(s, args, kwargs, ctx) {
    noKeywords('socket.connect', kwargs);
    const [addr] = bind('connect', [P('address')], args, kwargs);
    const address = toAddress(s, addr!, 'connect');
    const r = await ctx.gateway({ op: 'connect', socket: s.handle, address });
    connected(s, r.local, r.remote);
    return NONE;
  },

  async connect_ex(s, args, kwargs, ctx) {
    noKeywords('socket.connect_ex', kwargs);
    const [addr] = bind('connect_ex', [P('address')], args, kwargs);
    const address = toAddress(s, addr!, 'connect_ex');
    const r = await ctx.gateway({ op: 'connect_ex', socket: s.handle, address });
    if (r.errno === 0 && r.local && r.remote) connected(s, r.local, r.remote);
    return pyInt(r.errno);
  },

  async send(s, args, kwargs, ctx) {
    noKeywords('socket.send', kwargs);
    const [d, f] = bind('send', [P('data'), P('flags', pyInt(0))], args, kwargs);
    const data = toBytesLike(d!);
    noSendFlags(f!);
    // send() may take fewer bytes than it is given, and says how many: one message to the gateway
    // carries at most MAX_DATA_BYTES, so a larger send is a partial one, as a full buffer makes it.
    const piece = data.length > MAX_DATA_BYTES ? data.subarray(0, MAX_DATA_BYTES) : data;
    const r = await ctx.gateway({ op: 'send', socket: s.handle, data: toBase64(piece) });
    return pyInt(r.bytes);
  },

  async sendall(s, args, kwargs, ctx) {
    noKeywords('socket.sendall', kwargs);
    const [d, f] = bind('sendall', [P('data'), P('flags', pyInt(0))], args, kwargs);
    const data = toBytesLike(d!);
    noSendFlags(f!);
    // sendall() loops until every byte is sent; more than one message carries goes in pieces.
    let at = 0;
    do {
      const piece = data.subarray(at, at + MAX_DATA_BYTES);
      await ctx.gateway({ op: 'sendall', socket: s.handle, data: toBase64(piece) });
      at += piece.length;
    } while (at < data.length);
    return NONE;
  },

  async sendto(s, args, kwargs, ctx) {
    noKeywords('socket.sendto', kwargs);
    if (args.length < 2 || args.length > 3) {
      throw pyError('TypeError', `sendto() takes 2 or 3 arguments (${args.length} given)`);
    }
    const data = toBytesLike(args[0]!);
    if (args.length === 3) noSendFlags(args[1]!);
    const address = toAddress(s, args[args.length - 1]!, 'sendto');
    // A datagram cannot go in pieces: one larger than a message carries is refused here.
    if (data.length > MAX_DATA_BYTES) {
      throw playgroundError(
        `the playground sends datagrams of at most ${MAX_DATA_BYTES} bytes (this one has ${data.length})`,
      );
    }
    const r = await ctx.gateway({ op: 'sendto', socket: s.handle, data: toBase64(data), address });
    return pyInt(r.bytes);
  },

  async recv(s, args, kwargs, ctx) {
    noKeywords('socket.recv', kwargs);
    const [b, f] = bind('recv', [P('bufsize'), P('flags', pyInt(0))], args, kwargs);
    const bufsize = bufferSize(b!, 'recv');
    const flags = recvFlags(f!);
    const r = await ctx.gateway({ op: 'recv', socket: s.handle, bufsize, ...(flags ? { flags } : {}) });
    return pyBytes(fromBase64(r.data));
  },

  async recvfrom(s, args, kwargs, ctx) {
    noKeywords('socket.recvfrom', kwargs);
    const [b, f] = bind('recvfrom', [P('bufsize'), P('flags', pyInt(0))], args, kwargs);
    const bufsize = bufferSize(b!, 'recvfrom');
    const flags = recvFlags(f!);
    const r = await ctx.gateway({ op: 'recvfrom', socket: s.handle, bufsize, ...(flags ? { flags } : {}) });
    const from = r.address === null ? NONE : addressValue(r.address, s.family);
    return pyTuple([pyBytes(fromBase64(r.data)), from]);
  },

  async shutdown(s, args, kwargs, ctx) {
    noKeywords('socket.shutdown', kwargs);
    const [h] = bind('shutdown', [P('how')], args, kwargs);
    const n = toInt(h!);
    const how = SHUT.find(([, v]) => v === n)?.[0];
    if (!how) {
      throw kernelStyle(
        22,
        'Invalid argument',
        'how is socket.SHUT_RD (0), socket.SHUT_WR (1) or socket.SHUT_RDWR (2).',
      );
    }
    await ctx.gateway({ op: 'shutdown', socket: s.handle, how });
    return NONE;
  },

  async close(s, args, kwargs, ctx) {
    if (args.length > 0 || kwargs.size > 0) {
      throw pyError(
        'TypeError',
        `socket.close() takes 1 positional argument but ${args.length + 1} were given`,
      );
    }
    // Python's close() of a closed socket does nothing (its fd is already -1): no call, no EBADF.
    // Every other method on it is sent, and the kernel answers EBADF.
    if (s.closed) return NONE;
    // Python gives up the fd before it calls close(2): a close() that lingers and is interrupted
    // (Ctrl-C) has still closed the socket, and closing it again does nothing.
    s.closed = true;
    await ctx.gateway({ op: 'close', socket: s.handle });
    return NONE;
  },

  async getsockname(s, args, kwargs, ctx) {
    bind('socket.getsockname', [], args, kwargs);
    const r = await ctx.gateway({ op: 'getsockname', socket: s.handle });
    s.laddr = [...r.address];
    return addressValue(r.address, s.family);
  },

  async getpeername(s, args, kwargs, ctx) {
    bind('socket.getpeername', [], args, kwargs);
    const r = await ctx.gateway({ op: 'getpeername', socket: s.handle });
    s.raddr = [...r.address];
    return addressValue(r.address, s.family);
  },

  async setsockopt(s, args, kwargs, ctx) {
    noKeywords('socket.setsockopt', kwargs);
    const [l, o, v] = bind('setsockopt', [P('level'), P('option'), P('value')], args, kwargs);
    const name = option(toInt(l!), toInt(o!));
    const value = v!;
    let wire: number | { onoff: number; linger: number };
    if (value.kind === 'bytes') {
      // What struct.pack('ii', 1, 0) would have made.
      if (name === 'SO_LINGER' && value.value.length === 8) {
        wire = { onoff: int32(value.value, 0), linger: int32(value.value, 4) };
      } else if (value.value.length === 4) wire = int32(value.value, 0);
      else
        throw kernelStyle(
          22,
          'Invalid argument',
          'An option value is an int (or 4 bytes; SO_LINGER takes 8).',
        );
    } else if (value.kind === 'int' || value.kind === 'bool') {
      const n = numberOf(value)!;
      if (n < -(2 ** 31) || n >= 2 ** 31)
        throw pyError('OverflowError', 'signed integer is greater than maximum');
      // An int is 4 bytes; the kernel wants a whole struct linger (8), as Python passes it on.
      if (name === 'SO_LINGER') throw kernelStyle(22, 'Invalid argument', LINGER_HINT);
      wire = n;
    } else {
      throw pyError(
        'TypeError',
        `a bytes-like object is required, not '${typeName(value)}'`,
        name === 'SO_LINGER' ? LINGER_HINT : null,
      );
    }
    await ctx.gateway({ op: 'setsockopt', socket: s.handle, option: name, value: wire });
    return NONE;
  },

  async getsockopt(s, args, kwargs, ctx) {
    noKeywords('socket.getsockopt', kwargs);
    const [l, o, b] = bind('getsockopt', [P('level'), P('option'), P('buflen', pyInt(0))], args, kwargs);
    const name = option(toInt(l!), toInt(o!));
    const buflen = toInt(b!);
    const r = await ctx.gateway({ op: 'getsockopt', socket: s.handle, option: name });
    const v = r.value;
    // Like Python: without buflen the answer is an int (SO_LINGER's l_onoff); with it, the raw struct.
    if (buflen === 0) return pyInt(typeof v === 'number' ? v : v.onoff);
    const raw = typeof v === 'number' ? packInts(v) : packInts(v.onoff, v.linger);
    return pyBytes(raw.slice(0, buflen));
  },

  async settimeout(s, args, kwargs, ctx) {
    noKeywords('socket.settimeout', kwargs);
    if (args.length !== 1)
      throw pyError('TypeError', `socket.settimeout() takes exactly one argument (${args.length} given)`);
    const seconds = timeoutSeconds(args[0]!);
    await ctx.gateway({ op: 'settimeout', socket: s.handle, seconds });
    s.timeout = seconds;
    return NONE;
  },

  gettimeout(s, args, kwargs) {
    bind('socket.gettimeout', [], args, kwargs);
    return s.timeout === null ? NONE : pyFloat(s.timeout);
  },

  async setblocking(s, args, kwargs, ctx) {
    noKeywords('socket.setblocking', kwargs);
    if (args.length !== 1)
      throw pyError('TypeError', `socket.setblocking() takes exactly one argument (${args.length} given)`);
    const flag = args[0]!;
    const blocking = flag.kind === 'bool' ? flag.value : toInt(flag) !== 0;
    await ctx.gateway({ op: 'setblocking', socket: s.handle, blocking });
    s.timeout = blocking ? null : 0;
    return NONE;
  },

  getblocking(s, args, kwargs) {
    bind('socket.getblocking', [], args, kwargs);
    return pyBool(s.timeout !== 0);
  },

  fileno(s, args, kwargs) {
    bind('socket.fileno', [], args, kwargs);
    return pyInt(s.closed ? -1 : s.fd);
  },
};

/** What the kernel said of a connected socket: the address it bound (an ephemeral port) and the peer's. */
function connected(s: PySocket, local: Address, remote: Address): void {
  s.laddr = [...local];
  s.raddr = [...remote];
}

function noSendFlags(v: PyValue): void {
  if (toInt(v) !== 0) throw playgroundError('send flags are not offered here; call send(data) without flags');
}

function bufferSize(v: PyValue, fname: string): number {
  const n = toInt(v);
  if (n < 0) throw pyError('ValueError', `negative buffersize in ${fname}`);
  if (n > MAX_BUFSIZE) throw playgroundError(`${fname}() buffers are limited to ${MAX_BUFSIZE} bytes here`);
  return n;
}

/** Methods a real Python socket has that the prompt does not, for a helpful AttributeError. */
const PYTHON_ONLY_METHODS = new Set([
  'makefile',
  'sendfile',
  'recv_into',
  'recvfrom_into',
  'sendmsg',
  'recvmsg',
  'dup',
  'detach',
  'get_inheritable',
  'set_inheritable',
  'ioctl',
  'share',
]);

export const SOCKET_METHOD_NAMES: readonly string[] = Object.keys(SOCKET_METHODS).sort();
export const SOCKET_PROPERTY_NAMES: readonly string[] = ['family', 'proto', 'timeout', 'type'];

/** s.<name>: a bound method or a property value; null if a socket has no such attribute here. */
export function socketAttribute(s: PySocket, name: string): PyValue | null {
  if (Object.hasOwn(SOCKET_METHODS, name)) {
    const impl = SOCKET_METHODS[name]!;
    return builtin(name, (ctx, args, kwargs) => impl(s, args, kwargs, ctx), s);
  }
  switch (name) {
    case 'family':
      return familyValue(s.family);
    case 'type':
      return typeValue(s.type);
    case 'proto':
      return pyInt(s.proto);
    case 'timeout':
      return s.timeout === null ? NONE : pyFloat(s.timeout);
    default:
      return null;
  }
}

export function socketAttributeHint(name: string): string {
  const what = PYTHON_ONLY_METHODS.has(name)
    ? `socket.${name}() exists in Python but not in this playground${name === 'makefile' ? ': read with recv() in a loop and write with sendall() instead' : ''}. `
    : '';
  return `${what}Socket methods here: ${SOCKET_METHOD_NAMES.join(', ')}.`;
}

/** help(s.recv) and friends. */
export function socketMethodDoc(name: string): string | null {
  return Object.hasOwn(SOCKET_METHOD_DOCS, name) ? SOCKET_METHOD_DOCS[name]! : null;
}

// ---------------------------------------------------------------------------------------------
// The module

/** create_connection()'s "no timeout argument given" marker. */
const GLOBAL_DEFAULT: PyValue = { kind: 'none' };

const resolverProto = (v: PyValue, fname: string): 'tcp' | 'udp' => {
  if (v.kind === 'none') return 'tcp';
  if (v.kind !== 'str') throw pyError('TypeError', `${fname}() argument 2 must be str, not ${typeName(v)}`);
  if (v.value !== 'tcp' && v.value !== 'udp')
    throw pyError('OSError', `${fname === 'getservbyname' ? 'service' : 'port'}/proto not found`);
  return v.value;
};

const MODULE_FUNCTIONS: Record<
  string,
  (ctx: Ctx, args: PyValue[], kwargs: Kwargs) => Promise<PyValue> | PyValue
> = {
  async gethostname(ctx, args, kwargs) {
    bind('gethostname', [], args, kwargs);
    return pyStr((await ctx.gateway({ op: 'gethostname' })).name);
  },
  async gethostbyname(ctx, args, kwargs) {
    noKeywords('gethostbyname', kwargs);
    const [n] = bind('gethostbyname', [P('hostname')], args, kwargs);
    if (n!.kind !== 'str') {
      throw pyError(
        'TypeError',
        `gethostbyname() argument 1 must be str, bytes or bytearray, not ${typeName(n!)}`,
      );
    }
    // Python answers the empty name itself: the wildcard address.
    if (n!.value === '') return pyStr('0.0.0.0');
    return pyStr((await ctx.gateway({ op: 'gethostbyname', name: resolverHost(n!.value) })).address);
  },
  async gethostbyaddr(ctx, args, kwargs) {
    noKeywords('gethostbyaddr', kwargs);
    const [n] = bind('gethostbyaddr', [P('ip_address')], args, kwargs);
    if (n!.kind !== 'str') {
      throw pyError(
        'TypeError',
        `gethostbyaddr() argument 1 must be str, bytes or bytearray, not ${typeName(n!)}`,
      );
    }
    if (n!.value === '') throw pyError('OSError', 'wildcard resolved to multiple address');
    const r = await ctx.gateway({ op: 'gethostbyaddr', address: resolverHost(n!.value, MAX_SHORT_NAME) });
    return pyTuple([pyStr(r.name), pyList(r.aliases.map(pyStr)), pyList(r.addresses.map(pyStr))]);
  },
  async getaddrinfo(ctx, args, kwargs) {
    const [h, p, f, t] = bind(
      'getaddrinfo',
      [
        P('host'),
        P('port'),
        P('family', pyInt(0)),
        P('type', pyInt(0)),
        P('proto', pyInt(0)),
        P('flags', pyInt(0)),
      ],
      args,
      kwargs,
    );
    if (h!.kind !== 'str') throw playgroundError('getaddrinfo() needs a host name or address here (a str)');
    let port: number | null;
    if (p!.kind === 'none') port = null;
    else if (p!.kind === 'str' && /^\d+$/.test(p!.value)) port = Number(p!.value);
    else if (p!.kind === 'str') {
      throw playgroundError(
        'getaddrinfo() takes a port number here',
        `Look the service up first: socket.getservbyname(${repr(p!)}).`,
      );
    } else port = portNumber(p!, 'getaddrinfo');
    const fnum = toInt(f!);
    const tnum = toInt(t!);
    const family = FAMILIES.find(([, v]) => v === fnum)?.[0];
    const type = SOCK_TYPES.find(([, v]) => v === tnum)?.[0];
    if (family === undefined)
      throw new PyException(makeExc(excType('gaierror'), [pyInt(-6), pyStr('ai_family not supported')]));
    if (tnum !== 0 && type === undefined) {
      throw new PyException(makeExc(excType('gaierror'), [pyInt(-7), pyStr('ai_socktype not supported')]));
    }
    if (h!.value === '') throw NO_SUCH_NAME();
    const r = await ctx.gateway({
      op: 'getaddrinfo',
      host: resolverHost(h!.value),
      port,
      ...(family !== 'AF_UNSPEC' ? { family } : {}),
      ...(type ? { type } : {}),
    });
    return pyList(
      r.entries.map((e) =>
        pyTuple([
          familyValue(e.family),
          typeValue(e.type),
          pyInt(e.type === 'SOCK_DGRAM' ? IPPROTO_UDP : IPPROTO_TCP),
          pyStr(''),
          addressValue(e.address, e.family),
        ]),
      ),
    );
  },
  async getservbyname(ctx, args, kwargs) {
    noKeywords('getservbyname', kwargs);
    const [n, p] = bind('getservbyname', [P('servicename'), P('protocolname', NONE)], args, kwargs);
    if (n!.kind !== 'str')
      throw pyError('TypeError', `getservbyname() argument 1 must be str, not ${typeName(n!)}`);
    const proto = resolverProto(p!, 'getservbyname');
    // No service has an empty name or one past the protocol's limit.
    if (n!.value === '' || n!.value.length > MAX_SHORT_NAME)
      throw pyError('OSError', 'service/proto not found');
    return pyInt((await ctx.gateway({ op: 'getservbyname', name: n!.value, proto })).port);
  },
  async getservbyport(ctx, args, kwargs) {
    noKeywords('getservbyport', kwargs);
    const [n, p] = bind('getservbyport', [P('port'), P('protocolname', NONE)], args, kwargs);
    const port = toInt(n!);
    if (port < 0 || port > 65535) throw pyError('OverflowError', 'getservbyport: port must be 0-65535.');
    const proto = resolverProto(p!, 'getservbyport');
    return pyStr((await ctx.gateway({ op: 'getservbyport', port, proto })).name);
  },
  async create_connection(ctx, args, kwargs) {
    const [a, t, src] = bind(
      'create_connection',
      [P('address'), P('timeout', GLOBAL_DEFAULT), P('source_address', NONE)],
      args,
      kwargs,
    );
    if (a!.kind !== 'tuple' || a!.items.length !== 2) {
      throw pyError('TypeError', 'create_connection() takes an address pair (host, port)');
    }
    // Python's create_connection asks getaddrinfo first, with its idna checks.
    const host = hostText(a!.items[0]!);
    if (host === '') throw NO_SUCH_NAME();
    resolverHost(host);
    const family: Family = host.includes(':') ? 'AF_INET6' : 'AF_INET';
    // Python makes it with getaddrinfo's answer, whose proto for TCP is 6.
    const sock = await createSocket(
      ctx,
      [familyValue(family), typeValue('SOCK_STREAM'), pyInt(IPPROTO_TCP)],
      new Map(),
    );
    try {
      if (t !== GLOBAL_DEFAULT) await SOCKET_METHODS.settimeout!(sock, [t!], new Map(), ctx);
      if (src!.kind !== 'none') await SOCKET_METHODS.bind!(sock, [src!], new Map(), ctx);
      await SOCKET_METHODS.connect!(sock, [a!], new Map(), ctx);
    } catch (err) {
      // Python closes the socket it made before raising.
      if (err instanceof PyException)
        await ctx.gateway({ op: 'close', socket: sock.handle }).catch(() => undefined);
      throw err;
    }
    return sock;
  },
  setdefaulttimeout(ctx, args, kwargs) {
    const [t] = bind('setdefaulttimeout', [P('timeout')], args, kwargs);
    ctx.defaultTimeout = timeoutSeconds(t!);
    return NONE;
  },
  getdefaulttimeout(ctx, args, kwargs) {
    bind('getdefaulttimeout', [], args, kwargs);
    return ctx.defaultTimeout === null ? NONE : pyFloat(ctx.defaultTimeout);
  },
};

export const SOCKET_TYPE: PyType = pyType(
  'socket',
  null,
  (ctx, args, kwargs) => createSocket(ctx, args, kwargs),
  'socket',
);

/** The `socket` module: one object shared by every interpreter (it holds no state of its own). */
export const SOCKET_MODULE: PyModule = (() => {
  const attrs = new Map<string, PyValue>();
  attrs.set('socket', SOCKET_TYPE);
  attrs.set('SocketType', SOCKET_TYPE);
  for (const [name, fn] of Object.entries(MODULE_FUNCTIONS)) attrs.set(name, builtin(name, fn));
  for (const [name, value] of FAMILIES) attrs.set(name, { kind: 'int', value, enumOf: 'AddressFamily' });
  for (const [name, value] of SOCK_TYPES) attrs.set(name, { kind: 'int', value, enumOf: 'SocketKind' });
  for (const [name, value] of MSG_FLAGS) attrs.set(name, { kind: 'int', value, enumOf: 'MsgFlag' });
  for (const [name, value] of PLAIN_INTS) attrs.set(name, pyInt(value));
  attrs.set('has_ipv6', pyBool(true));
  attrs.set('error', EXC.get('OSError')!);
  attrs.set('timeout', EXC.get('TimeoutError')!);
  attrs.set('gaierror', EXC.get('gaierror')!);
  attrs.set('herror', EXC.get('herror')!);
  return { kind: 'module', name: 'socket', attrs };
})();

export function isSocketBuiltin(v: PyValue): v is PyBuiltin {
  return v.kind === 'builtin' && v.self?.kind === 'socket';
}
