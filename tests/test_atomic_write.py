"""A rename that fails half-way leaves kernel.json as it was and no temp file behind."""

import json
import os

import pytest
from helpers import install_spec

from jupyterlab_kernel_manager import kernelspecs
from jupyterlab_kernel_manager.errors import Conflict


def fail_mid_dump(_obj, fp, **_kwargs):
    fp.write('{"argv": [')
    raise OSError("disk full")


def fail_replace(_src, _dst):
    raise OSError("replace failed")


@pytest.mark.parametrize(
    ("target", "failure"), [("json.dump", fail_mid_dump), ("os.replace", fail_replace)]
)
def test_failed_rename_keeps_the_original(user_kernels, monkeypatch, target, failure):
    spec_dir = install_spec(user_kernels, "mine", env={"KEEP": "me"})
    original = (spec_dir / "kernel.json").read_bytes()
    module, attribute = target.split(".")
    monkeypatch.setattr(getattr(kernelspecs, module), attribute, failure)

    # Refused as a 409 the user can read, the file as it was.
    with pytest.raises(Conflict, match=r"disk full|replace failed"):
        kernelspecs.rename_kernelspec({"mine": str(spec_dir)}, "mine", {"display_name": "New name"})

    assert (spec_dir / "kernel.json").read_bytes() == original
    assert os.listdir(spec_dir) == ["kernel.json"]


def test_rename_without_failure_writes_the_new_name(user_kernels):
    spec_dir = install_spec(user_kernels, "mine")

    kernelspecs.rename_kernelspec({"mine": str(spec_dir)}, "mine", {"display_name": "New name"})

    assert json.loads((spec_dir / "kernel.json").read_text())["display_name"] == "New name"
