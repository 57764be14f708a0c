// The fallback engine driven directly, with real loopback traffic: each call as the engine makes it,
// non-blocking, retried after wait() on EAGAIN.

import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { constants as osConstants } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { SyscallError, type SyscallPort } from '../../gateway/engine/syscall-port.js';
import type { Address } from '../../gateway/protocol/messages.js';
import { createFallbackPort } from '../../gateway/syscalls/fallback.js';

const LO = '127.0.0.1';
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Every fd a test opens, closed afterwards even when the test fails. */
const opened: { port: SyscallPort; fd: number }[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const { port, fd } of opened.splice(0)) {
    try {
      port.close(fd);
    } catch {
      // already closed by the test
    }
  }
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function sock(port: SyscallPort, type: 'SOCK_STREAM' | 'SOCK_DGRAM' = 'SOCK_STREAM'): number {
  const fd = port.socket('AF_INET', type);
  opened.push({ port, fd });
  return fd;
}

function errOf(fn: () => unknown): SyscallError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SyscallError) return err;
    throw new Error(`threw something other than SyscallError: ${String(err)}`);
  }
  throw new Error('expected the call to fail');
}

/** The engine's loop: try the call; on EAGAIN wait for readiness and try again. */
async function blocking<T>(
  port: SyscallPort,
  fd: number,
  interest: 'readable' | 'writable',
  call: () => T,
): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    try {
      return call();
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== 'EAGAIN') throw err;
    }
    await new Promise<void>((resolve) => port.wait(fd, interest, resolve));
  }
  throw new Error('still EAGAIN after 1000 wake-ups');
}

async function poll(check: () => boolean, what: string | (() => string), ms = 8000): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A listener on 127.0.0.1 at a port the kernel picked, read back once Node really listens. */
async function listener(port: SyscallPort, backlog = 5): Promise<{ fd: number; addr: Address }> {
  const fd = sock(port);
  port.bind(fd, [LO, 0]);
  port.listen(fd, backlog);
  await poll(() => port.getsockname(fd)[1] !== 0, 'the listener to have a port');
  return { fd, addr: port.getsockname(fd) };
}

/** connect() as the engine makes it: EINPROGRESS, wait until writable, then read the result. */
async function connect(port: SyscallPort, fd: number, addr: Address): Promise<string | null> {
  expect(errOf(() => port.connect(fd, addr)).code).toBe('EINPROGRESS');
  await new Promise<void>((resolve) => port.wait(fd, 'writable', resolve));
  return port.connectResult(fd);
}

/** A connected pair: client fd and the server side's accepted fd. */
async function pair(port: SyscallPort): Promise<{ lfd: number; cfd: number; sfd: number }> {
  const { fd: lfd, addr } = await listener(port);
  const cfd = sock(port);
  expect(await connect(port, cfd, addr)).toBeNull();
  const got = await blocking(port, lfd, 'readable', () => port.accept(lfd));
  opened.push({ port, fd: got.fd });
  return { lfd, cfd, sfd: got.fd };
}

async function recvAll(port: SyscallPort, fd: number, n: number): Promise<string> {
  let out = '';
  while (out.length < n) {
    const b = await blocking(port, fd, 'readable', () => port.recv(fd, n - out.length, false));
    if (b.length === 0) break;
    out += dec(b);
  }
  return out;
}

function handles(): number {
  return process.getActiveResourcesInfo().filter((r) => /^(TCP|UDP)/.test(r)).length;
}

function openFds(): number {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0;
}

