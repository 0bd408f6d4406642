"""The web map page: HTML skeleton (no CDN, no inline data, Dutch), config, routes and query download.

The browser tests (``tests/browser/test_kaart_browser.py``) drive the same page in Chromium;
:func:`bouw_kaartwerkruimte` builds the small workspace both use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.web import STATIC_DIR, kaart_info
from kansenkaart.attributie import attributie
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.kaart import BASISKAARTEN, KaartInfo, KaartLaag, in_nederland, kaart_html, label
from kansenkaart.schemas import DOELGROEPEN, LAGEN, SOORTEN_KANS, STATUSSEN
from kansenkaart.settings import Settings

# --------------------------------------------------------------------------- a small workspace

HILVERSUM = shapely.box(136_000, 466_000, 144_000, 474_000)
GOOISE_MEREN = shapely.box(136_000, 474_000, 144_000, 482_000)
ONTMOETINGSRUIMTE = shapely.Point(137_000, 467_000)
KANSEN = (
    # naam, soort, doelgroep, status, aantal, geometry (EPSG:28992)
    ("Hofje bij de ontmoetingsruimte", "nieuwbouw", "geclusterd", "idee", 12, shapely.Point(137_050, 467_020)),
    ("Kantoor aan de rand", "transformatie", "geclusterd", "verkenning", 30, shapely.Point(143_500, 473_500)),
    ("Blok Noord", "woningsplitsing", "nultreden", "in uitvoering", 8, shapely.box(138_000, 478_000, 138_300, 478_300)),
)
N_VOORZIENINGEN = 40
N_NULTREDEN = 1200  # more than the map loads at once (1000 per view): exercises loading by bbox


def bouw_kaartwerkruimte(pad: Path) -> Werkruimte:
    """A Gooi en Vechtstreek workspace with a few features in every map group.

    Two gemeenten (boxes), two zorgcentra, two wooncomplexen, 40 voorzieningen (one in four
    an ontmoetingsruimte, one of them at :data:`ONTMOETINGSRUIMTE`), 1,200 nultredenwoningen
    on a grid (a layer too dense to load at once), three kansen
    (:data:`KANSEN`, the first within 100 m of that ontmoetingsruimte), three vlekkenplan
    bands and three geschiktheid cells.
    """
    ws = Werkruimte.maak(pad, regio="gooi-en-vechtstreek")
    st = ws.store
    crs = ws.crs
    st.replace_layer("gemeenten", gpd.GeoDataFrame(
        {"code": ["GM0402", "GM1942"], "naam": ["Hilversum", "Gooise Meren"], "bron": ["CBS", "CBS"]},
        geometry=[HILVERSUM, GOOISE_MEREN], crs=crs))
    st.replace_layer("zorgcentra", gpd.GeoDataFrame(
        {"naam": ["Zorgcentrum De Linde", "Woonzorgcentrum Oost"], "soort": ["verpleeghuis", "woonzorgcentrum"],
         "bron": ["test", "test"], "bron_id": ["z1", "z2"]},
        geometry=[shapely.Point(140_000, 470_000), shapely.Point(139_000, 476_000)], crs=crs))
    st.replace_layer("wooncomplexen", gpd.GeoDataFrame(
        {"naam": ["Seniorenflat Zuid", "Hofje West"], "aantal_woningen": [40, 14], "ontmoetingsruimte": [True, False],
         "zorg": [False, False], "bron": ["test", "test"], "bron_id": ["w1", "w2"]},
        geometry=[shapely.Point(141_000, 468_000), shapely.Point(137_500, 477_000)], crs=crs))
    categorieen = ["ontmoetingsruimte", "supermarkt", "huisarts", "apotheek"]
    punten = [shapely.Point(137_000 + (i % 8) * 800, 467_000 + (i // 8) * 2_500) for i in range(N_VOORZIENINGEN)]
    st.replace_layer("voorzieningen", gpd.GeoDataFrame(
        {"naam": [f"Voorziening {i}" for i in range(N_VOORZIENINGEN)],
         "categorie": [categorieen[i % 4] for i in range(N_VOORZIENINGEN)],
         "bron": "OSM", "bron_id": [str(i) for i in range(N_VOORZIENINGEN)]},
        geometry=punten, crs=crs))
    assert punten[0].equals(ONTMOETINGSRUIMTE)
    # a dense layer on a regular grid over both gemeenten (30 x 40 points, 250 m x 400 m apart)
    st.replace_layer("nultredenwoningen", gpd.GeoDataFrame(
        {"naam": [f"Woning {i}" for i in range(N_NULTREDEN)], "aantal_woningen": 1, "eigendom": "corporatie",
         "bron": "test", "bron_id": [str(i) for i in range(N_NULTREDEN)]},
        geometry=[shapely.Point(136_100 + (i % 30) * 250, 466_100 + (i // 30) * 400) for i in range(N_NULTREDEN)],
        crs=crs))
    for naam, soort, doelgroep, status, aantal, geom in KANSEN:
        st.create("kansen", {"naam": naam, "soort": soort, "doelgroep": doelgroep, "status": status,
                             "aantal_woningen": aantal}, geom, gebruiker="test", kanaal="cli")
    centrum = shapely.Point(140_000, 470_000)
    st.replace_layer("vlekkenplan", gpd.GeoDataFrame(
        [{"categorie": "supermarkt", "band_van_m": float(van), "band_tot_m": float(tot),
          "geometry": centrum.buffer(tot)} for van, tot in ((0, 100), (100, 300), (300, 600))], crs=crs))
    st.replace_layer("geschiktheid", gpd.GeoDataFrame(
        {"profiel": "standaard", "score": [10.0, 50.0, 90.0],
         "uitleg": ["weinig voorzieningen", "gemiddeld", "alles dichtbij"]},
        geometry=[shapely.box(139_000 + i * 500, 469_000, 139_500 + i * 500, 469_500) for i in range(3)], crs=crs))
    return ws


@pytest.fixture(scope="module")
def kaartwerkruimte(tmp_path_factory: pytest.TempPathFactory) -> Werkruimte:
    return bouw_kaartwerkruimte(tmp_path_factory.mktemp("kaart") / "ws")


@pytest.fixture(scope="module")
def client(kaartwerkruimte: Werkruimte) -> Iterator[TestClient]:
    app = create_app(werkruimte=kaartwerkruimte.pad, settings=Settings(lezen_zonder_login=True))
    with TestClient(app) as c:
        yield c


def _info(**kwargs: object) -> KaartInfo:
    standaard: dict[str, object] = {
        "regio": "Gooi en Vechtstreek",
        "bbox": (5.1, 52.2, 5.3, 52.35),
        "lagen": tuple(KaartLaag(n, 10, "GEOMETRY") for n in LAGEN),
        "gemeenten": (("GM0402", "Hilversum"), ("GM1942", "Gooise Meren")),
    }
    standaard.update(kwargs)
    return KaartInfo(**standaard)  # type: ignore[arg-type]


def _config(html: str) -> dict[str, object]:
    m = re.search(r'<script type="application/json" id="kaart-config">(.*?)</script>', html, re.S)
    assert m, "config block ontbreekt"
    cfg: dict[str, object] = json.loads(m.group(1))
    return cfg


# --------------------------------------------------------------------------- the HTML


def test_label_makes_field_names_readable() -> None:
    assert label("aantal_woningen") == "Aantal woningen"
    assert label("gemeentecode") == "Gemeente"
    assert label("pct_75plus") == "% 75-plus"
    assert label("band_tot_m") == "Band tot (m)"
    assert label("bron_id") == "Bron-id"


def test_page_is_dutch_small_and_has_all_panels() -> None:
    html = kaart_html(_info())
    assert len(html.encode()) < 80_000, "de kaartpagina hoort klein te blijven (geen ingesloten gegevens)"
    assert '<html lang="nl">' in html
    for tekst in (
        "Kansenkaart", "Kansen filteren", "Kans markeren", "Ruimtelijke vraag", "Binnen een afstand van",
        "hemelsbreed", "Lagen downloaden", "Openen in QGIS",
        "Kaartlagen &gt; Laag toevoegen &gt; WFS/OGC API Features-laag toevoegen", "Nieuw", "Kopiëren",
        "Achtergrondkaart niet beschikbaar — gegevens worden zonder achtergrond getoond", "Opslaan",
        "Verplaatsen", "Historie", "Verwijderen", "Paneel verbergen",
    ):
        assert tekst in html, tekst
    assert 'href="/monitor"' in html
    assert '<meta name="csrf-token" content="">' in html


def test_no_cdn_urls_only_tile_templates() -> None:
    html = kaart_html(_info())
    extern = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', html)
    assert extern == [], "geen scripts of stylesheets van buiten: de kaart moet offline werken"
    toegestaan = {b["url"] for b in BASISKAARTEN.values()}
    for naam in LAGEN:
        toegestaan |= set(re.findall(r"https?://[^\s,;|]+", attributie(naam, werkruimte_voorbeelddata=True)))
    gevonden = set(re.findall(r'https?://[^\s"\'<>\\]+', html))
    assert gevonden <= toegestaan, gevonden - toegestaan
    for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn", "fontawesome"):
        assert cdn not in html


def test_vendored_files_exist_with_licences() -> None:
    html = kaart_html(_info())
    paden = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert "kaart.js" in paden and "kaart.css" in paden
    assert any(p.endswith("leaflet.js") for p in paden) and any(p.endswith("leaflet.draw.js") for p in paden)
    for p in paden:
        assert (STATIC_DIR / p).is_file(), p
    for map_ in ("leaflet", "leaflet-draw", "leaflet-groupedlayercontrol"):
        assert (STATIC_DIR / "vendor" / map_ / "LICENSE").is_file()
    vendor = STATIC_DIR / "vendor"
    assert not list(vendor.rglob("package.json")) and not list(vendor.rglob("node_modules"))


def test_no_inline_layer_data() -> None:
    html = kaart_html(_info())
    assert "FeatureCollection" not in html
    assert '"coordinates"' not in html
    assert "L.geoJson(" not in html and "L.geoJSON(" not in html


def test_config_names_the_folium_objects_and_the_code_lists() -> None:
    html = kaart_html(_info())
    cfg = _config(html)
    assert f"var {cfg['kaart']} = L.map(" in html
    lagen = cfg["lagen"]
    assert isinstance(lagen, list) and [laag["naam"] for laag in lagen] == list(LAGEN)
    for laag in lagen:
        assert f"var {laag['variabele']} = L.featureGroup(" in html
        assert laag["groep"] in ("Huidige situatie", "Kansen", "Vlekkenplan", "Geschiktheid", "Gebieden")
    codes = cfg["codes"]
    assert isinstance(codes, dict)
    assert codes["soort"] == list(SOORTEN_KANS)
    assert codes["doelgroep"] == list(DOELGROEPEN)
    assert codes["status"] == list(STATUSSEN)
    kansen = next(laag for laag in lagen if laag["naam"] == "kansen")
    assert {v["naam"] for v in kansen["velden"]} >= {"naam", "soort", "doelgroep", "status", "toelichting"}
    # every group is in the layer control, in the documented order
    control = html[html.index("L.control.groupedLayers("):]
    posities = [control.index(f'"{g}": {{') for g in ("Huidige situatie", "Kansen", "Vlekkenplan", "Geschiktheid",
                                                      "Gebieden")]
    assert posities == sorted(posities)
    assert '"Geen achtergrond"' in control


def test_default_base_map_depends_on_location() -> None:
    html_nl = kaart_html(_info())
    html_fi = kaart_html(_info(bbox=(24.9, 60.15, 25.0, 60.2)))
    nl: dict[str, dict[str, str]] = _config(html_nl)  # type: ignore[assignment]
    fi: dict[str, dict[str, str]] = _config(html_fi)  # type: ignore[assignment]
    assert in_nederland((5.1, 52.2, 5.3, 52.35)) and not in_nederland((24.9, 60.15, 25.0, 60.2))
    assert f"{nl['basislagen']['PDOK BRT-Achtergrondkaart']}.addTo(" in html_nl
    assert f"{nl['basislagen']['OpenStreetMap']}.addTo(" not in html_nl
    assert f"{fi['basislagen']['OpenStreetMap']}.addTo(" in html_fi
    assert f"{fi['basislagen']['PDOK BRT-Achtergrondkaart']}.addTo(" not in html_fi
    assert "Kaartgegevens \\u0026copy; Kadaster" in html_nl and "OpenStreetMap-bijdragers" in html_nl
    assert '"errorTileUrl": "data:image/gif;base64,' in html_nl


def test_voorbeelddata_banner() -> None:
    assert "Voorbeelddata — geen echte gegevens" in kaart_html(_info(voorbeelddata=True))
    assert 'id="kk-voorbeeld"' not in kaart_html(_info(voorbeelddata=False))


def test_region_name_is_escaped() -> None:
    html = kaart_html(_info(regio="<script>alert(1)</script>"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _config(html)["regio"] == "<script>alert(1)</script>"


def test_only_stored_layers_are_on_the_map() -> None:
    html = kaart_html(_info(lagen=(KaartLaag("kansen", 0, "GEOMETRY"), KaartLaag("gemeenten", 7, "MULTIPOLYGON"))))
    assert [laag["naam"] for laag in _config(html)["lagen"]] == ["kansen", "gemeenten"]  # type: ignore[attr-defined]
    assert "Vlekkenplan" not in html[html.index("L.control.groupedLayers("):]


# --------------------------------------------------------------------------- routes


def test_kaart_info_from_workspace(kaartwerkruimte: Werkruimte) -> None:
    info = kaart_info(kaartwerkruimte)
    assert info.regio == "Gooi en Vechtstreek" and not info.voorbeelddata
    assert info.bbox is not None
    w, s, e, n = info.bbox
    assert 5.0 < w < e < 5.3 and 52.1 < s < n < 52.4  # the two gemeenten, in CRS84
    namen = {laag.naam: laag for laag in info.lagen}
    assert namen["kansen"].aantal == len(KANSEN) and namen["voorzieningen"].geometrietype == "POINT"
    assert {"vlekkenplan", "geschiktheid"} <= set(namen)
    assert ("GM0402", "Hilversum") in info.gemeenten


def test_route_serves_page_and_static_files(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    assert "Gooi en Vechtstreek" in r.text and "FeatureCollection" not in r.text
    for pad in ("/static/kaart.js", "/static/kaart.css", "/static/vendor/leaflet/leaflet.js",
                "/static/vendor/leaflet-draw/leaflet.draw.js",
                "/static/vendor/leaflet-draw/images/spritesheet.svg"):
        s = client.get(pad)
        assert s.status_code == 200, pad
    assert client.get("/static/../api/app.py").status_code == 404
    assert client.get("/static/bestaat-niet.js").status_code == 404


@pytest.mark.parametrize("formaat", ["geojson", "gpkg", "csv"])
def test_query_export_matches_query(client: TestClient, formaat: str) -> None:
    vraag = "doel=kansen&waar=doelgroep=geclusterd&binnen=100&van=voorzieningen&waar_ref=categorie=ontmoetingsruimte"
    antwoord = client.get(f"/api/query?{vraag}")
    assert antwoord.status_code == 200, antwoord.text
    ids = {f["id"] for f in antwoord.json()["features"]}
    assert len(ids) == 1
    r = client.get(f"/api/query/export?{vraag}&f={formaat}")
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"] and "zoekvraag_kansen" in r.headers["content-disposition"]
    if formaat == "geojson":
        fc = r.json()
        assert {f["id"] for f in fc["features"]} == ids
        assert all("afstand_m" in f["properties"] for f in fc["features"])
    elif formaat == "csv":
        tekst = r.content.decode("utf-8-sig")
        regels = tekst.strip().splitlines()
        assert "afstand_m" in regels[0] and len(regels) == 1 + len(ids)
        assert next(iter(ids)) in regels[1]
    else:
        assert r.content[:16] == b"SQLite format 3\x00"


def test_query_export_rejects_bad_input_in_dutch(client: TestClient) -> None:
    r = client.get("/api/query/export?doel=kansen&binnen=0&van=voorzieningen&f=csv")
    assert r.status_code == 400 and r.json()["code"]
    r = client.get("/api/query/export?doel=kansen&binnen=100&van=voorzieningen&f=shp")
    assert r.status_code == 400
    r = client.get("/api/query/export?doel=bestaatniet&binnen=100&van=voorzieningen&f=csv")
    assert r.status_code == 404 and "Onbekende laag" in r.json()["description"]


def test_urls_follow_the_root_path() -> None:
    html = kaart_html(_info(api_basis="/kk/api", static_basis="/kk/static", monitor_url="/kk/monitor"))
    assert re.findall(r'(?:src|href)="/static/', html) == []
    assert 'src="/kk/static/kaart.js"' in html and 'href="/kk/monitor"' in html and 'href="/kk/"' in html
    cfg = _config(html)
    assert cfg["api"] == "/kk/api" and cfg["zoekExport"] == "/kk/api/query/export"
