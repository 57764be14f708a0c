import { describe, expect, it } from 'vitest';
import type { ResultOf, SocketOption } from '../../gateway/protocol/messages.js';
import { CallFailed, eventually, type Harness, harnesses } from '../support/engine-harness.js';

type Sock = ResultOf<'socket'>;
type Opt = ResultOf<'getsockopt'>;

const harness = harnesses();

describe('setsockopt and getsockopt', () => {
  it.each<[SocketOption, number]>([
    ['SO_REUSEADDR', 1],
    ['SO_REUSEPORT', 1],
    ['SO_KEEPALIVE', 1],
    ['TCP_NODELAY', 1],
  ])('%s reads back what was set', async (option, value) => {
    const h = harness();
    const s = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: s, option })).value).toBe(0);
    await h.call('c', { op: 'setsockopt', socket: s, option, value });
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: s, option })).value).toBe(value);
  });

  it('SO_RCVBUF reads back doubled, because Linux reserves room for its bookkeeping', async () => {
    const h = harness();
    const s = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('c', { op: 'setsockopt', socket: s, option: 'SO_RCVBUF', value: 8192 });
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: s, option: 'SO_RCVBUF' })).value).toBe(16384);
    await h.call('c', { op: 'setsockopt', socket: s, option: 'SO_SNDBUF', value: 8192 });
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: s, option: 'SO_SNDBUF' })).value).toBe(16384);
  });

  it('SO_LINGER takes and returns an onoff/linger pair', async () => {
    const h = harness();
    const s = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('c', { op: 'setsockopt', socket: s, option: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: s, option: 'SO_LINGER' })).value).toEqual({
      onoff: 1,
      linger: 0,
    });
  });

  it('SO_TYPE tells a stream socket from a datagram socket', async () => {
    const h = harness();
    const t = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const u = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' })).socket;
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: t, option: 'SO_TYPE' })).value).toBe(1);
    expect((await h.call<Opt>('c', { op: 'getsockopt', socket: u, option: 'SO_TYPE' })).value).toBe(2);
  });

  it("TCP_NODELAY on a UDP socket is the kernel's EOPNOTSUPP", async () => {
    const h = harness();
    const u = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' })).socket;
    const err = await h.fails('c', { op: 'setsockopt', socket: u, option: 'TCP_NODELAY', value: 1 });
    expect(['EOPNOTSUPP', 'ENOPROTOOPT']).toContain(err.code);
  });
});

