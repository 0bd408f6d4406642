"""Export a layer to GeoJSON, GeoPackage, CSV or XLSX, with attribution.

The functions here take a GeoDataFrame and return the bytes of the file (or write it), so the
CLI and the HTTP API share one implementation. Choices per format:

- **GeoJSON** follows RFC 7946: coordinates in CRS84 (longitude, latitude), no ``crs``
  member, coordinates rounded to 7 decimals (about 1 cm), polygons with the exterior ring
  counter-clockwise. Each feature's ``id`` is the kansenkaart id. The attribution travels as
  foreign members of the FeatureCollection: ``attribution`` and ``licentie`` (a list), plus
  ``name`` (the layer, which GDAL/QGIS use as layer name) and ``description`` (read by GDAL
  into the layer metadata).
- **GeoPackage** in the workspace's metric CRS (EPSG:28992 for Dutch regions), written with
  pyogrio (through Arrow, so integers stay integers, ``ja_nee`` fields become booleans, dates
  dates and timestamps date-times). The attribution is the layer description
  (``gpkg_contents.description``) and layer metadata (``bronvermelding``, ``licentie``,
  ``exportdatum``). GeoPackage version 1.3, readable by GDAL 3.6 / older QGIS without warnings.
- **CSV**: UTF-8 with BOM, comma-separated, dot as decimal sign, CRLF line ends (RFC 4180).
  Columns: the layer's fields, then ``x``, ``y`` (metric CRS, 2 decimals), ``lon``, ``lat``
  (WGS84, 7 decimals) of a representative point (points: the point itself; polygons: a point
  guaranteed inside the polygon), ``wkt`` (metric CRS) for layers that may hold polygons, and
  ``bronvermelding`` as the last column, repeated on every row. A comment line with the
  attribution would break CSV readers (QGIS, pandas, Excel would read it as data), so the
  attribution is a column. ``ja_nee`` fields are written as ``ja``/``nee``. Text that starts
  with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` so that a spreadsheet does not
  run it as a formula (CSV injection).
- **XLSX**: a sheet named after the layer with the same columns as the CSV (real numbers,
  dates and date-times; times in UTC), and a sheet ``Bronvermelding`` with the attribution,
  licences, export date and notes. Excel cells hold at most 32,767 characters: longer WKT is
  left empty and noted on the ``Bronvermelding`` sheet (use GeoPackage or GeoJSON for those
  geometries).

Dutch Excel uses ``;`` as list separator and ``,`` as decimal sign, so double-clicking the
CSV shows one column there; the XLSX export is the one meant for Excel.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from kansenkaart.attributie import licenties
from kansenkaart.crs import METRIC_CRS, check_crs, to_metric, to_web
from kansenkaart.errors import CRSError, NotFoundError, ValidationError
from kansenkaart.schemas import Laag
from kansenkaart.schemas import laag as _schema

__all__ = [
    "FORMATEN",
    "MEDIATYPES",
    "bestandsnaam",
    "exporteer",
    "exporteer_naar_bestand",
    "formaat_uit_pad",
]

FORMATEN: dict[str, str] = {"geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "xlsx": "xlsx"}
"""Export formats and their file extensions."""

MEDIATYPES: dict[str, str] = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Media types of the export formats (for HTTP responses)."""

_SUFFIXEN = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv", ".xlsx": "xlsx"}
_LONLAT_DECIMALEN = 7
_METER_DECIMALEN = 2
_EXCEL_MAX_TEKENS = 32_767
_FORMULE_TEKENS = ("=", "+", "-", "@", "\t", "\r")
_INT32 = (-(2**31), 2**31 - 1)

# --------------------------------------------------------------------------- names and formats


