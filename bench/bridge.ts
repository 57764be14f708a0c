// The floor for any Node gateway: a minimal WebSocket-to-TCP bridge (ws + net), one TCP connection to
// the echo server per WebSocket, binary frames both ways, backpressure both ways. Run as a child
// process by bench/run.ts: argv[2] is the echo server's port; prints "PORT <n>"; exits when stdin closes.

import { connect } from 'node:net';
import { echoPortArg, serveBench } from './ws-child.js';

const target = echoPortArg('bridge.js');
/** Bytes queued towards a WebSocket beyond which the bridge stops reading its TCP connection. */
const HIGH_WATER = 1024 * 1024;

serveBench('bridge', (ws, req) => {
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
