import { describe, expect, it } from 'vitest';
import { prompt } from './fake-backend.js';

// Every expected string below is what CPython 3.11 prints for the same input at its >>> prompt.

describe('str and bytes literals', () => {
  it.each([
    [String.raw`'it\'s'`, `"it's"`],
    [String.raw`"say \"hi\""`, `'say "hi"'`],
    [String.raw`'both \' and "'`, String.raw`'both \' and "'`],
    [String.raw`"tab\there\nnewline\rcr\0nul\\back"`, String.raw`'tab\there\nnewline\rcr\x00nul\\back'`],
    [String.raw`"\x41\x42\u00e9\U0001F32E"`, `'ABé🌮'`],
    [String.raw`"\101\60\7"`, String.raw`'A0\x07'`],
    [String.raw`"\a\b\f\v"`, String.raw`'\x07\x08\x0c\x0b'`],
    [String.raw`"unknown \q escape"`, String.raw`'unknown \\q escape'`],
    [String.raw`r"raw \n \x41 stays"`, String.raw`'raw \\n \\x41 stays'`],
    [`R'raw'`, `'raw'`],
    [`u"unicode prefix"`, `'unicode prefix'`],
    [`'''it's "both"'''`, String.raw`'it\'s "both"'`],
    [`"con" 'cat' "enated"`, `'concatenated'`],
    ['"""one\ntwo"""', String.raw`'one\ntwo'`],
    [String.raw`"x\u2028y\x85\xa0\xad"`, String.raw`'x\u2028y\x85\xa0\xad'`],
    [String.raw`"\ud83c"`, String.raw`'\ud83c'`],
  ])('%s reads back as %s', async (source, expected) => {
    const { run } = prompt();
    expect(await run(source)).toEqual([expected]);
  });

  it.each([
    [`b"hello"`, `b'hello'`],
    [String.raw`b'\x00\x7f\x80\xff'`, String.raw`b'\x00\x7f\x80\xff'`],
    [String.raw`b"\101\x42\n\t\\"`, String.raw`b'AB\n\t\\'`],
    [String.raw`rb"\x41\n"`, String.raw`b'\\x41\\n'`],
    [String.raw`Br"\n"`, String.raw`b'\\n'`],
    [`b"it's"`, `b"it's"`],
    [`b'say "hi"'`, `b'say "hi"'`],
    [String.raw`b"\u0041"`, String.raw`b'\\u0041'`],
    [`b"con" b"cat"`, `b'concat'`],
    ["b'''bytes\nlines'''", String.raw`b'bytes\nlines'`],
  ])('bytes %s reads back as %s', async (source, expected) => {
    const { run } = prompt();
    expect(await run(source)).toEqual([expected]);
  });

  it('encodes the taco emoji to 4 bytes and decodes them back', async () => {
    const { run } = prompt();
    expect(await run('"I am hungry for 🌮".encode()')).toEqual([
      String.raw`b'I am hungry for \xf0\x9f\x8c\xae'`,
    ]);
    expect(await run(String.raw`b'I am hungry for \xf0\x9f\x8c\xae'.decode()`)).toEqual([
      `'I am hungry for 🌮'`,
    ]);
    expect(await run(String.raw`len(b"\xf0\x9f\x8c\xae")`)).toEqual(['4']);
    expect(await run('len("🌮"), len("🌮".encode())')).toEqual(['(1, 4)']);
    expect(await run(String.raw`"🌮".encode() == b"\xf0\x9f\x8c\xae"`)).toEqual(['True']);
    expect(await run('"é".encode(), "é".encode("latin-1")')).toEqual([String.raw`(b'\xc3\xa9', b'\xe9')`]);
  });

  it('refuses non-ASCII characters in a bytes literal, as Python does', async () => {
    const { run } = prompt();
    expect(await run(`x = b'é'`)).toEqual([
      '  File "<stdin>", line 1',
      "    x = b'é'",
      '        ^',
      'SyntaxError: bytes can only contain ASCII literal characters',
    ]);
  });

  it('reports a broken \\x escape with the position Python reports', async () => {
    const { run } = prompt();
    expect((await run(String.raw`x = 'a\xz'`)).at(-1)).toBe(
      String.raw`SyntaxError: (unicode error) 'unicodeescape' codec can't decode bytes in position 1-2: truncated \xXX escape`,
    );
    expect((await run(String.raw`x = b'\xff\xz'`)).at(-1)).toBe(
      String.raw`SyntaxError: (value error) invalid \x escape at position 4`,
    );
  });

  it('formats f-strings with conversions, specs, nesting and =', async () => {
    const { run } = prompt();
    await run('x = 5');
    expect(await run(`f"{x}", f"{x!r}", f"{x:>4}", f"{x*2=}", f"{{x}}", f"{x:{x}}", f"{'a'!r}"`)).toEqual([
      `('5', '5', '   5', 'x*2=10', '{x}', '    5', "'a'")`,
    ]);
    expect(await run(`f"{3.14159:.3f} {1234567:,} {255:#x} {0.25:.1%} {'ab':*^6}"`)).toEqual([
      `'3.142 1,234,567 0xff 25.0% **ab**'`,
    ]);
  });
});

describe('numbers and containers', () => {
  it.each([
    ['1_000_000, 0x1F, 0o17, 0b101, 0XFF', '(1000000, 31, 15, 5, 255)'],
    ['1.5, 1., .5, 1e3, 1E-3, 1_0.5', '(1.5, 1.0, 0.5, 1000.0, 0.001, 10.5)'],
    [
      '1e16, 1e-5, 0.1 + 0.2, 2 ** 0.5, 1e300 * 1e10, -0.0, 100.0',
      '(1e+16, 1e-05, 0.30000000000000004, 1.4142135623730951, inf, -0.0, 100.0)',
    ],
    ['2 ** 100', '1267650600228229401496703205376'],
    ['True, False, None', '(True, False, None)'],
    ['(1,)', '(1,)'],
    ['()', '()'],
    ['1, 2', '(1, 2)'],
    ['[1, (2,), [3]]', '[1, (2,), [3]]'],
    [`{'a': 1, 2: 'b', (1, 2): None}`, `{'a': 1, 2: 'b', (1, 2): None}`],
    ['{1: 2, True: 3}', '{1: 3}'],
    ['{}, []', '({}, [])'],
  ])('%s prints %s', async (source, expected) => {
    const { run } = prompt();
    expect(await run(source)).toEqual([expected]);
  });

  it('prints nothing for an expression that is None, as the >>> prompt does', async () => {
    const { run } = prompt();
    expect(await run('None')).toEqual([]);
    expect(await run('print(None)')).toEqual(['None']);
  });
});
