// select(): which of several sockets the kernel says are ready, waiting for the first when none is,
// on real loopback sockets through both engines.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { SyscallPort } from '../../gateway/engine/syscall-port.js';
import type { Call, ResultOf } from '../../gateway/protocol/messages.js';
import { createFallbackPort } from '../../gateway/syscalls/fallback.js';
import {
  b64,
  eventually,
  type Harness,
  type HarnessOptions,
  harnesses,
  libc,
} from '../support/engine-harness.js';

type Sock = ResultOf<'socket'>;
type Selected = ResultOf<'select'>;

/** send()'s flag for TCP urgent data (Linux). */
const MSG_OOB = 0x1;

const harness = harnesses();

describe.each([
  ['libc', libc],
  ['fallback', createFallbackPort],
] as [string, () => SyscallPort][])('select on the %s engine', (_name, port) => {
  let sys: SyscallPort | null = null;
  const open = (o: HarnessOptions = {}) => {
    sys ??= port();
    return harness({ ...o, sys });
  };

  async function tcp(h: Harness, program: string): Promise<string> {
    return (await h.call<Sock>(program, { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
  }

  /** A listener on the harness's first port, and `n` clients connected to it (accepted or not). */
  async function served(h: Harness, n: number): Promise<{ s: string; clients: string[] }> {
    const s = await tcp(h, 'server');
    await h.call('server', { op: 'bind', socket: s, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: s, backlog: 5 });
    const clients: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = await tcp(h, 'client');
      await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
      clients.push(c);
    }
    return { s, clients };
  }

  const accept = async (h: Harness, s: string) =>
    (await h.call<ResultOf<'accept'>>('server', { op: 'accept', socket: s })).socket;

  /** select(read, [], [], timeout), or with a write list. */
  const sel = (read: string[], timeout: number | null, write: string[] = []): Call => ({
    op: 'select',
    read,
    write,
    except: [],
    timeout,
  });
  const blocked = (h: Harness, id: string) => eventually(() => blockedEvents(h, id) === 1, `${id} blocked`);
  const blockedEvents = (h: Harness, id: string) =>
    h.events.filter((e) => e.type === 'call-blocked' && e.id === id).length;

  it('answers at once with the listener that has a connection queued, and not the idle one', async () => {
    const h = open();
    const { s, clients } = await served(h, 1);
    const idle = await tcp(h, 'server');
    await h.call('server', { op: 'bind', socket: idle, address: ['127.0.0.1', h.ports[1]!] });
    await h.call('server', { op: 'listen', socket: idle, backlog: 1 });
    await eventually(async () => {
      const r = await h.call<Selected>('server', sel([idle, s], 0));
      return r.read.length === 1;
    }, 'the connection queued');
    const r = await h.call<Selected>('server', sel([idle, s], null, [clients[0]!]), 'sel');
    expect(r).toEqual({ op: 'select', read: [s], write: [clients[0]], except: [] });
    expect(blockedEvents(h, 'sel')).toBe(0);
  });

  it('blocks until a client sends, then names that connection alone, after its bytes were shown arriving', async () => {
    const h = open();
    const { s, clients } = await served(h, 2);
    const a = await accept(h, s);
    const b = await accept(h, s);
    const pending = h.call<Selected>('server', sel([s, a, b], null), 'sel');
    await blocked(h, 'sel');
    await h.call('client', { op: 'sendall', socket: clients[1]!, data: b64('two\n') });
    const r = await pending;
    expect(r.read).toEqual([b]);
    expect(r.write).toEqual([]);
    // The bytes waiting on b were on the page before select returned (the diagram draws them first).
    const arrived = h.events.findIndex((e) => e.type === 'data' && e.socket === b && e.direction === 'in');
    const returned = h.events.findIndex((e) => e.type === 'call-returned' && e.id === 'sel');
    expect(arrived).toBeGreaterThan(-1);
    expect(arrived).toBeLessThan(returned);
    // select only looked: the bytes are still there for recv.
    const got = await h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: b, bufsize: 100 });
    expect(Buffer.from(got.data, 'base64').toString()).toBe('two\n');
  });

  it('wakes for a new connection on the listener', async () => {
    const h = open();
    const { s } = await served(h, 0);
    const pending = h.call<Selected>('server', sel([s], 5), 'sel');
    await blocked(h, 'sel');
    const c = await tcp(h, 'client');
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    expect((await pending).read).toEqual([s]);
    // And accept() then returns at once.
    await accept(h, s);
  });

  it("counts the peer's FIN as readable: recv would return b''", async () => {
    const h = open();
    const { s, clients } = await served(h, 1);
    const a = await accept(h, s);
    const pending = h.call<Selected>('server', sel([a], 5));
    await h.call('client', { op: 'close', socket: clients[0]! });
    expect((await pending).read).toEqual([a]);
    const got = await h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: a, bufsize: 100 });
    expect(got.bytes).toBe(0);
  });

  it('returns two empty lists when the timeout passes, after waiting that long', async () => {
    const h = open();
    const { s } = await served(h, 0);
    const start = performance.now();
    const r = await h.call<Selected>('server', sel([s], 0.2), 'sel');
    expect(r).toEqual({ op: 'select', read: [], write: [], except: [] });
    expect(performance.now() - start).toBeGreaterThanOrEqual(190);
    expect(blockedEvents(h, 'sel')).toBe(1);
    // timeout 0 only looks: no wait at all.
    await h.call('server', sel([s], 0), 'look');
    expect(blockedEvents(h, 'look')).toBe(0);
  });

  it('with no socket at all, waits out its timeout (a sleep, as in Python)', async () => {
    const h = open();
    const start = performance.now();
    const r = await h.call<Selected>('server', sel([], 0.1));
    expect(r.read).toEqual([]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(90);
  });

  it('is cancelled like any blocked call, and leaves the sockets usable', async () => {
    const h = open();
    const { s } = await served(h, 0);
    const pending = h.engine.call('sel', 'server', sel([s], null));
    await blocked(h, 'sel');
    expect(h.engine.cancel('sel')).toBe(true);
    const reply = await pending;
    expect(reply.type === 'call-failed' && reply.error.code).toBe('EGW_CANCELLED');
    // A connection now wakes nobody stale, and the next select sees it.
    const c = await tcp(h, 'client');
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    const r = await h.call<Selected>('server', sel([s], 5));
    expect(r.read).toEqual([s]);
  });

  it('fails with EBADF on a closed socket, and when another program closes one it waits on', async () => {
    const h = open();
    const { s } = await served(h, 0);
    const gone = await tcp(h, 'server');
    await h.call('server', { op: 'close', socket: gone });
    const err = await h.fails('server', sel([s, gone], 0));
    expect(err.code).toBe('EBADF');
    const pending = h.engine.call('sel', 'server', sel([s], null));
    await blocked(h, 'sel');
    await h.call('other', { op: 'close', socket: s });
    const reply = await pending;
    expect(reply.type === 'call-failed' && reply.error.code).toBe('EBADF');
  });

  it('stops a loop that polls with timeout 0 at the call rate limit, and says to give it a timeout', async () => {
    const h = open({ callsPerSecond: 50 });
    const { s } = await served(h, 0);
    let error = null;
    for (let i = 0; i < 200 && !error; i++) {
      const reply = await h.engine.call(`poll${i}`, 'server', sel([s], 0));
      if (reply.type === 'call-failed') error = reply.error;
    }
    expect(error?.code).toBe('EGW_RATE_LIMITED');
    expect(error?.explain).toMatch(/timeout 0.*Give select a timeout/);
  });

  it('says a socket is writable while the kernel has room, and an unconnected TCP socket is both', async () => {
    const h = open();
    const { clients } = await served(h, 1);
    const fresh = await tcp(h, 'client');
    const r = await h.call<Selected>('client', sel([clients[0]!, fresh], 0, [clients[0]!, fresh]));
    // Nothing to read on the connected one; the fresh one has hung up (POLLHUP) and has room.
    expect(r.read).toEqual([fresh]);
    expect(r.write).toEqual([clients[0], fresh]);
  });
});

