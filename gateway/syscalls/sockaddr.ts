// struct sockaddr_in / sockaddr_in6 to and from Python-style (host, port) pairs, Linux layout
// (macOS puts a length byte before the family). Pure functions over Buffers.

import { isIPv4, isIPv6 } from 'node:net';
import type { Address, Family } from '../protocol/messages.js';
import { LINUX } from './platform-linux.js';

export function encodeSockaddr(family: Family, host: string, port: number): Buffer | null {
  if (family === 'AF_INET') {
    if (!isIPv4(host)) return null;
    const sa = Buffer.alloc(LINUX.SOCKADDR_IN_SIZE);
    sa.writeUInt16LE(LINUX.AF_INET, 0);
    sa.writeUInt16BE(port, 2);
    host.split('.').forEach((part, i) => {
      sa.writeUInt8(Number(part), 4 + i);
    });
    return sa;
  }
  if (!isIPv6(host)) return null;
  const sa = Buffer.alloc(LINUX.SOCKADDR_IN6_SIZE);
  sa.writeUInt16LE(LINUX.AF_INET6, 0);
  sa.writeUInt16BE(port, 2);
  ipv6Bytes(host).copy(sa, 8);
  return sa;
}

function ipv6Bytes(host: string): Buffer {
  const out = Buffer.alloc(16);
  let text = host;
  // A trailing dotted quad (::ffff:127.0.0.1) becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

export function decodeSockaddr(sa: Buffer, hint?: Family): Address {
  const family = sa.readUInt16LE(0);
  const port = sa.readUInt16BE(2);
  if (family === LINUX.AF_INET6) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(sa.readUInt16BE(8 + i * 2).toString(16));
    return [compressIPv6(groups), port];
  }
  if (family === LINUX.AF_INET) return [`${sa[4]}.${sa[5]}.${sa[6]}.${sa[7]}`, port];
  // An unbound socket reports family 0 on getsockname: Python shows ('0.0.0.0', 0) or ('::', 0).
  return [hint === 'AF_INET6' ? '::' : '0.0.0.0', 0];
}

export function compressIPv6(groups: string[]): string {
  // IPv4-mapped addresses read best as ::ffff:1.2.3.4, as the kernel's tools print them.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const a = Number.parseInt(groups[6]!, 16);
    const b = Number.parseInt(groups[7]!, 16);
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
