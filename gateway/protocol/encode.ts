// The messages a raw session's echo sends most (its data events and its writes' replies), written as
// JSON text directly instead of built as objects and passed through JSON.stringify: an echo makes three
// of them, and the generic serializer cost ~0.7 µs each against ~0.1 µs for a template filled from
// parts encoded once per socket. The shapes are the `data` and `written` messages of messages.ts, field
// for field; test/unit/gateway/encode.test.ts holds the two to the same JSON.

import type { Address, ServerMessage } from './messages.js';

/** A server message already in its JSON text form: the transport sends it as it is. */
export type EncodedMessage = string & { readonly __encoded: unique symbol };

type DataMessage = Extract<ServerMessage, { type: 'data' }>;

/** The data events of one connected socket, their constant parts encoded once. */
export class DataEvents {
  private readonly head: string;
  private readonly tail: string;

  constructor(socket: string, program: string, peer: Address | null) {
    this.head = `{"type":"data","socket":${JSON.stringify(socket)},"program":${JSON.stringify(program)},"direction":"`;
    this.tail = `,"peer":${JSON.stringify(peer)}`;
  }

  /** `data` is base64 (no character in it needs escaping); `t` a finite number. */
  encode(
    direction: DataMessage['direction'],
    data: string,
    bytes: number,
    streamed: boolean,
    seq: number,
    t: number,
  ): EncodedMessage {
    return `${this.head}${direction}","data":"${data}","bytes":${bytes}${this.tail}${streamed ? ',"streamed":true' : ''},"seq":${seq},"t":${t}}` as EncodedMessage;
  }
}

/** A write's reply once the kernel took every byte. */
export function encodeWritten(id: string, bytes: number): EncodedMessage {
  return `{"type":"written","id":${JSON.stringify(id)},"bytes":${bytes}}` as EncodedMessage;
}
