import { describe, expect, it, vi } from 'vitest';
import { Interpreter } from '../../../web/src/interpreter/index.js';
import { FakeBackend, prompt } from './fake-backend.js';

const CANCELLED =
  '  ↳ You stopped waiting (Ctrl-C). The socket is still there; the kernel keeps what it has queued.';

describe('a server loop from the seeds', () => {
  it('echoes in upper case with recv until b"" and closes', async () => {
    const { run, backend } = prompt();
    await run('s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)');
    await run(
      's.bind(("127.0.0.1", 5220))\ns.listen(5)\nconn, addr = s.accept()\nprint("Connection from:", addr)\n',
    );
    backend.feed('h2', 'hello', ' world');
    const lines = await run(
      'while True:\n    data = conn.recv(1024)\n    if not data:\n        break\n    print("got", len(data), "bytes")\n    conn.sendall(data.upper())\nconn.close()\n',
    );
    expect(lines).toEqual(['got 5 bytes', 'got 6 bytes']);
    expect(backend.calls.slice(4)).toEqual([
      { op: 'recv', socket: 'h2', bufsize: 1024 },
      { op: 'sendall', socket: 'h2', data: 'SEVMTE8=' },
      { op: 'recv', socket: 'h2', bufsize: 1024 },
      { op: 'sendall', socket: 'h2', data: 'IFdPUkxE' },
      { op: 'recv', socket: 'h2', bufsize: 1024 },
      { op: 'close', socket: 'h2' },
    ]);
  });

  it('runs the connection-counting server of seed 003 for two clients', async () => {
    const { run, backend } = prompt();
    backend.feed('h2', 'hi').feed('h3', 'hey');
    const lines = await run(
      [
        'serversocket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
        "serversocket.bind(('localhost', 2007))",
        'serversocket.listen(5)',
        'connections = 0',
        'for _ in range(2):',
        '  (clientSocket, address) = serversocket.accept()',
        '  connections += 1',
        '  print("Connection %d using port %d" % (connections, address[1]))',
        '  while True:',
        '     req = clientSocket.recv(100)',
        '     if not req: break # client closed connection',
        "     message = 'Thankyou!, processed connection number %d' % connections",
        '     clientSocket.send(message.encode())',
        '  clientSocket.close()',
        '',
      ].join('\n'),
    );
    // As at Python's >>> prompt, send()'s return value is echoed inside a top-level block.
    expect(lines).toEqual(['Connection 1 using port 53422', '40', 'Connection 2 using port 53422', '40']);
    expect(backend.calls.filter((c) => c.op === 'send')).toHaveLength(2);
  });
});

