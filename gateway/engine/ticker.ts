// Work to do a fixed delay from now, for every session of a gateway on one timer.
//
// Why the engines' kernel-state looks go through one: while bytes move, each engine reads its sockets'
// state QUIET_TICK_MS after they last moved. On a timer of its own per engine, 5000 sessions sending a
// message a second woke the event loop 5000 more times a second, and each wakeup (the loop's epoll
// returning for a timer, alone) cost more than the look itself. Here the looks due within SLACK_MS of
// each other run together: about one wakeup per SLACK_MS, whatever the number of sessions.

/** How late a job may run so that it runs with others. */
export const SLACK_MS = 20;

export class Ticker {
  private readonly jobs: ((() => void) | null)[] = [];
  private readonly due: number[] = [];
  private head = 0;
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
    // Jobs are due in the order they were added: run every one due by now.
    while (this.head < this.jobs.length && this.due[this.head]! <= now) {
      const job = this.jobs[this.head]!;
      this.jobs[this.head] = null;
      this.head++;
      try {
        job();
      } catch (err) {
        console.error('[ticker] a job failed', err);
      }
    }
    if (this.head === this.jobs.length) {
      this.jobs.length = 0;
      this.due.length = 0;
      this.head = 0;
    } else {
      if (this.head > 4096) {
        this.jobs.splice(0, this.head);
        this.due.splice(0, this.head);
        this.head = 0;
      }
      this.timer = setTimeout(this.run, this.due[this.head]! - now + SLACK_MS);
    }
  };
}
