// Replays one lesson against the real gateway, as a student following it would: one WebSocket
// session, one Python interpreter per program, each program's lines in its own lane. A line marked
// `waits` must really block; the replay then goes on with the other programs' steps while it waits.
// Every check is judged (with the pure judge the page uses) on the real trace and output.

import WebSocket from 'ws';
import { type CheckFacts, CheckWindow, type TraceEvent, type Verdict } from '../../gateway/lessons/checks.js';
import { expectsFailure } from '../../gateway/lessons/export.js';
import { type Fill, fillFromWelcome, fillText } from '../../gateway/lessons/placeholders.js';
import { LESSON_SERVERS, type Lesson, type StepCheck } from '../../gateway/lessons/types.js';
import {
  type Call,
  type CallError,
  type CallResult,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../gateway/protocol/messages.js';
import { Interpreter, type SocketBackend } from '../../web/src/interpreter/index.js';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
type Answer = { ok: true; result: CallResult } | { ok: false; error: CallError };

/** How long a line may take, and how long a check may wait for its fact to show up in the trace. */
export const LINE_TIMEOUT_MS = 10_000;
export const CHECK_TIMEOUT_MS = 5_000;

/** One judged check, with what it was judged on (so a test can judge altered checks on the same facts). */
export interface CheckRecord {
  where: string;
  check: StepCheck;
  from: number;
  /** The trace events it was judged on: trace.slice(0, upto). */
  upto: number;
  output: Record<string, string[]>;
  verdict: Verdict;
}

export interface ReplayResult {
  lesson: Lesson;
  fill: Fill;
  trace: TraceEvent[];
  records: CheckRecord[];
  /** Plain sentences, one per problem; empty when the lesson replays cleanly. */
  failures: string[];
  ms: number;
}

/** The session: one WebSocket, every trace event in order, replies routed to their calls. */
class Session {
  readonly trace: TraceEvent[] = [];
  private readonly replies = new Map<string, (a: Answer) => void>();
  private readonly wakers = new Set<() => void>();
  private n = 0;
  welcome: Welcome | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const parsed = JSON.parse(d.toString()) as ServerMessage | ServerMessage[];
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.take(m);
      for (const w of [...this.wakers]) w();
    });
    ws.on('close', () => {
      for (const w of [...this.wakers]) w();
    });
  }

  static async open(port: number, token?: string): Promise<Session> {
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const ws = new WebSocket(`ws://localhost:${port}/ws${query}`, {
      headers: { Origin: `http://localhost:${port}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const s = new Session(ws);
    ws.send(JSON.stringify({ type: 'hello', id: 'hello', protocol: PROTOCOL_VERSION }));
    await s.until(() => s.welcome !== null, 8000, 'the welcome');
    return s;
  }

  private take(m: ServerMessage): void {
    if (m.type === 'welcome') this.welcome = m;
    if ('seq' in m) this.trace.push(m);
    if (m.type === 'call-returned') this.replies.get(m.id)?.({ ok: true, result: m.result });
    else if (m.type === 'call-failed') this.replies.get(m.id)?.({ ok: false, error: m.error });
    if (m.type === 'error') {
      // A request the gateway could not read: answer its call with the complaint, as a failure.
      const resolve = m.id === null ? undefined : this.replies.get(m.id);
      resolve?.({
        ok: false,
        error: { code: m.code, errno: null, syscall: '?', message: m.message, explain: m.message },
      });
    }
  }

  get lastSeq(): number {
    return this.trace.length ? this.trace[this.trace.length - 1]!.seq : 0;
  }

  /** A SocketBackend for one program: each Call becomes one `call` message. */
  backend(program: string): SocketBackend {
    return {
      call: (call: Call, signal: AbortSignal) =>
        new Promise<Answer>((resolve) => {
          const id = `${program}-${++this.n}`;
          const cancel = () => this.ws.send(JSON.stringify({ type: 'cancel', id: `x${id}`, call: id }));
          this.replies.set(id, (a) => {
            this.replies.delete(id);
            // A run's signal outlives its calls: a listener left behind per call piles up in a loop.
            signal.removeEventListener('abort', cancel);
            resolve(a);
          });
          signal.addEventListener('abort', cancel, { once: true });
          this.ws.send(JSON.stringify({ type: 'call', id, program, call }));
        }),
    };
  }

  /** Resolves once `ok()` holds (looked at after every message), or with false after `ms`. */
  async until(ok: () => boolean, ms: number, what?: string): Promise<boolean> {
    const due = performance.now() + ms;
    while (!ok()) {
      const left = due - performance.now();
      if (left <= 0) {
        if (what) throw new Error(`timed out waiting for ${what}`);
        return false;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 100));
        this.wakers.add(wake);
      });
    }
    return true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

const isServerStep = (program: string) => (LESSON_SERVERS as readonly string[]).includes(program);

/** Waits for `p` at most `ms`; resolves 'timeout' then. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

interface Line {
  where: string;
  program: string;
  run: string;
  waits: boolean;
  checks: StepCheck[];
  /** A check says the line fails (a failed call, or an error in the output): an exception is the point. */
  mayFail: boolean;
}

/** token: the gateway's access token, when it has one (--lan needs one). */
export async function replayLesson(
  lesson: Lesson,
  gatewayPort: number,
  token?: string,
): Promise<ReplayResult> {
  const t0 = performance.now();
  const session = await Session.open(gatewayPort, token);
  const fill = fillFromWelcome(session.welcome!);
  const missing = lesson.placeholders.filter((p) => fillText(`{${p}}`, fill) === `{${p}}`);
  if (missing.length > 0) {
    await session.close();
    throw new Error(
      `${lesson.file}: this session cannot fill ${missing.map((p) => `{${p}}`).join(', ')} (ports: ${fill.ports.join(', ') || 'none'})`,
    );
  }
  const records: CheckRecord[] = [];
  const failures: string[] = [];
  const interpreters = new Map<string, Interpreter>();
  const lanes = new Map<string, { done: Promise<unknown>; where: string }>();
  const py = (program: string) => {
    let i = interpreters.get(program);
    if (!i) {
      i = new Interpreter(session.backend(program), { program });
      interpreters.set(program, i);
    }
    return i;
  };

  /** Judges the checks as the page does (CheckWindow) until all pass or the time is up; records each verdict. */
  const settle = async (
    where: string,
    checks: StepCheck[],
    from: number,
    output: Record<string, string[]>,
  ) => {
    const window = new CheckWindow(
      checks.map((c) => c.check),
      from,
    );
    const facts = (): CheckFacts => ({ trace: session.trace, from, output, fill });
    await session.until(() => {
      window.update(facts());
      return window.passed;
    }, CHECK_TIMEOUT_MS);
    const verdicts = window.update(facts());
    checks.forEach((c, i) => {
      const verdict = verdicts[i]!;
      records.push({ where, check: c, from, upto: window.upto[i]!, output, verdict });
      if (!verdict.pass) {
        failures.push(
          `${lesson.file}:${c.line}: ${where}: check "${c.source}" failed.\n  hint: ${c.hint}\n  seen: ${verdict.seen}`,
        );
      }
    });
  };

  /** Runs one line in its program's lane; a waiting line lets the replay go on once it blocks. */
  const runLine = async (line: Line, collect?: Record<string, string[]>) => {
    const previous = lanes.get(line.program);
    if (previous && (await within(previous.done, LINE_TIMEOUT_MS)) === 'timeout') {
      failures.push(`${lesson.file}: ${line.where}: ${line.program} is still blocked in ${previous.where}`);
      return;
    }
    const from = session.lastSeq;
    const source = fillText(line.run, fill);
    const started = py(line.program).run(source);
    const finish = async () => {
      const out = await within(started, LINE_TIMEOUT_MS);
      if (out === 'timeout') {
        failures.push(
          `${lesson.file}: ${line.where}: the line did not finish within ${LINE_TIMEOUT_MS / 1000} s${line.waits ? '' : ' (if it is meant to block, mark it waits: true)'}: ${source}`,
        );
        return;
      }
      if (collect) collect[line.program] = [...(collect[line.program] ?? []), ...out.lines];
      if (out.error && !line.mayFail) {
        failures.push(
          `${lesson.file}: ${line.where}: the line raised, and no check says it should (call-failed, or an output check naming the error): ${out.lines.join(' | ')}`,
        );
      }
      if (line.checks.length > 0) await settle(line.where, line.checks, from, { [line.program]: out.lines });
    };
    if (!line.waits) {
      await finish();
      return;
    }
    // It must really wait: the gateway reports call-blocked for this program before the line ends.
    let ended = false;
    void started.then(() => {
      ended = true;
    });
    const blockedNow = () =>
      session.trace.some((e) => e.seq > from && e.type === 'call-blocked' && e.program === line.program);
    await session.until(() => blockedNow() || ended, LINE_TIMEOUT_MS);
    if (!blockedNow()) {
      failures.push(
        `${lesson.file}: ${line.where}: marked waits: true, but the line did not block: ${source}`,
      );
    }
    lanes.set(line.program, { done: finish(), where: line.where });
  };

  try {
    let lastFrom = session.lastSeq;
    for (const step of lesson.steps) {
      const where = `step ${step.n}`;
      if (isServerStep(step.program)) {
        // Watches what a lesson server did since the previous step began.
        await settle(where, step.checks, lastFrom, {});
        continue;
      }
      lastFrom = session.lastSeq;
      await runLine({
        where,
        program: step.program,
        run: step.run!,
        waits: step.waits,
        checks: step.checks,
        mayFail: expectsFailure(step.checks),
      });
    }
    for (const [program, lane] of lanes) {
      if ((await within(lane.done, LINE_TIMEOUT_MS)) === 'timeout') {
        failures.push(`${lesson.file}: ${lane.where}: ${program} was still blocked when the steps ended`);
      }
    }
    lanes.clear();
    // The exercise: the hidden solution, then the exercise's checks over everything it did.
    const from = session.lastSeq;
    const output: Record<string, string[]> = {};
    const mayFail = expectsFailure(lesson.exercise.checks);
    for (const [i, s] of lesson.exercise.solution.entries()) {
      const line = {
        where: `solution ${i + 1}`,
        program: s.program,
        run: s.run,
        waits: s.waits,
        checks: [],
        mayFail,
      };
      await runLine(line, output);
    }
    for (const [program, lane] of lanes) {
      if ((await within(lane.done, LINE_TIMEOUT_MS)) === 'timeout') {
        failures.push(`${lesson.file}: ${lane.where}: ${program} was still blocked when the solution ended`);
      }
    }
    await settle('exercise', lesson.exercise.checks, from, output);
  } finally {
    await session.close();
  }
  return { lesson, fill, trace: session.trace, records, failures, ms: performance.now() - t0 };
}
