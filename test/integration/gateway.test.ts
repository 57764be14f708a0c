import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULTS, type GatewayConfig } from '../../gateway/config.js';
import type { ResultOf } from '../../gateway/protocol/messages.js';
import { type Gateway, startGateway } from '../../gateway/server.js';
import { SystemNames } from '../../gateway/syscalls/names.js';
import { eventually, libc, openFds } from '../support/engine-harness.js';
import { studentPortRange } from '../support/ports.js';
import { Page } from '../support/ws-client.js';

type Sock = ResultOf<'socket'>;

let gw: Gateway;
let wsUrl: string;
let origin: string;

async function start(over: Partial<GatewayConfig> = {}, heartbeatMs?: number): Promise<Gateway> {
  // Four sessions' ports: this file starts nine gateways in a worker's 1,500 playground ports.
  const studentPorts = over.studentPorts ?? studentPortRange(40);
  return startGateway(
    { ...DEFAULTS, port: 0, graceSeconds: 1, quiet: true, ...over, studentPorts },
    { sys: libc(), names: new SystemNames(), lessonServers: () => [], heartbeatMs },
  );
}

beforeAll(async () => {
  // Twenty sessions' ports: a closed page's session keeps its own for the grace period.
  gw = await start({ studentPorts: studentPortRange(200) });
  wsUrl = `ws://127.0.0.1:${gw.port}/ws`;
  origin = `http://127.0.0.1:${gw.port}`;
});
afterAll(async () => {
  await gw.close();
});

const page = () => Page.open(wsUrl, { Origin: origin });

