// Python's three ways to format: `fmt % args` (str and bytes), str.format() and f-string fields with
// their format-spec mini-language ('>10', '05d', '.2f', ',', '#x'). A compact subset of CPython's
// behaviour with its error wording; no evaluation beyond the values it is given.

import { pyError } from './errors.js';
import { floatRepr, intRepr, repr, str } from './repr.js';
import { bytesToBinary, codePoints, hashKey, numberOf, type PyValue, strLen, typeName } from './values.js';

/** repr() with every non-ASCII character escaped, as Python's ascii(). */
export function asciiRepr(v: PyValue): string {
  let out = '';
  for (const ch of repr(v)) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out;
}

interface Spec {
  fill: string;
  align: '<' | '>' | '=' | '^' | null;
  sign: '+' | '-' | ' ' | null;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: ',' | '_' | null;
  precision: number | null;
  type: string | null;
}

const SPEC_RE = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

function parseSpec(spec: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw pyError('ValueError', 'Invalid format specifier');
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : ' '),
    align: (m[2] as Spec['align']) ?? (m[5] ? '=' : null),
    sign: (m[3] as Spec['sign']) ?? null,
    alt: m[4] !== undefined,
    zero: m[5] !== undefined,
    width: m[6] ? Number(m[6]) : 0,
    grouping: (m[7] as Spec['grouping']) ?? null,
    precision: m[8] !== undefined ? Number(m[8]) : null,
    type: m[9] ?? null,
  };
}

function pad(body: string, prefix: string, s: Spec, defaultAlign: '<' | '>'): string {
  const len = strLen(prefix) + strLen(body);
  if (len >= s.width) return prefix + body;
  const fill = s.fill.repeat(s.width - len);
  switch (s.align ?? defaultAlign) {
    case '<':
      return prefix + body + fill;
    case '=':
      return prefix + fill + body;
    case '^': {
      const left = Math.floor((s.width - len) / 2);
      return s.fill.repeat(left) + prefix + body + s.fill.repeat(s.width - len - left);
    }
    default:
      return fill + prefix + body;
  }
}

function group(digits: string, sep: string, size: number): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % size === 0) out += sep;
    out += digits[i];
  }
  return out;
}

const expPad = (s: string): string => s.replace(/e([+-])(\d)$/, 'e$10$2');

/**
 * Fixed notation for any magnitude (JS switches to exponents at 1e21), rounding an exact tie to
 * even as Python does ('{:.0f}'.format(2.5) is '2'); JS's toFixed rounds ties up.
 */
function fixed(x: number, precision: number): string {
  if (Math.abs(x) < 1e21) {
    const up = x.toFixed(precision);
    const extra = Math.min(100, precision + 40);
    const exact = Math.abs(x).toFixed(extra);
    const cut = exact.length - (extra - precision);
    if (!/^50*$/.test(exact.slice(cut))) return up;
    const down = exact.slice(0, precision === 0 ? cut - 1 : cut);
    const last = down.replace('.', '').slice(-1);
    return Number(last) % 2 === 0 ? (x < 0 ? '-' : '') + down : up;
  }
  const whole = BigInt(Math.round(x)).toString();
  return precision > 0 ? `${whole}.${'0'.repeat(precision)}` : whole;
}

/** Python's 'g': precision significant digits, fixed or scientific, trailing zeros removed. */
function general(x: number, precision: number, alt: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  if (x === 0) return alt ? `0.${'0'.repeat(p - 1)}` : '0';
  const exp = Number(x.toExponential(p - 1).split('e')[1]);
  let out = exp >= -4 && exp < p ? fixed(x, p - 1 - exp) : expPad(x.toExponential(p - 1));
  if (!alt) {
    out = out.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
  }
  return upper ? out.toUpperCase() : out;
}

function formatFloat(x: number, s: Spec): string {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  const type = s.type;
  if (!Number.isFinite(a)) body = Number.isNaN(a) ? 'nan' : 'inf';
  else if (type === 'f' || type === 'F') body = fixed(a, s.precision ?? 6);
  else if (type === 'e' || type === 'E') body = expPad(a.toExponential(s.precision ?? 6));
  else if (type === 'g' || type === 'G' || type === 'n') body = general(a, s.precision ?? 6, s.alt, false);
  else if (type === '%') body = `${fixed(a * 100, s.precision ?? 6)}%`;
  else if (s.precision === null) body = floatRepr(a);
  else {
    body = general(a, s.precision, s.alt, false);
    if (/^\d+$/.test(body)) body += '.0';
  }
  if (type === 'F' || type === 'E' || type === 'G') body = body.toUpperCase();
  if (s.grouping && Number.isFinite(a)) {
    const whole = body.split(/(?=[.e%])/)[0] ?? '';
    body = group(whole, s.grouping, 3) + body.slice(whole.length);
  }
  const sign = neg ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  return pad(body, sign, s, '>');
}

