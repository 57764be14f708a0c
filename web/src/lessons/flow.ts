// How the lesson panel moves, decided without React or the DOM so it can be tested in Node: where
// the panel scrolls when the current step changes, and which keys step.

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
