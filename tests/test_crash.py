"""Crash safety: the server is killed with SIGKILL during writes, five times; nothing acknowledged is lost.

Each cycle starts ``kansenkaart serve`` in its own process, lets four clients write (PATCHes on a
shared and an own kans, new kansen, and HTTP imports of 300 rows each), and kills the server at a
random moment with SIGKILL (no shutdown, no flush by the process). One client only imports, so
kills regularly land inside an import transaction. Then, with no server running:

- the workspace opens and passes ``PRAGMA integrity_check`` (and so does ``gebruikers.sqlite``);
- every write that was acknowledged (200/201) before the kill is present with its value and version;
- an import is all or nothing: 0 or all 300 of its rows, and all of them when it was acknowledged;
- the history of every kans has no gaps.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import shapely

from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.io.werkruimte import Werkruimte
from tests._auth import bearer, maak_token
from tests._server import Serverproces
from tests.query_fixture import maak_werkruimte

pytestmark = pytest.mark.slow

CYCLI = 5
SCHRIJVERS = 4
IMPORT_RIJEN = 300
ITEMS = "/api/collections/kansen/items"


@dataclass(frozen=True)
class Bevestigd:
    soort: str  # "wijzig", "maak" or "import"
    kans: str  # kans id, or the import's bron
    versie: int
    waarde: str


def _import_csv(bron: str) -> bytes:
    regels = ["bron_id;naam;soort;doelgroep;status;rd_x;rd_y"]
    regels += [f"r{i};Rij {i} van {bron};nieuwbouw;nultreden;idee;{138_000 + 10 * i};{468_000}"
               for i in range(IMPORT_RIJEN)]
    return ("\r\n".join(regels) + "\r\n").encode("utf-8")


def _schrijver(basis: str, kop: dict[str, str], naam: str, eigen: str, stop: threading.Event, cyclus: int,
               bevestigd: list[Bevestigd], imports: list[str], onverwacht: list[str]) -> None:
    rng = random.Random(f"{naam}-{cyclus}")
    n = 0
    with httpx.Client(base_url=basis, timeout=30, headers=kop) as c:
        while not stop.is_set():
            n += 1
            waarde = f"{naam}-c{cyclus}-{n}"
            try:
                keuze = rng.random()
                if naam.endswith("-0"):  # this client only imports: a kill often lands inside one
                    bron = f"crash_{waarde}"
                    imports.append(bron)
                    r = c.post("/api/collections/kansen/import",
                               files={"bestand": (f"{bron}.csv", _import_csv(bron), "text/csv")})
                    if r.status_code == 200:
                        assert r.json()["nieuw"] == IMPORT_RIJEN
                        bevestigd.append(Bevestigd("import", bron, 1, bron))
                    else:
                        onverwacht.append(f"import {r.status_code} {r.text[:200]}")
                elif keuze < 0.15:
                    r = c.post(ITEMS, json={"type": "Feature",
                                            "geometry": {"type": "Point", "coordinates": [5.168, 52.218]},
                                            "properties": {"naam": waarde, "soort": "nieuwbouw",
                                                           "doelgroep": "geclusterd", "status": "idee",
                                                           "toelichting": waarde}})
                    if r.status_code == 201:
                        bevestigd.append(Bevestigd("maak", r.json()["id"], 1, waarde))
                    else:
                        onverwacht.append(f"maak {r.status_code} {r.text[:200]}")
                else:
                    kans = "K1" if keuze < 0.5 else eigen
                    g = c.get(f"{ITEMS}/{kans}")
                    r = c.patch(f"{ITEMS}/{kans}", json={"properties": {"toelichting": waarde}},
                                headers={"If-Match": g.headers["etag"]})
                    if r.status_code == 200:
                        bevestigd.append(Bevestigd("wijzig", kans, int(r.headers["etag"].strip('"')), waarde))
                    elif r.status_code != 412:
                        onverwacht.append(f"wijzig {r.status_code} {r.text[:200]}")
            except (httpx.HTTPError, KeyError):
                # The server died under the request: not acknowledged. Wait until the test restarts it.
                stop.wait(0.05)


def _controleer(pad: Path, bevestigd: list[Bevestigd], imports: list[str]) -> int:
    """Check the workspace after a kill; return the number of acknowledged writes found (all of them)."""
    ws = Werkruimte.open(pad)
    store = ws.store
    try:
        assert store.integrity_check() == []
        db = Gebruikersdb.van_werkruimte(pad)
        assert db.integrity_check() == []
        db.close()
        historie = store.history()
        rijen = {(str(r["kans_id"]), int(r["versie"])): r for r in historie.to_dict("records")}
        assert len(rijen) == len(historie), "een versie staat dubbel in de historie"
        per_kans: dict[str, list[int]] = {}
        for kid, v in rijen:
            per_kans.setdefault(kid, []).append(v)
        for kid, versies in per_kans.items():
            assert sorted(versies) == list(range(1, len(versies) + 1)), f"gat in de historie van {kid}"
        kansen = store.query("kansen", met_verwijderd=True)
        per_bron = kansen["bron"].value_counts().to_dict()
        for bron in imports:
            assert per_bron.get(bron, 0) in (0, IMPORT_RIJEN), f"import {bron} half opgeslagen: {per_bron.get(bron)}"
        gevonden = 0
        for b in bevestigd:
            if b.soort == "import":
                assert per_bron.get(b.kans, 0) == IMPORT_RIJEN, f"bevestigde import {b.kans} ontbreekt"
            else:
                rij = rijen.get((b.kans, b.versie))
                assert rij is not None, f"bevestigde schrijfactie ontbreekt: {b}"
                assert rij["momentopname"]["toelichting"] == b.waarde, b
            gevonden += 1
        return gevonden
    finally:
        store.close()


def test_sigkill_tijdens_schrijven_verliest_niets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = maak_werkruimte(tmp_path / "ws")
    for i in range(SCHRIJVERS):
        ws.store.create("kansen", {"id": f"C{i}", "naam": f"Eigen {i}", "soort": "nieuwbouw",
                                   "doelgroep": "geclusterd", "status": "idee"},
                        shapely.Point(139_600 + 20 * i, 469_600), gebruiker="test", kanaal="systeem")
    ws.store.close()
    koppen = [bearer(maak_token(ws.pad, f"crash-{i}", rol="aanjager")) for i in range(SCHRIJVERS)]
    rng = random.Random(10)
    bevestigd: list[Bevestigd] = []
    imports: list[str] = []
    onverwacht: list[str] = []
    server = Serverproces(ws.pad)
    momenten = []
    try:
        for cyclus in range(CYCLI):
            basis = server.start()
            stop = threading.Event()
            threads = [
                threading.Thread(target=_schrijver, args=(basis, koppen[i], f"crash-{i}", f"C{i}", stop, cyclus,
                                                          bevestigd, imports, onverwacht))
                for i in range(SCHRIJVERS)
            ]
            for t in threads:
                t.start()
            moment = rng.uniform(0.8, 3.0)
            momenten.append(moment)
            time.sleep(moment)
            server.kill()  # SIGKILL in the middle of the writes
            stop.set()
            for t in threads:
                t.join(timeout=60)
            assert not any(t.is_alive() for t in threads)
            assert _controleer(ws.pad, bevestigd, imports) == len(bevestigd)
        # and after the last restart everything still works
        basis = server.start()
        with httpx.Client(base_url=basis, headers=koppen[0], timeout=30) as c:
            g = c.get(f"{ITEMS}/K1")
            r = c.patch(f"{ITEMS}/K1", json={"properties": {"status": "verkenning"}},
                        headers={"If-Match": g.headers["etag"]})
            assert r.status_code == 200
    finally:
        server.stop()
    assert not onverwacht, onverwacht[:5]
    per_soort = {s: sum(1 for b in bevestigd if b.soort == s) for s in ("wijzig", "maak", "import")}
    with capsys.disabled():
        print(
            f"\ncrash: {CYCLI}x SIGKILL na {', '.join(f'{m:.1f}' for m in momenten)} s; {len(bevestigd)} "
            f"schrijfacties bevestigd ({per_soort['wijzig']} wijzigingen, {per_soort['maak']} nieuwe kansen, "
            f"{per_soort['import']} imports van {IMPORT_RIJEN} rijen), 0 verloren; "
            f"{len(imports) - per_soort['import']} onderbroken imports: alles of niets"
        )
    assert len(bevestigd) > 50
