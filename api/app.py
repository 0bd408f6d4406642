"""The FastAPI application: :func:`create_app`.

``create_app(werkruimte=...)`` opens the workspace once and builds the app around it. The
API lives under ``/api``; its OpenAPI document is served at ``/api/openapi.json`` with the
paths relative to the server ``/api`` (so ``/collections/{laag}/items``, which is what QGIS
looks for), per-collection ``/items`` paths that list every property filter, and the
``limit`` parameter as ``components/parameters/limit`` (QGIS reads its maximum and default
from there). Interactive documentation: ``/api/docs``.

The walking network for ``modus=lopend`` is loaded lazily, once, from the workspace's
network cache; tests inject one with ``netwerk=``.

Routers of later issues plug in without touching this file: when ``api.routes.web`` or
``api.routes.monitor`` exists and exposes ``router``, it is included.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response

import kansenkaart
from api._cache import Leescache
from api._geojson import dumps
from api.deps import MAX_LIMIT, STANDAARD_LIMIT, ApiContext, NetwerkBron, filterbare_kolommen
from api.errors import BodyLimitMiddleware, installeer_foutafhandeling
from api.routes import aanmelden, importeren, kansen, ogc, query
from api.routes.ogc import OPENAPI_MEDIATYPE
from api.toegang import SESSIECOOKIE, BeveiligingskoppenMiddleware, Toegang
from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import LAGEN, Laag
from kansenkaart.settings import Settings, get_settings

__all__ = ["create_app"]

logger = logging.getLogger("kansenkaart.api")

OPTIONELE_ROUTERS = ("api.routes.web", "api.routes.monitor")
"""Route modules of later issues, included when present (each exposes ``router``)."""

_BESCHRIJVING = """\
Lagen van de kansenkaart wonen met zorg als **OGC API Features** (deel 1 kern + GeoJSON, deel 2
coördinatenstelsels, deel 4 schrijven voor kansen), een **ruimtelijke vraag** ('binnen D m van') en
**downloads** (GeoJSON, GeoPackage, CSV, Excel).

Coördinaten zijn standaard CRS84 (lengte, breedte). Foutmeldingen zijn Nederlands en hebben de vorm
`{"code": ..., "description": ..., "details": {...}}`.

**Aanmelden.** Stuur een API-token mee in de header `Authorization: Bearer <token>` (de beheerder maakt
het met `kansenkaart token maken GEBRUIKER`). In QGIS: voeg de header toe aan de verbinding. Zonder token
antwoordt de API 401, tenzij lezen zonder aanmelden is toegestaan. Schrijven mag alleen met een rol die
dat toestaat (beheerder, aanjager, bewerker voor de eigen gemeenten); anders 403.
"""

META_LEZEN_OPEN = "lezen_zonder_login"
"""Workspace metadata key: ``ja`` opens reading without login (set by ``kansenkaart demo``)."""
OPEN_OPERATIES = frozenset({"startpagina", "conformance", "aanmelding"})
"""Operations that need no login (they describe the API, not the data)."""


def lezen_open(settings: Settings, werkruimte: Werkruimte) -> bool:
    """Whether reading needs no login.

    The setting ``KANSENKAART_LEZEN_ZONDER_LOGIN`` wins when it is set explicitly (environment
    or argument); otherwise the workspace decides (metadata ``lezen_zonder_login = ja``, set by
    ``kansenkaart demo``); the default is closed.
    """
    if "lezen_zonder_login" in settings.model_fields_set:
        return bool(settings.lezen_zonder_login)
    return werkruimte.store.get_meta(META_LEZEN_OPEN) == "ja"


def _laad_netwerk(ws: Werkruimte) -> Any | None:
    """Load the workspace's cached walking network; ``None`` when the workspace has none."""
    from kansenkaart.io.osm import laad_werkruimte_netwerk

    return laad_werkruimte_netwerk(ws)


def _bereid_voor(netwerk: Any) -> Any:
    """Prepare a network once for the query engine (snapping index, CSR matrix)."""
    from kansenkaart.query import bereid_netwerk_voor

    return bereid_netwerk_voor(netwerk)


# --------------------------------------------------------------------------- OpenAPI document


_VELD_SCHEMA: dict[str, dict[str, Any]] = {
    "geheel": {"type": "integer"},
    "jaar": {"type": "integer"},
    "getal": {"type": "number"},
    "ja_nee": {"type": "boolean"},
    "datum": {"type": "string", "format": "date"},
}


def _filterparameter(schema: Laag, naam: str) -> dict[str, Any]:
    veld = next((v for v in schema.velden if v.naam == naam), None)
    s: dict[str, Any] = dict(_VELD_SCHEMA.get(veld.type if veld else "tekst", {"type": "string"}))
    if veld is not None:
        if veld.codes and veld.type in ("code", "codes"):
            s["enum"] = list(veld.codes)
        if veld.type in ("geheel", "jaar", "getal"):
            if veld.minimum is not None:
                s["minimum"] = int(veld.minimum) if s["type"] == "integer" else veld.minimum
            if veld.maximum is not None:
                s["maximum"] = int(veld.maximum) if s["type"] == "integer" else veld.maximum
        if s["type"] == "string" and "enum" not in s and "format" not in s:
            s["maxLength"] = veld.max_lengte
            s["minLength"] = 1
    else:
        s.update(maxLength=2000, minLength=1)
    omschrijving = (
        veld.omschrijving if veld else f"Kolom '{naam}' van de berekende laag."
    ) + " Filter: alleen objecten met deze waarde."
    return {
        "name": naam,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": s,
        "description": omschrijving,
    }


