// The looks at moving sockets of every session wait on one timer: each runs its delay after it was
// asked for, never sooner, and the ones asked for close together run in one wakeup of the loop.

import { describe, expect, it } from 'vitest';
import { SLACK_MS, Ticker } from '../../../gateway/engine/ticker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ticker', () => {
  it('runs each job its delay after it was added, never sooner', async () => {
    const ticker = new Ticker(60);
    const ran: [string, number][] = [];
    const t0 = performance.now();
    ticker.add(() => ran.push(['a', performance.now() - t0]));
    await sleep(40);
    ticker.add(() => ran.push(['b', performance.now() - t0]));
    await sleep(60 + 40 + SLACK_MS + 40);
    expect(ran.map(([n]) => n)).toEqual(['a', 'b']);
    expect(ran[0]![1]).toBeGreaterThanOrEqual(60 - 1);
    expect(ran[1]![1]).toBeGreaterThanOrEqual(40 + 60 - 1);
  });

  it('runs the jobs added close together in one wakeup, in order', async () => {
    const ticker = new Ticker(40);
    const seen: string[] = [];
    ticker.add(() => {
      seen.push('a');
      // Runs after the jobs of this wakeup, before the next one.
      queueMicrotask(() => seen.push('|'));
    });
    await sleep(5);
    ticker.add(() => seen.push('b'));
    ticker.add(() => seen.push('c'));
    await sleep(40 + SLACK_MS + 30);
    expect(seen).toEqual(['a', 'b', 'c', '|']);
  });

  it('goes on with the other jobs when one throws', async () => {
    const ticker = new Ticker(10);
    const seen: string[] = [];
    const error = console.error;
    console.error = () => {};
    try {
      ticker.add(() => {
        throw new Error('boom');
      });
      ticker.add(() => seen.push('after'));
      await sleep(10 + SLACK_MS + 30);
    } finally {
      console.error = error;
    }
    expect(seen).toEqual(['after']);
  });
});
