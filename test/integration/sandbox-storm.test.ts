// Students in the sandbox: any call, in any order, with any argument, from several tabs at once,
// two programs to a tab, reaching the real lesson servers, some tabs reloading and some vanishing
// mid-call. Whatever they do, every request gets exactly one reply (the kernel's answer, a rule's
// refusal, or an error naming what was malformed), no call crashes inside the gateway, each tab's
// events stay in order, and once the tabs are gone every fd they made is closed and the gateway
// still serves the next one.
//
// Seeded, so a failure can be replayed: its message names the seed. STORM_SEED=n runs that storm
// alone, STORM_STEPS=n makes each program take more steps, STORM_TABS=n opens more tabs, and
// STORM_STATS=1 prints how the calls ended (to see that the storm reaches connections and bytes, not
// only errors).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../gateway/config.js';
import type { SyscallPort } from '../../gateway/engine/syscall-port.js';
import { type LessonServers, seededRandom, startLessonServers } from '../../gateway/lesson-servers/index.js';
import {
  type Address,
  type Call,
  type ResultOf,
  type ServerMessage,
  SOCKET_OPTIONS,
  type SocketOption,
} from '../../gateway/protocol/messages.js';
import { type Gateway, startGateway } from '../../gateway/server.js';
import { createFallbackPort } from '../../gateway/syscalls/fallback.js';
import { SystemNames } from '../../gateway/syscalls/names.js';
import { eventually, libc, openFds } from '../support/engine-harness.js';
import { studentPortRange } from '../support/ports.js';
import { Page, type Welcome } from '../support/ws-client.js';

const SEEDS = process.env.STORM_SEED ? [Number(process.env.STORM_SEED)] : [1, 2, 3];
const STEPS = Number(process.env.STORM_STEPS ?? 80);
const TABS = Number(process.env.STORM_TABS ?? 4);
/** A vanished tab's sockets wait this long for a reload. */
const GRACE_SECONDS = 1;
/** How long a call may take before the student presses Ctrl-C. */
const PATIENCE_MS = 150;
/** How long any reply may take once nothing should hold it back. */
const REPLY_MS = 8000;

/** The roulette server's seeded generator (mulberry32): plenty to pick calls with. */
const generator = seededRandom;

type Kind = 'call' | 'write' | 'cancel' | 'malformed';

/** Which messages answer a request of each kind. */
const ANSWERS: Record<Kind, ReadonlySet<string>> = {
  call: new Set(['call-returned', 'call-failed', 'error']),
  write: new Set(['written', 'failed', 'error']),
  cancel: new Set(['ack', 'error']),
  malformed: new Set(['error']),
};

/** What a request was, for a failure's message. */
interface Asked {
  kind: Kind;
  what: string;
}

/** Messages a page could send by mistake, each with a readable id. */
const MALFORMED: readonly ((id: string) => unknown)[] = [
  (id) => ({ type: 'call', id }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'fork' } }),
  (id) => ({
    type: 'call',
    id,
    program: 'p',
    call: { op: 'bind', socket: 's', address: ['127.0.0.1', 70000] },
  }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'recv', socket: 's', bufsize: 'lots' } }),
  (id) => ({
    type: 'call',
    id,
    program: 'p',
    call: { op: 'socket', family: 'AF_UNIX', type: 'SOCK_STREAM' },
  }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'listen', socket: 's', backlog: 1.5 } }),
  (id) => ({ type: 'write', id, socket: 's', data: '%%% not base64' }),
  (id) => ({ type: 'teleport', id }),
  (id) => ({ type: 'hello', id, protocol: 1 }),
  (id) => ({ type: 'cancel', id, call: 42 }),
  (id) => ({ type: 'call', id, program: 'p'.repeat(10_000), call: { op: 'gethostname' } }),
  (id) => ({
    type: 'call',
    id,
    program: 'p',
    call: { op: 'select', read: Array(5000).fill('s'), write: [], except: [], timeout: 0 },
  }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'getaddrinfo', host: 'x'.repeat(300), port: 80 } }),
  // Over the 64 KiB a message may be, and under the 256 KiB that would end the connection.
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'gethostname' }, pad: 'x'.repeat(100_000) }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'settimeout', socket: 's', seconds: -1 } }),
  (id) => ({
    type: 'call',
    id,
    program: 'p',
    call: { op: 'sendto', socket: 's', data: 'aGk=', address: ['127.0.0.1'] },
  }),
  (id) => ({
    type: 'call',
    id,
    program: 'p',
    call: { op: 'setsockopt', socket: 's', option: 'SO_FUN', value: 1 },
  }),
  (id) => ({ type: 'call', id, program: 'p', call: { op: 'shutdown', socket: 's', how: 'SHUT_SIDEWAYS' } }),
  (id) => ({ type: 'call', id, program: '', call: null }),
];

