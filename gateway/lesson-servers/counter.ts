// The connection counter of seed 003: thanks each client, says which connection it was since this
// server started, and closes. The count lives as long as the server (a restart starts it again).

import type { TcpLesson } from './lesson.js';

export function counterServer(): TcpLesson {
  let connections = 0;
  return {
    name: 'counter',
    description:
      'Thanks each new connection, says which number it was since the server started, then closes.',
    open(conn) {
      connections++;
      conn.send(
        `Thanks for connecting! You are connection number ${connections} since this server started.\n`,
      );
      conn.close();
      // Whatever the client sends is never read: the server has already closed its end.
      return { data: () => {} };
    },
  };
}
