// The floor for any server speaking the gateway's protocol: ws + net like the minimal bridge, but a
// raw session's echo costs what the protocol asks of it, as the web app speaks it (hello with binary,
// protocol/records.ts): the page's `write` decoded from its binary frame, and three records back (the
// write's data event and reply, made as one buffer, waiting for the echo's data event so that all leave
// in one frame per turn), encoded by the gateway's own encoders. No engine, no sessions, no limits, no kernel state:
// what is left between this and the gateway is the gateway's own work; what is left between this and
// the bridge is the protocol's. Speaks just enough for bench/gateway-client.ts's stream echo: hello,
// socket, connect with stream: true, write. Run as a child process by bench/run.ts: argv[2] is the echo
// server's port, argv[3] the extra CPU per echo in µs (optional); prints "PORT <n>"; exits when stdin closes.

import { connect, type Socket } from 'node:net';
import { DataEvents } from '../gateway/protocol/encode.js';
import { type ClientMessage, PROTOCOL_VERSION } from '../gateway/protocol/messages.js';
import { decodeWrite } from '../gateway/protocol/records.js';
import { echoPortArg, serveBench, writeAtTurnEnd } from './ws-child.js';

const target = echoPortArg('protocol-floor.js');
/**
 * argv[3]: CPU this floor burns per echo on top of its work, in µs (BENCH_FLOOR_EXTRA_US, checked by
 * run.ts). What a few µs more per message do to the tail at a classroom pace, measured rather than
 * argued: the gateway spends more CPU per echo than this floor.
 */
const EXTRA_MS = Number(process.argv[3] ?? 0) / 1000;
const HIGH_WATER = 1024 * 1024;
const SOCKET = 's_floor';
let seq = 0;
const t0 = performance.now();
const now = () => Math.round((performance.now() - t0) * 1000) / 1000;

serveBench('protocol floor', (ws, req) => {
  let tcp: Socket | null = null;
  let events: DataEvents | null = null;
  // One frame per turn: urgent records schedule it, lazy ones (a write's) wait for the next urgent.
  const records: Buffer[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (records.length === 0) return;
    ws.send(records.length === 1 ? records[0]! : Buffer.concat(records));
    records.length = 0;
    if (ws.bufferedAmount > HIGH_WATER) tcp?.pause();
  };
  const push = (record: Buffer, lazy: boolean) => {
    records.push(record);
    if (lazy || scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const reply = (id: string, result: unknown) =>
    ws.send(JSON.stringify({ type: 'call-returned', id, program: 'bench', result, seq: ++seq, t: now() }));
  req.socket.on('drain', () => tcp?.resume());

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary && tcp && events) {
      const w = decodeWrite(data);
      // At the end of the turn, with every page's writes, as the gateway sends them.
      if (!writeAtTurnEnd(tcp, w.bytes)) ws.pause();
      push(events.sentWhole(w.id, w.bytes, ++seq, now()), true);
      return;
    }
    const msg = JSON.parse(String(data)) as ClientMessage;
    if (msg.type === 'hello') {
      ws.send(JSON.stringify({ type: 'welcome', id: msg.id, protocol: PROTOCOL_VERSION, binary: true }));
    } else if (msg.type === 'call' && msg.call.op === 'socket') {
      reply(msg.id, { op: 'socket', socket: SOCKET, fd: 3, family: 'AF_INET', type: 'SOCK_STREAM' });
    } else if (msg.type === 'call' && msg.call.op === 'connect' && !tcp) {
      const id = msg.id;
      const conn = connect({ host: '127.0.0.1', port: target, noDelay: true });
      tcp = conn;
      conn.on('connect', () => {
        events = new DataEvents(SOCKET, 'bench', ['127.0.0.1', target]);
        reply(id, { op: 'connect' });
      });
      conn.on('data', (chunk) => {
        if (EXTRA_MS > 0) busy(EXTRA_MS);
        push(events!.record('in', chunk, true, ++seq, now()), false);
      });
      conn.on('drain', () => ws.resume());
      conn.on('error', () => ws.terminate());
      conn.on('close', () => ws.terminate());
    } else {
      ws.close(1008, 'the protocol floor speaks only hello, socket, connect and write');
    }
  });
  ws.on('error', () => tcp?.destroy());
  ws.on('close', () => tcp?.destroy());
});

/** Keeps the CPU busy for `ms`, as more work per message would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}
