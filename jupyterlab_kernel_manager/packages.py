"""Users' package requests, checked as PEP 508 requirements before anything runs.

Only requirements reach pip, uv or conda's pip: never options (``--index-url``),
never local paths or archives, and URLs (``name @ https://...``) only when the
administrator allows them.
"""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement

from .errors import BadRequest

MAX_REQUIREMENT_LENGTH = 1000
# pip and uv read a bare "name.whl" or "name.tar.gz" as a file when one exists.
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz")
_ARCHIVE_SUFFIXES += (".tar.xz", ".txz", ".tar.lz", ".tlz", ".egg")


def check_requirement(item: object, *, allow_urls: bool) -> str | None:
    """Why ``item`` is refused, or None when it is a requirement we may pass on."""
    if not isinstance(item, str):
        return f"Package {item!r} is not a string."
    text = item.strip()
    if not text:
        return "Package names must not be empty."
    if len(text) > MAX_REQUIREMENT_LENGTH:
        return f"Package {text[:40]!r}... is longer than {MAX_REQUIREMENT_LENGTH} characters."
    if text.startswith("-"):
        return f"{text!r} is an option; only package requirements are allowed."
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        detail = str(error).splitlines()[0]
        return f"{text!r} is not a valid PEP 508 requirement ({detail})."
    if requirement.name.lower().endswith(_ARCHIVE_SUFFIXES):
        return f"{text!r} looks like a file; local paths are not allowed."
    if requirement.url is not None:
        if requirement.url.lower().startswith("file:"):
            return f"{text!r} points at a local path; local paths are not allowed."
        if not allow_urls:
            return f"{text!r} is a URL requirement; URLs are not allowed here."
    return None


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
        error = check_requirement(item, allow_urls=allow_urls)
        if error:
            raise BadRequest(error, "invalid-package")
        checked.append(str(Requirement(item.strip())))
    return checked
