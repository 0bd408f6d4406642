"""Strip outputs from the notebooks before committing (an nbstripout equivalent), or check that they are clean.

    python scripts/notebooks_opschonen.py                # clean notebooks/*.ipynb in place
    python scripts/notebooks_opschonen.py --controleer   # only check; exit 1 when a notebook is not clean
    python scripts/notebooks_opschonen.py pad/naar.ipynb # clean these files

Clean means: no outputs and no execution counts in code cells, no execution timing or view state in cell
metadata, no widget state, and notebook metadata reduced to the kernelspec and the language name. The test
``tests/test_notebooks.py`` checks the same, so a notebook saved with outputs fails the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"

CEL_METADATA_WEG = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter", "widgets")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def opgeschoond(nb: Any) -> Any:
    """Return a copy of notebook ``nb`` without outputs, execution counts and volatile metadata."""
    schoon = nbformat.from_dict(nb)
    for cel in schoon.cells:
        if cel.cell_type == "code":
            cel.outputs = []
            cel.execution_count = None
        for sleutel in CEL_METADATA_WEG:
            cel.metadata.pop(sleutel, None)
        if cel.cell_type == "markdown" and not cel.get("attachments"):
            cel.pop("attachments", None)
    schoon.metadata = {
        "kernelspec": dict(schoon.metadata.get("kernelspec") or KERNELSPEC),
        "language_info": {"name": "python"},
    }
    return schoon


def is_schoon(nb: Any) -> bool:
    """True when ``nb`` is already clean."""
    return nbformat.writes(opgeschoond(nb)) == nbformat.writes(nbformat.from_dict(nb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paden", nargs="*", type=Path, help="notebooks (standaard: notebooks/*.ipynb)")
    parser.add_argument("--controleer", action="store_true", help="alleen controleren, niets wijzigen")
    args = parser.parse_args(argv)
    paden = args.paden or sorted(NOTEBOOKS.glob("*.ipynb"))
    vuil = []
    for pad in paden:
        nb = nbformat.read(pad, as_version=4)
        if is_schoon(nb):
            continue
        vuil.append(pad)
        if not args.controleer:
            nbformat.write(opgeschoond(nb), pad)
            print(f"Opgeschoond: {pad}")
    if args.controleer and vuil:
        print("Deze notebooks bevatten uitvoer; draai 'python scripts/notebooks_opschonen.py':", file=sys.stderr)
        for pad in vuil:
            print(f"  {pad}", file=sys.stderr)
        return 1
    if not vuil:
        print(f"{len(paden)} notebook(s) zonder uitvoer.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
