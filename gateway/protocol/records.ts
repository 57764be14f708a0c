// Binary stream records: the same `write`, `written` and `data` messages as messages.ts, with their
// bytes raw instead of in base64 and their numbers in binary instead of JSON text. Only for streamed
// sockets' traffic (a raw session's typing and what comes back), only on a connection whose page asked
// for them in `hello { binary: true }` and was told `welcome { binary: true }`; every other message is
// JSON (in a binary frame that has records, as a JSON record among them). Why: an echo through a raw
// session was a parsed JSON request and three JSON messages back, and the bench priced that encoding
// alone (a floor speaking the protocol and nothing else, in JSON and in records) at a fifth of a
// minimal bridge's throughput. The records decode to exactly the JSON messages, so nothing past the
// connection changes.
// Pure functions on Uint8Array: shared by the gateway (which decodes writes and encodes records with
// Buffer in encode.ts) and the page (which encodes writes and decodes records).
//
// All integers little-endian; strings UTF-8.
//
// Page -> gateway: one binary frame is one `write { id, socket, data }`:
//   u8 1 | u8 length, id (1..64 bytes) | u8 length, socket (1..128 bytes) | the bytes to write (the rest)
//
// Gateway -> page: one binary frame holds records back to back, in order with the JSON frames around it;
// a turn that has records sends all its messages in one binary frame, its JSON messages as records too:
//   data     u8 2 | u8 flags (1: direction "in", 2: streamed) | u32 seq | f64 t
//            | u16 length, head: JSON {"socket","program","peer"} | u32 length, the bytes
//   written  u8 3 | u8 length, id | u32 bytes
//   json     u8 4 | u32 length, any other message as its JSON text

import { ProtocolError, type ServerMessage, toBase64 } from './messages.js';

export const WRITE_RECORD = 1;
export const DATA_RECORD = 2;
export const WRITTEN_RECORD = 3;
export const JSON_RECORD = 4;
export const DATA_IN = 1;
export const DATA_STREAMED = 2;
/** Bytes of a data record before its head: kind, flags, seq, t, the head's length. */
export const DATA_FIXED = 1 + 1 + 4 + 8 + 2;

export type DataMessage = Extract<ServerMessage, { type: 'data' }>;
export type WrittenMessage = Extract<ServerMessage, { type: 'written' }>;

/** A `write` request as a binary frame carries it. */
export interface WriteFrame {
  type: 'write';
  id: string;
  socket: string;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The page's side: a write as one binary frame. */
export function encodeWrite(id: string, socket: string, bytes: Uint8Array): Uint8Array {
  const idBytes = utf8.encode(id);
  const socketBytes = utf8.encode(socket);
  if (idBytes.length < 1 || idBytes.length > 64) throw new RangeError('a write id is 1..64 bytes');
  if (socketBytes.length < 1 || socketBytes.length > 128)
    throw new RangeError('a socket handle is 1..128 bytes');
  const frame = new Uint8Array(3 + idBytes.length + socketBytes.length + bytes.length);
  frame[0] = WRITE_RECORD;
  frame[1] = idBytes.length;
  frame.set(idBytes, 2);
  let at = 2 + idBytes.length;
  frame[at++] = socketBytes.length;
  frame.set(socketBytes, at);
  frame.set(bytes, at + socketBytes.length);
  return frame;
}

/**
 * The gateway's side: a binary frame from the page, validated as parseClientMessage validates JSON.
 * The bytes are a view into the frame, not a copy. Throws ProtocolError naming what is wrong.
 */
export function decodeWrite(frame: Uint8Array): WriteFrame {
  if (frame.length === 0 || frame[0] !== WRITE_RECORD) {
    throw new ProtocolError(
      null,
      `binary frame: the first byte must be ${WRITE_RECORD} (a write), not ${frame[0] ?? 'nothing'}`,
    );
  }
  const idEnd = 2 + (frame[1] ?? 0);
  if (frame.length < 2 || frame[1] === 0 || frame[1]! > 64 || frame.length < idEnd + 1) {
    throw new ProtocolError(null, 'binary write: the id must be 1..64 bytes, after its length');
  }
  const id = text(frame, 2, idEnd, null, 'id');
  const socketLength = frame[idEnd]!;
  const socketEnd = idEnd + 1 + socketLength;
  if (socketLength === 0 || socketLength > 128 || frame.length < socketEnd) {
    throw new ProtocolError(id, 'binary write: the socket must be 1..128 bytes, after its length');
  }
  const socket = text(frame, idEnd + 1, socketEnd, id, 'socket');
  return { type: 'write', id, socket, bytes: frame.subarray(socketEnd) };
}

/** The id of a binary write too big to take, when its header is whole (see idNearStart). */
export function writeIdOf(frame: Uint8Array): string | null {
  try {
    // The header is at most 1 + 1 + 64 + 1 + 128 bytes: the data after it need not be looked at.
    return decodeWrite(frame.subarray(0, 195)).id;
  } catch (err) {
    if (err instanceof ProtocolError) return err.id;
    throw err;
  }
}

function text(frame: Uint8Array, from: number, to: number, id: string | null, field: string): string {
  try {
    return strictUtf8.decode(frame.subarray(from, to));
  } catch {
    throw new ProtocolError(id, `binary write: the ${field} is not UTF-8 text`);
  }
}

/** The messages in a binary frame from the gateway, in order: the same objects its JSON would give. */
export function decodeRecords(frame: Uint8Array): ServerMessage[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out: ServerMessage[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > frame.length) throw new RangeError(`binary frame: a record is cut short at byte ${at}`);
  };
  while (at < frame.length) {
    const kind = frame[at]!;
    if (kind === DATA_RECORD) {
      need(DATA_FIXED);
      const flags = frame[at + 1]!;
      const seq = view.getUint32(at + 2, true);
      const t = view.getFloat64(at + 6, true);
      const headLength = view.getUint16(at + 14, true);
      at += DATA_FIXED;
      need(headLength + 4);
      const head = JSON.parse(strictUtf8.decode(frame.subarray(at, at + headLength))) as Pick<
        DataMessage,
        'socket' | 'program' | 'peer'
      >;
      at += headLength;
      const n = view.getUint32(at, true);
      at += 4;
      need(n);
      const msg: DataMessage = {
        type: 'data',
        socket: head.socket,
        program: head.program,
        direction: flags & DATA_IN ? 'in' : 'out',
        data: toBase64(frame.subarray(at, at + n)),
        bytes: n,
        peer: head.peer,
        seq,
        t,
      };
      if (flags & DATA_STREAMED) msg.streamed = true;
      out.push(msg);
      at += n;
    } else if (kind === WRITTEN_RECORD) {
      need(2);
      const idLength = frame[at + 1]!;
      need(2 + idLength + 4);
      const id = strictUtf8.decode(frame.subarray(at + 2, at + 2 + idLength));
      out.push({ type: 'written', id, bytes: view.getUint32(at + 2 + idLength, true) });
      at += 2 + idLength + 4;
    } else if (kind === JSON_RECORD) {
      need(5);
      const n = view.getUint32(at + 1, true);
      need(5 + n);
      out.push(JSON.parse(strictUtf8.decode(frame.subarray(at + 5, at + 5 + n))) as ServerMessage);
      at += 5 + n;
    } else {
      throw new RangeError(`binary frame: unknown record kind ${kind} at byte ${at}`);
    }
  }
  return out;
}
