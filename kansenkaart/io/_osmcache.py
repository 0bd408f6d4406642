"""On-disk cache of the walking network and the OSM voorzieningen (GeoParquet).

Layout under a workspace's ``cache/`` folder::

    netwerk/<sleutel>/nodes.parquet, edges.parquet, rapport.json
    voorzieningen/<sleutel>/voorzieningen.parquet, rapport.json

``<sleutel>`` is a SHA-256 over the source (the file's bytes, or the Overpass URL and area), the
metric CRS and the version of the filter/mapping, so a changed extract or setting gets a new entry
and an unchanged one is read back instead of rebuilt. Entries are written to a temporary folder
and renamed into place, so a crash never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from kansenkaart.netwerk import Netwerk

__all__ = [
    "bestand_sha256",
    "lees_netwerk",
    "lees_voorzieningen",
    "schrijf_netwerk",
    "schrijf_voorzieningen",
    "sleutel",
]


def bestand_sha256(pad: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    with pad.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def sleutel(*delen: str) -> str:
    """A cache key: SHA-256 over the parts, separated by NUL bytes."""
    return hashlib.sha256("\0".join(delen).encode("utf-8")).hexdigest()


def _schrijf_map(doel: Path, schrijf: Any) -> None:
    """Write a cache entry into a temporary sibling folder, then rename it into place."""
    doel.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{doel.name[:12]}-", dir=doel.parent))
    try:
        schrijf(tmp)
        if doel.exists():
            shutil.rmtree(doel)
        tmp.replace(doel)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def schrijf_netwerk(netwerk: Netwerk, doel: Path, *, info: dict[str, Any]) -> None:
    """Store a :class:`Netwerk` in folder ``doel`` (nodes/edges GeoParquet + rapport.json)."""

    def schrijf(tmp: Path) -> None:
        netwerk.nodes.to_parquet(tmp / "nodes.parquet")
        netwerk.edges.to_parquet(tmp / "edges.parquet")
        rapport = {"rapport": netwerk.rapport, "crs": netwerk.crs.to_string(), **info}
        (tmp / "rapport.json").write_text(json.dumps(rapport, indent=2, ensure_ascii=False), encoding="utf-8")

    _schrijf_map(doel, schrijf)


def lees_netwerk(map_: Path) -> Netwerk | None:
    """Read a network written by :func:`schrijf_netwerk`; ``None`` when the entry is absent."""
    if not (map_ / "rapport.json").exists():
        return None
    meta = json.loads((map_ / "rapport.json").read_text(encoding="utf-8"))
    nodes = gpd.read_parquet(map_ / "nodes.parquet")
    edges = gpd.read_parquet(map_ / "edges.parquet")
    crs = CRS.from_user_input(nodes.crs or meta["crs"])
    return Netwerk(nodes=nodes, edges=edges, crs=crs, rapport=dict(meta.get("rapport", {})))


def schrijf_voorzieningen(gdf: gpd.GeoDataFrame, doel: Path, *, info: dict[str, Any]) -> None:
    """Store OSM voorzieningen in folder ``doel``."""

    def schrijf(tmp: Path) -> None:
        gdf.to_parquet(tmp / "voorzieningen.parquet")
        (tmp / "rapport.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")

    _schrijf_map(doel, schrijf)


def lees_voorzieningen(map_: Path) -> gpd.GeoDataFrame | None:
    """Read voorzieningen written by :func:`schrijf_voorzieningen`; ``None`` when absent."""
    if not (map_ / "rapport.json").exists():
        return None
    gdf = gpd.read_parquet(map_ / "voorzieningen.parquet")
    for kolom in gdf.columns:
        if kolom != gdf.geometry.name and not pd.api.types.is_numeric_dtype(gdf[kolom]):
            gdf[kolom] = _object(gdf[kolom])
    return gdf


def _object(s: pd.Series) -> pd.Series:
    """Text as ``object`` with ``None`` for missing values (as built, not pandas' string dtype)."""
    return pd.Series([None if pd.isna(v) else v for v in s], index=s.index, dtype=object, name=s.name)
