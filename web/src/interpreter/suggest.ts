// "Did you mean: 'recv'?" for a mistyped name or attribute, with CPython 3.11's own rule
// (Python/suggestions.c): a weighted Levenshtein distance where no more than a third of the
// characters may change, so the prompt suggests exactly when Python would.

const MOVE_COST = 2;
const CASE_COST = 1;
const MAX_STRING_SIZE = 40;

function substitutionCost(a: string, b: string): number {
  if ((a.charCodeAt(0) & 31) !== (b.charCodeAt(0) & 31)) return MOVE_COST;
  if (a === b) return 0;
  return a.toLowerCase() === b.toLowerCase() ? CASE_COST : MOVE_COST;
}

function distance(a0: string, b0: string, maxCost: number): number {
  let a = a0;
  let b = b0;
  // Common prefixes and suffixes cost nothing.
  while (a.length > 0 && b.length > 0 && a[0] === b[0]) {
    a = a.slice(1);
    b = b.slice(1);
  }
  while (a.length > 0 && b.length > 0 && a[a.length - 1] === b[b.length - 1]) {
    a = a.slice(0, -1);
    b = b.slice(0, -1);
  }
  if (a.length === 0 || b.length === 0) return (a.length + b.length) * MOVE_COST;
  if (a.length > MAX_STRING_SIZE || b.length > MAX_STRING_SIZE) return maxCost + 1;
  if (b.length < a.length) [a, b] = [b, a];
  if ((b.length - a.length) * MOVE_COST > maxCost) return maxCost + 1;
  const row = Array.from({ length: a.length }, (_, i) => (i + 1) * MOVE_COST);
  let result = 0;
  for (let bi = 0; bi < b.length; bi++) {
    let distanceLeft = bi * MOVE_COST;
    result = distanceLeft;
    let minimum = Number.POSITIVE_INFINITY;
    for (let ai = 0; ai < a.length; ai++) {
      const substitute = distanceLeft + substitutionCost(b[bi]!, a[ai]!);
      distanceLeft = row[ai]!;
      const insertDelete = Math.min(result, distanceLeft) + MOVE_COST;
      result = Math.min(insertDelete, substitute);
      row[ai] = result;
      if (result < minimum) minimum = result;
    }
    if (minimum > maxCost) return maxCost + 1;
  }
  return result;
}

/** The candidate Python would suggest for `name`, or null. */
export function suggest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const item of candidates) {
    if (item === name) continue;
    const max = Math.min(Math.floor(((name.length + item.length + 3) * MOVE_COST) / 6), bestDistance - 1);
    const d = distance(name, item, max);
    if (d > max) continue;
    if (best === null || d < bestDistance) {
      best = item;
      bestDistance = d;
    }
  }
  return best;
}

export const didYouMean = (s: string | null): string => (s === null ? '' : `. Did you mean: '${s}'?`);
