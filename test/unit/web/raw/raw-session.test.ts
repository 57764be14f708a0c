import { describe, expect, it } from 'vitest';
import {
  type Address,
  type Call,
  type CallError,
  type CallResult,
  fromBase64,
  MAX_PENDING_WRITE,
  type ServerMessage,
  toBase64,
} from '../../../../gateway/protocol/messages.js';
import {
  type CallReply,
  closeStory,
  type RawGateway,
  RawSessionController,
  type RawStream,
  type RawTarget,
  SEND_PIECE,
  streamStatusText,
  WRITE_WINDOW,
  type WriteReply,
} from '../../../../web/src/raw/raw-session.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Pending {
  call: Call;
  reply(r: CallReply): void;
}

interface Write {
  socket: string;
  bytes: Uint8Array;
  reply(r: WriteReply): void;
}

/**
 * A gateway that answers quick calls at once and keeps blocking ones (recv, recvfrom, accept) waiting
 * until the test answers them; an aborted signal answers EGW_CANCELLED, as a cancel does. Writes are
 * taken at once (a data event out, then `written`) unless `holdWrites`; the test pushes stream events.
 */
class FakeGateway implements RawGateway {
  readonly calls: Call[] = [];
  readonly waiting: Pending[] = [];
  readonly writes: Write[] = [];
  readonly held: Write[] = [];
  readonly listeners = new Set<(msg: ServerMessage) => void>();
  holdWrites = false;
  private n = 0;
  private seq = 0;
  /** Failures to answer instead of success, by op ('write' for writes). */
  readonly fail = new Map<string, CallError>();
  /** Messages to push right after answering a call, before its caller can see the answer. */
  readonly after = new Map<string, (call: Call) => ServerMessage[]>();

  call = (call: Call, signal: AbortSignal | undefined): Promise<CallReply> => {
    this.calls.push(call);
    const failure = this.fail.get(call.op);
    if (failure) return Promise.resolve({ ok: false, error: failure });
    if (call.op === 'recv' || call.op === 'recvfrom' || call.op === 'accept') {
      return new Promise((resolve) => {
        const p: Pending = {
          call,
          reply: (r) => {
            resolve(r);
            for (const m of this.after.get(call.op)?.(call) ?? []) this.emit(m);
          },
        };
        this.waiting.push(p);
        signal?.addEventListener('abort', () => {
          this.waiting.splice(this.waiting.indexOf(p), 1);
          resolve({ ok: false, error: err('EGW_CANCELLED', call.op) });
        });
      });
    }
    const answer = Promise.resolve<CallReply>({ ok: true, result: this.result(call) });
    // As one frame would: the reply resolves, and the events after it are handled before any await.
    for (const m of this.after.get(call.op)?.(call) ?? []) this.emit(m);
    return answer;
  };

  write = (socket: string, bytes: Uint8Array): Promise<WriteReply> =>
    new Promise((resolve) => {
      const w: Write = { socket, bytes: bytes.slice(), reply: resolve };
      this.writes.push(w);
      if (this.holdWrites) this.held.push(w);
      else this.take(w);
    });

