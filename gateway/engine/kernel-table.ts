// One read of the kernel's TCP table shared by every session: on Linux it costs milliseconds (the
// kernel walks its whole connection hash table), so sessions asking within maxAgeMs share one answer.

import type { KernelRow } from './syscall-port.js';

export class KernelTable {
  private last: { at: number; rows: Promise<KernelRow[] | null> } | null = null;

  constructor(
    private readonly source: () => Promise<KernelRow[] | null>,
    private readonly clock: () => number,
    private readonly maxAgeMs = 400,
  ) {}

  read(): Promise<KernelRow[] | null> {
    const now = this.clock();
    if (this.last && now - this.last.at < this.maxAgeMs) return this.last.rows;
    const rows = this.source().catch((err) => {
      console.error('[kernel-table] could not read the kernel socket table', err);
      return null;
    });
    this.last = { at: now, rows };
    return rows;
  }
}
