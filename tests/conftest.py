"""Shared fixtures: small workspaces built by the tests, and the real data in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The CLI's rich consoles fix their width at import when COLUMNS is set (pytest-xdist sets it to
# 80 in its workers). Unset, they read COLUMNS on every print, so the CLI tests' own
# ``env={"COLUMNS": ...}`` applies however the suite is run.
os.environ.pop("COLUMNS", None)

from kansenkaart.io.werkruimte import Werkruimte

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """Return ``../shared/data`` (or ``$KANSENKAART_SHARED/data``) when present."""
    env = os.environ.get("KANSENKAART_SHARED")
    candidates = [Path(env) / "data"] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture
def shared_data() -> Path:
    """The real CBS data of the region; skips with a clear message when absent."""
    d = shared_data_dir()
    if d is None:
        pytest.skip("../shared/data ontbreekt: deze test gebruikt de echte CBS-gegevens van de regio")
    return d


@pytest.fixture
def werkruimte(tmp_path: Path) -> Werkruimte:
    """An empty Gooi en Vechtstreek workspace in a temporary folder."""
    return Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
