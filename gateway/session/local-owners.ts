// Which session holds which local address, for the whole gateway. A lesson server's call (accept,
// recv, send, close) is drawn in the diagram of the session its peer belongs to; finding that session
// by asking each one cost a string per socket of every session, at every call of every lesson server,
// which grows with the square of the class. Engines tell this index as their sockets take and let go
// of addresses, and a lookup is one map read.

import { addrKey } from '../engine/engine.js';
import type { Address } from '../protocol/messages.js';

/** How long a closed socket's address still belongs to its session: the peer may still be finishing with it. */
export const RELEASED_FOR_MS = 60_000;
/**
 * Let-go addresses are swept once this many have piled up, or a minute after the last sweep: an entry
 * keeps its session alive, and an ended session should not outlive its last minute by much.
 */
const SWEEP_EVERY = 1024;

export interface Owner {
  readonly isEnded: boolean;
}

export class LocalOwners<S extends Owner> {
  private readonly byAddress = new Map<string, { owner: S; until: number }>();
  private releasedSinceSweep = 0;
  private lastSweep: number;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.lastSweep = clock();
  }

  held(address: Address, owner: S): void {
    this.byAddress.set(addrKey(address), { owner, until: Number.POSITIVE_INFINITY });
  }

  released(address: Address, owner: S): void {
    const entry = this.byAddress.get(addrKey(address));
    // Another session may hold it by now (an ephemeral port handed out again): that one keeps it.
    if (!entry || entry.owner !== owner) return;
    const now = this.clock();
    entry.until = now + RELEASED_FOR_MS;
    if (++this.releasedSinceSweep >= SWEEP_EVERY || now - this.lastSweep > RELEASED_FOR_MS) this.sweep(now);
  }

  /** The live session holding this address, or that let it go less than a minute ago. */
  find(address: Address): S | null {
    const key = addrKey(address);
    const entry = this.byAddress.get(key);
    if (!entry) return null;
    if (entry.owner.isEnded || entry.until < this.clock()) {
      this.byAddress.delete(key);
      return null;
    }
    return entry.owner;
  }

  get size(): number {
    return this.byAddress.size;
  }

  private sweep(now: number): void {
    this.releasedSinceSweep = 0;
    this.lastSweep = now;
    for (const [key, entry] of this.byAddress) {
      if (entry.owner.isEnded || entry.until < now) this.byAddress.delete(key);
    }
  }
}
