import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import { IProcessesReply, SignalName } from '../common/types';

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
  signal(
    pid: number,
    signal: SignalName
  ): Promise<{ pid: number; signal: SignalName }> {
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
