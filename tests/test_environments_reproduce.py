"""Reproducible environments for real: export, create from the file, clone.

uv environments from uv's cache (warm once any uv test has run); each creation
takes a second or two.
"""

import json
import time

import pytest
from helpers import create_environment, poll_job, run_in_kernel

from jupyterlab_kernel_manager import envdirs, reproduce

pytestmark = pytest.mark.slow


def versions(listing: dict) -> dict:
    return {p["name"].lower().replace("_", "-"): p["version"] for p in listing["packages"]}


async def packages_of(km, name: str) -> dict:
    status, listing, _ = await km("environments", name, "packages")
    assert status == 200, listing
    return versions(listing)


async def exported(km, name: str, fmt: str) -> dict:
    status, reply, _ = await km("environments", name, "export", params={"format": fmt})
    assert status == 200, reply
    assert (reply["environment"], reply["format"]) == (name, fmt)
    return reply


async def test_export_then_create_from_each_file_gives_the_same_packages(
    km, envs_dir, user_kernels, without_server_pythonpath, monkeypatch
):
    job, lines = await create_environment(
        km, {"name": "source", "backend": "uv", "packages": ["iniconfig==2.0.0"]}
    )
    assert job["state"] == "succeeded", lines
    source = await packages_of(km, "source")
    assert source["iniconfig"] == "2.0.0"

    # uv colours its output under FORCE_COLOR (Playwright sets it): never ours.
    monkeypatch.setenv("FORCE_COLOR", "1")
    requirements = await exported(km, "source", "requirements.txt")
    assert requirements["filename"] == "requirements-source.txt"
    assert "iniconfig==2.0.0\n" in requirements["content"]
    assert requirements["left_out"] == []
    lock = await exported(km, "source", "pylock.toml")
    assert lock["filename"] == "pylock.source.toml"
    assert 'lock-version = "1.0"' in lock["content"]
    assert 'name = "iniconfig"' in lock["content"]
    conda_file = await exported(km, "source", "environment.yml")
    assert "  - pip:\n" in conda_file["content"]

    for new, reply in (("from-req", requirements), ("from-lock", lock), ("from-yml", conda_file)):
        body = {
            "name": new,
            "backend": "uv",
            "requirements_file": {"format": reply["format"], "content": reply["content"]},
        }
        job, lines = await create_environment(km, body)
        assert job["state"] == "succeeded", lines
        assert await packages_of(km, new) == source, new


async def test_a_file_with_refused_lines_is_refused_with_their_numbers(km, envs_dir):
    content = "iniconfig==2.0.0\n# a comment\n--index-url https://evil.example/simple\ntomli\n./x\n"
    status, reply, _ = await km(
        "environments",
        method="POST",
        body={
            "name": "refused",
            "backend": "uv",
            "requirements_file": {"format": "requirements.txt", "content": content},
        },
    )
    assert (status, reply["reason"]) == (400, "invalid-file")
    assert "line 3:" in reply["message"] and "1 more refused line" in reply["message"]
    assert [p["line"] for p in reply["problems"]] == [3, 5]
    # Nothing ran: no job, no claim, no directory.
    _, jobs, _ = await km("jobs")
    assert jobs["jobs"] == []
    assert not envs_dir.exists() or list(envs_dir.iterdir()) == []

    lock = 'lock-version = "1.0"\n\n[[packages]]\nname = "x"\nversion = "1"\n'
    lock += 'wheels = [{ path = "/etc/x-1-py3-none-any.whl" }]\n'
    status, reply, _ = await km(
        "environments",
        method="POST",
        body={"name": "refused", "requirements_file": {"format": "pylock.toml", "content": lock}},
    )
    assert (status, reply["reason"]) == (400, "invalid-file")
    assert reply["problems"] == [
        {"line": 3, "message": "x comes from a path; only packages of an index are accepted"}
    ]

    for bad in ({"format": "setup.py", "content": ""}, {"format": "requirements.txt"}, "x"):
        status, reply, _ = await km(
            "environments", method="POST", body={"name": "refused", "requirements_file": bad}
        )
        assert status == 400 and reply["reason"] in ("invalid-file", "invalid-body"), reply


