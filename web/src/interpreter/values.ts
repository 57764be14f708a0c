// The interpreter's values: Python's None, bool, int, float, str, bytes, tuple, list, dict, range,
// functions, types, modules and socket objects, with their constructors, truthiness, equality and
// hashing. Pure data: no evaluation, no printing, no gateway.

import type {
  Address,
  Call,
  CallOp,
  CallResult,
  Family,
  SockType,
} from '../../../gateway/protocol/messages.js';
import type { FunctionDef } from './ast.js';

export interface PyNone {
  readonly kind: 'none';
}
export interface PyBool {
  readonly kind: 'bool';
  readonly value: boolean;
}
/** The socket module's IntEnum/IntFlag classes print as `<AddressFamily.AF_INET: 2>`; ints otherwise. */
export type IntEnumName = 'AddressFamily' | 'SocketKind' | 'MsgFlag';
export interface PyInt {
  readonly kind: 'int';
  readonly value: number;
  readonly enumOf?: IntEnumName;
}
export interface PyFloat {
  readonly kind: 'float';
  readonly value: number;
}
/** A str holds JS text; Python counts code points, so length and indexing go through codePoints(). */
export interface PyStr {
  readonly kind: 'str';
  readonly value: string;
}
export interface PyBytes {
  readonly kind: 'bytes';
  readonly value: Uint8Array;
}
export interface PyTuple {
  readonly kind: 'tuple';
  readonly items: readonly PyValue[];
}
export interface PyList {
  readonly kind: 'list';
  items: PyValue[];
}
export interface PyDict {
  readonly kind: 'dict';
  /** Keyed by hashKey(); insertion ordered, as Python's dict. */
  readonly map: Map<string, { key: PyValue; value: PyValue }>;
}
export interface PyRange {
  readonly kind: 'range';
  readonly start: number;
  readonly stop: number;
  readonly step: number;
}
/** enumerate/zip/reversed results and dict views, materialized (they are small here). */
export interface PyIter {
  readonly kind: 'iterator';
  readonly name: string;
  readonly items: readonly PyValue[];
  /** dict views print their items: dict_keys(['a']); iterators print as <enumerate object at 0x...>. */
  readonly view: boolean;
  readonly id: number;
}

export type Kwargs = Map<string, PyValue>;

/** The result type of a call op (some results, like send/sendall/sendto, share one shape). */
type ResultFor<R, Op> = R extends { op: infer O } ? (Op extends O ? R : never) : never;
export type ResultOf<Op extends CallOp> = ResultFor<CallResult, Op>;

/** What built-in functions and methods may ask of the running interpreter. */
export interface Ctx {
  /** Runs one gateway call; throws PyException for a CallError, KeyboardInterrupt on Ctrl-C. */
  gateway<Op extends CallOp>(call: Extract<Call, { op: Op }>): Promise<ResultOf<Op>>;
  /** Text for the terminal; newlines split lines. */
  write(text: string): void;
  /** The prompt's own words (help), which a terminal may break between words to fit its width. */
  say(text: string): void;
  /** Calls any callable value (a user function, a builtin, a type). */
  invoke(fn: PyValue, args: PyValue[], kwargs: Kwargs): Promise<PyValue>;
  /**
   * input(): shows the prompt and waits for the line the student types (without its newline);
   * EOFError at end of input, KeyboardInterrupt on Ctrl-C.
   */
  readLine(prompt: string): Promise<string>;
  /** Waits locally (time.sleep); Ctrl-C ends the wait with KeyboardInterrupt. */
  sleep(seconds: number): Promise<void>;
  /** socket.setdefaulttimeout()'s value, per interpreter. */
  defaultTimeout: number | null;
}

export type BuiltinImpl = (ctx: Ctx, args: PyValue[], kwargs: Kwargs) => PyValue | Promise<PyValue>;

export interface PyBuiltin {
  readonly kind: 'builtin';
  readonly name: string;
  /** The object a method is bound to (prints as `<built-in method recv of socket object ...>`). */
  readonly self: PyValue | null;
  readonly impl: BuiltinImpl;
  readonly id: number;
}

/** A scope: the globals (locals === null) or one function call's locals. */
export interface Scope {
  readonly vars: Map<string, PyValue>;
  /** Names assigned anywhere in the function body: Python decides locals before running. */
  readonly locals: ReadonlySet<string> | null;
  readonly globalsDeclared: ReadonlySet<string>;
  readonly parent: Scope | null;
}

