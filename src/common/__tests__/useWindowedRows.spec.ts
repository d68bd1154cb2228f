import {
  moveIndex,
  renderedIndices,
  scrollTopToReveal,
  visibleRange
} from '../useWindowedRows';

describe('visibleRange', () => {
  const range = (
    offset: number,
    viewport = 360,
    rowCount = 2000,
    overscan = 0
  ) => visibleRange({ offset, viewport, rowHeight: 36, rowCount, overscan });

  it('covers exactly the rows that cross the viewport', () => {
    // 360 px from the top: rows 0–9.
    expect(range(0)).toEqual({ start: 0, end: 10 });
    // Half a row scrolled: row 0 is still partly in view, row 10 now too.
    expect(range(18)).toEqual({ start: 0, end: 11 });
    expect(range(36 * 100)).toEqual({ start: 100, end: 110 });
  });

  it('adds the overscan on both sides, within the rows', () => {
    expect(range(36 * 100, 360, 2000, 5)).toEqual({ start: 95, end: 115 });
    expect(range(0, 360, 2000, 5)).toEqual({ start: 0, end: 15 });
    expect(range(36 * 1995, 360, 2000, 5)).toEqual({ start: 1990, end: 2000 });
  });

  it('handles rows that start below the viewport’s top, or out of view', () => {
    // The rows start 200 px down (usage meters above them): 160 px of rows show.
    expect(range(-200)).toEqual({ start: 0, end: 5 });
    // Rows entirely below the viewport: nothing but the overscan.
    expect(range(-1000, 360, 2000, 3)).toEqual({ start: 0, end: 0 });
    // 640 px (17.8 rows) between the viewport's bottom and the first row.
    expect(range(-1000, 360, 2000, 20)).toEqual({ start: 0, end: 3 });
    // Entirely above it.
    expect(range(36 * 3000)).toEqual({ start: 2000, end: 2000 });
  });

  it('gives nothing for no rows, a hidden viewport or an unmeasured row', () => {
    expect(range(0, 360, 0)).toEqual({ start: 0, end: 0 });
    expect(range(0, 0)).toEqual({ start: 0, end: 0 });
    expect(
      visibleRange({
        offset: 0,
        viewport: 360,
        rowHeight: 0,
        rowCount: 10,
        overscan: 2
      })
    ).toEqual({
      start: 0,
      end: 0
    });
  });
});

describe('renderedIndices', () => {
  it('is the range when the kept row is in it or absent', () => {
    expect(renderedIndices({ start: 3, end: 6 }, 4, 10)).toEqual([3, 4, 5]);
    expect(renderedIndices({ start: 3, end: 6 }, -1, 10)).toEqual([3, 4, 5]);
  });

  it('keeps the focused row when it is scrolled away, in order', () => {
    expect(renderedIndices({ start: 3, end: 6 }, 0, 10)).toEqual([0, 3, 4, 5]);
    expect(renderedIndices({ start: 3, end: 6 }, 9, 10)).toEqual([3, 4, 5, 9]);
    expect(renderedIndices({ start: 0, end: 0 }, 2, 10)).toEqual([2]);
  });

  it('gives only rows that exist: the range may predate a collapse', () => {
    expect(renderedIndices({ start: 3, end: 6 }, 12, 10)).toEqual([3, 4, 5]);
    expect(renderedIndices({ start: 0, end: 27 }, 1, 4)).toEqual([0, 1, 2, 3]);
    expect(renderedIndices({ start: 20, end: 40 }, 2, 6)).toEqual([2]);
  });
});

describe('scrollTopToReveal', () => {
  const reveal = (rowTop: number, scrollTop: number) =>
    scrollTopToReveal({
      rowTop,
      rowHeight: 36,
      scrollTop,
      viewport: 400,
      stickyTop: 24
    });

  it('does not scroll for a row in view', () => {
    expect(reveal(100, 0)).toBe(0);
    expect(reveal(1000, 700)).toBe(700);
  });

  it('scrolls up so the row shows below the sticky header', () => {
    expect(reveal(500, 490)).toBe(476);
    expect(reveal(10, 400)).toBe(0);
  });

  it('scrolls down the least that shows the whole row', () => {
    expect(reveal(380, 0)).toBe(16);
    expect(reveal(36 * 1999, 0)).toBe(36 * 2000 - 400);
  });
});

describe('moveIndex', () => {
  it('moves by one, to the ends, and by pages, within the rows', () => {
    expect(moveIndex('ArrowDown', 4, 10, 3)).toBe(5);
    expect(moveIndex('ArrowUp', 4, 10, 3)).toBe(3);
    expect(moveIndex('ArrowDown', 9, 10, 3)).toBe(9);
    expect(moveIndex('ArrowUp', 0, 10, 3)).toBe(0);
    expect(moveIndex('Home', 4, 10, 3)).toBe(0);
    expect(moveIndex('End', 4, 10, 3)).toBe(9);
    expect(moveIndex('PageDown', 4, 10, 3)).toBe(7);
    expect(moveIndex('PageDown', 8, 10, 3)).toBe(9);
    expect(moveIndex('PageUp', 4, 10, 3)).toBe(1);
    expect(moveIndex('PageUp', 1, 10, 3)).toBe(0);
    // A page is at least one row.
    expect(moveIndex('PageDown', 4, 10, 0)).toBe(5);
  });

  it('leaves other keys and empty tables alone', () => {
    expect(moveIndex('ArrowLeft', 4, 10, 3)).toBeNull();
    expect(moveIndex('a', 4, 10, 3)).toBeNull();
    expect(moveIndex('ArrowDown', 0, 0, 3)).toBeNull();
  });
});
