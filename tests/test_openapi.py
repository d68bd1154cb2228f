"""jupyterlab_kernel_manager/openapi.json says what the routes do: these tests hold it
to the code without a server (test_fuzz_api.py holds it to a running one).

- it is a valid OpenAPI 3.1 document, shipped in the package;
- its paths and verbs are exactly the routes handlers.py registers;
- each operation's ``x-jupyter-permissions`` are the ones its ``@requires`` checks;
- every refusal reason the logic can raise is documented under the status it maps
  to, and every documented reason is one the code raises;
- the patterns of names and display names accept exactly what the parsers accept,
  and what the requirement pattern accepts, the parser accepts.
"""

from __future__ import annotations

import ast
import importlib.resources
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

import jupyterlab_kernel_manager
from jupyterlab_kernel_manager import config, envdirs, handlers, kernelspecs, packages
from jupyterlab_kernel_manager.errors import HTTP_STATUS, BadRequest

REPO = Path(__file__).parents[1]
PACKAGE = REPO / "jupyterlab_kernel_manager"
DOCUMENT = json.loads((PACKAGE / "openapi.json").read_text(encoding="utf-8"))
SCHEMAS = DOCUMENT["components"]["schemas"]
VERBS = ("get", "post", "put", "patch", "delete")
# Reasons that jupyter_server gives, not our logic: a missing permission (authz.py)
# and an unauthenticated request (null).
# jupyter_server's and tornado's own: authz.requires, and handlers.prepare's 401.
SERVER_REASONS = {"Forbidden", "Unauthorized", None}

PROPERTY = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def operations():
    for path, item in DOCUMENT["paths"].items():
        for verb in VERBS:
            if verb in item:
                yield path, verb, item[verb]


def node_ref(ref: str) -> list[str]:
    assert ref.startswith("#/"), ref
    return ref[2:].split("/")


def deref(node: dict) -> dict:
    while "$ref" in node:
        target = DOCUMENT
        for part in node_ref(node["$ref"]):
            target = target[part]
        node = target
    return node


def documented_reasons(schema: dict) -> set:
    """The values an error schema allows for ``reason`` (enum or const, in allOf)."""
    schema = deref(schema)
    found = set()
    for part in schema.get("allOf", [schema]):
        reason = deref(part).get("properties", {}).get("reason", {})
        found.update(reason.get("enum", ()))
        if "const" in reason:
            found.add(reason["const"])
    return found


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENT["openapi"].startswith("3.1.")
    validate(DOCUMENT)


def test_the_document_is_shipped_in_the_package():
    shipped = importlib.resources.files(jupyterlab_kernel_manager) / "openapi.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == DOCUMENT
    package_json = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    assert DOCUMENT["info"]["version"] == package_json["version"]


def registered_routes() -> dict[str, type]:
    """Path as the document writes it -> handler class, from setup_handlers."""

    class App:
        def __init__(self) -> None:
            self.settings = {"base_url": "/"}

        def add_handlers(self, host, routes):
            self.routes = routes

    app = App()
    handlers.setup_handlers(app, None, None, None)
    templates = {}
    for path in DOCUMENT["paths"]:
        templates[re.sub(r"\{[^}]+\}", "([^/]+)", path)] = path
    found = {}
    for pattern, handler, _kwargs in app.routes:
        assert pattern in templates, f"{pattern} ({handler.__name__}) is not documented"
        found[templates[pattern]] = handler
    return found


def test_every_route_and_verb_is_documented_and_nothing_else():
    routes = registered_routes()
    in_code = {
        (path, verb) for path, handler in routes.items() for verb in VERBS if verb in vars(handler)
    }
    in_document = {(path, verb) for path, verb, _ in operations()}
    assert in_document == in_code


def test_every_operation_documents_its_switched_off_404():
    for path, verb, operation in operations():
        response = operation["responses"].get("404")
        assert response is not None, (path, verb)
        schema = deref(response)["content"]["application/json"]["schema"]
        assert "switched-off" in documented_reasons(schema), (path, verb)


def test_every_route_belongs_to_a_part_an_administrator_can_switch_off():
    parts = {path: part for path, _handler, part in handlers.ROUTES}
    assert set(parts.values()) == set(config.PARTS)
    for path, part in parts.items():
        first = path.split("/")[0]
        expected = "environments" if first in ("backends", "jobs", "shared-environments") else first
        assert part == expected, path


class FakeHandler:
    """What a permission callable reads of a request: its query."""

    def __init__(self, **query: str) -> None:
        self.query = query

    def get_query_argument(self, name, default=None, strip=True):
        value = self.query.get(name, default)
        return value.strip() if strip and value is not None else value


