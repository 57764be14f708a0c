// Python's exceptions: the class tree `except` matches against, raising helpers, the mapping from a
// gateway CallError to the exception Python would raise (errno name -> ConnectionRefusedError...),
// and how an uncaught one is printed: one Python line, then one plain line of explanation.

import { type CallError, HOST_ERROR_CODES, MAX_TIMEOUT_SECONDS } from '../../../gateway/protocol/messages.js';
import { excStr, excTypeName } from './repr.js';
import {
  hashKey,
  isSubtype,
  NONE,
  type PyExc,
  type PyType,
  type PyValue,
  pyInt,
  pyStr,
  pyType,
  Unhashable,
} from './values.js';

// ---------------------------------------------------------------------------------------------
// The class tree (CPython's, trimmed to what the prompt can raise or a student may catch)

const TREE = [
  ['BaseException', null],
  ['KeyboardInterrupt', 'BaseException'],
  ['SystemExit', 'BaseException'],
  ['Exception', 'BaseException'],
  ['ArithmeticError', 'Exception'],
  ['ZeroDivisionError', 'ArithmeticError'],
  ['OverflowError', 'ArithmeticError'],
  ['AssertionError', 'Exception'],
  ['EOFError', 'Exception'],
  ['AttributeError', 'Exception'],
  ['ImportError', 'Exception'],
  ['ModuleNotFoundError', 'ImportError'],
  ['LookupError', 'Exception'],
  ['IndexError', 'LookupError'],
  ['KeyError', 'LookupError'],
  ['MemoryError', 'Exception'],
  ['NameError', 'Exception'],
  ['UnboundLocalError', 'NameError'],
  ['RuntimeError', 'Exception'],
  ['RecursionError', 'RuntimeError'],
  ['NotImplementedError', 'RuntimeError'],
  ['StopIteration', 'Exception'],
  ['SyntaxError', 'Exception'],
  ['IndentationError', 'SyntaxError'],
  ['TypeError', 'Exception'],
  ['ValueError', 'Exception'],
  ['UnicodeError', 'ValueError'],
  ['UnicodeDecodeError', 'UnicodeError'],
  ['UnicodeEncodeError', 'UnicodeError'],
  ['OSError', 'Exception'],
  ['BlockingIOError', 'OSError'],
  ['ConnectionError', 'OSError'],
  ['BrokenPipeError', 'ConnectionError'],
  ['ConnectionAbortedError', 'ConnectionError'],
  ['ConnectionRefusedError', 'ConnectionError'],
  ['ConnectionResetError', 'ConnectionError'],
  ['FileNotFoundError', 'OSError'],
  ['InterruptedError', 'OSError'],
  ['PermissionError', 'OSError'],
  ['TimeoutError', 'OSError'],
  ['gaierror', 'OSError'],
  ['herror', 'OSError'],
] as const;

/** Classes that live in the socket module and print as socket.gaierror. */
const IN_SOCKET_MODULE: ReadonlySet<string> = new Set(['gaierror', 'herror']);

export type ExcName = (typeof TREE)[number][0];

/** Every exception class by its bare name ('gaierror' is socket.gaierror). */
export const EXC: ReadonlyMap<string, PyType> = (() => {
  const m = new Map<string, PyType>();
  for (const [name, base] of TREE) {
    m.set(
      name,
      pyType(name, base === null ? null : m.get(base)!, null, IN_SOCKET_MODULE.has(name) ? 'socket' : null),
    );
  }
  return m;
})();

export const excType = (name: ExcName): PyType => EXC.get(name)!;

export const isExceptionType = (t: PyType): boolean => isSubtype(t, excType('BaseException'));

