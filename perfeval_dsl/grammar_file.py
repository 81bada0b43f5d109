"""Where the grammar lives: inside the installed package, or grammar/ in a source checkout.

Kept apart from `syntax` so that a caller needing only the grammar's text or digest (the rule cache) does
not import the parser. Imports nothing of perfeval's.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

GRAMMAR_NAME = "perfeval.lark"


@functools.cache
def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from grammar/."""
    package = Path(__file__).resolve().parent
    for path in (package / "grammar" / GRAMMAR_NAME, package.parent / "grammar" / GRAMMAR_NAME):
        try:  # read directly where it is a file: importing importlib.resources costs more than reading it
            return path.read_text(encoding="utf-8")
        except OSError:
            pass
    from importlib import resources  # a package that is not a folder of files (in a zip archive)

    return resources.files("perfeval_dsl").joinpath("grammar").joinpath(GRAMMAR_NAME).read_text(encoding="utf-8")


def grammar_digest() -> str:
    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()
