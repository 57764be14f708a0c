// How the lesson panel moves: where it scrolls when the current step changes, and which keys step.

import { describe, expect, it } from 'vitest';
import { revealDelta, stepKey } from '../../../../web/src/lessons/flow.js';

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
});
