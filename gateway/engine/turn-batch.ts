// Work put off to the end of this turn of the event loop, then done all at once, in the order given.
//
// Why the engine's stream writes go through one: a send() to a loopback peer that is asleep wakes it,
// and on a virtual machine that wakeup (an interrupt to the other CPU) costs several microseconds of
// kernel time in the sender. Sent as each page's write arrived, between the JSON work of the pages
// around it, every send found the echo server asleep again: at 1000 sessions that wakeup was a sixth
// of the gateway's CPU. Sent back to back once the turn's messages are read, one wakeup serves many
// (bench: 17k -> 25k echoes a second at 1000 sessions; kernel time per echo 28 -> 16 µs).

import { Fifo } from './fifo.js';

export class TurnBatch {
  private readonly jobs = new Fifo<() => void>();
  private scheduled = false;

  add(job: () => void): void {
    this.jobs.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    // The jobs added so far; one added by a job runs at the end of the next turn.
    for (let n = this.jobs.length; n > 0; n--) {
      const job = this.jobs.shift()!;
      try {
        job();
      } catch (err) {
        console.error('[turn batch] a job failed', err);
      }
    }
  };
}
