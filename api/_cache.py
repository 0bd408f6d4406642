"""Read cache of the API: layers in memory with a spatial index, and recent query answers.

Reading a layer page from the GeoPackage costs a few milliseconds per call, mostly building
the pandas frame, independent of the number of rows. Under concurrent load (QGIS panning,
several planners) that dominates. :class:`Leescache` keeps each layer that was read as one
GeoDataFrame plus a shapely ``STRtree``, answers ``query``/``count`` from memory with the same
semantics as :meth:`GeoPackageStore.query` (bbox = exact intersection, attribute filters
OR-ed per field, ``codes`` fields by list membership, fid order, soft-deleted kansen left
out), and remembers the last answers of spatial queries.

Invalidation is by SQLite's ``PRAGMA data_version`` on a private connection: it changes as
soon as *any* other connection commits to the file, whether a write through this API, the
web map, or ``kansenkaart import`` in another process. Any change drops everything; writes
are rare and a layer is reloaded on its next read. Layers larger than ``max_objecten`` are
not cached (read from the store each time).

Serialised features: :meth:`Leescache.pagina` also keeps each row's GeoJSON Feature text per
output variant (CRS and item URL), made on first request of that row. A page of ``items`` then
costs an index lookup and a string join instead of a pandas selection, a reprojection and
JSON encoding of every row; under load that is most of the difference between the
``items_bbox`` figures before and after (see ``bench/bench_api.py``).

Spatial questions: a *new* question (another distance, another filter) is answered from the
same memory without building frames (:mod:`api.routes.query`). :meth:`Leescache.selectie`
gives the selected rows as positions and geometries (selection as :meth:`Leescache.query`),
:func:`kansenkaart.query.zoek_treffers` measures on the geometry arrays, and the matching
targets are written from their kept Feature texts (the ones ``items`` serves) with the three
result properties added. Selecting, copying and serialising pandas frames with arrow-backed
text columns used to be most of such a request (the work of a new ``hemelsbreed`` question on
the demo: 4.6 ms before, 0.6 ms now). The kept texts, labels and geometries belong to one
generation of the data and are dropped with it, so a kans created, moved or edited is in
the very next answer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api._geojson import FeatureTekst
from kansenkaart.io.store import GeoPackageStore, is_ja_nee_kolom, ja_nee
from kansenkaart.query import ref_labels
from kansenkaart.schemas import laag as _schema

__all__ = ["Leescache", "Selectie"]

T = TypeVar("T")

_MAX_VARIANTEN = 4
"""Output variants (CRS x item URL) whose Feature texts are kept per layer; older ones are dropped."""


@dataclass(frozen=True)
class _Laag:
    frame: gpd.GeoDataFrame
    geoms: np.ndarray
    """The geometries as an object array (row positions as in ``frame``)."""
    boom: shapely.STRtree
    codes_velden: frozenset[str]
    kolommen: tuple[str, ...]
    """The attribute columns (without the geometry)."""
    teksten: dict[Any, dict[int, FeatureTekst]] = field(default_factory=dict)
    """Serialised features per output variant: variant key -> {row position: Feature text}."""
    labels: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """``id`` and ``naam`` of every row as text (made on first use as a query reference)."""


@dataclass(frozen=True)
class Selectie:
    """Rows of a cached layer (:meth:`Leescache.selectie`): positions in fid order and their geometries.

    It holds the layer as it was read, so :meth:`Leescache.feature_teksten` and
    :meth:`Leescache.labels` describe the same rows even when the workspace changes meanwhile.
    """

    naam: str
    posities: np.ndarray
    geoms: np.ndarray
    kolommen: tuple[str, ...]
    """The attribute columns of the layer (without the geometry)."""
    laag: _Laag = field(repr=False, compare=False)


class Leescache:
    """Layers and query answers in memory, dropped on any committed write to the workspace.

    Parameters
    ----------
    store
        The workspace store (reads go through its ``query``/``count``/``columns``).
    max_objecten
        Layers with more features are not cached.
    max_antwoorden
        Number of query answers kept (least recently used are dropped).
    """

    def __init__(self, store: GeoPackageStore, *, max_objecten: int = 250_000, max_antwoorden: int = 256) -> None:
        self.store = store
        self.max_objecten = max_objecten
        self.max_antwoorden = max_antwoorden
        self._conn = sqlite3.connect(store.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._data_version: int | None = None
        self._generatie = 0
        self._lagen: dict[str, _Laag | None] = {}
        self._antwoorden: OrderedDict[Any, Any] = OrderedDict()
        self.metrisch = bool(store.crs.is_projected)
        """Whether the store CRS measures in metres (distances can be taken from the cached geometries)."""

    # ------------------------------------------------------------------ invalidation

    def generatie(self) -> int:
        """A number that changes whenever the workspace file changed (and clears the cache)."""
        with self._lock:
            versie = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            if versie != self._data_version:
                self._data_version = versie
                self._generatie += 1
                self._lagen.clear()
                self._antwoorden.clear()
            return self._generatie

    def _laag(self, naam: str) -> _Laag | None:
        self.generatie()
        with self._lock:
            if naam not in self._lagen:
                if self.store.count(naam) > self.max_objecten:
                    self._lagen[naam] = None
                else:
                    frame = self.store.query(naam)
                    schema = _schema(naam)
                    codes = frozenset(v.naam for v in schema.velden if v.type == "codes")
                    geoms = np.asarray(frame.geometry.array, dtype=object)
                    boom = shapely.STRtree(geoms)
                    kolommen = tuple(str(c) for c in frame.columns if c != frame.geometry.name)
                    self._lagen[naam] = _Laag(
                        frame=frame, geoms=geoms, boom=boom, codes_velden=codes, kolommen=kolommen
                    )
            return self._lagen[naam]

    # ------------------------------------------------------------------ reads (Provider semantics)

    def _laag_voor(self, naam: str, filters: Mapping[str, Any] | None) -> _Laag | None:
        """The cached layer, or ``None`` when it is not cached or a filter names an unknown field (store decides)."""
        laag = self._laag(naam)
        if laag is None or any(v not in laag.frame.columns for v in (filters or {})):
            return None
        return laag

    def _posities(
        self,
        laag: _Laag,
        bbox: tuple[float, float, float, float] | None,
        filters: Mapping[str, Any] | None,
    ) -> np.ndarray:
        frame = laag.frame
        if bbox is None:
            pos = np.arange(len(frame))
        else:
            pos = np.sort(laag.boom.query(shapely.box(*bbox), predicate="intersects"))
        for veld, waarde in (filters or {}).items():
            waarden = list(waarde) if isinstance(waarde, list | tuple | set) else [waarde]
            kolom = frame[veld].iloc[pos]
            if veld in laag.codes_velden:
                lijsten = [set(str(x).split(",")) if isinstance(x, str) else set() for x in kolom.tolist()]
                keep = np.array([any(str(w) in lijst for w in waarden) for lijst in lijsten], dtype=bool)
            else:
                if is_ja_nee_kolom(kolom):
                    waarden = [ja_nee(w) for w in waarden]
                elif pd.api.types.is_numeric_dtype(kolom.dtype):
                    waarden = [_getal(w) for w in waarden]
                keep = kolom.isin(waarden).fillna(False).to_numpy(dtype=bool)
            pos = pos[keep]
        return pos

    def query(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> gpd.GeoDataFrame:
        """Like :meth:`GeoPackageStore.query` (without soft-deleted kansen), from memory when cached."""
        laag = self._laag_voor(naam, filters)
        if laag is None:
            return self.store.query(naam, bbox=bbox, filters=filters, limit=limit, offset=offset)
        pos = self._posities(laag, bbox, filters)
        if limit is not None:
            pos = pos[offset : offset + limit]
        elif offset:
            pos = pos[offset:]
        return laag.frame.iloc[pos]

    def count(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> int:
        """The number of features :meth:`query` would return without paging (exact for polygons)."""
        laag = self._laag_voor(naam, filters)
        if laag is None:
            return self.store.count(naam, bbox=bbox, filters=filters)
        return len(self._posities(laag, bbox, filters))

    def pagina(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None,
        filters: Mapping[str, Any] | None,
        limit: int,
        offset: int,
        variant: Any,
        maak: Callable[[gpd.GeoDataFrame], list[FeatureTekst]],
    ) -> tuple[int, list[str]] | None:
        """One page of serialised features: ``(numberMatched, Feature texts)``, or ``None`` if not cached.

        Selection and order are those of :meth:`query`. ``maak`` serialises a frame of rows (in
        order) as :func:`api._geojson.feature_teksten` does; it runs only for rows of the page not
        made before in this ``variant``, which must capture everything the text depends on
        (output CRS, item URL).
        """
        laag = self._laag_voor(naam, filters)
        if laag is None:
            return None
        pos = self._posities(laag, bbox, filters)
        return len(pos), [f.tekst for f in self._teksten(laag, pos[offset : offset + limit], variant, maak)]

    def _teksten(
        self,
        laag: _Laag,
        posities: np.ndarray,
        variant: Any,
        maak: Callable[[gpd.GeoDataFrame], list[FeatureTekst]],
    ) -> list[FeatureTekst]:
        """The serialised features of rows ``posities`` in ``variant``, made by ``maak`` when new."""
        pagina = [int(p) for p in posities]
        with self._lock:
            if variant not in laag.teksten and len(laag.teksten) >= _MAX_VARIANTEN:
                del laag.teksten[next(iter(laag.teksten))]  # oldest variant (e.g. another Host header)
            teksten = laag.teksten.setdefault(variant, {})
            ontbrekend = [p for p in pagina if p not in teksten]
        if ontbrekend:
            nieuw = maak(laag.frame.iloc[ontbrekend])
            with self._lock:
                teksten.update(zip(ontbrekend, nieuw, strict=True))
        with self._lock:
            return [teksten[p] for p in pagina]

    # ------------------------------------------------------------------ spatial questions

    def selectie(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Selectie | None:
        """The rows :meth:`query` would return, as positions and geometries; ``None`` if not cached.

        For the spatial question (:mod:`api.routes.query`): no frame is built; the rows are
        named with :meth:`labels` and serialised with :meth:`feature_teksten`.
        """
        laag = self._laag_voor(naam, filters)
        if laag is None:
            return None
        pos = self._posities(laag, bbox, filters)
        return Selectie(naam=naam, posities=pos, geoms=laag.geoms[pos], kolommen=laag.kolommen, laag=laag)

    def labels(self, selectie: Selectie) -> tuple[np.ndarray, np.ndarray]:
        """``id`` and ``naam`` as text of the selected rows (:func:`kansenkaart.query.ref_labels`).

        Made once per layer (and kept until the workspace changes), then indexed.
        """
        laag = selectie.laag
        with self._lock:
            if not laag.labels:
                laag.labels.append(ref_labels(laag.frame))
            ids, namen = laag.labels[0]
        return ids[selectie.posities], namen[selectie.posities]

    def feature_teksten(
        self,
        selectie: Selectie,
        rijen: np.ndarray,
        *,
        variant: Any,
        maak: Callable[[gpd.GeoDataFrame], list[FeatureTekst]],
    ) -> list[FeatureTekst]:
        """Serialised features of the selected rows ``rijen`` (positions within ``selectie``).

        Kept per row and ``variant`` as :meth:`pagina` keeps them (the same variant gives the
        same texts as ``items``); ``maak`` runs only for rows not made before.
        """
        return self._teksten(selectie.laag, selectie.posities[np.asarray(rijen, dtype=np.int64)], variant, maak)

    def columns(self, naam: str) -> list[str]:
        """The attribute columns of a stored layer."""
        return self.store.columns(naam)

    # ------------------------------------------------------------------ answers

    def bekend(self, sleutel: Any) -> bool:
        """True when an answer for ``sleutel`` in the current data is remembered."""
        gen = self.generatie()
        with self._lock:
            return (gen, sleutel) in self._antwoorden

    def antwoord(self, sleutel: Any, bereken: Callable[[], T]) -> T:
        """Return the remembered answer for ``sleutel`` in the current data, or compute and keep it."""
        gen = self.generatie()
        volledig = (gen, sleutel)
        with self._lock:
            if volledig in self._antwoorden:
                self._antwoorden.move_to_end(volledig)
                return self._antwoorden[volledig]
        uitkomst = bereken()
        with self._lock:
            if self.generatie() == gen:
                self._antwoorden[volledig] = uitkomst
                while len(self._antwoorden) > self.max_antwoorden:
                    self._antwoorden.popitem(last=False)
        return uitkomst

    def sluit(self) -> None:
        """Close the private connection."""
        self._conn.close()


def _getal(w: Any) -> Any:
    if isinstance(w, str):
        try:
            return float(w)
        except ValueError:
            return w
    return w
