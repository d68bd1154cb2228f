import * as React from 'react';
import {
  bridgeBuckets,
  bucketPeaks,
  isValue,
  linePath,
  peakOf
} from './chartGeometry';

/**
 * Default size in px: fits a process row's figures line.
 */
export const SPARKLINE_WIDTH = 48;
export const SPARKLINE_HEIGHT = 14;

export interface ISparklineProps {
  /** Oldest first; null or NaN where no scan fell. */
  values: ArrayLike<number | null>;
  /**
   * The value drawn at the top (a limit); values above it raise the top. 0
   * scales to the values' own peak.
   */
  max: number;
  /**
   * The accessible name, e.g. "Memory over the last 30 min: 120 MB now,
   * peak 310 MB" (see historySummary).
   */
  label: string;
  /** Makes it a button (e.g. to open the details). Keep it stable. */
  onClick?: () => void;
  /** The button's tab index, for rows with a roving tab index. */
  tabIndex?: number;
  width?: number;
  height?: number;
  /** Seconds per value (default 5): short gaps are drawn across. */
  step?: number;
}

/**
 * A small line of the recent values, one point per pixel (the peak of the
 * slots under it), in the theme's colours. Re-renders only when its props
 * change: give it the same `values` object while the history is unchanged.
 */
export const Sparkline = React.memo(SparklineImpl);

function SparklineImpl(props: ISparklineProps): JSX.Element {
  const { values, max, label, onClick } = props;
  const width = props.width ?? SPARKLINE_WIDTH;
  const height = props.height ?? SPARKLINE_HEIGHT;
  const step = props.step ?? 5;
  const d = React.useMemo(
    () => sparklinePath(values, max, width, height, step),
    [values, max, width, height, step]
  );
  const svg = (
    <svg
      className="jp-KernelManager-sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      focusable="false"
      {...(onClick
        ? { 'aria-hidden': true }
        : { role: 'img', 'aria-label': label })}
    >
      {!onClick && <title>{label}</title>}
      <line
        className="jp-KernelManager-sparklineBase"
        x1={0}
        x2={width}
        y1={height - 0.5}
        y2={height - 0.5}
      />
      {d && <path className="jp-KernelManager-sparklineLine" d={d} />}
    </svg>
  );
  if (!onClick) {
    return svg;
  }
  return (
    <button
      className="jp-KernelManager-sparklineButton"
      aria-label={label}
      title={label}
      tabIndex={props.tabIndex}
      onClick={onClick}
    >
      {svg}
    </button>
  );
}

/**
 * The sparkline's path: `values` (one per `step` seconds) taken down to one
 * point per pixel, 0 at the bottom and `max` (or the peak, when higher) at
 * the top, inside a half-pixel margin for the stroke.
 */
export function sparklinePath(
  values: ArrayLike<number | null>,
  max: number,
  width: number,
  height: number,
  step = 5
): string {
  const peaks = bucketPeaks(values, Math.max(1, Math.floor(width - 1)));
  const bridge = bridgeBuckets(values.length, peaks.length, step);
  const peak = peakOf(peaks);
  const top = Math.max(max > 0 ? max : 0, isValue(peak) ? peak : 0) || 1;
  return linePath(
    peaks,
    top,
    {
      x: 0.5,
      y: 0.5,
      width: width - 1,
      height: height - 1.5
    },
    bridge
  );
}
