"""CRS choices, coordinate transforms and fast GeoJSON serialisation for the API.

Layers are stored in the workspace's metric CRS. Responses are GeoJSON in CRS84 by default
(RFC 7946) or, with OGC API Features Part 2 ``crs=``, in another supported CRS; coordinates
are then written in that CRS's axis order (EPSG:4326 is latitude, longitude), as Part 2
requires. Transformers are built once per CRS pair and reused.

Serialisation writes geometries with :func:`shapely.to_geojson` (vectorised, in C) and only
encodes the properties with :mod:`json`, which keeps ``/items`` fast.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from shapely.geometry.base import BaseGeometry

from kansenkaart.crs import CRS84_URI, RD_NEW, WEB_CRS, crs_uri, parse_crs_uri
from kansenkaart.errors import CRSError, ValidationError

__all__ = [
    "CrsKeuze",
    "FeatureTekst",
    "bbox_naar_store",
    "dumps",
    "feature_teksten",
    "features_json",
    "geometrie_naar_store",
    "met_eigenschappen",
    "ondersteunde_crs",
    "transformeer",
    "transformer",
]

_GRADEN_DECIMALEN = 7  # about 1 cm
_METER_DECIMALEN = 3


@dataclass(frozen=True)
class CrsKeuze:
    """A supported output/input CRS: its OGC URI, the pyproj CRS and its axis order."""

    uri: str
    crs: CRS
    lat_eerst: bool
    geografisch: bool

    @property
    def content_crs(self) -> str:
        """Value of the ``Content-Crs`` header."""
        return f"<{self.uri}>"

    @property
    def decimalen(self) -> int:
        """Decimals written for coordinates in this CRS."""
        return _GRADEN_DECIMALEN if self.geografisch else _METER_DECIMALEN


def _keuze(crs: str | CRS) -> CrsKeuze:
    c = CRS.from_user_input(crs)
    first = c.axis_info[0].direction.lower() if c.axis_info else "east"
    return CrsKeuze(uri=crs_uri(c), crs=c, lat_eerst=first in ("north", "south"), geografisch=c.is_geographic)


def ondersteunde_crs(store_crs: CRS) -> dict[str, CrsKeuze]:
    """The CRSs the API serves: CRS84 (default), the storage CRS, EPSG:28992 and EPSG:4326.

    Returns an ordered mapping URI → :class:`CrsKeuze`, CRS84 first.
    """
    out: dict[str, CrsKeuze] = {}
    for c in (WEB_CRS, store_crs, RD_NEW, "EPSG:4326"):
        k = _keuze(c)
        out.setdefault(k.uri, k)
    return out


def kies_crs(waarde: str | None, ondersteund: Mapping[str, CrsKeuze], *, veld: str = "crs") -> CrsKeuze:
    """Resolve a ``crs``/``bbox-crs`` parameter (URI, ``EPSG:xxxx`` or ``<uri>``) to a supported CRS.

    Raises
    ------
    CRSError
        When the CRS is unknown or not served, naming the supported ones.
    """
    if waarde is None or not waarde.strip():
        return ondersteund[CRS84_URI]
    tekst = waarde.strip()
    if tekst.startswith("<") and tekst.endswith(">"):
        tekst = tekst[1:-1].strip()
    if tekst in ondersteund:
        return ondersteund[tekst]
    toegestaan = ", ".join(ondersteund)
    try:
        uri = crs_uri(parse_crs_uri(tekst))
    except (CRSError, ProjError, ValueError, TypeError) as e:
        raise CRSError(
            f"Onbekend coördinatenstelsel '{waarde}' in '{veld}'. Ondersteund: {toegestaan}.",
            details={"veld": veld, "waarde": waarde, "toegestaan": list(ondersteund)},
        ) from e
    if uri not in ondersteund:
        raise CRSError(
            f"Coördinatenstelsel '{waarde}' in '{veld}' wordt niet ondersteund. Ondersteund: {toegestaan}.",
            details={"veld": veld, "waarde": waarde, "toegestaan": list(ondersteund)},
        )
    return ondersteund[uri]


@lru_cache(maxsize=64)
def transformer(bron_uri: str, doel_uri: str) -> Transformer:
    """A lon/lat-ordered (``always_xy``) transformer between two CRS URIs, built once."""
    return Transformer.from_crs(parse_crs_uri(bron_uri), parse_crs_uri(doel_uri), always_xy=True)


@lru_cache(maxsize=64)
def _uri(crs: CRS) -> str:
    return crs_uri(crs)


def transformeer(geoms: np.ndarray, *, van: CRS, naar: CrsKeuze, van_uri: str | None = None) -> np.ndarray:
    """Transform geometries from the store CRS ``van`` to ``naar``, in ``naar``'s axis order, rounded.

    Parameters
    ----------
    geoms
        Array of shapely geometries (``None`` allowed).
    van
        Source CRS.
    naar
        Target CRS choice; coordinates come out lat/lon when its first axis is north.
    van_uri
        OGC URI of ``van`` (saves computing it).
    """
    bron_uri = van_uri or _uri(van)
    out = np.asarray(geoms, dtype=object)
    if len(out) == 0:
        return out
    aanwezig = np.array([g is not None for g in out], dtype=bool)
    if not aanwezig.any():
        return out
    sub = out[aanwezig]
    if bron_uri != naar.uri:
        tr = transformer(bron_uri, naar.uri)

        def _tr(c: np.ndarray) -> np.ndarray:
            x, y = tr.transform(c[:, 0], c[:, 1])
            return np.column_stack([x, y])

        sub = shapely.transform(sub, _tr)
    d = naar.decimalen
    if naar.lat_eerst:
        sub = shapely.transform(sub, lambda c: np.round(c[:, ::-1], d))
    else:
        sub = shapely.transform(sub, lambda c: np.round(c, d))
    out = out.copy()
    out[aanwezig] = sub
    return out


def _controleer_bbox(waarden: Sequence[float], keuze: CrsKeuze, veld: str) -> tuple[float, float, float, float]:
    if len(waarden) == 6:
        waarden = [waarden[0], waarden[1], waarden[3], waarden[4]]
    if len(waarden) != 4:
        raise ValidationError(
            f"'{veld}' moet 4 getallen hebben (minx,miny,maxx,maxy), of 6 met hoogte; gekregen: {len(waarden)}.",
            details={"veld": veld},
        )
    a, b, c, d = (float(v) for v in waarden)
    if not all(math.isfinite(v) for v in (a, b, c, d)):
        raise ValidationError(f"'{veld}' bevat een ongeldig getal.", details={"veld": veld})
    if keuze.lat_eerst:  # EPSG:4326: lat,lon order → lon,lat
        a, b, c, d = b, a, d, c
    if a > c or b > d:
        raise ValidationError(
            f"'{veld}' is ongeldig: de ondergrens moet kleiner zijn dan de bovengrens "
            "(volgorde minx,miny,maxx,maxy; over de datumgrens heen wordt niet ondersteund).",
            details={"veld": veld},
        )
    if keuze.geografisch and (a < -180 or c > 180 or b < -90 or d > 90):
        raise ValidationError(
            f"'{veld}' valt buiten de wereld: lengtegraad moet tussen -180 en 180 liggen, "
            "breedtegraad tussen -90 en 90.",
            details={"veld": veld},
        )
    return a, b, c, d


def parse_bbox(tekst: str, *, veld: str = "bbox") -> list[float]:
    """Parse ``"minx,miny,maxx,maxy"`` into numbers (400 with a Dutch message when malformed)."""
    delen = [p.strip() for p in tekst.split(",")]
    try:
        return [float(p) for p in delen]
    except ValueError as e:
        raise ValidationError(
            f"'{veld}' moet bestaan uit 4 getallen gescheiden door komma's (minx,miny,maxx,maxy), "
            f"bijvoorbeeld 5.10,52.20,5.20,52.30; gekregen: '{tekst[:100]}'.",
            details={"veld": veld},
        ) from e


def bbox_naar_store(
    waarden: Sequence[float], *, bbox_crs: CrsKeuze, store_crs: CRS, veld: str = "bbox"
) -> tuple[float, float, float, float] | None:
    """Transform a bbox to the store CRS (densified edges); ``None`` when it misses the store's area.

    The bbox is first clipped to the area of use of the store CRS (a world-wide CRS84 bbox
    would otherwise project to infinities).
    """
    a, b, c, d = _controleer_bbox(waarden, bbox_crs, veld)
    store_uri = _uri(store_crs)
    if bbox_crs.uri == store_uri:
        return a, b, c, d
    bron = bbox_crs.uri
    if not bbox_crs.geografisch:
        a, b, c, d = transformer(bron, CRS84_URI).transform_bounds(a, b, c, d, densify_pts=21)
        bron = CRS84_URI
        if not all(math.isfinite(v) for v in (a, b, c, d)):
            return None
    aou = store_crs.area_of_use
    if aou is not None:
        w, s, e, n = aou.bounds
        a, b, c, d = max(a, w), max(b, s), min(c, e), min(d, n)
        if a > c or b > d:
            return None
    try:
        out = transformer(bron, store_uri).transform_bounds(a, b, c, d, densify_pts=21)
    except ProjError as e:
        raise ValidationError(
            f"'{veld}' kan niet worden omgerekend naar het CRS van de werkruimte.", details={"veld": veld}
        ) from e
    if not all(math.isfinite(v) for v in out):
        return None
    return out[0], out[1], out[2], out[3]


def geometrie_naar_store(geom: BaseGeometry, *, van: CrsKeuze, store_crs: CRS) -> BaseGeometry:
    """Transform one input geometry (in ``van``'s axis order) to the store CRS."""
    if van.lat_eerst:
        geom = shapely.transform(geom, lambda c: c[:, ::-1])
    store_uri = _uri(store_crs)
    if van.uri == store_uri:
        return geom
    tr = transformer(van.uri, store_uri)

    def _tr(c: np.ndarray) -> np.ndarray:
        x, y = tr.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(geom, _tr)
    if not np.all(np.isfinite(shapely.get_coordinates(out))):
        raise CRSError(
            "De geometrie ligt buiten het gebied van het coördinatenstelsel van de werkruimte.",
            details={"veld": "geometry"},
        )
    return out


# --------------------------------------------------------------------------- serialisation


def _waarde(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, np.generic):
        return _waarde(v.item())
    return v


def _kolom(s: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values; every kind of missing (None, NaN, NA) becomes None.

    (pandas 3 stores text as the ``str`` dtype, whose missing value is NaN.)
    """
    if pd.api.types.is_float_dtype(s.dtype):
        return [v if math.isfinite(v) else None for v in s.tolist()]
    return [_waarde(v) for v in s.tolist()]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
_tekst_json = json.encoder.encode_basestring  # C-accelerated


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 characters kept, no NaN (one shared encoder: cheap per call)."""
    return _ENCODER.encode(obj)


def records(df: pd.DataFrame, kolommen: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (missing values as ``None``)."""
    namen = list(kolommen)
    cols = [_kolom(df[c]) for c in namen]
    return (
        [dict(zip(namen, rij, strict=True)) for rij in zip(*cols, strict=True)]
        if namen
        else [{} for _ in range(len(df))]
    )


class FeatureTekst(NamedTuple):
    """A serialised GeoJSON Feature and where its properties end (:func:`feature_teksten`)."""

    tekst: str
    eind: int
    """Position of the closing brace of ``properties`` in ``tekst`` (see :func:`met_eigenschappen`)."""


def feature_teksten(
    gdf: gpd.GeoDataFrame,
    *,
    naar: CrsKeuze,
    van_uri: str,
    item_href: str | None,
    extra_links: Sequence[Mapping[str, str]] = (),
) -> list[FeatureTekst]:
    """Serialise the rows of ``gdf`` as GeoJSON Feature texts (as :func:`features_json`), each with
    the position where its properties end, so that more properties can be added later
    (:func:`met_eigenschappen`) without encoding the row again.
    """
    geoms = transformeer(np.asarray(gdf.geometry.array, dtype=object), van=gdf.crs, naar=naar, van_uri=van_uri)
    leeg = np.array([g is None or g.is_empty for g in geoms], dtype=bool)
    geo_strings: list[str | None] = [None] * len(geoms)
    if len(geoms) and (~leeg).any():
        for i, s in zip(np.flatnonzero(~leeg), shapely.to_geojson(geoms[~leeg]), strict=True):
            geo_strings[i] = str(s)
    kolommen = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    props = records(gdf, kolommen)
    extra = dumps(list(extra_links))[1:-1] if extra_links else ""
    out: list[FeatureTekst] = []
    encode = _ENCODER.encode
    for p, g in zip(props, geo_strings, strict=True):
        fid = p.get("id")
        kop = "".join(
            [
                '{"type":"Feature","id":',
                "null" if fid is None else _tekst_json(str(fid)),
                ',"geometry":',
                g if g is not None else "null",
                ',"properties":',
                encode(p),
            ]
        )
        deel = [kop]
        if item_href is not None and fid is not None:
            href = _tekst_json(f"{item_href}/{quote(str(fid), safe='')}")
            deel += [
                ',"links":[{"href":',
                href,
                ',"rel":"self","type":"application/geo+json"}',
                "," + extra if extra else "",
                "]",
            ]
        deel.append("}")
        out.append(FeatureTekst("".join(deel), len(kop) - 1))
    return out


def met_eigenschappen(feature: FeatureTekst, eigenschappen: Mapping[str, Any]) -> str:
    """The Feature text with ``eigenschappen`` added after its own properties.

    The names must not be properties of the feature already. Values are written as
    :func:`records` would (missing and non-finite numbers as ``null``).
    """
    tekst, eind = feature
    if not eigenschappen:
        return tekst
    extra = _ENCODER.encode({k: _waarde(v) for k, v in eigenschappen.items()})[1:-1]
    return tekst[:eind] + ("" if tekst[eind - 1] == "{" else ",") + extra + tekst[eind:]


def features_json(
    gdf: gpd.GeoDataFrame,
    *,
    naar: CrsKeuze,
    van_uri: str,
    item_href: str | None,
    extra_links: Sequence[Mapping[str, str]] = (),
) -> list[str]:
    """Serialise the rows of ``gdf`` as GeoJSON Feature strings in CRS ``naar``.

    ``id`` is the kansenkaart ``id`` column. ``item_href`` is a URL prefix; when given, each
    feature gets a ``self`` link ``<item_href>/<id>`` plus ``extra_links``.
    """
    return [
        f.tekst
        for f in feature_teksten(gdf, naar=naar, van_uri=van_uri, item_href=item_href, extra_links=extra_links)
    ]
