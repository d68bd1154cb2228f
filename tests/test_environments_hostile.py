"""Environment routes against hostile files: FIFOs, devices, deeply nested JSON and
paths no file system takes, in the kernels and environments directories."""

import asyncio
import contextlib
import json
import os
import time

import pytest
from helpers import PYTHON_ARGV, UNUSABLE_PATH_FIELDS, install_spec

from jupyterlab_kernel_manager import envdirs

DEEP = "[" * 100_000
# Generous: an answer takes milliseconds; a blocked read never comes back.
PROMPT = 10.0


def fake_environment(envs_dir, name):
    """A venv-like directory (its interpreter is missing: the check is instant)."""
    env = envs_dir / name
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return env


def environment_spec(user_kernels, name, env, **fields):
    environment = {"path": str(env), "backend": "venv"}
    return install_spec(
        user_kernels,
        name,
        metadata={"kernel_manager": {"environment": environment}},
        **fields,
    )


async def promptly(call):
    return await asyncio.wait_for(call, PROMPT)


@pytest.fixture
def fifo(km):
    """Make FIFOs; teardown frees any server thread blocked opening or reading one.

    After ``km`` (the server): torn down first, while the server's threads can
    still be released, so a failing test does not hang pytest.
    """
    made = []

    def make(path):
        os.mkfifo(path)
        made.append(path)
        return path

    yield make
    for path in made:
        try:
            # Read-write never blocks on a FIFO, and counts as a writer: a blocked
            # open returns; once the path is gone and we close, reads see EOF.
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        except OSError:
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
        time.sleep(0.2)
        os.close(fd)


async def test_a_fifo_kernel_json_does_not_block_removal(km, fifo, envs_dir, user_kernels):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    (user_kernels / "zz").mkdir()
    fifo(user_kernels / "zz" / "kernel.json")

    status, reply, _ = await promptly(km("environments", "foo", method="DELETE"))

    assert (status, reply) == (200, {"shut_down": []})
    assert not env.exists() and not (user_kernels / "foo").exists()
    # The lock was not left held.
    status, _, _ = await promptly(km("environments"))
    assert status == 200


async def test_a_fifo_metadata_file_does_not_block_listing_or_removal(
    km, fifo, envs_dir, user_kernels
):
    env = fake_environment(envs_dir, "foo")
    fifo(env / ".kernel-manager.json")

    status, listing, _ = await promptly(km("environments"))

    assert status == 200, listing
    [described] = listing["environments"]
    assert (described["name"], described["backend"]) == ("foo", "venv")
    status, reply, _ = await promptly(km("environments", "foo", method="DELETE"))
    assert status == 200, reply


async def test_a_fifo_claim_does_not_block_listing_or_creation(km, fifo, envs_dir, user_kernels):
    envs_dir.mkdir(parents=True)
    fifo(envs_dir / f".bar{envdirs.MARKER_SUFFIX}")

    status, listing, _ = await promptly(km("environments"))

    assert status == 200, listing
    assert [env["name"] for env in listing["environments"]] == ["bar"]
    status, reply, _ = await promptly(
        km("environments", method="POST", body={"name": "bar", "backend": "venv"})
    )
    assert (status, reply["reason"]) == (409, "busy")


async def test_a_kernel_json_linked_to_dev_zero_does_not_exhaust_memory(km, envs_dir, user_kernels):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    (user_kernels / "zero").mkdir()
    (user_kernels / "zero" / "kernel.json").symlink_to("/dev/zero")

    status, reply, _ = await promptly(km("environments", "foo", method="DELETE"))

    assert (status, reply) == (200, {"shut_down": []})
    assert (user_kernels / "zero" / "kernel.json").is_symlink()


async def test_a_huge_sparse_kernel_json_does_not_exhaust_memory(km, envs_dir, user_kernels):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    (user_kernels / "huge").mkdir()
    (user_kernels / "huge" / "kernel.json").touch()
    os.truncate(user_kernels / "huge" / "kernel.json", 20 * 1024**3)

    status, listing, _ = await promptly(km("environments"))
    assert status == 200, listing
    status, reply, _ = await promptly(km("environments", "foo", method="DELETE"))
    assert (status, reply) == (200, {"shut_down": []})


async def test_deeply_nested_files_are_unreadable_not_server_errors(km, envs_dir, user_kernels):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    (user_kernels / "deep").mkdir()
    (user_kernels / "deep" / "kernel.json").write_text(DEEP)
    other = fake_environment(envs_dir, "other")
    (other / ".kernel-manager.json").write_text(DEEP)
    (envs_dir / f".bar{envdirs.MARKER_SUFFIX}").write_text(DEEP)

    status, listing, _ = await km("environments")

    assert status == 200, listing
    names = [env["name"] for env in listing["environments"]]
    assert names == ["bar", "foo", "other"]
    status, reply, _ = await km(
        "environments", method="POST", body={"name": "bar", "backend": "venv"}
    )
    assert (status, reply["reason"]) == (409, "busy")
    status, reply, _ = await km("environments", "other", method="DELETE")
    assert status == 200, reply
    status, reply, _ = await km("environments", "foo", method="DELETE")
    assert status == 200, reply
    assert (user_kernels / "deep" / "kernel.json").exists()


@pytest.mark.parametrize("fields", UNUSABLE_PATH_FIELDS)
async def test_paths_no_file_system_takes_name_no_environment(km, envs_dir, user_kernels, fields):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    spec_dir = user_kernels / "odd"
    spec_dir.mkdir()
    spec = {"argv": PYTHON_ARGV, "display_name": "odd", "language": "python", **fields}
    # ensure_ascii: a lone surrogate is written as its \ud800 escape.
    (spec_dir / "kernel.json").write_text(json.dumps(spec))

    status, listing, _ = await km("environments")

    assert status == 200, listing
    [described] = listing["environments"]
    assert described["kernelspec"] == "foo"
    status, reply, _ = await km("environments", "foo", method="DELETE")
    assert (status, reply) == (200, {"shut_down": []})
    assert spec_dir.exists() and not (user_kernels / "foo").exists()


async def test_removal_takes_every_spec_whose_name_differs_only_in_case(km, envs_dir, user_kernels):
    env = fake_environment(envs_dir, "foo")
    environment_spec(user_kernels, "foo", env)
    environment_spec(user_kernels, "FOO", env)
    environment_spec(user_kernels, "Foo-Too", env)

    status, reply, _ = await km("environments", "foo", method="DELETE")

    assert (status, reply) == (200, {"shut_down": []})
    left = {p.name for p in user_kernels.iterdir()} - {".kernel-manager-trash"}
    assert not left & {"foo", "FOO", "Foo-Too"}
    assert not env.exists()


@pytest.mark.parametrize(
    "display_name",
    ["a\ud800b", "\udfff", "evil\u202ecod.exe", "a\u2066b", "x\u200fy", "x\u061cy"],
)
async def test_creation_refuses_display_names_with_surrogates_or_bidi_controls(
    km, envs_dir, display_name
):
    body = {"name": "fresh", "backend": "venv", "display_name": display_name}

    status, reply, _ = await km("environments", method="POST", body=body)

    assert (status, reply["reason"]) == (400, "invalid-display-name")
    assert not (envs_dir / "fresh").exists()
