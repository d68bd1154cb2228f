import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { historyIcon, kernelIcon } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { formatBytes, processLabel } from '../common/format';
import { LoadStatus } from '../common/pollingModel';
import { IProcessesReply, IProcessInfo } from '../common/types';
import { recentSlots } from './chartGeometry';
import { HistoryChart } from './HistoryChart';
import { formatDuration } from './historyLabels';
import { ProcessHistory } from './historyModel';
import { ProcessesModel } from './model';

/**
 * Whose details: a kernel (with its children) or the user's total.
 */
export type ProcessDetailsTarget = { kernel: string } | { total: true };

/**
 * The key of a target: one details panel per kernel and one for the total.
 */
export function detailsKey(target: ProcessDetailsTarget): string {
  return 'kernel' in target ? `kernel-${target.kernel}` : 'total';
}

/**
 * A kernel's details, or the user's total, with CPU and memory over the
 * history's window; live while it is open (attached).
 */
export class ProcessDetails extends ReactWidget {
  constructor(options: ProcessDetails.IOptions) {
    super();
    this.addClass('jp-KernelManager-historyPanel');
    this.target = options.target;
    this._processes = options.processes;
    this._history = options.history;
    this._trans = options.trans;
    this.title.icon = 'kernel' in this.target ? kernelIcon : historyIcon;
    this._processes.changed.connect(this._onChange, this);
    this._history.changed.connect(this._onChange, this);
    this._onChange();
  }

  readonly target: ProcessDetailsTarget;

  get key(): string {
    return detailsKey(this.target);
  }

