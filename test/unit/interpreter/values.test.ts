import { describe, expect, it } from 'vitest';
import { prompt } from './fake-backend.js';

// Each expected string is what CPython 3.11 prints at its >>> prompt for the same input.

describe('values, operators, methods and built-ins behave as in Python', () => {
  it.each([
    [
      '"abc".upper().lower().title(), "hello world".capitalize(), "Hello".swapcase()',
      "('Abc', 'Hello world', 'hELLO')",
    ],
    [
      '"a,b,,c".split(","), "a b  c".split(), "a b c".split(None, 1), "k=v=w".split("=", 1)',
      "(['a', 'b', '', 'c'], ['a', 'b', 'c'], ['a', 'b c'], ['k', 'v=w'])",
    ],
    ['",".join(["x", "y"]), "-".join("abc"), "".join([])', "('x,y', 'a-b-c', '')"],
    ['"  hi  ".strip(), "xxhixx".strip("x"), "  hi".lstrip(), "hi  ".rstrip()', "('hi', 'hi', 'hi', 'hi')"],
    [
      '"hello".replace("l", "L"), "hello".replace("l", "L", 1), "ab".replace("", "-")',
      "('heLLo', 'heLlo', '-a-b-')",
    ],
    [
      '"hello".startswith("he"), "hello".endswith(("x", "lo")), "hello".find("l"), "hello".rfind("l"), "hello".find("z"), "hello".index("e"), "hello".count("l")',
      '(True, True, 2, 3, -1, 1, 2)',
    ],
    [
      '"x".center(5, "*"), "ab".ljust(4) + "|", "ab".rjust(4), "42".zfill(5), "-42".zfill(5)',
      "('**x**', 'ab  |', '  ab', '00042', '-0042')",
    ],
    [
      '"aXbXc".partition("X"), "aXbXc".rpartition("X"), "a\\nb\\r\\nc".splitlines(), "12".isdigit(), "ab".isalpha(), " ".isspace(), "AB".isupper()',
      "(('a', 'X', 'bXc'), ('aXb', 'X', 'c'), ['a', 'b', 'c'], True, True, True, True)",
    ],
    [
      '"{} {}".format(1, "a"), "{0}{1}{0}".format("a", "b"), "{name}!".format(name="hi"), "{0[1]}".format(("a", "b")), "{:>6}|{:<6}|{:^6}|".format("r", "l", "c")',
      "('1 a', 'aba', 'hi!', 'b', '     r|l     |  c   |')",
    ],
    [
      '"{!r}".format("x"), "{:.3}".format(3.14159), "{:,}".format(1234567), "{:08.3f}".format(-3.14159), "{:+d}".format(5), "{:x} {:#x} {:b} {:o}".format(255, 255, 5, 8)',
      "(\"'x'\", '3.14', '1,234,567', '-003.142', '+5', 'ff 0xff 101 10')",
    ],
    [
      '"%s|%r|%d|%5.2f|%-4s|%04d|%x|%c|%%" % ("a", "a", 42, 3.14159, "ab", 7, 255, 65)',
      '"a|\'a\'|42| 3.14|ab  |0007|ff|A|%"',
    ],
    [
      '"%(a)s-%(b)d" % {"a": 1, "b": 2}, "%s" % (1,), "%s" % [1, 2], "%d%%" % 50, "%i" % 3.7',
      "('1-2', '1', '[1, 2]', '50%', '3')",
    ],
    ['b"%s %d" % (b"x", 5), b"%r" % b"q"', "(b'x 5', b\"b'q'\")"],
    [
      'b"Hello".upper(), b"Hello".lower(), b"  x ".strip(), b"a b".split(), b"a,b".split(b","), b"-".join([b"a", b"b"])',
      "(b'HELLO', b'hello', b'x', [b'a', b'b'], [b'a', b'b'], b'a-b')",
    ],
    [
      'b"hello".find(b"l"), b"hello".find(108), b"hello".count(b"l"), b"hello".replace(b"l", b"L"), b"hello".startswith(b"he"), b"hello".endswith(b"lo")',
      "(2, 2, 2, b'heLLo', True, True)",
    ],
    [
      'b"\\x01\\xff".hex(), b"\\x01\\x02".hex(":"), bytes.fromhex("de ad be ef"), b"abc"[1], b"abc"[1:], list(b"hi")',
      "('01ff', '01:02', b'\\xde\\xad\\xbe\\xef', 98, b'bc', [104, 105])",
    ],
    [
      'bytes([104, 105]), bytes(3), bytes("hé", "utf-8"), str(b"h\\xc3\\xa9", "utf-8"), str(b"hi"), bytes(b"x")',
      "(b'hi', b'\\x00\\x00\\x00', b'h\\xc3\\xa9', 'hé', \"b'hi'\", b'x')",
    ],
    [
      'b"a\\xffb".decode("utf-8", "replace"), b"a\\xffb".decode("utf-8", "ignore"), b"a\\xffb".decode("utf-8", "backslashreplace"), b"caf\\xe9".decode("latin-1")',
      "('a�b', 'ab', 'a\\\\xffb', 'café')",
    ],
    [
      '"abc"[::-1], "abc"[-1], "abcdef"[1:4], "abcdef"[::2], "abcdef"[-3:], "abcdef"[10:], "🌮x"[0]',
      "('cba', 'c', 'bcd', 'ace', 'def', '', '🌮')",
    ],
    [
      '[1, 2, 3][1:], (1, 2, 3)[::2], [1, 2, 3][-1], list(range(10))[2:8:3], list(range(5))[::-1]',
      '([2, 3], (1, 3), 3, [2, 5], [4, 3, 2, 1, 0])',
    ],
    [
      '1 + 2 * 3 - 4 / 2, 7 // 2, -7 // 2, 7 % 3, -7 % 3, 5 % -3, 2 ** 10, 2 ** -1, 7.5 // 2, -7.5 % 2',
      '(5.0, 3, -4, 1, 2, -1, 1024, 0.5, 3.0, 0.5)',
    ],
    [
      '1 | 2, 6 & 3, 5 ^ 1, 1 << 4, 256 >> 4, ~5, -(-3), +4, abs(-2.5), True + True',
      '(3, 2, 4, 16, 16, -6, 3, 4, 2.5, 2)',
    ],
    [
      '1 < 2 < 3, 1 < 3 < 2, "a" < "b", (1, 2) < (1, 3), [1] == [1], (1,) == [1], b"a" == "a", 1 == 1.0, None is None, 0 is not None',
      '(True, False, True, True, True, False, False, True, True, True)',
    ],
    [
      'not None, not [], 0 or [] or "x", 1 and 0, None and 1, "" or "default"',
      "(True, True, 'x', 0, None, 'default')",
    ],
    [
      '1 in [1, 2], 3 not in (1, 2), "ell" in "hello", b"el" in b"hello", 101 in b"hello", "a" in {"a": 1}, 5 in range(10)',
      '(True, True, True, True, True, True, True)',
    ],
    [
      'int("42"), int(" -7 "), int("0x1f", 0), int("ff", 16), int("101", 2), int(3.9), int(-3.9), int("1_000"), int(True)',
      '(42, -7, 31, 255, 5, 3, -3, 1000, 1)',
    ],
    [
      'float("1.5"), float(" -2 "), float("inf"), float("1e3"), float(2), round(2.5), round(3.5), round(3.14159, 2)',
      '(1.5, -2.0, inf, 1000.0, 2.0, 2, 4, 3.14)',
    ],
    [
      'str(42), str(1.5), str(None), str([1, "a"]), repr("a"), repr(1.0), ascii("é")',
      "('42', '1.5', 'None', \"[1, 'a']\", \"'a'\", '1.0', \"'\\\\xe9'\")",
    ],
    [
      'hex(255), hex(-255), oct(8), bin(5), ord("A"), ord("🌮"), chr(66), chr(127790)',
      "('0xff', '-0xff', '0o10', '0b101', 65, 127790, 'B', '🌮')",
    ],
    [
      'min([3, 1, 2]), max(3, 7), min("bca"), max([1, 5], default=0), sum([1, 2.5]), sum(range(5))',
      "(1, 7, 'a', 5, 3.5, 10)",
    ],
    [
      'sorted("cba"), sorted([3, 1, 2], reverse=True), list(reversed([1, 2, 3])), list(zip("ab", [1, 2])), list(enumerate("ab", 1))',
      "(['a', 'b', 'c'], [3, 2, 1], [3, 2, 1], [('a', 1), ('b', 2)], [(1, 'a'), (2, 'b')])",
    ],
    [
      'any([0, 1]), all([]), any([]), all([1, ""]), list(range(10, 0, -3)), range(3)[1], len(range(0, 10, 3))',
      '(True, True, False, False, [10, 7, 4, 1], 1, 4)',
    ],
    [
      'divmod(7, 2), list(map(str, [1, 2])), list(filter(None, [0, 1, "", "a"])), isinstance(True, int), isinstance(1, (str, float))',
      "((3, 1), ['1', '2'], [1, 'a'], True, False)",
    ],
    [
      'issubclass(ConnectionRefusedError, OSError), issubclass(OSError, (ValueError, OSError)), issubclass(bool, int), issubclass(int, object), issubclass(socket.gaierror, ValueError)',
      '(True, True, True, True, False)',
    ],
    [
      'type(1), type(""), type(b""), type(None), type([]), type(()), type({}), type(1.0), type(True), type(range(1))',
      "(<class 'int'>, <class 'str'>, <class 'bytes'>, <class 'NoneType'>, <class 'list'>, <class 'tuple'>, <class 'dict'>, <class 'float'>, <class 'bool'>, <class 'range'>)",
    ],
    [
      'tuple([1, 2]), list("ab"), dict(a=1), dict([("x", 1)]), list({"a": 1}), bool(0), bool("x")',
      "((1, 2), ['a', 'b'], {'a': 1}, {'x': 1}, ['a'], False, True)",
    ],
    [
      '{"a": 1}.get("b"), {"a": 1}.get("b", 0), list({"a": 1, "b": 2}.keys()), list({"a": 1}.values()), list({"a": 1}.items())',
      "(None, 0, ['a', 'b'], [1], [('a', 1)])",
    ],
    [
      '{"a": 1}.keys(), {"a": 1}.values(), {"a": 1}.items()',
      "(dict_keys(['a']), dict_values([1]), dict_items([('a', 1)]))",
    ],
    [
      '[1, 2] * 2, 2 * (1,), "ab" * 3, 3 * b"ab", [0] * -1, "ab" * 0',
      "([1, 2, 1, 2], (1, 1), 'ababab', b'ababab', [], '')",
    ],
    [
      '{"a": [1, {"b": (2,)}]}, [[]], ((),), {(1, 2): [3]}',
      "({'a': [1, {'b': (2,)}]}, [[]], ((),), {(1, 2): [3]})",
    ],
  ])('%s', async (source, expected) => {
    const { run } = prompt();
    expect(await run(source)).toEqual([expected]);
  });
});
