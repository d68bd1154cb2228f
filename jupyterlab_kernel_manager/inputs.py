"""Parsers for what a request carries besides names: query numbers, flags, JSON bodies.

Each gives a value or raises ``BadRequest``; none can raise anything else, whatever
the input (the property tests in tests/test_properties.py hold them to that).
"""

from __future__ import annotations

import json

from .errors import BadRequest

# Our bodies are a name, a display name and at most a few hundred requirements.
MAX_BODY_BYTES = 256 * 1024
# {"packages": [...]} is two levels deep; nothing we accept needs more than this.
MAX_JSON_DEPTH = 8
# The log index a client may ask from: far beyond any log a job keeps.
MAX_SINCE = 2**53 - 1
_MAX_SINCE_DIGITS = len(str(MAX_SINCE))


def parse_since(text: str) -> int:
    """A job log index: a non-negative decimal integer no larger than MAX_SINCE."""
    # Length first: int() of a 5,000-digit string is refused by Python itself.
    if (
        not text
        or len(text) > _MAX_SINCE_DIGITS
        or not (text.isascii() and text.isdigit())
        or int(text) > MAX_SINCE
    ):
        raise BadRequest(
            f"since must be a whole number from 0 to {MAX_SINCE}.", "invalid-since"
        )
    return int(text)


def parse_flag(name: str, text: str) -> bool:
    """A query flag: exactly "0" or "1"."""
    if text not in ("0", "1"):
        raise BadRequest(f"{name} must be 0 or 1.", "invalid-query")
    return text == "1"


def parse_json_object(body: bytes) -> dict:
    """A request body that is a JSON object of bounded size and depth."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(
            f"The request body is larger than {MAX_BODY_BYTES} bytes.", "too-large"
        )
    # The nesting is bounded before parsing: json.loads recurses once per level.
    if _nesting(body) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
            "too-deep",
        )
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not JSON.", "invalid-json") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.", "invalid-body")
    return value


def _nesting(body: bytes) -> int:
    """Deepest bracket nesting outside strings (an upper bound for invalid JSON)."""
    depth = deepest = 0
    in_string = escaped = False
    # Only the structural bytes matter, and bytes.translate would be as slow: a plain
    # loop over at most MAX_BODY_BYTES takes a few milliseconds.
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest
