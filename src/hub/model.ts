import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Hub, HubClient, listServerProcesses } from './api';
import { IProcessesReply } from '../common/types';
import { HubAction } from './scopes';
import { sleep } from '../common/async';
import { HubIdentity } from './identity';
import { IBulkProgress, IServerRef } from './bulk';
import { HubServers } from './servers';
import { HubSpawns } from './spawns';
import { HubUsage, IUserUsage } from './usage';
import { HubUsersPage, IAddUsersResult } from './usersPage';
import { LoadStatus } from '../common/pollingModel';
import { HubRefresh } from './refresh';

/**
 * Default seconds between two refreshes of the Hub section while it is shown.
 */
export const DEFAULT_HUB_INTERVAL = 30;

/**
 * Default milliseconds between the end of a start or stop and the refresh
 * that follows it: a stopped server's kernels outlive it by a second or two.
 */
export const DEFAULT_FOLLOW_UP_DELAY = 3000;

export type { IBulkProgress, IServerRef } from './bulk';
export type { IServerUsage, IUserUsage } from './usage';
export type { IAddUsersResult } from './usersPage';
export { ServerNameError } from './servers';

/**
 * State of the Hub section: the server's owner and who is looking (not the
 * same when an admin opens alice's server), and for an admin on their own
 * server one page of the hub's users with what each runs.
 *
 * The work is done by the parts it composes, which it hands each call on to:
 * `HubIdentity` (who, and what they may), `HubRefresh` (when to ask the hub
 * again), `HubUsersPage`, `HubUsage` (what users run), `HubSpawns` and
 * `HubServers` (start, stop, create, delete, start or stop all).
 */
export class HubModel implements IDisposable {
  constructor(options: HubModel.IOptions) {
    this.client = options.client;
    this.userName = options.user;
    this.serverName = options.server ?? PageConfig.getOption('hubServerName');
    this._identity = new HubIdentity(this.client, this.userName);
    const { serverSettings } = options;
    const local =
      options.localProcesses ?? (() => listServerProcesses(serverSettings));
    this._usage = new HubUsage({
      client: this.client,
      localProcesses: local,
      concurrency: options.usageConcurrency,
      deadline: options.usageDeadline,
      timeout: options.usageTimeout
    });
    this._usage.changed.connect(this._emit, this);
    this._users = new HubUsersPage({
      client: this.client,
      changed: () => this._emit(),
      seen: users => this._servers.noteNamedServers(users),
      loaded: page => this._updateUsage(page)
    });
    this._spawns = new HubSpawns({
      client: this.client,
      changed: () => this._emit()
    });
    this._servers = new HubServers({
      client: this.client,
      identity: this._identity,
      spawns: this._spawns,
      users: this._users,
      own: { user: this.userName, server: this.serverName },
      bulkLimit: options.bulkLimit ?? 2,
      sleep: options.sleep ?? sleep,
      changed: () => this._emit(),
      refresh: () => this.refresh(),
      followUp: () => this._refresh.followUp()
    });
    this._refresh = new HubRefresh({
      identity: this._identity,
      users: this._users,
      identified: owner => this._servers.noteNamedServers([owner]),
      changed: () => this._emit(),
      interval: (options.interval ?? DEFAULT_HUB_INTERVAL) * 1000,
      followUpDelay: options.followUpDelay ?? DEFAULT_FOLLOW_UP_DELAY
    });
  }

  readonly client: HubClient;

  /** The user whose server this page belongs to (its owner). */
  readonly userName: string;

  /** The name of this page's server, '' for the default one. */
  readonly serverName: string;

  /**
   * Servers "start all" starts (and "stop all" stops) at once: below the
   * hub's `concurrent_spawn_limit` (100 by default, often far lower).
   */
  get bulkLimit(): number {
    return this._servers.bulkLimit;
  }
  set bulkLimit(limit: number) {
    this._servers.bulkLimit = limit;
  }

  /**
   * Milliseconds after a start or stop ends before the section is refreshed
   * once more, so that what changed shortly after shows without a click.
   */
  get followUpDelay(): number {
    return this._refresh.followUpDelay;
  }
  set followUpDelay(ms: number) {
    this._refresh.followUpDelay = ms;
  }

  /** Seconds between two refreshes while the section is shown. */
  set interval(seconds: number) {
    this._refresh.interval = seconds * 1000;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): LoadStatus {
    return this._refresh.status;
  }

  /** Why the hub cannot be used now (unreachable, token refused), or null. */
  get error(): string | null {
    return this._refresh.error;
  }

  /** See `HubIdentity`: whose server this is, who is looking, what they may. */
  get owner(): Hub.IUser | null {
    return this._identity.owner;
  }

  get viewer(): Hub.IUser | null {
    return this._identity.viewer;
  }

  get visiting(): boolean {
    return this._identity.visiting;
  }

  get isAdmin(): boolean {
    return this._identity.isAdmin;
  }

  may(action: HubAction): boolean {
    return this._identity.may(action);
  }

  /** What the section offers this user but the token's scopes do not allow. */
  missingActions(): HubAction[] {
    return this._identity.missingActions();
  }

  scopesBeyondOwner(): string[] {
    return this._identity.scopesBeyondOwner();
  }

  /** Whether the hub allows named servers ('unknown': let the hub say). */
  get namedServers(): 'unknown' | 'enabled' | 'disabled' {
    return this._servers.namedServers;
  }

  get usersQuery(): Hub.IUsersQuery {
    return this._users.query;
  }

  get usersPage(): Hub.IUsersPage | null {
    return this._users.page;
  }

  get usersError(): string | null {
    return this._users.error;
  }