def _formaat(formaat: str) -> str:
    f = str(formaat).strip().lower().lstrip(".")
    if f == "json":
        f = "geojson"
    if f not in FORMATEN:
        raise ValidationError(
            f"Onbekend exportformaat '{formaat}'. Kies uit: {', '.join(FORMATEN)}.",
            details={"veld": "formaat", "waarde": formaat, "toegestaan": list(FORMATEN)},
        )
    return f


def formaat_uit_pad(pad: str | Path) -> str:
    """Return the export format for a file name from its suffix.

    Raises
    ------
    ValidationError
        When the suffix is not ``.geojson``/``.json``, ``.gpkg``, ``.csv`` or ``.xlsx``.
    """
    p = Path(pad)
    f = _SUFFIXEN.get(p.suffix.lower())
    if f is None:
        raise ValidationError(
            f"Onbekend exportformaat '{p.suffix or p.name}' (bestand {p.name}). "
            f"Kies een bestandsnaam op {', '.join('.' + e for e in FORMATEN.values())}.",
            details={"veld": "bestand", "waarde": str(p), "toegestaan": list(FORMATEN)},
        )
    return f


def bestandsnaam(laag: str, formaat: str, datum: date | None = None) -> str:
    """Return the export file name ``<laag>_<YYYY-MM-DD>.<ext>``.

    Parameters
    ----------
    laag
        Layer name, e.g. ``kansen``.
    formaat
        ``geojson``, ``gpkg``, ``csv`` or ``xlsx``.
    datum
        Export date; today when omitted.

    Raises
    ------
    ValidationError
        For an unknown format.
    """
    f = _formaat(formaat)
    d = datum or date.today()
    return f"{laag}_{d.isoformat()}.{FORMATEN[f]}"


# --------------------------------------------------------------------------- value handling


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, np.floating):
        return bool(np.isnan(v))
    return False


def _als_datum(v: Any) -> date | None:
    if _missing(v):
        return None
    if isinstance(v, datetime | pd.Timestamp):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v).strip()[:10])


def _typeer_kolom(s: pd.Series, veldtype: str) -> tuple[pd.Series, bool]:
    """Convert a column to the dtype of its schema field; return (series, is_date).

    When a value does not convert, the column is kept as it is (no data is lost).
    """
    present = s.map(lambda v: not _missing(v)).astype(bool)
    try:
        if veldtype in ("geheel", "jaar"):
            num = pd.to_numeric(s, errors="raise")
            vals = num[present]
            if len(vals) and not np.all(np.isclose(vals.astype(float) % 1, 0)):
                return num.astype("float64"), False
            ints = [int(v) if p else None for v, p in zip(num, present, strict=True)]
            return pd.Series(pd.array(ints, dtype="Int64"), index=s.index, name=s.name), False
        if veldtype == "getal":
            return pd.to_numeric(s, errors="raise").astype("float64"), False
        if veldtype == "ja_nee":
            out_b: list[bool | None] = []
            for v, p in zip(s, present, strict=True):
                if not p:
                    out_b.append(None)
                elif isinstance(v, bool | np.bool_):
                    out_b.append(bool(v))
                elif str(v).strip().lower() in ("ja", "true", "1", "waar", "yes"):
                    out_b.append(True)
                elif str(v).strip().lower() in ("nee", "false", "0", "onwaar", "no"):
                    out_b.append(False)
                else:
                    return s, False
            return pd.Series(pd.array(out_b, dtype="boolean"), index=s.index, name=s.name), False
        if veldtype == "datum":
            return pd.Series([_als_datum(v) for v in s], index=s.index, name=s.name, dtype=object), True
        if veldtype == "datumtijd":
            dt = pd.to_datetime(s.where(present, None), utc=True, format="ISO8601", errors="raise")
            return dt.astype("datetime64[ms, UTC]"), False
    except (ValueError, TypeError):
        return s, False
    return s, False


