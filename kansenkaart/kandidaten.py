"""Candidate locations for the geschiktheid score.

Four kinds of candidate (``kandidaat_type``):

``wooncomplex``
    An existing senior complex (layer ``wooncomplexen``): adapt it.
``nieuwbouwplan``
    A planned new-build project (layer ``nieuwbouwplannen``): steer it towards clustered or
    care-ready housing.
``kans``
    A kans marked by the aanjager (layer ``kansen``), except kansen that are already
    ``gerealiseerd`` or ``vervallen``.
``raster``
    A square cell of a regular grid over the built-up area, so that the map also shows where
    kansen could be where nobody has marked one yet.

All functions are pure: GeoDataFrames in, new GeoDataFrames out, in the CRS of the input.

Built-up area
-------------
A workspace stores no buildings, so "built-up" is approximated from the walking network
(:func:`bebouwd_gebied`): the area within ``afstand_m`` (default 75 m) of

1. a *woonstraat*: an OSM way with ``highway`` = ``residential``, ``living_street`` or
   ``pedestrian``; these lie almost only between houses; or
2. any other *street* (not a path: footways, paths, tracks, cycleways, bridleways, steps are
   left out) that lies in a dense street network: at least ``min_straatlengte_m`` (800 m) of
   street within ``straal_m`` (150 m) of the street's midpoint. A city centre's main streets
   pass; a lone road or a crossroads through heath or forest (300-600 m) does not.

Footpaths never count on their own because 't Gooi has many of them through heath and forest
(and in city centres sidewalks are mapped as separate footways next to the streets).
:func:`raster` keeps the cells whose centre lies in that area and, when given, inside the
region's areas (``binnen``, e.g. the gemeenten).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from kansenkaart.crs import check_crs
from kansenkaart.errors import CRSError, LimitError, ValidationError

__all__ = [
    "BEBOUWD_WEGTYPEN",
    "KANDIDAATSOORTEN",
    "KANDIDAAT_KOLOMMEN",
    "KANS_STATUSSEN_KANDIDAAT",
    "MAX_RASTERCELLEN",
    "bebouwd_gebied",
    "gemeentecode_uit_locatie",
    "kandidaten_uit_lagen",
    "locatiepunten",
    "raster",
]

KANDIDAATSOORTEN: tuple[str, ...] = ("wooncomplex", "nieuwbouwplan", "kans", "raster")
"""The kinds of candidate, in the order they are listed."""

KANS_STATUSSEN_KANDIDAAT: tuple[str, ...] = ("idee", "verkenning", "in voorbereiding", "in uitvoering")
"""Kans statuses that make a kans a candidate (``gerealiseerd`` and ``vervallen`` are no choice)."""

BEBOUWD_WEGTYPEN: tuple[str, ...] = ("residential", "living_street", "pedestrian")
"""OSM ``highway`` values that mark built-up area (woonstraten, woonerven, voetgangersgebieden)."""

PADTYPEN: tuple[str, ...] = (
    "footway",
    "path",
    "track",
    "cycleway",
    "bridleway",
    "steps",
    "trail",
    "corridor",
    "platform",
    "elevator",
)
"""OSM ``highway`` values that are paths, not streets: they never mark built-up area."""

MAX_RASTERCELLEN = 2_000_000
"""Upper bound on the number of grid centres examined; protects against a tiny cell size."""

KANDIDAAT_KOLOMMEN: tuple[str, ...] = (
    "kandidaat_id",
    "kandidaat_type",
    "bron_laag",
    "bron_id",
    "naam",
    "aantal_woningen",
    "ontmoetingsruimte",
    "gemeentecode",
)
"""Attribute columns of every candidate frame (plus ``geometry``)."""

_LAAG_SOORT = {"wooncomplexen": "wooncomplex", "nieuwbouwplannen": "nieuwbouwplan", "kansen": "kans"}


def _kolom(gdf: pd.DataFrame, naam: str) -> pd.Series:
    """Column ``naam`` or an all-missing object column on the frame's index."""
    if naam in gdf.columns:
        return gdf[naam]
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _representatief(geoms: gpd.GeoSeries) -> np.ndarray:
    """Points stay; areas and lines become their representative point (always inside)."""
    arr = np.asarray(geoms.values, dtype=object)
    out = arr.copy()
    types = shapely.get_type_id(arr)
    andere = (types != 0) & ~shapely.is_missing(arr)
    if andere.any():
        out[andere] = shapely.point_on_surface(arr[andere])
    return out


