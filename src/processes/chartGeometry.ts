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
 * Gaps up to this long are drawn across: while nobody watches, the server
 * samples every 30 s (every sixth slot), and a line of dots would say less.
 */
export const BRIDGE_SECONDS = 60;

/**
 * The buckets of `peaks` with a value, and whether each joins the previous
 * one (no more than `bridge` empty buckets between them).
 */
function runs(
  ys: Float64Array,
  bridge: number
): { at: number; joined: boolean }[] {
  const out: { at: number; joined: boolean }[] = [];
  let last = -Infinity;
  for (let i = 0; i < ys.length; i++) {
    if (isValue(ys[i])) {
      out.push({ at: i, joined: i - last - 1 <= bridge });
      last = i;
    }
  }
  return out;
}

/**
 * A polyline through the peaks, broken at gaps longer than `bridge` buckets;
 * a lone value is a short dash so that it shows.
 */
export function linePath(
  peaks: Float64Array,
  top: number,
  box: IChartBox,
  bridge = 0
): string {
  const { xs, ys } = points(peaks, top, box);
  const list = runs(ys, bridge);
  const parts: string[] = [];
  list.forEach(({ at, joined }, k) => {
    const next = list[k + 1];
    if (!joined && !next?.joined) {
      parts.push(`M${r(xs[at] - 0.5)} ${r(ys[at])}h1`);
    } else {
      parts.push(`${joined ? 'L' : 'M'}${r(xs[at])} ${r(ys[at])}`);
    }
  });
  return parts.join('');
}

/**
 * The area under the polyline, one closed shape per run of joined values.
 */
export function areaPath(
  peaks: Float64Array,
  top: number,
  box: IChartBox,
  bridge = 0
): string {
  const { xs, ys } = points(peaks, top, box);
  const bottom = r(box.y + box.height);
  const parts: string[] = [];
  const list = runs(ys, bridge);
  list.forEach(({ at, joined }, k) => {
    if (!joined) {
      parts.push(`M${r(xs[at])} ${bottom}`);
    }
    parts.push(`L${r(xs[at])} ${r(ys[at])}`);
    if (!list[k + 1]?.joined) {
      parts.push(`L${r(xs[at])} ${bottom}Z`);
    }
  });
  return parts.join('');
}

/**
 * How many empty buckets to draw across: a gap of BRIDGE_SECONDS among
 * `values` slots of `step` seconds, drawn in `buckets`.
 */
export function bridgeBuckets(
  values: number,
  buckets: number,
  step: number
): number {
  if (values <= 0 || step <= 0) {
    return 0;
  }
  const slots = Math.floor(BRIDGE_SECONDS / step);
  return Math.floor((slots * Math.min(buckets, values)) / values);
}

/**
 * How many of the newest slots a chart shows: from the oldest slot with a
 * value in any of `series`, rounded up to whole minutes, at least
 * `minSeconds` and at most them all. A kernel started a minute ago gets a
 * five-minute chart instead of a dot at the end of a 30-minute one.
 */
export function recentSlots(
  series: ArrayLike<number | null>[],
  step: number,
  minSeconds = 300
): number {
  const n = series.reduce((most, values) => Math.max(most, values.length), 0);
  if (n === 0 || !(step > 0)) {
    return n;
  }
  let first = n;
  for (const values of series) {
    const offset = n - values.length;
    for (let i = 0; i < values.length && offset + i < first; i++) {
      if (isValue(values[i])) {
        first = offset + i;
        break;
      }
    }
  }
  const perMinute = Math.max(1, Math.round(60 / step));
  const wanted = Math.max(n - first, Math.ceil(minSeconds / step));
  return Math.min(n, Math.ceil(wanted / perMinute) * perMinute);
}
