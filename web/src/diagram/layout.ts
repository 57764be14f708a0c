// Turns the gateway's trace into a sequence diagram model: lifelines (one per program, one per socket,
// one per lesson server or outside peer) and rows (calls, results, kernel segments, states). Pure:
// trace in, model out. Kernel segments (SYN, SYN-ACK, ACK, FIN, RST) are inferred from real events
// and marked as such.

import type { Address, LessonServerInfo, TcpState } from '../../../gateway/protocol/messages.js';
import type { TraceMessage } from '../store/state.js';
import { addr, byteCount, callLabel, pyBytesB64, resultLabel, shortAddr } from './format.js';

export type LaneKind = 'program' | 'socket' | 'lesson' | 'external';

export interface Lane {
  id: string;
  kind: LaneKind;
  program: string;
  title: string;
  subtitle: string;
  /** Row where the lifeline starts and (if it ended) stops. */
  from: number;
  to: number | null;
}

export type Tone = 'call' | 'ok' | 'error' | 'kernel' | 'data' | 'state' | 'server' | 'note';

export interface Row {
  seq: number;
  kind: 'call' | 'result' | 'arrow' | 'state' | 'note';
  lane: string;
  /** Arrows: the lane they point to. */
  to?: string;
  label: string;
  tone: Tone;
  callId?: string;
  /** Drawn by the page from what the kernel reported, not a message the kernel sent us. */
  inferred?: boolean;
  /** Bytes this row is about (data arrows, recv results), base64. */
  data?: string;
  /** Time of the event in ms since the session began. */
  t: number;
}

/**
 * A row named by the trace event that drew it: its seq, and which of that event's rows (an accept can
 * draw a handshake and its result). Positions move when the page's trace drops its oldest events; this
 * does not.
 */
export interface RowRef {
  seq: number;
  nth: number;
}

/** The RowRef of rows[i]. Rows are in the order of their events' seq. */
export function rowRef(rows: readonly Row[], i: number): RowRef {
  const seq = rows[i]!.seq;
  let first = i;
  while (first > 0 && rows[first - 1]!.seq === seq) first--;
  return { seq, nth: i - first };
}

/** Where a RowRef's row is now, or null once the trace no longer holds it. */
export function rowIndex(rows: readonly Row[], ref: RowRef): number | null {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.seq < ref.seq) lo = mid + 1;
    else hi = mid;
  }
  const i = lo + ref.nth;
  return i < rows.length && rows[i]!.seq === ref.seq ? i : null;
}

/** A call that waited in the kernel: from its call row to its result row. */
export interface Span {
  lane: string;
  from: number;
  to: number | null;
  callId: string;
}

export interface DiagramModel {
  lanes: Lane[];
  rows: Row[];
  spans: Span[];
}

interface SockInfo {
  lane: string;
  proto: 'tcp' | 'udp';
  local: Address | null;
  remote: Address | null;
  state: TcpState | null;
  shown: string;
  /** Its FIN is drawn (shutdown(SHUT_WR) or close()). */
  finSent?: boolean;
  /** Bytes waiting to be read, as the kernel last said: a close() with some sends RST. */
  recvQ: number;
  /** SO_LINGER is on with 0 seconds: close() sends RST. */
  abortive?: boolean;
  /** The lane whose RST answered bytes it sent after that peer closed (drawn once). */
  resetBy?: string;
}

const sameAddr = (a: Address | null | undefined, b: Address | null | undefined) =>
  !!a &&
  !!b &&
  a[1] === b[1] &&
  (a[0] === b[0] || isAny(a[0]) || isAny(b[0]) || (isLocal(a[0]) && isLocal(b[0])));
const isAny = (h: string) => h === '0.0.0.0' || h === '::';
const isLocal = (h: string) =>
  h.startsWith('127.') || h === '::1' || h === 'localhost' || h.startsWith('::ffff:127.');

/**
 * States a socket reaches without an fd only after its program closed it: the kernel carries on with
 * the FINs alone (a connection still waiting in a backlog is SYN_RECV, ESTABLISHED or CLOSE_WAIT).
 */
