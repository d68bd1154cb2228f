"""Property tests of the parsers that stand between a request and the logic.

For any input each parser either gives a value that keeps the invariants its caller
relies on (a name stays inside its directory, a display name is one line, a
requirement reaches the installer as the exact text that was checked...) or raises
``BadRequest``; never anything else, which the route would answer with a 500.

Examples are derandomized (the same ones on every run) and no example database is
kept, so a run neither flakes nor writes anything.
"""

from __future__ import annotations

import json
import os
import string
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from jupyterlab_kernel_manager import envdirs, kernelspecs, packages, processes
from jupyterlab_kernel_manager.errors import BadRequest
from jupyterlab_kernel_manager.inputs import (
    MAX_BODY_BYTES,
    MAX_EPOCH,
    MAX_JSON_DEPTH,
    MAX_SINCE,
    parse_epoch,
    parse_flag,
    parse_json_object,
    parse_since,
)

PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ROOT = "/srv/kernels"

# Every code point, lone surrogates included: JSON bodies can carry them ("\ud800").
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=80)
# Characters that sit at the edges of the rules: separators, dots, controls, look-alikes
# (the Kelvin sign lower-cases to ASCII "k"), full-width and non-ASCII digits.
TRICKY = "./\\\x00\n\r\t \u00a0\u2028\u2029\u0085\u212a\u0130\uff21\u0661\u00b2-_:;@$%[]"
tricky_text = st.text(
    st.one_of(st.sampled_from(TRICKY), st.sampled_from(string.ascii_letters + string.digits)),
    max_size=80,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
anything = st.one_of(any_text, tricky_text, json_values, st.binary(max_size=20))


def refused(call, *args, reason: str, **kwargs) -> BadRequest | None:
    """The BadRequest ``call`` raised (checking its reason), or None if it returned."""
    try:
        call(*args, **kwargs)
    except BadRequest as error:
        assert error.reason == reason, error.reason
        assert isinstance(error.message, str) and error.message
        return error
    return None


def stays_in(root: str, name: str) -> bool:
    """Whether ``root/name`` is an entry of ``root`` itself (no traversal)."""
    path = os.path.join(root, name)
    return os.path.dirname(path) == root and os.path.normpath(path) == path


# --- names ---------------------------------------------------------------------------

NAME_ALPHABET = string.ascii_letters + string.digits + "._-"
name_like = st.text(st.sampled_from(NAME_ALPHABET), min_size=1, max_size=300)


@PROPERTY
@given(st.one_of(name_like, tricky_text, anything))
@example(".")
@example("..")
@example("\u212a")  # KELVIN SIGN: "\u212a".lower() == "k"
@example("a" * 64)
@example("a" * 65)
def test_environment_names_are_safe_directory_and_kernelspec_names(value):
    try:
        name = envdirs.normalize_name(value)
    except BadRequest as error:
        assert error.reason == "invalid-name"
        return
    assert isinstance(value, str) and name == value.lower()
    assert 1 <= len(name) <= 64 and name.isascii() and name == name.lower()
    # Never hidden (our claim markers start with "."), never an option to ipykernel.
    assert name[0] not in ".-"
    assert stays_in(ROOT, name)
    # An environment's name is also its kernelspec's name.
    kernelspecs.validate_name(name)
    assert envdirs.normalize_name(name) == name
    assert envdirs.normalize_name(value.swapcase()) == name


@PROPERTY
@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", fullmatch=True))
def test_every_documented_environment_name_is_accepted(value):
    assert envdirs.normalize_name(value) == value.lower()


@PROPERTY
@given(st.one_of(name_like, tricky_text, any_text))
@example(".")
@example("..")
@example("...")
@example("a" * 255)
@example("a" * 256)
def test_kernelspec_names_stay_in_the_kernels_directory(name):
    if refused(kernelspecs.validate_name, name, reason="invalid-name"):
        return
    assert stays_in(ROOT, name)
    assert 1 <= len(name) <= 255 and name.isascii() and name.isprintable()
    # Jupyter lists names lower-cased: the listed name must be accepted too.
    kernelspecs.validate_name(name.lower())


# --- display names --------------------------------------------------------------------

FORBIDDEN = {"Cc", "Zl", "Zp"}
display_like = st.text(
    st.one_of(
        any_char,
        st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x7f\x85\xa0\u1680\u2028\u2029\u202f\u3000"),
    ),
    max_size=300,
)


@PROPERTY
@given(st.one_of(display_like, anything), st.integers(1, 300))
@example(" \n Python (x)\t", 256)
@example("a\u2028b", 256)
@example("\x1c", 256)
def test_display_names_are_stored_stripped_on_one_line(value, max_length):
    try:
        cleaned = kernelspecs.clean_display_name(value, max_length)
    except BadRequest as error:
        assert error.reason == "invalid-display-name"
        return
    assert isinstance(value, str) and cleaned == value.strip()
    assert 1 <= len(cleaned) <= max_length
    assert not any(unicodedata.category(char) in FORBIDDEN for char in cleaned)
    # One line of text for the launcher, whatever splits lines.
    assert cleaned.splitlines() == [cleaned]
    # kernel.json is JSON: what is written is read back.
    assert json.loads(json.dumps(cleaned)) == cleaned
    assert kernelspecs.clean_display_name(cleaned, max_length) == cleaned
    assert kernelspecs.clean_display_name(value, max_length + 1) == cleaned


# --- package requirements ---------------------------------------------------------

spaces = st.sampled_from(["", " ", "  ", "\t"])
pkg_names = st.one_of(
    st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,12}[A-Za-z0-9])?", fullmatch=True),
    st.sampled_from(
        [
            "ipykernel",
            "numpy",
            "a.whl",
            "x.tar.gz",
            "y.tar.zst",
            "req.txt",
            "-e",
            "a..b",
        ]
    ),
)
versions = st.one_of(
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True),
    st.sampled_from(["1.0a1", "1!2.0", "1.0.post1.dev2", "1.0+local.7", "1.*", "1.0.*", "01"]),
)
specifier = st.builds(
    lambda op, sp, version: f"{op}{sp}{version}",
    st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "==="]),
    spaces,
    versions,
)
markers = st.sampled_from(
    [
        'python_version >= "3.8"',
        "sys_platform == 'linux' and extra == \"x\"",
        '(os_name == "posix" or os_name == "nt") and python_version < "4"',
        "platform_release >= '5'",
        'python_version >= "3" and ' * 40 + 'python_version >= "3"',
    ]
)
urls = st.sampled_from(
    [
        "https://example.org/pkg-1.0-py3-none-any.whl",
        "git+https://example.org/repo.git@v1#egg=pkg",
        "git+https://example.org/repo.git@-x",
        "HTTPS://EXAMPLE.ORG/pkg.tar.gz",
        "https://example.org/a/../../srv/pkg.whl",
        "https://example.org/${HOME}/pkg.whl",
        "https://example.org/pkg.whl#subdirectory=../x",
        "https://example.org/pkg.whl#sha256=00&egg=pkg",
        "http://example.org/pkg.whl",
        "file:///etc/passwd",
        "../pkg.whl",
        "https:///pkg.whl",
        "https://exa mple.org/x",
    ]
)
requirements = st.builds(
    lambda lead, name, extras, specs, url, marker, trail: (
        lead
        + name
        + (f"[{','.join(extras)}]" if extras is not None else "")
        + (f" @ {url} " if url else ",".join(specs))
        + (f";{marker}" if marker else "")
        + trail
    ),
    st.sampled_from(["", " ", "\n", "\u2003"]),
    pkg_names,
    st.none() | st.lists(pkg_names, max_size=2),
    st.lists(specifier, max_size=2),
    st.none() | urls,
    st.none() | markers,
    st.sampled_from(["", " ", "\t\n", "\u00a0"]),
)
requirement_items = st.one_of(requirements, tricky_text, anything)