function formatInt(n: number, s: Spec): string {
  const type = s.type ?? 'd';
  if ('eEfFgG%'.includes(type)) return formatFloat(n, s);
  if (s.precision !== null) throw pyError('ValueError', 'Precision not allowed in integer format specifier');
  if (type === 'c') return pad(String.fromCodePoint(n), '', s, '<');
  const a = Math.abs(n);
  const base = type === 'x' || type === 'X' ? 16 : type === 'o' ? 8 : type === 'b' ? 2 : 10;
  let digits = base === 10 ? intRepr(a) : a.toString(base);
  if (type === 'X') digits = digits.toUpperCase();
  if (s.grouping) digits = group(digits, s.grouping, base === 10 ? 3 : 4);
  let prefix = n < 0 ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  if (s.alt && base !== 10) prefix += `0${type === 'X' ? 'X' : type}`;
  return pad(digits, prefix, s, '>');
}

/** format(value, spec): the mini-language for str, int, bool and float; others only accept ''. */
export function formatValue(v: PyValue, spec: string): string {
  if (spec === '') return str(v);
  const s = parseSpec(spec);
  if (v.kind === 'str') {
    if (s.type !== null && s.type !== 's') {
      throw pyError('ValueError', `Unknown format code '${s.type}' for object of type 'str'`);
    }
    if (s.sign) throw pyError('ValueError', 'Sign not allowed in string format specifier');
    const text = s.precision === null ? v.value : codePoints(v.value).slice(0, s.precision).join('');
    return pad(text, '', s, '<');
  }
  if (v.kind === 'int' || (v.kind === 'bool' && s.type !== null)) {
    if (s.type === 's') throw pyError('ValueError', "Unknown format code 's' for object of type 'int'");
    return formatInt(numberOf(v)!, s);
  }
  if (v.kind === 'bool') return pad(str(v), '', s, '<');
  if (v.kind === 'float') {
    if (s.type !== null && !'eEfFgGn%'.includes(s.type)) {
      throw pyError('ValueError', `Unknown format code '${s.type}' for object of type 'float'`);
    }
    return formatFloat(v.value, s);
  }
  throw pyError('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
}

// ---------------------------------------------------------------------------------------------
// printf-style: 'Connection %d using port %d' % (n, port)

const PERCENT_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?[hlL]?([diouxXeEfFgGcrsab%])?/gy;

/** `fmt % args` for str (bytes: `asBytes`, where text holds one char per byte). */
export function percentFormat(fmt: string, args: PyValue, asBytes = false): string {
  const items = args.kind === 'tuple' ? [...args.items] : [args];
  const mapping = args.kind === 'dict' ? args : null;
  let next = 0;
  let usedMapping = false;
  const take = (): PyValue => {
    const v = items[next++];
    if (v === undefined) throw pyError('TypeError', 'not enough arguments for format string');
    return v;
  };
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    PERCENT_RE.lastIndex = pct;
    const m = PERCENT_RE.exec(fmt);
    const conv = m?.[5];
    if (!m || conv === undefined) throw pyError('ValueError', `incomplete format`);
    i = PERCENT_RE.lastIndex;
    if (conv === '%') {
      out += '%';
      continue;
    }
    const [, key, flags = '', widthText, precText] = m;
    let value: PyValue;
    if (key !== undefined) {
      if (!mapping) throw pyError('TypeError', 'format requires a mapping');
      usedMapping = true;
      const e = mapping.map.get(hashKey({ kind: 'str', value: key }));
      if (!e) throw pyError('KeyError', `'${key}'`);
      value = e.value;
    } else {
      value = take();
    }
    const width = widthText === undefined || widthText === '*' ? 0 : Number(widthText);
    const precision = precText === undefined || precText === '*' ? null : Number(precText);
    const left = flags.includes('-');
    const spec: Spec = {
      fill: flags.includes('0') && !left && !'sracb'.includes(conv) ? '0' : ' ',
      align: left ? '<' : flags.includes('0') && !'sracb'.includes(conv) ? '=' : '>',
      sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : null,
      alt: flags.includes('#'),
      zero: flags.includes('0'),
      width,
      grouping: null,
      precision,
      type: null,
    };
    out += percentOne(conv, value, spec, asBytes);
  }
  if (next < items.length && !(mapping && (usedMapping || next === 0))) {
    throw pyError(
      'TypeError',
      `not all arguments converted during ${asBytes ? 'bytes' : 'string'} formatting`,
    );
  }
  return out;
}

