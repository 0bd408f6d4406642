"""Accounts storage (kansenkaart.io.gebruikers) and the CLI: gebruiker, token, import --gebruiker, historie."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.errors import AuthError, ConflictError, NotFoundError, ValidationError
from kansenkaart.io.gebruikers import SESSIE_INACTIEF_S, SESSIE_MAX_S, Gebruikersdb
from kansenkaart.io.werkruimte import Werkruimte
from tests._auth import WACHTWOORD
from tests.query_fixture import maak_werkruimte


class Klok:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def klok() -> Klok:
    return Klok()


@pytest.fixture
def db(tmp_path: Path, klok: Klok) -> Gebruikersdb:
    return Gebruikersdb(tmp_path / "gebruikers.sqlite", klok=klok)


def _cli(*args: str, invoer: str | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), input=invoer, env={"COLUMNS": "250"})
    return res.exit_code, " ".join(res.output.split())


# --------------------------------------------------------------------------- storage


def test_accounts_aanmaken_wijzigen_uitschakelen(db: Gebruikersdb) -> None:
    a = db.voeg_toe("Anna", rol="bewerker", gemeenten=["GM0402"], wachtwoord=WACHTWOORD)
    assert (a.naam, a.rol, a.gemeenten, a.actief, a.heeft_wachtwoord) == ("anna", "bewerker", ("GM0402",), True, True)
    with pytest.raises(ConflictError, match="bestaat al"):
        db.voeg_toe("ANNA", rol="lezer", wachtwoord=None)
    a = db.wijzig("anna", rol="aanjager")
    assert (a.rol, a.gemeenten) == ("aanjager", ())
    a = db.wijzig("anna", rol="bewerker", gemeenten=["GM1942", "GM0402"])
    assert a.gemeenten == ("GM0402", "GM1942")
    db.verwijder("anna")
    assert not db.account("anna").actief
    with pytest.raises(ConflictError, match="uitgeschakeld"):
        db.voeg_toe("anna", rol="lezer", wachtwoord=None)
    assert db.wijzig("anna", actief=True).actief
    with pytest.raises(NotFoundError, match="bestaat niet"):
        db.account("bestaatniet")
    with pytest.raises(ValidationError, match="te kort"):
        db.voeg_toe("piet", rol="lezer", wachtwoord="kort")
    assert [x.naam for x in db.lijst()] == ["anna"]


def test_laatste_beheerder_blijft(db: Gebruikersdb) -> None:
    db.voeg_toe("baas", rol="beheerder", wachtwoord=None)
    with pytest.raises(ValidationError, match="laatste actieve beheerder"):
        db.wijzig("baas", rol="aanjager")
    with pytest.raises(ValidationError, match="laatste actieve beheerder"):
        db.verwijder("baas")
    db.voeg_toe("baas2", rol="beheerder", wachtwoord=None)
    db.verwijder("baas")
    assert not db.account("baas").actief


def test_bestand_alleen_voor_eigenaar_en_geen_wachtwoord_in_klare_tekst(db: Gebruikersdb) -> None:
    db.voeg_toe("anna", rol="lezer", wachtwoord=WACHTWOORD)
    _info, token = db.maak_token("anna")
    assert stat.S_IMODE(db.pad.stat().st_mode) == 0o600
    db.close()
    inhoud = b"".join(p.read_bytes() for p in db.pad.parent.glob("gebruikers.sqlite*"))
    assert WACHTWOORD.encode() not in inhoud and token.encode() not in inhoud
    assert b"$argon2id$" in inhoud


def test_aanmelden_en_snelheidsgrens_per_naam_en_ip(tmp_path: Path, db: Gebruikersdb, klok: Klok) -> None:
    db.voeg_toe("anna", rol="lezer", wachtwoord=WACHTWOORD)
    assert db.meld_aan("Anna ", WACHTWOORD, ip="10.0.0.1", max_per_minuut=3).naam == "anna"
    for _ in range(3):
        with pytest.raises(AuthError, match="Onbekende gebruikersnaam of verkeerd wachtwoord"):
            db.meld_aan("anna", "fout", ip="10.0.0.1", max_per_minuut=3)
        klok.t += 5
    # the fourth attempt within a minute is refused without checking, even with the right password
    with pytest.raises(Exception) as e:
        db.meld_aan("anna", WACHTWOORD, ip="10.0.0.2", max_per_minuut=3)
    assert type(e.value).__name__ == "TeVeelPogingenError"
    assert "Te veel mislukte inlogpogingen" in str(e.value) and e.value.details["retry_after"] == 45  # type: ignore[attr-defined]
    # a restart does not reset the count (it is stored in gebruikers.sqlite)
    opnieuw = Gebruikersdb(db.pad, klok=klok)
    with pytest.raises(Exception, match="Te veel"):
        opnieuw.meld_aan("anna", WACHTWOORD, ip="10.0.0.3", max_per_minuut=3)
    # per IP: other names from the same address count too
    for naam in ("x1", "x2", "x3"):
        with pytest.raises(AuthError):
            opnieuw.meld_aan(naam, "fout", ip="10.9.9.9", max_per_minuut=3)
    with pytest.raises(Exception, match="Te veel"):
        opnieuw.meld_aan("nog-een", "fout", ip="10.9.9.9", max_per_minuut=3)
    klok.t += 61
    assert opnieuw.meld_aan("anna", WACHTWOORD, ip="10.0.0.1", max_per_minuut=3).naam == "anna"


def test_uitgeschakeld_en_zonder_wachtwoord(db: Gebruikersdb) -> None:
    db.voeg_toe("anna", rol="lezer", wachtwoord=WACHTWOORD)
    db.voeg_toe("robot", rol="aanjager", wachtwoord=None)
    with pytest.raises(AuthError, match="Onbekende gebruikersnaam"):
        db.meld_aan("robot", "", ip="1", max_per_minuut=10)
    with pytest.raises(AuthError, match="Onbekende gebruikersnaam"):
        db.meld_aan("niemand", WACHTWOORD, ip="1", max_per_minuut=10)
    db.verwijder("anna")
    with pytest.raises(AuthError, match="uitgeschakeld"):
        db.meld_aan("anna", WACHTWOORD, ip="1", max_per_minuut=10)


def test_tokens_intrekken_en_uitschakelen(db: Gebruikersdb, klok: Klok) -> None:
    db.voeg_toe("robot", rol="aanjager", wachtwoord=None)
    info, token = db.maak_token("robot", naam="QGIS")
    assert db.gebruiker_van_token(token).rol == "aanjager"
    assert db.token(info.id).laatst_gebruikt_op is not None
    with pytest.raises(AuthError, match="onbekend of ingetrokken"):
        db.gebruiker_van_token(token + "x")
    db.trek_token_in(info.id)
    with pytest.raises(AuthError, match="onbekend of ingetrokken"):
        db.gebruiker_van_token(token)
    _info2, token2 = db.maak_token("robot")
    db.voeg_toe("baas", rol="beheerder", wachtwoord=None)
    db.verwijder("robot")
    with pytest.raises(AuthError):
        db.gebruiker_van_token(token2)
    assert all(not t.actief for t in db.tokens("robot"))
    with pytest.raises(ValidationError, match="uitgeschakeld"):
        db.maak_token("robot")


def test_sessies_verlopen(db: Gebruikersdb, klok: Klok) -> None:
    db.voeg_toe("anna", rol="lezer", wachtwoord=WACHTWOORD)
    sid, csrf = db.maak_sessie("anna")
    s = db.sessie(sid)
    assert s is not None and s.csrf_token == csrf and s.gebruiker.naam == "anna"
    assert db.sessie(sid + "x") is None
    klok.t += SESSIE_INACTIEF_S - 100
    assert db.sessie(sid) is not None  # used: idle time starts again
    klok.t += SESSIE_INACTIEF_S + 1
    assert db.sessie(sid) is None
    sid2, _ = db.maak_sessie("anna")
    for _ in range(int(SESSIE_MAX_S / (SESSIE_INACTIEF_S / 2)) + 1):
        klok.t += SESSIE_INACTIEF_S / 2
        if db.sessie(sid2) is None:
            break
    assert db.sessie(sid2) is None and klok.t - 1_700_000_000 > SESSIE_MAX_S
    sid3, _ = db.maak_sessie("anna")
    db.wijzig("anna", wachtwoord="een heel ander wachtwoord")
    assert db.sessie(sid3) is None  # a new password ends the sessions


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def ws(tmp_path: Path) -> Werkruimte:
    return maak_werkruimte(tmp_path / "ws")


def test_cli_gebruiker_en_token(ws: Werkruimte) -> None:
    w = ["--workspace", str(ws.pad)]
    code, uit = _cli("gebruiker", "lijst", *w)
    assert code == 0 and "Nog geen gebruikers" in uit
    code, uit = _cli("gebruiker", "toevoegen", "beheer", "--rol", "beheerder", "--wachtwoord-stdin", *w,
                     invoer=WACHTWOORD + "\n")
    assert code == 0 and "Gebruiker beheer (rol beheerder) aangemaakt" in uit
    code, uit = _cli("gebruiker", "toevoegen", "bert", "--rol", "bewerker", "-g", "GM0402", *w,
                     invoer=f"{WACHTWOORD}\n{WACHTWOORD}\n")  # asked twice
    assert code == 0 and "gemeenten GM0402" in uit
    code, uit = _cli("gebruiker", "toevoegen", "kees", "--rol", "bewerker", *w, invoer=f"{WACHTWOORD}\n{WACHTWOORD}\n")
    assert code == 2 and "minstens één gemeente" in uit
    code, uit = _cli("gebruiker", "toevoegen", "kees", "--rol", "bewerker", "-g", "GM0363", "--zonder-wachtwoord", *w)
    assert code == 2 and "hoort niet bij de regio" in uit
    code, uit = _cli("gebruiker", "toevoegen", "kees", "--rol", "lezer", "--wachtwoord-stdin", *w, invoer="kort\n")
    assert code == 2 and "te kort" in uit
    code, uit = _cli("gebruiker", "wijzigen", "bert", "-g", "GM1942", "-g", "GM0402", *w)
    assert code == 0 and "GM0402, GM1942" in uit
    code, uit = _cli("token", "maken", "bert", "--naam", "QGIS", *w)
    assert code == 0 and "wordt niet nog eens getoond" in uit
    token = next(d for d in uit.split() if d.startswith("kk_"))
    db = Gebruikersdb.van_werkruimte(ws.pad)
    assert db.gebruiker_van_token(token).naam == "bert"
    tid = db.tokens("bert")[0].id
    code, uit = _cli("token", "lijst", *w)
    assert code == 0 and tid in uit and token not in uit
    code, uit = _cli("token", "intrekken", tid, *w)
    assert code == 0 and "ingetrokken" in uit
    with pytest.raises(AuthError):
        db.gebruiker_van_token(token)
    code, uit = _cli("gebruiker", "verwijderen", "bert", *w)
    assert code == 0 and "kan niet meer" in uit
    code, uit = _cli("gebruiker", "lijst", *w)
    assert "uitgeschakeld" in uit and "beheer" in uit
    code, uit = _cli("gebruiker", "verwijderen", "beheer", *w)
    assert code == 2 and "laatste actieve beheerder" in uit


def _kansen_csv(pad: Path, rijen: list[tuple[str, str, float, float, str]]) -> Path:
    regels = ["bron_id;naam;soort;doelgroep;status;rd_x;rd_y;gemeentecode"]
    regels += [f"{b};{n};nieuwbouw;geclusterd;idee;{x};{y};{g}" for b, n, x, y, g in rijen]
    pad.write_text("\r\n".join(regels) + "\r\n", encoding="utf-8")
    return pad


def test_cli_import_met_rechten_van_een_gebruiker(ws: Werkruimte, tmp_path: Path) -> None:
    w = ["--workspace", str(ws.pad)]
    db = Gebruikersdb.van_werkruimte(ws.pad)
    db.voeg_toe("bert", rol="bewerker", gemeenten=["GM0402"], wachtwoord=None)
    db.voeg_toe("lea", rol="lezer", wachtwoord=None)
    db.voeg_toe("anja", rol="aanjager", wachtwoord=None)
    pad = _kansen_csv(tmp_path / "partner.csv", [
        ("p1", "In Hilversum", 140_000, 470_000, ""),
        ("p2", "In Gooise Meren", 140_500, 470_000, ""),
        ("p3", "In Gooise Meren, code Hilversum", 140_600, 470_000, "GM0402"),  # the location counts too
    ])
    code, uit = _cli("import", "kansen", str(pad), "--gebruiker", "lea", *w)
    assert code == 2 and "mag niet importeren" in uit
    code, uit = _cli("import", "zorgcentra", str(pad), "--gebruiker", "bert", *w)
    assert code == 2 and "alleen kansen importeren" in uit
    code, uit = _cli("import", "kansen", str(pad), "--gebruiker", "niemand", *w)
    assert code == 2 and "bestaat niet" in uit
    code, uit = _cli("import", "kansen", str(pad), "--gebruiker", "bert", *w)
    assert code == 1, uit  # some rows rejected
    assert "Gooise Meren (GM1942)" in uit
    kansen = ws.store.query("kansen").set_index("bron_id")
    assert "p1" in kansen.index and "p2" not in kansen.index and "p3" not in kansen.index
    hist = ws.store.history(kansen.loc["p1", "id"])
    assert list(hist[["gebruiker", "kanaal"]].itertuples(index=False, name=None)) == [("bert", "import")]
    # the aanjager imports the rest; then the bewerker may not take over p2 by re-importing it
    code, uit = _cli("import", "kansen", str(pad), "--gebruiker", "anja", *w)
    assert code == 1, uit  # p3's gemeentecode contradicts its location, whoever imports it
    assert "de locatie ligt in GM1942 Gooise Meren, niet in GM0402 Hilversum" in uit
    bron_ids = set(ws.store.query("kansen")["bron_id"])
    assert {"p1", "p2"} <= bron_ids and "p3" not in bron_ids
    pad2 = _kansen_csv(tmp_path / "partner.csv", [("p2", "Overgenomen", 140_000, 470_000, "")])
    code, uit = _cli("import", "kansen", str(pad2), "--gebruiker", "bert", *w)
    assert code == 1 and "U mag geen kansen in Gooise Meren (GM1942) wijzigen" in uit
    assert ws.store.query("kansen").set_index("bron_id").loc["p2", "naam"] == "In Gooise Meren"


def test_cli_historie_export(ws: Werkruimte, tmp_path: Path) -> None:
    w = ["--workspace", str(ws.pad)]
    ws.store.update("kansen", "K1", {"status": "verkenning"}, versie=1, gebruiker="anna", kanaal="web")
    code, uit = _cli("historie", "--kans", "K1", *w)
    assert code == 0 and "status: idee → verkenning" in uit and "anna" in uit and "web" in uit
    code, uit = _cli("historie", "-o", str(tmp_path / "h.json"), *w)
    assert code == 0
    regels = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    assert {r["kans_id"] for r in regels} == {f"K{i}" for i in range(1, 7)}
    k1 = [r for r in regels if r["kans_id"] == "K1"]
    assert k1[-1]["wijzigingen"] == {"status": ["idee", "verkenning"]} and k1[-1]["kanaal"] == "web"
    code, _ = _cli("historie", "--kans", "K1", "-o", str(tmp_path / "h.csv"), *w)
    tekst = (tmp_path / "h.csv").read_bytes().decode("utf-8-sig")
    assert code == 0 and tekst.splitlines()[0].startswith("kans_id,versie,actie,gebruiker,tijdstip,kanaal")
    code, _ = _cli("historie", "-o", str(tmp_path / "h.xlsx"), *w)
    blad = load_workbook(tmp_path / "h.xlsx").active
    assert code == 0 and blad is not None and blad.max_row == len(regels) + 1
    code, uit = _cli("historie", "--kans", "bestaatniet", *w)
    assert code == 2 and "bestaat niet" in uit
    code, uit = _cli("historie", "-o", str(tmp_path / "h.txt"), *w)
    assert code == 2 and ".csv, .xlsx of .json" in uit
