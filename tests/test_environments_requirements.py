"""Nothing an installer would read as a local path gets through, URLs allowed or not."""

import os
import subprocess

import pytest
from helpers import snapshot

from jupyterlab_kernel_manager import backends, packages
from jupyterlab_kernel_manager.packages import check_requirement, normalize_requirement

LOCAL = [
    # pip reads these as files (archive suffixes), uv some of them.
    "foo.tar.lzma",
    "foo.tar.zst",
    "foo.tar",
    "foo.whl",
    "FOO.ZIP",
    "foo.egg",
    "foo.tgz",
    "foo.whl[extra]",
    "foo.whl; python_version > '3'",
    # Valid PEP 508, and still a file name to pip: the whole text is checked.
    "x==1.0+local.whl",
    "x===1.0.tar.gz",
    "x===../../srv/project",
    "x===a\\b",
    # uv offers to read these as requirement files when they exist.
    "requirements.txt",
    "setup.py",
    "pyproject.toml",
]

URLS_REFUSED = [
    "pkg @ /abs/path.whl",
    "pkg @ ../x.whl",
    "pkg @ ./x.whl",
    "pkg @ x.whl",
    "pkg @ file:///srv/pkg.whl",
    "pkg @ FILE:///srv/pkg.whl",
    "pkg @ git+file:///srv/repo",
    "pkg @ git+ssh://git@example.com/repo.git",
    "pkg @ http://example.com/pkg.whl",
    "pkg @ ftp://example.com/pkg.whl",
    "pkg @ https:/example.com/pkg.whl",
    "pkg @ https:///srv/pkg.whl",
    "pkg @ C:/pkg.whl",
    # pip makes the whole line an absolute, normalised path first.
    "pkg @ https://example.com/../../../../srv/project",
    "pkg @ https://example.com/a/./b.whl",
    "pkg @ https://example.com/x.whl?next=/../../../../srv/project",
    "pkg @ https://example.com\\..\\x.whl",
    # uv replaces ${NAME} with the server's variables.
    "pkg @ https://example.com/${JUPYTERHUB_API_TOKEN}.whl",
    "pkg @ https://example.com/x.zip#subdirectory=/srv/project",
    "pkg @ https://example.com/x.zip#subdirectory=../..",
    "pkg @ https://example.com/x.zip#egg=pkg&subdirectory=",
    "pkg @ https://example.com/x.zip#unknown=1",
    "pkg @ git+https://example.com/repo.git@--upload-pack=touch",
    "pkg @ https://[::1/x.whl",
    "foo.whl @ https://example.com/foo.whl",
]

ACCEPTED = {
    "numpy": "numpy",
    "numpy >=1.26, <3": "numpy<3,>=1.26",
    "zope.interface": "zope.interface",
    "backports.tarfile": "backports.tarfile",
    "tomli; python_version < '3.11'": 'tomli; python_version < "3.11"',
}

URLS_ACCEPTED = {
    "pkg @ https://example.com/pkg-1.0-py3-none-any.whl": (
        "pkg @ https://example.com/pkg-1.0-py3-none-any.whl"
    ),
    # uv reads "HTTPS://..." as a relative path: passed on in lower case.
    "pkg @ HTTPS://Example.com/pkg-1.0.tar.gz": "pkg @ https://Example.com/pkg-1.0.tar.gz",
    "pkg[x] @ Git+Https://example.com/repo.git@v1.0#egg=pkg&subdirectory=src/pkg": (
        "pkg[x] @ git+https://example.com/repo.git@v1.0#egg=pkg&subdirectory=src/pkg"
    ),
    "pkg @ https://example.com/p.zip#sha256=ab12 ; os_name == 'posix'": (
        'pkg @ https://example.com/p.zip#sha256=ab12 ; os_name == "posix"'
    ),
}


@pytest.mark.parametrize("requirement", LOCAL)
@pytest.mark.parametrize("allow_urls", [False, True])
def test_what_looks_like_a_local_file_is_refused(requirement, allow_urls):
    error = check_requirement(requirement, allow_urls=allow_urls)

    assert error is not None and "local paths are not allowed" in error


@pytest.mark.parametrize("requirement", URLS_REFUSED)
def test_only_https_urls_that_stay_remote_are_allowed(requirement):
    assert check_requirement(requirement, allow_urls=True) is not None
    assert check_requirement(requirement, allow_urls=False) is not None


@pytest.mark.parametrize(("given", "passed"), [*ACCEPTED.items(), *URLS_ACCEPTED.items()])
def test_accepted_requirements_are_passed_on_in_canonical_form(given, passed):
    assert normalize_requirement(given, allow_urls=True) == (passed, None)
    # Canonical: checking what is passed on gives it back.
    assert normalize_requirement(passed, allow_urls=True) == (passed, None)
    if given in URLS_ACCEPTED:
        assert "URLs are not allowed" in check_requirement(given, allow_urls=False)


@pytest.mark.parametrize(
    "item", [None, 1.5, True, ["numpy"], {"numpy": 1}, "", "   ", "a\0b", "caf\u00e9"]
)
def test_anything_else_is_refused_with_a_message(item):
    text, error = normalize_requirement(item, allow_urls=True)

    assert text is None and isinstance(error, str) and error


def test_file_suffix_rule():
    assert packages.looks_like_file("a.tar.anything-new")
    assert packages.looks_like_file("a.WHL")
    assert not packages.looks_like_file("ruamel.yaml")
    assert not packages.looks_like_file("jaraco.text")
    assert packages.has_dot_segment("https://h/a/../b")
    assert not packages.has_dot_segment("https://h/a/..b/.c")


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_kernel_manager": True,
                "jupyter_server_terminals": False,
            },
            "allow_unauthenticated_access": False,
        },
        "KernelManagerConfig": {"allow_url_requirements": True},
    }


@pytest.fixture
def made(envs_dir, user_kernels):
    """An environment on disk; asserts after the test that nothing changed."""
    (envs_dir / "made" / "bin").mkdir(parents=True)
    (envs_dir / "made" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    before = (snapshot(envs_dir), sorted(os.listdir(envs_dir)), snapshot(user_kernels))
    yield
    after = (snapshot(envs_dir), sorted(os.listdir(envs_dir)), snapshot(user_kernels))
    assert after == before


async def test_paths_are_refused_by_both_routes_with_urls_allowed(km, made):
    for requirement in [*LOCAL, *URLS_REFUSED]:
        for path, body in [
            (("environments",), {"name": "new", "packages": [requirement]}),
            (("environments", "made", "packages"), {"packages": [requirement]}),
        ]:
            status, reply, _ = await km(*path, method="POST", body=body)
            assert (status, reply["reason"]) == (400, "invalid-package"), requirement
            assert reply["message"]
    status, jobs, _ = await km("jobs")
    assert (status, jobs) == (200, {"jobs": []})


def test_uv_reads_what_we_pass_on_as_urls(tmp_path):
    """The real uv, offline, in an empty directory: each accepted URL (after
    normalisation) is a URL to fetch, never a path to open."""
    uv = backends.find_uv()
    target = tmp_path / "target"
    subprocess.run([uv, "venv", "--quiet", str(target)], check=True, timeout=60)
    empty = tmp_path / "cwd"
    empty.mkdir()
    for given in URLS_ACCEPTED:
        passed, error = normalize_requirement(given, allow_urls=True)
        assert error is None
        done = subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--dry-run",
                "--offline",
                "--no-deps",
                "--python",
                str(target / "bin" / "python"),
                passed,
            ],
            cwd=empty,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert "file://" not in output and str(empty) not in output, output
        assert os.listdir(empty) == []
