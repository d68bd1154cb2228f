import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { Hub, HubClient, HubError } from '../api/hub';
import { ProcessesClient } from '../api/server';
import { IProcessesReply } from '../api/types';
import {
  checkServerName,
  describeError,
  HubAction,
  may,
  missingActions,
  parseUsernames,
  sleep
} from './hubScopes';
import { bulkTargets, IBulkProgress, IServerRef, runBulk } from './hubBulk';
import { HubUsage, IServerUsage, IUserUsage } from './hubUsage';
import { LoadStatus } from './kernelspecs';

export type { IBulkProgress, IServerRef } from './hubBulk';
export type { IServerUsage, IUserUsage } from './hubUsage';

/**
 * Default seconds between two refreshes of the Hub section while it is shown.
 */
export const DEFAULT_HUB_INTERVAL = 30;

/**
 * Default milliseconds between the end of a start or stop and the refresh
 * that follows it: a stopped server's kernels outlive it by a second or two.
 */
export const DEFAULT_FOLLOW_UP_DELAY = 3000;

/** Longest wait between two refreshes while the hub keeps failing. */
const MAX_BACKOFF = 5 * 60 * 1000;

/**
 * The outcome of "add users", line by line.
 */
export interface IAddUsersResult {
  created: string[];
  existing: string[];
  invalid: Array<{ line: number; text: string; reason: string }>;
  duplicates: string[];
  error?: string;
}

/**
 * State of the Hub section: the page's own user, and for admins one page of
 * the hub's users with what each runs.
 */
