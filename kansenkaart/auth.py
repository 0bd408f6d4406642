"""Accounts and roles: who may do what (pure: no I/O, no HTTP).

Four roles, from most to least rights:

==========  ================================================================================
role        may
==========  ================================================================================
beheerder   everything: kansen everywhere, import every layer, restore deleted kansen,
            export the whole history; user management is done with the CLI on the server
aanjager    create, change, move and delete kansen everywhere; import every layer; export
            the whole history
bewerker    create, change, move and delete kansen of the listed gemeenten only; import
            kansen of those gemeenten
lezer       read only
==========  ================================================================================

A *bewerker* may touch a kans only when every gemeente it is associated with is one of
theirs: the stored ``gemeentecode`` and the gemeente its location lies in, before **and**
after the change. Moving a kans across a gemeente border is therefore refused unless both
gemeenten are the bewerker's own (a move is a delete in the old gemeente plus a create in
the new one, which the bewerker could do anyway). When the gemeente of a kans cannot be
determined (no gemeentecode and no gemeenten in the workspace), only an aanjager or
beheerder may write it.

Passwords are hashed with Argon2id (:mod:`argon2`, parameters of
:class:`argon2.PasswordHasher`, RFC 9106 low-memory profile). API tokens and session ids are
random (:func:`secrets.token_urlsafe`) and stored only as SHA-256 hashes.

Every check raises :class:`~kansenkaart.errors.ForbiddenError` (HTTP 403) with a Dutch message
that names the gemeente(n), or :class:`~kansenkaart.errors.AuthError` (HTTP 401) for the
anonymous user.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kansenkaart.errors import AuthError, ForbiddenError, TeVeelPogingenError, ValidationError

__all__ = [
    "ANONIEM",
    "GERESERVEERDE_NAMEN",
    "MIN_WACHTWOORD",
    "ROLLEN",
    "SCHRIJFROLLEN",
    "Gebruiker",
    "Kanaal",
    "KansActie",
    "Rol",
    "TeVeelPogingenError",
    "anonieme_lezer",
    "controleer_gebruikersnaam",
    "controleer_importeren",
    "controleer_kans_schrijven",
    "controleer_rol",
    "controleer_wachtwoordbeleid",
    "hash_wachtwoord",
    "mag_historie_exporteren",
    "mag_importeren",
    "moet_opnieuw_hashen",
    "nieuw_geheim",
    "nieuw_token",
    "reden_voor_rij",
    "token_hash",
    "vergelijk_geheim",
    "verifieer_wachtwoord",
    "wachtwoord_nep_controle",
]

Rol = Literal["beheerder", "aanjager", "bewerker", "lezer"]
ROLLEN: tuple[Rol, ...] = get_args(Rol)
SCHRIJFROLLEN: frozenset[str] = frozenset({"beheerder", "aanjager", "bewerker"})
Kanaal = Literal["api", "web", "import", "cli", "systeem"]
KansActie = Literal["maak", "vervang", "wijzig", "verwijder", "herstel"]

ANONIEM = "anoniem"
"""Name of the anonymous reader (reading open without login); never a real account."""
GERESERVEERDE_NAMEN = frozenset({ANONIEM, "systeem"})
MIN_WACHTWOORD = 12
MAX_WACHTWOORD = 1024
TOKEN_VOORVOEGSEL = "kk_"

_NAAM = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_GEMEENTECODE = re.compile(r"GM\d{4}")
_STUURTEKEN = re.compile(r"[\x00-\x1f\x7f]")
_ACTIE_NL: dict[str, str] = {
    "maak": "maken",
    "vervang": "wijzigen",
    "wijzig": "wijzigen",
    "verwijder": "verwijderen",
    "herstel": "herstellen",
}
_ROL_NL: dict[str, str] = {
    "beheerder": "beheerder (alles)",
    "aanjager": "aanjager (kansen overal bewerken, lagen importeren)",
    "bewerker": "bewerker (kansen van de eigen gemeenten bewerken)",
    "lezer": "lezer (alleen lezen)",
}


@dataclass(frozen=True)
class Gebruiker:
    """The user of a request or a command.

    Attributes
    ----------
    naam
        User name, written to the history of kansen.
    rol
        ``beheerder``, ``aanjager``, ``bewerker`` or ``lezer``.
    gemeenten
        CBS codes of the gemeenten a *bewerker* may edit (ignored for the other roles).
    """

    naam: str
    rol: Rol
    gemeenten: tuple[str, ...] = ()

    @property
    def anoniem(self) -> bool:
        """True for the anonymous reader (no login)."""
        return self.naam == ANONIEM

    @property
    def mag_schrijven(self) -> bool:
        """True when the role may write kansen at all (not lezer, not anonymous)."""
        return not self.anoniem and self.rol in SCHRIJFROLLEN


def anonieme_lezer() -> Gebruiker:
    """The user of a request without login when reading is open."""
    return Gebruiker(ANONIEM, "lezer", ())


# --------------------------------------------------------------------------- names, roles, passwords


def controleer_gebruikersnaam(naam: str) -> str:
    """Return the normalised user name (lower case, trimmed) or raise ValidationError.

    Allowed: 2-64 characters ``a-z 0-9 . _ @ -``, starting with a letter or digit (an e-mail
    address works); not a reserved name (``anoniem``, ``systeem``).
    """
    n = naam.strip().lower()
    if not _NAAM.fullmatch(n):
        raise ValidationError(
            f"Gebruikersnaam '{naam[:80]}' is ongeldig: gebruik 2 tot 64 tekens (letters, cijfers, punt, "
            "liggend streepje, @ of -), te beginnen met een letter of cijfer.",
            details={"veld": "naam"},
        )
    if n in GERESERVEERDE_NAMEN:
        raise ValidationError(f"Gebruikersnaam '{n}' is gereserveerd; kies een andere naam.", details={"veld": "naam"})
    return n


def controleer_rol(rol: str, gemeenten: Iterable[str], *, gemeentecodes: Iterable[str] | None = None) -> tuple[
    Rol, tuple[str, ...]
]:
    """Check a role with its gemeenten; return (rol, sorted unique gemeentecodes).

    Parameters
    ----------
    rol
        One of :data:`ROLLEN`.
    gemeenten
        CBS gemeentecodes (``GM0402``); a *bewerker* needs at least one, the other roles none.
    gemeentecodes
        The gemeenten of the workspace region; codes outside it are refused.
    """
    r = rol.strip().lower()
    if r not in ROLLEN:
        raise ValidationError(
            f"Onbekende rol '{rol}'. Kies uit: " + "; ".join(_ROL_NL[x] for x in ROLLEN) + ".",
            details={"veld": "rol", "toegestaan": list(ROLLEN)},
        )
    codes = sorted({g.strip().upper() for g in gemeenten if g.strip()})
    fout = [c for c in codes if not _GEMEENTECODE.fullmatch(c)]
    if fout:
        raise ValidationError(
            f"'{fout[0]}' is geen CBS-gemeentecode (GM gevolgd door vier cijfers, bijvoorbeeld GM0402).",
            details={"veld": "gemeenten"},
        )
    if gemeentecodes is not None:
        toegestaan = list(gemeentecodes)
        buiten = [c for c in codes if c not in toegestaan]
        if buiten:
            raise ValidationError(
                f"Gemeente {', '.join(buiten)} hoort niet bij de regio van deze werkruimte. "
                f"Toegestaan: {', '.join(toegestaan)}.",
                details={"veld": "gemeenten", "toegestaan": toegestaan},
            )
    if r == "bewerker" and not codes:
        raise ValidationError(
            "Een bewerker heeft minstens één gemeente nodig (--gemeente GMxxxx, herhaalbaar).",
            details={"veld": "gemeenten"},
        )
    if r != "bewerker" and codes:
        raise ValidationError(
            f"Alleen een bewerker heeft gemeenten; de rol {r} geldt voor de hele regio. Laat --gemeente weg.",
            details={"veld": "gemeenten"},
        )
    return r, tuple(codes)


def controleer_wachtwoordbeleid(wachtwoord: str, *, naam: str = "") -> None:
    """Raise ValidationError when ``wachtwoord`` is too weak.

    Policy: at least :data:`MIN_WACHTWOORD` (12) characters, at most 1024, no control
    characters, not (containing) the user name, not one repeated character.
    """
    if len(wachtwoord) < MIN_WACHTWOORD:
        raise ValidationError(
            f"Het wachtwoord is te kort: {len(wachtwoord)} tekens, minimaal {MIN_WACHTWOORD}. "
            "Een zin van een paar woorden is sterk en goed te onthouden.",
            details={"veld": "wachtwoord"},
        )
    if len(wachtwoord) > MAX_WACHTWOORD:
        raise ValidationError(f"Het wachtwoord is te lang (maximaal {MAX_WACHTWOORD} tekens).")
    if _STUURTEKEN.search(wachtwoord):
        raise ValidationError("Het wachtwoord bevat een stuurteken (bijvoorbeeld een tab of regeleinde).")
    if naam and naam.lower() in wachtwoord.lower():
        raise ValidationError("Het wachtwoord mag de gebruikersnaam niet bevatten.", details={"veld": "wachtwoord"})
    if len(set(wachtwoord)) < 4:
        raise ValidationError("Het wachtwoord is te eenvoudig: gebruik meer verschillende tekens.")


_HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def _nep_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_wachtwoord(wachtwoord: str) -> str:
    """Argon2id hash of ``wachtwoord`` (PHC string with salt and parameters)."""
    return _HASHER.hash(wachtwoord)


def verifieer_wachtwoord(opgeslagen: str, wachtwoord: str) -> bool:
    """True when ``wachtwoord`` matches the stored Argon2 hash (constant-time in the library)."""
    try:
        return bool(_HASHER.verify(opgeslagen, wachtwoord))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def wachtwoord_nep_controle(wachtwoord: str) -> None:
    """Spend the time of a real check for an unknown user (no user-name oracle by timing)."""
    verifieer_wachtwoord(_nep_hash(), wachtwoord)


def moet_opnieuw_hashen(opgeslagen: str) -> bool:
    """True when a stored hash uses older parameters than the current ones."""
    try:
        return bool(_HASHER.check_needs_rehash(opgeslagen))
    except InvalidHashError:
        return True


def nieuw_token() -> str:
    """A new API token: ``kk_`` plus 43 URL-safe random characters (256 bits)."""
    return TOKEN_VOORVOEGSEL + secrets.token_urlsafe(32)


def nieuw_geheim() -> str:
    """A random secret (session id, CSRF token): 43 URL-safe characters (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 of a token or session id (hex); only this is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def vergelijk_geheim(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets; False when either is missing or empty."""
    if not a or not b:
        return False
    return secrets.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------- permission checks


def _codes(waarde: str | Iterable[str | None] | None) -> frozenset[str]:
    if waarde is None:
        return frozenset()
    if isinstance(waarde, str):
        return frozenset({waarde}) if waarde else frozenset()
    return frozenset(str(w) for w in waarde if w)


def _naam(codes: Iterable[str], namen: Mapping[str, str] | None) -> str:
    delen = []
    for c in sorted(codes):
        n = (namen or {}).get(c)
        delen.append(f"{n} ({c})" if n else c)
    if len(delen) <= 1:
        return "".join(delen)
    return ", ".join(delen[:-1]) + " en " + delen[-1]


def _eis_aanmelding(gebruiker: Gebruiker, wat: str) -> None:
    if gebruiker.anoniem:
        raise AuthError(f"Meld u aan om {wat}.", details={"aanmelden": True})


def controleer_kans_schrijven(
    gebruiker: Gebruiker,
    *,
    actie: KansActie,
    gemeente_oud: str | Iterable[str | None] | None = None,
    gemeente_nieuw: str | Iterable[str | None] | None = None,
    gemeentenamen: Mapping[str, str] | None = None,
) -> None:
    """Raise when ``gebruiker`` may not carry out ``actie`` on a kans.

    Parameters
    ----------
    actie
        ``maak``, ``vervang``, ``wijzig``, ``verwijder`` or ``herstel``.
    gemeente_oud
        The gemeente(n) of the kans before the change: its stored gemeentecode and the
        gemeente of its location (unused for ``maak``).
    gemeente_nieuw
        The gemeente(n) after the change (unused for ``verwijder`` and ``herstel``).
    gemeentenamen
        Code → name, for readable messages.

    Raises
    ------
    AuthError
        For the anonymous reader (HTTP 401).
    ForbiddenError
        For a lezer; for ``herstel`` by anyone but a beheerder; for a bewerker when a
        gemeente before or after is not theirs, or unknown (HTTP 403).
    """
    ww = _ACTIE_NL[actie]
    _eis_aanmelding(gebruiker, f"kansen te {ww}")
    details: dict[str, object] = {"rol": gebruiker.rol, "actie": actie}
    if gebruiker.rol not in SCHRIJFROLLEN:
        raise ForbiddenError(
            f"U bent aangemeld als '{gebruiker.naam}' met de rol {gebruiker.rol}: u mag kansen bekijken, maar niet "
            f"{ww}. Vraag de beheerder om een andere rol.",
            details=details,
        )
    if actie == "herstel" and gebruiker.rol != "beheerder":
        raise ForbiddenError(
            "Alleen een beheerder kan een verwijderde kans herstellen. Vraag de beheerder van de kansenkaart.",
            details=details,
        )
    if gebruiker.rol != "bewerker":
        return
    eigen = frozenset(gebruiker.gemeenten)
    details["uw_gemeenten"] = sorted(eigen)
    oud = _codes(gemeente_oud) if actie != "maak" else frozenset()
    nieuw = _codes(gemeente_nieuw) if actie in ("maak", "vervang", "wijzig") else frozenset()
    uw = f"u bewerkt alleen kansen in {_naam(eigen, gemeentenamen)}"
    if actie != "maak" and not oud:
        raise ForbiddenError(
            f"De gemeente van deze kans is niet bekend, dus u mag hem niet {ww}; {uw}. Een aanjager of beheerder "
            "kan dat wel.",
            details={**details, "gemeenten": []},
        )
    if actie in ("maak", "vervang", "wijzig") and not nieuw:
        raise ForbiddenError(
            f"De gemeente van de kans is niet te bepalen: vul de gemeentecode in of leg de kans binnen een "
            f"gemeente; {uw}.",
            details={**details, "gemeenten": []},
        )
    vreemd_oud = oud - eigen
    vreemd_nieuw = nieuw - eigen
    if not vreemd_oud and not vreemd_nieuw:
        return
    if actie == "maak":
        melding = f"U mag geen kans maken in {_naam(vreemd_nieuw, gemeentenamen)}: {uw}."
        vreemd = vreemd_nieuw
    elif vreemd_oud:
        melding = f"U mag geen kansen in {_naam(vreemd_oud, gemeentenamen)} {ww}: {uw}."
        vreemd = vreemd_oud
    else:
        melding = (
            f"U mag deze kans niet van {_naam(oud, gemeentenamen)} naar {_naam(vreemd_nieuw, gemeentenamen)} "
            "verplaatsen: "
            f"{uw}. Vraag de aanjager om kansen over een gemeentegrens te verplaatsen."
        )
        vreemd = vreemd_nieuw
    raise ForbiddenError(melding, details={**details, "gemeenten": sorted(vreemd)})


def controleer_importeren(gebruiker: Gebruiker, laag: str) -> None:
    """Raise when ``gebruiker`` may not import into ``laag`` at all.

    Aanjager and beheerder may import every layer; a bewerker only ``kansen`` (each row is
    then checked against their gemeenten); a lezer nothing.
    """
    _eis_aanmelding(gebruiker, "te importeren")
    if gebruiker.rol in ("beheerder", "aanjager"):
        return
    if gebruiker.rol == "bewerker":
        if laag == "kansen":
            return
        raise ForbiddenError(
            f"Als bewerker mag u alleen kansen importeren, niet laag '{laag}'. Vraag de aanjager om deze laag te "
            "importeren.",
            details={"rol": gebruiker.rol, "laag": laag},
        )
    raise ForbiddenError(
        f"U bent aangemeld als '{gebruiker.naam}' met de rol {gebruiker.rol}: u mag niet importeren.",
        details={"rol": gebruiker.rol, "laag": laag},
    )


def mag_importeren(gebruiker: Gebruiker, laag: str) -> bool:
    """True when ``gebruiker`` may import into ``laag`` (bewerker: kansen, row by row)."""
    try:
        controleer_importeren(gebruiker, laag)
    except (AuthError, ForbiddenError):
        return False
    return True


def mag_historie_exporteren(gebruiker: Gebruiker) -> None:
    """Raise unless ``gebruiker`` may export the history of all kansen (aanjager, beheerder)."""
    _eis_aanmelding(gebruiker, "de historie te downloaden")
    if gebruiker.rol not in ("beheerder", "aanjager"):
        raise ForbiddenError(
            "Alleen de aanjager en de beheerder kunnen de historie van alle kansen downloaden; de historie van "
            "één kans staat bij die kans.",
            details={"rol": gebruiker.rol},
        )


def reden_voor_rij(
    gebruiker: Gebruiker,
    *,
    gemeente_oud: Iterable[str | None] | None,
    gemeente_nieuw: Iterable[str | None],
    gemeentenamen: Mapping[str, str] | None = None,
) -> str | None:
    """The Dutch reason why a bewerker may not import one kansen row, or None when allowed.

    ``gemeente_oud`` is None for a new kans, else the gemeenten of the stored kans with the
    same key (the row updates it).
    """
    try:
        controleer_kans_schrijven(
            gebruiker,
            actie="maak" if gemeente_oud is None else "wijzig",
            gemeente_oud=gemeente_oud,
            gemeente_nieuw=gemeente_nieuw,
            gemeentenamen=gemeentenamen,
        )
    except (AuthError, ForbiddenError) as e:
        return e.message
    return None
