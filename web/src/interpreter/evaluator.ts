// Runs the syntax tree: statements, expressions, scopes, function calls, exceptions, and the one door
// to the gateway (every socket call goes through `gateway()`). Owns Ctrl-C: a waiting call or a loop
// stops with KeyboardInterrupt, and a loop that never waits is stopped before it freezes the page.

import { explainError } from '../../../gateway/protocol/explain.js';
import type { Call, CallError, CallOp, CallResult } from '../../../gateway/protocol/messages.js';
import type { Expr, FStringPart, FunctionDef, Stmt } from './ast.js';
import { createBuiltins, TIME_MODULE, typeOf } from './builtins.js';
import {
  EXPLAIN_PREFIX,
  excFromCallError,
  excType,
  Halt,
  isExceptionType,
  keyOf,
  makeExc,
  PyException,
  pyError,
} from './errors.js';
import { asciiRepr, formatValue } from './format.js';
import { MISSING_NAMES } from './help.js';
import { getMethod, methodNames } from './methods.js';
import {
  binaryOp,
  compare,
  delItem,
  getItem,
  iterate,
  type SliceArgs,
  setItem,
  toArray,
  unaryOp,
} from './operators.js';
import { repr, str } from './repr.js';
import { SELECT_MODULE } from './select-module.js';
import {
  SOCKET_METHOD_NAMES,
  SOCKET_MODULE,
  SOCKET_PROPERTY_NAMES,
  socketAttribute,
  socketAttributeHint,
} from './socket-module.js';
import { STRUCT_MODULE } from './struct-module.js';
import { didYouMean, suggest } from './suggest.js';
import {
  type Ctx,
  dictSet,
  FALSE,
  isSubtype,
  type Kwargs,
  NONE,
  newId,
  type PyDict,
  type PyExc,
  type PyFunction,
  type PyModule,
  type PyValue,
  pyList,
  pyStr,
  pyTuple,
  type ResultOf,
  type Scope,
  TRUE,
  truthy,
  typeName,
  Unhashable,
} from './values.js';

/** How the interpreter reaches the gateway: one Call in, its result or CallError out. */
export interface SocketBackend {
  /** Runs one gateway call; resolves with its result or the CallError. Rejects only on transport failure. */
  call(
    call: Call,
    signal: AbortSignal,
  ): Promise<{ ok: true; result: CallResult } | { ok: false; error: CallError }>;
}

/**
 * input()'s source: shows `prompt` (the unfinished output line) and resolves with the line the
 * student types, or null at end of input (Ctrl-D). The signal is Ctrl-C.
 */
export type Keyboard = (prompt: string, signal: AbortSignal) => Promise<string | null>;

type Completion = null | { kind: 'break' } | { kind: 'continue' } | { kind: 'return'; value: PyValue };
const BREAK = { kind: 'break' } as const;
const CONTINUE = { kind: 'continue' } as const;

/** Calls that may wait on the network or the peer; after a Ctrl-C they are not started again. */
const WAITING_OPS: ReadonlySet<CallOp> = new Set<CallOp>([
  'accept',
  'connect',
  'connect_ex',
  'send',
  'sendall',
  'sendto',
  'recv',
  'recvfrom',
  'select',
  'gethostname',
  'gethostbyname',
  'gethostbyaddr',
  'getaddrinfo',
  'getservbyname',
  'getservbyport',
]);

export const MODULES: ReadonlyMap<string, PyModule> = new Map([
  ['socket', SOCKET_MODULE],
  ['time', TIME_MODULE],
  ['struct', STRUCT_MODULE],
  ['select', SELECT_MODULE],
]);

const MAX_DEPTH = 200;
/** After a delivered Ctrl-C, cleanup code may still loop this much (closing a list of sockets). */
const LOOPS_AFTER_INTERRUPT = 1000;
const YIELD_EVERY = 1000;

/**
 * Collects what the program prints, line by line; optionally streams each line as it completes, saying
 * whether the write that completed it was the prompt's own words (help) rather than the program's output.
 */
