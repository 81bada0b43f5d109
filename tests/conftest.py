"""Shared pytest configuration."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bless", action="store_true", default=False,
                     help="rewrite golden files (tests/ui/*.stderr, tests/golden/*) instead of comparing")


@pytest.fixture(autouse=True)
def _private_rule_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The command line caches checked rules in the user's cache folder; tests keep theirs apart."""
    monkeypatch.setenv("PERFEVAL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "rule-cache"))