def checked(item: object, allow_urls: bool) -> str | None:
    """The text the installer would get for ``item``, or None if it is refused."""
    why = packages.check_requirement(item, allow_urls=allow_urls)
    try:
        [text] = packages.parse_requirements(
            [item], allow_urls=allow_urls, max_count=1, required=True
        )
    except BadRequest as error:
        assert error.reason == "invalid-package" and error.message == why
        return None
    assert why is None
    return text


# Suffixes that make pip or uv read a bare name as a file.
ARCHIVES = (".whl", ".zip", ".tar", ".tgz", ".tbz", ".txz", ".tlz", ".egg")


@PROPERTY
@given(requirement_items, st.booleans())
@example("a" + " " * 998 + "b", False)
# 986 characters whose canonical form (spaces around each operator) has 1,073.
@example("a;" + "python_version>'3' and " * 42 + "python_version>'3'", False)
def test_an_accepted_requirement_is_passed_on_exactly_as_checked(item, allow_urls):
    text = checked(item, allow_urls)
    if text is None:
        return
    assert isinstance(item, str)
    # What the installer gets is packaging's canonical form, and checking it again
    # (or the same request with other surrounding whitespace) gives it back unchanged.
    requirement = Requirement(text)
    assert str(requirement) == text
    assert checked(text, allow_urls) == text
    assert checked(f" {item}\n", allow_urls) == text
    # Only requirements reach the installer: never an option, nor a path or a file.
    assert text.isascii() and text.isprintable() and not text.startswith("-")
    name = requirement.name.lower()
    assert not name.endswith(ARCHIVES) and ".tar." not in name
    if requirement.url is None:
        before_markers = text.split(";", 1)[0]
        assert "/" not in before_markers and "\\" not in before_markers
    else:
        url = requirement.url
        assert allow_urls
        assert url.startswith(("https://", "git+https://"))
        assert "\\" not in url and "${" not in url
        assert not {".", ".."} & set(url.split("#")[0].split("/")[3:])
    # Allowing URLs never changes the verdict on a requirement without one.
    if not allow_urls:
        assert checked(item, True) == text


