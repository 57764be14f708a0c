import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { NamePort } from '../../gateway/engine/name-port.js';
import type { ResultOf } from '../../gateway/protocol/messages.js';
import { SystemNames } from '../../gateway/syscalls/names.js';
import { harnesses, openFds } from '../support/engine-harness.js';

type Sock = ResultOf<'socket'>;

const harness = harnesses();

/** A loopback listener that nobody is allowed to reach: it counts what reaches it anyway. */
async function canary(at = 0): Promise<{ server: Server; port: number; accepts: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(at, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port, accepts: () => n };
}

describe('connect rules', () => {
  it('refuses targets that are not allowed, and no packet reaches them', async () => {
    const c = await canary();
    const h = harness();
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    for (const host of [
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0x7f.1',
      '0177.0.0.1',
      '0.0.0.0',
      '169.254.169.254',
      '10.0.0.1',
    ]) {
      const err = await h.fails('client', { op: 'connect', socket: s, address: [host, c.port] });
      expect(['EGW_DENIED', 'EGW_BAD_ADDRESS'], host).toContain(err.code);
    }
    const v6 = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET6', type: 'SOCK_STREAM' }))
      .socket;
    for (const host of ['::', '::ffff:169.254.169.254', '::ffff:127.0.0.1']) {
      const err = await h.fails('client', { op: 'connect', socket: v6, address: [host, c.port] });
      expect(['EGW_DENIED', 'EGW_BAD_ADDRESS'], host).toContain(err.code);
    }
    expect(c.accepts()).toBe(0);
    c.server.close();
  });

  it('connects to the very address it checked: a name that resolves elsewhere the second time gains nothing', async () => {
    const c = await canary();
    // A resolver an attacker controls: outside first (refused), then the allowed loopback target.
    let lookups = 0;
    const system = new SystemNames();
    const names: NamePort = {
      hostname: () => system.hostname(),
      reverse: (a) => system.reverse(a),
      getservbyname: (n, p) => system.getservbyname(n, p),
      getservbyport: (n, p) => system.getservbyport(n, p),
      lookup: async () => [{ address: lookups++ === 0 ? '10.0.0.1' : '127.0.0.1', family: 'AF_INET' }],
    };
    const h = harness({ names, targets: [{ proto: 'tcp', host: '127.0.0.1', port: c.port }] });
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const err = await h.fails('client', { op: 'connect', socket: s, address: ['rebind.example', c.port] });
    expect(err.code).toBe('EGW_DENIED');
    expect(err.message).toContain('10.0.0.1');
    expect(lookups).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.accepts()).toBe(0);
    c.server.close();
  });

  it('names the option an instructor would change', async () => {
    const h = harness();
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const err = await h.fails('client', { op: 'connect', socket: s, address: ['127.0.0.1', 22] });
    expect(err.code).toBe('EGW_DENIED');
    expect(err.option).toBe('--allow');
    expect(err.message).toContain('127.0.0.1:22');
    // A student who wanted to see a refusal learns how to get the kernel's own.
    expect(err.explain).toMatch(/ECONNREFUSED.*your own ports where nothing listens/);
  });

  it('names no option for the addresses no option allows, and says why', async () => {
    const h = harness();
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const err = await h.fails('client', { op: 'connect', socket: s, address: ['169.254.169.254', 80] });
    expect(err.code).toBe('EGW_DENIED');
    expect(err.option).toBeUndefined();
    expect(err.message).toMatch(/never a target here: link-local, cloud metadata/);
  });

  it('allows an allowed target', async () => {
    const c = await canary();
    const h = harness({ targets: [{ proto: 'tcp', host: '127.0.0.1', port: c.port }] });
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('client', { op: 'connect', socket: s, address: ['127.0.0.1', c.port] });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.accepts()).toBe(1);
    c.server.close();
  });

  it('reaches its own sockets by the address they hold, never another service on the same port', async () => {
    const h = harness();
    const make = async (family: 'AF_INET' | 'AF_INET6', type: 'SOCK_STREAM' | 'SOCK_DGRAM') =>
      (await h.call<Sock>('server', { op: 'socket', family, type })).socket;
    /** Binds port 0: the kernel picks a port outside this session's block. */
    const held = async (family: 'AF_INET' | 'AF_INET6', type: 'SOCK_STREAM' | 'SOCK_DGRAM', host: string) => {
      const s = await make(family, type);
      await h.call('server', { op: 'bind', socket: s, address: [host, 0] });
      const { address } = await h.call<ResultOf<'getsockname'>>('server', { op: 'getsockname', socket: s });
      return { s, port: address[1] };
    };
    const onPort = async (port: number) => {
      const c = await canary(port);
      const client = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }))
        .socket;
      const err = await h.fails('client', { op: 'connect', socket: client, address: ['127.0.0.1', port] });
      c.server.close();
      return { code: err.code, accepts: c.accepts() };
    };
    // Its socket holds [::1]:P, another program listens on 127.0.0.1:P: that one is not the student's.
    const v6 = await held('AF_INET6', 'SOCK_STREAM', '::1');
    expect(await onPort(v6.port)).toEqual({ code: 'EGW_DENIED', accepts: 0 });
    // A UDP port is not the TCP port of the same number.
    const udp = await held('AF_INET', 'SOCK_DGRAM', '127.0.0.1');
    expect(await onPort(udp.port)).toEqual({ code: 'EGW_DENIED', accepts: 0 });
    // Its own listener on a port the kernel picked: reachable at the address it holds.
    const own = await held('AF_INET', 'SOCK_STREAM', '127.0.0.1');
    await h.call('server', { op: 'listen', socket: own.s, backlog: 1 });
    const c = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', own.port] });
  });

  it("refuses another session's ports", async () => {
    const a = harness();
    const b = harness();
    const s = (await a.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await a.call('server', { op: 'bind', socket: s, address: ['127.0.0.1', a.ports[0]!] });
    await a.call('server', { op: 'listen', socket: s, backlog: 1 });
    const c = (await b.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    expect(
      (await b.fails('client', { op: 'connect', socket: c, address: ['127.0.0.1', a.ports[0]!] })).code,
    ).toBe('EGW_DENIED');
  });
});

