"""`perfeval explain CODE`: the section of docs/errors.md that explains one diagnostic code.

The documents are the single source: docs/errors.md (English) and docs/errors.zh.md (Chinese, the same sections
and examples) ship inside the package (see pyproject.toml) and, in a source checkout, are read from docs/. In
Chinese the section is docs/errors.zh.md's; should a code have none there, its English section is printed under
the code's Chinese title and a Chinese note saying that the explanation below is the English one. Imports
`errors`.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from perfeval_dsl.errors import CODES, CODES_ZH, Chinese, PerfevalError, error

DOCUMENT = "errors.md"
DOCUMENT_ZH = "errors.zh.md"
# Said under the Chinese title of a code without a Chinese section: the explanation that follows is
# docs/errors.md's, in English.
ENGLISH_ONLY_ZH = "（本代码的详细说明只有英文版，以下为 docs/errors.md 的原文；英文标题：“{title}”。）"


def errors_document(name: str = DOCUMENT) -> str:
    """docs/errors.md (or, with `name`, another document of docs/ such as errors.zh.md), from the installed
    package or from a source checkout."""
    try:
        return resources.files("perfeval_dsl").joinpath("docs").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        return (Path(__file__).resolve().parent.parent / "docs" / name).read_text(encoding="utf-8")


def normalise_code(text: str) -> str | None:
    """`PE601`, `pe601`, `601` and `PE 601` all name PE601; None when `text` is no code at all."""
    match = re.fullmatch(r"\s*(?:pe)?\s*(\d{3})\s*", text, flags=re.IGNORECASE)
    return f"PE{match.group(1)}" if match else None


def explanation(text: str, lang: str = "en") -> str:
    """The Markdown section explaining the code `text`; with `lang="zh"`, the section of docs/errors.zh.md.
    Raises PerfevalError (PE005) for an unknown code."""
    code = normalise_code(text)
    if code is None or code not in CODES:
        shown = code or text.strip()
        raise PerfevalError([error(
            "PE005", f"`{shown}` is not a perfeval diagnostic code",
            help="codes look like PE201, as `perfeval check` and `perfeval eval` print them in brackets "
                 "(`warning[PE601]`); `perfeval explain` without a code lists them all",
            zh=Chinese(f"`{shown}` 不是 perfeval 的诊断代码",
                       help="代码形如 PE201，即 `perfeval check` 和 `perfeval eval` 在方括号中打印的代码"
                            "（`warning[PE601]`）；不带代码运行 `perfeval explain` 会列出所有代码"))])
    if lang == "zh":
        chinese = _chinese_section(code)
        if chinese is not None:
            return chinese.rstrip() + "\n"
    section = _section(errors_document(), code)
    if section is None:  # pragma: no cover - a test keeps every code documented
        return f"## {code} — {CODES_ZH[code] if lang == 'zh' else CODES[code]}\n"
    if lang == "zh":
        section = _in_chinese(code, section)
    return section.rstrip() + "\n"


def _section(document: str, code: str) -> str | None:
    """The section `## CODE …` of `document`, up to the next `## ` heading, without its comments; None when the
    document has no such section."""
    heading = re.search(rf"^## {code} .*$", document, flags=re.MULTILINE)
    if heading is None:
        return None
    following = re.search(r"^## ", document[heading.end():], flags=re.MULTILINE)
    end = heading.end() + following.start() if following else len(document)
    return re.sub(r"<!--.*?-->\n?", "", document[heading.start():end], flags=re.DOTALL)


def _chinese_section(code: str) -> str | None:
    """The code's section of docs/errors.zh.md; None when the document or the section is missing."""
    try:
        document = errors_document(DOCUMENT_ZH)
    except OSError:
        return None
    return _section(document, code)


def _in_chinese(code: str, section: str) -> str:
    """The English `section` under the code's Chinese title and a Chinese note that the explanation is English:
    for a code docs/errors.zh.md does not explain, the English explanation kept whole."""
    _, _, body = section.partition("\n")
    return f"## {code} — {CODES_ZH[code]}\n\n{ENGLISH_ONLY_ZH.format(title=CODES[code])}\n{body}"
