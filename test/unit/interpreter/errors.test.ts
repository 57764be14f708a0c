import { describe, expect, it } from 'vitest';
import { explainError } from '../../../gateway/protocol/explain.js';
import type { CallError } from '../../../gateway/protocol/messages.js';
import { gatewayError, kernelError, prompt } from './fake-backend.js';

async function failing(
  op: 'connect' | 'send' | 'recv' | 'bind' | 'accept',
  error: CallError,
  source: string,
) {
  const p = prompt();
  await p.run('s = socket.socket()');
  p.backend.fail(op, error);
  return p.run(source);
}

describe('a failed call prints as Python prints it, then one plain line', () => {
  it('ECONNREFUSED is ConnectionRefusedError with the kernel message and the explanation', async () => {
    const lines = await failing(
      'connect',
      kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect', ['127.0.0.1', 7007]),
      's.connect(("127.0.0.1", 7007))',
    );
    expect(lines).toEqual([
      'ConnectionRefusedError: [Errno 111] Connection refused',
      '  ↳ Nothing is listening on 127.0.0.1:7007: the kernel answered the SYN with RST. A socket that is only bound, not listening, refuses too.',
    ]);
  });

  it.each<[string, number, string, 'connect' | 'send' | 'recv' | 'bind' | 'accept', string]>([
    ['ECONNRESET', 104, 'Connection reset by peer', 'recv', 'ConnectionResetError'],
    ['ECONNABORTED', 103, 'Software caused connection abort', 'accept', 'ConnectionAbortedError'],
    ['EPIPE', 32, 'Broken pipe', 'send', 'BrokenPipeError'],
    ['EAGAIN', 11, 'Resource temporarily unavailable', 'recv', 'BlockingIOError'],
    ['EINPROGRESS', 115, 'Operation now in progress', 'connect', 'BlockingIOError'],
    ['EALREADY', 114, 'Operation already in progress', 'connect', 'BlockingIOError'],
    ['ETIMEDOUT', 110, 'Connection timed out', 'connect', 'TimeoutError'],
    ['EACCES', 13, 'Permission denied', 'bind', 'PermissionError'],
    ['EPERM', 1, 'Operation not permitted', 'bind', 'PermissionError'],
    ['EADDRINUSE', 98, 'Address already in use', 'bind', 'OSError'],
    ['EINVAL', 22, 'Invalid argument', 'accept', 'OSError'],
    ['ENOTCONN', 107, 'Transport endpoint is not connected', 'recv', 'OSError'],
  ])('%s becomes %s', async (code, errno, text, op, name) => {
    const source = {
      connect: 's.connect(("127.0.0.1", 7007))',
      send: 's.send(b"x")',
      recv: 's.recv(1)',
      bind: 's.bind(("127.0.0.1", 80))',
      accept: 's.accept()',
    }[op];
    const error = kernelError(code, errno, text, op);
    const lines = await failing(op, error, source);
    expect(lines).toEqual([`${name}: [Errno ${errno}] ${text}`, `  ↳ ${error.explain}`]);
  });

  it('EADDRINUSE explains TIME_WAIT and SO_REUSEADDR', async () => {
    const lines = await failing(
      'bind',
      kernelError('EADDRINUSE', 98, 'Address already in use', 'bind', ['127.0.0.1', 40001]),
      's.bind(("127.0.0.1", 40001))',
    );
    expect(lines).toEqual([
      'OSError: [Errno 98] Address already in use',
      '  ↳ Port 40001 is still held by another socket. A listener (a server still running) holds it until it is closed; a connection in TIME_WAIT holds it for a minute, unless both the old and the new socket set SO_REUSEADDR before bind.',
    ]);
  });

  it('a settimeout() timeout is TimeoutError: timed out', async () => {
    const lines = await failing('recv', gatewayError('EGW_TIMEOUT', 'timed out', 'recv'), 's.recv(10)');
    expect(lines).toEqual([
      'TimeoutError: timed out',
      '  ↳ The timeout set with settimeout() ran out before the kernel was ready.',
    ]);
  });

  it('a resolver failure is socket.gaierror', async () => {
    const { run, backend } = prompt();
    backend.fail('gethostbyname', {
      code: 'EAI_NONAME',
      errno: -2,
      syscall: 'gethostbyname',
      message: '[Errno -2] Name or service not known',
      explain: 'The resolver has no answer for that name.',
    });
    expect(await run('socket.gethostbyname("no.such.host")')).toEqual([
      'socket.gaierror: [Errno -2] Name or service not known',
      '  ↳ The resolver has no answer for that name.',
    ]);
  });

  it('an address with no name is socket.herror, as gethostbyaddr(3) reports it', async () => {
    const { run, backend } = prompt();
    const unknown = {
      code: 'HOST_NOT_FOUND',
      errno: 1,
      syscall: 'gethostbyaddr',
      message: '[Errno 1] Unknown host',
      explain: 'The resolver knows no name for that address.',
    };
    backend.fail('gethostbyaddr', unknown);
    expect(await run('socket.gethostbyaddr("192.0.2.1")')).toEqual([
      'socket.herror: [Errno 1] Unknown host',
      '  ↳ The resolver knows no name for that address.',
    ]);
    // Seed 002 catches it by name.
    backend.fail('gethostbyaddr', unknown);
    expect(
      await run(
        'try:\n    socket.gethostbyaddr("192.0.2.1")\nexcept socket.herror as e:\n    print("herror", e.errno, e.strerror)\n',
      ),
    ).toEqual(['herror 1 Unknown host']);
  });

  it('a value the gateway refuses is a rule of the playground, not a lost connection', async () => {
    const { run, backend } = prompt();
    backend.fail('gethostname', {
      code: 'EGW_PROTO',
      errno: null,
      syscall: 'gethostname',
      message: 'call gethostname: something the protocol does not take',
      explain: explainError('EGW_PROTO', { syscall: 'gethostname' }),
    });
    expect(await run('socket.gethostname()')).toEqual([
      'PermissionError: [Errno 13] [playground] call gethostname: something the protocol does not take',
      "  ↳ The gateway's protocol does not take this value, so the call never reached the kernel (a limit of the playground).",
    ]);
  });

  it('an unknown service is OSError: service/proto not found', async () => {
    const { run, backend } = prompt();
    backend.fail('getservbyname', {
      code: 'ENOENT',
      errno: null,
      syscall: 'getservbyname',
      message: 'service/proto not found',
      explain: 'The resolver has no answer for that name.',
    });
    expect((await run('socket.getservbyname("nope", "tcp")'))[0]).toBe('OSError: service/proto not found');
  });

  it('a rule of the playground is PermissionError: [Errno 13] [playground] ...', async () => {
    const lines = await failing(
      'bind',
      {
        code: 'EGW_BIND_DENIED',
        errno: null,
        syscall: 'bind',
        message: 'this session may bind ports 40000-40009 on 127.0.0.1',
        explain: 'The playground gives each session its own ports on loopback; bind one of those.',
        option: '--ports',
      },
      's.bind(("0.0.0.0", 80))',
    );
    expect(lines).toEqual([
      'PermissionError: [Errno 13] [playground] this session may bind ports 40000-40009 on 127.0.0.1',
      '  ↳ The playground gives each session its own ports on loopback; bind one of those. An instructor can change this with --ports.',
    ]);
  });

  it('names the option of a rule even when the gateway sent no explanation', async () => {
    const lines = await failing(
      'connect',
      {
        code: 'EGW_DENIED',
        errno: null,
        syscall: 'connect',
        message: '10.0.0.1:80 is not an allowed target',
        explain: '',
        option: '--allow',
      },
      's.connect(("10.0.0.1", 80))',
    );
    expect(lines.at(-1)).toBe('  ↳ An instructor can change this with --allow.');
  });

  it("a rule of the playground has the errno and strerror that seed 004's handler prints", async () => {
    const p = prompt();
    await p.run('s = socket.socket()');
    p.backend.fail('bind', {
      code: 'EGW_BIND_DENIED',
      errno: null,
      syscall: 'bind',
      message: 'binding 0.0.0.0 (every interface) is not allowed here',
      explain: '',
    });
    expect(
      await p.run(
        "try:\n    s.bind(('', 8888))\nexcept socket.error as msg:\n    print('Bind failed. Error Code : ' + str(msg.errno) + ' Message ' + msg.strerror)\n",
      ),
    ).toEqual([
      'Bind failed. Error Code : 13 Message [playground] binding 0.0.0.0 (every interface) is not allowed here',
    ]);
  });

  it('a lost gateway connection is reported, not thrown', async () => {
    const { py, backend } = prompt();
    backend.breakTransport('socket');
    expect(await py.run('s = socket.socket()')).toEqual({
      lines: [
        'OSError: [playground] the connection to the gateway failed (the gateway connection is closed)',
        '  ↳ The call may not have reached the kernel. The page reconnects by itself: run the line again once the toolbar says connected.',
      ],
      error: true,
    });
  });
});

