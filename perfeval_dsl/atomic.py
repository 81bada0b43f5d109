"""Writing a file so that a reader, or an interrupted run, never sees half of it.

The text goes to a temporary file in the same folder, which is then renamed over the target: the rename is
atomic, so the target holds either its old content or the whole new one. Imports nothing of perfeval's.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically. Raises OSError when the folder cannot be written."""
    handle, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private; give it the mode a plain write would (the old file's, or the umask's).
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 with `\\n` line ends to `path` atomically."""
    write_bytes_atomically(path, text.encode("utf-8"))
