"""Running the `perfeval` command in-process, as the CLI tests do."""

from __future__ import annotations

import pytest

from perfeval_dsl.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`perfeval ARGS…`: the exit code, standard output and standard error."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def succeeded(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`perfeval ARGS…` that must succeed without a word on standard error: its standard output."""
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, ""), err
    return out
