// How load is applied to a set of open sessions: closed loop (each session echoes back to back) and
// classroom pace (each session one echo a second). Times every round trip; every loop is bounded in
// time, and a round trip that never comes back is counted as an error, never awaited forever.

import type { EchoClient } from './clients.js';
import { Samples } from './stats.js';

export interface LoadResult {
  /** Round trips completed inside the measured window. */
  messages: number;
  /** Round trips completed at any time, warm-up included. */
  completed: number;
  seconds: number;
  samples: Samples;
  /** Failed round trips, including those still outstanding when the bench stopped waiting. */
  errors: number;
  /** Sessions that failed or closed during the run. */
  failedSessions: number;
  /** Why round trips failed, most common first. */
  reasons: [string, number][];
  /** Classroom pace only: ticks skipped because that session's previous echo was still out. */
  skipped: number;
}

class Tally {
  readonly samples = new Samples();
  messages = 0;
  completed = 0;
  errors = 0;
  skipped = 0;
  outstanding = 0;
  readonly failed = new Set<EchoClient>();
  private readonly reasons = new Map<string, number>();

  fail(c: EchoClient, err: Error): void {
    this.errors++;
    this.failed.add(c);
    const why = err.message.slice(0, 80);
    this.reasons.set(why, (this.reasons.get(why) ?? 0) + 1);
  }

  result(seconds: number, clients: readonly EchoClient[], stillOut: number): LoadResult {
    if (stillOut > 0) this.reasons.set('no reply before the bench stopped waiting', stillOut);
    for (const c of clients) if (!c.alive) this.failed.add(c);
    return {
      messages: this.messages,
      completed: this.completed,
      seconds,
      samples: this.samples,
      errors: this.errors + stillOut,
      failedSessions: this.failed.size,
      reasons: [...this.reasons].sort((a, b) => b[1] - a[1]),
      skipped: this.skipped,
    };
  }
}

export interface ClosedLoopOptions {
  warmupMs: number;
  measureMs: number;
  /** How long to wait for round trips still out when the window closes. */
  drainMs: number;
}

/**
 * Every session sends, waits for its echo, sends again. Counted: round trips that both started and
 * ended inside the window after the warm-up. A session that fails stops; the others carry on.
 */
export function closedLoop(clients: readonly EchoClient[], o: ClosedLoopOptions): Promise<LoadResult> {
  const tally = new Tally();
  const t0 = performance.now();
  const start = t0 + o.warmupMs;
  const end = start + o.measureMs;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (stillOut: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      resolve(tally.result(o.measureMs / 1000, clients, stillOut));
    };
    const giveUp = setTimeout(() => finish(tally.outstanding), o.warmupMs + o.measureMs + o.drainMs);
    const next = (c: EchoClient) => {
      if (finished) return;
      const sent = performance.now();
      if (sent >= end || !c.alive) {
        if (tally.outstanding === 0) finish(0);
        return;
      }
      tally.outstanding++;
      c.exchange((err) => {
        tally.outstanding--;
        const now = performance.now();
        if (err) {
          tally.fail(c, err);
          if (tally.outstanding === 0 && (now >= end || clients.every((x) => !x.alive))) finish(0);
          return;
        }
        tally.completed++;
        if (sent >= start && now <= end) {
          tally.messages++;
          tally.samples.add(now - sent);
        }
        next(c);
      });
    };
    if (clients.length === 0) finish(0);
    for (const c of clients) next(c);
  });
}

export interface PacedOptions {
  /** Time between one session's messages. */
  intervalMs: number;
  /**
   * Sent but not counted at first, as in the closed loop: a session's first message makes every path
   * set up state it keeps (buffers, parsers' state), and the collection that moves it to the old
   * generation paused the gateway for ~10 ms and the bridge for ~7 ms inside the measured seconds.
   */
  warmupMs: number;
  durationMs: number;
  drainMs: number;
}

/**
 * Each session sends one message every intervalMs, at its own moment of the interval, chosen at random.
 * Messages sent in the first warmupMs are not counted; durationMs is measured after them.
 *
 * One timer walks the sessions in the order of their moments. A timer per session and tick lived a
 * whole interval, long enough to be promoted out of the young generation: at 5000 sessions every
 * young-generation collection of this process moved ~0.8 MB to the old one and paused it 2.7–7 ms
 * (1.6–3.3 ms now, with nothing moved), and those pauses delay the echoes of every path it measures.
 */
export function paced(clients: readonly EchoClient[], o: PacedOptions): Promise<LoadResult> {
  const tally = new Tally();
  const t0 = performance.now();
  const start = t0 + o.warmupMs;
  const end = start + o.durationMs;
  const n = clients.length;
  const moment = Float64Array.from(clients, () => Math.random() * o.intervalMs);
  const order = Uint32Array.from(clients.keys()).sort((a, b) => moment[a]! - moment[b]!);
  const inFlight = new Uint8Array(n);
  let outstanding = 0;
  let cycle = 0;
  let next = 0;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve(tally.result(o.durationMs / 1000, clients, outstanding));
    };
    const send = (i: number) => {
      const c = clients[i]!;
      if (!c.alive) return;
      if (inFlight[i]) {
        tally.skipped++;
        return;
      }
      inFlight[i] = 1;
      outstanding++;
      const sent = performance.now();
      c.exchange((err) => {
        inFlight[i] = 0;
        outstanding--;
        if (err) {
          tally.fail(c, err);
          return;
        }
        // Every round trip, warm-up included, as its frames are (frames per message).
        tally.completed++;
        if (sent >= start) {
          tally.messages++;
          tally.samples.add(performance.now() - sent);
        }
      });
    };
    // After the last tick: wait for the stragglers, polling, at most drainMs.
    const drain = () => {
      const waitUntil = performance.now() + o.drainMs;
      const poll = setInterval(() => {
        if (outstanding === 0 || performance.now() >= waitUntil) {
          clearInterval(poll);
          finish();
        }
      }, 20);
    };
    const walk = () => {
      const now = performance.now();
      for (;;) {
        if (next === n) {
          cycle++;
          next = 0;
        }
        const i = order[next]!;
        const due = t0 + cycle * o.intervalMs + moment[i]!;
        if (due >= end) return drain();
        if (due > now) {
          setTimeout(walk, due - now);
          return;
        }
        next++;
        send(i);
      }
    };
    if (n === 0) drain();
    else walk();
  });
}
