// What a binary stream protocol could reach: the protocol floor (bench/protocol-floor.ts) with its
// JSON replaced by small binary records, everything else the same (one frame per turn, writes corked
// to the end of the turn, the write's data event and its reply in one record). Not the gateway's
// protocol: a measurement of what that protocol's encoding costs, beside the bridge and the JSON floor.
//
// Page -> gateway, one binary frame per write: [1][u32 write id][bytes].
// Gateway -> page, one binary frame per turn, records back to back:
//   written  [2][u32 seq][f64 t][u32 write id][u16 n][bytes]   (the bytes the kernel took, and the reply)
//   arrived  [3][u32 seq][f64 t][u16 n][bytes]                 (what the stream read)
// Run as a child process by bench/run.ts: argv[2] is the echo server's port; prints "PORT <n>".

import { connect } from 'node:net';
import { ARRIVED, ARRIVED_HEAD, WRITE, WRITTEN, WRITTEN_HEAD } from './binary-records.js';
import { echoPortArg, serveBench, writeAtTurnEnd } from './ws-child.js';

const target = echoPortArg('binary-floor.js');
const HIGH_WATER = 1024 * 1024;
let seq = 0;
const t0 = performance.now();

serveBench('binary floor', (ws, req) => {
  const tcp = connect({ host: '127.0.0.1', port: target, noDelay: true });
  const parts: Buffer[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (parts.length === 0) return;
    ws.send(Buffer.concat(parts));
    parts.length = 0;
    if (ws.bufferedAmount > HIGH_WATER) tcp.pause();
  };
  req.socket.on('drain', () => tcp.resume());
  tcp.on('data', (chunk: Buffer) => {
    const head = Buffer.allocUnsafe(ARRIVED_HEAD);
    head[0] = ARRIVED;
    head.writeUInt32LE(++seq, 1);
    head.writeDoubleLE(performance.now() - t0, 5);
    head.writeUInt16LE(chunk.length, 13);
    parts.push(head, chunk);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data[0] !== WRITE || data.length < 5) {
      ws.close(1008, 'the binary floor takes binary writes only');
      return;
    }
    const bytes = data.subarray(5);
    // At the end of the turn, with every page's writes, as the gateway sends them.
    if (!writeAtTurnEnd(tcp, bytes)) ws.pause();
    const head = Buffer.allocUnsafe(WRITTEN_HEAD);
    head[0] = WRITTEN;
    head.writeUInt32LE(++seq, 1);
    head.writeDoubleLE(performance.now() - t0, 5);
    head.writeUInt32LE(data.readUInt32LE(1), 13);
    head.writeUInt16LE(bytes.length, 17);
    parts.push(head, bytes);
  });
  tcp.on('drain', () => ws.resume());
  tcp.on('error', () => ws.terminate());
  tcp.on('close', () => ws.terminate());
  ws.on('error', () => tcp.destroy());
  ws.on('close', () => tcp.destroy());
});
