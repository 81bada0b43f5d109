"""A cache of checked rule files, so the command line does not parse and check an unchanged file again.

`perfeval` keeps, per rule file text, the checked program (`model.Program`) with its generated evaluator's
source and code (marshalled), pickled under the user's cache folder (`$PERFEVAL_CACHE_DIR`, else
`$XDG_CACHE_HOME/perfeval`, else `~/.cache/perfeval`), keyed by a hash of the text, the file name, the grammar,
perfeval's version and code and Python's bytecode version: any change to one of them is a miss. A hit skips the
parser (Lark is not even imported), the checker and compiling the evaluator; its source is generated again,
which is quick, and the code is used only if that source is the same. The folder is created private to the
user (mode 0700), since a pickle must only be read from a place no one else can write.
`PERFEVAL_NO_CACHE=1` turns the cache off. Only the command line uses it: the embedding API never writes files
unless asked. Any problem with the cache is a miss, never an error. Imports `model`, `_version`, `grammar_file`.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import pickle
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING

from perfeval_dsl import model
from perfeval_dsl._version import __version__
from perfeval_dsl.grammar_file import grammar_digest

if TYPE_CHECKING:
    from perfeval_dsl.compiler import CompiledRules

_FORMAT = b"perfeval-cache/2"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    if os.environ.get("PERFEVAL_NO_CACHE"):
        return None
    explicit = os.environ.get("PERFEVAL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "perfeval"


@functools.cache
def _code_digest() -> str:
    """A digest of perfeval's own modules: a checked program from other code (an edited checkout, an
    upgrade that kept the version number) is never reused."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _key(text: str, filename: str) -> str:
    digest = hashlib.sha256(_FORMAT)
    for part in (__version__, grammar_digest(), _code_digest(), MAGIC_NUMBER.hex(), filename, text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def load(text: str, filename: str) -> tuple[model.Program, tuple[str, CodeType]] | None:
    """The checked program of this text and its evaluator's source and code, if the cache has them."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / f"{_key(text, filename)}.pickle").read_bytes()
        program, python, code = pickle.loads(data)
        code = marshal.loads(code)
    except Exception:  # a missing, unreadable, truncated or stale entry is a miss
        return None
    if isinstance(program, model.Program) and isinstance(python, str) and isinstance(code, CodeType):
        return program, (python, code)
    return None


def store(rules: CompiledRules, text: str, filename: str) -> None:
    """Keep the checked program of `rules` and its evaluator for this text; written atomically, and silently
    skipped if that fails."""
    from perfeval_dsl.atomic import write_bytes_atomically  # only here: a hit need not import tempfile

    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps((rules.program, rules.python, marshal.dumps(rules.code)), protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes_atomically(folder / f"{_key(text, filename)}.pickle", data)
    except Exception:
        pass
