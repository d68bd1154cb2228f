"""PATCH kernel-manager/kernelspecs/{name} as an edit: display name, env, extra
arguments, interrupt mode; validated, atomic, and seen by a real kernel at once."""

import asyncio
import json
import time
from pathlib import Path

import jsonschema_rs
import pytest
from helpers import PYTHON_ARGV, install_spec, run_in_kernel, snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jupyterlab_kernel_manager import kernelspec_edit
from jupyterlab_kernel_manager.errors import BadRequest

DOCUMENT = json.loads(
    (Path(__file__).parents[1] / "jupyterlab_kernel_manager" / "openapi.json").read_text(
        encoding="utf-8"
    )
)
EDIT_SCHEMA = DOCUMENT["components"]["schemas"]["EditKernelspec"]


def kernel_json(spec_dir: Path) -> dict:
    return json.loads((spec_dir / "kernel.json").read_text(encoding="utf-8"))


async def test_each_field_is_set_and_the_rest_is_kept(api, user_kernels):
    spec_dir = install_spec(user_kernels, "mine", metadata={"debugger": True}, custom=[1, 2])
    before = kernel_json(spec_dir)

    status, reply = await api("mine", method="PATCH", body={"display_name": " Mine "})
    assert (status, reply["display_name"]) == (200, "Mine")
    status, reply = await api("mine", method="PATCH", body={"env": {"OMP_NUM_THREADS": "2"}})
    assert (status, reply["env"]) == (200, {"OMP_NUM_THREADS": "2"})
    status, reply = await api(
        "mine", method="PATCH", body={"extra_arguments": ["--HistoryManager.enabled=False"]}
    )
    assert (status, reply["extra_arguments"]) == (200, ["--HistoryManager.enabled=False"])
    status, reply = await api("mine", method="PATCH", body={"interrupt_mode": "message"})
    assert (status, reply["interrupt_mode"]) == (200, "message")

    after = kernel_json(spec_dir)
    assert after == {
        **before,
        "display_name": "Mine",
        "env": {"OMP_NUM_THREADS": "2"},
        "argv": [*PYTHON_ARGV, "--HistoryManager.enabled=False"],
        "interrupt_mode": "message",
        "metadata": {"debugger": True, "kernel_manager": {"base_argv": PYTHON_ARGV}},
    }
    _, listing = await api()
    mine = listing["kernelspecs"]["mine"]
    assert (mine["env"], mine["extra_arguments"], mine["interrupt_mode"]) == (
        {"OMP_NUM_THREADS": "2"},
        ["--HistoryManager.enabled=False"],
        "message",
    )
    assert {k: mine[k] for k in mine if k in reply} == {
        k: reply[k] for k in reply if k != "display_name"
    }


async def test_the_listing_says_what_an_unedited_spec_has(api, user_kernels, system_kernels):
    install_spec(user_kernels, "plain")
    install_spec(system_kernels, "odd", env={"A": "1", "B": 2}, interrupt_mode="weird")

    _, listing = await api()

    plain, odd = listing["kernelspecs"]["plain"], listing["kernelspecs"]["odd"]
    assert (plain["env"], plain["extra_arguments"], plain["interrupt_mode"]) == ({}, [], "signal")
    # Only what can reach a kernel's environment; an unknown mode is jupyter_client's default.
    assert (odd["env"], odd["extra_arguments"], odd["interrupt_mode"]) == ({"A": "1"}, [], "signal")


async def test_extra_arguments_replace_each_other_and_keep_the_command(api, user_kernels):
    spec_dir = install_spec(user_kernels, "mine")

    for extra in (["--a=1", "--b"], ["--c"], ["--c", "--d=x y"]):
        status, reply = await api("mine", method="PATCH", body={"extra_arguments": extra})
        assert (status, reply["extra_arguments"]) == (200, extra)
        assert kernel_json(spec_dir)["argv"] == [*PYTHON_ARGV, *extra]

    for none in ([], None):
        status, reply = await api("mine", method="PATCH", body={"extra_arguments": none})
        assert (status, reply["extra_arguments"]) == (200, [])
        assert kernel_json(spec_dir)["argv"] == PYTHON_ARGV


