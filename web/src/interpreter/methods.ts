// Methods of the built-in value types: str (encode, upper, split, join, format...), bytes (decode,
// hex, split...), list, tuple and dict, with Python's semantics and error wording. Socket methods
// live in socket-module.ts.

import { bind, P, toBytesLike, toInt, toStr } from './args.js';
import { decode, encode } from './codecs.js';
import { keyOf, pyError } from './errors.js';
import { strFormat } from './format.js';
import { checkItems, checkLength, compare, keyError, toArray } from './operators.js';
import { repr } from './repr.js';
import {
  binaryToBytes,
  builtin,
  bytesToBinary,
  type Ctx,
  codePoints,
  dictSet,
  type Kwargs,
  NONE,
  numberOf,
  type PyBuiltin,
  type PyDict,
  type PyList,
  type PyValue,
  pyBool,
  pyBytes,
  pyDict,
  pyEquals,
  pyInt,
  pyIter,
  pyList,
  pyStr,
  pyTuple,
  strLen,
  typeName,
} from './values.js';

type Impl<T> = (self: T, args: PyValue[], kwargs: Kwargs, ctx: Ctx) => PyValue | Promise<PyValue>;

// ---------------------------------------------------------------------------------------------
// Shared text algorithms. bytes are handled as "binary strings": one char per byte (0..255).

const ASCII_WS = ' \t\n\r\x0b\x0c';
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are line breaks to Python
const STR_LINE_BREAKS = /\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/g;

/** UTF-16 offset of the n-th code point (str indices in Python count code points). */
function unitOffset(s: string, cp: number): number {
  let units = 0;
  let n = 0;
  for (const ch of s) {
    if (n === cp) return units;
    units += ch.length;
    n++;
  }
  return units;
}

interface TextKind {
  /** 'str' or 'bytes', for messages. */
  name: 'str' | 'bytes';
  whitespace: (ch: string) => boolean;
  make: (s: string) => PyValue;
  /** The argument as a binary string / str; throws Python's TypeError otherwise. */
  arg: (v: PyValue, what: string) => string;
  len: (s: string) => number;
  toUnit: (s: string, i: number) => number;
  fromUnit: (s: string, i: number) => number;
  upper: (s: string) => string;
  lower: (s: string) => string;
}

const STR: TextKind = {
  name: 'str',
  whitespace: (ch) => /\s/.test(ch) || (ch >= '\x1c' && ch <= '\x1f') || ch === '\x85',
  make: pyStr,
  arg: (v, what) => toStr(v, what),
  len: strLen,
  toUnit: unitOffset,
  fromUnit: (s, i) => strLen(s.slice(0, i)),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
};

const BYTES: TextKind = {
  name: 'bytes',
  whitespace: (ch) => ASCII_WS.includes(ch),
  make: (s) => pyBytes(binaryToBytes(s)),
  arg: (v) => bytesToBinary(toBytesLike(v)),
  len: (s) => s.length,
  toUnit: (_, i) => i,
  fromUnit: (_, i) => i,
  // Only ASCII letters change case in bytes.
  upper: (s) => s.replace(/[a-z]/g, (c) => c.toUpperCase()),
  lower: (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()),
};

function splitText(k: TextKind, s: string, sep: PyValue, maxsplit: number): PyValue {
  const parts: string[] = [];
  if (sep.kind === 'none') {
    let i = 0;
    const n = s.length;
    while (i < n) {
      while (i < n && k.whitespace(s[i]!)) i++;
      if (i >= n) break;
      if (maxsplit >= 0 && parts.length === maxsplit) {
        let rest = s.slice(i);
        while (rest.length > 0 && k.whitespace(rest[rest.length - 1]!)) rest = rest.slice(0, -1);
        parts.push(rest);
        break;
      }
      let j = i;
      while (j < n && !k.whitespace(s[j]!)) j++;
      parts.push(s.slice(i, j));
      i = j;
    }
  } else {
    const d = k.arg(sep, 'sep');
    if (d === '') throw pyError('ValueError', 'empty separator');
    let rest = s;
    while (maxsplit < 0 || parts.length < maxsplit) {
      const at = rest.indexOf(d);
      if (at < 0) break;
      parts.push(rest.slice(0, at));
      rest = rest.slice(at + d.length);
    }
    parts.push(rest);
  }
  checkItems(parts.length);
  return pyList(parts.map(k.make));
}

