// The page's only WebSocket: says hello, resumes the session after a reload or a dropped connection,
// matches replies to requests, and hands every message to the store and to whoever listens (a raw
// session's streams). Knows nothing of React.

import { explainError } from '../../../gateway/protocol/explain.js';
import {
  type Call,
  type CallError,
  type CallResult,
  type ClientMessage,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ServerMessage,
  toBase64,
} from '../../../gateway/protocol/messages.js';
import { decodeRecords, encodeWrite } from '../../../gateway/protocol/records.js';
import type { Action } from '../store/actions.js';

type Request = ClientMessage extends infer M ? (M extends { id: string } ? Omit<M, 'id'> : never) : never;
type Reply = ServerMessage;
export type CallReply = { ok: true; result: CallResult } | { ok: false; error: CallError };
export type WriteReply = { ok: true; bytes: number } | { ok: false; error: CallError };

const RESUME_KEY = 'socket-playground:resume';

/** A request larger than the gateway takes: it would end the connection, so it is never sent. */
class TooBig extends Error {
  constructor(readonly bytes: number) {
    super(`this request is ${bytes} bytes; the gateway takes at most ${MAX_MESSAGE_BYTES} in one message`);
  }
}

/** A frame's size on the wire (a string's UTF-8 bytes, counted only when it could be too big). */
function frameBytes(frame: string | Uint8Array): number {
  if (typeof frame !== 'string') return frame.length;
  return frame.length * 3 <= MAX_MESSAGE_BYTES ? frame.length : new TextEncoder().encode(frame).length;
}
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];

/**
 * The page around the connection. A browser is never told why a WebSocket was refused: when the
 * socket closes before it opened, `refused` asks the page's own address, which the gateway refuses
 * with a reason a student can read (an access token that changed, too many wrong ones).
 */
export interface PageHost {
  /** Whether the gateway now refuses this page itself (401, 429); false when it cannot be reached. */
  refused(): Promise<boolean>;
  /** Loads the page again, to show the gateway's own explanation. */
  reload(): void;
}

const browserPage: PageHost = {
  refused: () =>
    fetch(window.location.pathname, { method: 'HEAD', cache: 'no-store' }).then(
      (r) => r.status === 401 || r.status === 429,
      () => false,
    ),
  reload: () => window.location.reload(),
};

export class GatewayConnection {
  private ws: WebSocket | null = null;
  private n = 0;
  private readonly waiting = new Map<string, (m: Reply) => void>();
  private attempt = 0;
  private stopped = false;
  /** The gateway answered the hello with an error: the page shows why, and does not retry. */
  private helloRefused = false;
  private hadSession = false;
  /** The terminal input that made each call, for the diagram's details. */
  private readonly sources = new Map<string, string>();
  private readonly listeners = new Set<(msg: ServerMessage) => void>();
  /** The gateway takes writes, and sends streams' traffic, as binary records on this connection. */
  private binary = false;

  constructor(
    private readonly url: string,
    private readonly dispatch: (a: Action) => void,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = sessionStorage,
    private readonly page: PageHost = browserPage,
  ) {}

