"""Low-level GeoPackage handling on a plain :mod:`sqlite3` connection.

The workspace store writes the GeoPackage itself (instead of through GDAL) so that every
change is one SQLite transaction: atomic, crash-safe in WAL mode, and serialised with
``BEGIN IMMEDIATE`` plus a busy timeout. The file follows the OGC GeoPackage 1.4 encoding
(geometry blobs, ``gpkg_*`` tables, R-tree spatial index with the standard triggers), so
GDAL, pyogrio and QGIS open it as usual.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- geometry blobs


def encode(geom: BaseGeometry | None, srs_id: int) -> bytes | None:
    """Encode a shapely geometry as a GeoPackage geometry blob (little endian, XY envelope)."""
    if geom is None:
        return None
    if geom.is_empty:
        flags = 0b0001_0001  # empty, no envelope, little endian
        return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b0000_0011  # envelope code 1 (xy), little endian
    header = b"GP" + bytes([0, flags]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1, output_dimension=2)


def encode_many(geoms: Sequence[BaseGeometry | None] | np.ndarray, srs_id: int) -> list[bytes | None]:
    """Encode many geometries (vectorised WKB, Python header)."""
    arr = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = [None] * len(arr)
    present = np.array([g is not None for g in arr], dtype=bool)
    if not present.any():
        return out
    sub = arr[present]
    wkbs = shapely.to_wkb(sub, byte_order=1, output_dimension=2)
    bounds = shapely.bounds(sub)
    empty = shapely.is_empty(sub)
    idx = np.flatnonzero(present)
    srs = struct.pack("<i", srs_id)
    for k, i in enumerate(idx):
        if empty[k]:
            out[i] = b"GP\x00\x11" + srs + wkbs[k]
        else:
            b = bounds[k]
            out[i] = b"GP\x00\x03" + srs + struct.pack("<4d", b[0], b[2], b[1], b[3]) + wkbs[k]
    return out


def _wkb_offset(blob: bytes) -> int:
    flags = blob[3]
    env = (flags >> 1) & 0b111
    return 8 + _ENVELOPE_BYTES.get(env, 0)


def decode_many(blobs: Iterable[bytes | None]) -> np.ndarray:
    """Decode GeoPackage geometry blobs into an array of shapely geometries (None stays None)."""
    blobs = list(blobs)
    wkbs: list[bytes | None] = []
    for b in blobs:
        if b is None:
            wkbs.append(None)
        else:
            mb = bytes(b)
            wkbs.append(mb[_wkb_offset(mb) :])
    return shapely.from_wkb(np.asarray(wkbs, dtype=object))


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """Return (minx, maxx, miny, maxy) of a blob, or None when empty/NULL."""
    if blob is None:
        return None
    flags = blob[3]
    if flags & 0b0001_0000:
        return None
    env = (flags >> 1) & 0b111
    little = flags & 1
    if env >= 1:
        fmt = "<4d" if little else ">4d"
        minx, maxx, miny, maxy = struct.unpack_from(fmt, blob, 8)
        return float(minx), float(maxx), float(miny), float(maxy)
    geom = shapely.from_wkb(bytes(blob)[_wkb_offset(blob) :])
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def _st(idx: int) -> Any:
    def f(blob: bytes | None) -> float | None:
        env = _envelope(blob)
        return None if env is None else env[idx]

    return f


def _is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return 1 if _envelope(blob) is None else 0


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions the R-tree triggers call (ST_MinX … ST_IsEmpty)."""
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _st(i), deterministic=True)
    conn.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)


# --------------------------------------------------------------------------- metadata tables

_CORE = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)