  onMessage = (fn: (msg: ServerMessage) => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** The kernel takes a held write (or the oldest one): its data event, then its reply. */
  take(w = this.held.shift()): void {
    if (!w) throw new Error('no write is held');
    const failure = this.fail.get('write');
    if (failure) {
      w.reply({ ok: false, error: failure });
      return;
    }
    if (w.bytes.length > 0) this.emit(this.data(w.socket, 'out', w.bytes));
    w.reply({ ok: true, bytes: w.bytes.length });
  }

  emit(msg: ServerMessage): void {
    for (const fn of this.listeners) fn(msg);
  }

  data(socket: string, direction: 'in' | 'out', bytes: Uint8Array | string, program = 'raw'): ServerMessage {
    const b = typeof bytes === 'string' ? enc(bytes) : bytes;
    return {
      type: 'data',
      socket,
      program,
      direction,
      data: toBase64(b),
      bytes: b.length,
      peer: null,
      ...(direction === 'in' ? { streamed: true } : {}),
      seq: ++this.seq,
      t: this.seq,
    };
  }

  /** Bytes the gateway's read loop received on a streamed socket. */
  received(socket: string, text: string): void {
    this.emit(this.data(socket, 'in', text));
  }

  ended(socket: string, reason: 'eof' | 'error', error?: CallError): void {
    this.emit({
      type: 'stream-ended',
      socket,
      program: 'raw',
      reason,
      ...(error ? { error } : {}),
      seq: ++this.seq,
      t: this.seq,
    });
  }

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
        return { op: 'connect', local: ['127.0.0.1', 53422], remote: call.address };
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

  /** The bytes of every write, as text. */
  written(): string[] {
    return this.writes.map((w) => dec(w.bytes));
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

const shown = (s: RawStream | undefined) => s?.chunks.map((c) => [c.dir, dec(c.bytes)]);

const ECHO: RawTarget = { mode: 'connect', proto: 'tcp', host: '127.0.0.1', port: 7007, name: 'echo' };

describe('a raw session that connects', () => {
  it('makes socket and connect with stream: true, and shows the bytes of the data events once each, in order', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw, () => 1000);
    const id = await raw.connect();
    expect(gw.ops()).toEqual(['socket', 'connect']);
    expect(gw.calls[1]).toEqual({ op: 'connect', socket: 's1', address: ['127.0.0.1', 7007], stream: true });
    expect(raw.stream(id)?.status).toBe('open');
    gw.received('s1', 'hello\r\n');
    gw.received('s1', 'again');
    // Not this stream's: another socket, another program, and bytes a stepped call took.
    gw.received('s9', 'other socket');
    gw.emit(gw.data('s1', 'in', 'other program', 'raw2'));
    gw.emit({ ...gw.data('s1', 'in', 'stepped'), streamed: false } as ServerMessage);
    const s = raw.stream(id)!;
    expect(shown(s)).toEqual([
      ['in', 'hello\r\n'],
      ['in', 'again'],
    ]);
    expect(s.bytesIn).toBe(12);
    expect(s.chunks[0]?.at).toBe(1000);
    expect(gw.ops()).toEqual(['socket', 'connect']);
  });

  it('keeps bytes that come in the same moment as connect returns', async () => {
    const gw = new FakeGateway();
    gw.after.set('connect', () => [gw.data('s1', 'in', 'welcome\n')]);
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    expect(shown(raw.stream(id))).toEqual([['in', 'welcome\n']]);
  });

  it("reads the stream's end (eof) as the peer's FIN, and stays half-open until it sends EOF too", async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    gw.ended('s1', 'eof');
    await until(() => (raw.stream(id)?.closes.length ?? 0) > 0);
    const s = raw.stream(id)!;
    expect(s.status).toBe('open');
    expect(streamStatusText(s, 'tcp', 'echo')).toBe(
      'half-closed: echo sent FIN (recv returned 0 bytes); you can still send',
    );
    expect(closeStory(s, 'echo')).toBe('echo closed first (FIN: recv returned 0 bytes)');
    expect(await raw.send(id, enc('still here'), 'test')).toBe(true);
    expect(gw.written()).toEqual(['still here']);
    expect(await raw.sendEof(id)).toBe(true);
    expect(gw.ops().slice(-2)).toEqual(['shutdown', 'close']);
    expect(raw.stream(id)?.status).toBe('closed');
    expect(closeStory(raw.stream(id)!, 'echo')).toBe(
      'echo closed first (FIN: recv returned 0 bytes), then you closed (FIN, with shutdown(SHUT_WR))',
    );
  });

  it('sends EOF with shutdown(SHUT_WR) and keeps receiving until the peer closes', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    await raw.sendEof(id);
    expect(gw.calls.at(-1)).toEqual({ op: 'shutdown', socket: 's1', how: 'SHUT_WR' });
    expect(streamStatusText(raw.stream(id)!, 'tcp')).toBe('half-closed: you sent FIN (EOF); still receiving');
    expect(await raw.send(id, enc('late'), 'test')).toBe(false);
    expect(gw.writes).toHaveLength(0);
    expect(raw.stream(id)?.notice).toContain('you already sent EOF');
    gw.received('s1', 'reply');
    gw.ended('s1', 'eof');
    // A FIN each way, while its close() is on its way: not "connected", as it read before.
    expect(streamStatusText(raw.stream(id)!, 'tcp')).toBe('closed both ways: a FIN each way');
    await until(() => raw.stream(id)?.status === 'closed');
    expect(gw.ops().at(-1)).toBe('close');
    expect(shown(raw.stream(id))).toEqual([['in', 'reply']]);
    expect(closeStory(raw.stream(id)!, 'echo')).toBe(
      'you closed first (FIN, with shutdown(SHUT_WR)), then echo closed (FIN: recv returned 0 bytes)',
    );
  });

