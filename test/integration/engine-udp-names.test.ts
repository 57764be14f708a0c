import { describe, expect, it } from 'vitest';
import type { ResultOf } from '../../gateway/protocol/messages.js';
import { b64, eventually, type Harness, harnesses, text } from '../support/engine-harness.js';

type Sock = ResultOf<'socket'>;
type From = ResultOf<'recvfrom'>;

const harness = harnesses();

async function udp(h: Harness, program: string): Promise<string> {
  return (await h.call<Sock>(program, { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' })).socket;
}

describe('UDP', () => {
  it('keeps datagram boundaries and truncates a datagram larger than the buffer', async () => {
    const h = harness();
    const server = await udp(h, 'server');
    await h.call('server', { op: 'bind', socket: server, address: ['127.0.0.1', h.ports[0]!] });
    const client = await udp(h, 'client');
    await h.call('client', {
      op: 'sendto',
      socket: client,
      data: b64('hello world'),
      address: ['127.0.0.1', h.ports[0]!],
    });
    await h.call('client', {
      op: 'sendto',
      socket: client,
      data: b64('second'),
      address: ['127.0.0.1', h.ports[0]!],
    });
    const first = await h.call<From>('server', { op: 'recvfrom', socket: server, bufsize: 5 });
    expect(text(first.data)).toBe('hello');
    expect(first.truncated).toBe(true);
    expect(first.datagramBytes).toBe(11);
    // The rest of the first datagram is gone: the next recvfrom gets the whole second one.
    const second = await h.call<From>('server', { op: 'recvfrom', socket: server, bufsize: 100 });
    expect(text(second.data)).toBe('second');
    expect(second.truncated).toBe(false);
    expect(second.address?.[0]).toBe('127.0.0.1');
  });

  it('lets a UDP server answer whoever sent it a datagram, and nobody else', async () => {
    const h = harness();
    const outsider = (await import('node:dgram')).createSocket('udp4');
    await new Promise<void>((r) => outsider.bind(0, '127.0.0.1', () => r()));
    const from = outsider.address().port;
    const server = await udp(h, 'server');
    await h.call('server', { op: 'bind', socket: server, address: ['127.0.0.1', h.ports[0]!] });
    // Before hearing from it, the outsider's port is not an allowed target.
    const refused = await h.fails('server', {
      op: 'sendto',
      socket: server,
      data: b64('hi'),
      address: ['127.0.0.1', from],
    });
    expect(refused.code).toBe('EGW_DENIED');
    expect(refused.explain).toMatch(/Datagrams go only to the lesson servers/);
    const got = new Promise<string>((r) => outsider.once('message', (m) => r(m.toString())));
    outsider.send('ping', h.ports[0]!, '127.0.0.1');
    const d = await h.call<ResultOf<'recvfrom'>>('server', { op: 'recvfrom', socket: server, bufsize: 100 });
    expect(d.address).toEqual(['127.0.0.1', from]);
    await h.call('server', { op: 'sendto', socket: server, data: b64('pong'), address: d.address! });
    expect(await got).toBe('pong');
    outsider.close();
  });

  it('binds an unbound sender to loopback, never to every interface', async () => {
    const h = harness();
    const client = await udp(h, 'client');
    await h.call('client', {
      op: 'sendto',
      socket: client,
      data: b64('x'),
      address: ['127.0.0.1', h.ports[1]!],
    });
    const name = await h.call<ResultOf<'getsockname'>>('client', { op: 'getsockname', socket: client });
    expect(name.address[0]).toBe('127.0.0.1');
    expect(name.address[1]).toBeGreaterThan(0);
  });

  it('a connected UDP socket learns of a dead port through ECONNREFUSED', async () => {
    const h = harness();
    const client = await udp(h, 'client');
    await h.call('client', { op: 'connect', socket: client, address: ['127.0.0.1', h.ports[2]!] });
    await h.call('client', { op: 'send', socket: client, data: b64('anyone?') });
    // The ICMP port-unreachable comes back asynchronously; the next call on the socket reports it.
    await new Promise((r) => setTimeout(r, 50));
    const err = await h.fails('client', { op: 'recv', socket: client, bufsize: 10, flags: ['MSG_DONTWAIT'] });
    expect(err.code).toBe('ECONNREFUSED');
  });

  it("shutdown(SHUT_RD) wakes a blocked recv with 0 bytes, as Linux's blocking recv does", async () => {
    // Checked against Python on Linux: the shutdown says ENOTCONN (the socket is not connected),
    // yet the kernel shuts the read side, and a recv waiting in another thread returns b''.
    const h = harness();
    const server = await udp(h, 'server');
    await h.call('server', { op: 'bind', socket: server, address: ['127.0.0.1', h.ports[3]!] });
    const waiting = h.call<ResultOf<'recv'>>('server', { op: 'recv', socket: server, bufsize: 100 }, 'r');
    await eventually(() => h.events.some((e) => e.type === 'call-blocked' && e.id === 'r'), 'recv to wait');
    const err = await h.fails('other', { op: 'shutdown', socket: server, how: 'SHUT_RD' });
    expect(err.code).toBe('ENOTCONN');
    expect((await waiting).bytes).toBe(0);
    // Every blocking read now returns at once (readiness says readable all along: retrying it spun
    // the gateway's event loop until the call was cancelled), a non-blocking one says EAGAIN...
    expect(await h.call<From>('server', { op: 'recvfrom', socket: server, bufsize: 100 })).toMatchObject({
      bytes: 0,
      address: null,
    });
    const nonBlocking = await h.fails('server', {
      op: 'recv',
      socket: server,
      bufsize: 100,
      flags: ['MSG_DONTWAIT'],
    });
    expect(nonBlocking.code).toBe('EAGAIN');
    // ...and a datagram that arrives is still delivered.
    const client = await udp(h, 'client');
    await h.call('client', {
      op: 'sendto',
      socket: client,
      data: b64('late'),
      address: ['127.0.0.1', h.ports[3]!],
    });
    await eventually(async () => {
      const got = await h.call<From>('server', { op: 'recvfrom', socket: server, bufsize: 100 });
      return text(got.data) === 'late';
    }, 'the datagram');
  });
});

describe('names', () => {
  it('resolves localhost with the system resolver', async () => {
    const h = harness();
    const r = await h.call<ResultOf<'gethostbyname'>>('client', { op: 'gethostbyname', name: 'localhost' });
    expect(r.address).toBe('127.0.0.1');
  });

  it('reads services from the system database', async () => {
    const h = harness();
    const http = await h.call<ResultOf<'getservbyname'>>('client', {
      op: 'getservbyname',
      name: 'http',
      proto: 'tcp',
    });
    expect(http.port).toBe(80);
    const domain = await h.call<ResultOf<'getservbyport'>>('client', {
      op: 'getservbyport',
      port: 53,
      proto: 'udp',
    });
    expect(domain.name).toBe('domain');
    expect(
      (await h.fails('client', { op: 'getservbyname', name: 'no-such-service', proto: 'tcp' })).message,
    ).toBe('service/proto not found');
  });

  it('answers a name that does not exist with gaierror EAI_NONAME', async () => {
    const h = harness();
    const err = await h.fails('client', { op: 'gethostbyname', name: 'no-such-host.invalid' });
    expect(['EAI_NONAME', 'EAI_AGAIN']).toContain(err.code);
    expect(err.errno).toBeLessThan(0);
  });

  it('gethostname is the machine name', async () => {
    const h = harness();
    const r = await h.call<ResultOf<'gethostname'>>('client', { op: 'gethostname' });
    expect(r.name).toBe((await import('node:os')).hostname());
  });

  it('connects by name after resolving it, as Python does', async () => {
    const h = harness();
    const s = await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await h.call('server', { op: 'bind', socket: s.socket, address: ['localhost', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: s.socket, backlog: 1 });
    const c = await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await h.call('client', { op: 'connect', socket: c.socket, address: ['localhost', h.ports[0]!] });
  });
});

describe('IPv6', () => {
  it('binds ::1 and connects over it', async () => {
    const h = harness();
    const s = await h.call<Sock>('server', { op: 'socket', family: 'AF_INET6', type: 'SOCK_STREAM' });
    await h.call('server', { op: 'bind', socket: s.socket, address: ['::1', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: s.socket, backlog: 1 });
    const c = await h.call<Sock>('client', { op: 'socket', family: 'AF_INET6', type: 'SOCK_STREAM' });
    await h.call('client', { op: 'connect', socket: c.socket, address: ['::1', h.ports[0]!] });
    const a = await h.call<ResultOf<'accept'>>('server', { op: 'accept', socket: s.socket });
    expect(a.local).toEqual(['::1', h.ports[0]]);
  });
});
