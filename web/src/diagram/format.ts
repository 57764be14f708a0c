// How calls, results and bytes read on screen: Python's spelling for calls and values, and bytes shown
// safely (control characters and invalid UTF-8 made visible, never interpreted). Pure functions.

import { type Address, type Call, type CallResult, fromBase64 } from '../../../gateway/protocol/messages.js';

export const addr = (a: Address | null | undefined): string => (a ? `('${a[0]}', ${a[1]})` : '–');
export const shortAddr = (a: Address | null | undefined): string =>
  a ? `${a[0].includes(':') ? `[${a[0]}]` : a[0]}:${a[1]}` : '–';

/** "1 byte", "12 bytes". */
export const byteCount = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

/** Python's repr of bytes: b'hello\r\n', with \xNN for anything not printable ASCII. */
export function pyBytes(bytes: Uint8Array, max = 48): string {
  let out = '';
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  for (let i = 0; i < bytes.length; i++) {
    if (out.length >= max) return `b${quote}${out}${quote}…`;
    const b = bytes[i]!;
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${out}${quote}`;
}

export const b64Bytes = (data: string): Uint8Array => fromBase64(data);

/** Base64 characters pyBytesB64 decodes at most: 3 KiB of bytes (a multiple of 4 characters). */
const LABEL_B64_CHARS = 4096;

/**
 * pyBytes of base64 bytes, for a label that shows a few of them: only their first 3 KiB are decoded
 * (a 64 KiB chunk cost a 64 KiB decode per label). Up to 3 KiB the label is pyBytes' exactly; beyond,
 * the quote is chosen as Python would for those first 3 KiB, and the label ends in … as it would anyway.
 */
export const pyBytesB64 = (data: string, max: number): string =>
  pyBytes(fromBase64(data.length > LABEL_B64_CHARS ? data.slice(0, LABEL_B64_CHARS) : data), max);

/** Hex dump lines: offset, 16 bytes in hex, and the printable ASCII column. */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines;
}

/**
 * UTF-8 text with the invisible made visible: \x1b for ESC and \x00 for other controls (as Python
 * writes them, and in glyphs every font has), <ff> for invalid bytes.
 */
export function visibleText(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) {
      out += `<${b.toString(16).padStart(2, '0')}>`;
      i++;
      continue;
    }
    if (len === 1) {
      if (b === 0x0a) out += '\\n';
      else if (b === 0x0d) out += '\\r';
      else if (b === 0x09) out += '\\t';
      else if (b < 0x20 || b === 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
      else out += String.fromCharCode(b);
      i++;
      continue;
    }
    let ok = true;
    for (let j = 1; j < len; j++) if ((bytes[i + j]! & 0xc0) !== 0x80) ok = false;
    if (!ok) {
      out += `<${b.toString(16).padStart(2, '0')}>`;
      i++;
      continue;
    }
    const ch = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(i, i + len));
    // Bidirectional overrides could reorder what the student reads: show them as code points.
    out += /[\u202a-\u202e\u2066-\u2069]/.test(ch) ? `\\u${ch.codePointAt(0)!.toString(16)}` : ch;
    i += len;
  }
  return out;
}

/** How a socket named in a call reads on screen: its lifeline's title ("fd 5"). */
export type SocketName = (handle: string) => string;
const unnamed: SocketName = () => 'socket';

/** A select() list: [fd 3, fd 5]. */
const fdList = (handles: readonly string[], nameOf: SocketName) => `[${handles.map(nameOf).join(', ')}]`;

/** The call as the student would write it, e.g. bind(('127.0.0.1', 40001)). */
export function callLabel(call: Call, nameOf: SocketName = unnamed): string {
  switch (call.op) {
    case 'socket':
      return `socket(${call.family}, ${call.type})`;
    case 'setsockopt':
      return `setsockopt(${call.option}, ${typeof call.value === 'number' ? call.value : `(${call.value.onoff}, ${call.value.linger})`})`;
    case 'getsockopt':
      return `getsockopt(${call.option})`;
    case 'bind':
    case 'connect':
    case 'connect_ex':
      return `${call.op}(${addr(call.address)})`;
    case 'listen':
      return `listen(${call.backlog})`;
    case 'send':
    case 'sendall':
      return `${call.op}(${pyBytesB64(call.data, 24)})`;
    case 'sendto':
      return `sendto(${pyBytesB64(call.data, 24)}, ${addr(call.address)})`;
    case 'recv':
    case 'recvfrom':
      return `${call.op}(${call.bufsize}${call.flags?.length ? `, ${call.flags.join(' | ')}` : ''})`;
    case 'shutdown':
      return `shutdown(${call.how})`;
    case 'settimeout':
      return `settimeout(${call.seconds === null ? 'None' : call.seconds})`;
    case 'setblocking':
      return `setblocking(${call.blocking ? 'True' : 'False'})`;
    case 'select':
      return `select(${[call.read, call.write, call.except].map((l) => fdList(l, nameOf)).join(', ')}${call.timeout === null ? '' : `, ${call.timeout}`})`;
    case 'gethostbyname':
      return `gethostbyname('${call.name}')`;
    case 'getaddrinfo':
      return `getaddrinfo('${call.host}', ${call.port ?? 'None'})`;
    case 'gethostbyaddr':
      return `gethostbyaddr('${call.address}')`;
    case 'getservbyname':
      return `getservbyname('${call.name}', '${call.proto}')`;
    case 'getservbyport':
      return `getservbyport(${call.port}, '${call.proto}')`;
    case 'accept':
    case 'close':
    case 'getsockname':
    case 'getpeername':
    case 'gethostname':
      return `${call.op}()`;
    default: {
      const unhandled: never = call;
      return String(unhandled);
    }
  }
}

/** The result as a short fact: "= fd 5", "5 bytes", "→ ('127.0.0.1', 53422)". */
export function resultLabel(r: CallResult, nameOf: SocketName = unnamed): string {
  switch (r.op) {
    case 'socket':
      return `fd ${r.fd}`;
    case 'accept':
      return `fd ${r.fd} ← ${addr(r.address)}`;
    case 'send':
    case 'sendall':
    case 'sendto':
      return byteCount(r.bytes);
    case 'recv':
      return r.bytes === 0
        ? "b'' (0 bytes: the peer closed)"
        : `${pyBytesB64(r.data, 24)} (${byteCount(r.bytes)})`;
    case 'recvfrom':
      return `${pyBytesB64(r.data, 24)}${r.address ? ` from ${addr(r.address)}` : ''}${r.truncated ? ` (truncated: ${r.datagramBytes} sent)` : ''}`;
    case 'connect_ex':
      return r.errno === 0 ? '0' : `${r.errno} (${r.errnoName})`;
    case 'select':
      return r.read.length + r.write.length + r.except.length === 0
        ? '([], [], []): nothing ready in time'
        : `(${[r.read, r.write, r.except].map((l) => fdList(l, nameOf)).join(', ')})`;
    case 'getsockname':
    case 'getpeername':
      return addr(r.address);
    case 'getsockopt':
      return typeof r.value === 'number' ? String(r.value) : `(${r.value.onoff}, ${r.value.linger})`;
    case 'gethostname':
      return `'${r.name}'`;
    case 'gethostbyname':
      return `'${r.address}'`;
    case 'getaddrinfo':
      return `${r.entries.length} entries`;
    case 'gethostbyaddr':
      return `'${r.name}'`;
    case 'getservbyname':
      return String(r.port);
    case 'getservbyport':
      return `'${r.name}'`;
    default:
      return 'ok';
  }
}
