// Python's repr() and str() for every value, character for character as CPython 3.11 prints them
// (float digits, quote choice, \x escapes, one-element tuples). Knows nothing about evaluation.

import { enumMemberName, MSG_FLAGS } from './constants.js';
import { codePoints, type PyExc, type PySocket, type PyValue } from './values.js';

/** Methods socket.py defines in Python (the rest are _socket's, in C). */
const PYTHON_LEVEL_METHODS: ReadonlySet<string> = new Set(['accept', 'close']);

/** A fake but stable object address, shaped like CPython's. */
export const fakeAddress = (id: number): string =>
  `0x7f5e${(0x1000 + id * 0x50).toString(16).padStart(8, '0')}`;

export function intRepr(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  if (Number.isSafeInteger(n)) return String(n);
  return BigInt(Math.trunc(n)).toString();
}

/** Python's float repr: shortest round-trip digits, exponent outside 1e-4 <= |x| < 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${whole}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of codePoints(s)) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex2(cp)}`;
    else if (cp < 0x7f || (ch !== ' ' && !NON_PRINTABLE.test(ch))) out += ch;
    else if (cp <= 0xff) out += `\\x${hex2(cp)}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function bytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const quote = hasSingle && !b.includes(0x22) ? 0x22 : 0x27;
  let out = `b${String.fromCharCode(quote)}`;
  for (const c of b) {
    if (c === quote || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${hex2(c)}`;
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}

function enumRepr(enumName: string, value: number): string {
  if (enumName === 'MsgFlag') {
    const names: string[] = [];
    let rest = value;
    for (const [name, bit] of [...MSG_FLAGS].sort((a, b) => a[1] - b[1])) {
      if ((rest & bit) !== 0) {
        names.push(name);
        rest &= ~bit;
      }
    }
    if (rest !== 0) names.push(String(rest));
    return `<MsgFlag.${names.length > 0 ? names.join('|') : '0'}: ${value}>`;
  }
  const name = enumMemberName(enumName as 'AddressFamily' | 'SocketKind', value);
  return name === null ? String(value) : `<${enumName}.${name}: ${value}>`;
}

export function addressRepr(a: readonly [string, number]): string {
  return `(${strRepr(a[0])}, ${a[1]})`;
}

/**
 * Python 3.8-3.10's form, `family=AddressFamily.AF_INET`, which names what 3.11+ prints as a bare
 * `family=2`: the names are the lesson.
 */
function socketRepr(s: PySocket): string {
  const family = `AddressFamily.${s.family}`;
  const type = `SocketKind.${s.type}`;
  if (s.closed) return `<socket.socket [closed] fd=-1, family=${family}, type=${type}, proto=${s.proto}>`;
  let out = `<socket.socket fd=${s.fd}, family=${family}, type=${type}, proto=${s.proto}`;
  const six = s.family === 'AF_INET6' ? ', 0, 0' : '';
  const addr = (a: readonly [string, number]) => `(${strRepr(a[0])}, ${a[1]}${six})`;
  // Python asks getsockname(); an unbound Linux socket answers the wildcard address, port 0.
  if (s.laddr !== 'unknown')
    out += `, laddr=${addr(s.laddr ?? [s.family === 'AF_INET6' ? '::' : '0.0.0.0', 0])}`;
  if (s.raddr) out += `, raddr=${addr(s.raddr)}`;
  return `${out}>`;
}

/** The qualified name Python prints for an exception type: `socket.gaierror`, `TimeoutError`. */
export const excTypeName = (e: PyExc): string =>
  e.type.module ? `${e.type.module}.${e.type.name}` : e.type.name;

/** str(exception): `[Errno 111] Connection refused` for OSErrors, the message for others. */
export function excStr(e: PyExc): string {
  if (e.errno.kind !== 'none' && e.strerror.kind !== 'none') {
    return `[Errno ${str(e.errno)}] ${str(e.strerror)}`;
  }
  if (e.args.length === 0) return '';
  if (e.args.length === 1) return e.type.name === 'KeyError' ? repr(e.args[0]!) : str(e.args[0]!);
  return repr({ kind: 'tuple', items: e.args });
}

export function repr(v: PyValue, seen: Set<PyValue> = new Set()): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'int':
      return v.enumOf ? enumRepr(v.enumOf, v.value) : intRepr(v.value);
    case 'float':
      return floatRepr(v.value);
    case 'str':
      return strRepr(v.value);
    case 'bytes':
      return bytesRepr(v.value);
    case 'tuple': {
      if (seen.has(v)) return '(...)';
      seen.add(v);
      const inner = v.items.map((x) => repr(x, seen));
      seen.delete(v);
      return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(', ')})`;
    }
    case 'list': {
      if (seen.has(v)) return '[...]';
      seen.add(v);
      const inner = v.items.map((x) => repr(x, seen)).join(', ');
      seen.delete(v);
      return `[${inner}]`;
    }
    case 'dict': {
      if (seen.has(v)) return '{...}';
      seen.add(v);
      const inner = [...v.map.values()].map((e) => `${repr(e.key, seen)}: ${repr(e.value, seen)}`).join(', ');
      seen.delete(v);
      return `{${inner}}`;
    }
    case 'range':
      return v.step === 1 ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
    case 'iterator':
      return v.view
        ? `${v.name}([${v.items.map((x) => repr(x, seen)).join(', ')}])`
        : `<${v.name} object at ${fakeAddress(v.id)}>`;
    case 'builtin':
      if (v.self === null) return `<built-in function ${v.name}>`;
      // socket.py writes these in Python over _socket's: a bound method, not a built-in one.
      if (v.self.kind === 'socket' && PYTHON_LEVEL_METHODS.has(v.name))
        return `<bound method socket.${v.name} of ${repr(v.self, seen)}>`;
      return `<built-in method ${v.name} of ${selfTypeName(v.self)} object at ${fakeAddress(v.id)}>`;
    case 'function':
      return `<function ${v.def.name} at ${fakeAddress(v.id)}>`;
    case 'type':
      return `<class '${v.module ? `${v.module}.` : ''}${v.name}'>`;
    case 'module':
      return `<module '${v.name}' (built-in)>`;
    case 'socket':
      return socketRepr(v);
    case 'exception':
      return `${v.type.name}(${v.args.map((x) => repr(x, seen)).join(', ')})`;
    default: {
      const unhandled: never = v;
      return unhandled;
    }
  }
}

const selfTypeName = (v: PyValue): string => (v.kind === 'exception' ? v.type.name : v.kind);

export function str(v: PyValue): string {
  switch (v.kind) {
    case 'str':
      return v.value;
    case 'int':
      // Since Python 3.11 an IntEnum prints as its number: print(socket.AF_INET) shows 2.
      return intRepr(v.value);
    case 'exception':
      return excStr(v);
    default:
      return repr(v);
  }
}