describe('Ctrl-C', () => {
  it('stops a waiting call with KeyboardInterrupt, and the prompt carries on', async () => {
    const backend = new FakeBackend().hang('accept');
    const { py } = prompt(backend);
    await py.run('s = socket.socket()');
    const ctrlC = new AbortController();
    const pending = py.run('conn, addr = s.accept()', ctrlC.signal);
    await vi.waitFor(() => expect(backend.calls.at(-1)?.op).toBe('accept'));
    ctrlC.abort();
    expect(await pending).toEqual({ lines: ['KeyboardInterrupt', CANCELLED], error: true });
    // The backend got the same signal, so it can cancel the call on the gateway.
    expect(backend.signals.at(-1)?.aborted).toBe(true);
    expect((await py.run('conn')).lines[0]).toBe("NameError: name 'conn' is not defined");
    expect(await py.run('s.fileno()')).toEqual({ lines: ['3'], error: false });
  });

  it('stops a lingering close(), and the socket is closed all the same, as in Python', async () => {
    const backend = new FakeBackend().hang('close');
    const { py } = prompt(backend);
    await py.run('s = socket.socket()');
    const ctrlC = new AbortController();
    const pending = py.run('s.close()', ctrlC.signal);
    await vi.waitFor(() => expect(backend.calls.at(-1)?.op).toBe('close'));
    ctrlC.abort();
    expect(await pending).toEqual({
      lines: [
        'KeyboardInterrupt',
        '  ↳ You stopped waiting (Ctrl-C). The socket is closed all the same; the kernel goes on sending what was queued, then the FIN.',
      ],
      error: true,
    });
    expect(await py.run('s.fileno()')).toEqual({ lines: ['-1'], error: false });
    expect(await py.run('s.close()')).toEqual({ lines: [], error: false });
    expect(backend.calls.filter((c) => c.op === 'close')).toHaveLength(1);
  });

  it('can be caught by except KeyboardInterrupt, and finally still closes the socket', async () => {
    const backend = new FakeBackend().hang('recv');
    const { py } = prompt(backend);
    await py.run('s = socket.socket()');
    const ctrlC = new AbortController();
    const pending = py.run(
      'try:\n    while True:\n        s.recv(10)\nexcept KeyboardInterrupt:\n    print("stopped")\nfinally:\n    s.close()\n',
      ctrlC.signal,
    );
    await vi.waitFor(() => expect(backend.calls.at(-1)?.op).toBe('recv'));
    ctrlC.abort();
    expect(await pending).toEqual({ lines: ['stopped'], error: false });
    expect(backend.calls.map((c) => c.op)).toEqual(['socket', 'recv', 'close']);
    expect(backend.signals.at(-1)?.aborted).toBe(false);
  });

  it('cannot be swallowed by a bare except in a loop: waiting again ends the input', async () => {
    const backend = new FakeBackend().hang('recv');
    const { py } = prompt(backend);
    await py.run('s = socket.socket()');
    const ctrlC = new AbortController();
    const pending = py.run(
      'while True:\n    try:\n        s.recv(10)\n    except:\n        pass\n',
      ctrlC.signal,
    );
    await vi.waitFor(() => expect(backend.calls.at(-1)?.op).toBe('recv'));
    ctrlC.abort();
    expect(await pending).toEqual({ lines: ['KeyboardInterrupt'], error: true });
    expect(backend.calls.filter((c) => c.op === 'recv')).toHaveLength(1);
  });

  it('stops a busy loop', async () => {
    const py = new Interpreter(new FakeBackend(), { maxLoopIterations: 1e9 });
    const ctrlC = new AbortController();
    setTimeout(() => ctrlC.abort(), 50);
    expect(await py.run('n = 0\nwhile True:\n    n += 1\n', ctrlC.signal)).toEqual({
      lines: ['KeyboardInterrupt'],
      error: true,
    });
    expect(Number((await py.run('n')).lines[0])).toBeGreaterThan(1000);
  });

  it('stops time.sleep', async () => {
    const { py } = prompt();
    const ctrlC = new AbortController();
    setTimeout(() => ctrlC.abort(), 20);
    const started = Date.now();
    expect(await py.run('import time\ntime.sleep(60)\n', ctrlC.signal)).toEqual({
      lines: ['KeyboardInterrupt'],
      error: true,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('before anything runs, interrupts at the first call', async () => {
    const { py, backend } = prompt();
    const ctrlC = new AbortController();
    ctrlC.abort();
    expect(await py.run('s = socket.socket()', ctrlC.signal)).toEqual({
      lines: ['KeyboardInterrupt'],
      error: true,
    });
    expect(backend.calls).toEqual([]);
  });
});

describe('loops that never wait', () => {
  it('are stopped after 100000 iterations so the page cannot freeze', async () => {
    const { py } = prompt();
    expect(await py.run('n = 0\nwhile True:\n    n += 1\n')).toEqual({
      lines: [
        'RuntimeError: loop stopped after 100000 iterations without a socket call',
        '  ↳ The playground stops loops that never wait on the network, so the page stays responsive.',
      ],
      error: true,
    });
    expect((await py.run('n')).lines).toEqual(['100000']);
  });

  it('cannot catch the stop', async () => {
    const py = new Interpreter(new FakeBackend(), { maxLoopIterations: 500 });
    const r = await py.run(
      'while True:\n    try:\n        for i in range(10 ** 9):\n            pass\n    except:\n        pass\n',
    );
    expect(r.lines[0]).toBe('RuntimeError: loop stopped after 500 iterations without a socket call');
  });

  it('count from the last gateway call: a loop that waits each time runs on', async () => {
    const backend = new FakeBackend();
    const py = new Interpreter(backend, { maxLoopIterations: 50 });
    await py.run('s = socket.socket()');
    expect((await py.run('for i in range(200):\n    s.send(b"x")\n')).error).toBe(false);
    expect(backend.calls.filter((c) => c.op === 'send')).toHaveLength(200);
  });
});

describe('output', () => {
  it('streams each printed line while the input still runs', async () => {
    const backend = new FakeBackend().hang('accept');
    const { py } = prompt(backend);
    await py.run('s = socket.socket()');
    const seen: string[] = [];
    const ctrlC = new AbortController();
    const pending = py.run('print("waiting for a client...")\nconn, addr = s.accept()\n', ctrlC.signal, (l) =>
      seen.push(l),
    );
    await vi.waitFor(() => expect(seen).toEqual(['waiting for a client...']));
    ctrlC.abort();
    expect((await pending).lines).toEqual(['waiting for a client...', 'KeyboardInterrupt', CANCELLED]);
  });

  it('print joins with sep, ends with end, and splits on newlines', async () => {
    const { run } = prompt();
    expect(await run('print("a", 1, None, [1, "b"], (1,), b"x")')).toEqual(["a 1 None [1, 'b'] (1,) b'x'"]);
    expect(await run('print("a", "b", sep="")')).toEqual(['ab']);
    expect(await run('print("no newline", end="")\nprint("!")\n')).toEqual(['no newline!']);
    expect(await run('print("a\\nb")')).toEqual(['a', 'b']);
    expect(await run('print()')).toEqual(['']);
    expect(await run('print(sep=1)')).toEqual(['TypeError: sep must be None or a string, not int']);
  });

  it('runs inputs one after another', async () => {
    const { py } = prompt();
    const first = py.run('import time\ntime.sleep(0.02)\nx = 1\n');
    const second = py.run('x');
    expect((await second).lines).toEqual(['1']);
    expect((await first).error).toBe(false);
  });
});

describe('functions, exceptions and scopes', () => {
  it('defines and calls functions with defaults and keyword arguments', async () => {
    const { run } = prompt();
    await run('def greet(name, greeting="Hello"):\n    return "%s, %s!" % (greeting, name)\n');
    expect(await run('greet("Ali"), greet("Bo", greeting="Hi")')).toEqual(["('Hello, Ali!', 'Hi, Bo!')"]);
    expect(await run('greet()')).toEqual([
      "TypeError: greet() missing 1 required positional argument: 'name'",
    ]);
    expect(await run('greet(1, 2, 3)')).toEqual([
      'TypeError: greet() takes from 1 to 2 positional arguments but 3 were given',
    ]);
    expect(await run('greet(1, x=2)')).toEqual(["TypeError: greet() got an unexpected keyword argument 'x'"]);
    expect(await run('greet')).toEqual([expect.stringMatching(/^<function greet at 0x[0-9a-f]+>$/)]);
  });

  it("follows Python's scoping: locals, global, UnboundLocalError", async () => {
    const { run } = prompt();
    await run('total = 0\ndef add():\n    global total\n    total += 1\n    return total\n');
    expect(await run('add(), add(), total')).toEqual(['(1, 2, 2)']);
    await run('def broken():\n    count += 1\n');
    expect(await run('broken()')).toEqual([
      "UnboundLocalError: cannot access local variable 'count' where it is not associated with a value",
    ]);
    await run('def outer():\n    x = 1\n    def inner():\n        return x + 1\n    return inner()\n');
    expect(await run('outer()')).toEqual(['2']);
  });

  it('stops runaway recursion with RecursionError', async () => {
    const { run } = prompt();
    await run('def r(n):\n    return r(n + 1)\n');
    expect(await run('r(0)')).toEqual(['RecursionError: maximum recursion depth exceeded']);
  });

  it("runs try/except/else/finally in Python's order", async () => {
    const { run } = prompt();
    expect(
      await run(
        'for x in ["1", "x"]:\n    try:\n        n = int(x)\n    except ValueError as e:\n        print("bad:", e)\n    else:\n        print("ok", n)\n    finally:\n        print("finally")\n',
      ),
    ).toEqual(['ok 1', 'finally', "bad: invalid literal for int() with base 10: 'x'", 'finally']);
    expect(
      await run(
        'try:\n    raise KeyError("k")\nexcept (TypeError, LookupError) as e:\n    print(type(e).__name__, e, e.args)\n',
      ),
    ).toEqual(["KeyError 'k' ('k',)"]);
    expect(await run('try:\n    1 / 0\nexcept ZeroDivisionError:\n    raise\n')).toEqual([
      'ZeroDivisionError: division by zero',
    ]);
    expect(await run('try:\n    1 / 0\nexcept ValueError:\n    pass\n')).toEqual([
      'ZeroDivisionError: division by zero',
    ]);
  });

  it('mutates lists and dicts in place', async () => {
    const { run } = prompt();
    await run('l = [3, 1, 2]\nalias = l\nl += (4,)\nl.append(5)\nl.sort()\nl[0] = 9\ndel l[1]\n');
    expect(await run('alias')).toEqual(['[9, 3, 4, 5]']);
    await run('d = {"a": 1}\nd["b"] = 2\nd.update(c=3)\nv = d.pop("a")\n');
    expect(await run('d, v, "b" in d, len(d)')).toEqual(["({'b': 2, 'c': 3}, 1, True, 2)"]);
    await run('book = {}\nbook["bob"] = "123 Main St"\n');
    expect(await run('for name in book:\n    print(name, "->", book[name])\n')).toEqual([
      'bob -> 123 Main St',
    ]);
  });

  it('parses the address-book protocol of seed 003', async () => {
    const { run } = prompt();
    expect(
      await run(
        's = b"add:bob,123 Main St".decode()\ncmd, data = s.split(":")\ndetails = data.split(",")\nname = details[0]\nentry = ",".join(details[1:])\nprint(cmd, name, entry)\n',
      ),
    ).toEqual(['add bob 123 Main St']);
  });
});

describe('complete', () => {
  it('completes socket methods, module constants, names and str/bytes methods', async () => {
    const { py, run } = prompt();
    await run('s = socket.socket()');
    await run('message = "hi"');
    expect(py.complete('s.re')).toEqual(['recv', 'recvfrom']);
    expect(py.complete('data = s.se')).toEqual([
      'send',
      'sendall',
      'sendto',
      'setblocking',
      'setsockopt',
      'settimeout',
    ]);
    expect(py.complete('socket.AF')).toEqual(['AF_INET', 'AF_INET6', 'AF_UNSPEC']);
    expect(py.complete('socket.SO_RE')).toEqual(['SO_REUSEADDR', 'SO_REUSEPORT']);
    expect(py.complete('pri')).toEqual(['print']);
    expect(py.complete('mes')).toEqual(['message']);
    expect(py.complete('message.enc')).toEqual(['encode']);
    expect(py.complete('b"x".de')).toEqual(['decode']);
    expect(py.complete('wh')).toEqual(['while']);
    expect(py.complete('s.recv(')).toEqual([]);
    expect(py.complete('nothing.x')).toEqual([]);
  });
});

describe('variables', () => {
  it('lists what the student bound, not modules nor names from socket import *', async () => {
    const { py, run } = prompt();
    await run(
      'import socket\nfrom socket import *\ns = socket(AF_INET, SOCK_STREAM)\nconn, addr = s.accept()\nPORT = 5220\n',
    );
    expect(py.variables()).toEqual([
      {
        name: 's',
        repr: "<socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('0.0.0.0', 0)>",
      },
      {
        name: 'conn',
        repr: "<socket.socket fd=4, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, proto=0, laddr=('127.0.0.1', 40001), raddr=('127.0.0.1', 53422)>",
      },
      { name: 'addr', repr: "('127.0.0.1', 53422)" },
      { name: 'PORT', repr: '5220' },
    ]);
  });

  it('shortens a long repr', async () => {
    const { py, run } = prompt();
    await run('big = "x" * 1000');
    const [v] = py.variables();
    expect(v?.repr).toHaveLength(200);
    expect(v?.repr.endsWith('…')).toBe(true);
  });
});

describe('from socket import *', () => {
  it('rebinds socket to the class, as in Python', async () => {
    const { run } = prompt();
    expect(await run('from socket import *\nsocket.socket()\n')).toEqual([
      "AttributeError: type object 'socket' has no attribute 'socket'",
    ]);
  });
});

describe('help', () => {
  it('prints what the prompt supports', async () => {
    const { run } = prompt();
    const lines = await run('help()');
    expect(lines[0]).toBe(
      'This prompt runs Python socket code for real: every socket call goes to the kernel on the gateway.',
    );
    expect(lines).toContain('Ctrl-C stops a call that is waiting, or a loop.');
  });

  it("streams help's lines as the prompt's own words, a program's prints as its output", async () => {
    const { py } = prompt();
    const streamed: [string, boolean][] = [];
    const onLine = (line: string, prose: boolean) => streamed.push([line, prose]);
    await py.run(
      'import select\nprint("see help(s.recv)")\nhelp(socket.gethostbyname)\nhelp(select.select)\nprint(1, end="")',
      undefined,
      onLine,
    );
    // A terminal breaks the prompt's own words to fit; a program's output stays as it was printed.
    expect(streamed[0]).toEqual(['see help(s.recv)', false]);
    expect(streamed.slice(1, -1).length).toBeGreaterThan(0);
    for (const [line, prose] of streamed.slice(1, -1)) expect([line, prose]).toEqual([line, true]);
    expect(streamed.at(-1)).toEqual(['1', false]);
    // help() of a value that has no doc: its repr is the value's, the hint is the prompt's.
    streamed.length = 0;
    await py.run('help(42)', undefined, onLine);
    expect(streamed).toEqual([
      ['42', false],
      ['Type help() for what this prompt offers.', true],
    ]);
  });
});
