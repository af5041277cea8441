"""Python values as ImpactX-dialect deck text.

The Python API builds every element, distribution and setting through the same deck reader as
the CLI (one mechanism, one set of checks and defaults): keyword arguments become
``prefix.key = value`` lines that the C++ core parses.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping


def format_value(key: str, value: object) -> str:
    """One deck value: floats with every digit (repr round-trips), bools as true/false, lists
    space-separated. Raises TypeError/ValueError naming `key` for what a deck cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{key}: {v} is not a finite number")
        return repr(v)
    if isinstance(value, str):
        if any(c in value for c in "\n#"):
            raise ValueError(f"{key}: a string value may not contain newlines or '#': {value!r}")
        return f'"{value}"' if (" " in value or "\t" in value) else value
    if isinstance(value, Iterable):
        items = [format_value(key, v) for v in value]
        if not items:
            raise ValueError(f"{key}: an empty list is not a valid value")
        return " ".join(items)
    raise TypeError(f"{key}: cannot use a value of type {type(value).__name__}")


def deck_text(prefix: str, values: Mapping[str, object]) -> str:
    """Lines ``prefix.key = value`` for every value that is not None."""
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        full = f"{prefix}.{key}" if prefix else key
        lines.append(f"{full} = {format_value(full, value)}")
    return "\n".join(lines) + "\n"
