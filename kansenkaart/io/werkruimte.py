"""A workspace: a folder with the GeoPackage store, its region and caches.

Layout of a workspace folder::

    kansenkaart.gpkg   all layers (open it in QGIS), history of kansen, metadata incl. the region
    cache/             downloads and the walking-network cache (safe to delete)
    backups/           copies made by ``kansenkaart backup``

The region file is stored inside the GeoPackage (metadata table), so a workspace travels as
one file and a custom region needs no separate file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pyproj import CRS

from kansenkaart.errors import ConflictError, NotFoundError
from kansenkaart.io.store import GeoPackageStore
from kansenkaart.regio import Regio, laad_regio, parse_regio

__all__ = ["STORE_NAAM", "Werkruimte"]

STORE_NAAM = "kansenkaart.gpkg"


class Werkruimte:
    """A workspace folder: :attr:`store`, :attr:`regio` and :attr:`cache_dir`.

    Use :meth:`maak` to create one and :meth:`open` to open an existing one.
    """

    def __init__(self, pad: Path, store: GeoPackageStore, regio: Regio) -> None:
        self.pad = pad
        self.store = store
        self.regio = regio

    @property
    def crs(self) -> CRS:
        """The metric CRS in which all layers are stored."""
        return self.store.crs

    @property
    def cache_dir(self) -> Path:
        """Folder for downloads and the network cache."""
        d = self.pad / "cache"
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def voorbeelddata(self) -> bool:
        """True when the workspace holds example data (the demo)."""
        return self.regio.voorbeelddata or self.store.get_meta("voorbeelddata") == "ja"

    @classmethod
    def maak(cls, pad: str | Path, *, regio: str | Path, voorbeelddata: bool = False) -> Werkruimte:
        """Create a new workspace for ``regio`` (shipped id or path to a TOML file).

        Raises
        ------
        ConflictError
            When ``pad`` already holds a workspace.
        RegionError
            When the region is unknown or invalid.
        """
        p = Path(pad)
        store_path = p / STORE_NAAM
        if store_path.exists():
            raise ConflictError(
                f"In {p} staat al een werkruimte. Kies een andere map of verwijder {store_path.name} eerst."
            )
        r = laad_regio(regio)
        assert r.pad is not None
        toml_text = r.pad.read_text(encoding="utf-8")
        store = GeoPackageStore.create_file(
            store_path,
            crs=r.crs,
            meta={
                "regio_id": r.id,
                "regio_toml": toml_text,
                "voorbeelddata": "ja" if (voorbeelddata or r.voorbeelddata) else "nee",
            },
        )
        return cls(p, store, r)

    @classmethod
    def open(cls, pad: str | Path) -> Werkruimte:
        """Open an existing workspace.

        Raises
        ------
        NotFoundError
            With a hint how to create one.
        """
        p = Path(pad)
        store_path = p / STORE_NAAM
        if not store_path.exists():
            raise NotFoundError(
                f"Geen werkruimte gevonden in '{p}'. Maak er een met 'kansenkaart init --regio ... "
                f"--workspace {p}' of 'kansenkaart demo --workspace {p}'."
            )
        store = GeoPackageStore(store_path)
        text = store.get_meta("regio_toml")
        if text is None:
            regio = laad_regio(store.get_meta("regio_id") or "gooi-en-vechtstreek")
        else:
            regio = parse_regio(tomllib.loads(text))
        return cls(p, store, regio)

    @staticmethod
    def bestaat(pad: str | Path) -> bool:
        """True when ``pad`` holds a workspace."""
        return (Path(pad) / STORE_NAAM).exists()