async def test_a_hand_edited_argv_becomes_the_new_base(api, user_kernels):
    spec_dir = install_spec(user_kernels, "mine")
    await api("mine", method="PATCH", body={"extra_arguments": ["--old"]})
    spec = kernel_json(spec_dir)
    # The user rewrote argv by hand: the recorded base no longer starts it.
    spec["argv"] = ["/opt/other/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")

    _, listing = await api()
    status, _ = await api("mine", method="PATCH", body={"extra_arguments": ["--new"]})

    assert listing["kernelspecs"]["mine"]["extra_arguments"] == []
    assert status == 200
    assert kernel_json(spec_dir)["argv"] == [*spec["argv"], "--new"]
    assert kernel_json(spec_dir)["metadata"]["kernel_manager"]["base_argv"] == spec["argv"]


async def test_a_recorded_base_cannot_change_the_interpreter(api, user_kernels):
    # A base_argv that is not argv's start (edited by hand, or hostile) is ignored.
    metadata = {"kernel_manager": {"base_argv": ["/bin/sh", "-c", "evil"]}}
    spec_dir = install_spec(user_kernels, "mine", metadata=metadata)

    status, _ = await api("mine", method="PATCH", body={"extra_arguments": ["--x"]})

    assert status == 200
    assert kernel_json(spec_dir)["argv"] == [*PYTHON_ARGV, "--x"]


@pytest.mark.parametrize("empty", [None, {}])
async def test_env_null_or_empty_removes_it(api, user_kernels, empty):
    spec_dir = install_spec(user_kernels, "mine", env={"KEEP": "no"})

    status, reply = await api("mine", method="PATCH", body={"env": empty})

    assert (status, reply["env"]) == (200, {})
    assert "env" not in kernel_json(spec_dir)


async def test_every_field_at_once(api, user_kernels):
    spec_dir = install_spec(user_kernels, "mine")
    body = {
        "display_name": "All",
        "env": {"A_1": "x=y;z", "_B": "", "C": "line\nbreak \u00e9\U0001f600"},
        "extra_arguments": ["--IPKernelApp.matplotlib=inline"],
        "interrupt_mode": "signal",
    }

    status, reply = await api("mine", method="PATCH", body=body)

    assert status == 200, reply
    spec = kernel_json(spec_dir)
    assert (spec["display_name"], spec["env"], spec["interrupt_mode"]) == (
        "All",
        body["env"],
        "signal",
    )
    assert spec["argv"][-1] == "--IPKernelApp.matplotlib=inline"


