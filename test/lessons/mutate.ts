// Altered copies of a check: the same question with a wrong expected value (another errno, another
// TCP state, a count one higher, one byte more). A check whose altered copies still pass on the
// facts that made it pass does not look at those facts: it could never fail.

import type { Fill } from '../../gateway/lessons/placeholders.js';
import { placeholderValue } from '../../gateway/lessons/placeholders.js';
import type { BytesMatch, Check, Num, StateFilter } from '../../gateway/lessons/types.js';
import type { CallOp, TcpState } from '../../gateway/protocol/messages.js';

export interface Mutant {
  what: string;
  check: Check;
}

/** A call that sits next to the expected one but is a different call. */
const OTHER_OP: Partial<Record<CallOp, CallOp>> = {
  connect: 'connect_ex',
  connect_ex: 'connect',
  recv: 'recvfrom',
  recvfrom: 'recv',
  send: 'sendto',
  sendall: 'sendto',
  sendto: 'sendall',
  accept: 'connect',
  bind: 'connect',
  listen: 'accept',
  socket: 'getsockopt',
  close: 'shutdown',
  shutdown: 'close',
};
const otherOp = (op: CallOp): CallOp =>
  OTHER_OP[op] ?? (op === 'getservbyport' ? 'gethostbyaddr' : 'getservbyport');

/** A state the socket is not expected to be in (CLOSING, the simultaneous close, never shows up here). */
const otherState = (s: TcpState): TcpState => (s === 'CLOSING' ? 'LAST_ACK' : 'CLOSING');

const plusOne = (n: Num, fill: Fill): number =>
  (typeof n === 'number' ? n : (placeholderValue(n.placeholder, fill) ?? 0)) + 1;

function moreBytes(m: BytesMatch, fill: Fill): { what: string; match: BytesMatch } {
  if (m.how === 'length')
    return {
      what: `length ${plusOne(m.length, fill)}`,
      match: { how: 'length', length: plusOne(m.length, fill) },
    };
  return { what: `${m.how} "${m.bytes}\\x00"`, match: { ...m, bytes: `${m.bytes}\\x00` } };
}

export function mutants(check: Check, fill: Fill): Mutant[] {
  const out: Mutant[] = [];
  switch (check.kind) {
    case 'returned': {
      const op = otherOp(check.op);
      out.push({ what: `returned ${check.program} ${op}`, check: { ...check, op } });
      if (check.bytes !== undefined) {
        const bytes = plusOne(check.bytes, fill);
        out.push({ what: `bytes ${bytes}`, check: { ...check, bytes } });
      }
      if (check.datagram !== undefined) {
        const datagram = plusOne(check.datagram, fill);
        out.push({ what: `datagram ${datagram}`, check: { ...check, datagram } });
      }
      break;
    }
    case 'call-failed': {
      const code = check.codes.includes('EHOSTUNREACH') ? 'ENETUNREACH' : 'EHOSTUNREACH';
      out.push({ what: `call-failed ${check.program} ${code}`, check: { ...check, codes: [code] } });
      break;
    }
    case 'blocked': {
      const op = otherOp(check.op);
      out.push({ what: `blocked ${check.program} ${op}`, check: { ...check, op } });
      break;
    }
    case 'output': {
      const m = check.match;
      if (m.how === 'matches') {
        out.push({
          what: `matches /(?:${m.pattern})¤/`,
          check: { ...check, match: { how: 'matches', pattern: `(?:${m.pattern})¤` } },
        });
      } else {
        out.push({ what: `${m.how} "${m.text}¤"`, check: { ...check, match: { ...m, text: `${m.text}¤` } } });
      }
      break;
    }
    case 'bytes': {
      const { what, match } = moreBytes(check.match, fill);
      out.push({ what, check: { ...check, match } });
      break;
    }
    case 'state': {
      const state = otherState(check.state);
      out.push({ what: `state ${check.program} ${state}`, check: { ...check, state } });
      for (const key of Object.keys(check.filter) as (keyof StateFilter)[]) {
        const v = check.filter[key];
        if (v === undefined) continue;
        if (key === 'fd') {
          out.push({
            what: v ? 'no-fd' : 'with-fd',
            check: { ...check, filter: { ...check.filter, fd: !v } },
          });
          continue;
        }
        const n = plusOne(v as Num, fill);
        out.push({ what: `${key} ${n}`, check: { ...check, filter: { ...check.filter, [key]: n } } });
      }
      break;
    }
    case 'server-call': {
      const other = {
        accept: 'recvfrom',
        recv: 'recvfrom',
        send: 'sendto',
        close: 'sendto',
        recvfrom: 'recv',
        sendto: 'send',
      } as const;
      const syscall = other[check.syscall];
      out.push({ what: `server-call ${check.server} ${syscall}`, check: { ...check, syscall } });
      if (check.data) {
        const { what, match } = moreBytes(check.data, fill);
        out.push({ what, check: { ...check, data: match } });
      }
      break;
    }
    default: {
      const unhandled: never = check;
      return unhandled;
    }
  }
  return out;
}
