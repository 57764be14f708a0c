// What every xterm terminal on the page shares: the font, the projector-readable themes, the escape
// sequences that must never reach outside the terminal, and fitting it to its box.

import type { Terminal } from '@xterm/xterm';

export const TERMINAL_FONT = 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace';

/**
 * Rows a little taller than the font's own cell. At 1.0, at some sizes (10, 14, 19 and 23 px with
 * DejaVu Sans Mono) the underscore falls just below its row and is cut away: `create_connection`
 * read as `create connection` on a projector (xterm.js issue 1138).
 */
export const TERMINAL_LINE_HEIGHT = 1.1;

/**
 * Colours readable on a projector in both themes: cyan, yellow, magenta mark raw sessions' arrows and
 * escapes, red the errors (the page's own --error: xterm's default red is 3.6:1 on the dark background).
 */
export const TERMINAL_THEMES = {
  dark: {
    background: '#111418',
    foreground: '#e8eaed',
    cursor: '#ffd166',
    selectionBackground: '#3a4a63',
    red: '#ff7b7b',
    cyan: '#5fd7e8',
    yellow: '#ffd166',
    magenta: '#f0a6ff',
  },
  light: {
    background: '#ffffff',
    foreground: '#111111',
    cursor: '#0044cc',
    selectionBackground: '#b3d4ff',
    red: '#b00020',
    cyan: '#005f73',
    yellow: '#7a5200',
    magenta: '#7b1fa2',
  },
};

/**
 * WCAG AA for text: xterm moves any colour nearer to the foreground's until it reaches this against
 * its background, so a peer's own colours shown with "Interpret as terminal" (blue on black) read too.
 */
export const TERMINAL_MIN_CONTRAST = 4.5;

/** OSC numbers text could use to reach outside the terminal: titles (0-2), hyperlinks (8), clipboard (52). */
const SWALLOWED_OSC = [0, 1, 2, 8, 52];

/** Makes the terminal ignore title changes, links and clipboard access, whatever it is shown. */
export function swallowDangerousOsc(t: Terminal): void {
  for (const osc of SWALLOWED_OSC) t.parser.registerOscHandler(osc, () => true);
}

/** The size of one character cell in the terminal's font, measured, as xterm lays it out. */
function cellSize(el: HTMLElement, fontFamily: string, fontSize: number): { width: number; height: number } {
  const probe = document.createElement('span');
  probe.style.cssText = `position:absolute;visibility:hidden;white-space:pre;font-family:${fontFamily};font-size:${fontSize}px;line-height:normal`;
  probe.textContent = 'W'.repeat(40);
  el.appendChild(probe);
  const r = probe.getBoundingClientRect();
  probe.remove();
  return { width: r.width / 40 || fontSize * 0.6, height: Math.ceil(fontSize * 1.2) };
}

/** Resizes the terminal to as many whole cells as fit in its host element. */
export function fitTerminal(t: Terminal, el: HTMLElement, min = { cols: 20, rows: 4 }): void {
  const cell = cellSize(el, t.options.fontFamily ?? 'monospace', t.options.fontSize ?? 14);
  const cols = Math.max(min.cols, Math.floor((el.clientWidth - 8) / cell.width));
  const rows = Math.max(min.rows, Math.floor((el.clientHeight - 4) / cell.height));
  if (cols !== t.cols || rows !== t.rows) t.resize(cols, rows);
}