/** A port on 127.0.0.1 that nothing listens on: the kernel picked it, then it was released. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, LO, r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('info', () => {
  it('says it is the fallback engine and what it merges, in sentences', () => {
    const port = createFallbackPort();
    expect(port.info.kind).toBe('fallback');
    expect(port.info.merges.length).toBeGreaterThan(5);
    for (const m of port.info.merges) expect(m).toMatch(/^\S.*[.)]$/);
    expect(port.info.merges.join(' ')).toMatch(/SO_REUSEADDR/);
  });

  it('names errors with the host errno numbers and the C library wording', () => {
    const port = createFallbackPort();
    expect(port.errnoNumber('ECONNREFUSED')).toBe(osConstants.errno.ECONNREFUSED);
    expect(port.errnoNumber('ENOSUCHTHING')).toBeNull();
    expect(port.strerror('ECONNREFUSED')).toBe('Connection refused');
    expect(port.strerror('EADDRINUSE')).toBe('Address already in use');
  });
});

describe('socket', () => {
  it('hands out pseudo fds from 1000, reusing the lowest free one as the kernel does', () => {
    const port = createFallbackPort();
    const a = sock(port);
    const b = sock(port, 'SOCK_DGRAM');
    expect([a, b]).toEqual([1000, 1001]);
    port.close(a);
    expect(sock(port)).toBe(1000);
    expect(port.getsockopt(b, 'SO_TYPE')).toBe(2);
    expect(port.getsockname(b)).toEqual(['0.0.0.0', 0]);
  });
});

describe('TCP', () => {
  it('listens, accepts and carries bytes both ways over loopback', async () => {
    const port = createFallbackPort();
    const { lfd, cfd, sfd } = await pair(port);
    expect(port.getsockopt(lfd, 'SO_ACCEPTCONN')).toBe(1);
    expect(port.inspect(cfd)?.state).toBe('ESTABLISHED');
    // Both ends agree on the 4-tuple.
    expect(port.getpeername(sfd)).toEqual(port.getsockname(cfd));
    expect(port.getpeername(cfd)).toEqual(port.getsockname(sfd));
    expect(port.getsockname(sfd)).toEqual(port.getsockname(lfd));

    expect(port.send(cfd, enc('ping'))).toBe(4);
    expect(await recvAll(port, sfd, 4)).toBe('ping');
    expect(port.send(sfd, enc('pong!'))).toBe(5);
    expect(await recvAll(port, cfd, 5)).toBe('pong!');
    expect(errOf(() => port.recv(cfd, 10, false)).code).toBe('EAGAIN');
  });

  it('queues connections for accept() and shows them in the listener’s accept queue', async () => {
    const port = createFallbackPort();
    const { fd: lfd, addr } = await listener(port, 7);
    expect(errOf(() => port.accept(lfd)).code).toBe('EAGAIN');
    const c1 = sock(port);
    const c2 = sock(port);
    expect(await connect(port, c1, addr)).toBeNull();
    expect(await connect(port, c2, addr)).toBeNull();
    await poll(() => port.inspect(lfd)?.acceptQ === 2, 'two connections in the accept queue');
    expect(port.inspect(lfd)).toMatchObject({ proto: 'tcp', state: 'LISTEN', acceptQ: 2, backlog: 7 });
    const first = port.accept(lfd);
    opened.push({ port, fd: first.fd });
    expect(first.address).toEqual(port.getsockname(c1));
    expect(port.inspect(lfd)?.acceptQ).toBe(1);
  });

  it('reports ECONNREFUSED from connectResult when nothing listens, and SO_ERROR is then cleared', async () => {
    const port = createFallbackPort();
    const fd = sock(port);
    expect(await connect(port, fd, [LO, await deadPort()])).toBe('ECONNREFUSED');
    expect(port.getsockopt(fd, 'SO_ERROR')).toBe(0);
    expect(port.inspect(fd)?.state).toBe('CLOSED');
  });

  it('keeps SO_ERROR for a refused connect until it is read', async () => {
    const port = createFallbackPort();
    const fd = sock(port);
    expect(errOf(() => port.connect(fd, [LO, 1])).code).toBe('EINPROGRESS');
    expect(port.inspect(fd)?.state).toBe('SYN_SENT');
    await new Promise<void>((resolve) => port.wait(fd, 'writable', resolve));
    expect(port.getsockopt(fd, 'SO_ERROR')).toBe(osConstants.errno.ECONNREFUSED);
    expect(port.getsockopt(fd, 'SO_ERROR')).toBe(0);
  });

  it('fails with EADDRINUSE when listening on a port another program holds', async () => {
    const other = net.createServer();
    servers.push(other);
    await new Promise<void>((r) => other.listen(0, LO, r));
    const taken = (other.address() as net.AddressInfo).port;

    const port = createFallbackPort();
    const fd = sock(port);
    port.bind(fd, [LO, taken]); // only recorded: Node takes the port at listen()
    // Node listens asynchronously: the error comes from listen() or from the next call, accept().
    const failure = await (async () => {
      port.listen(fd, 5);
      return blocking(port, fd, 'readable', () => port.accept(fd));
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SyscallError);
    expect((failure as SyscallError).code).toBe('EADDRINUSE');
    expect((failure as SyscallError).errno).toBe(osConstants.errno.EADDRINUSE);
    expect(port.inspect(fd)?.state).toBe('CLOSED');
  });

  it('fails with EADDRINUSE at bind() when another playground socket listens on the port', async () => {
    const port = createFallbackPort();
    const { addr } = await listener(port);
    const fd = sock(port);
    const err = errOf(() => port.bind(fd, addr));
    expect(err.code).toBe('EADDRINUSE');
    expect(err.errno).toBe(osConstants.errno.EADDRINUSE);
    // The wildcard address overlaps 127.0.0.1 too.
    expect(errOf(() => port.bind(sock(port), ['0.0.0.0', addr[1]])).code).toBe('EADDRINUSE');
  });

  it('returns a partial read: recv(5) on 11 waiting bytes gives 5, then 6, and MSG_PEEK leaves them', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    port.send(cfd, enc('hello world'));
    await poll(() => port.inspect(sfd)?.recvQ === 11, '11 bytes waiting');
    expect(dec(port.recv(sfd, 5, true))).toBe('hello');
    expect(port.inspect(sfd)?.recvQ).toBe(11);
    expect(dec(port.recv(sfd, 5, false))).toBe('hello');
    expect(port.inspect(sfd)?.recvQ).toBe(6);
    expect(dec(port.recv(sfd, 100, false))).toBe(' world');
    expect(errOf(() => port.recv(sfd, 100, false)).code).toBe('EAGAIN');
  });

  it('returns 0 bytes once the peer has closed, and shows CLOSE_WAIT', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    port.send(cfd, enc('bye'));
    port.close(cfd);
    expect(await recvAll(port, sfd, 3)).toBe('bye');
    const eof = await blocking(port, sfd, 'readable', () => port.recv(sfd, 10, false));
    expect(eof.length).toBe(0);
    expect(port.inspect(sfd)?.state).toBe('CLOSE_WAIT');
  });

  it('fails send with EPIPE after shutdown(SHUT_WR), while the peer can still answer (half-close)', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    port.send(cfd, enc('request'));
    port.shutdown(cfd, 'SHUT_WR');
    const err = errOf(() => port.send(cfd, enc('more')));
    expect(err.code).toBe('EPIPE');
    expect(err.errno).toBe(osConstants.errno.EPIPE);
    expect(await recvAll(port, sfd, 7)).toBe('request');
    expect((await blocking(port, sfd, 'readable', () => port.recv(sfd, 10, false))).length).toBe(0);
    await poll(() => port.inspect(cfd)?.state === 'FIN_WAIT2', 'the client in FIN_WAIT2');
    expect(port.inspect(sfd)?.state).toBe('CLOSE_WAIT');
    port.send(sfd, enc('response'));
    expect(await recvAll(port, cfd, 8)).toBe('response');
  });

  it('fails send on a never-connected socket with EPIPE, as Linux does', () => {
    const port = createFallbackPort();
    const fd = sock(port);
    expect(errOf(() => port.send(fd, enc('x'))).code).toBe('EPIPE');
    expect(errOf(() => port.recv(fd, 1, false)).code).toBe('ENOTCONN');
    expect(errOf(() => port.getpeername(fd)).code).toBe('ENOTCONN');
  });

  it('resets the connection when closed with unread bytes, so the peer reads ECONNRESET', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    port.send(cfd, enc('unread'));
    await poll(() => port.inspect(sfd)?.recvQ === 6, 'the bytes to arrive');
    port.close(sfd);
    const failure = await blocking(port, cfd, 'readable', () => port.recv(cfd, 10, false)).then(
      () => null,
      (e: unknown) => e,
    );
    expect((failure as SyscallError).code).toBe('ECONNRESET');
  });

  it('reads back SO_REUSEADDR as 1 once listening, as libuv forces it', async () => {
    if (process.platform === 'win32') return;
    const port = createFallbackPort();
    const { fd } = await listener(port);
    expect(port.getsockopt(fd, 'SO_REUSEADDR')).toBe(1);
  });
});

describe('UDP', () => {
  it('keeps datagram boundaries and reports the real size of a truncated one', async () => {
    const port = createFallbackPort();
    const a = sock(port, 'SOCK_DGRAM');
    const b = sock(port, 'SOCK_DGRAM');
    port.bind(a, [LO, 0]);
    port.bind(b, [LO, 0]);
    const aAddr = port.getsockname(a);
    const bAddr = port.getsockname(b);
    expect(aAddr[1]).toBeGreaterThan(0); // dgram binds at once: no waiting
    expect(port.sendto(b, enc('hello world'), aAddr)).toBe(11);
    expect(port.sendto(b, enc('bye'), aAddr)).toBe(3);

    const first = await blocking(port, a, 'readable', () => port.recvfrom(a, 5, false));
    expect(dec(first.data)).toBe('hello');
    expect(first.size).toBe(11);
    expect(first.from).toEqual(bAddr);
    const second = await blocking(port, a, 'readable', () => port.recvfrom(a, 100, false));
    expect(dec(second.data)).toBe('bye');
    expect(second.size).toBe(3);
    expect(errOf(() => port.recvfrom(a, 100, false)).code).toBe('EAGAIN');
  });

  it('fails bind with EADDRINUSE at once when the port is taken', () => {
    const port = createFallbackPort();
    const a = sock(port, 'SOCK_DGRAM');
    port.bind(a, [LO, 0]);
    const b = sock(port, 'SOCK_DGRAM');
    const err = errOf(() => port.bind(b, port.getsockname(a)));
    expect(err.code).toBe('EADDRINUSE');
    expect(port.getsockname(b)).toEqual(['0.0.0.0', 0]);
  });

  it('connects, shows ESTABLISHED, and sends to its peer with send()', async () => {
    const port = createFallbackPort();
    const a = sock(port, 'SOCK_DGRAM');
    port.bind(a, [LO, 0]);
    const b = sock(port, 'SOCK_DGRAM');
    expect(errOf(() => port.send(b, enc('x'))).code).toBe('EDESTADDRREQ');
    port.connect(b, port.getsockname(a));
    expect(port.inspect(b)?.state).toBe('ESTABLISHED');
    expect(port.inspect(a)?.state).toBe('UNCONN');
    expect(port.getpeername(b)).toEqual(port.getsockname(a));
    port.send(b, enc('over'));
    const d = await blocking(port, a, 'readable', () => port.recvfrom(a, 100, false));
    expect(dec(d.data)).toBe('over');
    expect(d.from).toEqual(port.getsockname(b));
  });
});

describe('UDP errors', () => {
  it('tells a connected socket that nothing listens, with ECONNREFUSED on a later call', async () => {
    const port = createFallbackPort();
    const fd = sock(port, 'SOCK_DGRAM');
    const dead = sock(port, 'SOCK_DGRAM');
    port.bind(dead, [LO, 0]);
    const deadAddr = port.getsockname(dead);
    port.close(dead); // the port is free again: the kernel answers with ICMP port unreachable
    port.connect(fd, deadAddr);
    port.send(fd, enc('anyone?'));
    const failure = await blocking(port, fd, 'readable', () => port.recvfrom(fd, 100, false)).then(
      () => null,
      (e: unknown) => e,
    );
    expect((failure as SyscallError).code).toBe('ECONNREFUSED');
    expect((failure as SyscallError).errno).toBe(osConstants.errno.ECONNREFUSED);
  });
});

describe('IPv6', () => {
  it('carries bytes over ::1 and names both ends as IPv6', async () => {
    const port = createFallbackPort();
    const lfd = port.socket('AF_INET6', 'SOCK_STREAM');
    opened.push({ port, fd: lfd });
    port.bind(lfd, ['::1', 0]);
    port.listen(lfd, 1);
    await poll(() => port.getsockname(lfd)[1] !== 0, 'the listener to have a port');
    const cfd = port.socket('AF_INET6', 'SOCK_STREAM');
    opened.push({ port, fd: cfd });
    expect(errOf(() => port.connect(cfd, [LO, 1])).code).toBe('EAFNOSUPPORT');
    expect(await connect(port, cfd, port.getsockname(lfd))).toBeNull();
    const got = await blocking(port, lfd, 'readable', () => port.accept(lfd));
    opened.push({ port, fd: got.fd });
    expect(got.address[0]).toBe('::1');
    port.send(cfd, enc('v6'));
    expect(await recvAll(port, got.fd, 2)).toBe('v6');
  });
});

describe('wait', () => {
  it('never calls back inside wait(), and not at all once disposed', async () => {
    const port = createFallbackPort();
    const fd = sock(port); // an unconnected TCP socket polls writable at once
    let called = 0;
    port.wait(fd, 'writable', () => called++);
    expect(called).toBe(0);
    const d = port.wait(fd, 'writable', () => called++);
    d.dispose();
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(1);
  });

  it('wakes a reader when bytes arrive', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    let woke = false;
    const ready = new Promise<void>((resolve) =>
      port.wait(sfd, 'readable', () => {
        woke = true;
        resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    port.send(cfd, enc('!'));
    await ready;
    expect(dec(port.recv(sfd, 1, false))).toBe('!');
  });
});

describe('close', () => {
  it('makes every later call on the fd fail with EBADF, and never fires its waiters', async () => {
    const port = createFallbackPort();
    const { cfd, sfd } = await pair(port);
    let fired = false;
    port.wait(sfd, 'readable', () => {
      fired = true;
    });
    port.close(sfd);
    port.send(cfd, enc('late'));
    for (const call of [
      () => port.recv(sfd, 1, false),
      () => port.send(sfd, enc('x')),
      () => port.getsockname(sfd),
      () => port.getsockopt(sfd, 'SO_TYPE'),
      () => port.shutdown(sfd, 'SHUT_RDWR'),
      () => port.close(sfd),
      () => port.wait(sfd, 'readable', () => {}),
    ]) {
      const err = errOf(call);
      expect(err.code).toBe('EBADF');
      expect(err.errno).toBe(osConstants.errno.EBADF);
    }
    expect(port.inspect(sfd)).toBeNull();
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(false);
  });

  it('leaves no Node handle and no file descriptor behind', async () => {
    // Sockets closed by earlier tests are released by Node a moment later; this worker holds no others.
    await poll(() => handles() === 0, 'earlier tests’ sockets to be released');
    const startHandles = handles();
    const startFds = openFds();
    const port = createFallbackPort();
    const { lfd, cfd, sfd } = await pair(port);
    port.send(cfd, enc('data'));
    expect(await recvAll(port, sfd, 4)).toBe('data');
    const c2 = sock(port);
    expect(await connect(port, c2, port.getsockname(lfd))).toBeNull(); // left in the accept queue
    const u1 = sock(port, 'SOCK_DGRAM');
    const u2 = sock(port, 'SOCK_DGRAM');
    port.bind(u1, [LO, 0]);
    port.sendto(u2, enc('dgram'), port.getsockname(u1));
    await blocking(port, u1, 'readable', () => port.recvfrom(u1, 10, false));
    expect(handles()).toBeGreaterThan(startHandles);

    for (const fd of [lfd, cfd, sfd, c2, u1, u2]) port.close(fd);
    await poll(
      () => handles() === startHandles,
      () => `Node handles back to ${startHandles} (now ${process.getActiveResourcesInfo().join(', ')})`,
    );
    await poll(
      () => openFds() === startFds,
      () => `open fds back to ${startFds} (now ${openFds()})`,
    );
  });
});