const CLOSING_ALONE: ReadonlySet<string> = new Set(['FIN_WAIT1', 'FIN_WAIT2', 'CLOSING', 'LAST_ACK']);

/** State moves that only the peer's FIN makes: from a state (key) to the ones it reaches on a FIN. */
const PEER_FIN_AFTER: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['ESTABLISHED', new Set(['CLOSE_WAIT'])],
  ['FIN_WAIT1', new Set(['CLOSING', 'TIME_WAIT'])],
  ['FIN_WAIT2', new Set(['TIME_WAIT'])],
]);

/** The title of a lifeline for an address none of the page's sockets or lesson servers holds. */
const OUTSIDE = 'outside peer';
/** Its title while all it did was refuse a connection: no program at all is there. */
const NOBODY = 'nobody listening';

/** The whole trace laid out at once. */
export function layoutSequence(
  trace: readonly TraceMessage[],
  programs: readonly string[],
  lessonServers: readonly LessonServerInfo[] = [],
): DiagramModel {
  const layout = sequenceLayout(programs, lessonServers);
  for (const m of trace) layout.add(m);
  return layout.model();
}

/** A layout fed one trace message at a time: each costs what it adds, not what came before it. */
export interface SequenceLayout {
  add(m: TraceMessage): void;
  /**
   * Forgets the rows of messages before `seq` (the page's trace dropped them), and the lifelines that
   * ended before them. What it learnt from them stays: a stream whose socket() was dropped is still
   * drawn on that socket's lifeline.
   */
  dropBefore(seq: number): void;
  /**
   * The page's terminals are now `programs`. Each new one gets its lifeline, from the top as if it had
   * been there all along. A closed one keeps its lifeline (after the open ones) if it drew anything,
   * and its sockets keep theirs; one that drew nothing is gone. Nothing is laid out again: past the
   * events the page keeps, that would lose every lifeline whose start was dropped.
   */
  setPrograms(programs: readonly string[]): void;
  /** The diagram so far, in arrays of its own (a later add() changes none of them or their items). */
  model(): DiagramModel;
}

/**
 * The diagram is a fold over the trace: every message moves the layout's state (sockets, handshakes
 * under way, calls waiting) and appends rows. Rows are never changed once pushed; a lifeline's end
 * and a span's end are, so model() hands out copies of those.
 */
