// The host's own resolver and services database: getaddrinfo through dns.lookup, getnameinfo through
// dns.lookupService (both honour /etc/hosts and nsswitch, and run off the main thread), and
// /etc/services read asynchronously once.

import { lookup, lookupService } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { NameError, type NamePort } from '../engine/name-port.js';
import type { Family } from '../protocol/messages.js';

// glibc's EAI_* values, which Python's socket.gaierror carries as its errno.
const EAI: Record<string, [code: string, errno: number, message: string]> = {
  ENOTFOUND: ['EAI_NONAME', -2, 'Name or service not known'],
  EAI_NONAME: ['EAI_NONAME', -2, 'Name or service not known'],
  EAI_AGAIN: ['EAI_AGAIN', -3, 'Temporary failure in name resolution'],
  EAI_FAIL: ['EAI_FAIL', -4, 'Non-recoverable failure in name resolution'],
  EAI_FAMILY: ['EAI_FAMILY', -6, 'ai_family not supported'],
  ENODATA: ['EAI_NODATA', -5, 'No address associated with hostname'],
};

// What gethostbyaddr(3) leaves in h_errno, which Python's socket.herror carries (hstrerror's words).
const H_ERRNO: Record<string, [code: string, errno: number, message: string]> = {
  ENOTFOUND: ['HOST_NOT_FOUND', 1, 'Unknown host'],
  EAI_NONAME: ['HOST_NOT_FOUND', 1, 'Unknown host'],
  ENODATA: ['HOST_NOT_FOUND', 1, 'Unknown host'],
  EAI_AGAIN: ['TRY_AGAIN', 2, 'Host name lookup failure'],
};

/** A failed reverse lookup as gethostbyaddr reports it: a host error (socket.herror), not gaierror. */
export function hostError(err: unknown): NameError {
  const code = (err as { code?: string }).code ?? '';
  const [name, errno, message] = H_ERRNO[code] ?? ['NO_RECOVERY', 3, 'Unknown server error'];
  return new NameError('gethostbyaddr', name, errno, message);
}

function nameError(syscall: string, err: unknown): NameError {
  const code = (err as { code?: string }).code ?? 'EAI_FAIL';
  const [name, errno, message] = EAI[code] ?? ['EAI_FAIL', -4, 'Non-recoverable failure in name resolution'];
  return new NameError(syscall, name, errno, message);
}

export class SystemNames implements NamePort {
  private services: Promise<Map<string, number>> | null = null;

  hostname(): string {
    return hostname();
  }

  async lookup(name: string, family: Family | null): Promise<{ address: string; family: Family }[]> {
    try {
      const found = await lookup(name, {
        all: true,
        family: family === 'AF_INET' ? 4 : family === 'AF_INET6' ? 6 : 0,
        order: 'verbatim',
      });
      return found.map((a) => ({ address: a.address, family: a.family === 6 ? 'AF_INET6' : 'AF_INET' }));
    } catch (err) {
      throw nameError('getaddrinfo', err);
    }
  }

  async reverse(address: string): Promise<string> {
    try {
      return (await lookupService(address, 0)).hostname;
    } catch (err) {
      throw hostError(err);
    }
  }

  async getservbyname(name: string, proto: 'tcp' | 'udp'): Promise<number | null> {
    return (await this.table()).get(`${name}/${proto}`) ?? null;
  }

  async getservbyport(port: number, proto: 'tcp' | 'udp'): Promise<string | null> {
    for (const [key, p] of await this.table()) {
      if (p === port && key.endsWith(`/${proto}`)) return key.slice(0, -proto.length - 1);
    }
    return null;
  }

  /** services(5): `name port/proto [aliases...]`; aliases answer getservbyname too. */
  private table(): Promise<Map<string, number>> {
    this.services ??= readFile('/etc/services', 'utf8')
      .catch(() => '')
      .then((text) => {
        const map = new Map<string, number>();
        for (const line of text.split('\n')) {
          const fields = line.replace(/#.*/, '').trim().split(/\s+/);
          const [name, portProto, ...aliases] = fields;
          const m = /^(\d+)\/(tcp|udp)$/.exec(portProto ?? '');
          if (!name || !m) continue;
          const port = Number(m[1]);
          if (!map.has(`${name}/${m[2]}`)) map.set(`${name}/${m[2]}`, port);
          for (const a of aliases) if (!map.has(`${a}/${m[2]}`)) map.set(`${a}/${m[2]}`, port);
        }
        return map;
      });
    return this.services;
  }
}
