// How the lesson panel moves: where it scrolls when the current step changes.

import { describe, expect, it } from 'vitest';
import { revealDelta } from '../../../../web/src/lessons/flow.js';

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
