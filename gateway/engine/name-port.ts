// The engine's way to ask the host's resolver and services database (getaddrinfo, getnameinfo,
// /etc/services). Implemented in gateway/syscalls/names.ts; every method is asynchronous because a
// resolver may wait on the network, and the event loop must not.

import type { Family } from '../protocol/messages.js';

export interface NamePort {
  hostname(): string;
  /** getaddrinfo: the addresses a name resolves to, in the resolver's order. */
  lookup(name: string, family: Family | null): Promise<{ address: string; family: Family }[]>;
  /** getnameinfo on an address: its primary name. */
  reverse(address: string): Promise<string>;
  getservbyname(name: string, proto: 'tcp' | 'udp'): Promise<number | null>;
  getservbyport(port: number, proto: 'tcp' | 'udp'): Promise<string | null>;
}

/** A resolver failure, named as getaddrinfo names it (EAI_NONAME...), with Python's gaierror number. */
export class NameError extends Error {
  constructor(
    readonly syscall: string,
    readonly code: string,
    readonly errno: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'NameError';
  }
}
