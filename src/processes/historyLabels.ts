import { TranslationBundle } from '@jupyterlab/translation';
import { formatBytes } from '../common/format';
import { isValue, latestOf, peakOf } from './chartGeometry';

/**
 * What a history shows: CPU in percent (100 = one core) or memory in bytes.
 */
export type HistoryQuantity = 'cpu' | 'memory';

/**
 * A value as the tables show it: "42%", "120 MB".
 */
export function formatQuantity(
  quantity: HistoryQuantity,
  value: number
): string {
  return quantity === 'cpu' ? `${value.toFixed(0)}%` : formatBytes(value);
}

/**
 * "CPU", "Memory".
 */
export function quantityName(
  quantity: HistoryQuantity,
  trans: TranslationBundle
): string {
  return quantity === 'cpu' ? trans.__('CPU') : trans.__('Memory');
}

/**
 * How long ago, or for how long: "45 s", "12 min", "2 h", "3 d" (rounded
 * down, as the process table's ages are).
 */
export function formatDuration(
  seconds: number,
  trans: TranslationBundle
): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return trans.__('%1 s', s);
  }
  if (s < 3600) {
    return trans.__('%1 min', Math.floor(s / 60));
  }
  if (s < 86400) {
    return trans.__('%1 h', Math.floor(s / 3600));
  }
  return trans.__('%1 d', Math.floor(s / 86400));
}

/**
 * The span of the history's window: "30 min", "90 min", "6 h".
 */
export function formatWindow(
  seconds: number,
  trans: TranslationBundle
): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600 && s % 3600 === 0) {
    return trans.__('%1 h', s / 3600);
  }
  return s < 60 ? trans.__('%1 s', s) : trans.__('%1 min', Math.round(s / 60));
}

/**
 * A chart's or a sparkline's accessible name, e.g. "Memory over the last
 * 30 min: 120 MB now, peak 310 MB".
 */
export function historySummary(
  quantity: HistoryQuantity,
  values: ArrayLike<number | null>,
  seconds: number,
  trans: TranslationBundle
): string {
  const span = formatWindow(seconds, trans);
  const now = latestOf(values);
  const peak = peakOf(values);
  if (!isValue(now)) {
    return quantity === 'cpu'
      ? trans.__('CPU over the last %1: no data yet', span)
      : trans.__('Memory over the last %1: no data yet', span);
  }
  const [a, b] = [
    formatQuantity(quantity, now),
    formatQuantity(quantity, peak)
  ];
  return quantity === 'cpu'
    ? trans.__('CPU over the last %1: %2 now, peak %3', span, a, b)
    : trans.__('Memory over the last %1: %2 now, peak %3', span, a, b);
}

/**
 * The peak of each period of a series (at most `rows` periods of whole
 * minutes), oldest first, for a table read instead of the chart.
 */
export function periodPeaks(
  values: ArrayLike<number | null>,
  step: number,
  rows = 30
): { ago: number; seconds: number; peak: number }[] {
  const total = values.length * step;
  const minutes = Math.max(1, Math.ceil(total / 60 / rows));
  const period = minutes * 60;
  const slots = Math.max(1, Math.round(period / step));
  const out: { ago: number; seconds: number; peak: number }[] = [];
  // Aligned on the newest slot: the last period ends now.
  for (let end = values.length; end > 0; end -= slots) {
    const from = Math.max(0, end - slots);
    let peak = NaN;
    for (let i = from; i < end; i++) {
      const value = values[i];
      if (isValue(value) && !(value <= peak)) {
        peak = value;
      }
    }
    out.push({
      ago: (values.length - from) * step,
      seconds: (end - from) * step,
      peak
    });
  }
  return out.reverse();
}
