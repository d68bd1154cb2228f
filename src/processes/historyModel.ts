import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { LoadStatus } from '../common/pollingModel';
import { describeError } from '../common/format';
import { isSwitchedOff, KernelManagerAPIError } from '../common/request';
import { IProcessesSource } from '../common/tokens';
import {
  IHistoryReply,
  IHistorySeries,
  IProcessesReply
} from '../common/types';
import { HistoryClient } from './historyApi';

/**
 * Whose history: the user's total, a kernel with its children, or another
 * account (admins, all users shown).
 */
export type HistoryKind = 'total' | 'kernel' | 'user';

/**
 * The CPU and memory the server kept of its scans, per kernel, for the
 * user's total and (admins) per account, over the server's window (30 min by
 * default). It asks the server after each new processes reply while watched,
 * only for the slots from its newest one on, and never polls by itself.
 */
export class ProcessHistory implements IDisposable {
  constructor(options: ProcessHistory.IOptions) {
    this._client = options.client;
    this._processes = options.processes;
  }

  /** Emitted when the series, status or error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Bumped on each change of the series: a cheap memo key for views. */
  get version(): number {
    return this._version;
  }

  /** 'off': the server keeps no history, or its routes are switched off. */
  get status(): LoadStatus {
    return this._status;
  }

  /** Why the last load failed, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Seconds per slot (0 before the first reply). */
  get step(): number {
    return this._step;
  }

  /** Seconds the window spans (0 before the first reply). */
  get seconds(): number {
    return this._step * this._capacity;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * One series over the window ending at the newest slot, oldest slot first,
   * NaN where no scan fell; null when the server sent none (a kernel that
   * ended, an account not shown, no reply yet). The same object is returned
   * until the series change.
   */
  series(kind: HistoryKind, id?: string): ProcessHistory.ISeries | null {
    const key = kind === 'total' ? 'total' : `${kind}:${id ?? ''}`;
    const ring = this._rings.get(key);
    if (!ring) {
      return null;
    }
    let series = this._cache.get(key);
    if (!series) {
      const count = this._capacity;
      const first = this._newest - count + 1;
      const cpu = new Float64Array(count);
      const memory = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const slot = first + i;
        const at = this._index(slot);
        const kept = ring.stamps[at] === slot;
        cpu[i] = kept ? ring.cpu[at] : NaN;
        memory[i] = kept ? ring.memory[at] : NaN;
      }
      series = { start: first * this._step, step: this._step, cpu, memory };
      this._cache.set(key, series);
    }
    return series;
  }

  /**
   * Keep the history current while the handle is not disposed; this also
   * keeps the processes model scanning.
   */
  watch(): IDisposable {
    const scans = this._processes.watch();
    this._watchers++;
    if (this._watchers === 1) {
      this._processes.changed.connect(this._onProcesses, this);
      this._onProcesses();
    }
    return new DisposableDelegate(() => {
      scans.dispose();
      this._watchers--;
      if (this._watchers === 0) {
        this._processes.changed.disconnect(this._onProcesses, this);
      }
    });
  }