async def test_export_and_clone_refuse_bad_requests(km):
    status, reply, _ = await km("environments", "missing", "export")
    assert (status, reply["reason"]) == (404, "not-found")
    status, reply, _ = await km("environments", "missing", "export", params={"format": "x"})
    assert (status, reply["reason"]) == (400, "invalid-format")
    status, reply, _ = await km("environments", "..", "export")
    assert (status, reply["reason"]) == (400, "invalid-name")
    status, reply, _ = await km("environments", "missing", "clone", method="POST", body={})
    assert (status, reply["reason"]) == (400, "invalid-body")
    status, reply, _ = await km(
        "environments", "missing", "clone", method="POST", body={"name": "a/b"}
    )
    assert (status, reply["reason"]) == (400, "invalid-name")
    status, reply, _ = await km(
        "environments", "missing", "clone", method="POST", body={"name": "copy"}
    )
    assert (status, reply["reason"]) == (404, "not-found")


async def test_a_clone_has_the_same_packages_and_its_kernel_runs(
    km, jp_fetch, jp_serverapp, envs_dir, user_kernels, without_server_pythonpath, monkeypatch
):
    job, lines = await create_environment(
        km, {"name": "original", "backend": "uv", "packages": ["iniconfig==2.0.0"]}
    )
    assert job["state"] == "succeeded", lines

    started = time.monotonic()
    status, reply, _ = await km(
        "environments",
        "original",
        "clone",
        method="POST",
        body={"name": "Copy", "display_name": "My copy"},
    )
    assert (status, reply["environment"]) == (202, "copy"), reply
    job, lines, _ = await poll_job(km, reply["job"])
    took = time.monotonic() - started
    assert (job["kind"], job["state"]) == ("clone", "succeeded"), lines
    assert any(" pip install --offline --python " in line for line in lines), lines
    print(f"clone of a uv environment: {took:.2f} s")
    assert await packages_of(km, "copy") == await packages_of(km, "original")
    spec = json.loads((user_kernels / "copy" / "kernel.json").read_text())
    assert spec["display_name"] == "My copy"
    assert spec["metadata"]["kernel_manager"]["environment"]["path"] == str(envs_dir / "copy")

    kernel = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "copy"}))
    kernel_id = json.loads(kernel.body)["id"]
    try:
        out, result = await run_in_kernel(
            jp_serverapp, kernel_id, "import sys, iniconfig; print(sys.prefix)"
        )
        assert result["status"] == "ok", out
        assert out.strip() == str(envs_dir / "copy")
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")

    status, reply, _ = await km(
        "environments", "original", "clone", method="POST", body={"name": "copy"}
    )
    assert (status, reply["reason"]) == (409, "exists")

    # A clone cancelled halfway (its venv made, a slow step running) leaves nothing.
    real = reproduce.clone_commands

    def slow(*args, **kwargs):
        make, *rest = real(*args, **kwargs)
        return [make, ["sleep", "60"], *rest]

    monkeypatch.setattr(reproduce, "clone_commands", slow)
    status, reply, _ = await km(
        "environments", "original", "clone", method="POST", body={"name": "halfway"}
    )
    assert status == 202, reply
    await poll_job(km, reply["job"], until=lambda lines: any("sleep" in line for line in lines))
    assert (envs_dir / "halfway" / "bin" / "python").exists()
    status, cancelled, _ = await km("jobs", reply["job"], method="DELETE")
    assert (status, cancelled["state"]) == (202, "cancelled"), cancelled
    assert not (envs_dir / "halfway").exists()
    assert not (envs_dir / f".halfway{envdirs.MARKER_SUFFIX}").exists()
    assert not (user_kernels / "halfway").exists()

    # A source whose interpreter is gone: its Python's error, though the pins are
    # asked at the same time (and fail too), with nothing claimed.
    (envs_dir / "original" / "bin" / "python").rename(envs_dir / "original" / "python.gone")
    status, reply, _ = await km(
        "environments", "original", "clone", method="POST", body={"name": "broken-copy"}
    )
    assert (status, reply["reason"]) == (409, "broken"), reply
    assert reply["message"].startswith("Cannot run its Python"), reply
    assert not (envs_dir / "broken-copy").exists()
