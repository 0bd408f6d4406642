"""Accounts, API tokens, web sessions and login attempts in ``<workspace>/gebruikers.sqlite``.

The file is separate from ``kansenkaart.gpkg`` on purpose: GIS staff copy, open and export the
GeoPackage, and password hashes must never travel with it. Like the store it is SQLite in WAL
mode with a busy timeout and ``synchronous=FULL``; every change is one ``BEGIN IMMEDIATE``
transaction. The file is created with mode 0600 (owner only).

What is stored, and how:

- ``gebruikers``: name (lower case), role, gemeenten (for a bewerker), Argon2id password hash
  (or none: an account for API tokens only), active flag, timestamps. Accounts are never
  deleted, only deactivated, so names in the history of kansen stay meaningful.
- ``tokens``: API tokens as SHA-256 hashes (the token itself is shown once), with a name,
  the owner, created / last used / revoked.
- ``sessies``: web sessions as SHA-256 hashes of the session id, with the CSRF token and
  times; a session ends after :data:`SESSIE_INACTIEF_S` without use or
  :data:`SESSIE_MAX_S` after login.
- ``inlogpogingen``: time, user name and IP of every login attempt, so the rate limit holds
  across restarts and across server processes.
- ``meta``: the key that signs session cookies (generated on first use, unless the setting
  ``KANSENKAART_SECRET_KEY`` is used).
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kansenkaart.auth import (
    Gebruiker,
    Rol,
    TeVeelPogingenError,
    controleer_gebruikersnaam,
    controleer_rol,
    controleer_wachtwoordbeleid,
    hash_wachtwoord,
    moet_opnieuw_hashen,
    nieuw_geheim,
    nieuw_token,
    token_hash,
    verifieer_wachtwoord,
    wachtwoord_nep_controle,
)
from kansenkaart.errors import AuthError, ConflictError, NotFoundError, ValidationError
from kansenkaart.io._sqlite import Verbindingen

__all__ = [
    "BESTAND",
    "SESSIE_INACTIEF_S",
    "SESSIE_MAX_S",
    "Account",
    "Gebruikersdb",
    "Sessie",
    "TokenInfo",
]

BESTAND = "gebruikers.sqlite"
SESSIE_INACTIEF_S = 8 * 3600
"""A web session ends after this many seconds without a request."""
SESSIE_MAX_S = 7 * 24 * 3600
"""A web session ends this many seconds after login, however active."""
_GEBRUIK_BIJWERKEN_S = 60.0
"""'Last used' of tokens and sessions is written at most once a minute (no write per read)."""
_POGINGEN_BEWAREN_S = 24 * 3600
_VENSTER_S = 60.0
_SCHEMAVERSIE = 1
_TOKENKOLOMMEN = "id, naam, gebruiker, aangemaakt_op, laatst_gebruikt_op, ingetrokken_op"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gebruikers (
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    gemeenten TEXT NOT NULL DEFAULT '',
    wachtwoord_hash TEXT,
    actief INTEGER NOT NULL DEFAULT 1,
    aangemaakt_op TEXT NOT NULL,
    gewijzigd_op TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    naam TEXT NOT NULL,
    gebruiker TEXT NOT NULL REFERENCES gebruikers(naam),
    aangemaakt_op TEXT NOT NULL,
    laatst_gebruikt_op TEXT,
    ingetrokken_op TEXT
);
CREATE TABLE IF NOT EXISTS sessies (
    id_hash TEXT PRIMARY KEY,
    gebruiker TEXT NOT NULL REFERENCES gebruikers(naam),
    csrf_token TEXT NOT NULL,
    aangemaakt REAL NOT NULL,
    laatst_gebruikt REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_sessies_gebruiker ON sessies(gebruiker);
CREATE TABLE IF NOT EXISTS inlogpogingen (
    tijd REAL NOT NULL,
    naam TEXT NOT NULL,
    ip TEXT NOT NULL,
    gelukt INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_pogingen_naam ON inlogpogingen(naam, tijd);
CREATE INDEX IF NOT EXISTS idx_pogingen_ip ON inlogpogingen(ip, tijd);
CREATE TABLE IF NOT EXISTS meta (sleutel TEXT PRIMARY KEY, waarde TEXT NOT NULL);
"""


