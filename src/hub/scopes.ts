/**
 * What the page's hub token may do, read from the expanded `scopes` of
 * `GET /hub/api/user`, and what to tell an admin when a scope is missing.
 */

export type HubAction =
  | 'list-users'
  | 'add-users'
  | 'delete-users'
  | 'own-servers'
  | 'user-servers'
  | 'access-servers';

/**
 * The scope each action needs; `!user=<me>` filtered scopes count for the
 * user's own things.
 */
export const ACTION_SCOPES: { [action in HubAction]: string } = {
  'list-users': 'list:users',
  'add-users': 'admin:users',
  'delete-users': 'admin:users',
  'own-servers': 'servers',
  'user-servers': 'servers',
  'access-servers': 'access:servers'
};

/**
 * Whether `scopes` grant `scope`, unfiltered or, for the user's own things,
 * filtered to that user.
 */
export function hasScope(
  scopes: ReadonlyArray<string>,
  scope: string,
  ownUser?: string
): boolean {
  if (scopes.includes(scope)) {
    return true;
  }
  return ownUser !== undefined && scopes.includes(`${scope}!user=${ownUser}`);
}

/**
 * Whether the token may do `action`.
 */
export function may(
  scopes: ReadonlyArray<string>,
  action: HubAction,
  user: string
): boolean {
  const scope = ACTION_SCOPES[action];
  if (action === 'own-servers') {
    return hasScope(scopes, scope, user);
  }
  if (action === 'list-users') {
    return hasScope(scopes, scope) && hasScope(scopes, 'read:users');
  }
  return hasScope(scopes, scope);
}

/**
 * What a page may offer when its user is not the server's owner (an admin
 * opening alice's server): the owner's own servers, nothing else. That
 * page's token reaches the owner's server, which runs code the owner
 * controls, so nothing beyond the owner's own things is offered, even when
 * the hub's config lets the token do more.
 */
export const VISITOR_ACTIONS: ReadonlyArray<HubAction> = ['own-servers'];

/**
 * The scopes of a token that reach past `owner`'s own things: unfiltered
 * ones, and ones filtered to other users, groups, servers or services. The
 * identify scopes (the token's user's name and groups) are not counted.
 * On a page of `owner`'s server held by someone else, each of these is power
 * the owner's server gets from the visitor.
 */
export function scopesBeyondOwner(
  scopes: ReadonlyArray<string>,
  owner: string
): string[] {
  return scopes.filter(scope => {
    const [base, filter] = scope.split('!', 2);
    if (filter === undefined) {
      return true;
    }
    if (filter === `user=${owner}` || filter.startsWith(`server=${owner}/`)) {
      return false;
    }
    return !(IDENTIFY_SCOPES.includes(base) && filter.startsWith('user='));
  });
}

const IDENTIFY_SCOPES = ['read:users:name', 'read:users:groups'];

/**
 * What an admin adds to the hub's configuration to grant the scopes the
 * extension uses: the text of tests/hub/kernel_manager_scopes.py and of the
 * README (tests check all three agree). Never a plain list: that one list
 * applies to every server, so an admin opening a user's server would lend it
 * admin scopes.
 */
export const SCOPES_CONFIG = `# jupyterlab-kernel-manager: what the token of each JupyterLab page may do, for the
# Hub section. The hub calls this list (spawner -> list) at every start of a server:
# the server gets the listed scopes that its owner holds, and otherwise only its
# owner's own user model and servers, so a visiting admin lends it nothing.
# (A list as well, because the spawner writes it into the server's environment.)
class OwnerBoundScopes(list):
    def __call__(self, spawner):
        from jupyterhub.scopes import get_scopes_for

        owner = spawner.user
        own = [f"read:users!user={owner.name}", f"servers!user={owner.name}"]
        held = get_scopes_for(owner)
        return [scope for scope in [*self, *own] if scope in held]


c.Spawner.oauth_client_allowed_scopes = OwnerBoundScopes(
    ["list:users", "read:users", "admin:users", "servers", "access:servers"]
)
`;

/**
 * The actions the Hub section offers that `scopes` do not grant, in the
 * order it lists them; admin actions only for admins.
 */
export function missingActions(
  scopes: ReadonlyArray<string>,
  user: string,
  isAdmin: boolean
): HubAction[] {
  const wanted: HubAction[] = ['own-servers'];
  if (isAdmin) {
    wanted.push('list-users', 'add-users', 'user-servers', 'access-servers');
  }
  return wanted.filter(action => !may(scopes, action, user));
}