export function sequenceLayout(
  initialPrograms: readonly string[],
  lessonServers: readonly LessonServerInfo[] = [],
): SequenceLayout {
  let programs = initialPrograms;
  // Lanes and spans hold row numbers counted from the first row ever pushed; rows holds those from
  // `base` on (dropBefore forgets the others), and model() counts from there.
  const lanes: Lane[] = [];
  const laneIndex = new Map<string, Lane>();
  let rows: Row[] = [];
  let base = 0;
  const count = () => base + rows.length;
  /** Each lane's last row (as an arrow's start or end too): a lifeline ended long ago may still have one. */
  const lastRow = new Map<string, number>();
  const spans: Span[] = [];
  /** Waiting calls' spans, by call id: their index in spans. */
  const openSpans = new Map<string, number>();
  const calls = new Map<
    string,
    { lane: string; call: Extract<TraceMessage, { type: 'call-started' }>['call'] }
  >();
  const socks = new Map<string, SockInfo>();
  /**
   * Connects under way whose SYN-ACK/ACK are not drawn yet, by client socket. The target's lifeline
   * appears with the SYN: a connect the gateway refuses sends none, and meets nobody.
   */
  const handshakes = new Map<
    string,
    {
      client: SockInfo;
      address: Address;
      target: string | null;
      callId: string;
      synSent: boolean;
      /** SYNs sent again so far (drawn once each). */
      retries?: number;
      /** Its SYN made the target's lifeline: nothing of the page's, nor a lesson server, is there. */
      probe?: boolean;
    }
  >();
  const sendSyn = (handle: string, seq: number, t: number) => {
    const h = handshakes.get(handle);
    if (!h || h.synSent) return;
    h.synSent = true;
    const before = lanes.length;
    h.target = laneAt(h.address, 'tcp', true);
    h.probe = lanes.length > before && laneIndex.get(h.target ?? '')?.kind === 'external';
    if (h.target) kernelArrow(seq, t, h.client.lane, h.target, 'SYN');
  };
  /** Draws SYN-ACK and ACK once, at the first sign the handshake completed. */
  const completeHandshake = (handle: string, seq: number, t: number) => {
    const h = handshakes.get(handle);
    if (!h) return;
    sendSyn(handle, seq, t);
    handshakes.delete(handle);
    if (!h.target) return;
    // Somebody listens there now (nc -l, started after a refusal).
    const target = laneIndex.get(h.target);
    if (target?.title === NOBODY) target.title = OUTSIDE;
    kernelArrow(seq, t, h.target, h.client.lane, 'SYN-ACK');
    kernelArrow(seq, t, h.client.lane, h.target, 'ACK');
  };
  const refuseHandshake = (handle: string, seq: number, t: number) => {
    const h = handshakes.get(handle);
    if (!h) return;
    sendSyn(handle, seq, t);
    handshakes.delete(handle);
    if (!h.target) return;
    // The lifeline the SYN made stands for no program: the kernel there answered for the port.
    const target = laneIndex.get(h.target);
    if (h.probe && target?.title === OUTSIDE) target.title = NOBODY;
    kernelArrow(seq, t, h.target, h.client.lane, 'RST (nothing listening)');
  };
  /** The client socket whose handshake an accept (ours or a lesson server's) just completed. */
  const handshakeFrom = (peer: Address) => {
    for (const [handle, h] of handshakes) if (sameAddr(h.client.local, peer)) return handle;
    return null;
  };
  /** Kernel-only sockets (TIME_WAIT, backlog) drawn on the lane of the socket they came from. */
  const ghostLane = new Map<string, string>();

  const lane = (id: string, kind: LaneKind, program: string, title: string, subtitle = ''): Lane => {
    let l = laneIndex.get(id);
    if (!l) {
      l = { id, kind, program, title, subtitle, from: count(), to: null };
      laneIndex.set(id, l);
      lanes.push(l);
    }
    return l;
  };
  const programLane = (p: string) => lane(`p:${p}`, 'program', p, p, 'program').id;
  for (const p of programs) programLane(p);

  /** TCP and UDP ports are separate: the echo server on tcp 7007 is not the udp-echo on udp 7007. */
  const lessonAt = (a: Address, proto: 'tcp' | 'udp') =>
    lessonServers.find((l) => l.proto === proto && sameAddr([l.host, l.port], a));
  /** The lane of whatever sits at an address: one of our sockets, a lesson server, or an outsider. */
  const laneAt = (
    a: Address | null,
    proto: 'tcp' | 'udp',
    preferListener = false,
    from?: Address | null,
  ): string | null => {
    if (!a) return null;
    let best: SockInfo | null = null;
    for (const s of socks.values()) {
      if (s.proto !== proto || !sameAddr(s.local, a)) continue;
      // The connection's own socket (the 4-tuple matches) beats the listener sharing its port.
      if (from && sameAddr(s.remote, from)) return s.lane;
      if (!best || (preferListener && s.state === 'LISTEN')) best = s;
    }
    if (best) return best.lane;
    const lesson = lessonAt(a, proto);
    if (lesson)
      return lane(
        `l:${lesson.name}`,
        'lesson',
        lesson.name,
        lesson.name,
        `lesson server ${shortAddr([lesson.host, lesson.port])}`,
      ).id;
    return lane(`x:${shortAddr(a)}`, 'external', 'outside', OUTSIDE, shortAddr(a)).id;
  };
  const push = (row: Omit<Row, 't'>, t: number) => {
    rows.push({ ...row, t });
    const at = count() - 1;
    lastRow.set(row.lane, at);
    if (row.to) lastRow.set(row.to, at);
  };
  const kernelArrow = (seq: number, t: number, from: string, to: string, label: string) =>
    push({ seq, kind: 'arrow', lane: from, to, label, tone: 'kernel', inferred: true }, t);
  /** Our peer for a connected socket, as a lane. */
  const peerLane = (s: SockInfo) => laneAt(s.remote, s.proto, false, s.local);
  const sockOf = (handle: string | undefined) => (handle ? socks.get(handle) : undefined);
  /** Its program closed it: its lifeline has ended. */
  const closedByProgram = (s: SockInfo) => (laneIndex.get(s.lane)?.to ?? null) !== null;
  /** A socket in a select() list, by its lifeline's title (fd 5). */
  const nameOf = (handle: string) => {
    const s = socks.get(handle);
    return (s && laneIndex.get(s.lane)?.title) ?? 'socket';
  };

  const add = (m: TraceMessage) => {
    switch (m.type) {
      case 'call-started': {
        const handle = 'socket' in m.call ? m.call.socket : undefined;
        const s = sockOf(handle);
        const at = s?.lane ?? programLane(m.program);
        calls.set(m.id, { lane: at, call: m.call });
        push(
          {
            seq: m.seq,
            kind: 'call',
            lane: at,
            label: callLabel(m.call, nameOf),
            tone: 'call',
            callId: m.id,
          },
          m.t,
        );
        if (
          s &&
          handle &&
          s.proto === 'tcp' &&
          (m.call.op === 'connect' || m.call.op === 'connect_ex') &&
          !s.remote
        ) {
          // The SYN is drawn once the kernel shows it left (SYN_SENT, the call blocked, or a kernel
          // answer): a connect the gateway refuses (EGW_DENIED) never sends one.
          handshakes.set(handle, {
            client: s,
            address: m.call.address,
            target: null,
            callId: m.id,
            synSent: false,
          });
        }
        break;
      }
      case 'call-blocked': {
        const c = calls.get(m.id);
        if (!c) break;
        if (c.call.op === 'connect' || c.call.op === 'connect_ex') sendSyn(c.call.socket, m.seq, m.t);
        const span = { lane: c.lane, from: count() - 1, to: null, callId: m.id };
        for (let i = rows.length - 1; i >= 0; i--) {
          if (rows[i]!.callId === m.id && rows[i]!.kind === 'call') {
            span.from = base + i;
            break;
          }
        }
        openSpans.set(m.id, spans.push(span) - 1);
        break;
      }
      case 'call-returned':
      case 'call-failed': {
        const c = calls.get(m.id);
        const at = c?.lane ?? programLane(m.program);
        const call = m.call;
        const s = sockOf('socket' in call ? call.socket : undefined);
        if (m.type === 'call-returned') {
          const r = m.result;
          if (r.op === 'socket') {
            const l = lane(
              r.socket,
              'socket',
              m.program,
              `fd ${r.fd}`,
              `${r.type === 'SOCK_DGRAM' ? 'UDP' : 'TCP'} socket`,
            );
            socks.set(r.socket, {
              lane: l.id,
              proto: r.type === 'SOCK_DGRAM' ? 'udp' : 'tcp',
              local: null,
              remote: null,
              state: null,
              shown: '',
              recvQ: 0,
            });
          } else if (r.op === 'accept') {
            const client = handshakeFrom(r.address);
            if (client) completeHandshake(client, m.seq, m.t);
            else {
              // A peer that is none of ours (nc, a Python script) gets its own lifeline at once, and
              // the handshake its kernel did with the listener's, which nothing of ours drew.
              const peer = laneAt(r.address, 'tcp');
              if (peer && s && laneIndex.get(peer)?.kind === 'external') {
                kernelArrow(m.seq, m.t, peer, s.lane, 'SYN');
                kernelArrow(m.seq, m.t, s.lane, peer, 'SYN-ACK');
                kernelArrow(m.seq, m.t, peer, s.lane, 'ACK');
              }
            }
            const l = lane(
              r.socket,
              'socket',
              m.program,
              `fd ${r.fd}`,
              `${shortAddr(r.local)} ↔ ${shortAddr(r.address)}`,
            );
            socks.set(r.socket, {
              lane: l.id,
              proto: 'tcp',
              local: r.local,
              remote: r.address,
              state: 'ESTABLISHED',
              shown: '',
              recvQ: 0,
            });
          } else if (s && (call.op === 'connect' || call.op === 'connect_ex') && s.proto === 'tcp') {
            const handle = call.socket;
            const refused = r.op === 'connect_ex' && r.errno !== 0;
            if (refused) refuseHandshake(handle, m.seq, m.t);
            else {
              completeHandshake(handle, m.seq, m.t);
              s.remote = call.address;
            }
          } else if (s && call.op === 'connect') {
            s.remote = call.address;
          } else if (s && call.op === 'setsockopt' && call.option === 'SO_LINGER') {
            // An int is taken as (on, that many seconds): only a struct with 0 seconds aborts.
            s.abortive = typeof call.value === 'object' && call.value.onoff !== 0 && call.value.linger === 0;
          } else if (s && call.op === 'bind') {
            s.local = call.address;
            const l = laneIndex.get(s.lane);
            if (l) l.subtitle = `${l.subtitle.split(' · ')[0]} · ${shortAddr(call.address)}`;
          }
          if (
            s &&
            s.proto === 'tcp' &&
            s.remote &&
            (call.op === 'close' || (call.op === 'shutdown' && call.how !== 'SHUT_RD'))
          ) {
            const peer = peerLane(s);
            if (peer && s.state !== 'LISTEN' && s.state !== 'CLOSED') {
              // Linux closes with RST, not FIN, when SO_LINGER is on with 0 seconds or bytes were
              // left unread (tcp_close); otherwise one FIN per connection: a close() after
              // shutdown(SHUT_WR) sends none.
              const reset =
                call.op !== 'close'
                  ? null
                  : s.abortive
                    ? 'RST (SO_LINGER 0: abortive close)'
                    : s.recvQ > 0
                      ? `RST (${byteCount(s.recvQ)} left unread)`
                      : null;
              if (reset) kernelArrow(m.seq, m.t, s.lane, peer, reset);
              else if (!s.finSent) kernelArrow(m.seq, m.t, s.lane, peer, 'FIN');
              s.finSent = true;
            }
          }
          if (call.op === 'close') {
            const l = s && laneIndex.get(s.lane);
            if (l) l.to = count() + 1;
          }
          const data = r.op === 'recv' || r.op === 'recvfrom' ? r.data : undefined;
          push(
            {
              seq: m.seq,
              kind: 'result',
              lane: at,
              label: `→ ${resultLabel(r, nameOf)}`,
              tone: 'ok',
              callId: m.id,
              ...(data ? { data } : {}),
            },
            m.t,
          );
        } else {
          if ((call.op === 'connect' || call.op === 'connect_ex') && m.error.code === 'ECONNREFUSED') {
            refuseHandshake(call.socket, m.seq, m.t);
          } else if ((call.op === 'connect' || call.op === 'connect_ex') && m.error.code === 'EINPROGRESS') {
            sendSyn(call.socket, m.seq, m.t);
          } else if (call.op === 'connect' || call.op === 'connect_ex') {
            // A kernel errno means a SYN left (timed out, unreachable...); a gateway rule means none did.
            if (
              !m.error.code.startsWith('EGW_') ||
              m.error.code === 'EGW_TIMEOUT' ||
              m.error.code === 'EGW_CANCELLED'
            ) {
              sendSyn(call.socket, m.seq, m.t);
            }
            handshakes.delete(call.socket);
          }
          push(
            {
              seq: m.seq,
              kind: 'result',
              lane: at,
              label: errorLabel(m.error, 'socket' in call),
              tone: 'error',
              callId: m.id,
            },
            m.t,
          );
        }
        const open = openSpans.get(m.id);
        if (open !== undefined) {
          spans[open] = { ...spans[open]!, to: count() - 1 };
          openSpans.delete(m.id);
        }
        calls.delete(m.id);
        break;
      }
      case 'data': {
        const s = sockOf(m.socket);
        if (!s) break;
        const label = `${byteCount(m.bytes)} ${pyBytesB64(m.data, 20)}`;
        if (m.direction === 'out') {
          const to = laneAt(m.peer ?? s.remote, s.proto, false, s.local);
          if (to)
            push({ seq: m.seq, kind: 'arrow', lane: s.lane, to, label, tone: 'data', data: m.data }, m.t);
          // Bytes for a TCP connection whose program closed it: nobody can read them, and the
          // peer's kernel answers with RST (the sender's next call meets EPIPE or ECONNRESET).
          const peer = to ? socks.get(to) : undefined;
          if (
            to &&
            peer &&
            s.proto === 'tcp' &&
            closedByProgram(peer) &&
            peer.state !== 'LISTEN' &&
            !s.resetBy
          ) {
            s.resetBy = to;
            kernelArrow(m.seq, m.t, to, s.lane, 'RST (its socket is closed: nobody will read)');
          }
        } else {
          // A stream's read loop took the bytes: show the recv() it made on the socket's lifeline.
          if (m.streamed)
            push(
              {
                seq: m.seq,
                kind: 'result',
                lane: s.lane,
                label: `recv → ${label}`,
                tone: 'ok',
                data: m.data,
              },
              m.t,
            );
          const from = laneAt(m.peer ?? s.remote, s.proto, false, s.local);
          // Bytes from our own sockets and lesson servers were drawn when they were sent.
          if (from && laneIndex.get(from)?.kind === 'external') {
            push(
              { seq: m.seq, kind: 'arrow', lane: from, to: s.lane, label, tone: 'data', data: m.data },
              m.t,
            );
          }
        }
        break;
      }
      case 'server-call': {
        const l = lane(`l:${m.server}`, 'lesson', m.server, m.server, 'lesson server').id;
        const client = laneAt(m.remote, m.syscall === 'recvfrom' || m.syscall === 'sendto' ? 'udp' : 'tcp');
        if ((m.syscall === 'send' || m.syscall === 'sendto') && client) {
          const bytes = m.data ? `${byteCount(m.bytes ?? 0)} ${pyBytesB64(m.data, 20)}` : 'send';
          push(
            {
              seq: m.seq,
              kind: 'arrow',
              lane: l,
              to: client,
              label: bytes,
              tone: 'data',
              ...(m.data ? { data: m.data } : {}),
            },
            m.t,
          );
        } else if (m.syscall === 'close' && client) {
          push({ seq: m.seq, kind: 'call', lane: l, label: 'close()', tone: 'server' }, m.t);
          kernelArrow(m.seq, m.t, l, client, 'FIN');
        } else {
          if (m.syscall === 'accept') {
            const c = handshakeFrom(m.remote);
            if (c) completeHandshake(c, m.seq, m.t);
          }
          const what =
            m.syscall === 'accept'
              ? `accept() → ${addr(m.remote)}`
              : `${m.syscall}() → ${byteCount(m.bytes ?? 0)}`;
          push(
            {
              seq: m.seq,
              kind: 'call',
              lane: l,
              label: what,
              tone: 'server',
              ...(m.data ? { data: m.data } : {}),
            },
            m.t,
          );
        }
        break;
      }
      case 'state-changed': {
        const k = m.kernel;
        const s = socks.get(k.socket);
        if (!s && k.fd === null) {
          // A socket with no fd: TIME_WAIT after close, or a connection waiting in a backlog. One
          // that accept() took is drawn as accept's result, on a lifeline of its own.
          if (k.accepted) break;
          let at = ghostLane.get(k.socket);
          if (!at) {
            for (const o of socks.values()) {
              if (sameAddr(o.local, k.local) && (sameAddr(o.remote, k.remote) || o.state === 'LISTEN'))
                at = o.lane;
            }
            at ??= k.program ? programLane(k.program) : undefined;
            if (at) ghostLane.set(k.socket, at);
          }
          if (!at) break;
          const pair = `${shortAddr(k.local)} ↔ ${shortAddr(k.remote)}`;
          const label = k.gone
            ? `kernel forgot ${pair}`
            : k.state === 'TIME_WAIT'
              ? `TIME_WAIT ${pair} (kernel keeps it ~60 s)`
              : CLOSING_ALONE.has(k.state)
                ? `${k.state} ${pair}: closed, the kernel finishes the goodbye`
                : `in backlog, no fd yet: ${shortAddr(k.remote)} ${k.state}${k.recvQ ? `, ${byteCount(k.recvQ)} waiting` : ''}`;
          push({ seq: m.seq, kind: 'state', lane: at, label, tone: 'state' }, m.t);
          break;
        }
        // close()'s own report comes before its result: the FIN is judged on the state before it.
        if (!s || k.gone) break;
        if (k.state === 'SYN_SENT') {
          sendSyn(k.socket, m.seq, m.t);
          // No answer came (a full backlog drops SYNs): the kernel sends it again, later each time.
          const h = handshakes.get(k.socket);
          const retries = k.synRetries ?? 0;
          if (h?.target && retries > (h.retries ?? 0)) {
            h.retries = retries;
            kernelArrow(m.seq, m.t, s.lane, h.target, `SYN again (no answer: try ${retries + 1})`);
          }
        }
        if (k.state === 'ESTABLISHED') completeHandshake(k.socket, m.seq, m.t);
        // An outside peer's FIN shows only as our state moving on (the FINs of our own sockets and of
        // lesson servers were drawn at their calls).
        if (PEER_FIN_AFTER.get(s.state ?? '')?.has(k.state)) {
          const peer = peerLane(s);
          if (peer && laneIndex.get(peer)?.kind === 'external') kernelArrow(m.seq, m.t, peer, s.lane, 'FIN');
        }
        if (k.local) s.local = k.local;
        if (k.remote) s.remote = k.remote;
        s.state = k.state;
        s.recvQ = k.recvQ;
        const l = laneIndex.get(s.lane);
        if (l && k.local)
          l.subtitle = `${s.proto.toUpperCase()} ${shortAddr(k.local)}${k.remote ? ` ↔ ${shortAddr(k.remote)}` : ''}`;
        const facts: string[] = [k.state];
        if (k.acceptQ !== undefined) facts.push(`accept queue ${k.acceptQ}/${k.backlog}`);
        if (k.recvQ) facts.push(`${byteCount(k.recvQ)} to read`);
        if (k.sendQ) facts.push(`${byteCount(k.sendQ)} unacknowledged`);
        const label = facts.join(' · ');
        if (label === s.shown) break;
        s.shown = label;
        push({ seq: m.seq, kind: 'state', lane: s.lane, label, tone: 'state' }, m.t);
        break;
      }
      case 'stream-ended': {
        const s = sockOf(m.socket);
        if (!s) break;
        const label =
          m.reason === 'eof'
            ? 'recv → 0 bytes: end of stream (the peer sent FIN)'
            : `recv failed: ${m.error?.code ?? 'error'}; the read loop stopped`;
        push(
          { seq: m.seq, kind: 'result', lane: s.lane, label, tone: m.reason === 'eof' ? 'ok' : 'error' },
          m.t,
        );
        break;
      }
      case 'notice':
        push(
          { seq: m.seq, kind: 'note', lane: lanes[0]?.id ?? 'p:server', label: m.message, tone: 'note' },
          m.t,
        );
        break;
      default: {
        const unhandled: never = m;
        throw new Error(`unhandled trace message ${JSON.stringify(unhandled)}`);
      }
    }
  };
  const dropBefore = (seq: number) => {
    let k = 0;
    while (k < rows.length && rows[k]!.seq < seq) k++;
    if (k === 0) return;
    rows = rows.slice(k);
    base += k;
    // Spans that ended before it go too; the waiting ones are found again by their call.
    const kept = spans.filter((sp) => sp.to === null || sp.to >= base);
    spans.length = 0;
    spans.push(...kept);
    openSpans.clear();
    spans.forEach((sp, i) => {
      if (sp.to === null) openSpans.set(sp.callId, i);
    });
  };
  /** A lifeline that ended before the first row kept, with no row since, is not drawn. */
  const shown = (l: Lane) => l.to === null || l.to > base || (lastRow.get(l.id) ?? -1) >= base;
  const fromBase = (n: number) => Math.max(0, n - base);
  // The arrays model() last handed out, handed out again while nothing in them changed: the page's
  // lifeline geometry (and the diagram's width, built on it) is worked out once per change of lanes,
  // not once per event.
  let givenLanes: Lane[] = [];
  let givenSpans: Span[] = [];
  return {
    add,
    dropBefore,
    setPrograms: (now) => {
      for (const p of programs) {
        const id = `p:${p}`;
        const drew = lastRow.has(id) || lanes.some((l) => l.program === p && l.kind === 'socket');
        if (now.includes(p) || drew || !laneIndex.has(id)) continue;
        laneIndex.delete(id);
        lanes.splice(
          lanes.findIndex((l) => l.id === id),
          1,
        );
      }
      programs = now;
      for (const p of now) {
        if (laneIndex.has(`p:${p}`)) continue;
        laneIndex.get(programLane(p))!.from = 0;
      }
    },
    model: () => {
      const laneNow = orderLanes(
        lanes
          .filter(shown)
          .map((l) => ({ ...l, from: fromBase(l.from), to: l.to === null ? null : l.to - base })),
        programs,
      );
      if (!sameItems(laneNow, givenLanes, sameLane)) givenLanes = laneNow;
      const spanNow =
        base === 0
          ? spans.slice()
          : spans.map((sp) => ({ ...sp, from: fromBase(sp.from), to: sp.to === null ? null : sp.to - base }));
      if (!sameItems(spanNow, givenSpans, sameSpan)) givenSpans = spanNow;
      return { lanes: givenLanes, rows: rows.slice(), spans: givenSpans };
    },
  };
}

