// The page's side of the protocol: it asks for binary records in its hello, sends its writes as
// binary frames once the gateway agreed (as JSON when it did not), and reads a binary frame's records,
// JSON ones included, as the same messages in the same order as a text frame's.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataEvents, jsonRecord, writtenRecord } from '../../../../gateway/protocol/encode.js';
import {
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ServerMessage,
  toBase64,
} from '../../../../gateway/protocol/messages.js';
import { decodeWrite } from '../../../../gateway/protocol/records.js';
import { GatewayConnection } from '../../../../web/src/connection/gateway-connection.js';
import type { Action } from '../../../../web/src/store/actions.js';

/** The browser's WebSocket, as far as the connection uses it: frames sent are kept, frames arrive on demand. */
class FakeSocket {
  static readonly OPEN = 1;
  static last: FakeSocket | null = null;
  readonly sent: (string | Uint8Array)[] = [];
  readyState = 0;
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  send(frame: string | Uint8Array): void {
    this.sent.push(frame);
  }

  close(): void {
    // As a browser's: the close event comes after, not inside, the call.
    queueMicrotask(() => this.onclose?.({ code: 1000, reason: '' }));
  }

  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(frame: string | Uint8Array): void {
    const data =
      typeof frame === 'string'
        ? frame
        : frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
    this.onmessage?.({ data });
  }
}

const welcome = (binary: boolean) =>
  JSON.stringify({
    type: 'welcome',
    id: 'hello',
    protocol: PROTOCOL_VERSION,
    session: 's',
    resumeToken: 'r',
    resumed: false,
    binary,
    engine: { kind: 'libc', platform: 'linux', merges: [] },
    ports: [],
    bindHosts: [],
    lessonServers: [],
    limits: { sockets: 1, messageBytes: 1, callsPerSecond: 1 },
  });

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

let saved: unknown;
beforeEach(() => {
  saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = FakeSocket;
});
afterEach(() => {
  (globalThis as { WebSocket?: unknown }).WebSocket = saved;
});

async function connected(binary: boolean) {
  const actions: Action[] = [];
  const conn = new GatewayConnection('ws://x/ws', (a) => actions.push(a), memoryStorage());
  conn.start();
  const ws = FakeSocket.last!;
  ws.open();
  ws.receive(welcome(binary));
  return { conn, ws, actions };
}

