// Linux facts in one place: constants, struct layouts and state numbers (x86_64 and arm64 agree on
// all of them but struct epoll_event's layout, EPOLL_EVENT below). macOS differs in almost every
// number and in the sockaddr layout (see shared/notes/syscall-engine.md section 5), and has kqueue
// where Linux has epoll: a platform-darwin.ts with the same shape would follow.

import type { TcpState } from '../protocol/messages.js';

export const LINUX = {
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  // Every fd is created non-blocking (the engine waits with uv_poll, never in the kernel) and
  // close-on-exec (a spawned child must never inherit a student's listener and keep its port alive).
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,

  SOL_SOCKET: 1,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,

  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_BROADCAST: 6,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  SO_ACCEPTCONN: 30,
  TCP_NODELAY: 1,
  TCP_INFO: 11,
  IPV6_V6ONLY: 26,

  MSG_PEEK: 0x2,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
  // Linux delivers SIGPIPE on a send to a closed peer unless told not to. Node ignores SIGPIPE
  // already, but the flag makes EPIPE the answer regardless of who set the signal mask.
  MSG_NOSIGNAL: 0x4000,

  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,

  FIONREAD: 0x541b,
  SIOCOUTQ: 0x5411,

  SOCKADDR_IN_SIZE: 16,
  SOCKADDR_IN6_SIZE: 28,
  SOCKADDR_STORAGE_SIZE: 128,
  TCP_INFO_SIZE: 232,
  /** struct tcp_info offsets: state is byte 0; on a listener unacked is the accept queue, sacked the backlog. */
  TCPI_STATE: 0,
  /** u8 timeouts in a row with no answer: in SYN_SENT, how many times the SYN was sent again. */
  TCPI_RETRANSMITS: 2,
  TCPI_UNACKED: 24,
  TCPI_SACKED: 28,
  /** u64 total bytes received in order (Linux 4.1+). */
  TCPI_BYTES_RECEIVED: 128,
  /** u32 bytes queued by the program and not yet sent (Linux 4.6+). */
  TCPI_NOTSENT_BYTES: 144,

  /** struct pollfd { int fd; short events; short revents; } and poll(2)'s bits. */
  POLLFD_SIZE: 8,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDHUP: 0x2000,

  EPOLLIN: 0x1,
  EPOLLOUT: 0x4,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EPOLLRDHUP: 0x2000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLL_CLOEXEC: 0o2000000,
} as const;

/**
 * struct epoll_event { uint32_t events; epoll_data_t data; }: packed on x86_64 (data at byte 4, 12
 * bytes), naturally aligned elsewhere, arm64 included (data at byte 8, 16 bytes). The one layout here
 * where the two differ.
 */
export const EPOLL_EVENT =
  process.arch === 'x64' || process.arch === 'ia32' ? { size: 12, data: 4 } : { size: 16, data: 8 };

/** include/net/tcp_states.h; the same numbers appear in /proc/net/tcp's `st` column. */
export const TCP_STATES: Record<number, TcpState> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSED',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
};

/** States in which this side's FIN is sent and not yet acknowledged (or about to be sent). */
const FIN_QUEUED: ReadonlySet<TcpState> = new Set(['FIN_WAIT1', 'CLOSING', 'LAST_ACK']);
/** States with no connection, or none yet: the SYN's sequence number is no byte of the program's. */
const NO_DATA_SENT: ReadonlySet<TcpState> = new Set([
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECV',
  'TIME_WAIT',
]);

/**
 * Linux's send queue (SIOCOUTQ, and tx_queue in /proc/net/tcp) is write_seq − snd_una: sequence
 * numbers, not bytes. A FIN takes one (tcp_send_fin advances write_seq as soon as the state leaves
 * ESTABLISHED or CLOSE_WAIT), and a socket whose connect was refused keeps its SYN's. What the
 * page shows is the bytes a program sent that the peer has not acknowledged: the FIN left out, and
 * none on a socket with no connection.
 */
export function unacknowledgedBytes(state: TcpState, sendQueue: number): number {
  if (NO_DATA_SENT.has(state)) return 0;
  if (FIN_QUEUED.has(state)) return Math.max(0, sendQueue - 1);
  return sendQueue;
}

export const SOCKOPT_NUMBERS = {
  SO_REUSEADDR: [LINUX.SOL_SOCKET, LINUX.SO_REUSEADDR],
  SO_REUSEPORT: [LINUX.SOL_SOCKET, LINUX.SO_REUSEPORT],
  SO_RCVBUF: [LINUX.SOL_SOCKET, LINUX.SO_RCVBUF],
  SO_SNDBUF: [LINUX.SOL_SOCKET, LINUX.SO_SNDBUF],
  SO_KEEPALIVE: [LINUX.SOL_SOCKET, LINUX.SO_KEEPALIVE],
  SO_LINGER: [LINUX.SOL_SOCKET, LINUX.SO_LINGER],
  SO_BROADCAST: [LINUX.SOL_SOCKET, LINUX.SO_BROADCAST],
  SO_ERROR: [LINUX.SOL_SOCKET, LINUX.SO_ERROR],
  SO_TYPE: [LINUX.SOL_SOCKET, LINUX.SO_TYPE],
  SO_ACCEPTCONN: [LINUX.SOL_SOCKET, LINUX.SO_ACCEPTCONN],
  TCP_NODELAY: [LINUX.IPPROTO_TCP, LINUX.TCP_NODELAY],
} as const;
