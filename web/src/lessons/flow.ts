// How the lesson panel moves, decided without React or the DOM so it can be tested in Node: where
// the panel scrolls when the current step changes.

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