  render(): JSX.Element {
    const trans = this._trans;
    const reply = this._processes.reply;
    const kernel = 'kernel' in this.target ? this.target.kernel : null;
    const history = this._history;
    const step = history.step || reply?.history?.step || 5;
    const seconds = history.seconds || reply?.history?.seconds || 1800;
    const series = kernel === null ? history.series('total') : this._lastSeries;
    const none = Private.empty(seconds / step);
    const full = { cpu: series?.cpu ?? none, memory: series?.memory ?? none };
    const shown = recentSlots([full.cpu, full.memory], step);
    // The scrolling happens in here, not on the widget's node (whose tabindex
    // the shell sets to -1), so that the keyboard can reach and scroll it.
    return (
      <div
        className="jp-KernelManager-historyScroll"
        tabIndex={0}
        role="region"
        aria-label={this.title.label}
      >
        <div className="jp-KernelManager-historyBody">
          <h2 className="jp-KernelManager-historyTitle">{this._name()}</h2>
          <Notices
            processes={this._processes.status}
            history={history.status}
            historyError={history.error}
            ended={kernel !== null && this._ended}
            trans={trans}
          />
          {reply &&
            (kernel === null ? (
              <TotalFacts reply={reply} trans={trans} />
            ) : (
              this._last && (
                <KernelFacts
                  process={this._last}
                  memory={this._processes.kernelMemory.get(kernel) ?? null}
                  now={reply.timestamp}
                  ended={this._ended}
                  trans={trans}
                />
              )
            ))}
          {history.status !== 'off' && (
            <div className="jp-KernelManager-historyCharts">
              <HistoryChart
                quantity="cpu"
                values={full.cpu.subarray(full.cpu.length - shown)}
                step={step}
                limit={reply ? reply.limits.cpu_cores * 100 : null}
                trans={trans}
              />
              <HistoryChart
                quantity="memory"
                values={full.memory.subarray(full.memory.length - shown)}
                step={step}
                limit={reply?.limits.memory_bytes ?? null}
                trans={trans}
              />
            </div>
          )}
        </div>
      </div>
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._watch?.dispose();
    this._watch = null;
    this._processes.changed.disconnect(this._onChange, this);
    this._history.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  /** Scans and history only while open: the history's watch keeps both. */
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._watch ??= this._history.watch();
  }

  protected onBeforeDetach(msg: Message): void {
    this._watch?.dispose();
    this._watch = null;
    super.onBeforeDetach(msg);
  }

  /** Follow the kernel; once it ended, keep what was last known of it. */
  private _onChange(): void {
    if ('kernel' in this.target) {
      const id = this.target.kernel;
      const reply = this._processes.reply;
      const process = reply?.processes.find(
        p => p.kind === 'kernel' && p.kernel?.id === id
      );
      if (process) {
        this._last = process;
        this._ended = false;
      } else if (reply && this._processes.status === 'ready') {
        this._ended = true;
      }
      this._lastSeries = this._history.series('kernel', id) ?? this._lastSeries;
    }
    const name = this._name();
    this.title.label = this._trans.__('History: %1', name);
    this.title.caption = this._trans.__('CPU and memory of %1 over time', name);
    this.update();
  }

  private _name(): string {
    const trans = this._trans;
    if (!('kernel' in this.target)) {
      return trans.__('All Your Processes');
    }
    if (!this._last) {
      return trans.__('Kernel %1', this.target.kernel.slice(0, 8));
    }
    return processLabel(this._last) || trans.__('Kernel without a notebook');
  }

  private _processes: ProcessesModel;
  private _history: ProcessHistory;
  private _trans: TranslationBundle;
  private _watch: IDisposable | null = null;
  private _last: IProcessInfo | null = null;
  private _lastSeries: ProcessHistory.ISeries | null = null;
  private _ended = false;
}

export namespace ProcessDetails {
  export interface IOptions {
    processes: ProcessesModel;
    history: ProcessHistory;
    target: ProcessDetailsTarget;
    trans: TranslationBundle;
  }
}

/** Why something is missing, said plainly. */
function Notices(props: {
  processes: LoadStatus;
  history: LoadStatus;
  historyError: string | null;
  ended: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const notes: string[] = [];
  if (props.processes === 'off') {
    notes.push(
      trans.__(
        'Processes are switched off on this server by its administrator.'
      )
    );
  }
  if (props.ended) {
    notes.push(
      trans.__(
        'This kernel has ended. Its figures and history are the last ones seen.'
      )
    );
  }
  if (props.history === 'off' && props.processes !== 'off') {
    notes.push(
      trans.__(
        'This server keeps no history of CPU and memory (its administrator turned it off).'
      )
    );
  }
  if (props.history === 'error') {
    notes.push(
      trans.__('Could not load the history: %1', props.historyError ?? '')
    );
  }
  return (
    <div role="status">
      {notes.map(note => (
        <p key={note} className="jp-KernelManager-historyNotice">
          {note}
        </p>
      ))}
    </div>
  );
}

function KernelFacts(props: {
  process: IProcessInfo;
  memory: number | null;
  now: number;
  ended: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { process, trans } = props;
  const kernel = process.kernel;
  const idle =
    !props.ended &&
    kernel?.execution_state === 'idle' &&
    kernel.last_activity !== null
      ? props.now - kernel.last_activity
      : null;
  return (
    <dl className="jp-KernelManager-historyFacts">
      <dt>{trans.__('Kernel')}</dt>
      <dd>{kernel?.kernelspec ?? ''}</dd>
      <dt>{trans.__('State')}</dt>
      <dd>
        {props.ended ? trans.__('ended') : (kernel?.execution_state ?? '')}
      </dd>
      {idle !== null && (
        <>
          <dt>{trans.__('Idle for')}</dt>
          <dd>{formatDuration(idle, trans)}</dd>
        </>
      )}
      <dt>{trans.__('Connections')}</dt>
      <dd>{kernel?.connections ?? 0}</dd>
      {!props.ended && props.memory !== null && (
        <>
          <dt>{trans.__('Memory')}</dt>
          <dd>{formatBytes(props.memory)}</dd>
        </>
      )}
      <dt>{trans.__('Process id')}</dt>
      <dd>{process.pid}</dd>
      <dt>{trans.__('Command line')}</dt>
      <dd>
        <code className="jp-KernelManager-historyCommand">
          {process.cmdline.join(' ')}
        </code>
      </dd>
    </dl>
  );
}

function TotalFacts(props: {
  reply: IProcessesReply;
  trans: TranslationBundle;
}): JSX.Element {
  const { reply, trans } = props;
  const used = reply.totals.uss_bytes ?? reply.totals.rss_bytes;
  return (
    <dl className="jp-KernelManager-historyFacts">
      <dt>{trans.__('Processes')}</dt>
      <dd>{reply.totals.count}</dd>
      <dt>{trans.__('Memory')}</dt>
      <dd>
        {trans.__(
          '%1 of %2',
          formatBytes(used),
          formatBytes(reply.limits.memory_bytes)
        )}
      </dd>
      <dt>{trans.__('CPU')}</dt>
      <dd>
        {trans.__(
          '%1 of %2 cores',
          (reply.totals.cpu_percent / 100).toFixed(1),
          String(reply.limits.cpu_cores)
        )}
      </dd>
    </dl>
  );
}

namespace Private {
  const cache = new Map<number, Float64Array>();

  /** A series without values, the same object for the same length. */
  export function empty(length: number): Float64Array {
    const n = Math.max(0, Math.round(length));
    let values = cache.get(n);
    if (!values) {
      values = new Float64Array(n).fill(NaN);
      cache.set(n, values);
    }
    return values;
  }
}