/** Linux errno numbers for which OSError(errno, text) makes a subclass, as CPython does. */
const ERRNO_NUMBER_CLASS: ReadonlyMap<number, ExcName> = new Map<number, ExcName>([
  [1, 'PermissionError'],
  [2, 'FileNotFoundError'],
  [4, 'InterruptedError'],
  [11, 'BlockingIOError'],
  [13, 'PermissionError'],
  [32, 'BrokenPipeError'],
  [103, 'ConnectionAbortedError'],
  [104, 'ConnectionResetError'],
  [108, 'BrokenPipeError'],
  [110, 'TimeoutError'],
  [111, 'ConnectionRefusedError'],
  [114, 'BlockingIOError'],
  [115, 'BlockingIOError'],
]);

/** Builds an exception value as `Type(*args)` would, filling errno/strerror for OSError(errno, text). */
export function makeExc(type: PyType, args: readonly PyValue[], explain: string | null = null): PyExc {
  const os = isSubtype(type, excType('OSError')) && args.length >= 2 && args.length <= 5;
  const first = args[0];
  const sub =
    os && type === excType('OSError') && first?.kind === 'int'
      ? ERRNO_NUMBER_CLASS.get(first.value)
      : undefined;
  return {
    kind: 'exception',
    type: sub ? excType(sub) : type,
    args,
    errno: os ? args[0]! : NONE,
    strerror: os ? args[1]! : NONE,
    explain,
  };
}

/** A Python exception in flight through the evaluator. */
export class PyException extends Error {
  constructor(readonly exc: PyExc) {
    super(`${excTypeName(exc)}: ${excStr(exc)}`);
  }
}

/** `throw pyError('TypeError', "...")`: the exception Python would raise, with an optional hint line. */
export function pyError(name: ExcName, message?: string, explain: string | null = null): PyException {
  return new PyException(makeExc(excType(name), message === undefined ? [] : [pyStr(message)], explain));
}

const EACCES = 13;

/**
 * A rule of the playground, not an answer of the kernel: PermissionError with EACCES (what a kernel
 * that forbids something says), so `e.errno` and `e.strerror` work in handlers written for real
 * refusals, and `[playground]` at the start of its text, so nobody takes it for the kernel's.
 */
export function playgroundExc(message: string, explain: string | null = null): PyExc {
  return makeExc(excType('PermissionError'), [pyInt(EACCES), pyStr(`[playground] ${message}`)], explain);
}

/** A limit of the playground, not an answer of the kernel: said plainly, as the gateway says its rules. */
export const playgroundError = (message: string, explain: string | null = null): PyException =>
  new PyException(playgroundExc(message, explain));

/** A timeout past the gateway's longest (settimeout, select.select). */
export const timeoutLimit = (): PyException =>
  playgroundError(`timeouts are limited to ${MAX_TIMEOUT_SECONDS} seconds here`);

/** hashKey() for code that may meet a list or dict: TypeError: unhashable type: 'list'. */
export function keyOf(v: PyValue): string {
  try {
    return hashKey(v);
  } catch (err) {
    if (err instanceof Unhashable) throw pyError('TypeError', err.message);
    throw err;
  }
}

/**
 * Stops a run without letting `except` catch it: a second Ctrl-C while winding down, or a loop that
 * never waits. `finally` blocks still run. Its lines are printed as they are.
 */
export class Halt extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** A syntax error found before anything runs, with where it is; `incomplete` means "type more". */
export class PySyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly incomplete = false,
    readonly kind: 'SyntaxError' | 'IndentationError' = 'SyntaxError',
    /** Where the offending span ends on its line (exclusive), when Python underlines a span. */
    readonly endCol?: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// CallError -> the exception Python raises

/** Python 3 raises these OSError subclasses for these errno names (PEP 3151). */
const ERRNO_CLASS: Readonly<Record<string, ExcName>> = {
  ECONNREFUSED: 'ConnectionRefusedError',
  ECONNRESET: 'ConnectionResetError',
  ECONNABORTED: 'ConnectionAbortedError',
  EPIPE: 'BrokenPipeError',
  ESHUTDOWN: 'BrokenPipeError',
  EAGAIN: 'BlockingIOError',
  EWOULDBLOCK: 'BlockingIOError',
  EINPROGRESS: 'BlockingIOError',
  EALREADY: 'BlockingIOError',
  ETIMEDOUT: 'TimeoutError',
  EACCES: 'PermissionError',
  EPERM: 'PermissionError',
  EINTR: 'InterruptedError',
  ENOENT: 'FileNotFoundError',
};

