"""Parsers for what a request carries besides names: query numbers, flags, JSON bodies.

Each gives a value or raises ``BadRequest``; none can raise anything else, whatever
the input (the property tests in tests/test_properties.py hold them to that).
"""

from __future__ import annotations

import json
import math
import re

from .errors import BadRequest

# Our bodies are a name, a display name and at most a few hundred requirements.
MAX_BODY_BYTES = 256 * 1024
# {"packages": [...]} is two levels deep; nothing we accept needs more than this.
MAX_JSON_DEPTH = 8
# The log index a client may ask from: far beyond any log a job keeps.
MAX_SINCE = 2**53 - 1
_MAX_SINCE_DIGITS = len(str(MAX_SINCE))
# Epoch seconds a client may send: year 5138 at most, in at most 32 characters.
MAX_EPOCH = 1e11
_MAX_EPOCH_CHARS = 32
# A decimal number as JSON or Python writes one: no nan, inf, spaces or "_".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_since(text: str) -> int:
    """A job log index: a non-negative decimal integer no larger than MAX_SINCE."""
    # Length first: int() of a 5,000-digit string is refused by Python itself.
    if (
        not text
        or len(text) > _MAX_SINCE_DIGITS
        or not (text.isascii() and text.isdigit())
        or int(text) > MAX_SINCE
    ):
        raise BadRequest(f"since must be a whole number from 0 to {MAX_SINCE}.", "invalid-since")
    return int(text)


def parse_epoch(text: str) -> float:
    """``since`` in epoch seconds: a finite decimal number from 0 to MAX_EPOCH."""
    value = math.nan
    # Length first: float() of a 5,000-digit string is slow, and fullmatch is linear.
    if len(text) <= _MAX_EPOCH_CHARS and _NUMBER.fullmatch(text):
        value = float(text)
    if not 0 <= value <= MAX_EPOCH:
        raise BadRequest(
            f"since must be a number of seconds since the epoch, from 0 to {MAX_EPOCH:.0f}.",
            "invalid-since",
        )
    return value


def parse_flag(name: str, text: str) -> bool:
    """A query flag: exactly "0" or "1"."""
    if text not in ("0", "1"):
        raise BadRequest(f"{name} must be 0 or 1.", "invalid-query")
    return text == "1"


def parse_json_object(body: bytes) -> dict:
    """A request body that is a JSON object of bounded size and depth."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"The request body is larger than {MAX_BODY_BYTES} bytes.", "too-large")
    # JSON exchanged between systems is UTF-8 (RFC 8259); json.loads would also guess
    # UTF-16 and -32, whose bytes the nesting scan below cannot read.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 JSON.", "invalid-json") from None
    # The nesting is bounded before parsing: json.loads recurses once per level.
    if _nesting(text) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
            "too-deep",
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not JSON.", "invalid-json") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.", "invalid-body")
    return value


def _nesting(text: str) -> int:
    """Deepest bracket nesting outside strings (an upper bound for invalid JSON)."""
    depth = deepest = 0
    in_string = escaped = False
    # A plain loop over at most MAX_BODY_BYTES characters takes a few milliseconds.
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest
