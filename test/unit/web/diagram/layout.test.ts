import { describe, expect, it } from 'vitest';
import type {
  Call,
  CallResult,
  KernelSocket,
  LessonServerInfo,
  ServerMessage,
} from '../../../../gateway/protocol/messages.js';
import { type DiagramModel, describeRow, layoutSequence } from '../../../../web/src/diagram/layout.js';
import { LiveLayout } from '../../../../web/src/diagram/live-layout.js';
import { Log } from '../../../../web/src/store/log.js';
import type { TraceMessage } from '../../../../web/src/store/state.js';

/**
 * The whole trace laid out at once, and checked against the page's way of drawing it: fed one event
 * at a time as the trace grows. Every scenario below holds both to the same diagram.
 */
function laidOut(
  events: readonly TraceMessage[],
  programs: readonly string[],
  servers: readonly LessonServerInfo[] = [],
) {
  const whole = layoutSequence(events, programs, servers);
  const live = new LiveLayout();
  let log = Log.empty<TraceMessage>();
  let model = live.update(log, programs, servers);
  // React draws a model it was handed and trusts it not to change under it: later events must not.
  const handedOut: [DiagramModel, DiagramModel][] = [];
  for (const e of events) {
    log = log.push(e);
    model = live.update(log, programs, servers);
    if (events.length <= 500) handedOut.push([model, structuredClone(model)]);
  }
  expect(model).toEqual(whole);
  for (const [given, asGiven] of handedOut) expect(given).toEqual(asGiven);
  expect(live.rebuilds).toBe(1);
  expect(live.added).toBe(events.length);
  return whole;
}

/** Builds a trace the way the gateway streams it: seq and t rise together. */
class Trace {
  readonly events: TraceMessage[] = [];
  private n = 0;
  private add(m: Record<string, unknown>) {
    this.n++;
    this.events.push({ ...m, seq: this.n, t: this.n } as unknown as TraceMessage);
  }
  call(program: string, id: string, call: Call, result: CallResult | { error: string }) {
    this.add({ type: 'call-started', id, program, call });
    if ('error' in result) {
      this.add({
        type: 'call-failed',
        id,
        program,
        call,
        error: {
          code: result.error,
          errno: 111,
          syscall: call.op,
          message: `[Errno 111] ${result.error}`,
          explain: '',
        },
      });
    } else this.add({ type: 'call-returned', id, program, call, result });
  }
  /** close() as the gateway reports it: the socket's last view, gone, comes before the call returns. */
  close(program: string, id: string, k: Partial<KernelSocket> & { socket: string }) {
    const call: Call = { op: 'close', socket: k.socket };
    this.add({ type: 'call-started', id, program, call });
    this.state({ program, ...k, fd: null, state: 'CLOSED', recvQ: 0, sendQ: 0, gone: true });
    this.add({ type: 'call-returned', id, program, call, result: { op: 'close' } });
  }
  blocked(id: string, program: string) {
    this.add({ type: 'call-blocked', id, program, waitingFor: 'readable' });
  }
  state(k: Partial<KernelSocket> & { socket: string }) {
    this.add({
      type: 'state-changed',
      kernel: {
        fd: 3,
        program: 'server',
        proto: 'tcp',
        state: 'CLOSED',
        local: null,
        remote: null,
        recvQ: 0,
        sendQ: 0,
        ...k,
      },
    });
  }
  data(socket: string, program: string, direction: 'in' | 'out', text: string, peer: [string, number]) {
    this.add({ type: 'data', socket, program, direction, data: btoa(text), bytes: text.length, peer });
  }
  raw(m: Partial<ServerMessage>) {
    this.add(m as Record<string, unknown>);
  }
}

const S = (socket: string, fd: number): CallResult => ({
  op: 'socket',
  socket,
  fd,
  family: 'AF_INET',
  type: 'SOCK_STREAM',
});

