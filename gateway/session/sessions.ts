// Every live session: creates them with their own block of ports, finds one again for a reload within
// the grace period, enforces how many sessions a client address and the whole gateway may hold.

import { Engine, QUIET_TICK_MS } from '../engine/engine.js';
import type { KernelTable } from '../engine/kernel-table.js';
import type { NamePort } from '../engine/name-port.js';
import type { SyscallPort } from '../engine/syscall-port.js';
import { Ticker } from '../engine/ticker.js';
import { TurnBatch } from '../engine/turn-batch.js';
import type { Address, LessonServerInfo } from '../protocol/messages.js';
import { LocalOwners } from './local-owners.js';
import { PortPool, SessionRules } from './rules.js';
import { Session, type SessionContext, type Transport } from './session.js';

export interface SessionsOptions {
  sys: SyscallPort;
  names: NamePort;
  kernelTable: KernelTable;
  lessonServers: () => LessonServerInfo[];
  allow: readonly { proto: 'tcp' | 'udp'; host: string; port: number }[];
  bindHosts: readonly string[];
  studentPorts: [number, number];
  portsPerSession: number;
  maxSockets: number;
  maxSessions: number;
  maxSessionsPerAddress: number;
  callsPerSecond: number;
  connectsPerSecond: number;
  pageEvents: number;
  graceMs: number;
}

export class Sessions {
  private readonly live = new Set<Session>();
  private readonly byToken = new Map<string, Session>();
  private readonly perAddress = new Map<string, number>();
  private readonly pool: PortPool;
  private readonly ctx: SessionContext;
  /** Every session's stream writes of one turn, sent together. */
  private readonly writeBatch = new TurnBatch();
  private readonly ticker = new Ticker(QUIET_TICK_MS);
  /** Which session holds which local address (lesson servers' calls are drawn for their peer's session). */
  private readonly locals = new LocalOwners<Session>();

  constructor(private readonly o: SessionsOptions) {
    this.pool = new PortPool(o.studentPorts[0], o.studentPorts[1], o.portsPerSession);
    this.ctx = {
      engineInfo: o.sys.info,
      lessonServers: o.lessonServers,
      bindHosts: ['127.0.0.1', '::1', ...o.bindHosts],
      limits: { sockets: o.maxSockets, callsPerSecond: o.callsPerSecond, pageEvents: o.pageEvents },
      graceMs: o.graceMs,
      messagesPerSecond: o.callsPerSecond * 2,
      resume: (token, transport) => {
        const s = this.byToken.get(token);
        if (!s || s.isEnded) return null;
        s.attach(transport);
        return s;
      },
      ended: (s) => this.forget(s),
    };
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * A new WebSocket: a new session, or a refusal naming the limit and the option an instructor
   * changes; `reason` is the same in a WebSocket close reason's 123 bytes, which the page shows.
   */
  open(
    transport: Transport,
    address: string,
    o: { resuming?: boolean } = {},
  ): Session | { message: string; reason: string } {
    // A page resuming a session (see canResume) takes no new place: this one ends at its hello.
    if (o.resuming) return this.create(transport, address);
    if (this.live.size >= this.o.maxSessions)
      return {
        message: `the gateway already serves ${this.o.maxSessions} sessions (browser tabs), its limit: close a tab, or ask the instructor to restart it with a higher --max-sessions`,
        reason: `the gateway is full (${this.o.maxSessions} tabs): the instructor can raise --max-sessions`,
      };
    const n = this.perAddress.get(address) ?? 0;
    if (n >= this.o.maxSessionsPerAddress) {
      return {
        message: `${address} already has ${n} sessions (browser tabs) open, the most one address may have: close a tab, or, when a class shares one address (a school network behind NAT), ask the instructor to restart the gateway with a higher --max-sessions-per-address`,
        reason: `${n} tabs from one address, the limit: the instructor can raise --max-sessions-per-address`,
      };
    }
    return this.create(transport, address);
  }

  /** Whether a hello's resume token names a session still waiting for its tab. */
  canResume(token: string): boolean {
    const s = this.byToken.get(token);
    return s !== undefined && !s.isEnded;
  }

  private create(transport: Transport, address: string): Session {
    const ports = this.pool.take();
    const session = new Session(this.ctx, transport, ports, address);
    const targets = [
      ...this.o.allow,
      ...this.o.lessonServers().map((l) => ({ proto: l.proto, host: l.host, port: l.port })),
    ];
    session.engine = new Engine({
      sys: this.o.sys,
      names: this.o.names,
      kernelTable: this.o.kernelTable,
      clock: () => performance.now(),
      emit: session.emit,
      binary: session.binary,
      congested: session.congested,
      writeBatch: this.writeBatch,
      ticker: this.ticker,
      locals: {
        held: (address) => this.locals.held(address, session),
        released: (address) => this.locals.released(address, session),
      },
      policy: new SessionRules(
        {
          extraBindHosts: this.o.bindHosts,
          targets,
          maxSockets: this.o.maxSockets,
          callsPerSecond: this.o.callsPerSecond,
          connectsPerSecond: this.o.connectsPerSecond,
        },
        () => session.ports,
      ),
    });
    this.live.add(session);
    this.byToken.set(session.resumeToken, session);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    return session;
  }

  /** The session, if any, holding a socket bound to this local address (for lesson server traces). */
  owner(local: Address): Session | null {
    return this.locals.find(local);
  }

  closeAll(): void {
    for (const s of [...this.live]) s.end();
  }

  private forget(s: Session): void {
    if (!this.live.delete(s)) return;
    this.byToken.delete(s.resumeToken);
    this.pool.give(s.ports);
    const n = (this.perAddress.get(s.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(s.address);
    else this.perAddress.set(s.address, n);
  }
}
