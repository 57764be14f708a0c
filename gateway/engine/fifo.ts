// A first-in, first-out queue that keeps its storage, for the lists the gateway fills and empties at
// every message (a turn's writes, a tab's outgoing messages, the sockets due for a look).
//
// Why not an array emptied with `length = 0`: V8 gives the array's storage back when its length is set
// to 0, so the next push allocates it again. At 5000 sessions a message a second those arrays were a
// good part of what the gateway allocated per message, and every young-generation collection they
// brought on paused all the sessions for a few milliseconds (the bench's p99 at that pace).

export class Fifo<T> {
  /** A ring: capacity a power of two; slots not in use hold undefined, so nothing stays reachable. */
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(capacity = 8) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** The i-th item from the head (0 is the oldest); i must be below length. */
  at(i: number): T {
    return this.items[(this.head + i) & (this.items.length - 1)] as T;
  }

  /** The oldest item, taken off the queue; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  clear(): void {
    while (this.count > 0) this.shift();
    this.head = 0;
  }

  private grow(): void {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) items[i] = old[(this.head + i) & (old.length - 1)];
    this.items = items;
    this.head = 0;
  }
}
