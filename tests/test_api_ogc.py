"""OGC API Features (read side), spatial query and export endpoints, through TestClient.

Every JSON response is validated against the pydantic models of :mod:`api.models`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from api._geojson import features_json
from api.app import create_app
from api.models import (
    Collection,
    Collections,
    ConfClasses,
    Feature,
    FeatureCollection,
    Fout,
    LandingPage,
    QueryFeatureCollection,
    WerkruimteInfo,
)
from kansenkaart.settings import Settings
from tests._auth import bearer, maak_token
from tests.query_fixture import VERWACHT, maak_netwerk, maak_werkruimte

RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
VOORBEELD = (
    "/api/query?doel=kansen&waar=doelgroep=geclusterd&binnen=100&van=voorzieningen&waar_ref=categorie=ontmoetingsruimte"
)


LEZEN_OPEN = Settings(lezen_zonder_login=True)
"""Reading without login (the tests that only read, or build their own app)."""


@pytest.fixture(scope="module")
def werkruimte_pad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pad = tmp_path_factory.mktemp("api") / "ws"
    maak_werkruimte(pad)
    return pad


@pytest.fixture(scope="module")
def client(werkruimte_pad: Path) -> Iterator[TestClient]:
    app = create_app(werkruimte=werkruimte_pad, settings=Settings(), netwerk=maak_netwerk())
    with TestClient(app, raise_server_exceptions=True, headers=bearer(maak_token(werkruimte_pad))) as c:
        yield c


def _fout(r: Any, status: int) -> Fout:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    fout = Fout.model_validate(r.json())
    assert fout.description and fout.code
    return fout


def _xy(feature: Feature) -> tuple[float, float]:
    """The coordinates of a point feature."""
    coords: Any = feature.geometry.coordinates  # type: ignore[union-attr]
    return float(coords[0]), float(coords[1])


def _ids(fc: FeatureCollection) -> set[str]:
    return {str(f.id) for f in fc.features}


# --------------------------------------------------------------------------- landing, conformance


def test_landing_page_links(client: TestClient) -> None:
    r = client.get("/api")
    assert r.status_code == 200
    page = LandingPage.model_validate(r.json())
    rels = {link.rel: link for link in page.links}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"].href == "http://testserver/api/openapi.json"
    assert rels["data"].href == "http://testserver/api/collections"
    # The linked documents exist.
    for rel in ("service-desc", "conformance", "data"):
        assert client.get(rels[rel].href).status_code == 200


def test_conformance(client: TestClient) -> None:
    conf = ConfClasses.model_validate(client.get("/api/conformance").json())
    for cls in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-1/1.0/conf/oas30",
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-4/1.0/conf/create-replace-delete",
    ):
        assert f"http://www.opengis.net/spec/{cls}" in conf.conformsTo


def test_werkruimte_info(client: TestClient) -> None:
    info = WerkruimteInfo.model_validate(client.get("/api/werkruimte").json())
    assert info.regio == "Gooi en Vechtstreek" and info.voorbeelddata is False
    aantallen = {laag["naam"]: laag["aantal"] for laag in info.lagen}
    assert aantallen["kansen"] == 5 and aantallen["voorzieningen"] == 3
    assert info.vlekkenplan is None  # never computed


def test_werkruimte_info_says_whether_the_vlekkenplan_is_current(tmp_path: Path) -> None:
    import json

    from kansenkaart.io.werkruimte import Werkruimte

    pad = tmp_path / "ws"
    maak_werkruimte(pad)
    Werkruimte.open(pad).store.set_meta("vlekkenplan:laatste_run", json.dumps(
        {"tijdstip": "2026-11-02T09:30:00Z", "voorzieningen_zones": {"supermarkt": "oud"}}))
    with TestClient(create_app(werkruimte=pad, settings=LEZEN_OPEN)) as c:
        info = WerkruimteInfo.model_validate(c.get("/api/werkruimte").json())
    assert info.vlekkenplan == {"berekend_op": "2026-11-02T09:30:00Z", "bereikbaarheid": None,
                                "vlekkenplan": ["supermarkt"]}


# --------------------------------------------------------------------------- collections


def test_collections_lists_stored_layers_with_crs(client: TestClient) -> None:
    cols = Collections.model_validate(client.get("/api/collections").json())
    ids = [c.id for c in cols.collections]
    assert "kansen" in ids and "voorzieningen" in ids and "gemeenten" in ids
    assert "vlekkenplan" not in ids  # derived layers appear once computed
    kansen = next(c for c in cols.collections if c.id == "kansen")
    assert kansen.storageCrs == RD
    assert kansen.crs[0] == CRS84 and {RD, EPSG4326} <= set(kansen.crs)
    assert kansen.extent is not None and kansen.extent.spatial is not None
    minx, miny, maxx, maxy = kansen.extent.spatial.bbox[0]
    assert 5.0 < minx < maxx < 5.3 and 52.1 < miny < maxy < 52.4  # Hilversum, in CRS84
    rels = {link.rel for link in kansen.links}
    assert {"self", "items", "enclosure"} <= rels


def test_collection_and_unknown_layer(client: TestClient) -> None:
    col = Collection.model_validate(client.get("/api/collections/voorzieningen").json())
    assert col.id == "voorzieningen" and "OpenStreetMap" in str(col.model_extra.get("attribution"))  # type: ignore[union-attr]
    fout = _fout(client.get("/api/collections/bestaatniet"), 404)
    assert "bestaatniet" in fout.description and fout.code == "onbekende_laag"
    # A derived layer that is not computed yet is a 404 with a clear message.
    fout = _fout(client.get("/api/collections/vlekkenplan/items"), 404)
    assert "nog niet berekend" in fout.description


# --------------------------------------------------------------------------- items


def test_items_geojson_crs84_and_links(client: TestClient) -> None:
    r = client.get("/api/collections/kansen/items")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["content-crs"] == f"<{CRS84}>"
    fc = FeatureCollection.model_validate(r.json())
    assert fc.numberMatched == 5 and fc.numberReturned == 5
    assert _ids(fc) == {"K1", "K2", "K3", "K4", "K5"}  # K6 is deleted
    k1 = next(f for f in fc.features if f.id == "K1")
    lon, lat = _xy(k1)
    assert 5.0 < lon < 5.3 and 52.1 < lat < 52.4
    assert k1.links and k1.links[0].rel == "self"
    assert k1.links[0].href == "http://testserver/api/collections/kansen/items/K1"
    assert k1.properties and k1.properties["doelgroep"] == "geclusterd"
    assert {link.rel for link in fc.links or []} >= {"self", "collection"}


def test_items_property_filters(client: TestClient) -> None:
    fc = FeatureCollection.model_validate(
        client.get("/api/collections/kansen/items?doelgroep=geclusterd&status=idee").json()
    )
    assert _ids(fc) == {"K1", "K2", "K5"}
    fc = FeatureCollection.model_validate(client.get("/api/collections/kansen/items?status=idee,verkenning").json())
    assert _ids(fc) == {"K1", "K2", "K3", "K4", "K5"}
    fc = FeatureCollection.model_validate(
        client.get("/api/collections/kansen/items?status=verkenning&status=idee&doelgroep=nultreden").json()
    )
    assert _ids(fc) == {"K4"}
    fc = FeatureCollection.model_validate(client.get("/api/collections/kansen/items?aantal_woningen=16").json())
    assert fc.numberMatched == 5


@pytest.mark.parametrize(
    ("query", "woord"),
    [
        ("kleur=rood", "kleur"),
        ("doelgroep=senioren", "senioren"),
        ("aantal_woningen=veel", "aantal_woningen"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=5.2,52.2,5.1,52.3", "bbox"),
        ("bbox=5,95,6,96", "bbox"),
        ("bbox=nan,1,2,3", "bbox"),
        ("crs=EPSG:3857", "crs"),
        ("crs=onzin", "crs"),
        ("bbox-crs=EPSG:9999999", "bbox-crs"),
        ("datetime=gisteren", "datetime"),
        ("f=html", "f"),
        ("doelgroep=", "doelgroep"),
    ],
)
def test_items_bad_input_is_400_naming_the_problem(client: TestClient, query: str, woord: str) -> None:
    fout = _fout(client.get(f"/api/collections/kansen/items?{query}"), 400)
    assert woord in fout.description


def test_items_bbox_crs84_and_rd(client: TestClient) -> None:
    # A small RD box around K3 only.
    fc = FeatureCollection.model_validate(
        client.get(f"/api/collections/kansen/items?bbox=140250,469950,140350,470050&bbox-crs={RD}").json()
    )
    assert _ids(fc) == {"K3"}
    # The same box in CRS84 (transformed with densified edges).
    fc_all = FeatureCollection.model_validate(client.get("/api/collections/kansen/items").json())
    k3 = next(f for f in fc_all.features if f.id == "K3")
    lon, lat = _xy(k3)
    d = 0.0004
    fc = FeatureCollection.model_validate(
        client.get(f"/api/collections/kansen/items?bbox={lon - d},{lat - d},{lon + d},{lat + d}").json()
    )
    assert _ids(fc) == {"K3"}
    # EPSG:4326 bbox is latitude first.
    fc = FeatureCollection.model_validate(
        client.get(
            f"/api/collections/kansen/items?bbox={lat - d},{lon - d},{lat + d},{lon + d}&bbox-crs={EPSG4326}"
        ).json()
    )
    assert _ids(fc) == {"K3"}
    # A world-wide bbox works; one outside the area of RD New finds nothing (no error).
    assert (
        FeatureCollection.model_validate(
            client.get("/api/collections/kansen/items?bbox=-180,-90,180,90").json()
        ).numberMatched
        == 5
    )
    leeg = FeatureCollection.model_validate(client.get("/api/collections/kansen/items?bbox=100,10,101,11").json())
    assert leeg.numberMatched == 0 and leeg.features == []


def test_items_polygon_bbox_is_exact(client: TestClient) -> None:
    # The box touches K5's bounding box corner region only partly: exact test keeps K5.
    fc = FeatureCollection.model_validate(
        client.get(f"/api/collections/kansen/items?bbox=139950,470000,139955,470005&bbox-crs={RD}").json()
    )
    assert _ids(fc) == {"K5"} and fc.numberMatched == 1


def test_items_crs_parameter(client: TestClient) -> None:
    r = client.get(f"/api/collections/kansen/items?crs={RD}&doelgroep=geclusterd&status=verkenning")
    assert r.headers["content-crs"] == f"<{RD}>"
    fc = FeatureCollection.model_validate(r.json())
    assert _xy(fc.features[0]) == (140300.0, 470000.0)
    r = client.get(f"/api/collections/kansen/items?crs={EPSG4326}&status=verkenning")
    lat, lon = _xy(FeatureCollection.model_validate(r.json()).features[0])
    assert 52.1 < lat < 52.4 and 5.0 < lon < 5.3  # EPSG:4326 axis order
    r = client.get("/api/collections/kansen/items?crs=EPSG:28992&status=verkenning")  # short form accepted
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{RD}>"


def test_items_paging_next_prev(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/collections/kansen/items?limit=2"
    pages = 0
    while url:
        fc = FeatureCollection.model_validate(client.get(url).json())
        assert fc.numberMatched == 5 and fc.numberReturned == len(fc.features) <= 2
        seen += [str(f.id) for f in fc.features]
        links = {link.rel: link.href for link in fc.links or []}
        if pages:
            assert "prev" in links
        url = links.get("next")
        if url:
            assert parse_qs(urlparse(url).query)["limit"] == ["2"]
        pages += 1
    assert pages == 3 and sorted(seen) == ["K1", "K2", "K3", "K4", "K5"]


def test_items_qgis_style_requests(client: TestClient) -> None:
    """What QGIS sends: limit + bbox (+ bbox-crs/crs in the layer CRS), and f=json on some servers."""
    r = client.get(f"/api/collections/kansen/items?limit=1000&bbox=139000,469000,141000,471000&bbox-crs={RD}&crs={RD}")
    assert r.status_code == 200 and FeatureCollection.model_validate(r.json()).numberMatched == 5
    assert client.get("/api/collections/kansen/items?limit=10&f=json").status_code == 200
    assert client.get("/api/collections/kansen/items?f=application/geo%2Bjson").status_code == 200
    # QGIS asks OPTIONS to decide whether a layer is editable.
    r = client.options("/api/collections/kansen/items")
    assert r.status_code == 204 and "POST" in r.headers["allow"]
    r = client.options("/api/collections/kansen/items/unknown_id")
    assert {"PUT", "PATCH", "DELETE"} <= {m.strip() for m in r.headers["allow"].split(",")}
    assert client.options("/api/collections/voorzieningen/items").headers["allow"] == "GET, OPTIONS"


def test_single_item_and_etag(client: TestClient) -> None:
    r = client.get("/api/collections/kansen/items/K1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feat = Feature.model_validate(r.json())
    assert feat.id == "K1" and feat.properties and feat.properties["versie"] == 1
    assert r.headers["etag"] == '"1"'
    assert {link.rel for link in feat.links or []} == {"self", "collection"}
    r = client.get("/api/collections/voorzieningen/items/OR1")
    assert r.headers["etag"].startswith('W/"')
    fout = _fout(client.get("/api/collections/kansen/items/K6"), 404)  # soft-deleted
    assert "verwijderd" in fout.description
    _fout(client.get("/api/collections/kansen/items/bestaatniet"), 404)
    _fout(client.get("/api/collections/bestaatniet/items/K1"), 404)


# --------------------------------------------------------------------------- query


@pytest.mark.parametrize("modus", ["hemelsbreed", "lopend"])
@pytest.mark.parametrize("niet", [False, True])
def test_query_example_both_modes(client: TestClient, modus: str, niet: bool) -> None:
    r = client.get(f"{VOORBEELD}&modus={modus}&niet={str(niet).lower()}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    fc = QueryFeatureCollection.model_validate(r.json())
    assert _ids(fc) == VERWACHT[(modus, niet)]
    assert fc.vraag["modus"] == modus
    for f in fc.features:
        props = f.properties or {}
        assert {"afstand_m", "dichtstbij_id", "dichtstbij_naam"} <= set(props)
        if not niet:
            assert props["dichtstbij_id"] == "OR1" and props["dichtstbij_naam"] == "Buurthuis De Brink"
            assert 0 <= props["afstand_m"] <= 100


def test_query_post_equals_get(client: TestClient) -> None:
    body = {
        "doel": "kansen",
        "waar": ["doelgroep=geclusterd"],
        "binnen": 100,
        "van": "voorzieningen",
        "waar_ref": ["categorie=ontmoetingsruimte"],
        "modus": "lopend",
    }
    r = client.post("/api/query", json=body)
    assert r.status_code == 200, r.text
    assert _ids(QueryFeatureCollection.model_validate(r.json())) == VERWACHT[("lopend", False)]
    fout = _fout(client.post("/api/query", json={**body, "binnen": 0}), 400)
    assert "binnen" in fout.description
    fout = _fout(client.post("/api/query", json={**body, "extra": 1}), 400)
    assert "extra" in fout.description
    _fout(client.post("/api/query", content=b"{niet json", headers={"content-type": "application/json"}), 400)


@pytest.mark.parametrize(
    ("query", "status", "woord"),
    [
        ("doel=kansen&binnen=100&van=bestaatniet", 404, "bestaatniet"),
        ("doel=kansen&binnen=0&van=voorzieningen", 400, "binnen"),
        ("doel=kansen&binnen=5001&van=voorzieningen", 400, "binnen"),
        ("doel=kansen&binnen=100&van=voorzieningen&waar=kleur=rood", 400, "kleur"),
        ("doel=kansen&binnen=100&van=voorzieningen&waar=doelgroep", 400, "veld=waarde"),
        ("doel=kansen&binnen=100&van=voorzieningen&waar_ref=categorie=bakker", 400, "bakker"),
        ("doel=kansen&binnen=100&van=voorzieningen&modus=fietsend", 400, "modus"),
        ("doel=kansen&van=voorzieningen", 400, "binnen"),
    ],
)
def test_query_errors(client: TestClient, query: str, status: int, woord: str) -> None:
    fout = _fout(client.get(f"/api/query?{query}"), status)
    assert woord in fout.description


def test_query_lopend_without_network_is_409(werkruimte_pad: Path) -> None:
    app = create_app(werkruimte=werkruimte_pad, settings=LEZEN_OPEN)  # the workspace has no network cache
    with TestClient(app) as c:
        fout = _fout(c.get(f"{VOORBEELD}&modus=lopend"), 409)
        assert fout.description == (
            "Geen wandelnetwerk in deze werkruimte; laad eerst OSM met 'kansenkaart osm laden'."
        )
        assert fout.code == "geen_wandelnetwerk"
        assert c.get(f"{VOORBEELD}&modus=hemelsbreed").status_code == 200


def test_query_lopend_loads_the_workspace_network_once(tmp_path: Path) -> None:
    maak_werkruimte(tmp_path / "ws", met_netwerk=True)
    app = create_app(werkruimte=tmp_path / "ws", settings=LEZEN_OPEN)
    bron = app.state.kansenkaart.netwerk
    assert not bron.geladen  # lazily, on the first walking query
    with TestClient(app) as c:
        r = c.get(f"{VOORBEELD}&modus=lopend")
        assert r.status_code == 200, r.text
        assert _ids(QueryFeatureCollection.model_validate(r.json())) == VERWACHT[("lopend", False)]
        assert bron.geladen
        eerste = bron.get()
        c.get(f"{VOORBEELD}&modus=lopend&binnen=200")
        assert bron.get() is eerste
        assert c.get("/api/werkruimte").json()["wandelnetwerk"] is True


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("formaat", ["geojson", "gpkg", "csv", "xlsx"])
def test_export_formats(client: TestClient, formaat: str, tmp_path: Path) -> None:
    r = client.get(f"/api/collections/kansen/export?f={formaat}")
    assert r.status_code == 200, r.text
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and "kansen_" in cd and f".{formaat}" in cd
    if formaat == "geojson":
        data = json.loads(r.content)
        assert data["type"] == "FeatureCollection" and len(data["features"]) == 5
        assert "licentie" in data or "attribution" in data
        assert r.headers["content-type"] == "application/geo+json"
    elif formaat == "gpkg":
        pad = tmp_path / "kansen.gpkg"
        pad.write_bytes(r.content)
        gdf = gpd.read_file(pad)
        assert len(gdf) == 5 and gdf.crs.to_epsg() == 28992
        assert pyogrio.read_info(pad)["crs"] == "EPSG:28992"
    elif formaat == "csv":
        tekst = r.content.decode("utf-8-sig")
        kop = tekst.splitlines()[0]
        assert "x" in kop.split(",") and "lon" in kop.split(",")
        assert "bronvermelding" in kop
    else:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        assert "Bronvermelding" in wb.sheetnames


def test_export_osm_attribution_and_filters(client: TestClient) -> None:
    r = client.get("/api/collections/voorzieningen/export?f=geojson&categorie=ontmoetingsruimte")
    data = json.loads(r.content)
    assert len(data["features"]) == 2
    assert "OpenStreetMap" in data["attribution"]
    _fout(client.get("/api/collections/kansen/export?f=shp"), 400)
    _fout(client.get("/api/collections/kansen/export"), 400)
    _fout(client.get("/api/collections/bestaatniet/export?f=csv"), 404)


# --------------------------------------------------------------------------- OpenAPI and errors


def test_openapi_documents_limits_for_qgis(client: TestClient) -> None:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": "/api"}]
    # QGIS reads components/parameters/limit (maximum, default) …
    limit = doc["components"]["parameters"]["limit"]
    assert limit["schema"]["maximum"] == 10_000 and limit["schema"]["default"] == 100
    # … and simple queryables from /collections/{naam}/items (style form, explode false).
    params = {p["name"]: p for p in doc["paths"]["/collections/kansen/items"]["get"]["parameters"] if "name" in p}
    assert params["doelgroep"]["schema"]["enum"] == ["nultreden", "geclusterd", "zorggeschikt"]
    assert params["doelgroep"]["style"] == "form" and params["doelgroep"]["explode"] is False
    q = {p["name"]: p for p in doc["paths"]["/query"]["get"]["parameters"]}
    assert q["binnen"]["schema"]["minimum"] == 1 and q["binnen"]["schema"]["maximum"] == 5000
    for path, item in doc["paths"].items():
        for methode, op in item.items():
            for p in op.get("parameters", []):
                assert "$ref" in p or p.get("description"), (path, methode, p)
            assert "422" not in op["responses"]
    assert client.get("/api/docs").status_code == 200


def test_unknown_route_and_method_are_dutch(client: TestClient) -> None:
    fout = _fout(client.get("/api/bestaatniet"), 404)
    assert "bestaat niet" in fout.description
    fout = _fout(client.delete("/api/collections/voorzieningen/items"), 405)
    assert "niet toegestaan" in fout.description


def test_body_limit_413(werkruimte_pad: Path) -> None:
    instellingen = Settings(max_body_bytes=1_000, lezen_zonder_login=True)
    app = create_app(werkruimte=werkruimte_pad, settings=instellingen, netwerk=maak_netwerk())
    with TestClient(app) as c:
        groot = {"doel": "kansen", "binnen": 10, "van": "voorzieningen", "waar": ["naam=" + "x" * 400] * 3}
        fout = _fout(c.post("/api/query", json=groot), 413)
        assert "te groot" in fout.description

        def stroom() -> Iterator[bytes]:  # no Content-Length: counted while streaming
            yield b'{"doel": "kansen", "binnen": 10, "van": "voorzieningen", "waar": ["'
            yield b"x" * 2_000
            yield b'"]}'

        _fout(c.post("/api/query", content=stroom(), headers={"content-type": "application/json"}), 413)


def test_unexpected_error_is_generic_500(werkruimte_pad: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(werkruimte=werkruimte_pad, settings=LEZEN_OPEN)
    store = app.state.kansenkaart.werkruimte.store

    def kapot(*args: object, **kwargs: object) -> None:
        raise RuntimeError("interne details die de gebruiker niet mag zien")

    monkeypatch.setattr(store, "count", kapot)
    with TestClient(app, raise_server_exceptions=False) as c:
        fout = _fout(c.get("/api/collections/kansen/items"), 500)
        assert "interne details" not in fout.description and "Er ging iets mis" in fout.description


# --------------------------------------------------------------------------- read cache


@pytest.mark.parametrize(
    "url",
    [
        "/api/collections/kansen/items",
        "/api/collections/kansen/items?doelgroep=geclusterd&status=idee,verkenning&limit=2&offset=1",
        f"/api/collections/kansen/items?bbox=139950,470000,139955,470005&bbox-crs={RD}",
        f"/api/collections/kansen/items?bbox=139000,469000,140050,471000&bbox-crs={RD}&crs={RD}",
        "/api/collections/voorzieningen/items?categorie=ontmoetingsruimte",
        "/api/collections/gemeenten/items?code=GM1942",
        f"{VOORBEELD}&modus=hemelsbreed",
        f"{VOORBEELD}&modus=lopend&niet=true",
    ],
)
def test_cache_answers_like_the_store(werkruimte_pad: Path, url: str) -> None:
    antwoorden = []
    for cache in (True, False):
        app = create_app(werkruimte=werkruimte_pad, settings=LEZEN_OPEN, netwerk=maak_netwerk(), cache=cache)
        with TestClient(app) as c:
            data = c.get(url).json()
        antwoorden.append(
            ([(f["id"], f["geometry"], f["properties"]) for f in data["features"]], data["numberMatched"])
        )
    assert antwoorden[0] == antwoorden[1]


def test_cache_reads_ja_nee_filters_of_derived_layers_like_the_store(tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    from kansenkaart.io.werkruimte import Werkruimte

    pad = tmp_path / "ws"
    maak_werkruimte(pad)
    voldoet = [True, False, True, None, True]  # a gap: pandas keeps the column as object
    Werkruimte.open(pad).store.replace_layer("geschiktheid", gpd.GeoDataFrame(
        {"profiel": "geclusterd", "score": [90.0, 40.0, 75.0, 10.0, 60.0], "voldoet": voldoet},
        geometry=[shapely.Point(139_900 + 20 * i, 470_000) for i in range(5)], crs="EPSG:28992"))
    verwacht = {"ja": 3, "nee": 1, "true": 3}
    for waarde, aantal in verwacht.items():
        for url in (f"/api/collections/geschiktheid/items?voldoet={waarde}",
                    f"/api/query?doel=geschiktheid&waar=voldoet={waarde}&binnen=5000&van=kansen"):
            gevonden = []
            for cache in (True, False):
                app = create_app(werkruimte=pad, settings=LEZEN_OPEN, cache=cache)
                with TestClient(app) as c:
                    r = c.get(url)
                assert r.status_code == 200, r.text
                gevonden.append(sorted(f["id"] for f in r.json()["features"]))
            assert gevonden[0] == gevonden[1] and len(gevonden[0]) == aantal, (url, gevonden)


def _zonder_tijd(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "timeStamp"}


def test_cache_feature_texts_per_crs_and_page_and_after_writes(tmp_path: Path) -> None:
    """Feature texts kept per row and variant: the same rows in other CRSs and pages, and edits, stay exact."""
    pad = tmp_path / "ws"
    maak_werkruimte(pad)
    urls = [
        "/api/collections/kansen/items?limit=2",
        f"/api/collections/kansen/items?limit=3&crs={RD}",
        "/api/collections/kansen/items?limit=3&offset=1",  # rows 2-3 made before, row 4 new
        f"/api/collections/kansen/items?bbox=139000,469000,140050,471000&bbox-crs={RD}",
        f"/api/collections/kansen/items?bbox=139000,469000,140050,471000&bbox-crs={RD}&crs={RD}",
        "/api/collections/kansen/items?doelgroep=geclusterd",
        "/api/collections/voorzieningen/items?limit=100",
    ]
    cached = create_app(werkruimte=pad, settings=Settings(), netwerk=maak_netwerk(), cache=True)
    kop = bearer(maak_token(pad))
    with TestClient(cached, headers=kop) as c:
        voor = [_zonder_tijd(c.get(u).json()) for u in urls]
        # Editing a property that changes neither the count nor the order must still show up.
        item = c.get("/api/collections/kansen/items/K2")
        r = c.patch(
            "/api/collections/kansen/items/K2",
            json={"properties": {"naam": "Nieuwe naam"}},
            headers={"If-Match": item.headers["ETag"]},
        )
        assert r.status_code == 200
        na = [_zonder_tijd(c.get(u).json()) for u in urls]
    with TestClient(create_app(werkruimte=pad, settings=Settings(), netwerk=maak_netwerk(), cache=False),
                    headers=kop) as c:
        verwacht = [_zonder_tijd(c.get(u).json()) for u in urls]
    assert na == verwacht
    namen = {f["id"]: f["properties"]["naam"] for f in na[0]["features"] + na[2]["features"]}
    assert namen["K2"] == "Nieuwe naam"
    assert voor != na  # the edit is visible in the cached answers
    assert [len(d["features"]) for d in na[:3]] == [2, 3, 3]


def test_cache_sees_writes_from_other_connections(tmp_path: Path) -> None:
    from kansenkaart.io.store import GeoPackageStore

    ws = maak_werkruimte(tmp_path / "ws")
    app = create_app(werkruimte=tmp_path / "ws", settings=Settings(), netwerk=maak_netwerk())
    with TestClient(app, headers=bearer(maak_token(tmp_path / "ws"))) as c:
        assert c.get("/api/collections/kansen/items").json()["numberMatched"] == 5
        assert _ids(QueryFeatureCollection.model_validate(c.get(VOORBEELD).json())) == {"K1", "K2", "K5"}
        # Another process (here: another connection) writes: the next read sees it.
        ander = GeoPackageStore(ws.store.path)
        ander.create(
            "kansen",
            {"id": "K7", "naam": "Nieuw", "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": "idee"},
            shapely.Point(140_010, 470_020),
            gebruiker="x",
            kanaal="cli",
        )
        assert c.get("/api/collections/kansen/items").json()["numberMatched"] == 6
        assert _ids(QueryFeatureCollection.model_validate(c.get(VOORBEELD).json())) == {"K1", "K2", "K5", "K7"}
        # A write through the API itself.
        r = c.patch(
            "/api/collections/kansen/items/K7",
            json={"properties": {"doelgroep": "nultreden"}},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200
        assert _ids(QueryFeatureCollection.model_validate(c.get(VOORBEELD).json())) == {"K1", "K2", "K5"}
        assert c.delete("/api/collections/kansen/items/K1", headers={"If-Match": '"1"'}).status_code == 204
        assert "K1" not in _ids(FeatureCollection.model_validate(c.get("/api/collections/kansen/items").json()))
        ander.close()


# --------------------------------------------------------------------------- spatial questions from memory

VRAGEN_UIT_GEHEUGEN = [
    f"{VOORBEELD}&modus=hemelsbreed",
    f"{VOORBEELD}&modus=hemelsbreed&niet=true",
    f"{VOORBEELD}&modus=lopend",
    f"{VOORBEELD}&modus=lopend&niet=true",
    f"{VOORBEELD}&crs={RD}&limit=2",
    f"{VOORBEELD}&crs={EPSG4326}&niet=true&limit=1",
    "/api/query?doel=kansen&binnen=5000&van=voorzieningen",
    "/api/query?doel=kansen&binnen=37.5&van=voorzieningen&waar_ref=categorie=supermarkt&niet=true",
    "/api/query?doel=kansen&binnen=100&van=gemeenten&waar=status=idee,verkenning",
    "/api/query?doel=voorzieningen&binnen=250&van=kansen&waar=categorie=ontmoetingsruimte&modus=lopend",
    "/api/query?doel=gemeenten&binnen=1&van=kansen&waar_ref=doelgroep=nultreden",
    "/api/query?doel=kansen&binnen=300&van=zorgcentra",  # an empty reference layer
    "/api/query?doel=zorgcentra&binnen=300&van=kansen",  # an empty target layer
]


def _tekst_zonder_tijd(r: Any) -> str:
    """The answer as sent (key order, duplicates and number formatting included), without its time stamp."""
    return re.sub(r'"timeStamp":"[^"]*"', '"timeStamp":""', r.text)


@pytest.mark.parametrize("url", VRAGEN_UIT_GEHEUGEN)
def test_query_from_memory_answers_like_the_store(
    werkruimte_pad: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached path builds no frames; its answers are byte for byte those of the store path."""
    zonder = create_app(werkruimte=werkruimte_pad, settings=LEZEN_OPEN, netwerk=maak_netwerk(), cache=False)
    with TestClient(zonder) as c:
        r = c.get(url)
        assert r.status_code == 200, r.text
        verwacht = _tekst_zonder_tijd(r)
    import api.routes.query as query_route

    def niet_gebruiken(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached path fell back to voer_vraag_uit")

    monkeypatch.setattr(query_route, "voer_vraag_uit", niet_gebruiken)
    met = create_app(werkruimte=werkruimte_pad, settings=LEZEN_OPEN, netwerk=maak_netwerk(), cache=True)
    with TestClient(met) as c:
        c.get("/api/collections/kansen/items?limit=2")  # some rows' texts made by items first
        r = c.get(url)
        assert r.status_code == 200, r.text
        assert _tekst_zonder_tijd(r) == verwacht
        QueryFeatureCollection.model_validate(r.json())


def test_query_from_memory_sees_every_write_at_once(tmp_path: Path) -> None:
    """Kansen created, moved, edited or deleted are in the very next answer, for new and repeated questions."""
    pad = tmp_path / "ws"
    maak_werkruimte(pad)
    kop = bearer(maak_token(pad))
    app = create_app(werkruimte=pad, settings=Settings(), netwerk=maak_netwerk(), cache=True)
    vraag = "/api/query?doel=kansen&waar=doelgroep=geclusterd&van=voorzieningen&waar_ref=categorie=ontmoetingsruimte"

    def afstanden(c: TestClient, binnen: float) -> dict[str, float]:
        r = c.get(f"{vraag}&binnen={binnen}&crs={RD}")
        assert r.status_code == 200, r.text
        return {f["id"]: f["properties"]["afstand_m"] for f in r.json()["features"]}

    with TestClient(app, headers=kop) as c:
        assert afstanden(c, 100) == {"K1": 31.6, "K2": 85.0, "K5": 40.0}
        # Created: within 100 m of OR1 (140 000, 470 000).
        nieuw = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [140_050, 470_000]},
            "properties": {"naam": "Nieuw hofje", "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": "idee"},
        }
        r = c.post(f"/api/collections/kansen/items?crs={RD}", json=nieuw, headers={"Content-Crs": f"<{RD}>"})
        assert r.status_code == 201, r.text
        k7 = r.json()["id"]
        assert afstanden(c, 100) == {"K1": 31.6, "K2": 85.0, "K5": 40.0, k7: 50.0}
        assert afstanden(c, 60) == {"K1": 31.6, "K5": 40.0, k7: 50.0}
        # Moved: K1 to 90 m east of OR1, then out of reach.
        url = f"/api/collections/kansen/items/K1?crs={RD}"
        verplaats = {"geometry": {"type": "Point", "coordinates": [140_090, 470_000]}}
        r = c.patch(url, json=verplaats, headers={"If-Match": '"1"', "Content-Crs": f"<{RD}>"})
        assert r.status_code == 200, r.text
        assert afstanden(c, 100) == {"K1": 90.0, "K2": 85.0, "K5": 40.0, k7: 50.0}
        assert afstanden(c, 60) == {"K5": 40.0, k7: 50.0}
        verplaats = {"geometry": {"type": "Point", "coordinates": [140_500, 470_000]}}
        r = c.patch(url, json=verplaats, headers={"If-Match": '"2"', "Content-Crs": f"<{RD}>"})
        assert r.status_code == 200, r.text
        assert afstanden(c, 100) == {"K2": 85.0, "K5": 40.0, k7: 50.0}
        # Edited so that the filter no longer holds, and a changed name shows in the answer.
        r = c.patch("/api/collections/kansen/items/K2", json={"properties": {"doelgroep": "nultreden"}},
                    headers={"If-Match": '"1"'})
        assert r.status_code == 200, r.text
        r = c.patch("/api/collections/kansen/items/K5", json={"properties": {"naam": "Blok west (nieuw)"}},
                    headers={"If-Match": '"1"'})
        assert r.status_code == 200, r.text
        assert afstanden(c, 100) == {"K5": 40.0, k7: 50.0}
        namen = {f["id"]: f["properties"]["naam"] for f in c.get(f"{vraag}&binnen=100").json()["features"]}
        assert namen["K5"] == "Blok west (nieuw)"
        # Deleted.
        assert c.delete(f"/api/collections/kansen/items/{k7}", headers={"If-Match": '"1"'}).status_code == 204
        assert afstanden(c, 100) == {"K5": 40.0}
        # A reference edited (in another connection): the nearest name follows.
        c.app.state.kansenkaart.werkruimte.store.update(  # type: ignore[attr-defined]
            "voorzieningen", "OR1", {"naam": "De Brink (verbouwd)"}, versie=None, gebruiker="x", kanaal="cli"
        )
        r = c.get(f"{vraag}&binnen=100")
        assert [f["properties"]["dichtstbij_naam"] for f in r.json()["features"]] == ["De Brink (verbouwd)"]
        eind = _zonder_tijd(r.json())
    zonder = create_app(werkruimte=pad, settings=Settings(), netwerk=maak_netwerk(), cache=False)
    with TestClient(zonder, headers=kop) as c:
        assert _zonder_tijd(c.get(f"{vraag}&binnen=100").json()) == eind


