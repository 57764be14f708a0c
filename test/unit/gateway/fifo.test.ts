// The queue behind the gateway's per-message lists: first in, first out, across its ring's wrap and
// growth, and nothing left reachable from a slot once its item has left.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../gateway/engine/fifo.js';

function drain<T>(q: Fifo<T>): T[] {
  const out: T[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
  return out;
}

describe('Fifo', () => {
  it('gives items back in the order they came, and undefined once empty', () => {
    const q = new Fifo<string>(2);
    q.push('a');
    q.push('b');
    q.push('c');
    expect(q.length).toBe(3);
    expect(q.at(0)).toBe('a');
    expect(q.at(2)).toBe('c');
    expect(drain(q)).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('keeps the order when it grows while its ring has wrapped around', () => {
    const q = new Fifo<number>(4);
    const seen: number[] = [];
    let next = 0;
    // Push three, take two, over and over: the head walks round the ring while the queue grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) q.push(next++);
      seen.push(q.shift()!, q.shift()!);
    }
    seen.push(...drain(q));
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('empties on clear and goes on working', () => {
    const q = new Fifo<string>();
    for (const x of 'abcdefghij') q.push(x);
    q.shift();
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push('k');
    expect(drain(q)).toEqual(['k']);
  });

  it('lets go of what left it, so a queued frame is not kept alive by the queue', async () => {
    const q = new Fifo<object>();
    let big: object | null = { bytes: new Uint8Array(1024) };
    const gone = new WeakRef(big);
    q.push(big);
    big = null;
    q.shift();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(gone.deref()).toBeUndefined();
  });
});
