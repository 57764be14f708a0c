// Keeps a scrolling view on its newest entries while the reader is down there, and leaves it where the
// reader put it once they scroll back to read. Shared by the call-flow diagram and the raw hex view.

import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from 'react';

/**
 * Follows the bottom of `ref`'s content each time `change` changes (a value that changes as the content
 * grows, compared as React compares effect dependencies), if the reader was at the bottom. `onFollow`
 * runs after each follow, for views that also scroll sideways to the newest entry.
 *
 * Where the reader was is read during render, before React changes the content: from the live scroll
 * position, not from scroll events, which the browser delivers a frame late (content drawn in that
 * frame would drag a reader who has just scrolled up back down), and not after the change, when the
 * browser may already have moved the view to keep what it showed in place (scroll anchoring, as old
 * entries leave the top).
 *
 * `following` lags by that frame (it drives a "jump to newest" button, nothing more); `onScroll` must
 * be the view's scroll handler, and `jump` scrolls to the newest entry and follows again.
 */
export function useFollowNewest<T extends HTMLElement>(
  ref: RefObject<T | null>,
  change: unknown,
  slack: number,
  onFollow?: (el: T) => void,
): { following: boolean; onScroll: () => void; jump: () => void } {
  const [following, setFollowing] = useState(true);
  const follow = useRef(onFollow);
  follow.current = onFollow;

  const atBottom = useRef(true);
  const now = ref.current;
  if (now) atBottom.current = now.scrollHeight - now.scrollTop - now.clientHeight < slack;

  const toBottom = useCallback((el: T) => {
    el.scrollTop = el.scrollHeight;
    follow.current?.(el);
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of content is what makes it follow
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && atBottom.current) toBottom(el);
  }, [change]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (el) setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < slack);
  }, [ref, slack]);

  const jump = useCallback(() => {
    const el = ref.current;
    if (el) toBottom(el);
  }, [ref, toBottom]);

  return { following, onScroll, jump };
}
