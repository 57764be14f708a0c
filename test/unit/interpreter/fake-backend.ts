// A scripted stand-in for the gateway, for the interpreter's unit tests only: it records every Call
// and answers with realistic CallResults (or the CallErrors a test queues), shaped as the gateway's.

import { explainError } from '../../../gateway/protocol/explain.js';
import {
  type Address,
  type Call,
  type CallError,
  type CallResult,
  fromBase64,
  toBase64,
} from '../../../gateway/protocol/messages.js';
import { Interpreter, type SocketBackend } from '../../../web/src/interpreter/index.js';

type Answer = { ok: true; result: CallResult } | { ok: false; error: CallError };

/** A CallError as the gateway builds it for a failed system call. */
export function kernelError(
  code: string,
  errno: number,
  text: string,
  syscall: string,
  address?: Address,
): CallError {
  return {
    code,
    errno,
    syscall,
    message: `[Errno ${errno}] ${text}`,
    explain: explainError(code, { syscall, host: address?.[0], port: address?.[1] }),
    ...(address ? { address } : {}),
  };
}

/** A CallError for a rule of the gateway (errno null). */
export function gatewayError(code: string, message: string, syscall: string): CallError {
  return { code, errno: null, syscall, message, explain: explainError(code, { syscall }) };
}

export class FakeBackend implements SocketBackend {
  readonly calls: Call[] = [];
  /** The signal each call was given, in order. */
  readonly signals: AbortSignal[] = [];
  /** Bytes the peer of each socket has sent, consumed by recv/recvfrom in order. */
  readonly incoming = new Map<string, (string | Uint8Array)[]>();
  private readonly failures: { op: Call['op']; error: CallError }[] = [];
  private readonly results: CallResult[] = [];
  private readonly broken = new Set<Call['op']>();
  private readonly hanging = new Set<Call['op']>();
  private nextHandle = 1;
  private nextFd = 3;

  /** The next call of `op` fails with `error`. */
  fail(op: Call['op'], error: CallError): this {
    this.failures.push({ op, error });
    return this;
  }

  /** The next call of the result's op answers exactly this. */
  respond(result: CallResult): this {
    this.results.push(result);
    return this;
  }

  /** Calls of `op` reject, as a backend does when the WebSocket is gone. */
  breakTransport(op: Call['op']): this {
    this.broken.add(op);
    return this;
  }

  /** Calls of `op` wait until their signal is aborted, then answer EGW_CANCELLED as the gateway does. */
  hang(op: Call['op']): this {
    this.hanging.add(op);
    return this;
  }

  /** Queue what the peer of `handle` sends. */
  feed(handle: string, ...chunks: (string | Uint8Array)[]): this {
    this.incoming.set(handle, [...(this.incoming.get(handle) ?? []), ...chunks]);
    return this;
  }

  async call(call: Call, signal: AbortSignal): Promise<Answer> {
    this.calls.push(call);
    this.signals.push(signal);
    const i = this.failures.findIndex((f) => f.op === call.op);
    if (i >= 0) return { ok: false, error: this.failures.splice(i, 1)[0]!.error };
    const r = this.results.findIndex((x) => x.op === call.op);
    if (r >= 0) return { ok: true, result: this.results.splice(r, 1)[0]! };
    if (this.broken.has(call.op)) throw new Error('the gateway connection is closed');
    if (this.hanging.has(call.op)) {
      return new Promise((resolve) => {
        signal.addEventListener('abort', () =>
          resolve({
            ok: false,
            error: gatewayError(
              'EGW_CANCELLED',
              'interrupted: the call was cancelled before the kernel was ready',
              call.op,
            ),
          }),
        );
      });
    }
    return { ok: true, result: this.answer(call) };
  }

  private take(handle: string, bufsize: number): Uint8Array {
    const queue = this.incoming.get(handle) ?? [];
    const next = queue.shift();
    if (next === undefined) return new Uint8Array();
    const bytes = typeof next === 'string' ? new TextEncoder().encode(next) : next;
    if (bytes.length > bufsize) queue.unshift(bytes.slice(bufsize));
    return bytes.slice(0, bufsize);
  }

  private answer(call: Call): CallResult {
    switch (call.op) {
      case 'socket':
        return {
          op: 'socket',
          socket: `h${this.nextHandle++}`,
          fd: this.nextFd++,
          family: call.family,
          type: call.type,
        };
      case 'accept':
        return {
          op: 'accept',
          socket: `h${this.nextHandle++}`,
          fd: this.nextFd++,
          address: ['127.0.0.1', 53422],
          local: ['127.0.0.1', 40001],
        };
      case 'send':
      case 'sendall':
      case 'sendto':
        return { op: call.op, bytes: fromBase64(call.data).length };
      case 'recv': {
        const data = this.take(call.socket, call.bufsize);
        return { op: 'recv', data: toBase64(data), bytes: data.length };
      }
      case 'recvfrom': {
        const data = this.take(call.socket, call.bufsize);
        return {
          op: 'recvfrom',
          data: toBase64(data),
          bytes: data.length,
          address: ['127.0.0.1', 7007],
          truncated: false,
          datagramBytes: data.length,
        };
      }
      case 'connect_ex':
        return {
          op: 'connect_ex',
          errno: 0,
          errnoName: null,
          local: ['127.0.0.1', 53422],
          remote: [...call.address],
        };
      case 'connect':
        return { op: 'connect', local: ['127.0.0.1', 53422], remote: [...call.address] };
      case 'getsockname':
        return { op: 'getsockname', address: ['127.0.0.1', 40001] };
      case 'getpeername':
        return { op: 'getpeername', address: ['127.0.0.1', 7007] };
      case 'getsockopt':
        return { op: 'getsockopt', value: call.option === 'SO_LINGER' ? { onoff: 1, linger: 0 } : 1 };
      case 'gethostname':
        return { op: 'gethostname', name: 'playground' };
      case 'gethostbyname':
        return { op: 'gethostbyname', address: '127.0.0.1' };
      case 'gethostbyaddr':
        return { op: 'gethostbyaddr', name: 'localhost', aliases: [], addresses: ['127.0.0.1'] };
      case 'getaddrinfo':
        return {
          op: 'getaddrinfo',
          entries: [
            { family: 'AF_INET', type: call.type ?? 'SOCK_STREAM', address: ['127.0.0.1', call.port ?? 0] },
          ],
        };
      case 'getservbyname':
        return { op: 'getservbyname', port: call.name === 'http' ? 80 : 21 };
      case 'getservbyport':
        return { op: 'getservbyport', name: call.port === 80 ? 'http' : 'ftp' };
      case 'select':
        // Readable when the peer's bytes are queued for it; always room to write; nothing urgent.
        return {
          op: 'select',
          read: call.read.filter((h) => (this.incoming.get(h)?.length ?? 0) > 0),
          write: call.write,
          except: [],
        };
      default:
        return { op: call.op };
    }
  }
}

/** A fresh prompt on a fresh fake gateway; `run` returns the printed lines. */
export function prompt(backend = new FakeBackend()) {
  const py = new Interpreter(backend, { program: 'test' });
  const run = async (source: string): Promise<string[]> => (await py.run(source)).lines;
  return { py, backend, run };
}
