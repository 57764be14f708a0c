// The bench's child processes (bench/children.ts): the echo server and the minimal bridge as the bench
// starts them, and what must never happen to a run: a server that is not ready taken as ready, a child
// that died read as a figure, or a child left running once the bench has stopped it.

import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '../../../bench/children.js';
import { openWsEcho } from '../../../bench/clients.js';

type Children = typeof import('../../../bench/children.js');

const DIST = resolve('dist', 'bench');
const started: Child[] = [];
// The built module, as the bench runs it: it finds its garbage-collection preload beside itself.
let startChild: Children['startChild'];
let rssKiB: Children['rssKiB'];
let cpuSeconds: Children['cpuSeconds'];

beforeAll(async () => {
  if (!existsSync(resolve(DIST, 'children.js')))
    throw new Error('dist/bench is missing: npm test builds it first');
  ({ startChild, rssKiB, cpuSeconds } = (await import(
    pathToFileURL(resolve(DIST, 'children.js')).href
  )) as Children);
});

afterEach(async () => {
  for (const c of started.splice(0)) await c.stop();
});

async function start(...args: Parameters<typeof startChild>): Promise<Child> {
  const child = await startChild(...args);
  started.push(child);
  return child;
}

/** Running (a zombie waiting for its parent, or for init, to reap it counts as gone). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/** Sends `text` to a TCP port and resolves with what comes back once `text.length` bytes have. */
function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((done, fail) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(text));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (got.length >= text.length) {
        s.destroy();
        done(got);
      }
    });
    s.on('error', fail);
  });
}

const refused = (port: number) =>
  new Promise<boolean>((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      done(false);
    });
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });

describe('bench child processes', () => {
  it('start the echo server and the bridge on the ports they print, measurable, and stop them for good', async () => {
    const echo = await start({
      name: 'echo server',
      command: process.execPath,
      args: [resolve(DIST, 'echo-server.js')],
      ready: { stdout: /PORT (\d+)/ },
    });
    expect(await echoOnce(echo.port, 'hello')).toBe('hello');
    const bridge = await start({
      name: 'bridge',
      command: process.execPath,
      args: [resolve(DIST, 'bridge.js'), String(echo.port)],
      ready: { stdout: /PORT (\d+)/ },
      collectable: true,
    });
    const ws = await openWsEcho(`ws://127.0.0.1:${bridge.port}/`, 5000);
    await new Promise<void>((done, fail) => ws.exchange((err) => (err ? fail(err) : done())));
    ws.close();
    // What the bench reads of them: memory, CPU, and a full collection on request.
    expect(rssKiB(bridge.pid)).toBeGreaterThan(10_000);
    expect(cpuSeconds(bridge.pid)).toBeGreaterThan(0);
    await bridge.collectGarbage();
    expect(bridge.tail()).toContain('GC');

    await bridge.stop();
    await echo.stop();
    expect(alive(bridge.pid)).toBe(false);
    expect(alive(echo.pid)).toBe(false);
    expect(await refused(echo.port)).toBe(true);
    expect(await refused(bridge.port)).toBe(true);
  });

  it('say why a child that exits before it is ready failed, with what it printed', async () => {
    const failing = startChild({
      name: 'broken server',
      command: process.execPath,
      args: ['-e', 'console.error("cannot listen: EADDRINUSE"); process.exit(3)'],
      ready: { stdout: /PORT (\d+)/ },
    });
    await expect(failing).rejects.toThrow(
      /broken server exited before it was ready \(code 3\):\n.*EADDRINUSE/,
    );
  });

  it('give up on a child that never gets ready, and kill it', async () => {
    const err = await startChild({
      name: 'stuck server',
      command: process.execPath,
      args: ['-e', 'console.log("PID", process.pid); setInterval(() => {}, 1000)'],
      ready: { stdout: /PORT (\d+)/ },
      timeoutMs: 500,
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^stuck server was not ready within 500 ms:\n\s*PID \d+/);
    const pid = Number(/PID (\d+)/.exec(err!.message)![1]);
    expect(alive(pid)).toBe(false);
  });

  it('kill a child that ignores SIGTERM, and a forking server’s whole group', async () => {
    const deaf = await start({
      name: 'deaf server',
      command: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("PORT 1"); setInterval(() => {}, 1000)'],
      ready: { stdout: /PORT (\d+)/ },
    });
    await deaf.stop();
    expect(alive(deaf.pid)).toBe(false);

    // A server that forks a process per connection, as websockify does: the "port" it prints here is
    // its child's pid, so the test can see that child go too.
    const forking = await start({
      name: 'forking server',
      command: 'sh',
      args: ['-c', 'sleep 600 & echo "PORT $!"; wait'],
      ready: { stdout: /PORT (\d+)/ },
      group: true,
    });
    const grandchild = forking.port;
    expect(alive(grandchild)).toBe(true);
    await forking.stop();
    await expect.poll(() => alive(grandchild)).toBe(false);
  }, 15_000);
});