describe('catching socket errors', () => {
  it('except ConnectionRefusedError as e gives errno, strerror and str(e)', async () => {
    const { run, backend } = prompt();
    backend.fail('connect', kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect'));
    expect(
      await run(
        's = socket.socket()\ntry:\n    s.connect(("127.0.0.1", 7007))\nexcept ConnectionRefusedError as e:\n    print(e.errno, e.strerror, "|", e, "|", repr(e))\n',
      ),
    ).toEqual([
      "111 Connection refused | [Errno 111] Connection refused | ConnectionRefusedError(111, 'Connection refused')",
    ]);
  });

  it('except socket.error catches it too, as in the seed tutorials', async () => {
    const { run, backend } = prompt();
    backend.fail('connect', kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect'));
    expect(
      await run(
        's = socket.socket()\ntry:\n    s.connect(("127.0.0.1", 7007))\nexcept socket.gaierror as e:\n    print("Address-related error: %s" % e)\nexcept socket.error as e:\n    print("Connection error: %s" % e)\n',
      ),
    ).toEqual(['Connection error: [Errno 111] Connection refused']);
  });

  it('except socket.timeout catches a timeout', async () => {
    const { run, backend } = prompt();
    await run('s = socket.socket()');
    backend.fail('recv', gatewayError('EGW_TIMEOUT', 'timed out', 'recv'));
    expect(
      await run('try:\n    s.recv(10)\nexcept socket.timeout as e:\n    print("gave up:", e)\n'),
    ).toEqual(['gave up: timed out']);
  });

  it('an exception that escapes an except clause prints without its explanation being lost', async () => {
    const { run, backend } = prompt();
    backend.fail(
      'connect',
      kernelError('ECONNREFUSED', 111, 'Connection refused', 'connect', ['127.0.0.1', 9]),
    );
    const lines = await run(
      's = socket.socket()\ntry:\n    s.connect(("127.0.0.1", 9))\nfinally:\n    print("closing")\n    s.close()\n',
    );
    expect(lines).toEqual([
      'closing',
      'ConnectionRefusedError: [Errno 111] Connection refused',
      '  ↳ Nothing is listening on 127.0.0.1:9: the kernel answered the SYN with RST. A socket that is only bound, not listening, refuses too.',
    ]);
  });
});

describe("Python-side errors keep Python's wording", () => {
  it.each([
    ['1 / 0', 'ZeroDivisionError: division by zero'],
    ['1 // 0', 'ZeroDivisionError: integer division or modulo by zero'],
    ['"a" + 1', 'TypeError: can only concatenate str (not "int") to str'],
    ['1 + "a"', "TypeError: unsupported operand type(s) for +: 'int' and 'str'"],
    ['b"a" + "a"', "TypeError: can't concat str to bytes"],
    ['"a" + b"a"', 'TypeError: can only concatenate str (not "bytes") to str'],
    ['"a" < 1', "TypeError: '<' not supported between instances of 'str' and 'int'"],
    ['"a" in b"abc"', "TypeError: a bytes-like object is required, not 'str'"],
    ['"abc"[5]', 'IndexError: string index out of range'],
    ['b"abc"[5]', 'IndexError: index out of range'],
    ['[1][1.5]', 'TypeError: list indices must be integers or slices, not float'],
    ['{"a": 1}["b"]', "KeyError: 'b'"],
    ['{[1]: 2}', "TypeError: unhashable type: 'list'"],
    ['5[0]', "TypeError: 'int' object is not subscriptable"],
    ['"x"()', "TypeError: 'str' object is not callable"],
    ['len(5)', "TypeError: object of type 'int' has no len()"],
    ['int("x")', "ValueError: invalid literal for int() with base 10: 'x'"],
    ['float("x")', "ValueError: could not convert string to float: 'x'"],
    ['bytes("x")', 'TypeError: string argument without an encoding'],
    ['bytes([300])', 'ValueError: bytes must be in range(0, 256)'],
    ['"a".join([1])', 'TypeError: sequence item 0: expected str instance, int found'],
    ['"%d" % "x"', 'TypeError: %d format: a real number is required, not str'],
    ['"%s %s" % (1,)', 'TypeError: not enough arguments for format string'],
    ['"%s" % (1, 2)', 'TypeError: not all arguments converted during string formatting'],
    ['a, b = 1', 'TypeError: cannot unpack non-iterable int object'],
    ['a, b = (1, 2, 3)', 'ValueError: too many values to unpack (expected 2)'],
    ['a, b = [1]', 'ValueError: not enough values to unpack (expected 2, got 1)'],
    ['[].pop()', 'IndexError: pop from empty list'],
    ['max([])', 'ValueError: max() arg is an empty sequence'],
    ['(1).x', "AttributeError: 'int' object has no attribute 'x'"],
    ['None.x', "AttributeError: 'NoneType' object has no attribute 'x'"],
    ['"abc".upper(1)', 'TypeError: str.upper() takes no arguments (1 given)'],
    ['"x".encode("nope")', 'LookupError: unknown encoding: nope'],
    [
      String.raw`b"\xff".decode()`,
      "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    ],
    [
      String.raw`b"ab\xf0\x9f\x8c".decode()`,
      "UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 2-4: unexpected end of data",
    ],
    [
      String.raw`b"\xe2\x28\xa1".decode()`,
      "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte",
    ],
    [
      String.raw`b"\xf0\x9f\x8c\xae".decode("ascii")`,
      "UnicodeDecodeError: 'ascii' codec can't decode byte 0xf0 in position 0: ordinal not in range(128)",
    ],
    [
      '"I am 🌮".encode("ascii")',
      String.raw`UnicodeEncodeError: 'ascii' codec can't encode character '\U0001f32e' in position 5: ordinal not in range(128)`,
    ],
    ['raise ValueError("bad value")', 'ValueError: bad value'],
    ['raise KeyboardInterrupt', 'KeyboardInterrupt'],
    ['assert 1 == 2, "nope"', 'AssertionError: nope'],
    ['raise', 'RuntimeError: No active exception to reraise'],
    ['import sys', "ModuleNotFoundError: No module named 'sys'"],
    ['from socket import nope', "ImportError: cannot import name 'nope' from 'socket'"],
  ])('%s -> %s', async (source, expected) => {
    const { run } = prompt();
    expect((await run(source))[0]).toBe(expected);
  });

  it('NameError says the name is not defined, suggests like Python, and says what is there', async () => {
    const { run } = prompt();
    expect(await run('foo')).toEqual([
      "NameError: name 'foo' is not defined",
      '  ↳ Names here are your own variables, the socket module and the built-ins help() lists.',
    ]);
    expect((await run('prnt("x")'))[0]).toBe("NameError: name 'prnt' is not defined. Did you mean: 'print'?");
    await run('sock = socket.socket()');
    expect((await run('sck.close()'))[0]).toBe("NameError: name 'sck' is not defined. Did you mean: 'sock'?");
    expect((await run('sokc.close()'))[0]).toBe("NameError: name 'sokc' is not defined");
  });

  it('NameError for a module constant says where it lives', async () => {
    const { run } = prompt();
    expect(await run('AF_INET')).toEqual([
      "NameError: name 'AF_INET' is not defined",
      '  ↳ AF_INET lives in the socket module: write socket.AF_INET.',
    ]);
  });

  it('NameError for Python built-ins that are not here says what to do instead', async () => {
    const { run } = prompt();
    expect(await run('f = open("notes.txt")')).toEqual([
      "NameError: name 'open' is not defined",
      '  ↳ Files are not available here; only sockets are.',
    ]);
  });

  it('AttributeError teaches the encode/decode direction', async () => {
    const { run } = prompt();
    expect(await run('b"hi".encode()')).toEqual([
      "AttributeError: 'bytes' object has no attribute 'encode'. Did you mean: 'decode'?",
      '  ↳ bytes are already encoded: .decode() turns them into a str.',
    ]);
    expect(await run('"hi".decode()')).toEqual([
      "AttributeError: 'str' object has no attribute 'decode'. Did you mean: 'encode'?",
      '  ↳ A str is already text: .encode() turns it into bytes.',
    ]);
  });

  it('output printed before an error is kept, then the error', async () => {
    const { py } = prompt();
    expect(await py.run('print("before")\n1 / 0\nprint("after")\n')).toEqual({
      lines: ['before', 'ZeroDivisionError: division by zero'],
      error: true,
    });
  });
});
