"""Authentication and authorisation over HTTP: every role on every write path, sessions with CSRF,
tokens, the read policy, login (rate limit, redirects), HTTP import, history export, and bad input.

The workspace is :func:`tests.query_fixture.maak_werkruimte`: Hilversum (GM0402) west of
x = 140 150, Gooise Meren (GM1942) east of it; K1, K2, K4, K5 lie in Hilversum, K3 in Gooise
Meren, K6 (Hilversum) is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import huidige_gebruiker
from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.settings import Settings
from tests._auth import WACHTWOORD, bearer, csrf_van_pagina, inloggen, maak_account, maak_token
from tests.query_fixture import maak_werkruimte

ITEMS = "/api/collections/kansen/items"
ROLLEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "beheerder": ("beheerder", ()),
    "aanjager": ("aanjager", ()),
    "bewerker": ("bewerker", ("GM0402",)),
    "lezer": ("lezer", ()),
}


def _punt(x: float, y: float) -> dict[str, Any]:
    """A GeoJSON point in RD (sent with Content-Crs)."""
    return {"type": "Point", "coordinates": [x, y]}


RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
IN_HILVERSUM = _punt(140_000, 470_020)
IN_GOOISE_MEREN = _punt(140_500, 470_000)
KANS = {"naam": "Hofje", "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": "idee"}


def _ws(tmp_path: Path) -> Path:
    pad = tmp_path / "ws"
    maak_werkruimte(pad)
    return pad


@pytest.fixture
def pad(tmp_path: Path) -> Path:
    return _ws(tmp_path)


@pytest.fixture
def app(pad: Path) -> Any:
    return create_app(werkruimte=pad, settings=Settings())


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as c:
        yield c


# --------------------------------------------------------------------------- the write paths, per role

Schrijver = Callable[..., Any]
"""``schrijf(methode, pad, **kwargs) -> Response`` with the credentials of one role."""

ACTIES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (name, method, path, request kwargs); ETag filled in per request. Order matters (one workspace per role).
    ("wijzig K1 (Hilversum)", "PATCH", f"{ITEMS}/K1", {"json": {"properties": {"status": "verkenning"}}}),
    ("verplaats K1 binnen Hilversum", "PATCH", f"{ITEMS}/K1", {"json": {"geometry": _punt(140_040, 470_010)}}),
    ("wijzig K3 (Gooise Meren)", "PATCH", f"{ITEMS}/K3", {"json": {"properties": {"status": "vervallen"}}}),
    ("vervang K3 (Gooise Meren)", "PUT", f"{ITEMS}/K3",
     {"json": {"type": "Feature", "geometry": _punt(140_300, 470_000), "properties": KANS}}),
    ("verwijder K3 (Gooise Meren)", "DELETE", f"{ITEMS}/K3", {}),
    ("gemeentecode Hilversum op K2 in Gooise Meren", "PATCH", f"{ITEMS}/K2",
     {"json": {"geometry": _punt(140_600, 470_085), "properties": {"gemeentecode": "GM0402"}}}),
    ("verplaats K1 naar Gooise Meren", "PATCH", f"{ITEMS}/K1", {"json": {"geometry": _punt(140_400, 470_010)}}),
    ("verwijder K4 (Hilversum)", "DELETE", f"{ITEMS}/K4", {}),
    ("maak in Hilversum", "POST", ITEMS, {"json": {"type": "Feature", "geometry": IN_HILVERSUM, "properties": KANS}}),
    ("maak in Gooise Meren", "POST", ITEMS, {"json": {"type": "Feature", "geometry": IN_GOOISE_MEREN,
                                                      "properties": KANS}}),
    ("maak in Gooise Meren met code Hilversum", "POST", ITEMS,
     {"json": {"type": "Feature", "geometry": IN_GOOISE_MEREN, "properties": {**KANS, "gemeentecode": "GM0402"}}}),
    ("herstel K6", "POST", f"{ITEMS}/K6/herstel", {}),
]
VERWACHT: dict[str, list[int]] = {
    # A gemeentecode that contradicts the location is bad input (400) for every writer; a
    # bewerker is refused a kans of another gemeente (403) before its input is looked at.
    "beheerder": [200, 200, 200, 200, 204, 400, 200, 204, 201, 201, 400, 200],
    "aanjager": [200, 200, 200, 200, 204, 400, 200, 204, 201, 201, 400, 403],
    "bewerker": [200, 200, 403, 403, 403, 400, 403, 204, 201, 403, 400, 403],
    "lezer": [403] * len(ACTIES),
}


def _voer_uit(schrijf: Schrijver, lees: Callable[[str], Any]) -> list[tuple[int, dict[str, Any] | None]]:
    uit = []
    for _naam, methode, pad, kwargs in ACTIES:
        headers = dict(kwargs.get("headers", {}))
        if methode in ("PATCH", "PUT", "DELETE"):
            r = lees(pad)
            assert r.status_code == 200, r.text
            headers["If-Match"] = r.headers["etag"]
        if "json" in kwargs:
            headers["Content-Crs"] = RD
        r = schrijf(methode, pad, json=kwargs.get("json"), headers=headers)
        body = r.json() if r.headers.get("content-type", "").startswith("application/") and r.content else None
        uit.append((r.status_code, body))
    return uit


def _controleer(rol: str, uitkomst: list[tuple[int, dict[str, Any] | None]], naam: str, kanaal: str, pad: Path) -> None:
    statussen = [s for s, _b in uitkomst]
    assert statussen == VERWACHT[rol], list(zip([a[0] for a in ACTIES], statussen, strict=True))
    for (actie, *_), (status, body) in zip(ACTIES, uitkomst, strict=True):
        if status == 403:
            assert body is not None and body["code"] == "geen_toegang", (actie, body)
            tekst = body["description"]
            if rol == "lezer":
                assert "rol lezer" in tekst
            elif "herstel" in actie:
                assert "Alleen een beheerder" in tekst
            else:
                assert "Gooise Meren (GM1942)" in tekst and "u bewerkt alleen kansen in Hilversum (GM0402)" in tekst
        if status == 400:
            assert body is not None, actie
            assert "gemeentecode" in str(body), (actie, body)
            assert "de locatie ligt in GM1942 Gooise Meren, niet in GM0402 Hilversum" in str(body), (actie, body)
        if "verplaats K1 naar" in actie and status == 403 and rol == "bewerker":
            assert "niet van Hilversum (GM0402) naar Gooise Meren (GM1942) verplaatsen" in body["description"]  # type: ignore[index]
    from kansenkaart.io.werkruimte import Werkruimte

    hist = Werkruimte.open(pad).store.history()
    eigen = hist[hist["gebruiker"] == naam]
    geslaagd = sum(1 for s in statussen if s < 300)
    assert len(eigen) == geslaagd and set(eigen["kanaal"]) <= {kanaal}


@pytest.mark.parametrize("rol", list(ROLLEN))
def test_api_token_elke_rol_elk_schrijfpad(tmp_path: Path, rol: str) -> None:
    pad = _ws(tmp_path)
    token = maak_token(pad, f"api-{rol}", rol=ROLLEN[rol][0], gemeenten=ROLLEN[rol][1])
    with TestClient(create_app(werkruimte=pad, settings=Settings()), headers=bearer(token)) as c:
        uitkomst = _voer_uit(lambda m, p, **kw: c.request(m, p, **kw), c.get)
    _controleer(rol, uitkomst, f"api-{rol}", "api", pad)


@pytest.mark.parametrize("rol", list(ROLLEN))
def test_webformulier_sessie_met_csrf_elke_rol(tmp_path: Path, rol: str) -> None:
    pad = _ws(tmp_path)
    maak_account(pad, f"web-{rol}", rol=ROLLEN[rol][0], gemeenten=ROLLEN[rol][1], wachtwoord=WACHTWOORD)
    with TestClient(create_app(werkruimte=pad, settings=Settings()), base_url="https://testserver") as c:
        csrf = inloggen(c, f"web-{rol}")

        def schrijf(methode: str, pad_: str, **kw: Any) -> Any:
            kw["headers"] = {**kw.get("headers", {}), "X-CSRF-Token": csrf}
            return c.request(methode, pad_, **kw)

        uitkomst = _voer_uit(schrijf, c.get)
    _controleer(rol, uitkomst, f"web-{rol}", "web", pad)


def test_anoniem_mag_niet_schrijven_ook_niet_als_lezen_open_is(pad: Path) -> None:
    for settings in (Settings(), Settings(lezen_zonder_login=True)):
        with TestClient(create_app(werkruimte=pad, settings=settings)) as c:
            r = c.post(ITEMS, json={"type": "Feature", "geometry": _punt(5.16, 52.21), "properties": KANS})
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
            r = c.patch(f"{ITEMS}/K1", json={"properties": {"status": "idee"}}, headers={"If-Match": '"1"'})
            assert r.status_code == 401
            assert c.post(f"{ITEMS}/K6/herstel").status_code == 401


def test_bewerker_met_if_match_ster_schrijft_alleen_de_gecontroleerde_versie(pad: Path) -> None:
    token = maak_token(pad, "bert", rol="bewerker", gemeenten=("GM0402",))
    with TestClient(create_app(werkruimte=pad, settings=Settings()), headers=bearer(token)) as c:
        r = c.patch(f"{ITEMS}/K1", json={"properties": {"status": "verkenning"}}, headers={"If-Match": "*"})
        assert r.status_code == 200 and r.headers["etag"] == '"2"'
        r = c.patch(f"{ITEMS}/K3", json={"properties": {"status": "verkenning"}}, headers={"If-Match": "*"})
        assert r.status_code == 403


def test_rol_wijziging_geldt_direct(pad: Path) -> None:
    token = maak_token(pad, "bert", rol="bewerker", gemeenten=("GM0402",))
    with TestClient(create_app(werkruimte=pad, settings=Settings()), headers=bearer(token)) as c:
        Gebruikersdb.van_werkruimte(pad).wijzig("bert", rol="lezer")
        r = c.patch(f"{ITEMS}/K1", json={"properties": {"status": "verkenning"}}, headers={"If-Match": '"1"'})
        assert r.status_code == 403 and "rol lezer" in r.json()["description"]
        Gebruikersdb.van_werkruimte(pad).wijzig("bert", rol="bewerker", gemeenten=["GM1942"])
        r = c.patch(f"{ITEMS}/K3", json={"properties": {"status": "verkenning"}}, headers={"If-Match": '"1"'})
        assert r.status_code == 200


# --------------------------------------------------------------------------- CSRF and sessions


def test_csrf_verplicht_bij_sessie(pad: Path, client: TestClient) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    csrf = inloggen(client, "anja")
    patch = {"properties": {"status": "verkenning"}}
    for kop in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": csrf + "x"}, {"X-CSRF-Token": "a" * 43}):
        r = client.patch(f"{ITEMS}/K1", json=patch, headers={"If-Match": '"1"', **kop})
        assert r.status_code == 403 and r.json()["code"] == "csrf_ongeldig", kop
        assert "Laad de pagina opnieuw" in r.json()["description"]
    for methode in ("POST", "DELETE"):
        assert client.request(methode, f"{ITEMS}/K6/herstel" if methode == "POST" else f"{ITEMS}/K1",
                              headers={"If-Match": '"1"'}).status_code == 403
    assert client.get(f"{ITEMS}/K1").status_code == 200  # reading needs no CSRF token
    r = client.patch(f"{ITEMS}/K1", json=patch, headers={"If-Match": '"1"', "X-CSRF-Token": csrf})
    assert r.status_code == 200
    # the spatial query by POST is a read, but with a session cookie it is an unsafe method too
    vraag = {"doel": "kansen", "binnen": 100, "van": "voorzieningen"}
    assert client.post("/api/query", json=vraag).status_code == 403
    assert client.post("/api/query", json=vraag, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_token_gaat_voor_sessie_en_is_csrf_vrij(pad: Path, client: TestClient) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    inloggen(client, "anja")
    token = maak_token(pad, "robot", rol="aanjager")
    r = client.patch(f"{ITEMS}/K1", json={"properties": {"status": "verkenning"}},
                     headers={"If-Match": '"1"', **bearer(token)})
    assert r.status_code == 200 and r.json()["properties"]["gewijzigd_door"] == "robot"
    assert client.get(f"{ITEMS}/K1/historie").json()[-1]["kanaal"] == "api"


def test_sessiecookie_vlaggen(pad: Path) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    for secure in (True, False):
        with TestClient(create_app(werkruimte=pad, settings=Settings(cookie_secure=secure)),
                        base_url="https://testserver") as c:
            m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert m is not None
            r = c.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD, "csrf_token": m.group(1)},
                       follow_redirects=False)
            cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and "kansenkaart_sessie=" in v)
            delen = {d.strip().split("=")[0].lower() for d in cookie.split(";")}
            assert {"httponly", "path"} <= delen and "samesite=lax" in cookie.lower()
            assert ("secure" in delen) is secure and "max-age" not in delen and "expires" not in delen


def test_aanmelden_uitloggen_en_doorverwijzen(pad: Path, client: TestClient) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    r = client.get("/monitor", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?volgende=%2Fmonitor"
    pagina = client.get("/login?volgende=/monitor")
    assert pagina.status_code == 200 and "Aanmelden" in pagina.text and 'lang="nl"' in pagina.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', pagina.text)
    assert token is not None
    for volgende, doel in (("/monitor", "/monitor"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
                           ("/\\evil.example", "/"), ("javascript:alert(1)", "/")):
        r = client.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD, "csrf_token": token.group(1),
                                        "volgende": volgende}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == doel, volgende
        client.cookies.clear()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
    csrf = inloggen(client, "anja")
    assert client.get("/login", follow_redirects=False).status_code == 303  # logged in already
    ik = client.get("/api/aanmelding").json()
    assert (ik["aangemeld"], ik["naam"], ik["rol"], ik["via"]) == (True, "anja", "aanjager", "sessie")
    assert client.post("/logout", data={"csrf_token": "fout"}, follow_redirects=False).status_code == 403
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/api/collections").status_code == 401
    assert client.get("/api/aanmelding").json()["aangemeld"] is False


def test_aanmeldfouten_zijn_nederlands_en_veilig(pad: Path) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    settings = Settings(login_pogingen_per_minuut=3)
    with TestClient(create_app(werkruimte=pad, settings=settings), base_url="https://testserver") as c:
        m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert m is not None
        r = c.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD})  # no CSRF token
        assert r.status_code == 403 and "verlopen" in r.text
        kwaad = '<script>alert("x")</script>'
        r = c.post("/login", data={"naam": kwaad, "wachtwoord": "fout", "csrf_token": m.group(1)})
        assert r.status_code == 401 and "Onbekende gebruikersnaam of verkeerd wachtwoord." in r.text
        assert kwaad not in r.text and "&lt;script&gt;" in r.text
        for _ in range(2):
            assert c.post("/login", data={"naam": "anja", "wachtwoord": "fout", "csrf_token": m.group(1)}
                          ).status_code == 401
        r = c.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD, "csrf_token": m.group(1)})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and "Te veel mislukte" in r.text
    # a restart does not reset the count
    with TestClient(create_app(werkruimte=pad, settings=settings), base_url="https://testserver") as c:
        m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert m is not None
        r = c.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD, "csrf_token": m.group(1)})
        assert r.status_code == 429


def test_inloggen_over_http_naar_ander_adres_legt_uit_waarom_niet(pad: Path) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    with TestClient(create_app(werkruimte=pad, settings=Settings()), base_url="http://kaart.gemeente.nl") as c:
        assert "alleen via HTTPS" in c.get("/login").text
        m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert m is not None
        r = c.post("/login", data={"naam": "anja", "wachtwoord": WACHTWOORD, "csrf_token": m.group(1)})
        assert r.status_code == 400 and "alleen via HTTPS" in r.text and "set-cookie" not in {
            k for k, v in r.headers.multi_items() if "kansenkaart_sessie=" in v}


def test_wachtwoord_wijzigen_en_uitschakelen_beeindigen_sessies(pad: Path, client: TestClient) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    inloggen(client, "anja")
    assert client.get("/api/collections").status_code == 200
    Gebruikersdb.van_werkruimte(pad).wijzig("anja", wachtwoord="een ander lang wachtwoord")
    assert client.get("/api/collections").status_code == 401
    inloggen(client, "anja", "een ander lang wachtwoord")
    maak_account(pad, "baas", rol="beheerder")
    Gebruikersdb.van_werkruimte(pad).verwijder("anja")
    assert client.get("/api/collections").status_code == 401


# --------------------------------------------------------------------------- tokens and the read policy


def test_lezen_standaard_dicht(pad: Path, client: TestClient) -> None:
    r = client.get("/api/collections")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="kansenkaart"'
    assert r.json()["code"] == "niet_aangemeld" and "Authorization: Bearer" in r.json()["description"]
    for url in ("/api/collections/kansen/items", "/api/query?doel=kansen&binnen=10&van=voorzieningen",
                "/api/werkruimte", "/api/monitor", "/api/collections/kansen/items/K1/historie",
                "/api/collections/kansen/export?f=csv"):
        assert client.get(url).status_code == 401, url
    r = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?volgende=%2F"
    assert client.get("/", follow_redirects=False).status_code == 401  # not a browser: JSON
    # describing the API is open: landing page, conformance, OpenAPI, docs, static files
    for url in ("/api", "/api/conformance", "/api/openapi.json", "/api/docs", "/static/kaart.js", "/login"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    doc = client.get("/api/openapi.json").json()
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer",
        "description": "API-token: `Authorization: Bearer <token>` (`kansenkaart token maken GEBRUIKER`)."}
    assert doc["security"] == [{"token": []}, {"sessie": []}]
    assert "401" in doc["paths"]["/collections"]["get"]["responses"]
    assert "403" in doc["paths"]["/collections/kansen/items"]["post"]["responses"]


def test_lezen_open_via_instelling_of_werkruimte(pad: Path) -> None:
    from kansenkaart.io.werkruimte import Werkruimte

    with TestClient(create_app(werkruimte=pad, settings=Settings(lezen_zonder_login=True))) as c:
        assert c.get("/api/collections").status_code == 200
        assert c.get("/", headers={"accept": "text/html"}).status_code == 200
        assert c.get("/api/aanmelding").json() == {
            "aangemeld": False, "lezen_zonder_login": True, "login_url": "/login?volgende=%2F",
            "logout_url": "/logout", "naam": "anoniem", "rol": "lezer", "gemeenten": [], "via": "anoniem",
            "mag_schrijven": False}
    Werkruimte.open(pad).store.set_meta("lezen_zonder_login", "ja")  # what 'kansenkaart demo' does
    with TestClient(create_app(werkruimte=pad, settings=Settings())) as c:
        assert c.get("/api/collections").status_code == 200
    # an explicit setting wins over the workspace
    with TestClient(create_app(werkruimte=pad, settings=Settings(lezen_zonder_login=False))) as c:
        assert c.get("/api/collections").status_code == 401


def test_ongeldige_ingetrokken_en_uitgeschakelde_tokens(pad: Path) -> None:
    token = maak_token(pad, "robot", rol="aanjager")
    db = Gebruikersdb.van_werkruimte(pad)
    with TestClient(create_app(werkruimte=pad, settings=Settings(lezen_zonder_login=True))) as c:
        assert c.get("/api/collections", headers=bearer(token)).status_code == 200
        for kop in ({"Authorization": "Bearer kk_onzin"}, {"Authorization": "Basic YTpi"},
                    {"Authorization": "Bearer"}, {"Authorization": token}):
            r = c.get("/api/collections", headers=kop)
            assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"], kop
            assert c.get("/api", headers=kop).status_code == 401  # open route, but a bad token is still refused
        db.trek_token_in(db.tokens("robot")[0].id)
        r = c.get("/api/collections", headers=bearer(token))
        assert r.status_code == 401 and "ingetrokken" in r.json()["description"]
        token2 = maak_token(pad, "robot")
        maak_account(pad, "baas", rol="beheerder")
        db.wijzig("robot", actief=False)
        assert c.get("/api/collections", headers=bearer(token2)).status_code == 401
        db.wijzig("robot", actief=True)
        assert c.get("/api/collections", headers=bearer(token2)).status_code == 401  # stays revoked


def test_elke_schrijfroute_controleert_de_gebruiker(app: Any) -> None:
    """Every route with an unsafe method depends on huidige_gebruiker (login and logout check their own CSRF)."""

    def afhankelijkheden(dep: Any) -> set[Any]:
        uit = {dep.call}
        for sub in dep.dependencies:
            uit |= afhankelijkheden(sub)
        return uit

    def routes(lijst: Any) -> Iterator[Any]:
        for route in lijst:
            inner = getattr(route, "original_router", None)  # FastAPI >= 0.16x wraps included routers
            if inner is not None:
                yield from routes(inner.routes)
            else:
                yield route

    gecontroleerd = 0
    for route in routes(app.routes):
        if not isinstance(route, APIRoute) or not (route.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            continue
        if route.path in ("/login", "/logout"):
            continue
        assert huidige_gebruiker in afhankelijkheden(route.dependant), route.path
        gecontroleerd += 1
    assert gecontroleerd >= 7


# --------------------------------------------------------------------------- HTTP import


def _csv(rijen: list[tuple[str, str, float, float, str]]) -> bytes:
    regels = ["bron_id;naam;soort;doelgroep;status;rd_x;rd_y;gemeentecode"]
    regels += [f"{b};{n};nieuwbouw;geclusterd;idee;{x};{y};{g}" for b, n, x, y, g in rijen]
    return ("\r\n".join(regels) + "\r\n").encode("utf-8")


PARTNER = _csv([
    ("p1", "In Hilversum", 140_000, 470_000, ""),
    ("p2", "In Gooise Meren", 140_500, 470_000, ""),
    ("p3", "In Gooise Meren, code Hilversum", 140_600, 470_000, "GM0402"),
])


@pytest.mark.parametrize(
    ("rol", "laag", "status", "nieuw", "afgekeurd"),
    [
        # p3's gemeentecode contradicts its location: bad input for every role.
        ("beheerder", "kansen", 200, 2, 1),
        ("aanjager", "kansen", 200, 2, 1),
        ("bewerker", "kansen", 200, 1, 2),
        ("lezer", "kansen", 403, None, None),
        ("bewerker", "zorgcentra", 403, None, None),
        ("aanjager", "zorgcentra", 200, None, None),
    ],
)
def test_http_import_per_rol(pad: Path, rol: str, laag: str, status: int, nieuw: int | None,
                             afgekeurd: int | None) -> None:
    token = maak_token(pad, f"imp-{rol}", rol=ROLLEN[rol][0], gemeenten=ROLLEN[rol][1])
    with TestClient(create_app(werkruimte=pad, settings=Settings()), headers=bearer(token)) as c:
        r = c.post(f"/api/collections/{laag}/import", files={"bestand": ("partner.csv", PARTNER, "text/csv")})
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["code"] == "geen_toegang"
        return
    if nieuw is None:
        return
    uit = r.json()
    assert (uit["gelezen"], uit["nieuw"], uit["afgekeurd"]) == (3, nieuw, afgekeurd)
    if afgekeurd:
        redenen = [a["reden"] for a in uit["afkeuringen"]]
        assert len(redenen) == afgekeurd
        assert any("de locatie ligt in GM1942 Gooise Meren, niet in GM0402 Hilversum" in x for x in redenen), redenen
        if rol == "bewerker":
            assert any("Gooise Meren (GM1942)" in x and "Hilversum (GM0402)" in x for x in redenen), redenen
    from kansenkaart.io.werkruimte import Werkruimte

    hist = Werkruimte.open(pad).store.history()
    eigen = hist[hist["gebruiker"] == f"imp-{rol}"]
    assert len(eigen) == nieuw and set(eigen["kanaal"]) == {"import"}


def test_http_import_grenzen_en_slechte_bestanden(pad: Path) -> None:
    token = maak_token(pad)
    with TestClient(create_app(werkruimte=pad, settings=Settings(max_import_features=2, max_body_bytes=2_000)),
                    headers=bearer(token)) as c:
        url = "/api/collections/kansen/import"
        r = c.post(url, files={"bestand": ("partner.csv", PARTNER, "text/csv")})
        assert r.status_code == 413 and "grens is 2" in r.json()["description"]
        r = c.post(url, files={"bestand": ("groot.csv", PARTNER + b"x" * 3_000, "text/csv")})
        assert r.status_code == 413 and r.json()["code"] == "te_groot"
        for naam, inhoud in (("virus.exe", b"MZ"), ("geen_extensie", b"a;b"), ("leeg.csv", b""),
                             ("kapot.gpkg", b"SQLite format 3\x00" + b"\xff" * 200), ("kapot.xlsx", b"PK\x03\x04"),
                             ("kapot.geojson", b'{"type": "FeatureCollection", "features": [{'),
                             ("../../etc/passwd.csv", b"root:x:0:0")):
            r = c.post(url, files={"bestand": (naam, inhoud, "application/octet-stream")})
            assert r.status_code == 400, (naam, r.text)
            assert r.json()["description"], naam
        assert c.post(url).status_code == 400  # no file at all


def test_historie_export(pad: Path) -> None:
    tokens = {rol: maak_token(pad, f"h-{rol}", rol=ROLLEN[rol][0], gemeenten=ROLLEN[rol][1]) for rol in ROLLEN}
    with TestClient(create_app(werkruimte=pad, settings=Settings())) as c:
        r = c.patch(f"{ITEMS}/K1", json={"properties": {"status": "verkenning"}},
                    headers={"If-Match": '"1"', **bearer(tokens["aanjager"])})
        assert r.status_code == 200
        for rol in ("beheerder", "aanjager"):
            r = c.get("/api/collections/kansen/historie?f=json", headers=bearer(tokens[rol]))
            assert r.status_code == 200
            regels = r.json()
            assert len(regels) == 8 and regels[-1]["gebruiker"] == "h-aanjager" and regels[-1]["kanaal"] == "api"
            assert regels[-1]["wijzigingen"] == {"status": ["idee", "verkenning"]}
        r = c.get("/api/collections/kansen/historie?f=csv", headers=bearer(tokens["aanjager"]))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        assert r.content.decode("utf-8-sig").splitlines()[-1].startswith("K1,2,gewijzigd,h-aanjager,")
        for rol in ("bewerker", "lezer"):
            r = c.get("/api/collections/kansen/historie", headers=bearer(tokens[rol]))
            assert r.status_code == 403 and "aanjager en de beheerder" in r.json()["description"]
        assert c.get("/api/collections/kansen/historie?f=pdf", headers=bearer(tokens["beheerder"])).status_code == 400


# --------------------------------------------------------------------------- bad input: always a clear 4xx

_NESTING = b'{"type": "Feature", "properties": {}, "geometry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
_VEEL_HOEKEN = [[5.16 + 0.001 * (i % 2), 52.21 + 0.00001 * i] for i in range(10_001)] + [[5.16, 52.21]]


def _f(geometry: Any = None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry if geometry is not None else {"type": "Point",
            "coordinates": [5.16917, 52.21807]}, "properties": {**KANS, **props}}


SLECHT: list[tuple[str, str, str, dict[str, Any]]] = [
    ("onvolledige JSON", "POST", ITEMS, {"content": b'{"type": "Feature", ', "headers": {"content-type":
                                                                                         "application/json"}}),
    ("geen JSON", "POST", ITEMS, {"content": b"hallo", "headers": {"content-type": "application/json"}}),
    ("tekst in plaats van JSON", "POST", ITEMS, {"content": b"x", "headers": {"content-type": "text/plain"}}),
    ("XML", "POST", ITEMS, {"content": b"<kans/>", "headers": {"content-type": "application/xml"}}),
    ("ongeldige UTF-8", "POST", ITEMS, {"content": b'{"type": "Feature", "properties": {"naam": "\xff\xfe"}}',
                                        "headers": {"content-type": "application/json"}}),
    ("lijst in plaats van object", "POST", ITEMS, {"json": [1, 2, 3]}),
    ("diep genest", "POST", ITEMS, {"content": _NESTING, "headers": {"content-type": "application/json"}}),
    ("geen geometrie", "POST", ITEMS, {"json": {"type": "Feature", "properties": KANS}}),
    ("FeatureCollection", "POST", ITEMS, {"json": {"type": "FeatureCollection", "features": []}}),
    ("onbekend geometrietype", "POST", ITEMS, {"json": _f({"type": "Circle", "coordinates": [5.1, 52.2]})}),
    ("lijn", "POST", ITEMS, {"json": _f({"type": "LineString", "coordinates": [[5.16, 52.21], [5.17, 52.22]]})}),
    ("multipunt", "POST", ITEMS, {"json": _f({"type": "MultiPoint", "coordinates": [[5.16, 52.21]]})}),
    ("coördinaten tekst", "POST", ITEMS, {"json": _f({"type": "Point", "coordinates": "abc"})}),
    ("één coördinaat", "POST", ITEMS, {"json": _f({"type": "Point", "coordinates": [5.1]})}),
    ("NaN", "POST", ITEMS, {"content": b'{"type": "Feature", "properties": {}, "geometry": {"type": "Point", '
                                       b'"coordinates": [NaN, 52.2]}}', "headers": {"content-type":
                                                                                   "application/json"}}),
    ("oneindig", "POST", ITEMS, {"content": b'{"type": "Feature", "properties": {}, "geometry": {"type": "Point", '
                                            b'"coordinates": [1e400, 52.2]}}',
                                 "headers": {"content-type": "application/json"}}),
    ("lege geometrie", "POST", ITEMS, {"json": _f({"type": "Polygon", "coordinates": []})}),
    ("ring van twee punten", "POST", ITEMS, {"json": _f({"type": "Polygon", "coordinates": [[[5.16, 52.21],
                                                                                             [5.17, 52.21]]]})}),
    ("zichzelf snijdend vlak", "POST", ITEMS, {"json": _f({"type": "Polygon", "coordinates": [[
        [5.16, 52.21], [5.17, 52.22], [5.17, 52.21], [5.16, 52.22], [5.16, 52.21]]]})}),
    ("te veel hoekpunten", "POST", ITEMS, {"json": _f({"type": "Polygon", "coordinates": [_VEEL_HOEKEN]})}),
    ("buiten de regio", "POST", ITEMS, {"json": _f({"type": "Point", "coordinates": [4.0, 51.5]})}),
    ("buiten de wereld", "POST", ITEMS, {"json": _f({"type": "Point", "coordinates": [200.0, 100.0]})}),
    ("breedte en lengte verwisseld", "POST", ITEMS, {"json": _f({"type": "Point", "coordinates": [52.218, 5.169]})}),
    ("stuurteken in naam", "POST", ITEMS, {"json": _f(naam="Hofje\x07")}),
    ("nul-teken in toelichting", "POST", ITEMS, {"json": _f(toelichting="a\x00b")}),
    ("escape-reeks in naam", "POST", ITEMS, {"json": _f(naam="\x1b[31mrood")}),
    ("losse surrogaat", "POST", ITEMS, {"content": b'{"type": "Feature", "geometry": {"type": "Point", '
                                                   b'"coordinates": [5.169, 52.218]}, "properties": {"naam": '
                                                   b'"\\ud800", "soort": "nieuwbouw", "doelgroep": "geclusterd", '
                                                   b'"status": "idee"}}',
                                        "headers": {"content-type": "application/json"}}),
    ("onbekend veld", "POST", ITEMS, {"json": _f(kleur="rood")}),
    ("onbekende code", "POST", ITEMS, {"json": _f(doelgroep="senioren")}),
    ("getal is tekst", "POST", ITEMS, {"json": _f(aantal_woningen="veel")}),
    ("negatief aantal", "POST", ITEMS, {"json": _f(aantal_woningen=-5)}),
    ("te lange naam", "POST", ITEMS, {"json": _f(naam="x" * 10_000)}),
    ("properties is een lijst", "POST", ITEMS, {"json": {"type": "Feature", "geometry": {"type": "Point",
                                                "coordinates": [5.169, 52.218]}, "properties": [1]}}),
    ("gemeentecode buiten de regio", "POST", ITEMS, {"json": _f(gemeentecode="GM0363")}),
    ("onbekend Content-Crs", "POST", ITEMS, {"json": _f(), "headers": {"Content-Crs": "EPSG:3857"}}),
    ("body te groot", "POST", ITEMS, {"content": b"{" + b" " * 5_100_000 + b"}",
                                      "headers": {"content-type": "application/json"}}),
    ("PATCH zonder If-Match", "PATCH", f"{ITEMS}/K1", {"json": {"properties": {"status": "idee"}}}),
    ("If-Match onzin", "PATCH", f"{ITEMS}/K1", {"json": {"properties": {"status": "idee"}},
                                                "headers": {"If-Match": '"abc"'}}),
    ("If-Match oud", "PATCH", f"{ITEMS}/K1", {"json": {"properties": {"status": "idee"}},
                                              "headers": {"If-Match": '"0"'}}),
    ("verplicht veld leeg maken", "PATCH", f"{ITEMS}/K1", {"json": {"properties": {"naam": None}},
                                                           "headers": {"If-Match": "*"}}),
    ("geometrie null bij PUT", "PUT", f"{ITEMS}/K1", {"json": {"type": "Feature", "geometry": None,
                                                               "properties": KANS}, "headers": {"If-Match": "*"}}),
    ("onbekende kans", "PATCH", f"{ITEMS}/bestaatniet", {"json": {"properties": {}}, "headers": {"If-Match": "*"}}),
    ("herstel van niet-verwijderde kans", "POST", f"{ITEMS}/K1/herstel", {}),
    ("limit te groot", "GET", "/api/collections/kansen/items?limit=100000", {}),
    ("bbox onzin", "GET", "/api/collections/kansen/items?bbox=a,b,c,d", {}),
    ("bbox verkeerd om", "GET", "/api/collections/kansen/items?bbox=6,53,5,52", {}),
    ("onbekende filter", "GET", "/api/collections/kansen/items?kleur=rood", {}),
    ("afstand te groot", "GET", "/api/query?doel=kansen&binnen=100000&van=voorzieningen", {}),
    ("import zonder bestand", "POST", "/api/collections/kansen/import", {}),
    ("import onleesbaar", "POST", "/api/collections/kansen/import",
     {"files": {"bestand": ("x.geojson", b"\x00\x01", "application/geo+json")}}),
]


def test_slechte_invoer_geeft_een_duidelijke_4xx(pad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = maak_token(pad)
    statussen: dict[int, int] = {}
    with TestClient(create_app(werkruimte=pad, settings=Settings()), headers=bearer(token),
                    raise_server_exceptions=False) as c:
        for naam, methode, url, kwargs in SLECHT:
            r = c.request(methode, url, **kwargs)
            statussen[r.status_code] = statussen.get(r.status_code, 0) + 1
            assert 400 <= r.status_code < 500, (naam, r.status_code, r.text[:300])
            body = r.json()
            assert body["description"] and body["code"], naam
        # nothing was stored
        assert c.get(ITEMS).json()["numberMatched"] == 5
    with capsys.disabled():
        print(f"\nslechte invoer: {len(SLECHT)} soorten geprobeerd, statussen {dict(sorted(statussen.items()))}, "
              "geen 5xx")


def test_geen_html_injectie_in_de_kaartpagina(pad: Path) -> None:
    maak_account(pad, "anja", rol="aanjager", wachtwoord=WACHTWOORD)
    with TestClient(create_app(werkruimte=pad, settings=Settings()), base_url="https://testserver") as c:
        csrf = inloggen(c, "anja")
        html = c.get("/").text
        assert csrf_van_pagina(html) == csrf and re.fullmatch(r"[A-Za-z0-9_-]{43}", csrf)
        r = c.get("/login?volgende=//evil.example", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"  # logged in: straight on, to a safe target
    with TestClient(create_app(werkruimte=pad, settings=Settings()), base_url="https://testserver") as c:
        r = c.get('/login?volgende=/"><script>alert(1)</script>')
        assert r.status_code == 200 and "<script>alert(1)</script>" not in r.text
        assert 'value="/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text
