import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import { IKernelSpecsReply, IRenamedKernelSpec } from '../common/types';

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