class Student {
  readonly asked = new Map<string, Asked>();
  private readonly live: string[] = [];
  private readonly dead: string[] = [];
  /** What the storm knows went well, to steer later calls where lessons go: bound, listening, connected. */
  private readonly bound = new Map<string, Address>();
  private readonly listening = new Map<string, Address>();
  private readonly connected = new Set<string>();
  private n = 0;
  /** Every page this tab has been: a reload opens a new one on the same session. */
  readonly pages: Page[];

  constructor(
    readonly name: string,
    page: Page,
    readonly welcome: Welcome,
    private readonly rnd: () => number,
    /** Opens a new page on the gateway, as a reload does. */
    private readonly reopen: () => Promise<Page>,
    /** Ports of the other tabs' sessions. */
    private readonly foreignPorts: () => number[],
    /** Handles of the other tabs' sockets. */
    private readonly foreignHandles: () => string[],
  ) {
    this.pages = [page];
  }

  get handles(): readonly string[] {
    return this.live;
  }

  get page(): Page {
    return this.pages[this.pages.length - 1]!;
  }

  /**
   * The tab reloads: the page goes, a new one says hello with the resume token within the grace
   * period, and the session carries on with the same sockets (answers held meanwhile come to it).
   */
  async reload(): Promise<void> {
    await this.page.close();
    const page = await this.reopen();
    const welcome = await page.hello(this.welcome.resumeToken, { binary: this.chance(0.5) });
    expect(welcome.resumed, `${this.name} resumed its session`).toBe(true);
    expect(welcome.session).toBe(this.welcome.session);
    this.pages.push(page);
  }

  /** One program's session at the keyboard: `steps` requests, one after the other. */
  async program(program: string, steps: number): Promise<void> {
    for (let i = 0; i < steps && !this.page.closed; i++) await this.step(program);
  }

  /** Closes every socket still open, the way a tidy program ends. */
  async tidy(): Promise<void> {
    while (this.live.length > 0 && !this.page.closed) {
      const socket = this.live[0]!;
      await this.call('tidy', { op: 'close', socket });
      // A close that failed (EBADF...) leaves the handle listed: stop asking about it.
      if (this.live[0] === socket) this.live.shift();
    }
  }

  /** Waits until every request has its answer, or REPLY_MS. */
  async settled(): Promise<void> {
    const unanswered = () => [...this.asked].filter(([id]) => this.answers(id).length === 0);
    await eventually(() => unanswered().length === 0, 'every request answered', REPLY_MS).catch(() => {
      const mentions = (id: string) =>
        this.pages.flatMap((p) => p.messages.filter((m) => JSON.stringify(m).includes(`"${id}"`)));
      const list = unanswered().map(([id, a]) => `${id} (${a.what}) ${JSON.stringify(mentions(id))}`);
      throw new Error(
        `${this.name} (closed: ${JSON.stringify(this.page.closed)}): no answer to ${list.join('; ')}`,
      );
    });
  }

  /** Every message that answered this request (exactly one, when all is well). */
  answers(id: string): ServerMessage[] {
    const kind = this.asked.get(id)?.kind;
    if (!kind) return [];
    return this.pages.flatMap((p) =>
      p.messages.filter((m) => ANSWERS[kind].has(m.type) && 'id' in m && m.id === id),
    );
  }

