// The prompt's own words about itself: the one-line summary of what it understands (used by syntax
// errors), help() text, the short docs of socket methods, and hints for Python names it lacks.
// Errors of the gateway are explained by gateway/protocol/explain.ts, not here.

export const SUPPORTED_SUMMARY =
  'assignments, expressions, calls, if/elif/else, while, for, try/except/finally, def, with, import socket (type help() for more)';

export const unsupportedMessage = (what: string, verb: 'is' | 'are' = 'are', instead = ''): string =>
  `${what} ${verb} not supported here${instead ? ` (${instead})` : ''}; this prompt understands ${SUPPORTED_SUMMARY}`;

/** Seed 000's Client and SocketServer handler are classes: say what to write instead. */
export const CLASS_INSTEAD =
  'write its methods as functions that take the socket, e.g. def make_request(sock, text):';

/** Seeds 000 and 004 reach for SocketServer and threads; one socket loop does the same job here. */
const SERVER_LOOP =
  'Write the server with socket itself: bind, listen, then accept() in a while True: loop, one client at a time (select.select() serves several at once).';

/**
 * help()'s text: one line per topic, which the terminal breaks between words at its own width (rows
 * laid out here by hand broke again, a word or two at a time, in a narrower pane).
 */
export const HELP_TEXT: readonly string[] = [
  'This prompt runs Python socket code for real: every socket call goes to the kernel on the gateway.',
  '',
  'Socket module: socket.socket(family=AF_INET, type=SOCK_STREAM), create_connection((host, port)), gethostname(), gethostbyname(name), gethostbyaddr(ip), getaddrinfo(host, port), getservbyname(name, proto), getservbyport(port, proto), setdefaulttimeout(t), getdefaulttimeout()',
  'Constants: AF_INET AF_INET6 SOCK_STREAM SOCK_DGRAM SOL_SOCKET IPPROTO_TCP SO_* TCP_NODELAY SHUT_* MSG_*',
  'Socket methods: bind listen accept connect connect_ex send sendall sendto recv recvfrom shutdown close getsockname getpeername setsockopt getsockopt settimeout gettimeout setblocking fileno (type help(s.recv) for one of them)',
  'Values: int, float, True/False/None, str and bytes literals (b"..", r"..", f"{x}", """..."""), tuples, lists, dicts; indexing, slicing, + * % and comparisons, and/or/not, in, is',
  'Built-ins: print input len repr str int float bool bytes list tuple dict range type isinstance hex ord chr min max sum abs sorted enumerate zip help; time.sleep after import time; struct.pack, struct.unpack, struct.calcsize after import struct; select.select(rlist, wlist, xlist[, timeout]) after import select',
  'Methods: str: encode upper lower strip split join replace startswith endswith find format ...; bytes: decode upper lower strip split hex startswith endswith find replace ...',
  'Statements: x = ..., a, b = ..., +=, if/elif/else, while, for, break, continue, pass, try/except/else/finally, raise, def/return, with ... as ..., import socket, from socket import *',
  'Ctrl-C stops a call that is waiting, or a loop.',
];

/** help(s.method): one line each, in the words of Python's documentation. */
export const SOCKET_METHOD_DOCS: Readonly<Record<string, string>> = {
  accept:
    'accept() -> (socket, address): wait for a connection; returns a NEW socket for it and the peer address.',
  bind: 'bind((host, port)): give the socket its local address. Port 0 lets the kernel pick.',
  close: 'close(): release the socket; the kernel finishes the connection (FIN) on its own.',
  connect: 'connect((host, port)): connect to a remote address (TCP: the three-way handshake).',
  connect_ex: 'connect_ex((host, port)) -> int: like connect(), but returns the errno (0 on success).',
  fileno: 'fileno() -> int: the file descriptor the kernel gave this socket (-1 once closed).',
  getpeername: 'getpeername() -> (host, port): the address of the other end.',
  getsockname: "getsockname() -> (host, port): this socket's own address.",
  getsockopt: 'getsockopt(level, option) -> int: read a socket option.',
  gettimeout: 'gettimeout() -> float or None: the timeout set with settimeout().',
  listen: 'listen([backlog]): accept connections; the kernel queues up to backlog finished handshakes.',
  recv: "recv(bufsize[, flags]) -> bytes: at most bufsize bytes; b'' means the peer closed.",
  recvfrom: 'recvfrom(bufsize[, flags]) -> (bytes, address): receive one datagram and who sent it.',
  send: 'send(data[, flags]) -> int: send bytes; returns how many the kernel took (maybe fewer).',
  sendall: 'sendall(data[, flags]): send all the bytes, calling send() until done.',
  sendto: 'sendto(data, address) -> int: send one datagram to address.',
  setblocking: 'setblocking(flag): False makes calls return at once (BlockingIOError) instead of waiting.',
  setsockopt: 'setsockopt(level, option, value): set a socket option, e.g. (SOL_SOCKET, SO_REUSEADDR, 1).',
  settimeout:
    'settimeout(seconds or None): calls give up with TimeoutError after that long; 0 is non-blocking.',
  shutdown: 'shutdown(how): stop reading (SHUT_RD), writing (SHUT_WR, sends FIN) or both (SHUT_RDWR).',
};

