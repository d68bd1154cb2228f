"""An identity provider shaped like JupyterHub's, for servers tested without a hub.

Under JupyterHub, ``jupyterhub.singleuser``'s ``JupyterHubIdentityProvider.get_user``
asks the hub who the request's token belongs to and returns
``JupyterHubUser(model)``: a jupyter_server ``User`` whose ``hub_user`` is the hub's
user model (``GET /hub/api/user``: name, admin, scopes...). This provider checks
the server's own token as the stock one does, then returns the same shape with the
model from configuration (``c.FakeHubIdentityProvider.hub_user``). Where jupyterhub
is installed (the multi-user tests' venv) it is jupyterhub's own class.
"""

import inspect

from jupyter_server.auth import IdentityProvider, User
from traitlets import Dict

try:
    from jupyterhub.singleuser.extension import JupyterHubUser
except ImportError:

    class JupyterHubUser(User):
        """As jupyterhub.singleuser.extension.JupyterHubUser (JupyterHub 5.5)."""

        hub_user: dict

        def __init__(self, hub_user):
            self.hub_user = hub_user
            super().__init__(username=self.hub_user["name"])


class FakeHubIdentityProvider(IdentityProvider):
    hub_user = Dict(help="Fields of the user model the fake hub answers for any valid token.").tag(
        config=True
    )

    async def get_user(self, handler):
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if user is None:
            return None
        return JupyterHubUser({"kind": "user", "name": user.username, **self.hub_user})