@PROPERTY
@given(
    st.one_of(st.lists(requirement_items, max_size=6), anything),
    st.booleans(),
    st.integers(1, 5),
    st.booleans(),
)
def test_a_package_list_is_refused_whole_or_passed_on_item_by_item(
    items, allow_urls, max_count, required
):
    try:
        result = packages.parse_requirements(
            items, allow_urls=allow_urls, max_count=max_count, required=required
        )
    except BadRequest as error:
        assert error.reason == "invalid-package"
        return
    assert isinstance(items, list) and len(result) == len(items) <= max_count
    assert not required or result
    for item, text in zip(items, result):
        assert checked(item, allow_urls) == text


# --- process ids, log indexes and flags ---------------------------------------------

digits = st.text(st.sampled_from(string.digits), min_size=1, max_size=20)
long_digits = st.integers(4_000, 6_000).map(lambda n: "9" * n)
number_like = st.one_of(
    digits,
    long_digits,
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", " 1", "1 ", "+1", "1.0", "0x1", "1e3", "\u0661", "\u00b2", "\uff11"]),
    tricky_text,
    any_text,
)


@PROPERTY
@given(number_like)
@example("9" * 5000)
@example(str(processes.MAX_PID))
@example(str(processes.MAX_PID + 1))
def test_a_process_id_is_a_positive_c_int(text):
    try:
        pid = processes.parse_pid(text)
    except BadRequest as error:
        assert error.reason == "invalid-pid"
        return
    assert 1 <= pid <= processes.MAX_PID
    assert text.isascii() and text.isdigit() and int(text) == pid
    assert processes.parse_pid(str(pid)) == pid


@PROPERTY
@given(number_like)
@example("9" * 5000)
@example(str(MAX_SINCE))
@example(str(MAX_SINCE + 1))
@example("0" * 16)
def test_a_log_index_is_a_bounded_whole_number(text):
    try:
        since = parse_since(text)
    except BadRequest as error:
        assert error.reason == "invalid-since"
        return
    assert 0 <= since <= MAX_SINCE
    assert text.isascii() and text.isdigit() and int(text) == since
    assert parse_since(str(since)) == since