  start(): void {
    this.stopped = false;
    this.helloRefused = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  /** Forget the old session and its sockets, and start a fresh one. */
  fresh(): void {
    this.storage.removeItem(RESUME_KEY);
    this.hadSession = false;
    this.ws?.close();
  }

  sourceOf(callId: string): string | null {
    return this.sources.get(callId) ?? null;
  }

  /**
   * Calls `fn` with every message from the gateway, in order, as it arrives (before the replies among
   * them resolve their requests), until the returned function is called.
   */
  onMessage(fn: (msg: ServerMessage) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** Sends a request; resolves with its one reply (for a call: call-returned or call-failed). */
  request(msg: Request, id = `r${++this.n}`): Promise<Reply> {
    return this.send(id, () => JSON.stringify({ ...msg, id }));
  }

  private send(id: string, frame: () => string | Uint8Array): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new Error('not connected to the gateway'));
        return;
      }
      const data = frame();
      const bytes = frameBytes(data);
      if (bytes > MAX_MESSAGE_BYTES) {
        reject(new TooBig(bytes));
        return;
      }
      this.waiting.set(id, resolve);
      this.ws.send(data);
    });
  }

  /** One socket call for a program; aborting the signal cancels it on the gateway (Ctrl-C). */
  async call(program: string, call: Call, signal?: AbortSignal, source?: string): Promise<CallReply> {
    const id = `c${++this.n}`;
    if (source !== undefined) {
      this.sources.set(id, source);
      if (this.sources.size > 20_000) this.sources.delete(this.sources.keys().next().value!);
    }
    const onAbort = () => void this.request({ type: 'cancel', call: id }).catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await this.request({ type: 'call', program, call }, id).catch((err: unknown) => {
        if (!(err instanceof TooBig)) throw err;
        // Refused here, before the gateway had to end the connection over it.
        return { type: 'error', id, code: 'EGW_TOO_BIG', message: err.message } as const;
      });
      if (reply.type === 'call-returned') return { ok: true, result: reply.result };
      if (reply.type === 'call-failed') return { ok: false, error: reply.error };
      // The gateway answered, refusing the request itself (a value its protocol does not take, a
      // rate): a rule of the playground for this call, not a lost connection.
      if (reply.type === 'error' && reply.id !== null) {
        const { code, message } = reply;
        return {
          ok: false,
          error: {
            code,
            errno: null,
            syscall: call.op,
            message,
            explain: explainError(code, { syscall: call.op }),
          },
        };
      }
      throw new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Sends bytes on a (streamed) TCP socket, in order after earlier writes, without a call of its own:
   * resolves once the kernel took them all (see Streams in gateway/protocol/messages.ts).
   */
  async write(socket: string, bytes: Uint8Array): Promise<WriteReply> {
    const id = `w${++this.n}`;
    const reply = await this.send(id, () =>
      this.binary
        ? encodeWrite(id, socket, bytes)
        : JSON.stringify({ type: 'write', id, socket, data: toBase64(bytes) }),
    );
    if (reply.type === 'written') return { ok: true, bytes: reply.bytes };
    if (reply.type === 'failed') return { ok: false, error: reply.error };
    throw new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`);
  }

  private open(): void {
    this.dispatch({ type: 'connection', status: this.attempt === 0 ? 'connecting' : 'reconnecting' });
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.binary = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const resume = this.storage.getItem(RESUME_KEY);
      ws.send(
        JSON.stringify({
          type: 'hello',
          id: 'hello',
          protocol: PROTOCOL_VERSION,
          binary: true,
          ...(resume ? { resume } : {}),
        }),
      );
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) {
        // A gateway that refused the hello said why; the close that follows must not hide it.
        if (!this.helloRefused) this.dispatch({ type: 'connection', status: 'closed' });
        return;
      }
      const wait = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
      this.attempt++;
      // Refused before it opened: a gateway restarted with a new access token refuses this page
      // too, and says why; one that is down refuses nothing, and the retries go on.
      if (!opened) {
        void this.page.refused().then((refused) => {
          if (!refused) return;
          this.stopped = true;
          this.page.reload();
        });
      }
      this.dispatch({
        type: 'connection',
        status: 'reconnecting',
        note: ev.reason || `connection lost (code ${ev.code})`,
      });
      setTimeout(() => {
        if (!this.stopped) this.open();
      }, wait);
    };
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      let records: Reply[];
      try {
        records = decodeRecords(new Uint8Array(data));
      } catch (err) {
        console.error('[connection] the gateway sent a binary frame that does not decode', err);
        return;
      }
      for (const msg of records) this.receiveOne(msg);
      return;
    }
    let parsed: Reply | Reply[];
    try {
      parsed = JSON.parse(String(data)) as Reply | Reply[];
    } catch {
      console.error('[connection] the gateway sent something that is not JSON');
      return;
    }
    // The gateway batches the messages of one moment into one frame.
    for (const msg of Array.isArray(parsed) ? parsed : [parsed]) this.receiveOne(msg);
  }

  private receiveOne(msg: Reply): void {
    if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') return;
    for (const fn of this.listeners) {
      try {
        fn(msg);
      } catch (err) {
        // One listener's bug must not stop the replies and the store.
        console.error('[connection] a message listener failed', err);
      }
    }
    if (msg.type === 'welcome') {
      this.attempt = 0;
      this.binary = msg.binary === true;
      this.storage.setItem(RESUME_KEY, msg.resumeToken);
      const lost = this.hadSession && !msg.resumed;
      this.hadSession = true;
      if (lost) {
        // The gateway no longer has our sockets: requests still waiting will never be answered.
        for (const resolve of this.waiting.values()) {
          resolve({ type: 'error', id: null, code: 'EGW_INTERNAL', message: 'the session ended' });
        }
        this.waiting.clear();
      }
      this.dispatch({ type: 'welcome', welcome: msg, lost });
      // After a reload the page knows nothing of the sockets the gateway kept: ask for them.
      if (msg.resumed) void this.request({ type: 'sockets' }).catch(() => {});
      return;
    }
    if (msg.type === 'error' && msg.id === 'hello') {
      this.dispatch({ type: 'connection', status: 'failed', note: msg.message });
      this.helloRefused = true;
      this.stop();
      return;
    }
    this.dispatch({ type: 'server', msg });
    const id = 'id' in msg ? msg.id : null;
    const isReply =
      msg.type === 'call-returned' ||
      msg.type === 'call-failed' ||
      msg.type === 'ack' ||
      msg.type === 'written' ||
      msg.type === 'failed' ||
      msg.type === 'sockets' ||
      msg.type === 'pong' ||
      msg.type === 'error';
    if (isReply && typeof id === 'string') {
      const resolve = this.waiting.get(id);
      if (resolve) {
        this.waiting.delete(id);
        resolve(msg);
      }
    }
  }
}

/** The gateway's WebSocket address for this page: same host and port, path /ws. */
export function gatewayUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
