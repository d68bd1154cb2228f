import { recentSlots } from '../chartGeometry';

/** 360 slots of 5 s (30 min), with values in the newest `filled`. */
function series(filled: number, length = 360): Float64Array {
  const values = new Float64Array(length).fill(NaN);
  values.fill(1, length - filled);
  return values;
}

describe('recentSlots', () => {
  it('shows five minutes of a kernel a few seconds old', () => {
    expect(recentSlots([series(2), series(3)], 5)).toBe(60);
  });

  it('rounds up to whole minutes from the oldest value of any series', () => {
    // CPU from 7 min 5 s ago, memory from 4 min ago: 8 minutes.
    expect(recentSlots([series(85), series(48)], 5)).toBe(96);
  });

  it('shows the whole window once it is full, never more', () => {
    expect(recentSlots([series(360), series(360)], 5)).toBe(360);
    expect(recentSlots([series(359), series(1)], 5)).toBe(360);
  });

  it('keeps short windows whole and empty series at the minimum', () => {
    expect(recentSlots([series(1, 10)], 5)).toBe(10);
    expect(recentSlots([series(0), series(0)], 5)).toBe(60);
    expect(recentSlots([], 5)).toBe(0);
  });

  it('counts a value anywhere, even after a gap', () => {
    const values = series(1);
    values[100] = 3;
    expect(recentSlots([values], 5)).toBe(264);
  });

  it('takes the minimum in seconds whatever the step', () => {
    expect(recentSlots([series(1, 180)], 10)).toBe(30);
    expect(recentSlots([series(1)], 0)).toBe(360);
  });
});
