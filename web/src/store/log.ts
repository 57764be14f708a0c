// An append-only list that stays cheap to copy: appending copies one chunk of at most CHUNK items
// and the chunk index, never the whole history, so a pure reducer can hold 50,000 trace events.

const CHUNK = 512;

export class Log<T> {
  private constructor(
    private readonly chunks: readonly (readonly T[])[],
    readonly length: number,
    /** Index of the first item still kept (older ones were dropped). */
    readonly start: number,
  ) {}

  static empty<T>(): Log<T> {
    return new Log<T>([], 0, 0);
  }

  /** A new log with item appended; drops the oldest chunk when more than max items are kept. */
  push(item: T, max = Number.POSITIVE_INFINITY): Log<T> {
    const chunks = this.chunks.slice();
    const last = chunks[chunks.length - 1];
    if (last && last.length < CHUNK) chunks[chunks.length - 1] = [...last, item];
    else chunks.push([item]);
    let start = this.start;
    let length = this.length + 1;
    if (length > max && chunks.length > 1) {
      const dropped = chunks.shift()!;
      start += dropped.length;
      length -= dropped.length;
    }
    return new Log(chunks, length, start);
  }

  /** Item by position among the kept ones (0 = oldest kept). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const first = this.chunks[0]!.length;
    if (i < first) return this.chunks[0]![i];
    const j = i - first;
    return this.chunks[1 + Math.floor(j / CHUNK)]?.[j % CHUNK];
  }

  slice(from: number, to: number): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.length); i++) out.push(this.at(i)!);
    return out;
  }

  toArray(): T[] {
    return this.chunks.flat();
  }
}
