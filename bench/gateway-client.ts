// A load-generating page for the gateway: one WebSocket speaking its protocol (hello, call -> reply),
// and the 16-byte echo done two ways: as a raw session does it (a socket connected with stream: true,
// one `write`, the echo pushed back as data events: binary records as the web app asks for them, or
// JSON), and as a student steps it (send() on a connected socket, then recv() until all 16 bytes are
// back), counting the trace events without decoding them.

import type WebSocket from 'ws';
import {
  type Call,
  type CallResult,
  type ClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  toBase64,
} from '../gateway/protocol/messages.js';
import {
  DATA_FIXED,
  DATA_IN,
  DATA_RECORD,
  encodeWrite,
  JSON_RECORD,
  WRITTEN_RECORD,
} from '../gateway/protocol/records.js';
import { type EchoClient, MESSAGE, MESSAGE_BYTES, openWebSocket } from './clients.js';

export type Reply = { ok: true; result: CallResult } | { ok: false; code: string; message: string };

const MESSAGE_B64 = toBase64(MESSAGE);
/** An incoming data event's byte count (the gateway writes an event's fields in this order). */
const IN_BYTES = /"direction":"in","data":"[^"]*","bytes":(\d+)/g;
const PROGRAM = 'bench';
/**
 * Replies (and the welcome) start with these. Everything else is a trace event: counted, not parsed,
 * so the load generator spends its CPU on the round trips it measures.
 */
const REPLY_PREFIXES = [
  '{"type":"call-returned"',
  '{"type":"call-failed"',
  '{"type":"welcome"',
  '{"type":"error"',
];

