// The program terminals' Python prompt: a small, safe interpreter for the socket code of the seed
// tutorials. Pure TypeScript (no DOM, no Node, no eval); the only effects are the socket calls it
// hands to a SocketBackend, one protocol Call per socket method.
//
// # Using it
//
//   const py = new Interpreter(backend, { program: 'server' });
//   py.needsMore('while True:')            // true: show the '...' prompt and keep reading lines
//   const { lines, error } = await py.run('conn, addr = s.accept()', ctrlC.signal, (l) => term.writeln(l));
//   py.complete('s.re')                     // ['recv', 'recvfrom']
//   py.variables()                          // [{ name: 's', repr: '<socket.socket fd=5, ...>' }]
//
// - `run(source, signal?, onLine?)` runs one input: one line, or a whole block. `needsMore(source)`
//   says when to show `...` instead: an open bracket or string, or a compound statement whose last
//   line is not yet empty (an empty line ends a block, as at Python's prompt). `run` resolves with
//   every printed line; `onLine` also streams them as they complete. It never rejects for Python
//   errors: an exception prints as Python prints it (`ConnectionRefusedError: [Errno 111]
//   Connection refused`), then one line `  ↳ <plain explanation>` (the CallError's `explain`, or the
//   prompt's own hint); no traceback header. Inputs queue, one at a time. Sockets print in Python
//   3.10's form, `family=AddressFamily.AF_INET` (3.11+ prints `family=2`).
// - Ctrl-C: abort the signal (use a fresh AbortController per input). A call that is waiting stops at
//   once with `KeyboardInterrupt` (the backend receives the same signal and should send the gateway's
//   `cancel`; the prompt does not wait for its answer); a loop stops at its next iteration. The first
//   interrupt can be caught by `except KeyboardInterrupt:`, so cleanup such as `finally: s.close()`
//   still runs (those calls get a fresh signal); waiting again after it ends the input.
// - input(prompt): the `keyboard` option shows the prompt (with any unfinished printed line before
//   it) and resolves with the typed line, or null for Ctrl-D (EOFError). The prompt and the typed
//   text are one line of the result, not streamed to onLine: the terminal already shows them.
// - A loop that runs 100000 iterations (`maxLoopIterations`) without a gateway call is stopped with
//   a RuntimeError line, so `while True: pass` cannot freeze the page; long loops yield to the event
//   loop every 1000 iterations so Ctrl-C gets through.
// - Expression statements echo their repr unless None, as Python's interactive mode (also inside a
//   top-level loop; not inside functions).
// - `complete(textBeforeCursor)` returns whole names (`complete('s.re')` -> ['recv', 'recvfrom']);
//   the UI replaces the fragment after the last '.'. `variables()` lists the student's names with
//   their reprs (at most 200 characters), leaving out modules and `from socket import *` names.
//
// # What it understands
//
// Literals: int (decimal, 0x, 0o, 0b, underscores), float, True/False/None, str and bytes with every
// escape (\n \t \r \0 \\ \' \" \xNN, \uNNNN and \UNNNNNNNN in str, octal), r'' raw, triple-quoted,
// adjacent-literal joining, f-strings with {expr}, {expr!r}, {expr:spec} and {expr=}; tuples (with or
// without parentheses), lists, dicts. Operators: + - * / // % ** | & ^ << >> ~, str/bytes % formatting,
// comparisons (chained), and/or/not, in/not in, is/is not, x if c else y, indexing and slicing
// (bytes[i] is an int). Statements: assignment (chained, tuple unpacking, subscript targets), += and
// friends, if/elif/else, while/for (with else), break, continue, pass, try/except/else/finally
// (`except (A, B) as e`), raise, assert, del, def with defaults and keyword arguments, return,
// global, with (sockets close on exit), import socket / import socket as x / from socket import *,
// import time (time.sleep, time.time), import struct (pack, unpack, calcsize), import select
// (select.select, answered by the gateway's select call: the kernel's poll).
// Built-ins: print(sep=, end=), input (a line typed into the terminal; Ctrl-D is EOFError), len,
// repr, str, int, float, bool, bytes, list, tuple, dict, range, type, isinstance, hex, oct, bin, ord,
// chr, abs, round, divmod, min, max, sum, sorted, reversed, enumerate, zip, map, filter, any, all,
// format, ascii, help, issubclass, bytes.fromhex, the exception classes.
// str methods: encode upper lower strip lstrip rstrip split splitlines join replace startswith
// endswith find rfind index count format capitalize title swapcase center ljust rjust zfill
// partition rpartition isdigit isalpha isalnum isspace isupper islower isnumeric isdecimal casefold.
// bytes methods: decode hex and the same text methods (ASCII case only). list, tuple, dict methods.
// socket module: socket(family, type, proto), create_connection, gethostname, gethostbyname,
// gethostbyaddr, getaddrinfo, getservbyname, getservbyport, setdefaulttimeout, getdefaulttimeout,
// error/timeout/gaierror/herror and the constants (AF_*, SOCK_*, MSG_* print as Python's enums).
// socket methods: bind listen accept connect connect_ex send sendall sendto recv recvfrom shutdown
// close getsockname getpeername setsockopt getsockopt settimeout gettimeout setblocking getblocking
// fileno, and the family/type/proto/timeout attributes.
//
// Not supported (each named in its SyntaxError): classes, lambda, comprehensions and generator
// expressions, sets, *args/**kwargs, decorators, async, yield, nonlocal, annotations, walrus, `...`;
// other modules (sys, threading, socketserver...), files, bytearray, makefile().

export type { Keyboard, SocketBackend } from './evaluator.js';
export { Interpreter, type InterpreterOptions, type RunOutput } from './interpreter.js';
