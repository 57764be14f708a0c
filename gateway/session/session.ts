// One browser tab: decodes its messages, drives its engine, and owns every socket it opened until
// the tab is gone for longer than the grace period. Sees the WebSocket only as a Transport.

import { randomBytes } from 'node:crypto';
import type { Engine, TraceMessage } from '../engine/engine.js';
import type { EncodedMessage, StreamRecord } from '../protocol/encode.js';
import {
  type ClientMessage,
  type EngineInfo,
  idNearStart,
  type LessonServerInfo,
  MAX_DATA_BYTES,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  parseClientMessage,
  type ServerMessage,
} from '../protocol/messages.js';
import { decodeWrite, type WriteFrame, writeIdOf } from '../protocol/records.js';

export interface Transport {
  /**
   * lazy: the message may wait a few milliseconds to leave with the next urgent one. A stream record
   * leaves as it is when `binary`, as its JSON otherwise.
   */
  send(msg: ServerMessage | EncodedMessage | StreamRecord, lazy?: boolean): void;
  /** The page asked for streams' traffic as binary records (hello { binary: true }). */
  binary: boolean;
  close(code: number, reason: string): void;
  /**
   * Messages accepted by send() that have not left, taken out in order: the page is going, and its
   * session holds them for the page that resumes it.
   */
  takeBack(): (EncodedMessage | StreamRecord)[];
  readonly isOpen: boolean;
  /** True while the page has not read much of what was sent to it. */
  readonly congested: boolean;
}

export interface SessionContext {
  engineInfo: EngineInfo;
  lessonServers: () => LessonServerInfo[];
  bindHosts: readonly string[];
  limits: { sockets: number; callsPerSecond: number; pageEvents: number };
  graceMs: number;
  /** Messages per second a tab may send before it is told to slow down. */
  messagesPerSecond: number;
  resume(token: string, transport: Transport): Session | null;
  ended(session: Session): void;
}

/** Messages kept while the tab is away, replayed when it comes back within the grace period. */
const MAX_HELD = 512;

export class Session {
  readonly id = randomBytes(8).toString('hex');
  readonly resumeToken = randomBytes(24).toString('base64url');
  private transport: Transport | null;
  private greeted = false;
  private held: (ServerMessage | EncodedMessage | StreamRecord)[] = [];
  private heldDropped = 0;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private readonly window = { start: 0, count: 0 };
  engine!: Engine;

  constructor(
    private readonly ctx: SessionContext,
    transport: Transport,
    readonly ports: readonly number[],
    readonly address: string,
  ) {
    this.transport = transport;
  }

  /** Where the engine's trace events go: to the tab, or held for it while it reloads. */
  emit = (msg: TraceMessage | ServerMessage | EncodedMessage | StreamRecord, lazy = false): void => {
    if (this.transport?.isOpen) {
      this.transport.send(msg, lazy);
      return;
    }
    if (this.held.length < MAX_HELD) this.held.push(msg);
    else this.heldDropped++;
  };

  /**
   * The answer to a message that came from `transport`: through emit when that is this session's
   * page, so that an answer made while the page closes waits for the page that resumes it.
   */
  private answer(transport: Transport, msg: ServerMessage): void {
    if (transport === this.transport) this.emit(msg);
    else transport.send(msg);
  }

  /** Whether streams' traffic is encoded as binary records: as the tab asked, when there is one. */
  binary = (): boolean => this.transport?.binary === true;

  /** Streams stop reading while the page is behind, or away (their bytes wait in the kernel). */
  congested = (): boolean => !this.transport?.isOpen || this.transport.congested;

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * One text frame from the tab, of `bytes` bytes as it came (UTF-8). Never throws: a bad message
   * gets an error reply.
   */
  receive(text: string, transport: Transport, bytes = Buffer.byteLength(text)): Session {
    return this.decoded(transport, bytes, parseClientMessage, idNearStart, text);
  }

  /** One binary frame from the tab: a write (see protocol/records.ts). Never throws. */
  receiveBinary(frame: Uint8Array, transport: Transport): Session {
    if (!transport.binary) {
      this.answer(transport, {
        type: 'error',
        id: null,
        code: 'EGW_PROTO',
        message:
          'binary frames are writes, for a page that said hello with binary: true; send JSON text frames',
      });
      return this;
    }
    return this.decoded(transport, frame.length, decodeWrite, writeIdOf, frame);
  }

