// A server's WebSocket data frame (RFC 6455, section 5.2), written to the socket in one piece.
//
// Why the gateway frames its own messages instead of calling ws.send(): ws writes each frame as two
// writes (header, then payload) inside cork()/uncork(), and Node's stream turns a corked pair into a
// buffered request list and a writev: about 0.9 KB of short-lived objects per frame. At 5000 tabs a
// message a second that was a fifth of what the gateway allocated, and the young-generation
// collections it brought on (every ~650 ms, against ~830 ms with one write per frame) set the tail
// latency. ws still does everything else: the handshake, reading frames, ping, pong and close, and
// its bufferedAmount counts these bytes (they wait in the same socket).
//
// A server's frames are never masked; this one is always final (no fragments) and uncompressed (RSV1
// clear: allowed even when permessage-deflate was negotiated, and the gateway does not offer it).

const TEXT = 0x81; // FIN + opcode 1
const BINARY = 0x82; // FIN + opcode 2

/** The frame for a text message (a string) or a binary one (bytes). */
export function wsFrame(payload: string | Uint8Array): Buffer {
  const text = typeof payload === 'string';
  const n = text ? Buffer.byteLength(payload) : payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = text ? TEXT : BINARY;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  if (text) out.write(payload, head);
  else out.set(payload, head);
  return out;
}
