"""Writing kansen through the API (OGC API Features Part 4): versions, If-Match, history, restore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.models import Feature, FeatureCollection, Fout, HistorieRegel
from kansenkaart.settings import Settings
from tests._auth import bearer, maak_token
from tests.query_fixture import maak_werkruimte

RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
NIEUW: dict[str, Any] = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [5.16917, 52.21807]},  # RD (140100, 470020)
    "properties": {
        "naam": "Hofje Oost",
        "soort": "nieuwbouw",
        "doelgroep": "geclusterd",
        "status": "idee",
        "aantal_woningen": 18,
    },
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    maak_werkruimte(tmp_path / "ws")
    token = maak_token(tmp_path / "ws")
    app = create_app(werkruimte=tmp_path / "ws", settings=Settings())
    with TestClient(app, raise_server_exceptions=True, headers=bearer(token)) as c:
        yield c


def _fout(r: Any, status: int) -> Fout:
    assert r.status_code == status, r.text
    return Fout.model_validate(r.json())


def test_create_returns_201_location_etag_and_fills_gemeente(client: TestClient) -> None:
    r = client.post("/api/collections/kansen/items", json=NIEUW, headers={"content-type": "application/geo+json"})
    assert r.status_code == 201, r.text
    feat = Feature.model_validate(r.json())
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == f"http://testserver/api/collections/kansen/items/{feat.id}"
    props = feat.properties or {}
    assert props["aangemaakt_door"] == "test-beheerder" and props["versie"] == 1
    assert props["gemeentecode"] == "GM0402"  # from the location (west of x = 140 150)
    got = client.get(r.headers["location"])
    assert got.status_code == 200 and got.json()["properties"]["naam"] == "Hofje Oost"
    hist = [HistorieRegel.model_validate(h) for h in client.get(f"{r.headers['location']}/historie").json()]
    assert [(h.actie, h.kanaal, h.gebruiker) for h in hist] == [("aangemaakt", "api", "test-beheerder")]


def test_create_in_rd_with_content_crs_and_system_fields_ignored(client: TestClient) -> None:
    body = {
        **NIEUW,
        "geometry": {"type": "Point", "coordinates": [140_500.0, 470_000.0]},
        "properties": {**NIEUW["properties"], "versie": 99, "aangemaakt_door": "iemand", "id": None},
    }
    for header in (RD, f"<{RD}>"):  # QGIS sends the bare URI, OGC Part 2 the bracketed form
        r = client.post(f"/api/collections/kansen/items?crs={RD}", json=body, headers={"Content-Crs": header})
        assert r.status_code == 201, r.text
        feat = Feature.model_validate(r.json())
        assert feat.geometry is not None and feat.geometry.coordinates == [140_500.0, 470_000.0]
        assert (feat.properties or {})["versie"] == 1 and (feat.properties or {})["gemeentecode"] == "GM1942"


@pytest.mark.parametrize(
    ("wijziging", "woord"),
    [
        ({"properties": {**NIEUW["properties"], "doelgroep": "senioren"}}, "doelgroep"),
        ({"properties": {**NIEUW["properties"], "kleur": "rood"}}, "kleur"),
        ({"properties": {"naam": "Zonder rest"}}, "soort"),
        ({"geometry": {"type": "LineString", "coordinates": [[5.17, 52.22], [5.18, 52.23]]}}, "LineString"),
        ({"geometry": {"type": "Point", "coordinates": [200, 52]}}, "buiten"),
        ({"geometry": {"type": "Point", "coordinates": "abc"}}, "geometrie"),
        ({"geometry": None}, "geometrie"),
        ({"geometry": {"type": "Point", "coordinates": [4.0, 51.5]}}, "geometrie"),  # outside the region
        ({"type": "FeatureCollection"}, "type"),
    ],
)
def test_create_invalid_is_400(client: TestClient, wijziging: dict[str, Any], woord: str) -> None:
    fout = _fout(client.post("/api/collections/kansen/items", json={**NIEUW, **wijziging}), 400)
    assert woord in fout.description


def test_create_bad_content_crs_and_body(client: TestClient) -> None:
    fout = _fout(client.post("/api/collections/kansen/items", json=NIEUW, headers={"Content-Crs": "EPSG:3857"}), 400)
    assert "Content-Crs" in fout.description
    _fout(
        client.post("/api/collections/kansen/items", content=b"[1, 2", headers={"content-type": "application/json"}),
        400,
    )
    _fout(client.post("/api/collections/kansen/items", content=b"x", headers={"content-type": "text/plain"}), 400)
    _fout(client.post("/api/collections/voorzieningen/items", json=NIEUW), 405)


def test_patch_requires_if_match_and_checks_version(client: TestClient) -> None:
    url = "/api/collections/kansen/items/K1"
    patch = {"properties": {"status": "verkenning"}}
    fout = _fout(client.patch(url, json=patch), 428)
    assert "If-Match" in fout.description and fout.code == "versie_vereist"
    r = client.patch(url, json=patch, headers={"If-Match": '"1"', "content-type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"' and r.json()["properties"]["status"] == "verkenning"
    assert r.json()["properties"]["naam"] == "Hofje aan de Hoofdstraat"  # untouched
    fout = _fout(client.patch(url, json={"properties": {"status": "idee"}}, headers={"If-Match": '"1"'}), 412)
    assert fout.details["huidige_versie"] == 2 and "versie 2" in fout.description
    _fout(client.patch(url, json=patch, headers={"If-Match": '"abc"'}), 412)
    # Weak form and * are accepted; an unchanged patch keeps the version.
    r = client.patch(url, json=patch, headers={"If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    # Geometry only (QGIS sends a merge patch with just the geometry).
    r = client.patch(
        url,
        json={"geometry": {"type": "Point", "coordinates": [140_040.0, 470_010.0]}},
        headers={"If-Match": "*", "Content-Crs": RD},
    )
    assert r.status_code == 200 and r.headers["etag"] == '"3"'
    fout = _fout(client.patch(url, json={"properties": {"aantal_woningen": -3}}, headers={"If-Match": '"3"'}), 400)
    assert "aantal_woningen" in fout.description
    _fout(client.patch("/api/collections/kansen/items/bestaatniet", json=patch, headers={"If-Match": '"1"'}), 404)
    hist = client.get(f"{url}/historie").json()
    assert [h["actie"] for h in hist] == ["aangemaakt", "gewijzigd", "gewijzigd"]
    assert hist[1]["wijzigingen"] == {"status": ["idee", "verkenning"]}


def test_patch_gemeentecode_is_checked_against_the_stored_location(client: TestClient) -> None:
    url = "/api/collections/kansen/items/K1"  # in Hilversum (west of x = 140 150)
    fout = _fout(client.patch(url, json={"properties": {"gemeentecode": "GM1942"}}, headers={"If-Match": "*"}), 400)
    assert fout.details["velden"] == {
        "gemeentecode": "de locatie ligt in GM0402 Hilversum, niet in GM1942 Gooise Meren; "
        "laat gemeentecode leeg om hem uit de locatie te laten invullen"
    }
    kans = client.get(url).json()
    assert kans["properties"]["gemeentecode"] is None and kans["properties"]["versie"] == 1  # nothing stored
    # an emptied code is filled from the stored location
    r = client.patch(url, json={"properties": {"gemeentecode": None}}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["gemeentecode"] == "GM0402"
    # moving the kans and giving the matching code in one change is fine
    r = client.patch(
        url,
        json={"geometry": {"type": "Point", "coordinates": [140_400.0, 470_010.0]},
              "properties": {"gemeentecode": "GM1942"}},
        headers={"If-Match": '"2"', "Content-Crs": RD},
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["gemeentecode"] == "GM1942"


def test_put_replaces_all_properties(client: TestClient) -> None:
    url = "/api/collections/kansen/items/K3"
    nieuw = {
        **NIEUW,
        "properties": {
            "naam": "Nieuwe naam",
            "soort": "transformatie",
            "doelgroep": "zorggeschikt",
            "status": "in voorbereiding",
        },
    }
    _fout(client.put(url, json=nieuw), 428)
    r = client.put(url, json=nieuw, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert props["naam"] == "Nieuwe naam" and props["aantal_woningen"] is None and props["bron"] is None
    assert props["versie"] == 2


def test_delete_is_soft_and_restore(client: TestClient) -> None:
    url = "/api/collections/kansen/items/K2"
    _fout(client.delete(url), 428)
    _fout(client.delete(url, headers={"If-Match": '"7"'}), 412)
    r = client.delete(url, headers={"If-Match": '"1"'})
    assert r.status_code == 204
    _fout(client.get(url), 404)
    fc = FeatureCollection.model_validate(client.get("/api/collections/kansen/items").json())
    assert "K2" not in {f.id for f in fc.features}
    hist = client.get(f"{url}/historie").json()  # history of a deleted kans stays readable
    assert [h["actie"] for h in hist] == ["aangemaakt", "verwijderd"]
    r = client.post(f"{url}/herstel")
    assert r.status_code == 200 and r.headers["etag"] == '"3"'
    assert client.get(url).status_code == 200
    fout = _fout(client.post(f"{url}/herstel"), 409)
    assert "niet verwijderd" in fout.description
    _fout(client.post("/api/collections/kansen/items/bestaatniet/herstel"), 404)
    _fout(client.get("/api/collections/kansen/items/bestaatniet/historie"), 404)


def test_user_seam_reaches_the_history(tmp_path: Path) -> None:
    """Tests may replace huidige_gebruiker; the name flows into the store's history."""
    from api.deps import Gebruiker, huidige_gebruiker

    maak_werkruimte(tmp_path / "ws")
    app = create_app(werkruimte=tmp_path / "ws", settings=Settings())
    app.dependency_overrides[huidige_gebruiker] = lambda: Gebruiker("anna", "aanjager", ("GM0402",))
    with TestClient(app) as c:
        r = c.patch(
            "/api/collections/kansen/items/K1",
            json={"properties": {"status": "vervallen"}},
            headers={"If-Match": '"1"'},
        )
        assert r.json()["properties"]["gewijzigd_door"] == "anna"
        assert c.get("/api/collections/kansen/items/K1/historie").json()[-1]["gebruiker"] == "anna"
