"""The workspace store: a small provider interface and its embedded GeoPackage implementation.

Callers (CLI, API, import, analysis wiring) talk to :class:`Provider` only, so a PostGIS
provider can be added later without touching them. :class:`GeoPackageStore` keeps every layer
in one GeoPackage file in the workspace's metric CRS.

Safety properties of the GeoPackage store:

- every write is one SQLite transaction (``BEGIN IMMEDIATE``): a crash mid-write leaves the
  previous state intact;
- WAL journal plus a busy timeout serialise concurrent writers without corrupting the file;
- ``synchronous=FULL``: an acknowledged write survives a killed process;
- every change to ``kansen`` bumps its ``versie`` and adds a row to ``kansen_historie`` (who,
  when, from where, old and new values, snapshot), in the same transaction;
- updates can carry the expected version; a stale one raises :class:`PreconditionError`.
"""

from __future__ import annotations

import json
import math
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from kansenkaart.crs import check_crs
from kansenkaart.errors import (
    ConflictError,
    CRSError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from kansenkaart.io import _gpkg
from kansenkaart.io._gpkg import quote
from kansenkaart.io._sqlite import Verbindingen
from kansenkaart.schemas import LAGEN, Laag, Veld, laag

__all__ = [
    "HISTORIE",
    "Feature",
    "GeoPackageStore",
    "LaagInfo",
    "Provider",
    "UpsertResultaat",
    "nu",
]

HISTORIE = "kansen_historie"
META = "kansenkaart_meta"
KANALEN = ("api", "web", "import", "cli", "systeem")

_SQL_TYPES = {
    "id": "TEXT",
    "tekst": "TEXT",
    "code": "TEXT",
    "codes": "TEXT",
    "geheel": "INTEGER",
    "jaar": "INTEGER",
    "getal": "REAL",
    "datum": "DATE",
    "datumtijd": "DATETIME",
    "ja_nee": "BOOLEAN",
}
_HISTORIE_COLUMNS = [
    ("kans_id", "TEXT"),
    ("versie", "INTEGER"),
    ("actie", "TEXT"),
    ("gebruiker", "TEXT"),
    ("tijdstip", "DATETIME"),
    ("kanaal", "TEXT"),
    ("wijzigingen", "TEXT"),
    ("momentopname", "TEXT"),
]
_AUDIT = {"versie", "aangemaakt_door", "aangemaakt_op", "gewijzigd_door", "gewijzigd_op", "verwijderd"}


def nu() -> str:
    """Current UTC time as ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Feature:
    """One stored feature: id, properties, geometry (metric CRS) and version."""

    laag: str
    id: str
    properties: dict[str, Any]
    geometry: BaseGeometry | None

    @property
    def versie(self) -> int | None:
        """The version (kansen only)."""
        v = self.properties.get("versie")
        return int(v) if v is not None else None


@dataclass(frozen=True)
class LaagInfo:
    """Summary of a stored layer."""

    naam: str
    titel: str
    aantal: int
    extent: tuple[float, float, float, float] | None
    geometrietype: str
    afgeleid: bool
    laatst_gewijzigd: str | None


@dataclass(frozen=True)
class UpsertResultaat:
    """Counts of an idempotent bulk import."""

    nieuw: int
    gewijzigd: int
    ongewijzigd: int
    ids: tuple[str, ...]


class Provider(Protocol):
    """The storage interface every provider implements (GeoPackage now, PostGIS later)."""

    crs: CRS

    def layers(self) -> list[LaagInfo]:
        """List stored layers with feature counts."""
        ...

    def has_layer(self, naam: str) -> bool:
        """True when layer ``naam`` is stored."""
        ...

    def query(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
        met_verwijderd: bool = False,
    ) -> gpd.GeoDataFrame:
        """Return features of a layer (bbox in the store CRS)."""
        ...

    def count(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        met_verwijderd: bool = False,
    ) -> int:
        """Count features matching bbox and filters."""
        ...

    def get(self, naam: str, fid: str, *, met_verwijderd: bool = False) -> Feature:
        """Return one feature by id."""
        ...

    def create(
        self,
        naam: str,
        properties: Mapping[str, Any],
        geometry: BaseGeometry,
        *,
        gebruiker: str,
        kanaal: str,
    ) -> Feature:
        """Create a feature and return it."""
        ...

    def update(
        self,
        naam: str,
        fid: str,
        properties: Mapping[str, Any],
        geometry: BaseGeometry | None = None,
        *,
        versie: int | None,
        gebruiker: str,
        kanaal: str,
    ) -> Feature:
        """Update a feature; a stale ``versie`` raises PreconditionError."""
        ...

    def delete(self, naam: str, fid: str, *, versie: int | None, gebruiker: str, kanaal: str) -> Feature | None:
        """Delete a feature (soft for kansen)."""
        ...

    def restore(self, naam: str, fid: str, *, gebruiker: str, kanaal: str) -> Feature:
        """Restore a soft-deleted kans."""
        ...

    def replace_layer(self, naam: str, gdf: gpd.GeoDataFrame) -> None:
        """Atomically replace the contents of a layer."""
        ...

    def upsert(self, naam: str, gdf: gpd.GeoDataFrame, *, gebruiker: str, kanaal: str) -> UpsertResultaat:
        """Insert new and update changed features, matched on the layer's key."""
        ...

    def history(self, fid: str | None = None) -> pd.DataFrame:
        """Return the change history of kansen (of one kans when ``fid`` is given)."""
        ...


# --------------------------------------------------------------------------- value conversion


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, np.floating) and bool(np.isnan(v))


