"""CBS area loaders: gemeenten, wijken and buurten from GeoPackage, GeoJSON or Shapefile.

CBS publishes the same figures under several column names: the shapefiles of the *Wijk- en
buurtkaart* (``GM_CODE``, ``AANT_INW``, ``P_65_EO_JR``, ``WONINGEN``), the PDOK WFS
(camelCase: ``gemeentecode``, ``aantalInwoners``, ``percentagePersonen65JaarEnOuder``,
``woningvoorraad``), the older *gebiedsindelingen* (``statcode``, ``statnaam``) and the
English names of the data in ``../shared/data`` (``code``, ``name``, ``population``,
``pop_65plus``, ``dwelling_total``). :func:`normaliseer_gebieden` maps all of them to the
kansenkaart schema (see :data:`KOLOMMEN`); names are matched case-insensitively.

Derived figures: when only a percentage of people aged 65+ is given, ``inwoners_65plus`` is
``round(inwoners × pct_65plus / 100)``. CBS rounds these percentages to whole numbers, so
the derived count is off by up to half a percent of the inhabitants (about 470 people for
Hilversum's 93,000). CBS's codes for secret or unknown numbers (``-99999999``,
``-99999997``, ``-99995``, …: every value ≤ -99990) become missing values.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from kansenkaart.crs import check_crs
from kansenkaart.errors import BadFileError, ValidationError
from kansenkaart.io.partnerbestanden import kies_bronlaag, parse_crs
from kansenkaart.regio import Regio
from kansenkaart.schemas import laag

__all__ = ["KOLOMMEN", "NIVEAUS", "lees_gebieden", "normaliseer_gebieden"]

NIVEAUS: tuple[str, ...] = ("gemeenten", "wijken", "buurten")
"""The area levels, equal to the layer names."""

KOLOMMEN: dict[str, dict[str, tuple[str, ...]]] = {
    "gemeenten": {
        "code": ("code", "statcode", "gm_code", "gemeentecode"),
        "naam": ("naam", "name", "statnaam", "gm_naam", "gemeentenaam"),
    },
    "wijken": {
        "code": ("code", "statcode", "wk_code", "wijkcode"),
        "naam": ("naam", "name", "statnaam", "wk_naam", "wijknaam"),
        "gemeentecode": ("gemeentecode", "gm_code"),
    },
    "buurten": {
        "code": ("code", "statcode", "bu_code", "buurtcode"),
        "naam": ("naam", "name", "statnaam", "bu_naam", "buurtnaam"),
        "wijkcode": ("wijkcode", "wk_code"),
        "gemeentecode": ("gemeentecode", "gm_code"),
        "samenredzaamheid": ("samenredzaamheid",),
    },
}
"""Per level: schema field → accepted source column names (matched case-insensitively), in order."""

_CIJFERS: dict[str, tuple[str, ...]] = {
    "inwoners": ("inwoners", "population", "aant_inw", "aantalinwoners"),
    "inwoners_65plus": ("inwoners_65plus", "a_65_eo_jr", "aantalpersonen65jaarenouder"),
    "inwoners_75plus": ("inwoners_75plus", "a_75_eo_jr"),
    "pct_65plus": ("pct_65plus", "pop_65plus", "p_65_eo_jr", "percentagepersonen65jaarenouder"),
    "pct_75plus": ("pct_75plus", "pop_75plus", "p_75_eo_jr"),
    "woningen": ("woningen", "dwelling_total", "woningvoorraad"),
    "bron": ("bron",),
    "peildatum": ("peildatum",),
}
"""Figures shared by all levels: schema field → accepted source column names."""

_PREFIX = {"gemeenten": "GM", "wijken": "WK", "buurten": "BU"}
_CBS_ONBEKEND = -99990  # CBS writes secret/unknown numbers as -99995, -99997, -99999999 …


def _check_niveau(niveau: str) -> str:
    if niveau not in NIVEAUS:
        raise ValidationError(
            f"Onbekend niveau '{niveau}'. Kies uit: {', '.join(NIVEAUS)}.",
            details={"veld": "niveau", "waarde": niveau},
        )
    return niveau


def _zoek(kolommen: dict[str, str], kandidaten: Sequence[str]) -> str | None:
    for k in kandidaten:
        if k in kolommen:
            return kolommen[k]
    return None


def _getallen(s: pd.Series) -> pd.Series:
    """Numbers with CBS's secret/unknown codes as missing (NaN); text numbers with a decimal comma parse."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        s = pd.to_numeric(s.astype("string").str.strip().str.replace(",", ".", regex=False), errors="coerce")
    f = s.astype("float64")
    return f.mask(f <= _CBS_ONBEKEND)


