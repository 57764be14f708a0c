// Drives one Engine on the real libc port, the way a session does, and records its trace events so
// tests can assert on what the kernel reported.

import { readdirSync } from 'node:fs';
import { afterEach } from 'vitest';
import { Engine, type TraceMessage } from '../../gateway/engine/engine.js';
import { KernelTable } from '../../gateway/engine/kernel-table.js';
import type { NamePort } from '../../gateway/engine/name-port.js';
import type { SyscallPort } from '../../gateway/engine/syscall-port.js';
import type {
  Call,
  CallError,
  CallResult,
  KernelSocket,
  ServerMessage,
} from '../../gateway/protocol/messages.js';
import { decodeRecords } from '../../gateway/protocol/records.js';
import { SessionRules } from '../../gateway/session/rules.js';
import { loadLibcPort } from '../../gateway/syscalls/libc.js';
import { SystemNames } from '../../gateway/syscalls/names.js';
import { harnessPorts } from './ports.js';

let shared: SyscallPort | null = null;
export const libc = (): SyscallPort => {
  shared ??= loadLibcPort();
  return shared;
};

export class CallFailed extends Error {
  constructor(readonly error: CallError) {
    super(`${error.syscall}: ${error.code} ${error.message}`);
  }
}

export interface HarnessOptions {
  sys?: SyscallPort;
  /** The resolver (default: the system's). */
  names?: NamePort;
  targets?: { proto: 'tcp' | 'udp'; host: string; port: number }[];
  maxSockets?: number;
  /** Hosts besides loopback the session may bind (LAN mode). */
  bindHosts?: string[];
  /** Whether the page is behind (streams pause); never, by default. */
  congested?: () => boolean;
  /** The page reads streams' traffic as binary records, and writes bytes (protocol/records.ts). */
  binary?: boolean;
  /** The session's call rate limit (default: high enough never to matter). */
  callsPerSecond?: number;
  /** The session's connect rate limit (default: the same). */
  connectsPerSecond?: number;
}

export class Harness {
  readonly events: TraceMessage[] = [];
  /** Replies that are not trace events (written, failed). */
  readonly replies: ServerMessage[] = [];
  /** Messages the engine emitted as binary stream records (decoded into `events` and `replies`). */
  records = 0;
  /** The messages the engine said may wait for company (see Outbox): not urgent for the page. */
  readonly lazy = new WeakSet<ServerMessage>();
  readonly ports: number[];
  readonly engine: Engine;
  private n = 0;

  private readonly binary: boolean;

  constructor(o: HarnessOptions = {}) {
    this.binary = o.binary === true;
    // Ten ports of this worker's own that no socket holds (support/ports.ts): TIME_WAIT left by an
    // earlier test or run never meets a new one.
    this.ports = harnessPorts();
    this.engine = new Engine({
      sys: o.sys ?? libc(),
      names: o.names ?? new SystemNames(),
      kernelTable: new KernelTable(
        () => (o.sys ?? libc()).kernelTable(),
        () => performance.now(),
        0,
      ),
      clock: () => performance.now(),
      ...(o.congested ? { congested: o.congested } : {}),
      binary: () => this.binary,
      emit: (encoded, lazy) => {
        // Stream events come as JSON text or binary records, as they will leave for the page.
        let ms: ServerMessage[];
        if (typeof encoded === 'string') ms = [JSON.parse(encoded)];
        else if (encoded instanceof Uint8Array) {
          ms = decodeRecords(encoded);
          this.records += ms.length;
        } else ms = [encoded];
        for (const m of ms) {
          if (lazy) this.lazy.add(m);
          if ('seq' in m) this.events.push(m);
          else this.replies.push(m);
        }
      },
      policy: new SessionRules(
        {
          extraBindHosts: o.bindHosts ?? [],
          targets: o.targets ?? [],
          maxSockets: o.maxSockets ?? 32,
          callsPerSecond: o.callsPerSecond ?? 10_000,
          connectsPerSecond: o.connectsPerSecond ?? 10_000,
        },
        () => this.ports,
      ),
    });
  }

  /** Makes a call; resolves with its result, rejects with CallFailed carrying the CallError. */
  async call<T extends CallResult = CallResult>(
    program: string,
    call: Call,
    id = `c${++this.n}`,
  ): Promise<T> {
    const reply = await this.engine.call(id, program, call);
    if (reply.type === 'call-failed') throw new CallFailed(reply.error);
    if (reply.type !== 'call-returned') throw new Error(`unexpected reply ${reply.type}`);
    return reply.result as T;
  }

  /** Makes a call that must fail, and returns the error's facts. */
  async fails(program: string, call: Call): Promise<CallError> {
    try {
      await this.call(program, call);
    } catch (err) {
      if (err instanceof CallFailed) return err.error;
      throw err;
    }
    throw new Error(`${call.op} succeeded but was expected to fail`);
  }

  /** `write` on a socket; resolves with its reply (written or failed). */
  async write(
    socket: string,
    data: string | Uint8Array,
    id = `w${++this.n}`,
    ms = 8000,
  ): Promise<ServerMessage> {
    this.engine.write(id, socket, this.binary ? bytesOf(data) : b64(data));
    return this.reply(id, ms);
  }

  /** Waits for the non-trace reply with this id. */
  async reply(id: string, ms = 8000): Promise<ServerMessage> {
    const start = performance.now();
    for (;;) {
      const r = this.replies.find((m) => 'id' in m && m.id === id);
      if (r) return r;
      if (performance.now() - start > ms) throw new Error(`no reply to ${id}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  }

  /** Waits until a trace event matches. */
  async event<T extends TraceMessage>(
    pred: (e: TraceMessage) => e is T,
    what: string,
    ms = 8000,
  ): Promise<T> {
    const start = performance.now();
    for (;;) {
      const e = this.events.find(pred);
      if (e) return e;
      if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  }

  /** Polls the kernel-state events until one matches, as the page would see it. */
  async until(pred: (k: KernelSocket) => boolean, what: string, ms = 8000): Promise<KernelSocket> {
    const start = performance.now();
    for (;;) {
      for (const e of this.events) if (e.type === 'state-changed' && pred(e.kernel)) return e.kernel;
      if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
      this.engine.refresh();
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The latest state reported for a socket. */
  latest(socket: string): KernelSocket | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === 'state-changed' && e.kernel.socket === socket) return e.kernel;
    }
    return undefined;
  }

  dispose(): void {
    this.engine.dispose();
  }
}

export const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const bytesOf = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? Buffer.from(s) : s);
export const text = (b64data: string) => Buffer.from(b64data, 'base64').toString('utf8');

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Polls until check() is true; for kernel facts that settle a few milliseconds later. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 8000,
): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A factory for harnesses that are all disposed after each test, so a failing test never leaves
 * sockets behind for the next one.
 */
export function harnesses(): (o?: HarnessOptions) => Harness {
  const made: Harness[] = [];
  afterEach(() => {
    for (const h of made.splice(0)) h.dispose();
  });
  return (o) => {
    const h = new Harness(o);
    made.push(h);
    return h;
  };
}
