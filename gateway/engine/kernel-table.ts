// One read of the kernel's TCP table shared by every session: on Linux it costs milliseconds (the
// kernel walks its whole connection hash table), so sessions asking within maxAgeMs share one answer.

import type { KernelRow } from './syscall-port.js';

/** One read of the table: `at` is when the read began, so a caller can tell a stale answer. */
export interface TableRead {
  at: number;
  rows: KernelRow[] | null;
}

export class KernelTable {
  private last: { at: number; read: Promise<TableRead> } | null = null;

  constructor(
    private readonly source: () => Promise<KernelRow[] | null>,
    private readonly clock: () => number,
    private readonly maxAgeMs = 400,
  ) {}

  /** A shared answer, or a new read when the last one began before `notBefore` or is too old. */
  read(notBefore = Number.NEGATIVE_INFINITY): Promise<TableRead> {
    const now = this.clock();
    if (this.last && now - this.last.at < this.maxAgeMs && this.last.at >= notBefore) return this.last.read;
    const read = this.source()
      .catch((err) => {
        console.error('[kernel-table] could not read the kernel socket table', err);
        return null;
      })
      .then((rows) => ({ at: now, rows }));
    this.last = { at: now, read };
    return read;
  }
}
