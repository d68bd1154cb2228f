"""Users' package requests, checked as PEP 508 requirements before anything runs.

Only requirements reach pip, uv or conda's pip: never options (``--index-url``),
never anything an installer would read as a local path, and URLs only when the
administrator allows them, and then only ``https://`` and ``git+https://``.

How the installers tell a path from a requirement (read in pip 23.2's
``req/constructors.py`` and uv 0.13's ``uv-pep508`` and ``uv-requirements``,
and tried with both):

- pip reads the text before the first ``;`` as a path when it holds a path
  separator and names a directory, or when it ends like an archive (``.whl``,
  ``.tar.<anything pip knows>``...), whether the file exists or not; it first
  makes it absolute and *normalised*, so ``..`` segments anywhere, even inside
  ``name @ https://host/../../srv/x`` or a query string, climb out of the
  working directory.
- uv reads a bare name ending like an archive (``foo.whl``, ``foo.tar``) as a
  file, a URL without a scheme it knows (``../x.whl``, ``/x.whl``, and
  ``HTTPS://...``: its scheme check is case-sensitive) as a path, expands
  ``${VAR}`` in URLs from the environment, and offers to read an existing
  ``*.txt``, ``*.in``, ``setup.py``... as a requirements file.

So the rule here: a requirement without a URL has no ``/`` or ``\\`` before its
markers, and neither its name nor that text looks like a file (a last suffix
that names an archive, a compression or a requirements file, or any suffix
after ``.tar``); a URL is ``https`` or ``git+https`` (any case, passed on in
lower case) with a host, no ``.`` or ``..`` segment, no backslash, no
``${``, and a fragment of known keys only. The installers also run in an empty
directory of their own (see ``environments``), so a miss here finds no file.

Every function is pure and never raises on any input, for property tests.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from .errors import BadRequest

MAX_REQUIREMENT_LENGTH = 1000
URL_SCHEMES = ("https", "git+https")
# Last suffixes that make pip or uv (or a reader of the log) take a name for a
# file: archives and compressions pip's ``filetypes.py`` and uv's
# ``DistExtension`` know, eggs, and the requirement files uv offers to read.
_FILE_SUFFIXES = frozenset(
    {
        "whl", "zip", "egg", "tar", "tgz", "tbz", "tbz2", "txz", "tlz", "tzst",
        "gz", "bz2", "xz", "lz", "lzma", "zst",
        "txt", "in", "toml", "cfg", "py",
    }
)  # fmt: skip
# Fragment keys pip and uv understand; ``subdirectory`` is checked as a path.
_FRAGMENT_KEYS = frozenset(
    {"egg", "subdirectory", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"}
)
_SEPARATORS = ("/", "\\")


def check_requirement(item: object, *, allow_urls: bool) -> str | None:
    """Why ``item`` is refused, or None when it is a requirement we may pass on."""
    return normalize_requirement(item, allow_urls=allow_urls)[1]


def normalize_requirement(item: object, *, allow_urls: bool) -> tuple[str, None] | tuple[None, str]:
    """``(text to pass to the installer, None)`` or ``(None, why it is refused)``.

    The text is packaging's canonical form (URL schemes in lower case); it is
    what was checked, and normalising it again gives it back unchanged.
    """
    try:
        return _normalize(item, allow_urls), None
    except _Refused as refusal:
        return None, str(refusal)


def looks_like_file(text: str) -> bool:
    """Whether an installer could take ``text`` (a name, or a whole requirement
    before its markers) for a file name, by its suffixes."""
    suffixes = text.lower().split(".")[1:]
    if not suffixes:
        return False
    # ".tar.<anything>": pip and uv keep adding compressions (.tar.zst).
    return suffixes[-1] in _FILE_SUFFIXES or "tar" in suffixes[:-1]


def has_dot_segment(text: str) -> bool:
    """Whether ``text``, cut at ``/`` and ``\\``, has a ``.`` or ``..`` part: what
    ``os.path.normpath`` (pip) or a URL parser would climb with."""
    return any(part in (".", "..") for part in re.split(r"[/\\]", text))


def url_problem(url: str) -> str | None:
    """Why a requirement's URL is refused, or None for an https or git+https URL
    that cannot reach a local path."""
    if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
        return "URLs must be printable ASCII without spaces"
    if "\\" in url:
        return "URLs must not hold backslashes"
    if "${" in url:
        # uv replaces ${NAME} with the server's environment variable.
        return "URLs must not hold '${' (uv expands environment variables)"
    parts = _split(url)
    if parts is None:
        return "the URL is malformed"
    if parts.scheme.lower() not in URL_SCHEMES:
        return "only https:// and git+https:// URLs are allowed, never local paths"
    if not url[len(parts.scheme) :].startswith("://") or not parts.hostname:
        return "the URL has no host"
    if has_dot_segment(url):
        return "URLs must not hold '.' or '..' segments (pip reads them as local paths)"
    if "@-" in parts.path:
        # git and pip would read a revision "-x" as an option.
        return "a revision must not start with '-'"
    return _fragment_problem(parts.fragment)


def _normalize(item: object, allow_urls: bool) -> str:
    canonical = _canonical(item, allow_urls)
    # Written out (spaces around operators) it may grow: the bound holds for
    # what is passed on, so that checking it again accepts it.
    if len(canonical) > MAX_REQUIREMENT_LENGTH:
        raise _Refused(
            f"Package {canonical[:40]!r}... is longer than "
            f"{MAX_REQUIREMENT_LENGTH} characters once written out."
        )
    return canonical


def _canonical(item: object, allow_urls: bool) -> str:
    if not isinstance(item, str):
        raise _Refused(f"Package {_short(item)} is not a string.")
    text = item.strip()
    if not text:
        raise _Refused("Package names must not be empty.")
    if len(text) > MAX_REQUIREMENT_LENGTH:
        raise _Refused(
            f"Package {text[:40]!r}... is longer than {MAX_REQUIREMENT_LENGTH} characters."
        )
    if text.startswith("-"):
        raise _Refused(f"{text!r} is an option; only package requirements are allowed.")
    if not text.isascii() or not text.isprintable():
        raise _Refused(f"{text!r} holds characters other than printable ASCII.")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        detail = (str(error).splitlines() or [""])[0]
        raise _Refused(f"{text!r} is not a valid PEP 508 requirement ({detail}).") from None
    if looks_like_file(requirement.name):
        raise _Refused(f"{text!r} looks like a file; local paths are not allowed.")
    if requirement.url is None:
        canonical = str(requirement)
        before_markers = canonical.split(";", 1)[0].strip()
        if any(separator in before_markers for separator in _SEPARATORS):
            raise _Refused(f"{text!r} looks like a path; local paths are not allowed.")
        if looks_like_file(before_markers):
            raise _Refused(f"{text!r} looks like a file; local paths are not allowed.")
        return canonical
    if not allow_urls:
        raise _Refused(f"{text!r} is a URL requirement; URLs are not allowed here.")
    problem = url_problem(requirement.url)
    if problem:
        raise _Refused(f"{text!r} is refused: {problem}.")
    scheme = requirement.url.split(":", 1)[0]
    requirement.url = scheme.lower() + requirement.url[len(scheme) :]
    return str(requirement)


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # noqa: B018 - both raise on a malformed authority
    except ValueError:
        return None
    return parts


def _fragment_problem(fragment: str) -> str | None:
    for pair in filter(None, fragment.split("&")):
        key, _, value = pair.partition("=")
        if key not in _FRAGMENT_KEYS:
            return f"the URL fragment key {key!r} is not one of {', '.join(sorted(_FRAGMENT_KEYS))}"
        if key == "subdirectory" and (not value or value.startswith("/") or has_dot_segment(value)):
            return "subdirectory must be a relative path without '.' or '..'"
    return None


def _short(item: object) -> str:
    try:
        text = repr(item)
    except Exception:
        text = f"of type {type(item).__name__}"
    return text if len(text) <= 60 else text[:60] + "..."


class _Refused(Exception):
    pass


def parse_requirements(
    items: object, *, allow_urls: bool, max_count: int, required: bool
) -> list[str]:
    """The normalised requirement strings of a request, or ``BadRequest``."""
    if not isinstance(items, list):
        raise BadRequest("packages must be a list of strings.", "invalid-package")
    if required and not items:
        raise BadRequest("packages must name at least one package.", "invalid-package")
    if len(items) > max_count:
        raise BadRequest(
            f"At most {max_count} packages may be requested at once.",
            "invalid-package",
        )
    checked = []
    for item in items:
        text, error = normalize_requirement(item, allow_urls=allow_urls)
        if error is not None:
            raise BadRequest(error, "invalid-package")
        assert text is not None
        checked.append(text)
    return checked
