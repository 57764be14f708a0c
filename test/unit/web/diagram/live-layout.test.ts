import { describe, expect, it } from 'vitest';
import { layoutSequence, rowIndex, rowRef } from '../../../../web/src/diagram/layout.js';
import { LiveLayout } from '../../../../web/src/diagram/live-layout.js';
import { Log } from '../../../../web/src/store/log.js';
import type { TraceMessage } from '../../../../web/src/store/state.js';

const PROGRAMS = ['server', 'client'];
const SERVERS = [{ name: 'echo', proto: 'tcp' as const, host: '127.0.0.1', port: 7007, description: 'echo' }];

/** socket() as the trace shows it, at seq and seq + 1: its call and its result. */
function socketMade(
  program: string,
  socket: string,
  fd: number,
  seq: number,
  type: 'SOCK_STREAM' | 'SOCK_DGRAM' = 'SOCK_STREAM',
): TraceMessage[] {
  const call = { op: 'socket', family: 'AF_INET', type } as const;
  const id = `made-${socket}`;
  return [
    { type: 'call-started', id, program, call, seq, t: seq },
    {
      type: 'call-returned',
      id,
      program,
      call,
      result: { op: 'socket', socket, fd, family: 'AF_INET', type },
      seq: seq + 1,
      t: seq + 1,
    },
  ];
}

/** A raw session's stream: its socket, then `n` reads of `text` from an outside peer. */
function stream(n: number, text = 'hello\n'): TraceMessage[] {
  const out = socketMade('raw', 's1', 5, 1);
  for (let i = 0; i < n; i++) {
    const seq = 3 + i;
    out.push({
      type: 'data',
      socket: 's1',
      program: 'raw',
      direction: 'in',
      data: btoa(text),
      bytes: text.length,
      peer: ['127.0.0.1', 50000],
      streamed: true,
      seq,
      t: seq,
    });
  }
  return out;
}

/** A live layout fed a 1,200-event stream one event at a time, by a log that keeps 1,000. */
function streamPastTheCap(programs: readonly string[]): { live: LiveLayout; log: Log<TraceMessage> } {
  const live = new LiveLayout();
  let log = Log.empty<TraceMessage>();
  for (const e of stream(1200)) {
    log = log.push(e, 1000);
    live.update(log, programs, SERVERS);
  }
  expect(log.start).toBeGreaterThan(0);
  return { live, log };
}

const logOf = (events: readonly TraceMessage[], max?: number) =>
  events.reduce((log, e) => log.push(e, max), Log.empty<TraceMessage>());

