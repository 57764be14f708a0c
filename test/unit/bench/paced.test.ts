// The bench's classroom pace: its figures must be the steady state it says it measures. Every
// session's first message a second sets up state in every path measured, and the pause that follows
// was counted in the p99; the warm-up second is sent and not counted.

import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoClient, openTcp } from '../../../bench/clients.js';
import { paced } from '../../../bench/load.js';
import { Samples } from '../../../bench/stats.js';

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('paced load', () => {
  it('sends during the warm-up but counts only the measured seconds', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => openTcp(port, 2000)));
    let exchanges = 0;
    const counting: EchoClient[] = clients.map((c) => ({
      get alive() {
        return c.alive;
      },
      extraFrames: 0,
      close: () => c.close(),
      exchange(done) {
        exchanges++;
        c.exchange(done);
      },
    }));
    const result = await paced(counting, { intervalMs: 100, warmupMs: 300, durationMs: 500, drainMs: 1000 });
    for (const c of clients) c.close();
    // 8 ticks a session in all (3 warm-up, 5 measured), give or take one at each edge.
    expect(exchanges).toBeGreaterThanOrEqual(4 * 7);
    expect(result.messages).toBeGreaterThanOrEqual(4 * 4);
    expect(result.messages).toBeLessThanOrEqual(4 * 6);
    expect(result.samples.count).toBe(result.messages);
    // Frames per message divides every frame received, warm-up included, by this: every round trip.
    expect(result.completed).toBe(exchanges);
    expect(result.errors).toBe(0);
    expect(result.seconds).toBe(0.5);
  });

  it('counts an echo that fails during the warm-up as a failed session', async () => {
    const client = await openTcp(port, 2000);
    let first = true;
    const failsOnce: EchoClient = {
      alive: true,
      extraFrames: 0,
      close: () => client.close(),
      exchange(done) {
        if (!first) return client.exchange(done);
        first = false;
        done(new Error('the peer closed the connection'));
      },
    };
    const result = await paced([failsOnce], {
      intervalMs: 100,
      warmupMs: 300,
      durationMs: 300,
      drainMs: 500,
    });
    client.close();
    expect(result.errors).toBe(1);
    expect(result.failedSessions).toBe(1);
    expect(result.reasons).toEqual([['the peer closed the connection', 1]]);
    expect(result.messages).toBeGreaterThanOrEqual(2);
  });

  it('sends each session once an interval, at a moment of its own', async () => {
    const sends = new Map<number, number[]>();
    const sessions: EchoClient[] = Array.from({ length: 50 }, (_, i) => ({
      alive: true,
      extraFrames: 0,
      close() {},
      exchange(done) {
        const times = sends.get(i) ?? [];
        times.push(performance.now());
        sends.set(i, times);
        done(null);
      },
    }));
    await paced(sessions, { intervalMs: 200, warmupMs: 0, durationMs: 1000, drainMs: 500 });
    expect(sends.size).toBe(50);
    for (const times of sends.values()) {
      expect(times.length).toBe(5);
      // One interval apart, give or take a late timer on a busy machine.
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThan(150);
    }
    // The moments are spread over the interval, not one burst: the first sends span most of it.
    const firsts = [...sends.values()].map((t) => t[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(100);
  });
});

describe('paced load with no sessions', () => {
  it('ends at once with nothing counted', async () => {
    const result = await paced([], { intervalMs: 100, warmupMs: 100, durationMs: 300, drainMs: 500 });
    expect(result.messages).toBe(0);
    expect(result.errors).toBe(0);
    expect(result.failedSessions).toBe(0);
  });
});

describe('latency samples', () => {
  it('keeps every value up to its capacity, then a sample of them', () => {
    const samples = new Samples(10_000);
    for (let i = 1; i <= 5000; i++) samples.add(i);
    expect(samples.count).toBe(5000);
    expect(samples.percentile(50)).toBe(2500);
    expect(samples.percentile(99)).toBe(4950);
    expect(samples.percentile(100)).toBe(5000);
    for (let i = 5001; i <= 40_000; i++) samples.add(i);
    expect(samples.count).toBe(40_000);
    // 10,000 kept of 40,000 seen: the median of a uniform sample is near the middle.
    expect(Math.abs(samples.percentile(50) - 20_000)).toBeLessThan(2000);
  });
});
