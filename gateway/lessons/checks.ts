// The check vocabulary: one line of text -> a typed Check (with a precise complaint when it is not
// one), and a pure judge that decides a Check on facts: the session's trace events and what each
// program printed. No I/O: the gateway validates with it, the replay test and the page judge with it.

import {
  CALL_OPS,
  type CallOp,
  concatBytes,
  fromBase64,
  type KernelSocket,
  type ServerMessage,
  type TcpState,
} from '../protocol/messages.js';
import { type Fill, fillText, placeholdersIn, placeholderValue, unknownPlaceholder } from './placeholders.js';
import {
  ANY_PROGRAM,
  type BytesMatch,
  type Check,
  type Num,
  PROGRAMS,
  type Program,
  SERVER_SYSCALLS,
  type ServerSyscall,
  type StateFilter,
  TCP_STATES,
  type TextMatch,
} from './types.js';

/** Errno names a check may expect: the kernel's, the resolver's and the gateway's own rules. */
export const KNOWN_CODES: readonly string[] = [
  'EPERM',
  'ENOENT',
  'EINTR',
  'EBADF',
  'EAGAIN',
  'EACCES',
  'EINVAL',
  'EMFILE',
  'EPIPE',
  'ENOTSOCK',
  'EDESTADDRREQ',
  'EMSGSIZE',
  'ENOPROTOOPT',
  'EOPNOTSUPP',
  'EAFNOSUPPORT',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'ENETUNREACH',
  'ECONNABORTED',
  'ECONNRESET',
  'EISCONN',
  'ENOTCONN',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EALREADY',
  'EINPROGRESS',
  'EAI_NONAME',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'HOST_NOT_FOUND',
  'TRY_AGAIN',
  'EGW_TIMEOUT',
  'EGW_CANCELLED',
  'EGW_BIND_DENIED',
  'EGW_DENIED',
  'EGW_BAD_ADDRESS',
  'EGW_LIMIT',
  'EGW_RATE_LIMITED',
  'EGW_NO_SUCH_HANDLE',
  'EGW_BUSY',
];

export const CHECK_KINDS = [
  'returned',
  'call-failed',
  'blocked',
  'output',
  'bytes',
  'state',
  'server-call',
] as const;

// ---------------------------------------------------------------------------------------------
// Reading a check line

export class CheckSyntaxError extends Error {}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'regex'; text: string };

/** Words, "quoted strings" (escapes kept as written) and /regular expressions/. */
export function tokenizeCheck(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"' || c === '/') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          text += src.slice(j, j + 2);
          j += 2;
        } else text += src[j++];
      }
      if (j >= src.length) {
        throw new CheckSyntaxError(
          c === '"' ? 'a quoted string is not closed (missing ")' : 'a /regular expression/ is not closed',
        );
      }
      out.push({ kind: c === '"' ? 'string' : 'regex', text });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < src.length && src[j] !== ' ' && src[j] !== '\t') j++;
    out.push({ kind: 'word', text: src.slice(i, j) });
    i = j;
  }
  return out;
}

const ESCAPE = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt0\\"/])|\\(.?)/g;

/** Complains about an escape the strings of checks do not know. */
function checkEscapes(written: string, bytes: boolean): void {
  for (const m of written.matchAll(ESCAPE)) {
    if (m[2] !== undefined)
      throw new CheckSyntaxError(`unknown escape "\\${m[2]}" (use \\n \\r \\t \\0 \\\\ \\" or \\xNN)`);
    if (bytes && m[1]?.startsWith('u'))
      throw new CheckSyntaxError(
        '\\u escapes are for text: write the character, or its UTF-8 bytes as \\xNN',
      );
  }
}

const resolveEscapes = (s: string, byteEscape: (n: number) => string) =>
  s.replace(ESCAPE, (_all, e: string | undefined) => {
    if (e === undefined) return '';
    switch (e[0]) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '0':
        return '\0';
      case 'x':
        return byteEscape(Number.parseInt(e.slice(1), 16));
      case 'u':
        return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });

/** The text a check's string stands for in one session: placeholders filled, escapes resolved. */
export function textOf(written: string, fill: Fill): string {
  return resolveEscapes(fillText(written, fill), (n) => String.fromCharCode(n));
}

