"""Backups while others write, and restoring one into a running server (kansenkaart.io.backup, CLI)."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from kansenkaart.cli import app as cli
from kansenkaart.errors import ConflictError, NotFoundError, ValidationError
from kansenkaart.io.backup import controleer_backup, herstel_backup, maak_backup
from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.io.store import GeoPackageStore
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.settings import Settings
from tests._auth import bearer, maak_token
from tests.query_fixture import maak_werkruimte


@pytest.fixture
def ws(tmp_path: Path) -> Werkruimte:
    return maak_werkruimte(tmp_path / "ws")


def _cli(*args: str, invoer: str | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args), input=invoer, env={"COLUMNS": "250"})
    return res.exit_code, " ".join(res.output.split())


def _samenhangend(pad: Path) -> tuple[int, int]:
    """Check a copy: every kans's version equals its last history version, without gaps; return counts."""
    conn = sqlite3.connect(f"file:{pad}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        versies = dict(conn.execute("SELECT id, versie FROM kansen").fetchall())
        historie: dict[str, list[int]] = {}
        for kid, v in conn.execute("SELECT kans_id, versie FROM kansen_historie"):
            historie.setdefault(kid, []).append(int(v))
    finally:
        conn.close()
    for kid, v in versies.items():
        assert sorted(historie[kid]) == list(range(1, v + 1)), kid
    return len(versies), sum(len(h) for h in historie.values())


def test_backup_terwijl_anderen_schrijven_is_een_consistente_momentopname(ws: Werkruimte, tmp_path: Path) -> None:
    stop = threading.Event()
    geschreven = [0]

    def schrijf() -> None:
        store = GeoPackageStore(ws.store.path)  # another connection, as a server would have
        i = 0
        while not stop.is_set():
            i += 1
            kans = store.get("kansen", "K1")
            store.update("kansen", "K1", {"toelichting": f"w{i}"}, versie=kans.versie, gebruiker="w", kanaal="api")
            store.create("kansen", {"naam": f"n{i}", "soort": "nieuwbouw", "doelgroep": "nultreden",
                                    "status": "idee"}, shapely.Point(140_000 + i % 50, 470_000), gebruiker="w",
                         kanaal="api")
            geschreven[0] += 2
        store.close()

    t = threading.Thread(target=schrijf)
    t.start()
    try:
        kopieen = []
        for i in range(8):
            kopieen.append(maak_backup(ws, tmp_path / "backups" / f"b{i}.gpkg").werkruimte)
    finally:
        stop.set()
        t.join()
    aantallen = [_samenhangend(p) for p in kopieen]
    assert geschreven[0] > 0 and aantallen == sorted(aantallen)  # snapshots only grow
    assert len(set(aantallen)) > 1, "de schrijver schreef tijdens de backups"
    with pytest.raises(ConflictError, match="bestaat al"):
        maak_backup(ws, kopieen[0])
    with pytest.raises(ValidationError, match=r"\.gpkg"):
        maak_backup(ws, tmp_path / "b.zip")


def test_herstel_in_een_draaiende_server(ws: Werkruimte) -> None:
    token = maak_token(ws.pad)
    app = create_app(werkruimte=ws.pad, settings=Settings())
    with TestClient(app, headers=bearer(token)) as c:
        assert c.get("/api/collections/kansen/items").json()["numberMatched"] == 5  # warm the read cache
        b = maak_backup(ws)
        assert b.werkruimte.parent == ws.pad / "backups" and b.gebruikers is not None
        assert stat.S_IMODE(b.gebruikers.stat().st_mode) == 0o600
        r = c.patch("/api/collections/kansen/items/K1", json={"properties": {"status": "vervallen"}},
                    headers={"If-Match": '"1"'})
        assert r.status_code == 200 and r.headers["etag"] == '"2"'
        assert c.delete("/api/collections/kansen/items/K2", headers={"If-Match": '"1"'}).status_code == 204
        assert c.get("/api/collections/kansen/items").json()["numberMatched"] == 4

        resultaat = herstel_backup(ws, b.werkruimte)

        # the running app sees the restored state at once (its read cache noticed the change)
        assert c.get("/api/collections/kansen/items").json()["numberMatched"] == 5
        r = c.get("/api/collections/kansen/items/K1")
        assert r.headers["etag"] == '"1"' and r.json()["properties"]["status"] == "idee"
        assert [h["versie"] for h in c.get("/api/collections/kansen/items/K1/historie").json()] == [1]
        # ... and keeps writing
        r = c.patch("/api/collections/kansen/items/K1", json={"properties": {"status": "verkenning"}},
                    headers={"If-Match": '"1"'})
        assert r.status_code == 200
    assert ws.store.integrity_check() == []
    # nothing is lost: the state before the restore is in the safety backup
    veilig = GeoPackageStore(resultaat.veiligheidskopie.werkruimte)
    assert veilig.get("kansen", "K1").properties["status"] == "vervallen"
    assert veilig.get("kansen", "K2", met_verwijderd=True).properties["verwijderd"] is True


def test_herstel_weigert_verkeerde_backups(ws: Werkruimte, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        controleer_backup(tmp_path / "bestaatniet.gpkg", ws)
    onzin = tmp_path / "onzin.gpkg"
    onzin.write_bytes(b"geen sqlite" * 100)
    with pytest.raises(ValidationError, match="geen kansenkaart-werkruimte"):
        controleer_backup(onzin, ws)
    ander = Werkruimte.maak(tmp_path / "ander", regio="voorbeeldregio")
    with pytest.raises(ValidationError, match="regio 'voorbeeldregio'"):
        controleer_backup(ander.store.path, ws)
    kapot = maak_backup(ws).werkruimte
    data = bytearray(kapot.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = b"\x00" * 4096
    kapot.write_bytes(bytes(data))
    with pytest.raises(ValidationError):
        controleer_backup(kapot, ws)
    kansen_voor = ws.store.count("kansen")
    with pytest.raises(ValidationError):
        herstel_backup(ws, kapot)
    assert ws.store.count("kansen") == kansen_voor and not list((ws.pad / "backups").glob("voor-herstel-*"))


def test_cli_backup_en_herstel(ws: Werkruimte, tmp_path: Path) -> None:
    w = ["--workspace", str(ws.pad)]
    db = Gebruikersdb.van_werkruimte(ws.pad)
    db.voeg_toe("anja", rol="aanjager", wachtwoord=None)
    code, uit = _cli("backup", "-o", str(tmp_path / "kopie.gpkg"), *w)
    assert code == 0 and "Backup gemaakt" in uit and "kopie.gebruikers.sqlite" in uit
    ws.store.update("kansen", "K1", {"status": "vervallen"}, versie=1, gebruiker="x", kanaal="cli")
    db.voeg_toe("baas", rol="beheerder", wachtwoord=None)
    db.verwijder("anja")
    code, uit = _cli("herstel", str(tmp_path / "kopie.gpkg"), *w, invoer="n\n")
    assert code == 1 and "Afgebroken" in uit and ws.store.get("kansen", "K1").versie == 2
    code, uit = _cli("herstel", str(tmp_path / "kopie.gpkg"), "--ja", *w)
    assert code == 0 and "teruggezet" in uit and "voor-herstel-" in uit
    assert ws.store.get("kansen", "K1").versie == 1
    assert not db.account("anja").actief  # accounts are not restored unless asked
    code, uit = _cli("herstel", str(tmp_path / "kopie.gpkg"), "--ja", "--met-gebruikers", *w)
    assert code == 0 and "Accounts en tokens zijn ook teruggezet" in uit, uit
    assert db.account("anja").actief
    with pytest.raises(NotFoundError):
        db.account("baas")
    code, uit = _cli("herstel", str(tmp_path / "bestaatniet.gpkg"), "--ja", *w)
    assert code == 2 and "bestaat niet" in uit
    code, uit = _cli("backup", *w)
    assert code == 0 and str(ws.pad / "backups") in uit
