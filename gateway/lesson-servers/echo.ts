// The echo server: every recv() is answered with a send() of exactly those bytes, until the client
// closes. The oldest test peer there is (RFC 862, port 7), and the SocketServer example of seed 000.

import type { TcpLesson } from './lesson.js';

export function echoServer(): TcpLesson {
  return {
    name: 'echo',
    description: 'Sends back exactly the bytes it receives, until you close the connection.',
    open: (conn) => ({ data: (chunk) => conn.send(chunk) }),
  };
}
