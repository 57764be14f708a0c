// Stream writes leave at the end of the loop's turn, all together, in the order they were asked for.

import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../../gateway/engine/turn-batch.js';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnBatch', () => {
  it('runs the jobs of a turn after it, together and in order', async () => {
    const batch = new TurnBatch();
    const seen: string[] = [];
    batch.add(() => seen.push('a'));
    batch.add(() => seen.push('b'));
    seen.push('turn');
    await nextTurn();
    expect(seen).toEqual(['turn', 'a', 'b']);
  });

  it('runs a job added by a job at the end of the next turn, not in the middle of this one', async () => {
    const batch = new TurnBatch();
    const seen: string[] = [];
    batch.add(() => {
      seen.push('a');
      batch.add(() => seen.push('c'));
    });
    batch.add(() => seen.push('b'));
    await nextTurn();
    expect(seen).toEqual(['a', 'b']);
    await nextTurn();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('goes on with the other jobs when one throws', async () => {
    const batch = new TurnBatch();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const log = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      batch.add(() => {
        throw new Error('boom');
      });
      batch.add(() => seen.push('after'));
      await nextTurn();
    } finally {
      console.error = log;
    }
    expect(seen).toEqual(['after']);
    expect(errors).toHaveLength(1);
  });
});
