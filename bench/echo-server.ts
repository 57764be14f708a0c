// The TCP echo server every path talks to, run as its own child process by bench/run.ts: node:net on
// 127.0.0.1, a free port printed as "PORT <n>", every byte sent straight back. Exits when its stdin closes.

import { createServer } from 'node:net';

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  // pipe() carries backpressure: reading pauses while the socket's own send buffer is full.
  socket.pipe(socket);
});
server.on('error', (err) => {
  console.error(`echo server: ${err.message}`);
  process.exit(1);
});
// A large backlog: the bench opens up to 5000 connections in bursts (the kernel caps it at somaxconn).
server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('echo server: no TCP address');
  console.log(`PORT ${address.port}`);
});
// The parent holds our stdin: when it goes away, so do we (no orphans even after a SIGKILL of the bench).
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
