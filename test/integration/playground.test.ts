// The README's promise: `npm start` prints the lesson servers and a URL, and the page at that URL
// can talk to the lesson servers through real sockets. Runs the built gateway as its own process.

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOf } from '../../gateway/protocol/messages.js';
import { type Playground, startPlayground } from '../support/browser.js';
import { Page } from '../support/ws-client.js';

let pg: Playground;
let out = '';
let port = 0;

beforeAll(async () => {
  pg = await startPlayground();
  out = pg.output();
  port = pg.port;
});

afterAll(async () => {
  await pg.stop();
});

describe('npm start', () => {
  it('prints the engine, every lesson server with its address, and the URL', () => {
    expect(out).toMatch(/engine\s+libc/);
    for (const name of [
      'echo',
      'capitalize',
      'counter',
      'addressbook',
      'names',
      'roulette',
      'http',
      'udp-echo',
    ]) {
      expect(out).toMatch(new RegExp(`^${name}\\s+(tcp|udp) 127\\.0\\.0\\.1:\\d+`, 'm'));
    }
  });

  it('says beforehand the session limits a class meets and the options that change them', () => {
    expect(out).toMatch(
      /^limits\s+120 tabs in all \(--max-sessions\), 16 from one address \(--max-sessions-per-address: a class behind one NAT address/m,
    );
    expect(out).toMatch(/^ports\s+\d+-\d+, 10 per tab \(--ports-per-session\): enough for \d+ tabs/m);
  });

  it('serves a page at the URL', async () => {
    const res = await fetch(`http://localhost:${port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('Socket playground');
  });

  it("lets a page talk to the capitalize server, and draws the server's own calls in its trace", async () => {
    const p = await Page.open(`ws://localhost:${port}/ws`, { Origin: `http://localhost:${port}` });
    const socket = await p.connectTo('client', await p.hello(), 'capitalize');
    await p.ok('client', {
      op: 'sendall',
      socket,
      data: Buffer.from('hello\n').toString('base64'),
    });
    let got = '';
    while (!got.includes('\n')) {
      const r = await p.ok<ResultOf<'recv'>>('client', { op: 'recv', socket, bufsize: 1024 });
      got += Buffer.from(r.data, 'base64').toString();
    }
    expect(got).toBe('HELLO\n');
    await p.ok('client', { op: 'close', socket });
    const serverCalls = async () =>
      p.messages
        .filter((m) => m.type === 'server-call' && m.server === 'capitalize')
        .map((m) => (m as { syscall: string }).syscall);
    const start = performance.now();
    while (!(await serverCalls()).includes('close') && performance.now() - start < 5000)
      await new Promise((r) => setTimeout(r, 25));
    expect(await serverCalls()).toEqual(['accept', 'recv', 'send', 'recv', 'close']);
    await p.close();
  });

  it("draws each lesson server call in the diagram of its own client's session only", async () => {
    const pages = await Promise.all(
      [0, 1, 2].map(() => Page.open(`ws://localhost:${port}/ws`, { Origin: `http://localhost:${port}` })),
    );
    const clients = await Promise.all(
      pages.map(async (p) => {
        const socket = await p.connectTo('client', await p.hello(), 'echo');
        const local = await p.ok<ResultOf<'getsockname'>>('client', { op: 'getsockname', socket });
        return { p, socket, local: local.address };
      }),
    );
    // All three talk to the echo server at once, then hang up.
    await Promise.all(
      clients.map(({ p, socket }, i) =>
        p.ok('client', { op: 'sendall', socket, data: Buffer.from(`page ${i}\n`).toString('base64') }),
      ),
    );
    const echoCalls = (p: Page) =>
      p.messages.filter(
        (m): m is Extract<typeof m, { type: 'server-call' }> =>
          m.type === 'server-call' && m.server === 'echo',
      );
    for (const { p, socket } of clients) await p.ok('client', { op: 'close', socket });
    const start = performance.now();
    while (
      clients.some(({ p }) => !echoCalls(p).some((m) => m.syscall === 'close')) &&
      performance.now() - start < 5000
    )
      await new Promise((r) => setTimeout(r, 25));
    for (const [i, { p, local }] of clients.entries()) {
      const calls = echoCalls(p);
      expect(calls.map((m) => m.syscall)).toContain('accept');
      expect(calls.map((m) => m.syscall)).toContain('close');
      // Every call drawn for this page is on its own connection, carrying its own bytes.
      expect(calls.every((m) => m.remote[0] === local[0] && m.remote[1] === local[1])).toBe(true);
      const said = calls
        .filter((m) => m.syscall === 'recv' && m.data)
        .map((m) => Buffer.from(m.data!, 'base64').toString())
        .join('');
      expect(said).toBe(`page ${i}\n`);
    }
    await Promise.all(pages.map((p) => p.close()));
  });

  it("keeps each page's address book across connections, as seed 003's client needs, and apart from other pages", async () => {
    const open = () => Page.open(`ws://localhost:${port}/ws`, { Origin: `http://localhost:${port}` });
    const [ada, bob] = await Promise.all([open(), open()]);
    const [adaWelcome, bobWelcome] = await Promise.all([ada.hello(), bob.hello()]);
    // Seed 003's client: connect, send one command, read one reply, close; for every command.
    const command = async (p: Page, welcome: typeof adaWelcome, line: string) => {
      const socket = await p.connectTo('client', welcome, 'addressbook');
      let got = '';
      const read = async () => {
        while (!got.includes('\n')) {
          const r = await p.ok<ResultOf<'recv'>>('client', { op: 'recv', socket, bufsize: 250 });
          got += Buffer.from(r.data, 'base64').toString();
        }
        const [first, ...rest] = got.split('\n');
        got = rest.join('\n');
        return first;
      };
      await p.ok('client', { op: 'send', socket, data: Buffer.from(line).toString('base64') });
      const reply = await read();
      await p.ok('client', { op: 'close', socket });
      return reply;
    };
    expect(await command(ada, adaWelcome, 'add:Ada,12 Analytical Row')).toBe('OK: added Ada');
    expect(await command(ada, adaWelcome, 'fnd:Ada')).toBe('OK: Ada,12 Analytical Row');
    expect(await command(bob, bobWelcome, 'fnd:Ada')).toBe('ERROR: no entry for Ada');
    await Promise.all([ada.close(), bob.close()]);
  });

  it('gives each page its share of a lesson server, so a few tabs cannot fill it for the class', async () => {
    const open = () => Page.open(`ws://localhost:${port}/ws`, { Origin: `http://localhost:${port}` });
    const greedy = await open();
    const w = await greedy.hello();
    // Every page comes from 127.0.0.1 here: the share is per page, not per address.
    for (let i = 0; i < 8; i++) await greedy.connectTo('client', w, 'echo');
    const ninth = await greedy.connectTo('client', w, 'echo');
    const busy = await greedy.ok<ResultOf<'recv'>>('client', { op: 'recv', socket: ninth, bufsize: 200 });
    expect(Buffer.from(busy.data, 'base64').toString()).toMatch(/^Busy: you already have 8 connections here/);
    const other = await open();
    const mine = await other.connectTo('client', await other.hello(), 'echo');
    await other.ok('client', { op: 'sendall', socket: mine, data: Buffer.from('hi').toString('base64') });
    const echoed = await other.ok<ResultOf<'recv'>>('client', { op: 'recv', socket: mine, bufsize: 10 });
    expect(Buffer.from(echoed.data, 'base64').toString()).toBe('hi');
    await greedy.close();
    await other.close();
  });

  it('with a token, prints a URL that carries it, so the page it opens can connect', async () => {
    const token = 'a-classroom-secret-42';
    const withToken = await startPlayground(['--token', token, '--quiet']);
    try {
      const printed = /open (http:\/\/localhost:\d+\/\S*)/.exec(withToken.output())?.[1];
      expect(printed).toBe(`http://localhost:${withToken.port}/?token=${token}`);
      // The first visit swaps the token for the cookie the WebSocket needs.
      const res = await fetch(printed!, { redirect: 'manual' });
      expect(res.status).toBe(303);
      // Out of the address bar a projector shows, and out of the page's reach.
      expect(res.headers.get('location')).toBe('/');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toContain(`playground_token=${token}`);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
    } finally {
      await withToken.stop();
    }
  });

  it('refuses to listen beyond loopback without a token: says why and exits, listening nowhere', () => {
    const run = spawnSync(process.execPath, ['dist/gateway/main.js', '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, GATEWAY_TOKEN: '' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an access token/);
    expect(run.stderr).toContain('--token');
    expect(run.stdout).not.toContain('open http');
  });

  it('exits cleanly on SIGTERM', async () => {
    expect(await pg.stop()).toBe(0);
  });
});