@PROPERTY
@given(st.one_of(number_like, st.floats().map(repr), st.floats().map(str)))
@example("9" * 5000)
@example("1e400")
@example("nan")
@example("-0.0")
@example("1_000")
@example(str(MAX_EPOCH + 1))
def test_an_epoch_since_is_a_finite_bounded_number(text):
    try:
        since = parse_epoch(text)
    except BadRequest as error:
        assert error.reason == "invalid-since"
        return
    assert 0 <= since <= MAX_EPOCH
    assert text.isascii() and float(text) == since


@PROPERTY
@given(st.floats(0, MAX_EPOCH))
def test_every_epoch_since_round_trips(since):
    assert parse_epoch(repr(since)) == since
    assert parse_epoch(str(since)) == since


@PROPERTY
@given(st.integers(0, MAX_SINCE))
def test_every_log_index_round_trips(since):
    assert parse_since(str(since)) == since


@PROPERTY
@given(st.integers(1, processes.MAX_PID))
def test_every_process_id_round_trips(pid):
    assert processes.parse_pid(str(pid)) == pid


@PROPERTY
@given(
    st.sampled_from(["force", "all_users"]),
    st.one_of(st.sampled_from(["0", "1"]), number_like),
)
def test_a_flag_is_exactly_0_or_1(name, text):
    error = refused(parse_flag, name, text, reason="invalid-query")
    if error is not None:
        assert text not in ("0", "1") and name in error.message
        return
    assert parse_flag(name, text) is (text == "1")


# --- JSON bodies -----------------------------------------------------------------


def depth(value) -> int:
    """How deep arrays and objects nest: ``{}`` is 1, ``{"a": []}`` is 2."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def nested(levels: int, innermost: str = "1") -> str:
    return "[" * levels + innermost + "]" * levels


# JSON as RFC 8259 allows (UTF-8) and as json.loads also reads it (UTF-16 and -32).
ENCODINGS = ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]
json_bodies = st.one_of(
    st.builds(
        lambda value, encoding: json.dumps(value, ensure_ascii=False).encode(
            encoding, "surrogatepass"
        ),
        st.dictionaries(any_text, json_values, max_size=4) | json_values,
        st.sampled_from(ENCODINGS),
    ),
    st.builds(
        lambda levels, text, encoding: (
            json.dumps({"a": text}, ensure_ascii=False)[:-1]
            .__add__(f', "b": {nested(levels)}}}')
            .encode(encoding)
        ),
        st.integers(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 4),
        st.text(st.sampled_from('ab"\\\u225b\u5c22\u2222'), max_size=6),
        st.sampled_from(ENCODINGS),
    ),
    st.integers(1, 100_000).map(lambda n: nested(n).encode()),
    st.integers(MAX_BODY_BYTES - 20, MAX_BODY_BYTES + 20).map(
        lambda size: b'{"a": "' + b"x" * max(0, size - 9) + b'"}'
    ),
    st.binary(max_size=200),
)


@PROPERTY
@given(json_bodies)
@example(b"")
@example(b"NaN")
@example(b'{"a": NaN}')
def test_a_body_is_a_bounded_json_object_or_a_400(body):
    try:
        value = parse_json_object(body)
    except BadRequest as error:
        assert error.reason in ("too-large", "too-deep", "invalid-json", "invalid-body")
        return
    assert isinstance(value, dict)
    assert len(body) <= MAX_BODY_BYTES
    assert depth(value) <= MAX_JSON_DEPTH
    # NaN != NaN: compare what the values print as.
    assert json.dumps(value, sort_keys=True) == json.dumps(json.loads(body), sort_keys=True)


@pytest.mark.parametrize("levels", [1, MAX_JSON_DEPTH])
def test_a_body_as_deep_as_allowed_is_accepted(levels):
    body = ('{"a": ' + nested(levels - 1, "1") + "}").encode()
    assert depth(parse_json_object(body)) == levels


def test_a_body_one_level_too_deep_is_refused():
    body = ('{"a": ' + nested(MAX_JSON_DEPTH, "1") + "}").encode()
    assert refused(parse_json_object, body, reason="too-deep")
