// Streams (connect/accept with stream: true, and write): the read loop a raw session runs, on real
// loopback sockets, with both engines. What a student sees: every byte once, in order; the peer's
// FIN and RST; writes that wait for a slow peer; nothing left open afterwards.

import { describe, expect, it } from 'vitest';
import { QUIET_TICK_MS } from '../../gateway/engine/engine.js';
import type { SyscallPort } from '../../gateway/engine/syscall-port.js';
import { SLACK_MS } from '../../gateway/engine/ticker.js';
import type { ResultOf, ServerMessage } from '../../gateway/protocol/messages.js';
import { createFallbackPort } from '../../gateway/syscalls/fallback.js';
import {
  b64,
  eventually,
  type Harness,
  type HarnessOptions,
  harnesses,
  libc,
  openFds,
} from '../support/engine-harness.js';

type Sock = ResultOf<'socket'>;
type Accepted = ResultOf<'accept'>;
type Recv = ResultOf<'recv'>;
type TraceOf<T extends string> = Extract<Harness['events'][number], { type: T }>;

const harness = harnesses();

async function tcp(h: Harness, program: string): Promise<string> {
  return (await h.call<Sock>(program, { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
}

/**
 * A stepped server on the harness's first port, and a streamed client connected to it. small: tiny
 * kernel buffers both ways, so a peer that does not read soon stops taking bytes.
 */
async function pair(
  h: Harness,
  small = false,
): Promise<{ server: string; client: string; listener: string }> {
  const listener = await tcp(h, 'server');
  if (small) await h.call('server', { op: 'setsockopt', socket: listener, option: 'SO_RCVBUF', value: 4096 });
  await h.call('server', { op: 'bind', socket: listener, address: ['127.0.0.1', h.ports[0]!] });
  await h.call('server', { op: 'listen', socket: listener, backlog: 5 });
  const client = await tcp(h, 'raw');
  if (small) await h.call('raw', { op: 'setsockopt', socket: client, option: 'SO_SNDBUF', value: 4096 });
  await h.call('raw', { op: 'connect', socket: client, address: ['127.0.0.1', h.ports[0]!], stream: true });
  const server = (await h.call<Accepted>('server', { op: 'accept', socket: listener })).socket;
  return { server, client, listener };
}

/** Every byte the stream pushed for a socket, in order. */
function streamed(h: Harness, socket: string): string {
  return h.events
    .filter((e): e is TraceOf<'data'> => e.type === 'data' && e.socket === socket && e.direction === 'in')
    .map((e) => Buffer.from(e.data, 'base64').toString('latin1'))
    .join('');
}

const isEnded =
  (socket: string) =>
  (e: Harness['events'][number]): e is TraceOf<'stream-ended'> =>
    e.type === 'stream-ended' && e.socket === socket;

async function recvAll(h: Harness, socket: string, want: number): Promise<string> {
  let got = '';
  while (got.length < want) {
    const r = await h.call<Recv>('server', { op: 'recv', socket, bufsize: want - got.length });
    if (r.bytes === 0) break;
    got += Buffer.from(r.data, 'base64').toString('latin1');
  }
  return got;
}

// Each engine, with the page reading JSON and reading binary records (protocol/records.ts).
const engines: [string, 'json' | 'binary', () => SyscallPort][] = [
  ['libc', 'json', libc],
  ['libc', 'binary', libc],
  ['fallback', 'json', createFallbackPort],
  ['fallback', 'binary', createFallbackPort],
];

describe.each(engines)('streams on the %s engine, %s', (_name, encoding, sys) => {
  const make = (o: HarnessOptions = {}) => harness({ sys: sys(), binary: encoding === 'binary', ...o });

  it('sends the stream and its writes in the encoding the page reads', async () => {
    const h = make();
    const { server, client } = await pair(h);
    expect(await h.write(client, 'ping')).toMatchObject({ type: 'written', bytes: 4 });
    expect(await recvAll(h, server, 4)).toBe('ping');
    await h.call('server', { op: 'sendall', socket: server, data: b64('pong') });
    await eventually(() => streamed(h, client) === 'pong', 'the echo');
    // written, the write's data event and the stream's: as binary records exactly when asked for.
    expect(h.records >= 3).toBe(encoding === 'binary');
    expect(h.records > 0).toBe(encoding === 'binary');
    const out = h.events.find((e) => e.type === 'data' && e.direction === 'out');
    expect(out).toMatchObject({
      socket: client,
      program: 'raw',
      bytes: 4,
      data: b64('ping'),
      peer: ['127.0.0.1', h.ports[0]],
    });
  });

  it('pushes what the peer sends as data events, each byte once, with no call from the program', async () => {
    const h = make();
    const { server, client } = await pair(h);
    await h.call('server', { op: 'sendall', socket: server, data: b64('hello ') });
    await eventually(() => streamed(h, client) === 'hello ', 'the first bytes');
    await h.call('server', { op: 'sendall', socket: server, data: b64('world') });
    await eventually(() => streamed(h, client) === 'hello world', 'the second bytes');
    const reads = h.events.filter((e) => e.type === 'data' && e.socket === client && e.direction === 'in');
    expect(reads.every((e) => e.type === 'data' && e.streamed === true && e.program === 'raw')).toBe(true);
    // The program made no recv(): the stream did.
    const calls = h.events
      .filter((e) => e.type === 'call-started' && e.program === 'raw')
      .map((e) => e.type === 'call-started' && e.call.op);
    expect(calls).toEqual(['socket', 'connect']);
  });

  it('refuses a stepped recv() on a streamed socket, naming why', async () => {
    const h = make();
    const { client } = await pair(h);
    const err = await h.fails('raw', { op: 'recv', socket: client, bufsize: 10 });
    expect(err.code).toBe('EGW_STREAMING');
    expect(err.explain).toMatch(/streamed/);
  });

  it('writes every byte in order and replies written once the kernel took them', async () => {
    const h = make();
    const { server, client } = await pair(h);
    const first = await h.write(client, 'one,');
    const second = await h.write(client, 'two');
    expect(first).toEqual({ type: 'written', id: expect.any(String), bytes: 4 });
    expect(second).toMatchObject({ type: 'written', bytes: 3 });
    expect(await recvAll(h, server, 7)).toBe('one,two');
    const out = h.events.filter(
      (e): e is TraceOf<'data'> => e.type === 'data' && e.socket === client && e.direction === 'out',
    );
    expect(out.map((e) => Buffer.from(e.data, 'base64').toString())).toEqual(['one,', 'two']);
  });

  it('sends what was written before a close() made in the same moment, then the FIN', async () => {
    const h = make();
    const { server, client } = await pair(h);
    // A page that types a line and closes at once: both messages reach the engine in one turn.
    h.engine.write('w-line', client, b64('last line\n'));
    h.engine.write('w-more', client, b64('and more'));
    await h.call('raw', { op: 'close', socket: client });
    expect(await h.reply('w-line')).toMatchObject({ type: 'written', bytes: 10 });
    expect(await h.reply('w-more')).toMatchObject({ type: 'written', bytes: 8 });
    expect(await recvAll(h, server, 64)).toBe('last line\nand more');
    const eof = await h.call<Recv>('server', { op: 'recv', socket: server, bufsize: 10 });
    expect(eof.bytes).toBe(0);
  });

  it('ends with eof when the peer sends FIN, and the kernel shows CLOSE_WAIT; the socket can still write', async () => {
    const h = make();
    const { server, client } = await pair(h);
    await h.call('server', { op: 'sendall', socket: server, data: b64('bye') });
    await h.call('server', { op: 'shutdown', socket: server, how: 'SHUT_WR' });
    const ended = await h.event(isEnded(client), 'stream-ended');
    expect(ended.reason).toBe('eof');
    expect(streamed(h, client)).toBe('bye');
    await h.until((k) => k.socket === client && k.state === 'CLOSE_WAIT', 'CLOSE_WAIT');
    // Half-closed: our direction still works.
    expect(await h.write(client, 'still here')).toMatchObject({ type: 'written', bytes: 10 });
    expect(await recvAll(h, server, 10)).toBe('still here');
  });

  it('ends with ECONNRESET when the peer resets, and a later write fails with the kernel errno', async () => {
    const h = make();
    const { server, client } = await pair(h);
    await h.call('server', {
      op: 'setsockopt',
      socket: server,
      option: 'SO_LINGER',
      value: { onoff: 1, linger: 0 },
    });
    await h.call('server', { op: 'close', socket: server });
    const ended = await h.event(isEnded(client), 'stream-ended');
    expect(ended.reason).toBe('error');
    expect(ended.error?.code).toBe('ECONNRESET');
    const w = await h.write(client, 'anyone?');
    expect(w.type).toBe('failed');
    if (w.type === 'failed') expect(['EPIPE', 'ECONNRESET']).toContain(w.error.code);
  });

  it('streams an accepted connection from its first byte', async () => {
    const h = make();
    const listener = await tcp(h, 'raw');
    await h.call('raw', { op: 'bind', socket: listener, address: ['127.0.0.1', h.ports[1]!] });
    await h.call('raw', { op: 'listen', socket: listener, backlog: 5 });
    const c = await tcp(h, 'client');
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[1]!] });
    await h.call('client', { op: 'sendall', socket: c, data: b64('early bytes') });
    const child = (await h.call<Accepted>('raw', { op: 'accept', socket: listener, stream: true })).socket;
    await eventually(() => streamed(h, child) === 'early bytes', 'the bytes sent before accept');
  });

  it('refuses streams and writes on UDP sockets, and writes on unknown handles', async () => {
    const h = make();
    const u = (await h.call<Sock>('raw', { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' })).socket;
    const err = await h.fails('raw', {
      op: 'connect',
      socket: u,
      address: ['127.0.0.1', h.ports[0]!],
      stream: true,
    });
    expect(err.code).toBe('EGW_NOT_STREAMABLE');
    const w = await h.write(u, 'x');
    expect(w).toMatchObject({ type: 'failed', error: { code: 'EGW_NOT_STREAMABLE' } });
    const nobody = await h.write('s_nobody', 'x');
    expect(nobody).toMatchObject({ type: 'failed', error: { code: 'EGW_NO_SUCH_HANDLE' } });
  });
});

// A binary write's bytes arrive as a view of the page's frame (protocol/records.ts).
describe.each(engines.filter(([, encoding]) => encoding === 'binary'))(
  'binary writes on the %s engine',
  (_name, _encoding, sys) => {
    it('sends what a binary write held when it was made, though its frame is reused while the write waits', async () => {
      const h = harness({ sys: sys(), binary: true });
      const { server, client } = await pair(h, true);
      // More than the kernel takes at once: the later writes wait (EAGAIN) for the server to read.
      const pieces = Array.from({ length: 12 }, (_, i) => Buffer.alloc(48 * 1024, 97 + i));
      for (const [i, piece] of pieces.entries()) h.engine.write(`p${i}`, client, piece);
      await new Promise((r) => setTimeout(r, 50));
      // A write made while the others wait, from a frame reused at once.
      const frame = Buffer.alloc(1000, 'x');
      h.engine.write('late', client, frame);
      // What a read buffer reused after this turn (ws does not, but nothing promises it) would do to
      // the bytes the writes were given; the writes still waiting must have kept their own.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      for (const piece of pieces) piece.fill('!');
      frame.fill('!');
      const all = await recvAll(h, server, 12 * 48 * 1024 + 1000);
      const want = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(48 * 1024));
      const runs = (text: string) => text.replace(/(.)\1*/g, (run, c: string) => `${c}×${run.length} `);
      expect(runs(all)).toBe(runs(`${want.join('')}${'x'.repeat(1000)}`));
      expect(await h.reply('late')).toMatchObject({ type: 'written', bytes: 1000 });
    });
  },
);

/** The libc port, counting the looks (inspect) at each fd, and the send-queue questions (sendQueue). */
function countingLooks(): { sys: SyscallPort; looks: number[]; queueAsks: number[] } {
  const real = libc();
  const looks: number[] = [];
  const queueAsks: number[] = [];
  const sys = new Proxy(real, {
    get(target, key) {
      if (key === 'inspect') {
        return (fd: number) => {
          looks.push(fd);
          return target.inspect(fd);
        };
      }
      if (key === 'sendQueue') {
        return (fd: number) => {
          queueAsks.push(fd);
          return target.sendQueue(fd);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { sys, looks, queueAsks };
}

/** The fd the engine reported for a socket in its first state-changed event. */
function fdOf(h: Harness, socket: string): number {
  const fd = h.events.find(
    (e): e is TraceOf<'state-changed'> => e.type === 'state-changed' && e.kernel.socket === socket,
  )?.kernel.fd;
  expect(typeof fd).toBe('number');
  return fd!;
}

describe('kernel state of a stream', () => {
  it('takes no periodic look at a stream whose peer answered and acknowledged everything', async () => {
    const { sys, looks } = countingLooks();
    const h = harness({ sys });
    const { server, client } = await pair(h);
    const clientFd = fdOf(h, client);
    for (let i = 0; i < 3; i++) {
      await h.write(client, `ping${i}`);
      await recvAll(h, server, 5);
      await h.call('server', { op: 'sendall', socket: server, data: b64(`pong${i}`) });
      await eventually(() => streamed(h, client).endsWith(`pong${i}`), 'the answer');
    }
    const before = looks.filter((f) => f === clientFd).length;
    await new Promise((r) => setTimeout(r, QUIET_TICK_MS + SLACK_MS + 150));
    expect(looks.filter((f) => f === clientFd).length).toBe(before);
  });

  it('asks a busy stream about its send queue about once a tick, not at every echo', async () => {
    const { sys, looks, queueAsks } = countingLooks();
    const h = harness({ sys });
    const { server, client } = await pair(h);
    const clientFd = fdOf(h, client);
    const asked = () =>
      queueAsks.filter((f) => f === clientFd).length + looks.filter((f) => f === clientFd).length;
    const before = asked();
    // Forty round trips, as fast as the server answers: far more echoes than looks fall due.
    const started = performance.now();
    for (let i = 0; i < 40; i++) {
      await h.write(client, `ping${i}`);
      await recvAll(h, server, `ping${i}`.length);
      await h.call('server', { op: 'sendall', socket: server, data: b64(`pong${i}`) });
      await eventually(() => streamed(h, client).endsWith(`pong${i}`), 'the answer');
    }
    // Asked by the stream's read at most once a tick, and by the look due each tick.
    const ticks = Math.ceil((performance.now() - started) / QUIET_TICK_MS) + 1;
    expect(asked() - before).toBeLessThanOrEqual(2 * ticks);
    expect(asked() - before).toBeLessThan(40);
    // Settled by the look due after the last echo (the next test shows that look still sees what
    // waits): no more questions while nothing moves.
    const wait = () => new Promise((r) => setTimeout(r, QUIET_TICK_MS + SLACK_MS + 150));
    await wait();
    const settled = asked();
    await wait();
    expect(asked()).toBe(settled);
  });

  it('still shows bytes the kernel took but the peer has not acknowledged, when the peer answers without reading', async () => {
    const h = harness();
    // A receiver with a tiny window that does not read: what the client's kernel took waits there.
    const listener = await tcp(h, 'server');
    await h.call('server', { op: 'setsockopt', socket: listener, option: 'SO_RCVBUF', value: 2048 });
    await h.call('server', { op: 'bind', socket: listener, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: listener, backlog: 5 });
    const client = await tcp(h, 'raw');
    await h.call('raw', { op: 'connect', socket: client, address: ['127.0.0.1', h.ports[0]!], stream: true });
    const server = (await h.call<Accepted>('server', { op: 'accept', socket: listener })).socket;
    // Taken whole by the client's kernel (its send buffer has room), more than the window lets through.
    expect(await h.write(client, Buffer.alloc(12 * 1024, 97))).toMatchObject({ type: 'written' });
    // The peer answers while those bytes wait: the stream reads the answer, and must not call the
    // socket quiet on the strength of its last look.
    await h.call('server', { op: 'sendall', socket: server, data: b64('busy') });
    await eventually(() => streamed(h, client) === 'busy', 'the answer');
    // Seen by the engine's own looks: nothing here asks it to refresh.
    await eventually(
      () =>
        h.events.some((e) => e.type === 'state-changed' && e.kernel.socket === client && e.kernel.sendQ > 0),
      'bytes waiting in the send queue',
      3000,
    );
    const mark = h.events.length;
    await recvAll(h, server, 12 * 1024);
    await eventually(
      () =>
        h.events
          .slice(mark)
          .some((e) => e.type === 'state-changed' && e.kernel.socket === client && e.kernel.sendQ === 0),
      'the send queue shown empty',
      3000,
    );
  });
});

describe('streams and flow control (libc)', () => {
  it('holds writes a slow peer cannot take, refuses more than the limit, and delivers all in order once it reads', async () => {
    const h = harness();
    const { server, client } = await pair(h, true);
    const piece = (n: number) => Buffer.alloc(48 * 1024, 97 + (n % 26));
    const ids: string[] = [];
    // 20 × 48 KiB = 960 KiB, more than loopback's buffers hold while the server reads nothing.
    for (let i = 0; i < 20; i++) {
      const id = `big${i}`;
      ids.push(id);
      h.engine.write(id, client, b64(piece(i)));
    }
    await new Promise((r) => setTimeout(r, 200));
    const answered = () => ids.filter((id) => h.replies.some((m) => 'id' in m && m.id === id));
    expect(answered().length).toBeLessThan(20);
    // The queue is bounded: one more large write is refused at once, and nothing queued is lost.
    h.engine.write('too-much', client, b64(Buffer.alloc(200 * 1024)));
    expect(await h.reply('too-much')).toMatchObject({ type: 'failed', error: { code: 'EGW_LIMIT' } });
    const all = await recvAll(h, server, 20 * 48 * 1024);
    expect(all).toBe(Array.from({ length: 20 }, (_, i) => piece(i).toString('latin1')).join(''));
    await eventually(() => answered().length === 20, 'every write answered');
    expect(
      h.replies.filter((m): m is Extract<ServerMessage, { type: 'written' }> => m.type === 'written').length,
    ).toBe(20);
  });

  it('stops reading while the page is behind, and loses nothing when it catches up', async () => {
    let behind = true;
    const h = harness({ congested: () => behind });
    const { server, client } = await pair(h);
    await h.call('server', { op: 'sendall', socket: server, data: b64('waiting in the kernel') });
    await h.until((k) => k.socket === client && k.recvQ === 21, '21 bytes left in the kernel');
    expect(streamed(h, client)).toBe('');
    behind = false;
    await eventually(() => streamed(h, client) === 'waiting in the kernel', 'the bytes after catching up');
  });

  it('closing a streamed socket with writes waiting answers them EBADF and leaves no fd behind', async () => {
    const before = openFds();
    const h = harness();
    const { server, client, listener } = await pair(h, true);
    for (let i = 0; i < 20; i++) h.engine.write(`q${i}`, client, b64(Buffer.alloc(48 * 1024)));
    await h.call('raw', { op: 'close', socket: client });
    const last = await h.reply('q19');
    expect(last).toMatchObject({ type: 'failed', error: { code: 'EBADF' } });
    await h.call('server', { op: 'close', socket: server });
    await h.call('server', { op: 'close', socket: listener });
    expect(openFds()).toBe(before);
  });
});
