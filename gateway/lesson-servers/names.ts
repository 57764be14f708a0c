// The name appender of seed 004's lab: each line a client types comes back with a name appended
// ("Hello" -> "Hello Ada"), to any number of clients at once, each conversation on its own.

import type { TcpLesson } from './lesson.js';
import { lineSession, MAX_LINE_BYTES } from './line-reader.js';

export const DEFAULT_NAME = 'Ada';

export function namesServer(name = DEFAULT_NAME): TcpLesson {
  return {
    name: 'names',
    description: `Sends back each line you type with a name appended ("Hello" comes back as "Hello ${name}"); many clients at once.`,
    open: (conn) =>
      lineSession(conn, {
        // Answer with the ending the client used, so telnet (\r\n) and nc (\n) both see tidy lines.
        line: ({ text, ending }) => conn.send(`${text.length > 0 ? `${text} ` : ''}${name}${ending || '\n'}`),
        tooLong: `Line longer than ${MAX_LINE_BYTES} bytes; closing.\n`,
      }),
  };
}