/** help(socket.gethostbyname) and friends. */
export const SOCKET_FUNCTION_DOCS: Readonly<Record<string, string>> = {
  socket:
    'socket(family=AF_INET, type=SOCK_STREAM, proto=0): a new socket; the kernel gives it a file descriptor.',
  create_connection:
    'create_connection((host, port), timeout=None): socket() then connect(), closing it if connect fails.',
  gethostname: "gethostname() -> str: this machine's host name.",
  gethostbyname: "gethostbyname(name) -> str: the IPv4 address of a host name, e.g. '127.0.0.1'.",
  gethostbyaddr: 'gethostbyaddr(ip) -> (name, aliases, addresses): the name behind an address.',
  getaddrinfo:
    'getaddrinfo(host, port) -> [(family, type, proto, canonname, sockaddr), ...]: how to reach a host.',
  getservbyname:
    "getservbyname(service, proto='tcp') -> int: the well-known port of a service, e.g. 'http' -> 80.",
  getservbyport: "getservbyport(port, proto='tcp') -> str: the service name of a well-known port.",
  setdefaulttimeout: 'setdefaulttimeout(seconds or None): the timeout every new socket starts with.',
  getdefaulttimeout: 'getdefaulttimeout() -> float or None: the value setdefaulttimeout() set.',
};

/** help(select.select). */
export const SELECT_DOC =
  'select(rlist, wlist, xlist[, timeout]) -> (ready to read, ready to write, urgent data): waits until the kernel says some of the sockets are ready; timeout in seconds (None waits for ever, 0 only looks), then three empty lists.';

/** Python built-ins and modules that this prompt does not have, with what to do instead. */
export const MISSING_NAMES: Readonly<Record<string, string>> = {
  raw_input: 'raw_input() is Python 2; in Python 3 it is input().',
  open: 'Files are not available here; only sockets are.',
  exit: 'This prompt stays open; close your sockets with s.close().',
  quit: 'This prompt stays open; close your sockets with s.close().',
  eval: 'eval() is not available here.',
  exec: 'exec() is not available here.',
  __import__: 'Only import socket, select, time and struct work here.',
  bytearray: 'bytearray is not available here; use bytes.',
  set: 'Sets are not available here; use a list or dict.',
  lambda: 'lambda is not available here; use def.',
  sys: "The sys module is not available here: put what a script reads from sys.argv in variables, e.g. host = '127.0.0.1'.",
  os: 'The os module is not available here.',
  select: 'Run import select first to use select.select().',
  threading: `Threads are not available here; open a second program terminal instead. ${SERVER_LOOP}`,
  thread: `Threads are not available here; open a second program terminal instead. ${SERVER_LOOP}`,
  socketserver: `The socketserver module is not available here. ${SERVER_LOOP}`,
  SocketServer: `SocketServer is Python 2's name for socketserver, which is not available here. ${SERVER_LOOP}`,
  struct: 'Run import struct first to use struct.pack().',
  time: 'Run import time first to use time.sleep().',
  unicode: 'unicode is Python 2: in Python 3 every str is Unicode.',
  xrange: 'xrange is Python 2: use range().',
};
