"""Users' requirement files (requirements.txt, pylock.toml, environment.yml,
pyproject.toml), read into checked requirements with the line of each.

The client sends the file's text in the request body (no path reaches the
server). Every requirement goes through ``packages.normalize_requirement``, the
check every package request passes; a file with any refused line is refused
whole (``InvalidFile``: each refused line with its number, at most
``MAX_PROBLEMS``) before anything runs.

- requirements.txt: one requirement a line, ``#`` comments, ``\\`` continuations.
  Options of any kind (``-r``, ``-e``, ``--index-url``, ``--hash``...) are
  refused: they change where packages come from, or read other files.
- pylock.toml (PEP 751): each ``[[packages]]`` entry becomes ``name==version``
  (with its ``marker``), installed from the server's configured index. Entries
  from a directory, a VCS, an archive or a local wheel/sdist ``path`` are
  refused: a pin from the index would not be what was locked.
- environment.yml: read with PyYAML's safe composer (jupyter_server requires
  PyYAML through jupyter_events), for its line numbers; anchors, aliases,
  tags and nesting deeper than ``MAX_YAML_DEPTH`` are refused from the event
  stream, before anything is composed (PyYAML composes recursively, and its
  pure-Python parser takes a millisecond a level: a 256 KiB body of ``[``
  held the server's event loop for minutes). ``python=X.Y`` chooses the Python; ``pip`` and ``ipykernel``
  are always installed; the ``pip:`` list is requirements. Other
  dependencies are conda specs: for the conda backend they go to ``conda
  create`` (strict spec and channel syntax: no URLs, no paths); for uv and
  venv a plain ``name=version`` or ``name==version`` becomes a pin, anything
  else (a build string, a wildcard) is refused.
- pyproject.toml: ``[project].dependencies`` only; optional dependencies and
  dependency groups are left out (said in the reply), dynamic ones refused.

An empty file (whitespace, after an optional byte order mark) asks for nothing,
whatever its format. TOML nested past Python's recursion limit is refused.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from dataclasses import dataclass, field
from typing import Any

# Installed with jupyter_server (through jupyter_events); untyped.
import yaml  # type: ignore[import-untyped]

from .errors import BadRequest
from .packages import looks_like_file, normalize_requirement

FORMATS = ("requirements.txt", "pylock.toml", "environment.yml", "pyproject.toml")
MAX_PROBLEMS = 20
# A frozen environment holds many more packages than one request names.
MAX_FILE_PACKAGES = 2000
MAX_CHANNELS = 10
# root mapping > dependencies > {pip: [...]} > its list: 4 levels.
MAX_YAML_DEPTH = 8
FILE_KEYS = frozenset({"format", "content"})
# conda match specs we pass on: a name, then an optional version (and build).
_CONDA_SPEC = re.compile(
    r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(?:[=<>!~]{1,2}[A-Za-z0-9.*+_!,<>=|-]{1,100})?"
)
_CONDA_CHANNEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PLAIN_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*={1,2}\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)")
_PYTHON_SPEC = re.compile(r"python\s*={1,2}\s*(3\.\d+)(?:\.[0-9*]+)?(?:=\S+)?")
_TOO_DEEP = (1, "the file nests too deeply")
# Installed in every environment whatever the file says.
_ALWAYS = frozenset({"pip", "ipykernel"})


class InvalidFile(BadRequest):
    """A file with refused lines: ``problems`` holds ``{"line", "message"}`` each."""

    def __init__(self, kind: str, problems: list[tuple[int, str]]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        first = shown[0][1].rstrip(".") if shown else "refused"
        if shown and shown[0][0]:
            first = f"line {shown[0][0]}: {first}"
        extra = f" (and {len(problems) - 1} more refused lines)" if len(problems) > 1 else ""
        super().__init__(f"The {kind} file is refused: {first}{extra}.", "invalid-file")
        self.problems = [{"line": line, "message": message} for line, message in shown]
        if more:
            self.problems.append({"line": 0, "message": f"{more} more refused lines not shown"})


@dataclass
class ParsedFile:
    """What a file asks for, checked."""

    format: str
    packages: list[str] = field(default_factory=list)
    python: str | None = None
    conda_specs: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def parse_body(value: object, *, allow_urls: bool, conda: bool) -> ParsedFile:
    """``{"format", "content"}`` of a creation request, or ``BadRequest``."""
    if not isinstance(value, dict) or set(value) != FILE_KEYS:
        raise BadRequest(
            'requirements_file must be exactly {"format": ..., "content": ...}.', "invalid-body"
        )
    kind, content = value["format"], value["content"]
    if kind not in FORMATS:
        raise BadRequest(f"The file format must be one of {', '.join(FORMATS)}.", "invalid-file")
    if not isinstance(content, str) or "\x00" in content:
        raise BadRequest("The file's content must be text.", "invalid-file")
    # A byte order mark (Windows editors write one; pip skips it).
    content = content.removeprefix("\ufeff")
    parsed = ParsedFile(kind)
    if not content.strip():
        return parsed
    problems: list[tuple[int, str]] = []
    reader = _READERS[kind]
    for line, text in reader(content, parsed, problems, conda):
        requirement, why = normalize_requirement(text, allow_urls=allow_urls)
        if why is not None:
            problems.append((line, why))
        elif requirement is not None:
            parsed.packages.append(requirement)
    if len(parsed.packages) + len(parsed.conda_specs) > MAX_FILE_PACKAGES:
        problems.append((0, f"more than {MAX_FILE_PACKAGES} packages"))
    if problems:
        raise InvalidFile(kind, sorted(problems))
    return parsed


Found = list[tuple[int, str]]


def _requirements_txt(content: str, parsed: ParsedFile, problems: Found, conda: bool) -> Found:
    found: Found = []
    pending, start = "", 0
    for number, raw in enumerate(content.splitlines(), 1):
        if not pending:
            start = number
        # pip's comment rule: "#" at the start or after whitespace.
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if not text:
            continue
        if text.startswith("-") or re.search(r"\s--?[A-Za-z]", text):
            problems.append((start, f"{text[:60]!r}: options are not accepted (-r, -e, --hash...)"))
            continue
        found.append((start, text))
    if pending.strip():
        problems.append((start, "the file ends in a line continuation"))
    return found


def _toml_reader() -> Any:
    """tomllib (Python 3.11+), else tomli when installed."""
    for module in ("tomllib", "tomli"):
        with contextlib.suppress(ImportError):
            return importlib.import_module(module)
    raise BadRequest("Reading TOML files needs Python 3.11 or tomli on the server.", "invalid-file")


def _toml(content: str, problems: Found) -> dict | None:
    tomllib = _toml_reader()
    try:
        return tomllib.loads(content)
    except RecursionError:
        problems.append(_TOO_DEEP)
        return None
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"line (\d+)", str(error))
        problems.append((int(where.group(1)) if where else 1, f"not valid TOML ({error})"))
        return None


def _line_of(content: str, needle: str, after: int = 0) -> int:
    """The 1-based line where ``needle`` first appears from offset ``after``."""
    at = content.find(needle, after)
    return content.count("\n", 0, at) + 1 if at >= 0 else 1


def _pyproject(content: str, parsed: ParsedFile, problems: Found, conda: bool) -> Found:
    data = _toml(content, problems)
    if data is None:
        return []
    project = data.get("project")
    if not isinstance(project, dict):
        problems.append((1, "there is no [project] table"))
        return []
    where = content.find("dependencies")
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list) or not all(isinstance(item, str) for item in dynamic):
        problems.append((_line_of(content, "dynamic"), "dynamic must be a list of strings"))
        return []
    if "dependencies" in dynamic:
        problems.append((_line_of(content, "dynamic"), "the dependencies are dynamic"))
        return []
    dependencies = project.get("dependencies", [])
    if not isinstance(dependencies, list):
        problems.append((_line_of(content, "dependencies"), "dependencies must be a list"))
        return []
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict) and extras:
        parsed.left_out.append("[project.optional-dependencies]: " + ", ".join(sorted(extras)))
    if isinstance(data.get("dependency-groups"), dict) and data["dependency-groups"]:
        parsed.left_out.append(
            "[dependency-groups]: " + ", ".join(sorted(data["dependency-groups"]))
        )
    found: Found = []
    for item in dependencies:
        line = _line_of(content, f"{item}", max(where, 0)) if isinstance(item, str) else 1
        found.append((line, item))  # Checked by the caller.
    return found


def _pylock(content: str, parsed: ParsedFile, problems: Found, conda: bool) -> Found:
    data = _toml(content, problems)
    if data is None:
        return []
    if not str(data.get("lock-version", "")).startswith("1."):
        problems.append((_line_of(content, "lock-version"), "lock-version must be 1.x (PEP 751)"))
        return []
    entries = data.get("packages", [])
    if not isinstance(entries, list):
        problems.append((1, "packages must be an array of tables"))
        return []
    headers = [m.start() for m in re.finditer(r"^[ \t]*\[\[packages\]\]", content, re.MULTILINE)]
    found: Found = []
    for index, entry in enumerate(entries):
        at = headers[index] if index < len(headers) else 0
        line = content.count("\n", 0, at) + 1 if at else 1
        if not isinstance(entry, dict):
            problems.append((line, "a package entry must be a table"))
            continue
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            problems.append((line, "a package needs a name and a version"))
            continue
        why = _pylock_entry_problem(name, entry)
        if why:
            problems.append((line, why))
            continue
        marker = entry.get("marker")
        text = f"{name}=={version}" + (f" ; {marker}" if marker is not None else "")
        found.append((line, text))
    return found


def _pylock_entry_problem(name: str, entry: dict) -> str | None:
    """Why a pylock.toml package entry is refused (the name and version aside)."""
    local = [key for key in ("vcs", "directory", "archive") if key in entry]
    sdist, wheels = entry.get("sdist"), entry.get("wheels", [])
    if sdist is not None and not isinstance(sdist, dict):
        return f"{name}: sdist must be a table"
    if not isinstance(wheels, list) or not all(isinstance(w, dict) for w in wheels):
        return f"{name}: wheels must be an array of tables"
    if any("path" in f for f in [*wheels, *([sdist] if sdist else [])]):
        local.append("path")
    if local:
        return f"{name} comes from a {local[0]}; only packages of an index are accepted"
    if not isinstance(entry.get("marker", ""), str):
        return f"{name}: marker must be a string"
    return None


def _environment_yml(content: str, parsed: ParsedFile, problems: Found, conda: bool) -> Found:
    try:
        refused = _yaml_events_problem(content)
        if refused:
            problems.append(refused)
            return []
        root = yaml.compose(content, yaml.SafeLoader)
    except RecursionError:
        problems.append(_TOO_DEEP)
        return []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        why = getattr(error, "problem", None) or "a syntax error"
        problems.append(((mark.line + 1) if mark else 1, f"not valid YAML: {why}"))
        return []
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        problems.append((root.start_mark.line + 1, "the file must be a mapping"))
        return []
    found: Found = []
    for key, value in root.value:
        line = key.start_mark.line + 1
        if key.value in ("name", "prefix"):
            continue  # The new environment has its own.
        if key.value == "channels":
            for item in _scalars(value, problems):
                if not conda:
                    continue
                if not _CONDA_CHANNEL.fullmatch(item[1]) or len(parsed.channels) >= MAX_CHANNELS:
                    problems.append((item[0], f"channel {item[1][:60]!r}: only channel names"))
                else:
                    parsed.channels.append(item[1])
        elif key.value == "dependencies":
            found += _dependencies(value, parsed, problems, conda)
        elif isinstance(key, yaml.ScalarNode):
            problems.append((line, f"{key.value[:40]!r} is not understood here"))
        else:
            problems.append((line, "keys must be plain strings"))
    return found


def _yaml_events_problem(content: str) -> tuple[int, str] | None:
    """The first alias, anchor, tag or too deep level, read from PyYAML's event
    stream (not recursive; stopped at once, before the rest is parsed)."""
    depth = 0
    for event in yaml.parse(content, yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return line, "YAML anchors and aliases are not accepted"
        if getattr(event, "tag", None) is not None:  # Only explicit tags are set.
            return line, "YAML tags are not accepted"
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return line, f"the file nests deeper than {MAX_YAML_DEPTH} levels"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _scalars(node, problems: Found) -> Found:
    if not isinstance(node, yaml.SequenceNode):
        problems.append((node.start_mark.line + 1, "expected a list"))
        return []
    found: Found = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str":
            found.append((item.start_mark.line + 1, item.value.strip()))
        else:
            problems.append((item.start_mark.line + 1, "expected a string"))
    return found


def _dependencies(node, parsed: ParsedFile, problems: Found, conda: bool) -> Found:
    found: Found = []
    items = node.value if isinstance(node, yaml.SequenceNode) else None
    if items is None:
        problems.append((node.start_mark.line + 1, "dependencies must be a list"))
        return []
    for item in items:
        line = item.start_mark.line + 1
        if isinstance(item, yaml.MappingNode):
            if len(item.value) != 1 or item.value[0][0].value != "pip":
                problems.append((line, "only a 'pip:' list may be nested here"))
                continue
            found += _scalars(item.value[0][1], problems)
            continue
        if not (isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str"):
            problems.append((line, "expected a string"))
            continue
        spec = item.value.strip()
        python = _PYTHON_SPEC.fullmatch(spec)
        if python or spec == "python":
            parsed.python = python.group(1) if python else parsed.python
            continue
        name = re.split(r"[=<>!~ ]", spec, maxsplit=1)[0].lower()
        if name in _ALWAYS and (conda or spec == name):
            continue
        if conda:
            # conda reads arguments ending like a package file as paths or URLs.
            if _CONDA_SPEC.fullmatch(spec) and not _conda_file_like(spec):
                parsed.conda_specs.append(spec)
            else:
                problems.append((line, f"{spec[:60]!r} is not a conda package spec we accept"))
            continue
        pin = _PLAIN_PIN.fullmatch(spec)
        if pin:
            found.append((line, f"{pin.group(1)}=={pin.group(2)}"))
        elif re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec):
            found.append((line, spec))
        else:
            problems.append(
                (line, f"{spec[:60]!r}: only name=version conda entries map to uv or venv")
            )
    return found


def _conda_file_like(spec: str) -> bool:
    name = re.split(r"[=<>!~]", spec, maxsplit=1)[0]
    return any(looks_like_file(text) or text.lower().endswith(".conda") for text in (name, spec))


_READERS = {
    "requirements.txt": _requirements_txt,
    "pylock.toml": _pylock,
    "environment.yml": _environment_yml,
    "pyproject.toml": _pyproject,
}
