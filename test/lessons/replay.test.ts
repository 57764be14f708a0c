// Every lesson is a test: each one is replayed against the real built gateway (its steps, then its
// exercise's hidden solution) and every check must pass on the real trace. Then every check is
// altered (another errno, another state, one byte more...) and judged again on the same facts: an
// altered check that still passes would be a check that can never fail, which is a defect.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../gateway/lessons/checks.js';
import { loadLessons } from '../../gateway/lessons/load.js';
import { type BindMode, type Lesson, lessonFor } from '../../gateway/lessons/types.js';
import { type Playground, startPlayground } from '../support/browser.js';
import { studentPortRange } from '../support/ports.js';
import { mutants } from './mutate.js';
import { type ReplayResult, replayLesson } from './replay.js';

const loaded = await loadLessons('lessons');
const { problems } = loaded;
/** The lessons as the default gateway (students bind loopback only) serves them. */
const lessons = loaded.lessons.map((l) => lessonFor(l, 'loopback'));
/** LESSONS=03,08 replays only those (while writing a lesson). */
const only = process.env.LESSONS?.split(',').filter(Boolean);
const picked = (all: readonly Lesson[]) =>
  only ? all.filter((l) => only.some((o) => l.id.startsWith(o))) : [...all];
const chosen = picked(lessons);
/** Lessons with steps of their own for a classroom gateway (--lan), replayed on one too. */
const lanChosen = picked(
  loaded.lessons.filter((l) => l.steps.some((s) => s.when === 'lan')).map((l) => lessonFor(l, 'lan')),
);
const LAN_TOKEN = 'replay-token-for-classroom-lessons';
/**
 * Lessons replayed at once. One at a time: the gateway shares one read of the kernel's TCP table
 * among its sessions for 400 ms, and a session that closes a connection right after another
 * session's read may miss its TIME_WAIT (reported to the engine's owner). One lesson at a time
 * keeps the replay faithful and still takes well under a minute.
 */
const PARALLEL = 1;

let pg: Playground;
let lanPg: Playground | null = null;
/** Keyed by mode and lesson id. */
const results = new Map<string, ReplayResult>();
const errors = new Map<string, unknown>();

beforeAll(async () => {
  // Ten ports per session, one session per lesson, and a closed session's ports come back only after its grace period.
  const [first, last] = studentPortRange(Math.max(200, chosen.length * 10 + 50));
  pg = await startPlayground(['--ports', `${first}-${last}`, '--max-sessions-per-address', '64']);
  const queue = [...chosen];
  const worker = async () => {
    for (let l = queue.shift(); l; l = queue.shift()) {
      try {
        results.set(`loopback:${l.id}`, await replayLesson(l, pg.port));
      } catch (err) {
        errors.set(`loopback:${l.id}`, err);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (lanChosen.length === 0) return;
  // A classroom gateway: students may bind every interface (0.0.0.0); --lan needs a token.
  const [lanFirst, lanLast] = studentPortRange(lanChosen.length * 10 + 50);
  lanPg = await startPlayground(['--ports', `${lanFirst}-${lanLast}`, '--lan', '--token', LAN_TOKEN]);
  for (const l of lanChosen) {
    try {
      results.set(`lan:${l.id}`, await replayLesson(l, lanPg.port, LAN_TOKEN));
    } catch (err) {
      errors.set(`lan:${l.id}`, err);
    }
  }
}, 180_000);

afterAll(async () => {
  await pg?.stop();
  await lanPg?.stop();
});

const result = (l: Lesson, mode: BindMode = 'loopback'): ReplayResult => {
  const key = `${mode}:${l.id}`;
  const err = errors.get(key);
  if (err) throw err;
  const r = results.get(key);
  if (!r) throw new Error(`${l.id} was not replayed (${mode})`);
  return r;
};

describe('the lessons', () => {
  it('all load without a problem', () => {
    expect(problems).toEqual([]);
  });

  it('are validated when the gateway starts, and served at GET /api/lessons without their solutions', async () => {
    expect(pg.output()).toContain(`lessons  ${lessons.length} loaded`);
    const res = await fetch(`http://localhost:${pg.port}/api/lessons`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const doc = (await res.json()) as { version: number; lessons: { id: string; steps: unknown[] }[] };
    expect(doc.version).toBe(1);
    expect(doc.lessons.map((l) => l.id)).toEqual(lessons.map((l) => l.id));
    expect(doc.lessons.map((l) => l.steps.length)).toEqual(lessons.map((l) => l.steps.length));
    expect(JSON.stringify(doc)).not.toContain('"solution"');
    expect(JSON.stringify(doc)).not.toContain('"when":"lan"');
  });

  it('are served by a classroom gateway (--lan) with the steps written for it', async () => {
    if (!lanPg) return;
    const doc = (await (await fetch(`http://localhost:${lanPg.port}/api/lessons`)).json()) as {
      lessons: { id: string; steps: { run: string | null; when?: string }[] }[];
    };
    for (const l of lanChosen) {
      const served = doc.lessons.find((d) => d.id === l.id)!;
      expect(served.steps.map((s) => s.run)).toEqual(l.steps.map((s) => s.run));
      expect(served.steps.some((s) => s.when === 'lan')).toBe(true);
      expect(served.steps.some((s) => s.when === 'loopback')).toBe(false);
    }
  });

  const cases = [
    ...chosen.map((l) => [l.id, 'loopback', l] as const),
    ...lanChosen.map((l) => [`${l.id} on a classroom gateway (--lan)`, 'lan', l] as const),
  ];
  describe.each(cases)('%s', (_name, mode, lesson) => {
    it('replays against the real gateway with every check passing', () => {
      const r = result(lesson, mode);
      expect(r.failures, r.failures.join('\n\n')).toEqual([]);
      // Every check of every step and of the exercise was judged.
      const judged = lesson.steps.reduce((n, s) => n + s.checks.length, 0) + lesson.exercise.checks.length;
      expect(r.records.length).toBe(judged);
    });

    it('has no check that can never fail: each altered check fails on the same facts', () => {
      const r = result(lesson, mode);
      const survivors: string[] = [];
      let judged = 0;
      for (const rec of r.records) {
        const altered = mutants(rec.check.check, r.fill);
        expect(altered.length, `no way to alter "${rec.check.source}"`).toBeGreaterThan(0);
        for (const m of altered) {
          judged++;
          const v = judge(m.check, {
            trace: r.trace.slice(0, rec.upto),
            from: rec.from,
            output: rec.output,
            fill: r.fill,
          });
          if (v.pass)
            survivors.push(
              `${lesson.file}:${rec.check.line}: ${rec.where}: "${rec.check.source}" altered to ${m.what} still passes`,
            );
        }
      }
      expect(survivors, survivors.join('\n')).toEqual([]);
      expect(judged).toBeGreaterThan(0);
    });

    it('has no check that passes without facts: each fails on an empty session', () => {
      const r = result(lesson, mode);
      const vacuous = r.records
        .filter((rec) => judge(rec.check.check, { trace: [], from: 0, output: {}, fill: r.fill }).pass)
        .map((rec) => `${lesson.file}:${rec.check.line}: "${rec.check.source}" passes on nothing`);
      expect(vacuous, vacuous.join('\n')).toEqual([]);
    });
  });
});