/** The bytes a check's string stands for in one session: UTF-8 of the characters, \xNN single bytes. */
export function bytesOf(written: string, fill: Fill): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  // \xNN escapes become private markers first, so they stay single bytes beside UTF-8 characters.
  const marked = resolveEscapes(fillText(written, fill), (n) => `\u{F0000}${String.fromCharCode(n)}`);
  for (let i = 0; i < marked.length; i++) {
    const cp = marked.codePointAt(i)!;
    if (cp === 0xf0000) {
      i += 2; // the marker is a surrogate pair; the byte follows it
      out.push(marked.charCodeAt(i));
      continue;
    }
    const ch = String.fromCodePoint(cp);
    out.push(...enc.encode(ch));
    if (cp > 0xffff) i++;
  }
  return Uint8Array.from(out);
}

function placeholderOk(text: string, kind: string): void {
  for (const p of placeholdersIn(text)) {
    if (!p.known) throw new CheckSyntaxError(`${kind}: ${unknownPlaceholder(p.name)}`);
  }
}

class Words {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly kind: string,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  word(what: string, allowed?: readonly string[]): string {
    const t = this.tokens[this.i];
    if (t === undefined || t.kind !== 'word') {
      const list = allowed ? ` (${orList(allowed)})` : '';
      throw new CheckSyntaxError(
        `${this.kind}: expected ${what}${list} ${t ? `but found ${show(t)}` : 'at the end'}`,
      );
    }
    if (allowed && !allowed.includes(t.text)) {
      throw new CheckSyntaxError(`${this.kind}: unknown ${what} "${t.text}" (expected ${orList(allowed)})`);
    }
    this.i++;
    return t.text;
  }

  string(what: string): string {
    const t = this.tokens[this.i];
    if (t === undefined || t.kind !== 'string') {
      throw new CheckSyntaxError(
        `${this.kind}: expected ${what} in "double quotes" ${t ? `but found ${show(t)}` : 'at the end'}`,
      );
    }
    this.i++;
    return t.text;
  }

  regex(): Token {
    const t = this.tokens[this.i];
    if (t?.kind !== 'regex') throw new CheckSyntaxError(`${this.kind}: matches takes a /regular expression/`);
    this.i++;
    return t;
  }

  num(what: string): Num {
    const t = this.word(what);
    if (/^\d{1,9}$/.test(t)) return Number(t);
    const m = /^\{([^}]+)\}$/.exec(t);
    if (m) {
      placeholderOk(t, this.kind);
      return { placeholder: m[1]! };
    }
    throw new CheckSyntaxError(
      `${this.kind}: ${what} must be a number or a placeholder such as {PORT} (got "${t}")`,
    );
  }

  end(): void {
    const t = this.tokens[this.i];
    if (t !== undefined) throw new CheckSyntaxError(`${this.kind}: unexpected ${show(t)} at the end`);
  }
}

const show = (t: Token) =>
  t.kind === 'string' ? `"${t.text}"` : t.kind === 'regex' ? `/${t.text}/` : `"${t.text}"`;

export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const PROGRAM_LIST = PROGRAMS as readonly string[];

function textMatch(w: Words): TextMatch {
  const t = w.peek();
  if (t?.kind === 'word' && t.text === 'matches') {
    w.word('a comparison');
    const r = w.regex();
    try {
      // Placeholders become numbers before the expression is compiled; try it with sample ones.
      new RegExp(r.text.replace(/\{[\w-]+\}/g, '20000'));
    } catch (err) {
      throw new CheckSyntaxError(
        `output: /${r.text}/ is not a valid regular expression (${(err as Error).message})`,
      );
    }
    placeholderOk(r.text, 'output');
    return { how: 'matches', pattern: r.text };
  }
  const how = w.word('a comparison', ['equals', 'contains', 'matches']) as 'equals' | 'contains';
  const text = w.string('the text');
  checkEscapes(text, false);
  placeholderOk(text, 'output');
  if (how === 'contains' && text === '')
    throw new CheckSyntaxError('output: contains "" is always true; say what to look for');
  return { how, text };
}

function bytesMatch(w: Words, kind: string, allowed: readonly string[]): BytesMatch {
  const how = w.word('a comparison', allowed) as 'equals' | 'contains' | 'length';
  if (how === 'length') return { how, length: w.num('the length') };
  const bytes = w.string('the bytes');
  checkEscapes(bytes, true);
  placeholderOk(bytes, kind);
  if (how === 'contains' && bytes === '')
    throw new CheckSyntaxError(`${kind}: contains "" is always true; say what to look for`);
  return { how, bytes };
}

