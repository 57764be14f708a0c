// Python's struct module, for what socket options and binary protocols are made of: pack, unpack and
// calcsize, with the byte orders @ = < > ! and the codes x b B ? h H i I l L q Q s. Native (@) sizes
// and alignment are those of x86-64 Linux, where the gateway's kernel runs (l and L are 8 bytes).

import { bind, noKeywords, P } from './args.js';
import { EXC, makeExc, PyException, pyError } from './errors.js';
import {
  builtin,
  type PyModule,
  type PyValue,
  pyBool,
  pyBytes,
  pyInt,
  pyStr,
  pyTuple,
  pyType,
  truthy,
  typeName,
} from './values.js';

const STRUCT_ERROR = pyType('error', EXC.get('Exception')!, null, 'struct');

const structError = (message: string) => new PyException(makeExc(STRUCT_ERROR, [pyStr(message)]));

/** Standard sizes; native differs only for l and L. */
const SIZE: Record<string, number> = {
  x: 1,
  b: 1,
  B: 1,
  '?': 1,
  h: 2,
  H: 2,
  i: 4,
  I: 4,
  l: 4,
  L: 4,
  q: 8,
  Q: 8,
  s: 1,
};
const SIGNED = new Set(['b', 'h', 'i', 'l', 'q']);

interface Field {
  code: string;
  at: number;
  size: number;
  /** For s, the length of the bytes; otherwise 1 (a count of n makes n fields). */
  length: number;
}

interface Layout {
  native: boolean;
  little: boolean;
  size: number;
  fields: Field[];
}

function layout(format: string): Layout {
  let rest = format;
  let mode = '@';
  if (rest.length > 0 && '@=<>!'.includes(rest[0]!)) {
    mode = rest[0]!;
    rest = rest.slice(1);
  }
  const native = mode === '@';
  const little = mode === '@' || mode === '=' || mode === '<';
  const fields: Field[] = [];
  let at = 0;
  const re = /\s*(\d*)([^\s\d])\s*/y;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const code = m[2]!;
    if (!(code in SIZE)) throw structError('bad char in struct format');
    const count = m[1] === '' ? 1 : Number(m[1]);
    const size = native && (code === 'l' || code === 'L') ? 8 : SIZE[code]!;
    // Native mode aligns each number to its own size, as a C struct does.
    if (native && code !== 's' && code !== 'x') at = Math.ceil(at / size) * size;
    if (code === 's') {
      fields.push({ code, at, size: count, length: count });
      at += count;
    } else if (code === 'x') at += count;
    else
      for (let i = 0; i < count; i++) {
        fields.push({ code, at, size, length: 1 });
        at += size;
      }
    if (re.lastIndex === rest.length) break;
  }
  if (rest.trim() !== '' && re.lastIndex !== rest.length) throw structError('bad char in struct format');
  return { native, little, size: at, fields };
}

