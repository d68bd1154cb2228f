import { IDisposable } from '@lumino/disposable';
import { Hub } from './api';
import { describeError } from '../common/format';
import { LoadStatus } from '../common/pollingModel';
import { WatchedPoll } from '../common/watchedPoll';
import { HubIdentity } from './identity';
import { HubUsersPage } from './usersPage';

/**
 * How the Hub section loads: who we are and what the token may do, then
 * (when the token may list users) the users page; on demand, every
 * `interval` while the section is shown, backing off while the hub fails,
 * and once more shortly after a start or stop.
 */
export class HubRefresh implements IDisposable {
  constructor(options: HubRefresh.IOptions) {
    this._identity = options.identity;
    this._users = options.users;
    this._identified = options.identified;
    this._changed = options.changed;
    this._poll = new WatchedPoll({
      name: 'jupyterlab-kernel-manager:hub',
      load: () => this._load(),
      failure: () =>
        this._status === 'error'
          ? (this._error ?? 'the hub cannot be used')
          : this._users.error,
      interval: options.interval,
      maxBackoff: 5 * 60 * 1000,
      followUpDelay: options.followUpDelay
    });
  }

  get status(): LoadStatus {
    return this._status;
  }

  /** Why the hub cannot be used now (unreachable, token refused), or null. */
  get error(): string | null {
    return this._error;
  }

  /** Milliseconds between two refreshes while the section is shown. */
  set interval(ms: number) {
    this._poll.interval = ms;
  }

  /** Milliseconds from the end of a start or stop to one more refresh. */
  get followUpDelay(): number {
    return this._poll.followUpDelay;
  }
  set followUpDelay(ms: number) {
    this._poll.followUpDelay = ms;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Refresh every `interval` while the returned handle is not disposed. */
  watch(): IDisposable {
    return this._poll.watch();
  }

  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  /** Refresh once more `followUpDelay` from now. */
  followUp(): void {
    this._poll.followUp();
  }

  /**
   * Ask only who we are; the next load uses this answer instead of asking
   * again (see `HubModel.identify`).
   */
  identify(): Promise<void> {
    const identified = this._loadMe();
    this._pending = identified;
    return identified;
  }

  dispose(): void {
    this._poll.dispose();
  }

  private async _load(): Promise<void> {
    // The page's identify() answers this load's first question, once, if it
    // worked (a failure is asked again).
    const identified = this._pending;
    this._pending = null;
    await identified;
    if (!identified || this._status !== 'ready') {
      await this._loadMe();
    }
    if (this._status === 'ready' && this._identity.may('list-users')) {
      await this._users.refresh();
    }
  }

  private async _loadMe(): Promise<void> {
    try {
      const owner = await this._identity.load();
      this._status = 'ready';
      this._error = null;
      this._identified(owner);
    } catch (error) {
      this._status = 'error';
      this._error = describeError(error);
    }
    this._changed();
  }

  private _identity: HubIdentity;
  private _users: HubUsersPage;
  private _identified: (owner: Hub.IUser) => void;
  private _changed: () => void;
  private _poll: WatchedPoll;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _pending: Promise<void> | null = null;
}

export namespace HubRefresh {
  export interface IOptions {
    identity: HubIdentity;
    users: HubUsersPage;
    /** Called with the server's owner each time the hub said who we are. */
    identified: (owner: Hub.IUser) => void;
    /** Called when the load status changed. */
    changed: () => void;
    /** Milliseconds between two refreshes while the section is shown. */
    interval: number;
    /** Milliseconds from the end of a start or stop to one more refresh. */
    followUpDelay: number;
  }
}
