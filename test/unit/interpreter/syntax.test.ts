import { describe, expect, it } from 'vitest';
import { prompt } from './fake-backend.js';

const SUPPORTED =
  'this prompt understands assignments, expressions, calls, if/elif/else, while, for, try/except/finally, def, with, import socket (type help() for more)';

describe('needsMore', () => {
  it.each([
    ['while True:', true],
    ['while True:\n    data = conn.recv(1024)', true],
    ['while True:\n    data = conn.recv(1024)\n', false],
    ['if x: pass', true],
    ['if x: pass\n', false],
    ['try:\n    s.connect(("127.0.0.1", 7007))', true],
    ['try:\n    s.connect(("127.0.0.1", 7007))\nexcept OSError as e:', true],
    // An empty line ends a block, even one that is wrong, as at Python's prompt.
    ['while True:\n', false],
    ['try:\n    s.connect(("127.0.0.1", 7007))\n', false],
    ['s.bind(("127.0.0.1",\n\n', true],
    ['def f():', true],
    ['s.bind(("127.0.0.1",', true],
    ['x = [1,\n2', true],
    ['d = {"a":', true],
    ['"""an open\ntriple-quoted string', true],
    // Seed 003's menu: empty lines inside a triple-quoted string do not end the input.
    ["menu = '''\n\t1) Add Entry\n\n", true],
    ["menu = '''\n\t1) Add Entry\n\n\t4) Quit\n'''", false],
    ["while True:\n    print('''a\n\n", true],
    // Seed 003's servers have a line of spaces inside a loop: only an empty line ends the block.
    ['while True:\n  c = s.accept()\n  ', true],
    ['while True:\n  c = s.accept()\n  \n  n += 1', true],
    // A header inside a block still waits for its body (or its except).
    ['while True:\n    m = input()\n    if not m:', true],
    ['while True:\n    m = input()\n    if not m:\n', false],
    ['for i in x:\n    try:\n        s.send(i)', true],
    // A bracket that closes ends a simple statement at once, as at Python's prompt.
    ['x = (1,\n2)', false],
    ['x = 1 + \\', true],
    ['s.bind(("127.0.0.1", 5220))', false],
    ['x = 1)', false],
    ['x = = 1', false],
    ['', false],
  ])('%j -> %s', (source, expected) => {
    const { py } = prompt();
    expect(py.needsMore(source)).toBe(expected);
  });
});

describe('blank lines', () => {
  it('a line of spaces inside a block is part of it, as in python3', async () => {
    const { run } = prompt();
    await run('x = 0');
    expect(await run('while x < 2:\n    x += 1\n  \n    print(x)\n')).toEqual(['1', '2']);
  });
});

