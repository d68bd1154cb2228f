import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Hub, HubClient, HubError } from '../api/hub';
import { HubAction, mapLimited, may, parseUsernames } from './hubScopes';
import { LoadStatus } from './kernelspecs';

/**
 * At most this many servers are asked for their processes at once, and each
 * gets this long: one slow server must not stall the table.
 */
const USAGE_CONCURRENCY = 4;
const USAGE_TIMEOUT = 5000;

/**
 * What one user's running servers use, or why it is unknown.
 */
export interface IUserUsage {
  state: 'loading' | 'ok' | 'timeout' | 'error';
  count: number;
  cpuPercent: number;
  rssBytes: number;
  message?: string;
}

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
  }

  readonly client: HubClient;

  /** The user whose server this page belongs to. */
  readonly userName: string;

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

  get usersQuery(): Hub.IUsersQuery {
    return this._query;
  }

  get usersPage(): Hub.IUsersPage | null {
    return this._page;
  }

  get usersError(): string | null {
    return this._usersError;
  }

  usage(user: string): IUserUsage | undefined {
    return this._usage.get(user);
  }

  /**
   * Spawn progress of a pending server: percent and last message.
   */
  progress(user: string, server = ''): Hub.IProgressEvent | undefined {
    return this._progress.get(progressKey(user, server));
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Ask the hub who we are and what the token may do.
   */
  async refresh(): Promise<void> {
    try {
      const me = await this.client.user();
      // The token's own user; when an admin opens another user's server,
      // the page still belongs to that user.
      this._me =
        me.name === this.userName ? me : { ...(await this.client.userModel(this.userName)), scopes: me.scopes };
      this._status = 'ready';
      this._error = null;
    } catch (error) {
      this._status = 'error';
      this._error = describe(error);
    }
    this._changed.emit();
    if (this._status === 'ready' && this.may('list-users')) {
      await this.refreshUsers();
    }
  }

  /**
   * Change the users query (page, filter, sort, state) and fetch it.
   */
  async setUsersQuery(change: Partial<Hub.IUsersQuery>): Promise<void> {
    this._query = { ...this._query, ...change };
    if (change.nameFilter !== undefined || change.sort !== undefined || change.state !== undefined) {
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
    } catch (error) {
      if (ticket !== this._usersTicket || this._isDisposed) {
        return;
      }
      this._usersError = describe(error);
    }
    this._changed.emit();
    if (this._page && this.may('access-servers')) {
      void this._fetchUsage(this._page.items, ticket);
    }
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
        result.error = describe(error);
      }
    }
    await this.refreshUsers();
    return result;
  }

  async deleteUser(name: string): Promise<void> {
    await this.client.deleteUser(name);
    await this.refreshUsers();
  }

  /**
   * Start a server and follow its spawn progress until it is ready.
   */
  async startServer(user: string, server = ''): Promise<void> {
    await this.client.startServer(user, server);
    await this._followProgress(user, server);
    await this._refreshAfterChange(user);
  }

  async stopServer(user: string, server = ''): Promise<void> {
    await this.client.stopServer(user, server);
    await this._refreshAfterChange(user);
  }

  /**
   * Start or stop many servers, at most `limit` at a time (below the hub's
   * concurrent-spawn limit); a 429 answer is met by waiting and trying again.
   */
  async forAll(
    users: ReadonlyArray<string>,
    action: 'start' | 'stop',
    onDone: (user: string, error: string | null) => void,
    limit = 2
  ): Promise<void> {
    await mapLimited(users, limit, async user => {
      for (let attempt = 0; ; attempt++) {
        try {
          if (action === 'start') {
            await this.client.startServer(user);
            await this._followProgress(user, '');
          } else {
            await this.client.stopServer(user);
          }
          onDone(user, null);
          return;
        } catch (error) {
          if (error instanceof HubError && error.status === 429 && attempt < 10) {
            await new Promise(resolve => setTimeout(resolve, 1000 * (attempt + 1)));
            continue;
          }
          onDone(user, describe(error));
          return;
        }
      }
    });
    await this.refreshUsers();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private async _refreshAfterChange(user: string): Promise<void> {
    if (user === this.userName) {
      await this.refresh();
    } else {
      await this.refreshUsers();
    }
  }

  private async _followProgress(user: string, server: string): Promise<void> {
    const key = progressKey(user, server);
    try {
      await this.client.progress(user, server, event => {
        this._progress.set(key, event);
        this._changed.emit();
      });
    } catch (error) {
      console.warn('Kernel manager: spawn progress unavailable', error);
    } finally {
      this._progress.delete(key);
      this._changed.emit();
    }
  }

  /**
   * Each running server's processes, through the hub's proxy, with bounded
   * concurrency and a time limit per server.
   */
  private async _fetchUsage(users: ReadonlyArray<Hub.IUser>, ticket: number): Promise<void> {
    const running = users.filter(user =>
      Object.values(user.servers ?? {}).some(server => server.ready)
    );
    for (const user of running) {
      this._usage.set(user.name, { state: 'loading', count: 0, cpuPercent: 0, rssBytes: 0 });
    }
    this._changed.emit();
    await mapLimited(running, USAGE_CONCURRENCY, async user => {
      const usage: IUserUsage = { state: 'ok', count: 0, cpuPercent: 0, rssBytes: 0 };
      for (const server of Object.values(user.servers ?? {})) {
        if (!server.ready) {
          continue;
        }
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), USAGE_TIMEOUT);
        try {
          const reply = await this.client.serverProcesses(server.url, controller.signal);
          usage.count += reply.totals.count;
          usage.cpuPercent += reply.totals.cpu_percent;
          usage.rssBytes += reply.totals.rss_bytes;
        } catch (error) {
          const timedOut = (error as Error).name === 'AbortError';
          usage.state = timedOut ? 'timeout' : 'error';
          usage.message = timedOut ? undefined : describe(error);
        } finally {
          clearTimeout(timer);
        }
      }
      if (ticket === this._usersTicket && !this._isDisposed) {
        this._usage.set(user.name, usage);
        this._changed.emit();
      }
    });
  }

  private _me: Hub.IUser | null = null;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _query: Hub.IUsersQuery = { offset: 0, limit: 50, sort: 'name', state: '' };
  private _page: Hub.IUsersPage | null = null;
  private _usersError: string | null = null;
  private _usersTicket = 0;
  private _usage = new Map<string, IUserUsage>();
  private _progress = new Map<string, Hub.IProgressEvent>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace HubModel {
  export interface IOptions {
    client: HubClient;
    /** The owner of this page's server (PageConfig `hubServerUser`). */
    user: string;
  }
}

function progressKey(user: string, server: string): string {
  return `${user}/${server}`;
}

/**
 * The hub's own message; the UI adds what to do about it.
 */
function describe(error: unknown): string {
  return (error as Error).message ?? String(error);
}