/** Sends `request` as it is on a new connection; resolves with everything the gateway answered. */
function rawHttp(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = connect(gw.port, '127.0.0.1', () => s.end(request));
    s.on('data', (d) => {
      got += d;
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

/** A stepped server on `port` and a client connected to it with stream: true: their handles. */
async function streamedPair(p: Page, port: number): Promise<{ client: string; server: string }> {
  const l = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
  await p.ok('server', { op: 'bind', socket: l.socket, address: ['127.0.0.1', port] });
  await p.ok('server', { op: 'listen', socket: l.socket, backlog: 1 });
  const c = await p.ok<Sock>('raw', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
  await p.ok('raw', { op: 'connect', socket: c.socket, address: ['127.0.0.1', port], stream: true });
  const a = await p.ok<ResultOf<'accept'>>('server', { op: 'accept', socket: l.socket });
  return { client: c.socket, server: a.socket };
}

describe('the handshake', () => {
  it('welcomes a page with its session, its own ports and the engine in use', async () => {
    const p = await page();
    const w = await p.hello();
    expect(w.protocol).toBe(1);
    expect(w.engine.kind).toBe('libc');
    expect(w.ports).toHaveLength(10);
    expect(w.ports[0]).toBeGreaterThanOrEqual(12000);
    await p.close();
  });

  it('refuses a page speaking another protocol version', async () => {
    const p = await page();
    p.send({ type: 'hello', id: 'h', protocol: 99 });
    const err = await p.next((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'EGW_PROTOCOL_VERSION', id: 'h' });
  });

  it('asks for hello before anything else', async () => {
    const p = await page();
    p.send({ type: 'ping', id: 'x' });
    expect(await p.next((m) => m.type === 'error')).toMatchObject({ code: 'EGW_NOT_READY', id: 'x' });
    await p.close();
  });
});

describe('bad input', () => {
  it('answers malformed messages with an error naming the fault, and keeps serving', async () => {
    const p = await page();
    await p.hello();
    p.send('not json');
    expect(await p.next((m) => m.type === 'error' && m.message.includes('JSON'))).toMatchObject({
      id: null,
      code: 'EGW_PROTO',
    });
    p.send({
      type: 'call',
      id: 'b1',
      program: 'client',
      call: { op: 'bind', socket: 's_x', address: ['127.0.0.1', 70000] },
    });
    const bad = await p.next((m) => m.type === 'error' && m.id === 'b1');
    expect(bad).toMatchObject({ code: 'EGW_PROTO' });
    expect((bad as { message: string }).message).toContain('port from 0 to 65535');
    p.send({ type: 'teleport', id: 't1' });
    expect((await p.next((m) => m.type === 'error' && m.id === 't1')) as { message: string }).toMatchObject({
      message: expect.stringContaining('unknown message type'),
    });
    p.send({ type: 'call', id: 'u1', program: 'client', call: { op: 'fork' } });
    expect(
      ((await p.next((m) => m.type === 'error' && m.id === 'u1')) as { message: string }).message,
    ).toContain('unknown op');
    // Still alive and serving.
    const s = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    expect(s.fd).toBeGreaterThan(2);
    await p.close();
  });

  it('answers each of 10,000 malformed messages once, and goes on serving that page and others', async () => {
    const p = await page();
    await p.hello();
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const junk = (): string => {
      const n = Math.floor(rnd() * 40);
      return Array.from({ length: n }, () => String.fromCharCode(Math.floor(rnd() * 0x3000))).join('');
    };
    const shapes: (() => unknown)[] = [
      () => junk(),
      () => JSON.stringify(junk()),
      () => rnd() * 1e6,
      () => [junk(), rnd()],
      () => null,
      () => ({ type: junk(), id: junk() }),
      () => ({ type: 'call', id: junk(), program: rnd() < 0.5 ? 7 : junk(), call: { op: 'socket' } }),
      () => ({
        type: 'call',
        id: 'x',
        program: 'p',
        call: { op: 'bind', socket: junk(), address: [junk(), -rnd()] },
      }),
      () => ({ type: 'call', id: 'y', program: 'p', call: { op: 'recv', socket: 's', bufsize: 'lots' } }),
      () => ({ type: 'ping' }),
      () => `{"type":"call","id":"${junk().replace(/["\\]/g, '')}"`,
    ];
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      const m = shapes[Math.floor(rnd() * shapes.length)]!();
      p.send(typeof m === 'string' ? m : JSON.stringify(m));
    }
    p.send({ type: 'ping', id: 'after' });
    await p.next((m) => m.type === 'pong' && m.id === 'after', 30_000);
    const errors = p.messages.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(N);
    for (const e of errors) expect(['EGW_PROTO', 'EGW_RATE_LIMITED']).toContain(e.code);
    // The gateway still answers everyone else, and this page's calls.
    expect((await fetch(`http://127.0.0.1:${gw.port}/healthz`)).status).toBe(200);
    const s = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    expect(s.fd).toBeGreaterThan(2);
    expect(p.closed).toBeNull();
    await p.close();
  }, 40_000);

  it('answers a message over 64 KiB with EGW_TOO_BIG naming its id, and the session goes on', async () => {
    const p = await page();
    await p.hello();
    const kept = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    p.send({ type: 'ping', id: 'big', pad: 'x'.repeat(70_000) });
    const big = await p.next((m) => m.type === 'error' && m.id === 'big');
    expect(big).toMatchObject({ code: 'EGW_TOO_BIG' });
    expect((big as { message: string }).message).toMatch(/70\d{3} bytes.*at most 65536 bytes.*32768/);
    // Counted in bytes as sent, not in characters: 33,000 two-byte characters are 66,000 bytes.
    p.send({ type: 'ping', id: 'wide', pad: 'é'.repeat(33_000) });
    expect(await p.next((m) => m.type === 'error' && m.id === 'wide')).toMatchObject({ code: 'EGW_TOO_BIG' });
    expect(p.closed).toBeNull();
    const name = await p.ok<ResultOf<'getsockname'>>('client', { op: 'getsockname', socket: kept.socket });
    expect(name.address).toEqual(['0.0.0.0', 0]);
    await p.close();
  });

  it('refuses a binary write over 64 KiB by its id, and sends none of its bytes', async () => {
    const p = await page();
    const w = await p.hello(undefined, { binary: true });
    const { client, server } = await streamedPair(p, w.ports[3]!);
    p.write('huge', client, Buffer.alloc(70_000, 0x41));
    expect(await p.next((m) => m.type === 'error' && m.id === 'huge')).toMatchObject({ code: 'EGW_TOO_BIG' });
    p.write('small', client, Buffer.from('fits'));
    await p.next((m) => m.type === 'written' && m.id === 'small');
    const got = await p.ok<ResultOf<'recv'>>('server', { op: 'recv', socket: server, bufsize: 1000 });
    expect(Buffer.from(got.data, 'base64').toString()).toBe('fits');
    await p.close();
  });

  it('ends the connection on a frame over 256 KiB; the reloaded page finds its sockets', async () => {
    const p = await page();
    const w = await p.hello();
    const s = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    p.send({ type: 'ping', id: 'huge', pad: 'x'.repeat(300_000) });
    await eventually(() => p.closed !== null, 'close');
    expect(p.closed?.code).toBe(1009);
    const health = await fetch(`http://127.0.0.1:${gw.port}/healthz`);
    expect(health.status).toBe(200);
    const again = await page();
    expect(await again.hello(w.resumeToken)).toMatchObject({ resumed: true });
    const name = await again.ok<ResultOf<'getsockname'>>('client', { op: 'getsockname', socket: s.socket });
    expect(name.address).toEqual(['0.0.0.0', 0]);
    await again.close();
  });
});

describe('the WebSocket door', () => {
  it('refuses a page from another origin', async () => {
    await expect(Page.open(wsUrl, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(Page.open(wsUrl, { Origin: 'null' })).rejects.toThrow('HTTP 403');
    await expect(Page.open(wsUrl, { Origin: `http://localhost:${gw.port}.evil.example` })).rejects.toThrow(
      'HTTP 403',
    );
    // A longer port that starts with the gateway's (a prefix match would let it in).
    await expect(Page.open(wsUrl, { Origin: `http://localhost:${gw.port}0` })).rejects.toThrow('HTTP 403');
    await expect(Page.open(wsUrl, { Origin: `http://127.0.0.1:${gw.port}0` })).rejects.toThrow('HTTP 403');
  });

  it('refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    await expect(
      Page.open(wsUrl, { Origin: `http://rebind.example:${gw.port}`, Host: `rebind.example:${gw.port}` }),
    ).rejects.toThrow('HTTP 403');
  });

  it('listens on loopback by default, as the kernel reports it', () => {
    expect(DEFAULTS.host).toBe('127.0.0.1');
    // This gateway was started with the defaults' host: what is listening on its port?
    const listening = execFileSync('ss', ['-tlnH', `( sport = :${gw.port} )`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[3]);
    expect(listening).toEqual([`127.0.0.1:${gw.port}`]);
  });

  it('offers no compression, whatever the client asks for', async () => {
    const ws = new WebSocket(wsUrl, { headers: { Origin: origin }, perMessageDeflate: true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.extensions).toBe('');
    ws.close();
  });

  it('answers a request with too many headers 431, and goes on serving', async () => {
    const reply = await rawHttp(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\n${'X-Pad: 0123456789\r\n'.repeat(2000)}\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect((await fetch(`http://127.0.0.1:${gw.port}/healthz`)).status).toBe(200);
  });

  it('drops connections that never finish their headers (slowloris), and a page still gets in', async () => {
    const start = performance.now();
    const closed: number[] = [];
    const sockets = await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(gw.port, '127.0.0.1', () => {
              s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nX-Slow: `);
              resolve(s);
            });
            // Read what comes (a 408), so that the gateway's end of the connection is seen.
            s.resume();
            s.on('error', () => {});
            s.on('close', () => closed.push(performance.now() - start));
          }),
      ),
    );
    const p = await page();
    expect((await p.hello()).session).toBeTruthy();
    await p.close();
    // Headers have 10 s; the server looks every 2 s. Node's default look is every 30 s.
    await eventually(() => closed.length === sockets.length, 'every slow connection dropped', 16_000);
    expect(Math.max(...closed)).toBeLessThan(14_000);
  }, 20_000);
});

describe('sessions', () => {
  it('give two pages running the same lesson different ports, so they never collide', async () => {
    const a = await page();
    const b = await page();
    const wa = await a.hello();
    const wb = await b.hello();
    expect(wa.ports.some((p) => wb.ports.includes(p))).toBe(false);
    for (const [p, w] of [
      [a, wa],
      [b, wb],
    ] as const) {
      const s = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
      await p.ok('server', { op: 'bind', socket: s.socket, address: ['127.0.0.1', w.ports[0]!] });
      await p.ok('server', { op: 'listen', socket: s.socket, backlog: 5 });
      const c = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
      await p.ok('client', { op: 'connect', socket: c.socket, address: ['127.0.0.1', w.ports[0]!] });
    }
    await a.close();
    await b.close();
  });

  it('close every fd when the tab is gone past the grace period', async () => {
    const before = openFds();
    const p = await page();
    const w = await p.hello();
    const s = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await p.ok('server', { op: 'bind', socket: s.socket, address: ['127.0.0.1', w.ports[1]!] });
    await p.ok('server', { op: 'listen', socket: s.socket, backlog: 5 });
    await p.ok('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' });
    expect(openFds()).toBeGreaterThan(before);
    await p.close();
    await eventually(() => openFds() <= before, 'fds back to the baseline', 5000);
  });

  it('close the sockets of a page whose network went silent: no pong, then the grace period', async () => {
    // Pings every 200 ms here (15 s by default): a page that missed one is cut off at the next.
    const quick = await start({}, 200);
    const listening = (port: number) =>
      execFileSync('ss', ['-tlnH', `( sport = :${port} )`], { encoding: 'utf8' }).trim();
    try {
      const p = await Page.open(
        `ws://127.0.0.1:${quick.port}/ws`,
        { Origin: `http://127.0.0.1:${quick.port}` },
        false,
      );
      const w = await p.hello();
      const s = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
      await p.ok('server', { op: 'bind', socket: s.socket, address: ['127.0.0.1', w.ports[0]!] });
      await p.ok('server', { op: 'listen', socket: s.socket, backlog: 5 });
      expect(listening(w.ports[0]!)).toContain(`127.0.0.1:${w.ports[0]}`);
      // Nothing is sent and nothing closed from this side: the gateway must notice by itself.
      await eventually(() => p.closed !== null, 'the silent page cut off', 3000);
      expect(p.closed?.code).toBe(1006);
      // Its listener outlives the cut for the grace period (a reload would resume it), then goes.
      await eventually(() => quick.sessions.size === 0, 'the session ended after the grace period', 5000);
      expect(listening(w.ports[0]!)).toBe('');
    } finally {
      await quick.close();
    }
  });

  it('resume the same sockets after a reload within the grace period', async () => {
    const p = await page();
    const w = await p.hello();
    const s = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await p.close();
    const again = await page();
    const w2 = await again.hello(w.resumeToken);
    expect(w2.resumed).toBe(true);
    expect(w2.session).toBe(w.session);
    const name = await again.ok<ResultOf<'getsockname'>>('server', { op: 'getsockname', socket: s.socket });
    expect(name.address).toEqual(['0.0.0.0', 0]);
    await again.close();
  });

  it('hand a reloaded page the answers made while the old one was closing', async () => {
    const p = await page();
    const w = await p.hello();
    const { client } = await streamedPair(p, w.ports[2]!);
    // A write's reply waits a few milliseconds for company (see Outbox); the page closes meanwhile,
    // and a malformed message's error is made while it closes.
    p.write('w1', client, Buffer.from('bye'));
    p.send({ type: 'call', id: 'bad1' });
    await p.close();
    const again = await page();
    await again.hello(w.resumeToken);
    const got = (id: string, type: string) =>
      [...p.messages, ...again.messages].filter((m) => m.type === type && 'id' in m && m.id === id).length;
    await eventually(() => got('w1', 'written') > 0 && got('bad1', 'error') > 0, 'both answers', 3000);
    expect(got('w1', 'written')).toBe(1);
    expect(got('bad1', 'error')).toBe(1);
    await again.close();
  });

  it('checks select() lists and timeout at the door, and answers a good one', async () => {
    const p = await page();
    await p.hello();
    const s = await p.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    p.send({ type: 'call', id: 'x1', program: 'server', call: { op: 'select', read: s.socket, write: [] } });
    expect(
      ((await p.next((m) => m.type === 'error' && m.id === 'x1')) as { message: string }).message,
    ).toContain('call select: "read" must be a list of at most 256 socket handles');
    p.send({
      type: 'call',
      id: 'x2',
      program: 'server',
      call: { op: 'select', read: [], write: [], except: [] },
    });
    expect(
      ((await p.next((m) => m.type === 'error' && m.id === 'x2')) as { message: string }).message,
    ).toContain('"timeout" must be a number of seconds from 0 to 86400, or null');
    const r = await p.ok<ResultOf<'select'>>('server', {
      op: 'select',
      read: [s.socket],
      write: [s.socket],
      except: [s.socket],
      timeout: 0,
    });
    expect(r).toEqual({ op: 'select', read: [s.socket], write: [s.socket], except: [] });
    await p.close();
  });

  it("cannot touch another session's socket", async () => {
    const a = await page();
    const b = await page();
    await a.hello();
    await b.hello();
    const s = await a.ok<Sock>('server', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    const r = await b.call('server', { op: 'close', socket: s.socket });
    expect(r.type === 'call-failed' && r.error.code).toBe('EGW_NO_SUCH_HANDLE');
    await a.ok('server', { op: 'getsockname', socket: s.socket });
    await a.close();
    await b.close();
  });

  it('stream trace events in order with monotonic timestamps', async () => {
    const p = await page();
    await p.hello();
    const s = await p.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    await p.ok('client', { op: 'close', socket: s.socket });
    const trace = p.messages.filter((m): m is Extract<typeof m, { seq: number }> => 'seq' in m);
    expect(trace.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < trace.length; i++) {
      expect(trace[i]!.seq).toBe(trace[i - 1]!.seq + 1);
      expect(trace[i]!.t).toBeGreaterThanOrEqual(trace[i - 1]!.t);
    }
    expect(trace.map((m) => m.type).slice(0, 2)).toEqual(['call-started', 'call-returned']);
    await p.close();
  });
});

describe.each(['json', 'binary'] as const)('streams over the WebSocket (raw sessions), %s', (encoding) => {
  const binary = encoding === 'binary';
  // What the read loop received, as the web app's raw session shows it: an arrival the kernel reported
  // before the stream began (bytes waiting, peeked, not taken) is left out, as the page leaves it.
  const streamedText = (p: Page, socket: string) =>
    p.messages
      .filter((m) => m.type === 'data' && m.socket === socket && m.direction === 'in' && m.streamed)
      .map((m) => (m.type === 'data' ? Buffer.from(m.data, 'base64').toString('latin1') : ''))
      .join('');

  it('carries typed bytes out with write and pushes what comes back, with no recv call', async () => {
    const p = await page();
    const w = await p.hello(undefined, { binary });
    expect(w.binary).toBe(binary);
    const { client, server } = await streamedPair(p, w.ports[0]!);
    p.write('w1', client, Buffer.from('ping\n'));
    expect(await p.next((m) => m.type === 'written' && m.id === 'w1')).toMatchObject({ bytes: 5 });
    const got = await p.ok<ResultOf<'recv'>>('server', { op: 'recv', socket: server, bufsize: 100 });
    expect(Buffer.from(got.data, 'base64').toString()).toBe('ping\n');
    await p.ok('server', { op: 'sendall', socket: server, data: Buffer.from('pong\n').toString('base64') });
    await eventually(() => streamedText(p, client) === 'pong\n', 'the pushed reply');
    expect(
      p.messages.some((m) => m.type === 'call-started' && m.program === 'raw' && m.call.op === 'recv'),
    ).toBe(false);
    // Binary frames carry the stream's traffic exactly when the page asked for them, and every
    // message, text or binary, arrives in seq order.
    expect(p.binaryFrames > 0).toBe(binary);
    const seqs = p.messages.flatMap((m) => ('seq' in m ? [m.seq] : []));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await p.close();
  });

  it('answers a malformed write with an error naming the fault, and a foreign socket with failed', async () => {
    const p = await page();
    await p.hello(undefined, { binary });
    // A binary write whose id has no bytes, or a JSON one whose data is not base64.
    const [malformed, fault] = binary
      ? [Uint8Array.from([1, 0, 1, 115]), 'the id must be 1..64 bytes']
      : [JSON.stringify({ type: 'write', id: 'bad', socket: 's_x', data: 'not base64!' }), '"data"'];
    p.ws.send(malformed);
    const bad = await p.next((m) => m.type === 'error' && m.message.includes(fault));
    expect(bad).toMatchObject({ code: 'EGW_PROTO' });
    const other = await page();
    await other.hello();
    const theirs = await other.ok<Sock>('client', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    p.write('theirs', theirs.socket, Buffer.from('hi'));
    expect(await p.next((m) => m.type === 'failed' && m.id === 'theirs')).toMatchObject({
      error: { code: 'EGW_NO_SUCH_HANDLE' },
    });
    await p.ok('client', { op: 'gethostname' });
    await p.close();
    await other.close();
  });

  it('holds a flood in the kernel while the page is not reading, and delivers all of it in order', async () => {
    const { createServer } = await import('node:net');
    const FLOOD = 16 * 1024 * 1024;
    const pattern = Buffer.alloc(FLOOD);
    for (let i = 0; i < FLOOD; i++) pattern[i] = 32 + ((i * 7) % 90);
    const flood = createServer((sock) => {
      sock.on('error', () => {});
      sock.end(pattern);
    });
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', r));
    const floodPort = (flood.address() as { port: number }).port;
    const gw2 = await start({ allow: [{ proto: 'tcp', host: '127.0.0.1', port: floodPort }] });
    try {
      const p = await Page.open(`ws://127.0.0.1:${gw2.port}/ws`, { Origin: `http://127.0.0.1:${gw2.port}` });
      await p.hello(undefined, { binary });
      const c = await p.ok<Sock>('raw', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
      p.send({
        type: 'call',
        id: 'conn',
        program: 'raw',
        call: { op: 'connect', socket: c.socket, address: ['127.0.0.1', floodPort], stream: true },
      });
      // The page stops reading at once: 16 MiB of data events would be more than the gateway's
      // WebSocket buffer allows (it would close the page), unless the stream waits for the page.
      (p.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await new Promise((r) => setTimeout(r, 1500));
      (p.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await eventually(
        () => p.closed !== null || p.messages.some((m) => m.type === 'stream-ended'),
        'the end of the flood',
        20_000,
      );
      expect(p.closed).toBeNull();
      const got = Buffer.from(streamedText(p, c.socket), 'latin1');
      expect(got.length).toBe(FLOOD);
      expect(got.equals(pattern)).toBe(true);
      await p.close();
    } finally {
      await gw2.close();
      await new Promise((r) => flood.close(r));
    }
  });
});

describe('binary records', () => {
  it('are refused from a page that did not ask for them, and the session goes on', async () => {
    const p = await page();
    const w = await p.hello();
    expect(w.binary).toBe(false);
    p.ws.send(Uint8Array.from([1, 1, 65, 1, 115, 104, 105]));
    const err = await p.next((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'EGW_PROTO', message: expect.stringContaining('binary: true') });
    await p.ok('client', { op: 'gethostname' });
    await p.close();
  });

  it('survive garbage: random binary frames each get an answer, and the session goes on', async () => {
    const p = await page();
    await p.hello(undefined, { binary: true });
    const s = await p.ok<Sock>('raw', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' });
    const handle = Buffer.from(s.socket);
    // Seeded, so a failure can be replayed: some frames are writes with lengths that lie.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 150; i++) {
      const f = Uint8Array.from({ length: rand(40) }, () => rand(256));
      if (i % 3 === 0 && f.length > 0) f[0] = 1;
      frames.push(f);
    }
    // A write whose socket is real but not connected, and whose lengths are right.
    frames.push(Uint8Array.from([1, 2, 119, 49, handle.length, ...handle, 104, 105]));
    for (const f of frames) p.ws.send(f);
    await p.next((m) => m.type === 'failed' && m.id === 'w1');
    await p.ok('raw', { op: 'gethostname' });
    const answers = p.messages.filter((m) => m.type === 'error' || m.type === 'failed');
    // Every frame was refused with a reason (or, for a well-formed write, failed by the kernel's rules).
    expect(answers.length).toBe(frames.length);
    expect(answers.every((m) => (m.type === 'error' ? m.message.length > 0 : m.error.code.length > 0))).toBe(
      true,
    );
    expect(answers.at(-1)).toMatchObject({ type: 'failed', id: 'w1' });
    expect(p.closed).toBeNull();
    await p.close();
  });

  it('follow the page: a reload that reads only JSON gets the same stream as JSON', async () => {
    const a = await page();
    const w = await a.hello(undefined, { binary: true });
    const { client, server } = await streamedPair(a, w.ports[0]!);
    a.write('w1', client, Buffer.from('before'));
    await a.next((m) => m.type === 'written' && m.id === 'w1');
    expect(a.binaryFrames).toBeGreaterThan(0);
    await a.close();

    const b = await page();
    const w2 = await b.hello(w.resumeToken);
    expect(w2).toMatchObject({ resumed: true, binary: false });
    await b.ok('server', { op: 'sendall', socket: server, data: Buffer.from('after').toString('base64') });
    const data = await b.next((m) => m.type === 'data' && m.socket === client && m.direction === 'in');
    expect(data).toMatchObject({ data: Buffer.from('after').toString('base64'), streamed: true });
    b.write('w2', client, Buffer.from('again'));
    expect(await b.next((m) => m.type === 'written' && m.id === 'w2')).toMatchObject({ bytes: 5 });
    expect(b.binaryFrames).toBe(0);
    await b.close();
  });
});

describe('a gateway beyond loopback', () => {
  it('refuses to start without a token', async () => {
    const { parseConfig } = await import('../../gateway/config.js');
    expect(() => parseConfig(['--host', '0.0.0.0'], {})).toThrow(/token/);
    expect(parseConfig(['--host', '0.0.0.0', '--token', 'a'.repeat(32)], {}).host).toBe('0.0.0.0');
  });

  it('requires the token on the WebSocket and rate-limits guesses', async () => {
    const token = 't'.repeat(32);
    const g = await start({ token });
    const url = `ws://127.0.0.1:${g.port}/ws`;
    const origin = { Origin: `http://127.0.0.1:${g.port}` };
    await expect(Page.open(url, origin)).rejects.toThrow('HTTP 401');
    const ok = await Page.open(`${url}?token=${token}`, origin);
    await ok.hello();
    await ok.close();
    await expect(Page.open(`${url}?token=wrong-1`, origin)).rejects.toThrow('HTTP 401');
    await expect(Page.open(`${url}?token=wrong-2`, origin)).rejects.toThrow('HTTP 401');
    await expect(Page.open(`${url}?token=${token}`, origin)).rejects.toThrow('HTTP 429');
    await g.close();
  });

  it('counts neither a missing token nor the same stale cookie again as guesses, so one tab cannot lock out a class behind one address', async () => {
    const token = 't'.repeat(32);
    const g = await start({ token });
    const url = `ws://127.0.0.1:${g.port}/ws`;
    const origin = { Origin: `http://127.0.0.1:${g.port}` };
    // A tab opened without the link, and one that kept yesterday's cookie, both reconnecting.
    for (let i = 0; i < 4; i++) {
      await expect(Page.open(url, origin)).rejects.toThrow('HTTP 401');
      await expect(
        Page.open(url, { ...origin, Cookie: 'playground_token=yesterdays-token-0000' }),
      ).rejects.toThrow('HTTP 401');
    }
    const classmate = await Page.open(url, { ...origin, Cookie: `playground_token=${token}` });
    await classmate.hello();
    await classmate.close();
    await g.close();
  });

  it('tells a student who opens the page without the token, or with a stale cookie, which link to open', async () => {
    const token = 't'.repeat(32);
    const g = await start({ token });
    const page = (cookie?: string) =>
      fetch(`http://127.0.0.1:${g.port}/`, {
        headers: cookie ? { Cookie: `playground_token=${cookie}` } : {},
      });
    const none = await page();
    expect(none.status).toBe(401);
    expect(await none.text()).toMatch(/needs its access token.*\?token=/);
    const stale = await page('yesterdays-token-0000');
    expect(stale.status).toBe(401);
    expect(await stale.text()).toMatch(/no longer opens this playground.*\?token=/);
    expect((await page(token)).status).toBe(200);
    // The ones who got in are not held up by the others: the stale cookie counted once.
    await page('yesterdays-token-0000');
    expect((await page(token)).status).toBe(200);
    await g.close();
  });
});

describe('a class behind one address', () => {
  it('tells the tab over the per-address limit which rule it met and which option the instructor changes', async () => {
    const g = await start({ maxSessionsPerAddress: 2 });
    const open = () => Page.open(`ws://127.0.0.1:${g.port}/ws`, { Origin: `http://127.0.0.1:${g.port}` });
    const [a, b] = [await open(), await open()];
    await Promise.all([a.hello(), b.hello()]);
    const third = await open();
    third.send({ type: 'hello', id: 'hello', protocol: 1 });
    const refused = await third.next((m) => m.type === 'error');
    expect(refused).toMatchObject({ code: 'EGW_RATE_LIMITED' });
    if (refused.type !== 'error') throw new Error('unreachable');
    expect(refused.message).toMatch(/127\.0\.0\.1 already has 2 sessions/);
    expect(refused.message).toMatch(/NAT.*--max-sessions-per-address/);
    // The page shows the close reason while it tries again.
    await expect(third.next(() => false)).rejects.toThrow(
      /1013 2 tabs from one address, the limit: the instructor can raise --max-sessions-per-address/,
    );
    await Promise.all([a.close(), b.close(), third.close()]);
    await g.close();
  });

  it('lets a tab reload at the limit and resume its session, which already holds its place', async () => {
    const g = await start({ maxSessionsPerAddress: 2, graceSeconds: 30 });
    const open = () => Page.open(`ws://127.0.0.1:${g.port}/ws`, { Origin: `http://127.0.0.1:${g.port}` });
    const [a, b] = [await open(), await open()];
    const [wa] = await Promise.all([a.hello(), b.hello()]);
    await a.close();
    const reloaded = await open();
    const back = await reloaded.hello(wa.resumeToken);
    expect(back).toMatchObject({ resumed: true, resumeToken: wa.resumeToken, ports: wa.ports });
    // Still two places taken: a new tab is refused.
    const third = await open();
    third.send({ type: 'hello', id: 'hello', protocol: 1 });
    expect(await third.next((m) => m.type === 'error')).toMatchObject({ code: 'EGW_RATE_LIMITED' });
    await Promise.all([reloaded.close(), b.close(), third.close()]);
    await g.close();
  });

  it('tells the tab over the gateway-wide limit to ask for --max-sessions', async () => {
    const g = await start({ maxSessions: 1 });
    const open = () => Page.open(`ws://127.0.0.1:${g.port}/ws`, { Origin: `http://127.0.0.1:${g.port}` });
    const first = await open();
    await first.hello();
    const second = await open();
    second.send({ type: 'hello', id: 'hello', protocol: 1 });
    const refused = await second.next((m) => m.type === 'error');
    expect(refused).toMatchObject({
      code: 'EGW_RATE_LIMITED',
      message: expect.stringMatching(/--max-sessions\b/),
    });
    await expect(second.next(() => false)).rejects.toThrow(
      /1013 the gateway is full \(1 tabs\): the instructor can raise --max-sessions/,
    );
    await Promise.all([first.close(), second.close()]);
    await g.close();
  });
});
