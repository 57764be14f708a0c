// The contract between a lesson server's protocol code and the host that runs it: what a protocol
// sees of one connection (send, close, timers) and what the host reports to the gateway (traces).
// No sockets here: protocol files never touch node:net, so a crash in one cannot leak a handle.

import type { Buffer } from 'node:buffer';

import type { LessonServerName } from '../protocol/messages.js';

export type { LessonServerName };

/**
 * One call the lesson server made on one of its sockets, so the gateway can draw it on the server's
 * lifeline. `remote` is the student's socket, which is how the gateway finds the right diagram.
 * A `recv` with zero bytes is the end of file a real server sees when the client closes.
 */
export interface LessonServerTrace {
  server: LessonServerName;
  kind: 'accept' | 'recv' | 'send' | 'close' | 'recvfrom' | 'sendto';
  local: [string, number];
  remote: [string, number];
  bytes?: Uint8Array;
  /** performance.now() in this process: monotonic milliseconds. */
  t: number;
}

/**
 * Which page session a client's socket (its address as the server sees it) belongs to, as an opaque
 * key; null for a client from outside the page (nc, telnet, a script) or one the page has not yet
 * reported.
 */
export type ClientOf = (remote: [string, number]) => object | null;

/** One accepted TCP connection, as a protocol sees it. */
export interface TcpConn {
  readonly local: [string, number];
  readonly remote: [string, number];
  /** True once the server has closed its end (or the connection died); sends are then dropped. */
  readonly closed: boolean;
  /** One send() of these bytes (a string goes out as UTF-8). */
  send(data: string | Uint8Array): void;
  /** close() after whatever was sent: the client reads everything, then end of file. */
  close(): void;
  /** A timer that dies with the connection; an exception inside it is a crash like any other. */
  later(ms: number, fn: () => void): () => void;
}

/** The protocol's side of one conversation. Exceptions thrown here crash (and restart) the server. */
export interface TcpSession {
  /** The bytes one recv() returned. */
  data(chunk: Buffer): void;
  /** recv() returned b'': the client will send nothing more. Without this hook the server closes. */
  end?(): void;
}

export interface TcpLesson {
  name: LessonServerName;
  description: string;
  /** Called once per accepted connection. */
  open(conn: TcpConn): TcpSession;
  /**
   * What a client hears before being closed because the server already has `limit` clients: in all,
   * or (`yours`) from the client's own page.
   */
  busy?(limit: number, yours: boolean): string;
  /** What a client hears before being closed for saying nothing for `seconds`. */
  idle?(seconds: number): string;
}

/** The sender of one datagram, and the way back to it. */
export interface UdpPeer {
  readonly remote: [string, number];
  /** One sendto() of these bytes back to the sender. */
  reply(data: Uint8Array): void;
}

export interface UdpLesson {
  name: LessonServerName;
  description: string;
  /** The bytes one recvfrom() returned. */
  datagram(bytes: Buffer, peer: UdpPeer): void;
}
