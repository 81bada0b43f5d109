"""Shared pytest configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bless", action="store_true", default=False,
                     help="rewrite golden files (tests/ui/*.stderr, tests/golden/*) instead of comparing")


@pytest.fixture(autouse=True)
def _private_rule_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The command line caches checked rules in the user's cache folder; tests keep theirs apart."""
    monkeypatch.setenv("PERFEVAL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "rule-cache"))


@pytest.fixture(autouse=True)
def _fixed_evaluation_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit records carry the time of evaluation; a fixed one (`SOURCE_DATE_EPOCH`) keeps golden outputs
    byte-identical. tests/test_audit.py checks the real clock."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z


@pytest.fixture(autouse=True)
def _english_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trace's language follows the locale (a zh_* LANG gives Chinese); tests pin English unless they
    say otherwise (tests/test_lang.py)."""
    monkeypatch.setenv("PERFEVAL_LANG", "en")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run from the project folder, as the docs show them (files of a test are named by absolute
    path), on a terminal 100 columns wide. A module asks for it with `pytestmark`."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