const STATE_NUMBERS = ['local-port', 'remote-port', 'backlog', 'acceptQ', 'recvQ', 'sendQ', 'count'] as const;
const STATE_FLAGS = ['with-fd', 'no-fd'] as const;
const STATE_KEY: Record<(typeof STATE_NUMBERS)[number], keyof StateFilter> = {
  'local-port': 'localPort',
  'remote-port': 'remotePort',
  backlog: 'backlog',
  acceptQ: 'acceptQ',
  recvQ: 'recvQ',
  sendQ: 'sendQ',
  count: 'count',
};

/** Parses one check line (the text after `check:`). Throws CheckSyntaxError naming what is wrong. */
export function parseCheck(src: string): Check {
  const tokens = tokenizeCheck(src.trim());
  const first = tokens[0];
  if (first === undefined) throw new CheckSyntaxError(`empty check (expected ${orList(CHECK_KINDS)})`);
  if (first.kind !== 'word' || !(CHECK_KINDS as readonly string[]).includes(first.text)) {
    throw new CheckSyntaxError(`unknown check ${show(first)} (expected ${orList(CHECK_KINDS)})`);
  }
  const kind = first.text as Check['kind'];
  const w = new Words(tokens.slice(1), kind);
  const program = () => w.word('program', PROGRAM_LIST) as Program;
  const op = () => w.word('call', CALL_OPS) as CallOp;
  let check: Check;
  switch (kind) {
    case 'returned': {
      check = { kind, program: program(), op: op() };
      while (!w.done) {
        const key = w.word('a detail', ['bytes', 'datagram']);
        if (key === 'bytes') {
          if (!['send', 'sendall', 'sendto', 'recv', 'recvfrom'].includes(check.op))
            throw new CheckSyntaxError(`returned: ${check.op} returns no byte count`);
          check.bytes = w.num('the byte count');
        } else {
          if (check.op !== 'recvfrom')
            throw new CheckSyntaxError('returned: datagram applies to recvfrom only');
          check.datagram = w.num('the datagram size');
        }
      }
      break;
    }
    case 'call-failed': {
      const p = program();
      // `EAI_NONAME or EAI_AGAIN`: where the honest answer depends on the machine (its resolver).
      const codes: string[] = [];
      do {
        const code = w.word('errno name');
        if (!KNOWN_CODES.includes(code)) {
          throw new CheckSyntaxError(
            `call-failed: unknown errno name "${code}" (known: ${KNOWN_CODES.join(' ')})`,
          );
        }
        codes.push(code);
      } while (w.peek()?.text === 'or' && w.word('or'));
      check = { kind, program: p, codes };
      break;
    }
    case 'blocked':
      check = { kind, program: program(), op: op() };
      break;
    case 'output':
      check = { kind, program: program(), match: textMatch(w) };
      break;
    case 'bytes': {
      const p = program();
      const direction = w.word('direction', ['in', 'out']) as 'in' | 'out';
      check = { kind, program: p, direction, match: bytesMatch(w, kind, ['equals', 'contains', 'length']) };
      break;
    }
    case 'state': {
      const p = w.word('program', [...PROGRAM_LIST, ANY_PROGRAM]) as Program | typeof ANY_PROGRAM;
      const state = w.word('TCP state', TCP_STATES) as TcpState;
      const filter: StateFilter = {};
      const keys = [...STATE_NUMBERS, ...STATE_FLAGS] as readonly string[];
      while (!w.done) {
        const key = w.word('a detail', keys);
        if (key === 'with-fd' || key === 'no-fd') {
          if (filter.fd !== undefined) throw new CheckSyntaxError('state: say with-fd or no-fd once');
          filter.fd = key === 'with-fd';
          continue;
        }
        const field = STATE_KEY[key as (typeof STATE_NUMBERS)[number]];
        if (filter[field] !== undefined) throw new CheckSyntaxError(`state: ${key} is given twice`);
        const n = w.num(key);
        if (key === 'count' && n === 0) {
          throw new CheckSyntaxError(
            'state: count 0 could pass before anything happened; check for what is there instead',
          );
        }
        (filter as Record<string, Num>)[field] = n;
      }
      if ((filter.backlog !== undefined || filter.acceptQ !== undefined) && state !== 'LISTEN') {
        throw new CheckSyntaxError('state: backlog and acceptQ belong to a LISTEN socket');
      }
      check = { kind, program: p, state, filter };
      break;
    }
    case 'server-call': {
      const server = w.word('lesson server');
      const syscall = w.word('server call', SERVER_SYSCALLS) as ServerSyscall;
      check = { kind, server, syscall };
      if (!w.done) check.data = bytesMatch(w, kind, ['equals', 'contains']);
      break;
    }
    default: {
      const unhandled: never = kind;
      throw new CheckSyntaxError(`unknown check ${String(unhandled)}`);
    }
  }
  w.end();
  return check;
}

