import { KernelSpec } from '@jupyterlab/services';
import { PollingModel } from '../common/pollingModel';
import {
  ExportFormat,
  ICreateEnvironment,
  IExportReply,
  IInstalledPackage,
  ISharedEnvironment,
  ISharedEnvironmentsReply
} from '../common/types';
import { EnvironmentsModel } from './model';
import { JobModel } from './jobs';
import { SharedEnvironmentsClient } from './sharedApi';

/**
 * How often the shared environments are listed again while shown, in ms:
 * an admin on another server may add one at any time.
 */
const LIST_INTERVAL = 60 * 1000;

/**
 * The environments hub admins share with every user, and whether this user
 * may change them. Their jobs are followed by the environments model, so
 * they have the same log, cancel and notifications.
 */
export class SharedEnvironmentsModel extends PollingModel<ISharedEnvironmentsReply> {
  constructor(options: SharedEnvironmentsModel.IOptions) {
    super({
      name: 'jupyterlab-kernel-manager:shared-environments',
      interval: options.interval ?? LIST_INTERVAL,
      maxBackoff: 5 * 60 * 1000
    });
    this._client = options.client;
    this._environments = options.environments;
    this._kernelspecs = options.kernelspecs;
    this._environments.jobFinished.connect(this._onJobFinished, this);
  }

  get environments(): ReadonlyArray<ISharedEnvironment> {
    return this.reply?.environments ?? [];
  }

  /**
   * Whether the administrator enabled shared environments on this machine.
   */
  get enabled(): boolean {
    return this.reply?.enabled ?? false;
  }

  /**
   * Whether this user may create, change and remove them here.
   */
  get canManage(): boolean {
    return this.reply?.can_manage ?? false;
  }

  /**
   * Why this user may not, when `canManage` is false.
   */
  get reason(): string | null {
    return this.reply?.reason ?? null;
  }

  get environmentsDir(): string | null {
    return this.reply?.environments_dir ?? null;
  }

  get(name: string): ISharedEnvironment | undefined {
    return this.environments.find(environment => environment.name === name);
  }

  async create(request: ICreateEnvironment): Promise<JobModel> {
    const started = await this._client.create(request);
    const job = this._environments.followStarted(started, 'create');
    void this.refresh().catch(() => undefined);
    return job;
  }

  async addPackages(name: string, packages: string[]): Promise<JobModel> {
    const started = await this._client.addPackages(name, packages);
    return this._environments.followStarted(started, 'install');
  }

  /**
   * @returns the ids of this server's kernels of it that were shut down.
   */
  async remove(name: string, force = false): Promise<string[]> {
    const shutDown = await this._client.remove(name, force);
    await Promise.all([this._kernelspecs.refreshSpecs(), this.refresh()]);
    return shutDown;
  }

  export(name: string, format: ExportFormat): Promise<IExportReply> {
    return this._client.export(name, format);
  }

  packages(name: string): Promise<IInstalledPackage[]> {
    return this._client.packages(name);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._environments.jobFinished.disconnect(this._onJobFinished, this);
    super.dispose();
  }

  protected request(): Promise<ISharedEnvironmentsReply> {
    return this._client.list();
  }

  private _onJobFinished(): void {
    void this.refresh().catch(() => undefined);
  }

  private _client: SharedEnvironmentsClient;
  private _environments: EnvironmentsModel;
  private _kernelspecs: KernelSpec.IManager;
}

export namespace SharedEnvironmentsModel {
  export interface IOptions {
    client: SharedEnvironmentsClient;
    environments: EnvironmentsModel;
    kernelspecs: KernelSpec.IManager;
    /** List poll interval in ms. */
    interval?: number;
  }
}
