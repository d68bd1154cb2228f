import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import {
  IEditedKernelSpec,
  IEditKernelSpec,
  IJobReply,
  IJobStarted,
  IJobSummary,
  IKernelSpecsReply,
  IUserPackagesReply
} from '../common/types';

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
  rename(name: string, displayName: string): Promise<IEditedKernelSpec> {
    return this.edit(name, { display_name: displayName });
  }

  /**
   * Change any of the display name, environment variables, extra arguments
   * and interrupt mode of one of the user's own kernelspecs; the server
   * checks everything before it writes anything.
   */
  edit(name: string, changes: IEditKernelSpec): Promise<IEditedKernelSpec> {
    return requestAPI<IEditedKernelSpec>(
      `kernelspecs/${encodeURIComponent(name)}`,
      { method: 'PATCH', body: JSON.stringify(changes) },
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
 * What lives in the user site (`pip install --user`) of a kernelspec's
 * Python, or why it has none.
 */
export function userPackages(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IUserPackagesReply> {
  return requestAPI<IUserPackagesReply>(
    `kernelspecs/${encodeURIComponent(name)}/user-packages`,
    { method: 'GET' },
    settings
  );
}

/**
 * Start `pip install --user` for a kernelspec's Python; a job does the work.
 */
export function addUserPackages(
  settings: ServerConnection.ISettings,
  name: string,
  packages: string[]
): Promise<IJobStarted> {
  return requestAPI<IJobStarted>(
    `kernelspecs/${encodeURIComponent(name)}/user-packages`,
    { method: 'POST', body: JSON.stringify({ packages }) },
    settings
  );
}

/**
 * Uninstall a package from the user site of a kernelspec's Python (and from
 * nowhere else); gives the user site as it is now.
 */
export function removeUserPackage(
  settings: ServerConnection.ISettings,
  name: string,
  pkg: string
): Promise<IUserPackagesReply> {
  return requestAPI<IUserPackagesReply>(
    `kernelspecs/${encodeURIComponent(name)}/user-packages/${encodeURIComponent(pkg)}`,
    { method: 'DELETE' },
    settings
  );
}

/**
 * A job's state and its log from line `since` on (the jobs routes are the
 * environments part's; user-site installs run there too).
 */
export function userSiteJob(
  settings: ServerConnection.ISettings,
  id: string,
  since: number
): Promise<IJobReply> {
  return requestAPI<IJobReply>(
    `jobs/${encodeURIComponent(id)}?since=${since}`,
    { method: 'GET' },
    settings
  );
}

/**
 * Ask the server to stop a job.
 */
export async function cancelUserSiteJob(
  settings: ServerConnection.ISettings,
  id: string
): Promise<void> {
  await requestAPI<IJobSummary>(
    `jobs/${encodeURIComponent(id)}`,
    { method: 'DELETE' },
    settings
  );
}
