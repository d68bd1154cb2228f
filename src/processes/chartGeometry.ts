/**
 * Geometry shared by the sparklines and the history charts: values taken
 * down to one per pixel (the peak, so that a short spike still shows), then
 * SVG paths that break where no scan fell.
 */

/**
 * Where a path is drawn, in the SVG's user units.
 */
export interface IChartBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Whether a value counts: null, undefined and NaN are gaps.
 */
export function isValue(value: number | null | undefined): value is number {
  return typeof value === 'number' && value === value;
}

/**
 * The peak of each of `buckets` equal runs of `values` (NaN for a run
 * without a value); as many buckets as values when there are fewer.
 */
export function bucketPeaks(
  values: ArrayLike<number | null>,
  buckets: number
): Float64Array {
  const n = values.length;
  const count = Math.max(0, Math.min(n, Math.floor(buckets)));
  const peaks = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    const from = Math.floor((b * n) / count);
    const to = Math.floor(((b + 1) * n) / count);
    let peak = NaN;
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (isValue(value) && !(value <= peak)) {
        peak = value;
      }
    }
    peaks[b] = peak;
  }
  return peaks;
}

/**
 * The largest value, or NaN when there is none.
 */
export function peakOf(values: ArrayLike<number | null>): number {
  let peak = NaN;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (isValue(value) && !(value <= peak)) {
      peak = value;
    }
  }
  return peak;
}

/**
 * The newest value, or NaN when there is none.
 */
export function latestOf(values: ArrayLike<number | null>): number {
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (isValue(value)) {
      return value;
    }
  }
  return NaN;
}

/**
 * The points of `peaks` in `box`, 0 at its bottom and `top` at its top
 * (higher values clipped), NaN where there is no value.
 */
function points(
  peaks: Float64Array,
  top: number,
  box: IChartBox
): { xs: Float64Array; ys: Float64Array } {
  const n = peaks.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const dx = n > 1 ? box.width / (n - 1) : 0;
  const scale = top > 0 ? box.height / top : 0;
  for (let i = 0; i < n; i++) {
    const value = peaks[i];
    xs[i] = box.x + (n > 1 ? i * dx : box.width / 2);
    ys[i] = isValue(value)
      ? box.y + box.height - Math.min(box.height, Math.max(0, value * scale))
      : NaN;
  }
  return { xs, ys };
}

const r = (value: number) => Math.round(value * 10) / 10;

/**
 * A polyline through the peaks, broken at gaps; a lone value is a short dash
 * so that it shows.
 */
export function linePath(
  peaks: Float64Array,
  top: number,
  box: IChartBox
): string {
  const { xs, ys } = points(peaks, top, box);
  const parts: string[] = [];
  for (let i = 0; i < ys.length; i++) {
    if (!isValue(ys[i])) {
      continue;
    }
    const alone = !isValue(ys[i - 1]) && !isValue(ys[i + 1]);
    if (alone) {
      parts.push(`M${r(xs[i] - 0.5)} ${r(ys[i])}h1`);
    } else {
      parts.push(`${isValue(ys[i - 1]) ? 'L' : 'M'}${r(xs[i])} ${r(ys[i])}`);
    }
  }
  return parts.join('');
}

/**
 * The area under the polyline, one closed shape per run without gaps.
 */
export function areaPath(
  peaks: Float64Array,
  top: number,
  box: IChartBox
): string {
  const { xs, ys } = points(peaks, top, box);
  const bottom = r(box.y + box.height);
  const parts: string[] = [];
  let runStart = -1;
  for (let i = 0; i <= ys.length; i++) {
    const has = i < ys.length && isValue(ys[i]);
    if (has && runStart < 0) {
      runStart = i;
      parts.push(`M${r(xs[i])} ${bottom}`);
    }
    if (has) {
      parts.push(`L${r(xs[i])} ${r(ys[i])}`);
    } else if (runStart >= 0) {
      parts.push(`L${r(xs[i - 1])} ${bottom}Z`);
      runStart = -1;
    }
  }
  return parts.join('');
}