export class GatewayPage {
  /** Frames received: replies and trace events alike. */
  frames = 0;
  /**
   * When set, sees every frame's text first and returns true when it took care of it: a stream's
   * client reads the byte count of its data events without decoding the rest of the frame.
   */
  onFrame: ((text: string) => boolean) | null = null;
  /** Sees every binary frame (stream records); they carry no reply to a call. */
  onRecords: ((frame: Buffer) => void) | null = null;
  private n = 0;
  private readonly waiting = new Map<string, (r: Reply) => void>();
  private dead: Error | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.receive(data);
      else {
        this.frames++;
        this.onRecords?.(data);
      }
    });
    ws.on('error', (err) => this.died(err));
    ws.on('close', (code, reason) => this.died(new Error(`WebSocket closed (${code} ${reason.toString()})`)));
  }

  /**
   * Opens /ws with the page's own Origin, as a browser would, and says hello; binary: asks for
   * streams' traffic as binary records, as the web app does.
   */
  static async open(gatewayPort: number, timeoutMs: number, binary = false): Promise<GatewayPage> {
    const ws = await openWebSocket(`ws://127.0.0.1:${gatewayPort}/ws`, timeoutMs, {
      headers: { Origin: `http://127.0.0.1:${gatewayPort}` },
    });
    const page = new GatewayPage(ws);
    const hello: ClientMessage = { type: 'hello', id: 'hello', protocol: PROTOCOL_VERSION };
    if (binary) hello.binary = true;
    const welcome = await page.ask(hello, timeoutMs);
    if (!welcome.ok) {
      page.close();
      throw new Error(`hello refused: ${welcome.code} ${welcome.message}`);
    }
    return page;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** One call; `done` gets its reply (call-returned or call-failed). */
  call(call: Call, done: (r: Reply) => void): void {
    const id = `c${++this.n}`;
    this.request({ type: 'call', id, program: PROGRAM, call }, done);
  }

  /** One call as a promise, failing after timeoutMs (for setup, not for the measured loop). */
  async callOk(call: Call, timeoutMs: number): Promise<CallResult> {
    const id = `c${++this.n}`;
    const r = await this.ask({ type: 'call', id, program: PROGRAM, call }, timeoutMs);
    if (!r.ok) throw new Error(`${call.op} failed: ${r.code} ${r.message}`);
    return r.result;
  }

  close(): void {
    this.died(new Error('closed by the bench'));
    this.ws.terminate();
  }

  private ask(msg: ClientMessage, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(msg.id);
        resolve({ ok: false, code: 'TIMEOUT', message: `no reply within ${timeoutMs} ms` });
      }, timeoutMs);
      this.request(msg, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  private request(msg: ClientMessage, done: (r: Reply) => void): void {
    if (this.dead) {
      done({ ok: false, code: 'CLOSED', message: this.dead.message });
      return;
    }
    this.waiting.set(msg.id, done);
    this.ws.send(JSON.stringify(msg));
  }

  private receive(data: Buffer): void {
    this.frames++;
    const text = data.toString();
    if (this.onFrame?.(text)) return;
    // The gateway batches one moment's messages into a JSON array: a page must read them all.
    if (text.startsWith('[')) {
      for (const msg of JSON.parse(text) as ServerMessage[]) this.handle(msg);
      return;
    }
    if (!REPLY_PREFIXES.some((p) => text.startsWith(p))) return;
    this.handle(JSON.parse(text) as ServerMessage);
  }

  /** `write` on a socket, its reply (written or failed) left to onFrame: nothing waits for it here. */
  write(socket: string, data: string): void {
    if (!this.dead) this.ws.send(JSON.stringify({ type: 'write', id: `w${++this.n}`, socket, data }));
  }

  /**
   * The same as a binary frame (for a page that said hello with binary), made by encodeWrite once and
   * sent again with a new id written in place: the generator's own allocations would otherwise show
   * up as its garbage collector's pauses in the latencies it measures (ws copies the frame to mask it).
   */
  writeBinary(frame: WriteFrameTemplate): void {
    if (this.dead) return;
    let n = ++this.n;
    for (let i = frame.idEnd - 1; i >= frame.idStart; i--) {
      frame.bytes[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.ws.send(frame.bytes);
  }

  private handle(msg: ServerMessage): void {
    let reply: Reply;
    switch (msg.type) {
      case 'call-returned':
        reply = { ok: true, result: msg.result };
        break;
      case 'call-failed':
        reply = { ok: false, code: msg.error.code, message: msg.error.message };
        break;
      case 'welcome':
        reply = { ok: true, result: { op: 'close' } };
        break;
      case 'error':
        reply = { ok: false, code: msg.code, message: msg.message };
        if (msg.id === null) {
          this.died(new Error(`gateway error: ${msg.code} ${msg.message}`));
          return;
        }
        break;
      default:
        return;
    }
    if (msg.id === null) return;
    const done = this.waiting.get(msg.id);
    if (!done) return;
    this.waiting.delete(msg.id);
    done(reply);
  }

  private died(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const done of waiting) done({ ok: false, code: 'CLOSED', message: err.message });
  }
}

/** A gateway session with one TCP socket connected to the echo server. */
export class GatewayEcho implements EchoClient {
  private constructor(
    readonly page: GatewayPage,
    readonly socket: string,
  ) {}

  /** hello, socket(AF_INET, SOCK_STREAM), connect(('127.0.0.1', echoPort)). */
  static async open(gatewayPort: number, echoPort: number, timeoutMs: number): Promise<GatewayEcho> {
    const { page, socket } = await connectedPage(gatewayPort, echoPort, timeoutMs, false);
    return new GatewayEcho(page, socket);
  }

  get alive(): boolean {
    return this.page.alive;
  }

  get extraFrames(): number {
    return this.page.frames;
  }

  exchange(done: (err: Error | null) => void): void {
    this.page.call({ op: 'send', socket: this.socket, data: MESSAGE_B64 }, (r) => {
      if (!r.ok) done(failure('send', r));
      else if (r.result.op !== 'send' || r.result.bytes !== MESSAGE_BYTES)
        done(new Error('send: short write'));
      else this.recvRest(MESSAGE_BYTES, done);
    });
  }

  /** TCP is a byte stream: one recv may return fewer bytes than were sent. Each round takes >= 1 byte. */
  private recvRest(missing: number, done: (err: Error | null) => void): void {
    this.page.call({ op: 'recv', socket: this.socket, bufsize: missing }, (r) => {
      if (!r.ok) done(failure('recv', r));
      else if (r.result.op !== 'recv' || r.result.bytes === 0)
        done(new Error('recv: the echo server closed the connection'));
      else if (r.result.bytes < missing) this.recvRest(missing - r.result.bytes, done);
      else done(null);
    });
  }

  close(): void {
    this.page.close();
  }
}

/** A gateway session with one TCP socket connected to the echo server as a raw session connects: streamed. */
export class GatewayStreamEcho implements EchoClient {
  private readonly frame: WriteFrameTemplate | null;
  private missing = 0;
  private done: ((err: Error | null) => void) | null = null;

  private constructor(
    readonly page: GatewayPage,
    readonly socket: string,
    binary: boolean,
  ) {
    this.frame = binary ? writeFrameTemplate(socket, MESSAGE) : null;
    // This page has one socket, so every incoming data event is its echo. Frames with anything
    // else that matters (a failed write, the end of the stream, replies) are decoded as usual.
    page.onRecords = (frame) => this.received(arrivedBytes(frame, page.onFrame!));
    page.onFrame = (text) => {
      if (text.includes('"type":"stream-ended"') || text.includes('"type":"failed"')) {
        this.finish(new Error(`the stream failed: ${text.slice(0, 200)}`));
        return true;
      }
      if (text.includes('"type":"error"')) return false;
      for (const m of text.matchAll(IN_BYTES)) this.received(Number(m[1]));
      return true;
    };
  }

  /**
   * hello, socket(AF_INET, SOCK_STREAM), connect(('127.0.0.1', echoPort)) with stream: true; the
   * stream's traffic in binary records (as the web app reads it) unless `binary` is false.
   */
  static async open(
    gatewayPort: number,
    echoPort: number,
    timeoutMs: number,
    binary = true,
  ): Promise<GatewayStreamEcho> {
    const { page, socket } = await connectedPage(gatewayPort, echoPort, timeoutMs, true, binary);
    return new GatewayStreamEcho(page, socket, binary);
  }

  get alive(): boolean {
    return this.page.alive;
  }

  get extraFrames(): number {
    return this.page.frames;
  }

  exchange(done: (err: Error | null) => void): void {
    if (!this.page.alive) {
      done(new Error('the page is closed'));
      return;
    }
    this.missing = MESSAGE_BYTES;
    this.done = done;
    // The echo, not the write's reply, ends the round trip; a failed write ends it too (onFrame).
    if (this.frame) this.page.writeBinary(this.frame);
    else this.page.write(this.socket, MESSAGE_B64);
  }

  private received(bytes: number): void {
    this.missing -= bytes;
    if (this.missing <= 0) this.finish(null);
  }

  private finish(err: Error | null): void {
    const done = this.done;
    this.done = null;
    done?.(err);
  }

  close(): void {
    this.page.close();
  }
}

/** A page whose one TCP socket is connected to the echo server (streamed or not); closed if that fails. */
async function connectedPage(
  gatewayPort: number,
  echoPort: number,
  timeoutMs: number,
  stream: boolean,
  binary = false,
): Promise<{ page: GatewayPage; socket: string }> {
  const page = await GatewayPage.open(gatewayPort, timeoutMs, binary);
  try {
    const socket = await openSocket(page, timeoutMs);
    const call: Call = { op: 'connect', socket, address: ['127.0.0.1', echoPort] };
    if (stream) call.stream = true;
    await page.callOk(call, timeoutMs);
    return { page, socket };
  } catch (err) {
    page.close();
    throw err;
  }
}

/** socket(AF_INET, SOCK_STREAM): the new socket's handle. */
export async function openSocket(page: GatewayPage, timeoutMs: number): Promise<string> {
  const made = await page.callOk({ op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, timeoutMs);
  if (made.op !== 'socket') throw new Error('socket: unexpected reply');
  return made.socket;
}

function failure(op: string, r: Extract<Reply, { ok: false }>): Error {
  return new Error(`${op}: ${r.code} ${r.message}`);
}

/**
 * The bytes that arrived (data records "in"), summed over a frame's records, read without decoding
 * them; the text of any JSON record goes to `json`.
 */
function arrivedBytes(frame: Buffer, json: (text: string) => void): number {
  let arrived = 0;
  for (let at = 0; at < frame.length; ) {
    if (frame[at] === DATA_RECORD) {
      const head = frame.readUInt16LE(at + DATA_FIXED - 2);
      const n = frame.readUInt32LE(at + DATA_FIXED + head);
      if (frame[at + 1]! & DATA_IN) arrived += n;
      at += DATA_FIXED + head + 4 + n;
    } else if (frame[at] === WRITTEN_RECORD) {
      at += 2 + frame[at + 1]! + 4;
    } else if (frame[at] === JSON_RECORD) {
      const n = frame.readUInt32LE(at + 1);
      json(frame.toString('utf8', at + 5, at + 5 + n));
      at += 5 + n;
    } else {
      throw new Error(`unknown record kind ${frame[at]} at byte ${at}`);
    }
  }
  return arrived;
}

/** A binary write whose id is ten decimal digits, rewritten in place for each send. */
interface WriteFrameTemplate {
  bytes: Buffer;
  idStart: number;
  idEnd: number;
}

function writeFrameTemplate(socket: string, data: Uint8Array): WriteFrameTemplate {
  const encoded = encodeWrite('w0000000000', socket, data);
  return { bytes: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length), idStart: 3, idEnd: 13 };
}
