// The hot path's hand-written JSON must be the very message the page would get from JSON.stringify:
// same fields, same values, escaping included, and the field order the bench's reader relies on.

import { describe, expect, it } from 'vitest';
import { DataEvents, encodeWritten } from '../../../gateway/protocol/encode.js';
import type { ServerMessage } from '../../../gateway/protocol/messages.js';

type DataMessage = Extract<ServerMessage, { type: 'data' }>;

describe('encoded stream messages', () => {
  const cases: [string, string, DataMessage['peer']][] = [
    ['s_abc-DEF_123', 'raw', ['127.0.0.1', 7000]],
    ['s_x', 'a "quoted" \\ program\n', ['::1', 65535]],
    ['s_y', 'client', null],
  ];

  it.each(cases)(
    'a data event on %s parses to the message JSON.stringify would send',
    (socket, program, peer) => {
      const events = new DataEvents(socket, program, peer);
      for (const [direction, streamed] of [
        ['in', true],
        ['out', false],
      ] as const) {
        const text = events.encode(direction, 'aGVsbG8=', 5, streamed, 42, 1234.567);
        const expected: DataMessage = {
          type: 'data',
          socket,
          program,
          direction,
          data: 'aGVsbG8=',
          bytes: 5,
          peer,
          ...(streamed ? { streamed: true } : {}),
          seq: 42,
          t: 1234.567,
        };
        expect(JSON.parse(text)).toEqual(expected);
        expect(text).toBe(JSON.stringify(expected));
      }
    },
  );

  it('keeps direction, data and bytes adjacent, as bench/gateway-client.ts reads them', () => {
    const text = new DataEvents('s_1', 'bench', ['127.0.0.1', 1]).encode('in', 'QQ==', 1, true, 1, 0.5);
    expect(text).toMatch(/"direction":"in","data":"QQ==","bytes":1[,}]/);
  });

  it('a written reply escapes the id the page chose', () => {
    const id = 'w"1\\\u2028';
    expect(JSON.parse(encodeWritten(id, 16))).toEqual({ type: 'written', id, bytes: 16 });
  });
});
