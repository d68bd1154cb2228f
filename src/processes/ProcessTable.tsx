import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import {
  IProcessRow,
  IProcessSort,
  parentRowIndex,
  ProcessSortKey
} from './processTree';
import { formatAge, processMeta, ProcessRowView } from './ProcessRow';
import { cullForecast } from './idle';
import { ICullingSettings, IProcessInfo } from '../common/types';
import {
  moveIndex,
  renderedIndices,
  useWindowedRows
} from '../common/useWindowedRows';

/**
 * Rows rendered beyond each edge of the view: a short scroll shows rows that
 * are already laid out.
 */
const OVERSCAN = 8;

/**
 * Until a row is measured; the stylesheet decides the real height.
 */
const ESTIMATED_ROW_HEIGHT = 36;

/**
 * The user's processes as a sortable tree grid. Only the rows in view are
 * in the DOM (a table of 2,000 rows must update within a frame); one row at a
 * time is in the tab order (roving tabindex), and arrow keys move between
 * rows, scrolling them into view.
 */
export function ProcessTable(props: {
  rows: ReadonlyArray<IProcessRow>;
  sort: IProcessSort;
  now: number;
  commands: CommandRegistry;
  trans: TranslationBundle;
  onSort: (sort: IProcessSort) => void;
  onToggle: (pid: number) => void;
  /** Signals and kernel actions are offered only on the user's own rows. */
  actions: boolean;
  /** The grid's accessible name; "Processes" by default. */
  label?: string;
  /** How the server culls idle kernels, when it does. */
  culling?: ICullingSettings | null;
  /**
   * A kernel's memory sparkline; the same node for as long as its history is
   * unchanged (rows re-render only when what they show changes).
   */
  sparklineFor?: (process: IProcessInfo) => React.ReactNode;
}): JSX.Element {
  const { rows, sort, trans, onToggle } = props;
  const gridRef = React.useRef<HTMLDivElement>(null);
  const headerRef = React.useRef<HTMLDivElement>(null);
  const { bodyRef, range, rowHeight, reveal, pageSize } = useWindowedRows({
    rowCount: rows.length,
    estimatedRowHeight: ESTIMATED_ROW_HEIGHT,
    overscan: OVERSCAN
  });

  // The row in the tab order, by pid: rows move when they are re-sorted.
  const [activePid, setActivePid] = React.useState<number | null>(null);
  const lastActive = React.useRef(0);
  const found =
    activePid === null
      ? -1
      : rows.findIndex(row => row.node.process.pid === activePid);
  // A process that ended hands its place to the row that took its index.
  const activeIndex =
    rows.length === 0
      ? -1
      : found >= 0
        ? found
        : Math.min(lastActive.current, rows.length - 1);
  const focusPending = React.useRef(false);

  React.useLayoutEffect(() => {
    lastActive.current = Math.max(0, activeIndex);
    if (focusPending.current) {
      focusPending.current = false;
      bodyRef.current
        ?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`)
        ?.focus({ preventScroll: true });
    }
  });

  // A focused row removed (its process ended) would leave the focus on the
  // page's body: give it to the row that is now in the tab order. React does
  // not report a blur during its own commit, so this listens natively.
  React.useEffect(() => {
    const grid = gridRef.current;
    if (!grid) {
      return;
    }
    const onFocusOut = (event: FocusEvent) => {
      const left = event.target as HTMLElement;
      if (event.relatedTarget !== null) {
        return;
      }
      window.setTimeout(() => {
        const focused = document.activeElement;
        if (
          !left.isConnected &&
          (focused === null || focused === document.body)
        ) {
          grid
            .querySelector<HTMLElement>('[role="row"][tabindex="0"]')
            ?.focus({ preventScroll: true });
        }
      }, 0);
    };
    grid.addEventListener('focusout', onFocusOut);
    return () => grid.removeEventListener('focusout', onFocusOut);
  }, []);

  const stickyTop = () => headerRef.current?.offsetHeight ?? 0;
  const moveTo = (index: number) => {
    reveal(index, stickyTop());
    focusPending.current = true;
    setActivePid(rows[index].node.process.pid);
    if (index === activeIndex) {
      // No state change, so no render: focus it now.
      focusPending.current = false;
      bodyRef.current
        ?.querySelector<HTMLElement>(`[data-index="${index}"]`)
        ?.focus({ preventScroll: true });
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const rowElement = (event.target as HTMLElement).closest<HTMLElement>(
      '[role="row"][data-index]'
    );
    if (
      !rowElement ||
      event.altKey ||
      event.ctrlKey ||
      event.metaKey ||
      event.shiftKey
    ) {
      return;
    }
    const index = Number(rowElement.dataset.index);
    const row = rows[index];
    if (!row) {
      return;
    }
    let next = moveIndex(event.key, index, rows.length, pageSize(stickyTop()));
    if (next === null && event.target === rowElement) {
      const hasChildren = row.node.children.length > 0;
      if (event.key === 'ArrowRight' && hasChildren) {
        if (row.expanded) {
          next = index + 1;
        } else {
          onToggle(row.node.process.pid);
        }
      } else if (event.key === 'ArrowLeft') {
        if (hasChildren && row.expanded) {
          onToggle(row.node.process.pid);
        } else {
          const parent = parentRowIndex(rows, index);
          next = parent >= 0 ? parent : null;
        }
      } else if ((event.key === 'Enter' || event.key === ' ') && hasChildren) {
        onToggle(row.node.process.pid);
      } else {
        return;
      }
    } else if (next === null) {
      return;
    }
    event.preventDefault();
    if (next !== null) {
      moveTo(next);
    }
  };

  // Clicks and Tab make the row holding the focus the one in the tab order.
  const onFocus = (event: React.FocusEvent) => {
    const pid = (event.target as HTMLElement).closest<HTMLElement>(
      '[role="row"][data-pid]'
    )?.dataset.pid;
    if (pid !== undefined && Number(pid) !== activePid) {
      setActivePid(Number(pid));
    }
  };

  const header = (key: ProcessSortKey, label: string, className: string) => {
    const active = sort.key === key;
    return (
      <div
        role="columnheader"
        className={className}
        aria-sort={
          active ? (sort.descending ? 'descending' : 'ascending') : 'none'
        }
      >
        <button
          className="jp-KernelManager-sortButton"
          onClick={() =>
            props.onSort({
              key,
              descending: active ? !sort.descending : key !== 'name'
            })
          }
        >
          {label}
          {active && (sort.descending ? ' ▾' : ' ▴')}
        </button>
      </div>
    );
  };

  return (
    <div
      ref={gridRef}
      className="jp-KernelManager-processTable"
      role="treegrid"
      aria-label={props.label ?? trans.__('Processes')}
      aria-rowcount={rows.length + 1}
      aria-colcount={5}
    >
      <div
        role="rowgroup"
        className="jp-KernelManager-processHead"
        ref={headerRef}
      >
        <div
          role="row"
          aria-rowindex={1}
          className="jp-KernelManager-processHeader"
        >
          {header('name', trans.__('Name'), 'jp-KernelManager-colName')}
          {header('cpu', trans.__('CPU'), 'jp-KernelManager-colNumber')}
          {header('memory', trans.__('Memory'), 'jp-KernelManager-colNumber')}
          {header('age', trans.__('Age'), 'jp-KernelManager-colNumber')}
          <div role="columnheader" className="jp-KernelManager-colActions">
            <span className="jp-KernelManager-visuallyHidden">
              {trans.__('Actions')}
            </span>
          </div>
        </div>
      </div>
      <div
        role="rowgroup"
        ref={bodyRef}
        className="jp-KernelManager-processBody"
        style={{ height: rows.length * rowHeight }}
        onKeyDown={onKeyDown}
        onFocus={onFocus}
      >
        {renderedIndices(range, activeIndex, rows.length).map(index => {
          const row = rows[index];
          const process = row.node.process;
          const culling = props.culling ?? null;
          return (
            <ProcessRowView
              key={row.node.process.pid}
              index={index}
              top={index * rowHeight}
              tabbable={index === activeIndex}
              process={process}
              depth={row.depth}
              expanded={row.expanded}
              hasChildren={row.node.children.length > 0}
              rss={row.node.subtreeRss}
              age={formatAge(props.now - process.started_at, trans)}
              meta={processMeta(process, trans, props.now, culling)}
              cullNext={!!cullForecast(process, culling, props.now)?.next}
              sparkline={props.sparklineFor?.(process)}
              commands={props.commands}
              trans={trans}
              onToggle={onToggle}
              actions={props.actions}
            />
          );
        })}
      </div>
    </div>
  );
}
