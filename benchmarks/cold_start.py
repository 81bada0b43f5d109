"""Cold starts of `perfeval eval` on the seed against the baseline, the runs of each command interleaved.

    python benchmarks/cold_start.py [ROUNDS]

test_bench_start.py runs all the rounds of one command before the next; on a machine shared with other work
the load then moves between the rows. Here each round runs the baseline and every `perfeval eval` once, one
after the other, so that each ratio compares runs made under the same load. Prints the minimum and median
wall-clock time of each command and their ratios to the baseline's. The rule cache (a folder of its own) is
warmed first, as is the bytecode.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = [sys.executable, "-m", "perfeval_dsl", "eval", str(ROOT / "rules/anning-2020.perfeval"),
        "--facts", str(ROOT / "rules/anning-2020.facts.yaml")]
COMMANDS = {
    "import lark, rich.console, click (baseline)": [sys.executable, "-c", "import lark, rich.console, click"],
    "perfeval eval --explain off, cached": [*EVAL, "--explain", "off"],
    "perfeval eval (whole trace), cached": EVAL,
}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PERFEVAL_CACHE_DIR": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
        env.pop("PERFEVAL_NO_CACHE", None)

        def run(command: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
            return time.perf_counter() - start

        for command in COMMANDS.values():
            run(command)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(rounds):
            for name, command in COMMANDS.items():
                times[name].append(run(command))
    baseline = times[next(iter(COMMANDS))]
    print(f"{'min (ratio)':>18}   {'median (ratio)':>18}   of {rounds} rounds")
    for name, measured in times.items():
        low, middle = min(measured), statistics.median(measured)
        ratios = low / min(baseline), middle / statistics.median(baseline)
        print(f"{low * 1000:8.1f} ms ({ratios[0]:.2f})   {middle * 1000:8.1f} ms ({ratios[1]:.2f})   {name}")


if __name__ == "__main__":
    main()