function stripText(k: TextKind, s: string, chars: PyValue, left: boolean, right: boolean): string {
  const set = chars.kind === 'none' ? null : k.arg(chars, 'chars');
  const strip = (ch: string) => (set === null ? k.whitespace(ch) : set.includes(ch));
  const cps = k.name === 'str' ? codePoints(s) : s.split('');
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && strip(cps[a]!)) a++;
  if (right) while (b > a && strip(cps[b - 1]!)) b--;
  return cps.slice(a, b).join('');
}

/** startswith/endswith accept one prefix or a tuple of them. */
function affixes(k: TextKind, v: PyValue, fname: string): string[] {
  if (v.kind === 'tuple') return v.items.map((x) => k.arg(x, `${fname} first arg`));
  if (k.name === 'str' && v.kind !== 'str') {
    throw pyError('TypeError', `${fname} first arg must be str or a tuple of str, not ${typeName(v)}`);
  }
  if (k.name === 'bytes' && v.kind !== 'bytes') {
    throw pyError('TypeError', `${fname} first arg must be bytes or a tuple of bytes, not ${typeName(v)}`);
  }
  return [k.arg(v, fname)];
}

/** find/index/count's optional start and end, as unit offsets. */
function window(k: TextKind, s: string, start: PyValue, end: PyValue): [number, number] {
  const len = k.len(s);
  const norm = (v: PyValue, d: number) => {
    if (v.kind === 'none') return d;
    const n = toInt(v);
    return Math.max(0, Math.min(len, n < 0 ? n + len : n));
  };
  return [k.toUnit(s, norm(start, 0)), k.toUnit(s, norm(end, len))];
}

function needle(k: TextKind, v: PyValue): string {
  // bytes.find(108) looks for one byte value.
  if (k.name === 'bytes' && (v.kind === 'int' || v.kind === 'bool')) {
    const n = numberOf(v)!;
    if (n < 0 || n > 255) throw pyError('ValueError', 'byte must be in range(0, 256)');
    return String.fromCharCode(n);
  }
  if (k.name === 'str' && v.kind !== 'str') throw pyError('TypeError', `must be str, not ${typeName(v)}`);
  return k.arg(v, 'sub');
}

