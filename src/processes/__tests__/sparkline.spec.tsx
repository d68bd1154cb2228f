import { nullTranslator } from '@jupyterlab/translation';
import { DisposableDelegate } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import * as React from 'react';
import { CommandIDs } from '../../common/commandIds';
import { IHistoryReply, IProcessInfo } from '../../common/types';
import { bucketPeaks, linePath } from '../chartGeometry';
import { HistoryChart } from '../HistoryChart';
import { historySummary, periodPeaks } from '../historyLabels';
import { ProcessHistory } from '../historyModel';
import { Sparkline, sparklinePath } from '../Sparkline';
import { useKernelSparklines } from '../useSparklines';

// react-dom ships no types here: its server renderer, typed by hand.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { renderToStaticMarkup } = require('react-dom/server') as {
  renderToStaticMarkup: (element: React.ReactElement) => string;
};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createRoot } = require('react-dom/client') as {
  createRoot: (host: Element) => {
    render: (element: React.ReactElement) => void;
    unmount: () => void;
  };
};

// React's act() wants to be told it runs in tests.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const trans = nullTranslator.load('jupyterlab_kernel_manager');

function render(element: React.ReactElement): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = renderToStaticMarkup(element);
  return host;
}

/** Rendered in the DOM (the chart measures its width in a layout effect). */
function mount(element: React.ReactElement): HTMLElement {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  React.act(() => root.render(element));
  mounted.push(() => {
    React.act(() => root.unmount());
    host.remove();
  });
  return host;
}

const mounted: Array<() => void> = [];
afterEach(() => mounted.splice(0).forEach(unmount => unmount()));

/** The path's commands as [command, x, y] (h: [h, dx]). */
function commands(d: string): Array<[string, ...number[]]> {
  return [...d.matchAll(/([MLh])([-\d. ]+)/g)].map(([, c, args]) => [
    c,
    ...args.trim().split(' ').map(Number)
  ]);
}

describe('Sparkline', () => {
  const label = 'Memory over the last 30 min: 120 MB now, peak 310 MB';

  it('is an image named by its label', () => {
    const host = render(<Sparkline values={[1, 2, 3]} max={4} label={label} />);
    const svg = host.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toBe(label);
    expect(svg.getAttribute('width')).toBe('48');
    expect(svg.getAttribute('height')).toBe('14');
    expect(host.querySelector('button')).toBeNull();
    expect(host.querySelector('path')!.getAttribute('d')).toMatch(/^M.*L.*L/);
  });

  it('is a button named by its label when it can be clicked', () => {
    const host = render(
      <Sparkline values={[1]} max={4} label={label} onClick={() => 0} />
    );
    const button = host.querySelector('button')!;
    expect(button.getAttribute('aria-label')).toBe(label);
    expect(host.querySelector('svg')!.getAttribute('aria-hidden')).toBe('true');
    expect(host.querySelector('svg')!.hasAttribute('role')).toBe(false);
  });

  it('draws nothing but its baseline without values', () => {
    for (const values of [[], [null, null], new Float64Array([NaN, NaN])]) {
      const host = render(<Sparkline values={values} max={0} label="x" />);
      expect(host.querySelector('path')).toBeNull();
      expect(host.querySelector('line')).not.toBeNull();
    }
  });

  it('shows a single value as a dash', () => {
    expect(commands(sparklinePath([5], 10, 48, 14))).toEqual([
      ['M', 23.5, 6.8],
      ['h', 1]
    ]);
  });

  it('breaks the line where no scan fell for long, and bridges short gaps', () => {
    // One value a minute: each gap is too long to draw across.
    const sparse = (values: (number | null)[]) =>
      commands(sparklinePath(values, 1, 48, 14, 61)).map(([c]) => c);
    expect(sparse([1, 1, null, 1, 1])).toEqual(['M', 'L', 'M', 'L']);
    // A lone value between gaps still shows.
    expect(sparse([1, null, 1, null, 1])).toEqual([
      'M',
      'h',
      'M',
      'h',
      'M',
      'h'
    ]);
    // Every 5 s: the server's 30 s samples while nobody watches are joined,
    // a pause of over a minute is not.
    const idle = Array.from({ length: 24 }, (_, i) => (i % 6 ? null : 1));
    expect(commands(sparklinePath(idle, 1, 48, 14, 5)).map(([c]) => c)).toEqual(
      ['M', 'L', 'L', 'L']
    );
    const paused = [1, 1, ...new Array(13).fill(null), 1, 1];
    expect(
      commands(sparklinePath(paused, 1, 48, 14, 5)).map(([c]) => c)
    ).toEqual(['M', 'L', 'M', 'L']);
  });

  it('scales to the max, raised by higher values', () => {
    const low = commands(sparklinePath([0, 5], 10, 48, 14));
    expect(low[0][2]).toBeCloseTo(13); // 0 at the bottom
    expect(low[1][2]).toBeCloseTo(6.8); // half way
    const high = commands(sparklinePath([0, 20], 10, 48, 14));
    expect(high[1][2]).toBeCloseTo(0.5); // the peak at the top
  });

  it('takes long series down to one point per pixel, keeping peaks', () => {
    const values = Array.from({ length: 360 }, (_, i) => (i === 100 ? 9 : 1));
    const points = commands(sparklinePath(values, 10, 48, 14));
    expect(points).toHaveLength(47);
    expect(Math.min(...points.map(p => p[2]))).toBeLessThan(3);
    expect(Array.from(bucketPeaks([1, 5, 2, 2, 7, 0], 3))).toEqual([5, 2, 7]);
  });

  it('is not drawn again for the same props', () => {
    const box = { x: 0, y: 0, width: 10, height: 10 };
    expect(linePath(new Float64Array([]), 1, box)).toBe('');
    // React.memo: the component object says so.
    expect((Sparkline as any).$$typeof).toBe(Symbol.for('react.memo'));
  });
});

