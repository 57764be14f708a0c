// The struct module as Python 3 on x86-64 Linux has it: every expected line below is what python3
// printed for the same input, but for an integer past 2**53, which this prompt refuses to round.

import { describe, expect, it } from 'vitest';
import { prompt } from './fake-backend.js';

async function py(lines: string[]): Promise<string[]> {
  const { run } = prompt();
  await run('import struct');
  const out: string[] = [];
  for (const line of lines) out.push(...(await run(line)));
  return out;
}

describe('struct', () => {
  it('packs and unpacks the integers of socket options and protocols, in each byte order', async () => {
    expect(
      await py([
        "struct.pack('ii', 1, 0)",
        "struct.pack('!H', 80)",
        "struct.pack('<hI', -2, 4000000000)",
        "struct.pack('>q', -1)",
        "struct.pack('4s', b'ab')",
        "struct.pack('?x?', 5, 0)",
        "struct.unpack('!HH', b'\\x00P\\x1f\\x90')",
        "struct.unpack('ii', b'\\x01\\x00\\x00\\x00\\x1e\\x00\\x00\\x00')",
        "struct.unpack('>q', b'\\xff' * 8)",
        "struct.unpack('>Q', b'\\xff' * 8)",
      ]),
    ).toEqual([
      "b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00'",
      "b'\\x00P'",
      "b'\\xfe\\xff\\x00(k\\xee'",
      "b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff'",
      "b'ab\\x00\\x00'",
      "b'\\x01\\x00\\x00'",
      '(80, 8080)',
      '(1, 30)',
      '(-1,)',
      "OverflowError: 18446744073709551615 is larger than this playground's integers hold exactly (2**53)",
    ]);
  });

  it('sizes and aligns native formats as C does on x86-64, and standard ones without padding', async () => {
    expect(
      await py([
        "struct.calcsize('ii')",
        "struct.calcsize('bi')",
        "struct.calcsize('=bi')",
        "struct.calcsize('l')",
        "struct.calcsize('!l')",
      ]),
    ).toEqual(['8', '8', '5', '8', '4']);
  });

  it('raises struct.error as Python words it, and struct.error can be caught', async () => {
    expect(
      await py([
        "struct.pack('B', 256)",
        "struct.pack('ii', 1)",
        "struct.unpack('i', b'abc')",
        "struct.pack('i', 'x')",
        "struct.pack('y', 1)",
        "try:\n    struct.pack('h', 40000)\nexcept struct.error as e:\n    print('caught', e)\n",
        "struct.pack('!I', 5000000000)",
        "struct.pack('I', -1)",
      ]),
    ).toEqual([
      'struct.error: ubyte format requires 0 <= number <= 255',
      'struct.error: pack expected 2 items for packing (got 1)',
      'struct.error: unpack requires a buffer of 4 bytes',
      'struct.error: required argument is not an integer',
      'struct.error: bad char in struct format',
      'caught short format requires -32768 <= number <= 32767',
      "struct.error: 'I' format requires 0 <= number <= 4294967295",
      'struct.error: argument out of range',
    ]);
  });
});
