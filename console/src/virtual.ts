import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';

/**
 * Windowing for a long list of rows of one height (the inbox: 10,000 open
 * conversations): only the rows in view, plus `overscan` on each side, are in
 * the DOM; padding above and below keeps the scrollbar true to the whole list.
 * The padding goes on the list inside the scrolling box (padding on the box
 * itself could not shrink, and the box would grow instead of scroll).
 * The rows' height is measured from the first one rendered (CSS fixes it), so
 * a font size change does not break the arithmetic. No library: with one row
 * height the window is a division, and the page carries no extra bundle.
 */
export interface ListWindow {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
  /** For the scroll container. */
  ref: RefObject<HTMLDivElement | null>;
  onScroll: () => void;
}

export function useListWindow(count: number, guessRowPx: number, overscan = 8): ListWindow {
  const ref = useRef<HTMLDivElement>(null);
  const [rowPx, setRowPx] = useState(guessRowPx);
  const [view, setView] = useState({ top: 0, height: 800 });

  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure]);

  // After the first rows are in the DOM: their real height, once it differs from the guess.
  useLayoutEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('li');
    const h = first?.getBoundingClientRect().height;
    if (h && Math.abs(h - rowPx) > 0.5) setRowPx(h);
  });

  const start = Math.max(0, Math.floor(view.top / rowPx) - overscan);
  const end = Math.min(count, Math.ceil((view.top + view.height) / rowPx) + overscan);
  return { start, end, padTop: start * rowPx, padBottom: Math.max(0, (count - end) * rowPx), ref, onScroll: measure };
}