describe('LiveLayout', () => {
  it('lays out only the events it has not seen as the trace grows', () => {
    const events = stream(3000);
    const live = new LiveLayout();
    const first = live.update(logOf(events.slice(0, 2990)), PROGRAMS, SERVERS);
    expect(live.added).toBe(2990);
    let log = logOf(events.slice(0, 2990));
    // Not the same log object, but the same events: still nothing new to lay out.
    expect(live.update(log, PROGRAMS, SERVERS)).toBe(first);
    for (const e of events.slice(2990)) {
      log = log.push(e);
      live.update(log, PROGRAMS, SERVERS);
    }
    // Twelve more events cost twelve, not the 2990 before them again.
    expect(events).toHaveLength(3002);
    expect(live.added).toBe(3002);
    expect(live.rebuilds).toBe(1);
    expect(live.update(log, PROGRAMS, SERVERS)).toEqual(layoutSequence(events, PROGRAMS, SERVERS));
  });

  it("starts over for a new session's trace, even one as long as the last", () => {
    const live = new LiveLayout();
    live.update(logOf(stream(5, 'old\n')), PROGRAMS, SERVERS);
    const fresh = stream(9, 'new\n');
    const model = live.update(logOf(fresh), PROGRAMS, SERVERS);
    expect(live.rebuilds).toBe(2);
    expect(model).toEqual(layoutSequence(fresh, PROGRAMS, SERVERS));
    expect(model.rows.some((r) => r.label.includes('old'))).toBe(false);
  });

  it('keeps drawing a stream whose socket() the trace has dropped, and only the rows it still holds', () => {
    const live = new LiveLayout();
    const events = stream(1200);
    let log = Log.empty<TraceMessage>();
    for (const e of events) {
      log = log.push(e, 1000);
      live.update(log, PROGRAMS, SERVERS);
    }
    const first = log.at(0)!.seq;
    expect(first).toBeGreaterThan(2);
    const model = live.update(log, PROGRAMS, SERVERS);
    const history = layoutSequence(events, PROGRAMS, SERVERS);
    // Exactly the rows of the events still kept, as laid out with the whole history.
    expect(model.rows).toEqual(history.rows.filter((r) => r.seq >= first));
    expect(model.rows.filter((r) => r.lane === 's1').at(-1)).toMatchObject({
      seq: events.at(-1)!.seq,
      label: "recv → 6 bytes b'hello\\n'",
    });
    expect(model.lanes.find((l) => l.id === 's1')).toMatchObject({ title: 'fd 5', from: 0, to: null });
    expect(live.rebuilds).toBe(1);
    // Laid out again from what is left, the stream's socket is unknown and none of its reads is drawn.
    expect(layoutSequence(log.toArray(), PROGRAMS, SERVERS).rows).toHaveLength(0);
  });

  it('finds a selected row again after the rows before it were dropped, and none once it was', () => {
    const live = new LiveLayout();
    const events = stream(1200);
    let log = logOf(events.slice(0, 900), 1000);
    let model = live.update(log, PROGRAMS, SERVERS);
    // A stream's read draws two rows: its recv on the socket, and the peer's arrow. Take the second.
    const i = model.rows.findIndex((r) => r.seq === 700 && r.kind === 'arrow');
    const picked = model.rows[i]!;
    const ref = rowRef(model.rows, i);
    expect(ref).toEqual({ seq: 700, nth: 1 });
    for (const e of events.slice(900)) log = log.push(e, 1000);
    model = live.update(log, PROGRAMS, SERVERS);
    expect(log.start).toBeGreaterThan(0);
    const now = rowIndex(model.rows, ref);
    expect(now).not.toBe(i);
    expect(model.rows[now!]).toBe(picked);
    // A row of an event the trace let go is not found.
    expect(rowIndex(model.rows, { seq: 3, nth: 0 })).toBeNull();
    expect(rowIndex(model.rows, { seq: 700, nth: 2 })).toBeNull();
  });

  it('drops lifelines that ended before the rows it keeps, and the waits that ended there', () => {
    const recv = { op: 'recv', socket: 'old', bufsize: 10 } as const;
    const close = { op: 'close', socket: 'old' } as const;
    const early: TraceMessage[] = [
      ...socketMade('client', 'old', 4, 1),
      { type: 'call-started', id: 'o2', program: 'client', call: recv, seq: 3, t: 3 },
      { type: 'call-blocked', id: 'o2', program: 'client', waitingFor: 'readable', seq: 4, t: 4 },
      {
        type: 'call-failed',
        id: 'o2',
        program: 'client',
        call: recv,
        error: { code: 'EGW_CANCELLED', errno: null, syscall: 'recv', message: 'stopped', explain: '' },
        seq: 5,
        t: 5,
      },
      { type: 'call-started', id: 'o3', program: 'client', call: close, seq: 6, t: 6 },
      {
        type: 'call-returned',
        id: 'o3',
        program: 'client',
        call: close,
        result: { op: 'close' },
        seq: 7,
        t: 7,
      },
    ];
    const later = stream(1100).map((m) => ({ ...m, seq: m.seq + 7, t: m.t + 7 }));
    const live = new LiveLayout();
    // Before the drop, the closed socket and its wait are drawn.
    let model = live.update(logOf([...early, ...later].slice(0, 500)), PROGRAMS, SERVERS);
    expect(model.lanes.map((l) => l.id)).toContain('old');
    expect(model.spans).toHaveLength(1);
    // Fed the rest as the page would be, a chunk at a time.
    const all = [...early, ...later];
    let grown = logOf(all.slice(0, 500), 1000);
    for (const e of all.slice(500)) {
      grown = grown.push(e, 1000);
      model = live.update(grown, PROGRAMS, SERVERS);
    }
    expect(grown.start).toBeGreaterThan(0);
    expect(model.lanes.map((l) => l.id)).not.toContain('old');
    expect(model.lanes.map((l) => l.id)).toContain('s1');
    expect(model.spans).toEqual([]);
    expect(live.rebuilds).toBe(1);
  });

  it('hands out the same lifelines while none changed, so the page need not place them again', () => {
    const events = stream(10);
    const live = new LiveLayout();
    const a = live.update(logOf(events.slice(0, 5)), PROGRAMS, SERVERS);
    const b = live.update(logOf(events), PROGRAMS, SERVERS);
    expect(b.rows).not.toBe(a.rows);
    expect(b.lanes).toBe(a.lanes);
    expect(b.spans).toBe(a.spans);
    // A socket made since: new lifelines.
    const c = live.update(
      logOf([...events, ...socketMade('client', 'u', 6, 100, 'SOCK_DGRAM')]),
      PROGRAMS,
      SERVERS,
    );
    expect(c.lanes).not.toBe(b.lanes);
    expect(c.lanes.map((l) => l.id)).toContain('u');
  });

  it('gives a terminal opened later its lifeline without starting over, as if it had been there', () => {
    const live = new LiveLayout();
    const log = logOf(stream(4));
    live.update(log, PROGRAMS, SERVERS);
    const more = [...PROGRAMS, 'client2'];
    const model = live.update(log, more, SERVERS);
    expect(model.lanes.map((l) => l.id)).toContain('p:client2');
    expect(model).toEqual(layoutSequence(log.toArray(), more, SERVERS));
    expect(live.rebuilds).toBe(1);
  });

  it('keeps drawing a stream whose socket() was dropped when a terminal is opened', () => {
    const { live, log } = streamPastTheCap(PROGRAMS);
    const model = live.update(log, [...PROGRAMS, 'client2'], SERVERS);
    expect(model.lanes.map((l) => l.id)).toEqual(expect.arrayContaining(['s1', 'p:client2']));
    expect(model.rows.at(-2)).toMatchObject({ lane: 's1', seq: 1202 });
    expect(live.rebuilds).toBe(1);
  });

  it('forgets a closed terminal that drew nothing, without starting over', () => {
    const live = new LiveLayout();
    const log = logOf(stream(4));
    live.update(log, [...PROGRAMS, 'client2'], SERVERS);
    const model = live.update(log, PROGRAMS, SERVERS);
    expect(model.lanes.map((l) => l.id)).not.toContain('p:client2');
    expect(model).toEqual(layoutSequence(log.toArray(), PROGRAMS, SERVERS));
    expect(live.rebuilds).toBe(1);
  });

  it('keeps the lifelines of a closed terminal that made a socket, after the open ones', () => {
    const live = new LiveLayout();
    const more = [...PROGRAMS, 'client2'];
    const log = logOf([
      ...stream(2),
      ...socketMade('client2', 'c2', 7, 10),
      ...socketMade('client', 'c1', 8, 12),
    ]);
    live.update(log, more, SERVERS);
    const model = live.update(log, PROGRAMS, SERVERS);
    // After the open terminals' lifelines, before lesson servers and outside peers.
    const order = ['p:server', 'p:client', 'c1', 'p:client2', 'c2', 'p:raw', 's1', 'x:127.0.0.1:50000'];
    expect(model.lanes.map((l) => l.id)).toEqual(order);
    // Opened again under the same name: the same lifeline, where the page's order puts it.
    expect(live.update(log, more, SERVERS).lanes.map((l) => l.id)).toEqual(order);
    expect(live.rebuilds).toBe(1);
  });

  it('keeps drawing a stream whose socket() was dropped when a terminal is closed', () => {
    const { live, log } = streamPastTheCap([...PROGRAMS, 'client2']);
    const model = live.update(log, PROGRAMS, SERVERS);
    expect(model.lanes.map((l) => l.id)).toEqual([
      'p:server',
      'p:client',
      'p:raw',
      's1',
      'x:127.0.0.1:50000',
    ]);
    expect(model.rows.at(-2)).toMatchObject({ lane: 's1', seq: 1202 });
    expect(live.rebuilds).toBe(1);
  });
});