function percentOne(conv: string, v: PyValue, spec: Spec, asBytes: boolean): string {
  const truncate = (t: string) =>
    spec.precision === null ? t : codePoints(t).slice(0, spec.precision).join('');
  switch (conv) {
    case 's':
    case 'b': {
      if (asBytes) {
        if (v.kind !== 'bytes') {
          throw pyError(
            'TypeError',
            `%b requires a bytes-like object, or an object that implements __bytes__, not '${typeName(v)}'`,
          );
        }
        return pad(truncate(bytesToBinary(v.value)), '', spec, '>');
      }
      return pad(truncate(str(v)), '', spec, '>');
    }
    case 'r':
    case 'a':
      return pad(truncate(asBytes || conv === 'a' ? asciiRepr(v) : repr(v)), '', spec, '>');
    case 'c': {
      if (v.kind === 'str' && strLen(v.value) === 1) return pad(v.value, '', spec, '>');
      const n = numberOf(v);
      if (v.kind === 'float' || n === null) throw pyError('TypeError', '%c requires int or char');
      if (n < 0 || n > 0x10ffff) throw pyError('OverflowError', '%c arg not in range(0x110000)');
      return pad(String.fromCodePoint(n), '', spec, '>');
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const n = numberOf(v);
      if (n === null) {
        const need = 'diu'.includes(conv) ? 'a real number' : 'an integer';
        throw pyError('TypeError', `%${conv} format: ${need} is required, not ${typeName(v)}`);
      }
      if (v.kind === 'float' && !'diu'.includes(conv)) {
        throw pyError('TypeError', `%${conv} format: an integer is required, not float`);
      }
      return formatInt(Math.trunc(n), { ...spec, type: 'diu'.includes(conv) ? 'd' : conv, precision: null });
    }
    default: {
      const n = numberOf(v);
      if (n === null) throw pyError('TypeError', `must be real number, not ${typeName(v)}`);
      return formatFloat(n, { ...spec, type: conv, precision: spec.precision ?? 6 });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// str.format

/** '{} {name} {0[1]!r:>5}'.format(...): auto and manual numbering, keywords, [index], !r/!s/!a. */
export function strFormat(
  fmt: string,
  args: readonly PyValue[],
  kwargs: ReadonlyMap<string, PyValue>,
): string {
  let auto: boolean | null = null;
  let nextAuto = 0;
  const lookup = (field: string): PyValue => {
    const m = /^([^[.]*)((?:\[[^\]]*\])*)$/.exec(field);
    if (!m)
      throw pyError('ValueError', `attribute access in format fields is not supported here: '${field}'`);
    const [, head = '', rest = ''] = m;
    let v: PyValue;
    if (head === '' || /^\d+$/.test(head)) {
      const manual = head !== '';
      if (auto !== null && auto === manual) {
        throw pyError(
          'ValueError',
          manual
            ? 'cannot switch from automatic field numbering to manual field specification'
            : 'cannot switch from manual field specification to automatic field numbering',
        );
      }
      auto = !manual;
      const index = manual ? Number(head) : nextAuto++;
      const found = args[index];
      if (!found)
        throw pyError('IndexError', `Replacement index ${index} out of range for positional args tuple`);
      v = found;
    } else {
      const found = kwargs.get(head);
      if (!found) throw pyError('KeyError', `'${head}'`);
      v = found;
    }
    for (const [, key = ''] of rest.matchAll(/\[([^\]]*)\]/g)) {
      if (/^\d+$/.test(key) && (v.kind === 'tuple' || v.kind === 'list' || v.kind === 'str')) {
        const items = v.kind === 'str' ? codePoints(v.value) : v.items;
        const item = items[Number(key)];
        if (item === undefined) throw pyError('IndexError', `${v.kind} index out of range`);
        v = typeof item === 'string' ? { kind: 'str', value: item } : item;
      } else if (v.kind === 'dict') {
        const k: PyValue = /^\d+$/.test(key)
          ? { kind: 'int', value: Number(key) }
          : { kind: 'str', value: key };
        const e = v.map.get(hashKey(k));
        if (!e) throw pyError('KeyError', repr(k));
        v = e.value;
      } else {
        throw pyError('TypeError', `'${typeName(v)}' object is not subscriptable`);
      }
    }
    return v;
  };

  let out = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c === '}') {
      if (fmt[i + 1] !== '}') throw pyError('ValueError', "Single '}' encountered in format string");
      out += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    if (fmt[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    // Find the matching '}', allowing one level of nesting inside the spec.
    let depth = 1;
    let j = i + 1;
    for (; j < fmt.length && depth > 0; j++) {
      if (fmt[j] === '{') depth++;
      else if (fmt[j] === '}') depth--;
    }
    if (depth > 0) throw pyError('ValueError', "expected '}' before end of string");
    const inner = fmt.slice(i + 1, j - 1);
    const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(inner);
    if (!m) throw pyError('ValueError', 'Invalid format string');
    const [, field = '', conversion, rawSpec = ''] = m;
    let v = lookup(field);
    if (conversion === 'r') v = { kind: 'str', value: repr(v) };
    else if (conversion === 's') v = { kind: 'str', value: str(v) };
    else if (conversion === 'a') v = { kind: 'str', value: asciiRepr(v) };
    const spec = rawSpec.includes('{') ? strFormatNested(rawSpec, lookup) : rawSpec;
    out += formatValue(v, spec);
    i = j;
  }
  return out;
}

function strFormatNested(spec: string, lookup: (field: string) => PyValue): string {
  return spec.replace(/\{([^{}]*)\}/g, (_, field: string) => str(lookup(field)));
}
