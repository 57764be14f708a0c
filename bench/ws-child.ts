// What the bench's WebSocket servers share (the minimal bridge and the two protocol floors): each runs
// as a child process of bench/run.ts, takes the echo server's port as argv[2], listens on loopback with
// the same options, prints "PORT <n>" for bench/children.ts, and exits when the bench closes stdin.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { TurnBatch } from '../gateway/engine/turn-batch.js';

const turnEnd = new TurnBatch();

/**
 * Writes bytes at the end of this turn of the event loop, with every other connection's, as the
 * gateway sends its stream writes (gateway/engine/turn-batch.ts). False when the socket's buffer is full.
 */
export function writeAtTurnEnd(tcp: Socket, bytes: Uint8Array): boolean {
  if (tcp.writableCorked === 0) {
    tcp.cork();
    turnEnd.add(() => tcp.uncork());
  }
  return tcp.write(bytes);
}

/** The echo server's port from argv[2], or exit with a usage line. */
export function echoPortArg(script: string): number {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`usage: ${script} <echo port>`);
    process.exit(2);
  }
  return port;
}

export function serveBench(name: string, onConnection: (ws: WebSocket, req: IncomingMessage) => void): void {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    backlog: 8192,
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on('connection', onConnection);
  wss.on('error', (err) => {
    console.error(`${name}: ${err.message}`);
    process.exit(1);
  });
  wss.on('listening', () => {
    const address = wss.address();
    if (address === null || typeof address === 'string') throw new Error(`${name}: no TCP address`);
    console.log(`PORT ${address.port}`);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
