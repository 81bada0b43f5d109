"""The built wheel works on its own: grammar inside the package, seed example scored from a fresh venv.

Slow (it builds a wheel and installs it with its dependencies into a new virtual environment), so it runs
once per session; it guards the packaging decision in pyproject.toml (grammar/ force-included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("perfeval_dsl-*.whl")
    return built


def test_wheel_contains_the_grammar(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "perfeval_dsl/grammar/perfeval.lark" in names
    packaged = zipfile.ZipFile(wheel).read("perfeval_dsl/grammar/perfeval.lark").decode("utf-8")
    assert packaged == (ROOT / "grammar/perfeval.lark").read_text(encoding="utf-8")
    # `perfeval explain` reads the diagnostics document from the package
    assert zipfile.ZipFile(wheel).read("perfeval_dsl/docs/errors.md") == (ROOT / "docs/errors.md").read_bytes()


def test_installed_wheel_scores_the_seed(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True)
    # Run from an unrelated folder, so nothing can be imported or read from the source checkout.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    completed = subprocess.run(
        [str(bindir / "perfeval"), "eval", str(ROOT / "rules/anning-2020.perfeval"), "--facts",
         str(ROOT / "rules/anning-2020.facts.yaml"), "--format", "json"],
        cwd=workdir, capture_output=True, text=True, encoding="utf-8", check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert (document["total"], document["grade"]) == (98, "优")
    located = subprocess.run([str(bindir / "python"), "-c", "import perfeval_dsl; print(perfeval_dsl.__file__)"],
                             cwd=workdir, capture_output=True, text=True, check=True)
    assert str(env_dir) in located.stdout
    explained = subprocess.run([str(bindir / "perfeval"), "explain", "PE601"], cwd=workdir, capture_output=True,
                               text=True, encoding="utf-8", check=False, env={**os.environ, "PYTHONPATH": ""})
    assert (explained.returncode, explained.stdout.splitlines()[0]) == (0, "## PE601 — values fall between tiers")
