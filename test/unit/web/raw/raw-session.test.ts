import { describe, expect, it } from 'vitest';
import {
  type Address,
  type Call,
  type CallError,
  type CallResult,
  fromBase64,
  toBase64,
} from '../../../../gateway/protocol/messages.js';
import {
  type CallReply,
  closeStory,
  RawSessionController,
  type RawTarget,
  SEND_PIECE,
  streamStatusText,
} from '../../../../web/src/raw/raw-session.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Pending {
  call: Call;
  reply(r: CallReply): void;
}

/**
 * A gateway that answers quick calls at once and keeps blocking ones (recv, recvfrom, accept) waiting
 * until the test answers them; an aborted signal answers EGW_CANCELLED, as a cancel does.
 */
class FakeGateway {
  readonly calls: Call[] = [];
  readonly waiting: Pending[] = [];
  private n = 0;
  /** Failures to answer instead of success, by op. */
  readonly fail = new Map<string, CallError>();

  caller = (call: Call, signal: AbortSignal | undefined): Promise<CallReply> => {
    this.calls.push(call);
    const failure = this.fail.get(call.op);
    if (failure) return Promise.resolve({ ok: false, error: failure });
    if (call.op === 'recv' || call.op === 'recvfrom' || call.op === 'accept') {
      return new Promise((resolve) => {
        const p: Pending = { call, reply: resolve };
        this.waiting.push(p);
        signal?.addEventListener('abort', () => {
          this.waiting.splice(this.waiting.indexOf(p), 1);
          resolve({ ok: false, error: err('EGW_CANCELLED', call.op) });
        });
      });
    }
    return Promise.resolve({ ok: true, result: this.result(call) });
  };

  private result(call: Call): CallResult {
    switch (call.op) {
      case 'socket':
        return {
          op: 'socket',
          socket: `s${++this.n}`,
          fd: 30 + this.n,
          family: call.family,
          type: call.type,
        };
      case 'send':
      case 'sendall':
      case 'sendto':
        return { op: call.op, bytes: fromBase64(call.data).length };
      case 'connect':
      case 'bind':
      case 'listen':
      case 'close':
      case 'shutdown':
      case 'setsockopt':
        return { op: call.op };
      default:
        throw new Error(`the fake has no answer for ${call.op}`);
    }
  }

  /** Waits until a blocking call of that op is waiting, and returns it. */
  async next(op: 'recv' | 'recvfrom' | 'accept', socket?: string): Promise<Pending> {
    for (let i = 0; i < 100; i++) {
      const p = this.waiting.find(
        (w) => w.call.op === op && (!socket || ('socket' in w.call && w.call.socket === socket)),
      );
      if (p) {
        this.waiting.splice(this.waiting.indexOf(p), 1);
        return p;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`no ${op} is waiting; calls so far: ${this.calls.map((c) => c.op).join(' ')}`);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

function err(code: string, syscall: string, message = code): CallError {
  return { code, errno: null, syscall, message, explain: `because ${code}` };
}

const recvd = (data: string): CallReply => ({
  ok: true,
  result: { op: 'recv', data: toBase64(enc(data)), bytes: enc(data).length },
});

const settle = () => new Promise((r) => setTimeout(r, 0));
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await settle();
  if (!ok()) throw new Error('condition never met');
};

const ECHO: RawTarget = { mode: 'connect', proto: 'tcp', host: '127.0.0.1', port: 7007, name: 'echo' };

describe('a raw session that connects', () => {
  it('makes socket and connect, then receives in a loop of blocking recv calls', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller, () => 1000);
    const id = await raw.connect();
    expect(gw.ops()).toEqual(['socket', 'connect', 'recv']);
    expect(gw.calls[1]).toEqual({ op: 'connect', socket: 's1', address: ['127.0.0.1', 7007] });
    expect(raw.stream(id)?.status).toBe('open');
    (await gw.next('recv')).reply(recvd('hello\r\n'));
    (await gw.next('recv')).reply(recvd('again'));
    await gw.next('recv').then((p) => gw.waiting.push(p));
    const s = raw.stream(id)!;
    expect(s.chunks.map((c) => [c.dir, dec(c.bytes)])).toEqual([
      ['in', 'hello\r\n'],
      ['in', 'again'],
    ]);
    expect(s.bytesIn).toBe(12);
  });

  it("reads recv's 0 bytes as the peer's FIN, and stays half-open until it sends EOF too", async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    (await gw.next('recv')).reply(recvd(''));
    await until(() => (raw.stream(id)?.closes.length ?? 0) > 0);
    const s = raw.stream(id)!;
    expect(streamStatusText(s, 'tcp', 'echo')).toBe('half-closed: echo sent FIN; you can still send');
    expect(closeStory(s, 'echo')).toBe('echo closed first (FIN: recv returned 0 bytes)');
    expect(await raw.send(id, enc('still here'), 'test')).toBe(true);
    expect(await raw.sendEof(id)).toBe(true);
    expect(gw.ops().slice(-3)).toEqual(['sendall', 'shutdown', 'close']);
    expect(raw.stream(id)?.status).toBe('closed');
    expect(closeStory(raw.stream(id)!, 'echo')).toBe(
      'echo closed first (FIN: recv returned 0 bytes), then you closed (FIN, with shutdown(SHUT_WR))',
    );
  });