describe('history labels', () => {
  it('say the window, the value now and the peak', () => {
    expect(historySummary('memory', [120e6, 310e6, null], 1800, trans)).toBe(
      'Memory over the last 30 min: 310 MB now, peak 310 MB'
    );
    expect(historySummary('cpu', [50, 12], 3600, trans)).toBe(
      'CPU over the last 1 h: 12% now, peak 50%'
    );
    expect(historySummary('memory', [null], 1800, trans)).toBe(
      'Memory over the last 30 min: no data yet'
    );
  });

  it('give the peak of each minute, the last period ending now', () => {
    const values = Array.from({ length: 24 }, (_, i) => (i < 12 ? i : null));
    expect(periodPeaks(values, 5)).toEqual([
      { ago: 120, seconds: 60, peak: 11 },
      { ago: 60, seconds: 60, peak: NaN }
    ]);
    expect(periodPeaks(new Array(360).fill(1), 5)).toHaveLength(30);
    expect(periodPeaks(new Array(4320).fill(1), 5)).toHaveLength(30);
  });
});

describe('HistoryChart', () => {
  it('draws the limit, the scale and the ends, with a table for screen readers', () => {
    const values = [null, 100e6, 300e6, 200e6];
    const host = mount(
      <HistoryChart
        quantity="memory"
        values={values}
        step={450}
        limit={1e9}
        trans={trans}
      />
    );
    const texts = [...host.querySelectorAll('svg text')].map(
      t => t.textContent
    );
    expect(texts).toEqual(
      expect.arrayContaining(['1.0 GB', 'limit 1.0 GB', '30 min ago', 'now'])
    );
    expect(host.querySelector('.jp-KernelManager-chartLimit')).not.toBeNull();
    expect(host.querySelector('svg')!.getAttribute('aria-hidden')).toBe('true');
    const table = host.querySelector('table')!;
    expect(table.className).toBe('jp-KernelManager-visuallyHidden');
    expect(table.querySelector('caption')!.textContent).toBe(
      'Memory over the last 30 min: 200 MB now, peak 300 MB (limit 1.0 GB)'
    );
    const rows = [...table.querySelectorAll('tbody tr')].map(row =>
      [...row.children].map(cell => cell.textContent)
    );
    expect(rows[0]).toEqual(['30 min ago', 'no data']);
    expect(rows.at(-1)).toEqual(['7 min ago', '200 MB']);
  });

  it('names a limit far above the values instead of flattening them', () => {
    const host = mount(
      <HistoryChart
        quantity="cpu"
        values={[10, 20]}
        step={5}
        limit={800}
        trans={trans}
      />
    );
    const texts = [...host.querySelectorAll('svg text')].map(
      t => t.textContent
    );
    expect(texts).toContain('20%');
    expect(texts).toContain('limit 800%, above the chart');
    expect(host.querySelector('.jp-KernelManager-chartLimit')).toBeNull();
  });
});

describe('useKernelSparklines', () => {
  function kernel(id: string): IProcessInfo {
    return {
      pid: 1,
      ppid: 0,
      name: 'python',
      cmdline: [],
      user: 'alice',
      state: 'sleeping',
      started_at: 0,
      cpu_percent: 0,
      rss_bytes: 0,
      uss_bytes: null,
      pss_bytes: null,
      threads: 1,
      kind: 'kernel',
      kernel: {
        id,
        kernelspec: 'python3',
        execution_state: 'idle',
        connections: 0,
        last_activity: null,
        sessions: []
      },
      terminal: null,
      ancestor: null
    };
  }

  it('gives each kernel the same element until its history changes', () => {
    const history = new ProcessHistory({
      client: { history: () => Promise.reject(new Error('unused')) },
      processes: {
        changed: new Signal<unknown, void>({}),
        reply: null,
        watch: () => new DisposableDelegate(() => undefined)
      }
    });
    const reply = (value: number): IHistoryReply => ({
      step: 5,
      seconds: 50,
      start: 1000,
      count: 1,
      total: { cpu: [value], memory: [value] },
      kernels: { a: { cpu: [value], memory: [value] } }
    });
    history.merge(reply(1));
    const execute = jest.fn(async () => undefined);
    const seen: Array<(process: IProcessInfo) => React.ReactNode> = [];
    function Probe(): null {
      const sparklineFor = useKernelSparklines({
        history,
        commands: { execute } as any,
        trans
      });
      seen.push(sparklineFor!);
      return null;
    }
    mount(<Probe />);
    const first = seen.at(-1)!;
    const node = first(kernel('a')) as React.ReactElement;
    expect(first(kernel('a'))).toBe(node);
    expect(first(kernel('gone'))).toBeNull();
    expect(first({ ...kernel('a'), kind: 'child' })).toBeNull();
    expect(node.props.label).toBe(
      'Memory over the last 50 s: 1 B now, peak 1 B'
    );
    node.props.onClick();
    expect(execute).toHaveBeenCalledWith(CommandIDs.showProcessHistory, {
      kernel: 'a'
    });

    React.act(() => history.merge(reply(2)));
    const second = seen.at(-1)!;
    expect(second).not.toBe(first);
    const changed = second(kernel('a')) as React.ReactElement;
    expect(changed).not.toBe(node);
    // The same click handler: only the values make the row render again.
    expect(changed.props.onClick).toBe(node.props.onClick);
    history.dispose();
  });
});
