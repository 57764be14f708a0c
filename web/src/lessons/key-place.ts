// Where a key went, in the DOM, for the keys a presenter's remote sends (flow.ts decides what they do).

import type { KeyPlace } from './flow.js';

/** The xterm's hidden textarea, like any text field, keeps its keys; so does a dialog. */
export function keyPlace(target: EventTarget | null): KeyPlace {
  if (!(target instanceof Element)) return 'page';
  if (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable) ||
    target.closest('.terminal-host, [role="dialog"]')
  )
    return 'own';
  return target.closest('.diagram-body, [role="tablist"]') ? 'arrows' : 'page';
}
