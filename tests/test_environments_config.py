"""c.KernelManagerConfig settings for environments reach the routes."""

import pytest
from traitlets import TraitError

from jupyterlab_kernel_manager import KernelManagerConfig


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
        "KernelManagerConfig": {
            "environments_dir": "~/my-envs",
            "allowed_backends": ["venv"],
            "max_environments": 1,
            "max_packages_per_request": 2,
            "allow_url_requirements": True,
        },
    }


async def test_settings_shape_the_listing_and_the_refusals(km, jp_home_dir):
    envs = jp_home_dir / "my-envs"
    (envs / "first").mkdir(parents=True)
    (envs / "first" / "pyvenv.cfg").write_text("home = /usr/bin\n")

    _, listing = (await km("environments"))[:2]
    _, found = (await km("backends"))[:2]
    backends = {b["name"]: b for b in found["backends"]}
    over_cap = await km("environments", method="POST", body={"name": "second"})
    uv = await km("environments", method="POST", body={"name": "second", "backend": "uv"})
    too_many = await km(
        "environments",
        method="POST",
        body={"name": "second", "packages": ["a", "b", "c"]},
    )
    url = await km(
        "environments",
        method="POST",
        body={
            "name": "second",
            "packages": ["pkg @ https://example.com/pkg-1.0.tar.gz"],
        },
    )

    assert listing["environments_dir"] == str(envs)
    assert [env["name"] for env in listing["environments"]] == ["first"]
    assert (found["default_backend"], listing["max_environments"]) == ("venv", 1)
    assert backends["uv"]["available"] is False
    assert backends["uv"]["reason"] == "Not allowed by the administrator."
    assert backends["venv"]["available"] is True
    assert (over_cap[0], over_cap[1]["reason"]) == (409, "limit")
    assert "limit of 1 environment" in over_cap[1]["message"]
    assert (uv[0], uv[1]["reason"]) == (400, "invalid-backend")
    assert (too_many[0], too_many[1]["reason"]) == (400, "invalid-package")
    # Allowed by the setting: past package checks, stopped by the cap.
    assert (url[0], url[1]["reason"]) == (409, "limit")
    assert sorted(p.name for p in envs.iterdir()) == ["first"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("allowed_backends", ["pip"]),
        ("default_packages", ["--index-url=https://evil.example"]),
        ("default_packages", ["./local"]),
        ("max_environments", -1),
        ("creation_timeout", 0),
    ],
)
def test_bad_settings_are_refused(setting, value):
    with pytest.raises(TraitError):
        KernelManagerConfig(**{setting: value})


def test_defaults(jp_environ, jp_data_dir):
    config = KernelManagerConfig()

    assert config.resolved_environments_dir() == str(jp_data_dir / "kernel-manager" / "envs")
    assert (config.allowed_backends, config.default_backend) == (
        ["uv", "venv", "conda"],
        "uv",
    )
    assert (config.default_packages, config.max_environments) == ([], 20)
    assert (config.creation_timeout, config.allow_url_requirements) == (900.0, False)
    assert config.max_packages_per_request == 50
    for name in (
        "environments_dir",
        "allowed_backends",
        "default_backend",
        "default_packages",
        "max_environments",
        "creation_timeout",
        "allow_url_requirements",
        "max_packages_per_request",
    ):
        trait = config.traits()[name]
        assert trait.metadata.get("config") is True and trait.help, name