def _iso(t: float | None = None) -> str:
    d = datetime.fromtimestamp(time.time() if t is None else t, UTC)
    return d.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Account:
    """A stored account (never the password hash)."""

    naam: str
    rol: Rol
    gemeenten: tuple[str, ...]
    actief: bool
    heeft_wachtwoord: bool
    aangemaakt_op: str
    gewijzigd_op: str

    @property
    def gebruiker(self) -> Gebruiker:
        """The :class:`~kansenkaart.auth.Gebruiker` of this account."""
        return Gebruiker(self.naam, self.rol, self.gemeenten)


@dataclass(frozen=True)
class TokenInfo:
    """An API token without its secret."""

    id: str
    naam: str
    gebruiker: str
    aangemaakt_op: str
    laatst_gebruikt_op: str | None
    ingetrokken_op: str | None

    @property
    def actief(self) -> bool:
        """False once revoked."""
        return self.ingetrokken_op is None


@dataclass(frozen=True)
class Sessie:
    """A live web session: its user and CSRF token."""

    gebruiker: Gebruiker
    csrf_token: str


def _gemeenten(tekst: str | None) -> tuple[str, ...]:
    return tuple(g for g in (tekst or "").split(",") if g)


def _foreign_keys(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys=ON")


class Gebruikersdb:
    """The accounts database of a workspace.

    Parameters
    ----------
    pad
        The SQLite file (created with its tables when missing).
    busy_timeout_ms
        How long a writer waits for another.
    klok
        Source of the current time in seconds (tests replace it).
    """

    def __init__(
        self, pad: str | Path, *, busy_timeout_ms: int = 30_000, klok: Callable[[], float] = time.time
    ) -> None:
        self.pad = Path(pad)
        self.busy_timeout_ms = busy_timeout_ms
        self.klok = klok
        self._verbindingen = Verbindingen(
            self.pad, busy_timeout_ms=busy_timeout_ms, bij_openen=_foreign_keys
        )
        self._bijgewerkt: dict[str, float] = {}
        self._bijgewerkt_slot = threading.Lock()
        if not self.pad.exists():
            self.pad.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.pad, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        with self._write() as conn:
            versie = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if versie > _SCHEMAVERSIE:
                raise ValidationError(
                    f"{self.pad.name} is gemaakt door een nieuwere versie van kansenkaart (schema {versie}).",
                )
            for opdracht in _SCHEMA.split(";"):
                if opdracht.strip():
                    conn.execute(opdracht)
            conn.execute(f"PRAGMA user_version = {_SCHEMAVERSIE}")

    @classmethod
    def van_werkruimte(cls, werkruimte_pad: str | Path, **kwargs: object) -> Gebruikersdb:
        """The accounts database of the workspace folder ``werkruimte_pad``."""
        return cls(Path(werkruimte_pad) / BESTAND, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        return self._verbindingen.connect()

    def close(self) -> None:
        """Close this thread's connection."""
        self._verbindingen.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        return self._verbindingen.schrijf()

    def integrity_check(self) -> list[str]:
        """SQLite's integrity check; the problems (empty when sound)."""
        return self._verbindingen.integriteit()

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy at ``dest`` (SQLite online backup; safe while the server runs), mode 0600."""
        return self._verbindingen.backup(Path(dest), modus=0o600)

    # ------------------------------------------------------------------ secret key

    def sessiesleutel(self) -> str:
        """The key that signs session cookies; generated and stored on first use."""
        conn = self._connect()
        row = conn.execute("SELECT waarde FROM meta WHERE sleutel = 'sessiesleutel'").fetchone()
        if row is not None:
            return str(row[0])
        with self._write() as c:
            c.execute("INSERT OR IGNORE INTO meta VALUES ('sessiesleutel', ?)", (nieuw_geheim() + nieuw_geheim(),))
            return str(c.execute("SELECT waarde FROM meta WHERE sleutel = 'sessiesleutel'").fetchone()[0])

    # ------------------------------------------------------------------ accounts

    @staticmethod
    def _account(row: tuple[object, ...]) -> Account:
        naam, rol, gemeenten, wachtwoord_hash, actief, aangemaakt, gewijzigd = row
        return Account(
            naam=str(naam),
            rol=str(rol),  # type: ignore[arg-type]  # stored from ROLLEN only
            gemeenten=_gemeenten(str(gemeenten)),
            actief=bool(actief),
            heeft_wachtwoord=wachtwoord_hash is not None,
            aangemaakt_op=str(aangemaakt),
            gewijzigd_op=str(gewijzigd),
        )

    _KOLOMMEN = "naam, rol, gemeenten, wachtwoord_hash, actief, aangemaakt_op, gewijzigd_op"

    def account(self, naam: str) -> Account:
        """The account ``naam``.

        Raises
        ------
        NotFoundError
            When there is no such account.
        """
        n = naam.strip().lower()
        row = self._connect().execute(f"SELECT {self._KOLOMMEN} FROM gebruikers WHERE naam = ?", (n,)).fetchone()
        if row is None:
            raise NotFoundError(f"Gebruiker '{naam[:80]}' bestaat niet.", details={"naam": naam[:80]})
        return self._account(row)

    def lijst(self) -> list[Account]:
        """All accounts, active and inactive, by name."""
        rows = self._connect().execute(f"SELECT {self._KOLOMMEN} FROM gebruikers ORDER BY naam").fetchall()
        return [self._account(r) for r in rows]

    def aantal(self) -> int:
        """Number of active accounts."""
        return int(self._connect().execute("SELECT count(*) FROM gebruikers WHERE actief").fetchone()[0])

    def voeg_toe(
        self,
        naam: str,
        *,
        rol: str,
        gemeenten: Iterable[str] = (),
        wachtwoord: str | None,
        gemeentecodes: Iterable[str] | None = None,
    ) -> Account:
        """Create an account.

        Parameters
        ----------
        naam
            User name (normalised to lower case).
        rol, gemeenten
            See :func:`kansenkaart.auth.controleer_rol`.
        wachtwoord
            The password (checked against the policy), or ``None`` for an account that can
            only use API tokens.
        gemeentecodes
            The gemeenten of the workspace region (codes outside it are refused).

        Raises
        ------
        ValidationError
            Bad name, role, gemeenten or a weak password.
        ConflictError
            When the name exists (also when deactivated).
        """
        n = controleer_gebruikersnaam(naam)
        r, codes = controleer_rol(rol, gemeenten, gemeentecodes=gemeentecodes)
        h = None
        if wachtwoord is not None:
            controleer_wachtwoordbeleid(wachtwoord, naam=n)
            h = hash_wachtwoord(wachtwoord)
        stempel = _iso(self.klok())
        with self._write() as conn:
            bestaand = conn.execute("SELECT actief FROM gebruikers WHERE naam = ?", (n,)).fetchone()
            if bestaand is not None:
                extra = (
                    "" if bestaand[0] else f" (uitgeschakeld; zet het weer aan met 'kansenkaart gebruiker wijzigen {n} "
                    "--actief')"
                )
                raise ConflictError(f"Gebruiker '{n}' bestaat al{extra}.", details={"naam": n})
            conn.execute(
                "INSERT INTO gebruikers VALUES (?,?,?,?,1,?,?)", (n, r, ",".join(codes), h, stempel, stempel)
            )
        return self.account(n)

    def wijzig(
        self,
        naam: str,
        *,
        rol: str | None = None,
        gemeenten: Iterable[str] | None = None,
        wachtwoord: str | None = None,
        actief: bool | None = None,
        gemeentecodes: Iterable[str] | None = None,
    ) -> Account:
        """Change an account; a new password or deactivation ends its web sessions.

        Deactivating also revokes its API tokens. The role and gemeenten take effect at the
        next request of a session or token (they are looked up every time).

        Raises
        ------
        NotFoundError
            Unknown account.
        ValidationError
            Bad role/gemeenten, weak password, or demoting/deactivating the last active beheerder.
        """
        oud = self.account(naam)
        nieuwe_rol = rol if rol is not None else oud.rol
        nieuwe_gemeenten: Iterable[str] = gemeenten if gemeenten is not None else oud.gemeenten
        if rol is not None and rol.strip().lower() != "bewerker" and gemeenten is None:
            nieuwe_gemeenten = ()
        r, codes = controleer_rol(nieuwe_rol, nieuwe_gemeenten, gemeentecodes=gemeentecodes)
        h: str | None = None
        if wachtwoord is not None:
            controleer_wachtwoordbeleid(wachtwoord, naam=oud.naam)
            h = hash_wachtwoord(wachtwoord)
        stempel = _iso(self.klok())
        with self._write() as conn:
            blijft_beheerder = r == "beheerder" and (actief if actief is not None else oud.actief)
            if oud.rol == "beheerder" and oud.actief and not blijft_beheerder:
                n = conn.execute(
                    "SELECT count(*) FROM gebruikers WHERE rol = 'beheerder' AND actief AND naam != ?", (oud.naam,)
                ).fetchone()[0]
                if n == 0:
                    raise ValidationError(
                        f"'{oud.naam}' is de laatste actieve beheerder. Maak eerst een andere beheerder "
                        "(kansenkaart gebruiker toevoegen NAAM --rol beheerder).",
                        details={"naam": oud.naam},
                    )
            conn.execute(
                "UPDATE gebruikers SET rol = ?, gemeenten = ?, gewijzigd_op = ? WHERE naam = ?",
                (r, ",".join(codes), stempel, oud.naam),
            )
            if h is not None:
                conn.execute("UPDATE gebruikers SET wachtwoord_hash = ? WHERE naam = ?", (h, oud.naam))
                conn.execute("DELETE FROM sessies WHERE gebruiker = ?", (oud.naam,))
            if actief is not None:
                conn.execute("UPDATE gebruikers SET actief = ? WHERE naam = ?", (1 if actief else 0, oud.naam))
                if not actief:
                    conn.execute("DELETE FROM sessies WHERE gebruiker = ?", (oud.naam,))
                    conn.execute(
                        "UPDATE tokens SET ingetrokken_op = ? WHERE gebruiker = ? AND ingetrokken_op IS NULL",
                        (stempel, oud.naam),
                    )
        return self.account(oud.naam)

    def verwijder(self, naam: str) -> Account:
        """Deactivate an account, revoke its tokens and end its sessions (the name stays reserved)."""
        return self.wijzig(naam, actief=False)

    # ------------------------------------------------------------------ login

    def meld_aan(self, naam: str, wachtwoord: str, *, ip: str, max_per_minuut: int) -> Gebruiker:
        """Check a user name and password, with rate limiting per user name and per IP.

        Every attempt is recorded *before* the password is checked, so parallel attempts
        count at once. More than ``max_per_minuut`` failed attempts within a minute for the
        user name, or from the IP, are refused without checking the password.

        Raises
        ------
        TeVeelPogingenError
            Too many failed attempts; ``details["retry_after"]`` says how many seconds to wait.
        AuthError
            Unknown user, wrong password, no password, or an inactive account (the message is
            the same for the first three).
        """
        sleutel = naam.strip().lower()[:200]
        ip = (ip or "onbekend")[:100]
        nu = self.klok()
        with self._write() as conn:
            conn.execute("DELETE FROM inlogpogingen WHERE tijd < ?", (nu - _POGINGEN_BEWAREN_S,))
            for kolom, waarde in (("naam", sleutel), ("ip", ip)):
                rij = conn.execute(
                    f"SELECT count(*), min(tijd) FROM inlogpogingen WHERE {kolom} = ? AND NOT gelukt AND tijd > ?",
                    (waarde, nu - _VENSTER_S),
                ).fetchone()
                if int(rij[0]) >= max_per_minuut:
                    wacht = max(1, math.ceil(float(rij[1]) + _VENSTER_S - nu))
                    raise TeVeelPogingenError(
                        f"Te veel mislukte inlogpogingen. Wacht {wacht} seconden en probeer het dan opnieuw.",
                        details={"retry_after": wacht},
                    )
            cur = conn.execute("INSERT INTO inlogpogingen VALUES (?,?,?,0)", (nu, sleutel, ip))
            poging = cur.lastrowid
            row = conn.execute(
                "SELECT naam, rol, gemeenten, wachtwoord_hash, actief FROM gebruikers WHERE naam = ?", (sleutel,)
            ).fetchone()
        fout = AuthError("Onbekende gebruikersnaam of verkeerd wachtwoord.")
        if row is None or row[3] is None:
            wachtwoord_nep_controle(wachtwoord)
            raise fout
        if not verifieer_wachtwoord(str(row[3]), wachtwoord):
            raise fout
        if not row[4]:
            raise AuthError("Dit account is uitgeschakeld. Neem contact op met de beheerder van de kansenkaart.")
        with self._write() as conn:
            conn.execute("UPDATE inlogpogingen SET gelukt = 1 WHERE rowid = ?", (poging,))
            if moet_opnieuw_hashen(str(row[3])):
                conn.execute(
                    "UPDATE gebruikers SET wachtwoord_hash = ? WHERE naam = ?", (hash_wachtwoord(wachtwoord), row[0])
                )
        return Gebruiker(str(row[0]), str(row[1]), _gemeenten(str(row[2])))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ tokens

    def maak_token(self, gebruiker: str, *, naam: str = "") -> tuple[TokenInfo, str]:
        """Create an API token for an active account; return its info and the token (shown once)."""
        acc = self.account(gebruiker)
        if not acc.actief:
            raise ValidationError(f"Gebruiker '{acc.naam}' is uitgeschakeld; maak eerst het account weer actief.")
        label = (naam or "token").strip()[:100]
        if any(ord(c) < 32 for c in label):
            raise ValidationError("De naam van het token bevat een stuurteken.")
        token = nieuw_token()
        tid = uuid.uuid4().hex[:12]
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tokens VALUES (?,?,?,?,?,NULL,NULL)",
                (tid, token_hash(token), label, acc.naam, _iso(self.klok())),
            )
        return self.token(tid), token

    def token(self, tid: str) -> TokenInfo:
        """Info on token ``tid`` (NotFoundError when unknown)."""
        row = (
            self._connect()
            .execute(
                f"SELECT {_TOKENKOLOMMEN} FROM tokens WHERE id = ?",
                (tid.strip(),),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"Token '{tid[:40]}' bestaat niet. Zie 'kansenkaart token lijst'.")
        return TokenInfo(*row)

    def tokens(self, gebruiker: str | None = None) -> list[TokenInfo]:
        """All tokens (of one user), newest first."""
        sql = f"SELECT {_TOKENKOLOMMEN} FROM tokens"
        params: tuple[str, ...] = ()
        if gebruiker is not None:
            sql += " WHERE gebruiker = ?"
            params = (gebruiker.strip().lower(),)
        rows = self._connect().execute(sql + " ORDER BY aangemaakt_op DESC, id", params).fetchall()
        return [TokenInfo(*r) for r in rows]

    def trek_token_in(self, tid: str) -> TokenInfo:
        """Revoke token ``tid`` (effective at once)."""
        info = self.token(tid)
        if info.actief:
            with self._write() as conn:
                conn.execute("UPDATE tokens SET ingetrokken_op = ? WHERE id = ?", (_iso(self.klok()), info.id))
        return self.token(info.id)

    def gebruiker_van_token(self, token: str) -> Gebruiker:
        """The user of an API token.

        Raises
        ------
        AuthError
            Unknown or revoked token, or an inactive account.
        """
        row = (
            self._connect()
            .execute(
                "SELECT t.id, t.ingetrokken_op, g.naam, g.rol, g.gemeenten, g.actief FROM tokens t "
                "JOIN gebruikers g ON g.naam = t.gebruiker WHERE t.hash = ?",
                (token_hash(token),),
            )
            .fetchone()
        )
        if row is None or row[1] is not None:
            raise AuthError(
                "Het API-token is onbekend of ingetrokken. Vraag de beheerder om een nieuw token.",
                details={"token": "ongeldig"},
            )
        if not row[5]:
            raise AuthError(
                "Het account van dit API-token is uitgeschakeld. Neem contact op met de beheerder.",
                details={"token": "ongeldig"},
            )
        self._gebruikt("t:" + str(row[0]), "UPDATE tokens SET laatst_gebruikt_op = ? WHERE id = ?", str(row[0]))
        return Gebruiker(str(row[2]), str(row[3]), _gemeenten(str(row[4])))  # type: ignore[arg-type]

    def _gebruikt(self, sleutel: str, sql: str, waarde: str, *, iso: bool = True) -> None:
        """Write 'last used' at most once a minute per token/session."""
        nu = self.klok()
        with self._bijgewerkt_slot:
            if nu - self._bijgewerkt.get(sleutel, 0.0) < _GEBRUIK_BIJWERKEN_S:
                return
            self._bijgewerkt[sleutel] = nu
            if len(self._bijgewerkt) > 10_000:
                self._bijgewerkt.clear()
        with self._write() as conn:
            conn.execute(sql, (_iso(nu) if iso else nu, waarde))

    # ------------------------------------------------------------------ sessions

    def maak_sessie(self, gebruiker: str) -> tuple[str, str]:
        """Start a web session for an active account; return (session id, CSRF token).

        Only the SHA-256 of the session id is stored. Expired sessions are removed here.
        """
        acc = self.account(gebruiker)
        if not acc.actief:
            raise AuthError("Dit account is uitgeschakeld.")
        sid, csrf = nieuw_geheim(), nieuw_geheim()
        nu = self.klok()
        with self._write() as conn:
            conn.execute(
                "DELETE FROM sessies WHERE laatst_gebruikt < ? OR aangemaakt < ?",
                (nu - SESSIE_INACTIEF_S, nu - SESSIE_MAX_S),
            )
            conn.execute("INSERT INTO sessies VALUES (?,?,?,?,?)", (token_hash(sid), acc.naam, csrf, nu, nu))
        return sid, csrf

    def sessie(self, sid: str) -> Sessie | None:
        """The live session with id ``sid``, or None (unknown, expired, or account inactive)."""
        h = token_hash(sid)
        row = (
            self._connect()
            .execute(
                "SELECT s.csrf_token, s.aangemaakt, s.laatst_gebruikt, g.naam, g.rol, g.gemeenten, g.actief "
                "FROM sessies s JOIN gebruikers g ON g.naam = s.gebruiker WHERE s.id_hash = ?",
                (h,),
            )
            .fetchone()
        )
        if row is None:
            return None
        nu = self.klok()
        if not row[6] or nu - float(row[2]) > SESSIE_INACTIEF_S or nu - float(row[1]) > SESSIE_MAX_S:
            self.beeindig_sessie(sid)
            return None
        self._gebruikt("s:" + h, "UPDATE sessies SET laatst_gebruikt = ? WHERE id_hash = ?", h, iso=False)
        return Sessie(Gebruiker(str(row[3]), str(row[4]), _gemeenten(str(row[5]))), str(row[0]))  # type: ignore[arg-type]

    def beeindig_sessie(self, sid: str) -> None:
        """End a session (logout); no error when it does not exist."""
        with self._write() as conn:
            conn.execute("DELETE FROM sessies WHERE id_hash = ?", (token_hash(sid),))
