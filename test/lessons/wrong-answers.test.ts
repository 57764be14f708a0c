// An exercise must tell the answer it teaches from the answer it rules out. Each case here is a
// plausible wrong answer a student could type, replayed against the real gateway after the lesson's
// steps in place of the hidden solution: the exercise's checks must fail on it, while the hidden
// solution, replayed the same way, passes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLessons } from '../../gateway/lessons/load.js';
import { type Lesson, lessonFor, type SolutionLine } from '../../gateway/lessons/types.js';
import { type Playground, startPlayground } from '../support/browser.js';
import { studentPortRange } from '../support/ports.js';
import { type ReplayResult, replayLesson } from './replay.js';

const { lessons } = await loadLessons('lessons');
const lesson = (prefix: string): Lesson => {
  const l = lessons.find((x) => x.id.startsWith(prefix));
  if (!l) throw new Error(`no lesson ${prefix}`);
  return lessonFor(l, 'loopback');
};

/** The lesson with this answer instead of its hidden solution. */
const answering = (l: Lesson, lines: [SolutionLine['program'], string][]): Lesson => ({
  ...l,
  exercise: {
    ...l.exercise,
    solution: lines.map(([program, run]) => ({ program, run, waits: false, line: l.exercise.line })),
  },
});

/** The exercise's checks that failed, by their source. */
const failedChecks = (r: ReplayResult) =>
  r.records.filter((rec) => rec.where === 'exercise' && !rec.verdict.pass).map((rec) => rec.check.source);

let pg: Playground;

beforeAll(async () => {
  const [first, last] = studentPortRange(100);
  pg = await startPlayground(['--ports', `${first}-${last}`]);
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

describe("lesson 13's exercise: three clients at once", () => {
  const many = lesson('13');

  it('fails the one-client-at-a-time answer: each terminal connects, talks and closes in turn', {
    timeout: 60_000,
  }, async () => {
    const turn =
      "n = socket.create_connection(('127.0.0.1', {names})); n.sendall(b'X\\n'); n.recv(1024); n.close()";
    const r = await replayLesson(
      answering(many, [
        ['client', turn],
        ['client2', turn],
        ['client3', turn],
      ]),
      pg.port,
    );
    // Each client did get its answer: only the "at once" is missing, and that is what fails.
    expect(
      r.records.filter((rec) => rec.where === 'exercise' && rec.check.check.kind === 'bytes'),
    ).not.toEqual([]);
    expect(failedChecks(r)).toEqual(['state any ESTABLISHED remote-port {names} count 3']);
  });

  it('passes the hidden solution: all three connected, then each talks', { timeout: 60_000 }, async () => {
    const r = await replayLesson(many, pg.port);
    expect(r.failures).toEqual([]);
    expect(failedChecks(r)).toEqual([]);
  });
});
