// Python's built-in functions and types the prompt offers (print, len, repr, str, int, bytes, range,
// help...), the exception classes, and the small `time` module. Each follows CPython's behaviour and
// messages for the cases a student meets; nothing here reaches the gateway.

import { bind, noKeywords, P, toInt } from './args.js';
import { decode, encode } from './codecs.js';
import { EXC, isExceptionType, pyError } from './errors.js';
import { asciiRepr, formatValue } from './format.js';
import { HELP_TEXT, SELECT_DOC, SOCKET_FUNCTION_DOCS } from './help.js';
import { bytesFromHex, pairs, sortValues } from './methods.js';
import { binaryOp, checkItems, checkLength, iterate, toArray } from './operators.js';
import { repr, str } from './repr.js';
import { SELECT_MODULE } from './select-module.js';
import { SOCKET_MODULE, SOCKET_TYPE, socketMethodDoc } from './socket-module.js';
import {
  type BuiltinImpl,
  builtin,
  bytesToBinary,
  type Ctx,
  codePoints,
  dictSet,
  FALSE,
  isSubtype,
  type Kwargs,
  NONE,
  numberOf,
  type PyModule,
  type PyType,
  type PyValue,
  pyBool,
  pyBytes,
  pyDict,
  pyFloat,
  pyInt,
  pyIter,
  pyList,
  pyStr,
  pyTuple,
  pyType,
  rangeLength,
  strLen,
  truthy,
  typeName,
} from './values.js';

// ---------------------------------------------------------------------------------------------
// Conversions

function parseIntText(text: string, base: number): number | null {
  let t = text.trim().toLowerCase();
  let sign = 1;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  let b = base;
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const p = t.slice(0, 2);
  if (Object.hasOwn(prefixes, p) && (b === 0 || b === prefixes[p])) {
    b = prefixes[p]!;
    t = t.slice(2).replace(/^_/, '');
  } else if (b === 0) {
    if (/^0+[1-9]/.test(t)) return null;
    b = 10;
  }
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  if (t === '' || t.startsWith('_') || t.endsWith('_') || t.includes('__')) return null;
  const clean = t.replace(/_/g, '');
  for (const c of clean) if (!digits.includes(c)) return null;
  let n = 0;
  for (const c of clean) n = n * b + digits.indexOf(c);
  return sign * n;
}

function toIntValue(v: PyValue, base: PyValue | null): PyValue {
  if (base !== null) {
    const b = toInt(base);
    if (b !== 0 && (b < 2 || b > 36)) throw pyError('ValueError', 'int() base must be >= 2 and <= 36, or 0');
    if (v.kind !== 'str' && v.kind !== 'bytes')
      throw pyError('TypeError', "int() can't convert non-string with explicit base");
  }
  switch (v.kind) {
    case 'int':
      return pyInt(v.value);
    case 'bool':
      return pyInt(v.value ? 1 : 0);
    case 'float':
      if (!Number.isFinite(v.value)) {
        throw pyError(
          Number.isNaN(v.value) ? 'ValueError' : 'OverflowError',
          `cannot convert float ${repr(v)} to integer`,
        );
      }
      return pyInt(Math.trunc(v.value));
    case 'str':
    case 'bytes': {
      const text = v.kind === 'str' ? v.value : bytesToBinary(v.value);
      const b = base === null ? 10 : toInt(base);
      const n = parseIntText(text, b);
      if (n === null) throw pyError('ValueError', `invalid literal for int() with base ${b}: ${repr(v)}`);
      return pyInt(n);
    }
    default:
      throw pyError(
        'TypeError',
        `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`,
      );
  }
}

