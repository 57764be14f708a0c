// Python's operators on values: arithmetic, bitwise, comparison, `in`, indexing and slicing, and
// iteration, with CPython's TypeError wording for mismatched types ("can only concatenate str (not
// "bytes") to str"). Synchronous and pure: no gateway, no scopes.

import { concatBytes } from '../../../gateway/protocol/messages.js';
import type { BinaryOperator, CompareOperator } from './ast.js';
import { excType, keyOf, makeExc, PyException, pyError } from './errors.js';
import { percentFormat } from './format.js';
import {
  bytesToBinary,
  codePoints,
  dictSet,
  type IntEnumName,
  numberOf,
  type PyValue,
  pyBool,
  pyBytes,
  pyEquals,
  pyFloat,
  pyInt,
  pyList,
  pyStr,
  pyTuple,
  rangeLength,
  typeName,
} from './values.js';

/** Sizes the prompt refuses to build, so a typo like 'a' * 10**9 cannot take the page down. */
export const MAX_LENGTH = 16 * 1024 * 1024;
export const MAX_ITEMS = 1_000_000;

export function checkLength(n: number): void {
  if (n > MAX_LENGTH) {
    throw pyError(
      'MemoryError',
      undefined,
      `The playground keeps each value under ${MAX_LENGTH} characters or bytes.`,
    );
  }
}
export function checkItems(n: number): void {
  if (n > MAX_ITEMS)
    throw pyError('MemoryError', undefined, `The playground keeps lists under ${MAX_ITEMS} items.`);
}

const isNumber = (v: PyValue): boolean => v.kind === 'int' || v.kind === 'float' || v.kind === 'bool';
const isIntLike = (v: PyValue): boolean => v.kind === 'int' || v.kind === 'bool';

function repeat(seq: PyValue, times: number): PyValue {
  const n = Math.max(0, times);
  switch (seq.kind) {
    case 'str':
      checkLength(seq.value.length * n);
      return pyStr(seq.value.repeat(n));
    case 'bytes': {
      checkLength(seq.value.length * n);
      const out = new Uint8Array(seq.value.length * n);
      for (let i = 0; i < n; i++) out.set(seq.value, i * seq.value.length);
      return pyBytes(out);
    }
    case 'tuple':
    case 'list': {
      checkItems(seq.items.length * n);
      const items: PyValue[] = [];
      for (let i = 0; i < n; i++) items.push(...seq.items);
      return seq.kind === 'tuple' ? pyTuple(items) : pyList(items);
    }
    default:
      throw new Error('repeat: not a sequence');
  }
}

const unsupported = (op: string, a: PyValue, b: PyValue) =>
  pyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);

/** Python's floor modulo: the result has the sign of the divisor. */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function bitwise(op: BinaryOperator, a: PyValue, b: PyValue): PyValue {
  const x = BigInt(numberOf(a)!);
  const y = BigInt(numberOf(b)!);
  let r: bigint;
  switch (op) {
    case '|':
      r = x | y;
      break;
    case '&':
      r = x & y;
      break;
    case '^':
      r = x ^ y;
      break;
    case '<<':
      if (y < 0n) throw pyError('ValueError', 'negative shift count');
      if (y > 64n) throw pyError('OverflowError', 'shift count too large here');
      r = x << y;
      break;
    default:
      if (y < 0n) throw pyError('ValueError', 'negative shift count');
      r = x >> y;
  }
  const n = Number(r);
  if (a.kind === 'bool' && b.kind === 'bool' && op !== '<<' && op !== '>>') return pyBool(n !== 0);
  // IntFlag stays an IntFlag: socket.MSG_PEEK | socket.MSG_WAITALL is <MsgFlag.MSG_PEEK|MSG_WAITALL: 258>.
  const flag = (v: PyValue): IntEnumName | undefined => (v.kind === 'int' ? v.enumOf : undefined);
  if ((op === '|' || op === '&' || op === '^') && (flag(a) === 'MsgFlag' || flag(b) === 'MsgFlag')) {
    return { kind: 'int', value: n, enumOf: 'MsgFlag' };
  }
  return pyInt(n);
}

