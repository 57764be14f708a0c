// The lesson servers seen from outside, as nc, telnet, curl or a Python script would see them: real
// loopback sockets, exact bytes, and the limits, restarts and clean shutdown the gateway relies on.

import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientOf,
  LESSON_SERVER_NAMES,
  type LessonServerName,
  LessonServerStartError,
  type LessonServers,
  type LessonServerTrace,
  startLessonServers,
} from '../../gateway/lesson-servers/index.js';

const HOST = '127.0.0.1';

/** A plain TCP client that remembers everything it received and reads it line by line. */
/**
 * clientOf for the share tests: the loopback address a client comes from stands for its page
 * (127.0.0.2 is one page, 127.0.0.3 another); one from 127.0.0.1 is from outside the page.
 */
function pagesByAddress(): ClientOf {
  const pages = new Map([
    ['127.0.0.2', { page: 'A' }],
    ['127.0.0.3', { page: 'B' }],
  ]);
  return (remote) => pages.get(remote[0]) ?? null;
}

class Client {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  private cursor = 0;
  ended = false;
  closed = false;
  private readonly wake = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ended = true;
      this.closed = true;
      this.notify();
    });
  }

  /** from: the local address to connect from (another loopback address is another client machine). */
  static connect(port: number, from?: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: HOST, port, ...(from ? { localAddress: from } : {}) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Client(socket));
      });
    });
  }

  get received(): Buffer {
    return this.buf;
  }

  get text(): string {
    return this.buf.toString('utf8');
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Resolves with get()'s first defined value; rejects on timeout, or if the server closes first. */
  until<T>(get: () => T | undefined, ms = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): boolean => {
        const v = get();
        if (v !== undefined) {
          finish();
          resolve(v);
          return true;
        }
        if (this.ended) {
          finish();
          reject(new Error(`server closed first; received ${JSON.stringify(this.text)}`));
          return true;
        }
        return false;
      };
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.wake.delete(check);
      };
      if (check()) return;
      timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out; received ${JSON.stringify(this.text)}`));
      }, ms);
      this.wake.add(check);
    });
  }

  /** Waits for end of file from the server; resolves with everything received. */
  untilEnd(ms = 3000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.ended) return resolve(this.buf);
      const timer = setTimeout(() => {
        this.wake.delete(check);
        reject(new Error(`server did not close; received ${JSON.stringify(this.text)}`));
      }, ms);
      const check = () => {
        if (!this.ended) return false;
        clearTimeout(timer);
        this.wake.delete(check);
        resolve(this.buf);
        return true;
      };
      this.wake.add(check);
    });
  }

  untilBytes(n: number, ms?: number): Promise<Buffer> {
    return this.until(() => (this.buf.length >= n ? this.buf : undefined), ms);
  }

  untilText(expected: string, ms?: number): Promise<string> {
    return this.until(() => (this.text.length >= expected.length ? this.text : undefined), ms);
  }

  /** The next line, ending included. */
  readLine(ms?: number): Promise<string> {
    return this.until(() => {
      const nl = this.buf.indexOf(0x0a, this.cursor);
      if (nl < 0) return undefined;
      const line = this.buf.toString('utf8', this.cursor, nl + 1);
      this.cursor = nl + 1;
      return line;
    }, ms);
  }

  /** One status-code reply: a single line, or `ddd-` ... `ddd ` as seed 000 describes. */
  async readReply(): Promise<string[]> {
    const first = await this.readLine();
    const lines = [first];
    const m = /^(\d{3})-/.exec(first);
    if (!m) return lines;
    for (;;) {
      const line = await this.readLine();
      lines.push(line);
      if (line.startsWith(`${m[1]} `)) return lines;
    }
  }

  end(): void {
    this.socket.end();
  }

  private notify(): void {
    for (const check of [...this.wake]) check();
  }
}

function portsOf(s: LessonServers): Record<LessonServerName, number> {
  return Object.fromEntries(s.servers.map((i) => [i.name, i.port])) as Record<LessonServerName, number>;
}

async function poll<T>(get: () => T | undefined | false, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface RawResponse {
  statusLine: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** Sends bytes as typed, reads until the server closes, splits head from body. */
async function rawHttp(port: number, request: string): Promise<RawResponse> {
  const c = await Client.connect(port);
  c.write(request);
  const all = await c.untilEnd();
  const split = all.indexOf('\r\n\r\n');
  expect(split).toBeGreaterThan(0);
  const [statusLine = '', ...headerLines] = all.toString('latin1', 0, split).split('\r\n');
  const headers = new Map<string, string>();
  for (const h of headerLines) {
    const colon = h.indexOf(':');
    headers.set(h.slice(0, colon).toLowerCase(), h.slice(colon + 1).trim());
  }
  return { statusLine, headers, body: all.subarray(split + 4) };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

const hasCurl = spawnSync('curl', ['--version']).status === 0;
if (!hasCurl) console.warn('curl is not installed: the curl test is skipped');

describe('lesson servers', () => {
  let servers: LessonServers;
  let port: Record<LessonServerName, number>;

  /** The page session each client port stands for, as the gateway would report it. */
  const pages = new Map<number, object>();

  beforeAll(async () => {
    servers = await startLessonServers({
      ports: 'auto',
      clientOf: ([, p]) => pages.get(p) ?? null,
      // Every spin lands on 17 (black), so the payouts below are known.
      roulette: { random: () => 17.5 / 37, spinDelayMs: 30 },
      name: 'Ada',
      addressBookQuietMs: 100,
    });
    port = portsOf(servers);
  });

  afterAll(async () => {
    await servers?.close();
  });

  it('lists every server with its protocol and the port the kernel gave it', () => {
    expect(servers.servers.map((s) => s.name).sort()).toEqual([...LESSON_SERVER_NAMES].sort());
    for (const s of servers.servers) {
      expect(s.host).toBe(HOST);
      expect(s.port).toBeGreaterThan(0);
      expect(s.proto).toBe(s.name === 'udp-echo' ? 'udp' : 'tcp');
      expect(s.description.length).toBeGreaterThan(10);
    }
  });

  describe('echo', () => {
    it('sends back exactly the bytes it received, then closes when the client does', async () => {
      const c = await Client.connect(port.echo);
      const sent = Buffer.from([0x68, 0x69, 0x00, 0xff, 0x0d, 0x0a, 0xc3]);
      c.write(sent);
      await c.untilBytes(sent.length);
      c.write('more');
      await c.untilBytes(sent.length + 4);
      expect(c.received).toEqual(Buffer.concat([sent, Buffer.from('more')]));
      c.end();
      await c.untilEnd();
      expect(c.received.length).toBe(sent.length + 4);
    });
  });

  describe('capitalize', () => {
    it('answers every chunk in upper case, keeping a character split across two sends whole', async () => {
      const c = await Client.connect(port.capitalize);
      c.write('hello, straße\n');
      expect(await c.untilText('HELLO, STRASSE\n')).toBe('HELLO, STRASSE\n');
      const cafe = Buffer.from('café'); // é is 0xc3 0xa9
      c.write(cafe.subarray(0, 4));
      await c.untilText('HELLO, STRASSE\nCAF');
      c.write(cafe.subarray(4));
      expect(await c.untilText('HELLO, STRASSE\nCAFÉ')).toBe('HELLO, STRASSE\nCAFÉ');
      c.end();
      await c.untilEnd();
      expect(c.text).toBe('HELLO, STRASSE\nCAFÉ');
    });

    it('gives a Python client written from the seeds its message in upper case', async () => {
      const script = [
        'import socket, sys',
        'HOST = "127.0.0.1"',
        'PORT = int(sys.argv[1])',
        'sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
        'sock.connect((HOST, PORT))',
        'mesg = "hello world, straße 🌮"',
        'sock.sendall(mesg.encode())',
        'sock.shutdown(socket.SHUT_WR)',
        'data = b""',
        'while True:',
        '    chunk = sock.recv(1024)',
        '    if not chunk:',
        '        break',
        '    data += chunk',
        'print(data.decode())',
        'sock.close()',
      ].join('\n');
      const r = await run('python3', ['-c', script, String(port.capitalize)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('HELLO WORLD, STRASSE 🌮\n');
    });
  });

  describe('counter', () => {
    it('thanks each connection with its number, one more each time, and closes', async () => {
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await Client.connect(port.counter);
        if (i === 1) c.write('dummy request\n'); // seed 003's client speaks first; it changes nothing
        const text = (await c.untilEnd()).toString('utf8');
        const m =
          /^Thanks for connecting! You are connection number (\d+) since this server started\.\n$/.exec(text);
        expect(m, text).not.toBeNull();
        numbers.push(Number(m?.[1]));
      }
      const [first = 0] = numbers;
      expect(numbers).toEqual([first, first + 1, first + 2]);
    });
  });

  describe('addressbook', () => {
    const pageOf = (c: Client) => {
      const session = {};
      pages.set(c.socket.localPort!, session);
      return session;
    };

    it('keeps one book per page session, across its connections, so students never see each other', async () => {
      const a = await Client.connect(port.addressbook);
      const b = await Client.connect(port.addressbook);
      const pageA = pageOf(a);
      pageOf(b);

      a.write('add:Ada,12 Analytical Row, London\n');
      expect(await a.readLine()).toBe('OK: added Ada\n');
      b.write('fnd:Ada\n');
      expect(await b.readLine()).toBe('ERROR: no entry for Ada\n');
      a.write('fnd:Ada\n');
      expect(await a.readLine()).toBe('OK: Ada,12 Analytical Row, London\n');
      b.write('add:Ada,Somewhere else\r\n');
      expect(await b.readLine()).toBe('OK: added Ada\r\n');
      a.write('fnd:Ada\n');
      expect(await a.readLine()).toBe('OK: Ada,12 Analytical Row, London\n');

      // Seed 003's client connects afresh for every command: the same page finds its book again.
      a.end();
      await a.untilEnd();
      const again = await Client.connect(port.addressbook);
      pages.set(again.socket.localPort!, pageA);
      again.write('fnd:Ada\n');
      expect(await again.readLine()).toBe('OK: Ada,12 Analytical Row, London\n');
      again.write('add:Ada,Elsewhere\nrem:Ada\nfnd:Ada\nrem:Ada\n');
      expect(await again.readLine()).toBe('OK: replaced the entry for Ada\n');
      expect(await again.readLine()).toBe('OK: removed Ada\n');
      expect(await again.readLine()).toBe('ERROR: no entry for Ada\n');
      expect(await again.readLine()).toBe('ERROR: no entry for Ada\n');
      again.write('del:Ada\nhello\n');
      expect(await again.readLine()).toMatch(/^ERROR: unknown command "del"/);
      expect(await again.readLine()).toMatch(/^ERROR: /);

      // Seed 003's client sends "fnd:name" with no newline and waits: it still gets its answer.
      b.write('fnd:Ada');
      expect(await b.readLine()).toBe('OK: Ada,Somewhere else\n');
      again.end();
      b.end();
      await Promise.all([again.untilEnd(), b.untilEnd()]);
    });

    it('gives clients from outside the page (nc, a script) one book of their own, shared', async () => {
      const nc = await Client.connect(port.addressbook);
      nc.write('add:Grace,Arlington\n');
      expect(await nc.readLine()).toBe('OK: added Grace\n');
      nc.end();
      await nc.untilEnd();
      const script = await Client.connect(port.addressbook);
      const page = await Client.connect(port.addressbook);
      pageOf(page);
      script.write('fnd:Grace\n');
      expect(await script.readLine()).toBe('OK: Grace,Arlington\n');
      page.write('fnd:Grace\n');
      expect(await page.readLine()).toBe('ERROR: no entry for Grace\n');
      script.write('rem:Grace\n');
      expect(await script.readLine()).toBe('OK: removed Grace\n');
      script.end();
      page.end();
      await Promise.all([script.untilEnd(), page.untilEnd()]);
    });
  });

  describe('names', () => {
    it('serves three clients at once, each getting only its own lines back with the name appended', async () => {
      const [a, b, c] = await Promise.all([
        Client.connect(port.names),
        Client.connect(port.names),
        Client.connect(port.names),
      ]);
      if (!a || !b || !c) throw new Error('connect failed');
      a.write('Hello\n');
      b.write('Hi there\r\n'); // telnet ends lines with \r\n
      c.write('one\ntwo\r\n');
      a.write('Good');
      await a.untilText('Hello Ada\n');
      a.write('bye\n');
      expect(await a.untilText('Hello Ada\nGoodbye Ada\n')).toBe('Hello Ada\nGoodbye Ada\n');
      expect(await b.untilText('Hi there Ada\r\n')).toBe('Hi there Ada\r\n');
      expect(await c.untilText('one Ada\ntwo Ada\r\n')).toBe('one Ada\ntwo Ada\r\n');
      for (const x of [a, b, c]) x.end();
      await Promise.all([a.untilEnd(), b.untilEnd(), c.untilEnd()]);
      expect([a.text, b.text, c.text]).toEqual([
        'Hello Ada\nGoodbye Ada\n',
        'Hi there Ada\r\n',
        'one Ada\ntwo Ada\r\n',
      ]);
    });
  });

  describe('roulette', () => {
    it('answers with 3-digit codes, FTP-style multi-line HELP and STATUS, and settles a spin', async () => {
      const c = await Client.connect(port.roulette);
      expect(await c.readReply()).toEqual([expect.stringMatching(/^220 .*100 chips.*\r\n$/)]);

      c.write('HELP\r\n');
      const help = await c.readReply();
      expect(help.length).toBeGreaterThan(3);
      expect(help[0]).toMatch(/^214-/);
      expect(help[help.length - 1]).toMatch(/^214 .*\r\n$/);
      for (const middle of help.slice(1, -1)) expect(middle).toMatch(/^ /);
      expect(help.some((l) => l.includes('BET <chips>'))).toBe(true);

      c.write('status\n');
      const status = await c.readReply();
      expect(status[0]).toMatch(/^211-/);
      expect(status[status.length - 1]).toMatch(/^211 /);
      expect(status).toContain(' Chips in hand: 100\r\n');

      c.write('BET 10 17\r\n');
      expect((await c.readReply())[0]).toMatch(/^230 .*10 on 17.* 90 chips/);
      c.write('BET 5 red\r\n');
      expect((await c.readReply())[0]).toMatch(/^230 .* 85 chips/);
      c.write('BET ten red\r\n');
      expect((await c.readReply())[0]).toMatch(/^501 /);
      c.write('BET 1000 black\r\n');
      expect((await c.readReply())[0]).toMatch(/^532 .*85/);
      c.write('DANCE\r\n');
      expect((await c.readReply())[0]).toMatch(/^500 /);

      // 1yz: a preliminary reply, the final one follows. 17 pays 10 * 36, red loses: 85 + 360.
      c.write('SPIN\r\n');
      expect((await c.readReply())[0]).toMatch(/^110 /);
      expect((await c.readReply())[0]).toMatch(/^231 .*\b17 \(black\).*Paid out 360.* 445 chips/);

      c.write('STATUS\r\n');
      const after = await c.readReply();
      expect(after).toContain(' Chips in hand: 445\r\n');
      expect(after).toContain(' Spins so far: 1\r\n');
      c.write('SPIN\r\n');
      expect((await c.readReply())[0]).toMatch(/^503 /);
      c.write('QUIT\r\n');
      expect((await c.readReply())[0]).toMatch(/^221 /);
      await c.untilEnd();
      expect(c.text.split('\r\n').slice(0, -1).join('')).not.toContain('\n'); // every line ends in \r\n
    });

    it('answers commands sent while the wheel spins once it stops, in order', async () => {
      const c = await Client.connect(port.roulette);
      await c.readReply();
      c.write('BET 1 odd\nSPIN\nSTATUS\nQUIT\n');
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push(((await c.readReply())[0] ?? '').slice(0, 4));
      expect(codes).toEqual(['230 ', '110 ', '231 ', '211-', '221 ']);
      await c.untilEnd();
    });
  });

  describe('http', () => {
    const get = (path: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http
          .get({ host: HOST, port: port.http, path, agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          })
          .on('error', reject);
      });

    it('serves / to an HTTP client with Content-Length and Connection: close', async () => {
      const r = await get('/');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers.connection).toBe('close');
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
      expect(r.body).toMatch(/<h1>/);
    });

    it('answers 404 for a path it does not have', async () => {
      const r = await get('/no-such-page');
      expect(r.status).toBe(404);
      expect(r.body).toContain('/no-such-page');
    });

    it('answers a GET typed by hand with bare \\n line endings, then closes', async () => {
      const r = await rawHttp(port.http, 'GET /hello.txt HTTP/1.0\n\n');
      expect(r.statusLine).toBe('HTTP/1.1 200 OK');
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.headers.get('connection')).toBe('close');
      expect(Number(r.headers.get('content-length'))).toBe(r.body.length);
      expect(r.body.toString()).toMatch(/^Hello from the playground/);
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const full = await rawHttp(port.http, 'GET / HTTP/1.0\r\n\r\n');
      const head = await rawHttp(port.http, 'HEAD / HTTP/1.0\r\n\r\n');
      expect(head.statusLine).toBe('HTTP/1.1 200 OK');
      expect(head.headers.get('content-length')).toBe(String(full.body.length));
      expect(head.body.length).toBe(0);
    });

    it('answers 400, 405 and 431 to malformed, unsupported and oversized requests', async () => {
      expect((await rawHttp(port.http, 'HELLO\r\n\r\n')).statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect((await rawHttp(port.http, 'GET /\r\n\r\n')).statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect((await rawHttp(port.http, 'GET / HTTP/1.1\r\n\r\n')).statusLine).toBe(
        'HTTP/1.1 400 Bad Request',
      );
      const post = await rawHttp(port.http, 'POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n');
      expect(post.statusLine).toBe('HTTP/1.1 405 Method Not Allowed');
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const big = await rawHttp(port.http, `GET / HTTP/1.0\r\nX-Pad: ${'a'.repeat(9000)}\r\n\r\n`);
      expect(big.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    });

    it.skipIf(!hasCurl)('works with curl', async () => {
      const ok = await run('curl', ['-s', '-i', '--max-time', '5', `http://${HOST}:${port.http}/hello.txt`]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(ok.stdout).toContain('\r\n\r\nHello from the playground');
      const missing = await run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `http://${HOST}:${port.http}/x`,
      ]);
      expect(missing.stdout).toBe('404');
    });
  });

  describe('udp-echo', () => {
    it('sends each datagram back as one datagram, so two sends stay two messages', async () => {
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, HOST, r));
      const got: { data: string; from: number }[] = [];
      sock.on('message', (msg, rinfo) => got.push({ data: msg.toString('utf8'), from: rinfo.port }));
      sock.send('first', port['udp-echo'], HOST);
      sock.send('second, longer', port['udp-echo'], HOST);
      await poll(() => got.length >= 2);
      await new Promise<void>((r) => sock.close(r));
      expect(got.map((g) => g.data).sort()).toEqual(['first', 'second, longer']);
      expect(got.every((g) => g.from === port['udp-echo'])).toBe(true);
    });

    it('answers each page up to its share a second, and other pages all the same', async () => {
      const fair = await startLessonServers({
        ports: 'auto',
        maxDatagramsPerOwner: 3,
        clientOf: pagesByAddress(),
      });
      const echoes = async (from: string, n: number) => {
        const sock = dgram.createSocket('udp4');
        await new Promise<void>((r) => sock.bind(0, from, r));
        let got = 0;
        sock.on('message', () => got++);
        for (let i = 0; i < n; i++) sock.send(`d${i}`, portsOf(fair)['udp-echo'], HOST);
        // Every echo that will come, then a moment for any that should not.
        await poll(() => got >= n, 1000).catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
        await new Promise<void>((r) => sock.close(r));
        return got;
      };
      try {
        expect(await echoes('127.0.0.2', 10)).toBe(3);
        expect(await echoes('127.0.0.3', 2)).toBe(2);
        // A sender from outside the page has only the total (2000 a second by default).
        expect(await echoes(HOST, 10)).toBe(10);
      } finally {
        await fair.close();
      }
    });
  });
});