export class Output {
  readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly onLine?: (line: string, prose: boolean) => void) {}

  write(text: string, prose = false): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.emit(line, prose);
  }

  flush(): void {
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  /**
   * input()'s prompt: writes it, and returns the unfinished line it leaves (what print(end='')
   * left plus the prompt's last line), which the keyboard shows before the typed text.
   */
  takePrompt(text: string): string {
    this.write(text);
    const shown = this.partial;
    this.partial = '';
    return shown;
  }

  /** A line the terminal already shows (a prompt and what was typed after it): kept, not echoed. */
  record(line: string): void {
    this.lines.push(line);
  }

  emit(line: string, prose = false): void {
    this.lines.push(line);
    this.onLine?.(line, prose);
  }
}

export interface RunState {
  signal: AbortSignal;
  /** Ctrl-C has been raised as KeyboardInterrupt once; from now on waiting stops the run outright. */
  delivered: boolean;
  /** Loop iterations since the last gateway call. */
  iterations: number;
  sinceYield: number;
  afterInterrupt: number;
  out: Output;
}

const ABORTED = Symbol('aborted');

/** Resolves like `p`, or rejects with ABORTED as soon as the signal fires. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal.aborted) return Promise.reject(ABORTED);
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(ABORTED);
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A JS-side failure that is really a Python one (an unhashable dict key). */
export function asPyException(err: unknown): PyException | null {
  if (err instanceof PyException) return err;
  if (err instanceof Unhashable) return pyError('TypeError', err.message);
  return null;
}

export class Evaluator implements Ctx {
  readonly globals: Scope = { vars: new Map(), locals: null, globalsDeclared: new Set(), parent: null };
  readonly builtins: Map<string, PyValue>;
  defaultTimeout: number | null = null;
  private state: RunState | null = null;
  private depth = 0;
  private handling: PyExc[] = [];

  constructor(
    private readonly backend: SocketBackend,
    private readonly maxLoopIterations: number,
    private readonly keyboard: Keyboard | null = null,
  ) {
    this.builtins = createBuiltins();
    // `socket` is there from the start; `import socket` is accepted and binds the same module.
    this.builtins.set('socket', SOCKET_MODULE);
  }

  async runStatements(stmts: readonly Stmt[], state: RunState): Promise<void> {
    this.state = state;
    this.depth = 0;
    this.handling = [];
    try {
      await this.execBlock(stmts, this.globals, true);
    } finally {
      this.state = null;
    }
  }

  private get run(): RunState {
    if (!this.state) throw new Error('the interpreter is not running');
    return this.state;
  }

  // -------------------------------------------------------------------------------------------
  // Ctx: what built-ins may ask for

  write(text: string): void {
    this.run.out.write(text);
  }

  say(text: string): void {
    this.run.out.write(text, true);
  }

  async gateway<Op extends CallOp>(call: Extract<Call, { op: Op }>): Promise<ResultOf<Op>> {
    const run = this.run;
    this.checkInterrupt(WAITING_OPS.has(call.op));
    // After a delivered Ctrl-C the run's signal stays aborted: cleanup calls (close) get a fresh one.
    const signal = run.signal.aborted ? new AbortController().signal : run.signal;
    let answer: Awaited<ReturnType<SocketBackend['call']>>;
    try {
      answer = await raceAbort(this.backend.call(call, signal), signal);
    } catch (err) {
      if (err === ABORTED || signal.aborted) throw this.interrupted(call.op);
      const message = err instanceof Error ? err.message : String(err);
      throw new PyException(
        makeExc(
          excType('OSError'),
          [pyStr(`[playground] the connection to the gateway failed (${message})`)],
          'The call may not have reached the kernel. The page reconnects by itself: run the line again once the toolbar says connected.',
        ),
      );
    }
    // A call that went to the network is an await: the loop around it is not a busy loop.
    run.iterations = 0;
    if (!answer.ok) {
      const exc = excFromCallError(answer.error);
      if (exc.type === excType('KeyboardInterrupt')) run.delivered = true;
      throw new PyException(exc);
    }
    if (answer.result.op !== call.op) {
      throw new Error(`the gateway answered ${answer.result.op} to ${call.op}`);
    }
    return answer.result as ResultOf<Op>;
  }

