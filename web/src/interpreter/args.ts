// Argument handling for built-in functions and methods: binding positional and keyword arguments to
// a signature, and converting values (int, str, bytes-like) with CPython's TypeError wording.

import { pyError } from './errors.js';
import { type Kwargs, numberOf, type PyValue, typeName } from './values.js';

export interface Param {
  name: string;
  /** undefined: required. */
  default?: PyValue;
}

/**
 * Binds args to params the way CPython's argument clinic does for built-ins, and words the
 * mistakes the same way: `recv() takes at most 2 arguments (3 given)`.
 */
export function bind(
  fname: string,
  params: readonly Param[],
  args: readonly PyValue[],
  kwargs: Kwargs,
): PyValue[] {
  const required = params.filter((p) => p.default === undefined).length;
  const given = args.length + kwargs.size;
  if (args.length > params.length) {
    if (params.length === 0)
      throw pyError('TypeError', `${fname}() takes no arguments (${args.length} given)`);
    const how = required === params.length ? 'exactly' : 'at most';
    throw pyError(
      'TypeError',
      `${fname}() takes ${how} ${params.length} argument${params.length === 1 ? '' : 's'} (${given} given)`,
    );
  }
  const out: (PyValue | undefined)[] = params.map((_, i) => args[i]);
  for (const [name, value] of kwargs) {
    const i = params.findIndex((p) => p.name === name);
    if (i < 0) throw pyError('TypeError', `${fname}() got an unexpected keyword argument '${name}'`);
    if (out[i] !== undefined) {
      throw pyError('TypeError', `argument for ${fname}() given by name ('${name}') and position (${i + 1})`);
    }
    out[i] = value;
  }
  return params.map((p, i) => {
    const v = out[i] ?? p.default;
    if (v === undefined) {
      const how = required === params.length ? 'exactly' : 'at least';
      throw pyError(
        'TypeError',
        `${fname}() takes ${how} ${required} argument${required === 1 ? '' : 's'} (${given} given)`,
      );
    }
    return v;
  });
}

export const P = (name: string, dflt?: PyValue): Param =>
  dflt === undefined ? { name } : { name, default: dflt };

/** An int argument (bool counts, as in Python). */
export function toInt(v: PyValue): number {
  if (v.kind === 'int' || v.kind === 'bool') return numberOf(v)!;
  throw pyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
}

export function toStr(v: PyValue, what: string): string {
  if (v.kind === 'str') return v.value;
  throw pyError('TypeError', `${what} must be str, not ${typeName(v)}`);
}

/** Bytes for send() and friends: a str is the classic mistake, worded as Python words it. */
export function toBytesLike(v: PyValue): Uint8Array {
  if (v.kind === 'bytes') return v.value;
  throw pyError(
    'TypeError',
    `a bytes-like object is required, not '${typeName(v)}'`,
    v.kind === 'str'
      ? "Sockets carry bytes, not text: encode the str first, e.g. 'hello'.encode() or b'hello'."
      : null,
  );
}

export function noKeywords(fname: string, kwargs: Kwargs): void {
  if (kwargs.size > 0) throw pyError('TypeError', `${fname}() takes no keyword arguments`);
}
