"""Shared SQLite connection handling for the workspace files (private).

Both the GeoPackage store and the accounts database use one connection per thread, WAL
journal, a busy timeout so that concurrent writers wait instead of failing, ``synchronous=FULL``
so that an acknowledged write survives a killed process, and write transactions that start with
``BEGIN IMMEDIATE`` and are rolled back on any error.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Verbindingen"]


class Verbindingen:
    """Per-thread connections to one SQLite file.

    Parameters
    ----------
    pad
        The database file.
    busy_timeout_ms
        How long a writer waits for another writer.
    bij_openen
        Called on every new connection after the pragmas (e.g. to register SQL functions or
        extra pragmas).
    """

    def __init__(
        self,
        pad: Path,
        *,
        busy_timeout_ms: int = 30_000,
        bij_openen: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.pad = pad
        self.busy_timeout_ms = busy_timeout_ms
        self._bij_openen = bij_openen
        self._local = threading.local()

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, in autocommit mode)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.pad, timeout=self.busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            if self._bij_openen is not None:
                self._bij_openen(conn)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def schrijf(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def integriteit(self) -> list[str]:
        """SQLite's integrity check: the problems found (empty when the file is sound)."""
        rows = [r[0] for r in self.connect().execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def backup(self, dest: Path, *, modus: int | None = None) -> Path:
        """Write a consistent copy to ``dest`` with SQLite's online backup (safe while others write).

        The copy is one self-contained file (rollback journal, no WAL side files), written to a
        temporary name first and then moved into place; ``modus`` sets its permissions (e.g. 0o600).
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.unlink(missing_ok=True)
        if modus is not None:
            os.close(os.open(tmp, os.O_CREAT | os.O_WRONLY, modus))
        target = sqlite3.connect(tmp)
        try:
            self.connect().backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        tmp.replace(dest)
        return dest
