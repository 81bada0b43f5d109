"""JSON text with exact decimals: a Decimal is written as the number it is, never through float.

`json.dumps` cannot write a Decimal as a bare number, so this small writer does, with the same layout as
`json.dumps(indent=2, ensure_ascii=False)`. Output is deterministic: same document, same bytes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from json.encoder import encode_basestring  # the C encoder json.dumps uses
from typing import Any

from perfeval_dsl.values import plain


def to_json(document: Any, indent: int = 2) -> str:
    return _write(document, indent, 0) + "\n"


def _write(value: Any, indent: int, level: int) -> str:
    pad = " " * (indent * (level + 1))
    end = " " * (indent * level)
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{encode_basestring(str(k))}: {_write(v, indent, level + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{pad}{_write(v, indent, level + 1)}" for v in value) + "\n" + end + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
