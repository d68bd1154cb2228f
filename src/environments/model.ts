import { KernelSpec } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { EnvironmentsClient } from '../common/server';
import {
  IBackend,
  ICreateEnvironment,
  IEnvironment,
  IEnvironmentsReply,
  IJobSummary
} from '../common/types';
import { JobModel } from './jobs';
import { LoadStatus } from '../kernelspecs/model';

/**
 * How often the environment list is fetched again while shown, in ms: sizes
 * and health change rarely, and jobs refresh it when they end.
 */
const LIST_INTERVAL = 60 * 1000;

/**
 * State of the Environments section: the environments, the backends that
 * can build them, and the jobs that create or change them.
 */
export class EnvironmentsModel implements IDisposable {
  constructor(options: EnvironmentsModel.IOptions) {
    this._client = options.client;
    this._kernelspecs = options.kernelspecs;
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: {
        interval: options.interval ?? LIST_INTERVAL,
        backoff: true,
        max: 5 * 60 * 1000
      },
      name: 'jupyterlab-kernel-manager:environments',
      standby: 'when-hidden'
    });
    void this._resumeJobs();
  }

  /**
   * Emitted when environments, backends, status or error change.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Emitted with each job the model starts following, new or resumed.
   */
  get jobStarted(): ISignal<this, JobModel> {
    return this._jobStarted;
  }

  /**
   * Emitted with each job once it has ended.
   */
  get jobFinished(): ISignal<this, JobModel> {
    return this._jobFinished;
  }

  get environments(): ReadonlyArray<IEnvironment> {
    return this._reply?.environments ?? [];
  }

  get backends(): ReadonlyArray<IBackend> {
    return this._reply?.backends ?? [];
  }

  /**
   * The backends that can be used now.
   */
  get availableBackends(): ReadonlyArray<IBackend> {
    return this.backends.filter(backend => backend.available);
  }

  get defaultBackend(): IBackend['name'] | null {
    return this._reply?.default_backend ?? null;
  }

  get environmentsDir(): string | null {
    return this._reply?.environments_dir ?? null;
  }

  /**
   * The per-user cap on environments; 0 means none.
   */
  get maxEnvironments(): number {
    return this._reply?.max_environments ?? 0;
  }

  get status(): LoadStatus {
    return this._status;
  }

  get error(): string | null {
    return this._error;
  }

  /**
   * Jobs being followed, oldest first.
   */
  get jobs(): ReadonlyArray<JobModel> {
    return [...this._jobs.values()];
  }

  get(name: string): IEnvironment | undefined {
    return this.environments.find(environment => environment.name === name);
  }

  job(id: string): JobModel | undefined {
    return this._jobs.get(id);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Fetch the environments now.
   */
  refresh(): Promise<void> {
    return this._fetch();
  }

  /**
   * Start creating an environment; the job is followed until it ends.
   */
  async create(request: ICreateEnvironment): Promise<JobModel> {
    const started = await this._client.create(request);
    const job = this._follow({
      id: started.job,
      kind: 'create',
      environment: started.environment,
      state: 'running',
      exit_status: null,
      error: null,
      // The client's clock until the first poll brings the server's.
      started_at: new Date().toISOString(),
      finished_at: null
    });
    this._refreshInBackground();
    return job;
  }

  /**
   * Start adding packages to an environment.
   */
  async addPackages(name: string, packages: string[]): Promise<JobModel> {
    const started = await this._client.addPackages(name, packages);
    const job = this._follow({
      id: started.job,
      kind: 'install',
      environment: started.environment,
      state: 'running',
      exit_status: null,
      error: null,
      // The client's clock until the first poll brings the server's.
      started_at: new Date().toISOString(),
      finished_at: null
    });
    this._refreshInBackground();
    return job;
  }

  /**
   * Remove an environment with its kernelspec, then refresh the specs so the
   * launcher drops it at once.
   *
   * @returns the ids of the kernels shut down (only with `force`).
   */
  async remove(name: string, force = false): Promise<string[]> {
    const shutDown = await this._client.remove(name, force);
    await Promise.all([this._kernelspecs.refreshSpecs(), this.refresh()]);
    return shutDown;
  }

  /**
   * What is installed in an environment.
   */
  packages(name: string) {
    return this._client.packages(name);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    for (const job of this._jobs.values()) {
      job.dispose();
    }
    this._jobs.clear();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    // Only the newest answer counts when a poll and a refresh race.
    const ticket = ++this._ticket;
    let reply: IEnvironmentsReply;
    try {
      reply = await this._client.list();
    } catch (error) {
      if (ticket !== this._ticket || this._isDisposed) {
        throw error;
      }
      if (this._status !== 'error' || this._error !== (error as Error).message) {
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
    const changed =
      this._status !== 'ready' ||
      !JSONExt.deepEqual(reply as any, (this._reply ?? null) as any);
    this._reply = reply;
    this._status = 'ready';
    this._error = null;
    if (changed) {
      this._changed.emit();
    }
  }

  /**
   * Refresh without waiting; a failure is already shown through `status`.
   */
  private _refreshInBackground(): void {
    this.refresh().catch(error =>
      console.warn('Kernel manager: could not list environments', error)
    );
  }

  /**
   * After a reload, follow the jobs the server is still running.
   */
  private async _resumeJobs(): Promise<void> {
    try {
      const jobs = await this._client.jobs();
      for (const summary of jobs) {
        if (summary.state === 'running') {
          this._follow(summary);
        }
      }
    } catch (error) {
      console.warn('Kernel manager: could not list running jobs', error);
    }
  }

  private _follow(summary: IJobSummary): JobModel {
    const existing = this._jobs.get(summary.id);
    if (existing) {
      return existing;
    }
    const job = new JobModel({ client: this._client, summary });
    this._jobs.set(job.id, job);
    this._jobStarted.emit(job);
    void job.done.then(async () => {
      if (this._isDisposed) {
        return;
      }
      // A new or changed environment means a new or changed kernelspec.
      this._refreshInBackground();
      await this._kernelspecs.refreshSpecs();
      this._jobFinished.emit(job);
    });
    return job;
  }

  private _client: EnvironmentsClient;
  private _kernelspecs: KernelSpec.IManager;
  private _poll: Poll;
  private _reply: IEnvironmentsReply | null = null;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _jobs = new Map<string, JobModel>();
  private _ticket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _jobStarted = new Signal<this, JobModel>(this);
  private _jobFinished = new Signal<this, JobModel>(this);
}

export namespace EnvironmentsModel {
  export interface IOptions {
    client: EnvironmentsClient;
    kernelspecs: KernelSpec.IManager;
    /** List poll interval in ms. */
    interval?: number;
  }
}