function serverAndClient() {
  const t = new Trace();
  t.call('server', 'c1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('L', 3));
  t.call('server', 'c2', { op: 'bind', socket: 'L', address: ['127.0.0.1', 40001] }, { op: 'bind' });
  t.call('server', 'c3', { op: 'listen', socket: 'L', backlog: 5 }, { op: 'listen' });
  t.state({ socket: 'L', state: 'LISTEN', local: ['127.0.0.1', 40001], acceptQ: 0, backlog: 5 });
  t.call('client', 'c4', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('C', 4));
  t.call(
    'client',
    'c5',
    { op: 'connect', socket: 'C', address: ['127.0.0.1', 40001] },
    {
      op: 'connect',
      local: ['127.0.0.1', 53000],
      remote: ['127.0.0.1', 40001],
    },
  );
  t.state({
    socket: 'C',
    fd: 4,
    program: 'client',
    state: 'ESTABLISHED',
    local: ['127.0.0.1', 53000],
    remote: ['127.0.0.1', 40001],
  });
  return t;
}

/** serverAndClient, and the server's accept(): connection A (fd 5) on L's port, with C as peer. */
function serverAccepted(): Trace {
  const t = serverAndClient();
  t.call(
    'server',
    'a',
    { op: 'accept', socket: 'L' },
    { op: 'accept', socket: 'A', fd: 5, address: ['127.0.0.1', 53000], local: ['127.0.0.1', 40001] },
  );
  return t;
}

/** The client closes its connection; the kernel then reports its socket, fd-less, in `state`. */
function clientClosedThen(state: KernelSocket['state']): Trace {
  const t = serverAndClient();
  t.close('client', 'x', { socket: 'C', local: ['127.0.0.1', 53000], remote: ['127.0.0.1', 40001] });
  t.state({
    socket: 'k:tcp:127.0.0.1:53000>127.0.0.1:40001',
    fd: null,
    program: 'client',
    state,
    local: ['127.0.0.1', 53000],
    remote: ['127.0.0.1', 40001],
  });
  return t;
}

describe('layoutSequence', () => {
  it('gives each program a lifeline and each socket its own, labelled with its fd', () => {
    const m = laidOut(serverAndClient().events, ['server', 'client']);
    expect(m.lanes.map((l) => `${l.kind}:${l.program}:${l.title}`)).toEqual([
      'program:server:server',
      'socket:server:fd 3',
      'program:client:client',
      'socket:client:fd 4',
    ]);
  });

  it('draws the handshake the kernel did for connect, marked as inferred, before connect returns', () => {
    const m = laidOut(serverAndClient().events, ['server', 'client']);
    const arrows = m.rows.filter((r) => r.kind === 'arrow');
    expect(arrows.map((a) => [a.label, a.lane, a.to, a.inferred])).toEqual([
      ['SYN', 'C', 'L', true],
      ['SYN-ACK', 'L', 'C', true],
      ['ACK', 'C', 'L', true],
    ]);
    const connectResult = m.rows.findIndex((r) => r.kind === 'result' && r.callId === 'c5');
    expect(m.rows.findIndex((r) => r.label === 'ACK')).toBeLessThan(connectResult);
  });

  it('shows calls in order with their results, and failures as errors with the errno name', () => {
    const t = new Trace();
    t.call('client', 'c1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('C', 5));
    t.call(
      'client',
      'c2',
      { op: 'connect', socket: 'C', address: ['127.0.0.1', 40002] },
      { error: 'ECONNREFUSED' },
    );
    const m = laidOut(t.events, ['client']);
    expect(m.rows.filter((r) => r.kind !== 'arrow').map((r) => r.label)).toEqual([
      'socket(AF_INET, SOCK_STREAM)',
      '→ fd 5',
      "connect(('127.0.0.1', 40002))",
      '✗ ECONNREFUSED: [Errno 111] ECONNREFUSED',
    ]);
    expect(m.rows.at(-1)?.tone).toBe('error');
    // Nothing listens there: the SYN goes to an outside peer and comes back as RST.
    expect(m.rows.filter((r) => r.kind === 'arrow').map((r) => r.label)).toEqual([
      'SYN',
      'RST (nothing listening)',
    ]);
  });

  it('names the lifeline of a refused connect for what it is: nobody, until somebody listens there', () => {
    const t = new Trace();
    t.call('client', 'c1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('C', 5));
    const to = ['127.0.0.1', 40002] as const;
    t.call('client', 'c2', { op: 'connect', socket: 'C', address: [...to] }, { error: 'ECONNREFUSED' });
    const nobody = laidOut(t.events, ['client']).lanes.find((l) => l.kind === 'external');
    expect(nobody).toMatchObject({ title: 'nobody listening', subtitle: '127.0.0.1:40002' });
    // nc -l started there since: the same lifeline is a peer now.
    t.call('client', 'c3', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('D', 6));
    t.call(
      'client',
      'c4',
      { op: 'connect', socket: 'D', address: [...to] },
      { op: 'connect', local: ['127.0.0.1', 53001], remote: [...to] },
    );
    const m = laidOut(t.events, ['client']);
    expect(m.lanes.filter((l) => l.kind === 'external')).toMatchObject([
      { title: 'outside peer', subtitle: '127.0.0.1:40002' },
    ]);
    expect(m.rows.filter((r) => r.kind === 'arrow').map((r) => r.label)).toEqual([
      'SYN',
      'RST (nothing listening)',
      'SYN',
      'SYN-ACK',
      'ACK',
    ]);
  });

  it('keeps calling a peer that answered before a peer when a later connect to it is refused', () => {
    const t = new Trace();
    const to = ['127.0.0.1', 40002] as const;
    t.call('client', 'c1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('C', 5));
    t.call(
      'client',
      'c2',
      { op: 'connect', socket: 'C', address: [...to] },
      { op: 'connect', local: ['127.0.0.1', 53001], remote: [...to] },
    );
    t.call('client', 'c3', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('D', 6));
    t.call('client', 'c4', { op: 'connect', socket: 'D', address: [...to] }, { error: 'ECONNREFUSED' });
    expect(laidOut(t.events, ['client']).lanes.find((l) => l.kind === 'external')?.title).toBe(
      'outside peer',
    );
  });

  it('draws no SYN for a connect the gateway refused: no packet left', () => {
    const t = new Trace();
    t.call('client', 'c1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('C', 5));
    t.call(
      'client',
      'c2',
      { op: 'connect', socket: 'C', address: ['10.0.0.1', 22] },
      { error: 'EGW_DENIED' },
    );
    const m = laidOut(t.events, ['client']);
    expect(m.rows.filter((r) => r.kind === 'arrow')).toEqual([]);
    // Nobody was met, so nobody gets a lifeline; a refused connect's RST came from somewhere.
    expect(m.lanes.map((l) => l.kind)).toEqual(['program', 'socket']);
    t.call(
      'client',
      'c3',
      { op: 'connect', socket: 'C', address: ['127.0.0.1', 40002] },
      { error: 'ECONNREFUSED' },
    );
    expect(laidOut(t.events, ['client']).lanes.map((l) => l.subtitle)).toEqual([
      'program',
      'TCP socket',
      '127.0.0.1:40002',
    ]);
  });

  it('draws the SYN as soon as the kernel reports SYN_SENT', () => {
    const t = serverAndClient();
    t.call('client', 'k1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('D', 7));
    t.raw({
      type: 'call-started',
      id: 'k2',
      program: 'client',
      call: { op: 'connect', socket: 'D', address: ['127.0.0.1', 40001] },
    });
    t.state({
      socket: 'D',
      fd: 7,
      program: 'client',
      state: 'SYN_SENT',
      local: ['127.0.0.1', 53001],
      remote: ['127.0.0.1', 40001],
    });
    const m = laidOut(t.events, ['server', 'client']);
    expect(m.rows.at(-2)).toMatchObject({ kind: 'arrow', label: 'SYN', lane: 'D', to: 'L' });
  });

  it('draws each SYN the kernel sends again while no answer comes (a full backlog drops them)', () => {
    const t = serverAndClient();
    t.call('client', 'k1', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('D', 7));
    const call: Call = { op: 'connect', socket: 'D', address: ['127.0.0.1', 40001] };
    t.raw({ type: 'call-started', id: 'k2', program: 'client', call });
    const sent = { socket: 'D', fd: 7, program: 'client', state: 'SYN_SENT' } as const;
    for (const synRetries of [0, 1, 1, 2]) t.state({ ...sent, synRetries });
    const syns = laidOut(t.events, ['server', 'client'])
      .rows.filter((r) => r.kind === 'arrow' && r.lane === 'D')
      .map((r) => `${r.label} > ${r.to}`);
    expect(syns).toEqual(['SYN > L', 'SYN again (no answer: try 2) > L', 'SYN again (no answer: try 3) > L']);
  });

  it('gives a peer from outside (nc, a script) its own lifeline as soon as it is accepted', () => {
    const t = serverAndClient();
    t.call(
      'server',
      'a9',
      { op: 'accept', socket: 'L' },
      { op: 'accept', socket: 'B', fd: 9, address: ['127.0.0.1', 61000], local: ['127.0.0.1', 40001] },
    );
    const m = laidOut(t.events, ['server', 'client']);
    expect(m.lanes.find((l) => l.kind === 'external')).toMatchObject({
      title: 'outside peer',
      subtitle: '127.0.0.1:61000',
    });
  });

  it("draws an outside peer's handshake with the listener and its FIN, which no call of ours made", () => {
    const t = serverAndClient();
    t.call(
      'server',
      'a9',
      { op: 'accept', socket: 'L' },
      { op: 'accept', socket: 'B', fd: 9, address: ['127.0.0.1', 61000], local: ['127.0.0.1', 40001] },
    );
    const peer = { socket: 'B', fd: 9, local: ['127.0.0.1', 40001], remote: ['127.0.0.1', 61000] } as const;
    t.state({ ...peer, state: 'ESTABLISHED' });
    t.state({ ...peer, state: 'CLOSE_WAIT' });
    const arrows = laidOut(t.events, ['server', 'client'])
      .rows.filter((r) => r.kind === 'arrow')
      .map((r) => `${r.lane}>${r.to} ${r.label}`);
    const outside = 'x:127.0.0.1:61000';
    expect(arrows.slice(-4)).toEqual([
      `${outside}>L SYN`,
      `L>${outside} SYN-ACK`,
      `${outside}>L ACK`,
      `${outside}>B FIN`,
    ]);
  });

  it('draws a blocked call as a waiting span that ends at its result', () => {
    const t = serverAndClient();
    t.raw({ type: 'call-started', id: 'a1', program: 'server', call: { op: 'accept', socket: 'L' } });
    t.blocked('a1', 'server');
    let m = laidOut(t.events, ['server', 'client']);
    expect(m.spans).toEqual([{ lane: 'L', from: m.rows.length - 1, to: null, callId: 'a1' }]);
    t.raw({
      type: 'call-returned',
      id: 'a1',
      program: 'server',
      call: { op: 'accept', socket: 'L' },
      result: {
        op: 'accept',
        socket: 'A',
        fd: 6,
        address: ['127.0.0.1', 53000],
        local: ['127.0.0.1', 40001],
      },
    });
    m = laidOut(t.events, ['server', 'client']);
    expect(m.spans[0]!.to).toBe(m.rows.length - 1);
    expect(m.lanes.find((l) => l.id === 'A')?.subtitle).toBe('127.0.0.1:40001 ↔ 127.0.0.1:53000');
  });

  it('shows a settimeout that ran out as a timeout, not as an errno or a playground rule', () => {
    const t = serverAndClient();
    const call: Call = { op: 'accept', socket: 'L' };
    t.raw({ type: 'call-started', id: 'a1', program: 'server', call });
    const error = { code: 'EGW_TIMEOUT', errno: null, syscall: 'accept', message: 'timed out', explain: '' };
    t.raw({ type: 'call-failed', id: 'a1', program: 'server', call, error });
    expect(laidOut(t.events, ['server']).rows.at(-1)?.label).toBe(
      '✗ timed out (settimeout ran out; no errno)',
    );
  });

  it('draws bytes sent as an arrow to the socket of the same connection, not the listener', () => {
    const t = serverAccepted();
    t.data('C', 'client', 'out', 'hello', ['127.0.0.1', 40001]);
    t.data('A', 'server', 'in', 'hello', ['127.0.0.1', 53000]);
    const m = laidOut(t.events, ['server', 'client']);
    const data = m.rows.filter((r) => r.tone === 'data');
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ lane: 'C', to: 'A', label: "5 bytes b'hello'" });
  });

  it('shows kernel states once per change, with the accept queue', () => {
    const t = serverAndClient();
    t.state({ socket: 'L', state: 'LISTEN', local: ['127.0.0.1', 40001], acceptQ: 1, backlog: 5 });
    t.state({ socket: 'L', state: 'LISTEN', local: ['127.0.0.1', 40001], acceptQ: 1, backlog: 5 });
    const m = laidOut(t.events, ['server', 'client']);
    const states = m.rows.filter((r) => r.kind === 'state' && r.lane === 'L').map((r) => r.label);
    expect(states).toEqual(['LISTEN · accept queue 0/5', 'LISTEN · accept queue 1/5']);
  });

  it('puts TIME_WAIT left after close on the lifeline of the socket it came from', () => {
    const t = clientClosedThen('TIME_WAIT');
    const m = laidOut(t.events, ['server', 'client']);
    const tw = m.rows.at(-1)!;
    expect(tw.lane).toBe('C');
    expect(tw.label).toContain('TIME_WAIT');
    expect(m.rows.some((r) => r.label === 'FIN' && r.lane === 'C' && r.to === 'L')).toBe(true);
  });

  it('draws one FIN for a half-close and the close after it, and none for a never-connected socket', () => {
    const t = serverAndClient();
    const at = { local: ['127.0.0.1', 53000] as const, remote: ['127.0.0.1', 40001] as const };
    t.call('client', 'w', { op: 'shutdown', socket: 'C', how: 'SHUT_WR' }, { op: 'shutdown' });
    t.state({
      socket: 'C',
      fd: 4,
      program: 'client',
      state: 'FIN_WAIT2',
      local: [...at.local],
      remote: [...at.remote],
    });
    t.close('client', 'x', { socket: 'C', local: [...at.local], remote: [...at.remote] });
    t.call('client', 'n', { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' }, S('N', 5));
    t.close('client', 'y', { socket: 'N' });
    const m = laidOut(t.events, ['server', 'client']);
    const fins = m.rows.filter((r) => r.label === 'FIN');
    expect(fins.map((r) => [r.lane, r.to, r.seq])).toEqual([
      ['C', 'L', t.events.find((e) => 'id' in e && e.id === 'w' && e.type === 'call-returned')!.seq],
    ]);
  });

  it('draws RST, not FIN, for a close with SO_LINGER (on, 0) or with bytes left unread, as Linux sends', () => {
    const at = { local: ['127.0.0.1', 53000] as const, remote: ['127.0.0.1', 40001] as const };
    const where = {
      socket: 'C',
      local: [...at.local] as [string, number],
      remote: [...at.remote] as [string, number],
    };
    const linger = serverAndClient();
    linger.call(
      'client',
      'o',
      { op: 'setsockopt', socket: 'C', option: 'SO_LINGER', value: { onoff: 1, linger: 0 } },
      { op: 'setsockopt' },
    );
    linger.close('client', 'x', where);
    const unread = serverAndClient();
    unread.state({ ...where, fd: 4, program: 'client', state: 'ESTABLISHED', recvQ: 5 });
    unread.close('client', 'x', where);
    const read = serverAndClient();
    read.state({ ...where, fd: 4, program: 'client', state: 'ESTABLISHED', recvQ: 5 });
    read.state({ ...where, fd: 4, program: 'client', state: 'ESTABLISHED', recvQ: 0 });
    read.close('client', 'x', where);
    const closing = (t: Trace) =>
      laidOut(t.events, ['server', 'client'])
        .rows.filter((r) => r.kind === 'arrow' && r.seq === t.events.at(-1)!.seq)
        .map((r) => r.label);
    expect(closing(linger)).toEqual(['RST (SO_LINGER 0: abortive close)']);
    expect(closing(unread)).toEqual(['RST (5 bytes left unread)']);
    expect(closing(read)).toEqual(['FIN']);
  });

  it('answers bytes sent to a connection its program closed with one RST from that side', () => {
    const t = serverAccepted();
    t.data('C', 'client', 'out', 'early', ['127.0.0.1', 40001]);
    t.close('server', 'x', { socket: 'A', local: ['127.0.0.1', 40001], remote: ['127.0.0.1', 53000] });
    t.data('C', 'client', 'out', 'hello?', ['127.0.0.1', 40001]);
    t.data('C', 'client', 'out', 'again', ['127.0.0.1', 40001]);
    const rows = laidOut(t.events, ['server', 'client']).rows;
    const resets = rows.filter((r) => r.label.startsWith('RST'));
    expect(resets.map((r) => [r.lane, r.to, r.label])).toEqual([
      ['A', 'C', 'RST (its socket is closed: nobody will read)'],
    ]);
    // Drawn with the bytes that caused it, after the server's FIN.
    expect(rows.indexOf(resets[0]!)).toBeGreaterThan(rows.findIndex((r) => r.label === 'FIN'));
  });

  it("sends a client's FIN to the connection the server accepted, not to its listener", () => {
    const t = serverAccepted();
    t.close('client', 'x', { socket: 'C', local: ['127.0.0.1', 53000], remote: ['127.0.0.1', 40001] });
    const fin = laidOut(t.events, ['server', 'client']).rows.find((r) => r.label === 'FIN');
    expect([fin?.lane, fin?.to]).toEqual(['C', 'A']);
  });

  it('calls a closed socket finishing its FINs what it is, not a connection in a backlog', () => {
    const t = clientClosedThen('FIN_WAIT2');
    const row = laidOut(t.events, ['server', 'client']).rows.at(-1)!;
    expect(row.lane).toBe('C');
    expect(row.label).toBe(
      'FIN_WAIT2 127.0.0.1:53000 ↔ 127.0.0.1:40001: closed, the kernel finishes the goodbye',
    );
  });

  it('shows a connection waiting in a backlog on its listener, and counts one byte as one byte', () => {
    const t = serverAndClient();
    t.state({
      socket: 'k:tcp:127.0.0.1:40001>127.0.0.1:53001',
      fd: null,
      program: 'server',
      state: 'CLOSE_WAIT',
      local: ['127.0.0.1', 40001],
      remote: ['127.0.0.1', 53001],
      recvQ: 1,
    });
    const row = laidOut(t.events, ['server', 'client']).rows.at(-1)!;
    expect(row.lane).toBe('L');
    expect(row.label).toBe('in backlog, no fd yet: 127.0.0.1:53001 CLOSE_WAIT, 1 byte waiting');
  });

  it('draws no "kernel forgot" for a connection that left the backlog because accept() took it', () => {
    const t = serverAndClient();
    const queued = {
      socket: 'k:tcp:127.0.0.1:40001>127.0.0.1:53001',
      fd: null,
      program: 'server',
      state: 'ESTABLISHED',
      local: ['127.0.0.1', 40001],
      remote: ['127.0.0.1', 53001],
    } as const;
    t.state(queued);
    const before = laidOut(t.events, ['server', 'client']).rows.length;
    t.state({ ...queued, state: 'CLOSED', gone: true, accepted: 'A' });
    const rows = laidOut(t.events, ['server', 'client']).rows;
    expect(rows).toHaveLength(before);
    t.state({ ...queued, socket: 'k:tcp:other', state: 'CLOSED', gone: true });
    expect(laidOut(t.events, ['server', 'client']).rows.at(-1)?.label).toMatch(/^kernel forgot/);
  });

  it('sends a datagram to the UDP lesson server, not the TCP one on the same port number', () => {
    const t = new Trace();
    t.call(
      'client',
      'u1',
      { op: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM' },
      { op: 'socket', socket: 'U', fd: 6, family: 'AF_INET', type: 'SOCK_DGRAM' },
    );
    t.data('U', 'client', 'out', 'hello world', ['127.0.0.1', 7007]);
    const servers = [
      { name: 'echo', proto: 'tcp' as const, host: '127.0.0.1', port: 7007, description: '' },
      { name: 'udp-echo', proto: 'udp' as const, host: '127.0.0.1', port: 7007, description: '' },
    ];
    const m = laidOut(t.events, ['client'], servers);
    const sent = m.rows.find((r) => r.kind === 'arrow' && r.tone === 'data');
    expect(sent?.to).toBe('l:udp-echo');
    expect(m.lanes.map((l) => l.title)).not.toContain('echo');
  });

  it("draws select() on its program's lifeline, naming the sockets by their fds, and its wait as a span", () => {
    const t = serverAccepted();
    t.raw({
      type: 'call-started',
      id: 'sel',
      program: 'server',
      call: { op: 'select', read: ['L', 'A'], write: [], except: [], timeout: null },
    });
    t.blocked('sel', 'server');
    t.data('A', 'server', 'in', 'hi', ['127.0.0.1', 53000]);
    t.raw({
      type: 'call-returned',
      id: 'sel',
      program: 'server',
      call: { op: 'select', read: ['L', 'A'], write: [], except: [], timeout: null },
      result: { op: 'select', read: ['A'], write: [], except: [] },
    });
    t.call(
      'server',
      'again',
      { op: 'select', read: ['L'], write: ['A'], except: ['A'], timeout: 0.5 },
      {
        op: 'select',
        read: [],
        write: [],
        except: [],
      },
    );
    const m = laidOut(t.events, ['server', 'client']);
    const mine = m.rows.filter((r) => r.callId === 'sel' || r.callId === 'again');
    expect(mine.map((r) => [r.lane, r.label])).toEqual([
      ['p:server', 'select([fd 3, fd 5], [], [])'],
      ['p:server', '→ ([fd 5], [], [])'],
      ['p:server', 'select([fd 3], [fd 5], [fd 5], 0.5)'],
      ['p:server', '→ ([], [], []): nothing ready in time'],
    ]);
    const span = m.spans.find((s) => s.callId === 'sel');
    expect(span?.lane).toBe('p:server');
    expect(span?.to).toBe(m.rows.findIndex((r) => r.callId === 'sel' && r.kind === 'result'));
  });

  it('describes each row as a line of text for screen readers', () => {
    const m = laidOut(serverAndClient().events, ['server', 'client']);
    const lanes = new Map(m.lanes.map((l) => [l.id, l]));
    // Nothing reported SYN_SENT before connect() returned at t = 11 ms: the handshake is drawn there.
    expect(m.rows.map((r) => describeRow(r, lanes))).toContain(
      '0.011s client fd 4 → server fd 3: SYN (inferred from kernel state)',
    );
  });

  it('lays out ten thousand events', () => {
    const t = serverAndClient();
    for (let i = 0; i < 5000; i++) t.data('C', 'client', 'out', 'x', ['127.0.0.1', 40001]);
    const m = laidOut(t.events, ['server', 'client']);
    expect(m.rows.length).toBeGreaterThan(5000);
  });
});