def _to_sql(v: Any, sqltype: str) -> Any:
    """Convert a Python/pandas value into an SQLite value for a column of ``sqltype``."""
    if isinstance(v, list | tuple | np.ndarray):
        if sqltype == "TEXT" and all(isinstance(x, str) for x in v):
            return ",".join(v)
        return json.dumps([_plain(x) for x in v])
    if _is_missing(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if sqltype == "BOOLEAN":
        return 1 if ja_nee(v) else 0
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    if sqltype == "INTEGER" and isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _plain(v: Any) -> Any:
    """JSON-friendly plain Python value."""
    if _is_missing(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, datetime | date | pd.Timestamp):
        return v.isoformat()
    return v


def ja_nee(v: Any) -> bool:
    """A yes/no value as the store reads it: text ``ja``, ``true``, ``1``, ``yes`` or ``waar`` is yes."""
    if isinstance(v, str):
        return v.strip().lower() in ("ja", "true", "1", "yes", "waar")
    return bool(v)


def is_ja_nee_kolom(s: pd.Series) -> bool:
    """A yes/no column: boolean, or object holding only booleans and gaps (pandas keeps those as object)."""
    if pd.api.types.is_bool_dtype(s):
        return True
    if s.dtype != object:
        return False
    gevuld = s.dropna().tolist()
    return bool(gevuld) and all(isinstance(v, bool | np.bool_) for v in gevuld)


def _infer_sql_type(s: pd.Series) -> str:
    if is_ja_nee_kolom(s):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(s):
        return "INTEGER"
    if pd.api.types.is_float_dtype(s):
        return "REAL"
    return "TEXT"


def _geometry_type(schema: Laag) -> str:
    g = set(schema.geometrie)
    if g == {"Point"}:
        return "POINT"
    if g == {"Polygon", "MultiPolygon"}:
        return "MULTIPOLYGON"
    return "GEOMETRY"


def _normalise_geometry(geom: BaseGeometry | None, schema: Laag) -> BaseGeometry | None:
    if geom is None:
        return None
    if _geometry_type(schema) == "MULTIPOLYGON" and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return geom


# --------------------------------------------------------------------------- the GeoPackage store


class GeoPackageStore:
    """Embedded GeoPackage store (one file, one metric CRS).

    Parameters
    ----------
    path
        The ``.gpkg`` file. Use :meth:`create_file` for a new file.
    busy_timeout_ms
        How long a writer waits for another writer before giving up.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise NotFoundError(f"Werkruimtebestand {self.path} bestaat niet.")
        self.busy_timeout_ms = busy_timeout_ms
        self._verbindingen = Verbindingen(
            self.path, busy_timeout_ms=busy_timeout_ms, bij_openen=_gpkg.register_functions
        )
        crs_text = self.get_meta("crs")
        if crs_text is None:
            raise ValidationError(f"{self.path} is geen kansenkaart-werkruimte (metadata ontbreekt).")
        self.crs = CRS.from_user_input(crs_text)
        self.srs_id = int(self.crs.to_epsg() or 0)
        self._werk_schema_bij()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create_file(cls, path: str | Path, *, crs: str | CRS, meta: Mapping[str, str] | None = None) -> GeoPackageStore:
        """Create a new GeoPackage store with all schema layers (empty) in ``crs``.

        Raises
        ------
        ConflictError
            When the file already exists.
        """
        p = Path(path)
        if p.exists():
            raise ConflictError(f"Werkruimtebestand {p} bestaat al.")
        c = CRS.from_user_input(crs)
        if not c.is_projected or c.to_epsg() is None:
            raise CRSError(f"Werkruimte-CRS {c.to_string()} moet een geprojecteerd EPSG-stelsel in meters zijn.")
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".gpkg.tmp")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            _gpkg.register_functions(conn)
            conn.execute("BEGIN")
            _gpkg.init_gpkg(conn)
            srs_id = _gpkg.ensure_srs(conn, c)
            conn.execute(f"CREATE TABLE {META} (sleutel TEXT PRIMARY KEY, waarde TEXT)")
            meta_rows = {"crs": f"EPSG:{c.to_epsg()}", "aangemaakt_op": nu(), **(meta or {})}
            conn.executemany(f"INSERT INTO {META} VALUES (?,?)", list(meta_rows.items()))
            for schema in LAGEN.values():
                if schema.afgeleid:
                    continue
                cls._create_schema_table(conn, schema, srs_id)
            _gpkg.create_attribute_table(
                conn, HISTORIE, _HISTORIE_COLUMNS, description="Historie van alle wijzigingen aan kansen"
            )
            conn.execute(f"CREATE INDEX idx_historie_kans ON {HISTORIE}(kans_id, versie)")
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        tmp.replace(p)
        return cls(p)

    @staticmethod
    def _ontbrekend(conn: sqlite3.Connection) -> list[tuple[Laag, list[tuple[str, str]] | None]]:
        """Schema layers with fields that the file lacks (``None``: the whole table is missing)."""
        tabellen = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        uit: list[tuple[Laag, list[tuple[str, str]] | None]] = []
        for schema in LAGEN.values():
            if schema.afgeleid:
                continue
            if schema.naam not in tabellen:
                uit.append((schema, None))
                continue
            aanwezig = {c for c, _t in _gpkg.table_columns(conn, schema.naam)}
            nieuw = [(v.naam, _SQL_TYPES[v.type]) for v in schema.velden if v.naam not in aanwezig]
            if nieuw:
                uit.append((schema, nieuw))
        return uit

    def _werk_schema_bij(self) -> None:
        """Bring a workspace made by an earlier kansenkaart up to the current schema.

        Fields added to a schema layer since the file was made become empty columns
        (``ALTER TABLE … ADD COLUMN``) and a new schema layer an empty table; nothing stored is
        changed or removed. Opening a workspace that is up to date writes nothing, so a
        read-only copy still opens; an outdated read-only copy opens as it is (its reads work,
        writes fail as they would anyway).
        """
        if not self._ontbrekend(self._connect()):
            return
        try:
            with self._write() as conn:
                # Again inside the write lock: another process may have done it meanwhile.
                for schema, kolommen in self._ontbrekend(conn):
                    if kolommen is None:
                        self._create_schema_table(conn, schema, self.srs_id)
                        continue
                    for naam, sqltype in kolommen:
                        conn.execute(f"ALTER TABLE {quote(schema.naam)} ADD COLUMN {quote(naam)} {sqltype}")
                conn.execute(
                    f"INSERT OR REPLACE INTO {META} VALUES (?, ?)", ("schema_bijgewerkt_op", nu())
                )
        except sqlite3.OperationalError as e:
            if "readonly" not in str(e).replace(" ", "").lower():
                raise

    @staticmethod
    def _create_schema_table(conn: sqlite3.Connection, schema: Laag, srs_id: int) -> None:
        cols = [(v.naam, _SQL_TYPES[v.type]) for v in schema.velden]
        _gpkg.create_feature_table(
            conn,
            schema.naam,
            cols,
            geometry_type=_geometry_type(schema),
            srs_id=srs_id,
            description=schema.omschrijving,
        )
        conn.execute(f"CREATE UNIQUE INDEX {quote('idx_' + schema.naam + '_id')} ON {quote(schema.naam)}(id)")
        if "bron_id" in schema.veldnamen:
            conn.execute(f"CREATE INDEX {quote('idx_' + schema.naam + '_bron')} ON {quote(schema.naam)}(bron, bron_id)")

    def _connect(self) -> sqlite3.Connection:
        return self._verbindingen.connect()

    def close(self) -> None:
        """Close this thread's connection."""
        self._verbindingen.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        return self._verbindingen.schrijf()

    # ------------------------------------------------------------------ metadata

    def get_meta(self, key: str) -> str | None:
        """Return a workspace metadata value."""
        row = self._connect().execute(f"SELECT waarde FROM {META} WHERE sleutel = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a workspace metadata value."""
        with self._write() as conn:
            conn.execute(f"INSERT OR REPLACE INTO {META} VALUES (?,?)", (key, value))

    def list_meta(self, prefix: str = "") -> dict[str, str]:
        """Return all metadata entries whose key starts with ``prefix``."""
        rows = (
            self._connect()
            .execute(
                f"SELECT sleutel, waarde FROM {META} WHERE sleutel LIKE ? ORDER BY sleutel",
                (prefix.replace("%", r"\%").replace("_", r"\_") + "%",),
            )
            .fetchall()
        )
        return {str(k): str(v) for k, v in rows if str(k).startswith(prefix)}

    def delete_meta(self, key: str) -> None:
        """Remove a metadata entry (no error when absent)."""
        with self._write() as conn:
            conn.execute(f"DELETE FROM {META} WHERE sleutel = ?", (key,))

    def integrity_check(self) -> list[str]:
        """Run SQLite's integrity check; return the problems (empty when sound)."""
        return self._verbindingen.integriteit()

    def backup(self, dest: str | Path) -> Path:
        """Write a consistent copy of the store to ``dest`` (safe while others write)."""
        return self._verbindingen.backup(Path(dest))

    # ------------------------------------------------------------------ layers

    def has_layer(self, naam: str) -> bool:
        """True when layer ``naam`` is stored."""
        return _gpkg.table_exists(self._connect(), naam) and naam != HISTORIE

    def _require(self, naam: str) -> Laag:
        schema = laag(naam)
        if not self.has_layer(naam):
            raise NotFoundError(
                f"Laag '{naam}' is nog niet berekend of geladen in deze werkruimte.", details={"laag": naam}
            )
        return schema

    def layers(self) -> list[LaagInfo]:
        """List all known layers that are stored, with feature counts, in schema order."""
        conn = self._connect()
        out = []
        for schema in LAGEN.values():
            if not _gpkg.table_exists(conn, schema.naam):
                continue
            where = " WHERE NOT coalesce(verwijderd, 0)" if schema.naam == "kansen" else ""
            n = conn.execute(f"SELECT count(*) FROM {quote(schema.naam)}{where}").fetchone()[0]
            row = conn.execute(
                "SELECT min_x, min_y, max_x, max_y, last_change FROM gpkg_contents WHERE table_name = ?",
                (schema.naam,),
            ).fetchone()
            extent = None if row[0] is None else (row[0], row[1], row[2], row[3])
            out.append(
                LaagInfo(
                    naam=schema.naam,
                    titel=schema.titel,
                    aantal=int(n),
                    extent=extent,
                    geometrietype=_geometry_type(schema),
                    afgeleid=schema.afgeleid,
                    laatst_gewijzigd=row[4],
                )
            )
        return out

    def columns(self, naam: str) -> list[str]:
        """Return the attribute columns of a stored layer (without fid and geometry)."""
        self._require(naam)
        return [c for c, _t in _gpkg.table_columns(self._connect(), naam) if c not in ("fid", "geom")]

    def _column_types(self, conn: sqlite3.Connection, naam: str) -> dict[str, str]:
        # Cached per schema version: another process may rebuild a derived layer at any time.
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        cache: dict[tuple[int, str], dict[str, str]] = self.__dict__.setdefault("_types_cache", {})
        key = (int(version), naam)
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            cache[key] = {c: t.upper() for c, t in _gpkg.table_columns(conn, naam) if c not in ("fid", "geom")}
        return cache[key]

    # ------------------------------------------------------------------ reading

    def _where(
        self,
        conn: sqlite3.Connection,
        naam: str,
        schema: Laag,
        bbox: tuple[float, float, float, float] | None,
        filters: Mapping[str, Any] | None,
        met_verwijderd: bool,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        types = self._column_types(conn, naam)
        if naam == "kansen" and not met_verwijderd:
            clauses.append("NOT coalesce(verwijderd, 0)")
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            rt = quote(f"rtree_{naam}_geom")
            clauses.append(f"fid IN (SELECT id FROM {rt} WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)")
            params += [maxx, minx, maxy, miny]
        for field, value in (filters or {}).items():
            if field not in types:
                raise ValidationError(
                    f"Onbekend filterveld '{field}' voor laag '{naam}'. Velden: {', '.join(types)}.",
                    details={"veld": field},
                )
            values = list(value) if isinstance(value, list | tuple | set) else [value]
            ftype = self._field_type(schema, field)
            sub = []
            for val in values:
                sqlval = _to_sql(val, types[field])
                if ftype == "codes":
                    sub.append(f"(',' || coalesce({quote(field)}, '') || ',') LIKE ?")
                    params.append(f"%,{sqlval},%")
                else:
                    sub.append(f"{quote(field)} = ?")
                    params.append(sqlval)
            clauses.append("(" + " OR ".join(sub) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _field_type(schema: Laag, field: str) -> str | None:
        for v in schema.velden:
            if v.naam == field:
                return v.type
        return None

    def count(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        met_verwijderd: bool = False,
    ) -> int:
        """Count features of ``naam`` matching bbox (store CRS) and attribute filters."""
        schema = self._require(naam)
        conn = self._connect()
        where, params = self._where(conn, naam, schema, bbox, filters, met_verwijderd)
        return int(conn.execute(f"SELECT count(*) FROM {quote(naam)}{where}", params).fetchone()[0])

    def query(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
        met_verwijderd: bool = False,
    ) -> gpd.GeoDataFrame:
        """Return features of layer ``naam`` as a GeoDataFrame in the store CRS.

        Parameters
        ----------
        naam
            Layer name.
        bbox
            (minx, miny, maxx, maxy) in the store CRS; candidates from the R-tree are refined
            with an exact intersection test.
        filters
            Field → value (or list of values, OR-ed). ``codes`` fields match list membership.
        limit, offset
            Paging, in fid order (stable).
        met_verwijderd
            Include soft-deleted kansen.
        """
        schema = self._require(naam)
        conn = self._connect()
        types = self._column_types(conn, naam)
        where, params = self._where(conn, naam, schema, bbox, filters, met_verwijderd)
        cols = list(types)
        sql = f"SELECT geom, {', '.join(quote(c) for c in cols)} FROM {quote(naam)}{where} ORDER BY fid"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        rows = conn.execute(sql, params).fetchall()
        return self._frame(rows, cols, types, bbox)

    def _frame(
        self,
        rows: Sequence[tuple[Any, ...]],
        cols: list[str],
        types: Mapping[str, str],
        bbox: tuple[float, float, float, float] | None = None,
    ) -> gpd.GeoDataFrame:
        geoms = _gpkg.decode_many([r[0] for r in rows]) if rows else np.array([], dtype=object)
        data: dict[str, Any] = {}
        for i, c in enumerate(cols, start=1):
            values = [r[i] for r in rows]
            t = types[c]
            if t == "BOOLEAN":
                data[c] = pd.array([None if v is None else bool(v) for v in values], dtype="boolean")
            elif t == "INTEGER":
                data[c] = pd.array(values, dtype="Int64")
            elif t in ("REAL", "DOUBLE", "FLOAT"):
                data[c] = pd.array([np.nan if v is None else float(v) for v in values], dtype="float64")
            else:
                data[c] = pd.array(values, dtype=object)
        gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)
        if bbox is not None and len(gdf):
            box = shapely.box(*bbox)
            gdf = gdf[gdf.geometry.intersects(box)].reset_index(drop=True)
        return gdf

    def read_layer(self, naam: str, *, met_verwijderd: bool = False) -> gpd.GeoDataFrame:
        """Return a whole layer (shorthand for :meth:`query` without paging)."""
        return self.query(naam, met_verwijderd=met_verwijderd)

    def get(self, naam: str, fid: str, *, met_verwijderd: bool = False) -> Feature:
        """Return feature ``fid`` of layer ``naam``.

        Raises
        ------
        NotFoundError
            When it does not exist (or is soft-deleted and ``met_verwijderd`` is False).
        """
        self._require(naam)
        return self._get(self._connect(), naam, fid, met_verwijderd=met_verwijderd)

    def _get(self, conn: sqlite3.Connection, naam: str, fid: str, *, met_verwijderd: bool = False) -> Feature:
        types = self._column_types(conn, naam)
        cols = list(types)
        row = conn.execute(
            f"SELECT geom, {', '.join(quote(c) for c in cols)} FROM {quote(naam)} WHERE id = ?", (str(fid),)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"Object '{fid}' bestaat niet in laag '{naam}'.", details={"id": fid})
        props = {}
        for i, c in enumerate(cols, start=1):
            v = row[i]
            props[c] = bool(v) if (types[c] == "BOOLEAN" and v is not None) else v
        if naam == "kansen" and props.get("verwijderd") and not met_verwijderd:
            raise NotFoundError(f"Kans '{fid}' is verwijderd.", details={"id": fid, "verwijderd": True})
        geom = _gpkg.decode_many([row[0]])[0] if row[0] is not None else None
        return Feature(laag=naam, id=str(props["id"]), properties=props, geometry=geom)

    # ------------------------------------------------------------------ writing

    def _insert_rows(
        self,
        conn: sqlite3.Connection,
        naam: str,
        records: Sequence[Mapping[str, Any]],
        geoms: Sequence[BaseGeometry | None],
    ) -> None:
        types = self._column_types(conn, naam)
        cols = list(types)
        blobs = _gpkg.encode_many(geoms, self.srs_id)
        sql = (
            f"INSERT INTO {quote(naam)} (geom, {', '.join(quote(c) for c in cols)}) "
            f"VALUES (?, {', '.join('?' for _ in cols)})"
        )
        conn.executemany(
            sql,
            ([blob] + [_to_sql(rec.get(c), types[c]) for c in cols] for rec, blob in zip(records, blobs, strict=True)),
        )

    def _prepare_frame(self, naam: str, gdf: gpd.GeoDataFrame, schema: Laag) -> gpd.GeoDataFrame:
        check_crs(gdf, name=naam)
        if CRS.from_user_input(gdf.crs) != self.crs:
            gdf = gdf.to_crs(self.crs)
        if not schema.afgeleid:
            unknown = [c for c in gdf.columns if c != gdf.geometry.name and c not in schema.veldnamen]
            if unknown:
                raise ValidationError(
                    f"Laag '{naam}' kent de kolommen {', '.join(map(str, unknown))} niet. "
                    f"Velden: {', '.join(schema.veldnamen)}.",
                    details={"velden": unknown},
                )
        gdf = gdf.copy()
        if "id" not in gdf.columns:
            gdf["id"] = [uuid.uuid4().hex for _ in range(len(gdf))]
        else:
            gdf["id"] = [uuid.uuid4().hex if _is_missing(v) else str(v) for v in gdf["id"]]
        if gdf["id"].duplicated().any():
            dup = gdf.loc[gdf["id"].duplicated(), "id"].iloc[0]
            raise ConflictError(f"Id '{dup}' komt meer dan eens voor in laag '{naam}'.", details={"id": dup})
        geoms = [_normalise_geometry(g, schema) for g in gdf.geometry]
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=self.crs))
        return gdf

    def replace_layer(self, naam: str, gdf: gpd.GeoDataFrame) -> None:
        """Atomically replace the whole contents of layer ``naam`` with ``gdf``.

        For schema layers the columns must be schema fields; derived layers
        (``bereikbaarheid``, ``vlekkenplan``, ``geschiktheid``) take the frame's columns.
        Missing ids are generated. The old contents stay intact if anything fails.
        """
        schema = laag(naam)
        gdf = self._prepare_frame(naam, gdf, schema)
        records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
        with self._write() as conn:
            if schema.afgeleid:
                _gpkg.drop_table(conn, naam)
                cols = [("id", "TEXT")] + [
                    (str(c), _infer_sql_type(gdf[c])) for c in gdf.columns if c not in ("id", gdf.geometry.name)
                ]
                _gpkg.create_feature_table(
                    conn,
                    naam,
                    cols,
                    geometry_type=_geometry_type(schema),
                    srs_id=self.srs_id,
                    description=schema.omschrijving,
                )
                conn.execute(f"CREATE UNIQUE INDEX {quote('idx_' + naam + '_id')} ON {quote(naam)}(id)")
            elif not _gpkg.table_exists(conn, naam):
                self._create_schema_table(conn, schema, self.srs_id)
            else:
                conn.execute(f"DELETE FROM {quote(naam)}")
            self._insert_rows(conn, naam, records, list(gdf.geometry))
            _gpkg.update_extent(conn, naam)

    def create(
        self,
        naam: str,
        properties: Mapping[str, Any],
        geometry: BaseGeometry,
        *,
        gebruiker: str,
        kanaal: str,
    ) -> Feature:
        """Create one feature; kansen get version 1, audit fields and a history row.

        ``properties`` must use schema field names; system fields are set here.
        """
        schema = self._require(naam)
        if schema.afgeleid:
            raise ValidationError(f"Laag '{naam}' wordt berekend en kan niet met de hand worden bewerkt.")
        self._check_fields(schema, properties)
        with self._write() as conn:
            feat = self._insert_new(conn, schema, properties, geometry, gebruiker=gebruiker, kanaal=kanaal)
            _gpkg.update_extent(conn, naam)
        return feat

    def _insert_new(
        self,
        conn: sqlite3.Connection,
        schema: Laag,
        properties: Mapping[str, Any],
        geometry: BaseGeometry | None,
        *,
        gebruiker: str,
        kanaal: str,
    ) -> Feature:
        """Insert one new feature inside an open transaction; kansen get audit fields and a history row."""
        naam = schema.naam
        props = {k: v for k, v in properties.items() if k not in _AUDIT}
        fid = str(props.get("id") or uuid.uuid4().hex)
        props["id"] = fid
        stamp = nu()
        if naam == "kansen":
            props.update(
                versie=1,
                aangemaakt_door=gebruiker,
                aangemaakt_op=stamp,
                gewijzigd_door=gebruiker,
                gewijzigd_op=stamp,
                verwijderd=False,
            )
        if conn.execute(f"SELECT 1 FROM {quote(naam)} WHERE id = ?", (fid,)).fetchone():
            raise ConflictError(f"Id '{fid}' bestaat al in laag '{naam}'.", details={"id": fid})
        self._insert_rows(conn, naam, [props], [_normalise_geometry(geometry, schema)])
        feat = self._get(conn, naam, fid)
        if naam == "kansen":
            nieuw = {
                k: [None, _plain(v)] for k, v in props.items() if k not in _AUDIT and k != "id" and not _is_missing(v)
            }
            self._log(conn, feat, "aangemaakt", nieuw, gebruiker, kanaal, stamp, geometrie_gewijzigd=True)
        return feat

    @staticmethod
    def _check_fields(schema: Laag, properties: Mapping[str, Any]) -> None:
        unknown = [k for k in properties if k not in schema.veldnamen]
        if unknown:
            raise ValidationError(
                f"Onbekend veld {', '.join(map(repr, unknown))} voor laag '{schema.naam}'. "
                f"Velden: {', '.join(v.naam for v in schema.invoervelden)}.",
                details={"veld": unknown[0]},
            )

    def update(
        self,
        naam: str,
        fid: str,
        properties: Mapping[str, Any],
        geometry: BaseGeometry | None = None,
        *,
        versie: int | None,
        gebruiker: str,
        kanaal: str,
    ) -> Feature:
        """Update attributes and/or geometry of feature ``fid``.

        Parameters
        ----------
        versie
            The version the change was based on; when given and not current, raises
            :class:`PreconditionError`. Kansen get ``versie + 1`` and a history row.
        """
        schema = self._require(naam)
        if schema.afgeleid:
            raise ValidationError(f"Laag '{naam}' wordt berekend en kan niet met de hand worden bewerkt.")
        self._check_fields(schema, properties)
        with self._write() as conn:
            return self._update(
                conn, schema, fid, properties, geometry, versie=versie, gebruiker=gebruiker, kanaal=kanaal
            )[0]

    def _update(
        self,
        conn: sqlite3.Connection,
        schema: Laag,
        fid: str,
        properties: Mapping[str, Any],
        geometry: BaseGeometry | None,
        *,
        versie: int | None,
        gebruiker: str,
        kanaal: str,
        actie: str = "gewijzigd",
        allow_deleted: bool = False,
    ) -> tuple[Feature, bool]:
        """Apply an update inside an open transaction; return (feature, changed)."""
        naam = schema.naam
        old = self._get(conn, naam, fid, met_verwijderd=True)
        if naam == "kansen":
            if old.properties.get("verwijderd") and not allow_deleted:
                raise NotFoundError(f"Kans '{fid}' is verwijderd.", details={"id": fid, "verwijderd": True})
            if versie is not None and int(versie) != old.versie:
                raise PreconditionError(
                    f"Kans '{fid}' is intussen door iemand anders gewijzigd (versie {old.versie}, "
                    f"uw wijziging ging uit van versie {versie}).",
                    details={"id": fid, "huidige_versie": old.versie, "uw_versie": versie},
                )
        types = self._column_types(conn, naam)
        changes: dict[str, list[Any]] = {}
        updates: dict[str, Any] = {}
        for k, v in properties.items():
            if k in ("id",) or (k in _AUDIT and actie == "gewijzigd"):
                continue
            new_sql = _to_sql(v, types[k])
            old_sql = _to_sql(old.properties.get(k), types[k])
            if new_sql != old_sql:
                changes[k] = [_plain(old.properties.get(k)), _plain(v)]
                updates[k] = new_sql
        geom_changed = False
        new_geom = _normalise_geometry(geometry, schema) if geometry is not None else None
        if new_geom is not None and (old.geometry is None or not new_geom.equals_exact(old.geometry, 1e-6)):
            geom_changed = True
        for k, v in properties.items():
            if k in _AUDIT and actie != "gewijzigd":
                updates[k] = _to_sql(v, types[k])
        if not changes and not geom_changed and actie == "gewijzigd":
            return old, False
        stamp = nu()
        if naam == "kansen":
            updates["versie"] = int(old.versie or 0) + 1
            updates["gewijzigd_door"] = gebruiker
            updates["gewijzigd_op"] = stamp
        sets = [f"{quote(k)} = ?" for k in updates]
        params: list[Any] = list(updates.values())
        if geom_changed:
            sets.append("geom = ?")
            params.append(_gpkg.encode(new_geom, self.srs_id))
        params.append(str(fid))
        conn.execute(f"UPDATE {quote(naam)} SET {', '.join(sets)} WHERE id = ?", params)
        feat = self._get(conn, naam, fid, met_verwijderd=True)
        if naam == "kansen":
            if geom_changed:
                changes["geometrie"] = [
                    None if old.geometry is None else old.geometry.wkt,
                    None if new_geom is None else new_geom.wkt,
                ]
            self._log(conn, feat, actie, changes, gebruiker, kanaal, stamp, geometrie_gewijzigd=geom_changed)
        if geom_changed:
            _gpkg.update_extent(conn, naam)
        return feat, True

    def delete(self, naam: str, fid: str, *, versie: int | None, gebruiker: str, kanaal: str) -> Feature | None:
        """Delete feature ``fid``: soft for kansen (restorable, logged), hard for other layers."""
        schema = self._require(naam)
        with self._write() as conn:
            if naam == "kansen":
                return self._update(
                    conn,
                    schema,
                    fid,
                    {"verwijderd": True},
                    None,
                    versie=versie,
                    gebruiker=gebruiker,
                    kanaal=kanaal,
                    actie="verwijderd",
                )[0]
            self._get(conn, naam, fid)
            conn.execute(f"DELETE FROM {quote(naam)} WHERE id = ?", (str(fid),))
            _gpkg.update_extent(conn, naam)
            return None

    def restore(self, naam: str, fid: str, *, gebruiker: str, kanaal: str) -> Feature:
        """Restore a soft-deleted kans (logged as ``hersteld``)."""
        schema = self._require(naam)
        if naam != "kansen":
            raise ValidationError("Alleen kansen kunnen hersteld worden.")
        with self._write() as conn:
            old = self._get(conn, naam, fid, met_verwijderd=True)
            if not old.properties.get("verwijderd"):
                raise ConflictError(f"Kans '{fid}' is niet verwijderd.", details={"id": fid})
            return self._update(
                conn,
                schema,
                fid,
                {"verwijderd": False},
                None,
                versie=None,
                gebruiker=gebruiker,
                kanaal=kanaal,
                actie="hersteld",
                allow_deleted=True,
            )[0]

    def _log(
        self,
        conn: sqlite3.Connection,
        feat: Feature,
        actie: str,
        changes: Mapping[str, Any],
        gebruiker: str,
        kanaal: str,
        stamp: str,
        *,
        geometrie_gewijzigd: bool,
    ) -> None:
        if kanaal not in KANALEN:
            raise ValueError(f"kanaal must be one of {KANALEN}, not {kanaal!r}")
        snapshot = {k: _plain(v) for k, v in feat.properties.items()}
        snapshot["geometrie"] = None if feat.geometry is None else feat.geometry.wkt
        if actie in ("verwijderd", "hersteld"):
            changes = {"verwijderd": [actie == "hersteld", actie == "verwijderd"]}
        conn.execute(
            f"INSERT INTO {HISTORIE} (kans_id, versie, actie, gebruiker, tijdstip, kanaal, wijzigingen, momentopname) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                feat.id,
                feat.versie,
                actie,
                gebruiker,
                stamp,
                kanaal,
                json.dumps(changes, ensure_ascii=False, default=str),
                json.dumps(snapshot, ensure_ascii=False, default=str),
            ),
        )

    def history(self, fid: str | None = None) -> pd.DataFrame:
        """Return the history of all kansen, or of kans ``fid``, oldest first.

        Columns: ``kans_id``, ``versie``, ``actie``, ``gebruiker``, ``tijdstip``, ``kanaal``,
        ``wijzigingen`` (dict field → [old, new]) and ``momentopname`` (dict incl. WKT).
        """
        conn = self._connect()
        sql = f"SELECT kans_id, versie, actie, gebruiker, tijdstip, kanaal, wijzigingen, momentopname FROM {HISTORIE}"
        params: tuple[Any, ...] = ()
        if fid is not None:
            sql += " WHERE kans_id = ?"
            params = (str(fid),)
        rows = conn.execute(sql + " ORDER BY fid", params).fetchall()
        df = pd.DataFrame(
            rows,
            columns=["kans_id", "versie", "actie", "gebruiker", "tijdstip", "kanaal", "wijzigingen", "momentopname"],
        )
        df["wijzigingen"] = [json.loads(x) for x in df["wijzigingen"]]
        df["momentopname"] = [json.loads(x) for x in df["momentopname"]]
        return df

    def upsert(self, naam: str, gdf: gpd.GeoDataFrame, *, gebruiker: str, kanaal: str) -> UpsertResultaat:
        """Insert new and update changed features in one transaction, matched on the layer key.

        The key is ``code`` for area layers and (``bron``, ``bron_id``) for the others, so
        re-importing the same file changes nothing. Kansen changes are versioned and logged.
        """
        schema = self._require(naam)
        if schema.afgeleid:
            raise ValidationError(f"Laag '{naam}' wordt berekend en kan niet geïmporteerd worden.")
        check_crs(gdf, name=naam)
        if CRS.from_user_input(gdf.crs) != self.crs:
            gdf = gdf.to_crs(self.crs)
        key = schema.sleutel
        for k in key:
            if k not in gdf.columns:
                raise ValidationError(f"Kolom '{k}' is nodig om objecten van laag '{naam}' te herkennen.")
        records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
        nieuw = gewijzigd = ongewijzigd = 0
        ids: list[str] = []
        with self._write() as conn:
            where = " AND ".join(f"{quote(k)} IS ?" for k in key)
            for rec, geom in zip(records, gdf.geometry, strict=True):
                self._check_fields(schema, rec)
                keyvals = [_to_sql(rec.get(k), "TEXT") for k in key]
                row = conn.execute(f"SELECT id FROM {quote(naam)} WHERE {where}", keyvals).fetchone()
                if row is None:
                    feat = self._insert_new(conn, schema, rec, geom, gebruiker=gebruiker, kanaal=kanaal)
                    nieuw += 1
                    ids.append(feat.id)
                else:
                    fid = str(row[0])
                    props = {k: v for k, v in rec.items() if k not in _AUDIT and k != "id"}
                    _feat, changed = self._update(
                        conn,
                        schema,
                        fid,
                        props,
                        geom,
                        versie=None,
                        gebruiker=gebruiker,
                        kanaal=kanaal,
                        allow_deleted=True,
                    )
                    if changed:
                        gewijzigd += 1
                    else:
                        ongewijzigd += 1
                    ids.append(fid)
            _gpkg.update_extent(conn, naam)
        return UpsertResultaat(nieuw=nieuw, gewijzigd=gewijzigd, ongewijzigd=ongewijzigd, ids=tuple(ids))


def schema_veld(naam: str, veld: str) -> Veld:
    """Return the schema field ``veld`` of layer ``naam`` (convenience for callers)."""
    return laag(naam).veld(veld)