def test_query_target_with_result_column_takes_the_general_path(tmp_path: Path) -> None:
    """A derived layer with a column named like a result property: answered as before (column overwritten)."""
    pad = tmp_path / "ws"
    ws = maak_werkruimte(pad)
    vlak = gpd.GeoDataFrame(
        {"id": ["B1", "B2"], "afstand_m": [1.0, 2.0], "dichtstbij_naam": ["x", "y"]},
        geometry=[shapely.box(139_990, 469_990, 140_010, 470_010), shapely.box(141_000, 471_000, 141_010, 471_010)],
        crs="EPSG:28992",
    )
    ws.store.replace_layer("bereikbaarheid", vlak)
    url = "/api/query?doel=bereikbaarheid&binnen=50&van=voorzieningen"
    antwoorden = []
    for cache in (True, False):
        with TestClient(create_app(werkruimte=pad, settings=LEZEN_OPEN, cache=cache)) as c:
            r = c.get(url)
            assert r.status_code == 200, r.text
            antwoorden.append(_tekst_zonder_tijd(r))
    assert antwoorden[0] == antwoorden[1]
    assert antwoorden[0].count('"afstand_m"') == 1
    (feature,) = json.loads(antwoorden[0])["features"]
    assert feature["properties"] == {
        "id": "B1", "afstand_m": 0.0, "dichtstbij_naam": "Buurthuis De Brink", "dichtstbij_id": "OR1"
    }  # fmt: skip