describe('the page speaking to the gateway', () => {
  it('asks for binary records in its hello, and reads its frames as arraybuffers', async () => {
    const { ws } = await connected(true);
    expect(ws.binaryType).toBe('arraybuffer');
    expect(JSON.parse(ws.sent[0] as string)).toMatchObject({ type: 'hello', binary: true });
  });

  it('sends a write as a binary frame once the gateway agreed, and reads its reply from a record', async () => {
    const { conn, ws } = await connected(true);
    const reply = conn.write('s_1', Uint8Array.from([0, 10, 255]));
    const frame = decodeWrite(ws.sent.at(-1) as Uint8Array);
    expect(frame).toMatchObject({ type: 'write', socket: 's_1' });
    expect([...frame.bytes]).toEqual([0, 10, 255]);
    ws.receive(writtenRecord(frame.id, 3));
    expect(await reply).toEqual({ ok: true, bytes: 3 });
  });

  it("turns the gateway's refusal of a call into that call's error, not a lost connection", async () => {
    const { conn, ws } = await connected(false);
    const call = conn.call('client', { op: 'gethostbyname', name: 'x' });
    const id = (JSON.parse(ws.sent.at(-1) as string) as { id: string }).id;
    const message = 'call gethostbyname: "name" must be a string of 1..255 characters';
    ws.receive(JSON.stringify({ type: 'error', id, code: 'EGW_PROTO', message }));
    expect(await call).toEqual({
      ok: false,
      error: {
        code: 'EGW_PROTO',
        errno: null,
        syscall: 'gethostbyname',
        message,
        explain: expect.stringContaining('never reached the kernel'),
      },
    });
  });

  it('refuses a call too large for the gateway itself, and stays connected', async () => {
    // The gateway ends a connection that sends it more than MAX_MESSAGE_BYTES in one message.
    const { conn, ws } = await connected(false);
    const sentBefore = ws.sent.length;
    const big = toBase64(new Uint8Array(MAX_MESSAGE_BYTES));
    const reply = await conn.call('client', { op: 'sendall', socket: 's_1', data: big });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'EGW_TOO_BIG', syscall: 'sendall', explain: expect.stringContaining('smaller pieces') },
    });
    expect(ws.sent.length).toBe(sentBefore);
    await expect(conn.write('s_1', new Uint8Array(MAX_MESSAGE_BYTES))).rejects.toThrow(/at most 65536/);
    // Smaller requests still go.
    void conn.call('client', { op: 'gethostname' });
    expect(JSON.parse(ws.sent.at(-1) as string)).toMatchObject({ type: 'call', call: { op: 'gethostname' } });
  });

  it('keeps showing why the gateway refused the hello after the socket closes, and does not retry', async () => {
    const actions: Action[] = [];
    const conn = new GatewayConnection('ws://x/ws', (a) => actions.push(a), memoryStorage());
    conn.start();
    const ws = FakeSocket.last!;
    ws.open();
    const message = 'this page speaks protocol 1; the gateway speaks 2: reload the page';
    ws.receive(JSON.stringify({ type: 'error', id: 'hello', code: 'EGW_PROTO', message }));
    await new Promise((r) => setTimeout(r, 10));
    expect(actions.filter((a) => a.type === 'connection').at(-1)).toEqual({
      type: 'connection',
      status: 'failed',
      note: message,
    });
    expect(FakeSocket.last).toBe(ws);
  });

  it("reloads to show the gateway's reason when it refuses the page too, and retries when it is only down", async () => {
    for (const refused of [true, false]) {
      const reloads: number[] = [];
      const page = { refused: async () => refused, reload: () => void reloads.push(Date.now()) };
      const conn = new GatewayConnection('ws://x/ws', () => {}, memoryStorage(), page);
      conn.start();
      const ws = FakeSocket.last!;
      // Refused at the upgrade (a browser says only 1006), or nobody listening: it never opened.
      ws.onclose?.({ code: 1006, reason: '' });
      await new Promise((r) => setTimeout(r, 400));
      expect(reloads.length).toBe(refused ? 1 : 0);
      // Down, it tries again after its backoff; refused, it leaves the page to the gateway's words.
      expect(FakeSocket.last === ws).toBe(refused);
      conn.stop();
    }
  });

  it('sends a write as JSON to a gateway that did not agree', async () => {
    const { conn, ws } = await connected(false);
    void conn.write('s_1', Uint8Array.from([104, 105]));
    expect(JSON.parse(ws.sent.at(-1) as string)).toMatchObject({
      type: 'write',
      socket: 's_1',
      data: toBase64(Uint8Array.from([104, 105])),
    });
  });

  it("hands a binary frame's messages to listeners and the store in order, a JSON record's reply included", async () => {
    const { conn, ws, actions } = await connected(true);
    const seen: ServerMessage[] = [];
    conn.onMessage((m) => seen.push(m));
    const call = conn.call('raw', { op: 'gethostname' });
    const id = (JSON.parse(ws.sent.at(-1) as string) as { id: string }).id;
    const data = new DataEvents('s_1', 'raw', ['127.0.0.1', 7]);
    const returned = {
      type: 'call-returned',
      id,
      program: 'raw',
      call: { op: 'gethostname' },
      result: { op: 'gethostname', name: 'box' },
      seq: 2,
      t: 2,
    };
    ws.receive(
      Buffer.concat([
        data.record('in', Uint8Array.from([65]), true, 1, 1),
        jsonRecord(JSON.stringify(returned)),
        data.record('in', Uint8Array.from([66]), true, 3, 3),
      ]),
    );
    expect(seen.map((m) => ('seq' in m ? m.seq : null))).toEqual([1, 2, 3]);
    expect(await call).toEqual({ ok: true, result: { op: 'gethostname', name: 'box' } });
    const stored = actions.filter((a) => a.type === 'server').map((a) => a.type === 'server' && a.msg.type);
    expect(stored).toEqual(['data', 'call-returned', 'data']);
  });
});
