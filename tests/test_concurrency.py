"""No lost updates: 20 clients edit the same and different kansen at once against a real server.

``kansenkaart serve`` runs in its own process on 127.0.0.1. Twenty client threads (API tokens of
aanjagers and bewerkers, and web sessions with CSRF tokens) edit for :data:`DUUR_S` seconds: half
of their writes go to two "hot" kansen that everyone edits, the other half to a kans of their own;
some writes are sent with a stale version on purpose, and some create a new kans. Every response
is logged. Afterwards:

- every accepted write (200/201) is in the history under exactly the version the server answered,
  with the value that was sent, the client's user name and channel;
- every rejected write got 412 (stale version) or 409 (conflict); nothing else, never a 5xx;
- the history of every kans runs 1..N without gaps, N is the kans's current version, and the
  current value is that of the last accepted write;
- the GeoPackage passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely

from kansenkaart.io.werkruimte import Werkruimte
from tests._auth import WACHTWOORD, bearer, maak_account, maak_token
from tests._server import Serverproces
from tests.query_fixture import maak_werkruimte

pytestmark = pytest.mark.slow

CLIENTS = 20
DUUR_S = 20.0
HEET = ("K1", "K2")
ITEMS = "/api/collections/kansen/items"


@dataclass(frozen=True)
class Antwoord:
    client: str
    kanaal: str
    soort: str  # "wijzig", "oud" (stale on purpose) or "maak"
    kans: str
    status: int
    basis: int | None  # the version sent in If-Match
    versie: int | None  # the version in the answer's ETag
    waarde: str


def _versie(etag: str | None) -> int | None:
    return int(etag.strip('"')) if etag else None


def _sessie(basis: str, naam: str) -> tuple[dict[str, str], str]:
    """Log in through the form over plain HTTP on loopback; return the cookie header and the CSRF token.

    The session cookie is Secure; httpx (like any client) keeps Secure cookies for https only, so
    the test carries it by hand (a browser on 127.0.0.1 counts as a secure context and sends it).
    """
    with httpx.Client(base_url=basis, timeout=30) as c:
        pagina = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', pagina.text)
        assert token is not None
        login = pagina.cookies.get("kansenkaart_login")
        r = c.post("/login", data={"naam": naam, "wachtwoord": WACHTWOORD, "csrf_token": token.group(1)},
                   headers={"Cookie": f"kansenkaart_login={login}"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        sessie = r.cookies.get("kansenkaart_sessie")
        assert sessie
        kop = {"Cookie": f"kansenkaart_sessie={sessie}"}
        html = c.get("/", headers=kop).text
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
        assert csrf is not None
        return kop, csrf.group(1)


def _schrijver(basis: str, naam: str, kanaal: str, headers: dict[str, str], eigen: str, einde: float,
               log: list[Antwoord], fouten: list[str]) -> None:
    rng = random.Random(naam)
    n = 0
    with httpx.Client(base_url=basis, timeout=60, headers=headers) as c:
        while time.monotonic() < einde:
            n += 1
            waarde = f"{naam}-{n}"
            try:
                if rng.random() < 0.05:
                    r = c.post(ITEMS, json={"type": "Feature",
                                            "geometry": {"type": "Point", "coordinates": [5.168, 52.218]},
                                            "properties": {"naam": f"Nieuw {waarde}", "soort": "nieuwbouw",
                                                           "doelgroep": "geclusterd", "status": "idee",
                                                           "toelichting": waarde}})
                    kid = r.json().get("id", "") if r.status_code == 201 else ""
                    log.append(Antwoord(naam, kanaal, "maak", kid, r.status_code, None, _versie(r.headers.get("etag")),
                                        waarde))
                    continue
                kans = rng.choice(HEET) if rng.random() < 0.5 else eigen
                g = c.get(f"{ITEMS}/{kans}")
                if g.status_code != 200:
                    fouten.append(f"GET {kans}: {g.status_code} {g.text[:200]}")
                    continue
                v = _versie(g.headers["etag"])
                assert v is not None
                oud = v > 1 and rng.random() < 0.15
                basisversie = v - 1 if oud else v
                r = c.patch(f"{ITEMS}/{kans}", json={"properties": {"toelichting": waarde}},
                            headers={"If-Match": f'"{basisversie}"'})
                log.append(Antwoord(naam, kanaal, "oud" if oud else "wijzig", kans, r.status_code, basisversie,
                                    _versie(r.headers.get("etag")) if r.status_code == 200 else None, waarde))
            except httpx.HTTPError as e:  # a client error is a test failure, reported at the end
                fouten.append(f"{naam}: {type(e).__name__}: {e}")


def test_twintig_gelijktijdige_clients_verliezen_niets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = maak_werkruimte(tmp_path / "ws")
    eigen = {}
    for i in range(CLIENTS):
        kid = f"E{i:02d}"
        ws.store.create("kansen", {"id": kid, "naam": f"Eigen {i}", "soort": "nieuwbouw", "doelgroep": "geclusterd",
                                   "status": "idee", "gemeentecode": "GM0402"},
                        shapely.Point(139_500 + 20 * i, 469_500), gebruiker="test", kanaal="systeem")
        eigen[i] = kid
    ws.store.close()
    clients: list[tuple[str, str, dict[str, str] | None]] = []
    for i in range(CLIENTS):
        rol, gemeenten = ("aanjager", ()) if i % 2 == 0 else ("bewerker", ("GM0402",))
        if i >= 16:  # four web sessions
            naam = f"web-{i:02d}"
            maak_account(ws.pad, naam, rol=rol, gemeenten=gemeenten, wachtwoord=WACHTWOORD)
            clients.append((naam, "web", None))
        else:
            naam = f"api-{i:02d}"
            clients.append((naam, "api", bearer(maak_token(ws.pad, naam, rol=rol, gemeenten=gemeenten))))

    server = Serverproces(ws.pad)
    basis = server.start()
    log: list[Antwoord] = []
    fouten: list[str] = []
    try:
        threads = []
        kopjes = {}
        for naam, _kanaal, kop in clients:
            if kop is None:
                cookie, csrf = _sessie(basis, naam)
                kop = {**cookie, "X-CSRF-Token": csrf}
            kopjes[naam] = kop
        start = time.monotonic()
        einde = start + DUUR_S
        for i, (naam, kanaal, _kop) in enumerate(clients):
            t = threading.Thread(target=_schrijver, args=(basis, naam, kanaal, kopjes[naam], eigen[i], einde, log,
                                                          fouten), name=naam)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=DUUR_S + 120)
        duur = time.monotonic() - start
        assert not any(t.is_alive() for t in threads)
    finally:
        server.stop()
    assert not fouten, fouten[:5]
    assert "Traceback" not in server.log(), server.log()

    statussen = Counter(a.status for a in log)
    geaccepteerd = [a for a in log if a.status in (200, 201)]
    geweigerd = [a for a in log if a.status not in (200, 201)]
    assert {a.status for a in geweigerd} <= {409, 412}, statussen
    assert all(a.status == 412 for a in log if a.soort == "oud"), "een verouderde versie is nooit geaccepteerd"
    for a in geaccepteerd:
        if a.soort == "wijzig":
            assert a.versie == (a.basis or 0) + 1, a  # exactly one version on top of the one it was based on

    store = Werkruimte.open(ws.pad).store
    assert store.integrity_check() == []
    historie = store.history()
    rijen: dict[tuple[str, int], dict[str, Any]] = {}
    for r in historie.to_dict("records"):
        sleutel = (str(r["kans_id"]), int(r["versie"]))
        assert sleutel not in rijen, f"versie dubbel in de historie: {sleutel}"
        rijen[sleutel] = r
    verloren = []
    for a in geaccepteerd:
        assert a.versie is not None
        rij = rijen.get((a.kans, a.versie))
        if (rij is None or rij["momentopname"].get("toelichting") != a.waarde or rij["gebruiker"] != a.client
                or rij["kanaal"] != a.kanaal):
            verloren.append(a)
    # every version in the history (of these clients) was acknowledged to exactly one client
    van_clients = {k for k, r in rijen.items() if str(r["gebruiker"]).startswith(("api-", "web-"))}
    assert van_clients == {(a.kans, a.versie) for a in geaccepteerd}
    per_kans: dict[str, list[int]] = defaultdict(list)
    for kid, v in rijen:
        per_kans[kid].append(v)
    laatste = {a.kans: a for a in sorted(geaccepteerd, key=lambda a: a.versie or 0)}
    for kid, versies in per_kans.items():
        feat = store.get("kansen", kid, met_verwijderd=True)
        assert sorted(versies) == list(range(1, len(versies) + 1)), f"gat in de historie van {kid}: {sorted(versies)}"
        assert feat.versie == len(versies)
        if kid in laatste:
            assert feat.properties["toelichting"] == laatste[kid].waarde
    heet = Counter(a.kans for a in geaccepteerd if a.kans in HEET)
    with capsys.disabled():
        print(
            f"\ngelijktijdigheid: {CLIENTS} clients, {duur:.1f} s, {len(log)} schrijfverzoeken, "
            f"{len(geaccepteerd)} geaccepteerd (waarvan {sum(heet.values())} op de 2 gedeelde kansen), "
            f"{len(geweigerd)} geweigerd ({dict(Counter(a.status for a in geweigerd))}), "
            f"{len(verloren)} verloren; statussen {dict(statussen)}"
        )
    assert verloren == []
    assert len(geaccepteerd) > 200 and sum(heet.values()) > 20 and any(a.status == 412 for a in log)