def _code_tekst(s: pd.Series) -> pd.Series:
    def een(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        t = str(v).strip().upper()
        return t or None

    return pd.Series([een(v) for v in s], index=s.index, dtype=object)


def _tekst(s: pd.Series) -> pd.Series:
    def een(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        t = str(v).strip()
        return t or None

    return pd.Series([een(v) for v in s], index=s.index, dtype=object)


def _heel(f: pd.Series) -> pd.Series:
    return pd.Series(
        pd.array([None if np.isnan(v) else int(np.floor(v + 0.5)) for v in f], dtype="Int64"), index=f.index
    )


def _vlakken(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Repair invalid polygons (keeping the polygonal parts); return (Multi)Polygons."""
    uit = []
    for g in geoms.values:
        if g is not None and not g.is_empty and not g.is_valid:
            g = shapely.make_valid(g)
            if g.geom_type == "GeometryCollection":
                delen = [d for d in shapely.get_parts(g) if d.geom_type in ("Polygon", "MultiPolygon")]
                g = shapely.union_all(delen) if delen else None
        uit.append(g)
    return gpd.GeoSeries(uit, index=geoms.index, crs=geoms.crs)


def normaliseer_gebieden(gdf: gpd.GeoDataFrame, *, niveau: str) -> gpd.GeoDataFrame:
    """Map CBS/PDOK area columns to the kansenkaart schema of ``niveau``.

    Parameters
    ----------
    gdf
        Areas with CBS column names in any of the known spellings (see :data:`KOLOMMEN`),
        e.g. the PDOK WFS answer with camelCase names. Must have a CRS.
    niveau
        ``gemeenten``, ``wijken`` or ``buurten``.

    Returns
    -------
    geopandas.GeoDataFrame
        Only schema fields of the layer (``code``, ``naam``, ``gemeentecode``/``wijkcode``
        where the level has them, the figures found, ``bron``, ``peildatum`` when a ``jaar``
        is given), on the input's index and in the input's CRS. Codes are upper case;
        ``gemeentecode`` (and ``wijkcode`` for buurten) are derived from the digits of the
        code when no column holds them; invalid polygons are repaired; areas that are only
        water (``water == "JA"``) are left out. Figures: see the module docstring.

    Raises
    ------
    ValidationError
        Unknown level; no column with the CBS code or name; or codes of another level
        (e.g. gemeenten codes ``GM…`` when wijken are asked for).
    CRSError
        When ``gdf`` has no CRS.
    """
    n = _check_niveau(niveau)
    schema = laag(n)
    crs = check_crs(gdf, name=n)
    geomnaam = gdf.geometry.name
    kolommen = {str(c).casefold(): str(c) for c in gdf.columns if c != geomnaam}
    if len(gdf) == 0:
        leeg: dict[str, Any] = {k: pd.Series([], dtype=object) for k in ("code", "naam")}
        return gpd.GeoDataFrame(leeg, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    if "water" in kolommen:
        water = gdf[kolommen["water"]].astype("string").str.strip().str.upper() == "JA"
        gdf = gdf[~water.fillna(False).astype(bool)]
    out: dict[str, pd.Series] = {}
    for veld, kandidaten in KOLOMMEN[n].items():
        bron = _zoek(kolommen, kandidaten)
        if bron is None:
            if veld in ("code", "naam"):
                raise ValidationError(
                    f"Geen kolom met de {'CBS-code' if veld == 'code' else 'naam'} van de {n} gevonden "
                    f"(gezocht: {', '.join(kandidaten)}). Kolommen in het bestand: "
                    f"{', '.join(c for c in kolommen.values())}.",
                    details={"veld": veld},
                )
            continue
        out[veld] = _code_tekst(gdf[bron]) if veld.endswith("code") else _tekst(gdf[bron])
    prefix = _PREFIX[n]
    codes = out["code"].dropna()
    if len(codes) and not codes.str.startswith(prefix).any():
        gevonden = sorted({str(c)[:2] for c in codes})
        soort = {"GM": "gemeenten", "WK": "wijken", "BU": "buurten"}
        welk = ", ".join(f"{soort.get(g, g)} ({g}…)" for g in gevonden)
        raise ValidationError(
            f"Dit bestand bevat {welk}, geen {n} ({prefix}…). Kies het juiste bestand, laag of niveau.",
            details={"niveau": n},
        )
    if n in ("wijken", "buurten") and "gemeentecode" not in out:
        out["gemeentecode"] = out["code"].map(lambda c: None if c is None else "GM" + str(c)[2:6])
    if n == "buurten" and "wijkcode" not in out:
        out["wijkcode"] = out["code"].map(lambda c: None if c is None else "WK" + str(c)[2:8])
    for veld, kandidaten in _CIJFERS.items():
        bron = _zoek(kolommen, kandidaten)
        if bron is None:
            continue
        if veld in ("bron", "peildatum"):
            out[veld] = _tekst(gdf[bron])
        elif veld.startswith("pct"):
            out[veld] = _getallen(gdf[bron])
        else:
            out[veld] = _heel(_getallen(gdf[bron]))
    for aantal, pct in (("inwoners_65plus", "pct_65plus"), ("inwoners_75plus", "pct_75plus")):
        if aantal not in out and pct in out and "inwoners" in out:
            inw = out["inwoners"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
            afgeleid = inw * out[pct].to_numpy(dtype="float64") / 100.0
            out[aantal] = _heel(pd.Series(afgeleid, index=gdf.index))
    if "bron" not in out:
        jaar = _zoek(kolommen, ("jaar",))
        jaren = sorted({int(j) for j in _getallen(gdf[jaar]).dropna()}) if jaar else []
        out["bron"] = pd.Series(
            ["CBS" + (f" {jaren[0]}" if len(jaren) == 1 else "")] * len(gdf), index=gdf.index, dtype=object
        )
    if "peildatum" not in out:
        jaar = _zoek(kolommen, ("jaar",))
        if jaar is not None:
            out["peildatum"] = pd.Series(
                [None if np.isnan(j) else f"{int(j)}-01-01" for j in _getallen(gdf[jaar])],
                index=gdf.index,
                dtype=object,
            )
    volgorde = [v.naam for v in schema.velden if v.naam in out]
    return gpd.GeoDataFrame({k: out[k] for k in volgorde}, geometry=_vlakken(gdf.geometry), index=gdf.index, crs=crs)


def lees_gebieden(
    pad: str | Path,
    *,
    niveau: str,
    laag: str | None = None,
    regio: Regio | None = None,
    gemeente: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read CBS areas from a GeoPackage, GeoJSON or Shapefile and normalise them.

    Parameters
    ----------
    pad
        The file (``.gpkg``, ``.geojson``/``.json``, ``.shp``).
    niveau
        ``gemeenten``, ``wijken`` or ``buurten``.
    laag
        GeoPackage layer to read; default the layer named like ``niveau``, else the only one.
    regio
        Keep only the areas of the region's gemeenten (by gemeentecode).
    gemeente
        Keep only the areas of this gemeente (``GMxxxx``).
    crs
        CRS for a file that declares none (e.g. a Shapefile without ``.prj``).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`normaliseer_gebieden`, in the file's CRS, with the position of each area in
        the file (0-based) as index; ``attrs["bronlaag"]`` names the GeoPackage layer read.

    Raises
    ------
    BadFileError
        Missing, unreadable or empty file; ambiguous layer; no CRS.
    ValidationError
        See :func:`normaliseer_gebieden`; or no area of the region in the file.
    """
    n = _check_niveau(niveau)
    p = Path(pad)
    if not p.exists():
        raise BadFileError(f"Bestand '{p}' bestaat niet.")
    ext = p.suffix.lower()
    if ext not in (".gpkg", ".geojson", ".json", ".shp"):
        raise BadFileError(
            f"Gebieden lees ik uit GeoPackage (.gpkg), GeoJSON (.geojson) of Shapefile (.shp), niet uit '{ext}'."
        )
    if p.stat().st_size == 0:
        raise BadFileError(f"Bestand '{p.name}' is leeg.")
    try:
        gekozen: str | None = None
        if ext == ".gpkg":
            with warnings.catch_warnings():
                # GDAL warns (in English) about damaged files before it fails; the Dutch error below says it
                warnings.simplefilter("ignore", RuntimeWarning)
                lagen = [str(x) for x, _t in pyogrio.list_layers(p)]
            gekozen = kies_bronlaag(lagen, doel=n, bronlaag=laag)
        gdf = pyogrio.read_dataframe(p, layer=gekozen)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
        raise BadFileError(
            f"'{p.name}' kan niet gelezen worden: het is geen geldig GIS-bestand, of het is beschadigd.",
            details={"gdal": str(e)},
        ) from e
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise BadFileError(f"'{p.name}' heeft geen geometrie; gebieden hebben vlakken nodig.")
    if gdf.crs is None:
        if crs is None:
            raise BadFileError(
                f"De geometrie in '{p.name}' heeft geen coördinatenstelsel (bij een Shapefile ontbreekt "
                "dan het "
                ".prj-bestand). Geef het op met --crs, bijv. --crs EPSG:28992."
            )
        gdf = gdf.set_crs(parse_crs(crs))
    elif crs is not None and CRS.from_user_input(gdf.crs) != parse_crs(crs):
        raise BadFileError(f"'{p.name}' heeft al een coördinatenstelsel ({gdf.crs}); laat --crs weg.")
    if len(gdf) == 0:
        raise BadFileError(f"'{p.name}' bevat geen gebieden.")
    uit = normaliseer_gebieden(gdf, niveau=n)
    gm = uit["code"] if n == "gemeenten" else uit["gemeentecode"]
    if regio is not None:
        uit = uit[gm.isin(regio.gemeentecodes)]
        if len(uit) == 0:
            raise ValidationError(
                f"'{p.name}' bevat geen {n} van regio {regio.naam} ({', '.join(regio.gemeentecodes)})."
            )
    if gemeente is not None:
        code = _gemeentecode(gemeente)
        gm = uit["code"] if n == "gemeenten" else uit["gemeentecode"]
        uit = uit[gm == code]
        if len(uit) == 0:
            raise ValidationError(f"'{p.name}' bevat geen {n} van gemeente {code}.")
    uit.attrs["bronlaag"] = gekozen
    return uit


def _gemeentecode(gemeente: str) -> str:
    s = str(gemeente).strip().upper()
    if re.fullmatch(r"\d{1,4}", s):
        s = "GM" + s.zfill(4)
    if not re.fullmatch(r"GM\d{4}", s):
        raise ValidationError(
            f"'{gemeente}' is geen CBS-gemeentecode (GM gevolgd door vier cijfers, bijv. GM0402).",
            details={"veld": "gemeente", "waarde": gemeente},
        )
    return s
