// How the page looks (text size, theme), kept in the browser: an instructor who sized the text for the
// projector and reloads, or opens the page again next week, finds it as they left it.

import { FONT_MAX, FONT_MIN, initialState, type State } from './state.js';

export type Display = Pick<State, 'fontSize' | 'theme'>;

const KEY = 'socket-playground:display';

type Store = Pick<Storage, 'getItem' | 'setItem'>;

/** What was kept, each part checked: anything missing, out of range or unreadable is left out. */
export function loadDisplay(store: Store): Partial<Display> {
  try {
    const raw = JSON.parse(store.getItem(KEY) ?? '{}') as Partial<Record<keyof Display, unknown>>;
    const out: Partial<Display> = {};
    if (Number.isInteger(raw?.fontSize))
      out.fontSize = Math.min(FONT_MAX, Math.max(FONT_MIN, raw.fontSize as number));
    if (raw?.theme === 'light' || raw?.theme === 'dark') out.theme = raw.theme;
    return out;
  } catch {
    // A corrupt entry (edited by hand, another version) must not break the page: the defaults.
    return {};
  }
}

/**
 * Keeps what differs from the page's defaults, and only that: a setting never changed follows the
 * defaults of the next version.
 */
export function saveDisplay(store: Store, d: Display): void {
  const changed: Partial<Display> = {};
  if (d.fontSize !== initialState.fontSize) changed.fontSize = d.fontSize;
  if (d.theme !== initialState.theme) changed.theme = d.theme;
  try {
    if (store.getItem(KEY) === null && Object.keys(changed).length === 0) return;
    store.setItem(KEY, JSON.stringify(changed));
  } catch {
    // Storage full or disabled (private mode): the setting lasts for this page only.
  }
}