  it('tells an RST (the stream ends with ECONNRESET) from a FIN, and closes the socket', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    gw.ended('s1', 'error', err('ECONNRESET', 'recv'));
    await until(() => raw.stream(id)?.status === 'closed');
    expect(gw.ops().at(-1)).toBe('close');
    expect(closeStory(raw.stream(id)!)).toBe(
      'the peer reset the connection (RST: recv failed with ECONNRESET)',
    );
    expect(raw.stream(id)?.error).toBeNull();
  });

  it('fails the stream on another read error, and closes the socket', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    gw.ended('s1', 'error', err('ETIMEDOUT', 'recv'));
    await until(() => gw.ops().at(-1) === 'close');
    const s = raw.stream(id)!;
    expect(s.status).toBe('failed');
    expect(s.error?.code).toBe('ETIMEDOUT');
    expect(s.closes).toEqual([]);
    expect(streamStatusText(s, 'tcp')).toBe('failed: ETIMEDOUT');
  });

  it('sends with writes, never calls, big data in pieces that fit the gateway message limit, each shown as a chunk', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    const big = new Uint8Array(SEND_PIECE * 2 + 10).fill(0x61);
    expect(await raw.send(id, big, 'file')).toBe(true);
    expect(gw.writes.map((w) => [w.socket, w.bytes.length])).toEqual([
      ['s1', SEND_PIECE],
      ['s1', SEND_PIECE],
      ['s1', 10],
    ]);
    expect(gw.ops()).toEqual(['socket', 'connect']);
    expect(raw.stream(id)?.bytesOut).toBe(big.length);
    expect(raw.stream(id)?.chunks.filter((c) => c.dir === 'out')).toHaveLength(3);
  });

  it('shows sent bytes as the kernel took them, in order with the bytes received', async () => {
    const gw = new FakeGateway();
    gw.holdWrites = true;
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    const sent = raw.send(id, enc('ping\n'), 'line');
    await until(() => gw.held.length === 1);
    expect(shown(raw.stream(id))).toEqual([]);
    // One frame: the write's data event, the echo, then the write's reply.
    gw.emit(gw.data('s1', 'out', 'ping\n'));
    gw.received('s1', 'ping\n');
    gw.held.shift()!.reply({ ok: true, bytes: 5 });
    expect(await sent).toBe(true);
    expect(shown(raw.stream(id))).toEqual([
      ['out', 'ping\n'],
      ['in', 'ping\n'],
    ]);
  });

  it('keeps sends in the order they were asked for, without waiting for the replies to earlier writes', async () => {
    const gw = new FakeGateway();
    gw.holdWrites = true;
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    const sends = Promise.all(['a', 'b', 'c'].map((k) => raw.send(id, enc(k), 'key')));
    await until(() => gw.held.length === 3);
    expect(gw.written()).toEqual(['a', 'b', 'c']);
    while (gw.held.length > 0) gw.take();
    expect(await sends).toEqual([true, true, true]);
    expect(shown(raw.stream(id))).toEqual([
      ['out', 'a'],
      ['out', 'b'],
      ['out', 'c'],
    ]);
  });

  it('leaves fewer unanswered bytes than the gateway lets wait, and sends the rest as replies come', async () => {
    const gw = new FakeGateway();
    gw.holdWrites = true;
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    const file = new Uint8Array(4 * MAX_PENDING_WRITE).fill(0x62);
    const sent = raw.send(id, file, 'file');
    let most = 0;
    let written = 0;
    for (let i = 0; written < file.length && i < 1000; i++) {
      await settle();
      const waiting = gw.held.reduce((n, w) => n + w.bytes.length, 0);
      most = Math.max(most, waiting);
      if (gw.held.length > 0) {
        written += gw.held[0]!.bytes.length;
        gw.take();
      }
    }
    expect(await sent).toBe(true);
    expect(most).toBeGreaterThan(SEND_PIECE);
    expect(most).toBeLessThanOrEqual(WRITE_WINDOW);
    expect(WRITE_WINDOW).toBeLessThan(MAX_PENDING_WRITE);
    expect(raw.stream(id)?.bytesOut).toBe(file.length);
  });

  it('sends EOF only after every byte written before it was taken', async () => {
    const gw = new FakeGateway();
    gw.holdWrites = true;
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    const sent = raw.send(id, enc('last words'), 'line');
    const eof = raw.sendEof(id);
    await until(() => gw.held.length === 1);
    await settle();
    expect(gw.ops()).not.toContain('shutdown');
    gw.take();
    expect(await sent).toBe(true);
    expect(await eof).toBe(true);
    expect(gw.ops().at(-1)).toBe('shutdown');
  });

  it('counts a write refused with EPIPE as the peer having reset, and says which call failed', async () => {
    const gw = new FakeGateway();
    gw.fail.set('write', err('EPIPE', 'send', 'Broken pipe'));
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    expect(await raw.send(id, enc('anyone?'), 'line')).toBe(false);
    const s = raw.stream(id)!;
    expect(s.notice).toBe('send failed: EPIPE Broken pipe');
    expect(s.error?.code).toBe('EPIPE');
    expect(closeStory(s)).toBe('the peer reset the connection (RST: recv failed with ECONNRESET)');
    expect(s.chunks).toEqual([]);
    // The RST then seen by the read loop is the same RST.
    gw.ended('s1', 'error', err('ECONNRESET', 'recv'));
    await until(() => raw.stream(id)?.status === 'closed');
    expect(raw.stream(id)?.closes).toHaveLength(1);
  });

  it('keeps at most its share of chunks, counting those it dropped', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    for (let i = 0; i < 2100; i++) gw.received('s1', `${i},`);
    const s = raw.stream(id)!;
    expect(s.chunks).toHaveLength(2000);
    expect(s.dropped).toBe(100);
    expect(dec(s.chunks[0]!.bytes)).toBe('100,');
    expect(dec(s.chunks.at(-1)!.bytes)).toBe('2099,');
    expect(s.bytesIn).toBe(Array.from({ length: 2100 }, (_, i) => `${i},`).join('').length);
  });

  it('shows a refused target with the gateway reason, and closes the socket it made', async () => {
    const gw = new FakeGateway();
    gw.fail.set('connect', err('EGW_DENIED', 'connect', '10.0.0.1:80 is not an allowed target'));
    const raw = new RawSessionController(
      'raw',
      { mode: 'connect', proto: 'tcp', host: '10.0.0.1', port: 80 },
      gw,
    );
    const id = await raw.connect();
    expect(gw.ops()).toEqual(['socket', 'connect', 'close']);
    const s = raw.stream(id)!;
    expect(s.status).toBe('failed');
    expect(s.error?.code).toBe('EGW_DENIED');
    expect(streamStatusText(s, 'tcp')).toBe('failed: EGW_DENIED');
  });

  it('close closes the socket at once: FIN from you, and nothing shown after it', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    await raw.close(id);
    expect(gw.ops()).toEqual(['socket', 'connect', 'close']);
    expect(raw.stream(id)?.status).toBe('closed');
    expect(closeStory(raw.stream(id)!)).toBe('you closed first (FIN, with close())');
    gw.received('s1', 'too late');
    gw.ended('s1', 'eof');
    expect(raw.stream(id)?.chunks).toEqual([]);
    expect(raw.stream(id)?.closes).toHaveLength(1);
  });

  it('reconnects: the old connection closed, a new stream opened', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const first = await raw.connect();
    const second = await raw.reconnect();
    expect(second).not.toBe(first);
    expect(raw.stream(first)?.status).toBe('closed');
    expect(raw.stream(second)?.status).toBe('open');
    expect(gw.ops()).toEqual(['socket', 'connect', 'close', 'socket', 'connect']);
    gw.received('s2', 'to the new one');
    expect(shown(raw.stream(second))).toEqual([['in', 'to the new one']]);
  });

  it('says so when the page has lost the gateway', async () => {
    const gw = new FakeGateway();
    gw.call = () => Promise.reject(new Error('not connected to the gateway'));
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    expect(raw.stream(id)?.error?.code).toBe('EGW_OFFLINE');
    expect(raw.stream(id)?.error?.message).toBe('not connected to the gateway');
  });

  it('fails its streams when the gateway starts a new session (their sockets are gone)', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    const id = await raw.connect();
    gw.emit({ type: 'welcome', resumed: false } as ServerMessage);
    expect(raw.stream(id)?.status).toBe('failed');
    expect(raw.stream(id)?.error?.message).toBe('the session ended');
  });

  it('stops listening to the gateway when disposed', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', ECHO, gw);
    expect(gw.listeners.size).toBe(1);
    await raw.connect();
    await raw.dispose();
    expect(gw.listeners.size).toBe(0);
    expect(gw.ops().at(-1)).toBe('close');
  });

  it('over UDP, connects without a stream, receives in a loop of blocking recv calls, and sends with send calls', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController(
      'raw',
      { mode: 'connect', proto: 'udp', host: '127.0.0.1', port: 7007, name: 'udp-echo' },
      gw,
    );
    const id = await raw.connect();
    expect(gw.ops()).toEqual(['socket', 'connect', 'recv']);
    expect(gw.calls[0]).toMatchObject({ op: 'socket', type: 'SOCK_DGRAM' });
    expect(gw.calls[1]).toEqual({ op: 'connect', socket: 's1', address: ['127.0.0.1', 7007] });
    expect(await raw.send(id, enc('ping'), 'line')).toBe(true);
    expect(gw.calls.at(-1)).toEqual({ op: 'send', socket: 's1', data: toBase64(enc('ping')) });
    expect(gw.writes).toHaveLength(0);
    (await gw.next('recv')).reply(recvd('ping'));
    (await gw.next('recv')).reply(recvd(''));
    (await gw.next('recv')).reply({ ok: false, error: err('ECONNREFUSED', 'recv') });
    await gw.next('recv').then((p) => gw.waiting.push(p));
    const s = raw.stream(id)!;
    expect(shown(s)).toEqual([
      ['out', 'ping'],
      ['in', 'ping'],
      ['in', ''],
    ]);
    expect(s.status).toBe('open');
    expect(s.notice).toContain('ICMP port unreachable');
    expect(await raw.send(id, new Uint8Array(SEND_PIECE + 1), 'file')).toBe(false);
    await raw.close(id);
    expect(gw.waiting).toHaveLength(0);
    expect(gw.ops().at(-1)).toBe('close');
  });
});

