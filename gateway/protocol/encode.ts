// The messages a raw session's echo sends most (its data events and its writes' replies), encoded
// straight from parts kept per socket instead of built as objects: as JSON text (the generic serializer
// cost ~0.7 µs each against ~0.1 µs for a filled template), or as the binary records of records.ts for
// a page that asked for them. The shapes are the `data` and `written` messages of messages.ts, field
// for field; test/unit/gateway/encode.test.ts and records.test.ts hold both encodings to them.

import type { Address, ServerMessage } from './messages.js';
import { DATA_FIXED, DATA_IN, DATA_RECORD, DATA_STREAMED, JSON_RECORD, WRITTEN_RECORD } from './records.js';

/** A server message already in its JSON text form: the transport sends it as it is. */
export type EncodedMessage = string & { readonly __encoded: unique symbol };

/**
 * A message as a binary record (protocol/records.ts), for a page that asked for them; a transport
 * without them turns it back into JSON (decodeRecords).
 */
export type StreamRecord = Buffer & { readonly __record: unique symbol };

type DataMessage = Extract<ServerMessage, { type: 'data' }>;

/** The data events of one connected socket, their constant parts encoded once. */
export class DataEvents {
  private readonly head: string;
  private readonly tail: string;
  /** The record's head (records.ts): socket, program and peer as JSON, UTF-8. */
  private readonly recordHead: Buffer;

  constructor(socket: string, program: string, peer: Address | null) {
    this.head = `{"type":"data","socket":${JSON.stringify(socket)},"program":${JSON.stringify(program)},"direction":"`;
    this.tail = `,"peer":${JSON.stringify(peer)}`;
    this.recordHead = Buffer.from(JSON.stringify({ socket, program, peer }));
  }

  /**
   * The same event as a binary record: its bytes raw (bytes[from, to)), nothing encoded per event but
   * four numbers.
   */
  record(
    direction: DataMessage['direction'],
    bytes: Uint8Array,
    streamed: boolean,
    seq: number,
    t: number,
    from = 0,
    to = bytes.length,
  ): StreamRecord {
    const out = Buffer.allocUnsafe(DATA_FIXED + this.recordHead.length + 4 + (to - from));
    this.fill(out, direction, bytes, from, to, streamed, seq, t);
    return out as StreamRecord;
  }

  /**
   * A write the kernel took whole: its data event ("out") and the write's reply, two records in one
   * buffer (one allocation instead of two for the commonest pair of a raw session).
   */
  sentWhole(id: string, bytes: Uint8Array, seq: number, t: number): StreamRecord {
    const size = DATA_FIXED + this.recordHead.length + 4 + bytes.length;
    const out = Buffer.allocUnsafe(size + writtenSize(id));
    this.fill(out, 'out', bytes, 0, bytes.length, false, seq, t);
    fillWritten(out, size, id, bytes.length);
    return out as StreamRecord;
  }

  private fill(
    out: Buffer,
    direction: DataMessage['direction'],
    bytes: Uint8Array,
    from: number,
    to: number,
    streamed: boolean,
    seq: number,
    t: number,
  ): void {
    const head = this.recordHead;
    out[0] = DATA_RECORD;
    out[1] = (direction === 'in' ? DATA_IN : 0) | (streamed ? DATA_STREAMED : 0);
    out.writeUInt32LE(seq, 2);
    out.writeDoubleLE(t, 6);
    out.writeUInt16LE(head.length, 14);
    head.copy(out, DATA_FIXED);
    const at = DATA_FIXED + head.length;
    out.writeUInt32LE(to - from, at);
    copyBytes(bytes, from, to, out, at + 4);
  }

  /** `data` is base64 (no character in it needs escaping); `t` a finite number. */
  encode(
    direction: DataMessage['direction'],
    data: string,
    bytes: number,
    streamed: boolean,
    seq: number,
    t: number,
  ): EncodedMessage {
    return `${this.head}${direction}","data":"${data}","bytes":${bytes}${this.tail}${streamed ? ',"streamed":true' : ''},"seq":${seq},"t":${t}}` as EncodedMessage;
  }
}

/** A write's reply as a binary record. */
export function writtenRecord(id: string, bytes: number): StreamRecord {
  const out = Buffer.allocUnsafe(writtenSize(id));
  fillWritten(out, 0, id, bytes);
  return out as StreamRecord;
}

function writtenSize(id: string): number {
  return 2 + Buffer.byteLength(id) + 4;
}

function fillWritten(out: Buffer, at: number, id: string, bytes: number): void {
  const idLength = out.write(id, at + 2);
  out[at] = WRITTEN_RECORD;
  out[at + 1] = idLength;
  out.writeUInt32LE(bytes, at + 2 + idLength);
}

/**
 * bytes[from, to) into out at `at`. A few bytes (a typed line, an echo) go one by one: Node 20's
 * Buffer copy of part of a buffer makes a view object to copy from, and a raw session's messages are
 * mostly short.
 */
function copyBytes(bytes: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void {
  if (to - from > 64) {
    out.set(from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to), at);
    return;
  }
  for (let i = from; i < to; i++) out[at++] = bytes[i]!;
}

/** Any message's JSON as a record, to travel in the same binary frame as the records around it. */
export function jsonRecord(json: string): StreamRecord {
  const n = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(5 + n);
  out[0] = JSON_RECORD;
  out.writeUInt32LE(n, 1);
  out.write(json, 5);
  return out as StreamRecord;
}

/** A write's reply once the kernel took every byte. */
export function encodeWritten(id: string, bytes: number): EncodedMessage {
  return `{"type":"written","id":${JSON.stringify(id)},"bytes":${bytes}}` as EncodedMessage;
}