def test_feature_texts_take_extra_properties_as_if_they_were_columns() -> None:
    """met_eigenschappen on a kept Feature text gives the text of the frame with those columns added."""
    from api._geojson import feature_teksten, kies_crs, met_eigenschappen, ondersteunde_crs
    from kansenkaart.crs import crs_uri

    store_crs = gpd.GeoSeries([], crs="EPSG:28992").crs
    keuzes = ondersteunde_crs(store_crs)
    extra = [
        {"afstand_m": 12.3, "dichtstbij_id": "OR1", "dichtstbij_naam": "Brink \"Oost\" ë"},
        {"afstand_m": float("nan"), "dichtstbij_id": None, "dichtstbij_naam": None},
    ]
    punten = [shapely.Point(140_000, 470_000), shapely.Point(140_010, 470_020)]
    frames = [
        gpd.GeoDataFrame({"id": ["A", None], "naam": ["a", None]}, geometry=punten, crs="EPSG:28992"),
        gpd.GeoDataFrame(geometry=punten, crs="EPSG:28992"),  # no properties at all
    ]
    for frame in frames:
        for crs in (None, RD, EPSG4326):
            keuze = kies_crs(crs, keuzes)
            args: dict[str, Any] = {"naar": keuze, "van_uri": crs_uri(store_crs), "item_href": "http://x/items"}
            teksten = feature_teksten(frame, **args)
            met = frame.copy()
            for k in extra[0]:
                met[k] = [e[k] for e in extra]
            verwacht = features_json(met, **args)
            assert [met_eigenschappen(t, e) for t, e in zip(teksten, extra, strict=True)] == verwacht
            assert [t.tekst for t in teksten] == features_json(frame, **args)
            assert [met_eigenschappen(t, {}) for t in teksten] == features_json(frame, **args)