export interface PyFunction {
  readonly kind: 'function';
  readonly def: FunctionDef;
  readonly defaults: readonly (PyValue | undefined)[];
  readonly closure: Scope;
  readonly id: number;
}

export interface PyType {
  readonly kind: 'type';
  readonly name: string;
  /** 'socket' for socket.socket and socket.gaierror, which print with their module. */
  readonly module: string | null;
  readonly base: PyType | null;
  readonly construct: BuiltinImpl | null;
  /** Class attributes such as bytes.fromhex. */
  readonly attrs: Map<string, PyValue>;
  readonly id: number;
}

export interface PyModule {
  readonly kind: 'module';
  readonly name: string;
  readonly attrs: Map<string, PyValue>;
}

export interface PySocket {
  readonly kind: 'socket';
  /** The gateway's handle; calls on a closed socket still go out with it (the kernel answers EBADF). */
  readonly handle: string;
  fd: number;
  readonly family: Family;
  readonly type: SockType;
  readonly proto: number;
  closed: boolean;
  /** As settimeout() left it: null blocks, 0 is non-blocking. Python keeps it on the object. */
  timeout: number | null;
  /** null: never bound (Linux reports the wildcard, port 0); 'unknown': bound, but to what the kernel chose. */
  laddr: Address | 'unknown' | null;
  raddr: Address | null;
  readonly id: number;
}

export interface PyExc {
  readonly kind: 'exception';
  readonly type: PyType;
  readonly args: readonly PyValue[];
  /** OSError's errno and strerror; null for others. */
  readonly errno: PyValue;
  readonly strerror: PyValue;
  /** One plain line printed under an uncaught exception (the gateway's explain, or the prompt's hint). */
  readonly explain: string | null;
}

export type PyValue =
  | PyNone
  | PyBool
  | PyInt
  | PyFloat
  | PyStr
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PyRange
  | PyIter
  | PyBuiltin
  | PyFunction
  | PyType
  | PyModule
  | PySocket
  | PyExc;

// ---------------------------------------------------------------------------------------------
// Constructors

let nextId = 1;
/** A stable fake address for reprs such as `<function f at 0x7f...>`. */
export const newId = (): number => nextId++;

export const NONE: PyNone = { kind: 'none' };
export const TRUE: PyBool = { kind: 'bool', value: true };
export const FALSE: PyBool = { kind: 'bool', value: false };
export const pyBool = (b: boolean): PyBool => (b ? TRUE : FALSE);
export const pyInt = (n: number): PyInt => ({ kind: 'int', value: n === 0 ? 0 : n });
export const pyFloat = (n: number): PyFloat => ({ kind: 'float', value: n });
export const pyStr = (s: string): PyStr => ({ kind: 'str', value: s });
export const pyBytes = (b: Uint8Array): PyBytes => ({ kind: 'bytes', value: b });
export const pyTuple = (items: readonly PyValue[]): PyTuple => ({ kind: 'tuple', items });
export const pyList = (items: PyValue[]): PyList => ({ kind: 'list', items });
export const pyIter = (name: string, items: readonly PyValue[], view = false): PyIter => ({
  kind: 'iterator',
  name,
  items,
  view,
  id: newId(),
});
export function pyDict(entries: [PyValue, PyValue][] = []): PyDict {
  const d: PyDict = { kind: 'dict', map: new Map() };
  for (const [k, v] of entries) dictSet(d, hashKey(k), k, v);
  return d;
}
/** d[key] = value: an existing equal key keeps its place and its original object ({1: 2, True: 3} is {1: 3}). */
export function dictSet(d: PyDict, hash: string, key: PyValue, value: PyValue): void {
  const e = d.map.get(hash);
  d.map.set(hash, { key: e ? e.key : key, value });
}

export const builtin = (name: string, impl: BuiltinImpl, self: PyValue | null = null): PyBuiltin => ({
  kind: 'builtin',
  name,
  self,
  impl,
  id: newId(),
});
export function pyType(
  name: string,
  base: PyType | null,
  construct: BuiltinImpl | null = null,
  module: string | null = null,
): PyType {
  return { kind: 'type', name, module, base, construct, attrs: new Map(), id: newId() };
}
export const addressValue = (a: Address, family: Family): PyTuple =>
  family === 'AF_INET6'
    ? pyTuple([pyStr(a[0]), pyInt(a[1]), pyInt(0), pyInt(0)])
    : pyTuple([pyStr(a[0]), pyInt(a[1])]);

