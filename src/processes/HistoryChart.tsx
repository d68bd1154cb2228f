import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import {
  areaPath,
  bridgeBuckets,
  bucketPeaks,
  IChartBox,
  isValue,
  latestOf,
  linePath,
  peakOf
} from './chartGeometry';
import {
  formatDuration,
  formatQuantity,
  formatWindow,
  historySummary,
  HistoryQuantity,
  periodPeaks,
  quantityName
} from './historyLabels';

const HEIGHT = 140;
const TOP = 18;
const BOTTOM = 20;
const DEFAULT_WIDTH = 480;

/**
 * A limit far above the values would flatten them: it is drawn only when the
 * peak reaches this share of it, and named above the chart otherwise.
 */
const LIMIT_IN_VIEW = 0.25;

export interface IHistoryChartProps {
  quantity: HistoryQuantity;
  /** One value per slot, oldest first; null or NaN where no scan fell. */
  values: ArrayLike<number | null>;
  /** Seconds per value. */
  step: number;
  /** Drawn as a dashed line, or null. */
  limit: number | null;
  trans: TranslationBundle;
}

/**
 * One quantity over the history's window: the line of its values, the limit
 * dashed, the top of the scale and the times of both ends written on it; a
 * table of the peak of each minute for screen readers.
 */
export function HistoryChart(props: IHistoryChartProps): JSX.Element {
  const { quantity, values, step, limit, trans } = props;
  const ref = React.useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const seconds = values.length * step;
  const name = quantityName(quantity, trans);
  const peak = peakOf(values);
  const now = latestOf(values);
  const hasLimit = limit !== null && limit > 0;
  const limitInView =
    hasLimit && (!isValue(peak) || peak >= limit * LIMIT_IN_VIEW);
  const top =
    Math.max(isValue(peak) ? peak : 0, limitInView ? (limit as number) : 0) ||
    1;
  const box: IChartBox = {
    x: 1,
    y: TOP,
    width: Math.max(1, width - 2),
    height: HEIGHT - TOP - BOTTOM
  };
  const paths = React.useMemo(() => {
    const peaks = bucketPeaks(values, box.width);
    const bridge = bridgeBuckets(values.length, peaks.length, step);
    return {
      line: linePath(peaks, top, box, bridge),
      area: areaPath(peaks, top, box, bridge)
    };
  }, [values, top, width, step]);
  const right = width - 1;
  const limitY = limitInView
    ? box.y + box.height - (box.height * (limit as number)) / top
    : 0;
  return (
    <figure className={`jp-KernelManager-chart jp-mod-${quantity}`}>
      <figcaption className="jp-KernelManager-chartTitle">
        <span className="jp-KernelManager-chartName">{name}</span>
        <span className="jp-KernelManager-chartSummary">
          {isValue(now)
            ? trans.__(
                '%1 now, peak %2',
                formatQuantity(quantity, now),
                formatQuantity(quantity, peak)
              )
            : trans.__('no data yet')}
        </span>
      </figcaption>
      <div ref={ref} className="jp-KernelManager-chartPlot">
        <svg
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          aria-hidden="true"
          focusable="false"
        >
          <text className="jp-KernelManager-chartLabel" x={1} y={TOP - 5}>
            {formatQuantity(quantity, top)}
          </text>
          {hasLimit && !limitInView && (
            <text
              className="jp-KernelManager-chartLabel jp-mod-limit"
              x={right}
              y={TOP - 5}
              textAnchor="end"
            >
              {trans.__(
                'limit %1, above the chart',
                formatQuantity(quantity, limit as number)
              )}
            </text>
          )}
          <line
            className="jp-KernelManager-chartAxis"
            x1={box.x}
            x2={right}
            y1={box.y + box.height + 0.5}
            y2={box.y + box.height + 0.5}
          />
          <path className="jp-KernelManager-chartArea" d={paths.area} />
          <path className="jp-KernelManager-chartLine" d={paths.line} />
          {limitInView && (
            <>
              <line
                className="jp-KernelManager-chartLimit"
                x1={box.x}
                x2={right}
                y1={limitY}
                y2={limitY}
              />
              <text
                className="jp-KernelManager-chartLabel jp-mod-limit"
                x={right}
                y={Math.max(TOP - 5, limitY - 4)}
                textAnchor="end"
              >
                {trans.__(
                  'limit %1',
                  formatQuantity(quantity, limit as number)
                )}
              </text>
            </>
          )}
          {!isValue(peak) && (
            <text
              className="jp-KernelManager-chartLabel"
              x={width / 2}
              y={box.y + box.height / 2}
              textAnchor="middle"
            >
              {trans.__('No data yet')}
            </text>
          )}
          <text className="jp-KernelManager-chartLabel" x={1} y={HEIGHT - 4}>
            {trans.__('%1 ago', formatWindow(seconds, trans))}
          </text>
          <text
            className="jp-KernelManager-chartLabel"
            x={right}
            y={HEIGHT - 4}
            textAnchor="end"
          >
            {trans.__('now')}
          </text>
        </svg>
      </div>
      <PeaksTable {...props} />
    </figure>
  );
}

/**
 * The chart as text: the peak of each minute (of longer periods for long
 * windows), oldest first.
 */
const PeaksTable = React.memo(PeaksTableImpl);

function PeaksTableImpl(props: IHistoryChartProps): JSX.Element {
  const { quantity, values, step, limit, trans } = props;
  const rows = periodPeaks(values, step);
  return (
    <table className="jp-KernelManager-visuallyHidden">
      <caption>
        {limit !== null && limit > 0
          ? trans.__(
              '%1 (limit %2)',
              historySummary(quantity, values, values.length * step, trans),
              formatQuantity(quantity, limit)
            )
          : historySummary(quantity, values, values.length * step, trans)}
      </caption>
      <thead>
        <tr>
          <th scope="col">{trans.__('From')}</th>
          <th scope="col">{trans.__('Peak')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(row => (
          <tr key={row.ago}>
            <th scope="row">
              {trans.__('%1 ago', formatDuration(row.ago, trans))}
            </th>
            <td>
              {isValue(row.peak)
                ? formatQuantity(quantity, row.peak)
                : trans.__('no data')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The element's width in px, followed as it is resized. */
function useWidth(ref: React.RefObject<HTMLElement>): number {
  const [width, setWidth] = React.useState(DEFAULT_WIDTH);
  React.useLayoutEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const measure = () => {
      const next = Math.floor(element.clientWidth);
      if (next > 0) {
        setWidth(next);
      }
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return width;
}