  async sleep(seconds: number): Promise<void> {
    const run = this.run;
    this.checkInterrupt(true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await raceAbort(
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, seconds * 1000);
        }),
        run.signal,
        () => clearTimeout(timer),
      );
    } catch (err) {
      if (err === ABORTED) throw this.interrupted(null);
      throw err;
    }
    run.iterations = 0;
  }

  async readLine(prompt: string): Promise<string> {
    const run = this.run;
    this.checkInterrupt(true);
    if (!this.keyboard) {
      throw new PyException(
        makeExc(excType('EOFError'), [], 'Nothing can be typed to this program: put the text in a variable.'),
      );
    }
    const shown = run.out.takePrompt(prompt);
    let line: string | null;
    try {
      line = await raceAbort(this.keyboard(shown, run.signal), run.signal);
    } catch (err) {
      if (err === ABORTED) throw this.interrupted(null);
      throw err;
    }
    run.out.record(shown + (line ?? ''));
    run.iterations = 0;
    if (line === null) throw new PyException(makeExc(excType('EOFError'), []));
    return line;
  }

  invoke(fn: PyValue, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
    return this.call(fn, args, kwargs);
  }

  // -------------------------------------------------------------------------------------------
  // Ctrl-C and runaway loops

  /** KeyboardInterrupt, once: later, a waiting call or a loop ends the run without `except` seeing it. */
  private interrupted(op: CallOp | null): PyException | Halt {
    const run = this.run;
    if (run.delivered) return new Halt(['KeyboardInterrupt']);
    run.delivered = true;
    const explain = op === null ? null : explainError('EGW_CANCELLED', { syscall: op });
    return new PyException(makeExc(excType('KeyboardInterrupt'), [], explain));
  }

  private checkInterrupt(waits: boolean): void {
    const run = this.run;
    if (!run.signal.aborted) return;
    if (!run.delivered) throw this.interrupted(null);
    if (waits) throw new Halt(['KeyboardInterrupt']);
  }

  private async loopTick(): Promise<void> {
    const run = this.run;
    if (run.signal.aborted) {
      this.checkInterrupt(false);
      if (++run.afterInterrupt > LOOPS_AFTER_INTERRUPT) throw new Halt(['KeyboardInterrupt']);
    }
    if (++run.iterations > this.maxLoopIterations) {
      throw new Halt([
        `RuntimeError: loop stopped after ${this.maxLoopIterations} iterations without a socket call`,
        `${EXPLAIN_PREFIX}The playground stops loops that never wait on the network, so the page stays responsive.`,
      ]);
    }
    // Let the page breathe (and Ctrl-C arrive) during long computations.
    if (++run.sinceYield >= YIELD_EVERY) {
      run.sinceYield = 0;
      await macrotask();
      if (run.signal.aborted && !run.delivered) this.checkInterrupt(false);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  private async execBlock(stmts: readonly Stmt[], scope: Scope, interactive: boolean): Promise<Completion> {
    for (const s of stmts) {
      const c = await this.exec(s, scope, interactive);
      if (c !== null) return c;
    }
    return null;
  }

  private async exec(s: Stmt, scope: Scope, interactive: boolean): Promise<Completion> {
    switch (s.type) {
      case 'Expr': {
        const v = await this.eval(s.value, scope);
        // The prompt echoes a value, as Python's interactive mode does (not inside functions).
        if (interactive && v.kind !== 'none') {
          this.write(`${repr(v)}\n`);
          this.builtins.set('_', v);
        }
        return null;
      }
      case 'Assign': {
        const value = await this.eval(s.value, scope);
        for (const t of s.targets) await this.assign(t, value, scope);
        return null;
      }
      case 'AugAssign':
        await this.augAssign(s.target, s.op, s.value, scope);
        return null;
      case 'Import':
        for (const n of s.names) {
          const mod = MODULES.get(n.name);
          if (!mod) throw moduleNotFound(n.name);
          this.setName(n.asname ?? n.name, mod, scope);
        }
        return null;
      case 'ImportFrom': {
        const mod = MODULES.get(s.module);
        if (!mod) throw moduleNotFound(s.module);
        if (s.names === '*') {
          for (const [name, v] of mod.attrs) this.setName(name, v, scope);
          return null;
        }
        for (const n of s.names) {
          const v = mod.attrs.get(n.name);
          if (!v) throw pyError('ImportError', `cannot import name '${n.name}' from '${mod.name}'`);
          this.setName(n.asname ?? n.name, v, scope);
        }
        return null;
      }
      case 'Pass':
      case 'Global':
        return null;
      case 'Break':
        return BREAK;
      case 'Continue':
        return CONTINUE;
      case 'Return':
        return { kind: 'return', value: s.value ? await this.eval(s.value, scope) : NONE };
      case 'Del':
        for (const t of s.targets) {
          if (t.type === 'Name') {
            const target = scope.locals !== null && !scope.globalsDeclared.has(t.id) ? scope : this.globals;
            if (!target.vars.delete(t.id)) throw pyError('NameError', `name '${t.id}' is not defined`);
          } else if (t.type === 'Subscript') {
            const c = await this.eval(t.value, scope);
            delItem(c, await this.evalIndex(t.index, scope));
          }
        }
        return null;
      case 'Assert':
        if (!truthy(await this.eval(s.test, scope))) {
          const msg = s.msg ? [await this.eval(s.msg, scope)] : [];
          throw new PyException(makeExc(excType('AssertionError'), msg));
        }
        return null;
      case 'Raise':
        throw await this.raised(s.exc, scope);
      case 'If':
        return truthy(await this.eval(s.test, scope))
          ? this.execBlock(s.body, scope, interactive)
          : this.execBlock(s.orelse, scope, interactive);
      case 'While': {
        for (;;) {
          await this.loopTick();
          if (!truthy(await this.eval(s.test, scope))) break;
          const c = await this.execBlock(s.body, scope, interactive);
          if (c === BREAK) return null;
          if (c !== null && c !== CONTINUE) return c;
        }
        return this.execBlock(s.orelse, scope, interactive);
      }
      case 'For': {
        const it = iterate(await this.eval(s.iter, scope));
        for (;;) {
          await this.loopTick();
          const n = it.next();
          if (n.done) break;
          await this.assign(s.target, n.value, scope);
          const c = await this.execBlock(s.body, scope, interactive);
          if (c === BREAK) return null;
          if (c !== null && c !== CONTINUE) return c;
        }
        return this.execBlock(s.orelse, scope, interactive);
      }
      case 'Try':
        return this.execTry(s, scope, interactive);
      case 'With':
        return this.execWith(s.items, 0, s.body, scope, interactive);
      case 'FunctionDef': {
        const defaults: (PyValue | undefined)[] = [];
        for (const p of s.params) defaults.push(p.default ? await this.eval(p.default, scope) : undefined);
        const fn: PyFunction = { kind: 'function', def: s, defaults, closure: scope, id: newId() };
        this.setName(s.name, fn, scope);
        return null;
      }
      default: {
        const unhandled: never = s;
        return unhandled;
      }
    }
  }

  private async raised(e: Expr | null, scope: Scope): Promise<PyException> {
    if (e === null) {
      const current = this.handling[this.handling.length - 1];
      return current ? new PyException(current) : pyError('RuntimeError', 'No active exception to reraise');
    }
    const v = await this.eval(e, scope);
    if (v.kind === 'type' && isExceptionType(v)) return new PyException(makeExc(v, []));
    if (v.kind === 'exception') return new PyException(v);
    return pyError('TypeError', 'exceptions must derive from BaseException');
  }

  private async execTry(
    s: Extract<Stmt, { type: 'Try' }>,
    scope: Scope,
    interactive: boolean,
  ): Promise<Completion> {
    let result: Completion = null;
    let pending: { error: unknown } | null = null;
    try {
      let raised: PyException | null = null;
      try {
        result = await this.execBlock(s.body, scope, interactive);
      } catch (err) {
        raised = asPyException(err);
        if (!raised) throw err;
      }
      if (raised) {
        const handler = await this.findHandler(s.handlers, raised.exc, scope);
        if (!handler) throw raised;
        if (handler.name) this.setName(handler.name, raised.exc, scope);
        this.handling.push(raised.exc);
        try {
          result = await this.execBlock(handler.body, scope, interactive);
        } finally {
          this.handling.pop();
          // Python unbinds `e` after `except ... as e:`.
          if (handler.name) (scope.locals === null ? this.globals : scope).vars.delete(handler.name);
        }
      } else if (result === null) {
        result = await this.execBlock(s.orelse, scope, interactive);
      }
    } catch (err) {
      pending = { error: err };
    }
    if (s.finalbody.length > 0) {
      const fin = await this.execBlock(s.finalbody, scope, interactive);
      // break/continue/return in `finally` wins over whatever was in flight, as in Python.
      if (fin !== null) return fin;
    }
    if (pending) throw pending.error;
    return result;
  }

  private async findHandler(
    handlers: Extract<Stmt, { type: 'Try' }>['handlers'],
    exc: PyExc,
    scope: Scope,
  ): Promise<Extract<Stmt, { type: 'Try' }>['handlers'][number] | null> {
    for (const h of handlers) {
      if (h.match === null) return h;
      const m = await this.eval(h.match, scope);
      const classes = m.kind === 'tuple' ? m.items : [m];
      for (const c of classes) {
        if (c.kind !== 'type' || !isExceptionType(c)) {
          throw pyError(
            'TypeError',
            'catching classes that do not inherit from BaseException is not allowed',
          );
        }
        if (isSubtype(exc.type, c)) return h;
      }
    }
    return null;
  }

  private async execWith(
    items: Extract<Stmt, { type: 'With' }>['items'],
    i: number,
    body: readonly Stmt[],
    scope: Scope,
    interactive: boolean,
  ): Promise<Completion> {
    const item = items[i];
    if (!item) return this.execBlock(body, scope, interactive);
    const v = await this.eval(item.expr, scope);
    if (v.kind !== 'socket') {
      throw pyError('TypeError', `'${typeName(v)}' object does not support the context manager protocol`);
    }
    if (item.target) await this.assign(item.target, v, scope);
    try {
      return await this.execWith(items, i + 1, body, scope, interactive);
    } finally {
      // socket.__exit__ closes the socket, unless the body already did.
      if (!v.closed) await this.call(socketAttribute(v, 'close')!, [], new Map());
    }
  }

  // -------------------------------------------------------------------------------------------
  // Names and assignment

  private lookup(name: string, scope: Scope): PyValue {
    let s: Scope | null = scope.locals !== null && scope.globalsDeclared.has(name) ? this.globals : scope;
    for (; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
      if (s === scope && s.locals?.has(name)) {
        throw pyError(
          'UnboundLocalError',
          `cannot access local variable '${name}' where it is not associated with a value`,
        );
      }
    }
    const b = this.builtins.get(name);
    if (b !== undefined) return b;
    throw this.nameError(name, scope);
  }

  private nameError(name: string, scope: Scope): PyException {
    // CPython looks for a suggestion in the locals, then the globals, then the built-ins.
    const suggestion =
      (scope.locals !== null ? suggest(name, scope.vars.keys()) : null) ??
      suggest(name, this.globals.vars.keys()) ??
      suggest(name, this.builtins.keys());
    let explain: string;
    if (SOCKET_MODULE.attrs.has(name)) {
      // Not "or from socket import *": after that, the lessons' socket.socket(...) is an AttributeError.
      explain = `${name} lives in the socket module: write socket.${name}.`;
    } else if (Object.hasOwn(MISSING_NAMES, name)) {
      explain = MISSING_NAMES[name]!;
    } else {
      explain = 'Names here are your own variables, the socket module and the built-ins help() lists.';
    }
    return pyError('NameError', `name '${name}' is not defined${didYouMean(suggestion)}`, explain);
  }

  private setName(name: string, value: PyValue, scope: Scope): void {
    if (scope.locals !== null && !scope.globalsDeclared.has(name)) scope.vars.set(name, value);
    else this.globals.vars.set(name, value);
  }

  private async assign(target: Expr, value: PyValue, scope: Scope): Promise<void> {
    switch (target.type) {
      case 'Name':
        this.setName(target.id, value, scope);
        return;
      case 'Tuple':
      case 'List': {
        if (!['str', 'bytes', 'tuple', 'list', 'dict', 'range', 'iterator'].includes(value.kind)) {
          throw pyError('TypeError', `cannot unpack non-iterable ${typeName(value)} object`);
        }
        const items = toArray(value);
        const n = target.elts.length;
        if (items.length > n) throw pyError('ValueError', `too many values to unpack (expected ${n})`);
        if (items.length < n) {
          throw pyError('ValueError', `not enough values to unpack (expected ${n}, got ${items.length})`);
        }
        for (let i = 0; i < n; i++) await this.assign(target.elts[i]!, items[i]!, scope);
        return;
      }
      case 'Subscript': {
        const c = await this.eval(target.value, scope);
        setItem(c, await this.evalIndex(target.index, scope), value);
        return;
      }
      case 'Attribute':
        throw this.setAttrError(await this.eval(target.value, scope), target.attr);
      default:
        throw pyError('SyntaxError', 'cannot assign to expression');
    }
  }

  private async augAssign(target: Expr, op: Parameters<typeof binaryOp>[0], valueExpr: Expr, scope: Scope) {
    // Python evaluates the target's container and index once.
    if (target.type === 'Subscript') {
      const c = await this.eval(target.value, scope);
      const key = await this.evalIndex(target.index, scope);
      const value = await this.eval(valueExpr, scope);
      setItem(c, key, this.inPlace(op, getItem(c, key), value));
      return;
    }
    if (target.type === 'Attribute')
      throw this.setAttrError(await this.eval(target.value, scope), target.attr);
    if (target.type !== 'Name') throw pyError('SyntaxError', 'illegal expression for augmented assignment');
    const current = this.lookup(target.id, scope);
    const value = await this.eval(valueExpr, scope);
    this.setName(target.id, this.inPlace(op, current, value), scope);
  }

  /** `lst += x` extends the list in place (any iterable), as Python's list.__iadd__. */
  private inPlace(op: Parameters<typeof binaryOp>[0], current: PyValue, value: PyValue): PyValue {
    if (op === '+' && current.kind === 'list') {
      current.items.push(...toArray(value));
      return current;
    }
    return binaryOp(op, current, value);
  }

  private setAttrError(obj: PyValue, name: string): PyException {
    const exists = this.attribute(obj, name) !== null;
    const owner = obj.kind === 'module' ? `module '${obj.name}'` : `'${typeName(obj)}' object`;
    return pyError(
      'AttributeError',
      exists ? `${owner} attribute '${name}' is read-only` : `${owner} has no attribute '${name}'`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  async eval(e: Expr, scope: Scope): Promise<PyValue> {
    switch (e.type) {
      case 'Constant':
        return e.value;
      case 'Name':
        return this.lookup(e.id, scope);
      case 'FString':
        return pyStr(await this.fstring(e.parts, scope));
      case 'Tuple':
        return pyTuple(await this.evalAll(e.elts, scope));
      case 'List':
        return pyList(await this.evalAll(e.elts, scope));
      case 'Dict': {
        const d: PyDict = { kind: 'dict', map: new Map() };
        for (let i = 0; i < e.keys.length; i++) {
          const k = await this.eval(e.keys[i]!, scope);
          const v = await this.eval(e.values[i]!, scope);
          dictSet(d, keyOf(k), k, v);
        }
        return d;
      }
      case 'Attribute':
        return this.getAttr(await this.eval(e.value, scope), e.attr);
      case 'Subscript': {
        const c = await this.eval(e.value, scope);
        return getItem(c, await this.evalIndex(e.index, scope));
      }
      case 'Slice':
        throw pyError('SyntaxError', 'a slice can only be used inside [ ]');
      case 'Call': {
        const fn = await this.eval(e.func, scope);
        const args = await this.evalAll(e.args, scope);
        const kwargs: Kwargs = new Map();
        for (const k of e.keywords) kwargs.set(k.name, await this.eval(k.value, scope));
        return this.call(fn, args, kwargs);
      }
      case 'BinOp': {
        const left = await this.eval(e.left, scope);
        const right = await this.eval(e.right, scope);
        return binaryOp(e.op, left, right);
      }
      case 'UnaryOp': {
        const v = await this.eval(e.operand, scope);
        return unaryOp(e.op, v, e.op === 'not' ? truthy(v) : false);
      }
      case 'BoolOp': {
        let v: PyValue = NONE;
        for (const x of e.values) {
          v = await this.eval(x, scope);
          if (truthy(v) === (e.op === 'or')) return v;
        }
        return v;
      }
      case 'Compare': {
        let left = await this.eval(e.left, scope);
        for (let i = 0; i < e.ops.length; i++) {
          const right = await this.eval(e.comparators[i]!, scope);
          if (!compare(e.ops[i]!, left, right)) return FALSE;
          left = right;
        }
        return TRUE;
      }
      case 'IfExp':
        return truthy(await this.eval(e.test, scope)) ? this.eval(e.body, scope) : this.eval(e.orelse, scope);
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  }

  private async evalAll(exprs: readonly Expr[], scope: Scope): Promise<PyValue[]> {
    const out: PyValue[] = [];
    for (const x of exprs) out.push(await this.eval(x, scope));
    return out;
  }

  private async evalIndex(index: Expr, scope: Scope): Promise<PyValue | SliceArgs> {
    if (index.type !== 'Slice') return this.eval(index, scope);
    return {
      lower: index.lower ? await this.eval(index.lower, scope) : NONE,
      upper: index.upper ? await this.eval(index.upper, scope) : NONE,
      step: index.step ? await this.eval(index.step, scope) : NONE,
    };
  }

  private async fstring(parts: readonly FStringPart[], scope: Scope): Promise<string> {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      let v = await this.eval(p.expr, scope);
      if (p.conversion === 'r') v = pyStr(repr(v));
      else if (p.conversion === 's') v = pyStr(str(v));
      else if (p.conversion === 'a') v = pyStr(asciiRepr(v));
      const spec = p.spec ? await this.fstring(p.spec, scope) : '';
      out += (p.debugText ?? '') + formatValue(v, spec);
    }
    return out;
  }

  /** An attribute's value, or null when the object has no such attribute. */
  attribute(obj: PyValue, name: string): PyValue | null {
    if (name === '__class__') return typeOf(obj);
    switch (obj.kind) {
      case 'module':
        return obj.attrs.get(name) ?? null;
      case 'socket':
        return socketAttribute(obj, name);
      case 'exception':
        if (name === 'args') return pyTuple(obj.args);
        if ((name === 'errno' || name === 'strerror') && isSubtype(obj.type, excType('OSError'))) {
          return name === 'errno' ? obj.errno : obj.strerror;
        }
        return null;
      case 'type':
        if (name === '__name__') return pyStr(obj.name);
        return obj.attrs.get(name) ?? null;
      case 'function':
        return name === '__name__' ? pyStr(obj.def.name) : null;
      case 'builtin':
        return name === '__name__' ? pyStr(obj.name) : null;
      default:
        return getMethod(obj, name);
    }
  }

  private getAttr(obj: PyValue, name: string): PyValue {
    const v = this.attribute(obj, name);
    if (v !== null) return v;
    const hint = didYouMean(suggest(name, attributeNames(obj)));
    if (obj.kind === 'module') {
      throw pyError(
        'AttributeError',
        `module '${obj.name}' has no attribute '${name}'${hint}`,
        `${obj.name}.${name} is not available in this playground; type help() for what is.`,
      );
    }
    if (obj.kind === 'type') {
      throw pyError('AttributeError', `type object '${obj.name}' has no attribute '${name}'${hint}`);
    }
    let explain: string | null = null;
    if (obj.kind === 'socket') explain = socketAttributeHint(name);
    else if (obj.kind === 'bytes' && name === 'encode')
      explain = 'bytes are already encoded: .decode() turns them into a str.';
    else if (obj.kind === 'str' && name === 'decode')
      explain = 'A str is already text: .encode() turns it into bytes.';
    throw pyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'${hint}`, explain);
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  private async call(fn: PyValue, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
    switch (fn.kind) {
      case 'builtin':
        return fn.impl(this, args, kwargs);
      case 'function':
        return this.callFunction(fn, args, kwargs);
      case 'type':
        if (isExceptionType(fn)) {
          if (kwargs.size > 0) throw pyError('TypeError', `${fn.name}() takes no keyword arguments`);
          return makeExc(fn, args);
        }
        if (fn.construct) return fn.construct(this, args, kwargs);
        throw pyError('TypeError', `cannot create '${fn.name}' instances`);
      default:
        throw pyError('TypeError', `'${typeName(fn)}' object is not callable`);
    }
  }

  private async callFunction(fn: PyFunction, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
    const def = fn.def;
    if (this.depth >= MAX_DEPTH) throw pyError('RecursionError', 'maximum recursion depth exceeded');
    const vars = bindParams(def, fn.defaults, args, kwargs);
    const scope: Scope = { vars, locals: def.locals, globalsDeclared: def.globals, parent: fn.closure };
    this.depth++;
    try {
      const c = await this.execBlock(def.body, scope, false);
      return c !== null && c.kind === 'return' ? c.value : NONE;
    } finally {
      this.depth--;
    }
  }
}

function bindParams(
  def: FunctionDef,
  defaults: readonly (PyValue | undefined)[],
  args: PyValue[],
  kwargs: Kwargs,
): Map<string, PyValue> {
  const params = def.params;
  const vars = new Map<string, PyValue>();
  if (args.length > params.length) {
    const required = defaults.filter((d) => d === undefined).length;
    const takes = required === params.length ? `${params.length}` : `from ${required} to ${params.length}`;
    const plural = required === params.length && params.length === 1 ? 'argument' : 'arguments';
    throw pyError(
      'TypeError',
      `${def.name}() takes ${takes} positional ${plural} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`,
    );
  }
  args.forEach((a, i) => {
    vars.set(params[i]!.name, a);
  });
  for (const [k, v] of kwargs) {
    if (!params.some((p) => p.name === k)) {
      throw pyError('TypeError', `${def.name}() got an unexpected keyword argument '${k}'`);
    }
    if (vars.has(k)) throw pyError('TypeError', `${def.name}() got multiple values for argument '${k}'`);
    vars.set(k, v);
  }
  const missing: string[] = [];
  params.forEach((p, i) => {
    if (vars.has(p.name)) return;
    const d = defaults[i];
    if (d === undefined) missing.push(`'${p.name}'`);
    else vars.set(p.name, d);
  });
  if (missing.length > 0) {
    const list =
      missing.length === 1
        ? missing[0]
        : missing.length === 2
          ? `${missing[0]} and ${missing[1]}`
          : `${missing.slice(0, -1).join(', ')}, and ${missing[missing.length - 1]}`;
    throw pyError(
      'TypeError',
      `${def.name}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`,
    );
  }
  return vars;
}

function moduleNotFound(name: string): PyException {
  const top = name.split('.')[0]!;
  const hint = Object.hasOwn(MISSING_NAMES, top) ? MISSING_NAMES[top]! : '';
  return pyError(
    'ModuleNotFoundError',
    `No module named '${name}'`,
    `${hint ? `${hint} ` : ''}Only import socket, select, time and struct work here.`,
  );
}

/** What dir(obj) would list (the public part), for suggestions and Tab completion. */
export function attributeNames(v: PyValue): string[] {
  switch (v.kind) {
    case 'module':
      return [...v.attrs.keys()].sort();
    case 'socket':
      return [...SOCKET_METHOD_NAMES, ...SOCKET_PROPERTY_NAMES].sort();
    case 'exception':
      return isSubtype(v.type, excType('OSError')) ? ['args', 'errno', 'strerror'] : ['args'];
    case 'type':
      return [...v.attrs.keys(), '__name__'].sort();
    default:
      return methodNames(v.kind);
  }
}