REFUSED = [
    ({}, "invalid-body"),
    ({"argv": ["/bin/sh"]}, "invalid-body"),
    ({"env": {"A": "1"}, "metadata": {}}, "invalid-body"),
    ({"display_name": "ok", "resource_dir": "/tmp"}, "invalid-body"),
    ({"display_name": ""}, "invalid-display-name"),
    ({"env": []}, "invalid-env"),
    ({"env": "A=1"}, "invalid-env"),
    ({"env": {"1A": "x"}}, "invalid-env"),
    ({"env": {"A-B": "x"}}, "invalid-env"),
    ({"env": {"A B": "x"}}, "invalid-env"),
    ({"env": {"": "x"}}, "invalid-env"),
    ({"env": {"A=B": "x"}}, "invalid-env"),
    ({"env": {"\u00c9": "x"}}, "invalid-env"),
    ({"env": {"A" * 129: "x"}}, "invalid-env"),
    ({"env": {"A": 1}}, "invalid-env"),
    ({"env": {"A": None}}, "invalid-env"),
    ({"env": {"A": ["x"]}}, "invalid-env"),
    ({"env": {"A": "nul\x00"}}, "invalid-env"),
    ({"env": {"A": "x" * 4097}}, "invalid-env"),
    ({"env": {f"V{i}": "x" for i in range(65)}}, "invalid-env"),
    ({"extra_arguments": "--x"}, "invalid-extra-arguments"),
    ({"extra_arguments": {"a": 1}}, "invalid-extra-arguments"),
    ({"extra_arguments": [1]}, "invalid-extra-arguments"),
    ({"extra_arguments": [None]}, "invalid-extra-arguments"),
    ({"extra_arguments": [""]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["a\x00b"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["x" * 1025]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["--x"] * 65}, "invalid-extra-arguments"),
    ({"extra_arguments": ["{connection_file}"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["--dump={env}"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["-f"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["-f=/tmp/other.json"]}, "invalid-extra-arguments"),
    # argparse takes a short option's value glued to it: ipykernel reads /tmp/other.json.
    ({"extra_arguments": ["-f/tmp/other.json"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["-fother.json"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["--f=/tmp/other.json"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["--IPKernelApp.connection_file=/x"]}, "invalid-extra-arguments"),
    ({"extra_arguments": ["--connection_file"]}, "invalid-extra-arguments"),
    ({"interrupt_mode": "SIGNAL"}, "invalid-interrupt-mode"),
    ({"interrupt_mode": None}, "invalid-interrupt-mode"),
    ({"interrupt_mode": 2}, "invalid-interrupt-mode"),
    # A valid field beside a refused one: nothing is written.
    ({"display_name": "Fine", "env": {"OK": "1", "BAD NAME": "x"}}, "invalid-env"),
    ({"env": {"OK": "1"}, "extra_arguments": ["--x", "{key}"]}, "invalid-extra-arguments"),
    ({"display_name": "Fine", "interrupt_mode": "never"}, "invalid-interrupt-mode"),
]


@pytest.mark.parametrize(("body", "reason"), REFUSED)
async def test_refused_bodies_leave_kernel_json_byte_identical(api, user_kernels, body, reason):
    install_spec(user_kernels, "mine", env={"KEEP": "me"})
    before = snapshot(user_kernels)

    status, reply = await api("mine", method="PATCH", body=body)

    assert (status, reply["reason"]) == (400, reason), reply
    assert reply["message"]
    assert snapshot(user_kernels) == before


async def test_lone_surrogates_are_refused(api, user_kernels):
    install_spec(user_kernels, "mine")
    before = snapshot(user_kernels)

    # json.dumps writes them as \ud800 escapes, which json.loads gives back.
    for body, reason in (
        ({"env": {"A": "\ud800"}}, "invalid-env"),
        ({"extra_arguments": ["--x=\udfff"]}, "invalid-extra-arguments"),
    ):
        status, reply = await api("mine", method="PATCH", body=body)
        assert (status, reply["reason"]) == (400, reason)
    assert snapshot(user_kernels) == before


async def test_a_kernel_json_that_would_grow_past_its_limit_is_refused(api, user_kernels):
    # Nearly 1 MiB already: jupyter_client and this extension could no longer read it.
    spec_dir = install_spec(user_kernels, "big", padding="x" * (1024 * 1024 - 5000))
    before = snapshot(user_kernels)

    status, reply = await api(
        "big", method="PATCH", body={"env": {f"V{i}": "y" * 4096 for i in range(2)}}
    )

    assert (status, reply["reason"]) == (400, "too-large")
    assert snapshot(user_kernels) == before
    status, _ = await api("big", method="PATCH", body={"env": {"SMALL": "1"}})
    assert status == 200
    assert kernel_json(spec_dir)["env"] == {"SMALL": "1"}


@pytest.mark.parametrize(
    "argv", [[], "python -m ipykernel", [1, 2], ["", "-f", "{connection_file}"]]
)
async def test_extra_arguments_need_a_usable_argv(api, user_kernels, argv):
    install_spec(user_kernels, "odd", argv=argv)
    before = snapshot(user_kernels)

    status, reply = await api("odd", method="PATCH", body={"extra_arguments": ["--x"]})

    assert (status, reply["reason"]) == (409, "malformed")
    assert snapshot(user_kernels) == before
    # What does not need argv still works.
    status, _ = await api("odd", method="PATCH", body={"env": {"A": "1"}})
    assert status == 200


async def test_metadata_that_is_not_an_object_is_refused(api, user_kernels):
    install_spec(user_kernels, "odd", metadata=["not", "an", "object"])
    before = snapshot(user_kernels)

    status, reply = await api("odd", method="PATCH", body={"extra_arguments": ["--x"]})

    assert (status, reply["reason"]) == (409, "malformed")
    assert snapshot(user_kernels) == before


EDITS = [
    {"env": {"A": "1"}},
    {"extra_arguments": ["--x"]},
    {"interrupt_mode": "message"},
    {"display_name": "Hijacked", "env": {"LD_PRELOAD": "/tmp/x.so"}},
]


@pytest.mark.parametrize("body", EDITS)
@pytest.mark.parametrize("where", ["system", "sys-prefix"])
async def test_specs_that_are_not_the_users_are_refused(
    api, system_kernels, sys_prefix_kernels, body, where
):
    kernels = system_kernels if where == "system" else sys_prefix_kernels
    install_spec(kernels, "shared")
    before = snapshot(kernels)

    status, reply = await api("shared", method="PATCH", body=body)

    assert (status, reply["reason"]) == (403, "not-writable")
    assert snapshot(kernels) == before


@pytest.mark.parametrize("body", EDITS)
async def test_a_symlink_to_another_spec_is_refused(api, user_kernels, tmp_path, body):
    target = install_spec(tmp_path / "outside", "theirs")
    (user_kernels / "alias").symlink_to(target, target_is_directory=True)
    before = snapshot(target)

    status, reply = await api("alias", method="PATCH", body=body)

    assert (status, reply["reason"]) == (403, "not-writable")
    assert snapshot(target) == before


async def test_a_symlinked_kernel_json_is_replaced_not_written_through(api, user_kernels, tmp_path):
    outside = install_spec(tmp_path / "outside", "theirs") / "kernel.json"
    before = outside.read_bytes()
    spec_dir = user_kernels / "linked"
    spec_dir.mkdir()
    (spec_dir / "kernel.json").symlink_to(outside)

    status, reply = await api("linked", method="PATCH", body={"env": {"A": "1"}})

    assert status == 200, reply
    assert outside.read_bytes() == before
    assert not (spec_dir / "kernel.json").is_symlink()
    assert kernel_json(spec_dir)["env"] == {"A": "1"}


async def test_concurrent_edits_of_one_spec_both_hold(api, user_kernels, monkeypatch):
    """Each edit reads, changes and replaces kernel.json: two at once must not
    lose one (they run in threads; apply is slowed so that they overlap)."""
    spec_dir = install_spec(user_kernels, "busy")
    real = kernelspec_edit.apply

    def slow(spec, changes):
        time.sleep(0.3)
        return real(spec, changes)

    monkeypatch.setattr(kernelspec_edit, "apply", slow)

    replies = await asyncio.gather(
        api("busy", method="PATCH", body={"display_name": "Renamed"}),
        api("busy", method="PATCH", body={"env": {"A": "1"}}),
        api("busy", method="PATCH", body={"extra_arguments": ["--x"]}),
    )

    assert [status for status, _ in replies] == [200, 200, 200], replies
    spec = kernel_json(spec_dir)
    assert spec["display_name"] == "Renamed"
    assert spec["env"] == {"A": "1"}
    assert spec["argv"][-1] == "--x"


async def test_a_kernel_json_replaced_during_the_edit_is_kept(api, user_kernels, monkeypatch):
    """A hand edit (or another program) that replaces kernel.json while an edit
    runs is not undone by it: the edit is refused and writes nothing."""
    spec_dir = install_spec(user_kernels, "raced")
    real = kernelspec_edit.apply

    def replaced_meanwhile(spec, changes):
        by_hand = {**spec, "display_name": "By hand"}
        (spec_dir / "kernel.json").write_text(json.dumps(by_hand), encoding="utf-8")
        return real(spec, changes)

    monkeypatch.setattr(kernelspec_edit, "apply", replaced_meanwhile)
    status, reply = await api("raced", method="PATCH", body={"env": {"A": "1"}})

    assert (status, reply["reason"]) == (409, "changed"), reply
    assert kernel_json(spec_dir)["display_name"] == "By hand"
    assert "env" not in kernel_json(spec_dir)


class TestProtected:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        return {**jp_server_config, "KernelManagerConfig": {"protected_kernelspecs": ["Guarded"]}}

    @pytest.mark.parametrize("body", EDITS)
    async def test_protected_specs_are_refused(self, api, user_kernels, body):
        install_spec(user_kernels, "guarded")
        before = snapshot(user_kernels)

        status, reply = await api("guarded", method="PATCH", body=body)

        assert (status, reply["reason"]) == (403, "protected")
        assert snapshot(user_kernels) == before


async def test_a_kernel_of_an_edited_spec_sees_its_env_and_argument(
    api, jp_fetch, jp_serverapp, user_kernels
):
    install_spec(user_kernels, "edited", env={"OLD": "gone"})
    status, reply = await api(
        "edited",
        method="PATCH",
        body={
            "display_name": "Edited kernel",
            "env": {"OMP_NUM_THREADS": "3", "KM_EDIT_MARK": "caf\u00e9 \u2713"},
            "extra_arguments": ["--HistoryManager.enabled=False"],
        },
    )
    assert status == 200, reply

    # What the launcher reads, at once.
    specs = json.loads((await jp_fetch("api", "kernelspecs")).body)["kernelspecs"]
    spec = specs["edited"]["spec"]
    assert spec["display_name"] == "Edited kernel"
    assert spec["env"] == {"OMP_NUM_THREADS": "3", "KM_EDIT_MARK": "caf\u00e9 \u2713"}

    started = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "edited"}))
    kernel_id = json.loads(started.body)["id"]
    try:
        code = (
            "import os, sys\n"
            "print(os.environ.get('OMP_NUM_THREADS'), repr(os.environ.get('KM_EDIT_MARK')),"
            " os.environ.get('OLD'))\n"
            "print(get_ipython().history_manager.enabled, sys.argv[-1])\n"
        )
        out, result = await run_in_kernel(jp_serverapp, kernel_id, code)
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
    assert result["status"] == "ok", out
    assert out.splitlines() == [
        "3 'caf\u00e9 \u2713' None",
        "False --HistoryManager.enabled=False",
    ]


# The request schema of openapi.json says exactly what the parser accepts.
PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ARGUMENT_ALPHABET = "-f=.{}_aZ0 \n\x00connection_file"


def property_schema(name: str):
    return jsonschema_rs.validator_for(EDIT_SCHEMA["properties"][name])


def accepts(body) -> bool:
    try:
        kernelspec_edit.parse_body(body, str)
    except BadRequest:
        return False
    return True


@PROPERTY
@given(
    st.one_of(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
        st.text(st.sampled_from(ARGUMENT_ALPHABET), max_size=40),
        st.sampled_from(["-f", "--f", "-f=x", "--f=x", "--a.connection_file", "{env}", "-fx"]),
    )
)
@example("x" * 1024)
@example("x" * 1025)
@example("--IPKernelApp.connection_file=\n")
@example("-f=\n")
@example("-f/tmp/x.json")
def test_the_argument_schema_is_the_parser(argument):
    assert property_schema("extra_arguments").is_valid([argument]) == accepts(
        {"extra_arguments": [argument]}
    )


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=10),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,130}", fullmatch=True),
        st.from_regex(r"[A-Za-z_]\w*", fullmatch=True).map(lambda s: s + "\n"),
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)
@example("A" * 128, "x" * 4096)
@example("A" * 129, "x")
@example("A", "x" * 4097)
def test_the_env_schema_is_the_parser(name, value):
    assert property_schema("env").is_valid({name: value}) == accepts({"env": {name: value}})


def test_the_schema_bounds_are_the_parsers():
    env = EDIT_SCHEMA["properties"]["env"]
    arguments = EDIT_SCHEMA["properties"]["extra_arguments"]
    assert env["maxProperties"] == kernelspec_edit.MAX_ENV_VARIABLES
    assert env["additionalProperties"]["maxLength"] == kernelspec_edit.MAX_ENV_VALUE_LENGTH
    assert arguments["maxItems"] == kernelspec_edit.MAX_EXTRA_ARGUMENTS
    assert arguments["items"]["maxLength"] == kernelspec_edit.MAX_ARGUMENT_LENGTH
    assert EDIT_SCHEMA["properties"]["interrupt_mode"]["enum"] == list(
        kernelspec_edit.INTERRUPT_MODES
    )
    assert set(EDIT_SCHEMA["properties"]) == kernelspec_edit.EDIT_KEYS
