// (d) The diagram's cost for one new event, with many before it: the page's live layout (fed only what
// is new) against laying the whole trace out again (what the page did before), side by side in this
// process. The trace is a raw session's stream from an outside peer, one data event per read.

import { layoutSequence } from '../web/src/diagram/layout.js';
import { LiveLayout } from '../web/src/diagram/live-layout.js';
import { Log } from '../web/src/store/log.js';
import { MAX_TRACE, type TraceMessage } from '../web/src/store/state.js';
import { Samples } from './stats.js';

export interface DiagramResult {
  events: number;
  samples: number;
  liveP50Ms: number;
  wholeP50Ms: number;
}

const PROGRAMS = ['server', 'client', 'raw'];
const NO_SERVERS: never[] = [];

/**
 * At 10,000 events, and just under the 50,000 the page keeps (past it, the trace drops its oldest
 * events and a whole layout of what is left no longer draws the stream: see live-layout.ts).
 */
export function measureDiagram(
  sizes: readonly number[] = [10_000, MAX_TRACE - 1000],
  samples = 20,
): DiagramResult[] {
  return sizes.map((events) => {
    const stream = streamTrace(events + samples);
    let log = Log.empty<TraceMessage>();
    for (const m of stream.slice(0, events)) log = log.push(m, MAX_TRACE);
    const live = new LiveLayout();
    live.update(log, PROGRAMS, NO_SERVERS);
    const liveMs = new Samples(samples);
    const wholeMs = new Samples(samples);
    for (const m of stream.slice(events)) {
      log = log.push(m, MAX_TRACE);
      let t = performance.now();
      const a = live.update(log, PROGRAMS, NO_SERVERS);
      liveMs.add(performance.now() - t);
      t = performance.now();
      const b = layoutSequence(log.toArray(), PROGRAMS, NO_SERVERS);
      wholeMs.add(performance.now() - t);
      if (a.rows.length !== b.rows.length) throw new Error('the live layout and the whole one differ');
    }
    return { events, samples, liveP50Ms: liveMs.percentile(50), wholeP50Ms: wholeMs.percentile(50) };
  });
}

/** socket(), then reads of 16 bytes each from an outside peer, as a raw session streams them. */
function streamTrace(n: number): TraceMessage[] {
  const call = { op: 'socket', family: 'AF_INET', type: 'SOCK_STREAM' } as const;
  const result = { op: 'socket', socket: 's1', fd: 5, family: 'AF_INET', type: 'SOCK_STREAM' } as const;
  const out: TraceMessage[] = [
    { type: 'call-started', id: 'c1', program: 'raw', call, seq: 1, t: 1 },
    { type: 'call-returned', id: 'c1', program: 'raw', call, result, seq: 2, t: 2 },
  ];
  const data = btoa('sixteen bytes!\r\n');
  for (let seq = 3; out.length < n; seq++) {
    out.push({
      type: 'data',
      socket: 's1',
      program: 'raw',
      direction: 'in',
      data,
      bytes: 16,
      peer: ['127.0.0.1', 50000],
      streamed: true,
      seq,
      t: seq,
    });
  }
  return out;
}