  /** `decode` and its input apart, not a closure: one less object per message on the hot path. */
  private decoded<T>(
    transport: Transport,
    size: number,
    decode: (input: T) => ClientMessage | WriteFrame,
    idOf: (input: T) => string | null,
    input: T,
  ): Session {
    if (size > MAX_MESSAGE_BYTES) {
      this.answer(transport, {
        type: 'error',
        id: idOf(input),
        code: 'EGW_TOO_BIG',
        message: `this message is ${size} bytes; the gateway takes at most ${MAX_MESSAGE_BYTES} bytes in one message, so send data in pieces of at most ${MAX_DATA_BYTES} bytes`,
      });
      return this;
    }
    let msg: ClientMessage | WriteFrame;
    try {
      msg = decode(input);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.answer(transport, { type: 'error', id: err.id, code: err.code, message: err.message });
        return this;
      }
      throw err;
    }
    if (!this.allow()) {
      this.answer(transport, {
        type: 'error',
        id: msg.id,
        code: 'EGW_RATE_LIMITED',
        message: 'too many messages per second; slow down',
      });
      return this;
    }
    return this.handle(msg, transport);
  }

  private handle(msg: ClientMessage | WriteFrame, transport: Transport): Session {
    if (msg.type === 'hello') return this.hello(msg, transport);
    if (!this.greeted) {
      this.answer(transport, {
        type: 'error',
        id: msg.id,
        code: 'EGW_NOT_READY',
        message: 'send hello first',
      });
      return this;
    }
    switch (msg.type) {
      case 'call':
        // The engine emits the reply (call-returned or call-failed) itself, as a trace event.
        void this.engine.call(msg.id, msg.program, msg.call).catch((err) => {
          console.error('[session] call crashed', err);
          this.emit({
            type: 'error',
            id: msg.id,
            code: 'EGW_INTERNAL',
            message: 'internal error in the gateway (logged)',
          });
        });
        return this;
      case 'write':
        this.engine.write(msg.id, msg.socket, 'bytes' in msg ? msg.bytes : msg.data);
        return this;
      case 'cancel':
        if (this.engine.cancel(msg.call)) this.emit({ type: 'ack', id: msg.id });
        else
          this.emit({
            type: 'error',
            id: msg.id,
            code: 'EGW_NO_SUCH_CALL',
            message: `no call ${msg.call} is waiting`,
          });
        return this;
      case 'sockets':
        this.emit({ type: 'sockets', id: msg.id, sockets: this.engine.snapshot() });
        return this;
      case 'ping':
        this.emit({ type: 'pong', id: msg.id, t: performance.now() });
        return this;
      default: {
        const unhandled: never = msg;
        throw new Error(`unhandled message ${JSON.stringify(unhandled)}`);
      }
    }
  }

  private hello(msg: Extract<ClientMessage, { type: 'hello' }>, transport: Transport): Session {
    if (msg.protocol !== PROTOCOL_VERSION) {
      transport.send({
        type: 'error',
        id: msg.id,
        code: 'EGW_PROTOCOL_VERSION',
        message: `this gateway speaks protocol ${PROTOCOL_VERSION}, the page speaks ${msg.protocol}: reload the page`,
      });
      transport.close(1002, 'protocol version mismatch');
      return this;
    }
    if (this.greeted) {
      this.answer(transport, {
        type: 'error',
        id: msg.id,
        code: 'EGW_PROTO',
        message: 'hello was already sent on this connection',
      });
      return this;
    }
    // Asked for on every connection: a reload may bring a page that reads only JSON.
    transport.binary = msg.binary === true;
    if (msg.resume) {
      const old = this.ctx.resume(msg.resume, transport);
      if (old) {
        // This fresh session was never greeted and owns nothing: drop it and carry on with the old one.
        this.end();
        old.welcome(msg.id, true, transport.binary);
        return old;
      }
    }
    this.welcome(msg.id, false, transport.binary);
    return this;
  }

  private welcome(id: string, resumed: boolean, binary: boolean): void {
    this.greeted = true;
    this.emit({
      type: 'welcome',
      id,
      protocol: PROTOCOL_VERSION,
      binary,
      session: this.id,
      resumeToken: this.resumeToken,
      resumed,
      engine: this.ctx.engineInfo,
      ports: [...this.ports],
      bindHosts: [...this.ctx.bindHosts],
      lessonServers: this.ctx.lessonServers(),
      limits: {
        sockets: this.ctx.limits.sockets,
        messageBytes: MAX_MESSAGE_BYTES,
        callsPerSecond: this.ctx.limits.callsPerSecond,
        pageEvents: this.ctx.limits.pageEvents,
      },
    });
    if (resumed) {
      const held = this.held;
      this.held = [];
      for (const m of held) this.emit(m);
      if (this.heldDropped > 0) {
        this.engine.notice(
          'warning',
          `${this.heldDropped} events happened while the page was away and were not kept`,
        );
        this.heldDropped = 0;
      }
    }
  }

  /** The tab's WebSocket closed: keep the sockets for the grace period in case it reloads. */
  detach(transport: Transport): void {
    if (this.transport !== transport || this.ended) return;
    this.transport = null;
    this.holdFirst(transport.takeBack());
    if (!this.greeted) {
      this.end();
      return;
    }
    this.graceTimer = setTimeout(() => this.end(), this.ctx.graceMs);
  }

  /** A reload within the grace period: the new WebSocket takes over. */
  attach(transport: Transport): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const previous = this.transport;
    this.transport = transport;
    if (previous && previous !== transport) {
      // The page it replaces will not read what has yet to leave for it: this one will.
      this.holdFirst(previous.takeBack());
      if (previous.isOpen) previous.close(4000, 'the session was resumed elsewhere');
    }
  }

  /** Messages older than any held: they go first when the page comes back. */
  private holdFirst(unsent: (EncodedMessage | StreamRecord)[]): void {
    if (unsent.length === 0) return;
    const room = Math.max(0, MAX_HELD - this.held.length);
    this.heldDropped += Math.max(0, unsent.length - room);
    this.held = [...unsent.slice(0, room), ...this.held];
  }

  /** Closes every fd the session owns. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.engine.dispose();
    this.ctx.ended(this);
  }

  private allow(): boolean {
    const now = performance.now();
    if (now - this.window.start >= 1000) {
      this.window.start = now;
      this.window.count = 0;
    }
    return ++this.window.count <= this.ctx.messagesPerSecond;
  }
}
