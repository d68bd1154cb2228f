import { JSONExt } from '@lumino/coreutils';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { ProcessesClient } from '../common/server';
import { IProcessesReply, SignalName } from '../common/types';
import { LoadStatus } from '../kernelspecs/model';
import {
  buildProcessTree,
  IProcessNode,
  IProcessSort,
  kernelMemory
} from './processTree';

/**
 * Default seconds between two scans.
 */
export const DEFAULT_PROCESS_INTERVAL = 5;

/**
 * State of the Processes section: the latest scan of the user's processes,
 * refreshed by a poll that runs only while someone looks at it.
 */
export class ProcessesModel implements IDisposable {
  constructor(options: ProcessesModel.IOptions) {
    this._client = options.client;
    this._poll = new Poll({
      auto: false,
      factory: () => this._fetch(),
      frequency: {
        interval: (options.interval ?? DEFAULT_PROCESS_INTERVAL) * 1000,
        backoff: true,
        max: 60 * 1000
      },
      name: 'jupyterlab-kernel-manager:processes',
      // Nobody watching (panel hidden, status item off): no scans at all.
      standby: () => (this._watchers === 0 ? true : 'when-hidden')
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The latest scan, or null before the first.
   */
  get reply(): IProcessesReply | null {
    return this._reply;
  }

  get status(): LoadStatus {
    return this._status;
  }

  get error(): string | null {
    return this._error;
  }

  /**
   * The user's processes as a sorted forest, the server first.
   */
  get tree(): ReadonlyArray<IProcessNode> {
    if (!this._tree) {
      this._tree = buildProcessTree(this._reply?.processes ?? [], this._sort);
    }
    return this._tree;
  }

  get sort(): IProcessSort {
    return this._sort;
  }
  set sort(sort: IProcessSort) {
    if (!JSONExt.deepEqual(sort as any, this._sort as any)) {
      this._sort = { ...sort };
      this._tree = null;
      this._changed.emit();
    }
  }

  /**
   * Whether admins see every user's processes.
   */
  get allUsers(): boolean {
    return this._allUsers;
  }
  set allUsers(value: boolean) {
    if (value !== this._allUsers) {
      this._allUsers = value;
      this._changed.emit();
      void this.refresh().catch(error =>
        console.warn('Kernel manager: could not list processes', error)
      );
    }
  }

  /**
   * Seconds between two scans.
   */
  set interval(seconds: number) {
    const interval = Math.max(1, seconds) * 1000;
    if (interval !== this._poll.frequency.interval) {
      this._poll.frequency = { ...this._poll.frequency, interval };
    }
  }

  /**
   * Memory of each running kernel with its children, by kernel id.
   */
  get kernelMemory(): ReadonlyMap<string, number> {
    if (!this._kernelMemory) {
      this._kernelMemory = kernelMemory(this.tree);
    }
    return this._kernelMemory;
  }

  /**
   * Keep the poll running while the returned handle is not disposed (a
   * shown panel, a status bar item); the first watcher scans at once.
   */
  watch(): IDisposable {
    this._watchers++;
    if (this._watchers === 1) {
      void this._poll.start();
      void this._poll.refresh();
    }
    return new DisposableDelegate(() => {
      this._watchers--;
    });
  }

  /**
   * Scan now.
   */
  refresh(): Promise<void> {
    return this._fetch();
  }

  /**
   * Signal one of the user's processes, then scan again to show the effect.
   */
  async signal(pid: number, signal: SignalName): Promise<void> {
    await this._client.signal(pid, signal);
    void this._poll.refresh();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    const ticket = ++this._ticket;
    let reply: IProcessesReply;
    try {
      reply = await this._client.list(this._allUsers);
    } catch (error) {
      if (ticket === this._ticket && !this._isDisposed) {
        this._status = 'error';
        this._error = (error as Error).message ?? String(error);
        this._changed.emit();
      }
      // Rethrown so the poll backs off.
      throw error;
    }
    if (ticket !== this._ticket || this._isDisposed) {
      return;
    }
    this._reply = reply;
    this._tree = null;
    this._kernelMemory = null;
    this._status = 'ready';
    this._error = null;
    this._changed.emit();
  }

  private _client: ProcessesClient;
  private _poll: Poll;
  private _reply: IProcessesReply | null = null;
  private _tree: IProcessNode[] | null = null;
  private _kernelMemory: Map<string, number> | null = null;
  private _sort: IProcessSort = { key: 'memory', descending: true };
  private _allUsers = false;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _watchers = 0;
  private _ticket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace ProcessesModel {
  export interface IOptions {
    client: ProcessesClient;
    /** Seconds between two scans. */
    interval?: number;
  }
}
