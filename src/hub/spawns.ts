import { Hub, HubClient, HubError } from './api';

/**
 * The spawns started from this page: the latest progress event of each, by
 * user and server, until it ends.
 */
export class HubSpawns {
  constructor(options: HubSpawns.IOptions) {
    this._client = options.client;
    this._changed = options.changed;
  }

  /**
   * Spawn progress of a pending server: percent and last message.
   */
  progress(user: string, server = ''): Hub.IProgressEvent | undefined {
    return this._progress.get(key(user, server));
  }

  /** Names of the servers of `user` being started from this page. */
  starting(user: string): string[] {
    const prefix = key(user, '');
    return [...this._progress.keys()]
      .filter(k => k.startsWith(prefix))
      .map(k => k.slice(prefix.length));
  }

  /**
   * Show a server as starting before the hub answers its spawn's POST, which
   * it does only when the spawn ends or takes long (`slow_spawn_timeout`).
   */
  begin(user: string, server: string): void {
    this._progress.set(key(user, server), { progress: 0 });
    this._changed();
  }

  /** Show a server as no longer starting. */
  end(user: string, server: string): void {
    if (this._progress.delete(key(user, server))) {
      this._changed();
    }
  }

  /**
   * Follow a spawn to its end; throws when the hub says it failed.
   */
  async follow(
    user: string,
    server: string,
    signal?: AbortSignal
  ): Promise<void> {
    let last: Hub.IProgressEvent | undefined;
    try {
      await this._client.progress(
        user,
        server,
        event => {
          last = event;
          this._progress.set(key(user, server), event);
          this._changed();
        },
        signal
      );
    } catch (error) {
      if ((error as Error).name !== 'AbortError') {
        console.warn('Kernel manager: spawn progress unavailable', error);
      }
    } finally {
      this._progress.delete(key(user, server));
      this._changed();
    }
    if (last?.failed) {
      throw new HubError(
        500,
        last.message || `The server of ${user} failed to start.`
      );
    }
  }

  private _client: HubClient;
  private _changed: () => void;
  private _progress = new Map<string, Hub.IProgressEvent>();
}

export namespace HubSpawns {
  export interface IOptions {
    client: HubClient;
    /** Called when a spawn's progress changed. */
    changed: () => void;
  }
}

function key(user: string, server: string): string {
  return `${user}/${server}`;
}
