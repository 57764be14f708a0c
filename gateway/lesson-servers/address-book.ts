// The networked address book of seed 003: `add:name,details`, `rem:name`, `fnd:name`, one reply line
// each. The book outlives the connection, as seed 003's client needs (it connects afresh for every
// command), but students sharing the server never see each other's: each page session has a book of
// its own, for as long as the session lives, and clients from outside the page (nc, a script) share
// one. Seed 003 keeps a single book on disk; nothing here touches the disk.

import type { ClientOf, TcpLesson } from './lesson.js';
import { lineSession, MAX_LINE_BYTES } from './line-reader.js';

export const MAX_ENTRIES = 100;

const USAGE = 'add:name,details  rem:name  fnd:name';

export function addressBookServer(quietFlushMs: number, clientOf: ClientOf = () => null): TcpLesson {
  const books = new WeakMap<object, Map<string, string>>();
  const outside = new Map<string, string>();
  // Looked up at each command, not at accept: by then the page has learnt its socket's address.
  const bookOf = (remote: [string, number]) => {
    const owner = clientOf(remote);
    if (owner === null) return outside;
    let book = books.get(owner);
    if (!book) {
      book = new Map();
      books.set(owner, book);
    }
    return book;
  };
  return {
    name: 'addressbook',
    description: `An address book spoken line by line: ${USAGE}. Each page keeps its own book across connections; clients from outside the page share one.`,
    // Like seed 003's server it says nothing until asked: its client sends a command, then reads
    // one reply. (The roulette table greets first, as FTP does; lesson 14 compares the two.)
    open(conn) {
      return lineSession(conn, {
        line: ({ text, ending }) => conn.send(`${answer(bookOf(conn.remote), text)}${ending || '\n'}`),
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
