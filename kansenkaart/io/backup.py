"""Backups of a workspace, made and restored while the server keeps running.

:func:`maak_backup` copies ``kansenkaart.gpkg`` (all layers, the history of kansen, the
metadata) with SQLite's online backup API (:meth:`GeoPackageStore.backup`): the copy is one
consistent snapshot even while others write, and it is checked with ``PRAGMA
integrity_check``. The accounts database ``gebruikers.sqlite`` is copied next to it
(``…gebruikers.sqlite``), with mode 0600.

:func:`herstel_backup` first checks the backup (a sound SQLite file, a kansenkaart workspace of
the same region and CRS), then makes a safety backup of the current state, and then copies the
backup *into* the live file with the same backup API in reverse. That is one write
transaction on the live database: a running server waits for it like for any other writer
and then sees the restored data (its read cache notices the change through ``PRAGMA
data_version``). Accounts and tokens are only restored on request (``met_gebruikers``),
because that would bring back tokens revoked since the backup.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kansenkaart.errors import ConflictError, NotFoundError, ValidationError
from kansenkaart.io.gebruikers import BESTAND as GEBRUIKERS_BESTAND
from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.io.werkruimte import STORE_NAAM, Werkruimte

__all__ = [
    "Backup",
    "BackupInfo",
    "Herstelresultaat",
    "controleer_backup",
    "gebruikers_kopie",
    "herstel_backup",
    "maak_backup",
]

_GEBRUIKERS_ACHTERVOEGSEL = ".gebruikers.sqlite"


@dataclass(frozen=True)
class Backup:
    """The files of one backup."""

    werkruimte: Path
    gebruikers: Path | None


@dataclass(frozen=True)
class BackupInfo:
    """What a checked backup holds."""

    pad: Path
    regio_id: str
    crs: str
    kansen: int
    historie: int
    gemaakt_op: str


def _stempel(t: datetime | None = None) -> str:
    return (t or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def gebruikers_kopie(pad: Path) -> Path:
    """The accounts copy that belongs to backup ``pad`` (``x.gpkg`` → ``x.gebruikers.sqlite``)."""
    return pad.with_name(pad.stem + _GEBRUIKERS_ACHTERVOEGSEL)


def _vrij(map_: Path, voorvoegsel: str) -> Path:
    """A new file name in ``map_``: ``<voorvoegsel>-<UTC time>.gpkg``, with -2, -3 … within the same second."""
    basis = f"{voorvoegsel}-{_stempel()}"
    p = map_ / f"{basis}.gpkg"
    n = 1
    while p.exists() or gebruikers_kopie(p).exists():
        n += 1
        p = map_ / f"{basis}-{n}.gpkg"
    return p


def _doelpad(werkruimte: Werkruimte, doel: str | Path | None, voorvoegsel: str) -> Path:
    if doel is None:
        return _vrij(werkruimte.pad / "backups", voorvoegsel)
    p = Path(doel)
    if p.is_dir() or str(doel).endswith(("/", os.sep)):
        return _vrij(p, voorvoegsel)
    if p.suffix.lower() != ".gpkg":
        raise ValidationError(f"Een backup is een GeoPackage: geef een pad dat eindigt op .gpkg (niet '{p.name}').")
    return p


def _integriteit(pad: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{pad}?mode=ro", uri=True)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def maak_backup(werkruimte: Werkruimte, doel: str | Path | None = None, *, voorvoegsel: str = "kansenkaart") -> Backup:
    """Write a consistent copy of the workspace (and its accounts) while others may write.

    Parameters
    ----------
    werkruimte
        The open workspace.
    doel
        A ``.gpkg`` file or a folder; default ``<workspace>/backups/kansenkaart-<UTC time>.gpkg``.
        The accounts go to ``<same name>.gebruikers.sqlite`` next to it.
    voorvoegsel
        Start of the generated file name.

    Raises
    ------
    ConflictError
        When the target exists.
    ValidationError
        When the copy fails its integrity check (the copy is removed).
    """
    pad = _doelpad(werkruimte, doel, voorvoegsel)
    gebruikers_pad = gebruikers_kopie(pad)
    for p in (pad, gebruikers_pad):
        if p.exists():
            raise ConflictError(f"'{p}' bestaat al; kies een andere naam of map.", details={"pad": str(p)})
    werkruimte.store.backup(pad)
    problemen = _integriteit(pad)
    if problemen:
        pad.unlink(missing_ok=True)
        raise ValidationError(f"De kopie is niet in orde ({'; '.join(problemen[:3])}); er is geen backup gemaakt.")
    kopie: Path | None = None
    if (werkruimte.pad / GEBRUIKERS_BESTAND).exists():
        kopie = Gebruikersdb.van_werkruimte(werkruimte.pad).backup(gebruikers_pad)
    return Backup(pad, kopie)


def controleer_backup(bron: str | Path, werkruimte: Werkruimte) -> BackupInfo:
    """Check that ``bron`` is a sound backup of a workspace of the same region and CRS.

    Raises
    ------
    NotFoundError
        The file does not exist.
    ValidationError
        Not SQLite, not sound, not a kansenkaart workspace, another region or CRS, or another
        page size than the live file.
    """
    p = Path(bron)
    if not p.is_file():
        raise NotFoundError(f"Backup '{p}' bestaat niet.")
    try:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            problemen = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
            if problemen != ["ok"]:
                raise ValidationError(
                    f"Backup '{p.name}' is beschadigd: {'; '.join(problemen[:3])}. Kies een andere backup."
                )
            meta = dict(conn.execute("SELECT sleutel, waarde FROM kansenkaart_meta").fetchall())
            kansen = int(conn.execute("SELECT count(*) FROM kansen").fetchone()[0])
            historie = int(conn.execute("SELECT count(*) FROM kansen_historie").fetchone()[0])
            paginagrootte = int(conn.execute("PRAGMA page_size").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise ValidationError(f"'{p.name}' is geen kansenkaart-werkruimte (geen bruikbaar GeoPackage: {e}).") from e
    live_regio = werkruimte.store.get_meta("regio_id") or werkruimte.regio.id
    if meta.get("regio_id") != live_regio:
        raise ValidationError(
            f"Backup '{p.name}' is van regio '{meta.get('regio_id')}', deze werkruimte van regio '{live_regio}'.",
            details={"regio_backup": meta.get("regio_id"), "regio_werkruimte": live_regio},
        )
    live_crs = werkruimte.store.get_meta("crs")
    if meta.get("crs") != live_crs:
        raise ValidationError(
            f"Backup '{p.name}' heeft coördinatenstelsel {meta.get('crs')}, deze werkruimte {live_crs}.",
        )
    live = sqlite3.connect(f"file:{werkruimte.store.path}?mode=ro", uri=True)
    try:
        live_pagina = int(live.execute("PRAGMA page_size").fetchone()[0])
    finally:
        live.close()
    if paginagrootte != live_pagina:
        raise ValidationError(
            f"Backup '{p.name}' heeft een andere paginagrootte ({paginagrootte}) dan de werkruimte ({live_pagina}); "
            f"stop de server en kopieer het bestand over {STORE_NAAM}.",
        )
    gemaakt = datetime.fromtimestamp(p.stat().st_mtime, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return BackupInfo(p, str(meta.get("regio_id")), str(meta.get("crs")), kansen, historie, gemaakt)


def _kopieer_in(bron: Path, doel: Path, *, busy_timeout_ms: int) -> None:
    """Copy database ``bron`` into the live database ``doel`` (one write transaction there)."""
    src = sqlite3.connect(f"file:{bron}?mode=ro", uri=True)
    dst = sqlite3.connect(doel, timeout=busy_timeout_ms / 1000)
    try:
        dst.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@dataclass(frozen=True)
class Herstelresultaat:
    """Outcome of a restore: what was restored and where the previous state was saved."""

    hersteld: BackupInfo
    veiligheidskopie: Backup
    gebruikers_hersteld: bool


def herstel_backup(werkruimte: Werkruimte, bron: str | Path, *, met_gebruikers: bool = False) -> Herstelresultaat:
    """Restore backup ``bron`` into the live workspace (safe while the server runs).

    Parameters
    ----------
    werkruimte
        The open workspace.
    bron
        A backup made by :func:`maak_backup` (or any copy of a workspace of the same region).
    met_gebruikers
        Also restore accounts and tokens from ``<bron>.gebruikers.sqlite``.

    Returns
    -------
    Herstelresultaat
        Including the safety backup of the state before the restore.
    """
    info = controleer_backup(bron, werkruimte)
    gebruikers_bron = gebruikers_kopie(info.pad)
    if met_gebruikers and not gebruikers_bron.is_file():
        raise NotFoundError(f"Bij deze backup hoort geen accountbestand '{gebruikers_bron.name}'.")
    veiligheid = maak_backup(werkruimte, voorvoegsel="voor-herstel")
    store = werkruimte.store
    _kopieer_in(info.pad, store.path, busy_timeout_ms=store.busy_timeout_ms)
    problemen = store.integrity_check()
    if problemen:  # pragma: no cover - the backup API copies a checked file page by page
        raise ValidationError(
            f"Na het herstellen is de werkruimte niet in orde ({'; '.join(problemen[:3])}). Herstel de "
            f"veiligheidskopie {veiligheid.werkruimte}."
        )
    if met_gebruikers:
        _kopieer_in(gebruikers_bron, werkruimte.pad / GEBRUIKERS_BESTAND, busy_timeout_ms=30_000)
    return Herstelresultaat(info, veiligheid, met_gebruikers)
