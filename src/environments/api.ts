import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import {
  ExportFormat,
  IBackendsReply,
  ICloneEnvironment,
  ICreateEnvironment,
  IExportReply,
  IEnvironmentsReply,
  IInstalledPackage,
  IJobReply,
  IJobStarted,
  IJobSummary
} from '../common/types';

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

  /**
   * An environment as a pinned file (its text and a name to save it under).
   */
  export(name: string, format: ExportFormat): Promise<IExportReply> {
    const query = `?format=${encodeURIComponent(format)}`;
    return requestAPI<IExportReply>(
      `environments/${encodeURIComponent(name)}/export${query}`,
      { method: 'GET' },
      this.serverSettings
    );
  }

  /**
   * Start copying an environment under a new name, as a job.
   */
  clone(name: string, request: ICloneEnvironment): Promise<IJobStarted> {
    return requestAPI<IJobStarted>(
      `environments/${encodeURIComponent(name)}/clone`,
      { method: 'POST', body: JSON.stringify(request) },
      this.serverSettings
    );
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

  /**
   * The tools that can build environments; the server answers once it has
   * found them (a few seconds after its start), the listing never waits.
   */
  backends(): Promise<IBackendsReply> {
    return requestAPI<IBackendsReply>(
      'backends',
      { method: 'GET' },
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