def _typeer(gdf: gpd.GeoDataFrame, schema: Laag) -> tuple[gpd.GeoDataFrame, set[str]]:
    """Give the schema fields their proper dtypes; return the frame and the date columns."""
    out = gdf.copy()
    datums: set[str] = set()
    types = {v.naam: v.type for v in schema.velden}
    for col in out.columns:
        if col == out.geometry.name or col not in types:
            continue
        out[col], is_datum = _typeer_kolom(out[col], types[col])
        if is_datum:
            datums.add(str(col))
    return out, datums


def _iso_tijd(v: datetime | pd.Timestamp) -> str:
    ts = pd.Timestamp(v)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_waarde(v: Any) -> Any:
    if _missing(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, datetime | pd.Timestamp):
        return _iso_tijd(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list | tuple | np.ndarray):
        return [_json_waarde(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_waarde(x) for k, x in v.items()}
    if isinstance(v, BaseGeometry):
        return v.wkt
    return str(v)


def _tekst(v: Any) -> str:
    """A non-missing value as text (lists and dicts as JSON)."""
    if isinstance(v, str):
        return v
    j = _json_waarde(v)
    return j if isinstance(j, str) else json.dumps(j, ensure_ascii=False)


def _attr_kolommen(gdf: gpd.GeoDataFrame) -> list[str]:
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


def _kan_vlakken_bevatten(schema: Laag, gdf: gpd.GeoDataFrame) -> bool:
    if any(g != "Point" for g in schema.geometrie):
        return True
    types = gdf.geometry.geom_type.dropna()
    return bool((types != "Point").any())


# --------------------------------------------------------------------------- GeoJSON


def _geojson(gdf: gpd.GeoDataFrame, *, laag: str, attributie: str) -> bytes:
    web = to_web(gdf, name=laag)
    geoms = np.asarray(web.geometry.array, dtype=object)
    present = np.array([g is not None for g in geoms], dtype=bool)
    if present.any():
        sub = shapely.transform(geoms[present], lambda c: np.round(c, _LONLAT_DECIMALEN))
        geoms[present] = shapely.orient_polygons(sub, exterior_cw=False)
    kolommen = _attr_kolommen(web)
    features = []
    for i, rec in enumerate(web[kolommen].itertuples(index=False, name=None)):
        props = dict(zip(kolommen, rec, strict=True))
        feature: dict[str, Any] = {"type": "Feature"}
        if "id" in props and not _missing(props["id"]):
            feature["id"] = str(props["id"])
        props.pop("id", None)
        g = geoms[i]
        feature["geometry"] = None if g is None or g.is_empty else mapping(g)
        feature["properties"] = {k: _json_waarde(v) for k, v in props.items()}
        features.append(feature)
    collection = {
        "type": "FeatureCollection",
        "name": laag,
        "attribution": attributie,
        "licentie": list(licenties(attributie)),
        "description": attributie,
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- GeoPackage


def _gpkg_geometrie(schema: Laag, gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """Return the frame with geometries fit for the layer type, and the GDAL geometry type.

    The type follows the data (a ``kansen`` layer with only points becomes a Point layer,
    which QGIS shows as one layer); an empty layer takes the type of its schema.
    """
    types = set(gdf.geometry.geom_type.dropna()) or set(schema.geometrie)
    if types <= {"Point"}:
        return gdf, "Point"
    if types <= {"Polygon", "MultiPolygon"}:
        geoms = [shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g
                 for g in gdf.geometry]
        return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)), "MultiPolygon"
    return gdf, "Unknown"


def _gpkg_kolom(s: pd.Series, is_datum: bool) -> pd.Series:
    """Give a column an Arrow-friendly dtype (also when it is empty or all-null)."""
    if is_datum:
        return s.astype(pd.ArrowDtype(pa.date32()))
    if isinstance(s.dtype, pd.Int64Dtype):
        vals = s.dropna()
        if vals.empty or (vals.min() >= _INT32[0] and vals.max() <= _INT32[1]):
            return s.astype("Int32")
        return s
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        if s.map(lambda v: _missing(v) or isinstance(v, bool | np.bool_)).all() and s.map(
            lambda v: not _missing(v)
        ).any():
            return s.astype("boolean")
        tekst = [None if _missing(v) else _tekst(v) for v in s]
        return pd.Series(tekst, index=s.index, name=s.name, dtype="string")
    return s


def _gpkg(
    gdf: gpd.GeoDataFrame,
    *,
    schema: Laag,
    datums: set[str],
    crs_metrisch: CRS,
    attributie: str,
    datum: date,
) -> bytes:
    metric = to_metric(gdf, crs=crs_metrisch, name=schema.naam)
    metric, geomtype = _gpkg_geometrie(schema, metric)
    frame = metric.copy()
    for col in _attr_kolommen(frame):
        frame[col] = _gpkg_kolom(frame[col], col in datums)
    if frame.geometry.name != "geom":
        frame = frame.rename_geometry("geom")
    with tempfile.TemporaryDirectory(prefix="kansenkaart-export-") as tmp:
        pad = Path(tmp) / f"{schema.naam}.gpkg"
        pyogrio.write_dataframe(
            frame,
            pad,
            layer=schema.naam,
            driver="GPKG",
            use_arrow=True,
            geometry_type=geomtype,
            dataset_options={"VERSION": "1.3"},
            layer_options={
                "DESCRIPTION": attributie,
                "IDENTIFIER": schema.titel,
                "DATETIME_PRECISION": "MILLISECOND",
            },
            layer_metadata={
                "bronvermelding": attributie,
                "licentie": "; ".join(licenties(attributie)),
                "exportdatum": datum.isoformat(),
                "laag": schema.naam,
                "titel": schema.titel,
            },
        )
        return pad.read_bytes()


# --------------------------------------------------------------------------- tables (CSV, XLSX)


def _tabel(
    gdf: gpd.GeoDataFrame, *, schema: Laag, crs_metrisch: CRS, attributie: str
) -> tuple[list[str], list[list[Any]]]:
    """Return the header and rows shared by CSV and XLSX (typed Python values)."""
    metric = to_metric(gdf, crs=crs_metrisch, name=schema.naam)
    kolommen = _attr_kolommen(metric)
    geoms = metric.geometry
    punt = geoms.representative_point()
    x = np.round(np.asarray(punt.x, dtype=float), _METER_DECIMALEN)
    y = np.round(np.asarray(punt.y, dtype=float), _METER_DECIMALEN)
    lonlat = to_web(gpd.GeoSeries(punt.values, crs=metric.crs))
    lon = np.round(np.asarray(lonlat.x, dtype=float), _LONLAT_DECIMALEN)
    lat = np.round(np.asarray(lonlat.y, dtype=float), _LONLAT_DECIMALEN)
    met_wkt = _kan_vlakken_bevatten(schema, metric)
    wkt: Sequence[str | None] = []
    if met_wkt:
        arr = np.asarray(geoms.array, dtype=object)
        wkt = [None if g is None or g.is_empty else str(t) for g, t in
               zip(arr, shapely.to_wkt(arr, rounding_precision=_METER_DECIMALEN, trim=True), strict=True)]
    header = [*kolommen, "x", "y", "lon", "lat", *(["wkt"] if met_wkt else []), "bronvermelding"]
    rows: list[list[Any]] = []
    for i, rec in enumerate(metric[kolommen].itertuples(index=False, name=None)):
        row: list[Any] = [None if _missing(v) else (v.item() if isinstance(v, np.generic) else v)
                          for v in rec]
        row += [_getal(x[i]), _getal(y[i]), _getal(lon[i]), _getal(lat[i])]
        if met_wkt:
            row.append(wkt[i])
        row.append(attributie)
        rows.append(row)
    return header, rows


def _getal(v: float) -> float | None:
    return None if math.isnan(v) else float(v)


def _csv_waarde(v: Any) -> str:
    if _missing(v):
        return ""
    if isinstance(v, bool | np.bool_):
        return "ja" if v else "nee"
    if isinstance(v, datetime | pd.Timestamp):
        return _iso_tijd(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return "'" + v if v.startswith(_FORMULE_TEKENS) else v
    return _tekst(v)


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_waarde(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(
    header: list[str],
    rows: list[list[Any]],
    *,
    schema: Laag,
    attributie: str,
    crs_metrisch: CRS,
    datum: date,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = schema.naam[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wkt_kolom = header.index("wkt") if "wkt" in header else -1
    te_lang_wkt = 0
    ingekort = 0
    for row in rows:
        waarden: list[Any] = []
        for j, v in enumerate(row):
            if isinstance(v, bool | np.bool_):
                v = "ja" if v else "nee"
            elif isinstance(v, datetime | pd.Timestamp):
                ts = pd.Timestamp(v)
                ts = ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts
                v = ts.to_pydatetime()
            elif isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
                if len(v) > _EXCEL_MAX_TEKENS:
                    if j == wkt_kolom:
                        v, te_lang_wkt = None, te_lang_wkt + 1
                    else:
                        v, ingekort = v[: _EXCEL_MAX_TEKENS - 1] + "…", ingekort + 1
            elif v is not None and not isinstance(v, int | float | date):
                v = _tekst(v)
            waarden.append(v)
        ws.append(waarden)
        r = ws.max_row
        for j, v in enumerate(waarden, start=1):
            cell = ws.cell(row=r, column=j)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(v, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for j, naam in enumerate(header, start=1):
        breedte = 60 if naam in ("wkt", "bronvermelding", "toelichting") else max(10, min(40, len(naam) + 4))
        ws.column_dimensions[get_column_letter(j)].width = breedte

    meta = wb.create_sheet("Bronvermelding")
    epsg = crs_metrisch.to_epsg()
    crs_tekst = f"EPSG:{epsg}" if epsg else crs_metrisch.name
    regels: list[tuple[str, Any]] = [
        ("Bronvermelding", attributie),
        ("Licentie", "; ".join(licenties(attributie)) or "-"),
        ("Laag", f"{schema.titel} ({schema.naam})"),
        ("Aantal objecten", len(rows)),
        ("Exportdatum", datum),
        ("Coördinaten", f"x en y in {crs_tekst} ({crs_metrisch.name}); lon en lat in WGS84 (EPSG:4326). "
                        "Bij een vlak is dit een punt dat zeker binnen het vlak ligt."),
        ("Tijdstippen", "in UTC"),
        ("Ja/nee-velden", "als 'ja' of 'nee'"),
    ]
    if wkt_kolom >= 0:
        regels.append(("wkt", f"geometrie als WKT in {crs_tekst}"))
    if te_lang_wkt:
        regels.append((
            "Let op",
            f"{te_lang_wkt} geometrie(ën) te groot voor een Excel-cel: wkt leeg gelaten. "
            "Gebruik de GeoPackage- of GeoJSON-export voor de volledige geometrie.",
        ))
    if ingekort:
        regels.append(("Let op", f"{ingekort} tekst(en) langer dan {_EXCEL_MAX_TEKENS} tekens ingekort."))
    for sleutel, waarde in regels:
        meta.append([sleutel, waarde])
        cell = meta.cell(row=meta.max_row, column=2)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(waarde, date):
            cell.number_format = "yyyy-mm-dd"
        meta.cell(row=meta.max_row, column=1).font = Font(bold=True)
    meta.column_dimensions["A"].width = 18
    meta.column_dimensions["B"].width = 100

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- public API


def _metrisch(gdf: gpd.GeoDataFrame, crs_metrisch: str | CRS | None, laag: str) -> CRS:
    if crs_metrisch is not None:
        return CRS.from_user_input(crs_metrisch)
    crs = check_crs(gdf, name=laag)
    if not crs.is_projected:
        raise CRSError(
            f"Laag '{laag}' staat in {crs.to_string()}, een stelsel in graden. Geef het metrische "
            f"stelsel van de werkruimte op (bijv. {METRIC_CRS})."
        )
    return crs


def exporteer(
    gdf: gpd.GeoDataFrame,
    *,
    formaat: str,
    laag: str,
    attributie: str,
    crs_metrisch: str | CRS,
    datum: date | None = None,
) -> bytes:
    """Export a layer to the bytes of a GeoJSON, GeoPackage, CSV or XLSX file.

    Parameters
    ----------
    gdf
        The features, in any CRS (usually the store's metric CRS). Columns that are fields of
        the layer schema get their schema type (integers, numbers, ja/nee, dates).
    formaat
        ``geojson``, ``gpkg``, ``csv`` or ``xlsx``.
    laag
        Layer name; sets the schema, the GeoPackage layer name and the XLSX sheet name.
    attributie
        Attribution text, from :func:`kansenkaart.attributie.attributie`.
    crs_metrisch
        The workspace's metric CRS: the CRS of the GeoPackage and of ``x``/``y`` in CSV/XLSX.
    datum
        Export date written into GeoPackage metadata and the XLSX; today when omitted.

    Returns
    -------
    bytes
        The file contents. An empty layer gives a valid empty file.

    Raises
    ------
    ValidationError
        For an unknown format (the message lists the allowed ones).
    UnknownLayerError
        For an unknown layer.
    CRSError
        When ``gdf`` has no CRS or ``crs_metrisch`` is not projected.
    """
    f = _formaat(formaat)
    schema = _schema(laag)
    check_crs(gdf, name=laag)
    metrisch = CRS.from_user_input(crs_metrisch)
    if not metrisch.is_projected:
        raise CRSError(f"CRS {metrisch.to_string()} is niet geprojecteerd; de export vraagt om meters.")
    d = datum or date.today()
    getypeerd, datums = _typeer(gdf, schema)
    if f == "geojson":
        return _geojson(getypeerd, laag=laag, attributie=attributie)
    if f == "gpkg":
        return _gpkg(
            getypeerd, schema=schema, datums=datums, crs_metrisch=metrisch, attributie=attributie, datum=d
        )
    header, rows = _tabel(getypeerd, schema=schema, crs_metrisch=metrisch, attributie=attributie)
    if f == "csv":
        return _csv(header, rows)
    return _xlsx(header, rows, schema=schema, attributie=attributie, crs_metrisch=metrisch, datum=d)


def exporteer_naar_bestand(
    gdf: gpd.GeoDataFrame,
    pad: str | Path,
    *,
    laag: str,
    attributie: str,
    crs_metrisch: str | CRS | None = None,
    datum: date | None = None,
) -> Path:
    """Export a layer to a file; the format follows from the suffix.

    The file is written next to its destination first and then moved into place, so an
    existing file is never left half-written.

    Parameters
    ----------
    gdf
        The features.
    pad
        Destination: ``.geojson`` (or ``.json``), ``.gpkg``, ``.csv`` or ``.xlsx``.
    laag
        Layer name.
    attributie
        Attribution text.
    crs_metrisch
        Metric CRS for GeoPackage and ``x``/``y``; defaults to the CRS of ``gdf``, which must
        then be projected.
    datum
        Export date; today when omitted.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ValidationError
        For an unknown suffix.
    NotFoundError
        When the destination folder does not exist.
    """
    p = Path(pad)
    f = formaat_uit_pad(p)
    if not p.parent.is_dir():
        raise NotFoundError(f"Map '{p.parent}' bestaat niet; maak haar eerst aan of kies een andere map.")
    data = exporteer(
        gdf, formaat=f, laag=laag, attributie=attributie, crs_metrisch=_metrisch(gdf, crs_metrisch, laag),
        datum=datum,
    )
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
    return p

