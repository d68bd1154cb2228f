import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { IProcessInfo } from '../common/types';
import { CommandIDs } from '../common/commandIds';
import {
  IProcessRow,
  IProcessSort,
  parentRowIndex,
  ProcessSortKey
} from './processTree';
import { processLabel } from '../common/format';
import { formatBytes } from '../common/format';
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
          return (
            <ProcessRowView
              key={row.node.process.pid}
              index={index}
              top={index * rowHeight}
              tabbable={index === activeIndex}
              process={row.node.process}
              depth={row.depth}
              expanded={row.expanded}
              hasChildren={row.node.children.length > 0}
              rss={row.node.subtreeRss}
              age={formatAge(props.now - row.node.process.started_at, trans)}
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

interface IRowProps {
  /** Position among all the rows, rendered or not. */
  index: number;
  /** In px from the top of the rows. */
  top: number;
  /** The one row in the tab order. */
  tabbable: boolean;
  process: IProcessInfo;
  depth: number;
  expanded: boolean;
  hasChildren: boolean;
  /** Memory with descendants, shown when collapsed. */
  rss: number;
  age: string;
  commands: CommandRegistry;
  trans: TranslationBundle;
  onToggle: (pid: number) => void;
  actions: boolean;
}

/**
 * Rows re-render only when what they show changed: each scan brings new
 * objects for every process.
 */
const ProcessRowView = React.memo(ProcessRowImpl, (a, b) => {
  const p = a.process;
  const q = b.process;
  return (
    a.index === b.index &&
    a.top === b.top &&
    a.tabbable === b.tabbable &&
    a.depth === b.depth &&
    a.expanded === b.expanded &&
    a.hasChildren === b.hasChildren &&
    a.rss === b.rss &&
    a.age === b.age &&
    a.actions === b.actions &&
    a.onToggle === b.onToggle &&
    p.cpu_percent === q.cpu_percent &&
    p.rss_bytes === q.rss_bytes &&
    p.state === q.state &&
    p.name === q.name &&
    p.kernel?.execution_state === q.kernel?.execution_state &&
    processLabel(p) === processLabel(q)
  );
});

function ProcessRowImpl(props: IRowProps): JSX.Element {
  const { process, trans, commands } = props;
  const memory =
    props.hasChildren && !props.expanded ? props.rss : process.rss_bytes;
  const detail = processDetail(process, trans);
  const tabIndex = props.tabbable ? 0 : -1;
  return (
    <div
      role="row"
      className={`jp-KernelManager-process jp-mod-${process.kind}`}
      aria-rowindex={props.index + 2}
      aria-level={props.depth + 1}
      aria-expanded={props.hasChildren ? props.expanded : undefined}
      tabIndex={tabIndex}
      style={{ top: props.top }}
      data-index={props.index}
      data-pid={process.pid}
      data-kind={process.kind}
      title={process.cmdline.join(' ')}
    >
      <div role="gridcell" className="jp-KernelManager-colName">
        <div
          className="jp-KernelManager-processName"
          style={{ paddingLeft: `${Math.min(props.depth, 8) * 8}px` }}
        >
          {props.hasChildren ? (
            <button
              className="jp-KernelManager-expander"
              aria-label={
                props.expanded ? trans.__('Collapse') : trans.__('Expand')
              }
              tabIndex={tabIndex}
              onClick={() => props.onToggle(process.pid)}
            >
              <span className="jp-KernelManager-caret" />
            </button>
          ) : (
            <span className="jp-KernelManager-expanderSpace" />
          )}
          <span className="jp-KernelManager-processText">
            <span className="jp-KernelManager-itemTitle">
              {label(process, trans)}
            </span>
            <span className="jp-KernelManager-processMeta">
              {trans.__('%1 · pid %2', detail, process.pid)}
            </span>
          </span>
        </div>
      </div>
      <div role="gridcell" className="jp-KernelManager-colNumber">
        {process.cpu_percent === null
          ? '–'
          : `${process.cpu_percent.toFixed(0)}%`}
      </div>
      <div role="gridcell" className="jp-KernelManager-colNumber">
        {formatBytes(memory)}
      </div>
      <div role="gridcell" className="jp-KernelManager-colNumber">
        {props.age}
      </div>
      <div role="gridcell" className="jp-KernelManager-colActions">
        {props.actions && (
          <ProcessActions
            process={process}
            commands={commands}
            trans={trans}
            tabIndex={tabIndex}
          />
        )}
      </div>
    </div>
  );
}

function ProcessActions(props: {
  process: IProcessInfo;
  commands: CommandRegistry;
  trans: TranslationBundle;
  tabIndex: number;
}): JSX.Element | null {
  const { process, commands, trans, tabIndex } = props;
  const name = label(process, trans);
  const button = (
    text: string,
    aria: string,
    command: string,
    args: any,
    warn = false
  ) => (
    <button
      className={'jp-KernelManager-textButton' + (warn ? ' jp-mod-warn' : '')}
      aria-label={aria}
      tabIndex={tabIndex}
      onClick={() => void commands.execute(command, args)}
    >
      {text}
    </button>
  );
  switch (process.kind) {
    case 'server':
      return null;
    case 'kernel': {
      const id = process.kernel?.id;
      return (
        <span className="jp-KernelManager-processActions">
          {button(
            trans.__('Interrupt'),
            trans.__('Interrupt %1', name),
            CommandIDs.interruptKernel,
            { id }
          )}
          {button(
            trans.__('Restart'),
            trans.__('Restart %1', name),
            CommandIDs.restartKernel,
            { id }
          )}
          {button(
            trans.__('Shut down'),
            trans.__('Shut down %1', name),
            CommandIDs.shutdownKernel,
            { id },
            true
          )}
        </span>
      );
    }
    case 'terminal':
      return (
        <span className="jp-KernelManager-processActions">
          {button(
            trans.__('Close'),
            trans.__('Close terminal %1', process.terminal?.name ?? ''),
            CommandIDs.shutdownTerminal,
            { name: process.terminal?.name },
            true
          )}
        </span>
      );
    default:
      return (
        <span className="jp-KernelManager-processActions">
          {button(
            trans.__('Stop'),
            trans.__('Stop %1 (pid %2)', name, process.pid),
            CommandIDs.signalProcess,
            {
              pid: process.pid,
              signal: 'TERM'
            }
          )}
          {button(
            trans.__('Kill'),
            trans.__('Kill %1 (pid %2)', name, process.pid),
            CommandIDs.signalProcess,
            { pid: process.pid, signal: 'KILL' },
            true
          )}
        </span>
      );
  }
}

function label(process: IProcessInfo, trans: TranslationBundle): string {
  switch (process.kind) {
    case 'server':
      return trans.__('Jupyter server');
    case 'terminal':
      return trans.__('Terminal %1', process.terminal?.name ?? '');
    case 'kernel':
      return processLabel(process) || trans.__('Kernel without a notebook');
    default:
      return process.name;
  }
}

function processDetail(
  process: IProcessInfo,
  trans: TranslationBundle
): string {
  if (process.kind === 'kernel' && process.kernel) {
    return trans.__(
      '%1 kernel, %2',
      process.kernel.kernelspec,
      process.kernel.execution_state
    );
  }
  if (process.kind === 'server' || process.kind === 'terminal') {
    return process.name;
  }
  return process.cmdline.slice(1).join(' ') || process.state;
}

/**
 * "45 s", "12 min", "3 h", "2 d".
 */
export function formatAge(seconds: number, trans: TranslationBundle): string {
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
