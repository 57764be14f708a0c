import { describe, expect, it } from 'vitest';
import type { ResultOf, SocketOption } from '../../gateway/protocol/messages.js';
import { harnesses } from '../support/engine-harness.js';

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
