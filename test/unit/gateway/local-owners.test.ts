// The gateway-wide index behind "which session's diagram shows this lesson server call".

import { describe, expect, it } from 'vitest';
import { LocalOwners, RELEASED_FOR_MS } from '../../../gateway/session/local-owners.js';

class FakeSession {
  isEnded = false;
  constructor(readonly name: string) {}
}

function index() {
  let now = 1000;
  const owners = new LocalOwners<FakeSession>(() => now);
  return { owners, later: (ms: number) => (now += ms) };
}

describe('local owners', () => {
  it('finds the session holding an address, and nobody for an address no one holds', () => {
    const { owners } = index();
    const a = new FakeSession('a');
    const b = new FakeSession('b');
    owners.held(['127.0.0.1', 40001], a);
    owners.held(['127.0.0.1', 40002], b);
    expect(owners.find(['127.0.0.1', 40001])).toBe(a);
    expect(owners.find(['127.0.0.1', 40002])).toBe(b);
    expect(owners.find(['127.0.0.1', 40003])).toBeNull();
    expect(owners.find(['127.0.0.2', 40001])).toBeNull();
  });

  it('keeps a closed socket’s address with its session for a minute, for the calls its peer still makes', () => {
    const { owners, later } = index();
    const a = new FakeSession('a');
    owners.held(['127.0.0.1', 40001], a);
    owners.released(['127.0.0.1', 40001], a);
    later(RELEASED_FOR_MS - 1);
    expect(owners.find(['127.0.0.1', 40001])).toBe(a);
    later(2);
    expect(owners.find(['127.0.0.1', 40001])).toBeNull();
  });

  it('gives an address handed out again to its new holder, whom the old one’s close does not disturb', () => {
    const { owners } = index();
    const a = new FakeSession('a');
    const b = new FakeSession('b');
    owners.held(['127.0.0.1', 40001], a);
    owners.released(['127.0.0.1', 40001], a);
    owners.held(['127.0.0.1', 40001], b);
    owners.released(['127.0.0.1', 40001], a);
    expect(owners.find(['127.0.0.1', 40001])).toBe(b);
  });

  it('forgets a session that ended, and sweeps let-go addresses as they pile up', () => {
    const { owners, later } = index();
    const a = new FakeSession('a');
    owners.held(['127.0.0.1', 40001], a);
    a.isEnded = true;
    expect(owners.find(['127.0.0.1', 40001])).toBeNull();
    const b = new FakeSession('b');
    for (let port = 20000; port < 22000; port++) {
      owners.held(['127.0.0.1', port], b);
      owners.released(['127.0.0.1', port], b);
      if (port === 20999) later(RELEASED_FOR_MS + 1);
    }
    // The first thousand had expired when a later release swept; the rest are recent.
    expect(owners.size).toBeLessThan(2000);
    expect(owners.find(['127.0.0.1', 21999])).toBe(b);
  });

  it('lets go of an ended session within about a minute, however few sockets close', () => {
    const { owners, later } = index();
    const gone = new FakeSession('gone');
    owners.held(['127.0.0.1', 40001], gone);
    owners.held(['127.0.0.1', 40002], gone);
    gone.isEnded = true;
    const other = new FakeSession('other');
    owners.held(['127.0.0.1', 40003], other);
    later(RELEASED_FOR_MS + 1);
    owners.released(['127.0.0.1', 40003], other);
    expect(owners.size).toBe(1);
  });
});
