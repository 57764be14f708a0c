// The networked address book of seed 003: `add:name,details`, `rem:name`, `fnd:name`, one reply line
// each. Every connection gets its own empty book, so students sharing the server cannot disturb each
// other (seed 003 shares one book on disk; here nothing outlives the connection).

import type { TcpLesson } from './lesson.js';
import { lineSession, MAX_LINE_BYTES } from './line-reader.js';

export const MAX_ENTRIES = 100;

const USAGE = 'add:name,details  rem:name  fnd:name';

export function addressBookServer(quietFlushMs: number): TcpLesson {
  return {
    name: 'addressbook',
    description: `An address book spoken line by line: ${USAGE}. Each connection has its own empty book.`,
    open(conn) {
      const book = new Map<string, string>();
      conn.send(
        `Address book ready. This book is yours alone: it starts empty and is gone when you disconnect. Commands: ${USAGE}\n`,
      );
      return lineSession(conn, {
        line: ({ text, ending }) => conn.send(`${answer(book, text)}${ending || '\n'}`),
        tooLong: `ERROR: line longer than ${MAX_LINE_BYTES} bytes; closing.\n`,
        quietFlushMs,
      });
    },
  };
}

function answer(book: Map<string, string>, line: string): string {
  // Split at the first colon only: details may contain colons ("fnd:" then "12:30 pm" is fine).
  const colon = line.indexOf(':');
  if (line.trim() === '') return `ERROR: empty line; the commands are ${USAGE}`;
  if (colon < 0) return `ERROR: no colon in "${line.trim().slice(0, 40)}"; the commands are ${USAGE}`;
  const command = line.slice(0, colon).trim().toLowerCase();
  const argument = line.slice(colon + 1);
  switch (command) {
    case 'add': {
      const comma = argument.indexOf(',');
      const name = (comma < 0 ? argument : argument.slice(0, comma)).trim();
      const details = comma < 0 ? '' : argument.slice(comma + 1).trim();
      if (name === '') return 'ERROR: add needs a name: add:name,details';
      const known = book.has(name);
      if (!known && book.size >= MAX_ENTRIES)
        return `ERROR: this book is full (${MAX_ENTRIES} entries); rem: one first`;
      book.set(name, details);
      return known ? `OK: replaced the entry for ${name}` : `OK: added ${name}`;
    }
    case 'rem': {
      const name = argument.trim();
      return book.delete(name) ? `OK: removed ${name}` : `ERROR: no entry for ${name}`;
    }
    case 'fnd': {
      const name = argument.trim();
      const details = book.get(name);
      return details === undefined ? `ERROR: no entry for ${name}` : `OK: ${name},${details}`;
    }
    default:
      return `ERROR: unknown command "${command.slice(0, 40)}"; the commands are ${USAGE}`;
  }
}
