import { useEffect, useRef } from 'react';
import type { RefObject } from 'react';

/**
 * These pages load on first visit, so the app's move of focus to the page heading can find
 * only the loading text and fall back to <main>. When that happened, finish the move here.
 */
export function useHeadingFocus(): RefObject<HTMLHeadingElement | null> {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const main = document.getElementById('main');
    if (main && document.activeElement === main) ref.current?.focus();
  }, []);
  return ref;
}