def _uit_laag(gdf: gpd.GeoDataFrame, laag: str, crs: CRS) -> gpd.GeoDataFrame:
    soort = _LAAG_SOORT[laag]
    check_crs(gdf, name=laag)
    if CRS.from_user_input(gdf.crs) != crs:
        gdf = gdf.to_crs(crs)
    gdf = gdf[~gdf.geometry.isna() & ~gdf.geometry.is_empty]
    bron_id = _kolom(gdf, "id").astype(object).where(_kolom(gdf, "id").notna(), None)
    ids = [f"{soort}:{v}" if v is not None else f"{soort}:{i}" for i, v in enumerate(bron_id)]
    aantal = pd.to_numeric(_kolom(gdf, "aantal_woningen"), errors="coerce").astype("Float64")
    if laag == "wooncomplexen":
        ontmoeting = np.asarray(_kolom(gdf, "ontmoetingsruimte").astype("boolean"), dtype=object)
    else:
        ontmoeting = np.full(len(gdf), None, dtype=object)
    return gpd.GeoDataFrame(
        {
            "kandidaat_id": ids,
            "kandidaat_type": soort,
            "bron_laag": laag,
            "bron_id": bron_id.to_numpy(dtype=object),
            "naam": _kolom(gdf, "naam").to_numpy(dtype=object),
            "aantal_woningen": aantal.to_numpy(),
            "ontmoetingsruimte": ontmoeting,
            "gemeentecode": _kolom(gdf, "gemeentecode").to_numpy(dtype=object),
        },
        geometry=gpd.GeoSeries(_representatief(gdf.geometry), crs=crs),
        crs=crs,
    )


def _leeg(crs: CRS | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {k: pd.Series(dtype=object) for k in KANDIDAAT_KOLOMMEN}, geometry=gpd.GeoSeries([], crs=crs), crs=crs
    )