describe('lesson server traces', () => {
  it('reports accept, recv, send, end of file and close for one echo conversation, in order', async () => {
    const events: LessonServerTrace[] = [];
    const s = await startLessonServers({ ports: 'auto', onTrace: (ev) => events.push(ev) });
    try {
      const echoPort = portsOf(s).echo;
      const c = await Client.connect(echoPort);
      const mine: [string, number] = [HOST, c.socket.localPort ?? -1];
      c.write('hi');
      await c.untilText('hi');
      c.end();
      await c.untilEnd();
      const ofMine = () => events.filter((e) => e.server === 'echo' && e.remote[1] === mine[1]);
      await poll(() => ofMine().some((e) => e.kind === 'close'));
      const conv = ofMine();
      expect(conv.map((e) => e.kind)).toEqual(['accept', 'recv', 'send', 'recv', 'close']);
      for (const e of conv) {
        expect(e.remote).toEqual(mine);
        expect(e.local).toEqual([HOST, echoPort]);
      }
      expect(Buffer.from(conv[1]?.bytes ?? []).toString()).toBe('hi');
      expect(Buffer.from(conv[2]?.bytes ?? []).toString()).toBe('hi');
      expect(conv[3]?.bytes?.length).toBe(0);
      const times = conv.map((e) => e.t);
      expect(times).toEqual([...times].sort((x, y) => x - y));
    } finally {
      await s.close();
    }
  });
});

