// Latency samples and the few statistics the bench prints: percentiles, medians and ratios.
// Pure arithmetic: no I/O, no timers.

/**
 * Round-trip times in milliseconds; keeps at most `capacity` of them (a uniform reservoir beyond). Its
 * store grows as values come rather than taking 8 MB up front for every set.
 */
export class Samples {
  private values = new Float64Array(1024);
  private kept = 0;
  private seen = 0;
  private sorted: Float64Array | null = null;

  constructor(private readonly capacity = 1 << 20) {}

  get count(): number {
    return this.seen;
  }

  add(ms: number): void {
    this.seen++;
    this.sorted = null;
    if (this.kept < this.capacity) {
      if (this.kept === this.values.length) {
        const more = new Float64Array(Math.min(this.capacity, 2 * this.values.length));
        more.set(this.values);
        this.values = more;
      }
      this.values[this.kept++] = ms;
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.values[slot] = ms;
  }

  /** The p-th percentile (0..100) by nearest rank; NaN when there are no samples. */
  percentile(p: number): number {
    if (this.kept === 0) return Number.NaN;
    if (!this.sorted) this.sorted = this.values.slice(0, this.kept).sort();
    const rank = Math.min(this.kept - 1, Math.max(0, Math.ceil((p / 100) * this.kept) - 1));
    return this.sorted[rank]!;
  }
}

/** The median of the finite numbers given; NaN when there are none. */
export function median(xs: readonly number[]): number {
  const ys = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (ys.length === 0) return Number.NaN;
  const mid = ys.length >> 1;
  return ys.length % 2 === 1 ? ys[mid]! : (ys[mid - 1]! + ys[mid]!) / 2;
}

/** a / b, or NaN when either is missing or b is zero. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