def _typeer(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf["aantal_woningen"] = pd.array(pd.to_numeric(gdf["aantal_woningen"], errors="coerce"), dtype="Float64")
    gdf["ontmoetingsruimte"] = pd.array(gdf["ontmoetingsruimte"], dtype="boolean")
    return gdf


def kandidaten_uit_lagen(
    *,
    wooncomplexen: gpd.GeoDataFrame | None = None,
    nieuwbouwplannen: gpd.GeoDataFrame | None = None,
    kansen: gpd.GeoDataFrame | None = None,
    kans_statussen: Iterable[str] = KANS_STATUSSEN_KANDIDAAT,
    crs: str | CRS | None = None,
) -> gpd.GeoDataFrame:
    """Turn the stored layers into one candidate frame.

    Parameters
    ----------
    wooncomplexen, nieuwbouwplannen, kansen
        The layers as stored (any may be ``None`` or empty). Areas become their
        representative point (a point guaranteed to lie inside the area).
    kans_statussen
        Kansen with one of these statuses become candidates (default: everything that is
        not ``gerealiseerd`` or ``vervallen``).
    crs
        CRS of the result; default the CRS of the first non-empty layer.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`KANDIDAAT_KOLOMMEN` and Point geometries, on a fresh ``0..n-1`` index.
        ``kandidaat_id`` is ``"<type>:<id in the layer>"``; ``ontmoetingsruimte`` is known
        (``True``/``False``) for wooncomplexen only and ``<NA>`` for the others;
        ``aantal_woningen`` is ``<NA>`` when the layer does not give it.

    Raises
    ------
    CRSError
        When a layer has no CRS.
    """
    lagen = {"wooncomplexen": wooncomplexen, "nieuwbouwplannen": nieuwbouwplannen, "kansen": kansen}
    doel: CRS | None = CRS.from_user_input(crs) if crs is not None else None
    for naam, gdf in lagen.items():
        if gdf is not None:
            check_crs(gdf, name=naam)
            if doel is None and len(gdf):
                doel = CRS.from_user_input(gdf.crs)
    delen = []
    statussen = set(kans_statussen)
    for naam, gdf in lagen.items():
        if gdf is None or not len(gdf) or doel is None:
            continue
        if naam == "kansen":
            gdf = gdf[_kolom(gdf, "status").isin(statussen).to_numpy()]
            if not len(gdf):
                continue
        delen.append(_uit_laag(gdf, naam, doel))
    if not delen:
        return _leeg(doel)
    out = pd.concat(delen, ignore_index=True)
    return _typeer(gpd.GeoDataFrame(out, geometry="geometry", crs=doel))


def _als_geoseries(
    gebied: gpd.GeoSeries | gpd.GeoDataFrame | BaseGeometry, crs: CRS | None, naam: str
) -> gpd.GeoSeries:
    if isinstance(gebied, gpd.GeoDataFrame):
        check_crs(gebied, name=naam)
        s = gebied.geometry
    elif isinstance(gebied, gpd.GeoSeries):
        check_crs(gebied, name=naam)
        s = gebied
    else:
        if crs is None:
            raise CRSError(f"Geef het CRS op voor '{naam}' (een losse geometrie heeft geen CRS).")
        s = gpd.GeoSeries([gebied], crs=crs)
    if crs is not None and CRS.from_user_input(s.crs) != CRS.from_user_input(crs):
        s = s.to_crs(crs)
    return s[~s.isna() & ~s.is_empty]


def _binnen_mask(x: np.ndarray, y: np.ndarray, gebied: gpd.GeoSeries) -> np.ndarray:
    """True for the points (x, y) that lie inside any geometry of ``gebied`` (STRtree, no union)."""
    if not len(gebied) or not len(x):
        return np.zeros(len(x), dtype=bool)
    punten = shapely.points(x, y)
    tree = shapely.STRtree(np.asarray(gebied.values, dtype=object))
    idx = tree.query(punten, predicate="intersects")
    mask = np.zeros(len(x), dtype=bool)
    mask[idx[0]] = True
    return mask


def raster(
    gebied: gpd.GeoSeries | gpd.GeoDataFrame | BaseGeometry,
    *,
    celgrootte_m: float = 100.0,
    crs: str | CRS | None = None,
    binnen: gpd.GeoSeries | gpd.GeoDataFrame | BaseGeometry | None = None,
    max_cellen: int = MAX_RASTERCELLEN,
) -> gpd.GeoDataFrame:
    """Square grid cells over an area: the cells whose centre lies inside ``gebied``.

    The grid is aligned to multiples of ``celgrootte_m`` in the CRS, so the same cell gets
    the same id in every run (``raster:<size>m:<x>:<y>``, lower-left corner in metres).

    Parameters
    ----------
    gebied
        The area to cover (e.g. :func:`bebouwd_gebied`): geometries may overlap, a centre
        inside any of them counts. Must be in a projected CRS in metres.
    celgrootte_m
        Cell size in metres (default 100 m).
    crs
        CRS of the result; default the CRS of ``gebied`` (required for a bare geometry).
    binnen
        Optional second area the centre must also lie in (e.g. the region's gemeenten).
    max_cellen
        Limit on the number of grid centres in the bounding box.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`KANDIDAAT_KOLOMMEN` (``kandidaat_type`` = ``raster``, ``naam`` =
        ``Rastercel <size> m``, no number of homes, no gemeente yet) and square Polygon
        geometries; distances are measured from the cell centre (:func:`locatiepunten`).

    Raises
    ------
    ValidationError
        When ``celgrootte_m`` is not positive.
    CRSError
        When the CRS is missing or not projected.
    LimitError
        When the area would need more than ``max_cellen`` grid centres.
    """
    if not celgrootte_m > 0:
        raise ValidationError(f"Celgrootte moet groter dan 0 m zijn, niet {celgrootte_m}.")
    g = _als_geoseries(gebied, CRS.from_user_input(crs) if crs is not None else None, "gebied")
    doel = CRS.from_user_input(g.crs)
    if not doel.is_projected:
        raise CRSError(f"Het raster vraagt een stelsel in meters; {doel.to_string()} is niet geprojecteerd.")
    if not len(g):
        return _typeer(_leeg(doel))
    c = float(celgrootte_m)
    minx, miny, maxx, maxy = g.total_bounds
    x0 = np.floor(minx / c) * c
    y0 = np.floor(miny / c) * c
    nx = int(np.ceil((maxx - x0) / c))
    ny = int(np.ceil((maxy - y0) / c))
    if nx * ny > max_cellen:
        raise LimitError(
            f"Een raster van {celgrootte_m:g} m over dit gebied telt {nx * ny:,} cellen; het maximum is "
            f"{max_cellen:,}. Kies een grotere celgrootte.".replace(",", "."),
            details={"celgrootte_m": celgrootte_m, "cellen": nx * ny},
        )
    xs = x0 + c * np.arange(nx)
    ys = y0 + c * np.arange(ny)
    gx, gy = np.meshgrid(xs, ys)
    lx = gx.ravel()
    ly = gy.ravel()
    mask = _binnen_mask(lx + c / 2, ly + c / 2, g)
    if binnen is not None:
        b = _als_geoseries(binnen, doel, "binnen")
        sel = np.flatnonzero(mask)
        mask[sel] = _binnen_mask(lx[sel] + c / 2, ly[sel] + c / 2, b)
    lx = lx[mask]
    ly = ly[mask]
    cellen = shapely.box(lx, ly, lx + c, ly + c)
    maat = f"{c:g}"
    ids = (
        pd.Series(lx.round().astype(np.int64)).astype(str).radd(f"raster:{maat}m:")
        + ":"
        + pd.Series(ly.round().astype(np.int64)).astype(str)
    )
    n = len(lx)
    out = gpd.GeoDataFrame(
        {
            "kandidaat_id": ids.to_numpy(dtype=object),
            "kandidaat_type": np.full(n, "raster", dtype=object),
            "bron_laag": np.full(n, None, dtype=object),
            "bron_id": ids.str.slice(len("raster:")).to_numpy(dtype=object),
            "naam": np.full(n, f"Rastercel {maat} m", dtype=object),
            "aantal_woningen": np.full(n, np.nan),
            "ontmoetingsruimte": np.full(n, None, dtype=object),
            "gemeentecode": np.full(n, None, dtype=object),
        },
        geometry=gpd.GeoSeries(cellen, crs=doel),
        crs=doel,
    )
    return _typeer(out)


def _hoofdwaarde(v: object) -> object:
    return v[0] if isinstance(v, list) and v else v


def _straatlengte_rond(lijnen: np.ndarray, punten: np.ndarray, straal_m: float, stap_m: float = 10.0) -> np.ndarray:
    """Approximate street length (m) within ``straal_m`` of each point: lines sampled every ``stap_m``."""
    from scipy.spatial import cKDTree

    if not len(lijnen) or not len(punten):
        return np.zeros(len(punten))
    lengte = shapely.length(lijnen)
    n = np.maximum(1, np.ceil(lengte / stap_m)).astype(np.int64)
    idx = np.repeat(np.arange(len(lijnen)), n)
    k = np.arange(idx.size) - np.repeat(np.cumsum(n) - n, n)
    deel = lengte[idx] / n[idx]
    monsters = shapely.get_coordinates(shapely.line_interpolate_point(lijnen[idx], (k + 0.5) * deel))
    boom = cKDTree(monsters)
    buren = boom.query_ball_point(shapely.get_coordinates(punten), r=straal_m)
    # Each sample stands for `deel` metres (≤ stap_m); sum them per query point.
    return np.array([deel[b].sum() for b in buren], dtype=float)


def bebouwd_gebied(
    wegen: gpd.GeoDataFrame,
    *,
    afstand_m: float = 75.0,
    wegtypen: Sequence[str] | None = BEBOUWD_WEGTYPEN,
    straal_m: float = 150.0,
    min_straatlengte_m: float | None = 800.0,
    padtypen: Sequence[str] = PADTYPEN,
) -> gpd.GeoSeries:
    """Approximate the built-up area as the zone around woonstraten and dense streets.

    Parameters
    ----------
    wegen
        The network edges (``Netwerk.edges``) with a ``highway`` column, in a metric CRS.
    afstand_m
        Half-width of the zone around each selected street (default 75 m: a house plus its
        garden on either side of the street).
    wegtypen
        OSM ``highway`` values that always mark built-up area (default
        :data:`BEBOUWD_WEGTYPEN`); ``None`` selects every edge.
    straal_m, min_straatlengte_m
        A street of another type (not in ``padtypen``) is selected when at least
        ``min_straatlengte_m`` metres of street lie within ``straal_m`` of its midpoint;
        ``min_straatlengte_m=None`` switches this rule off.
    padtypen
        ``highway`` values that are paths: never selected, not counted as street length.

    Returns
    -------
    geopandas.GeoSeries
        One buffer polygon per selected street (not dissolved: :func:`raster` tests "inside
        any"). ``attrs["wegtypen"]`` says which rule selected what; when no edge carries an
        OSM ``highway`` tag (a network without tags) every edge is used and it says ``"alle"``.
    """
    check_crs(wegen, name="wegen")
    if not CRS.from_user_input(wegen.crs).is_projected:
        raise CRSError("Het bebouwd gebied vraagt een wegennet in een stelsel in meters.")
    if not afstand_m > 0:
        raise ValidationError(f"De afstand rond de straten moet groter dan 0 m zijn, niet {afstand_m}.")
    lijnen = np.asarray(wegen.geometry.values, dtype=object)
    hw = wegen["highway"].map(_hoofdwaarde) if "highway" in wegen.columns else pd.Series(None, index=wegen.index)
    if wegtypen is None or not hw.notna().any():
        mask = np.ones(len(wegen), dtype=bool)
        gekozen = "alle"
    else:
        mask = hw.isin(list(wegtypen)).to_numpy(dtype=bool, copy=True)
        gekozen = ",".join(wegtypen)
        if min_straatlengte_m is not None:
            straat = (hw.notna() & ~hw.isin(list(padtypen))).to_numpy()
            rest = np.flatnonzero(straat & ~mask)
            if len(rest):
                midden = shapely.line_interpolate_point(lijnen[rest], 0.5, normalized=True)
                dicht = _straatlengte_rond(lijnen[straat], midden, straal_m) >= min_straatlengte_m
                mask[rest[dicht]] = True
            gekozen += f" + straten met ≥ {min_straatlengte_m:g} m straat binnen {straal_m:g} m"
    buffers = shapely.buffer(lijnen[mask], afstand_m, quad_segs=4)
    out = gpd.GeoSeries(buffers, crs=wegen.crs)
    out.attrs["wegtypen"] = gekozen
    return out


def locatiepunten(kandidaten: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The point of each candidate from which distances are measured.

    Points stay; grid cells use their centre; other areas their representative point.
    """
    check_crs(kandidaten, name="kandidaten")
    geoms = np.asarray(kandidaten.geometry.values, dtype=object)
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    vlak = (types != 0) & ~shapely.is_missing(geoms)
    if vlak.any():
        is_raster = (_kolom(kandidaten, "kandidaat_type") == "raster").to_numpy()
        cen = vlak & is_raster
        rep = vlak & ~is_raster
        if cen.any():
            out[cen] = shapely.centroid(geoms[cen])
        if rep.any():
            out[rep] = shapely.point_on_surface(geoms[rep])
    return gpd.GeoSeries(out, index=kandidaten.index, crs=kandidaten.crs)


def gemeentecode_uit_locatie(
    gdf: gpd.GeoDataFrame, *, gemeenten: gpd.GeoDataFrame | None, code_kolom: str = "code"
) -> pd.Series:
    """The gemeentecode of each feature: its own ``gemeentecode`` if filled, else by location.

    Parameters
    ----------
    gdf
        Features with an optional ``gemeentecode`` column.
    gemeenten
        The gemeenten layer (``code``, polygons); ``None`` keeps only the filled codes.
    code_kolom
        Column of ``gemeenten`` with the CBS code.

    Returns
    -------
    pandas.Series
        Object series on ``gdf.index``; ``None`` where neither is known.
    """
    eigen = _kolom(gdf, "gemeentecode")
    eigen = eigen.where(eigen.notna() & (eigen.astype(str).str.strip() != ""), None).astype(object)
    leeg = eigen.isna().to_numpy()
    if gemeenten is None or not len(gemeenten) or not leeg.any() or not len(gdf):
        return eigen
    check_crs(gdf, name="objecten")
    check_crs(gemeenten, name="gemeenten")
    gm = gemeenten
    if CRS.from_user_input(gemeenten.crs) != CRS.from_user_input(gdf.crs):
        gm = gemeenten.to_crs(gdf.crs)
    punten = _representatief(gdf.geometry[leeg])
    tree = shapely.STRtree(np.asarray(gm.geometry.values, dtype=object))
    i_pt, i_gm = tree.query(punten, predicate="intersects")
    codes = np.full(int(leeg.sum()), None, dtype=object)
    # First match wins (a point on a shared boundary lies in two gemeenten).
    eerste = np.unique(i_pt, return_index=True)[1]
    codes[i_pt[eerste]] = gm[code_kolom].to_numpy(dtype=object)[i_gm[eerste]]
    out = eigen.to_numpy(dtype=object).copy()
    out[leeg] = codes
    return pd.Series(out, index=gdf.index, dtype=object)
