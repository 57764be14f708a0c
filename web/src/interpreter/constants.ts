// The socket module's constants with their Linux values, and the tables that turn Python's numbers
// back into the protocol's POSIX names. Pure data: the numbers are the kernel's (<sys/socket.h>,
// <netinet/in.h>, <netinet/tcp.h> on Linux), so `socket.SO_REUSEADDR` prints 2 as Python does there.

import type {
  Family,
  RecvFlag,
  ShutdownHow,
  SocketOption,
  SockType,
} from '../../../gateway/protocol/messages.js';

export const FAMILIES: readonly (readonly [name: Family | 'AF_UNSPEC', value: number])[] = [
  ['AF_UNSPEC', 0],
  ['AF_INET', 2],
  ['AF_INET6', 10],
];

export const SOCK_TYPES: readonly (readonly [name: SockType, value: number])[] = [
  ['SOCK_STREAM', 1],
  ['SOCK_DGRAM', 2],
];

export const MSG_FLAGS: readonly (readonly [name: RecvFlag, value: number])[] = [
  ['MSG_PEEK', 2],
  ['MSG_DONTWAIT', 0x40],
  ['MSG_WAITALL', 0x100],
];

export const SHUT: readonly (readonly [name: ShutdownHow, value: number])[] = [
  ['SHUT_RD', 0],
  ['SHUT_WR', 1],
  ['SHUT_RDWR', 2],
];

export const SOL_SOCKET = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Option numbers per level, as setsockopt(2) receives them on Linux. */
export const OPTIONS: readonly (readonly [name: SocketOption, level: number, value: number])[] = [
  ['SO_REUSEADDR', SOL_SOCKET, 2],
  ['SO_TYPE', SOL_SOCKET, 3],
  ['SO_ERROR', SOL_SOCKET, 4],
  ['SO_BROADCAST', SOL_SOCKET, 6],
  ['SO_SNDBUF', SOL_SOCKET, 7],
  ['SO_RCVBUF', SOL_SOCKET, 8],
  ['SO_KEEPALIVE', SOL_SOCKET, 9],
  ['SO_LINGER', SOL_SOCKET, 13],
  ['SO_REUSEPORT', SOL_SOCKET, 15],
  ['SO_ACCEPTCONN', SOL_SOCKET, 30],
  ['TCP_NODELAY', IPPROTO_TCP, 1],
];

/** Plain int constants (Python does not make these enums). */
export const PLAIN_INTS: readonly (readonly [name: string, value: number])[] = [
  ['SOL_SOCKET', SOL_SOCKET],
  ['SOL_TCP', IPPROTO_TCP],
  ['IPPROTO_IP', 0],
  ['IPPROTO_TCP', IPPROTO_TCP],
  ['IPPROTO_UDP', IPPROTO_UDP],
  ...OPTIONS.map(([name, , value]) => [name, value] as const),
  ...SHUT,
  // Python listens with min(SOMAXCONN, 128) when listen() gets no backlog.
  ['SOMAXCONN', 4096],
  ['INADDR_ANY', 0],
  ['INADDR_LOOPBACK', 0x7f000001],
];

/** Python's default backlog for listen(): min(SOMAXCONN, 128). */
export const DEFAULT_BACKLOG = 128;

/** Names of an enum's members by value, for reprs such as <AddressFamily.AF_INET: 2>. */
export function enumMemberName(enumName: 'AddressFamily' | 'SocketKind', value: number): string | null {
  const table = enumName === 'AddressFamily' ? FAMILIES : SOCK_TYPES;
  return table.find(([, v]) => v === value)?.[0] ?? null;
}