def checked_permissions(method, **query) -> set[tuple[str, str]]:
    pairs = set()
    for item in method.__km_permissions__:
        pairs.update(item(FakeHandler(**query)) if callable(item) else [item])
    return pairs


@pytest.mark.parametrize(("path", "verb", "operation"), list(operations()))
def test_the_documented_permissions_are_the_ones_the_route_checks(path, verb, operation):
    method = getattr(registered_routes()[path], verb)
    documented = operation["x-jupyter-permissions"]
    conditions = {entry["when"] for entry in documented if "when" in entry}
    assert conditions <= {"force=1"}, conditions
    for force in ("0", "1"):
        expected = {
            (entry["action"], entry["resource"])
            for entry in documented
            if entry.get("when") in (None, f"force={force}")
        }
        assert checked_permissions(method, force=force) == expected, force


def raised_reasons() -> dict[int, set[str]]:
    """Status -> the reasons of every KernelManagerError the package constructs."""
    names = {cls.__name__: status for cls, status in HTTP_STATUS.items()}
    found: dict[int, set[str]] = {status: set() for status in names.values()}
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in names:
                continue
            reason = next((k.value for k in node.keywords if k.arg == "reason"), None)
            if reason is None and len(node.args) > 1:
                reason = node.args[1]
            where = f"{source.name}:{node.lineno}"
            assert isinstance(reason, ast.Constant) and isinstance(reason.value, str), (
                f"{where}: the reason must be a literal"
            )
            found[names[name]].add(reason.value)
    return found


def test_every_reason_the_code_gives_is_documented_under_its_status():
    documented: dict[int, set] = {}
    for _path, _verb, operation in operations():
        for status, response in operation["responses"].items():
            response = deref(response)
            for media in response.get("content", {}).values():
                documented.setdefault(int(status), set()).update(
                    documented_reasons(media["schema"])
                )
    raised = raised_reasons()
    for status, reasons in raised.items():
        assert reasons <= documented.get(status, set()), (
            status,
            reasons - documented[status],
        )
    for status, reasons in documented.items():
        ours = reasons - SERVER_REASONS
        assert ours <= raised.get(status, set()), (
            status,
            ours - raised.get(status, set()),
        )
    # The one reason jupyter_server's side gives that we chose: authz.requires.
    assert 'reason="Forbidden"' in (PACKAGE / "authz.py").read_text(encoding="utf-8")


def component(name: str):
    return jsonschema_rs.validator_for(SCHEMAS[name])


def accepts(call, *args) -> bool:
    try:
        call(*args)
    except BadRequest:
        return False
    return True


NAME_ALPHABET = "Aa0._-/\\ \n\x00\u212a\u0130"
# ECMAScript's "$" (the document's regexes) ends the text; Python's also matches before
# a final newline: both are tried.
edge_text = st.one_of(
    st.text(max_size=70),
    st.text(st.sampled_from(NAME_ALPHABET), max_size=70),
    st.from_regex(r"[A-Za-z0-9._-]{1,70}", fullmatch=True).map(lambda s: s + "\n"),
)


@PROPERTY
@given(edge_text)
@example(".")
@example("..")
@example("a" * 255)
@example("a" * 256)
def test_the_kernelspec_name_schema_is_the_parser(name):
    assert component("KernelspecName").is_valid(name) == accepts(kernelspecs.validate_name, name)


@PROPERTY
@given(edge_text)
@example("a" * 64)
@example("a" * 65)
@example("\u212a")
def test_the_environment_name_schema_is_the_parser(name):
    assert component("EnvironmentName").is_valid(name) == accepts(envdirs.normalize_name, name)


# Not lone surrogates: JSON Schema validators work on Unicode scalar values.
display_text = st.text(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x7f\x85\x9f\xa0\u1680\u2028\u2029\u3000\ufeff"),
    ),
    max_size=300,
)


@PROPERTY
@given(display_text)
@example(" " * 300 + "a")
@example("a" * 256)
@example("a" * 257)
@example("\ufeffa")
def test_the_display_name_schema_is_the_parser(value):
    # The pattern spells out the default max_display_name_length, 256.
    assert component("DisplayName").is_valid(value) == accepts(
        kernelspecs.clean_display_name, value, 256
    )


@PROPERTY
@given(st.from_regex(SCHEMAS["Requirement"]["pattern"].replace("$", r"\Z")))
def test_what_the_requirement_schema_accepts_the_parser_accepts(text):
    if component("Requirement").is_valid(text):
        assert packages.check_requirement(text, allow_urls=False) is None