  private async step(program: string): Promise<void> {
    const r = this.rnd();
    if (r < 0.04) {
      const id = this.id('m', 'malformed', 'a malformed message');
      this.page.send(this.pick(MALFORMED)(id));
      return;
    }
    if (r < 0.1) {
      const socket = this.handle();
      const id = this.id('w', 'write', `write on ${socket}`);
      this.page.write(id, socket, this.bytes());
      return;
    }
    if (r < 0.12) {
      const id = this.id('x', 'cancel', 'cancel a call that is not waiting');
      this.page.send({ type: 'cancel', id, call: `c${this.n + 1000}` });
      return;
    }
    await this.call(program, this.nextCall());
  }

  /** One call, cancelled like Ctrl-C when it waits longer than PATIENCE_MS. */
  private async call(program: string, call: Call): Promise<void> {
    const id = this.id('c', 'call', `${program}: ${JSON.stringify(call).slice(0, 160)}`);
    this.page.send({ type: 'call', id, program, call });
    const isAnswer = (m: ServerMessage) => ANSWERS.call.has(m.type) && 'id' in m && m.id === id;
    let reply = await this.page.next(isAnswer, PATIENCE_MS).catch(() => null);
    if (!reply) {
      if (this.page.closed) return;
      const cancel = this.id('x', 'cancel', `cancel ${id}`);
      this.page.send({ type: 'cancel', id: cancel, call: id });
      reply = await this.page.next(isAnswer, REPLY_MS).catch(() => {
        const seen = this.page.messages.filter(
          (m) => JSON.stringify(m).includes(`"${id}"`) || JSON.stringify(m).includes(`"${cancel}"`),
        );
        throw new Error(
          `${id} (${this.asked.get(id)?.what}): no answer after Ctrl-C; seen ${JSON.stringify(seen)}`,
        );
      });
    }
    if (reply.type !== 'call-returned') return;
    const result = reply.result;
    if (result.op === 'socket') this.live.push(result.socket);
    if (result.op === 'accept') {
      this.live.push(result.socket);
      this.connected.add(result.socket);
    }
    if (call.op === 'bind') this.bound.set(call.socket, call.address);
    if (call.op === 'listen' && this.bound.has(call.socket))
      this.listening.set(call.socket, this.bound.get(call.socket)!);
    if (call.op === 'connect') this.connected.add(call.socket);
    if (call.op === 'close') {
      const at = this.live.indexOf(call.socket);
      if (at >= 0) this.dead.push(...this.live.splice(at, 1));
      this.bound.delete(call.socket);
      this.listening.delete(call.socket);
      this.connected.delete(call.socket);
    }
  }