  it('sends EOF with shutdown(SHUT_WR) and keeps receiving until the peer closes', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    await raw.sendEof(id);
    expect(gw.calls.at(-1)).toEqual({ op: 'shutdown', socket: 's1', how: 'SHUT_WR' });
    expect(streamStatusText(raw.stream(id)!, 'tcp')).toBe('half-closed: you sent FIN (EOF); still receiving');
    expect(await raw.send(id, enc('late'), 'test')).toBe(false);
    (await gw.next('recv')).reply(recvd('reply'));
    (await gw.next('recv')).reply(recvd(''));
    await until(() => raw.stream(id)?.status === 'closed');
    expect(gw.ops().at(-1)).toBe('close');
    expect(closeStory(raw.stream(id)!, 'echo')).toBe(
      'you closed first (FIN, with shutdown(SHUT_WR)), then echo closed (FIN: recv returned 0 bytes)',
    );
  });

  it('tells an RST (recv fails with ECONNRESET) from a FIN, and closes the socket', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    (await gw.next('recv')).reply({ ok: false, error: err('ECONNRESET', 'recv') });
    await until(() => raw.stream(id)?.status === 'closed');
    expect(gw.ops().at(-1)).toBe('close');
    expect(closeStory(raw.stream(id)!)).toBe(
      'the peer reset the connection (RST: recv failed with ECONNRESET)',
    );
  });

  it('sends big data in pieces that fit the gateway message limit, each shown as a chunk', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    const big = new Uint8Array(SEND_PIECE * 2 + 10).fill(0x61);
    expect(await raw.send(id, big, 'file')).toBe(true);
    const sends = gw.calls.filter((c) => c.op === 'sendall');
    expect(sends.map((c) => (c.op === 'sendall' ? fromBase64(c.data).length : 0))).toEqual([
      SEND_PIECE,
      SEND_PIECE,
      10,
    ]);
    expect(raw.stream(id)?.bytesOut).toBe(big.length);
    expect(raw.stream(id)?.chunks.filter((c) => c.dir === 'out')).toHaveLength(3);
  });

  it('keeps sends in the order they were asked for', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    await Promise.all(['a', 'b', 'c'].map((k) => raw.send(id, enc(k), 'key')));
    expect(raw.stream(id)?.chunks.map((c) => dec(c.bytes))).toEqual(['a', 'b', 'c']);
  });

  it('shows a refused target with the gateway reason, and closes the socket it made', async () => {
    const gw = new FakeGateway();
    gw.fail.set('connect', err('EGW_DENIED', 'connect', '10.0.0.1:80 is not an allowed target'));
    const raw = new RawSessionController(
      'raw',
      { mode: 'connect', proto: 'tcp', host: '10.0.0.1', port: 80 },
      gw.caller,
    );
    const id = await raw.connect();
    expect(gw.ops()).toEqual(['socket', 'connect', 'close']);
    const s = raw.stream(id)!;
    expect(s.status).toBe('failed');
    expect(s.error?.code).toBe('EGW_DENIED');
    expect(streamStatusText(s, 'tcp')).toBe('failed: EGW_DENIED');
  });

  it('close cancels the waiting recv, then closes: FIN from you', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const id = await raw.connect();
    await until(() => gw.waiting.length === 1);
    await raw.close(id);
    expect(gw.waiting).toHaveLength(0);
    expect(gw.ops()).toEqual(['socket', 'connect', 'recv', 'close']);
    expect(raw.stream(id)?.status).toBe('closed');
    expect(closeStory(raw.stream(id)!)).toBe('you closed first (FIN, with close())');
  });

  it('reconnects: the old connection closed, a new stream opened', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw.caller);
    const first = await raw.connect();
    const second = await raw.reconnect();
    expect(second).not.toBe(first);
    expect(raw.stream(first)?.status).toBe('closed');
    expect(raw.stream(second)?.status).toBe('open');
    expect(gw.ops()).toEqual(['socket', 'connect', 'recv', 'close', 'socket', 'connect', 'recv']);
  });

  it('says so when the page has lost the gateway', async () => {
    const raw = new RawSessionController('raw', ECHO, () =>
      Promise.reject(new Error('not connected to the gateway')),
    );
    const id = await raw.connect();
    expect(raw.stream(id)?.error?.code).toBe('EGW_OFFLINE');
    expect(raw.stream(id)?.error?.message).toBe('not connected to the gateway');
  });
});

