# jupyterlab-kernel-manager: what the token of each JupyterLab page may do, for the
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