  /** What a user runs (summed over their servers), as far as known. */
  usage(user: string): IUserUsage | undefined {
    return this._usage.usage(user);
  }

  /** The fan-out and all-users view behind `usage()`. */
  get usageSource(): HubUsage {
    return this._usage;
  }

  /**
   * Settles when the figures of the current page are all in (or given up
   * on); the table shows each as it arrives without waiting for this.
   */
  get usageSettled(): Promise<void> {
    return this._usageRun;
  }

  /** Spawn progress of a pending server: percent and last message. */
  progress(user: string, server = ''): Hub.IProgressEvent | undefined {
    return this._spawns.progress(user, server);
  }

  /** Names of the servers of `user` being started from this page. */
  starting(user: string): string[] {
    return this._spawns.starting(user);
  }

  /** A user's servers (stopped ones too) once expanded; null while loading. */
  details(user: string): Hub.IUser | null | undefined {
    return this._users.details(user);
  }

  isExpanded(user: string): boolean {
    return this._users.isExpanded(user);
  }

  /** The "start all" or "stop all" under way, or null. */
  get bulk(): IBulkProgress | null {
    return this._servers.bulk;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Keep the section current while the returned handle is not disposed. */
  watch(): IDisposable {
    return this._refresh.watch();
  }

  /** Ask who we are and what the token may do, then (admins) the users page. */
  refresh(): Promise<void> {
    return this._refresh.refresh();
  }

  /**
   * Ask the hub only who we are and what the token may do: what the
   * commands need at page load. The users page waits until the section is
   * shown (a page of users and their figures is work the browser need not do
   * while JupyterLab starts); that load then uses this answer instead of
   * asking again.
   */
  identify(): Promise<void> {
    return this._refresh.identify();
  }

  /** Change the users query (page, filter, sort, state) and fetch it. */
  setUsersQuery(change: Partial<Hub.IUsersQuery>): Promise<void> {
    return this._users.setQuery(change);
  }

  /** Show or hide a user's servers (stopped named ones included). */
  toggleUser(name: string): Promise<void> {
    return this._users.toggle(name);
  }

  /** Create the users named in `text`, one per line; see `HubUsersPage`. */
  async addUsers(text: string, admin: boolean): Promise<IAddUsersResult> {
    this._identity.require('add-users');
    return this._users.add(text, admin);
  }

  async deleteUser(name: string): Promise<void> {
    this._identity.require('delete-users');
    return this._users.remove(name);
  }

  /** Start a server and follow its spawn until it is ready, or throw. */
  startServer(user: string, server = ''): Promise<void> {
    return this._servers.start(user, server);
  }

  /** Create and start a named server; a bad name throws `ServerNameError`. */
  createServer(user: string, name: string): Promise<void> {
    return this._servers.create(user, name);
  }

  stopServer(user: string, server = ''): Promise<void> {
    return this._servers.stop(user, server);
  }

  /** Stop a named server and have the hub forget it. */
  deleteServer(user: string, server: string): Promise<void> {
    return this._servers.remove(user, server);
  }

  /** The servers "start all" or "stop all" would act on; never this page's. */
  bulkTargets(action: 'start' | 'stop'): Promise<IServerRef[]> {
    return this._servers.bulkTargets(action);
  }

  /** Start or stop `targets`, `bulkLimit` at a time; `bulk` shows how far. */
  forAll(
    targets: ReadonlyArray<IServerRef>,
    action: 'start' | 'stop',
    options: {
      signal?: AbortSignal;
      onProgress?: (progress: IBulkProgress) => void;
    } = {}
  ): Promise<IBulkProgress> {
    return this._servers.forAll(targets, action, options);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._refresh.dispose();
    this._users.dispose();
    this._usage.dispose();
    Signal.clearData(this);
  }

  /**
   * Ask what the users of `page` run: the machine's view needs no scope (it
   * is this page's own server); the fan-out through the proxy needs
   * access:servers.
   */
  private _updateUsage(page: Hub.IUsersPage): void {
    if (this.isAdmin || this.may('access-servers')) {
      this._usageRun = this._usage.update(page.items, {
        owner: this.userName,
        ownServers: activeServers(this._identity.owner),
        machine: this.isAdmin,
        fanOut: this.may('access-servers')
      });
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _identity: HubIdentity;
  private _users: HubUsersPage;
  private _usage: HubUsage;
  private _spawns: HubSpawns;
  private _servers: HubServers;
  private _usageRun: Promise<void> = Promise.resolve();
  private _refresh: HubRefresh;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace HubModel {
  export interface IOptions {
    client: HubClient;
    /** The Jupyter server's settings (`app.serviceManager.serverSettings`). */
    serverSettings: ServerConnection.ISettings;
    /** The owner of this page's server (PageConfig `hubServerUser`). */
    user: string;
    /** This page's server's name (default: PageConfig `hubServerName`). */
    server?: string;
    /** This page's server's all-users process list; by default asked of it. */
    localProcesses?: () => Promise<IProcessesReply>;
    /** See `HubUsage.IOptions`. */
    usageConcurrency?: number;
    usageDeadline?: number;
    usageTimeout?: number;
    /** Seconds between two refreshes while the section is shown (default 30). */
    interval?: number;
    /** Milliseconds from the end of a start or stop to one more refresh (default 3000). */
    followUpDelay?: number;
    /** Servers "start all" / "stop all" handle at once (default 2). */
    bulkLimit?: number;
    /** Injected in tests to skip real waits. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  }
}

function activeServers(user: Hub.IUser | null): number {
  return Object.values(user?.servers ?? {}).filter(server => !server.stopped)
    .length;
}