export class HubModel implements IDisposable {
  constructor(options: HubModel.IOptions) {
    this.client = options.client;
    this.userName = options.user;
    this.serverName = options.server ?? PageConfig.getOption('hubServerName');
    this.bulkLimit = options.bulkLimit ?? 2;
    this._sleep = options.sleep ?? sleep;
    const local =
      options.localProcesses ??
      (() =>
        new ProcessesClient({ serverSettings: ServerConnection.makeSettings() }).list(
          true
        ));
    this._usage = new HubUsage({
      client: this.client,
      localProcesses: local,
      concurrency: options.usageConcurrency,
      deadline: options.usageDeadline,
      timeout: options.usageTimeout
    });
    this._usage.changed.connect(this._emit, this);
    this.followUpDelay = options.followUpDelay ?? DEFAULT_FOLLOW_UP_DELAY;
    const interval = (options.interval ?? DEFAULT_HUB_INTERVAL) * 1000;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval, backoff: true, max: Math.max(interval, MAX_BACKOFF) },
      name: 'jupyterlab-kernel-manager:hub',
      // Nobody looking (section collapsed, sidebar closed): no requests.
      standby: () => (this._watchers === 0 ? true : 'when-hidden')
    });
  }

  readonly client: HubClient;

  /** The user whose server this page belongs to. */
  readonly userName: string;

  /** The name of this page's server, '' for the default one. */
  readonly serverName: string;

  /**
   * Servers "start all" starts (and "stop all" stops) at once: below the
   * hub's `concurrent_spawn_limit` (100 by default, often far lower).
   */
  bulkLimit: number;

  /**
   * Milliseconds after a start or stop ends before the section is refreshed
   * once more, so that what changed shortly after shows without a click.
   */
  followUpDelay: number;

  /**
   * Seconds between two refreshes while the section is shown.
   */
  set interval(seconds: number) {
    const interval = Math.max(1, seconds) * 1000;
    if (interval !== this._poll.frequency.interval) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval,
        max: Math.max(interval, MAX_BACKOFF)
      };
    }
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): LoadStatus {
    return this._status;
  }

  /**
   * Why the hub cannot be used now (unreachable, token refused), or null.
   */
  get error(): string | null {
    return this._error;
  }

  /** The page's user as the hub sees it, with the token's scopes. */
  get me(): Hub.IUser | null {
    return this._me;
  }

  get isAdmin(): boolean {
    return !!this._me?.admin;
  }

  /**
   * Whether the token may do `action`.
   */
  may(action: HubAction): boolean {
    return may(this._me?.scopes ?? [], action, this.userName);
  }

  /**
   * The actions the section offers this user that the token's scopes do not
   * allow; the view names them with the config that grants them.
   */
  missingActions(): HubAction[] {
    return this._me
      ? missingActions(this._me.scopes ?? [], this.userName, this.isAdmin)
      : [];
  }

  /**
   * Whether the hub lets users have named servers: known once a named server
   * is seen or the hub refuses one; 'unknown' offers the form and lets the
   * hub say.
   */
  get namedServers(): 'unknown' | 'enabled' | 'disabled' {
    return this._named;
  }

  get usersQuery(): Hub.IUsersQuery {
    return this._query;
  }

  get usersPage(): Hub.IUsersPage | null {
    return this._page;
  }

  get usersError(): string | null {
    return this._usersError;
  }

  /** What a user runs (summed over their servers), as far as known. */
  usage(user: string): IUserUsage | undefined {
    return this._usage.usage(user);
  }

  serverUsage(user: string, server: string): IServerUsage | undefined {
    return this._usage.serverUsage(user, server);
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

  /**
   * Spawn progress of a pending server: percent and last message.
   */
  progress(user: string, server = ''): Hub.IProgressEvent | undefined {
    return this._progress.get(progressKey(user, server));
  }

  /** Names of the servers of `user` being started from this page. */
  starting(user: string): string[] {
    const prefix = progressKey(user, '');
    return [...this._progress.keys()]
      .filter(key => key.startsWith(prefix))
      .map(key => key.slice(prefix.length));
  }

  /**
   * A user's full model (stopped named servers too) once their row is
   * expanded; null while it loads.
   */
  details(user: string): Hub.IUser | null | undefined {
    return this._details.get(user);
  }

  isExpanded(user: string): boolean {
    return this._details.has(user);
  }

  /** The "start all" or "stop all" under way, or null. */
  get bulk(): IBulkProgress | null {
    return this._bulk;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Keep the section current while the returned handle is not disposed (the
   * section is shown): the hub is asked again every `interval`, backing off
   * while it fails; the first watcher refreshes at once.
   */
  watch(): IDisposable {
    this._watchers++;
    if (this._watchers === 1) {
      void this._poll.start();
      void this._poll.refresh();
    }
    return new DisposableDelegate(() => {
      this._watchers--;
    });
  }

  /**
   * Ask the hub who we are and what the token may do, then (admins) the
   * current page of users and what they run.
   */
  async refresh(): Promise<void> {
    await this._track(this._refresh());
    // One that worked (a Retry, say) ends the poll's back-off.
    const backingOff = this._poll.state.phase === 'rejected';
    if (backingOff && this._status === 'ready' && !this._usersError) {
      void this._poll.schedule({ phase: 'reconnected' });
    }
  }

  /**
   * Change the users query (page, filter, sort, state) and fetch it.
   */
  async setUsersQuery(change: Partial<Hub.IUsersQuery>): Promise<void> {
    this._query = { ...this._query, ...change };
    if (
      change.nameFilter !== undefined ||
      change.sort !== undefined ||
      change.state !== undefined
    ) {
      this._query.offset = 0;
    }
    await this.refreshUsers();
  }

  async refreshUsers(): Promise<void> {
    const ticket = ++this._usersTicket;
    try {
      const page = await this.client.users(this._query);
      if (ticket !== this._usersTicket || this._isDisposed) {
        return;
      }
      this._page = page;
      this._usersError = null;
      this._noteNamedServers(page.items);
    } catch (error) {
      if (ticket !== this._usersTicket || this._isDisposed) {
        return;
      }
      this._usersError = describeError(error);
    }
    this._emit();
    // The machine's view needs no scope (it is this page's own server); the
    // fan-out through the proxy needs access:servers.
    if (this._page && (this.isAdmin || this.may('access-servers'))) {
      this._usageRun = this._usage.update(this._page.items, {
        owner: this.userName,
        ownServers: activeServers(this._me),
        machine: this.isAdmin,
        fanOut: this.may('access-servers')
      });
    }
    await Promise.all([...this._details.keys()].map(name => this._loadDetails(name)));
  }

  /**
   * Show or hide a user's servers (stopped named ones included).
   */
  async toggleUser(name: string): Promise<void> {
    if (this._details.has(name)) {
      this._details.delete(name);
      this._emit();
      return;
    }
    this._details.set(name, null);
    this._emit();
    await this._loadDetails(name);
  }

  /**
   * Create the users named in `text`, one per line; invalid lines are
   * reported and nothing is sent for them.
   */
  async addUsers(text: string, admin: boolean): Promise<IAddUsersResult> {
    const parsed = parseUsernames(text);
    const result: IAddUsersResult = {
      created: [],
      existing: [],
      invalid: parsed.invalid,
      duplicates: parsed.duplicates
    };
    if (parsed.invalid.length > 0 || parsed.names.length === 0) {
      return result;
    }
    try {
      const created = await this.client.createUsers(parsed.names, admin);
      result.created = created.map(user => user.name);
      result.existing = parsed.names.filter(name => !result.created.includes(name));
    } catch (error) {
      if (error instanceof HubError && error.status === 409) {
        result.existing = parsed.names;
      } else {
        result.error = describeError(error);
      }
    }
    await this.refreshUsers();
    return result;
  }

  async deleteUser(name: string): Promise<void> {
    await this.client.deleteUser(name);
    this._details.delete(name);
    await this.refreshUsers();
  }

  /**
   * Start a server and follow its spawn progress until it is ready; throws
   * when the hub refuses or the spawn fails.
   */
  async startServer(user: string, server = ''): Promise<void> {
    const key = progressKey(user, server);
    // Shown as starting at once: the hub answers a spawn's POST only when it
    // ends or takes long (`slow_spawn_timeout`).
    this._progress.set(key, { progress: 0 });
    this._emit();
    try {
      await this.client.startServer(user, server);
      await this._reloadServers(user);
      await this._followProgress(user, server);
    } catch (error) {
      this._noteRefusal(error);
      throw error;
    } finally {
      this._progress.delete(key);
      await this._refreshAfterChange(user);
    }
  }

  /**
   * Create (by starting it) a named server, after checking its name as the
   * hub would; an invalid name throws a `ServerNameError` and sends nothing.
   */
  async createServer(user: string, name: string): Promise<void> {
    const problem = checkServerName(name);
    if (problem) {
      throw new ServerNameError(problem);
    }
    await this.startServer(user, name);
  }

  async stopServer(user: string, server = ''): Promise<void> {
    try {
      await this.client.stopServer(user, server);
    } finally {
      await this._refreshAfterChange(user);
    }
  }

  /**
   * Stop a named server and have the hub forget it.
   */
  async deleteServer(user: string, server: string): Promise<void> {
    try {
      await this.client.deleteServer(user, server);
    } finally {
      await this._refreshAfterChange(user);
    }
  }

  /**
   * The servers "start all" or "stop all" would act on, over every page of
   * the current filter (see `bulkTargets`); never this page's own.
   */
  bulkTargets(action: 'start' | 'stop'): Promise<IServerRef[]> {
    return bulkTargets(this.client, action, {
      nameFilter: this._query.nameFilter,
      own: { user: this.userName, server: this.serverName }
    });
  }

  /**
   * Start or stop `targets`, at most `bulkLimit` at a time, waiting out
   * 429s (see `runBulk`); `bulk` shows the progress meanwhile.
   */
  async forAll(
    targets: ReadonlyArray<IServerRef>,
    action: 'start' | 'stop',
    options: { signal?: AbortSignal; onProgress?: (progress: IBulkProgress) => void } = {}
  ): Promise<IBulkProgress> {
    let result: IBulkProgress;
    try {
      result = await runBulk(targets, action, {
        client: this.client,
        limit: this.bulkLimit,
        follow: (target, signal) => this._followProgress(target.user, target.server, signal),
        sleep: this._sleep,
        signal: options.signal,
        onProgress: progress => {
          this._bulk = progress;
          this._emit();
          options.onProgress?.(progress);
        }
      });
    } finally {
      this._bulk = null;
      this._emit();
    }
    await this.refresh();
    this._followUp();
    return result;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    clearTimeout(this._followUpTimer);
    this._poll.dispose();
    this._usage.dispose();
    Signal.clearData(this);
  }

  private async _refresh(): Promise<void> {
    try {
      const me = await this.client.user(true);
      // The token's own user; when an admin opens another user's server,
      // the page still belongs to that user.
      this._me =
        me.name === this.userName
          ? me
          : { ...(await this.client.userModel(this.userName, true)), scopes: me.scopes };
      this._status = 'ready';
      this._error = null;
      this._noteNamedServers([this._me]);
    } catch (error) {
      this._status = 'error';
      this._error = describeError(error);
    }
    this._emit();
    if (this._status === 'ready' && this.may('list-users')) {
      await this.refreshUsers();
    }
  }

  /** Note `run` as the refresh under way until it ends. */
  private _track(run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => {
      if (this._refreshing === tracked) {
        this._refreshing = null;
      }
    });
    this._refreshing = tracked;
    return tracked;
  }

  /**
   * One tick of the poll: the refresh under way if there is one (the page's
   * first, say), else a new one; rejects when the hub failed so that the
   * poll backs off.
   */
  private async _tick(): Promise<void> {
    await (this._refreshing ?? this._track(this._refresh()));
    if (this._status === 'error') {
      throw new Error(this._error ?? 'the hub cannot be used');
    }
    if (this._usersError) {
      throw new Error(this._usersError);
    }
  }

  /**
   * Refresh once more `followUpDelay` after a start or stop ended (through
   * the poll: not while nobody looks).
   */
  private _followUp(): void {
    clearTimeout(this._followUpTimer);
    this._followUpTimer = setTimeout(() => {
      this._followUpTimer = undefined;
      void this._poll.refresh();
    }, this.followUpDelay);
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private async _loadDetails(name: string): Promise<void> {
    try {
      const user = await this.client.userModel(name, true);
      if (this._details.has(name)) {
        this._details.set(name, user);
        this._noteNamedServers([user]);
      }
    } catch (error) {
      console.warn(`Kernel manager: could not read the servers of ${name}`, error);
      this._details.delete(name);
    }
    this._emit();
  }

  private _noteNamedServers(users: ReadonlyArray<Hub.IUser>): void {
    const seen = users.some(user =>
      Object.keys(user.servers ?? {}).some(name => name !== '')
    );
    if (seen) {
      this._named = 'enabled';
    }
  }

  private _noteRefusal(error: unknown): void {
    if (
      error instanceof HubError &&
      error.status === 400 &&
      /named servers are not enabled/i.test(error.message)
    ) {
      this._named = 'disabled';
      this._emit();
    }
  }

  /** Read again the servers of `user` as shown now (theirs or this page's). */
  private async _reloadServers(user: string): Promise<void> {
    if (user === this.userName && this._me) {
      try {
        this._me = { ...(await this.client.userModel(user, true)), scopes: this._me.scopes };
        this._emit();
      } catch (error) {
        console.warn('Kernel manager: could not read your servers', error);
      }
    } else if (this._details.has(user)) {
      await this._loadDetails(user);
    }
  }

  /**
   * Show the effect of a start or stop now, and once more shortly after
   * (see `followUpDelay`).
   */
  private async _refreshAfterChange(user: string): Promise<void> {
    if (user === this.userName) {
      await this.refresh();
    } else if (this._details.has(user)) {
      await Promise.all([this.refreshUsers(), this._loadDetails(user)]);
    } else {
      await this.refreshUsers();
    }
    this._followUp();
  }

  /**
   * Follow a spawn to its end; throws when the hub says it failed.
   */
  private async _followProgress(
    user: string,
    server: string,
    signal?: AbortSignal
  ): Promise<void> {
    const key = progressKey(user, server);
    let last: Hub.IProgressEvent | undefined;
    try {
      await this.client.progress(
        user,
        server,
        event => {
          last = event;
          this._progress.set(key, event);
          this._emit();
        },
        signal
      );
    } catch (error) {
      if ((error as Error).name !== 'AbortError') {
        console.warn('Kernel manager: spawn progress unavailable', error);
      }
    } finally {
      this._progress.delete(key);
      this._emit();
    }
    if (last?.failed) {
      throw new HubError(500, last.message || `The server of ${user} failed to start.`);
    }
  }

  private _me: Hub.IUser | null = null;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _named: 'unknown' | 'enabled' | 'disabled' = 'unknown';
  private _query: Hub.IUsersQuery = { offset: 0, limit: 50, sort: 'name', state: '' };
  private _page: Hub.IUsersPage | null = null;
  private _usersError: string | null = null;
  private _usersTicket = 0;
  private _usage: HubUsage;
  private _details = new Map<string, Hub.IUser | null>();
  private _progress = new Map<string, Hub.IProgressEvent>();
  private _bulk: IBulkProgress | null = null;
  private _usageRun: Promise<void> = Promise.resolve();
  private _sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private _poll: Poll;
  private _watchers = 0;
  private _refreshing: Promise<void> | null = null;
  private _followUpTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/**
 * A server name the hub would refuse; `reason` says why.
 */
export class ServerNameError extends Error {
  constructor(readonly reason: 'empty' | 'slash' | 'too-long') {
    super(`Invalid server name (${reason})`);
    this.name = 'ServerNameError';
  }
}

export namespace HubModel {
  export interface IOptions {
    client: HubClient;
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

function progressKey(user: string, server: string): string {
  return `${user}/${server}`;
}

function activeServers(user: Hub.IUser | null): number {
  return Object.values(user?.servers ?? {}).filter(server => !server.stopped).length;
}
