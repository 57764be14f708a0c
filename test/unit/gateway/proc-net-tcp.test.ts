import { describe, expect, it } from 'vitest';
import { parseProcNetTcp } from '../../../gateway/syscalls/proc-net-tcp.js';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** One line of /proc/net/tcp as Linux writes it (state and queues in hex). */
const row = (state: number, tx: number, rx: number, inode = 0) =>
  `   0: 0100007F:1F90 0100007F:9C40 ${state.toString(16).padStart(2, '0').toUpperCase()} ${tx
    .toString(16)
    .padStart(
      8,
      '0',
    )}:${rx.toString(16).padStart(8, '0')} 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 20 4 30 10 -1`;

const parse = (...lines: string[]) => parseProcNetTcp([HEADER, ...lines].join('\n'), 4);

describe('the kernel table (/proc/net/tcp)', () => {
  it('reads the 4-tuple, the state and the queues', () => {
    const [r] = parse(row(1, 5, 11, 4242));
    expect(r).toEqual({
      proto: 'tcp',
      state: 'ESTABLISHED',
      local: ['127.0.0.1', 8080],
      remote: ['127.0.0.1', 40000],
      sendQ: 5,
      recvQ: 11,
      inode: 4242,
    });
  });

  it('does not count a FIN as a byte either way', () => {
    // FIN_WAIT1: our FIN is not yet acknowledged; LAST_ACK: theirs came in, ours is on its way.
    const [finWait1, lastAck] = parse(row(4, 1, 0), row(9, 4, 1));
    expect(finWait1?.sendQ).toBe(0);
    expect(lastAck?.sendQ).toBe(3);
    expect(lastAck?.recvQ).toBe(0);
  });

  it('counts no unacknowledged byte for a connection still in its handshake or in TIME_WAIT', () => {
    const [synSent, timeWait] = parse(row(2, 1, 0), row(6, 1, 0));
    expect(synSent?.sendQ).toBe(0);
    expect(timeWait?.sendQ).toBe(0);
  });
});
