"""Source texts and spans: where in which file a thing was written.

Owns `Source` (a named text) and `Span` (a half-open range of character offsets into it). Every later
stage keeps spans so that any diagnostic or trace line can point back at what the user typed. Offsets count
characters of the original text, never of a normalised copy, so a caret lands under the character the user
sees. Imports nothing from the package: every other module may import this one.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from functools import cached_property

import attrs


@attrs.frozen(eq=False)
class Source:
    """A text and the name it is shown under (a path, or `<string>` for text given directly).

    `file_sha256` is the SHA-256 of the file's bytes as read (BOM and line endings included), so that an audit
    record names the file `sha256sum` would; text given directly is hashed as UTF-8 (`sha256`).
    """

    name: str
    text: str
    file_sha256: str | None = None

    @cached_property
    def sha256(self) -> str:
        # surrogatepass: text given through the API may hold a lone surrogate, which no file can
        return self.file_sha256 or hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for index, char in enumerate(self.text):
            if char == "\n":
                starts.append(index + 1)
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        starts = self._line_starts
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def span(self, start: int, end: int) -> Span:
        """The span from `start` to `end`, kept inside the text (a problem "at the end of the file" is the empty
        span there)."""
        length = len(self.text)
        start = max(0, min(start, length))
        return Span(self, start, max(start, min(end, length)))


@attrs.frozen
class Span:
    """Characters `start` (inclusive) to `end` (exclusive) of `source`."""

    source: Source = attrs.field(repr=False)
    start: int
    end: int

    @property
    def line_col(self) -> tuple[int, int]:
        return self.source.line_col(self.start)

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def location(self) -> str:
        """`file:line:col`, the form editors and terminals recognise."""
        line, col = self.line_col
        return f"{self.source.name}:{line}:{col}"

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))


def display_width(text: str) -> int:
    """Terminal columns `text` takes: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# C0 controls but tab and line ends, DEL and C1 controls: what a terminal would act on instead of showing.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control(text: str) -> int | None:
    """The offset of the first control character (other than tab and line ends) in `text`, or None."""
    match = _CONTROL.search(text)
    return match.start() if match else None


def printable(text: str) -> str:
    """`text` safe to print on a terminal: each control character shown as its symbol (ESC as ␛), one column
    wide like the character it replaces, so carets stay aligned."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else
                        "\u2421" if m.group() == "\x7f" else "\ufffd", text)
