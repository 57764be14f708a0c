// How results are shown: fixed-width text tables, number formats, ratios against the minimal bridge and
// PASS/MISS verdicts. Knows nothing of how the figures were measured.

/** `leftColumns`: how many leading columns hold text (left-aligned); the rest are figures (right-aligned). */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  leftColumns = 1,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    '  ' +
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** 18400 -> "18.4k", 912 -> "912". */
export function count(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (Math.abs(n) >= 1000) return `${(n / 1000).toFixed(2)}k`;
  return n.toFixed(0);
}

/** Milliseconds with three significant digits: 0.0421, 0.311, 12.4, 153. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  if (n >= 1) return n.toFixed(2);
  if (n >= 0.1) return n.toFixed(3);
  return n.toFixed(4);
}

export function times(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

export function pct(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(0)}%` : '–';
}

export function kib(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(1)} KiB` : '–';
}

export function mib(kibibytes: number): string {
  return Number.isFinite(kibibytes) ? `${(kibibytes / 1024).toFixed(1)} MiB` : '–';
}

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export function verdict(ok: boolean | null): Verdict {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'MISS';
}

export interface Target {
  name: string;
  /** What was measured, as shown. */
  value: string;
  target: string;
  verdict: Verdict;
}
