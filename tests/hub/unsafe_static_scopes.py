# NEGATIVE FIXTURE, NEVER USE: the static list that this project's README once gave.
# Every server that an admin opens gets the admin's admin:users and the rest (the
# list is not bounded by the server's owner). Only for checking that the tests
# catch it:  KM_HUB_SCOPES_CONFIG=tests/hub/unsafe_static_scopes.py
#            .venv/bin/python -m pytest tests/hub/test_hub_scopes.py   (must fail)
c.Spawner.oauth_client_allowed_scopes = [
    "list:users",
    "read:users",
    "admin:users",
    "servers",
    "access:servers",
]
