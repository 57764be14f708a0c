// The real engine's readiness (gateway/syscalls/libc.ts, Reactor): one epoll set of the engine's own,
// watched by Node's loop as a single fd. Driven through the port directly, on real loopback sockets.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyscallPort } from '../../gateway/engine/syscall-port.js';
import { loadLibcPort } from '../../gateway/syscalls/libc.js';

const LO = '127.0.0.1';
const port: SyscallPort = loadLibcPort();
const opened = new Set<number>();
const servers: net.Server[] = [];
const peers: net.Socket[] = [];

afterEach(async () => {
  for (const fd of opened) {
    try {
      port.close(fd);
    } catch {
      // closed by the test
    }
  }
  opened.clear();
  for (const p of peers.splice(0)) p.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function close(fd: number): void {
  opened.delete(fd);
  port.close(fd);
}

/** A node:net server whose accepted sockets are handed to `onPeer`. */
async function server(onPeer: (s: net.Socket) => void = () => {}): Promise<number> {
  const s = net.createServer((sock) => {
    sock.on('error', () => {});
    peers.push(sock);
    onPeer(sock);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, LO, r));
  return (s.address() as net.AddressInfo).port;
}

/** An engine socket connected to `target`, once the kernel says the connect is done. */
async function connected(target: number): Promise<number> {
  const fd = port.socket('AF_INET', 'SOCK_STREAM');
  opened.add(fd);
  try {
    port.connect(fd, [LO, target]);
  } catch {
    // EINPROGRESS: writable when the handshake is done
    await new Promise<void>((r) => port.wait(fd, 'writable', r));
  }
  expect(port.connectResult(fd)).toBeNull();
  return fd;
}

const turn = () => new Promise((r) => setImmediate(r));

describe('readiness through the engine’s epoll set', () => {
  it('wakes every waiter when more sockets are ready at once than one epoll_wait reports', async () => {
    const target = await server((sock) => sock.write('x'));
    const fds: number[] = [];
    for (let i = 0; i < 300; i++) fds.push(await connected(target));
    // Every server side has written its byte before anyone waits: all 300 are ready together.
    await new Promise((r) => setTimeout(r, 100));
    const woken = await Promise.all(
      fds.map((fd) => new Promise<number>((r) => port.wait(fd, 'readable', () => r(fd)))),
    );
    expect(new Set(woken).size).toBe(300);
    for (const fd of fds) expect(new TextDecoder().decode(port.recv(fd, 16, false))).toBe('x');
  });

  it('does not call a waiter that one called before it in the same turn disposed', async () => {
    const target = await server((sock) => sock.write('hello'));
    const fd = await connected(target);
    await new Promise((r) => setTimeout(r, 50));
    // The socket is readable (hello waits) and writable (room in its send buffer): both waiters are
    // due in the same turn, readers first. The reader cancels the writer, as a connect's completion
    // ends a readability observer.
    let writerCalls = 0;
    let readerCalls = 0;
    const writer = port.wait(fd, 'writable', () => writerCalls++);
    port.wait(fd, 'readable', () => {
      readerCalls++;
      writer.dispose();
    });
    for (let i = 0; i < 5; i++) await turn();
    expect(readerCalls).toBe(1);
    expect(writerCalls).toBe(0);
  });

  it('waits on a new socket that got the number of a closed one still being watched', async () => {
    const target = await server();
    const first = await connected(target);
    let oldCalls = 0;
    port.watch(first, () => oldCalls++);
    close(first);
    const second = await connected(target);
    expect(second).toBe(first);
    const got = new Promise<void>((r) => port.wait(second, 'readable', r));
    peers.at(-1)!.write('again');
    await got;
    expect(new TextDecoder().decode(port.recv(second, 16, false))).toBe('again');
    expect(oldCalls).toBe(0);
  });

  it('leaves the loop idle after a one-shot waiter is called, though the fd stays ready', async () => {
    const listener = port.socket('AF_INET', 'SOCK_STREAM');
    opened.add(listener);
    port.bind(listener, [LO, 0]);
    port.listen(listener, 4);
    const [, lport] = port.getsockname(listener);
    const client = net.connect(lport, LO);
    client.on('error', () => {});
    peers.push(client);
    let calls = 0;
    await new Promise<void>((r) =>
      port.wait(listener, 'readable', () => {
        calls++;
        r();
      }),
    );
    // The connection is never accepted: the listener stays readable. Left in the set, it would make
    // Node's loop spin at full speed.
    const before = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, 300));
    const busy = performance.eventLoopUtilization(before).utilization;
    expect(calls).toBe(1);
    expect(busy).toBeLessThan(0.5);
  });

  it('refuses to wait on an fd that is not open, naming EBADF', () => {
    const fd = port.socket('AF_INET', 'SOCK_STREAM');
    port.close(fd);
    expect(() => port.wait(fd, 'readable', () => {})).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
