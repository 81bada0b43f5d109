"""A cold `perfeval eval` on the seed against starting Python and importing lark, rich and click alone.

Each round is a new process. The rule cache is warm for the "cached" rows (the usual case: the rule file has
not changed since the last run) and off for the other; the trace is off but in the "whole trace" row (what
`perfeval eval` prints by default). Target: ≤ 1.25× the baseline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL = [sys.executable, "-m", "perfeval_dsl", "eval", str(ROOT / "rules/anning-2020.perfeval"),
        "-f", str(ROOT / "rules/anning-2020.facts.yaml"), "--explain", "off"]
EVAL_TRACE = EVAL[:-2]  # the default output: the whole trace
GROUP = "cold start: perfeval eval on the seed"


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "PERFEVAL_CACHE_DIR": str(tmp_path / "cache")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    _run(EVAL, environment)  # warms the rule cache and the bytecode
    return environment


@pytest.mark.benchmark(group=GROUP)
def test_import_lark_rich_click_baseline(benchmark: Any, env: dict[str, str]) -> None:
    benchmark.pedantic(_run, args=([sys.executable, "-c", "import lark, rich.console, click"], env), rounds=5)


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_eval_cached_rules(benchmark: Any, env: dict[str, str]) -> None:
    benchmark.pedantic(_run, args=(EVAL, env), rounds=5)


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_eval_cached_rules_whole_trace(benchmark: Any, env: dict[str, str]) -> None:
    benchmark.pedantic(_run, args=(EVAL_TRACE, env), rounds=5)


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_eval_without_cache(benchmark: Any, env: dict[str, str]) -> None:
    benchmark.pedantic(_run, args=(EVAL, {**env, "PERFEVAL_NO_CACHE": "1"}), rounds=5)
