// How the lesson panel moves: where it scrolls when the current step changes, which keys step, and
// what comes next when the terminals have not run the steps the progress says were done.

import { describe, expect, it } from 'vitest';
import {
  blanksScreen,
  gapFor,
  nextMove,
  revealDelta,
  stepKey,
  stepsText,
} from '../../../../web/src/lessons/flow.js';

describe('scrolling the current step into view', () => {
  const view = { top: 100, bottom: 700 };

  it('leaves a step that already shows where it is', () => {
    expect(revealDelta({ top: 300, bottom: 400 }, view)).toBe(0);
  });

  it('brings a step below the fold up just enough to show it whole', () => {
    expect(revealDelta({ top: 650, bottom: 800 }, view)).toBe(100);
  });

  it('brings a step hidden under the controls down below them', () => {
    expect(revealDelta({ top: 40, bottom: 200 }, view)).toBe(-60);
  });

  it('shows the top of a step taller than the view, where its line is', () => {
    expect(revealDelta({ top: 900, bottom: 1800 }, view)).toBe(800);
  });
});

describe("a presenter's remote", () => {
  it('steps with plain PageDown and PageUp wherever they are not a terminal or text field', () => {
    expect(stepKey('PageDown', false, 'page')).toBe('next');
    expect(stepKey('PageUp', false, 'page')).toBe('back');
    expect(stepKey('PageDown', false, 'arrows')).toBe('next');
    // In a terminal PageDown stays the terminal's.
    expect(stepKey('PageDown', false, 'own')).toBeNull();
    expect(stepKey('PageUp', false, 'own')).toBeNull();
  });

  it('steps with Alt+PageDown and Alt+PageUp from anywhere, a terminal too', () => {
    for (const place of ['own', 'arrows', 'page'] as const) {
      expect(stepKey('PageDown', true, place)).toBe('next');
      expect(stepKey('PageUp', true, place)).toBe('back');
    }
  });

  it('steps with → and ← only where arrows mean nothing else, and never takes Alt+← (Back)', () => {
    expect(stepKey('ArrowRight', false, 'page')).toBe('next');
    expect(stepKey('ArrowLeft', false, 'page')).toBe('back');
    expect(stepKey('ArrowRight', false, 'arrows')).toBeNull();
    expect(stepKey('ArrowLeft', false, 'own')).toBeNull();
    expect(stepKey('ArrowLeft', true, 'page')).toBeNull();
  });

  it('leaves other keys alone', () => {
    expect(stepKey('b', false, 'page')).toBeNull();
    expect(stepKey('Enter', false, 'page')).toBeNull();
  });

  it('blanks the screen with B or . (its blank button) where they are not typed text', () => {
    for (const key of ['b', 'B', '.']) {
      expect(blanksScreen(key, false, 'page')).toBe(true);
      expect(blanksScreen(key, false, 'arrows')).toBe(true);
      // Typed into a terminal or a field, or with Ctrl, Alt or Meta: someone else's key.
      expect(blanksScreen(key, false, 'own')).toBe(false);
      expect(blanksScreen(key, true, 'page')).toBe(false);
    }
    expect(blanksScreen('w', false, 'page')).toBe(false);
    expect(blanksScreen('PageDown', false, 'page')).toBe(false);
  });
});

describe('terminals that have not run the steps done before', () => {
  const fresh = { lesson: null, steps: 0 };

  it('go on from the current step when they ran the steps before it', () => {
    expect(gapFor('02', 3, { lesson: '02', steps: 3 })).toBeNull();
    // A step whose line failed was typed all the same.
    expect(gapFor('02', 3, { lesson: '02', steps: 4 })).toBeNull();
    expect(gapFor('02', 0, fresh)).toBeNull();
  });

  it('replay the steps done before on a new page (a reload, a second tab)', () => {
    const gap = gapFor('02', 3, fresh);
    expect(gap).toEqual({ steps: 3, other: null });
    expect(nextMove(3, 14, gap)).toEqual({ kind: 'replay', steps: 3 });
    // Another tab went further in the same lesson than these terminals.
    expect(gapFor('02', 5, { lesson: '02', steps: 3 })).toEqual({ steps: 5, other: null });
  });

  it('replay a finished lesson too, so its exercise can be done: nothing is left without a next move', () => {
    const gap = gapFor('02', 14, fresh);
    expect(nextMove(14, 14, gap)).toEqual({ kind: 'replay', steps: 14 });
    expect(nextMove(14, 14, null)).toEqual({ kind: 'none' });
  });

  it('name the other lesson they hold, even at step 1 (which starts afresh)', () => {
    expect(gapFor('13', 24, { lesson: '16', steps: 12 })).toEqual({ steps: 24, other: '16' });
    const first = gapFor('13', 0, { lesson: '16', steps: 12 });
    expect(first).toEqual({ steps: 0, other: '16' });
    expect(nextMove(0, 24, first)).toEqual({ kind: 'run', step: 0, again: false });
    // Fresh terminals made for another lesson hold nothing of it.
    expect(gapFor('13', 0, { lesson: '16', steps: 0 })).toBeNull();
  });

  it('run the next step when the terminals are where the lesson is', () => {
    expect(nextMove(3, 14, null)).toEqual({ kind: 'run', step: 3, again: false });
  });

  it('say the steps to replay as a person would', () => {
    expect(stepsText(1)).toBe('step 1');
    expect(stepsText(4)).toBe('steps 1–4');
  });
});

describe('a step whose line failed', () => {
  it('is run once more, then skipped by the next press', () => {
    expect(nextMove(2, 14, null, 1)).toEqual({ kind: 'run', step: 2, again: true });
    expect(nextMove(2, 14, null, 2)).toEqual({ kind: 'skip', step: 2 });
    expect(nextMove(2, 14, null, 5)).toEqual({ kind: 'skip', step: 2 });
  });

  it('is replayed with the others first when the terminals lack the steps before', () => {
    expect(nextMove(2, 14, { steps: 2, other: null }, 2)).toEqual({ kind: 'replay', steps: 2 });
  });
});
