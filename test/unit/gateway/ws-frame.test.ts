// The gateway writes its WebSocket frames itself (gateway/ws-frame.ts): a real ws client must read
// every one as the message that was framed, text or binary, at each of the three length encodings.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { wsFrame } from '../../../gateway/ws-frame.js';

let server: Server | null = null;

afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(null));
  server = null;
});

/** A server that writes `payloads` as frames on each new connection's socket; what a client got. */
async function roundTrip(payloads: (string | Uint8Array)[]): Promise<{ data: Buffer; binary: boolean }[]> {
  const wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket: Socket, head) => {
    wss.handleUpgrade(req, socket, head, () => {
      for (const p of payloads) socket.write(wsFrame(p));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  const got: { data: Buffer; binary: boolean }[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data: Buffer, binary) => {
      got.push({ data, binary });
      if (got.length === payloads.length) resolve();
    });
    client.on('error', reject);
    client.on('close', (code) => reject(new Error(`closed ${code} after ${got.length} messages`)));
  });
  client.terminate();
  return got;
}

describe('wsFrame', () => {
  it('frames binary payloads of every length encoding so that a ws client reads them back whole', async () => {
    const sizes = [0, 1, 125, 126, 127, 65535, 65536, 200_000];
    const payloads = sizes.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) % 256));
    const got = await roundTrip(payloads);
    expect(got.map((m) => m.binary)).toEqual(sizes.map(() => true));
    expect(got.map((m) => m.data.length)).toEqual(sizes);
    for (const [i, m] of got.entries()) expect(m.data.equals(Buffer.from(payloads[i]!))).toBe(true);
  });

  it('frames text as UTF-8 text frames, characters beyond ASCII and long messages included', async () => {
    const texts = ['', '{"type":"welcome"}', 'é😀 naïve', 'x'.repeat(126), `[${'"é",'.repeat(40_000)}"]`];
    const got = await roundTrip(texts);
    expect(got.map((m) => m.binary)).toEqual(texts.map(() => false));
    expect(got.map((m) => m.data.toString('utf8'))).toEqual(texts);
  });
});
