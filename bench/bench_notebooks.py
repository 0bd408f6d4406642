"""Benchmark: execute every notebook in notebooks/ on a fresh kernel and compare with the 60 s target.

Run with ``PYTHONPATH=. python bench/bench_notebooks.py [--herhalingen 3]``.

Each repetition starts a new kernel per notebook (kernelspec ``python3``, working directory
``notebooks/``), exactly as ``tests/test_notebooks.py`` does, and times the whole run: kernel start,
imports and every cell. The baseline, measured in the same process the same way, is a one-cell
notebook that only runs ``import kansenkaart as kk`` plus the libraries the notebooks import: the fixed
cost every notebook pays before it does any work. The table shows the best and median time per notebook,
its ratio to the baseline, and the three slowest cells of the last run (from nbclient's timing metadata).
Notebook 03 is left out when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

GRENS_S = 60.0
REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO / "notebooks"
BASISLIJN_CODE = (
    "import folium\nimport geopandas\nimport matplotlib.pyplot\nimport pandas\n"
    "import kansenkaart as kk\nkk.Werkruimte, kk.bereken_vlekkenplan, kk.bereken_geschiktheid, kk.monitor_overzicht"
)


def _shared_data() -> bool:
    env = os.environ.get("KANSENKAART_SHARED")
    kandidaten = [Path(env) / "data"] if env else []
    kandidaten.append(REPO.parent / "shared" / "data")
    return any((k / "cbs-kwb2022-tmap").is_dir() for k in kandidaten)


def _voer_uit(nb: Any) -> float:
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def _celtijden(nb: Any) -> list[tuple[float, int, str]]:
    """(seconds, cell index, first line) per code cell, from nbclient's execution metadata."""
    uit = []
    for i, cel in enumerate(nb.cells):
        tijden = cel.metadata.get("execution", {})
        begin, eind = tijden.get("iopub.execute_input"), tijden.get("shell.execute_reply")
        if cel.cell_type != "code" or not (begin and eind):
            continue
        duur = (datetime.fromisoformat(eind.rstrip("Z")) - datetime.fromisoformat(begin.rstrip("Z"))).total_seconds()
        uit.append((duur, i, cel.source.strip().splitlines()[0][:60] if cel.source.strip() else ""))
    return sorted(uit, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herhalingen", type=int, default=3)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    os.environ.pop("MPLBACKEND", None)
    werkmap = tempfile.TemporaryDirectory(prefix="bench-notebooks-")
    os.environ["TMPDIR"] = werkmap.name  # the notebooks' temporary folders, removed at the end

    paden = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if not _shared_data():
        print("../shared/data ontbreekt: 03_regio_monitor wordt overgeslagen.")
        paden = [p for p in paden if p.stem != "03_regio_monitor"]

    basis = []
    for _ in range(args.herhalingen):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(BASISLIJN_CODE)]
        basis.append(_voer_uit(nb))
    basislijn = min(basis)

    tijden: dict[str, list[float]] = {}
    traag: dict[str, list[tuple[float, int, str]]] = {}
    for _ in range(args.herhalingen):
        for pad in paden:
            nb = nbformat.read(pad, as_version=4)
            tijden.setdefault(pad.stem, []).append(_voer_uit(nb))
            traag[pad.stem] = _celtijden(nb)[:3]

    print(f"\nNotebooks on a fresh kernel ({os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{args.herhalingen} herhaling(en))\n")
    print(f"{'notebook':<40} {'best s':>7} {'mediaan s':>10} {'t.o.v. basislijn':>17} {'doel':>7}  oordeel")
    print("-" * 96)
    print(f"{'basislijn: kernel + imports':<40} {basislijn:>7.1f} {statistics.median(basis):>10.1f} {1:>16.1f}x "
          f"{'-':>7}")
    for naam, reeks in tijden.items():
        best, mediaan = min(reeks), statistics.median(reeks)
        oordeel = "binnen" if max(reeks) < GRENS_S else "BOVEN"
        print(f"{naam:<40} {best:>7.1f} {mediaan:>10.1f} {best / basislijn:>16.1f}x {GRENS_S:>6.0f}s  {oordeel}")
    print("\nTraagste cellen (laatste herhaling):")
    for naam, cellen in traag.items():
        print(f"  {naam}: " + "; ".join(f"cel {i} {d:.1f} s ({regel})" for d, i, regel in cellen))
    werkmap.cleanup()


if __name__ == "__main__":
    main()
