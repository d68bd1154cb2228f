import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import {
  IJobSummary,
  IKernelSpecDetails,
  IUserPackagesReply
} from '../common/types';
import {
  addUserPackages,
  cancelUserSiteJob,
  removeUserPackage,
  userPackages,
  userSiteJob
} from './api';

/**
 * How often a running install is asked for new log lines, in ms.
 */
const JOB_INTERVAL = 500;

/**
 * Log lines kept in the browser; the server keeps the rest.
 */
const MAX_LOG_LINES = 5000;

/**
 * The user site (`pip install --user`) of one kernelspec's Python: its
 * packages, and the install job started from here, followed to its end.
 */
export class UserPackagesModel implements IDisposable {
  constructor(options: UserPackagesModel.IOptions) {
    this.name = options.name;
    this.displayName = options.displayName ?? options.name;
    this._settings = options.serverSettings;
    this._interval = options.interval ?? JOB_INTERVAL;
  }

  /** The kernelspec's name. */
  readonly name: string;

  readonly displayName: string;

  get reply(): IUserPackagesReply | null {
    return this._reply;
  }

  /** Why the last request failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** The install job started from here (the last one), or null. */
  get job(): IJobSummary | null {
    return this._job;
  }

  get log(): ReadonlyArray<string> {
    return this._log;
  }

  /** An install or a removal is under way: no other change is offered. */
  get busy(): boolean {
    return this._removing !== null || this._job?.state === 'running';
  }

  /** The package being removed, or null. */
  get removing(): string | null {
    return this._removing;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async refresh(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      this._reply = await userPackages(this._settings, this.name);
      this._error = null;
    } catch (error) {
      this._error = messageOf(error);
    } finally {
      this._loading = false;
      this._emit();
    }
  }

  /**
   * Start `pip install --user`; resolves once the job started (its log is
   * then followed). Rejects with the server's refusal.
   */
  async add(packages: string[]): Promise<void> {
    const started = await addUserPackages(this._settings, this.name, packages);
    this._follow({
      id: started.job,
      kind: 'user-install',
      environment: started.environment,
      state: 'running',
      exit_status: null,
      error: null,
      started_at: new Date().toISOString(),
      finished_at: null
    });
  }

  /**
   * Remove a package from the user site; rejects with the server's refusal.
   */
  async remove(pkg: string): Promise<void> {
    this._removing = pkg;
    this._emit();
    try {
      this._reply = await removeUserPackage(this._settings, this.name, pkg);
      this._error = null;
    } finally {
      this._removing = null;
      this._emit();
    }
  }

  async cancel(): Promise<void> {
    if (this._job?.state === 'running') {
      await cancelUserSiteJob(this._settings, this._job.id);
      void this._poll?.refresh();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll?.dispose();
    // Last word to listeners (a notification following the install).
    this._changed.emit();
    Signal.clearData(this);
  }

  private _follow(summary: IJobSummary): void {
    this._poll?.dispose();
    this._job = summary;
    this._log = [];
    this._next = 0;
    this._emit();
    const poll: Poll = new Poll({
      factory: (): Promise<void> => this._fetch(poll),
      frequency: { interval: this._interval, backoff: true, max: 10000 },
      name: `jupyterlab-kernel-manager:user-site-job-${summary.id}`,
      standby: 'never'
    });
    this._poll = poll;
  }

  private async _fetch(poll: Poll): Promise<void> {
    const job = this._job;
    if (!job) {
      return;
    }
    const reply = await userSiteJob(this._settings, job.id, this._next);
    if (this._isDisposed || poll.isDisposed) {
      return;
    }
    const { log, next, ...rest } = reply;
    this._job = rest;
    this._log.push(...log);
    this._log.splice(0, Math.max(0, this._log.length - MAX_LOG_LINES));
    this._next = next;
    this._emit();
    // Finished and every line in: what the job did shows in the listing.
    if (rest.state !== 'running' && log.length === 0) {
      poll.dispose();
      await this.refresh();
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _settings: ServerConnection.ISettings;
  private _interval: number;
  private _reply: IUserPackagesReply | null = null;
  private _error: string | null = null;
  private _loading = false;
  private _removing: string | null = null;
  private _job: IJobSummary | null = null;
  private _log: string[] = [];
  private _next = 0;
  private _poll: Poll | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace UserPackagesModel {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
    name: string;
    displayName?: string;
    /** Poll interval of a running job, in ms. */
    interval?: number;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether a kernelspec's details offer its user-site packages: a spec this
 * extension did not make, whose program exists (the server says the rest).
 */
export function offersUserPackages(
  details: IKernelSpecDetails | null
): boolean {
  return !!details && !details.environment && details.interpreter_exists;
}