describe('connect', () => {
  it('connect_ex returns the errno instead of failing', async () => {
    const h = harness();
    const s = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const r = await h.call<ResultOf<'connect_ex'>>('c', {
      op: 'connect_ex',
      socket: s,
      address: ['127.0.0.1', h.ports[3]!],
    });
    expect(r).toEqual({ op: 'connect_ex', errno: 111, errnoName: 'ECONNREFUSED' });
  });

  it('in non-blocking mode answers EINPROGRESS, and the handshake finishes in the kernel', async () => {
    const h = harness();
    const l = (await h.call<Sock>('s', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('s', { op: 'bind', socket: l, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('s', { op: 'listen', socket: l, backlog: 1 });
    const c = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('c', { op: 'setblocking', socket: c, blocking: false });
    const err = await h.fails('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    expect(err.code).toBe('EINPROGRESS');
    await h.until((k) => k.socket === c && k.state === 'ESTABLISHED', 'ESTABLISHED');
    // Linux reports the finished handshake once to the next connect(), then says EISCONN.
    await h.call('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    expect((await h.fails('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] })).code).toBe(
      'EISCONN',
    );
  });

  it('a blocking connect that succeeded leaves the socket connected: a second one says EISCONN', async () => {
    const h = harness();
    const l = (await h.call<Sock>('s', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('s', { op: 'bind', socket: l, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('s', { op: 'listen', socket: l, backlog: 1 });
    const c = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    // As Python's blocking connect() sees it; and connect_ex says so with the number.
    expect((await h.fails('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] })).code).toBe(
      'EISCONN',
    );
    expect(await h.call('c', { op: 'connect_ex', socket: c, address: ['127.0.0.1', h.ports[0]!] })).toEqual({
      op: 'connect_ex',
      errno: 106,
      errnoName: 'EISCONN',
    });
  });

  it('beyond a full backlog, the kernel leaves the next client in SYN_SENT', async () => {
    const h = harness();
    const l = (await h.call<Sock>('s', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('s', { op: 'bind', socket: l, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('s', { op: 'listen', socket: l, backlog: 1 });
    const clients: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = (await h.call<Sock>(`c${i}`, { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }))
        .socket;
      await h.call(`c${i}`, { op: 'setblocking', socket: c, blocking: false });
      await h.fails(`c${i}`, { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
      clients.push(c);
    }
    // Linux queues backlog + 1 completed connections; the third SYN gets no answer yet.
    await h.until((k) => k.socket === l && k.acceptQ === 2, 'accept queue of 2');
    await h.until((k) => k.socket === clients[2] && k.state === 'SYN_SENT', 'third client in SYN_SENT');
  });
});

describe('connect after a refusal', () => {
  it('can be tried again on the same socket, as with a blocking socket in Python', async () => {
    const h = harness();
    const c = (await h.call<Sock>('c', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    expect((await h.fails('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[4]!] })).code).toBe(
      'ECONNREFUSED',
    );
    const l = (await h.call<Sock>('s', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('s', { op: 'bind', socket: l, address: ['127.0.0.1', h.ports[4]!] });
    await h.call('s', { op: 'listen', socket: l, backlog: 1 });
    await h.call('c', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[4]!] });
    const peer = await h.until(
      (k) => k.socket === c && k.state === 'ESTABLISHED' && k.remote !== null,
      'connected',
    );
    expect(peer.remote).toEqual(['127.0.0.1', h.ports[4]]);
  });
});

/**
 * A connection whose client has bytes the peer has not taken: small buffers both sides, the client
 * non-blocking, sending until the kernel says EAGAIN, then SO_LINGER on for `linger` seconds. Its
 * handles and how many bytes went out.
 */
async function stuffed(
  h: Harness,
  port: number,
  linger: number,
): Promise<{ c: string; a: string; sent: number }> {
  const l = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
  await h.call('server', { op: 'setsockopt', socket: l, option: 'SO_RCVBUF', value: 4096 });
  await h.call('server', { op: 'bind', socket: l, address: ['127.0.0.1', port] });
  await h.call('server', { op: 'listen', socket: l, backlog: 1 });
  const c = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
  await h.call('client', { op: 'setsockopt', socket: c, option: 'SO_SNDBUF', value: 4096 });
  await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', port] });
  const a = (await h.call<ResultOf<'accept'>>('server', { op: 'accept', socket: l })).socket;
  await h.call('client', { op: 'setblocking', socket: c, blocking: false });
  const chunk = Buffer.alloc(16384, 0x61).toString('base64');
  let sent = 0;
  for (;;) {
    try {
      sent += (await h.call<ResultOf<'send'>>('client', { op: 'send', socket: c, data: chunk })).bytes;
    } catch (err) {
      if (err instanceof CallFailed && err.error.code === 'EAGAIN') break;
      throw err;
    }
  }
  const value = { onoff: 1, linger };
  await h.call('client', { op: 'setsockopt', socket: c, option: 'SO_LINGER', value });
  return { c, a, sent };
}

/** Counts the event loop's turns while `work` runs: a loop held by a system call counts none. */
async function loopTurnsDuring<T>(work: Promise<T>): Promise<{ value: T; turns: number; ms: number }> {
  let turns = 0;
  const t0 = performance.now();
  const timer = setInterval(() => turns++, 10);
  try {
    const value = await work;
    return { value, turns, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

describe('close() with SO_LINGER', () => {
  it('waits while the peer has not taken the bytes, and the gateway goes on meanwhile', async () => {
    const h = harness();
    const { c } = await stuffed(h, h.ports[5]!, 1);
    const { turns, ms } = await loopTurnsDuring(h.call('client', { op: 'close', socket: c }, 'cl'));
    // Linux's close() waits out the linger: here without holding Node's event loop (it used to,
    // for the whole second, and every session of the gateway with it).
    expect(h.events.some((e) => e.type === 'call-blocked' && e.id === 'cl')).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(turns).toBeGreaterThan(20);
    // The handle is gone at once, as the fd is.
    expect((await h.fails('client', { op: 'getsockname', socket: c })).code).toBe('EBADF');
  });

  it('returns as soon as the peer has acknowledged every byte and the FIN', async () => {
    const h = harness();
    const { c, a, sent } = await stuffed(h, h.ports[6]!, 30);
    const t0 = performance.now();
    const closing = h.call('client', { op: 'close', socket: c }, 'cl');
    await eventually(() => h.events.some((e) => e.type === 'call-blocked' && e.id === 'cl'), 'close to wait');
    let got = 0;
    while (got < sent) {
      got += (await h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: a, bufsize: 65536 })).bytes;
    }
    await closing;
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect((await h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: a, bufsize: 10 })).bytes).toBe(0);
  });

  it('can be interrupted like Ctrl-C; the socket is closed all the same', async () => {
    const h = harness();
    const { c } = await stuffed(h, h.ports[7]!, 30);
    const closing = h.call('client', { op: 'close', socket: c }, 'cl').then(
      () => ({ code: 'returned', message: '' }),
      (e: CallFailed) => e.error,
    );
    await eventually(() => h.events.some((e) => e.type === 'call-blocked' && e.id === 'cl'), 'close to wait');
    expect(h.engine.cancel('cl')).toBe(true);
    const err = await closing;
    expect(err.code).toBe('EGW_CANCELLED');
    expect(err.message).toMatch(/closed all the same/);
    expect((await h.fails('client', { op: 'getsockname', socket: c })).code).toBe('EBADF');
  });

  it('on a session that ends does not hold the gateway either', async () => {
    const h = harness();
    await stuffed(h, h.ports[8]!, 5);
    const t0 = performance.now();
    h.engine.dispose();
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('with a zero time resets the connection at once', async () => {
    const h = harness();
    const { c, a } = await stuffed(h, h.ports[9]!, 0);
    await h.call('client', { op: 'close', socket: c }, 'cl');
    expect(h.events.some((e) => e.type === 'call-blocked' && e.id === 'cl')).toBe(false);
    // The peer reads what had arrived, then the reset: never the end of stream a FIN would give.
    let ended = '';
    while (ended === '') {
      try {
        const r = await h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: a, bufsize: 65536 });
        if (r.bytes === 0) ended = 'EOF';
      } catch (err) {
        ended = err instanceof CallFailed ? err.error.code : String(err);
      }
    }
    expect(ended).toBe('ECONNRESET');
  });
});