  private id(prefix: string, kind: Kind, what: string): string {
    const id = `${this.name}-${prefix}${++this.n}`;
    this.asked.set(id, { kind, what });
    return id;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  /**
   * Mostly a live socket, often one of `likely` (the sockets this call suits); sometimes a closed one,
   * another tab's, or a made-up name.
   */
  private handle(likely: Iterable<string> = []): string {
    const suited = [...likely].filter((h) => this.live.includes(h));
    if (suited.length > 0 && this.chance(0.6)) return this.pick(suited);
    const r = this.rnd();
    if (this.live.length > 0 && r < 0.85) return this.pick(this.live);
    if (this.dead.length > 0 && r < 0.93) return this.pick(this.dead);
    const foreign = this.foreignHandles();
    if (foreign.length > 0 && r < 0.97) return this.pick(foreign);
    return 's_made_up';
  }

  private port(): number {
    const r = this.rnd();
    if (r < 0.7) return this.pick(this.welcome.ports);
    const foreign = this.foreignPorts();
    if (r < 0.8 && foreign.length > 0) return this.pick(foreign);
    return this.pick([0, 1, 80, 65535]);
  }

  /** Often one of this tab's listeners or a lesson server; else any address. */
  private target(): Address {
    if (this.chance(0.2)) {
      const server = this.pick(this.welcome.lessonServers);
      if (server) return [server.host, server.port];
    }
    const listeners = [...this.listening.values()];
    if (listeners.length > 0 && this.chance(0.6)) {
      const [host, port] = this.pick(listeners);
      return [host === '::1' ? '::1' : '127.0.0.1', port];
    }
    return this.address(false);
  }

  /** Often 127.0.0.1 and one of this tab's ports; else any address. */
  private place(): Address {
    return this.chance(0.6) ? ['127.0.0.1', this.pick(this.welcome.ports)] : this.address(true);
  }

  private address(forBind: boolean): Address {
    const hosts = forBind
      ? ['127.0.0.1', '127.0.0.1', '::1', '0.0.0.0', '', 'localhost', '10.1.2.3']
      : ['127.0.0.1', '127.0.0.1', '::1', 'localhost', '10.1.2.3', '127.1'];
    return [this.pick(hosts), this.port()];
  }

  private bytes(): Uint8Array {
    // Now and then a large one, that the kernel takes in pieces (or not yet) while the peer is slow.
    const b = new Uint8Array(1 + Math.floor(this.rnd() * (this.chance(0.1) ? 48_000 : 3000)));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(this.rnd() * 256);
    return b;
  }

  private data(): string {
    return Buffer.from(this.bytes()).toString('base64');
  }

  private nextCall(): Call {
    const op = this.pick(OPS);
    const unbound = this.live.filter((h) => !this.bound.has(h) && !this.connected.has(h));
    const likely =
      op === 'bind' || op === 'connect' || op === 'connect_ex'
        ? unbound
        : op === 'listen'
          ? [...this.bound.keys()].filter((h) => !this.listening.has(h))
          : op === 'accept'
            ? this.listening.keys()
            : op === 'send' || op === 'recv' || op === 'shutdown' || op === 'name'
              ? this.connected
              : [];
    const socket = this.handle(likely);
    switch (op) {
      case 'socket':
        return {
          op: 'socket',
          family: this.chance(0.8) ? 'AF_INET' : 'AF_INET6',
          type: this.chance(0.75) ? 'SOCK_STREAM' : 'SOCK_DGRAM',
        };
      case 'setsockopt':
        return {
          op: 'setsockopt',
          socket,
          option: this.pick(Object.keys(SOCKET_OPTIONS) as SocketOption[]),
          value: this.pick([0, 1, 4096, -1, 2 ** 31 - 1, { onoff: 1, linger: 0 }, { onoff: 1, linger: 2 }]),
        };
      case 'getsockopt':
        return { op: 'getsockopt', socket, option: this.pick(Object.keys(SOCKET_OPTIONS) as SocketOption[]) };
      case 'bind':
        return { op: 'bind', socket, address: this.place() };
      case 'listen':
        return { op: 'listen', socket, backlog: this.pick([0, 1, 5, 128]) };
      case 'accept':
        return { op: 'accept', socket, stream: this.chance(0.3) };
      case 'connect':
        return { op: 'connect', socket, address: this.target(), stream: this.chance(0.3) };
      case 'connect_ex':
        return { op: 'connect_ex', socket, address: this.target() };
      case 'send':
        return { op: this.pick(['send', 'sendall'] as const), socket, data: this.data() };
      case 'sendto':
        return { op: 'sendto', socket, data: this.data(), address: this.target() };
      case 'recv':
        return {
          op: this.pick(['recv', 'recvfrom'] as const),
          socket,
          bufsize: this.pick([1, 5, 100, 65536]),
          flags: this.pick([
            [],
            [],
            ['MSG_PEEK'],
            ['MSG_DONTWAIT'],
            ['MSG_WAITALL'],
            ['MSG_PEEK', 'MSG_DONTWAIT'],
          ]),
        };
      case 'shutdown':
        return { op: 'shutdown', socket, how: this.pick(['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR'] as const) };
      case 'close':
        return { op: 'close', socket };
      case 'name':
        return { op: this.pick(['getsockname', 'getpeername'] as const), socket };
      case 'settimeout':
        return { op: 'settimeout', socket, seconds: this.pick([0, 0.05, 0.3, null]) };
      case 'setblocking':
        return { op: 'setblocking', socket, blocking: this.chance(0.5) };
      case 'select': {
        const some = () => this.live.filter(() => this.chance(0.5));
        return {
          op: 'select',
          read: some(),
          write: some(),
          except: [],
          timeout: this.pick([0, 0.05, 0.3, null]),
        };
      }
      case 'names':
        return this.pick<Call>([
          { op: 'gethostname' },
          { op: 'gethostbyname', name: 'localhost' },
          { op: 'getaddrinfo', host: 'localhost', port: this.port() },
          { op: 'gethostbyaddr', address: '127.0.0.1' },
          { op: 'getservbyname', name: this.pick(['http', 'echo', 'no-such-service']), proto: 'tcp' },
          { op: 'getservbyport', port: this.pick([80, 7, 1]), proto: 'udp' },
        ]);
    }
  }
}

/** The calls a student picks from; the socket calls of a lesson come up more often than names. */
const OPS = [
  'socket',
  'socket',
  'socket',
  'setsockopt',
  'getsockopt',
  'bind',
  'bind',
  'listen',
  'listen',
  'accept',
  'accept',
  'connect',
  'connect',
  'connect_ex',
  'send',
  'send',
  'sendto',
  'recv',
  'recv',
  'shutdown',
  'close',
  'close',
  'name',
  'settimeout',
  'setblocking',
  'select',
  'names',
] as const;

const ENGINES: [string, () => SyscallPort][] = [
  ['libc', libc],
  ['fallback', createFallbackPort],
];

describe.each(ENGINES)(
  'a sandbox storm on the %s engine: any call, in any order, from several tabs',
  (_, sys) => {
    let gw: Gateway;
    let servers: LessonServers;
    let wsUrl: string;
    let origin: string;

    beforeAll(async () => {
      // The real lesson servers, wired as main.ts wires them: students' bytes reach them too.
      let gateway: Gateway | null = null;
      servers = await startLessonServers({
        ports: 'auto',
        onTrace: (ev) => gateway?.lessonTrace(ev),
        clientOf: (remote) => gateway?.sessionOf(remote) ?? null,
      });
      gw = await startGateway(
        {
          ...DEFAULTS,
          port: 0,
          studentPorts: studentPortRange(100),
          graceSeconds: GRACE_SECONDS,
          quiet: true,
          callsPerSecond: 10_000,
          connectsPerSecond: 10_000,
        },
        { sys: sys(), names: new SystemNames(), lessonServers: () => servers.servers },
      );
      gateway = gw;
      wsUrl = `ws://127.0.0.1:${gw.port}/ws`;
      origin = `http://127.0.0.1:${gw.port}`;
    });
    afterAll(async () => {
      await gw.close();
      await servers.close();
    });

    it.each(SEEDS)('seed %i: one reply per request, no crash, no fd left behind', async (seed) => {
      const rnd = generator(seed);
      const before = openFds();
      const open = () => Page.open(wsUrl, { Origin: origin });
      const logged: string[] = [];
      const consoleError = console.error;
      console.error = (...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      };
      const students: Student[] = [];
      // The gateway runs in this process: a call that held its event loop would stop this clock too.
      let longestStallMs = 0;
      let last = performance.now();
      const clock = setInterval(() => {
        const now = performance.now();
        longestStallMs = Math.max(longestStallMs, now - last);
        last = now;
      }, 10);
      try {
        for (let i = 0; i < TABS; i++) {
          const page = await open();
          const welcome = await page.hello(undefined, { binary: rnd() < 0.5 });
          const others = () => students.filter((s) => s.name !== `t${i}`);
          students.push(
            new Student(
              `t${i}`,
              page,
              welcome,
              // A generator per tab: its calls do not depend on how the tabs interleave.
              generator(seed * 1000 + i),
              open,
              () => others().flatMap((s) => s.welcome.ports),
              () => others().flatMap((s) => s.handles),
            ),
          );
        }
        // Some tabs vanish while their programs run; the others finish and tidy up.
        const vanishing = students.filter(() => rnd() < 0.3);
        await Promise.all(
          students.map(async (s) => {
            const half = Math.ceil(STEPS / 2);
            const programs = [s.program('server', half), s.program('client', half)];
            if (!vanishing.includes(s)) {
              await Promise.all(programs);
              if (rnd() < 0.5) await s.reload();
              await Promise.all([s.program('server', STEPS - half), s.program('client', STEPS - half)]);
              await s.tidy();
              await s.settled();
              return;
            }
            await new Promise((r) => setTimeout(r, 200 + rnd() * 1500));
            s.page.ws.terminate();
            // What a vanished tab's programs were waiting for never comes.
            await Promise.allSettled(programs);
          }),
        );
        // The checks below are this test's own synchronous work (thousands of messages), not the
        // gateway's: on a busy machine they alone held this clock for over a second.
        const stormStallMs = longestStallMs;

        for (const s of students.filter((t) => !vanishing.includes(t))) {
          for (const [id, asked] of s.asked) {
            const n = s.answers(id).length;
            expect(n, `seed ${seed}: ${id} (${asked.what}) got ${n} answers`).toBe(1);
          }
          for (const page of s.pages) {
            const callers = new Map<string, string>();
            for (const m of page.messages) {
              if (m.type === 'call-started') callers.set(m.id, m.program);
              if (m.type === 'call-blocked' && callers.has(m.id))
                expect(m.program, `seed ${seed}: ${m.id} blocked in its caller`).toBe(callers.get(m.id));
            }
            let seq = 0;
            let t = 0;
            for (const m of page.messages) {
              if (!('seq' in m)) continue;
              expect(m.seq, `seed ${seed}: ${s.name}'s events in order`).toBeGreaterThan(seq);
              expect(m.t, `seed ${seed}: ${s.name}'s clock never goes back`).toBeGreaterThanOrEqual(t);
              seq = m.seq;
              t = m.t;
            }
          }
        }
        for (const s of students) {
          for (const m of s.pages.flatMap((p) => p.messages)) {
            if (m.type === 'call-failed') {
              expect(m.error.code, `seed ${seed}: ${JSON.stringify(m.error)}`).toMatch(/^[A-Z][A-Z0-9_]+$/);
              expect(m.error.code, `seed ${seed}: ${JSON.stringify(m.call)}`).not.toBe('EGW_INTERNAL');
              expect(m.error.explain.length, `seed ${seed}: ${m.error.code} explained`).toBeGreaterThan(0);
            }
            if (m.type === 'error') expect(m.code, `seed ${seed}: ${m.message}`).not.toBe('EGW_INTERNAL');
          }
        }

        longestStallMs = stormStallMs;
        last = performance.now();

        if (process.env.STORM_STATS) {
          const tally = new Map<string, number>();
          for (const st of students)
            for (const m of st.pages.flatMap((p) => p.messages)) {
              const key =
                m.type === 'call-returned'
                  ? `${m.call.op} ok`
                  : m.type === 'call-failed'
                    ? `${m.call.op} ${m.error.code}`
                    : m.type;
              tally.set(key, (tally.get(key) ?? 0) + 1);
            }
          process.stderr.write(`STATS ${JSON.stringify([...tally].sort((a, b) => b[1] - a[1]))}\n`);
        }
        for (const s of students) await s.page.close();
        await eventually(
          () => openFds() <= before,
          `seed ${seed}: fds back to ${before}`,
          GRACE_SECONDS * 1000 + 10_000,
        );
        expect(logged, `seed ${seed}: the gateway logged no error`).toEqual([]);
        // A lingering close() that blocked would hold it 2 s; a GC pause is tens of milliseconds.
        expect(longestStallMs, `seed ${seed}: the event loop never stalled`).toBeLessThan(1000);
      } finally {
        clearInterval(clock);
        console.error = consoleError;
        for (const s of students) s.page.ws.terminate();
      }

      // And the gateway still serves the next tab.
      const page = await Page.open(wsUrl, { Origin: origin });
      await page.hello();
      const s = await page.ok<ResultOf<'socket'>>('p', {
        op: 'socket',
        family: 'AF_INET',
        type: 'SOCK_STREAM',
      });
      await page.ok('p', { op: 'close', socket: s.socket });
      await page.close();
    });
  },
);
