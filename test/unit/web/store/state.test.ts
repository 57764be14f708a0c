import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../../gateway/protocol/messages.js';
import { Log } from '../../../../web/src/store/log.js';
import { initialState, reducer } from '../../../../web/src/store/state.js';

const stateChanged = (seq: number, socket: string, extra: object = {}): ServerMessage => ({
  type: 'state-changed',
  seq,
  t: seq,
  kernel: {
    socket,
    fd: 3,
    program: 'server',
    proto: 'tcp',
    state: 'LISTEN',
    local: ['127.0.0.1', 40001],
    remote: null,
    recvQ: 0,
    sendQ: 0,
    ...extra,
  },
});

describe('reducer', () => {
  it('keeps the latest kernel state of each socket and drops sockets that are gone', () => {
    let s = reducer(initialState, { type: 'server', msg: stateChanged(1, 'a') });
    s = reducer(s, { type: 'server', msg: stateChanged(2, 'a', { acceptQ: 1, backlog: 5 }) });
    expect(s.sockets.a?.acceptQ).toBe(1);
    s = reducer(s, { type: 'server', msg: stateChanged(3, 'a', { gone: true }) });
    expect(s.sockets.a).toBeUndefined();
    expect(s.trace.length).toBe(3);
  });

  it('forgets the old trace when a reconnect finds the session gone', () => {
    let s = reducer(initialState, { type: 'server', msg: stateChanged(1, 'a') });
    const welcome = { type: 'welcome', session: 'x' } as never;
    s = reducer(s, { type: 'welcome', welcome, lost: false });
    expect(s.trace.length).toBe(1);
    s = reducer(s, { type: 'welcome', welcome, lost: true });
    expect(s.trace.length).toBe(0);
    expect(s.lost).toBe(true);
  });

  it('fills the inspector from the snapshot the gateway sends after a reload', () => {
    const s = reducer(initialState, {
      type: 'server',
      msg: {
        type: 'sockets',
        id: 'r1',
        sockets: [(stateChanged(1, 'kept') as Extract<ServerMessage, { type: 'state-changed' }>).kernel],
      },
    });
    expect(Object.keys(s.sockets)).toEqual(['kept']);
  });

  it('names added clients client2, client3... and keeps at least one program', () => {
    let s = reducer(initialState, { type: 'add-program' });
    s = reducer(s, { type: 'add-program' });
    expect(s.programs).toEqual(['server', 'client', 'client2', 'client3']);
    for (const p of ['server', 'client', 'client2', 'client3'])
      s = reducer(s, { type: 'remove-program', program: p });
    expect(s.programs).toEqual(['client3']);
  });

  it('keeps the number of events the gateway names, dropping the oldest and counting them', () => {
    const welcome = { type: 'welcome', session: 'x', limits: { pageEvents: 1000 } } as never;
    let s = reducer(initialState, { type: 'welcome', welcome, lost: false });
    for (let seq = 1; seq <= 1600; seq++) s = reducer(s, { type: 'server', msg: stateChanged(seq, 'a') });
    // Dropped a chunk (512 events) at a time: at most 1000 kept, and the first kept follows the dropped.
    expect(s.trace.length).toBeLessThanOrEqual(1000);
    expect(s.trace.start + s.trace.length).toBe(1600);
    expect(s.trace.start).toBe(1024);
    expect(s.trace.at(0)?.seq).toBe(1025);
    // Without a number from the gateway, the page keeps its own default.
    let d = initialState;
    for (let seq = 1; seq <= 1600; seq++) d = reducer(d, { type: 'server', msg: stateChanged(seq, 'a') });
    expect(d.trace.start).toBe(0);
  });

  it('bounds the font size for the projector', () => {
    let s = initialState;
    for (let i = 0; i < 100; i++) s = reducer(s, { type: 'font', delta: 1 });
    expect(s.fontSize).toBe(40);
  });
});

describe('Log', () => {
  it('appends without changing earlier versions, and drops the oldest beyond its bound', () => {
    let log = Log.empty<number>();
    const versions: Log<number>[] = [];
    for (let i = 0; i < 2000; i++) {
      log = log.push(i, 1500);
      versions.push(log);
    }
    expect(versions[9]!.toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.length).toBeLessThanOrEqual(1500);
    expect(log.at(log.length - 1)).toBe(1999);
    expect(log.toArray()).toEqual(Array.from({ length: log.length }, (_, i) => 2000 - log.length + i));
  });
});
