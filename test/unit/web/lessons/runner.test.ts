import { describe, expect, it } from 'vitest';
import { parseCheck } from '../../../../gateway/lessons/checks.js';
import type { StepCheck } from '../../../../gateway/lessons/types.js';
import type { ServerMessage } from '../../../../gateway/protocol/messages.js';
import { type Driver, judgeUntil, mark } from '../../../../web/src/lessons/lesson-run.js';
import { parseBlocks } from '../../../../web/src/lessons/Markdown.js';
import { loadProgress, saveProgress } from '../../../../web/src/lessons/progress.js';

type TraceEvent = Extract<ServerMessage, { seq: number }>;

function fakeDriver() {
  const trace: TraceEvent[] = [];
  const output: Record<string, string[]> = {};
  const driver: Driver = {
    async type() {},
    async open() {},
    async done() {},
    trace: () => trace,
    holdsSockets: () => false,
    output: () => output,
    fill: () => ({ ports: [20000], servers: { echo: 7007 } }),
  };
  return { driver, trace, output };
}

const check = (source: string): StepCheck => ({
  source,
  check: parseCheck(source),
  hint: 'try again',
  line: 1,
});

const failed = (seq: number, code: string): TraceEvent =>
  ({
    type: 'call-failed',
    id: `c${seq}`,
    program: 'client',
    seq,
    t: seq,
    call: { op: 'connect', socket: 's', address: ['127.0.0.1', 20000] },
    error: { code, errno: 111, syscall: 'connect', message: '', explain: '' },
  }) as TraceEvent;

describe('judging a step', () => {
  it('passes once the fact appears in the window, even if it arrives late', async () => {
    const { driver, trace } = fakeDriver();
    const m = mark(driver);
    setTimeout(() => trace.push(failed(1, 'ECONNREFUSED')), 100);
    const [r] = await judgeUntil(driver, m, [check('call-failed client ECONNREFUSED')], 2000, 20);
    expect(r!.pass).toBe(true);
  });

  it('does not count what happened before the step began, and says what it saw', async () => {
    const { driver, trace } = fakeDriver();
    trace.push(failed(1, 'ECONNREFUSED'));
    const m = mark(driver);
    trace.push(failed(2, 'ETIMEDOUT'));
    const [r] = await judgeUntil(driver, m, [check('call-failed client ECONNREFUSED')], 100, 20);
    expect(r!.pass).toBe(false);
    expect(r!.seen).toContain('ETIMEDOUT');
    expect(r!.hint).toBe('try again');
  });

  it("judges a program's output from the step's start only", async () => {
    const { driver, output } = fakeDriver();
    output.client = ["b'old'"];
    const m = mark(driver);
    output.client.push("b'HELLO'");
    const [r] = await judgeUntil(driver, m, [check('output client contains "HELLO"')], 100, 20);
    expect(r!.pass).toBe(true);
    const [old] = await judgeUntil(driver, m, [check('output client contains "old"')], 50, 20);
    expect(old!.pass).toBe(false);
  });
});

describe('lesson progress', () => {
  it('survives a round trip through storage and shrugs off a corrupt entry', () => {
    const data = new Map<string, string>();
    const store = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    };
    saveProgress(store, 'a', { done: 3, exercise: false });
    expect(loadProgress(store)).toEqual({ a: { done: 3, exercise: false } });
    data.set('socket-playground:progress', '{not json');
    expect(loadProgress(store)).toEqual({});
  });
});

describe('lesson Markdown', () => {
  it('splits paragraphs, lists and code, and never treats text as HTML', () => {
    const blocks = parseBlocks(
      'Hello <b>there</b>\nstill the same paragraph\n\n- one\n- two\n\n```\ncode\n```',
    );
    expect(blocks).toEqual([
      { kind: 'p', text: 'Hello <b>there</b> still the same paragraph' },
      { kind: 'ul', items: ['one', 'two'] },
      { kind: 'code', text: 'code' },
    ]);
  });
});