function arithmetic(op: BinaryOperator, a: PyValue, b: PyValue): PyValue {
  const x = numberOf(a)!;
  const y = numberOf(b)!;
  const float = a.kind === 'float' || b.kind === 'float';
  switch (op) {
    case '+':
      return float ? pyFloat(x + y) : pyInt(x + y);
    case '-':
      return float ? pyFloat(x - y) : pyInt(x - y);
    case '*':
      return float ? pyFloat(x * y) : pyInt(x * y);
    case '/':
      if (y === 0) throw pyError('ZeroDivisionError', float ? 'float division by zero' : 'division by zero');
      return pyFloat(x / y);
    case '//':
      if (y === 0) {
        throw pyError(
          'ZeroDivisionError',
          float ? 'float floor division by zero' : 'integer division or modulo by zero',
        );
      }
      return float ? pyFloat(Math.floor(x / y)) : pyInt(Math.floor(x / y));
    case '%':
      if (y === 0) throw pyError('ZeroDivisionError', float ? 'float modulo' : 'integer modulo by zero');
      return float ? pyFloat(pyMod(x, y)) : pyInt(pyMod(x, y));
    case '**':
      if (x === 0 && y < 0) throw pyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (!float && y >= 0) {
        const r = x ** y;
        if (!Number.isFinite(r))
          throw pyError('OverflowError', 'this number is too large for the playground');
        return pyInt(r);
      }
      return pyFloat(x ** y);
    default:
      if (float) throw unsupported(op, a, b);
      return bitwise(op, a, b);
  }
}

export function binaryOp(op: BinaryOperator, a: PyValue, b: PyValue): PyValue {
  if (isNumber(a) && isNumber(b)) return arithmetic(op, a, b);
  if (op === '+') {
    if (a.kind === 'str') {
      if (b.kind !== 'str')
        throw pyError('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
      checkLength(a.value.length + b.value.length);
      return pyStr(a.value + b.value);
    }
    if (a.kind === 'bytes') {
      if (b.kind !== 'bytes') throw pyError('TypeError', `can't concat ${typeName(b)} to bytes`);
      checkLength(a.value.length + b.value.length);
      return pyBytes(concatBytes(a.value, b.value));
    }
    if (a.kind === 'tuple' || a.kind === 'list') {
      if (b.kind !== a.kind) {
        throw pyError('TypeError', `can only concatenate ${a.kind} (not "${typeName(b)}") to ${a.kind}`);
      }
      checkItems(a.items.length + b.items.length);
      return a.kind === 'tuple' ? pyTuple([...a.items, ...b.items]) : pyList([...a.items, ...b.items]);
    }
  }
  if (op === '*') {
    const seqKinds = ['str', 'bytes', 'tuple', 'list'];
    if (seqKinds.includes(a.kind) || seqKinds.includes(b.kind)) {
      const [seq, times] = seqKinds.includes(a.kind) ? [a, b] : [b, a];
      if (!isIntLike(times)) {
        throw pyError('TypeError', `can't multiply sequence by non-int of type '${typeName(times)}'`);
      }
      return repeat(seq, numberOf(times)!);
    }
  }
  if (op === '%' && a.kind === 'str') return pyStr(percentFormat(a.value, b));
  if (op === '%' && a.kind === 'bytes') {
    const text = percentFormat(bytesToBinary(a.value), b, true);
    return pyBytes(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));
  }
  throw unsupported(op, a, b);
}

export function unaryOp(op: '-' | '+' | '~' | 'not', v: PyValue, truth: boolean): PyValue {
  if (op === 'not') return pyBool(!truth);
  const n = numberOf(v);
  if (n === null || (op === '~' && v.kind === 'float')) {
    throw pyError('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`);
  }
  if (op === '~') return pyInt(-n - 1);
  const r = op === '-' ? -n : n;
  return v.kind === 'float' ? pyFloat(r) : pyInt(r);
}

function ordering(a: PyValue, b: PyValue): number | null {
  if (isNumber(a) && isNumber(b)) {
    const x = numberOf(a)!;
    const y = numberOf(b)!;
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
  }
  if (a.kind === 'str' && b.kind === 'str') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.kind === 'bytes' && b.kind === 'bytes') {
    for (let i = 0; i < Math.min(a.value.length, b.value.length); i++) {
      if (a.value[i] !== b.value[i]) return a.value[i]! - b.value[i]!;
    }
    return a.value.length - b.value.length;
  }
  if ((a.kind === 'tuple' && b.kind === 'tuple') || (a.kind === 'list' && b.kind === 'list')) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      if (!pyEquals(a.items[i]!, b.items[i]!)) return ordering(a.items[i]!, b.items[i]!);
    }
    return a.items.length - b.items.length;
  }
  return null;
}

