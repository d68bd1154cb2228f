"""Kernelspec routes against hostile files and bodies: a user's own kernels directory
may hold anything (FIFOs, devices, huge or deeply nested files, symlinks)."""

import asyncio
import json
import os

import pytest
from helpers import PYTHON_ARGV, UNUSABLE_PATH_FIELDS, install_spec, snapshot

DEEP = "[" * 100_000


async def test_a_huge_sparse_kernel_json_is_listed_as_unreadable(api, user_kernels):
    install_spec(user_kernels, "fine")
    huge = user_kernels / "huge"
    huge.mkdir()
    # Sparse: no disk used, but 20 GiB to whoever reads it whole.
    (huge / "kernel.json").touch()
    os.truncate(huge / "kernel.json", 20 * 1024**3)

    status, listing = await api()

    assert status == 200, listing
    specs = listing["kernelspecs"]
    assert specs["fine"]["error"] is None
    assert "larger than 1 MiB" in specs["huge"]["error"]
    assert specs["huge"]["interpreter"] is None

    status, reply = await api("huge", method="PATCH", body={"display_name": "x"})
    assert (status, reply["reason"]) == (409, "malformed")


async def test_a_deeply_nested_kernel_json_is_listed_as_unreadable(api, user_kernels):
    deep = user_kernels / "deep"
    deep.mkdir()
    (deep / "kernel.json").write_text(DEEP)

    status, listing = await api()

    assert status == 200, listing
    assert "nested too deeply" in listing["kernelspecs"]["deep"]["error"]

    status, reply = await api("deep", method="PATCH", body={"display_name": "x"})
    assert (status, reply["reason"]) == (409, "malformed")
    status, reply = await api("deep", method="DELETE")
    assert status == 204, reply
    assert not deep.exists()


@pytest.mark.parametrize("fields", UNUSABLE_PATH_FIELDS)
async def test_paths_no_file_system_takes_are_no_environment(api, user_kernels, fields):
    spec_dir = user_kernels / "odd"
    spec_dir.mkdir()
    spec = {"argv": PYTHON_ARGV, "display_name": "odd", "language": "python", **fields}
    # ensure_ascii: a lone surrogate is written as its \ud800 escape.
    (spec_dir / "kernel.json").write_text(json.dumps(spec))

    status, listing = await api()

    assert status == 200, listing
    described = listing["kernelspecs"]["odd"]
    assert described["environment"] is None
    assert described["source"] == "user"


@pytest.mark.parametrize(
    "display_name",
    ["a\ud800b", "\udfff", "evil\u202ecod.exe", "a\u2066b", "x\u200fy", "x\u061cy"],
)
async def test_display_names_with_surrogates_or_bidi_controls_are_refused(
    api, user_kernels, display_name
):
    install_spec(user_kernels, "mine")
    before = snapshot(user_kernels)

    # A JSON body may carry a lone surrogate as an escape; json.dumps writes one.
    status, reply = await api("mine", method="PATCH", body={"display_name": display_name})

    assert (status, reply["reason"]) == (400, "invalid-display-name")
    assert snapshot(user_kernels) == before


async def test_renaming_while_removing_never_fails_on_the_server(api, user_kernels):
    for round_ in range(50):
        spec_dir = install_spec(user_kernels, "raced")

        renamed, removed = await asyncio.gather(
            api("raced", method="PATCH", body={"display_name": f"Round {round_}"}),
            api("raced", method="DELETE"),
        )

        assert renamed[0] < 500, (round_, renamed)
        assert removed[0] < 500, (round_, removed)
        if spec_dir.exists():
            # The removal lost (409) and the spec stays whole, with no temporary file.
            assert sorted(p.name for p in spec_dir.iterdir()) == ["kernel.json"]
            json.loads((spec_dir / "kernel.json").read_text())
            status, reply = await api("raced", method="DELETE")
            assert status == 204, reply
    assert not (user_kernels / "raced").exists()


async def test_a_symlinked_trash_refuses_the_removal(api, user_kernels, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec_dir = install_spec(user_kernels, "mine")
    (user_kernels / ".kernel-manager-trash").symlink_to(elsewhere)
    before = snapshot(spec_dir)

    status, reply = await api("mine", method="DELETE")

    assert (status, reply["reason"]) == (409, "not-removable")
    assert snapshot(spec_dir) == before
    assert list(elsewhere.iterdir()) == []


async def test_a_trash_that_is_a_file_refuses_the_removal(api, user_kernels):
    spec_dir = install_spec(user_kernels, "mine")
    (user_kernels / ".kernel-manager-trash").write_text("not a directory")

    status, reply = await api("mine", method="DELETE")

    assert (status, reply["reason"]) == (409, "not-removable")
    assert (spec_dir / "kernel.json").is_file()


async def test_the_trash_is_made_private(api, user_kernels):
    install_spec(user_kernels, "mine")

    status, _ = await api("mine", method="DELETE")

    assert status == 204
    trash = user_kernels / ".kernel-manager-trash"
    assert trash.is_dir() and not trash.is_symlink()
    assert trash.stat().st_mode & 0o777 == 0o700 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