describe('a raw session that listens', () => {
  const LISTEN: RawTarget = { mode: 'listen', proto: 'tcp', host: '127.0.0.1', port: 20009 };

  it('binds, listens and accepts client after client, each with its own receive loop', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', LISTEN, gw.caller);
    await raw.listen();
    expect(gw.ops()).toEqual(['socket', 'setsockopt', 'bind', 'listen', 'accept']);
    expect(raw.getSnapshot().listener?.status).toBe('listening');
    const client = (socket: string, port: number): CallReply => ({
      ok: true,
      result: {
        op: 'accept',
        socket,
        fd: 40,
        address: ['127.0.0.1', port] as Address,
        local: ['127.0.0.1', 20009] as Address,
      },
    });
    (await gw.next('accept')).reply(client('c1', 50001));
    (await gw.next('accept')).reply(client('c2', 50002));
    await gw.next('accept').then((p) => gw.waiting.push(p));
    (await gw.next('recv', 'c2')).reply(recvd('from two'));
    (await gw.next('recv', 'c1')).reply(recvd('from one'));
    await until(() => raw.getSnapshot().streams.every((s) => s.chunks.length === 1));
    const streams = raw.getSnapshot().streams;
    expect(streams.map((s) => [s.title, dec(s.chunks[0]!.bytes)])).toEqual([
      ['client 1 127.0.0.1:50001', 'from one'],
      ['client 2 127.0.0.1:50002', 'from two'],
    ]);
    expect(await raw.send(streams[1]!.id, enc('hi two'), 'line')).toBe(true);
    expect(gw.calls.at(-1)).toMatchObject({ op: 'sendall', socket: 'c2' });
    expect(raw.getSnapshot().listener?.clients).toBe(2);
  });

  it('shows a bind failure on the listener, and closes the socket', async () => {
    const gw = new FakeGateway();
    gw.fail.set('bind', err('EADDRINUSE', 'bind'));
    const raw = new RawSessionController('raw', LISTEN, gw.caller);
    await raw.listen();
    expect(raw.getSnapshot().listener).toMatchObject({ status: 'failed', error: { code: 'EADDRINUSE' } });
    expect(gw.ops().at(-1)).toBe('close');
  });

  it('stops listening: accept is cancelled and the listener closed, clients stay', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', LISTEN, gw.caller);
    await raw.listen();
    await until(() => gw.waiting.length === 1);
    await raw.stopListening();
    expect(raw.getSnapshot().listener?.status).toBe('stopped');
    expect(gw.ops().slice(-2)).toEqual(['accept', 'close']);
    expect(gw.waiting).toHaveLength(0);
  });

  it('over UDP, gives every peer address its own stream, and answers it with sendto', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', { ...LISTEN, proto: 'udp' }, gw.caller);
    await raw.listen();
    expect(gw.ops()).toEqual(['socket', 'bind', 'recvfrom']);
    const datagram = (text: string, port: number): CallReply => ({
      ok: true,
      result: {
        op: 'recvfrom',
        data: toBase64(enc(text)),
        bytes: text.length,
        address: ['127.0.0.1', port],
        truncated: false,
        datagramBytes: text.length,
      },
    });
    (await gw.next('recvfrom')).reply(datagram('one', 50001));
    (await gw.next('recvfrom')).reply(datagram('two', 50002));
    (await gw.next('recvfrom')).reply(datagram('one again', 50001));
    await gw.next('recvfrom').then((p) => gw.waiting.push(p));
    const streams = raw.getSnapshot().streams;
    expect(streams.map((s) => s.chunks.map((c) => dec(c.bytes)))).toEqual([['one', 'one again'], ['two']]);
    expect(await raw.send(streams[1]!.id, enc('back'), 'line')).toBe(true);
    expect(gw.calls.at(-1)).toMatchObject({ op: 'sendto', socket: 's1', address: ['127.0.0.1', 50002] });
  });
});
