// When a tab's messages leave. Messages made in one turn of the event loop go in one frame (a JSON
// array): a call makes several trace events at once, and each frame costs a write system call. Binary
// stream records (protocol/records.ts) go back to back in a binary frame; a turn that made both JSON
// messages and records sends them all in that binary frame, in order, the JSON ones as records. A lazy
// message (a write's reply and its data event) waits up to LAZY_MS for an urgent one to leave with, so
// an echo costs one frame each way.
//
// One schedule serves every tab of a gateway: one setImmediate for all the tabs with an urgent message,
// one timer for all the tabs holding only lazy ones. Its queues keep their storage (engine/fifo.ts):
// with thousands of tabs a message a second each, a Map or Set of waiting tabs, grown and shrunk at
// every message, reallocated its tables often enough that they outlived the young generation, and the
// garbage collector's pauses set the tail latency.

import { Fifo } from './engine/fifo.js';
import { jsonRecord } from './protocol/encode.js';

/** How long a lazy message may wait for an urgent one. */
export const LAZY_MS = 40;

/** A message as the outbox takes it: JSON text, or a binary stream record. */
export type Outgoing = string | Uint8Array;

export class Outbox {
  private readonly queue = new Fifo<Outgoing>(4);
  /** Waiting in the schedule's urgent list. */
  urgent = false;
  /** When the first lazy message must leave; 0 when none waits. */
  lazyDue = 0;

  constructor(
    private readonly schedule: OutboxSchedule,
    /** Sends one frame to the tab: text, or binary. */
    private readonly sendFrame: (frame: Outgoing) => void,
    /** Whether the tab can still receive: a closing one keeps what waits for takeBack. */
    private readonly open: () => boolean = () => true,
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
    if (!this.open()) return;
    const q = this.queue;
    const n = q.length;
    if (n === 0) return;
    if (n === 1) {
      this.sendFrame(q.shift()!);
      return;
    }
    let records = false;
    for (let i = 0; i < n && !records; i++) records = typeof q.at(i) !== 'string';
    if (!records) {
      let text = `[${q.shift()!}`;
      while (q.length > 0) text += `,${q.shift()!}`;
      this.sendFrame(`${text}]`);
      return;
    }
    // Records, and JSON messages as records, back to back in one buffer.
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const m = q.shift()!;
      const r = typeof m === 'string' ? jsonRecord(m) : m;
      bytes += r.length;
      q.push(r);
    }
    const frame = Buffer.allocUnsafe(bytes);
    for (let at = 0; q.length > 0; ) {
      const r = q.shift() as Uint8Array;
      frame.set(r, at);
      at += r.length;
    }
    this.sendFrame(frame);
  }

  /** Forgets what waits (the tab is gone). */
  drop(): void {
    this.queue.clear();
  }

  /** What waits, unsent and in order, taken out: the tab went away before it left. */
  takeBack(): Outgoing[] {
    const out: Outgoing[] = [];
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) out.push(m);
    this.urgent = false;
    this.lazyDue = 0;
    return out;
  }
}

export class OutboxSchedule {
  private readonly urgent = new Fifo<Outbox>(64);
  private urgentScheduled = false;
  /** Outboxes holding only lazy messages, in the order they began to wait, with their due times. */
  private readonly lazy = new Fifo<Outbox>(64);
  private readonly lazyDue = new Fifo<number>(64);
  private lazyTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  soon(box: Outbox): void {
    box.urgent = true;
    this.urgent.push(box);
    if (this.urgentScheduled) return;
    this.urgentScheduled = true;
    setImmediate(this.runUrgent);
  }

  later(box: Outbox): void {
    const due = this.clock() + LAZY_MS;
    box.lazyDue = due;
    this.lazy.push(box);
    this.lazyDue.push(due);
    this.lazyTimer ??= setTimeout(this.runLazy, LAZY_MS);
  }

  private readonly runUrgent = (): void => {
    this.urgentScheduled = false;
    // The boxes waiting now; one made urgent while they flush leaves in the next turn.
    for (let n = this.urgent.length; n > 0; n--) {
      const box = this.urgent.shift()!;
      if (box.urgent) box.flush();
    }
  };

  private readonly runLazy = (): void => {
    this.lazyTimer = null;
    const now = this.clock();
    while (this.lazy.length > 0) {
      const box = this.lazy.at(0);
      const due = this.lazyDue.at(0);
      // An entry whose box flushed since (with an urgent message, or from here) is stale.
      if (box.lazyDue === due) {
        if (due > now + 1) {
          this.lazyTimer = setTimeout(this.runLazy, due - now);
          return;
        }
        box.flush();
      }
      this.lazy.shift();
      this.lazyDue.shift();
    }
  };
}
