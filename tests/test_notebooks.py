"""The analysts' notebooks in notebooks/: committed clean, public API only, and executed on a fresh kernel.

The notebooks are documentation that cannot go stale: every notebook runs from top to bottom in its own
new kernel (nbclient, kernelspec ``python3``) with ``notebooks/`` as working directory, and any error in
any cell fails the test. Notebook 03 reads the real CBS data in ``../shared/data`` and is skipped when it
is absent. Execution times are printed; the 60 s target is checked by ``bench/bench_notebooks.py``.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import kansenkaart

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO / "notebooks"
VERWACHT = ("01_vlekkenplan", "02_geschiktheid", "03_regio_monitor", "04_eigen_regio")
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
MET_ECHTE_DATA = {"03_regio_monitor"}
PUBLIEK = frozenset(kansenkaart.__all__)


def _shared_data_dir() -> Path | None:
    """``$KANSENKAART_SHARED/data`` or ``../shared/data`` next to the repo, as notebook 03 looks for it."""
    env = os.environ.get("KANSENKAART_SHARED")
    kandidaten = [Path(env) / "data"] if env else []
    kandidaten.append(REPO.parent / "shared" / "data")
    return next((k for k in kandidaten if (k / "cbs-kwb2022-tmap").is_dir() and (k / "cbs-pc4-certegis").is_dir()),
                None)


def _lees(pad: Path) -> Any:
    return nbformat.read(pad, as_version=4)


def _codecellen(pad: Path) -> list[tuple[int, str]]:
    return [(i, c.source) for i, c in enumerate(_lees(pad).cells) if c.cell_type == "code"]


def _param(pad: Path) -> Any:
    marks = [pytest.mark.shared] if pad.stem in MET_ECHTE_DATA else []
    return pytest.param(pad, id=pad.stem, marks=marks)


# --------------------------------------------------------------------------- static checks (fast)


def test_alle_notebooks_aanwezig() -> None:
    assert tuple(p.stem for p in NOTEBOOKS) == VERWACHT


@pytest.mark.parametrize("pad", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_zonder_uitvoer(pad: Path) -> None:
    """Committed without outputs and execution counts (the nbstripout check)."""
    nb = _lees(pad)
    nbformat.validate(nb)
    vuil = []
    for i, cel in enumerate(nb.cells):
        if cel.cell_type == "code" and (cel.outputs or cel.execution_count is not None):
            vuil.append(f"cel {i}: uitvoer of uitvoeringsnummer")
        if "execution" in cel.metadata or "ExecuteTime" in cel.metadata:
            vuil.append(f"cel {i}: tijden van uitvoering in de metadata")
    if set(nb.metadata) - {"kernelspec", "language_info"} or set(nb.metadata.get("language_info", {})) - {"name"}:
        vuil.append(f"notebook-metadata: {sorted(nb.metadata)}")
    assert not vuil, f"{pad.name} is niet opgeschoond ({'; '.join(vuil)}); draai: python scripts/notebooks_opschonen.py"


@pytest.mark.parametrize("pad", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_begint_met_nederlandse_inleiding(pad: Path) -> None:
    eerste = _lees(pad).cells[0]
    assert eerste.cell_type == "markdown"
    assert eerste.source.startswith("# ")
    assert "Welke vraag beantwoordt dit notebook?" in eerste.source and "Voor wie?" in eerste.source


def _niet_publiek(bron: str) -> list[str]:
    """Uses of kansenkaart in ``bron`` that bypass the public API (``import kansenkaart as kk``; ``kk.<name>``)."""
    fouten: list[str] = []
    boom = ast.parse(bron)
    aliassen = set()
    for knoop in ast.walk(boom):
        if isinstance(knoop, ast.Import):
            for a in knoop.names:
                if a.name == "kansenkaart":
                    aliassen.add(a.asname or a.name)
                elif a.name.startswith("kansenkaart."):
                    fouten.append(f"import {a.name}")
        elif isinstance(knoop, ast.ImportFrom) and knoop.module and knoop.module.split(".")[0] == "kansenkaart":
            if knoop.module != "kansenkaart":
                fouten.append(f"from {knoop.module} import …")
            else:
                fouten += [f"from kansenkaart import {a.name}" for a in knoop.names if a.name not in PUBLIEK]
    for knoop in ast.walk(boom):
        if (
            isinstance(knoop, ast.Attribute)
            and isinstance(knoop.value, ast.Name)
            and knoop.value.id in aliassen
            and knoop.attr not in PUBLIEK
        ):
            fouten.append(f"{knoop.value.id}.{knoop.attr}")
    return fouten


@pytest.mark.parametrize("pad", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_gebruikt_alleen_publieke_api(pad: Path) -> None:
    fouten = []
    for i, bron in _codecellen(pad):
        fouten += [f"cel {i}: {f}" for f in _niet_publiek(bron)]
    assert not fouten, (
        f"{pad.name} gebruikt namen buiten de publieke API (kansenkaart/__init__.py); voeg ontbrekende namen toe "
        f"aan _PUBLIEK: {fouten}"
    )
    assert any("import kansenkaart as kk" in bron for _i, bron in _codecellen(pad))


def test_controle_publieke_api_vangt_omwegen() -> None:
    assert _niet_publiek("import kansenkaart as kk\nkk.Werkruimte\nkk.bouw_demo()") == []
    assert _niet_publiek("import kansenkaart.io.monitor") == ["import kansenkaart.io.monitor"]
    assert _niet_publiek("from kansenkaart.io import monitor") == ["from kansenkaart.io import …"]
    assert _niet_publiek("from kansenkaart import _PUBLIEK, laad_regio") == ["from kansenkaart import _PUBLIEK"]
    assert _niet_publiek("import kansenkaart as k\nk._PUBLIEK\nk.demo") == ["k._PUBLIEK", "k.demo"]


def test_readmes_linken_elk_notebook() -> None:
    for readme in (NOTEBOOKS_DIR / "README.md", REPO / "README.md"):
        tekst = readme.read_text(encoding="utf-8")
        for naam in VERWACHT:
            assert f"{naam}.ipynb" in tekst, f"{readme.relative_to(REPO)} noemt {naam}.ipynb niet"


# --------------------------------------------------------------------------- execution (slow)


@pytest.mark.slow
@pytest.mark.parametrize("pad", [_param(p) for p in NOTEBOOKS])
def test_notebook_draait_zonder_fouten(
    pad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if pad.stem in MET_ECHTE_DATA and _shared_data_dir() is None:
        pytest.skip(f"../shared/data ontbreekt: {pad.name} gebruikt de echte CBS-gegevens (wijken en PC4) van de regio")
    nb = _lees(pad)
    # The kernel inherits this environment: make the checkout importable (also without `pip install -e`), let
    # the kernel pick its own inline matplotlib backend, and keep the notebook's temporary folders in tmp_path.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    # One extra cell, in memory only: which interpreter ran the notebook?
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable, end='')"))
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError (with the cell and traceback) on any error
    duur = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n{pad.name}: {duur:.1f} s (kernelstart inbegrepen)")
    python = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert python == sys.executable, (
        f"De kernel 'python3' draait {python!r}, de tests {sys.executable!r}: installeer ipykernel in deze "
        "omgeving of verwijder een afwijkende kernelspec 'python3' (jupyter kernelspec list)."
    )
