import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import {
  ExportFormat,
  ICreateEnvironment,
  IExportReply,
  IInstalledPackage,
  IJobStarted,
  ISharedEnvironmentsReply
} from '../common/types';

/**
 * Client of the shared environments' routes: anyone lists them; only a hub
 * admin on their own server, with passwordless sudo, changes them.
 */
export class SharedEnvironmentsClient {
  constructor(options: { serverSettings: ServerConnection.ISettings }) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  list(): Promise<ISharedEnvironmentsReply> {
    return requestAPI<ISharedEnvironmentsReply>(
      'shared-environments',
      { method: 'GET' },
      this.serverSettings
    );
  }

  create(request: ICreateEnvironment): Promise<IJobStarted> {
    return requestAPI<IJobStarted>(
      'shared-environments',
      { method: 'POST', body: JSON.stringify(request) },
      this.serverSettings
    );
  }

  /**
   * Without `force`, the server answers 409 `running` while kernels of it run
   * anywhere on the machine; its message says how many and whose.
   */
  async remove(name: string, force = false): Promise<string[]> {
    const query = force ? '?force=1' : '';
    const reply = await requestAPI<{ shut_down: string[] } | undefined>(
      `shared-environments/${encodeURIComponent(name)}${query}`,
      { method: 'DELETE' },
      this.serverSettings
    );
    return reply?.shut_down ?? [];
  }

  async packages(name: string): Promise<IInstalledPackage[]> {
    const reply = await requestAPI<{ packages: IInstalledPackage[] }>(
      `shared-environments/${encodeURIComponent(name)}/packages`,
      { method: 'GET' },
      this.serverSettings
    );
    return reply.packages;
  }

  export(name: string, format: ExportFormat): Promise<IExportReply> {
    return requestAPI<IExportReply>(
      `shared-environments/${encodeURIComponent(name)}/export?format=${encodeURIComponent(format)}`,
      { method: 'GET' },
      this.serverSettings
    );
  }

  addPackages(name: string, packages: string[]): Promise<IJobStarted> {
    return requestAPI<IJobStarted>(
      `shared-environments/${encodeURIComponent(name)}/packages`,
      { method: 'POST', body: JSON.stringify({ packages }) },
      this.serverSettings
    );
  }
}
