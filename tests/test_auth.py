"""Roles, permission checks and secrets (kansenkaart.auth, pure)."""

from __future__ import annotations

import pytest

from kansenkaart.auth import (
    Gebruiker,
    anonieme_lezer,
    controleer_gebruikersnaam,
    controleer_importeren,
    controleer_kans_schrijven,
    controleer_rol,
    controleer_wachtwoordbeleid,
    hash_wachtwoord,
    mag_historie_exporteren,
    mag_importeren,
    moet_opnieuw_hashen,
    nieuw_token,
    reden_voor_rij,
    token_hash,
    vergelijk_geheim,
    verifieer_wachtwoord,
)
from kansenkaart.errors import AuthError, ForbiddenError, ValidationError

NAMEN = {"GM0402": "Hilversum", "GM1942": "Gooise Meren", "GM0406": "Huizen"}
BEHEERDER = Gebruiker("bea", "beheerder")
AANJAGER = Gebruiker("anja", "aanjager")
BEWERKER = Gebruiker("bert", "bewerker", ("GM0402",))
BEWERKER_TWEE = Gebruiker("bo", "bewerker", ("GM0402", "GM1942"))
LEZER = Gebruiker("lea", "lezer")


def _mag(g: Gebruiker, actie: str, oud: object = None, nieuw: object = None) -> bool:
    try:
        controleer_kans_schrijven(g, actie=actie, gemeente_oud=oud, gemeente_nieuw=nieuw,  # type: ignore[arg-type]
                                  gemeentenamen=NAMEN)
    except (ForbiddenError, AuthError):
        return False
    return True


@pytest.mark.parametrize(
    ("actie", "oud", "nieuw", "verwacht"),
    [
        # (action, gemeente before, after) → beheerder, aanjager, bewerker GM0402, bewerker GM0402+GM1942, lezer
        ("maak", None, "GM0402", (True, True, True, True, False)),
        ("maak", None, "GM1942", (True, True, False, True, False)),
        ("wijzig", "GM0402", "GM0402", (True, True, True, True, False)),
        ("wijzig", "GM1942", "GM1942", (True, True, False, True, False)),
        ("wijzig", "GM0402", "GM1942", (True, True, False, True, False)),  # a move across the border
        ("wijzig", "GM1942", "GM0402", (True, True, False, True, False)),  # ... and back
        ("wijzig", "GM0402", "GM0406", (True, True, False, False, False)),
        ("vervang", "GM0402", "GM0402", (True, True, True, True, False)),
        ("verwijder", "GM0402", None, (True, True, True, True, False)),
        ("verwijder", "GM1942", None, (True, True, False, True, False)),
        ("herstel", "GM0402", None, (True, False, False, False, False)),
        # a kans whose stored gemeentecode and location disagree: both must be the bewerker's
        ("wijzig", {"GM0402", "GM1942"}, {"GM0402"}, (True, True, False, True, False)),
        ("maak", None, {"GM0402", "GM1942"}, (True, True, False, True, False)),
        # unknown gemeente: only aanjager and beheerder
        ("wijzig", None, None, (True, True, False, False, False)),
        ("maak", None, None, (True, True, False, False, False)),
    ],
)
def test_rollen_en_gemeenten(actie: str, oud: object, nieuw: object, verwacht: tuple[bool, ...]) -> None:
    gebruikers = (BEHEERDER, AANJAGER, BEWERKER, BEWERKER_TWEE, LEZER)
    assert tuple(_mag(g, actie, oud, nieuw) for g in gebruikers) == verwacht


def test_meldingen_zijn_nederlands_en_noemen_de_gemeente() -> None:
    with pytest.raises(ForbiddenError) as e:
        controleer_kans_schrijven(BEWERKER, actie="maak", gemeente_nieuw="GM1942", gemeentenamen=NAMEN)
    assert e.value.message == (
        "U mag geen kans maken in Gooise Meren (GM1942): u bewerkt alleen kansen in Hilversum (GM0402)."
    )
    assert e.value.details["gemeenten"] == ["GM1942"]
    with pytest.raises(ForbiddenError) as e:
        controleer_kans_schrijven(BEWERKER, actie="wijzig", gemeente_oud="GM1942", gemeente_nieuw="GM1942",
                                  gemeentenamen=NAMEN)
    assert "U mag geen kansen in Gooise Meren (GM1942) wijzigen" in e.value.message
    with pytest.raises(ForbiddenError) as e:
        controleer_kans_schrijven(BEWERKER, actie="wijzig", gemeente_oud="GM0402", gemeente_nieuw="GM1942",
                                  gemeentenamen=NAMEN)
    assert "niet van Hilversum (GM0402) naar Gooise Meren (GM1942) verplaatsen" in e.value.message
    with pytest.raises(ForbiddenError) as e:
        controleer_kans_schrijven(LEZER, actie="verwijder", gemeente_oud="GM0402")
    assert "rol lezer" in e.value.message and "verwijderen" in e.value.message
    with pytest.raises(ForbiddenError) as e:
        controleer_kans_schrijven(AANJAGER, actie="herstel")
    assert "Alleen een beheerder" in e.value.message
    with pytest.raises(AuthError) as a:
        controleer_kans_schrijven(anonieme_lezer(), actie="maak", gemeente_nieuw="GM0402")
    assert a.value.message == "Meld u aan om kansen te maken."


