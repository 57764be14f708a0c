// The guided lesson beside the terminals: the course list, the lesson's text and steps, Run (types
// the step's line into its terminal), Check, Skip for a step that failed, Restart on fresh sockets,
// Run to here, Replay for terminals that did not run the steps done before (a reload, another tab),
// the exercise with the terminals it needs, and progress kept in the browser. Judges every check on
// real facts through lesson-run.ts; what comes next and which keys step are decided in flow.ts.

import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { exportScripts, lessonExport } from '../../../gateway/lessons/export.js';
import { fillText } from '../../../gateway/lessons/placeholders.js';
import { CONCEPTS, type PublicLesson } from '../../../gateway/lessons/types.js';
import { type Gap, gapFor, nextMove, revealDelta, stepKey, stepsText, type TerminalsRan } from './flow.js';
import { keyPlace } from './key-place.js';
import { type CheckResult, type Driver, judgeUntil, type Mark, mark } from './lesson-run.js';
import { breakableCode, Markdown } from './Markdown.js';
import { type LessonProgress, loadProgress, saveProgress } from './progress.js';

interface Props {
  lessons: readonly PublicLesson[];
  lessonId: string;
  driver: Driver;
  /** Starts a fresh session with fresh terminals; resolves once the new session is ready. */
  restart(): Promise<void>;
  /**
   * What this page's terminals have run of a lesson. The page keeps it: it outlives the panel, which
   * closes and opens again, and ends with the terminals. The panel moves it on as steps run.
   */
  ran: RefObject<TerminalsRan>;
  onClose(): void;
  onOpen(id: string): void;
}

export type { PublicLesson };

type StepState = {
  results: CheckResult[] | null;
  running: boolean;
  waiting: boolean;
  /** How often Run typed its line and its checks failed: the next press skips it after two. */
  failures: number;
  /** Passed over by the presenter (⤼ Skip) after it failed: the lesson went on without it. */
  skipped: boolean;
};

const blankStep = (): StepState => ({
  results: null,
  running: false,
  waiting: false,
  failures: 0,
  skipped: false,
});

