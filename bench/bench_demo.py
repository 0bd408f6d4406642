"""Benchmark: building the demo workspace from nothing, and again with a warm cache.

Run with ``PYTHONPATH=. python bench/bench_demo.py [--herhalingen 3]``.

Measures, on this machine:

1. ``kansenkaart demo`` in a fresh Python process in an empty folder (what a new user sees:
   interpreter start, imports, OSM extraction, graph building, example data, GeoPackage writes);
2. the same command a second time in that folder (network and voorzieningen from the cache);
3. :func:`kansenkaart.demo.bouw_demo` in this process, cold (a new folder each time) and warm,
   with the time per step.

The baseline is the cold in-process build of the same run; the table shows each figure as a ratio
to it. The acceptance limit for (1) is 30 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRENS_S = 30.0
REPO = Path(__file__).resolve().parents[1]


def _proces(pad: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kansenkaart", "demo", "--workspace", str(pad)], check=True,
                   capture_output=True, env=env, cwd=REPO)
    return time.perf_counter() - start


def _in_proces(pad: Path) -> tuple[float, list[tuple[str, float]]]:
    from kansenkaart.demo import bouw_demo

    stappen: list[tuple[str, float]] = []
    start = time.perf_counter()
    bouw_demo(pad, voortgang=lambda s: stappen.append((s, time.perf_counter() - start)))
    totaal = time.perf_counter() - start
    duur = []
    for i, (naam, t) in enumerate(stappen):
        volgende = stappen[i + 1][1] if i + 1 < len(stappen) else totaal
        duur.append((naam, volgende - t))
    return totaal, duur


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herhalingen", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        basis = Path(tmp)
        proces_koud = _proces(basis / "proces")
        proces_warm = _proces(basis / "proces")

        koud, warm = [], []
        stappen_koud: list[tuple[str, float]] = []
        for i in range(args.herhalingen):
            t, stappen = _in_proces(basis / f"koud-{i}")
            koud.append(t)
            stappen_koud = stappen
            warm.append(_in_proces(basis / f"koud-{i}")[0])

    basislijn = statistics.median(koud)
    rijen = [
        ("kansenkaart demo, nieuw proces, lege map (koud)", proces_koud),
        ("kansenkaart demo, nieuw proces, tweede keer (cache)", proces_warm),
        (f"bouw_demo in proces, koud (mediaan van {len(koud)}) [basislijn]", basislijn),
        (f"bouw_demo in proces, cache (mediaan van {len(warm)})", statistics.median(warm)),
    ]
    print(f"\nDemo workspace build ({os.cpu_count()} cores, Python {sys.version.split()[0]})\n")
    print(f"{'meting':<62} {'seconden':>9} {'t.o.v. basislijn':>17}")
    print("-" * 90)
    for naam, t in rijen:
        print(f"{naam:<62} {t:>9.2f} {t / basislijn:>16.2f}x")
    print("\nStappen van de laatste koude bouw in proces:")
    for naam, t in stappen_koud:
        print(f"  {naam:<80} {t:>6.2f} s")
    oordeel = "binnen" if proces_koud < GRENS_S else "BOVEN"
    print(f"\nKoude bouw in een nieuw proces: {proces_koud:.1f} s, {oordeel} de grens van {GRENS_S:.0f} s.")


if __name__ == "__main__":
    main()
