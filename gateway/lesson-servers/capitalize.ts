// The capitalize server of seed 001: bytes in, the same text in upper case out. Seed 001 answers one
// message and closes; this one answers every chunk until the client closes, which covers both uses.

import { StringDecoder } from 'node:string_decoder';
import type { TcpLesson } from './lesson.js';

export function capitalizeServer(): TcpLesson {
  return {
    name: 'capitalize',
    description: 'Sends back what you send in upper case (decoded and re-encoded as UTF-8), until you close.',
    open(conn) {
      // A recv() may end in the middle of a multi-byte character ("é" is two bytes): the decoder
      // keeps the first half until the rest arrives, where a plain decode would make two U+FFFD.
      const decoder = new StringDecoder('utf8');
      const reply = (text: string) => {
        if (text.length > 0) conn.send(text.toUpperCase());
      };
      return {
        data: (chunk) => reply(decoder.write(chunk)),
        end() {
          reply(decoder.end());
          conn.close();
        },
      };
    },
  };
}