  /**
   * Merge a reply of the history route: its slots overwrite the kept ones,
   * the window moves to its newest slot, and kernels (accounts) it does not
   * list are dropped. Public for tests and benches; the model calls it.
   */
  merge(reply: IHistoryReply): void {
    const step = reply.step;
    const capacity = Math.round(reply.seconds / step);
    const first = Math.round(reply.start / step);
    if (!(step > 0 && capacity > 0 && Number.isFinite(first))) {
      throw new Error(`Invalid history reply (step ${step})`);
    }
    let changed = false;
    if (step !== this._step || capacity !== this._capacity) {
      this._rings.clear();
      this._step = step;
      this._capacity = capacity;
      this._newest = -Infinity;
      changed = true;
    }
    const last = first + reply.count - 1;
    if (last > this._newest) {
      this._newest = last;
      changed = true;
    }
    const oldest = this._newest - capacity + 1;
    const write = (key: string, series: IHistorySeries) => {
      let ring = this._rings.get(key);
      if (!ring) {
        ring = Private.ring(capacity);
        this._rings.set(key, ring);
        changed = true;
      }
      const count = Math.min(
        reply.count,
        series.cpu.length,
        series.memory.length
      );
      for (let i = Math.max(0, oldest - first); i < count; i++) {
        const slot = first + i;
        const at = this._index(slot);
        const cpu = series.cpu[i] ?? NaN;
        const memory = series.memory[i] ?? NaN;
        if (
          ring.stamps[at] !== slot ||
          !Private.same(ring.cpu[at], cpu) ||
          !Private.same(ring.memory[at], memory)
        ) {
          ring.stamps[at] = slot;
          ring.cpu[at] = cpu;
          ring.memory[at] = memory;
          changed = true;
        }
      }
    };
    const listed = new Set<string>(['total']);
    write('total', reply.total);
    for (const [kind, map] of [
      ['kernel', reply.kernels],
      ['user', reply.users ?? {}]
    ] as const) {
      for (const id of Object.keys(map)) {
        listed.add(`${kind}:${id}`);
        write(`${kind}:${id}`, map[id]);
      }
    }
    for (const key of [...this._rings.keys()]) {
      if (!listed.has(key)) {
        this._rings.delete(key);
        changed = true;
      }
    }
    if (changed) {
      this._cache.clear();
      this._version++;
    }
    this._setStatus('ready', null, changed);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._watchers > 0) {
      this._processes.changed.disconnect(this._onProcesses, this);
    }
    Signal.clearData(this);
  }

  /** A new processes reply: ask for the slots since the newest one kept. */
  private _onProcesses(): void {
    const reply = this._processes.reply;
    if (!reply || reply === this._seen || this._isDisposed) {
      return;
    }
    this._seen = reply;
    if (!reply.history) {
      this._off();
      return;
    }
    void this._fetch();
  }

  /** One load at a time; a reply that came meanwhile asks for one more. */
  private async _fetch(): Promise<void> {
    if (this._fetching) {
      this._again = true;
      return;
    }
    this._fetching = true;
    try {
      do {
        this._again = false;
        await this._load(this._processes.reply);
      } while (this._again && this._watchers > 0 && !this._isDisposed);
    } finally {
      this._fetching = false;
    }
  }

  private async _load(processes: IProcessesReply | null): Promise<void> {
    if (!processes?.history) {
      return;
    }
    const users = !!this._processes.allUsers && processes.is_admin;
    // Accounts shown or hidden: the whole window again, for their series.
    const since =
      users === this._withUsers && this._newest > -Infinity
        ? this._newest * this._step
        : undefined;
    let reply: IHistoryReply;
    try {
      reply = await this._client.history(since, users);
    } catch (error) {
      if (!this._isDisposed) {
        this._failed(error);
      }
      return;
    }
    if (this._isDisposed) {
      return;
    }
    this._withUsers = users;
    try {
      this.merge(reply);
    } catch (error) {
      this._failed(error);
    }
  }

  private _failed(error: unknown): void {
    if (
      isSwitchedOff(error) ||
      (error instanceof KernelManagerAPIError && error.status === 404)
    ) {
      this._off();
      return;
    }
    const message = describeError(error);
    if (this._status !== 'error' || this._error !== message) {
      console.warn('Kernel manager: could not load the process history', error);
    }
    this._setStatus('error', message, false);
  }

  /** The server keeps no history: nothing to show, nothing to ask. */
  private _off(): void {
    const cleared = this._rings.size > 0;
    this._rings.clear();
    this._cache.clear();
    this._newest = -Infinity;
    if (cleared) {
      this._version++;
    }
    this._setStatus('off', null, cleared);
  }

  private _setStatus(
    status: LoadStatus,
    error: string | null,
    changed: boolean
  ): void {
    if (this._status !== status || this._error !== error) {
      this._status = status;
      this._error = error;
      changed = true;
    }
    if (changed && !this._isDisposed) {
      this._changed.emit();
    }
  }

  private _index(slot: number): number {
    const at = slot % this._capacity;
    return at < 0 ? at + this._capacity : at;
  }

  private _client: Pick<HistoryClient, 'history'>;
  private _processes: ProcessHistory.IProcesses;
  private _rings = new Map<string, Private.IRing>();
  private _cache = new Map<string, ProcessHistory.ISeries>();
  private _step = 0;
  private _capacity = 0;
  /** Slot number (epoch seconds / step) of the newest slot kept. */
  private _newest = -Infinity;
  private _version = 0;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _watchers = 0;
  private _seen: IProcessesReply | null = null;
  private _withUsers = false;
  private _fetching = false;
  private _again = false;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace ProcessHistory {
  /** What the history needs of the processes model. */
  export interface IProcesses extends Pick<
    IProcessesSource,
    'changed' | 'reply' | 'watch'
  > {
    /** Whether admins see every user's processes (then every account's). */
    readonly allUsers?: boolean;
  }

  export interface IOptions {
    client: Pick<HistoryClient, 'history'>;
    processes: IProcesses;
  }

  /**
   * One series over the window: `cpu[i]` and `memory[i]` (percent, bytes;
   * NaN where no scan fell) for the slot starting at `start + i * step`.
   */
  export interface ISeries {
    /** Epoch seconds of the oldest slot. */
    start: number;
    step: number;
    cpu: Float64Array;
    memory: Float64Array;
  }
}

namespace Private {
  /**
   * A fixed-size ring of slots, indexed by slot number modulo its size; the
   * stamp tells a slot of this window from an older one.
   */
  export interface IRing {
    stamps: Float64Array;
    cpu: Float64Array;
    memory: Float64Array;
  }

  export function ring(capacity: number): IRing {
    return {
      stamps: new Float64Array(capacity).fill(-1),
      cpu: new Float64Array(capacity),
      memory: new Float64Array(capacity)
    };
  }

  /** Equal, NaN equal to NaN. */
  export function same(a: number, b: number): boolean {
    return a === b || (a !== a && b !== b);
  }
}
