// The safe-by-default rules for one session: bind only loopback and only this session's ports;
// connect only to the lesson servers, this session's own ports and sockets, and what the instructor
// allowed; bounded call rates. Every refusal names the rule and the option that would change it.

import { BlockList, isIP } from 'node:net';
import type { HeldAddress, Policy, Refusal } from '../engine/policy.js';

export interface RulesConfig {
  /** Hosts students may bind besides loopback (LAN mode). */
  extraBindHosts: readonly string[];
  /** Lesson servers and instructor-allowed targets, as proto/host/port. */
  targets: readonly { proto: 'tcp' | 'udp'; host: string; port: number }[];
  maxSockets: number;
  callsPerSecond: number;
  connectsPerSecond: number;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Never reachable, whatever an instructor allows: cloud metadata, link-local, "any", multicast. */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');
NEVER.addAddress('::', 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6');

const kind = (host: string) => (isIP(host) === 6 ? 'ipv6' : 'ipv4');
/** ::ffff:127.0.0.1 is 127.0.0.1: check the IPv4 inside an IPv4-mapped address. */
const unmap = (host: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(host) ? host.slice(7) : host);

export function isLoopback(host: string): boolean {
  const h = unmap(host);
  return isIP(h) !== 0 && LOOPBACK.check(h, kind(h));
}

class TokenBucket {
  private tokens: number;
  private at = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class SessionRules implements Policy {
  readonly maxSockets: number;
  private readonly calls: TokenBucket;
  private readonly connects: TokenBucket;

  constructor(
    private readonly cfg: RulesConfig,
    /** The ports this session may bind (its own block of the student range). */
    private readonly ports: () => readonly number[],
  ) {
    this.maxSockets = cfg.maxSockets;
    this.calls = new TokenBucket(cfg.callsPerSecond, cfg.callsPerSecond * 2);
    this.connects = new TokenBucket(cfg.connectsPerSecond, cfg.connectsPerSecond * 4);
  }

  checkBind(host: string, port: number, _proto: 'tcp' | 'udp'): Refusal | null {
    const h = unmap(host);
    if (!isLoopback(h) && !this.cfg.extraBindHosts.includes(h)) {
      return {
        code: 'EGW_BIND_DENIED',
        message:
          h === '0.0.0.0' || h === '::'
            ? `binding ${host} (every interface) is not allowed here: bind 127.0.0.1 so only this machine can connect`
            : `binding ${host} is not allowed: students bind loopback addresses (127.0.0.1 or ::1)`,
        option: '--lan',
      };
    }
    const mine = this.ports();
    if (port !== 0 && !mine.includes(port)) {
      return {
        code: 'EGW_BIND_DENIED',
        message:
          mine.length > 0
            ? `port ${port} is not one of this session's ports (${mine[0]}-${mine[mine.length - 1]}); each student gets their own so a class never collides`
            : `this session has no ports of its own (all are in use); port ${port} cannot be bound`,
        option: '--ports',
      };
    }
    return null;
  }

  checkConnect(
    host: string,
    port: number,
    proto: 'tcp' | 'udp',
    held: readonly HeldAddress[],
  ): Refusal | null {
    const h = unmap(host);
    if (isIP(h) === 0) return { code: 'EGW_BAD_ADDRESS', message: `${host} is not a numeric address` };
    const denied: Refusal = {
      code: 'EGW_DENIED',
      message: `${host}:${port} is not an allowed target: programs here may reach the lesson servers and this session's own ports`,
      option: '--allow',
    };
    // Link-local, metadata and multicast addresses: no option allows them, so none is named.
    if (NEVER.check(h, kind(h)))
      return {
        code: 'EGW_DENIED',
        message: `${host} is never a target here: link-local, cloud metadata, multicast and "any" (0.0.0.0, ::) addresses are not`,
      };
    const allowed = this.cfg.targets.some(
      (t) => t.proto === proto && t.port === port && (t.host === h || (isLoopback(t.host) && isLoopback(h))),
    );
    if (allowed) return null;
    if (isLoopback(h) && this.ports().includes(port)) return null;
    // Its own sockets, by the address each holds: a port number alone is not enough. A socket bound to
    // port 0 gets a port the kernel picks, and that port on another loopback address (127.0.0.1 when
    // the socket holds ::1 or 127.0.0.2), or for the other protocol, may be some other program's.
    if (held.some((a) => a.proto === proto && a.port === port && this.reaches(unmap(a.host), h))) return null;
    return denied;
  }

  /**
   * Whether a connect to `target`, a loopback address or one students may bind (LAN mode), meets a
   * socket that holds `local`: the same address, or any of them when it is bound to every interface
   * of its family (no other program can hold the port on one address while such a socket holds it on
   * all). Only of its family: 127.0.0.1 on the port of a socket on `::` may be another program's
   * where the host sets net.ipv6.bindv6only, and [::1] on the port of one on `0.0.0.0` always may.
   */
  private reaches(local: string, target: string): boolean {
    if (!isLoopback(target) && !this.cfg.extraBindHosts.includes(target)) return false;
    if (local === '0.0.0.0' || local === '::') return isIP(target) === isIP(local);
    return local === target;
  }

  checkRate(kind: 'call' | 'connect'): Refusal | null {
    if (!this.calls.take() || (kind === 'connect' && !this.connects.take())) {
      return {
        code: 'EGW_RATE_LIMITED',
        message: kind === 'connect' ? 'too many connects per second' : 'too many calls per second',
        option: kind === 'connect' ? '--connects-per-second' : '--calls-per-second',
      };
    }
    return null;
  }
}

/** Hands out blocks of the student port range, one block per session, returned when it ends. */
export class PortPool {
  private readonly free: number[] = [];

  constructor(
    first: number,
    last: number,
    readonly perSession: number,
  ) {
    if (perSession > 0) for (let p = first; p + perSession - 1 <= last; p += perSession) this.free.push(p);
  }

  take(): number[] {
    const start = this.free.shift();
    if (start === undefined) return [];
    return Array.from({ length: this.perSession }, (_, i) => start + i);
  }

  give(ports: readonly number[]): void {
    if (ports.length > 0) this.free.push(ports[0]!);
  }
}
