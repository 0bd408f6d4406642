"""Run every benchmark in bench/ one after the other and print their tables.

Usage: ``python bench/run_all.py [--quick]`` (``make bench``). Each benchmark measures its own
baseline in the same run; see the README section "Benchmarks" for the targets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HIER = Path(__file__).resolve().parent
BENCHMARKS = [
    ("bench_demo.py", []),
    ("bench_vlekkenplan.py", ["--quick"]),
    ("bench_geschiktheid.py", []),
    ("bench_api.py", []),
    ("bench_kaart.py", []),
    ("bench_notebooks.py", []),
]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    failed = []
    for script, quick_args in BENCHMARKS:
        args = quick_args if quick else []
        print(f"\n===== {script} {' '.join(args)}", flush=True)
        t = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(HIER.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        rc = subprocess.call([sys.executable, str(HIER / script), *args], cwd=HIER.parent, env=env)
        print(f"===== {script}: exit {rc}, {time.perf_counter() - t:.0f} s", flush=True)
        if rc != 0:
            failed.append(script)
    if failed:
        print(f"Mislukt: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