describe('syntax errors', () => {
  it('points a caret at the spot, as Python does', async () => {
    const { run } = prompt();
    const file = '  File "<stdin>", line 1';
    expect(await run('x = = 1')).toEqual([file, '    x = = 1', '        ^', 'SyntaxError: invalid syntax']);
    expect(await run('print(1))')).toEqual([
      file,
      '    print(1))',
      '            ^',
      "SyntaxError: unmatched ')'",
    ]);
    expect(await run('x = (1, 2]')).toEqual([
      file,
      '    x = (1, 2]',
      '             ^',
      "SyntaxError: closing parenthesis ']' does not match opening parenthesis '('",
    ]);
  });

  // Seeds 000, 002 and 003 are Python 2: pasted as they are, their lines fail as in python3 3.11.
  it('underlines a whole Python 2 print statement, up to its comment, as python3 does', async () => {
    const { run } = prompt();
    expect(await run('print "Connection %d using port %d" % (connections, address[1]) # seed 003')).toEqual([
      '  File "<stdin>", line 1',
      '    print "Connection %d using port %d" % (connections, address[1]) # seed 003',
      `    ${'^'.repeat(63)}`,
      "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?",
    ]);
    expect(await run('for n in range(5):\n   data = 1\n   print data\n')).toEqual([
      '  File "<stdin>", line 3',
      '    print data',
      '    ^^^^^^^^^^',
      "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?",
    ]);
  });

  it('prints an unexpected indent without a caret, as python3 does', async () => {
    const { run } = prompt();
    // The rest of seed 003's server loop, after its print statement failed.
    expect(await run('     req = clientSocket.recv(100)')).toEqual([
      '  File "<stdin>", line 1',
      '    req = clientSocket.recv(100)',
      'IndentationError: unexpected indent',
    ]);
  });

  it.each([
    ['while True', "SyntaxError: expected ':'"],
    ['break', "SyntaxError: 'break' outside loop"],
    ['return 5', "SyntaxError: 'return' outside function"],
    ['f() = 1', "SyntaxError: cannot assign to function call here. Maybe you meant '==' instead of '='?"],
    ['1 = x', "SyntaxError: cannot assign to literal here. Maybe you meant '==' instead of '='?"],
    ['None = 1', 'SyntaxError: cannot assign to None'],
    [
      'x = 012',
      'SyntaxError: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
    ],
    ['x = 1abc', 'SyntaxError: invalid decimal literal'],
    ['x = “a”', "SyntaxError: invalid character '“' (U+201C)"],
    ['x\u00a0= 1', 'SyntaxError: invalid non-printable character U+00A0'],
    ["'abc", 'SyntaxError: unterminated string literal (detected at line 1)'],
    ['  x = 1', 'IndentationError: unexpected indent'],
    ['print "hello"', "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"],
  ])('%s -> %s', async (source, expected) => {
    const { run } = prompt();
    const lines = await run(source);
    expect(lines.at(-1)).toBe(expected);
  });

  it('names the line of a multi-line input, and the block that lacks its body', async () => {
    const { run } = prompt();
    expect(await run('if True:\nprint(1)\n')).toEqual([
      '  File "<stdin>", line 2',
      '    print(1)',
      '    ^',
      "IndentationError: expected an indented block after 'if' statement on line 1",
    ]);
    expect(await run('try:\n    pass\nexcept socket.error, e:\n    pass\n')).toEqual([
      '  File "<stdin>", line 3',
      '    except socket.error, e:',
      // python3 3.11 underlines the whole Python 2 list (seed 002), not only its comma.
      '           ^^^^^^^^^^^^^^^',
      'SyntaxError: multiple exception types must be parenthesized',
    ]);
  });

  it('refuses absurd nesting instead of overflowing the stack', async () => {
    const { run } = prompt();
    expect((await run(`x = ${'('.repeat(300)}1${')'.repeat(300)}`)).at(-1)).toBe(
      'SyntaxError: too many nested parentheses',
    );
    expect(await run(`x = ${'-'.repeat(100_000)}1`)).toEqual([
      'RecursionError: maximum recursion depth exceeded during compilation',
    ]);
  });

  it('marks the run as failed', async () => {
    const { py } = prompt();
    expect(await py.run('x = = 1')).toMatchObject({ error: true });
    expect(await py.run('x = 1')).toEqual({ lines: [], error: false });
  });
});

describe('unsupported syntax', () => {
  it.each([
    ['f = lambda x: x', 'lambda expressions are'],
    ['[x for x in range(3)]', 'list comprehensions are'],
    ['sum(x for x in range(3))', 'generator expressions are'],
    ['{1, 2}', 'set literals are'],
    ['def f(*args): pass', '*args, **kwargs and / in parameters are'],
    ['f(*args)', '* and ** in calls are'],
    ['@decorator\ndef f(): pass\n', 'decorators are'],
    ['async def f(): pass', 'async functions are'],
    ['if (n := 10) > 5: pass', "the ':=' operator is"],
    ['x: int = 5', 'variable annotations are'],
    ['a, *rest = [1, 2, 3]', 'starred expressions are'],
    ['x = ...', "the '...' literal is"],
  ])('%s says what is not supported and what is', async (source, what) => {
    const { run } = prompt();
    expect((await run(source)).at(-1)).toBe(`SyntaxError: ${what} not supported here; ${SUPPORTED}`);
  });
});

