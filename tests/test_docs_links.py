"""The links of docs/cookbook.md and docs/templates.md lead somewhere: to a file of the project and, after `#`,
to a heading (or an `<a id="…">`) of that file, with the anchors GitHub makes from headings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHECKED = [DOCS / "cookbook.md", DOCS / "templates.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file: explicit `<a id>`s and GitHub's slugs of its headings."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found = set(re.findall(r'<a id="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


CASES = [(doc, target) for doc in CHECKED for target in links(doc) if "://" not in target]


def test_the_cookbook_has_links() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(("doc", "target"), CASES, ids=[f"{d.name}->{t}" for d, t in CASES])
def test_link_resolves(doc: Path, target: str) -> None:
    file_part, _, anchor = target.partition("#")
    linked = (doc.parent / file_part).resolve() if file_part else doc
    assert linked.is_file(), f"{doc.name} links to {target}, but there is no file {linked}"
    if anchor:
        assert anchor in anchors(linked), f"{doc.name} links to {target}, but {linked.name} has no such anchor"