// ---------------------------------------------------------------------------------------------
// Text helpers: Python counts code points, JS counts UTF-16 units.

/** bytes as a "binary string": one char per byte (0..255), for text algorithms shared with str. */
export const bytesToBinary = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};
export const binaryToBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export const codePoints = (s: string): string[] => Array.from(s);
export const strLen = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

// ---------------------------------------------------------------------------------------------
// Type names, truthiness, equality, hashing

/** The name Python gives the value's type in messages: 'str', 'bytes', 'socket', 'NoneType'... */
export function typeName(v: PyValue): string {
  switch (v.kind) {
    case 'none':
      return 'NoneType';
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
    case 'bytes':
    case 'tuple':
    case 'list':
    case 'dict':
    case 'range':
    case 'function':
    case 'module':
    case 'socket':
      return v.kind;
    case 'iterator':
      return v.name;
    case 'builtin':
      return 'builtin_function_or_method';
    case 'type':
      return 'type';
    case 'exception':
      return v.type.name;
    default: {
      const unhandled: never = v;
      return unhandled;
    }
  }
}

export function truthy(v: PyValue): boolean {
  switch (v.kind) {
    case 'none':
      return false;
    case 'bool':
      return v.value;
    case 'int':
    case 'float':
      return v.value !== 0; // NaN is true, as in Python
    case 'str':
      return v.value.length > 0;
    case 'bytes':
      return v.value.length > 0;
    case 'tuple':
    case 'list':
      return v.items.length > 0;
    case 'dict':
      return v.map.size > 0;
    case 'range':
      return rangeLength(v) > 0;
    default:
      return true;
  }
}

export function rangeLength(r: PyRange): number {
  if (r.step > 0) return r.stop > r.start ? Math.ceil((r.stop - r.start) / r.step) : 0;
  return r.start > r.stop ? Math.ceil((r.start - r.stop) / -r.step) : 0;
}

/** The number behind a bool, int or float; null for anything else. */
export function numberOf(v: PyValue): number | null {
  if (v.kind === 'int' || v.kind === 'float') return v.value;
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return null;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Python's ==. */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === b) return a.kind !== 'float' || !Number.isNaN(a.value);
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== null && nb !== null) return na === nb;
  if (a.kind === 'str' && b.kind === 'str') return a.value === b.value;
  if (a.kind === 'bytes' && b.kind === 'bytes') return bytesEqual(a.value, b.value);
  if ((a.kind === 'tuple' && b.kind === 'tuple') || (a.kind === 'list' && b.kind === 'list')) {
    return a.items.length === b.items.length && a.items.every((x, i) => pyEquals(x, b.items[i]!));
  }
  if (a.kind === 'dict' && b.kind === 'dict') {
    if (a.map.size !== b.map.size) return false;
    for (const [k, e] of a.map) {
      const other = b.map.get(k);
      if (!other || !pyEquals(e.value, other.value)) return false;
    }
    return true;
  }
  if (a.kind === 'range' && b.kind === 'range') {
    return a.start === b.start && a.stop === b.stop && a.step === b.step;
  }
  return false;
}

/** A string that is equal for equal keys (1, 1.0 and True are the same dict key, as in Python). */
export function hashKey(v: PyValue): string {
  switch (v.kind) {
    case 'none':
      return 'N';
    case 'bool':
    case 'int':
    case 'float':
      return `n:${numberOf(v)}`;
    case 'str':
      return `s:${v.value}`;
    case 'bytes':
      return `b:${Array.from(v.value).join(',')}`;
    case 'tuple':
      return `t:(${v.items.map(hashKey).join('|')})`;
    case 'socket':
    case 'builtin':
    case 'function':
    case 'type':
    case 'iterator':
      return `o:${v.id}`;
    case 'module':
      return `m:${v.name}`;
    default:
      return unhashable(v);
  }
}

/** Thrown by hashKey; the evaluator turns it into TypeError: unhashable type. */
export class Unhashable extends Error {
  constructor(readonly typeName: string) {
    super(`unhashable type: '${typeName}'`);
  }
}
function unhashable(v: PyValue): never {
  throw new Unhashable(typeName(v));
}

export function isSubtype(t: PyType, of: PyType): boolean {
  for (let c: PyType | null = t; c !== null; c = c.base) if (c === of) return true;
  return false;
}
