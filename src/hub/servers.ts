import { Hub, HubClient, HubError } from './api';
import { bulkTargets, IBulkProgress, IServerRef, runBulk } from './bulk';
import { HubIdentity } from './identity';
import { checkServerName, ServerNameProblem } from './names';
import { HubSpawns } from './spawns';
import { HubUsersPage } from './usersPage';

/**
 * A server name the hub would refuse; `reason` says why.
 */
export class ServerNameError extends Error {
  constructor(readonly reason: ServerNameProblem) {
    super(`Invalid server name (${reason})`);
    this.name = 'ServerNameError';
  }
}

/**
 * What the page does to servers: start, create, stop and delete one, or
 * start or stop all of them; and what the hub told about named servers on
 * the way. Each action checks first that the page offers it (commands can
 * be run from elsewhere than the section), then shows its effect.
 */
export class HubServers {
  constructor(options: HubServers.IOptions) {
    this._client = options.client;
    this._identity = options.identity;
    this._spawns = options.spawns;
    this._users = options.users;
    this._own = options.own;
    this._sleep = options.sleep;
    this._changed = options.changed;
    this._refresh = options.refresh;
    this._followUp = options.followUp;
    this.bulkLimit = options.bulkLimit;
  }

  /** Servers "start all" and "stop all" handle at once. */
  bulkLimit: number;

  /**
   * Whether the hub lets users have named servers: known once a named server
   * is seen or the hub refuses one.
   */
  get namedServers(): 'unknown' | 'enabled' | 'disabled' {
    return this._named;
  }

  /** The "start all" or "stop all" under way, or null. */
  get bulk(): IBulkProgress | null {
    return this._bulk;
  }

  /** Learn from users the hub sent whether named servers are on. */
  noteNamedServers(users: ReadonlyArray<Hub.IUser>): void {
    const seen = users.some(user =>
      Object.keys(user.servers ?? {}).some(name => name !== '')
    );
    if (seen) {
      this._named = 'enabled';
    }
  }

  /**
   * Start a server and follow its spawn progress until it is ready; throws
   * when the hub refuses or the spawn fails.
   */
  async start(user: string, server: string): Promise<void> {
    this._identity.requireServers(user);
    this._spawns.begin(user, server);
    try {
      await this._client.startServer(user, server);
      await this._reloadServers(user);
      await this._spawns.follow(user, server);
    } catch (error) {
      this._noteRefusal(error);
      throw error;
    } finally {
      this._spawns.end(user, server);
      await this._refreshAfterChange(user);
    }
  }

  /**
   * Create (by starting it) a named server, after checking its name as the
   * hub would; an invalid name throws a `ServerNameError` and sends nothing.
   */
  async create(user: string, name: string): Promise<void> {
    const problem = checkServerName(name, this._client.version);
    if (problem) {
      throw new ServerNameError(problem);
    }
    await this.start(user, name);
  }

  async stop(user: string, server: string): Promise<void> {
    this._identity.requireServers(user);
    try {
      await this._client.stopServer(user, server);
    } finally {
      await this._refreshAfterChange(user);
    }
  }

  /** Stop a named server and have the hub forget it. */
  async remove(user: string, server: string): Promise<void> {
    this._identity.requireServers(user);
    try {
      await this._client.deleteServer(user, server);
    } finally {
      await this._refreshAfterChange(user);
    }
  }

  /**
   * The servers "start all" or "stop all" would act on, over every page of
   * the users query's filter (see `bulkTargets`); never this page's own.
   */
  async bulkTargets(action: 'start' | 'stop'): Promise<IServerRef[]> {
    this._identity.require('user-servers');
    return bulkTargets(this._client, action, {
      nameFilter: this._users.query.nameFilter,
      own: this._own
    });
  }

  /**
   * Start or stop `targets`, at most `bulkLimit` at a time, waiting out
   * 429s (see `runBulk`); `bulk` shows the progress meanwhile.
   */
  async forAll(
    targets: ReadonlyArray<IServerRef>,
    action: 'start' | 'stop',
    options: {
      signal?: AbortSignal;
      onProgress?: (progress: IBulkProgress) => void;
    }
  ): Promise<IBulkProgress> {
    this._identity.require('user-servers');
    let result: IBulkProgress;
    try {
      result = await runBulk(targets, action, {
        client: this._client,
        limit: this.bulkLimit,
        follow: (target, signal) =>
          this._spawns.follow(target.user, target.server, signal),
        sleep: this._sleep,
        signal: options.signal,
        onProgress: progress => {
          this._bulk = progress;
          this._changed();
          options.onProgress?.(progress);
        }
      });
    } finally {
      this._bulk = null;
      this._changed();
    }
    await this._refresh();
    this._followUp();
    return result;
  }

  private _noteRefusal(error: unknown): void {
    if (
      error instanceof HubError &&
      error.status === 400 &&
      /named servers are not enabled/i.test(error.message)
    ) {
      this._named = 'disabled';
      this._changed();
    }
  }

  /** Read again the servers of `user` as shown now (theirs or this page's). */
  private async _reloadServers(user: string): Promise<void> {
    if (user === this._own.user && this._identity.owner) {
      try {
        await this._identity.reloadOwner();
        this._changed();
      } catch (error) {
        console.warn('Kernel manager: could not read your servers', error);
      }
    } else if (this._users.isExpanded(user)) {
      await this._users.reloadDetails(user);
    }
  }

  /**
   * Show the effect of a start or stop now, and once more shortly after
   * (a stopped server's kernels outlive it by a second or two).
   */
  private async _refreshAfterChange(user: string): Promise<void> {
    if (user === this._own.user) {
      await this._refresh();
    } else if (this._users.isExpanded(user)) {
      await Promise.all([
        this._users.refresh(),
        this._users.reloadDetails(user)
      ]);
    } else {
      await this._users.refresh();
    }
    this._followUp();
  }

  private _client: HubClient;
  private _identity: HubIdentity;
  private _spawns: HubSpawns;
  private _users: HubUsersPage;
  private _own: IServerRef;
  private _sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private _changed: () => void;
  private _refresh: () => Promise<void>;
  private _followUp: () => void;
  private _named: 'unknown' | 'enabled' | 'disabled' = 'unknown';
  private _bulk: IBulkProgress | null = null;
}

export namespace HubServers {
  export interface IOptions {
    client: HubClient;
    identity: HubIdentity;
    spawns: HubSpawns;
    users: HubUsersPage;
    /** This page's own server, which "stop all" leaves running. */
    own: IServerRef;
    bulkLimit: number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    /** Called when what the section shows changed. */
    changed: () => void;
    /** Refresh the whole section (who we are, then the users page). */
    refresh: () => Promise<void>;
    /** Refresh once more shortly after (see `HubModel.followUpDelay`). */
    followUp: () => void;
  }
}