/** The program a check is about, or the lesson server for server-call. */
export function checkSubject(c: Check): string {
  return c.kind === 'server-call' ? c.server : c.program;
}

// ---------------------------------------------------------------------------------------------
// Judging a check

export type TraceEvent = Extract<ServerMessage, { seq: number }>;

/** What a check is judged on. */
export interface CheckFacts {
  /**
   * The session's trace events up to the moment judged, in seq order, from the session's start (the
   * window cuts what came before it; `state` needs the whole history to know the kernel table).
   */
  trace: readonly TraceEvent[];
  /** The window: events with a seq above this one happened during the step. */
  from: number;
  /** What each program printed during the window, one entry per line. */
  output: Readonly<Record<string, readonly string[]>>;
  fill: Fill;
}

export interface Verdict {
  pass: boolean;
  /** What was there instead, in one or a few plain lines (for the failure message). */
  seen: string;
}

const resolve = (n: Num, fill: Fill): number | undefined =>
  typeof n === 'number' ? n : placeholderValue(n.placeholder, fill);

/** Bytes shown as a Python bytes literal would show them: b'HELLO\n'. */
export function showBytes(b: Uint8Array, max = 200): string {
  let s = '';
  for (const x of b.subarray(0, max)) {
    if (x === 0x5c) s += '\\\\';
    else if (x === 0x27) s += "\\'";
    else if (x === 0x0a) s += '\\n';
    else if (x === 0x0d) s += '\\r';
    else if (x === 0x09) s += '\\t';
    else if (x >= 0x20 && x < 0x7f) s += String.fromCharCode(x);
    else s += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return `b'${s}'${b.length > max ? `... (${b.length} bytes)` : ''}`;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function judgeBytes(got: Uint8Array, m: BytesMatch, fill: Fill): boolean {
  switch (m.how) {
    case 'equals': {
      const want = bytesOf(m.bytes, fill);
      return got.length === want.length && indexOf(got, want) === 0;
    }
    case 'contains':
      return indexOf(got, bytesOf(m.bytes, fill)) >= 0;
    case 'length':
      return got.length === resolve(m.length, fill);
    default: {
      const unhandled: never = m;
      return unhandled;
    }
  }
}

const inWindow = (facts: CheckFacts) => facts.trace.filter((e) => e.seq > facts.from);

type Returned = Extract<TraceEvent, { type: 'call-returned' }>;

/** The bytes one returned call moved: what recv gave, or what send handed the kernel. */
export function movedBytes(e: Returned): { direction: 'in' | 'out'; bytes: Uint8Array } | null {
  const r = e.result;
  if (r.op === 'recv' || r.op === 'recvfrom') return { direction: 'in', bytes: fromBase64(r.data) };
  if ((r.op === 'send' || r.op === 'sendall' || r.op === 'sendto') && 'data' in e.call) {
    return { direction: 'out', bytes: fromBase64(e.call.data).subarray(0, r.bytes) };
  }
  return null;
}

function describeReturned(e: Returned): string {
  const r = e.result;
  if ('bytes' in r) {
    const extra = r.op === 'recvfrom' && r.truncated ? `, datagram of ${r.datagramBytes}` : '';
    return `${e.call.op} (${r.bytes} bytes${extra})`;
  }
  return e.call.op;
}

/** The kernel table at one moment: the latest view of every socket not yet gone. */
class Table {
  readonly sockets = new Map<string, KernelSocket>();
  apply(e: TraceEvent): boolean {
    if (e.type !== 'state-changed') return false;
    if (e.kernel.gone) this.sockets.delete(e.kernel.socket);
    else this.sockets.set(e.kernel.socket, e.kernel);
    return true;
  }
}

function socketMatches(k: KernelSocket, c: Extract<Check, { kind: 'state' }>, fill: Fill): boolean {
  if ((c.program !== ANY_PROGRAM && k.program !== c.program) || k.state !== c.state) return false;
  const f = c.filter;
  const eq = (n: Num | undefined, v: number | undefined) => n === undefined || resolve(n, fill) === v;
  return (
    eq(f.localPort, k.local?.[1]) &&
    eq(f.remotePort, k.remote?.[1]) &&
    eq(f.backlog, k.backlog) &&
    eq(f.acceptQ, k.acceptQ) &&
    eq(f.recvQ, k.recvQ) &&
    eq(f.sendQ, k.sendQ) &&
    (f.fd === undefined || f.fd === (k.fd !== null))
  );
}

export function describeSocket(k: KernelSocket): string {
  const addr = (a: KernelSocket['local']) => (a ? `${a[0]}:${a[1]}` : '-');
  const parts = [`${k.proto} ${k.state} ${addr(k.local)}`];
  if (k.remote) parts.push(`-> ${addr(k.remote)}`);
  if (k.fd === null) parts.push('(no fd)');
  if (k.backlog !== undefined) parts.push(`backlog ${k.backlog} acceptQ ${k.acceptQ ?? 0}`);
  if (k.recvQ) parts.push(`recvQ ${k.recvQ}`);
  if (k.sendQ) parts.push(`sendQ ${k.sendQ}`);
  return parts.join(' ');
}

/** Decides one check on the facts. Pure: the same facts always give the same verdict. */
export function judge(check: Check, facts: CheckFacts): Verdict {
  const { fill } = facts;
  switch (check.kind) {
    case 'returned': {
      const calls = inWindow(facts).filter(
        (e): e is Returned => e.type === 'call-returned' && e.program === check.program,
      );
      const pass = calls.some((e) => {
        if (e.call.op !== check.op) return false;
        const r = e.result;
        if (check.bytes !== undefined && !('bytes' in r && r.bytes === resolve(check.bytes, fill)))
          return false;
        if (check.datagram !== undefined) {
          if (r.op !== 'recvfrom' || r.datagramBytes !== resolve(check.datagram, fill)) return false;
        }
        return true;
      });
      const seen = calls.length ? calls.map(describeReturned).join(', ') : 'nothing returned';
      return { pass, seen: `${check.program} returned: ${seen}` };
    }
    case 'call-failed': {
      const failed = inWindow(facts).filter(
        (e): e is Extract<TraceEvent, { type: 'call-failed' }> =>
          e.type === 'call-failed' && e.program === check.program,
      );
      const seen = failed.length
        ? failed.map((e) => `${e.call.op} failed with ${e.error.code}`).join(', ')
        : 'no call failed';
      return {
        pass: failed.some((e) => check.codes.includes(e.error.code)),
        seen: `${check.program}: ${seen}`,
      };
    }
    case 'blocked': {
      const window = inWindow(facts);
      const started = new Map<string, CallOp>();
      for (const e of facts.trace) if (e.type === 'call-started') started.set(e.id, e.call.op);
      const blocked = window
        .filter((e) => e.type === 'call-blocked' && e.program === check.program)
        .map((e) => started.get((e as { id: string }).id) ?? '?');
      return {
        pass: blocked.includes(check.op),
        seen: `${check.program}: ${blocked.length ? `waited in ${blocked.join(', ')}` : 'no call had to wait'}`,
      };
    }
    case 'output': {
      const text = (facts.output[check.program] ?? []).join('\n');
      const m = check.match;
      let pass: boolean;
      if (m.how === 'equals') pass = text === textOf(m.text, fill);
      else if (m.how === 'contains') pass = text.includes(textOf(m.text, fill));
      else pass = new RegExp(fillText(m.pattern, fill)).test(text);
      const shown =
        text === '' ? '(nothing)' : JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text);
      return { pass, seen: `${check.program} printed ${shown}` };
    }
    case 'bytes': {
      const parts: Uint8Array[] = [];
      for (const e of inWindow(facts)) {
        if (e.type !== 'call-returned' || e.program !== check.program) continue;
        const moved = movedBytes(e);
        if (moved && moved.direction === check.direction) parts.push(moved.bytes);
      }
      const got = concatBytes(...parts);
      const verb = check.direction === 'in' ? 'received' : 'sent';
      return { pass: judgeBytes(got, check.match, fill), seen: `${check.program} ${verb} ${showBytes(got)}` };
    }
    case 'state': {
      const table = new Table();
      const count = check.filter.count === undefined ? undefined : resolve(check.filter.count, fill);
      const holds = () => {
        const n = [...table.sockets.values()].filter((k) => socketMatches(k, check, fill)).length;
        return count === undefined ? n > 0 : n === count;
      };
      // It holds if the kernel table matches as it stands at the end of the facts (a steady state,
      // such as a LISTEN from an earlier step), or did right after the kernel reported one of the
      // matching sockets during the window (a passing state: SYN_SENT, FIN_WAIT2 on its way to
      // TIME_WAIT). Moments before the window do not count, nor moments when nothing matching moved.
      let pass = false;
      for (const e of facts.trace) {
        table.apply(e);
        if (!pass && e.seq > facts.from && e.type === 'state-changed' && !e.kernel.gone) {
          pass = socketMatches(e.kernel, check, fill) && holds();
        }
      }
      pass ||= holds();
      const any = check.program === ANY_PROGRAM;
      const mine = [...table.sockets.values()].filter((k) => any || k.program === check.program);
      const shown = mine.map((k) =>
        any ? `${k.program ?? 'kernel'}: ${describeSocket(k)}` : describeSocket(k),
      );
      return {
        pass,
        seen: `${any ? 'the programs' : `${check.program}'s`} sockets now: ${shown.length ? shown.join('; ') : 'none'}`,
      };
    }
    case 'server-call': {
      const calls = inWindow(facts).filter(
        (e): e is Extract<TraceEvent, { type: 'server-call' }> =>
          e.type === 'server-call' && e.server === check.server,
      );
      const pass = calls.some(
        (e) =>
          e.syscall === check.syscall &&
          (check.data === undefined ||
            judgeBytes(e.data ? fromBase64(e.data) : new Uint8Array(), check.data, fill)),
      );
      const seen = calls.length
        ? calls
            .map((e) =>
              e.data !== undefined ? `${e.syscall} ${showBytes(fromBase64(e.data), 60)}` : e.syscall,
            )
            .join(', ')
        : 'no calls';
      return { pass, seen: `${check.server} made: ${seen}` };
    }
    default: {
      const unhandled: never = check;
      return unhandled;
    }
  }
}

/**
 * Judges a step's checks the way the replay test does, and the way a page should: each check on the
 * trace as it grows, one event at a time from the step's start, and settled (latched) the first time
 * it passes. Kernel facts are often passing states (SYN_SENT while a connect waits, FIN_WAIT2 before
 * TIME_WAIT): a check holds if its fact was true at some moment after the step began, judged on the
 * trace up to that moment. Call `update` with the whole session so far after every message (or
 * batch of messages); it only looks at what is new.
 */
export class CheckWindow {
  private readonly open: { check: Check; upto: number; verdict: Verdict | null; last: Verdict | null }[];

  constructor(
    checks: readonly Check[],
    /** The step's window: events with a seq above this one. */
    readonly from: number,
  ) {
    this.open = checks.map((check) => ({ check, upto: -1, verdict: null, last: null }));
  }

  /** Verdicts so far, in the checks' order; a passed one stays passed. */
  update(facts: CheckFacts): Verdict[] {
    const { trace } = facts;
    let start = trace.findIndex((e) => e.seq > this.from);
    if (start < 0) start = trace.length;
    for (const o of this.open) {
      if (o.verdict) continue;
      if (o.upto < start) o.upto = start;
      for (;;) {
        const v = judge(o.check, { ...facts, trace: trace.slice(0, o.upto) });
        o.last = v;
        if (v.pass) {
          o.verdict = v;
          break;
        }
        if (o.upto >= trace.length) break;
        o.upto++;
      }
    }
    return this.open.map((o) => o.verdict ?? o.last!);
  }

  get passed(): boolean {
    return this.open.every((o) => o.verdict !== null);
  }

  /** How many trace events each check was judged on (its moment of truth, or everything so far). */
  get upto(): number[] {
    return this.open.map((o) => o.upto);
  }
}
