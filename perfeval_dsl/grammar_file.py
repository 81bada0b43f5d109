"""Where the grammar lives: inside the installed package, or grammar/ in a source checkout.

Kept apart from `syntax` so that a caller needing only the grammar's text or digest (the rule cache) does
not import the parser. Imports nothing of perfeval's.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

GRAMMAR_NAME = "perfeval.lark"


@functools.cache
def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from grammar/."""
    try:
        return resources.files("perfeval_dsl").joinpath("grammar").joinpath(GRAMMAR_NAME).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        return (Path(__file__).resolve().parent.parent / "grammar" / GRAMMAR_NAME).read_text(encoding="utf-8")


def grammar_digest() -> str:
    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()
