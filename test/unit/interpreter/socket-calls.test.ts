import { describe, expect, it } from 'vitest';
import { type Call, MAX_DATA_BYTES, MAX_MESSAGE_BYTES } from '../../../gateway/protocol/messages.js';
import { kernelError, prompt } from './fake-backend.js';

/** A prompt with a TCP socket `s` (handle h1, fd 3) and a UDP socket `u` (handle h2, fd 4). */
async function withSockets() {
  const p = prompt();
  await p.run('s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)');
  await p.run('u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)');
  p.backend.calls.length = 0;
  return p;
}

describe('socket.socket()', () => {
  it.each<[string, Call]>([
    ['socket.socket()', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }],
    [
      'socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
      { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' },
    ],
    [
      'socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)',
      { op: 'socket', family: 'AF_INET6', type: 'SOCK_DGRAM' },
    ],
    ['socket.socket(type=socket.SOCK_DGRAM)', { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' }],
    [
      'socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0)',
      { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' },
    ],
    ['socket.socket(2, 1, 6)', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }],
  ])('%s makes exactly one socket call', async (source, call) => {
    const { run, backend } = prompt();
    expect(await run(`s = ${source}`)).toEqual([]);
    expect(backend.calls).toEqual([call]);
  });

  it('accepts import socket, import socket as x and from socket import *', async () => {
    const { run, backend } = prompt();
    expect(await run('import socket')).toEqual([]);
    expect(await run('import socket as net\nfrom socket import *\n')).toEqual([]);
    await run('a = net.socket(net.AF_INET, net.SOCK_DGRAM)');
    await run('b = socket(AF_INET, SOCK_STREAM)');
    expect(backend.calls).toEqual([
      { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' },
      { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' },
    ]);
  });

  it('prints a socket as Python does, tracking its addresses and closing', async () => {
    const { run } = await withSockets();
    expect(await run('s')).toEqual([
      "<socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('0.0.0.0', 0)>",
    ]);
    await run('s.bind(("127.0.0.1", 5220))');
    expect(await run('print(s)')).toEqual([
      "<socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('127.0.0.1', 5220)>",
    ]);
    // connect() makes the kernel bind an ephemeral port: the gateway says which, as getsockname would.
    await run('u.connect(("127.0.0.1", 7007))');
    expect(await run('u')).toEqual([
      "<socket.socket fd=4, family=AddressFamily.AF_INET, type=SocketKind.SOCK_DGRAM, proto=0, laddr=('127.0.0.1', 53422), raddr=('127.0.0.1', 7007)>",
    ]);
    // A method named without its parentheses, as seed 000 lists them: close is socket.py's, recv _socket's.
    expect(await run('s.close')).toEqual([
      "<bound method socket.close of <socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('127.0.0.1', 5220)>>",
    ]);
    expect((await run('s.recv'))[0]).toMatch(/^<built-in method recv of socket object at 0x[0-9a-f]+>$/);
    await run('s.close()');
    expect(await run('s')).toEqual([
      '<socket.socket [closed] fd=-1, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0>',
    ]);
    expect(await run('type(s), type(s) is socket.socket')).toEqual(["(<class 'socket.socket'>, True)"]);
  });

  it("refuses a family or type the kernel does not know, with the kernel's errno", async () => {
    const { run, backend } = prompt();
    expect(await run('socket.socket(99)')).toEqual([
      'OSError: [Errno 97] Address family not supported by protocol',
      '  ↳ Use socket.AF_INET (IPv4) or socket.AF_INET6.',
    ]);
    expect((await run('socket.socket(socket.AF_INET, socket.SOCK_STREAM, 17)'))[0]).toBe(
      'OSError: [Errno 93] Protocol not supported',
    );
    expect(backend.calls).toEqual([]);
  });
});

describe('socket methods map 1:1 to Calls', () => {
  it.each<[string, Call]>([
    [
      's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
      { op: 'setsockopt', socket: 'h1', option: 'SO_REUSEADDR', value: 1 },
    ],
    [
      's.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)',
      { op: 'setsockopt', socket: 'h1', option: 'TCP_NODELAY', value: 1 },
    ],
    [
      "import struct; s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))",
      { op: 'setsockopt', socket: 'h1', option: 'SO_LINGER', value: { onoff: 1, linger: 0 } },
    ],
    [
      String.raw`s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x05\x00\x00\x00')`,
      { op: 'setsockopt', socket: 'h1', option: 'SO_LINGER', value: { onoff: 1, linger: 5 } },
    ],
    [
      's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)',
      { op: 'setsockopt', socket: 'h1', option: 'SO_RCVBUF', value: 8192 },
    ],
    [
      's.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)',
      { op: 'getsockopt', socket: 'h1', option: 'SO_KEEPALIVE' },
    ],
    ['s.bind(("127.0.0.1", 5220))', { op: 'bind', socket: 'h1', address: ['127.0.0.1', 5220] }],
    ['s.bind(("", 0))', { op: 'bind', socket: 'h1', address: ['', 0] }],
    ['s.listen(5)', { op: 'listen', socket: 'h1', backlog: 5 }],
    ['s.listen()', { op: 'listen', socket: 'h1', backlog: 128 }],
    ['s.listen(-3)', { op: 'listen', socket: 'h1', backlog: 0 }],
    ['s.accept()', { op: 'accept', socket: 'h1' }],
    ['s.connect(("127.0.0.1", 7007))', { op: 'connect', socket: 'h1', address: ['127.0.0.1', 7007] }],
    ['s.connect(("localhost", 7008))', { op: 'connect', socket: 'h1', address: ['localhost', 7008] }],
    ['s.connect_ex(("127.0.0.1", 7007))', { op: 'connect_ex', socket: 'h1', address: ['127.0.0.1', 7007] }],
    ['s.send(b"hi")', { op: 'send', socket: 'h1', data: 'aGk=' }],
    ['s.sendall(b"hello")', { op: 'sendall', socket: 'h1', data: 'aGVsbG8=' }],
    ['s.sendall("🌮".encode())', { op: 'sendall', socket: 'h1', data: '8J+Mrg==' }],
    [
      'u.sendto(b"ping", ("127.0.0.1", 7007))',
      { op: 'sendto', socket: 'h2', data: 'cGluZw==', address: ['127.0.0.1', 7007] },
    ],
    [
      'u.sendto(b"ping", 0, ("127.0.0.1", 7007))',
      { op: 'sendto', socket: 'h2', data: 'cGluZw==', address: ['127.0.0.1', 7007] },
    ],
    ['s.recv(1024)', { op: 'recv', socket: 'h1', bufsize: 1024 }],
    ['s.recv(5, 0)', { op: 'recv', socket: 'h1', bufsize: 5 }],
    ['s.recv(5, socket.MSG_PEEK)', { op: 'recv', socket: 'h1', bufsize: 5, flags: ['MSG_PEEK'] }],
    [
      's.recv(5, socket.MSG_PEEK | socket.MSG_WAITALL)',
      { op: 'recv', socket: 'h1', bufsize: 5, flags: ['MSG_PEEK', 'MSG_WAITALL'] },
    ],
    ['s.recv(5, socket.MSG_DONTWAIT)', { op: 'recv', socket: 'h1', bufsize: 5, flags: ['MSG_DONTWAIT'] }],
    ['u.recvfrom(2048)', { op: 'recvfrom', socket: 'h2', bufsize: 2048 }],
    [
      'u.recvfrom(2048, socket.MSG_PEEK)',
      { op: 'recvfrom', socket: 'h2', bufsize: 2048, flags: ['MSG_PEEK'] },
    ],
    ['s.shutdown(socket.SHUT_WR)', { op: 'shutdown', socket: 'h1', how: 'SHUT_WR' }],
    ['s.shutdown(socket.SHUT_RD)', { op: 'shutdown', socket: 'h1', how: 'SHUT_RD' }],
    ['s.shutdown(2)', { op: 'shutdown', socket: 'h1', how: 'SHUT_RDWR' }],
    ['s.getsockname()', { op: 'getsockname', socket: 'h1' }],
    ['s.getpeername()', { op: 'getpeername', socket: 'h1' }],
    ['s.settimeout(2.5)', { op: 'settimeout', socket: 'h1', seconds: 2.5 }],
    ['s.settimeout(5)', { op: 'settimeout', socket: 'h1', seconds: 5 }],
    ['s.settimeout(0)', { op: 'settimeout', socket: 'h1', seconds: 0 }],
    ['s.settimeout(None)', { op: 'settimeout', socket: 'h1', seconds: null }],
    ['s.setblocking(False)', { op: 'setblocking', socket: 'h1', blocking: false }],
    ['s.setblocking(True)', { op: 'setblocking', socket: 'h1', blocking: true }],
    ['s.close()', { op: 'close', socket: 'h1' }],
    ['socket.gethostname()', { op: 'gethostname' }],
    ['socket.gethostbyname("localhost")', { op: 'gethostbyname', name: 'localhost' }],
    ['socket.gethostbyaddr("127.0.0.1")', { op: 'gethostbyaddr', address: '127.0.0.1' }],
    ['socket.getaddrinfo("localhost", 80)', { op: 'getaddrinfo', host: 'localhost', port: 80 }],
    ['socket.getaddrinfo("localhost", "8080")', { op: 'getaddrinfo', host: 'localhost', port: 8080 }],
    [
      'socket.getaddrinfo("localhost", None, socket.AF_INET, socket.SOCK_DGRAM)',
      { op: 'getaddrinfo', host: 'localhost', port: null, family: 'AF_INET', type: 'SOCK_DGRAM' },
    ],
    ['socket.getservbyname("http", "tcp")', { op: 'getservbyname', name: 'http', proto: 'tcp' }],
    ['socket.getservbyname("domain")', { op: 'getservbyname', name: 'domain', proto: 'tcp' }],
    ['socket.getservbyport(53, "udp")', { op: 'getservbyport', port: 53, proto: 'udp' }],
  ])('%s', async (source, call) => {
    const { run, backend } = await withSockets();
    const lines = await run(source);
    expect(lines.filter((l) => l.includes('Error'))).toEqual([]);
    expect(backend.calls).toEqual([call]);
  });

  it('refuses SO_LINGER as a tuple or an int, as Python and the kernel do, and says how to pack it', async () => {
    const { run, backend } = await withSockets();
    expect(await run('s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, (1, 0))')).toEqual([
      "TypeError: a bytes-like object is required, not 'tuple'",
      "  ↳ SO_LINGER takes a struct linger, 8 bytes: import struct, then struct.pack('ii', onoff, seconds).",
    ]);
    expect((await run('s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 1)'))[0]).toBe(
      'OSError: [Errno 22] Invalid argument',
    );
    expect(backend.calls).toEqual([]);
  });

  it('close() on a closed socket does nothing, as in Python: no second call, no error', async () => {
    const { run, backend } = await withSockets();
    expect(await run('s.close(); s.close()')).toEqual([]);
    expect(backend.calls).toEqual([{ op: 'close', socket: 'h1' }]);
  });

  it('a method on a closed socket is sent anyway, and the kernel answers EBADF', async () => {
    const { run, backend } = await withSockets();
    await run('s.close()');
    backend.fail('recv', kernelError('EBADF', 9, 'Bad file descriptor', 'socket'));
    expect(await run('s.recv(10)')).toEqual([
      'OSError: [Errno 9] Bad file descriptor',
      '  ↳ That socket is closed: its file descriptor no longer exists.',
    ]);
    expect(backend.calls).toEqual([
      { op: 'close', socket: 'h1' },
      { op: 'recv', socket: 'h1', bufsize: 10 },
    ]);
  });
});

describe('what socket methods return', () => {
  it('accept returns (socket, address) with a usable new socket on the same local port', async () => {
    const { run, backend } = await withSockets();
    expect(await run('conn, addr = s.accept()')).toEqual([]);
    expect(await run('addr')).toEqual(["('127.0.0.1', 53422)"]);
    expect(await run('conn')).toEqual([
      "<socket.socket fd=5, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('127.0.0.1', 40001), raddr=('127.0.0.1', 53422)>",
    ]);
    expect(await run('conn.fileno(), s.fileno()')).toEqual(['(5, 3)']);
    backend.feed('h3', 'hello');
    expect(await run('data = conn.recv(1024)\nconn.sendall(data.decode().upper().encode())\ndata\n')).toEqual(
      ["b'hello'"],
    );
    expect(backend.calls.slice(1)).toEqual([
      { op: 'recv', socket: 'h3', bufsize: 1024 },
      { op: 'sendall', socket: 'h3', data: 'SEVMTE8=' },
    ]);
    expect(await run('(client, port) = conn, addr[1]\nport\n')).toEqual(['53422']);
    expect(await run('host, port = addr\nprint(host, port)\n')).toEqual(['127.0.0.1 53422']);
  });

  it('recv returns at most bufsize bytes, then b"" once the peer closed', async () => {
    const { run, backend } = await withSockets();
    backend.feed('h1', 'hello world');
    expect(await run('s.recv(5)')).toEqual(["b'hello'"]);
    expect(await run('s.recv(100)')).toEqual(["b' world'"]);
    expect(await run('s.recv(100)')).toEqual(["b''"]);
  });

  it('send returns the count, sendall returns None, sendto returns the count', async () => {
    const { run } = await withSockets();
    expect(await run('s.send(b"hello")')).toEqual(['5']);
    expect(await run('s.sendall(b"hello")')).toEqual([]);
    expect(await run('print(s.sendall(b"x"))')).toEqual(['None']);
    expect(await run('u.sendto(b"abc", ("127.0.0.1", 7007))')).toEqual(['3']);
  });

  it('carry more than one message holds: send() sends part and says how much, sendall() all of it in pieces', async () => {
    // A single message of b"x" * 100000 (base64 in JSON) was over the gateway's 64 KiB limit, and
    // the gateway ended the connection: the student's terminal waited for ever.
    const { run, backend } = await withSockets();
    expect(await run('s.send(b"x" * 100000)')).toEqual([String(MAX_DATA_BYTES)]);
    const before = backend.calls.length;
    expect(await run('s.sendall(b"y" * 70000)')).toEqual([]);
    const pieces = backend.calls
      .slice(before)
      .map((c) => ('data' in c ? Buffer.from(c.data, 'base64').length : 0));
    expect(pieces).toEqual([MAX_DATA_BYTES, MAX_DATA_BYTES, 70000 - 2 * MAX_DATA_BYTES]);
    for (const c of backend.calls) expect(JSON.stringify(c).length).toBeLessThan(MAX_MESSAGE_BYTES);
    const [line] = await run('u.sendto(b"z" * 40000, ("127.0.0.1", 7007))');
    expect(line).toMatch(/datagrams of at most 32768 bytes/);
  });

  it('recvfrom returns (bytes, address)', async () => {
    const { run, backend } = await withSockets();
    backend.feed('h2', 'pong');
    expect(await run('data, peer = u.recvfrom(1024)\ndata, peer\n')).toEqual([
      "(b'pong', ('127.0.0.1', 7007))",
    ]);
  });

  it('connect_ex returns the errno instead of raising', async () => {
    const { run, backend } = await withSockets();
    expect(await run('s.connect_ex(("127.0.0.1", 7007))')).toEqual(['0']);
    backend.respond({ op: 'connect_ex', errno: 111, errnoName: 'ECONNREFUSED' });
    expect(await run('s.connect_ex(("127.0.0.1", 9))')).toEqual(['111']);
  });

  it('getsockname and getpeername return address tuples (4-tuples for AF_INET6)', async () => {
    const { run } = await withSockets();
    expect(await run('s.getsockname(), s.getpeername()')).toEqual([
      "(('127.0.0.1', 40001), ('127.0.0.1', 7007))",
    ]);
    await run('v = socket.socket(socket.AF_INET6)');
    expect(await run('v.getsockname()')).toEqual(["('127.0.0.1', 40001, 0, 0)"]);
  });

  it('getsockopt returns an int, or the raw struct when a buflen is given', async () => {
    const { run } = await withSockets();
    expect(await run('s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)')).toEqual(['1']);
    expect(await run('s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER)')).toEqual(['1']);
    expect(await run('s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)')).toEqual([
      String.raw`b'\x01\x00\x00\x00\x00\x00\x00\x00'`,
    ]);
  });

  it('keeps the timeout locally: settimeout(5) reads back 5.0, setblocking(False) 0.0', async () => {
    const { run, backend } = await withSockets();
    expect(await run('s.gettimeout()')).toEqual([]);
    await run('s.settimeout(5)');
    expect(await run('s.gettimeout(), s.getblocking()')).toEqual(['(5.0, True)']);
    await run('s.setblocking(False)');
    expect(await run('s.gettimeout(), s.getblocking()')).toEqual(['(0.0, False)']);
    await run('s.settimeout(None)');
    expect(await run('print(s.gettimeout())')).toEqual(['None']);
    expect(backend.calls.map((c) => c.op)).toEqual(['settimeout', 'setblocking', 'settimeout']);
  });

  it("has Python's family, type and proto attributes", async () => {
    const { run } = await withSockets();
    expect(await run('s.family, u.type, s.proto')).toEqual([
      '(<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_DGRAM: 2>, 0)',
    ]);
  });

  it('closes the socket at the end of a with block', async () => {
    const { run, backend } = prompt();
    expect(await run('with socket.socket() as s:\n    s.connect(("127.0.0.1", 7007))\n')).toEqual([]);
    expect(backend.calls.map((c) => c.op)).toEqual(['socket', 'connect', 'close']);
    expect(await run('s.fileno()')).toEqual(['-1']);
  });

  it('closes the socket of a with block that failed, and still raises', async () => {
    const { run, backend } = prompt();
    backend.fail(
      'connect',
      kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect', ['127.0.0.1', 9]),
    );
    const lines = await run('with socket.socket() as s:\n    s.connect(("127.0.0.1", 9))\n');
    expect(lines[0]).toBe('ConnectionRefusedError: [Errno 111] Connection refused');
    expect(backend.calls.map((c) => c.op)).toEqual(['socket', 'connect', 'close']);
  });
});

describe('socket module functions', () => {
  it('resolve names through the gateway and return what Python returns', async () => {
    const { run } = prompt();
    expect(await run('socket.gethostname()')).toEqual(["'playground'"]);
    expect(await run('socket.gethostbyname("localhost")')).toEqual(["'127.0.0.1'"]);
    expect(await run('socket.gethostbyaddr("127.0.0.1")')).toEqual(["('localhost', [], ['127.0.0.1'])"]);
    expect(await run('socket.getaddrinfo("localhost", 80)')).toEqual([
      "[(<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_STREAM: 1>, 6, '', ('127.0.0.1', 80))]",
    ]);
    expect(await run('socket.getservbyname("http", "tcp"), socket.getservbyport(80)')).toEqual([
      "(80, 'http')",
    ]);
  });

  it('create_connection makes a socket and connects it (with a timeout when given)', async () => {
    const { run, backend } = prompt();
    expect(await run('c = socket.create_connection(("127.0.0.1", 7008), timeout=3)')).toEqual([]);
    expect(backend.calls).toEqual<Call[]>([
      { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' },
      { op: 'settimeout', socket: 'h1', seconds: 3 },
      { op: 'connect', socket: 'h1', address: ['127.0.0.1', 7008] },
    ]);
    expect(await run('c.gettimeout()')).toEqual(['3.0']);
    // As python3 prints it: proto 6 from getaddrinfo, the kernel's ephemeral port, the peer.
    expect(await run('c')).toEqual([
      "<socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=6, laddr=('127.0.0.1', 53422), raddr=('127.0.0.1', 7008)>",
    ]);
  });

  it('create_connection closes its socket when the connect fails', async () => {
    const { run, backend } = prompt();
    backend.fail(
      'connect',
      kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect', ['127.0.0.1', 9]),
    );
    expect((await run('socket.create_connection(("127.0.0.1", 9))'))[0]).toBe(
      'ConnectionRefusedError: [Errno 111] Connection refused',
    );
    expect(backend.calls.map((c) => c.op)).toEqual(['socket', 'connect', 'close']);
  });

  it('setdefaulttimeout applies to new sockets; getdefaulttimeout reads it back', async () => {
    const { run, backend } = prompt();
    expect(await run('print(socket.getdefaulttimeout())')).toEqual(['None']);
    await run('socket.setdefaulttimeout(2)');
    expect(await run('socket.getdefaulttimeout()')).toEqual(['2.0']);
    await run('s = socket.socket()');
    expect(backend.calls).toEqual<Call[]>([
      { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' },
      { op: 'settimeout', socket: 'h1', seconds: 2 },
    ]);
    expect(await run('s.gettimeout()')).toEqual(['2.0']);
  });

  it('has the constants with their Linux values, the enums printing as Python prints them', async () => {
    const { run } = prompt();
    expect(await run('socket.AF_INET, socket.AF_INET6, socket.SOCK_STREAM, socket.SOCK_DGRAM')).toEqual([
      '(<AddressFamily.AF_INET: 2>, <AddressFamily.AF_INET6: 10>, <SocketKind.SOCK_STREAM: 1>, <SocketKind.SOCK_DGRAM: 2>)',
    ]);
    expect(
      await run(
        'socket.SOL_SOCKET, socket.IPPROTO_TCP, socket.SO_REUSEADDR, socket.SO_REUSEPORT, socket.SO_RCVBUF, socket.SO_SNDBUF, socket.SO_KEEPALIVE, socket.SO_LINGER, socket.SO_BROADCAST, socket.SO_ERROR, socket.SO_TYPE, socket.SO_ACCEPTCONN, socket.TCP_NODELAY',
      ),
    ).toEqual(['(1, 6, 2, 15, 8, 7, 9, 13, 6, 4, 3, 30, 1)']);
    expect(await run('socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR')).toEqual(['(0, 1, 2)']);
    expect(await run('socket.MSG_PEEK, socket.MSG_DONTWAIT, socket.MSG_WAITALL')).toEqual([
      '(<MsgFlag.MSG_PEEK: 2>, <MsgFlag.MSG_DONTWAIT: 64>, <MsgFlag.MSG_WAITALL: 256>)',
    ]);
    expect(await run('socket.MSG_PEEK | socket.MSG_WAITALL')).toEqual([
      '<MsgFlag.MSG_PEEK|MSG_WAITALL: 258>',
    ]);
    expect(await run('print(socket.AF_INET, socket.MSG_PEEK, socket.SOCK_STREAM + 0)')).toEqual(['2 2 1']);
    expect(
      await run('socket.timeout is TimeoutError, socket.error is OSError, socket.gaierror, socket.herror'),
    ).toEqual(["(True, True, <class 'socket.gaierror'>, <class 'socket.herror'>)"]);
  });
});

describe("argument mistakes are caught before any call, with Python's words", () => {
  it.each([
    ['s.send("hello")', "TypeError: a bytes-like object is required, not 'str'"],
    ['s.sendall("hello")', "TypeError: a bytes-like object is required, not 'str'"],
    ['u.sendto("x", ("127.0.0.1", 7007))', "TypeError: a bytes-like object is required, not 'str'"],
    ['s.bind("127.0.0.1")', 'TypeError: bind(): AF_INET address must be tuple, not str'],
    ['s.connect(("127.0.0.1",))', 'TypeError: AF_INET address must be a pair (host, port)'],
    ['s.connect(("127.0.0.1", "80"))', "TypeError: 'str' object cannot be interpreted as an integer"],
    ['s.connect((1, 2))', 'TypeError: str, bytes or bytearray expected, not int'],
    ['s.bind(("127.0.0.1", 70000))', 'OverflowError: bind(): port must be 0-65535.'],
    ['s.recv(-1)', 'ValueError: negative buffersize in recv'],
    ['s.recv(1.5)', "TypeError: 'float' object cannot be interpreted as an integer"],
    ['s.recv(1, 2, 3)', 'TypeError: recv() takes at most 2 arguments (3 given)'],
    ['s.recv(bufsize=4)', 'TypeError: socket.recv() takes no keyword arguments'],
    ['u.sendto(b"x")', 'TypeError: sendto() takes 2 or 3 arguments (1 given)'],
    ['s.settimeout(-1)', 'ValueError: Timeout value out of range'],
    ['s.settimeout("a")', "TypeError: 'str' object cannot be interpreted as an integer"],
    ['s.shutdown(5)', 'OSError: [Errno 22] Invalid argument'],
    ['s.listen(1, 2)', 'TypeError: listen() takes at most 1 argument (2 given)'],
    ['s.fileno(1)', 'TypeError: socket.fileno() takes no arguments (1 given)'],
    [
      's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, "yes")',
      "TypeError: a bytes-like object is required, not 'str'",
    ],
    ['socket.getservbyport(70000)', 'OverflowError: getservbyport: port must be 0-65535.'],
    [
      'socket.gethostbyname(1)',
      'TypeError: gethostbyname() argument 1 must be str, bytes or bytearray, not int',
    ],
  ])('%s -> %s', async (source, expected) => {
    const { run, backend } = await withSockets();
    expect((await run(source))[0]).toBe(expected);
    expect(backend.calls).toEqual([]);
  });

  it('explains the str-for-bytes mistake on a second line', async () => {
    const { run } = await withSockets();
    expect(await run('s.send("hello")')).toEqual([
      "TypeError: a bytes-like object is required, not 'str'",
      "  ↳ Sockets carry bytes, not text: encode the str first, e.g. 'hello'.encode() or b'hello'.",
    ]);
  });

  it('says plainly when an option or flag is not one the playground offers', async () => {
    const { run } = await withSockets();
    expect(await run('s.setsockopt(socket.SOL_SOCKET, 5, 1)')).toEqual([
      'PermissionError: [Errno 13] [playground] socket option (level 1, option 5) is not offered',
      '  ↳ The options offered here are SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_BROADCAST, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_LINGER, SO_REUSEPORT, SO_ACCEPTCONN, TCP_NODELAY.',
    ]);
    expect((await run('s.recv(10, 1)'))[0]).toBe(
      'PermissionError: [Errno 13] [playground] recv flags 1 are not offered',
    );
  });

  it('names methods a real socket has and this one lacks, and suggests the near miss', async () => {
    const { run } = await withSockets();
    expect(await run('s.makefile("rb")')).toEqual([
      "AttributeError: 'socket' object has no attribute 'makefile'",
      '  ↳ socket.makefile() exists in Python but not in this playground: read with recv() in a loop and write with sendall() instead. Socket methods here: accept, bind, close, connect, connect_ex, fileno, getblocking, getpeername, getsockname, getsockopt, gettimeout, listen, recv, recvfrom, send, sendall, sendto, setblocking, setsockopt, settimeout, shutdown.',
    ]);
    expect((await run('s.recvv(10)'))[0]).toBe(
      "AttributeError: 'socket' object has no attribute 'recvv'. Did you mean: 'recv'?",
    );
    expect((await run('socket.AF_INTE'))[0]).toBe(
      "AttributeError: module 'socket' has no attribute 'AF_INTE'. Did you mean: 'AF_INET'?",
    );
    expect((await run('s.recv = 1'))[0]).toBe(
      "AttributeError: 'socket' object attribute 'recv' is read-only",
    );
  });

  it('help(s.recv) and help(socket.gethostbyname) print one-line docs', async () => {
    const { run } = await withSockets();
    expect(await run('help(s.recv)')).toEqual([
      "recv(bufsize[, flags]) -> bytes: at most bufsize bytes; b'' means the peer closed.",
    ]);
    expect(await run('help(socket.gethostbyname)')).toEqual([
      "gethostbyname(name) -> str: the IPv4 address of a host name, e.g. '127.0.0.1'.",
    ]);
    expect(await run('help(socket.socket)')).toEqual([
      'socket(family=AF_INET, type=SOCK_STREAM, proto=0): a new socket; the kernel gives it a file descriptor.',
    ]);
  });
});

describe('names Python checks before asking the resolver', () => {
  // Each expected line is python3.11's own, on this machine.
  it.each([
    ["socket.gethostbyname('')", "'0.0.0.0'"],
    ["socket.gethostbyaddr('')", 'OSError: wildcard resolved to multiple address'],
    ["socket.getaddrinfo('', 80)", 'socket.gaierror: [Errno -2] Name or service not known'],
    ["socket.getservbyname('', 'tcp')", 'OSError: service/proto not found'],
    ["socket.getservbyname('x' * 70, 'tcp')", 'OSError: service/proto not found'],
    [
      "socket.gethostbyname('a' * 64)",
      "UnicodeError: encoding with 'idna' codec failed (UnicodeError: label too long)",
    ],
    [
      "socket.gethostbyname('a..b')",
      "UnicodeError: encoding with 'idna' codec failed (UnicodeError: label empty or too long)",
    ],
    ["socket.gethostbyname('a.' * 130)", 'socket.gaierror: [Errno -2] Name or service not known'],
    [
      "socket.create_connection(('a' * 64, 80))",
      "UnicodeError: encoding with 'idna' codec failed (UnicodeError: label too long)",
    ],
    ["socket.socket().connect(('x' * 300, 80))", 'socket.gaierror: [Errno -2] Name or service not known'],
  ])('%s', async (line, expected) => {
    const { run, backend } = prompt();
    expect((await run(line))[0]).toBe(expected);
    // Answered without asking the gateway's resolver.
    expect(backend.calls.filter((c) => c.op !== 'socket' && c.op !== 'close')).toEqual([]);
  });
});
