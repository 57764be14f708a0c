// Ports for tests, so test files running side by side (one vitest worker each) never meet: each
// worker owns its own slice of 12000-31999 (below the kernel's ephemeral ports, 32768 and up), the
// in-process engine tests use its first 1000, playgrounds the rest. Inside a slice, blocks are
// picked at random among ports the kernel shows unused, so TIME_WAIT from an earlier run is avoided.

import { readFileSync } from 'node:fs';

const SLICE = 2500;
const slot = (Number(process.env.VITEST_POOL_ID ?? '1') - 1) % 8;
const sliceStart = 12000 + slot * SLICE;

/** Ports some socket on this machine holds right now (any state, TIME_WAIT included). */
function usedPorts(): Set<number> {
  const used = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) used.add(Number.parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return used;
}

/** Blocks this process handed out already: not yet bound, so the kernel cannot tell they are taken. */
const given = new Set<number>();

function freeBlock(from: number, to: number, size: number, step: number): [number, number] {
  const used = usedPorts();
  for (const p of given) used.add(p);
  const choices = Math.max(1, Math.floor((to - from + 1 - size) / step) + 1);
  for (let tries = 0; tries < 200; tries++) {
    const start = from + Math.floor(Math.random() * choices) * step;
    let clear = true;
    for (let p = start; p < start + size && clear; p++) if (used.has(p)) clear = false;
    if (clear) {
      for (let p = start; p < start + size; p++) given.add(p);
      return [start, start + size - 1];
    }
  }
  throw new Error(`no free block of ${size} ports in ${from}-${to}`);
}

/** A block of student ports for one playground or gateway started by this worker. */
export function studentPortRange(size = 300): [number, number] {
  return freeBlock(sliceStart + 1000, sliceStart + SLICE - 1, Math.min(size, SLICE - 1000), 10);
}

/** Ten ports for one in-process engine harness, none of them held by any socket (TIME_WAIT included). */
export function harnessPorts(): number[] {
  const [first] = freeBlock(sliceStart, sliceStart + 999, 10, 10);
  return Array.from({ length: 10 }, (_, i) => first + i);
}
