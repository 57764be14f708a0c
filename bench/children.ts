// The bench's child processes: starts each one, waits until it is ready, samples its memory and CPU
// from /proc, and makes sure every one is gone when the bench ends, fails or is interrupted.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The port it listens on (printed by it, or chosen for it). */
  readonly port: number;
  /** The last lines it wrote to stdout and stderr, for error messages. */
  tail(): string;
  /**
   * A Node child started with collectable: true runs a full garbage collection (see gc-on-signal.ts);
   * resolves once it has, or after 5 s. Others resolve at once.
   */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  /** How readiness is seen: a line on stdout whose first group is the port, or a port accepting TCP. */
  ready: { stdout: RegExp } | { tcpPort: number };
  timeoutMs?: number;
  /** Its own process group, killed as a whole (for servers that fork a process per connection). */
  group?: boolean;
  /** A Node script: run it with gc-on-signal.ts preloaded, so that collectGarbage() works. */
  collectable?: boolean;
}

const GC_PRELOAD = new URL('./gc-on-signal.js', import.meta.url).href;

const live = new Set<{ proc: ChildProcess; group: boolean }>();
const TAIL_LINES = 20;

export async function startChild(o: StartOptions): Promise<Child> {
  const group = o.group ?? false;
  const args = o.collectable ? ['--expose-gc', '--import', GC_PRELOAD, ...o.args] : o.args;
  const proc = spawn(o.command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: group });
  const entry = { proc, group };
  live.add(entry);
  const lines: string[] = [];
  let stdoutText = '';
  let collected = 0;
  const keep = (chunk: Buffer, into: 'out' | 'err') => {
    const text = chunk.toString();
    if (into === 'out') collected += text.match(/^GC$/gm)?.length ?? 0;
    if (into === 'out') stdoutText = (stdoutText + text).slice(-4096);
    for (const line of text.split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };
  // Both pipes are always read: a child blocked on a full pipe would stall the measurement.
  proc.stdout?.on('data', (c: Buffer) => keep(c, 'out'));
  proc.stderr?.on('data', (c: Buffer) => keep(c, 'err'));
  proc.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // 'exit' may come before the last of its output: a failure waits for the pipes to close to quote it.
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  proc.once('exit', () => live.delete(entry));

  const timeoutMs = o.timeoutMs ?? 20_000;
  const started = performance.now();
  let port = 0;
  let gone = false;
  proc.once('exit', () => {
    gone = true;
  });
  const failure = (why: string) =>
    new Error(`${o.name} ${why}${lines.length ? `:\n  ${lines.join('\n  ')}` : ''}`);
  if (proc.pid === undefined) throw failure('could not be started');
  while (port === 0) {
    if (gone) {
      await Promise.race([closed, sleep(1000)]);
      throw failure(`exited before it was ready (code ${proc.exitCode ?? proc.signalCode})`);
    }
    if (performance.now() - started > timeoutMs) {
      await kill(entry, exited);
      throw failure(`was not ready within ${timeoutMs} ms`);
    }
    if ('stdout' in o.ready) {
      const m = o.ready.stdout.exec(stdoutText);
      if (m) port = Number(m[1]);
    } else if (await accepts(o.ready.tcpPort)) {
      port = o.ready.tcpPort;
    }
    if (port === 0) await sleep(50);
  }
  const pid = proc.pid;
  return {
    name: o.name,
    pid,
    port,
    tail: () => lines.join('\n'),
    collectGarbage: async () => {
      if (!o.collectable || gone) return;
      const before = collected;
      proc.kill('SIGUSR2');
      const until = performance.now() + 5000;
      while (collected === before && !gone && performance.now() < until) await sleep(20);
    },
    stop: () => kill(entry, exited),
  };
}

/** SIGTERM (a gateway then closes its sockets and writes its CPU profile), SIGKILL after 5 s. */
async function kill(entry: { proc: ChildProcess; group: boolean }, exited: Promise<void>): Promise<void> {
  if (!live.has(entry)) return;
  signal(entry, 'SIGTERM');
  const timer = setTimeout(() => signal(entry, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  // A forking server's children may outlive their parent: finish the group off.
  if (entry.group) signal(entry, 'SIGKILL');
}

function signal(entry: { proc: ChildProcess; group: boolean }, sig: NodeJS.Signals): void {
  const pid = entry.proc.pid;
  if (pid === undefined) return;
  try {
    if (entry.group) process.kill(-pid, sig);
    else entry.proc.kill(sig);
  } catch {
    // Already gone.
  }
}

/** Last resort, synchronous (process 'exit' handlers cannot wait): SIGKILL every child still running. */
export function killAllChildrenNow(): void {
  for (const entry of live) signal(entry, 'SIGKILL');
  live.clear();
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process's resident set size in KiB (VmRSS: includes allocator slack and shared pages), or NaN. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

let ticksPerSecond = 0;

/** CPU seconds (user + system) a process has used so far, or NaN. */
export function cpuSeconds(pid: number): number {
  if (ticksPerSecond === 0) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is the first, utime the 12th, stime the 13th (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** A port nobody listens on right now (for servers that cannot pick their own). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