def _maak_openapi(app: FastAPI, ctx: ApiContext, root_path: str) -> dict[str, Any]:
    doc = get_openapi(
        title=f"Kansenkaart API – {ctx.werkruimte.regio.naam}",
        version=kansenkaart.__version__ if hasattr(kansenkaart, "__version__") else "0.1.0",
        openapi_version="3.0.3",
        description=_BESCHRIJVING,
        routes=app.routes,
        servers=[{"url": f"{root_path}/api"}],
    )
    doc = _naar_openapi_30(doc)
    paden: dict[str, Any] = {}
    for pad, item in doc.get("paths", {}).items():
        if pad == "/api" or pad.startswith("/api/"):  # the web map's HTML routes are not part of the API
            paden[pad[len("/api") :] or "/"] = item
    doc["paths"] = paden
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for naam in ("HTTPValidationError", "ValidationError"):
        schemas.pop(naam, None)
    fout_ref = {
        "description": "Ongeldige parameter of body (de melding noemt welke).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fout"}}},
    }

    def _fout(tekst: str) -> dict[str, Any]:
        schema = {"$ref": "#/components/schemas/Fout"}
        return {"description": tekst, "content": {"application/json": {"schema": schema}}}

    components.setdefault("securitySchemes", {}).update(
        {
            "token": {
                "type": "http",
                "scheme": "bearer",
                "description": "API-token: `Authorization: Bearer <token>` (`kansenkaart token maken GEBRUIKER`).",
            },
            "sessie": {
                "type": "apiKey",
                "in": "cookie",
                "name": SESSIECOOKIE,
                "description": "Sessie van de webkaart (na aanmelden op /login); schrijven vraagt daarbij de header "
                "X-CSRF-Token.",
            },
        }
    )
    doc["security"] = [{"token": []}, {"sessie": []}] + ([{}] if ctx.toegang.lezen_open else [])
    for item in paden.values():
        for methode, op in item.items():
            if not isinstance(op, dict) or methode == "parameters":
                continue
            # FastAPI documents 422; this API answers bad input with 400 and the Fout body.
            op.get("responses", {}).pop("422", None)
            for status, antwoord in op.get("responses", {}).items():
                inhoud = antwoord.get("content", {}) if isinstance(antwoord, dict) else {}
                if status[:1] in ("4", "5") and "application/geo+json" in inhoud:
                    # Errors are plain JSON (the Fout body), also on GeoJSON routes.
                    inhoud["application/json"] = inhoud.pop("application/geo+json")
            if op.get("parameters") or op.get("requestBody"):
                op.setdefault("responses", {}).setdefault("400", fout_ref)
            antwoorden = op.setdefault("responses", {})
            if op.get("operationId") in OPEN_OPERATIES:
                op["security"] = [{}, {"token": []}, {"sessie": []}]
                antwoorden.setdefault("401", _fout("Ongeldig of ingetrokken API-token."))
                continue
            antwoorden.setdefault("401", _fout("Niet aangemeld, of een ongeldig of ingetrokken API-token."))
            if methode in ("post", "put", "patch", "delete") or op.get("operationId") == "historie_export":
                antwoorden.setdefault("403", _fout("Uw rol mag dit niet (de melding noemt waarom), of het "
                                                   "CSRF-token ontbreekt."))
    components.setdefault("parameters", {})["limit"] = {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": f"Maximaal aantal objecten per pagina (1 tot en met {MAX_LIMIT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": STANDAARD_LIMIT},
    }
    for item in paden.values():
        for op in item.values():
            for p in op.get("parameters", []) if isinstance(op, dict) else []:
                if p.get("in") in ("query", "header") and p.get("name") in ("crs", "bbox-crs", "Content-Crs"):
                    # The supported CRSs depend on the workspace (its storage CRS).
                    p["schema"] = {**p["schema"], "enum": list(ctx.crs_keuzes)}
    generiek = paden.get("/collections/{laag}/items", {}).get("get")
    if generiek is not None:
        generiek["parameters"] = [
            {"$ref": "#/components/parameters/limit"} if p.get("name") == "limit" and p.get("in") == "query" else p
            for p in generiek.get("parameters", [])
        ]
        for info in ctx.werkruimte.store.layers():
            schema = LAGEN[info.naam]
            op = copy.deepcopy(generiek)
            op["operationId"] = f"objecten_{schema.naam}"
            op["summary"] = f"Objecten van {schema.titel}"
            op["parameters"] = [p for p in op["parameters"] if p.get("name") != "laag"]
            op["parameters"] += [_filterparameter(schema, k) for k in filterbare_kolommen(ctx, schema)]
            paden.setdefault(f"/collections/{schema.naam}/items", {})["get"] = op
    doc["info"]["contact"] = {"name": "Kansenkaart wonen met zorg"}
    return doc


def _naar_openapi_30(node: Any) -> Any:
    """Rewrite the few JSON Schema 2020-12 constructs FastAPI emits into OpenAPI 3.0 form.

    ``anyOf: [X, {type: null}]`` becomes ``X`` + ``nullable: true``; ``examples`` lists in
    schemas become one ``example``; ``const`` becomes a one-value ``enum``; numeric
    ``exclusiveMinimum``/``exclusiveMaximum`` become ``minimum``/``maximum`` plus the boolean.
    """
    if isinstance(node, list):
        return [_naar_openapi_30(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    nullable = False
    for sleutel in ("anyOf", "oneOf"):
        opties = node.get(sleutel)
        if isinstance(opties, list) and any(isinstance(o, dict) and o.get("type") == "null" for o in opties):
            rest = [o for o in opties if not (isinstance(o, dict) and o.get("type") == "null")]
            del node[sleutel]
            nullable = True
            if len(rest) == 1 and "$ref" in rest[0]:
                node["allOf"] = rest
            elif len(rest) == 1:
                for k, v in rest[0].items():
                    node.setdefault(k, v)
            else:
                node[sleutel] = rest
    uit = {k: _naar_openapi_30(v) for k, v in node.items()}
    if nullable:
        uit["nullable"] = True
    if "const" in uit:
        uit["enum"] = [uit.pop("const")]
    if isinstance(uit.get("examples"), list) and ("type" in uit or "$ref" in uit or "enum" in uit):
        voorbeelden = uit.pop("examples")
        if voorbeelden:
            uit["example"] = voorbeelden[0]
    for exclusief, grens in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        waarde = uit.get(exclusief)
        if isinstance(waarde, int | float) and not isinstance(waarde, bool):
            uit[grens] = waarde
            uit[exclusief] = True
    if uit.get("type") == "null":
        uit.pop("type")
        uit["nullable"] = True
    return uit


# --------------------------------------------------------------------------- the app


def create_app(
    *,
    werkruimte: Path | None = None,
    settings: Settings | None = None,
    netwerk: Any | None = None,
    cache: bool = True,
) -> FastAPI:
    """Build the kansenkaart API around one workspace.

    Parameters
    ----------
    werkruimte
        The workspace folder; default ``settings.workspace`` (``KANSENKAART_WORKSPACE``).
    settings
        Runtime settings; default :func:`~kansenkaart.settings.get_settings`.
    netwerk
        A walking network (:class:`~kansenkaart.netwerk.Netwerk`) to use instead of the
        workspace's network cache (tests, benchmarks).
    cache
        Keep layers and recent query answers in memory (:class:`api._cache.Leescache`,
        dropped on any write to the workspace). ``False`` reads the store on every request.

    Raises
    ------
    NotFoundError
        When the folder holds no workspace (the message says how to make one).
    """
    instellingen = settings or get_settings()
    pad = Path(werkruimte) if werkruimte is not None else instellingen.workspace
    ws = Werkruimte.open(pad)
    bron = NetwerkBron(lambda: _laad_netwerk(ws), voorbereiden=_bereid_voor, netwerk=netwerk)
    lezer = Leescache(ws.store) if cache else ws.store
    toegang = Toegang(Gebruikersdb.van_werkruimte(ws.pad), instellingen, lezen_open=lezen_open(instellingen, ws))
    ctx = ApiContext(werkruimte=ws, settings=instellingen, netwerk=bron, lezer=lezer, toegang=toegang)

    @asynccontextmanager
    async def levensloop(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if isinstance(lezer, Leescache):
            lezer.sluit()

    app = FastAPI(
        lifespan=levensloop,
        title="Kansenkaart API",
        description=_BESCHRIJVING,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.kansenkaart = ctx
    installeer_foutafhandeling(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=instellingen.max_body_bytes)
    app.add_middleware(BeveiligingskoppenMiddleware)
    app.include_router(ogc.router)
    app.include_router(kansen.router)
    app.include_router(kansen.historie_router)
    app.include_router(importeren.router)
    app.include_router(query.router)
    app.include_router(aanmelden.router)
    for module in OPTIONELE_ROUTERS:
        if importlib.util.find_spec(module) is not None:
            router = getattr(importlib.import_module(module), "router", None)
            if router is not None:
                app.include_router(router)

    documenten: dict[tuple[str, tuple[str, ...]], str] = {}
    slot = threading.Lock()

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_document(request: Request) -> Response:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        sleutel = (root_path, tuple(i.naam for i in ctx.werkruimte.store.layers()))
        with slot:
            if sleutel not in documenten:
                documenten.clear()
                documenten[sleutel] = dumps(_maak_openapi(app, ctx, root_path))
            tekst = documenten[sleutel]
        return Response(tekst, media_type=OPENAPI_MEDIATYPE)

    @app.get("/api/docs", include_in_schema=False)
    def documentatie(request: Request) -> HTMLResponse:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(openapi_url=f"{root_path}/api/openapi.json", title="Kansenkaart API")

    return app