function toFloatValue(v: PyValue): PyValue {
  const n = numberOf(v);
  if (n !== null) return pyFloat(n);
  if (v.kind === 'str' || v.kind === 'bytes') {
    const text = (v.kind === 'str' ? v.value : bytesToBinary(v.value)).trim();
    const lower = text.toLowerCase();
    const special: Record<string, number> = {
      inf: Number.POSITIVE_INFINITY,
      infinity: Number.POSITIVE_INFINITY,
      nan: Number.NaN,
    };
    const unsigned = lower.replace(/^[+-]/, '');
    if (Object.hasOwn(special, unsigned))
      return pyFloat(lower.startsWith('-') ? -special[unsigned]! : special[unsigned]!);
    if (/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/.test(text)) {
      return pyFloat(Number(text.replace(/_/g, '')));
    }
    throw pyError('ValueError', `could not convert string to float: ${repr(v)}`);
  }
  throw pyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

function toBytesValue(v: PyValue, encoding: PyValue, errors: PyValue): Uint8Array {
  if (v.kind === 'str') {
    if (encoding.kind === 'none') throw pyError('TypeError', 'string argument without an encoding');
    return encode(v.value, str(encoding), errors.kind === 'none' ? 'strict' : str(errors));
  }
  if (encoding.kind !== 'none') throw pyError('TypeError', 'encoding without a string argument');
  if (v.kind === 'bytes') return v.value;
  if (v.kind === 'int' || v.kind === 'bool') {
    const n = numberOf(v)!;
    if (n < 0) throw pyError('ValueError', 'negative count');
    checkLength(n);
    return new Uint8Array(n);
  }
  if (v.kind === 'none' || v.kind === 'float') {
    throw pyError('TypeError', `cannot convert '${typeName(v)}' object to bytes`);
  }
  return Uint8Array.from(toArray(v), (x) => {
    const n = toInt(x);
    if (n < 0 || n > 255) throw pyError('ValueError', 'bytes must be in range(0, 256)');
    return n;
  });
}

function lengthOf(v: PyValue): number {
  switch (v.kind) {
    case 'str':
      return strLen(v.value);
    case 'bytes':
      return v.value.length;
    case 'tuple':
    case 'list':
      return v.items.length;
    case 'dict':
      return v.map.size;
    case 'range':
      return rangeLength(v);
    case 'iterator':
      if (v.view) return v.items.length;
      break;
  }
  throw pyError('TypeError', `object of type '${typeName(v)}' has no len()`);
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function minMax(name: 'min' | 'max', ctx: Ctx, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
  const key = kwargs.get('key') ?? NONE;
  const dflt = kwargs.get('default');
  for (const k of kwargs.keys()) {
    if (k !== 'key' && k !== 'default')
      throw pyError('TypeError', `${name}() got an unexpected keyword argument '${k}'`);
  }
  if (args.length === 0) throw pyError('TypeError', `${name} expected at least 1 argument, got 0`);
  const items = args.length === 1 ? toArray(args[0]!) : args;
  if (items.length === 0) {
    if (dflt) return Promise.resolve(dflt);
    throw pyError('ValueError', `${name}() arg is an empty sequence`);
  }
  return sortValues(ctx, [...items], key, name === 'max').then((sorted) => sorted[0]!);
}

// ---------------------------------------------------------------------------------------------
// Types

const typeWith = (name: string, base: PyType | null, construct: BuiltinImpl | null) =>
  pyType(name, base, construct);

export const OBJECT_TYPE = typeWith('object', null, null);
const INT_TYPE = typeWith('int', OBJECT_TYPE, (_ctx, args, kwargs) => {
  const [x, base] = bind('int', [P('x', pyInt(0)), P('base', NONE)], args, kwargs);
  return toIntValue(x!, base!.kind === 'none' ? null : base!);
});

export const TYPES = {
  object: OBJECT_TYPE,
  int: INT_TYPE,
  bool: typeWith('bool', INT_TYPE, (_ctx, args, kwargs) => {
    const [x] = bind('bool', [P('x', FALSE)], args, kwargs);
    return pyBool(truthy(x!));
  }),
  float: typeWith('float', OBJECT_TYPE, (_ctx, args, kwargs) => {
    const [x] = bind('float', [P('x', pyFloat(0))], args, kwargs);
    return toFloatValue(x!);
  }),
  str: typeWith('str', OBJECT_TYPE, (_ctx, args, kwargs) => {
    const [x, enc, err] = bind(
      'str',
      [P('object', pyStr('')), P('encoding', NONE), P('errors', NONE)],
      args,
      kwargs,
    );
    if (enc!.kind === 'none' && err!.kind === 'none') return pyStr(str(x!));
    if (x!.kind !== 'bytes')
      throw pyError('TypeError', `decoding to str: need a bytes-like object, ${typeName(x!)} found`);
    return pyStr(
      decode(
        x!.value,
        enc!.kind === 'none' ? 'utf-8' : str(enc!),
        err!.kind === 'none' ? 'strict' : str(err!),
      ),
    );
  }),
  bytes: typeWith('bytes', OBJECT_TYPE, (_ctx, args, kwargs) => {
    const [x, enc, err] = bind(
      'bytes',
      [P('source', pyBytes(new Uint8Array())), P('encoding', NONE), P('errors', NONE)],
      args,
      kwargs,
    );
    return pyBytes(toBytesValue(x!, enc!, err!));
  }),
  tuple: typeWith('tuple', OBJECT_TYPE, (_ctx, args, kwargs) => {
    const [x] = bind('tuple', [P('iterable', pyTuple([]))], args, kwargs);
    return pyTuple(toArray(x!));
  }),
  list: typeWith('list', OBJECT_TYPE, (_ctx, args, kwargs) => {
    const [x] = bind('list', [P('iterable', pyTuple([]))], args, kwargs);
    return pyList(toArray(x!));
  }),
  dict: typeWith('dict', OBJECT_TYPE, (_ctx, args, kwargs) => {
    if (args.length > 1) throw pyError('TypeError', `dict expected at most 1 argument, got ${args.length}`);
    const d =
      args[0]?.kind === 'dict'
        ? pyDict([...args[0].map.values()].map((e) => [e.key, e.value]))
        : pyDict(args[0] ? pairs(args[0]) : []);
    for (const [k, v] of kwargs) dictSet(d, `s:${k}`, pyStr(k), v);
    return d;
  }),
  range: typeWith('range', OBJECT_TYPE, (_ctx, args, kwargs) => {
    noKeywords('range', kwargs);
    if (args.length === 0 || args.length > 3) {
      throw pyError(
        'TypeError',
        `range expected at ${args.length === 0 ? 'least 1' : 'most 3'} argument${args.length === 0 ? '' : 's'}, got ${args.length}`,
      );
    }
    const n = args.map(toInt);
    const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
    if (step === 0) throw pyError('ValueError', 'range() arg 3 must not be zero');
    return { kind: 'range', start, stop, step };
  }),
  NoneType: typeWith('NoneType', OBJECT_TYPE, null),
  function: typeWith('function', OBJECT_TYPE, null),
  builtin_function_or_method: typeWith('builtin_function_or_method', OBJECT_TYPE, null),
  module: typeWith('module', OBJECT_TYPE, null),
  type: typeWith('type', OBJECT_TYPE, (_ctx, args, kwargs) => {
    noKeywords('type', kwargs);
    if (args.length !== 1) throw pyError('TypeError', 'type() takes 1 argument here');
    return typeOf(args[0]!);
  }),
};
TYPES.bytes.attrs.set(
  'fromhex',
  builtin('fromhex', (_ctx, args, kwargs) => {
    const [s] = bind('fromhex', [P('string')], args, kwargs);
    if (s!.kind !== 'str') throw pyError('TypeError', `fromhex() argument must be str, not ${typeName(s!)}`);
    return pyBytes(bytesFromHex(s!.value));
  }),
);

const iteratorTypes = new Map<string, PyType>();

/** type(x). */
export function typeOf(v: PyValue): PyType {
  switch (v.kind) {
    case 'none':
      return TYPES.NoneType;
    case 'exception':
      return v.type;
    case 'socket':
      return SOCKET_TYPE;
    case 'iterator': {
      const known = iteratorTypes.get(v.name);
      if (known) return known;
      const t = typeWith(v.name, OBJECT_TYPE, null);
      iteratorTypes.set(v.name, t);
      return t;
    }
    case 'builtin':
      return TYPES.builtin_function_or_method;
    default:
      return TYPES[v.kind];
  }
}

/** isinstance's and issubclass's second argument: a type, or a tuple of them, any of which matches. */
function isSubclass(cls: PyType, of: PyValue, badSecond: string): boolean {
  if (of.kind === 'tuple') return of.items.some((c) => isSubclass(cls, c, badSecond));
  if (of.kind !== 'type') throw pyError('TypeError', badSecond);
  return of === OBJECT_TYPE || isSubtype(cls, of);
}

const isInstance = (v: PyValue, cls: PyValue): boolean =>
  isSubclass(typeOf(v), cls, 'isinstance() arg 2 must be a type, a tuple of types, or a union');

// ---------------------------------------------------------------------------------------------
// Functions

function print(ctx: Ctx, args: PyValue[], kwargs: Kwargs): PyValue {
  let sep = ' ';
  let end = '\n';
  for (const [k, v] of kwargs) {
    if (k === 'sep' || k === 'end') {
      if (v.kind !== 'none' && v.kind !== 'str')
        throw pyError('TypeError', `${k} must be None or a string, not ${typeName(v)}`);
      if (v.kind === 'str') {
        if (k === 'sep') sep = v.value;
        else end = v.value;
      }
    } else if (k !== 'flush' && k !== 'file') {
      throw pyError('TypeError', `'${k}' is an invalid keyword argument for print()`);
    }
  }
  ctx.write(args.map(str).join(sep) + end);
  return NONE;
}

function help(ctx: Ctx, args: PyValue[], kwargs: Kwargs): PyValue {
  const [obj] = bind('help', [P('request', NONE)], args, kwargs);
  const o = obj!;
  const moduleDoc = (name: string) =>
    Object.hasOwn(SOCKET_FUNCTION_DOCS, name) && SOCKET_MODULE.attrs.get(name) === o
      ? SOCKET_FUNCTION_DOCS[name]!
      : null;
  if (o.kind === 'builtin' && o.self?.kind === 'socket') {
    ctx.say(`${socketMethodDoc(o.name) ?? o.name}\n`);
  } else if ((o.kind === 'builtin' || o.kind === 'type') && moduleDoc(o.name)) {
    ctx.say(`${moduleDoc(o.name)}\n`);
  } else if (o === SELECT_MODULE.attrs.get('select')) {
    ctx.say(`${SELECT_DOC}\n`);
  } else if (o.kind === 'none') {
    ctx.say(`${HELP_TEXT.join('\n')}\n`);
  } else {
    ctx.write(`${repr(o)}\n`);
    ctx.say('Type help() for what this prompt offers.\n');
  }
  return NONE;
}

/** input([prompt]): the line typed into this program's terminal, without its newline. */
async function input(ctx: Ctx, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
  noKeywords('input', kwargs);
  if (args.length > 1) throw pyError('TypeError', `input expected at most 1 argument, got ${args.length}`);
  return pyStr(await ctx.readLine(args.length === 1 ? str(args[0]!) : ''));
}

const FUNCTIONS: Record<string, BuiltinImpl> = {
  print,
  help,
  input,
  len: (_ctx, args, kwargs) => {
    noKeywords('len', kwargs);
    if (args.length !== 1)
      throw pyError('TypeError', `len() takes exactly one argument (${args.length} given)`);
    return pyInt(lengthOf(args[0]!));
  },
  repr: (_ctx, args, kwargs) => pyStr(repr(bind('repr', [P('obj')], args, kwargs)[0]!)),
  ascii: (_ctx, args, kwargs) => pyStr(asciiRepr(bind('ascii', [P('obj')], args, kwargs)[0]!)),
  format: (_ctx, args, kwargs) => {
    const [v, spec] = bind('format', [P('value'), P('format_spec', pyStr(''))], args, kwargs);
    return pyStr(formatValue(v!, str(spec!)));
  },
  isinstance: (_ctx, args, kwargs) => {
    noKeywords('isinstance', kwargs);
    if (args.length !== 2) throw pyError('TypeError', `isinstance expected 2 arguments, got ${args.length}`);
    return pyBool(isInstance(args[0]!, args[1]!));
  },
  issubclass: (_ctx, args, kwargs) => {
    noKeywords('issubclass', kwargs);
    if (args.length !== 2) throw pyError('TypeError', `issubclass expected 2 arguments, got ${args.length}`);
    const cls = args[0]!;
    if (cls.kind !== 'type') throw pyError('TypeError', 'issubclass() arg 1 must be a class');
    return pyBool(
      isSubclass(cls, args[1]!, 'issubclass() arg 2 must be a class, a tuple of classes, or a union'),
    );
  },
  hex: (_ctx, args, kwargs) => {
    const n = toInt(bind('hex', [P('number')], args, kwargs)[0]!);
    return pyStr(`${n < 0 ? '-' : ''}0x${Math.abs(n).toString(16)}`);
  },
  oct: (_ctx, args, kwargs) => {
    const n = toInt(bind('oct', [P('number')], args, kwargs)[0]!);
    return pyStr(`${n < 0 ? '-' : ''}0o${Math.abs(n).toString(8)}`);
  },
  bin: (_ctx, args, kwargs) => {
    const n = toInt(bind('bin', [P('number')], args, kwargs)[0]!);
    return pyStr(`${n < 0 ? '-' : ''}0b${Math.abs(n).toString(2)}`);
  },
  ord: (_ctx, args, kwargs) => {
    const [c] = bind('ord', [P('c')], args, kwargs);
    if (c!.kind === 'str') {
      const cps = codePoints(c!.value);
      if (cps.length !== 1) {
        throw pyError('TypeError', `ord() expected a character, but string of length ${cps.length} found`);
      }
      return pyInt(cps[0]!.codePointAt(0)!);
    }
    if (c!.kind === 'bytes') {
      if (c!.value.length !== 1) {
        throw pyError(
          'TypeError',
          `ord() expected a character, but string of length ${c!.value.length} found`,
        );
      }
      return pyInt(c!.value[0]!);
    }
    throw pyError('TypeError', `ord() expected string of length 1, but ${typeName(c!)} found`);
  },
  chr: (_ctx, args, kwargs) => {
    const n = toInt(bind('chr', [P('i')], args, kwargs)[0]!);
    if (n < 0 || n > 0x10ffff) throw pyError('ValueError', 'chr() arg not in range(0x110000)');
    return pyStr(String.fromCodePoint(n));
  },
  abs: (_ctx, args, kwargs) => {
    const [x] = bind('abs', [P('x')], args, kwargs);
    const n = numberOf(x!);
    if (n === null) throw pyError('TypeError', `bad operand type for abs(): '${typeName(x!)}'`);
    return x!.kind === 'float' ? pyFloat(Math.abs(n)) : pyInt(Math.abs(n));
  },
  round: (_ctx, args, kwargs) => {
    const [x, nd] = bind('round', [P('number'), P('ndigits', NONE)], args, kwargs);
    const n = numberOf(x!);
    if (n === null) throw pyError('TypeError', `type ${typeName(x!)} doesn't define __round__ method`);
    if (nd!.kind === 'none') return pyInt(roundHalfEven(n));
    const d = toInt(nd!);
    const r = Number(n.toFixed(Math.max(0, Math.min(100, d))));
    return x!.kind === 'float' ? pyFloat(r) : pyInt(r);
  },
  min: (ctx, args, kwargs) => minMax('min', ctx, args, kwargs),
  max: (ctx, args, kwargs) => minMax('max', ctx, args, kwargs),
  sum: (_ctx, args, kwargs) => {
    const [it, start] = bind('sum', [P('iterable'), P('start', pyInt(0))], args, kwargs);
    if (start!.kind === 'str')
      throw pyError('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
    if (start!.kind === 'bytes')
      throw pyError('TypeError', "sum() can't sum bytes [use b''.join(seq) instead]");
    let total: PyValue = start!;
    for (const x of iterate(it!)) total = binaryOp('+', total, x);
    return total;
  },
  sorted: async (ctx, args, kwargs) => {
    if (args.length !== 1) throw pyError('TypeError', `sorted expected 1 argument, got ${args.length}`);
    const [key, rev] = bind('sorted', [P('key', NONE), P('reverse', FALSE)], [], kwargs);
    return pyList(await sortValues(ctx, toArray(args[0]!), key!, truthy(rev!)));
  },
  reversed: (_ctx, args, kwargs) => {
    const [seq] = bind('reversed', [P('sequence')], args, kwargs);
    if (seq!.kind === 'dict' || seq!.kind === 'iterator') {
      throw pyError('TypeError', `'${typeName(seq!)}' object is not reversible`);
    }
    return pyIter(seq!.kind === 'list' ? 'list_reverseiterator' : 'reversed', toArray(seq!).reverse());
  },
  enumerate: (_ctx, args, kwargs) => {
    const [it, start] = bind('enumerate', [P('iterable'), P('start', pyInt(0))], args, kwargs);
    const s = toInt(start!);
    return pyIter(
      'enumerate',
      toArray(it!).map((x, i) => pyTuple([pyInt(s + i), x])),
    );
  },
  zip: (_ctx, args, kwargs) => {
    noKeywords('zip', kwargs);
    const lists = args.map(toArray);
    const n = lists.length === 0 ? 0 : Math.min(...lists.map((l) => l.length));
    checkItems(n);
    return pyIter(
      'zip',
      Array.from({ length: n }, (_, i) => pyTuple(lists.map((l) => l[i]!))),
    );
  },
  divmod: (_ctx, args, kwargs) => {
    noKeywords('divmod', kwargs);
    if (args.length !== 2) throw pyError('TypeError', `divmod expected 2 arguments, got ${args.length}`);
    return pyTuple([binaryOp('//', args[0]!, args[1]!), binaryOp('%', args[0]!, args[1]!)]);
  },
  map: async (ctx, args, kwargs) => {
    noKeywords('map', kwargs);
    if (args.length < 2) throw pyError('TypeError', 'map() must have at least two arguments.');
    const lists = args.slice(1).map(toArray);
    const n = Math.min(...lists.map((l) => l.length));
    const out: PyValue[] = [];
    for (let i = 0; i < n; i++)
      out.push(
        await ctx.invoke(
          args[0]!,
          lists.map((l) => l[i]!),
          new Map(),
        ),
      );
    return pyIter('map', out);
  },
  filter: async (ctx, args, kwargs) => {
    noKeywords('filter', kwargs);
    if (args.length !== 2) throw pyError('TypeError', `filter expected 2 arguments, got ${args.length}`);
    const out: PyValue[] = [];
    for (const x of toArray(args[1]!)) {
      const keep = args[0]!.kind === 'none' ? x : await ctx.invoke(args[0]!, [x], new Map());
      if (truthy(keep)) out.push(x);
    }
    return pyIter('filter', out);
  },
  any: (_ctx, args, kwargs) => pyBool(toArray(bind('any', [P('iterable')], args, kwargs)[0]!).some(truthy)),
  all: (_ctx, args, kwargs) => pyBool(toArray(bind('all', [P('iterable')], args, kwargs)[0]!).every(truthy)),
};

/** The `time` module: sleep() waits locally (and Ctrl-C ends it); time() is the page's clock. */
export const TIME_MODULE: PyModule = {
  kind: 'module',
  name: 'time',
  attrs: new Map<string, PyValue>([
    [
      'sleep',
      builtin('sleep', async (ctx, args, kwargs) => {
        noKeywords('sleep', kwargs);
        if (args.length !== 1)
          throw pyError('TypeError', `time.sleep() takes exactly one argument (${args.length} given)`);
        const n = numberOf(args[0]!);
        if (n === null)
          throw pyError('TypeError', `'${typeName(args[0]!)}' object cannot be interpreted as an integer`);
        if (n < 0) throw pyError('ValueError', 'sleep length must be non-negative');
        await ctx.sleep(n);
        return NONE;
      }),
    ],
    [
      'time',
      builtin('time', (_ctx, args, kwargs) => {
        bind('time', [], args, kwargs);
        return pyFloat(Date.now() / 1000);
      }),
    ],
  ]),
};

/** Every built-in name: functions, types and exception classes (not socket.gaierror/herror). */
export function createBuiltins(): Map<string, PyValue> {
  const m = new Map<string, PyValue>();
  for (const [name, impl] of Object.entries(FUNCTIONS)) m.set(name, builtin(name, impl));
  for (const [name, t] of Object.entries(TYPES)) {
    if (!['NoneType', 'function', 'builtin_function_or_method', 'module'].includes(name)) m.set(name, t);
  }
  for (const [name, t] of EXC) if (t.module === null && isExceptionType(t)) m.set(name, t);
  return m;
}
