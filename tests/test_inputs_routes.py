"""Hostile numbers and bodies get a 400 JSON reply from every route, never a 500."""

from __future__ import annotations

import pytest

from jupyterlab_kernel_manager import jobs
from jupyterlab_kernel_manager.inputs import MAX_BODY_BYTES, MAX_SINCE


async def finished_job(environments) -> jobs.Job:
    """A real job in the server's registry that printed three lines."""
    job = jobs.Job("create", "demo", timeout=30)
    job.steps = [["sh", "-c", "echo one; echo two; echo three"]]
    environments.jobs.add(job)
    await job.wait(30)
    assert job.state == "succeeded"
    return job


@pytest.mark.parametrize(
    "since",
    [
        "99999999999999999999",  # past sys.maxsize: itertools.islice raised ValueError
        "9" * 5000,  # past Python's int() digit limit
        str(MAX_SINCE + 1),
        "-1",
        "1.5",
        "",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: isdigit(), but not ASCII
        "0x10",
    ],
)
async def test_a_log_index_out_of_range_is_a_400(km, environments, since):
    job = await finished_job(environments)

    status, body, _ = await km("jobs", job.id, params={"since": since})

    assert (status, body["reason"]) == (400, "invalid-since")


async def test_the_largest_log_index_reads_nothing_new(km, environments):
    job = await finished_job(environments)

    status, body, _ = await km("jobs", job.id, params={"since": str(MAX_SINCE)})

    assert status == 200
    assert body["log"] == [] and body["next"] == job.log.total


BODY_ROUTES = [
    ("POST", ("environments",)),
    ("POST", ("environments", "demo", "packages")),
    ("PATCH", ("kernelspecs", "demo")),
    ("POST", ("processes", "1", "signal")),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000, "too-deep"),  # json.loads raised RecursionError
        ('{"a":' * 20_000 + "1" + "}" * 20_000, "too-deep"),
        ('{"packages": [[[[[[[[["x"]]]]]]]]]}', "too-deep"),
        ('{"name": "' + "x" * MAX_BODY_BYTES + '"}', "too-large"),
        ('{"name": "[[[[[[[[[[[[[[[[[[["}', None),  # brackets in a string are text
    ],
)
async def test_hostile_bodies_are_a_400(km, envs_dir, method, path, body, reason):
    status, reply, headers = await km(*path, method=method, body=body)

    assert 400 <= status < 500
    assert headers["Content-Type"].startswith("application/json")
    if reason is not None:
        assert (status, reply["reason"]) == (400, reason)
    assert not envs_dir.exists() or not any(envs_dir.iterdir())


@pytest.mark.parametrize("flag", ["2", "yes", "", "true", "01"])
async def test_flags_are_0_or_1(km, envs_dir, flag):
    for path, name in (
        (("processes",), "all_users"),
        (("processes", "history"), "all_users"),
        (("environments", "x"), "force"),
    ):
        method = "GET" if path[0] == "processes" else "DELETE"
        status, reply, _ = await km(*path, method=method, params={name: flag})

        assert (status, reply["reason"]) == (400, "invalid-query"), path


ROUTES = [
    ("kernelspecs",),
    ("kernelspecs", "x"),
    ("environments",),
    ("environments", "x"),
    ("environments", "x", "packages"),
    ("jobs",),
    ("jobs", "x"),
    ("processes",),
    ("processes", "history"),
    ("processes", "1", "signal"),
]


@pytest.mark.parametrize("path", ROUTES, ids="/".join)
async def test_a_cors_preflight_is_answered_like_jupyters_own(jp_fetch, path):
    # A handler attribute named "options" once hid tornado's options(): 500.
    response = await jp_fetch(
        "kernel-manager",
        *path,
        method="OPTIONS",
        raise_error=False,
        allow_nonstandard_methods=True,
    )

    assert response.code == 200
    assert "OPTIONS" in response.headers["Access-Control-Allow-Methods"]


async def test_no_credentials_is_a_401_and_bad_ones_a_403(http_server_client, jp_base_url):
    url = f"{jp_base_url}kernel-manager/kernelspecs"

    bare = await http_server_client.fetch(url, raise_error=False)
    wrong = await http_server_client.fetch(
        url, headers={"Authorization": "token not-the-token"}, raise_error=False
    )
    # A POST without credentials fails Jupyter's XSRF check first: still a 401.
    post = await http_server_client.fetch(
        f"{jp_base_url}kernel-manager/environments",
        method="POST",
        body="{}",
        raise_error=False,
    )

    assert (bare.code, bare.headers["WWW-Authenticate"]) == (401, "token")
    assert post.code == 401
    assert wrong.code == 403


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (("kernelspecs",), "GET, OPTIONS"),
        (("kernelspecs", "x"), "DELETE, PATCH, OPTIONS"),
        (("jobs", "x"), "GET, DELETE, OPTIONS"),
        (("processes", "1", "signal"), "POST, OPTIONS"),
    ],
)
async def test_an_unsupported_verb_is_a_405_naming_the_verbs(jp_fetch, path, allowed):
    response = await jp_fetch(
        "kernel-manager",
        *path,
        method="PUT",
        body="{}",
        raise_error=False,
        allow_nonstandard_methods=True,
    )

    assert response.code == 405
    assert set(response.headers["Allow"].split(", ")) == set(allowed.split(", "))


async def test_flags_and_indexes_are_not_trimmed(km, envs_dir):
    status, reply, _ = await km("environments", "x", method="DELETE", params={"force": " 1"})

    assert (status, reply["reason"]) == (400, "invalid-query")
