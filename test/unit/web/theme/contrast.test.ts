// Every colour the page writes text in, against every surface it writes it on, in both themes: at
// least WCAG AA's 4.5:1, which a washed-out classroom projector needs more than any screen.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TERMINAL_THEMES } from '../../../../web/src/terminal/xterm-setup.js';
import { contrast } from '../../../support/contrast.js';

const AA = 4.5;

/** The custom properties each theme sets in styles.css. */
function cssThemes(): Record<'dark' | 'light', Record<string, string>> {
  const css = readFileSync(new URL('../../../../web/src/styles.css', import.meta.url), 'utf8');
  const block = (theme: string) => {
    const body = new RegExp(`:root\\[data-theme="${theme}"\\] \\{([^}]*)\\}`).exec(css)?.[1];
    if (!body) throw new Error(`no ${theme} theme in styles.css`);
    return Object.fromEntries(
      [...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1]!, m[2]!]),
    );
  };
  return { dark: block('dark'), light: block('light') };
}

/** Text colours, and the surfaces text is written on (page, panels, a selected row). */
const TEXT = ['text', 'muted', 'call', 'ok', 'error', 'kernel', 'data', 'state', 'server', 'accent'];
const SURFACES = ['bg', 'panel', 'select'];

describe('contrast on a projector', () => {
  it('measures as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  for (const [theme, vars] of Object.entries(cssThemes())) {
    it(`gives every text colour of the ${theme} theme 4.5:1 on every surface`, () => {
      const weak: string[] = [];
      for (const t of TEXT)
        for (const s of SURFACES) {
          expect(vars[t], `--${t}`).toMatch(/^#/);
          const r = contrast(vars[t]!, vars[s]!);
          if (r < AA) weak.push(`--${t} on --${s}: ${r.toFixed(2)}`);
        }
      expect(weak).toEqual([]);
    });
  }

  for (const [theme, colours] of Object.entries(TERMINAL_THEMES)) {
    it(`gives the terminals' ${theme} colours 4.5:1: text, errors, arrows and marks`, () => {
      const weak = (['foreground', 'red', 'yellow', 'cyan', 'magenta'] as const)
        .map((c) => [c, contrast(colours[c], colours.background)] as const)
        .filter(([, r]) => r < AA)
        .map(([c, r]) => `${c}: ${r.toFixed(2)}`);
      expect(weak).toEqual([]);
    });
  }
});