function range(code: string, size: number): [number, number] {
  const bits = size * 8;
  return SIGNED.has(code) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** CPython's words for a number that does not fit, which differ by code and byte order. */
function outOfRange(f: Field, native: boolean, n: number, lo: number, hi: number): string {
  const needs = `format requires ${lo} <= number <= ${hi}`;
  if (f.code === 'b') return `byte ${needs}`;
  if (f.code === 'B') return `ubyte ${needs}`;
  if (native && f.code === 'h') return `short ${needs}`;
  if (native && f.code === 'H') return `ushort ${needs}`;
  if (f.size === 8) return native ? 'argument out of range' : 'int too large to convert';
  if (!SIGNED.has(f.code) && n < 0) return 'argument out of range';
  return `'${f.code}' ${needs}`;
}

function pack(format: string, values: readonly PyValue[]): Uint8Array {
  const l = layout(format);
  if (values.length !== l.fields.length)
    throw structError(`pack expected ${l.fields.length} items for packing (got ${values.length})`);
  const out = new Uint8Array(l.size);
  const view = new DataView(out.buffer);
  l.fields.forEach((f, k) => {
    const v = values[k]!;
    if (f.code === 's') {
      if (v.kind !== 'bytes') throw structError("argument for 's' must be a bytes object");
      out.set(v.value.subarray(0, f.length), f.at);
      return;
    }
    if (f.code === '?') {
      out[f.at] = truthy(v) ? 1 : 0;
      return;
    }
    if (v.kind !== 'int' && v.kind !== 'bool') throw structError('required argument is not an integer');
    const n = v.kind === 'bool' ? Number(v.value) : v.value;
    const [lo, hi] = range(f.code, f.size);
    if (n < lo || n > hi) throw structError(outOfRange(f, l.native, n, lo, hi));
    if (f.size === 8) {
      if (SIGNED.has(f.code)) view.setBigInt64(f.at, BigInt(n), l.little);
      else view.setBigUint64(f.at, BigInt(n), l.little);
    } else if (f.size === 4) {
      if (SIGNED.has(f.code)) view.setInt32(f.at, n, l.little);
      else view.setUint32(f.at, n, l.little);
    } else if (f.size === 2) {
      if (SIGNED.has(f.code)) view.setInt16(f.at, n, l.little);
      else view.setUint16(f.at, n, l.little);
    } else if (SIGNED.has(f.code)) view.setInt8(f.at, n);
    else view.setUint8(f.at, n);
  });
  return out;
}

function unpack(format: string, data: Uint8Array): PyValue[] {
  const l = layout(format);
  if (data.length !== l.size) throw structError(`unpack requires a buffer of ${l.size} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return l.fields.map((f) => {
    if (f.code === 's') return pyBytes(data.slice(f.at, f.at + f.length));
    if (f.code === '?') return pyBool(data[f.at] !== 0);
    const signed = SIGNED.has(f.code);
    switch (f.size) {
      case 8: {
        const n = signed ? view.getBigInt64(f.at, l.little) : view.getBigUint64(f.at, l.little);
        // This prompt's integers are exact up to 2**53; a larger one is refused, not rounded.
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER))
          throw pyError(
            'OverflowError',
            `${n} is larger than this playground's integers hold exactly (2**53)`,
          );
        return pyInt(Number(n));
      }
      case 4:
        return pyInt(signed ? view.getInt32(f.at, l.little) : view.getUint32(f.at, l.little));
      case 2:
        return pyInt(signed ? view.getInt16(f.at, l.little) : view.getUint16(f.at, l.little));
      default:
        return pyInt(signed ? view.getInt8(f.at) : view.getUint8(f.at));
    }
  });
}

function formatOf(v: PyValue): string {
  if (v.kind === 'str') return v.value;
  if (v.kind === 'bytes') return new TextDecoder().decode(v.value);
  throw pyError('TypeError', `Struct() argument 1 must be a str or bytes object, not ${typeName(v)}`);
}

function bytesOf(v: PyValue): Uint8Array {
  if (v.kind === 'bytes') return v.value;
  throw pyError('TypeError', `a bytes-like object is required, not '${typeName(v)}'`);
}

export const STRUCT_MODULE: PyModule = {
  kind: 'module',
  name: 'struct',
  attrs: new Map<string, PyValue>([
    [
      'pack',
      builtin('pack', (_ctx, args, kwargs) => {
        noKeywords('pack', kwargs);
        if (args.length === 0) throw pyError('TypeError', 'pack expected at least 1 argument, got 0');
        return pyBytes(pack(formatOf(args[0]!), args.slice(1)));
      }),
    ],
    [
      'unpack',
      builtin('unpack', (_ctx, args, kwargs) => {
        const [f, b] = bind('unpack', [P('format'), P('buffer')], args, kwargs);
        return pyTuple(unpack(formatOf(f!), bytesOf(b!)));
      }),
    ],
    [
      'calcsize',
      builtin('calcsize', (_ctx, args, kwargs) => {
        const [f] = bind('calcsize', [P('format')], args, kwargs);
        return pyInt(layout(formatOf(f!)).size);
      }),
    ],
    ['error', STRUCT_ERROR],
  ]),
};