describe('a raw session that listens', () => {
  const LISTEN: RawTarget = { mode: 'listen', proto: 'tcp', host: '127.0.0.1', port: 20009 };
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

  it('binds, listens and accepts client after client with stream: true, each shown in its own stream', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', LISTEN, gw);
    await raw.listen();
    expect(gw.ops()).toEqual(['socket', 'setsockopt', 'bind', 'listen', 'accept']);
    expect(gw.calls.at(-1)).toEqual({ op: 'accept', socket: 's1', stream: true });
    expect(raw.getSnapshot().listener?.status).toBe('listening');
    (await gw.next('accept')).reply(client('c1', 50001));
    (await gw.next('accept')).reply(client('c2', 50002));
    await gw.next('accept').then((p) => gw.waiting.push(p));
    gw.received('c2', 'from two');
    gw.received('c1', 'from one');
    const streams = raw.getSnapshot().streams;
    expect(streams.map((s) => [s.title, s.socket, shown(s)])).toEqual([
      ['client 1 127.0.0.1:50001', 'c1', [['in', 'from one']]],
      ['client 2 127.0.0.1:50002', 'c2', [['in', 'from two']]],
    ]);
    expect(gw.ops().filter((op) => op === 'recv')).toEqual([]);
    expect(await raw.send(streams[1]!.id, enc('hi two'), 'line')).toBe(true);
    expect(gw.writes.map((w) => [w.socket, dec(w.bytes)])).toEqual([['c2', 'hi two']]);
    expect(raw.getSnapshot().listener?.clients).toBe(2);
    gw.ended('c1', 'eof');
    await until(() => raw.stream(streams[0]!.id)?.closes.length === 1);
    expect(streamStatusText(raw.stream(streams[0]!.id)!, 'tcp', 'the client')).toBe(
      'half-closed: the client sent FIN (recv returned 0 bytes); you can still send',
    );
    expect(raw.stream(streams[1]!.id)?.closes).toEqual([]);
  });

  it("keeps a client's first bytes that come with accept's reply, once each", async () => {
    const gw = new FakeGateway();
    gw.after.set('accept', () => [
      gw.data('c1', 'in', 'hello at once\n'),
      gw.data('c0', 'in', 'an old socket of raw'),
    ]);
    const raw = new RawSessionController('raw', LISTEN, gw);
    await raw.listen();
    (await gw.next('accept')).reply(client('c1', 50001));
    await gw.next('accept').then((p) => gw.waiting.push(p));
    gw.received('c1', 'then more');
    expect(raw.getSnapshot().streams.map(shown)).toEqual([
      [
        ['in', 'hello at once\n'],
        ['in', 'then more'],
      ],
    ]);
  });

  it('shows a bind failure on the listener, and closes the socket', async () => {
    const gw = new FakeGateway();
    gw.fail.set('bind', err('EADDRINUSE', 'bind'));
    const raw = new RawSessionController('raw', LISTEN, gw);
    await raw.listen();
    expect(raw.getSnapshot().listener).toMatchObject({ status: 'failed', error: { code: 'EADDRINUSE' } });
    expect(gw.ops().at(-1)).toBe('close');
  });

  it('stops listening: accept is cancelled and the listener closed, clients stay', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', LISTEN, gw);
    await raw.listen();
    (await gw.next('accept')).reply(client('c1', 50001));
    await until(() => gw.waiting.length === 1);
    await raw.stopListening();
    expect(raw.getSnapshot().listener?.status).toBe('stopped');
    expect(gw.ops().slice(-2)).toEqual(['accept', 'close']);
    expect(gw.calls.at(-1)).toEqual({ op: 'close', socket: 's1' });
    expect(gw.waiting).toHaveLength(0);
    gw.received('c1', 'still here');
    expect(raw.getSnapshot().streams.map((s) => [s.status, shown(s)])).toEqual([
      ['open', [['in', 'still here']]],
    ]);
  });

  it('over UDP, gives every peer address its own stream, and answers it with sendto', async () => {
    const gw = new FakeGateway();
    const raw = new RawSessionController('raw', { ...LISTEN, proto: 'udp' }, gw);
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
    expect(gw.writes).toHaveLength(0);
  });
});
