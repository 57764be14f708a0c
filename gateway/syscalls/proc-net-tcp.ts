// Parses Linux's /proc/net/tcp and /proc/net/tcp6: the only place that lists sockets no process holds
// an fd for (TIME_WAIT after close, connections waiting in a listener's accept queue). See proc(5).

import type { KernelRow } from '../engine/syscall-port.js';
import { TCP_STATES, unacknowledgedBytes } from './platform-linux.js';
import { compressIPv6 } from './sockaddr.js';

/** `0100007F:1F90` -> ['127.0.0.1', 8080]. Addresses are 32-bit words in host (little-endian) order. */
function decodeAddress(text: string, version: 4 | 6): [string, number] {
  const [hex = '', portHex = '0'] = text.split(':');
  const port = Number.parseInt(portHex, 16);
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(word.slice(i, i + 2), 16));
  }
  if (version === 4) return [bytes.join('.'), port];
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return [compressIPv6(groups), port];
}

/**
 * States past the peer's FIN. The table's rx_queue counts that FIN as one byte until a recv() reads
 * the end of the stream (after which nothing is left, as no data can follow a FIN): the bytes waiting
 * are one fewer, or none.
 */
const FIN_COUNTED = new Set(['CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);

export function parseProcNetTcp(text: string, version: 4 | 6): KernelRow[] {
  const rows: KernelRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [txq = '0', rxq = '0'] = f[4]!.split(':');
    const state = TCP_STATES[Number.parseInt(f[3]!, 16)];
    if (!state) continue;
    const received = Number.parseInt(rxq, 16);
    rows.push({
      proto: 'tcp',
      state,
      local: decodeAddress(f[1]!, version),
      remote: decodeAddress(f[2]!, version),
      sendQ: unacknowledgedBytes(state, Number.parseInt(txq, 16)),
      recvQ: FIN_COUNTED.has(state) ? Math.max(0, received - 1) : received,
      inode: Number(f[9]),
    });
  }
  return rows;
}