export function compare(op: CompareOperator, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case 'is':
      return identical(a, b);
    case 'is not':
      return !identical(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
  }
  const o = ordering(a, b);
  if (o === null) {
    throw pyError(
      'TypeError',
      `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
    );
  }
  if (Number.isNaN(o)) return false;
  switch (op) {
    case '<':
      return o < 0;
    case '<=':
      return o <= 0;
    case '>':
      return o > 0;
    default:
      return o >= 0;
  }
}

/** `is`: the same object. Small ints and short strs are shared in CPython; values stand in for that. */
function identical(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  if (a.kind === 'int' && b.kind === 'int') return a.value === b.value;
  if (a.kind === 'str' && b.kind === 'str') return a.value === b.value;
  return false;
}

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

export function contains(container: PyValue, item: PyValue): boolean {
  switch (container.kind) {
    case 'str':
      if (item.kind !== 'str') {
        throw pyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`);
      }
      return container.value.includes(item.value);
    case 'bytes': {
      if (item.kind === 'bytes') return indexOfBytes(container.value, item.value) >= 0;
      if (isIntLike(item)) {
        const n = numberOf(item)!;
        if (n < 0 || n > 255) throw pyError('ValueError', 'byte must be in range(0, 256)');
        return container.value.includes(n);
      }
      throw pyError('TypeError', `a bytes-like object is required, not '${typeName(item)}'`);
    }
    case 'tuple':
    case 'list':
    case 'iterator':
      return container.items.some((x) => pyEquals(x, item));
    case 'dict':
      return container.map.has(keyOf(item));
    case 'range': {
      const n = numberOf(item);
      if (n === null || !Number.isInteger(n)) return false;
      const { start, stop, step } = container;
      const inside = step > 0 ? n >= start && n < stop : n <= start && n > stop;
      return inside && (n - start) % step === 0;
    }
    default:
      throw pyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
  }
}

// ---------------------------------------------------------------------------------------------
// Indexing and slicing

export interface SliceArgs {
  lower: PyValue;
  upper: PyValue;
  step: PyValue;
}

function sliceInt(v: PyValue): number | null {
  if (v.kind === 'none') return null;
  if (!isIntLike(v)) {
    throw pyError('TypeError', 'slice indices must be integers or None or have an __index__ method');
  }
  return numberOf(v)!;
}

/** The indices a slice selects from a sequence of `len` items (CPython's PySlice_AdjustIndices). */
export function sliceIndices(len: number, s: SliceArgs): number[] {
  const step = sliceInt(s.step) ?? 1;
  if (step === 0) throw pyError('ValueError', 'slice step cannot be zero');
  const adjust = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    let i = v < 0 ? v + len : v;
    if (i < 0) i = step < 0 ? -1 : 0;
    else if (i >= len) i = step < 0 ? len - 1 : len;
    return i;
  };
  const start = adjust(sliceInt(s.lower), step < 0 ? len - 1 : 0);
  const stop = adjust(sliceInt(s.upper), step < 0 ? -1 : len);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

const SEQ_NAME: Record<string, string> = { str: 'string', bytes: 'byte', tuple: 'tuple', list: 'list' };

function index(
  container: PyValue & { kind: 'str' | 'bytes' | 'tuple' | 'list' },
  key: PyValue,
  len: number,
): number {
  if (!isIntLike(key)) {
    if (container.kind === 'str')
      throw pyError('TypeError', `string indices must be integers, not '${typeName(key)}'`);
    throw pyError(
      'TypeError',
      `${SEQ_NAME[container.kind]} indices must be integers or slices, not ${typeName(key)}`,
    );
  }
  const n = numberOf(key)!;
  const i = n < 0 ? n + len : n;
  if (i < 0 || i >= len) {
    const what = container.kind === 'bytes' ? 'index' : `${SEQ_NAME[container.kind]} index`;
    throw pyError('IndexError', `${what} out of range`);
  }
  return i;
}

export function getItem(c: PyValue, key: PyValue | SliceArgs): PyValue {
  const slice = 'lower' in key ? key : null;
  switch (c.kind) {
    case 'str': {
      const chars = codePoints(c.value);
      if (slice)
        return pyStr(
          sliceIndices(chars.length, slice)
            .map((i) => chars[i])
            .join(''),
        );
      return pyStr(chars[index(c, key as PyValue, chars.length)]!);
    }
    case 'bytes':
      if (slice) return pyBytes(Uint8Array.from(sliceIndices(c.value.length, slice), (i) => c.value[i]!));
      return pyInt(c.value[index(c, key as PyValue, c.value.length)]!);
    case 'tuple':
    case 'list': {
      if (slice) {
        const items = sliceIndices(c.items.length, slice).map((i) => c.items[i]!);
        return c.kind === 'tuple' ? pyTuple(items) : pyList(items);
      }
      return c.items[index(c, key as PyValue, c.items.length)]!;
    }
    case 'range': {
      const len = rangeLength(c);
      if (slice) return pyList(sliceIndices(len, slice).map((i) => pyInt(c.start + i * c.step)));
      const k = key as PyValue;
      if (!isIntLike(k))
        throw pyError('TypeError', `range indices must be integers or slices, not ${typeName(k)}`);
      const n = numberOf(k)!;
      const i = n < 0 ? n + len : n;
      if (i < 0 || i >= len) throw pyError('IndexError', 'range object index out of range');
      return pyInt(c.start + i * c.step);
    }
    case 'dict': {
      if (slice) throw pyError('TypeError', "unhashable type: 'slice'");
      const e = c.map.get(keyOf(key as PyValue));
      if (!e) throw keyError(key as PyValue);
      return e.value;
    }
    default:
      throw pyError('TypeError', `'${typeName(c)}' object is not subscriptable`);
  }
}

