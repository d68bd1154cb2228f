import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from './request';
import {
  ICreateEnvironment,
  IEnvironmentsReply,
  IInstalledPackage,
  IJobReply,
  IJobStarted,
  IJobSummary,
  IKernelSpecsReply,
  IProcessesReply,
  IRenamedKernelSpec,
  SignalName
} from './types';

/**
 * Client of the kernelspec routes of our server extension.
 *
 * Listing the specs themselves is `app.serviceManager.kernelspecs`' job;
 * this client only fetches what that API does not say (where a spec lives,
 * whether it may be changed, whether its interpreter still exists) and
 * changes specs on disk.
 */
export class KernelSpecsClient {
  constructor(options: KernelSpecsClient.IOptions) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  /**
   * Details of every kernelspec the server can launch.
   */
  details(): Promise<IKernelSpecsReply> {
    return requestAPI<IKernelSpecsReply>(
      'kernelspecs',
      { method: 'GET' },
      this.serverSettings
    );
  }

  /**
   * Change the display name of one of the user's own kernelspecs.
   */
  rename(name: string, displayName: string): Promise<IRenamedKernelSpec> {
    return requestAPI<IRenamedKernelSpec>(
      `kernelspecs/${encodeURIComponent(name)}`,
      { method: 'PATCH', body: JSON.stringify({ display_name: displayName }) },
      this.serverSettings
    );
  }

  /**
   * Remove one of the user's own kernelspecs.
   *
   * @param force - remove it even though kernels of it are running; without
   *   it the server answers 409 with reason `running`.
   */
  async remove(name: string, force = false): Promise<void> {
    const query = force ? '?force=1' : '';
    await requestAPI<void>(
      `kernelspecs/${encodeURIComponent(name)}${query}`,
      { method: 'DELETE' },
      this.serverSettings
    );
  }
}

export namespace KernelSpecsClient {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
  }
}

/**
 * Client of the environment and job routes of our server extension.
 */
export class EnvironmentsClient {
  constructor(options: EnvironmentsClient.IOptions) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  list(): Promise<IEnvironmentsReply> {
    return requestAPI<IEnvironmentsReply>(
      'environments',
      { method: 'GET' },
      this.serverSettings
    );
  }

  /**
   * Start creating an environment; the server answers at once with a job.
   */
  create(request: ICreateEnvironment): Promise<IJobStarted> {
    return requestAPI<IJobStarted>(
      'environments',
      { method: 'POST', body: JSON.stringify(request) },
      this.serverSettings
    );
  }

  /**
   * Remove an environment and its kernelspec.
   *
   * @param force - even though kernels of it are running: the server shuts
   *   them down first; without it the server answers 409 with reason `running`.
   * @returns the ids of the kernels the server shut down.
   */
  async remove(name: string, force = false): Promise<string[]> {
    const query = force ? '?force=1' : '';
    const reply = await requestAPI<{ shut_down: string[] } | undefined>(
      `environments/${encodeURIComponent(name)}${query}`,
      { method: 'DELETE' },
      this.serverSettings
    );
    return reply?.shut_down ?? [];
  }

  async packages(name: string): Promise<IInstalledPackage[]> {
    const reply = await requestAPI<{ packages: IInstalledPackage[] }>(
      `environments/${encodeURIComponent(name)}/packages`,
      { method: 'GET' },
      this.serverSettings
    );
    return reply.packages;
  }

  addPackages(name: string, packages: string[]): Promise<IJobStarted> {
    return requestAPI<IJobStarted>(
      `environments/${encodeURIComponent(name)}/packages`,
      { method: 'POST', body: JSON.stringify({ packages }) },
      this.serverSettings
    );
  }

  async jobs(): Promise<IJobSummary[]> {
    const reply = await requestAPI<{ jobs: IJobSummary[] }>(
      'jobs',
      { method: 'GET' },
      this.serverSettings
    );
    return reply.jobs;
  }

  /**
   * A job's state and the log lines from index `since` on.
   */
  job(id: string, since = 0): Promise<IJobReply> {
    return requestAPI<IJobReply>(
      `jobs/${encodeURIComponent(id)}?since=${since}`,
      { method: 'GET' },
      this.serverSettings
    );
  }

  cancelJob(id: string): Promise<IJobSummary> {
    return requestAPI<IJobSummary>(
      `jobs/${encodeURIComponent(id)}`,
      { method: 'DELETE' },
      this.serverSettings
    );
  }
}

export namespace EnvironmentsClient {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
  }
}

/**
 * Client of the process routes of our server extension.
 */
export class ProcessesClient {
  constructor(options: ProcessesClient.IOptions) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The server user's processes; with `allUsers`, every user's (admins only,
   * others get 403).
   */
  list(allUsers = false): Promise<IProcessesReply> {
    return requestAPI<IProcessesReply>(
      allUsers ? 'processes?all_users=1' : 'processes',
      { method: 'GET' },
      this.serverSettings
    );
  }

  /**
   * Send a signal to one of the server user's own processes.
   */
  signal(pid: number, signal: SignalName): Promise<{ pid: number; signal: SignalName }> {
    return requestAPI(
      `processes/${encodeURIComponent(String(pid))}/signal`,
      { method: 'POST', body: JSON.stringify({ signal }) },
      this.serverSettings
    );
  }
}

export namespace ProcessesClient {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
  }
}
