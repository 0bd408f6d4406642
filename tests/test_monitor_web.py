"""The monitor over HTTP: ``/api/monitor``, export, ``/monitor`` and the report (TestClient)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kansenkaart.io import monitor as iom
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.settings import Settings
from tests.test_monitor import bouw_werkruimte


@pytest.fixture
def werkruimte(tmp_path: Path) -> Werkruimte:
    ws = bouw_werkruimte(tmp_path / "ws")
    iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"status": "in voorbereiding"}, versie=k1.versie, gebruiker="t", kanaal="cli")
    return ws


@pytest.fixture
def client(werkruimte: Werkruimte) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(werkruimte=werkruimte.pad, settings=Settings(lezen_zonder_login=True))) as c:
        yield c


def _rij(data: dict, code: str, doelgroep: str) -> dict:
    return next(r for r in data["indicatoren"] if r["gemeentecode"] == code and r["doelgroep"] == doelgroep)


def test_api_monitor_json(client: TestClient) -> None:
    r = client.get("/api/monitor")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert d["actueel"] is True and d["peildata"] == ["2026-01-01"]
    hil = _rij(d, "GM0402", "nultreden")
    assert (hil["behoefte"], hil["gerealiseerd"], hil["pijplijn"], hil["restopgave"]) == (925, 40, 50, 835)
    eemnes = _rij(d, "GM0317", "geclusterd")
    assert eemnes["behoefte"] is None and eemnes["behoefte_status"] == "onbekend" and eemnes["dekking"] is None
    assert eemnes["pijplijn"] == 15
    assert d["spreiding"]["basis"] == "75+"
    assert d["spreiding"]["hoover"] == pytest.approx(0.435606, abs=1e-6)
    wijz = [k["omschrijving"] for k in d["verschil"]["kansen"]]
    assert wijz == ["Kans Hof Hilversum: verkenning → in voorbereiding"]
    assert "telling" not in d
    assert {t["peildatum"] for t in d["trend"]} >= {"2026-01-01"}


def test_api_monitor_frozen_peildatum(client: TestClient) -> None:
    d = client.get("/api/monitor", params={"peildatum": "2026-01-01"}).json()
    assert d["actueel"] is False and d["peildatum"] == "2026-01-01"
    assert _rij(d, "GM0402", "geclusterd")["kansen_verkenning"] == 30
    assert d["verschil"] is None
    r = client.get("/api/monitor", params={"peildatum": "2025-06-30"})
    assert r.status_code == 404 and "2026-01-01" in r.json()["description"]
    r = client.get("/api/monitor", params={"peildatum": "2026-13-45"})
    assert r.status_code == 400 and r.json()["code"] == "ongeldige_invoer"
    r = client.get("/api/monitor", params={"peildatum": "gisteren"})
    assert r.status_code == 400


def test_api_peildata(client: TestClient) -> None:
    d = client.get("/api/monitor/peildata").json()
    assert [p["peildatum"] for p in d["peildata"]] == ["2026-01-01"]
    regio = {r["doelgroep"]: r for r in d["peildata"][0]["regio"]}
    assert regio["geclusterd"]["pijplijn"] == 89 and regio["zorggeschikt"]["behoefte"] is None


def test_api_export(client: TestClient) -> None:
    r = client.get("/api/monitor/export", params={"f": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and ".csv" in r.headers["content-disposition"]
    df = pd.read_csv(io.BytesIO(r.content), dtype=str, encoding="utf-8-sig")
    sel = df.set_index(["gemeentecode", "doelgroep", "indicator"])["waarde"]
    assert sel[("GM0317", "nultreden", "behoefte")] == "onbekend"
    assert sel[("GM0402", "geclusterd", "kansen_in_voorbereiding")] == "30"
    r = client.get("/api/monitor/export", params={"f": "xlsx", "peildatum": "2026-01-01"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "2026-01-01.xlsx" in r.headers["content-disposition"]
    assert client.get("/api/monitor/export", params={"f": "pdf"}).status_code == 400


def test_monitor_page(client: TestClient) -> None:
    r = client.get("/monitor")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert 'href="/"' in html  # back to the map
    assert 'id="tabel-nultreden"' in html and 'id="tabel-spreiding"' in html
    assert html.count("<svg") >= 5  # three doelgroepen, spread and trend
    # Eemnes' unknown need reads "onbekend", with the reason as a tooltip
    assert re.search(r'data-veld="behoefte" title="onbekend: Geen indicatieve opgave[^"]*">onbekend</td>', html)
    assert "Kans Hof Hilversum: verkenning → in voorbereiding" in html
    assert "Voorbeelddata" not in html
    assert client.get("/monitor", params={"peildatum": ""}).status_code == 200
    assert "Vastgelegde peildatum" in client.get("/monitor", params={"peildatum": "2026-01-01"}).text


def test_report_page(client: TestClient) -> None:
    r = client.get("/monitor/rapport", params={"gemeente": "GM0402"})
    assert r.status_code == 200
    assert "Monitor woonzorg — Hilversum" in r.text and 'href="/monitor"' in r.text
    assert client.get("/monitor/rapport").status_code == 200
    r = client.get("/monitor/rapport", params={"gemeente": "GM9999"})
    assert r.status_code == 404 and "GM9999" in r.json()["description"]
    assert client.get("/monitor/rapport", params={"gemeente": "Hilversum"}).status_code == 400


def test_voorbeelddata_banner(tmp_path: Path) -> None:
    from api.app import create_app

    ws = Werkruimte.maak(tmp_path / "demo", regio="gooi-en-vechtstreek", voorbeelddata=True)
    with TestClient(create_app(werkruimte=ws.pad, settings=Settings(lezen_zonder_login=True))) as c:
        html = c.get("/monitor").text
        assert 'id="voorbeelddata"' in html and "geen echte gegevens" in html
        assert c.get("/api/monitor").json()["voorbeelddata"] is True


def test_monitor_routes_in_openapi(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/monitor" in doc["paths"] and "/monitor/export" in doc["paths"]
