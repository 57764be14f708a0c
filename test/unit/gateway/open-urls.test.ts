// What the gateway prints at start for the instructor and the class: an address that works when
// pasted, token included, and the machine's own addresses rather than 0.0.0.0.

import { describe, expect, it } from 'vitest';
import { openUrls } from '../../../gateway/open-urls.js';

const LAN = ['192.0.2.2', 'fd00::2'];

describe('the addresses printed at start', () => {
  it('on loopback: localhost for this machine, nothing for students', () => {
    expect(openUrls('127.0.0.1', 7070, null, LAN)).toEqual({
      here: 'http://localhost:7070/',
      students: null,
    });
    expect(openUrls('::1', 7070, 'tok', LAN).here).toBe('http://localhost:7070/?token=tok');
  });

  it('on 0.0.0.0: localhost here, and each IPv4 address of the machine for students, with the token', () => {
    expect(openUrls('0.0.0.0', 7070, 'a b&c', LAN)).toEqual({
      here: 'http://localhost:7070/?token=a%20b%26c',
      students: ['http://192.0.2.2:7070/?token=a%20b%26c'],
    });
  });

  it('on ::, IPv6 addresses too, in brackets; on one address, that address', () => {
    expect(openUrls('::', 8000, null, LAN).students).toEqual([
      'http://192.0.2.2:8000/',
      'http://[fd00::2]:8000/',
    ]);
    expect(openUrls('192.0.2.2', 8000, 't', LAN)).toEqual({
      here: 'http://192.0.2.2:8000/?token=t',
      students: ['http://192.0.2.2:8000/?token=t'],
    });
  });

  it('says so when a machine listening for students has no address to give them', () => {
    expect(openUrls('0.0.0.0', 7070, 't', ['fd00::2']).students).toEqual([]);
  });
});
