// Runs one UDP lesson server: its bound socket, caps on datagrams per second (in all, and from each
// page), and the restart after a crash. Knows no protocol: that is the UdpLesson it is given (a fresh
// one at every start).

import type { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import net from 'node:net';
import type { ClientOf, LessonServerTrace, UdpLesson, UdpPeer } from './lesson.js';
import { SupervisedHost } from './supervised-host.js';
import { describeError } from './supervisor.js';

export interface UdpHostOptions {
  host: string;
  port: number;
  /** Datagrams answered per second; the rest are dropped, as a busy kernel would drop them. */
  maxDatagramsPerSecond: number;
  /**
   * Of those, from one page: one student's loop cannot drown the class. Senders from outside the page
   * (on the gateway's host) have only the total.
   */
  maxDatagramsPerOwner: number;
  /** The page a sender belongs to; null for one from outside the page. */
  ownerOf: ClientOf | undefined;
  trace: ((ev: LessonServerTrace) => void) | undefined;
  log: (line: string) => void;
  throwOn: Buffer | undefined;
}

export class UdpHost extends SupervisedHost<UdpLesson> {
  private socket: dgram.Socket | null = null;
  private windowStart = 0;
  private inWindow = 0;
  private readonly byOwner = new Map<object, number>();

  constructor(
    make: () => UdpLesson,
    private readonly opts: UdpHostOptions,
  ) {
    super(make, opts, 'udp');
  }

  protected open(port: number): Promise<number> {
    return this.bind(port);
  }

  protected stop(): void {
    this.unbind();
  }

  simulateListenerError(err: Error): void {
    this.socket?.emit('error', err);
  }

  async close(): Promise<void> {
    await this.supervisor.shutdown();
    await Promise.all(this.stopped);
  }

  private bind(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(this.opts.host) ? 'udp6' : 'udp4');
      const failedToBind = (err: Error) => {
        try {
          socket.close();
        } catch {
          // already closed by dgram itself
        }
        reject(err);
      };
      socket.once('error', failedToBind);
      socket.on('message', (msg, rinfo) => this.receive(socket, msg, rinfo));
      socket.bind({ address: this.opts.host, port, exclusive: true }, () => {
        socket.off('error', failedToBind);
        socket.on('error', (err) => this.supervisor.crash(`socket failed: ${describeError(err)}`));
        this.socket = socket;
        resolve(socket.address().port);
      });
    });
  }

  private unbind(): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.removeAllListeners('message');
    socket.on('error', () => {});
    const done: Promise<void> = new Promise((resolve) => socket.close(() => resolve()));
    this.stopped.add(done);
    void done.then(() => this.stopped.delete(done));
  }

  private receive(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
      this.byOwner.clear();
    }
    const remote: [string, number] = [rinfo.address, rinfo.port];
    if (this.inWindow >= this.opts.maxDatagramsPerSecond) return;
    const owner = this.opts.ownerOf?.(remote) ?? null;
    if (owner !== null) {
      const mine = this.byOwner.get(owner) ?? 0;
      if (mine >= this.opts.maxDatagramsPerOwner) return;
      this.byOwner.set(owner, mine + 1);
    }
    this.inWindow++;
    const local = socket.address();
    const localAddr: [string, number] = [local.address, local.port];
    this.emit('recvfrom', localAddr, remote, msg);
    const peer: UdpPeer = {
      remote,
      reply: (data) => {
        if (this.socket !== socket) return; // restarted meanwhile: this socket is closed
        this.emit('sendto', localAddr, remote, data);
        // A failed sendto (ICMP unreachable, ENOBUFS) is the sender's problem, not a crash.
        socket.send(data, rinfo.port, rinfo.address, () => {});
      },
    };
    try {
      if (this.opts.throwOn && msg.includes(this.opts.throwOn)) throw new Error('fault injected by a test');
      this.lesson.datagram(msg, peer);
    } catch (err) {
      if (err instanceof Error && err.stack) this.opts.log(`${this.name}: ${err.stack}`);
      this.supervisor.crash(describeError(err));
    }
  }

  private emit(
    kind: LessonServerTrace['kind'],
    local: [string, number],
    remote: [string, number],
    bytes: Uint8Array,
  ) {
    const trace = this.opts.trace;
    if (!trace) return;
    try {
      trace({ server: this.name, kind, local, remote, bytes: new Uint8Array(bytes), t: performance.now() });
    } catch (err) {
      this.opts.log(`${this.name}: onTrace threw: ${describeError(err)}`);
    }
  }
}