def init_gpkg(conn: sqlite3.Connection) -> None:
    """Create the GeoPackage core tables and default SRS rows (idempotent)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for stmt in _CORE.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    rows = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude coordinates in decimal degrees"),
    ]
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", rows)


def ensure_srs(conn: sqlite3.Connection, crs: CRS) -> int:
    """Register ``crs`` in ``gpkg_spatial_ref_sys`` and return its srs_id (the EPSG code)."""
    auth = crs.to_authority()
    if auth is None:
        raise ValueError(f"CRS {crs.to_string()} has no authority code")
    org, code = auth[0], int(auth[1])
    existing = conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (code,)).fetchone()
    if existing is None:
        conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)",
            (crs.name, code, org, code, crs.to_wkt("WKT1_GDAL"), crs.name),
        )
    return code


def table_exists(conn: sqlite3.Connection, table: str) -> bool:
    """True when ``table`` is registered in ``gpkg_contents``."""
    row = conn.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
    return row is not None


def create_feature_table(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    *,
    geometry_type: str,
    srs_id: int,
    description: str = "",
    geom_col: str = "geom",
) -> None:
    """Create a features table with an R-tree index and register it."""
    cols = ", ".join(f"{quote(n)} {t}" for n, t in columns)
    t, c = quote(table), quote(geom_col)
    conn.execute(f"CREATE TABLE {t} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {c} {geometry_type}, {cols})")
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?,?,?,?,?)",
        (table, "features", table, description, srs_id),
    )
    conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)", (table, geom_col, geometry_type, srs_id))
    rt = quote(f"rtree_{table}_{geom_col}")
    conn.execute(f"CREATE VIRTUAL TABLE {rt} USING rtree(id, minx, maxx, miny, maxy)")
    trig = f"rtree_{table}_{geom_col}"
    env = f"ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})"
    triggers = [
        f"""CREATE TRIGGER {quote(trig + "_insert")} AFTER INSERT ON {t}
        WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))
        BEGIN INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {env}); END""",
        f"""CREATE TRIGGER {quote(trig + "_update6")} AFTER UPDATE OF {c} ON {t}
        WHEN OLD.fid = NEW.fid AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
        BEGIN UPDATE {rt} SET minx = ST_MinX(NEW.{c}), maxx = ST_MaxX(NEW.{c}),
          miny = ST_MinY(NEW.{c}), maxy = ST_MaxY(NEW.{c}) WHERE id = NEW.fid; END""",
        f"""CREATE TRIGGER {quote(trig + "_update7")} AFTER UPDATE OF {c} ON {t}
        WHEN OLD.fid = NEW.fid AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
        BEGIN DELETE FROM {rt} WHERE id = OLD.fid; END""",
        f"""CREATE TRIGGER {quote(trig + "_update5")} AFTER UPDATE ON {t}
        WHEN OLD.fid != NEW.fid AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
        BEGIN DELETE FROM {rt} WHERE id = OLD.fid; INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {env}); END""",
        f"""CREATE TRIGGER {quote(trig + "_delete")} AFTER DELETE ON {t}
        WHEN old.{c} NOT NULL
        BEGIN DELETE FROM {rt} WHERE id = OLD.fid; END""",
    ]
    for trigger in triggers:
        conn.execute(trigger)
    conn.execute(
        "INSERT OR REPLACE INTO gpkg_extensions VALUES (?,?,?,?,?)",
        (table, geom_col, "gpkg_rtree_index", "http://www.geopackage.org/spec120/#extension_rtree", "write-only"),
    )


def create_attribute_table(
    conn: sqlite3.Connection, table: str, columns: Sequence[tuple[str, str]], *, description: str = ""
) -> None:
    """Create a non-spatial (attributes) table and register it."""
    cols = ", ".join(f"{quote(n)} {t}" for n, t in columns)
    conn.execute(f"CREATE TABLE {quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {cols})")
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?,?,?,?)",
        (table, "attributes", table, description),
    )


def drop_table(conn: sqlite3.Connection, table: str, *, geom_col: str = "geom") -> None:
    """Drop a registered table with its R-tree, triggers and metadata rows."""
    conn.execute(f"DROP TABLE IF EXISTS {quote(f'rtree_{table}_{geom_col}')}")
    conn.execute(f"DROP TABLE IF EXISTS {quote(table)}")
    conn.execute("DELETE FROM gpkg_extensions WHERE table_name = ?", (table,))
    conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (table,))
    conn.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (table,))


def update_extent(conn: sqlite3.Connection, table: str, *, geom_col: str = "geom") -> None:
    """Recompute the layer extent in ``gpkg_contents`` from the R-tree and touch last_change."""
    rt = quote(f"rtree_{table}_{geom_col}")
    row = conn.execute(f"SELECT min(minx), min(miny), max(maxx), max(maxy) FROM {rt}").fetchone()
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?, "
        "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
        (*row, table),
    )


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """Return (name, declared type) of the columns of ``table``."""
    return [(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({quote(table)})")]
