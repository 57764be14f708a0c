// A test page: one WebSocket to the gateway, speaking the protocol, collecting every message.

import WebSocket from 'ws';
import type { Call, CallResult, ResultOf, ServerMessage } from '../../gateway/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../gateway/protocol/messages.js';
import { decodeRecords, encodeWrite } from '../../gateway/protocol/records.js';

export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

export class Page {
  readonly messages: ServerMessage[] = [];
  frames = 0;
  /** Frames of binary stream records (protocol/records.ts), decoded into `messages`. */
  binaryFrames = 0;
  /** The welcome said binary: writes go as binary frames. */
  binary = false;
  private waiters: (() => void)[] = [];
  private n = 0;
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, isBinary) => {
      this.frames++;
      if (isBinary) {
        this.binaryFrames++;
        this.messages.push(...decodeRecords(d));
      } else {
        const parsed = JSON.parse(d.toString()) as ServerMessage | ServerMessage[];
        this.messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      }
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** autoPong: false plays a page whose network went silent (a closed laptop lid): pings go unanswered. */
  static open(url: string, headers: Record<string, string> = {}, autoPong = true): Promise<Page> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, autoPong });
      const page = new Page(ws);
      ws.once('open', () => resolve(page));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Waits until a message matches; looks at ones already received too. */
  async next<T extends ServerMessage>(pred: (m: ServerMessage) => boolean, ms = 8000): Promise<T> {
    const start = performance.now();
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found as T;
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      if (performance.now() - start > ms) throw new Error('timed out waiting for a message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** binary: ask for streams' traffic as binary records, as the web app does. */
  async hello(resume?: string, o: { binary?: boolean } = {}): Promise<Welcome> {
    const id = `h${++this.n}`;
    this.send({
      type: 'hello',
      id,
      protocol: PROTOCOL_VERSION,
      ...(resume ? { resume } : {}),
      ...(o.binary ? { binary: true } : {}),
    });
    const welcome = await this.next<Welcome>((m) => m.type === 'welcome' && m.id === id);
    this.binary = welcome.binary;
    return welcome;
  }

  /** A `write` on a streamed socket, as a binary frame when the welcome allowed it, else as JSON. */
  write(id: string, socket: string, bytes: Uint8Array): void {
    if (this.binary) this.ws.send(encodeWrite(id, socket, bytes));
    else this.send({ type: 'write', id, socket, data: Buffer.from(bytes).toString('base64') });
  }

  /** One call; resolves with the reply message (call-returned or call-failed). */
  async call(
    program: string,
    call: Call,
  ): Promise<Extract<ServerMessage, { type: 'call-returned' | 'call-failed' }>> {
    const id = `c${++this.n}`;
    this.send({ type: 'call', id, program, call });
    return this.next((m) => (m.type === 'call-returned' || m.type === 'call-failed') && m.id === id);
  }

  async ok<T extends CallResult>(program: string, call: Call): Promise<T> {
    const r = await this.call(program, call);
    if (r.type !== 'call-returned') throw new Error(`${call.op} failed: ${r.error.code} ${r.error.message}`);
    return r.result as T;
  }

  /** socket(AF_INET, SOCK_STREAM), then connect() to a lesson server of the welcome: the socket's handle. */
  async connectTo(program: string, welcome: Welcome, server: string): Promise<string> {
    const target = welcome.lessonServers.find((l) => l.name === server);
    if (!target) throw new Error(`no lesson server ${server}`);
    const s = await this.ok<ResultOf<'socket'>>(program, {
      op: 'socket',
      family: 'AF_INET',
      type: 'SOCK_STREAM',
    });
    await this.ok(program, { op: 'connect', socket: s.socket, address: [target.host, target.port] });
    return s.socket;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}
