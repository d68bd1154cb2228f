import { IDisposable } from '@lumino/disposable';
import { Hub, HubClient, HubError } from './api';
import { describeError } from '../common/format';
import { parseUsernames } from './names';

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
 * An admin's view of the hub's users: the query, the page the hub sent for
 * it, the users whose rows are expanded (with all their servers), and adding
 * and deleting users.
 */
export class HubUsersPage implements IDisposable {
  constructor(options: HubUsersPage.IOptions) {
    this._client = options.client;
    this._changed = options.changed;
    this._seen = options.seen;
    this._loaded = options.loaded;
  }

  get query(): Hub.IUsersQuery {
    return this._query;
  }

  /** The page last received, kept while a newer one is asked for or fails. */
  get page(): Hub.IUsersPage | null {
    return this._page;
  }

  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Change the query and fetch it; a new filter, sort or state starts at
   * the first page.
   */
  async setQuery(change: Partial<Hub.IUsersQuery>): Promise<void> {
    this._query = { ...this._query, ...change };
    if (
      change.nameFilter !== undefined ||
      change.sort !== undefined ||
      change.state !== undefined
    ) {
      this._query.offset = 0;
    }
    await this.refresh();
  }

  /**
   * Ask the hub for the page of the current query, then for the servers of
   * the expanded users. An answer overtaken by a later ask is dropped.
   */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    try {
      const page = await this._client.users(this._query);
      if (ticket !== this._ticket || this._isDisposed) {
        return;
      }
      this._page = page;
      this._error = null;
      this._seen(page.items);
    } catch (error) {
      if (ticket !== this._ticket || this._isDisposed) {
        return;
      }
      this._error = describeError(error);
    }
    this._changed();
    if (this._page) {
      this._loaded(this._page);
    }
    await this.reloadDetails();
  }

  /**
   * Create the users named in `text`, one per line; invalid lines are
   * reported and nothing is sent for them.
   */
  async add(text: string, admin: boolean): Promise<IAddUsersResult> {
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
      const created = await this._client.createUsers(parsed.names, admin);
      result.created = created.map(user => user.name);
      result.existing = parsed.names.filter(
        name => !result.created.includes(name)
      );
    } catch (error) {
      if (error instanceof HubError && error.status === 409) {
        result.existing = parsed.names;
      } else {
        result.error = describeError(error);
      }
    }
    await this.refresh();
    return result;
  }

  async remove(user: string): Promise<void> {
    await this._client.deleteUser(user);
    this._details.delete(user);
    await this.refresh();
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

  /**
   * Show or hide a user's servers.
   */
  async toggle(user: string): Promise<void> {
    if (this._details.has(user)) {
      this._details.delete(user);
      this._changed();
      return;
    }
    this._details.set(user, null);
    this._changed();
    await this.reloadDetails(user);
  }

  /**
   * Read again the servers of `user`, or of every expanded user; a user
   * whose servers cannot be read is folded.
   */
  async reloadDetails(user?: string): Promise<void> {
    const users = user === undefined ? [...this._details.keys()] : [user];
    await Promise.all(users.map(name => this._loadDetails(name)));
  }

  dispose(): void {
    this._isDisposed = true;
  }

  private async _loadDetails(name: string): Promise<void> {
    try {
      const user = await this._client.userModel(name, true);
      if (this._details.has(name)) {
        this._details.set(name, user);
        this._seen([user]);
      }
    } catch (error) {
      console.warn(
        `Kernel manager: could not read the servers of ${name}`,
        error
      );
      this._details.delete(name);
    }
    this._changed();
  }

  private _client: HubClient;
  private _changed: () => void;
  private _seen: (users: ReadonlyArray<Hub.IUser>) => void;
  private _loaded: (page: Hub.IUsersPage) => void;
  private _query: Hub.IUsersQuery = {
    offset: 0,
    limit: 50,
    sort: 'name',
    state: ''
  };
  private _page: Hub.IUsersPage | null = null;
  private _error: string | null = null;
  private _ticket = 0;
  private _details = new Map<string, Hub.IUser | null>();
  private _isDisposed = false;
}

export namespace HubUsersPage {
  export interface IOptions {
    client: HubClient;
    /** Called when what the page shows changed. */
    changed: () => void;
    /** Called with the users of each answer (named servers show there). */
    seen: (users: ReadonlyArray<Hub.IUser>) => void;
    /** Called with the page shown after each ask (the last one, if it failed). */
    loaded: (page: Hub.IUsersPage) => void;
  }
}