/** KeyError carries the key itself, so it prints as KeyError: 'x'. */
export const keyError = (key: PyValue): PyException => new PyException(makeExc(excType('KeyError'), [key]));

export function setItem(c: PyValue, key: PyValue | SliceArgs, value: PyValue): void {
  if (c.kind === 'list') {
    if ('lower' in key) {
      const indices = sliceIndices(c.items.length, key);
      const items = toArray(value);
      const step = key.step.kind === 'none' ? 1 : numberOf(key.step)!;
      if (step === 1) {
        const start = indices[0] ?? Math.min(c.items.length, Math.max(0, sliceStart(c.items.length, key)));
        c.items.splice(start, indices.length, ...items);
        return;
      }
      if (items.length !== indices.length) {
        throw pyError(
          'ValueError',
          `attempt to assign sequence of size ${items.length} to extended slice of size ${indices.length}`,
        );
      }
      indices.forEach((i, k) => {
        c.items[i] = items[k]!;
      });
      return;
    }
    if (!isIntLike(key))
      throw pyError('TypeError', `list indices must be integers or slices, not ${typeName(key)}`);
    const n = numberOf(key)!;
    const i = n < 0 ? n + c.items.length : n;
    if (i < 0 || i >= c.items.length) throw pyError('IndexError', 'list assignment index out of range');
    c.items[i] = value;
    return;
  }
  if (c.kind === 'dict') {
    if ('lower' in key) throw pyError('TypeError', "unhashable type: 'slice'");
    dictSet(c, keyOf(key), key, value);
    return;
  }
  throw pyError('TypeError', `'${typeName(c)}' object does not support item assignment`);
}

function sliceStart(len: number, s: SliceArgs): number {
  const v = sliceInt(s.lower);
  if (v === null) return 0;
  return v < 0 ? v + len : v;
}

export function delItem(c: PyValue, key: PyValue | SliceArgs): void {
  if (c.kind === 'list') {
    if ('lower' in key) {
      const drop = new Set(sliceIndices(c.items.length, key));
      c.items = c.items.filter((_, i) => !drop.has(i));
      return;
    }
    if (!isIntLike(key))
      throw pyError('TypeError', `list indices must be integers or slices, not ${typeName(key)}`);
    const n = numberOf(key)!;
    const i = n < 0 ? n + c.items.length : n;
    if (i < 0 || i >= c.items.length) throw pyError('IndexError', 'list assignment index out of range');
    c.items.splice(i, 1);
    return;
  }
  if (c.kind === 'dict') {
    if ('lower' in key) throw pyError('TypeError', "unhashable type: 'slice'");
    if (!c.map.delete(keyOf(key))) throw keyError(key);
    return;
  }
  throw pyError('TypeError', `'${typeName(c)}' object doesn't support item deletion`);
}

// ---------------------------------------------------------------------------------------------
// Iteration

/** Python's iter(): lazily for range and lists (a loop sees items appended while it runs). */
export function* iterate(v: PyValue): Generator<PyValue, void, undefined> {
  switch (v.kind) {
    case 'str':
      for (const ch of v.value) yield pyStr(ch);
      return;
    case 'bytes':
      for (const b of v.value) yield pyInt(b);
      return;
    case 'tuple':
    case 'iterator':
      yield* v.items;
      return;
    case 'list':
      for (let i = 0; i < v.items.length; i++) yield v.items[i]!;
      return;
    case 'dict':
      for (const e of [...v.map.values()]) yield e.key;
      return;
    case 'range': {
      const n = rangeLength(v);
      for (let i = 0; i < n; i++) yield pyInt(v.start + i * v.step);
      return;
    }
    default:
      throw pyError('TypeError', `'${typeName(v)}' object is not iterable`);
  }
}

/** All items of an iterable, refusing absurd sizes. */
export function toArray(v: PyValue): PyValue[] {
  if (v.kind === 'range') checkItems(rangeLength(v));
  const out: PyValue[] = [];
  for (const x of iterate(v)) {
    out.push(x);
    if (out.length > MAX_ITEMS) checkItems(out.length);
  }
  return out;
}