describe('what the seeds reach for and this prompt lacks', () => {
  it('refuses a class, as seed 000 writes its client, and says to write functions instead', async () => {
    const { run } = prompt();
    expect((await run('class Client( object ):\n    rbufsize= -1\n')).at(-1)).toBe(
      `SyntaxError: class definitions are not supported here (write its methods as functions that take the socket, e.g. def make_request(sock, text):); ${SUPPORTED}`,
    );
  });

  it('reads the whole class before refusing it once, instead of an error for every line', async () => {
    const { py } = prompt();
    const client = [
      'class Client( object ):',
      '    rbufsize= -1',
      "    def __init__( self, address=('localhost',7000) ):",
      '        self.server=socket.socket( socket.AF_INET, socket.SOCK_STREAM )',
      '    def makeRequest( self, text ):',
      '        """send a message and get a 1-line reply"""',
      '        return data',
    ].join('\n');
    expect(py.needsMore('class Client( object ):')).toBe(true);
    expect(py.needsMore(client)).toBe(true);
    expect(py.needsMore(`${client}\n`)).toBe(false);
    const { lines } = await py.run(`${client}\n`);
    expect(lines.slice(0, 3)).toEqual(['  File "<stdin>", line 1', '    class Client( object ):', '    ^']);
    expect(lines).toHaveLength(4);
    // Seed 000 goes on at the left edge with no empty line: python3 fails there, at once.
    const more = `${client}\nprint "Connecting to Echo Server"`;
    expect(py.needsMore(more)).toBe(false);
    expect((await py.run(more)).lines).toEqual([
      '  File "<stdin>", line 8',
      '    print "Connecting to Echo Server"',
      '    ^^^^^',
      'SyntaxError: invalid syntax',
    ]);
  });

  it.each([
    ['import SocketServer', "SocketServer is Python 2's name for socketserver, which is not available here."],
    ['import socketserver', 'The socketserver module is not available here.'],
    ['import threading', 'Threads are not available here; open a second program terminal instead.'],
  ])('%s says to write the server loop with socket instead', async (source, why) => {
    const { run } = prompt();
    const [error, hint] = await run(source);
    expect(error).toMatch(/^ModuleNotFoundError: No module named '\w+'$/);
    expect(hint).toBe(
      `  ↳ ${why} Write the server with socket itself: bind, listen, then accept() in a while True: loop, one client at a time (select.select() serves several at once). Only import socket, select, time and struct work here.`,
    );
  });

  it("says what to do instead of seed 002's sys.argv", async () => {
    const { run } = prompt();
    expect((await run('import socket, sys'))[1]).toBe(
      "  ↳ The sys module is not available here: put what a script reads from sys.argv in variables, e.g. host = '127.0.0.1'. Only import socket, select, time and struct work here.",
    );
  });
});

describe('statements and blocks', () => {
  it('runs a multi-line block submitted as one input', async () => {
    const { run } = prompt();
    expect(await run('x = 3\nwhile x:\n    x -= 1\n    print(x, end=" ")\nprint()\n')).toEqual(['2 1 0 ']);
  });

  it('runs for/else, break and continue', async () => {
    const { run } = prompt();
    expect(
      await run(
        'for i in range(5):\n    if i == 1:\n        continue\n    if i == 3:\n        break\n    print(i)\nelse:\n    print("no break")\n',
      ),
    ).toEqual(['0', '2']);
    expect(await run('for i in range(2):\n    pass\nelse:\n    print("done")\n')).toEqual(['done']);
  });

  it('runs if/elif/else and the conditional expression', async () => {
    const { run } = prompt();
    expect(
      await run(
        'n = 7\nif n < 5:\n    print("small")\nelif n < 10:\n    print("medium")\nelse:\n    print("large")\n',
      ),
    ).toEqual(['medium']);
    expect(await run('"even" if n % 2 == 0 else "odd"')).toEqual(["'odd'"]);
  });

  it('echoes expression values inside top-level blocks, not inside functions', async () => {
    const { run } = prompt();
    expect(await run('for i in range(2):\n    i\n')).toEqual(['0', '1']);
    expect(await run('def f():\n    42\n    return 1\nf()\n')).toEqual(['1']);
  });

  it('accepts several statements separated by semicolons', async () => {
    const { run } = prompt();
    expect(await run('a = 1; b = 2; print(a + b)')).toEqual(['3']);
  });
});
