import { describe, expect, it } from 'vitest';
import { loadDisplay, saveDisplay } from '../../../../web/src/store/display.js';
import { FONT_MAX, FONT_MIN, initialState } from '../../../../web/src/store/state.js';

/** localStorage's two methods, over a Map. */
function memoryStore(entries: Record<string, string> = {}) {
  const m = new Map(Object.entries(entries));
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    size: () => m.size,
  };
}

describe('the kept text size and theme', () => {
  it('gives back the size and theme an instructor chose', () => {
    const store = memoryStore();
    saveDisplay(store, { fontSize: 22, theme: 'light' });
    expect(loadDisplay(store)).toEqual({ fontSize: 22, theme: 'light' });
  });

  it('keeps nothing while nothing was changed, so new defaults reach the page', () => {
    const store = memoryStore();
    saveDisplay(store, { fontSize: initialState.fontSize, theme: initialState.theme });
    expect(store.size()).toBe(0);
    saveDisplay(store, { fontSize: 30, theme: initialState.theme });
    expect(loadDisplay(store)).toEqual({ fontSize: 30 });
    // Back to the default: the default is what is kept, not the old size.
    saveDisplay(store, { fontSize: initialState.fontSize, theme: initialState.theme });
    expect(loadDisplay(store)).toEqual({});
  });

  it('reads a corrupt or out-of-range entry as the defaults, never as a broken page', () => {
    const key = 'socket-playground:display';
    expect(loadDisplay(memoryStore({ [key]: '{not json' }))).toEqual({});
    expect(loadDisplay(memoryStore({ [key]: 'null' }))).toEqual({});
    expect(loadDisplay(memoryStore({ [key]: '{"fontSize":"big","theme":"pink"}' }))).toEqual({});
    expect(loadDisplay(memoryStore({ [key]: '{"fontSize":1000}' }))).toEqual({ fontSize: FONT_MAX });
    expect(loadDisplay(memoryStore({ [key]: '{"fontSize":-3}' }))).toEqual({ fontSize: FONT_MIN });
  });

  it('goes on when storage refuses to keep anything (private mode, full)', () => {
    const store = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => saveDisplay(store, { fontSize: 20, theme: 'dark' })).not.toThrow();
  });
});