describe('select on the libc engine, third list', () => {
  it("names a socket with TCP urgent data (a peer's send with MSG_OOB) in the third list, and only then", async () => {
    const h = harness({ sys: libc() });
    const s = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('server', { op: 'bind', socket: s, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: s, backlog: 1 });
    const c = await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await h.call('client', { op: 'connect', socket: c.socket, address: ['127.0.0.1', h.ports[0]!] });
    const a = (await h.call<ResultOf<'accept'>>('server', { op: 'accept', socket: s })).socket;
    const ask: Call = { op: 'select', read: [a], write: [], except: [a], timeout: 5 };
    await h.call('client', { op: 'sendall', socket: c.socket, data: b64('plain') });
    expect(await h.call<Selected>('server', ask)).toEqual({
      op: 'select',
      read: [a],
      write: [],
      except: [],
    });
    await h.call('server', { op: 'recv', socket: a, bufsize: 100 });
    // The playground's own calls never send urgent data: the test does, as a C program would.
    const send = createRequire(import.meta.url)('koffi')
      .load(null)
      .func('intptr_t send(int, const void *, size_t, int)') as (...a: unknown[]) => number;
    expect(send(c.fd, Buffer.from('!'), 1, MSG_OOB)).toBe(1);
    const r = await h.call<Selected>('server', ask);
    expect(r.except).toEqual([a]);
  });
});
