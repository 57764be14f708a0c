// Starts and stops the lesson servers: small real peers on loopback that nc, telnet, curl, a Python
// script and the browser all reach the same way. Owns their ports and options, not their protocols.

import { Buffer } from 'node:buffer';
import type { LessonServerInfo } from '../protocol/messages.js';
import { addressBookServer } from './address-book.js';
import { capitalizeServer } from './capitalize.js';
import { counterServer } from './counter.js';
import { echoServer } from './echo.js';
import { httpServer } from './http.js';
import type { ClientOf, LessonServerName, LessonServerTrace } from './lesson.js';
import { DEFAULT_NAME, namesServer } from './names.js';
import { type RouletteOptions, rouletteServer, seededRandom } from './roulette.js';
import { describeError, hostPort } from './supervisor.js';
import { TcpHost } from './tcp-host.js';
import { udpEchoServer } from './udp-echo.js';
import { UdpHost } from './udp-host.js';

export type { ClientOf, LessonServerName, LessonServerTrace } from './lesson.js';
export { seededRandom } from './roulette.js';

/** Outside the range students bind (20000-21999 by default) and below the kernel's ephemeral ports. */
export const DEFAULT_PORTS: Readonly<Record<LessonServerName, number>> = {
  echo: 7007,
  capitalize: 7008,
  counter: 7009,
  addressbook: 7010,
  names: 7011,
  roulette: 7012,
  http: 7080,
  'udp-echo': 7007,
};

export const LESSON_SERVER_NAMES = Object.keys(DEFAULT_PORTS) as LessonServerName[];

export interface LessonServersOptions {
  /** Default 127.0.0.1. Loopback keeps strangers out, and keeps udp-echo from being a reflector. */
  host?: string;
  /** Ports by server (missing ones take DEFAULT_PORTS); 'auto' = port 0 for all, for tests. */
  ports?: Partial<Record<LessonServerName, number>> | 'auto';
  /** The page session of a client (the address book keeps one book per session). Default: none. */
  clientOf?: ClientOf;
  /** Each call a lesson server makes; when absent no trace is even built. */
  onTrace?: (ev: LessonServerTrace) => void;
  /** Crashes and restarts, one line each. Default: nothing. */
  log?: (line: string) => void;
  /** A client that sends nothing for this long is told so and closed. Default 60 000. */
  idleTimeoutMs?: number;
  /** Connections per TCP server; the next one is told the server is busy and closed. Default 512. */
  maxClients?: number;
  /**
   * Connections per TCP server from one page (see clientOf): a few tabs cannot take a server from
   * the rest of the class. Clients from outside the page share only the total. Default 8.
   */
  maxClientsPerOwner?: number;
  /** Datagrams udp-echo answers per second; the rest are dropped. Default 2000. */
  maxDatagramsPerSecond?: number;
  /** Of those, from one page (see clientOf); outside senders have only the total. Default 50. */
  maxDatagramsPerOwner?: number;
  /** The name the names server appends. Default 'Ada'. */
  name?: string;
  /** Wheel randomness and timing; `seed` is a shortcut for `random: seededRandom(seed)`. */
  roulette?: RouletteOptions & { seed?: number };
  /** How long the address book waits before taking bytes without a newline as a command. Default 200. */
  addressBookQuietMs?: number;
  /** Test-only: any server whose handler receives these bytes throws, as a buggy server would. */
  faults?: { throwOn?: string };
}

export interface LessonServers {
  servers: LessonServerInfo[];
  /** Stops every server, destroys every client socket; resolves once every descriptor is closed. */
  close(): Promise<void>;
  /** Acts as if the server's listening (or bound UDP) socket had failed: it is restarted. */
  simulateListenerError(name: LessonServerName, err?: Error): void;
}

/** Why a lesson server could not start: `code` is the errno name (EADDRINUSE, EACCES...). */
export class LessonServerStartError extends Error {
  constructor(
    readonly server: LessonServerName,
    readonly host: string,
    readonly port: number,
    readonly proto: 'tcp' | 'udp',
    readonly code: string,
    cause: unknown,
  ) {
    const taken =
      code === 'EADDRINUSE' ? ' (another program holds that port; choose another one for it)' : '';
    super(
      `lesson server ${server} could not listen on ${hostPort(host, port)}/${proto}: ${describeError(cause)}${taken}`,
      {
        cause,
      },
    );
    this.name = 'LessonServerStartError';
  }
}

export async function startLessonServers(opts: LessonServersOptions = {}): Promise<LessonServers> {
  const host = opts.host ?? '127.0.0.1';
  const portOf = (name: LessonServerName) =>
    opts.ports === 'auto' ? 0 : (opts.ports?.[name] ?? DEFAULT_PORTS[name]);
  const log = opts.log ?? (() => {});
  const throwOn = opts.faults?.throwOn ? Buffer.from(opts.faults.throwOn, 'utf8') : undefined;
  const tcp = (name: LessonServerName) => ({
    host,
    port: portOf(name),
    maxClients: opts.maxClients ?? 512,
    maxClientsPerOwner: opts.maxClientsPerOwner ?? 8,
    ownerOf: opts.clientOf,
    idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
    trace: opts.onTrace,
    log,
    throwOn,
  });
  const { seed, ...roulette } = opts.roulette ?? {};
  if (seed !== undefined && roulette.random === undefined) roulette.random = seededRandom(seed);
  const quietMs = opts.addressBookQuietMs ?? 200;

  const hosts: (TcpHost | UdpHost)[] = [
    new TcpHost(echoServer, tcp('echo')),
    new TcpHost(capitalizeServer, tcp('capitalize')),
    new TcpHost(counterServer, tcp('counter')),
    new TcpHost(() => addressBookServer(quietMs, opts.clientOf), tcp('addressbook')),
    new TcpHost(() => namesServer(opts.name ?? DEFAULT_NAME), tcp('names')),
    new TcpHost(() => rouletteServer(roulette), tcp('roulette')),
    new TcpHost(httpServer, tcp('http')),
    new UdpHost(udpEchoServer, {
      host,
      port: portOf('udp-echo'),
      maxDatagramsPerSecond: opts.maxDatagramsPerSecond ?? 2000,
      maxDatagramsPerOwner: opts.maxDatagramsPerOwner ?? 50,
      ownerOf: opts.clientOf,
      trace: opts.onTrace,
      log,
      throwOn,
    }),
  ];

  const started = await Promise.allSettled(hosts.map((h) => h.start()));
  const failed = started.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    // Leave nothing half-open: the caller decides what to do (another port, or go without).
    await Promise.all(hosts.map((h) => h.close()));
    const h = hosts[failed] as TcpHost | UdpHost;
    const reason = (started[failed] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    const proto = h instanceof UdpHost ? 'udp' : 'tcp';
    throw new LessonServerStartError(h.name, host, portOf(h.name), proto, reason?.code ?? 'EUNKNOWN', reason);
  }

  let closed: Promise<void> | null = null;
  return {
    servers: hosts.map((h) => h.info()),
    close() {
      closed ??= Promise.all(hosts.map((h) => h.close())).then(() => {});
      return closed;
    },
    simulateListenerError(name, err = new Error('simulated listener failure')) {
      for (const h of hosts) if (h.name === name) h.simulateListenerError(err);
    },
  };
}
