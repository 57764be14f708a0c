// The rules a session's calls must follow before they reach the kernel: which addresses it may bind and
// connect to, and how many sockets it may hold. The engine asks; the session's configuration answers.

export interface Refusal {
  code: 'EGW_DENIED' | 'EGW_BIND_DENIED' | 'EGW_LIMIT' | 'EGW_BAD_ADDRESS' | 'EGW_RATE_LIMITED';
  /** What rule refused, in a sentence that names the address. */
  message: string;
  /** The option an instructor would change to allow it. */
  option?: string;
}

/** A local address one of the session's sockets holds right now. */
export interface HeldAddress {
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
}

export interface Policy {
  /** host is numeric (already resolved); proto tells TCP from UDP. */
  checkBind(host: string, port: number, proto: 'tcp' | 'udp'): Refusal | null;
  /** held: the local addresses this session's sockets hold right now (its own listeners among them). */
  checkConnect(
    host: string,
    port: number,
    proto: 'tcp' | 'udp',
    held: readonly HeldAddress[],
  ): Refusal | null;
  /** Called before each call reaches the kernel; may refuse for rate. */
  checkRate(kind: 'call' | 'connect'): Refusal | null;
  readonly maxSockets: number;
}

export class RefusedError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusedError';
  }
}
