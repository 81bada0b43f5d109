"""How much perfeval reads: the limits that keep any input within bounded time and memory.

Each limit has a default far above any real evaluation and can be lowered (or raised) by an environment
variable, e.g. for a web service that embeds perfeval and takes files from strangers:

| variable | default | what |
|---|---|---|
| `PERFEVAL_MAX_FILE_BYTES` | 10 MiB | a rule file, or one unit's facts file |
| `PERFEVAL_MAX_TABLE_BYTES` | 512 MiB | a unit table for `perfeval batch` |
| `PERFEVAL_MAX_INDICATORS` | 10,000 | indicators in one rule file |
| `PERFEVAL_MAX_TEXT` | 10,000 | characters in one string or text field |

Fixed limits, not adjustable: expressions nest at most 100 levels (Python's own compiler stops near 200);
numbers have at most 18 digits before and 18 after the decimal point. docs/security.md lists them all.
Imports nothing of perfeval's.
"""

from __future__ import annotations

import os

_DEFAULTS = {
    "MAX_FILE_BYTES": 10 * 1024 * 1024,
    "MAX_TABLE_BYTES": 512 * 1024 * 1024,
    "MAX_INDICATORS": 10_000,
    "MAX_TEXT": 10_000,
}

MAX_DEPTH = 100


def limit(name: str) -> int:
    """The limit `name` (a key of the table above): from `PERFEVAL_<name>` when that is a positive whole
    number, else the default."""
    text = os.environ.get(f"PERFEVAL_{name}", "").strip().replace("_", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return _DEFAULTS[name]
