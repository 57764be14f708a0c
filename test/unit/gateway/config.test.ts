import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, parseConfig } from '../../../gateway/config.js';

const token = 't'.repeat(32);

describe('parseConfig', () => {
  it('starts safe: loopback, no token, students on their own ports below the ephemeral range', () => {
    const c = parseConfig([], {});
    expect(c.host).toBe('127.0.0.1');
    expect(c.token).toBeNull();
    expect(c.lan).toBe(false);
    expect(c.studentPorts[1]).toBeLessThan(32768);
  });

  it('gives every tab the gateway admits a block of ports of its own, by default', () => {
    const [first, last] = DEFAULTS.studentPorts;
    expect(Math.floor((last - first + 1) / DEFAULTS.portsPerSession)).toBeGreaterThanOrEqual(
      DEFAULTS.maxSessions,
    );
  });

  it('refuses to listen beyond loopback without a token', () => {
    expect(() => parseConfig(['--host', '0.0.0.0'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--host', '192.168.1.20'], {})).toThrow(/token/);
    expect(parseConfig(['--host', '0.0.0.0', '--token', token], {}).host).toBe('0.0.0.0');
  });

  it('refuses LAN mode without a token, and names what it needs', () => {
    expect(() => parseConfig(['--lan'], {})).toThrow(/--token/);
    expect(parseConfig(['--lan', '--token', token], {}).lan).toBe(true);
  });

  it('reads environment twins, and flags win over them', () => {
    expect(parseConfig([], { GATEWAY_MAX_SOCKETS: '8' }).maxSockets).toBe(8);
    expect(parseConfig(['--max-sockets', '4'], { GATEWAY_MAX_SOCKETS: '8' }).maxSockets).toBe(4);
    expect(parseConfig([], { GATEWAY_PAGE_EVENTS: '2000' }).pageEvents).toBe(2000);
    expect(parseConfig([], {}).pageEvents).toBe(50_000);
  });

  it('names what is wrong with a bad value or an unknown option', () => {
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(
      '--port must be an integer from 0 to 65535 (got 70000)',
    );
    expect(() => parseConfig(['--ports', '30-20'], {})).toThrow(/first port/);
    expect(() => parseConfig(['--page-events', '10'], {})).toThrow(
      '--page-events must be an integer from 1000 to 1000000 (got 10)',
    );
    expect(() => parseConfig(['--allow', 'example.com:80'], {})).toThrow(/numeric host/);
    expect(() => parseConfig(['--frobnicate', '1'], {})).toThrow(/unknown option --frobnicate/);
    expect(() => parseConfig(['--token', 'short'], {})).toThrow(/16 characters/);
  });

  it('parses allowed targets with their protocol', () => {
    expect(parseConfig(['--allow', 'udp:127.0.0.1:53,127.0.0.1:8080'], {}).allow).toEqual([
      { proto: 'udp', host: '127.0.0.1', port: 53 },
      { proto: 'tcp', host: '127.0.0.1', port: 8080 },
    ]);
    expect(DEFAULTS.allow).toEqual([]);
  });
});