describe('bind rules', () => {
  it('refuses every-interface and non-loopback addresses, naming --lan', async () => {
    const h = harness();
    const s = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    for (const host of ['0.0.0.0', '']) {
      const err = await h.fails('server', { op: 'bind', socket: s, address: [host, h.ports[0]!] });
      expect(err.code).toBe('EGW_BIND_DENIED');
      expect(err.option).toBe('--lan');
      // What to do about this rule, the address: not the ports, which were fine.
      expect(err.explain).toMatch(/INADDR_ANY\) means every interface/);
      expect(err.explain).not.toMatch(/ports/);
    }
    const lanAddress = await h.fails('server', { op: 'bind', socket: s, address: ['10.0.0.1', h.ports[0]!] });
    expect(lanAddress.code).toBe('EGW_BIND_DENIED');
    expect(lanAddress.option).toBe('--lan');
    expect(lanAddress.explain).toMatch(/Only loopback addresses .* face?s the network/);
  });

  it("refuses ports outside this session's block, naming --ports", async () => {
    const h = harness();
    const s = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const err = await h.fails('server', { op: 'bind', socket: s, address: ['127.0.0.1', 5220] });
    expect(err.code).toBe('EGW_BIND_DENIED');
    expect(err.option).toBe('--ports');
    expect(err.message).toContain(String(h.ports[0]));
    expect(err.explain).toMatch(/your ports.*port 0 for one the kernel picks/);
  });

  it('refuses listen on an unbound socket (the kernel would bind every interface)', async () => {
    const h = harness();
    const s = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const err = await h.fails('server', { op: 'listen', socket: s, backlog: 1 });
    expect(err.code).toBe('EGW_BIND_DENIED');
    expect(err.explain).toMatch(/binds before it listens.*then listen\(\)/);
    // No option of the gateway allows it, so none is named.
    expect(err.option).toBeUndefined();
  });
});

describe('LAN mode', () => {
  it("lets a student bind every interface, but still only on the session's own ports", async () => {
    const h = harness({ bindHosts: ['0.0.0.0', '::'] });
    const s = (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    expect((await h.fails('server', { op: 'bind', socket: s, address: ['0.0.0.0', 5220] })).code).toBe(
      'EGW_BIND_DENIED',
    );
    await h.call('server', { op: 'bind', socket: s, address: ['', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: s, backlog: 1 });
    const c = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
  });
});

describe('limits', () => {
  it('lets a burst of connects through, then refuses the rest for rate, naming the option', async () => {
    const h = harness({ connectsPerSecond: 5 });
    const s = (await h.call<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const codes = new Map<string, number>();
    const start = performance.now();
    // Its own port, nothing listening: each connect that reaches the kernel is refused by it.
    for (let i = 0; i < 100; i++) {
      const err = await h.fails('client', { op: 'connect', socket: s, address: ['127.0.0.1', h.ports[0]!] });
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      if (err.code === 'EGW_RATE_LIMITED') expect(err.option).toBe('--connects-per-second');
    }
    // A burst of 20 (four seconds' worth), and the few the bucket refilled while this loop ran.
    const refill = Math.ceil((5 * (performance.now() - start)) / 1000);
    expect(codes.get('ECONNREFUSED')).toBeGreaterThanOrEqual(20);
    expect(codes.get('ECONNREFUSED')).toBeLessThanOrEqual(20 + refill);
    expect(codes.get('EGW_RATE_LIMITED')).toBe(100 - codes.get('ECONNREFUSED')!);
  });

  it('refuses a socket beyond the session limit', async () => {
    const h = harness({ maxSockets: 3 });
    for (let i = 0; i < 3; i++)
      await h.call('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    const err = await h.fails('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    expect(err.code).toBe('EGW_LIMIT');
    expect(err.option).toBe('--max-sockets');
  });

  it('refuses an accept that would pass the limit, leaving the connection waiting in the backlog', async () => {
    const h = harness({ maxSockets: 3 });
    const sock = async () =>
      (await h.call<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' })).socket;
    const l = await sock();
    await h.call('server', { op: 'bind', socket: l, address: ['127.0.0.1', h.ports[0]!] });
    await h.call('server', { op: 'listen', socket: l, backlog: 1 });
    const c = await sock();
    await h.call('client', { op: 'connect', socket: c, address: ['127.0.0.1', h.ports[0]!] });
    const third = await sock();
    const fds = openFds();
    const err = await h.fails('server', { op: 'accept', socket: l });
    expect(err.code).toBe('EGW_LIMIT');
    // Nothing was taken from the kernel: no new fd, and the connection still waits to be accepted.
    expect(openFds()).toBe(fds);
    await h.call('server', { op: 'close', socket: third });
    const got = await h.call<ResultOf<'accept'>>('server', { op: 'accept', socket: l });
    expect(got.fd).toBeGreaterThan(0);
  });
});
