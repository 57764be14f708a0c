// The floor for any Node gateway: a minimal WebSocket-to-TCP bridge (ws + net), one TCP connection to
// the echo server per WebSocket, binary frames both ways, backpressure both ways. Run as a child
// process by bench/run.ts: argv[2] is the echo server's port; prints "PORT <n>"; exits when stdin closes.

import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

const target = Number(process.argv[2]);
if (!Number.isInteger(target) || target <= 0 || target > 65535) {
  console.error('usage: bridge.js <echo port>');
  process.exit(2);
}
/** Bytes queued towards a WebSocket beyond which the bridge stops reading its TCP connection. */
const HIGH_WATER = 1024 * 1024;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  backlog: 8192,
  perMessageDeflate: false,
  clientTracking: false,
});

wss.on('connection', (ws, req) => {
  const wsSocket = req.socket;
  const tcp = connect({ host: '127.0.0.1', port: target, noDelay: true });
  // TCP -> WebSocket: no callback per send; pause reading when the page falls behind and resume
  // when the WebSocket's own TCP socket has drained.
  tcp.on('data', (chunk) => {
    ws.send(chunk);
    if (ws.bufferedAmount > HIGH_WATER) tcp.pause();
  });
  wsSocket.on('drain', () => tcp.resume());
  // WebSocket -> TCP: stop reading frames while the TCP send buffer is full.
  ws.on('message', (data) => {
    if (!tcp.write(data as Buffer)) ws.pause();
  });
  tcp.on('drain', () => ws.resume());
  tcp.on('error', () => ws.terminate());
  tcp.on('close', () => ws.terminate());
  ws.on('error', () => tcp.destroy());
  ws.on('close', () => tcp.destroy());
});
wss.on('error', (err) => {
  console.error(`bridge: ${err.message}`);
  process.exit(1);
});
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('bridge: no TCP address');
  console.log(`PORT ${address.port}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
