import { JSONExt } from '@lumino/coreutils';
import { PollingModel } from '../common/pollingModel';
import { IProcessesSource } from '../common/tokens';
import { ProcessesClient } from './api';
import { IProcessesReply, SignalName } from '../common/types';
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
export class ProcessesModel
  extends PollingModel<IProcessesReply>
  implements IProcessesSource
{
  constructor(options: ProcessesModel.IOptions) {
    super({
      name: 'jupyterlab-kernel-manager:processes',
      interval: (options.interval ?? DEFAULT_PROCESS_INTERVAL) * 1000
    });
    this._client = options.client;
  }

  /**
   * The user's processes as a sorted forest, the server first.
   */
  get tree(): ReadonlyArray<IProcessNode> {
    if (!this._tree) {
      this._tree = buildProcessTree(this.reply?.processes ?? [], this._sort);
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
      this.emitChanged();
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
      this.emitChanged();
      void this.refresh().catch(error =>
        console.warn('Kernel manager: could not list processes', error)
      );
    }
  }

  /**
   * Seconds between two scans.
   */
  set interval(seconds: number) {
    this.poll.interval = seconds * 1000;
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
   * Signal one of the user's processes, then scan again to show the effect.
   */
  async signal(pid: number, signal: SignalName): Promise<void> {
    await this._client.signal(pid, signal);
    this.poll.soon();
  }

  protected request(): Promise<IProcessesReply> {
    return this._client.list(this._allUsers);
  }

  protected onReply(): void {
    this._tree = null;
    this._kernelMemory = null;
  }

  private _client: ProcessesClient;
  private _tree: IProcessNode[] | null = null;
  private _kernelMemory: Map<string, number> | null = null;
  private _sort: IProcessSort = { key: 'memory', descending: true };
  private _allUsers = false;
}

export namespace ProcessesModel {
  export interface IOptions {
    client: ProcessesClient;
    /** Seconds between two scans. */
    interval?: number;
  }
}
