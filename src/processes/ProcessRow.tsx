import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { formatBytes, processLabel } from '../common/format';
import { ICullingSettings, IProcessInfo } from '../common/types';
import { cullForecast, idleSeconds } from './idle';

/**
 * One row of the process grid: a process with CPU, memory and age, and its
 * actions. Rendered only while in view (see ProcessTable).
 */

export interface IRowProps {
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
  /** The second line: what the process is, its state, idleness, pid. */
  meta: string;
  /** The server's culler shuts this kernel down at its next check or two. */
  cullNext: boolean;
  /** The memory history's sparkline, for kernels when the server keeps one. */
  sparkline?: React.ReactNode;
  commands: CommandRegistry;
  trans: TranslationBundle;
  onToggle: (pid: number) => void;
  actions: boolean;
}

/**
 * Rows re-render only when what they show changed: each scan brings new
 * objects for every process.
 */
export const ProcessRowView = React.memo(ProcessRowImpl, (a, b) => {
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
    a.meta === b.meta &&
    a.cullNext === b.cullNext &&
    a.sparkline === b.sparkline &&
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
  const tabIndex = props.tabbable ? 0 : -1;
  return (
    <div
      role="row"
      className={
        `jp-KernelManager-process jp-mod-${process.kind}` +
        (props.cullNext ? ' jp-mod-cullNext' : '')
      }
      aria-rowindex={props.index + 2}
      aria-level={props.depth + 1}
      aria-expanded={props.hasChildren ? props.expanded : undefined}
      tabIndex={tabIndex}
      data-index={props.index}
      data-pid={process.pid}
      data-kind={process.kind}
      title={`${props.meta}\n${process.cmdline.join(' ')}`}
      style={{
        top: props.top,
        ['--jp-kernel-manager-depth' as string]: Math.min(props.depth, 8)
      }}
    >
      <div role="gridcell" className="jp-KernelManager-colName">
        <div className="jp-KernelManager-processName">
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
            <span className="jp-KernelManager-processMeta">{props.meta}</span>
          </span>
        </div>
      </div>
      <div
        role="gridcell"
        className="jp-KernelManager-colNumber jp-KernelManager-colCpu"
      >
        {process.cpu_percent === null
          ? '–'
          : `${process.cpu_percent.toFixed(0)}%`}
      </div>
      <div
        role="gridcell"
        className="jp-KernelManager-colNumber jp-KernelManager-colMemory"
      >
        {/* A button to the kernel's history: in the tab order with the row. */}
        {React.isValidElement(props.sparkline)
          ? React.cloneElement(props.sparkline as React.ReactElement<any>, {
              tabIndex
            })
          : props.sparkline}
        {formatBytes(memory)}
      </div>
      <div
        role="gridcell"
        className="jp-KernelManager-colNumber jp-KernelManager-colAge"
      >
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
      // The notebook's file name: its folder is on the meta line, and the
      // whole path in the tooltip.
      return (
        splitPath(processLabel(process)).name ||
        trans.__('Kernel without a notebook')
      );
    default:
      return process.name;
  }
}

/**
 * "a/b/c.ipynb" → folder "a/b", name "c.ipynb".
 */
function splitPath(path: string): { folder: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { folder: '', name: path }
    : { folder: path.slice(0, slash), name: path.slice(slash + 1) };
}

/**
 * The second line of a row: what the process is and its state; for kernels
 * how long they have been idle, their connections, and when the server's
 * culler will take them; then the pid.
 */
export function processMeta(
  process: IProcessInfo,
  trans: TranslationBundle,
  now: number,
  culling: ICullingSettings | null
): string {
  const pid = trans.__('pid %1', process.pid);
  const kernel = process.kernel;
  if (process.kind === 'kernel' && kernel) {
    const idle = idleSeconds(process, now);
    const parts = [
      kernel.kernelspec,
      idle === null
        ? kernel.execution_state
        : trans.__('idle for %1', formatAge(idle, trans))
    ];
    if (kernel.connections > 0) {
      parts.push(
        trans._n('%1 connection', '%1 connections', kernel.connections)
      );
    }
    const cull = cullForecast(process, culling, now);
    if (cull) {
      parts.push(
        cull.remaining <= 0
          ? trans.__('shut down at the next check')
          : trans.__('shut down in %1', formatAge(cull.remaining, trans))
      );
    }
    parts.push(pid);
    const folder = splitPath(kernel.sessions[0]?.path ?? '').folder;
    if (folder) {
      parts.push(trans.__('in %1', folder));
    }
    return parts.join(' · ');
  }
  if (process.kind === 'server' || process.kind === 'terminal') {
    return `${process.name} · ${pid}`;
  }
  const detail = process.cmdline.slice(1).join(' ') || process.state;
  return `${detail} · ${pid}`;
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
