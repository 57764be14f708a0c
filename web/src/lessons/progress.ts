// Lesson progress kept in the browser (localStorage), so a reload or tomorrow's class finds it.

export interface LessonProgress {
  /** Steps whose checks passed, counted from the first. */
  done: number;
  exercise: boolean;
}

const KEY = 'socket-playground:progress';

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function loadProgress(store: Store): Record<string, LessonProgress> {
  try {
    const raw = JSON.parse(store.getItem(KEY) ?? '{}') as unknown;
    if (typeof raw !== 'object' || raw === null) return {};
    const out: Record<string, LessonProgress> = {};
    for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
      const p = v as Partial<LessonProgress>;
      if (typeof p?.done === 'number')
        out[id] = { done: Math.max(0, Math.floor(p.done)), exercise: p.exercise === true };
    }
    return out;
  } catch {
    // A corrupt entry (edited by hand, another version) must not break the page: start afresh.
    return {};
  }
}

export function saveProgress(store: Store, id: string, p: LessonProgress): Record<string, LessonProgress> {
  const all = { ...loadProgress(store), [id]: p };
  try {
    store.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or disabled (private mode): progress lasts for this page only.
  }
  return all;
}
