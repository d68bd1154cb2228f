import { KernelSpec } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { PollingModel } from '../common/pollingModel';
import { isSwitchedOff } from '../common/request';
import {
  ExportFormat,
  IBackendsReply,
  ICloneEnvironment,
  ICreateEnvironment,
  IEnvironment,
  IEnvironmentsReply,
  IExportReply,
  IJobStarted,
  IJobSummary
} from '../common/types';
import { EnvironmentsClient } from './api';
import { JobModel } from './jobs';

/**
 * How often the environment list is fetched again while shown, in ms: sizes
 * and health change rarely, and jobs refresh it when they end.
 */
const LIST_INTERVAL = 60 * 1000;

/**
 * State of the Environments section: the environments, the backends that
 * can build them, and the jobs that create or change them. The list is
 * polled while the section is shown; the backends are asked for once, when
 * a form needs them.
 */
export class EnvironmentsModel extends PollingModel<IEnvironmentsReply> {
  constructor(options: EnvironmentsModel.IOptions) {
    super({
      name: 'jupyterlab-kernel-manager:environments',
      interval: options.interval ?? LIST_INTERVAL,
      maxBackoff: 5 * 60 * 1000
    });
    this._client = options.client;
    this._kernelspecs = options.kernelspecs;
    void this._resumeJobs();
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
    return this.reply?.environments ?? [];
  }

  get environmentsDir(): string | null {
    return this.reply?.environments_dir ?? null;
  }

  /**
   * The per-user cap on environments; 0 means none.
   */
  get maxEnvironments(): number {
    return this.reply?.max_environments ?? 0;
  }

  /**
   * The backends, once `backends()` has brought them; null until then.
   */
  get knownBackends(): IBackendsReply | null {
    return this._backends;
  }

  /**
   * The tools that can build environments. The server finds them in the
   * background from its start; the first call may wait for that, later ones
   * share its answer.
   */
  backends(): Promise<IBackendsReply> {
    if (!this._backendsRequest) {
      this._backendsRequest = this._client.backends().then(
        reply => {
          this._backends = reply;
          return reply;
        },
        error => {
          // Asked again next time.
          this._backendsRequest = null;
          throw error;
        }
      );
    }
    return this._backendsRequest;
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

  /**
   * Start creating an environment; the job is followed until it ends.
   */
  async create(request: ICreateEnvironment): Promise<JobModel> {
    const started = await this._client.create(request);
    return this._started(started, 'create');
  }

  /**
   * An environment as a pinned file (nothing changes on the server).
   */
  export(name: string, format: ExportFormat): Promise<IExportReply> {
    return this._client.export(name, format);
  }

  /**
   * Start copying an environment under a new name.
   */
  async clone(name: string, request: ICloneEnvironment): Promise<JobModel> {
    const started = await this._client.clone(name, request);
    return this._started(started, 'clone');
  }

  /**
   * Start adding packages to an environment.
   */
  async addPackages(name: string, packages: string[]): Promise<JobModel> {
    const started = await this._client.addPackages(name, packages);
    return this._started(started, 'install');
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

  /**
   * Follow a job another model started (shared environments), with the same
   * log, notification and refresh of the kernelspecs when it ends.
   */
  followStarted(started: IJobStarted, kind: IJobSummary['kind']): JobModel {
    return this._started(started, kind);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    for (const job of this._jobs.values()) {
      job.dispose();
    }
    this._jobs.clear();
    super.dispose();
  }

  protected request(): Promise<IEnvironmentsReply> {
    return this._client.list();
  }

  private _started(started: IJobStarted, kind: IJobSummary['kind']): JobModel {
    const job = this._follow({
      id: started.job,
      kind,
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
    let jobs: IJobSummary[];
    try {
      jobs = await this._client.jobs();
    } catch (error) {
      // Switched off: the section says so; nothing to resume.
      if (!isSwitchedOff(error)) {
        console.warn('Kernel manager: could not list running jobs', error);
      }
      return;
    }
    for (const summary of jobs) {
      if (summary.state === 'running') {
        this._follow(summary);
      }
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
      if (this.isDisposed) {
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
  private _backends: IBackendsReply | null = null;
  private _backendsRequest: Promise<IBackendsReply> | null = null;
  private _jobs = new Map<string, JobModel>();
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
