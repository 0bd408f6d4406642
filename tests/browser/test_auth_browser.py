"""Login, logout, roles and an XSS payload in the web map, end to end in headless Chromium.

The server runs with the default settings: reading closed, session cookie ``Secure`` (Chromium
treats http://127.0.0.1 as a secure context, so it keeps and sends the cookie). The user logs in
through the login page, draws a kans whose toelichting is an XSS payload, and the popup shows the
payload as text without running it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.settings import Settings
from tests._auth import WACHTWOORD, maak_account
from tests._browser import chromium, server, vereist_browser
from tests.browser.test_kaart_browser import _BEWAKING, TEGELS, Omgeving
from tests.test_kaart import bouw_kaartwerkruimte

pytestmark = [pytest.mark.browser, vereist_browser]

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def omgeving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Omgeving]:
    ws = bouw_kaartwerkruimte(tmp_path_factory.mktemp("authbrowser") / "ws")
    maak_account(ws.pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    maak_account(ws.pad, "lea", rol="lezer", wachtwoord=WACHTWOORD)
    with server(create_app(werkruimte=ws.pad, settings=Settings())) as basis, \
            chromium(breedte=1400, hoogte=900) as driver, httpx.Client(base_url=basis, timeout=30) as http:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": TEGELS})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _BEWAKING})
        yield Omgeving(basis, driver, ws, http)


def _aanmelden(o: Omgeving, naam: str, wachtwoord: str) -> None:
    o.typ("kk-login-naam", naam)
    o.typ("kk-login-wachtwoord", wachtwoord)
    o.klik("#kk-login-knop")


def _uitloggen(o: Omgeving) -> None:
    o.klik("#kk-uitloggen")
    o.wacht("return location.pathname === '/login'", melding="niet afgemeld")


def test_aanmelden_xss_als_tekst_en_afmelden(omgeving: Omgeving) -> None:
    o = omgeving
    o.driver.get(o.basis + "/")
    o.wacht("return location.pathname === '/login' && location.search === '?volgende=%2F'",
            melding="geen doorverwijzing naar het aanmeldformulier")
    assert o.js("return document.documentElement.lang") == "nl"
    _aanmelden(o, "anja", "verkeerd wachtwoord")
    o.wacht("return !!document.getElementById('kk-login-fout')")
    assert o.js("return document.getElementById('kk-login-fout').textContent") == (
        "Onbekende gebruikersnaam of verkeerd wachtwoord.")
    assert o.waarde("kk-login-naam") == "anja"  # the name is kept, the password not
    _aanmelden(o, "anja", WACHTWOORD)
    o.wacht("return location.pathname === '/' && window.kansenkaartKlaar === true", melding="kaart niet geladen")
    o.wacht("return !!document.getElementById('kk-uitloggen')", melding="geen knop Uitloggen")
    assert o.js("return document.getElementById('kk-gebruiker-naam').textContent") == "Aangemeld als anja"
    assert o.js("return document.getElementById('kk-gebruiker-rol').textContent") == " (aanjager)"
    assert "kansenkaart_sessie" not in o.js("return document.cookie")  # HttpOnly
    cookie = next(c for c in o.driver.get_cookies() if c["name"] == "kansenkaart_sessie")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    # draw a kans with the XSS payload as toelichting, through the form (session + CSRF token)
    o.klik(".leaflet-draw-draw-marker")
    o.klik_op_kaart(5.155, 52.215)
    o.wacht("return kansenkaart.formulier.modus === 'nieuw' && !!kansenkaart.formulier.geometrie")
    o.typ("kk-kans-naam", "<b>Vet</b> & co")
    o.kies("kk-kans-soort", "nieuwbouw")
    o.kies("kk-kans-doelgroep", "geclusterd")
    o.kies("kk-kans-status", "idee")
    o.typ("kk-kans-toelichting", XSS)
    o.klik("#kk-kans-opslaan")
    o.wacht("return kansenkaart.formulier.modus === 'bewerk' && !!kansenkaart.formulier.id",
            melding="kans niet opgeslagen")
    kid = o.js("return kansenkaart.formulier.id")
    historie = Werkruimte.open(o.werkruimte.pad).store.history(kid)
    assert list(historie[["gebruiker", "kanaal"]].itertuples(index=False, name=None)) == [("anja", "web")]

    # reload and open its popup: the payload is visible literally and inert
    o.open()
    o.js("kansenkaart.lagen.kansen.geojson.eachLayer(l => { if (l.feature.id === arguments[0]) l.openPopup(); })",
         kid)
    o.wacht("return !!document.querySelector('.leaflet-popup .kk-popup')")
    popup = "document.querySelector('.leaflet-popup .kk-popup')"
    tekst = o.js(f"return {popup}.textContent")
    assert XSS in tekst and "<b>Vet</b> & co" in tekst and "Laatst gewijzigd door anja" in tekst
    zichtbaar = o.js(f"return {popup}.innerText")
    assert XSS in zichtbaar  # shown on screen as text, not only present in the DOM
    assert o.js(f"return {popup}.querySelectorAll('script, img, b').length") == 0
    assert o.js("return window.__xss") is None
    assert o.fouten() == []

    _uitloggen(o)
    o.driver.get(o.basis + "/")
    o.wacht("return location.pathname === '/login'", melding="na afmelden nog toegang tot de kaart")
    r = o.http.get("/api/collections/kansen/items")
    assert r.status_code == 401


def test_lezer_ziet_geen_tekengereedschap_en_krijgt_403(omgeving: Omgeving) -> None:
    o = omgeving
    o.driver.get(o.basis + "/login")
    _aanmelden(o, "lea", WACHTWOORD)
    o.wacht("return location.pathname === '/' && window.kansenkaartKlaar === true")
    o.wacht("return document.documentElement.getAttribute('data-mag-schrijven') === 'nee'")
    assert o.js("return document.querySelector('.leaflet-draw').offsetParent") is None  # hidden
    antwoord: Any = o.driver.execute_async_script(
        "var klaar = arguments[arguments.length - 1];"
        "var csrf = document.querySelector('meta[name=\"csrf-token\"]').content;"
        "fetch('/api/collections/kansen/items', {method: 'POST', credentials: 'same-origin',"
        " headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},"
        " body: JSON.stringify({type: 'Feature', geometry: {type: 'Point', coordinates: [5.155, 52.215]},"
        " properties: {naam: 'x', soort: 'nieuwbouw', doelgroep: 'geclusterd', status: 'idee'}})})"
        ".then(r => r.json().then(b => klaar([r.status, b.description])));")
    assert antwoord[0] == 403 and "rol lezer" in antwoord[1]
    # without the CSRF token the same request is refused before anything else
    antwoord = o.driver.execute_async_script(
        "var klaar = arguments[arguments.length - 1];"
        "fetch('/api/collections/kansen/items/K1', {method: 'DELETE', credentials: 'same-origin',"
        " headers: {'If-Match': '*'}}).then(r => r.json().then(b => klaar([r.status, b.code])));")
    assert antwoord == [403, "csrf_ongeldig"]
    _uitloggen(o)
