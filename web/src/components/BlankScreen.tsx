// The screen blanked from a presenter's remote (B or ., see flow.ts): black, as slide software does
// it, while the class looks at the presenter. Any key or click brings the page back, and does only
// that: the PageDown that wakes it must not also run a step.

import { useLayoutEffect, useRef, useState } from 'react';
import { blanksScreen } from '../lessons/flow.js';
import { keyPlace } from '../lessons/key-place.js';

export function BlankScreen() {
  const [blank, setBlank] = useState(false);
  const blankNow = useRef(false);
  blankNow.current = blank;
  // A layout effect, registered once: it must see each key before the panels' own listeners (their
  // passive effects register later on the same window), to swallow the key that wakes the screen.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (blankNow.current) {
        e.preventDefault();
        e.stopImmediatePropagation();
        setBlank(false);
        return;
      }
      if (blanksScreen(e.key, e.ctrlKey || e.altKey || e.metaKey, keyPlace(e.target))) {
        e.preventDefault();
        e.stopImmediatePropagation();
        setBlank(true);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  if (!blank) return null;
  return (
    <button type="button" className="blank-screen" onClick={() => setBlank(false)}>
      <span>Screen blanked: any key or click brings it back.</span>
    </button>
  );
}