function textMethods(k: TextKind): Record<string, Impl<string>> {
  const q = (n: string) => `${k.name}.${n}`;
  const m: Record<string, Impl<string>> = {
    upper: (s, a, kw) => {
      bind(q('upper'), [], a, kw);
      return k.make(k.upper(s));
    },
    lower: (s, a, kw) => {
      bind(q('lower'), [], a, kw);
      return k.make(k.lower(s));
    },
    strip: (s, a, kw) => k.make(stripText(k, s, bind(q('strip'), [P('chars', NONE)], a, kw)[0]!, true, true)),
    lstrip: (s, a, kw) =>
      k.make(stripText(k, s, bind(q('lstrip'), [P('chars', NONE)], a, kw)[0]!, true, false)),
    rstrip: (s, a, kw) =>
      k.make(stripText(k, s, bind(q('rstrip'), [P('chars', NONE)], a, kw)[0]!, false, true)),
    split: (s, a, kw) => {
      const [sep, max] = bind(q('split'), [P('sep', NONE), P('maxsplit', pyInt(-1))], a, kw);
      return splitText(k, s, sep!, toInt(max!));
    },
    splitlines: (s, a, kw) => {
      const [keep] = bind(q('splitlines'), [P('keepends', pyBool(false))], a, kw);
      // str splits on every line boundary Python knows; bytes only on \n and \r.
      const re = k.name === 'str' ? STR_LINE_BREAKS : /\r\n|[\n\r]/g;
      const out: PyValue[] = [];
      let last = 0;
      for (const match of s.matchAll(re)) {
        const end = match.index + match[0].length;
        out.push(k.make(s.slice(last, keep!.kind === 'bool' && keep!.value ? end : match.index)));
        last = end;
      }
      if (last < s.length) out.push(k.make(s.slice(last)));
      return pyList(out);
    },
    join: (s, a, kw) => {
      const [it] = bind(q('join'), [P('iterable')], a, kw);
      if (
        it!.kind !== 'list' &&
        it!.kind !== 'tuple' &&
        it!.kind !== 'iterator' &&
        it!.kind !== 'str' &&
        it!.kind !== 'dict' &&
        it!.kind !== 'range' &&
        it!.kind !== 'bytes'
      ) {
        throw pyError('TypeError', 'can only join an iterable');
      }
      const parts = toArray(it!).map((x, i) => {
        if (k.name === 'str' && x.kind !== 'str') {
          throw pyError('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
        }
        if (k.name === 'bytes' && x.kind !== 'bytes') {
          throw pyError(
            'TypeError',
            `sequence item ${i}: expected a bytes-like object, ${typeName(x)} found`,
          );
        }
        return k.arg(x, 'item');
      });
      const out = parts.join(s);
      checkLength(out.length);
      return k.make(out);
    },
    replace: (s, a, kw) => {
      const [o, n, c] = bind(q('replace'), [P('old'), P('new'), P('count', pyInt(-1))], a, kw);
      const from = k.arg(o!, 'replace() argument 1');
      const to = k.arg(n!, 'replace() argument 2');
      let count = toInt(c!);
      if (from === '') {
        const cps = k.name === 'str' ? codePoints(s) : s.split('');
        let out = '';
        for (const ch of cps) {
          if (count !== 0) {
            out += to;
            count--;
          }
          out += ch;
        }
        if (count !== 0) out += to;
        checkLength(out.length);
        return k.make(out);
      }
      let out = '';
      let rest = s;
      while (count !== 0) {
        const at = rest.indexOf(from);
        if (at < 0) break;
        out += rest.slice(0, at) + to;
        rest = rest.slice(at + from.length);
        count--;
        if (out.length > 16 * 1024 * 1024) checkLength(out.length);
      }
      return k.make(out + rest);
    },
    startswith: (s, a, kw) => {
      const [p] = bind(q('startswith'), [P('prefix'), P('start', NONE), P('end', NONE)], a, kw);
      return pyBool(affixes(k, p!, 'startswith').some((x) => s.startsWith(x)));
    },
    endswith: (s, a, kw) => {
      const [p] = bind(q('endswith'), [P('suffix'), P('start', NONE), P('end', NONE)], a, kw);
      return pyBool(affixes(k, p!, 'endswith').some((x) => s.endsWith(x)));
    },
    find: (s, a, kw) =>
      pyInt(findIn(k, s, bind(q('find'), [P('sub'), P('start', NONE), P('end', NONE)], a, kw), false)),
    rfind: (s, a, kw) =>
      pyInt(findIn(k, s, bind(q('rfind'), [P('sub'), P('start', NONE), P('end', NONE)], a, kw), true)),
    index: (s, a, kw) => {
      const i = findIn(k, s, bind(q('index'), [P('sub'), P('start', NONE), P('end', NONE)], a, kw), false);
      if (i < 0)
        throw pyError('ValueError', k.name === 'str' ? 'substring not found' : 'subsection not found');
      return pyInt(i);
    },
    count: (s, a, kw) => {
      const [sub, start, end] = bind(q('count'), [P('sub'), P('start', NONE), P('end', NONE)], a, kw);
      const n = needle(k, sub!);
      const [from, to] = window(k, s, start!, end!);
      const hay = s.slice(from, to);
      if (n === '') return pyInt(k.len(hay) + 1);
      let count = 0;
      for (let at = hay.indexOf(n); at >= 0; at = hay.indexOf(n, at + n.length)) count++;
      return pyInt(count);
    },
    isdigit: (s, a, kw) => {
      bind(q('isdigit'), [], a, kw);
      return pyBool(s.length > 0 && /^[0-9]+$/.test(s));
    },
    isalpha: (s, a, kw) => {
      bind(q('isalpha'), [], a, kw);
      return pyBool(s.length > 0 && /^\p{L}+$/u.test(s));
    },
    isalnum: (s, a, kw) => {
      bind(q('isalnum'), [], a, kw);
      return pyBool(s.length > 0 && /^[\p{L}\p{N}]+$/u.test(s));
    },
    isspace: (s, a, kw) => {
      bind(q('isspace'), [], a, kw);
      return pyBool(s.length > 0 && [...s].every(k.whitespace));
    },
    isupper: (s, a, kw) => {
      bind(q('isupper'), [], a, kw);
      return pyBool(/[A-Za-z\p{L}]/u.test(s) && s === k.upper(s) && s !== k.lower(s));
    },
    islower: (s, a, kw) => {
      bind(q('islower'), [], a, kw);
      return pyBool(/[A-Za-z\p{L}]/u.test(s) && s === k.lower(s) && s !== k.upper(s));
    },
    capitalize: (s, a, kw) => {
      bind(q('capitalize'), [], a, kw);
      const cps = codePoints(s);
      return k.make(cps.length === 0 ? '' : k.upper(cps[0]!) + k.lower(cps.slice(1).join('')));
    },
    title: (s, a, kw) => {
      bind(q('title'), [], a, kw);
      return k.make(s.replace(/[A-Za-z\p{L}]+/gu, (w) => k.upper(w[0]!) + k.lower(w.slice(1))));
    },
    swapcase: (s, a, kw) => {
      bind(q('swapcase'), [], a, kw);
      return k.make([...s].map((c) => (c === k.upper(c) ? k.lower(c) : k.upper(c))).join(''));
    },
  };
  const justify =
    (how: 'center' | 'ljust' | 'rjust'): Impl<string> =>
    (s, a, kw) => {
      const [w, f] = bind(q(how), [P('width'), P('fillchar', k.make(' '))], a, kw);
      const width = toInt(w!);
      const fill = k.arg(f!, `${how}() argument 2`);
      if (k.len(fill) !== 1)
        throw pyError('TypeError', 'The fill character must be exactly one character long');
      const len = k.len(s);
      if (width <= len) return k.make(s);
      const total = width - len;
      // CPython centers with the extra fill on the left when the text's length is odd.
      const left =
        how === 'ljust' ? 0 : how === 'rjust' ? total : Math.floor(total / 2) + (total & width & 1);
      return k.make(fill.repeat(left) + s + fill.repeat(total - left));
    };
  m.center = justify('center');
  m.ljust = justify('ljust');
  m.rjust = justify('rjust');
  m.zfill = (s, a, kw) => {
    const width = toInt(bind(q('zfill'), [P('width')], a, kw)[0]!);
    const len = k.len(s);
    if (width <= len) return k.make(s);
    const sign = s[0] === '+' || s[0] === '-' ? s[0] : '';
    return k.make(sign + '0'.repeat(width - len) + s.slice(sign.length));
  };
  const partition =
    (fromRight: boolean): Impl<string> =>
    (s, a, kw) => {
      const sep = k.arg(bind(q(fromRight ? 'rpartition' : 'partition'), [P('sep')], a, kw)[0]!, 'sep');
      if (sep === '') throw pyError('ValueError', 'empty separator');
      const at = fromRight ? s.lastIndexOf(sep) : s.indexOf(sep);
      if (at < 0)
        return pyTuple(fromRight ? [k.make(''), k.make(''), k.make(s)] : [k.make(s), k.make(''), k.make('')]);
      return pyTuple([k.make(s.slice(0, at)), k.make(sep), k.make(s.slice(at + sep.length))]);
    };
  m.partition = partition(false);
  m.rpartition = partition(true);
  return m;
}

function findIn(k: TextKind, s: string, [sub, start, end]: PyValue[], fromRight: boolean): number {
  const n = needle(k, sub!);
  const [from, to] = window(k, s, start!, end!);
  const hay = s.slice(from, to);
  const at = fromRight ? hay.lastIndexOf(n) : hay.indexOf(n);
  return at < 0 ? -1 : k.fromUnit(s, from + at);
}

const STR_METHODS: Record<string, Impl<string>> = {
  ...textMethods(STR),
  encode: (s, a, kw) => {
    const [e, err] = bind('encode', [P('encoding', pyStr('utf-8')), P('errors', pyStr('strict'))], a, kw);
    const encoding = toStr(e!, "encode() argument 'encoding'");
    const errors = toStr(err!, "encode() argument 'errors'");
    return pyBytes(encode(s, encoding, errors));
  },
  format: (s, a, kw) => pyStr(strFormat(s, a, kw)),
  casefold: (s, a, kw) => {
    bind('str.casefold', [], a, kw);
    return pyStr(s.toLowerCase());
  },
  isnumeric: (s, a, kw) => {
    bind('str.isnumeric', [], a, kw);
    return pyBool(s.length > 0 && /^\p{N}+$/u.test(s));
  },
  isdecimal: (s, a, kw) => {
    bind('str.isdecimal', [], a, kw);
    return pyBool(s.length > 0 && /^\p{Nd}+$/u.test(s));
  },
  isprintable: (s, a, kw) => {
    bind('str.isprintable', [], a, kw);
    return pyBool(repr(pyStr(s)).slice(1, -1) === s.replace(/\\/g, '\\\\'));
  },
};

const BYTES_METHODS: Record<string, Impl<string>> = {
  ...textMethods(BYTES),
  decode: (s, a, kw) => {
    const [e, err] = bind('decode', [P('encoding', pyStr('utf-8')), P('errors', pyStr('strict'))], a, kw);
    const encoding = toStr(e!, "decode() argument 'encoding'");
    const errors = toStr(err!, "decode() argument 'errors'");
    return pyStr(decode(binaryToBytes(s), encoding, errors));
  },
  hex: (s, a, kw) => {
    const [sep] = bind('bytes.hex', [P('sep', NONE)], a, kw);
    const parts = [...s].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0'));
    const joiner =
      sep!.kind === 'none' ? '' : sep!.kind === 'bytes' ? bytesToBinary(sep!.value) : toStr(sep!, 'sep');
    return pyStr(parts.join(joiner));
  },
};
// Python's bytes have no format/encode and no isnumeric; they do have the ones above.

const LIST_METHODS: Record<string, Impl<PyList>> = {
  append: (l, a, kw) => {
    const [x] = bind('list.append', [P('object')], a, kw);
    checkItems(l.items.length + 1);
    l.items.push(x!);
    return NONE;
  },
  extend: (l, a, kw) => {
    const items = toArray(bind('list.extend', [P('iterable')], a, kw)[0]!);
    checkItems(l.items.length + items.length);
    l.items.push(...items);
    return NONE;
  },
  insert: (l, a, kw) => {
    const [i, x] = bind('list.insert', [P('index'), P('object')], a, kw);
    let n = toInt(i!);
    if (n < 0) n = Math.max(0, n + l.items.length);
    l.items.splice(Math.min(n, l.items.length), 0, x!);
    return NONE;
  },
  pop: (l, a, kw) => {
    const [i] = bind('list.pop', [P('index', pyInt(-1))], a, kw);
    if (l.items.length === 0) throw pyError('IndexError', 'pop from empty list');
    let n = toInt(i!);
    if (n < 0) n += l.items.length;
    if (n < 0 || n >= l.items.length) throw pyError('IndexError', 'pop index out of range');
    return l.items.splice(n, 1)[0]!;
  },
  remove: (l, a, kw) => {
    const [x] = bind('list.remove', [P('value')], a, kw);
    const i = l.items.findIndex((y) => pyEquals(y, x!));
    if (i < 0) throw pyError('ValueError', 'list.remove(x): x not in list');
    l.items.splice(i, 1);
    return NONE;
  },
  index: (l, a, kw) => {
    const [x] = bind('list.index', [P('value')], a, kw);
    const i = l.items.findIndex((y) => pyEquals(y, x!));
    if (i < 0) throw pyError('ValueError', `${repr(x!)} is not in list`);
    return pyInt(i);
  },
  count: (l, a, kw) => {
    const [x] = bind('list.count', [P('value')], a, kw);
    return pyInt(l.items.filter((y) => pyEquals(y, x!)).length);
  },
  clear: (l, a, kw) => {
    bind('list.clear', [], a, kw);
    l.items.length = 0;
    return NONE;
  },
  copy: (l, a, kw) => {
    bind('list.copy', [], a, kw);
    return pyList([...l.items]);
  },
  reverse: (l, a, kw) => {
    bind('list.reverse', [], a, kw);
    l.items.reverse();
    return NONE;
  },
  sort: async (l, a, kw, ctx) => {
    if (a.length > 0) throw pyError('TypeError', 'sort() takes no positional arguments');
    const [key, rev] = bind('sort', [P('key', NONE), P('reverse', pyBool(false))], [], kw);
    l.items = await sortValues(ctx, l.items, key!, rev!.kind === 'bool' ? rev!.value : numberOf(rev!) !== 0);
    return NONE;
  },
};

/** sorted()/list.sort(): stable, with an optional key function, TypeError for mixed types. */
export async function sortValues(
  ctx: Ctx,
  items: PyValue[],
  key: PyValue,
  reverse: boolean,
): Promise<PyValue[]> {
  const keys: PyValue[] = [];
  for (const x of items) keys.push(key.kind === 'none' ? x : await ctx.invoke(key, [x], new Map()));
  const order = items.map((_, i) => i);
  order.sort((i, j) => {
    const a = keys[i]!;
    const b = keys[j]!;
    const c = compare('<', a, b) ? -1 : compare('<', b, a) ? 1 : 0;
    return reverse ? -c : c;
  });
  return order.map((i) => items[i]!);
}

const TUPLE_METHODS: Record<string, Impl<readonly PyValue[]>> = {
  index: (t, a, kw) => {
    const [x] = bind('tuple.index', [P('value')], a, kw);
    const i = t.findIndex((y) => pyEquals(y, x!));
    if (i < 0) throw pyError('ValueError', 'tuple.index(x): x not in tuple');
    return pyInt(i);
  },
  count: (t, a, kw) =>
    pyInt(t.filter((y) => pyEquals(y, bind('tuple.count', [P('value')], a, kw)[0]!)).length),
};

const DICT_METHODS: Record<string, Impl<PyDict>> = {
  get: (d, a, kw) => {
    const [k, dflt] = bind('get', [P('key'), P('default', NONE)], a, kw);
    return d.map.get(keyOf(k!))?.value ?? dflt!;
  },
  keys: (d, a, kw) => {
    bind('dict.keys', [], a, kw);
    return pyIter(
      'dict_keys',
      [...d.map.values()].map((e) => e.key),
      true,
    );
  },
  values: (d, a, kw) => {
    bind('dict.values', [], a, kw);
    return pyIter(
      'dict_values',
      [...d.map.values()].map((e) => e.value),
      true,
    );
  },
  items: (d, a, kw) => {
    bind('dict.items', [], a, kw);
    return pyIter(
      'dict_items',
      [...d.map.values()].map((e) => pyTuple([e.key, e.value])),
      true,
    );
  },
  pop: (d, a, kw) => {
    if (kw.size > 0) throw pyError('TypeError', 'pop() takes no keyword arguments');
    if (a.length === 0 || a.length > 2) {
      throw pyError('TypeError', `pop expected at least 1 argument, got ${a.length}`);
    }
    const k = keyOf(a[0]!);
    const e = d.map.get(k);
    if (!e) {
      if (a.length === 2) return a[1]!;
      throw keyError(a[0]!);
    }
    d.map.delete(k);
    return e.value;
  },
  setdefault: (d, a, kw) => {
    const [k, dflt] = bind('setdefault', [P('key'), P('default', NONE)], a, kw);
    const h = keyOf(k!);
    const e = d.map.get(h);
    if (e) return e.value;
    d.map.set(h, { key: k!, value: dflt! });
    return dflt!;
  },
  update: (d, a, kw) => {
    if (a.length > 1) throw pyError('TypeError', `update expected at most 1 argument, got ${a.length}`);
    const other = a[0];
    if (other?.kind === 'dict') for (const [h, e] of other.map) dictSet(d, h, e.key, e.value);
    else if (other) for (const [k, v] of pairs(other)) dictSet(d, keyOf(k), k, v);
    for (const [k, v] of kw) dictSet(d, keyOf(pyStr(k)), pyStr(k), v);
    return NONE;
  },
  clear: (d, a, kw) => {
    bind('dict.clear', [], a, kw);
    d.map.clear();
    return NONE;
  },
  copy: (d, a, kw) => {
    bind('dict.copy', [], a, kw);
    return pyDict([...d.map.values()].map((e) => [e.key, e.value]));
  },
};

/** Key/value pairs from an iterable of 2-item sequences, as dict() takes them. */
export function pairs(v: PyValue): [PyValue, PyValue][] {
  return toArray(v).map((item, i) => {
    const kv = item.kind === 'tuple' || item.kind === 'list' ? item.items : null;
    if (!kv)
      throw pyError('TypeError', `cannot convert dictionary update sequence element #${i} to a sequence`);
    if (kv.length !== 2) {
      throw pyError(
        'ValueError',
        `dictionary update sequence element #${i} has length ${kv.length}; 2 is required`,
      );
    }
    return [kv[0]!, kv[1]!];
  });
}

/** The method `name` of a str, bytes, list, tuple or dict, bound to it; null if it has none. */
export function getMethod(self: PyValue, name: string): PyBuiltin | null {
  const make = <T>(table: Record<string, Impl<T>>, value: T): PyBuiltin | null => {
    if (!Object.hasOwn(table, name)) return null;
    const impl = table[name]!;
    return builtin(name, (ctx, args, kwargs) => impl(value, args, kwargs, ctx), self);
  };
  switch (self.kind) {
    case 'str':
      return make(STR_METHODS, self.value);
    case 'bytes':
      return make(BYTES_METHODS, bytesToBinary(self.value));
    case 'list':
      return make(LIST_METHODS, self);
    case 'tuple':
      return make(TUPLE_METHODS, self.items);
    case 'dict':
      return make(DICT_METHODS, self);
    default:
      return null;
  }
}

export function methodNames(kind: PyValue['kind']): string[] {
  const table =
    kind === 'str'
      ? STR_METHODS
      : kind === 'bytes'
        ? BYTES_METHODS
        : kind === 'list'
          ? LIST_METHODS
          : kind === 'tuple'
            ? TUPLE_METHODS
            : kind === 'dict'
              ? DICT_METHODS
              : {};
  return Object.keys(table).sort();
}

/** bytes.fromhex('de ad be ef'). */
export function bytesFromHex(text: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) {
      const at = /^[0-9a-fA-F]/.test(pair) ? i + 1 : i;
      throw pyError('ValueError', `non-hexadecimal number found in fromhex() arg at position ${at}`);
    }
    out.push(Number.parseInt(pair, 16));
    i += 2;
  }
  return Uint8Array.from(out);
}
