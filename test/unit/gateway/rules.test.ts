// The connect and bind rules under many random inputs (seeded, so a failure replays): whatever a page
// sends, a decision never throws, and what is allowed is always loopback, an instructor's target or
// a LAN address of this machine, on a port the session may use. The kernel is never asked here.

import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HeldAddress } from '../../../gateway/engine/policy.js';
import { seededRandom } from '../../../gateway/lesson-servers/index.js';
import { isLoopback, SessionRules } from '../../../gateway/session/rules.js';

/** The roulette server's seeded generator (mulberry32). */
const generator = seededRandom;

const SEED = Number(process.env.RULES_SEED ?? 20261123);
const CASES = 20_000;
const OWN = [21000, 21001, 21002, 21003, 21004, 21005, 21006, 21007, 21008, 21009];
const TARGETS = [
  { proto: 'tcp' as const, host: '127.0.0.1', port: 7007 },
  { proto: 'udp' as const, host: '127.0.0.1', port: 7007 },
  { proto: 'tcp' as const, host: '192.0.2.10', port: 8080 },
  // An instructor cannot open the metadata service, even by listing it.
  { proto: 'tcp' as const, host: '169.254.169.254', port: 80 },
];
const LAN = ['192.0.2.2', '0.0.0.0', '::'];

function randomHost(r: () => number): string {
  const byte = () => Math.floor(r() * 256);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * 10)) {
    case 0:
      return `127.${byte()}.${byte()}.${byte()}`;
    case 1:
      return `${byte()}.${byte()}.${byte()}.${byte()}`;
    case 2:
      return pick(['169.254.169.254', '0.0.0.0', '224.0.0.1', '10.0.0.1', '192.0.2.2', '192.0.2.10']);
    case 3:
      return pick([
        '::1',
        '::',
        'fe80::1',
        'ff02::1',
        'fd00:ec2::254',
        '::ffff:127.0.0.1',
        '::ffff:169.254.169.254',
      ]);
    case 4:
      return `::ffff:${byte()}.${byte()}.${byte()}.${byte()}`;
    case 5:
      return pick(['127.1', '2130706433', '0x7f.1', '0177.0.0.1', '::ffff:7f00:1', '[::1]', '127.0.0.1.']);
    case 6:
      return pick(['localhost', 'localhost.', 'example.com', '', ' ', '127.0.0.1 ', '%00']);
    case 7:
      return Array.from({ length: Math.floor(r() * 12) }, () =>
        String.fromCharCode(32 + Math.floor(r() * 95)),
      ).join('');
    case 8:
      return Array.from({ length: 8 }, () => Math.floor(r() * 65536).toString(16)).join(':');
    default:
      return pick(['127.0.0.1', '127.0.0.2', '::1']);
  }
}

function randomPort(r: () => number): number {
  const x = r();
  if (x < 0.3) return OWN[Math.floor(r() * OWN.length)]!;
  if (x < 0.4) return 7007;
  if (x < 0.45) return 8080;
  if (x < 0.5) return 80;
  if (x < 0.55) return [0, -1, 65536, 1.5, Number.NaN][Math.floor(r() * 5)]!;
  return Math.floor(r() * 65536);
}

describe('the connect and bind rules, under random input', () => {
  for (const lan of [false, true]) {
    it(`never throw, and allow only what a session may reach${lan ? ' (LAN mode)' : ''} (seed ${SEED})`, () => {
      const r = generator(SEED + (lan ? 1 : 0));
      const rules = new SessionRules(
        {
          extraBindHosts: lan ? LAN : [],
          targets: TARGETS,
          maxSockets: 16,
          callsPerSecond: 1e9,
          connectsPerSecond: 1e9,
        },
        () => OWN,
      );
      let allowed = 0;
      for (let i = 0; i < CASES; i++) {
        const host = randomHost(r);
        const port = randomPort(r);
        const proto = r() < 0.5 ? 'tcp' : 'udp';
        const held: HeldAddress[] = Array.from({ length: Math.floor(r() * 3) }, () => ({
          proto: r() < 0.5 ? 'tcp' : 'udp',
          host: lan && r() < 0.3 ? LAN[Math.floor(r() * LAN.length)]! : randomHost(r),
          port: r() < 0.5 ? OWN[0]! : Math.floor(32768 + r() * 28000),
        }));
        const what = `case ${i}: ${proto} ${JSON.stringify(host)}:${port} holding ${JSON.stringify(held)}`;

        const connect = rules.checkConnect(host, port, proto, held);
        if (connect === null) {
          allowed++;
          const h = host.replace(/^::ffff:(?=\d+\.)/i, '');
          expect(isIP(h), what).not.toBe(0);
          expect(h, what).not.toMatch(/^(169\.254\.|0\.|22[4-9]\.|23\d\.|fe80:|ff)/i);
          const listed = TARGETS.some((t) => t.proto === proto && t.port === port && t.host === h);
          // Loopback, an instructor's target, or (LAN mode) an address of this machine a socket holds.
          expect(isLoopback(h) || listed || (lan && LAN.includes(h)), what).toBe(true);
          const holds = held.some((a) => a.proto === proto && a.port === port);
          const targetPort = TARGETS.some((t) => t.proto === proto && t.port === port);
          expect(OWN.includes(port) || holds || targetPort, what).toBe(true);
        } else {
          expect(['EGW_DENIED', 'EGW_BAD_ADDRESS'], what).toContain(connect.code);
          expect(connect.message.length, what).toBeGreaterThan(0);
        }

        const bind = rules.checkBind(host, port, proto);
        if (bind === null) {
          const h = host.replace(/^::ffff:(?=\d+\.)/i, '');
          expect(isLoopback(h) || (lan && LAN.includes(h)), what).toBe(true);
          expect(port === 0 || OWN.includes(port), what).toBe(true);
        } else expect(bind.code, what).toBe('EGW_BIND_DENIED');
      }
      // The inputs reach both answers, not only refusals.
      expect(allowed).toBeGreaterThan(CASES / 50);
    });
  }
});

describe('a socket bound to every interface (LAN mode)', () => {
  const rules = new SessionRules(
    { extraBindHosts: LAN, targets: [], maxSockets: 16, callsPerSecond: 1e9, connectsPerSecond: 1e9 },
    () => OWN,
  );
  const P = 45000;
  it('is reached on each address of its own family only', () => {
    const v4: HeldAddress[] = [{ proto: 'tcp', host: '0.0.0.0', port: P }];
    expect(rules.checkConnect('127.0.0.1', P, 'tcp', v4)).toBeNull();
    expect(rules.checkConnect('192.0.2.2', P, 'tcp', v4)).toBeNull();
    // An IPv4 socket on every interface leaves [::1]:P free for another program.
    expect(rules.checkConnect('::1', P, 'tcp', v4)?.code).toBe('EGW_DENIED');
    // And :: not on an IPv4 one: with net.ipv6.bindv6only set, 127.0.0.1:P may be another program's.
    const v6: HeldAddress[] = [{ proto: 'tcp', host: '::', port: P }];
    expect(rules.checkConnect('::1', P, 'tcp', v6)).toBeNull();
    expect(rules.checkConnect('127.0.0.1', P, 'tcp', v6)?.code).toBe('EGW_DENIED');
    // Not for the other protocol, nor another port.
    expect(rules.checkConnect('127.0.0.1', P, 'udp', v4)?.code).toBe('EGW_DENIED');
    expect(rules.checkConnect('127.0.0.1', P + 1, 'tcp', v4)?.code).toBe('EGW_DENIED');
  });
});
