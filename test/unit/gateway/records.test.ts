// Binary stream records (gateway/protocol/records.ts) must decode to the very messages their JSON
// would be, so a page that reads them sees nothing different; and a bad binary write from a page is
// refused with a message naming what is wrong, as a bad JSON one is.

import { describe, expect, it } from 'vitest';
import { DataEvents, jsonRecord, writtenRecord } from '../../../gateway/protocol/encode.js';
import {
  idNearStart,
  ProtocolError,
  type ServerMessage,
  toBase64,
} from '../../../gateway/protocol/messages.js';
import { decodeRecords, decodeWrite, encodeWrite, writeIdOf } from '../../../gateway/protocol/records.js';

type DataMessage = Extract<ServerMessage, { type: 'data' }>;
const enc = (s: string) => new TextEncoder().encode(s);

describe('binary stream records', () => {
  const cases: [string, string, DataMessage['peer'], Uint8Array][] = [
    ['s_abc-DEF_123', 'raw', ['127.0.0.1', 7000], enc('hello\r\n')],
    ['s_x', 'a "quoted" \\ prögram\n', ['::1', 65535], Uint8Array.from([0, 255, 10, 13, 128])],
    ['s_y', 'client', null, new Uint8Array(0)],
    ['s_z', 'raw2', ['127.0.0.1', 1], Uint8Array.from({ length: 65536 }, (_, i) => i % 251)],
  ];

  it.each(cases)(
    'a data event on %s decodes to the JSON message of the same event',
    (socket, program, peer, bytes) => {
      const events = new DataEvents(socket, program, peer);
      for (const [direction, streamed, seq, t] of [
        ['in', true, 42, 1234.567],
        ['out', false, 4_000_000_000, 0.001],
      ] as const) {
        const json = JSON.parse(events.encode(direction, toBase64(bytes), bytes.length, streamed, seq, t));
        expect(decodeRecords(events.record(direction, bytes, streamed, seq, t))).toEqual([json]);
      }
    },
  );

  it.each(cases)(
    'part of a buffer, and a write taken whole with its reply, encode what %s would alone',
    (socket, program, peer, bytes) => {
      const events = new DataEvents(socket, program, peer);
      // The read loop's buffer holds the bytes at an offset, with other bytes around them.
      const around = new Uint8Array(bytes.length + 10).fill(7);
      around.set(bytes, 3);
      expect(decodeRecords(events.record('in', around, true, 5, 2.5, 3, 3 + bytes.length))).toEqual(
        decodeRecords(events.record('in', bytes, true, 5, 2.5)),
      );
      expect(decodeRecords(events.sentWhole('w9', bytes, 6, 3.5))).toEqual([
        ...decodeRecords(events.record('out', bytes, false, 6, 3.5)),
        { type: 'written', id: 'w9', bytes: bytes.length },
      ]);
    },
  );

  it('a written reply keeps the id the page chose, and records back to back decode in order', () => {
    const data = new DataEvents('s_1', 'raw', ['127.0.0.1', 9]);
    const frame = Buffer.concat([
      writtenRecord('w"1é', 3),
      data.record('out', enc('abc'), false, 7, 1.5),
      data.record('in', enc('ABC'), true, 8, 2.5),
    ]);
    const msgs = decodeRecords(frame);
    expect(msgs.map((m) => m.type)).toEqual(['written', 'data', 'data']);
    expect(msgs[0]).toEqual({ type: 'written', id: 'w"1é', bytes: 3 });
    expect(msgs.slice(1).map((m) => m.type === 'data' && [m.direction, m.data, m.seq])).toEqual([
      ['out', toBase64(enc('abc')), 7],
      ['in', toBase64(enc('ABC')), 8],
    ]);
  });

  it('carries any other message as its JSON among the records, characters beyond ASCII included', () => {
    const notice: ServerMessage = {
      type: 'notice',
      level: 'info',
      message: 'café ☕ "quoted"',
      seq: 3,
      t: 0.5,
    };
    const data = new DataEvents('s_1', 'raw', null).record('in', enc('x'), true, 4, 0.6);
    const msgs = decodeRecords(Buffer.concat([jsonRecord(JSON.stringify(notice)), data]));
    expect(msgs[0]).toEqual(notice);
    expect(msgs[1]).toMatchObject({ type: 'data', seq: 4, data: toBase64(enc('x')) });
  });

  it('refuses a frame cut short or of an unknown kind instead of reading past it', () => {
    const record = new DataEvents('s_1', 'raw', null).record('in', enc('hello'), true, 1, 1);
    expect(() => decodeRecords(record.subarray(0, record.length - 1))).toThrow(/cut short/);
    expect(() => decodeRecords(Uint8Array.from([9, 0]))).toThrow(/unknown record kind 9/);
  });
});

describe('binary writes from the page', () => {
  it('carry the id, the socket and every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const w = decodeWrite(encodeWrite('w17', 's_AbC-9_x', bytes));
    expect(w).toEqual({ type: 'write', id: 'w17', socket: 's_AbC-9_x', bytes });
    expect(decodeWrite(encodeWrite('w', 's', new Uint8Array(0))).bytes).toHaveLength(0);
  });

  const refused: [string, Uint8Array, RegExp, string | null][] = [
    ['an empty frame', new Uint8Array(0), /first byte must be 1/, null],
    ['another kind', Uint8Array.from([2, 1, 65]), /first byte must be 1 \(a write\), not 2/, null],
    ['no id', Uint8Array.from([1, 0, 1, 115]), /id must be 1\.\.64 bytes/, null],
    ['an id longer than the frame', Uint8Array.from([1, 9, 65]), /id must be 1\.\.64 bytes/, null],
    ['no socket', Uint8Array.from([1, 1, 65, 0]), /socket must be 1\.\.128 bytes/, 'A'],
    ['a socket cut short', Uint8Array.from([1, 1, 65, 5, 115]), /socket must be 1\.\.128 bytes/, 'A'],
    ['an id that is not UTF-8', Uint8Array.from([1, 1, 0xff, 1, 115]), /id is not UTF-8/, null],
  ];

  it.each(refused)('refuses %s, naming what is wrong', (_what, frame, message, id) => {
    let caught: unknown = null;
    try {
      decodeWrite(frame);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).message).toMatch(message);
    expect((caught as ProtocolError).id).toBe(id);
  });

  it('name their id for a refusal when they are too big to take, from the header alone', () => {
    const socket = 's'.repeat(128);
    expect(writeIdOf(encodeWrite('w'.repeat(64), socket, new Uint8Array(100_000)))).toBe('w'.repeat(64));
    expect(writeIdOf(Uint8Array.from([1, 1, 65, 0]))).toBe('A');
    for (const [, frame, , id] of refused) expect(writeIdOf(frame)).toBe(id);
  });
});

describe('an oversized JSON message', () => {
  it('names its id when the first bytes do, and nothing it cannot read', () => {
    const pad = 'x'.repeat(70_000);
    expect(idNearStart(JSON.stringify({ type: 'call', id: 'c42', pad }))).toBe('c42');
    expect(idNearStart(`{"type": "write", "id" : "w 1", "data": "${pad}"}`)).toBe('w 1');
    expect(idNearStart(JSON.stringify({ type: 'ping', pad, id: 'late' }))).toBeNull();
    expect(idNearStart(`{"id": "a\\"b", "pad": "${pad}"}`)).toBeNull();
    expect(idNearStart(pad)).toBeNull();
  });
});
