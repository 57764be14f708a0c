// What a failed call means, in one plain sentence a student can act on. The only home of
// learner-facing wording for errors, apart from the code that raises them; shared by gateway and page.

export interface ExplainContext {
  syscall: string;
  host?: string;
  port?: number;
  /** For a rule of the playground: the option that would allow it, which also says which rule it was. */
  option?: string;
  /** EADDRINUSE: the TCP states of the sockets the kernel's table showed on that port. */
  heldBy?: readonly string[];
  /** EPIPE on send: which of the three ways to get it this was. */
  pipe?: 'never-connected' | 'shut-down' | 'peer-gone';
}

const where = (c: ExplainContext) => (c.port !== undefined ? `port ${c.port}` : 'that port');
const target = (c: ExplainContext) =>
  c.host !== undefined && c.port !== undefined ? `${c.host}:${c.port}` : 'that address';

const EXPLAIN: Record<string, (c: ExplainContext) => string> = {
  ECONNREFUSED: (c) =>
    `Nothing is listening on ${target(c)}: the kernel answered the SYN with RST. A socket that is only bound, not listening, refuses too.`,
  EADDRINUSE: (c) => {
    if (c.syscall === 'connect') return 'No local port was free for this connection.';
    const held = c.heldBy ?? [];
    const Where = c.port !== undefined ? `Port ${c.port}` : 'That port';
    if (held.includes('LISTEN'))
      return `${Where} is held by a socket listening on it (a server still running): close that socket, or bind another port.`;
    if (held.length > 0 && held.every((s) => s === 'TIME_WAIT'))
      return `${Where} is held by a connection in TIME_WAIT: the side that closed first keeps its port about a minute, so that stray packets of the old connection cannot reach a new one. A new socket may bind it if both it and the old one set SO_REUSEADDR before bind.`;
    if (held.length > 0)
      return `${Where} is still used by a connection (${[...new Set(held)].join(', ')}: a socket accept() returned keeps its listener's port). Once it is closed, the side that closed first keeps the port in TIME_WAIT about a minute.`;
    return `${Where} is still held by another socket. A listener (a server still running) holds it until it is closed; a connection in TIME_WAIT holds it for a minute, unless both the old and the new socket set SO_REUSEADDR before bind.`;
  },
  EADDRNOTAVAIL: (c) =>
    `${c.host ?? 'That address'} does not belong to this machine, so nothing can be bound to it.`,
  EACCES: (c) => `Ports below 1024 are privileged: binding ${where(c)} needs root or CAP_NET_BIND_SERVICE.`,
  EINVAL: (c) =>
    c.syscall === 'bind'
      ? 'This socket is already bound: a socket can be bound only once.'
      : c.syscall === 'accept'
        ? 'accept() needs a listening socket: call listen() first.'
        : 'The kernel rejected an argument, or the socket is not in a state that allows this call.',
  EISCONN: () => 'This socket is already connected: connect() can succeed only once per TCP socket.',
  ENOTCONN: () =>
    'This socket is not connected: connect() it first (or for a server, use the socket accept() returned).',
  EPIPE: (c) =>
    c.pipe === 'never-connected'
      ? 'This socket was never connected, so there is no one to send to: connect() it first (a server sends on the socket accept() returned).'
      : c.pipe === 'shut-down'
        ? 'You shut down writing on this socket: its FIN has gone, and no byte may follow it. You can still recv() what the peer sends.'
        : c.pipe === 'peer-gone'
          ? 'The connection is gone: the peer closed it (a send after its close is answered with a reset, RST), and the kernel now refuses any more bytes. recv() returning 0 bytes was the sign to stop sending.'
          : 'This socket cannot send: it was never connected, you shut down writing, or the connection is gone. The kernel refused the bytes.',
  ECONNRESET: () => 'The peer reset the connection (RST): it closed with data unread, or crashed.',
  ECONNABORTED: () => 'The connection was aborted before accept() could return it.',
  EAGAIN: (c) =>
    `The socket is non-blocking and ${c.syscall}() had nothing to do yet: no data, no connection or no buffer space. Try again later.`,
  EINPROGRESS: () => 'The socket is non-blocking: the handshake has started and will finish in the kernel.',
  EALREADY: () => 'A connect() on this socket is already in progress.',
  EAFNOSUPPORT: () =>
    "That address is not of this socket's family (an IPv6 address on an AF_INET socket, or the reverse).",
  EBADF: () => 'That socket is closed: its file descriptor no longer exists.',
  ENOTSOCK: () => 'That file descriptor is not a socket.',
  EOPNOTSUPP: (c) => `${c.syscall}() does not apply to this kind of socket (for example listen() on UDP).`,
  EDESTADDRREQ: () =>
    'This UDP socket has no default peer: use sendto() with an address, or connect() it first.',
  EMSGSIZE: () => 'The datagram is too large to send in one piece.',
  ENETUNREACH: () => 'No route leads to that network.',
  EHOSTUNREACH: () => 'That host cannot be reached.',
  ETIMEDOUT: () => 'The peer never answered: the kernel gave up after its retries.',
  ENOPROTOOPT: () => 'This socket option does not exist at that level for this kind of socket.',
  EMFILE: () => 'This process has no file descriptors left: close some sockets.',
  EGW_TIMEOUT: () => 'The timeout set with settimeout() ran out before the kernel was ready.',
  EGW_CANCELLED: (c) =>
    c.syscall === 'close'
      ? 'You stopped waiting (Ctrl-C). The socket is closed all the same; the kernel goes on sending what was queued, then the FIN.'
      : 'You stopped waiting (Ctrl-C). The socket is still there; the kernel keeps what it has queued.',
  EGW_NO_SUCH_HANDLE: () =>
    'This session has no such socket: it was closed, or it belonged to an earlier session (the gateway restarted, or the page was away too long). Make a new one with socket.socket().',
  EGW_BAD_ADDRESS: () =>
    'The playground takes addresses written out in full: four decimal numbers (127.0.0.1), IPv6 (::1), or a name.',
  EGW_PROTO: () =>
    "The gateway's protocol does not take this value, so the call never reached the kernel (a limit of the playground).",
  EGW_INTERNAL: () =>
    'Something went wrong inside the gateway (not in the kernel); it was logged. Try again.',
  EGW_DENIED: (c) =>
    c.syscall === 'sendto'
      ? "Datagrams go only to the lesson servers (udp-echo sends each one back) and to this session's own ports."
      : 'To watch the kernel refuse a connection (ECONNREFUSED), connect to one of your own ports where nothing listens: the toolbar lists them.',
  EGW_BIND_DENIED: (c) =>
    c.syscall === 'listen'
      ? 'A server binds before it listens: bind(("127.0.0.1", port)) with one of your ports (the toolbar lists them), then listen().'
      : c.option === '--lan'
        ? c.host === '0.0.0.0' || c.host === '' || c.host === '::'
          ? `${c.host || '""'} (INADDR_ANY) means every interface, the network's included: anyone who can reach this machine could connect.`
          : 'Only loopback addresses (127.0.0.1 or ::1) are allowed here: every other address faces the network.'
        : 'Each session has ports of its own (the toolbar lists them, "your ports"): bind one of those, or port 0 for one the kernel picks.',
  EGW_LIMIT: () => 'This session has reached a limit the instructor set: close something first.',
  EGW_TOO_BIG: () =>
    'This call carries more than the page may send to the gateway in one message: send the bytes in smaller pieces.',
  EGW_RATE_LIMITED: (c) =>
    c.syscall === 'select'
      ? 'Too many calls too quickly: a loop around select() with timeout 0 asks the kernel again and again. Give select a timeout (or None) and let it wait for you.'
      : 'Too many calls too quickly: slow down a little.',
  EGW_BUSY: () => 'Another call is already waiting on this socket in this program.',
  EGW_NAME: () => 'The resolver has no answer for that name.',
  HOST_NOT_FOUND: () =>
    'The resolver knows no name for that address (no PTR record in DNS, no line in /etc/hosts).',
  TRY_AGAIN: () => 'The resolver could not be reached just now; try again.',
  NO_RECOVERY: () => 'The resolver failed to answer.',
  EGW_STREAMING: () =>
    'This socket is streamed: the gateway reads its bytes as they arrive and shows them, so there is nothing left for recv() to take.',
  EGW_NOT_STREAMABLE: () =>
    'Only a TCP socket can be streamed or written to this way; a UDP socket sends datagrams with sendto().',
};

export function explainError(code: string, ctx: ExplainContext): string {
  return (
    EXPLAIN[code]?.(ctx) ??
    (code.startsWith('EGW_') ? `The playground refused this call (${code}).` : `The kernel answered ${code}.`)
  );
}
