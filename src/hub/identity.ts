import { Hub, HubClient, HubError } from './api';
import {
  HubAction,
  may,
  missingActions,
  scopesBeyondOwner,
  VISITOR_ACTIONS
} from './scopes';

/**
 * Whose server the page belongs to, who is looking, and so what the page
 * may offer. They differ when an admin opens alice's server: the page's
 * token is then the admin's, and the page offers alice's servers only.
 */
export class HubIdentity {
  constructor(
    private readonly _client: HubClient,
    /** The server's owner (PageConfig `hubServerUser`). */
    readonly ownerName: string
  ) {}

  /**
   * The server's owner as the hub sees them, with their servers; `servers`
   * is missing when the token may not read them. Null until loaded.
   */
  get owner(): Hub.IUser | null {
    return this._owner;
  }

  /** Who is looking: the token's user, with the token's scopes. */
  get viewer(): Hub.IUser | null {
    return this._viewer;
  }

  /** Whether the page's user is not the server's owner (once known). */
  get visiting(): boolean {
    return !!this._viewer && this._viewer.name !== this.ownerName;
  }

  /** Whether the page acts as a hub admin: an admin on their own server. */
  get isAdmin(): boolean {
    return !this.visiting && !!this._viewer?.admin;
  }

  /** What the page's token may do, expanded as the hub lists it. */
  get scopes(): ReadonlyArray<string> {
    return this._viewer?.scopes ?? [];
  }

  /**
   * Whether the page offers `action`: the token may do it and, when
   * visiting, it concerns the owner's own servers.
   */
  may(action: HubAction): boolean {
    if (this.visiting && !VISITOR_ACTIONS.includes(action)) {
      return false;
    }
    return may(this.scopes, action, this.ownerName);
  }

  /**
   * The actions offered to this user that the token's scopes do not allow.
   * None when visiting: a visitor's page should have no more than it has.
   */
  missingActions(): HubAction[] {
    return this._viewer && !this.visiting
      ? missingActions(this.scopes, this.ownerName, this.isAdmin)
      : [];
  }

  /**
   * When visiting, the token's scopes that reach past the owner's own things
   * (see `scopesBeyondOwner`): the owner's server holds that token too, so
   * these are the visitor's powers lent to the owner. Empty otherwise.
   */
  scopesBeyondOwner(): string[] {
    return this.visiting ? scopesBeyondOwner(this.scopes, this.ownerName) : [];
  }

  /**
   * Throw, sending nothing, unless the page offers `action`: commands can be
   * run from elsewhere than the section.
   */
  require(action: HubAction): void {
    if (!this.may(action)) {
      throw new HubError(403, `This page may not do that (${action}).`);
    }
  }

  /** `require` for acting on a server of `user`. */
  requireServers(user: string): void {
    this.require(user === this.ownerName ? 'own-servers' : 'user-servers');
  }

  /**
   * Ask the hub who the token's user is (with its scopes) and, when that is
   * someone else, the owner's model, which it returns; throws when the hub
   * cannot be asked.
   */
  async load(): Promise<Hub.IUser> {
    const viewer = await this._client.user(true);
    const owner =
      viewer.name === this.ownerName ? viewer : await this._readOwner();
    this._viewer = viewer;
    this._owner = owner;
    return owner;
  }

  /** Read the owner's servers again, as shown now. */
  async reloadOwner(): Promise<void> {
    this._owner = await this._client.userModel(this.ownerName, true);
  }

  /**
   * The owner's model as a visitor's token may read it: a token filtered to
   * the owner reads their servers; one that may not read the owner at all
   * (the hub answers 403 or 404) still has their name.
   */
  private async _readOwner(): Promise<Hub.IUser> {
    try {
      return await this._client.userModel(this.ownerName, true);
    } catch (error) {
      if (
        error instanceof HubError &&
        (error.status === 403 || error.status === 404)
      ) {
        return { name: this.ownerName, admin: false };
      }
      throw error;
    }
  }

  private _owner: Hub.IUser | null = null;
  private _viewer: Hub.IUser | null = null;
}
