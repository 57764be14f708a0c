// Work to do a fixed delay from now, for every session of a gateway on one timer.
//
// Why the engines' kernel-state looks go through one: while bytes move, each engine reads its sockets'
// state QUIET_TICK_MS after they last moved. On a timer of its own per engine, 5000 sessions sending a
// message a second woke the event loop 5000 more times a second, and each wakeup (the loop's epoll
// returning for a timer, alone) cost more than the look itself. Here the looks due within SLACK_MS of
// each other run together: about one wakeup per SLACK_MS, whatever the number of sessions.

import { Fifo } from './fifo.js';

/** How late a job may run so that it runs with others. */
export const SLACK_MS = 20;

export class Ticker {
  private readonly jobs = new Fifo<() => void>();
  /** When each job is due, in the order added (so in time order: every job waits the same delay). */
  private readonly due = new Fifo<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly delayMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Runs `job` once, delayMs from now: never sooner, about SLACK_MS later at most (unless the loop is busy). */
  add(job: () => void): void {
    this.jobs.push(job);
    this.due.push(this.clock() + this.delayMs);
    this.timer ??= setTimeout(this.run, this.delayMs + SLACK_MS);
  }

  private readonly run = (): void => {
    this.timer = null;
    const now = this.clock();
    // Run every job due by now.
    while (this.jobs.length > 0 && this.due.at(0) <= now) {
      const job = this.jobs.shift()!;
      this.due.shift();
      try {
        job();
      } catch (err) {
        console.error('[ticker] a job failed', err);
      }
    }
    // A job may have added another (and armed a timer for it): wake for the earliest left.
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = this.jobs.length > 0 ? setTimeout(this.run, this.due.at(0) - now + SLACK_MS) : null;
  };
}
