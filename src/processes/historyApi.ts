import { ServerConnection } from '@jupyterlab/services';
import { requestAPI } from '../common/request';
import { IHistoryReply } from '../common/types';

/**
 * Client of `GET /kernel-manager/processes/history`: the CPU and memory the
 * server kept of its scans, per slot.
 */
export class HistoryClient {
  constructor(options: HistoryClient.IOptions) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The slots from the one holding `since` (epoch seconds) on, or the whole
   * window without it; with `allUsers`, each other account's too (admins
   * only, others get 403). A server keeping no history answers 404 with the
   * reason `history-off`.
   */
  history(since?: number, allUsers = false): Promise<IHistoryReply> {
    // Literal '?name=' pieces, so that the OpenAPI check can read them.
    let query =
      since === undefined ? '' : '?since=' + encodeURIComponent(String(since));
    if (allUsers) {
      query += query ? '&all_users=1' : '?all_users=1';
    }
    return requestAPI<IHistoryReply>(
      `processes/history${query}`,
      { method: 'GET' },
      this.serverSettings
    );
  }
}

export namespace HistoryClient {
  export interface IOptions {
    serverSettings: ServerConnection.ISettings;
  }
}
