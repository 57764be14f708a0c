// When a tab's messages leave. Messages made in one turn of the event loop go in one frame (a JSON
// array): a call makes several trace events at once, and each frame costs a write system call. Binary
// stream records (protocol/records.ts) go back to back in a binary frame; a turn that made both JSON
// messages and records sends them all in that binary frame, in order, the JSON ones as records. A lazy
// message (a write's reply and its data event) waits up to LAZY_MS for an urgent one to leave with, so
// an echo costs one frame each way.
//
// One schedule serves every tab of a gateway: one setImmediate for all the tabs with an urgent message,
// one timer for all the tabs holding only lazy ones. Its queues are plain arrays that keep their
// storage: with thousands of tabs a message a second each, a Map or Set of waiting tabs, grown and
// shrunk at every message, reallocated its tables often enough that they outlived the young generation,
// and the garbage collector's pauses set the tail latency.

import { jsonRecord } from './protocol/encode.js';

/** How long a lazy message may wait for an urgent one. */
export const LAZY_MS = 40;

/** A message as the outbox takes it: JSON text, or a binary stream record. */
export type Outgoing = string | Uint8Array;

export class Outbox {
  private readonly queue: Outgoing[] = [];
  /** Waiting in the schedule's urgent list. */
  urgent = false;
  /** When the first lazy message must leave; 0 when none waits. */
  lazyDue = 0;

  constructor(
    private readonly schedule: OutboxSchedule,
    /** Sends one frame to the tab: text, or binary. */
    private readonly sendFrame: (frame: Outgoing) => void,
  ) {}

  push(msg: Outgoing, lazy: boolean): void {
    this.queue.push(msg);
    if (this.urgent) return;
    if (!lazy) this.schedule.soon(this);
    else if (this.lazyDue === 0) this.schedule.later(this);
  }

  /** Sends what waits, in one frame: a JSON array, or binary records when there are any. */
  flush(): void {
    this.urgent = false;
    this.lazyDue = 0;
    const q = this.queue;
    if (q.length === 0) return;
    let records = false;
    for (const m of q) if (typeof m !== 'string') records = true;
    if (q.length === 1) this.sendFrame(q[0]!);
    else if (!records) this.sendFrame(`[${q.join(',')}]`);
    else {
      for (let i = 0; i < q.length; i++) {
        const m = q[i]!;
        if (typeof m === 'string') q[i] = jsonRecord(m);
      }
      this.sendFrame(Buffer.concat(q as Uint8Array[]));
    }
    // The same array for the tab's whole life: a fresh one a flush outlived the young generation.
    q.length = 0;
  }

  /** Forgets what waits (the tab is gone). */
  drop(): void {
    this.queue.length = 0;
  }
}

export class OutboxSchedule {
  private urgent: Outbox[] = [];
  private spare: Outbox[] = [];
  /** Outboxes holding only lazy messages, in the order they began to wait, with their due times. */
  private readonly lazy: Outbox[] = [];
  private readonly lazyDue: number[] = [];
  private lazyHead = 0;
  private lazyTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  soon(box: Outbox): void {
    box.urgent = true;
    this.urgent.push(box);
    if (this.urgent.length === 1) setImmediate(this.runUrgent);
  }

  later(box: Outbox): void {
    const due = this.clock() + LAZY_MS;
    box.lazyDue = due;
    this.lazy.push(box);
    this.lazyDue.push(due);
    this.lazyTimer ??= setTimeout(this.runLazy, LAZY_MS);
  }

  private readonly runUrgent = (): void => {
    const due = this.urgent;
    this.urgent = this.spare;
    for (const box of due) if (box.urgent) box.flush();
    due.length = 0;
    this.spare = due;
  };

  private readonly runLazy = (): void => {
    this.lazyTimer = null;
    const now = this.clock();
    while (this.lazyHead < this.lazy.length) {
      const box = this.lazy[this.lazyHead]!;
      const due = this.lazyDue[this.lazyHead]!;
      // An entry whose box flushed since (with an urgent message, or from here) is stale.
      if (box.lazyDue === due) {
        if (due > now + 1) {
          this.lazyTimer = setTimeout(this.runLazy, due - now);
          break;
        }
        box.flush();
      }
      this.lazyHead++;
    }
    if (this.lazyHead === this.lazy.length) {
      this.lazy.length = 0;
      this.lazyDue.length = 0;
      this.lazyHead = 0;
    } else if (this.lazyHead > 4096) {
      this.lazy.splice(0, this.lazyHead);
      this.lazyDue.splice(0, this.lazyHead);
      this.lazyHead = 0;
    }
  };
}
