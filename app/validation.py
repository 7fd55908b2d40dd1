"""Shared field types for request bodies, so every API checks text the same way.

Text fields refuse NUL and other control characters and are trimmed; lengths
are in characters. Emoji and other unicode pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional overrides and isolates can make a name display as another.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters such as NUL")
    if _BIDI_CONTROL.search(value):
        raise ValueError("must not contain bidirectional override characters")
    if value and all(unicodedata.category(c) in ("Cf", "Zs") for c in value):
        raise ValueError("must contain visible characters")

    return value


def text(max_length: int, min_length: int = 0) -> object:
    """A trimmed string type of at most ``max_length`` characters."""
    return Annotated[
        str,
        StringConstraints(
            strict=True,
            strip_whitespace=True,
            min_length=min_length,
            max_length=max_length,
        ),
        AfterValidator(_no_control_characters),
    ]


class StrictModel(BaseModel):
    """A request body: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)
