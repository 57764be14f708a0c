// Which session holds which local address, for the whole gateway. A lesson server's call (accept,
// recv, send, close) is drawn in the diagram of the session its peer belongs to; finding that session
// by asking each one cost a string per socket of every session, at every call of every lesson server,
// which grows with the square of the class. Engines tell this index as their sockets take and let go
// of addresses, and a lookup is one map read.

import { addrKey } from '../engine/engine.js';
import type { Address } from '../protocol/messages.js';

/** How long a closed socket's address still belongs to its session: the peer may still be finishing with it. */
export const RELEASED_FOR_MS = 60_000;
/** Let-go addresses swept once this many have piled up since the last sweep. */
const SWEEP_EVERY = 1024;

export interface Owner {
  readonly isEnded: boolean;
}

export class LocalOwners<S extends Owner> {
  private readonly byAddress = new Map<string, { owner: S; until: number }>();
  private releasedSinceSweep = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  held(address: Address, owner: S): void {
    this.byAddress.set(addrKey(address), { owner, until: Number.POSITIVE_INFINITY });
  }

  released(address: Address, owner: S): void {
    const entry = this.byAddress.get(addrKey(address));
    // Another session may hold it by now (an ephemeral port handed out again): that one keeps it.
    if (!entry || entry.owner !== owner) return;
    entry.until = this.clock() + RELEASED_FOR_MS;
    if (++this.releasedSinceSweep >= SWEEP_EVERY) this.sweep();
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

  private sweep(): void {
    this.releasedSinceSweep = 0;
    const now = this.clock();
    for (const [key, entry] of this.byAddress) {
      if (entry.owner.isEnded || entry.until < now) this.byAddress.delete(key);
    }
  }
}