def test_importeren_per_rol() -> None:
    for g in (BEHEERDER, AANJAGER):
        assert mag_importeren(g, "zorgcentra") and mag_importeren(g, "kansen")
    assert mag_importeren(BEWERKER, "kansen") and not mag_importeren(BEWERKER, "zorgcentra")
    assert not mag_importeren(LEZER, "kansen") and not mag_importeren(anonieme_lezer(), "kansen")
    with pytest.raises(ForbiddenError, match="alleen kansen importeren"):
        controleer_importeren(BEWERKER, "gemeenten")
    with pytest.raises(ForbiddenError, match="mag niet importeren"):
        controleer_importeren(LEZER, "kansen")
    assert reden_voor_rij(BEWERKER, gemeente_oud=None, gemeente_nieuw=["GM0402"]) is None
    reden = reden_voor_rij(BEWERKER, gemeente_oud=None, gemeente_nieuw=["GM1942"], gemeentenamen=NAMEN)
    assert reden is not None and "Gooise Meren (GM1942)" in reden
    reden = reden_voor_rij(BEWERKER, gemeente_oud=["GM1942"], gemeente_nieuw=["GM0402"], gemeentenamen=NAMEN)
    assert reden is not None and "wijzigen" in reden  # a row that would take over another gemeente's kans


def test_historie_export_alleen_aanjager_en_beheerder() -> None:
    mag_historie_exporteren(BEHEERDER)
    mag_historie_exporteren(AANJAGER)
    for g in (BEWERKER, LEZER):
        with pytest.raises(ForbiddenError):
            mag_historie_exporteren(g)


@pytest.mark.parametrize(
    ("naam", "verwacht"),
    [("Anna.de.Vries@Gooisemeren.nl ", "anna.de.vries@gooisemeren.nl"), ("j_jansen-2", "j_jansen-2")],
)
def test_gebruikersnaam(naam: str, verwacht: str) -> None:
    assert controleer_gebruikersnaam(naam) == verwacht


@pytest.mark.parametrize("naam", ["a", "", "anoniem", "Systeem", "naam met spatie", "<script>", "x" * 65, "-a"])
def test_gebruikersnaam_ongeldig(naam: str) -> None:
    with pytest.raises(ValidationError):
        controleer_gebruikersnaam(naam)


def test_rol_en_gemeenten() -> None:
    assert controleer_rol("Bewerker", ["gm1942", "GM0402", "GM0402"]) == ("bewerker", ("GM0402", "GM1942"))
    assert controleer_rol("aanjager", []) == ("aanjager", ())
    with pytest.raises(ValidationError, match="Onbekende rol 'admin'"):
        controleer_rol("admin", [])
    with pytest.raises(ValidationError, match="minstens één gemeente"):
        controleer_rol("bewerker", [])
    with pytest.raises(ValidationError, match="Alleen een bewerker heeft gemeenten"):
        controleer_rol("lezer", ["GM0402"])
    with pytest.raises(ValidationError, match="hoort niet bij de regio"):
        controleer_rol("bewerker", ["GM0363"], gemeentecodes=["GM0402", "GM1942"])
    with pytest.raises(ValidationError, match="geen CBS-gemeentecode"):
        controleer_rol("bewerker", ["Hilversum"])


@pytest.mark.parametrize(
    ("wachtwoord", "woord"),
    [("kort", "te kort"), ("anna-wachtwoord-123", "gebruikersnaam"), ("aaaaaaaaaaaaaa", "te eenvoudig"),
     ("tab\tin het wachtwoord", "stuurteken"), ("x" * 1025, "te lang")],
)
def test_wachtwoordbeleid(wachtwoord: str, woord: str) -> None:
    with pytest.raises(ValidationError, match=woord):
        controleer_wachtwoordbeleid(wachtwoord, naam="anna")


def test_wachtwoord_hash_argon2id() -> None:
    h = hash_wachtwoord("correct paard batterij")
    assert h.startswith("$argon2id$") and "correct" not in h
    assert verifieer_wachtwoord(h, "correct paard batterij")
    assert not verifieer_wachtwoord(h, "correct paard batterij!")
    assert not verifieer_wachtwoord("geen hash", "x")
    assert not moet_opnieuw_hashen(h) and moet_opnieuw_hashen("geen hash")
    assert hash_wachtwoord("correct paard batterij") != h  # salted


def test_tokens_en_geheimen() -> None:
    a, b = nieuw_token(), nieuw_token()
    assert a != b and a.startswith("kk_") and len(a) >= 40
    assert token_hash(a) != a and len(token_hash(a)) == 64
    assert vergelijk_geheim(a, a) and not vergelijk_geheim(a, b)
    assert not vergelijk_geheim("", "") and not vergelijk_geheim(None, a)