describe('lesson server crashes', () => {
  it('restarts a server whose handler threw, logs it, and keeps its other clients', async () => {
    const log: string[] = [];
    const s = await startLessonServers({
      ports: 'auto',
      log: (l) => log.push(l),
      faults: { throwOn: 'CRASH-NOW' },
    });
    try {
      const p = portsOf(s);
      const bystander = await Client.connect(p.echo);
      bystander.write('before ');
      await bystander.untilText('before ');

      const culprit = await Client.connect(p.echo);
      culprit.write('please CRASH-NOW');
      await culprit.untilEnd();
      expect(culprit.text).toBe(''); // the crashed handler never answered

      const line = await poll(() => log.find((l) => l.startsWith('echo crashed:')));
      expect(line).toMatch(
        new RegExp(`^echo crashed: fault injected by a test; restarted on 127\\.0\\.0\\.1:${p.echo}$`),
      );

      const fresh = await Client.connect(p.echo);
      fresh.write('again');
      expect(await fresh.untilText('again')).toBe('again');
      bystander.write('after');
      expect(await bystander.untilText('before after')).toBe('before after');
      fresh.end();
      bystander.end();
      await Promise.all([fresh.untilEnd(), bystander.untilEnd()]);
    } finally {
      await s.close();
    }
  });

  it('reopens a TCP listener and a UDP socket that failed, on the same ports', async () => {
    const log: string[] = [];
    const s = await startLessonServers({ ports: 'auto', log: (l) => log.push(l), name: 'Ada' });
    try {
      const p = portsOf(s);
      s.simulateListenerError('names');
      const line = await poll(() => log.find((l) => l.startsWith('names crashed:')));
      expect(line).toBe(
        `names crashed: listening socket failed: simulated listener failure; restarted on 127.0.0.1:${p.names}`,
      );
      const c = await Client.connect(p.names);
      c.write('Hello\n');
      expect(await c.untilText('Hello Ada\n')).toBe('Hello Ada\n');
      c.end();
      await c.untilEnd();

      s.simulateListenerError('udp-echo');
      await poll(() => log.find((l) => l.startsWith('udp-echo crashed:')));
      const sock = dgram.createSocket('udp4');
      const got: string[] = [];
      sock.on('message', (m) => got.push(m.toString()));
      await new Promise<void>((r) => sock.bind(0, HOST, r));
      sock.send('ping', p['udp-echo'], HOST);
      await poll(() => got.length > 0);
      await new Promise<void>((r) => sock.close(r));
      expect(got).toEqual(['ping']);
    } finally {
      await s.close();
    }
  });
});

