"""Bad requests to the environment and job routes: a clear JSON error, nothing on disk."""

import os
import shutil
import sys

import pytest
from helpers import install_spec, snapshot

from jupyterlab_kernel_manager import envdirs


@pytest.fixture
def untouched(envs_dir, user_kernels):
    """Asserts, after the test, that neither directory changed."""
    envs_dir.mkdir(parents=True)
    before = (snapshot(envs_dir), sorted(os.listdir(envs_dir)), snapshot(user_kernels))
    yield
    after = (snapshot(envs_dir), sorted(os.listdir(envs_dir)), snapshot(user_kernels))
    assert after == before


@pytest.fixture
def without_conda(jp_environ, monkeypatch):
    """PATH with no mamba, micromamba or conda, whatever this machine has."""
    directories = [
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if not any(shutil.which(tool, path=d) for tool in ("mamba", "micromamba", "conda"))
    ]
    monkeypatch.setenv("PATH", os.pathsep.join(directories))


BAD_NAMES = [
    "",
    ".",
    "..",
    ".hidden",
    "-option",
    "a b",
    "x" * 65,
    "caf\u00e9",
    "a/b",
    "a$b",
    "a\nb",
    "\u212a",  # KELVIN SIGN: lower() makes it an ASCII "k"
    42,
    None,
    ["a"],
]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_bad_names_are_refused(km, untouched, name):
    status, reply, _ = await km("environments", method="POST", body={"name": name})

    assert (status, reply["reason"]) == (400, "invalid-name")
    assert reply["message"]


async def test_longest_name_and_upper_case_pass_the_name_check(km, untouched, user_kernels):
    # Stopped later by a display name that is too long, so nothing is created.
    for name in ("x" * 64, "My.Env_1-A"):
        status, reply, _ = await km(
            "environments", method="POST", body={"name": name, "display_name": ""}
        )
        assert (status, reply["reason"]) == (400, "invalid-display-name")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"name": "ok", "argv": ["sh"]}, "invalid-body"),
        ({"name": "ok", "system_site_packages": "yes"}, "invalid-body"),
        ({"name": "ok", "system_site_packages": 1}, "invalid-body"),
        ({"name": "ok", "display_name": 42}, "invalid-display-name"),
        ({"name": "ok", "display_name": "two\nlines"}, "invalid-display-name"),
        ({"name": "ok", "display_name": "x" * 257}, "invalid-display-name"),
        ("{name: ", "invalid-json"),
        ("", "invalid-json"),
        ("[1, 2]", "invalid-body"),
        ("null", "invalid-body"),
    ],
)
async def test_bad_bodies_are_refused(km, untouched, body, reason):
    status, reply, _ = await km("environments", method="POST", body=body)

    assert (status, reply["reason"]) == (400, reason)


BAD_PACKAGES = [
    (["--index-url=https://evil.example/simple"], "--index-url"),
    (["-r", "requirements.txt"], "-r"),
    (["-e."], "-e."),
    (["./mypkg"], "./mypkg"),
    (["/tmp/pkg-1.0-py3-none-any.whl"], "/tmp/pkg"),
    (["pkg-1.0-py3-none-any.whl"], "pkg-1.0-py3-none-any.whl"),
    (["foo.tar.lzma"], "foo.tar.lzma"),
    (["x==1.0+local.whl"], "x==1.0+local.whl"),
    (["x===../../srv/project"], "x===../../srv/project"),
    (["https://example.com/pkg.tar.gz"], "https://example.com"),
    (["pkg @ https://example.com/pkg.whl"], "pkg @ https"),
    (["pkg @ file:///tmp/pkg"], "file:///tmp/pkg"),
    (["numpy["], "numpy["),
    (["numpy >=1 <2"], "numpy >=1 <2"),
    (["numpy; python_version >"], "numpy; python_version"),
    (["ok", ""], "empty"),
    (["ok", 42], "42"),
    ("numpy", "list"),
    ({"numpy": "1"}, "list"),
    (["pkg"] * 51, "At most 50"),
]


