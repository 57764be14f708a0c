// How the lesson panel moves, decided without React or the DOM so it can be tested in Node: where
// the panel scrolls when the current step changes, which keys step, and what the next step is when
// the terminals have not run the steps the progress says were done.

/** A vertical extent in the same coordinates as another (client pixels, say). */
export interface Extent {
  top: number;
  bottom: number;
}

/**
 * How far to scroll so `item` shows inside `view`, moving as little as possible (as
 * scrollIntoView's `block: 'nearest'` does). `view.top` is where the controls that stay on top end,
 * not the panel's edge: a step scrolled in must not hide under them. An item taller than the view
 * shows its top, where its line to run is.
 */
export function revealDelta(item: Extent, view: Extent): number {
  if (item.top < view.top) return item.top - view.top;
  if (item.bottom > view.bottom) return Math.min(item.bottom - view.bottom, item.top - view.top);
  return 0;
}

/**
 * Where a key was pressed, for the keys a presenter's remote sends: `own`, an element that takes
 * every key itself (a terminal, a text field, a dialog); `arrows`, one that moves with the arrow
 * keys (the diagram's events, a row of tabs); `page`, anywhere else (the lesson's text, a button).
 */
export type KeyPlace = 'own' | 'arrows' | 'page';

/**
 * What a key does to the lesson: the next step, back one, or nothing. Remotes send PageDown and
 * PageUp (some → and ←): plain, they step wherever they mean nothing else; with Alt, from anywhere,
 * a terminal too (where plain PageDown must stay the terminal's). Alt+← is the browser's Back.
 */
export function stepKey(key: string, alt: boolean, place: KeyPlace): 'next' | 'back' | null {
  if (key === 'PageDown' || key === 'PageUp') {
    if (!alt && place === 'own') return null;
    return key === 'PageDown' ? 'next' : 'back';
  }
  if ((key === 'ArrowRight' || key === 'ArrowLeft') && !alt && place === 'page') {
    return key === 'ArrowRight' ? 'next' : 'back';
  }
  return null;
}

/**
 * Whether a key blanks the screen: B or `.`, as slide software takes them and a presenter's remote
 * sends them (its "blank" button), where they mean nothing else: not in a terminal or a text field,
 * and with no modifier (Ctrl+B, Alt+. belong to others).
 */
export function blanksScreen(key: string, modified: boolean, place: KeyPlace): boolean {
  return !modified && place !== 'own' && (key === 'b' || key === 'B' || key === '.');
}

/**
 * What this page's terminals have run of a lesson. Progress is kept in the browser, but a Python
 * name lives only in the terminal that made it: a reload, a second tab or a fresh start begins with
 * none, whatever the progress says. Nothing on a new page or after a fresh start.
 */
export interface TerminalsRan {
  /** The lesson whose steps they ran, or null. */
  lesson: string | null;
  /** How many of its steps, from the first. */
  steps: number;
}

/** Why the terminals cannot go on from the lesson's current step. */
export interface Gap {
  /** The steps done before, which these terminals have not run (0: none, but see `other`). */
  steps: number;
  /** The other lesson these terminals ran steps of, if any. */
  other: string | null;
}

/**
 * Whether the terminals are where the lesson is: null if the next step may simply be run. Otherwise
 * the steps done before must be replayed first (a lesson opened at step 4 on fresh terminals would
 * type step 4 into an interpreter where `s` was never defined). At step 1 nothing needs replaying,
 * but the terminals may still hold another lesson, which step 1 replaces.
 */
export function gapFor(lesson: string, current: number, ran: TerminalsRan): Gap | null {
  const other = ran.lesson !== null && ran.lesson !== lesson && ran.steps > 0 ? ran.lesson : null;
  if (current === 0) return other ? { steps: 0, other } : null;
  if (ran.lesson === lesson && ran.steps >= current) return null;
  return { steps: current, other };
}

/** What the lesson's Run button and the stepping keys do next. */
export type NextMove =
  | { kind: 'run'; step: number; again: boolean }
  | { kind: 'skip'; step: number }
  | { kind: 'replay'; steps: number }
  | { kind: 'none' };

/** A step whose line failed this many times is skipped by the next press, not typed once more. */
export const SKIP_AFTER_FAILURES = 2;

/**
 * The next move, from the current step, the number of steps, whether the terminals lack the steps
 * before (gapFor), and how often the current step's line has failed. A failed step is tried once
 * more (a server that was not listening yet, a slow peer), then the remote moves past it: typing a
 * failed bind a third time only fails differently (EINVAL), and a presenter cannot stop to debug.
 */
export function nextMove(current: number, total: number, gap: Gap | null, failures = 0): NextMove {
  if (gap && gap.steps > 0) return { kind: 'replay', steps: gap.steps };
  if (current >= total) return { kind: 'none' };
  if (failures >= SKIP_AFTER_FAILURES) return { kind: 'skip', step: current };
  return { kind: 'run', step: current, again: failures > 0 };
}

/** "step 1" or "steps 1–4", as the replay offers them. */
export const stepsText = (n: number): string => (n === 1 ? 'step 1' : `steps 1–${n}`);