describe('lesson server limits', () => {
  let s: LessonServers;
  let p: Record<LessonServerName, number>;

  beforeAll(async () => {
    s = await startLessonServers({ ports: 'auto', idleTimeoutMs: 300, maxClients: 2, name: 'Ada' });
    p = portsOf(s);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('tells an idle client why and closes it', async () => {
    const c = await Client.connect(p.echo);
    const started = Date.now();
    await c.untilEnd();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(c.text).toBe('Closing: nothing received for 0.3 s.\n');
  });

  it('turns away a client over the limit, and admits one again once a place is free', async () => {
    const a = await Client.connect(p.names);
    const b = await Client.connect(p.names);
    a.write('a\n');
    b.write('b\n');
    await Promise.all([a.untilText('a Ada\n'), b.untilText('b Ada\n')]);
    const c = await Client.connect(p.names);
    await c.untilEnd();
    expect(c.text).toMatch(/^Busy: 2 clients already\.\n$/);
    a.end();
    await a.untilEnd();
    const d = await Client.connect(p.names);
    d.write('d\n');
    expect(await d.untilText('d Ada\n')).toBe('d Ada\n');
    b.end();
    d.end();
    await Promise.all([b.untilEnd(), d.untilEnd()]);
  });

  it('keeps a share for every page: one takes at most its share, another page and outside tools still get in', async () => {
    const fair = await startLessonServers({
      ports: 'auto',
      maxClients: 10,
      maxClientsPerOwner: 2,
      clientOf: pagesByAddress(),
    });
    try {
      const port = portsOf(fair).echo;
      const mine = [await Client.connect(port, '127.0.0.2'), await Client.connect(port, '127.0.0.2')];
      const third = await Client.connect(port, '127.0.0.2');
      await third.untilEnd();
      expect(third.text).toBe('Busy: you already have 2 connections here; close one and try again.\n');
      const other = await Client.connect(port, '127.0.0.3');
      other.write('hi');
      expect(await other.untilText('hi')).toBe('hi');
      // The gateway host's own tools (nc, a script) are bound only by the total.
      const outside = [];
      for (let i = 0; i < 4; i++) outside.push(await Client.connect(port));
      outside[3]!.write('ok');
      expect(await outside[3]!.untilText('ok')).toBe('ok');
      const http = [await Client.connect(portsOf(fair).http, '127.0.0.2')];
      http.push(await Client.connect(portsOf(fair).http, '127.0.0.2'));
      const http3 = await Client.connect(portsOf(fair).http, '127.0.0.2');
      await http3.untilEnd();
      expect(http3.text).toMatch(
        /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*You already have 2 connections/,
      );
      for (const c of [...mine, other, ...outside, ...http]) c.end();
    } finally {
      await fair.close();
    }
  });

  it('cuts off a line longer than 8 KiB with an error line', async () => {
    const c = await Client.connect(p.names);
    c.write('x'.repeat(9000));
    await c.untilEnd();
    expect(c.text).toBe('Line longer than 8192 bytes; closing.\n');
  });
});

describe('starting and stopping lesson servers', () => {
  it('fails with EADDRINUSE naming the server and port when a port is taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, HOST, r));
    const taken = (squatter.address() as net.AddressInfo).port;
    const before = openFds();
    try {
      const ports = Object.fromEntries(LESSON_SERVER_NAMES.map((n) => [n, 0]));
      const err = await startLessonServers({ ports: { ...ports, counter: taken } }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LessonServerStartError);
      const e = err as LessonServerStartError;
      expect(e.code).toBe('EADDRINUSE');
      expect(e.server).toBe('counter');
      expect(e.port).toBe(taken);
      expect(e.message).toContain(`counter could not listen on 127.0.0.1:${taken}/tcp`);
      // The servers that did start were closed again.
      await poll(() => openFds() === before);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('closes every server and client socket: the process has as many descriptors as before', async () => {
    const before = openFds();
    const s = await startLessonServers({ ports: 'auto' });
    const p = portsOf(s);
    const clients = await Promise.all(
      (['echo', 'capitalize', 'addressbook', 'names', 'roulette', 'http'] as const).map((n) =>
        Client.connect(p[n]),
      ),
    );
    clients[0]?.write('x');
    await clients[0]?.untilText('x');
    const udp = dgram.createSocket('udp4');
    const echoed = new Promise((r) => udp.once('message', r));
    udp.send('x', p['udp-echo'], HOST);
    await echoed;
    await new Promise<void>((r) => udp.close(r));
    expect(openFds()).toBeGreaterThan(before);

    await s.close();
    // The servers ended every conversation themselves: each client sees end of file.
    await Promise.all(clients.map((c) => c.untilEnd()));
    for (const c of clients) c.socket.destroy();
    await poll(() => clients.every((c) => c.closed));
    await poll(() => openFds() === before);
    expect(openFds()).toBe(before);
  });
});