const sameItems = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean) =>
  a.length === b.length && a.every((x, i) => same(x, b[i]!));
const sameLane = (a: Lane, b: Lane) =>
  a.id === b.id && a.from === b.from && a.to === b.to && a.title === b.title && a.subtitle === b.subtitle;
const sameSpan = (a: Span, b: Span) => a.callId === b.callId && a.from === b.from && a.to === b.to;

/**
 * A failed call's result: the errno name and message. A settimeout() that ran out has no errno (Python
 * waits with poll and gives up itself), nor has a wait cut short by Ctrl-C, so neither is dressed as
 * one, nor as a playground rule (lesson 6 teaches that EGW_ names one).
 */
function errorLabel(error: { code: string; message: string }, onSocket: boolean): string {
  if (error.code === 'EGW_TIMEOUT' && onSocket) return `✗ ${error.message} (settimeout ran out; no errno)`;
  // Ctrl-C: the program stopped waiting; the kernel said nothing.
  if (error.code === 'EGW_CANCELLED') return `✗ ${error.message} (no errno)`;
  return `✗ ${error.code}: ${error.message}`;
}

/**
 * Programs in the page's order, each followed by its sockets, then programs whose terminal was closed
 * (in the order they first appeared); lesson servers, then outsiders.
 */
function orderLanes(lanes: Lane[], programs: readonly string[]): Lane[] {
  const closed = new Map<string, number>();
  for (const l of lanes)
    if (
      (l.kind === 'program' || l.kind === 'socket') &&
      !programs.includes(l.program) &&
      !closed.has(l.program)
    )
      closed.set(l.program, programs.length + closed.size);
  const rank = (l: Lane) => {
    if (l.kind === 'lesson') return 1e6;
    if (l.kind === 'external') return 2e6;
    const p = programs.indexOf(l.program);
    return (p < 0 ? closed.get(l.program)! : p) * 1000;
  };
  return lanes
    .map((l, i) => ({ l, i }))
    .sort(
      (a, b) =>
        rank(a.l) - rank(b.l) ||
        (a.l.kind === 'program' ? -1 : 0) - (b.l.kind === 'program' ? -1 : 0) ||
        a.i - b.i,
    )
    .map((x) => x.l);
}

/** The diagram as lines of text, for screen readers and the text log. */
export function describeRow(row: Row, lanes: ReadonlyMap<string, Lane>): string {
  const name = (id: string | undefined) => {
    const l = id ? lanes.get(id) : undefined;
    return l ? (l.kind === 'socket' ? `${l.program} ${l.title}` : l.title) : '?';
  };
  const when = `${(row.t / 1000).toFixed(3)}s`;
  if (row.kind === 'arrow')
    return `${when} ${name(row.lane)} → ${name(row.to)}: ${row.label}${row.inferred ? ' (inferred from kernel state)' : ''}`;
  return `${when} ${name(row.lane)}: ${row.label}`;
}
