"""Reading partner files: CSV, XLSX, GeoJSON, GeoPackage and Shapefile, and their coordinates.

:func:`lees_partnerbestand` returns the raw values of every row (as read, not yet typed), the
row numbers the user sees, and one geometry per row with the CRS the file declares. Typing
and checking the values is left to :mod:`kansenkaart.validatie`.

Locations
---------
- GeoJSON: the feature geometry. RFC 7946 GeoJSON is always lon/lat (CRS84); a legacy
  ``crs`` member is honoured; ``--crs`` overrides a GeoJSON without ``crs`` member.
- GeoPackage and Shapefile: the layer geometry in its declared CRS; a layer without a CRS
  (e.g. a Shapefile without ``.prj``) is refused.
- CSV, XLSX and attribute-only GeoPackage tables: per row the first filled set of
  ``wkt`` (with ``crs``), ``lon``/``lat`` (EPSG:4326), ``rd_x``/``rd_y`` (EPSG:28992) or
  ``x``/``y`` (with ``crs``). The CRS of ``x``/``y`` and ``wkt`` comes from a ``crs`` column,
  the ``crs`` option, or an EWKT prefix ``SRID=28992;``; without any of these the whole file
  is refused ("geen coördinatenstelsel opgegeven"). Decimal commas (``52,23``) are accepted.

Every way a file cannot be read at all raises :class:`~kansenkaart.errors.BadFileError` with
one Dutch sentence (the CLI turns it into exit code 2).
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from kansenkaart.crs import parse_crs_uri
from kansenkaart.errors import BadFileError, CRSError, LimitError, ValidationError
from kansenkaart.schemas import Laag
from kansenkaart.validatie import Fout, parse_getal

__all__ = [
    "COORDINAATKOLOMMEN",
    "FORMATEN",
    "HULPBLADEN",
    "Coordinaten",
    "Partnerbestand",
    "kies_bronlaag",
    "lees_coordinaten",
    "lees_partnerbestand",
    "normaliseer_kolomnaam",
    "parse_crs",
]

FORMATEN: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
}
"""File extension → format."""
HULPBLADEN = ("Toelichting", "Coördinaten", "Definities", "Codelijsten")
"""Sheets of the template that hold explanations, not data."""
COORDINAATKOLOMMEN = ("wkt", "lon", "lat", "rd_x", "rd_y", "x", "y", "crs")
"""Columns that describe the location (not schema fields)."""

_ALIASSEN = {
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "lengtegraad": "lon",
    "latitude": "lat",
    "breedtegraad": "lat",
    "x_rd": "rd_x",
    "rdx": "rd_x",
    "rd_x_coordinaat": "rd_x",
    "y_rd": "rd_y",
    "rdy": "rd_y",
    "rd_y_coordinaat": "rd_y",
    "geometrie_wkt": "wkt",
    "geometry_wkt": "wkt",
    "geom_wkt": "wkt",
    "epsg": "crs",
    "srs": "crs",
    "srid": "crs",
    "coordinatenstelsel": "crs",
    "coördinatenstelsel": "crs",
}
_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wkt", ("wkt",)),
    ("lon/lat", ("lon", "lat")),
    ("rd_x/rd_y", ("rd_x", "rd_y")),
    ("x/y", ("x", "y")),
)
_CRS_ALIASSEN = {
    "rd": "EPSG:28992",
    "rdnew": "EPSG:28992",
    "amersfoortrdnew": "EPSG:28992",
    "rijksdriehoek": "EPSG:28992",
    "wgs84": "EPSG:4326",
    "lonlat": "EPSG:4326",
    "latlon": "EPSG:4326",
    "crs84": "OGC:CRS84",
}
_EWKT = re.compile(r"^\s*SRID=(\d+)\s*;\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DUIZENDTALLEN = re.compile(r"-?\d{1,3}(\.\d{3})+")
_RD_BEREIK = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
_MAX_LEGE_KOPREGELS = 20
_WGS84 = CRS.from_epsg(4326)
_CRS84 = CRS.from_user_input("OGC:CRS84")
_RD_NEW = CRS.from_epsg(28992)


@dataclass(frozen=True)
class Coordinaten:
    """Geometries parsed from coordinate columns.

    Attributes
    ----------
    geometrie
        One geometry per row (``None`` where missing or unreadable), in one CRS.
    fouten
        Per row, the problems found while reading its location.
    omschrijving
        Which columns and CRS were used, in Dutch (for the summary).
    """

    geometrie: gpd.GeoSeries
    fouten: list[list[Fout]]
    omschrijving: str


@dataclass(frozen=True)
class Partnerbestand:
    """A partner file as read: raw values, row numbers, geometries with their CRS.

    Attributes
    ----------
    pad
        The file.
    formaat
        ``csv``, ``xlsx``, ``geojson``, ``gpkg`` or ``shp``.
    rijen
        Raw values, one row per feature, columns = normalised header names (the schema
        fields when a schema was given; location columns are left out).
    rijnummers
        Row number per row as the user sees it: the spreadsheet row (header = row 1) for
        CSV/XLSX, the feature number (1 = first) for GeoJSON, GeoPackage and Shapefile.
    geometrie
        One geometry per row, with the declared CRS.
    leesfouten
        Per row, problems found while reading (unreadable coordinates, too many cells).
    crs_omschrijving
        How the location was given, e.g. ``lon/lat (EPSG:4326)``.
    genegeerde_kolommen
        Columns that are neither schema input fields nor location columns (as written).
    bronlaag
        The sheet (XLSX) or layer (GeoPackage) that was read.
    """

    pad: Path
    formaat: str
    rijen: pd.DataFrame
    rijnummers: list[int]
    geometrie: gpd.GeoSeries
    leesfouten: list[list[Fout]]
    crs_omschrijving: str
    genegeerde_kolommen: tuple[str, ...]
    bronlaag: str | None = None


# --------------------------------------------------------------------------- names and CRS


def normaliseer_kolomnaam(naam: Any) -> str:
    """Normalise a header: ``'Naam *'`` → ``naam``, ``'Bron ID'`` → ``bron_id``, ``'Longitude'`` → ``lon``.

    Strips the required marker ``*`` and a trailing ``(…)`` remark, lower-cases, and turns
    spaces and hyphens into underscores; known synonyms of location columns are mapped.
    """
    s = "" if naam is None else str(naam)
    s = s.replace("\ufeff", "").strip()
    s = re.sub(r"\(.*?\)\s*$", "", s).strip()
    s = s.replace("*", "").strip().casefold()
    s = re.sub(r"[\s\-]+", "_", s)
    return _ALIASSEN.get(s, s)


def parse_crs(waarde: Any) -> CRS:
    """Parse a CRS as users write it: ``EPSG:28992``, ``28992``, ``RD``, ``WGS84``, an OGC URI or URN.

    Raises
    ------
    CRSError
        With a Dutch message naming the value.
    """
    s = str(waarde).strip()
    if isinstance(waarde, float) and waarde.is_integer():
        s = str(int(waarde))
    sleutel = re.sub(r"[\s_\-/]+", "", s.casefold())
    if sleutel in _CRS_ALIASSEN:
        return CRS.from_user_input(_CRS_ALIASSEN[sleutel])
    if re.fullmatch(r"\d{4,6}", s):
        s = f"EPSG:{s}"
    try:
        return parse_crs_uri(s)
    except CRSError as e:
        raise CRSError(
            f"Onbekend coördinatenstelsel '{s}'. Gebruik bijvoorbeeld EPSG:28992 (RD) of EPSG:4326 (lon/lat).",
            details={"veld": "crs", "waarde": s},
        ) from e


def _crs_naam(c: CRS) -> str:
    if c is _WGS84 or c in (_CRS84, _WGS84):
        return "EPSG:4326"
    auth = c.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else c.name


def _leeg(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and not v.strip()


# --------------------------------------------------------------------------- coordinates


def lees_coordinaten(
    rijen: pd.DataFrame,
    *,
    crs: str | CRS | None = None,
    doel_crs: str | CRS | None = None,
) -> Coordinaten:
    """Build one geometry per row from its coordinate columns.

    Parameters
    ----------
    rijen
        Raw rows with normalised column names (see :func:`normaliseer_kolomnaam`).
    crs
        CRS for ``x``/``y`` and ``wkt`` when the row has no ``crs`` value (the ``--crs`` option).
    doel_crs
        CRS of the result; default the CRS of the first location read. Rows in other CRSs
        (mixed ``lon``/``lat`` and ``rd_x``/``rd_y``) are projected to it.

    Raises
    ------
    BadFileError
        When the file has no location columns, only half of a pair, or ``x``/``y`` or ``wkt``
        without any declared CRS ("geen coördinatenstelsel opgegeven").
    CRSError
        When ``crs`` cannot be parsed.
    """
    kolommen = set(map(str, rijen.columns))
    for _naam, paar in _SETS:
        if len(paar) == 2 and (paar[0] in kolommen) != (paar[1] in kolommen):
            aanwezig, mist = (paar[0], paar[1]) if paar[0] in kolommen else (paar[1], paar[0])
            raise BadFileError(f"De kolom '{mist}' ontbreekt; die hoort bij de kolom '{aanwezig}'.")
    sets = [(naam, paar) for naam, paar in _SETS if all(p in kolommen for p in paar)]
    if not sets:
        raise BadFileError(
            "Geen locatie gevonden: het bestand heeft geen kolommen lon en lat, rd_x en rd_y, x en y (met "
            "crs) "
            "of wkt (met crs). Gebruik het sjabloon: kansenkaart template LAAG."
        )
    optie = parse_crs(crs) if isinstance(crs, str) else crs
    records = rijen.to_dict("records")
    heeft_crs_kolom = "crs" in kolommen
    if optie is None and not heeft_crs_kolom:
        for raw in records:
            gekozen = _kies_set(raw, sets)
            if gekozen == "x/y" or (gekozen == "wkt" and not _EWKT.match(str(raw.get("wkt")))):
                raise BadFileError(
                    f"Geen coördinatenstelsel opgegeven: de kolommen {gekozen} vragen om een kolom crs of "
                    "de optie "
                    "--crs (bijv. --crs EPSG:28992 voor RD). Of gebruik de kolommen lon en lat (WGS84) of "
                    "rd_x "
                    "en rd_y (RD)."
                )
    if optie is not None and not any(n in ("x/y", "wkt") for n, _ in sets):
        vast = CRS.from_user_input("EPSG:4326" if sets[0][0] == "lon/lat" else "EPSG:28992")
        if not _zelfde_crs(optie, vast):
            raise BadFileError(
                f"--crs {_crs_naam(optie)} past niet bij de kolommen {sets[0][0]}: die zijn altijd "
                f"{_crs_naam(vast)}. --crs geldt alleen voor de kolommen x/y en wkt."
            )

    crs_cache: dict[str, CRS | str] = {}
    geoms: list[BaseGeometry | None] = []
    crss: list[CRS | None] = []
    fouten: list[list[Fout]] = []
    gebruikt: dict[str, set[str]] = {}
    namen: dict[str, str] = {}
    for raw in records:
        g, c, f, naam = _lees_locatie(raw, sets, optie=optie, crs_cache=crs_cache)
        geoms.append(g)
        crss.append(c)
        fouten.append(f)
        if g is not None and c is not None and naam is not None:
            if c.srs not in namen:
                namen[c.srs] = _crs_naam(c)
            gebruikt.setdefault(naam, set()).add(namen[c.srs])
    doel = CRS.from_user_input(doel_crs) if doel_crs is not None else next((c for c in crss if c is not None), None)
    if doel is None:
        doel = CRS.from_user_input(
            optie if optie is not None else ("EPSG:4326" if sets[0][0] == "lon/lat" else "EPSG:28992")
        )
    uit = np.empty(len(geoms), dtype=object)
    groepen: dict[str, tuple[CRS, list[int]]] = {}
    for i, (g, c) in enumerate(zip(geoms, crss, strict=True)):
        uit[i] = None
        if g is not None and c is not None:
            groepen.setdefault(c.srs, (c, []))[1].append(i)
    for c, idx in groepen.values():
        if _zelfde_crs(c, doel):
            for i in idx:
                uit[i] = geoms[i]
            continue
        projected = gpd.GeoSeries([geoms[i] for i in idx], crs=c).to_crs(doel)
        for i, g in zip(idx, projected.values, strict=True):
            uit[i] = g
    if not gebruikt:  # no row could be read: describe the columns the file has
        for naam, _paar in sets:
            stelsel = {"lon/lat": "EPSG:4326", "rd_x/rd_y": "EPSG:28992"}.get(naam)
            gebruikt[naam] = {stelsel or (_crs_naam(optie) if optie is not None else "crs-kolom")}
    omschrijving = ", ".join(f"{n} ({', '.join(sorted(c))})" for n, c in gebruikt.items())
    return Coordinaten(
        geometrie=gpd.GeoSeries(list(uit), index=rijen.index, crs=doel),
        fouten=fouten,
        omschrijving=omschrijving,
    )


def _zelfde_crs(a: CRS, b: CRS) -> bool:
    return a == b or _crs_naam(a) == _crs_naam(b)


def _kies_set(raw: dict[Any, Any], sets: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    for naam, paar in sets:
        if any(not _leeg(raw.get(p)) for p in paar):
            return naam
    return None


def _toon(v: Any) -> str:
    if _leeg(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _getal(raw: dict[Any, Any], kolom: str, *, rd: bool = False) -> float:
    v = raw.get(kolom)
    if _leeg(v):
        raise _LocatieError(Fout(kolom, "", f"{kolom} ontbreekt"))
    if rd and isinstance(v, str) and _DUIZENDTALLEN.fullmatch(v.strip()):
        v = v.strip().replace(".", "")  # 140.000 is a thousands separator in RD, not 140.0
    try:
        f = parse_getal(v)
    except ValidationError as e:
        raise _LocatieError(Fout(kolom, _toon(v), f"{kolom}: {e.message[:-1]}")) from e
    assert f is not None
    return f


class _LocatieError(Exception):
    def __init__(self, fout: Fout) -> None:
        super().__init__(fout.reden)
        self.fout = fout


def _rij_crs(raw: dict[Any, Any], optie: CRS | None, cache: dict[str, CRS | str]) -> CRS:
    v = raw.get("crs")
    if _leeg(v):
        if optie is None:
            raise _LocatieError(Fout("crs", "", "crs ontbreekt: vul het coördinatenstelsel in, bijv. EPSG:28992"))
        return optie
    s = _toon(v).strip()
    if s not in cache:
        try:
            cache[s] = parse_crs(v)
        except CRSError as e:
            cache[s] = e.message
    c = cache[s]
    if isinstance(c, str):
        raise _LocatieError(Fout("crs", s, c.rstrip(".")))
    return c


def _lees_locatie(
    raw: dict[Any, Any],
    sets: Sequence[tuple[str, tuple[str, ...]]],
    *,
    optie: CRS | None,
    crs_cache: dict[str, CRS | str],
) -> tuple[BaseGeometry | None, CRS | None, list[Fout], str | None]:
    naam = _kies_set(raw, sets)
    if naam is None:
        kolommen = " of ".join(" en ".join(p) for _n, p in sets)
        return None, None, [Fout("locatie", "", f"de locatie ontbreekt; vul {kolommen} in")], None
    try:
        if naam == "wkt":
            tekst = str(raw.get("wkt")).strip()
            m = _EWKT.match(tekst)
            if m:
                c = parse_crs(m.group(1))
                tekst = m.group(2)
            else:
                c = _rij_crs(raw, optie, crs_cache)
            try:
                g = shapely.from_wkt(tekst)
            except shapely.errors.GEOSException as e:
                kort = tekst if len(tekst) <= 60 else tekst[:57] + "…"
                raise _LocatieError(
                    Fout(
                        "wkt",
                        kort,
                        "WKT is niet leesbaar; schrijf bijv. POINT (140123 470456) of "
                        "POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))",
                    )
                ) from e
            if g is None or g.is_empty:
                raise _LocatieError(Fout("wkt", tekst[:60], "WKT bevat een lege geometrie"))
            return g, c, [], naam
        if naam == "lon/lat":
            lon, lat = _getal(raw, "lon"), _getal(raw, "lat")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                hint = (
                    "; dit lijken RD-coördinaten: zet ze in de kolommen rd_x en rd_y"
                    if _RD_BEREIK[0] <= lon <= _RD_BEREIK[2] and _RD_BEREIK[1] <= lat <= _RD_BEREIK[3]
                    else ""
                )
                raise _LocatieError(
                    Fout(
                        "lon" if not -180 <= lon <= 180 else "lat",
                        _toon(raw.get("lon" if not -180 <= lon <= 180 else "lat")),
                        f"lon moet tussen -180 en 180 liggen en lat tussen -90 en 90{hint}",
                    )
                )
            return shapely.Point(lon, lat), _WGS84, [], naam
        if naam == "rd_x/rd_y":
            x, y = _getal(raw, "rd_x", rd=True), _getal(raw, "rd_y", rd=True)
            if abs(x) <= 180 and abs(y) <= 90:
                raise _LocatieError(
                    Fout(
                        "rd_x",
                        _toon(raw.get("rd_x")),
                        "dit lijken lengte- en breedtegraden: zet ze in de kolommen lon en lat",
                    )
                )
            return shapely.Point(x, y), _RD_NEW, [], naam
        c = _rij_crs(raw, optie, crs_cache)
        return shapely.Point(_getal(raw, "x"), _getal(raw, "y")), c, [], naam
    except _LocatieError as e:
        return None, None, [e.fout], naam
    except CRSError as e:
        return None, None, [Fout("wkt", _toon(raw.get("wkt"))[:60], e.message.rstrip("."))], naam


# --------------------------------------------------------------------------- file readers


def kies_bronlaag(lagen: Sequence[str], *, doel: str, bronlaag: str | None, soort: str = "laag") -> str:
    """Choose the layer (or sheet) to read: ``bronlaag``, else the one named ``doel``, else the only one.

    Raises
    ------
    BadFileError
        Listing the available layers when the choice is not clear.
    """
    if bronlaag is not None:
        for naam in lagen:
            if naam == bronlaag or naam.casefold() == bronlaag.casefold():
                return naam
        raise BadFileError(f"Het bestand heeft geen {soort} '{bronlaag}'. Beschikbaar: {', '.join(lagen) or '(geen)'}.")
    for naam in lagen:
        if naam.casefold() == doel.casefold():
            return naam
    if len(lagen) == 1:
        return lagen[0]
    if not lagen:
        raise BadFileError(f"Het bestand heeft geen {soort} met gegevens.")
    raise BadFileError(
        f"Het bestand heeft meerdere {'bladen' if soort == 'blad' else 'lagen'} en geen met de naam "
        f"'{doel}': "
        f"{', '.join(lagen)}. Kies er een met --bronlaag."
    )


def _formaat(pad: Path) -> str:
    if not pad.exists():
        raise BadFileError(f"Bestand '{pad}' bestaat niet.")
    if pad.is_dir():
        raise BadFileError(f"'{pad}' is een map, geen bestand.")
    ext = pad.suffix.lower()
    if ext == ".xls":
        raise BadFileError(
            f"'{pad.name}' is een oud Excel-bestand (.xls). Sla het in Excel op als Excel-werkmap (.xlsx)."
        )
    if ext not in FORMATEN:
        raise BadFileError(
            f"Onbekend bestandsformaat '{ext or pad.name}'. Gebruik CSV (.csv), Excel (.xlsx), GeoJSON "
            "(.geojson), "
            "GeoPackage (.gpkg) of Shapefile (.shp)."
        )
    try:
        if pad.stat().st_size == 0:
            raise BadFileError(f"Bestand '{pad.name}' is leeg.")
    except OSError as e:
        raise BadFileError(f"Bestand '{pad}' kan niet gelezen worden: {e.strerror or e}.") from e
    return FORMATEN[ext]


def _tabel(
    koppen: Sequence[Any], data: Sequence[Sequence[Any]], pad: Path
) -> tuple[pd.DataFrame, list[str], list[list[Fout]]]:
    """Raw frame with normalised headers from a header row and data rows."""
    namen: list[str] = []
    origineel: list[str] = []
    for k in koppen:
        namen.append(normaliseer_kolomnaam(k))
        origineel.append("" if k is None else str(k).strip())
    dubbel = sorted({n for n in namen if n and namen.count(n) > 1})
    if dubbel:
        raise BadFileError(f"De kolom '{dubbel[0]}' staat meer dan eens in '{pad.name}'.")
    bruikbaar = [i for i, n in enumerate(namen) if n]
    leesfouten: list[list[Fout]] = []
    rows = []
    for r in data:
        rij = list(r)
        f: list[Fout] = []
        extra = [v for v in rij[len(namen) :] if not _leeg(v)]
        if extra:
            f.append(
                Fout(
                    "",
                    _toon(extra[0]),
                    "de rij heeft meer cellen dan er kolommen zijn; staat er een scheidingsteken (; of ,) in "
                    "een tekst zonder aanhalingstekens?",
                )
            )
        leeg_kop = [v for i, v in enumerate(rij[: len(namen)]) if not namen[i] and not _leeg(v)]
        if leeg_kop:
            f.append(Fout("", _toon(leeg_kop[0]), "er staat een waarde in een kolom zonder kopje"))
        rows.append([rij[i] if i < len(rij) else None for i in bruikbaar])
        leesfouten.append(f)
    frame = pd.DataFrame(rows, columns=[namen[i] for i in bruikbaar], dtype=object)
    return frame, [origineel[i] for i in bruikbaar], leesfouten


def _lees_csv(pad: Path) -> tuple[list[Any], list[list[Any]], list[int]]:
    data = pad.read_bytes()
    if b"\x00" in data[:4096]:
        raise BadFileError(f"'{pad.name}' is geen tekstbestand (CSV); controleer het formaat.")
    tekst: str | None = None
    for codering in ("utf-8-sig", "cp1252"):
        try:
            tekst = data.decode(codering)
            break
        except UnicodeDecodeError:
            continue
    if tekst is None or not tekst.strip():
        raise BadFileError(f"Bestand '{pad.name}' is leeg.")
    eerste = next((regel for regel in tekst.splitlines() if regel.strip()), "")
    scheiding = max((";", ",", "\t"), key=lambda s: eerste.count(s))
    reader = csv.reader(io.StringIO(tekst, newline=""), delimiter=scheiding)
    try:
        records = list(reader)
    except csv.Error as e:
        raise BadFileError(f"'{pad.name}' is geen geldig CSV-bestand: {e}.") from e
    kop_i = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if kop_i is None:
        raise BadFileError(f"Bestand '{pad.name}' is leeg.")
    rijen, nummers = [], []
    for i in range(kop_i + 1, len(records)):
        r = records[i]
        if any(c.strip() for c in r):
            rijen.append(list(r))
            nummers.append(i + 1)
    return list(records[kop_i]), rijen, nummers


def _lees_xlsx(
    pad: Path,
    *,
    doel: str,
    bronlaag: str | None,
    max_features: int | None,
    voortgang: Callable[[int], None] | None,
) -> tuple[list[Any], list[list[Any]], list[int], str]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(pad, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise BadFileError(f"'{pad.name}' is geen geldig Excel-bestand (.xlsx).") from e
    try:
        bladen = list(wb.sheetnames)
        if bronlaag is None and not any(b.casefold() == "gegevens" for b in bladen):
            data_bladen = [b for b in bladen if b not in HULPBLADEN]
            if len(data_bladen) != 1:
                raise BadFileError(
                    "Het Excel-bestand heeft geen blad 'Gegevens' en meerdere andere bladen: "
                    f"{', '.join(bladen)}. "
                    "Zet de gegevens op het blad 'Gegevens' (zoals in het sjabloon) of kies het blad met "
                    "--bronlaag."
                )
            blad = data_bladen[0]
        else:
            blad = kies_bronlaag(bladen, doel="Gegevens", bronlaag=bronlaag, soort="blad")
        ws = wb[blad]
        koppen: list[Any] | None = None
        rijen: list[list[Any]] = []
        nummers: list[int] = []
        for nr, waarden in enumerate(ws.iter_rows(values_only=True), start=1):
            cellen = [(v.strip() if isinstance(v, str) else v) for v in waarden]
            if koppen is None:
                if any(not _leeg(c) for c in cellen):
                    koppen = cellen
                elif nr > _MAX_LEGE_KOPREGELS:
                    break
                continue
            if any(not _leeg(c) for c in cellen):
                rijen.append(cellen)
                nummers.append(nr)
                if max_features is not None and len(rijen) > max_features:
                    raise LimitError(
                        f"Het blad '{blad}' heeft meer dan {max_features} rijen; dat is de grens per import "
                        "(KANSENKAART_MAX_IMPORT_FEATURES). Splits het bestand."
                    )
                if voortgang is not None and len(rijen) % 500 == 0:
                    voortgang(len(rijen))
        if koppen is None:
            raise BadFileError(f"Het blad '{blad}' van '{pad.name}' is leeg.")
        return koppen, rijen, nummers, blad
    finally:
        wb.close()


def _lees_geojson(
    pad: Path, *, crs: CRS | None
) -> tuple[pd.DataFrame, list[BaseGeometry | None], list[list[Fout]], CRS]:
    try:
        data = json.loads(pad.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadFileError(f"'{pad.name}' is geen geldige GeoJSON: {e}.") from e
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise BadFileError(f"'{pad.name}' is geen GeoJSON FeatureCollection.")
    if not features:
        raise BadFileError(f"'{pad.name}' bevat geen objecten.")
    verklaard: CRS | None = None
    lid = data.get("crs") if isinstance(data, dict) else None
    if isinstance(lid, dict):
        naam = (lid.get("properties") or {}).get("name")
        if naam:
            try:
                verklaard = parse_crs(naam)
            except CRSError as e:
                raise BadFileError(f"De GeoJSON noemt een onbekend coördinatenstelsel: '{naam}'.") from e
    if verklaard is not None and crs is not None and not _zelfde_crs(verklaard, crs):
        raise BadFileError(
            f"De GeoJSON noemt coördinatenstelsel {_crs_naam(verklaard)}, maar --crs zegt {_crs_naam(crs)}."
        )
    props: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    fouten: list[list[Fout]] = []
    for f in features:
        if not isinstance(f, dict):
            raise BadFileError(f"'{pad.name}' bevat een object dat geen GeoJSON Feature is.")
        p = f.get("properties") or {}
        props.append(
            {
                k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
                for k, v in (p.items() if isinstance(p, dict) else [])
            }
        )
        g = f.get("geometry")
        if g is None:
            geoms.append(None)
            fouten.append([Fout("geometrie", "", "het object heeft geen geometrie")])
            continue
        try:
            geoms.append(shape(g))
            fouten.append([])
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
            shapely.errors.GEOSException,
        ):
            geoms.append(None)
            fouten.append(
                [
                    Fout(
                        "geometrie",
                        str(g.get("type", "")) if isinstance(g, dict) else "",
                        "de geometrie is niet leesbaar; controleer de coördinaten (een vlak heeft minstens vier "
                        "punten en het laatste punt is gelijk aan het eerste)",
                    )
                ]
            )
    gekozen = verklaard or crs or CRS.from_user_input("OGC:CRS84")
    if verklaard is None and crs is None:
        geldig = [g for g in geoms if g is not None and not g.is_empty]
        if geldig:
            x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geldig, dtype=object))
            if not (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90):
                raise BadFileError(
                    "De GeoJSON noemt geen coördinatenstelsel en de coördinaten zijn geen lengte- en "
                    "breedtegraden "
                    f"(omvang {x0:.0f}, {y0:.0f} – {x1:.0f}, {y1:.0f}). Geef het stelsel op met --crs, "
                    "bijv. --crs EPSG:28992."
                )
    kolommen = sorted({k for p in props for k in p}, key=lambda k: next(i for i, p in enumerate(props) if k in p))
    frame = pd.DataFrame([[p.get(k) for k in kolommen] for p in props], columns=kolommen, dtype=object)
    return frame, geoms, fouten, gekozen


def _lees_ogr(
    pad: Path, *, doel: str, bronlaag: str | None, crs: CRS | None, max_features: int | None
) -> tuple[pd.DataFrame, gpd.GeoSeries | None, str | None]:
    try:
        with warnings.catch_warnings():
            # GDAL warns (in English) about damaged files before it fails; the Dutch error below says it
            warnings.simplefilter("ignore", RuntimeWarning)
            lagen = [str(n) for n, _t in pyogrio.list_layers(pad)]
        laag = kies_bronlaag(lagen, doel=doel, bronlaag=bronlaag)
        info = pyogrio.read_info(pad, layer=laag)
        if max_features is not None and int(info.get("features") or 0) > max_features:
            raise LimitError(
                f"Laag '{laag}' heeft {info['features']} objecten; de grens is {max_features} per import "
                "(KANSENKAART_MAX_IMPORT_FEATURES). Splits het bestand."
            )
        df = pyogrio.read_dataframe(pad, layer=laag)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
        soort = "GeoPackage" if pad.suffix.lower() == ".gpkg" else "Shapefile"
        raise BadFileError(
            f"'{pad.name}' kan niet gelezen worden: het is geen geldig {soort}-bestand, of het is beschadigd.",
            details={"gdal": str(e)},
        ) from e
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        if df.crs is None:
            raise BadFileError(
                f"De geometrie in '{pad.name}' heeft geen coördinatenstelsel (bij een Shapefile ontbreekt "
                "dan het "
                ".prj-bestand). Sla het bestand opnieuw op met een CRS, bijv. EPSG:28992."
            )
        eigen = CRS.from_user_input(df.crs)
        if crs is not None and not _zelfde_crs(eigen, crs):
            raise BadFileError(
                f"'{pad.name}' heeft coördinatenstelsel {_crs_naam(eigen)}, maar --crs zegt {_crs_naam(crs)}."
            )
        geom = df.geometry
        attrs = pd.DataFrame(df.drop(columns=df.geometry.name))
        return attrs.astype(object).reset_index(drop=True), geom.reset_index(drop=True), laag
    return pd.DataFrame(df).astype(object).reset_index(drop=True), None, laag


def lees_partnerbestand(
    pad: str | Path,
    *,
    schema: Laag | None = None,
    crs: str | CRS | None = None,
    bronlaag: str | None = None,
    doel_crs: str | CRS | None = None,
    max_features: int | None = None,
    voortgang: Callable[[int], None] | None = None,
) -> Partnerbestand:
    """Read a partner file (CSV, XLSX, GeoJSON, GeoPackage or Shapefile).

    Parameters
    ----------
    pad
        The file; its extension determines the format.
    schema
        Target layer: its name chooses the GeoPackage layer, and only its input fields are
        kept in :attr:`Partnerbestand.rijen` (others are listed as ignored).
    crs
        The ``--crs`` option: CRS of ``x``/``y`` and ``wkt`` columns, or of a GeoJSON
        without ``crs`` member.
    bronlaag
        GeoPackage layer or XLSX sheet to read (default: named like the layer / ``Gegevens``,
        else the only one).
    doel_crs
        CRS to which coordinate columns are projected when rows use different CRSs.
    max_features
        Refuse files with more features than this.
    voortgang
        Called with the number of rows read so far (XLSX only; the others read at once).

    Raises
    ------
    BadFileError
        Wrong format, missing, empty, unreadable, wrong sheet or layer, no location or no CRS.
    LimitError
        More than ``max_features`` rows.
    CRSError
        An unknown ``crs`` option.
    """
    p = Path(pad)
    formaat = _formaat(p)
    optie = parse_crs(crs) if isinstance(crs, str) else crs
    doel = schema.naam if schema is not None else p.stem
    blad: str | None = None
    geometrie: gpd.GeoSeries | None = None
    geo_fouten: list[list[Fout]] | None = None
    try:
        if formaat in ("csv", "xlsx"):
            if formaat == "csv":
                koppen, data, nummers = _lees_csv(p)
            else:
                koppen, data, nummers, blad = _lees_xlsx(
                    p, doel=doel, bronlaag=bronlaag, max_features=max_features, voortgang=voortgang
                )
            frame, origineel, leesfouten = _tabel(koppen, data, p)
        elif formaat == "geojson":
            ruw, geoms, geo_fouten, gj_crs = _lees_geojson(p, crs=optie)
            frame, origineel, leesfouten = _tabel(list(ruw.columns), ruw.values.tolist(), p)
            geometrie = gpd.GeoSeries(geoms, crs=gj_crs)
            nummers = list(range(1, len(frame) + 1))
        else:
            ruw, geometrie, blad = _lees_ogr(p, doel=doel, bronlaag=bronlaag, crs=optie, max_features=max_features)
            frame, origineel, leesfouten = _tabel(list(ruw.columns), ruw.values.tolist(), p)
            nummers = list(range(1, len(frame) + 1))
    except OSError as e:
        raise BadFileError(f"Bestand '{p}' kan niet gelezen worden: {e.strerror or e}.") from e
    if len(frame) == 0:
        waar = f"blad '{blad}' van " if formaat == "xlsx" and blad else ""
        raise BadFileError(f"{waar.capitalize() or 'Bestand '}'{p.name}' bevat geen gegevens, alleen kopjes.")
    if max_features is not None and len(frame) > max_features:
        raise LimitError(
            f"'{p.name}' heeft {len(frame)} rijen; de grens is {max_features} objecten per import "
            "(KANSENKAART_MAX_IMPORT_FEATURES). Splits het bestand."
        )
    if geometrie is not None:
        crs_tekst = f"geometrie ({_crs_naam(CRS.from_user_input(geometrie.crs))})"
        locatie_kolommen: set[str] = set()
        if geo_fouten is not None:
            leesfouten = [a + b for a, b in zip(leesfouten, geo_fouten, strict=True)]
    else:
        co = lees_coordinaten(frame, crs=optie, doel_crs=doel_crs)
        geometrie = co.geometrie
        leesfouten = [a + b for a, b in zip(leesfouten, co.fouten, strict=True)]
        crs_tekst = co.omschrijving
        locatie_kolommen = set(COORDINAATKOLOMMEN)
    genegeerd: list[str] = []
    houden: list[str] = []
    invoer = {v.naam for v in schema.invoervelden} if schema is not None else None
    for naam, orig in zip(frame.columns, origineel, strict=True):
        if naam in locatie_kolommen:
            continue
        if invoer is None or naam in invoer:
            houden.append(naam)
        else:
            genegeerd.append(orig or naam)
    return Partnerbestand(
        pad=p,
        formaat=formaat,
        rijen=frame[houden].reset_index(drop=True),
        rijnummers=nummers,
        geometrie=geometrie.reset_index(drop=True),
        leesfouten=leesfouten,
        crs_omschrijving=crs_tekst,
        genegeerde_kolommen=tuple(genegeerd),
        bronlaag=blad,
    )
