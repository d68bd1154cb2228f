import * as React from 'react';

/**
 * Windowing for long lists of rows of one height: only the rows in view of
 * the nearest scrolling ancestor, plus an overscan, are rendered, absolutely
 * placed in a body as high as all the rows together (so the scrollbar is
 * right). The body may sit anywhere inside the scroller, below other content
 * or inside another table: what is in view is read from both boxes.
 */

/**
 * Rows `start` (included) to `end` (excluded).
 */
export interface IRowRange {
  start: number;
  end: number;
}

/**
 * The rows to render: those that cross the viewport, and `overscan` more on
 * each side.
 */
export function visibleRange(options: {
  /** Top of the viewport less top of the first row, in px (negative when the rows start below it). */
  offset: number;
  /** Height of the viewport, in px. */
  viewport: number;
  rowHeight: number;
  rowCount: number;
  overscan: number;
}): IRowRange {
  const { offset, viewport, rowHeight, rowCount, overscan } = options;
  if (rowCount <= 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const first = Math.floor(offset / rowHeight);
  const last = Math.ceil((offset + Math.max(0, viewport)) / rowHeight);
  const start = clamp(first - overscan, 0, rowCount);
  const end = clamp(last + overscan, start, rowCount);
  return { start, end };
}

/**
 * Indices of the rows to render, in order: the range, plus the `keep` row
 * when it lies outside (the focused row stays in the DOM while scrolled
 * away, so keyboard focus is never dropped). The range may be from before
 * the rows changed (a subtree collapsed): only existing rows are given.
 */
export function renderedIndices(
  range: IRowRange,
  keep: number,
  rowCount: number
): number[] {
  const start = Math.min(range.start, rowCount);
  const end = Math.min(range.end, rowCount);
  const indices: number[] = [];
  const outside = keep >= 0 && keep < rowCount && (keep < start || keep >= end);
  if (outside && keep < start) {
    indices.push(keep);
  }
  for (let i = start; i < end; i++) {
    indices.push(i);
  }
  if (outside && keep >= end) {
    indices.push(keep);
  }
  return indices;
}

/**
 * The scroller's new `scrollTop` that brings a row fully into view, or the
 * current one when it is already in view. `rowTop` is in the scroller's
 * content coordinates; `stickyTop` is what covers the viewport's top (a
 * sticky header).
 */
export function scrollTopToReveal(options: {
  rowTop: number;
  rowHeight: number;
  scrollTop: number;
  viewport: number;
  stickyTop: number;
}): number {
  const { rowTop, rowHeight, scrollTop, viewport, stickyTop } = options;
  if (rowTop < scrollTop + stickyTop) {
    return Math.max(0, rowTop - stickyTop);
  }
  if (rowTop + rowHeight > scrollTop + viewport) {
    return rowTop + rowHeight - viewport;
  }
  return scrollTop;
}

/**
 * Where a navigation key moves the focus among `rowCount` rows, or null for
 * any other key. `pageSize` rows per PageUp/PageDown.
 */
export function moveIndex(
  key: string,
  index: number,
  rowCount: number,
  pageSize: number
): number | null {
  if (rowCount <= 0) {
    return null;
  }
  const last = rowCount - 1;
  switch (key) {
    case 'ArrowDown':
      return clamp(index + 1, 0, last);
    case 'ArrowUp':
      return clamp(index - 1, 0, last);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return clamp(index + Math.max(1, pageSize), 0, last);
    case 'PageUp':
      return clamp(index - Math.max(1, pageSize), 0, last);
    default:
      return null;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * The nearest ancestor that scrolls vertically, or null for the document.
 */
export function scrollParent(element: HTMLElement): HTMLElement | null {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if (
      overflow === 'auto' ||
      overflow === 'scroll' ||
      overflow === 'overlay'
    ) {
      return node;
    }
  }
  return null;
}

export namespace useWindowedRows {
  export interface IOptions {
    rowCount: number;
    /** Until a rendered row has been measured. */
    estimatedRowHeight: number;
    /** Rows rendered beyond each edge of the viewport. */
    overscan: number;
  }

  export interface IResult {
    /** For the element that holds the rows (its children are the rows). */
    bodyRef: React.RefObject<HTMLDivElement>;
    range: IRowRange;
    rowHeight: number;
    /** Scroll the least needed to show row `index` below `stickyTop` px. */
    reveal: (index: number, stickyTop: number) => void;
    /** Whole rows per viewport, for PageUp and PageDown. */
    pageSize: (stickyTop: number) => number;
  }
}

/**
 * The range of rows to render, kept up to date on scroll (once per
 * animation frame), on resize of the scroller, and after every render (the
 * rows, or what comes above them, may have changed). The row height is
 * measured on a rendered row, so the theme's font sizes decide it.
 */
export function useWindowedRows(
  options: useWindowedRows.IOptions
): useWindowedRows.IResult {
  const { rowCount, overscan } = options;
  const bodyRef = React.useRef<HTMLDivElement>(null);
  const scrollerRef = React.useRef<HTMLElement | null>(null);
  const [rowHeight, setRowHeight] = React.useState(options.estimatedRowHeight);
  const [range, setRange] = React.useState<IRowRange>(() =>
    visibleRange({ offset: 0, viewport: 800, rowHeight, rowCount, overscan })
  );
  const latest = React.useRef({ rowCount, rowHeight, overscan });
  latest.current = { rowCount, rowHeight, overscan };

  const viewport = React.useCallback((): { top: number; height: number } => {
    const scroller = scrollerRef.current;
    if (scroller) {
      const box = scroller.getBoundingClientRect();
      return {
        top: box.top + scroller.clientTop,
        height: scroller.clientHeight
      };
    }
    return { top: 0, height: window.innerHeight };
  }, []);

  const update = React.useCallback(() => {
    const body = bodyRef.current;
    if (!body) {
      return;
    }
    // A resize may change the rows' layout and so their height (a narrow
    // table puts its figures on a line of their own).
    const measured =
      body.firstElementChild?.getBoundingClientRect().height ?? 0;
    if (measured > 0 && Math.abs(measured - latest.current.rowHeight) > 0.01) {
      setRowHeight(measured);
      return;
    }
    const view = viewport();
    const next = visibleRange({
      offset: view.top - body.getBoundingClientRect().top,
      viewport: view.height,
      ...latest.current
    });
    setRange(previous =>
      previous.start === next.start && previous.end === next.end
        ? previous
        : next
    );
  }, [viewport]);

  // Scroll and resize: at most one update per animation frame. A layout
  // effect, so the scroller is known before the first range is computed.
  React.useLayoutEffect(() => {
    const body = bodyRef.current;
    if (!body) {
      return;
    }
    const scroller = scrollParent(body);
    scrollerRef.current = scroller;
    let frame = 0;
    const schedule = () => {
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          update();
        });
      }
    };
    const target: HTMLElement | Window = scroller ?? window;
    target.addEventListener('scroll', schedule, { passive: true });
    const resize = new ResizeObserver(schedule);
    // A scroller shown after being hidden changes size: this catches it too.
    resize.observe(scroller ?? document.documentElement);
    return () => {
      target.removeEventListener('scroll', schedule);
      resize.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [update]);

  // After every render: the row height (from a rendered row) and the range.
  React.useLayoutEffect(() => {
    const row = bodyRef.current?.firstElementChild;
    // Fractional: rows are placed at index × height, a rounded height would drift.
    const measured = row?.getBoundingClientRect().height ?? 0;
    if (measured > 0 && Math.abs(measured - rowHeight) > 0.01) {
      setRowHeight(measured);
      return;
    }
    update();
  });

  const reveal = React.useCallback(
    (index: number, stickyTop: number) => {
      const body = bodyRef.current;
      if (!body) {
        return;
      }
      const scroller = scrollerRef.current ?? document.scrollingElement;
      if (!scroller) {
        return;
      }
      const view = viewport();
      const height = latest.current.rowHeight;
      const rowTop =
        body.getBoundingClientRect().top -
        view.top +
        scroller.scrollTop +
        index * height;
      scroller.scrollTop = scrollTopToReveal({
        rowTop,
        rowHeight: height,
        scrollTop: scroller.scrollTop,
        viewport: view.height,
        stickyTop
      });
    },
    [viewport]
  );

  const pageSize = React.useCallback(
    (stickyTop: number) =>
      Math.max(
        1,
        Math.floor((viewport().height - stickyTop) / latest.current.rowHeight) -
          1
      ),
    [viewport]
  );

  return { bodyRef, range, rowHeight, reveal, pageSize };
}