@pytest.mark.parametrize(("packages", "offender"), BAD_PACKAGES)
async def test_bad_packages_are_refused_before_anything_runs(km, untouched, packages, offender):
    status, reply, _ = await km(
        "environments", method="POST", body={"name": "ok", "packages": packages}
    )

    assert (status, reply["reason"]) == (400, "invalid-package")
    assert offender in reply["message"]


async def test_backend_and_python_refusals(km, untouched, without_conda):
    cases = [
        ({"backend": "pip"}, "invalid-backend", "Unknown backend 'pip'"),
        ({"backend": 3}, "invalid-backend", "Unknown backend 3"),
        ({"backend": "conda"}, "invalid-backend", "None of mamba, micromamba or conda"),
        ({"backend": "venv", "python": "2.7"}, "invalid-python", "'2.7'"),
        ({"backend": "uv", "python": "3.99"}, "invalid-python", "'3.99'"),
        ({"backend": "venv", "python": 3.11}, "invalid-python", "3.11"),
        ({"python": "3"}, "invalid-python", "'3'"),
    ]
    for body, reason, message in cases:
        status, reply, _ = await km("environments", method="POST", body={"name": "ok", **body})

        assert (status, reply["reason"]) == (400, reason), body
        assert message in reply["message"], reply


async def test_names_taken_by_an_environment_or_a_kernelspec(
    km, envs_dir, user_kernels, system_kernels
):
    (envs_dir / "made" / "bin").mkdir(parents=True)
    (envs_dir / "made" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (envs_dir / "junk").write_text("not an environment")
    install_spec(user_kernels, "mine")
    install_spec(system_kernels, "shared")
    before = (snapshot(envs_dir), snapshot(user_kernels))

    for name in ("made", "MADE", "junk", "mine", "Shared", "python3"):
        status, reply, _ = await km("environments", method="POST", body={"name": name})
        assert (status, reply["reason"]) == (409, "exists"), name
        assert name.lower() in reply["message"]

    assert (snapshot(envs_dir), snapshot(user_kernels)) == before
    assert sorted(os.listdir(envs_dir)) == ["junk", "made"]


async def test_packages_route_refusals(km, envs_dir, user_kernels):
    (envs_dir / "made" / "bin").mkdir(parents=True)
    (envs_dir / "made" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    before = (snapshot(envs_dir), snapshot(user_kernels))
    cases = [
        ("made", {"packages": []}, 400, "invalid-package"),
        ("made", {"packages": ["--pre", "x"]}, 400, "invalid-package"),
        ("made", {"packages": ["x"], "backend": "uv"}, 400, "invalid-body"),
        ("made", {}, 400, "invalid-body"),
        ("missing", {"packages": ["x"]}, 404, "not-found"),
        ("a b", {"packages": ["x"]}, 400, "invalid-name"),
    ]
    for name, body, code, reason in cases:
        status, reply, _ = await km("environments", name, "packages", method="POST", body=body)
        assert (status, reply["reason"]) == (code, reason), (name, body)

    status, reply, _ = await km("environments", "missing", "packages")
    assert (status, reply["reason"]) == (404, "not-found")
    status, reply, _ = await km("environments", "made", "packages")
    assert (status, reply["reason"]) == (409, "broken")
    assert (snapshot(envs_dir), snapshot(user_kernels)) == before


async def test_delete_refusals(km, envs_dir, tmp_path):
    outside = tmp_path / "outside"
    (outside / "bin").mkdir(parents=True)
    (outside / "pyvenv.cfg").write_text("home = /usr/bin\n")
    envs_dir.mkdir(parents=True)
    (envs_dir / "linked").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)

    for name, code, reason in [
        ("missing", 404, "not-found"),
        ("linked", 404, "not-found"),
        ("..", 400, "invalid-name"),
        ("a b", 400, "invalid-name"),
    ]:
        status, reply, _ = await km("environments", name, method="DELETE")
        assert (status, reply["reason"]) == (code, reason), name

    assert snapshot(outside) == before
    assert (envs_dir / "linked").is_symlink()


async def test_job_route_refusals(km):
    status, jobs, _ = await km("jobs")
    assert (status, jobs) == (200, {"jobs": []})
    for method in ("GET", "DELETE"):
        status, reply, _ = await km("jobs", "nope", method=method)
        assert (status, reply["reason"]) == (404, "not-found")
    for since in ("-1", "x", "\u00b2"):
        status, reply, _ = await km("jobs", "nope", params={"since": since})
        assert (status, reply["reason"]) == (400, "invalid-since")


# without_conda first: the server detects its backends when it starts.
async def test_an_empty_listing_reports_backends_and_settings(without_conda, km, envs_dir):
    status, listing, _ = await km("environments")
    backends_status, found, _ = await km("backends")

    assert (status, backends_status) == (200, 200)
    assert listing == {
        "environments_dir": str(envs_dir),
        "max_environments": 20,
        "environments": [],
    }
    assert set(found) == {"default_backend", "backends"}
    assert found["default_backend"] == "uv"
    backends = {b["name"]: b for b in found["backends"]}
    assert [b["name"] for b in found["backends"]] == ["uv", "venv", "conda"]
    for name in ("uv", "venv"):
        assert backends[name]["available"] is True
        assert backends[name]["default_python"] in backends[name]["pythons"]
        assert os.access(backends[name]["executable"], os.X_OK)
    assert (backends["conda"]["available"], backends["conda"]["executable"]) == (
        False,
        None,
    )
    assert backends["conda"]["reason"] == "None of mamba, micromamba or conda is on PATH."


async def test_environments_list_only_environments(km, envs_dir, user_kernels):
    for name, layout in [("plain", "pyvenv.cfg"), ("condaish", "conda-meta/history")]:
        (envs_dir / name / layout).parent.mkdir(parents=True, exist_ok=True)
        (envs_dir / name / layout).write_text("home = /nowhere\n")
    (envs_dir / "notes").mkdir()
    (envs_dir / "Upper").mkdir()
    (envs_dir / "Upper" / "pyvenv.cfg").write_text("home = /nowhere\n")
    install_spec(
        user_kernels,
        "plain-kernel",
        display_name="Plain",
        metadata={
            "kernel_manager": {"environment": {"path": str(envs_dir / "plain"), "backend": "venv"}}
        },
    )

    status, listing, _ = await km("environments")

    assert status == 200
    by_name = {env["name"]: env for env in listing["environments"]}
    assert sorted(by_name) == ["condaish", "plain"]
    plain = by_name["plain"]
    assert (plain["backend"], plain["kernelspec"], plain["display_name"]) == (
        "venv",
        "plain-kernel",
        "Plain",
    )
    assert plain["healthy"] is False
    assert (
        plain["problem"] == f"The interpreter {envs_dir / 'plain' / 'bin' / 'python'} is missing."
    )
    assert (plain["python_version"], plain["created_at"], plain["job"]) == (
        None,
        None,
        None,
    )
    assert plain["size_bytes"] > 0
    assert by_name["condaish"]["backend"] == "conda"
    assert by_name["condaish"]["kernelspec"] is None


async def test_a_broken_interpreter_is_reported(km, envs_dir):
    env = envs_dir / "noipk"
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    # A real interpreter without ipykernel: ours, without any site-packages.
    script = env / "bin" / "python"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -I -S "$@"\n')
    script.chmod(0o755)

    _, listing, _ = await km("environments")

    (entry,) = listing["environments"]
    assert entry["healthy"] is False
    assert entry["python_version"].startswith("3.")
    assert entry["problem"].startswith("ipykernel cannot be imported: ModuleNotFoundError")
    assert not (envs_dir / f".noipk{envdirs.MARKER_SUFFIX}").exists()