export function LessonPanel({ lessons, lessonId, driver, restart, ran, onClose, onOpen }: Props) {
  const lesson = lessons.find((l) => l.id === lessonId);
  const [progress, setProgress] = useState<Record<string, LessonProgress>>(() => loadProgress(localStorage));
  const [current, setCurrent] = useState(0);
  const [steps, setSteps] = useState<StepState[]>([]);
  const [exercise, setExercise] = useState<{ results: CheckResult[] | null; running: boolean }>({
    results: null,
    running: false,
  });
  const marks = useRef(new Map<number, Mark>());
  const busy = useRef(false);
  const panel = useRef<HTMLElement>(null);
  const fill = driver.fill();
  const text = (s: string) => fillText(s, fill);

  // A lesson opens where the student left it; its steps' results start blank. (The steps before it
  // show as passed, history kept in the browser; if these terminals did not run them, gapFor says so
  // and the next move replays them.)
  useEffect(() => {
    if (!lesson) return;
    const p = loadProgress(localStorage)[lesson.id];
    setCurrent(Math.min(p?.done ?? 0, lesson.steps.length));
    setSteps(lesson.steps.map(blankStep));
    setExercise({ results: null, running: false });
    marks.current.clear();
  }, [lesson]);

  const markFor = useCallback(
    (i: number) => {
      let m = marks.current.get(i);
      if (!m) {
        m = mark(driver);
        marks.current.set(i, m);
      }
      return m;
    },
    [driver],
  );

  // The step that is next is judged from the moment it became next: a student who types its line
  // by hand, then presses Check, is judged on what that line did. Steps done already (a reload, a
  // lesson opened again) leave the exercise next, judged from now on. (After the effect above, which
  // forgets the marks of the lesson before.)
  useEffect(() => {
    if (lesson) markFor(Math.min(current, lesson.steps.length));
  }, [lesson, current, markFor]);

  // The exercise may need terminals no step used (client2 in lesson 2, client3 in lesson 5): they open
  // as it becomes the next thing to do, so the student need not look for + client. Not while the
  // steps before wait to be replayed: the replay would close them again.
  const exerciseNext =
    lesson !== undefined && current >= lesson.steps.length && !gapFor(lesson.id, current, ran.current);
  useEffect(() => {
    if (!lesson || !exerciseNext) return;
    void (async () => {
      for (const p of lesson.exercise.programs) await driver.open(p);
    })().catch(() => {
      // The page has no room for another terminal: the task says how to open one with + client.
    });
  }, [lesson, exerciseNext, driver]);

  // The panel follows the current step, but only when it changes (not at every render, which would
  // pull the student back while they read), and never under the controls that stay on top. At step 1
  // it shows the top: the title, the goal and the prose come first.
  useEffect(() => {
    const el = panel.current;
    if (!lesson || !el) return;
    if (current === 0) {
      el.scrollTop = 0;
      return;
    }
    const target = el.querySelector('li.step[aria-current="step"]') ?? el.querySelector('.exercise');
    const bar = el.querySelector('.lesson-bar');
    if (!target || !bar) return;
    const item = target.getBoundingClientRect();
    el.scrollTop += revealDelta(item, {
      top: bar.getBoundingClientRect().bottom,
      bottom: el.getBoundingClientRect().top + el.clientHeight,
    });
  }, [lesson, current]);

  const record = useCallback(
    (done: number, ex?: boolean) => {
      if (!lesson) return;
      const before = loadProgress(localStorage)[lesson.id];
      setProgress(
        saveProgress(localStorage, lesson.id, {
          done: Math.max(done, before?.done ?? 0),
          exercise: ex ?? before?.exercise ?? false,
        }),
      );
    },
    [lesson],
  );

  /** The lesson goes on to step n here: these terminals have run the steps before it. */
  const advance = (n: number) => {
    if (!lesson) return;
    setCurrent((c) => Math.max(c, n));
    const before = ran.current.lesson === lesson.id ? ran.current.steps : 0;
    ran.current = { lesson: lesson.id, steps: Math.max(before, n) };
  };

  /** A fresh session and terminals for this lesson, which have run none of its steps yet. */
  const startFresh = async () => {
    if (!lesson) return;
    await restart();
    ran.current = { lesson: lesson.id, steps: 0 };
    marks.current.clear();
  };

  const setStep = (i: number, s: Partial<StepState> | ((x: StepState) => Partial<StepState>)) =>
    setSteps((all) => all.map((x, j) => (j === i ? { ...x, ...(typeof s === 'function' ? s(x) : s) } : x)));

  /** Types step i's line into its terminal (visibly), then judges its checks until they pass. */
  const runStep = async (i: number, fast = false): Promise<boolean> => {
    if (!lesson) return false;
    // A lesson starts on fresh sockets: what an earlier lesson or the sandbox left in the kernel
    // (a TIME_WAIT on the same port, a listener) would change what this one shows. After a reload
    // the trace is empty but the session the page resumed may still hold them.
    if (
      i === 0 &&
      (driver.trace().length > 0 || driver.holdsSockets() || gapFor(lesson.id, 0, ran.current))
    ) {
      await startFresh();
    }
    const step = lesson.steps[i]!;
    const m = markFor(i);
    setStep(i, { running: true, results: null, waiting: false, skipped: false });
    if (step.run !== null && step.waits) {
      // A line that blocks (accept before anyone connects): the lesson goes on while it waits, and
      // its checks are judged once it returns, which later steps bring about.
      await driver.type(step.program, fillText(step.run, driver.fill()), false);
      // Go on only once the call is really blocked in the kernel, so the next step cannot overtake it.
      const start = Date.now();
      while (
        Date.now() - start < 3000 &&
        !driver.trace().some((e) => e.seq > m.seq && e.type === 'call-blocked' && e.program === step.program)
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const done = driver.done(step.program);
      setStep(i, { running: false, waiting: true });
      advance(i + 1);
      // Judged twice: while it waits (SYN_SENT, a blocked call) and once it returned; a check
      // passes if it held at either moment.
      const early = judgeUntil(driver, m, step.checks, 1500);
      void Promise.all([early, done]).then(async ([before]) => {
        // Back or Restart since (the marks were forgotten): this run of the step is over, unjudged.
        if (marks.current.get(i) !== m) return;
        const after = await judgeUntil(driver, m, step.checks, 6000);
        if (marks.current.get(i) !== m) return;
        const results = after.map((r, k) => (r.pass || !before[k]?.pass ? r : before[k]!));
        setStep(i, { waiting: false, results });
        if (results.every((r) => r.pass)) record(i + 1);
      });
      if (fast) await new Promise((r) => setTimeout(r, 100));
      return true;
    }
    if (step.run !== null) await driver.type(step.program, fillText(step.run, driver.fill()), true);
    const results = await judgeUntil(driver, m, step.checks, 6000);
    const pass = results.every((r) => r.pass);
    setStep(i, (x) => ({ running: false, results, failures: pass ? 0 : x.failures + 1 }));
    // (The exercise starts when the last step is done, as the next step's window opens: see the
    // effect on `current`. The student does the work, then asks for a check.)
    if (pass) {
      advance(i + 1);
      record(i + 1);
    }
    return pass;
  };

  const judgeStep = async (i: number) => {
    if (!lesson) return;
    setStep(i, { running: true });
    const results = await judgeUntil(driver, markFor(i), lesson.steps[i]!.checks, 1000);
    const pass = results.every((r) => r.pass);
    setStep(i, (x) => ({ running: false, results, skipped: x.skipped && !pass }));
    if (pass) {
      advance(i + 1);
      record(i + 1);
    }
  };

  const guard = async (work: () => Promise<void>) => {
    if (busy.current) return;
    busy.current = true;
    try {
      await work();
    } finally {
      busy.current = false;
    }
  };

  /** The kernel cannot undo: going back means a fresh session replaying the steps before. */
  const runTo = (target: number) =>
    guard(async () => {
      if (!lesson) return;
      await startFresh();
      setSteps(lesson.steps.map(blankStep));
      setExercise({ results: null, running: false });
      setCurrent(0);
      for (let i = 0; i < target; i++) {
        if (!(await runStep(i, true))) return;
      }
    });

  /**
   * Past a step that failed, for a presenter who cannot stop to mend it: marked done (its failed
   * checks stay shown), and the lesson goes on with the next. Run on it later may still pass it.
   */
  const skip = (i: number) =>
    guard(async () => {
      setStep(i, { skipped: true });
      advance(i + 1);
      record(i + 1);
    });

  const gap = lesson ? gapFor(lesson.id, current, ran.current) : null;
  const move = nextMove(current, lesson?.steps.length ?? 0, gap, steps[current]?.failures ?? 0);

  /**
   * Run, PageDown: the next step; or first the steps done before, if these terminals lack them; or,
   * on a step that failed twice, past it.
   */
  const next = () => {
    if (move.kind === 'replay') return runTo(move.steps);
    if (move.kind === 'skip') return skip(move.step);
    return guard(async () => void (move.kind === 'run' && (await runStep(move.step))));
  };

  /** A fresh attempt at the exercise: what was done before no longer counts. */
  const retryExercise = () => {
    if (!lesson) return;
    marks.current.set(lesson.steps.length, mark(driver));
    setExercise({ results: null, running: false });
  };

  const checkExercise = () =>
    guard(async () => {
      if (!lesson) return;
      setExercise({ results: null, running: true });
      const results = await judgeUntil(driver, markFor(lesson.steps.length), lesson.exercise.checks, 1500);
      const pass = results.every((r) => r.pass);
      setExercise({ results, running: false });
      if (pass) record(lesson.steps.length, true);
    });

  // Keyboard for the projector and a presenter's remote: PageDown runs the next step, PageUp goes
  // back one (see stepKey for where, and the Alt versions). Only while a lesson is open: the course
  // list keeps PageDown for scrolling.
  const keys = useRef({ open: false, next, back: () => runTo(Math.max(0, current - 1)) });
  keys.current = { open: lesson !== undefined, next, back: () => runTo(Math.max(0, current - 1)) };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!keys.current.open || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const act = stepKey(e.key, e.altKey, keyPlace(e.target));
      if (!act) return;
      e.preventDefault();
      e.stopPropagation();
      keys.current[act]();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  if (!lesson) {
    return (
      <aside className="lesson" aria-label="Lessons">
        <CourseList
          lessons={lessons}
          progress={progress}
          onOpen={onOpen}
          missing={lessonId}
          onClose={onClose}
        />
      </aside>
    );
  }

  const idx = lessons.indexOf(lesson);
  const allDone = current >= lesson.steps.length;
  const replaying = move.kind === 'replay';
  return (
    <aside className="lesson" aria-label={`Lesson: ${lesson.title}`} ref={panel}>
      <header className="lesson-head">
        <button type="button" onClick={() => onOpen('')} aria-label="All lessons">
          ☰ Lessons
        </button>
        <span className="lesson-count">
          {idx + 1} / {lessons.length}
        </span>
        <button type="button" onClick={onClose} aria-label="Close the lesson">
          ×
        </button>
      </header>
      <h2>{lesson.title}</h2>
      <p className="lesson-goal">
        <strong>Goal:</strong> {text(lesson.goal)}
      </p>
      <p className="lesson-concepts">Concepts: {lesson.concepts.map((c) => CONCEPTS[c] ?? c).join('; ')}</p>
      {/* Stays on top while the steps scroll under it: Run, Back and Restart are always in reach (the
          downloads below it need not be, and would take a projector's lines). */}
      <div className="lesson-bar">
        {gap && <GapNotice gap={gap} other={lessons.find((l) => l.id === gap.other)?.title ?? gap.other} />}
        <div className="lesson-controls">
          <button
            type="button"
            onClick={next}
            disabled={move.kind === 'none'}
            title="PageDown (Alt+PageDown in a terminal)"
          >
            {move.kind === 'replay'
              ? `▶ Replay ${stepsText(move.steps)}`
              : move.kind === 'skip'
                ? `⤼ Skip step ${move.step + 1}`
                : move.kind === 'run'
                  ? `▶ Run step ${move.step + 1}${move.again ? ' again' : ''}`
                  : '✓ All steps done'}
          </button>
          <button
            type="button"
            onClick={() => runTo(Math.max(0, current - 1))}
            disabled={current === 0}
            title="PageUp (Alt+PageUp in a terminal)"
          >
            ◀ Back
          </button>
          <button type="button" onClick={() => runTo(0)}>
            ↺ Restart
          </button>
        </div>
      </div>
      <div className="lesson-controls">
        <ExportButtons lesson={lesson} fill={fill} />
      </div>
      <Markdown text={text(lesson.prose)} />
      <ol className="steps">
        {lesson.steps.map((step, i) => {
          const st = steps[i];
          const state = st?.running
            ? 'running'
            : st?.waiting
              ? 'waiting'
              : st?.skipped
                ? 'skipped'
                : st?.results
                  ? st.results.every((r) => r.pass)
                    ? 'passed'
                    : 'failed'
                  : i < current
                    ? 'passed'
                    : i === current
                      ? 'current'
                      : 'todo';
          return (
            <li
              key={step.n}
              className={`step step-${state}`}
              aria-current={i === current ? 'step' : undefined}
            >
              {step.prose && <Markdown text={text(step.prose)} />}
              <div className="step-line">
                <span className="step-program">{step.program}</span>
                {step.run !== null ? (
                  <code>{breakableCode(text(step.run))}</code>
                ) : (
                  <em>watch {step.program}</em>
                )}
              </div>
              <div className="step-expect">
                <Markdown text={text(step.expect)} />
              </div>
              <div className="step-actions">
                <span className="step-status">
                  {state === 'passed'
                    ? '✓ passed'
                    : state === 'failed'
                      ? '✗ not yet'
                      : state === 'running'
                        ? '… checking'
                        : state === 'waiting'
                          ? '◌ waiting in the kernel'
                          : state === 'skipped'
                            ? '⤼ skipped'
                            : ''}
                </span>
                {state === 'failed' && i === current && !replaying && (
                  <button
                    type="button"
                    onClick={() => skip(i)}
                    title="Mark this step done and go on to the next (PageDown does it once the step failed twice)"
                  >
                    ⤼ Skip
                  </button>
                )}
                {/* Until the steps before are replayed, Run and Check would meet names never defined. */}
                {i <= current && !replaying && (
                  <>
                    <button type="button" onClick={() => guard(async () => void (await runStep(i)))}>
                      Run
                    </button>
                    <button type="button" onClick={() => guard(() => judgeStep(i))}>
                      Check
                    </button>
                  </>
                )}
                {i <= current && (
                  <button
                    type="button"
                    onClick={() => runTo(i + 1)}
                    title="Replays the lesson on fresh sockets up to this step"
                  >
                    Run to here
                  </button>
                )}
              </div>
              {st?.results && <Results results={st.results} />}
            </li>
          );
        })}
      </ol>
      <section className="exercise" aria-label="Exercise">
        <h3>Exercise {progress[lesson.id]?.exercise ? '✓' : ''}</h3>
        <Markdown text={text(lesson.exercise.prose)} />
        <Markdown text={text(lesson.exercise.task)} />
        {/* Before a pending replay, the exercise's sockets and names are not in these terminals. */}
        <button type="button" onClick={checkExercise} disabled={!exerciseNext}>
          Check my work
        </button>
        {!allDone && <span className="note"> (after the steps)</span>}
        {exercise.results && <Results results={exercise.results} />}
        {exercise.results?.some((r) => !r.pass) && (
          <p className="note">
            The checks look at everything done since the exercise began, mistakes included.{' '}
            <button type="button" onClick={retryExercise}>
              Start the exercise again
            </button>{' '}
            to be judged only on what you do next.
          </p>
        )}
      </section>
      <Markdown text={text(lesson.closing)} />
      {idx + 1 < lessons.length && (
        <button type="button" onClick={() => onOpen(lessons[idx + 1]!.id)}>
          Next lesson: {lessons[idx + 1]!.title} →
        </button>
      )}
    </aside>
  );
}

/**
 * Says why the terminals are not where the lesson is, and what the Run button (PageDown) will do
 * about it: replay the steps done before, on fresh sockets.
 */
function GapNotice({ gap, other }: { gap: Gap; other: string | null }) {
  const held = other ? `These terminals hold the lesson “${other}”` : '';
  if (gap.steps === 0) return <p className="lesson-gap">{held}: step 1 starts this one on fresh sockets.</p>;
  const them = gap.steps === 1 ? 'it' : 'them';
  return (
    <p className="lesson-gap" role="status">
      {other
        ? `${held}; this lesson's ${stepsText(gap.steps)} ran before, in other terminals,`
        : `Your ${stepsText(gap.steps)} ran in another page session (a reload, another tab): these terminals have not run ${them},`}{' '}
      so names like <code>s</code> or <code>conn</code> are not defined here. <strong>▶ Replay</strong> runs{' '}
      {them} again on fresh sockets (PageDown); <strong>↺ Restart</strong> begins at step 1.
    </p>
  );
}

function Results({ results }: { results: CheckResult[] }) {
  return (
    <ul className="check-results">
      {results.map((r) => (
        <li key={r.source} className={r.pass ? 'pass' : 'fail'}>
          {r.pass ? '✓' : '✗'} <code>{r.source}</code>
          {!r.pass && (
            <div className="check-detail">
              <div>Seen: {r.seen}</div>
              <div>Hint: {r.hint}</div>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

function CourseList({
  lessons,
  progress,
  onOpen,
  missing,
  onClose,
}: {
  lessons: readonly PublicLesson[];
  progress: Record<string, LessonProgress>;
  onOpen(id: string): void;
  missing: string;
  onClose(): void;
}) {
  return (
    <>
      <header className="lesson-head">
        <h2>Lessons</h2>
        <button type="button" onClick={onClose} aria-label="Close the lessons">
          ×
        </button>
      </header>
      {missing && <p role="alert">There is no lesson named “{missing}”. Here are the ones there are:</p>}
      <ol className="course">
        {lessons.map((l) => {
          const p = progress[l.id];
          const done = p && p.done >= l.steps.length;
          return (
            <li key={l.id}>
              <a href={`#/lesson/${l.id}`} onClick={() => onOpen(l.id)}>
                {l.title}
              </a>{' '}
              <span className="note">
                {done
                  ? p.exercise
                    ? '✓ done, exercise too'
                    : '✓ steps done'
                  : p
                    ? `${p.done}/${l.steps.length} steps`
                    : ''}
              </span>
              <div className="note">{l.goal}</div>
            </li>
          );
        })}
      </ol>
    </>
  );
}

/** One download per program: the lesson's lines as a Python 3 script, ports filled in for this session. */
function ExportButtons({ lesson, fill }: { lesson: PublicLesson; fill: ReturnType<Driver['fill']> }) {
  const scripts = exportScripts(lessonExport(lesson), fill).filter((s) => /\S/.test(s.text));
  return (
    <>
      {scripts.map((s) => (
        <button
          key={s.program}
          type="button"
          onClick={() => downloadText(s.text, s.fileName, 'text/x-python')}
          title={`Download the ${s.program} program as a Python 3 script to run at home`}
        >
          ⤓ {s.fileName}
        </button>
      ))}
    </>
  );
}

export function downloadText(text: string, name: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
