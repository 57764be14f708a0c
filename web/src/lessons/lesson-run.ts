// Runs a guided lesson's steps in the page: types each line into its program's terminal, then judges
// the step's checks on real facts (the trace and what the programs printed) until they pass or time
// runs out. No React, no DOM: the page hands it a Driver, tests hand it a fake one.

import { type CheckFacts, CheckWindow, type TraceEvent } from '../../../gateway/lessons/checks.js';
import type { Fill } from '../../../gateway/lessons/placeholders.js';
import { fillText } from '../../../gateway/lessons/placeholders.js';
import type { StepCheck } from '../../../gateway/lessons/types.js';

export interface Driver {
  /** Types a line into a program's terminal and runs it; resolves when it returned (or at once if !wait). */
  type(program: string, line: string, wait: boolean): Promise<void>;
  /** Opens a program's terminal if it is not open yet (client3 opens client2 first); resolves once ready. */
  open(program: string): Promise<void>;
  /** Resolves once everything typed into that program has run. */
  done(program: string): Promise<void>;
  /** The session's trace so far. */
  trace(): readonly TraceEvent[];
  /** Whether the session holds sockets, or the kernel still keeps some of its (TIME_WAIT...). */
  holdsSockets(): boolean;
  /** Every line each program has printed since the page loaded. */
  output(): Readonly<Record<string, readonly string[]>>;
  fill(): Fill;
}

export interface CheckResult {
  source: string;
  pass: boolean;
  seen: string;
  hint: string;
}

/** Where a window of judging begins: the trace seq and each program's output length at that moment. */
export interface Mark {
  seq: number;
  output: Record<string, number>;
}

export function mark(d: Driver): Mark {
  const trace = d.trace();
  const out = d.output();
  return {
    seq: trace.length ? trace[trace.length - 1]!.seq : 0,
    output: Object.fromEntries(Object.entries(out).map(([p, lines]) => [p, lines.length])),
  };
}

export function factsSince(d: Driver, m: Mark): CheckFacts {
  const out = d.output();
  return {
    trace: d.trace(),
    from: m.seq,
    output: Object.fromEntries(Object.entries(out).map(([p, lines]) => [p, lines.slice(m.output[p] ?? 0)])),
    fill: d.fill(),
  };
}

/**
 * Judges again and again until every check passes or `ms` is over: kernel facts settle a little
 * after the call that caused them (a FIN's ACK, TIME_WAIT read from the kernel table once a second).
 * A CheckWindow walks the trace event by event, so a state that held only for a moment during the
 * step (SYN_SENT, FIN_WAIT2) still counts, and a check that passed stays passed.
 */
export async function judgeUntil(
  d: Driver,
  m: Mark,
  checks: readonly StepCheck[],
  ms = 6000,
  every = 150,
): Promise<CheckResult[]> {
  const window = new CheckWindow(
    checks.map((c) => c.check),
    m.seq,
  );
  const start = Date.now();
  for (;;) {
    const facts: CheckFacts = factsSince(d, m);
    const verdicts = window.update(facts);
    const results = checks.map((c, i) => ({
      source: fillText(c.source, facts.fill),
      pass: verdicts[i]!.pass,
      seen: verdicts[i]!.seen,
      hint: fillText(c.hint, facts.fill),
    }));
    if (results.every((r) => r.pass) || Date.now() - start >= ms) return results;
    await new Promise((r) => setTimeout(r, every));
  }
}