/** `[Errno 111] Connection refused` -> `Connection refused`. */
const strerrorOf = (message: string): string => message.replace(/^\[Errno -?\d+\]\s*/, '');

/** The exception Python's socket module would raise for this failed call. */
export function excFromCallError(err: CallError): PyExc {
  const explain = err.explain || null;
  if (err.code === 'EGW_CANCELLED') return makeExc(excType('KeyboardInterrupt'), [], explain);
  // Python 3.10+: socket.timeout is TimeoutError, and a timeout set by settimeout() says "timed out".
  if (err.code === 'EGW_TIMEOUT') return makeExc(excType('TimeoutError'), [pyStr(err.message)], explain);
  if (err.code.startsWith('EAI_')) {
    const args =
      err.errno === null ? [pyStr(err.message)] : [pyInt(err.errno), pyStr(strerrorOf(err.message))];
    return makeExc(excType('gaierror'), args, explain);
  }
  if (HOST_ERROR_CODES.has(err.code) && err.errno !== null)
    return makeExc(excType('herror'), [pyInt(err.errno), pyStr(strerrorOf(err.message))], explain);
  if (err.code.startsWith('EGW_')) {
    // A rule of the playground, not the kernel's answer: say so plainly.
    if (err.code === 'EGW_INTERNAL')
      return makeExc(excType('OSError'), [pyStr(`[playground] ${err.message}`)], explain);
    // Which option would allow it: the student learns it is a rule of this classroom, the instructor what to change.
    const rule = err.option ? `An instructor can change this with ${err.option}.` : null;
    return playgroundExc(err.message, explain && rule ? `${explain} ${rule}` : (explain ?? rule));
  }
  if (err.errno === null) return makeExc(excType('OSError'), [pyStr(err.message)], explain);
  const name = ERRNO_CLASS[err.code] ?? 'OSError';
  return makeExc(excType(name), [pyInt(err.errno), pyStr(strerrorOf(err.message))], explain);
}

// ---------------------------------------------------------------------------------------------
// Printing

export const EXPLAIN_PREFIX = '  ↳ ';

/** What the prompt prints for an uncaught exception: `Name: message`, then the explanation. */
export function formatException(exc: PyExc): string[] {
  const name = excTypeName(exc);
  const message = excStr(exc);
  const lines = (message === '' ? name : `${name}: ${message}`).split('\n');
  if (exc.explain) lines.push(EXPLAIN_PREFIX + exc.explain);
  return lines;
}

/**
 * A syntax error as python3 3.11's prompt prints it: the File line (always, even for one line),
 * the line, carets under the spot (a span for some errors), the message. An unexpected indent has
 * no caret line there: the line is shown from its first character, where the caret would sit.
 */
export function formatSyntaxError(err: PySyntaxError, source: string): string[] {
  const sourceLines = source.split('\n');
  const text = sourceLines[err.line - 1] ?? '';
  const stripped = text.trimStart();
  const indent = text.length - stripped.length;
  const caret = Math.max(0, Math.min(err.col - indent, stripped.trimEnd().length));
  const width = err.endCol === undefined ? 1 : Math.max(1, err.endCol - err.col);
  const lines = [`  File "<stdin>", line ${err.line}`];
  if (stripped.trim() !== '') {
    lines.push(`    ${stripped.trimEnd()}`);
    if (!(err.kind === 'IndentationError' && err.message === 'unexpected indent'))
      lines.push(`    ${' '.repeat(caret)}${'^'.repeat(width)}`);
  }
  lines.push(`${err.kind}: ${err.message}`);
  return lines;
}
