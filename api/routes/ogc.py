"""OGC API Features, Part 1 core + GeoJSON, Part 2 (CRS), read side; and layer exports.

Endpoints (all under ``/api``)::

    GET /                                   landing page
    GET /conformance                        conformance classes
    GET /collections                        all layers (derived ones once computed)
    GET /collections/{laag}                 one layer: extent, CRSs, links, attribution
    GET /collections/{laag}/items           features: bbox, bbox-crs, crs, limit, offset, filters
    GET /collections/{laag}/items/{id}      one feature, with ETag
    GET /collections/{laag}/export?f=…      download as GeoJSON, GeoPackage, CSV or XLSX
    GET /werkruimte                         region, example-data flag, layers (for the web map)

The handlers translate parameters into store calls and serialise the answer; they hold no
analysis. Responses are GeoJSON (``application/geo+json``) in CRS84 unless ``crs`` asks for
another supported CRS; the ``Content-Crs`` header says which.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import geopandas as gpd
import numpy as np
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL

from api._cache import Leescache
from api._geojson import CrsKeuze, FeatureTekst, dumps, feature_teksten, features_json, transformer
from api.deps import (
    MAX_LIMIT,
    STANDAARD_LIMIT,
    ApiContext,
    BboxDep,
    BboxFilter,
    ContextDep,
    CrsDep,
    DatetimeDep,
    EigenschappenDep,
    FormaatDep,
    GebruikerDep,
    LaagDep,
    LimitDep,
    OffsetDep,
    OptioneleGebruikerDep,
)
from api.models import (
    Collection,
    Collections,
    ConfClasses,
    Feature,
    FeatureCollection,
    Fout,
    LandingPage,
    WerkruimteInfo,
)
from api.routes import api_basis
from kansenkaart.attributie import attributie
from kansenkaart.crs import CRS84_URI
from kansenkaart.errors import ValidationError
from kansenkaart.io.export import FORMATEN, MEDIATYPES, bestandsnaam, exporteer
from kansenkaart.io.store import LaagInfo
from kansenkaart.io.vlekkenplan import vlekkenplan_stand
from kansenkaart.schemas import LAGEN, Laag

__all__ = ["CONFORMANCE", "GeoJSONResponse", "router"]

router = APIRouter(prefix="/api", tags=["OGC API Features"])

GEOJSON = "application/geo+json"
OPENAPI_MEDIATYPE = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
]

# Collections for which more candidates than this in a bbox are paged in SQL (numberMatched
# then counts R-tree candidates); below it, polygons are filtered exactly before paging.
_EXACT_MAX = 5_000


class GeoJSONResponse(JSONResponse):
    """JSON response with media type ``application/geo+json``."""

    media_type = GEOJSON


def _fouten(*codes: int) -> dict[int | str, dict[str, Any]]:
    teksten = {
        400: "Ongeldige parameter (de melding noemt welke).",
        404: "Onbekende laag of object.",
        409: "Conflict met de opgeslagen toestand.",
        401: "Niet aangemeld, of een ongeldig of ingetrokken API-token.",
        403: "Uw rol mag dit niet (de melding noemt waarom), of het CSRF-token ontbreekt.",
        412: "De versie in If-Match is niet (meer) de huidige.",
        413: "Verzoek te groot.",
        428: "If-Match ontbreekt.",
    }
    return {c: {"model": Fout, "description": teksten[c]} for c in codes}


def _json(
    inhoud: Any, *, status_code: int = 200, media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    return Response(dumps(inhoud), status_code=status_code, media_type=media_type, headers=headers)


def _nu() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _extent_crs84(info: LaagInfo, ctx: ApiContext) -> list[float] | None:
    if info.extent is None or any(v is None for v in info.extent):
        return None
    tr = transformer(ctx.store_uri, CRS84_URI)
    a, b, c, d = tr.transform_bounds(*info.extent, densify_pts=21)
    if not all(np.isfinite([a, b, c, d])):
        return None
    return [round(a, 7), round(b, 7), round(c, 7), round(d, 7)]


def _collectie(info: LaagInfo, schema: Laag, ctx: ApiContext, basis: str) -> dict[str, Any]:
    href = f"{basis}/collections/{schema.naam}"
    links = [
        {"href": href, "rel": "self", "type": "application/json", "title": "Deze collectie"},
        {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": f"Objecten van {schema.titel}"},
    ]
    titels = {
        "geojson": "GeoJSON (CRS84)",
        "gpkg": "GeoPackage (opslag-CRS)",
        "csv": "CSV met coördinaten",
        "xlsx": "Excel (XLSX)",
    }
    for f in FORMATEN:
        links.append(
            {
                "href": f"{href}/export?f={f}",
                "rel": "enclosure",
                "type": MEDIATYPES[f].split(";")[0],
                "title": f"Download als {titels[f]}",
            }
        )
    uit: dict[str, Any] = {
        "id": schema.naam,
        "title": schema.titel,
        "description": schema.omschrijving,
        "links": links,
        "itemType": "feature",
        "crs": list(ctx.crs_keuzes),
        "storageCrs": ctx.store_uri,
        "attribution": attributie(schema.naam, werkruimte_voorbeelddata=ctx.werkruimte.voorbeelddata),
        "aantal": info.aantal,
        "afgeleid": schema.afgeleid,
        "groep": schema.groep,
    }
    bbox = _extent_crs84(info, ctx)
    if bbox is not None:
        uit["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84_URI}}
    return uit


def _lagen(ctx: ApiContext) -> list[tuple[LaagInfo, Laag]]:
    return [(info, LAGEN[info.naam]) for info in ctx.werkruimte.store.layers()]


# --------------------------------------------------------------------------- landing, conformance


@router.get(
    "",
    response_model=LandingPage,
    summary="Startpagina",
    description="Startpagina van de OGC API Features: links naar de API-beschrijving, conformance en collecties.",
    operation_id="startpagina",
)
async def startpagina(request: Request, ctx: ContextDep, gebruiker: OptioneleGebruikerDep) -> Response:
    basis = api_basis(request)
    regio = ctx.werkruimte.regio
    voorbeeld = " Let op: voorbeelddata, geen echte gegevens." if ctx.werkruimte.voorbeelddata else ""
    return _json(
        {
            "title": f"Kansenkaart wonen met zorg – {regio.naam}",
            "description": "Lagen van de kansenkaart (huidige situatie, kansen, vlekkenplan, geschiktheid) als "
            f"OGC API Features, met ruimtelijke vragen en downloads.{voorbeeld}",
            "links": [
                {"href": basis, "rel": "self", "type": "application/json", "title": "Deze pagina"},
                {
                    "href": f"{basis}/openapi.json",
                    "rel": "service-desc",
                    "type": OPENAPI_MEDIATYPE,
                    "title": "API-beschrijving (OpenAPI)",
                },
                {"href": f"{basis}/docs", "rel": "service-doc", "type": "text/html", "title": "API-documentatie"},
                {
                    "href": f"{basis}/conformance",
                    "rel": "conformance",
                    "type": "application/json",
                    "title": "Conformance-klassen",
                },
                {
                    "href": f"{basis}/collections",
                    "rel": "data",
                    "type": "application/json",
                    "title": "Collecties (lagen)",
                },
                {
                    "href": f"{basis}/query",
                    "rel": "search",
                    "type": GEOJSON,
                    "title": "Ruimtelijke vraag (binnen D m van …)",
                },
            ],
        }
    )


@router.get(
    "/conformance",
    response_model=ConfClasses,
    summary="Conformance",
    description="De OGC-conformance-klassen die deze API implementeert.",
    operation_id="conformance",
)
async def conformance(gebruiker: OptioneleGebruikerDep) -> Response:
    return _json({"conformsTo": CONFORMANCE})


@router.get(
    "/werkruimte",
    response_model=WerkruimteInfo,
    summary="Werkruimte",
    description="Regio, voorbeelddata-vlag en lagen van de werkruimte (voor de webkaart).",
    operation_id="werkruimte",
)
async def werkruimte_info(ctx: ContextDep, gebruiker: GebruikerDep) -> Response:
    ws = ctx.werkruimte
    lagen = [
        {
            "naam": schema.naam,
            "titel": schema.titel,
            "groep": schema.groep,
            "aantal": info.aantal,
            "afgeleid": schema.afgeleid,
            "geometrietype": info.geometrietype,
            "laatst_gewijzigd": info.laatst_gewijzigd,
            "attributie": attributie(schema.naam, werkruimte_voorbeelddata=ws.voorbeelddata),
        }
        for info, schema in _lagen(ctx)
    ]
    return _json(
        {
            "regio": ws.regio.naam,
            "regio_id": ws.regio.id,
            "crs": ctx.store_uri,
            "voorbeelddata": ws.voorbeelddata,
            "lagen": lagen,
            "wandelnetwerk": ctx.netwerk.get_or_none() is not None if ctx.netwerk.geladen else None,
            "vlekkenplan": await run_in_threadpool(vlekkenplan_stand, ws),
        }
    )


# --------------------------------------------------------------------------- collections


@router.get(
    "/collections",
    response_model=Collections,
    summary="Collecties",
    description="Alle lagen van de werkruimte. Berekende lagen (bereikbaarheid, vlekkenplan, geschiktheid) "
    "verschijnen zodra ze berekend zijn.",
    operation_id="collecties",
)
async def collecties(request: Request, ctx: ContextDep, gebruiker: GebruikerDep) -> Response:
    basis = api_basis(request)
    return _json(
        {
            "links": [
                {"href": f"{basis}/collections", "rel": "self", "type": "application/json", "title": "Deze pagina"},
            ],
            "collections": [_collectie(info, schema, ctx, basis) for info, schema in _lagen(ctx)],
        }
    )


@router.get(
    "/collections/{laag}",
    response_model=Collection,
    responses=_fouten(404),
    summary="Collectie",
    description="Eén laag: omschrijving, omvang (CRS84), ondersteunde coördinatenstelsels, downloads "
    "en bronvermelding.",
    operation_id="collectie",
)
async def collectie(request: Request, ctx: ContextDep, schema: LaagDep, gebruiker: GebruikerDep) -> Response:
    info = next(i for i in ctx.werkruimte.store.layers() if i.naam == schema.naam)
    return _json(_collectie(info, schema, ctx, api_basis(request)))


# --------------------------------------------------------------------------- items


def _paginalink(url: URL, rel: str, offset: int, limit: int) -> dict[str, str]:
    titel = {"self": "Deze pagina", "next": "Volgende pagina", "prev": "Vorige pagina"}[rel]
    return {
        "href": str(url.include_query_params(offset=offset, limit=limit)),
        "rel": rel,
        "type": GEOJSON,
        "title": titel,
    }


def _max_limit(ctx: ApiContext, limit: int) -> None:
    grens = min(MAX_LIMIT, ctx.settings.max_page_limit)
    if limit > grens:
        raise ValidationError(
            f"'limit' mag hoogstens {grens} zijn (gekregen: {limit}).", details={"veld": "limit", "maximum": grens}
        )


def lees_pagina(
    ctx: ApiContext,
    schema: Laag,
    *,
    bbox: BboxFilter,
    filters: dict[str, list[Any]],
    limit: int,
    offset: int,
) -> tuple[gpd.GeoDataFrame, int]:
    """Read one page of a layer: (features in the store CRS, numberMatched)."""
    lezer = ctx.lezer
    if bbox.buiten:
        return lezer.query(schema.naam, filters=filters, limit=0), 0
    if isinstance(lezer, Leescache):  # exact counts and bbox tests from memory
        matched = lezer.count(schema.naam, bbox=bbox.store_bbox, filters=filters)
        return lezer.query(schema.naam, bbox=bbox.store_bbox, filters=filters, limit=limit, offset=offset), matched
    store = ctx.werkruimte.store
    alleen_punten = set(schema.geometrie) == {"Point"}
    matched = store.count(schema.naam, bbox=bbox.store_bbox, filters=filters)
    if bbox.store_bbox is not None and not alleen_punten and matched <= _EXACT_MAX:
        # Polygons: the R-tree gives bounding-box candidates; filter exactly, then page.
        alle = store.query(schema.naam, bbox=bbox.store_bbox, filters=filters)
        return alle.iloc[offset : offset + limit], len(alle)
    return store.query(schema.naam, bbox=bbox.store_bbox, filters=filters, limit=limit, offset=offset), matched


def tekstvariant(
    ctx: ApiContext, *, crs: CrsKeuze, items_href: str
) -> tuple[Any, Callable[[gpd.GeoDataFrame], list[FeatureTekst]]]:
    """The cache variant of Feature texts in ``crs`` with item links under ``items_href``, and its maker.

    ``items`` pages and spatial-question answers share the texts kept by the read cache, so
    both take the key and the serialiser from here.
    """

    def maak(gdf: gpd.GeoDataFrame) -> list[FeatureTekst]:
        return feature_teksten(gdf, naar=crs, van_uri=ctx.store_uri, item_href=items_href)

    return (crs.uri, ctx.store_uri, items_href), maak


def features_pagina(
    ctx: ApiContext,
    schema: Laag,
    *,
    bbox: BboxFilter,
    filters: dict[str, list[Any]],
    limit: int,
    offset: int,
    crs: CrsKeuze,
    items_href: str,
) -> tuple[int, list[str]]:
    """One page as GeoJSON Feature texts in ``crs``: (numberMatched, features).

    A cached layer answers from memory, each row's text made once per CRS and item URL
    (:meth:`Leescache.pagina`); otherwise the page is read with :func:`lees_pagina`.
    """
    lezer = ctx.lezer
    if isinstance(lezer, Leescache) and not bbox.buiten:
        variant, maak = tekstvariant(ctx, crs=crs, items_href=items_href)
        antwoord = lezer.pagina(
            schema.naam, bbox=bbox.store_bbox, filters=filters, limit=limit, offset=offset,
            variant=variant, maak=maak,
        )
        if antwoord is not None:
            return antwoord
    gdf, matched = lees_pagina(ctx, schema, bbox=bbox, filters=filters, limit=limit, offset=offset)
    return matched, features_json(gdf, naar=crs, van_uri=ctx.store_uri, item_href=items_href)


@router.get(
    "/collections/{laag}/items",
    response_class=GeoJSONResponse,
    response_model=FeatureCollection,
    responses=_fouten(400, 404),
    summary="Objecten van een laag",
    description=(
        "GeoJSON-objecten van een laag, standaard in CRS84. Filter met 'bbox' (en 'bbox-crs'), blader met "
        "'limit' en 'offset' (of volg de link 'next'), en filter op kenmerken met elk veld van de laag als "
        "parameter, bijvoorbeeld ?doelgroep=geclusterd&status=idee. Meerdere waarden: herhaal de parameter "
        "of scheid codes met komma's (status=idee,verkenning). Een onbekende parameter geeft 400. "
        "Verwijderde kansen staan er nooit in."
    ),
    operation_id="objecten",
)
async def objecten(
    request: Request,
    ctx: ContextDep,
    schema: LaagDep,
    bbox: BboxDep,
    crs: CrsDep,
    filters: EigenschappenDep,
    gebruiker: GebruikerDep,
    _datetime: DatetimeDep,
    f: FormaatDep = None,
    limit: LimitDep = STANDAARD_LIMIT,
    offset: OffsetDep = 0,
) -> Response:
    _max_limit(ctx, limit)
    basis = api_basis(request)
    items_href = f"{basis}/collections/{schema.naam}/items"

    matched, features = features_pagina(
        ctx, schema, bbox=bbox, filters=filters, limit=limit, offset=offset, crs=crs, items_href=items_href
    )
    links = [_paginalink(request.url, "self", offset, limit)]
    if offset + limit < matched:
        links.append(_paginalink(request.url, "next", offset + limit, limit))
    if offset > 0:
        links.append(_paginalink(request.url, "prev", max(0, offset - limit), limit))
    links.append(
        {
            "href": f"{basis}/collections/{schema.naam}",
            "rel": "collection",
            "type": "application/json",
            "title": schema.titel,
        }
    )
    kop = dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": _nu(),
            "links": links,
        }
    )
    body = kop[:-1] + ',"features":[' + ",".join(features) + "]}"
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": crs.content_crs})


def feature_json(
    ctx: ApiContext,
    schema: Laag,
    fid: str,
    properties: dict[str, Any],
    geometry: Any,
    *,
    naar: CrsKeuze,
    basis: str,
) -> str:
    """Serialise one feature (store CRS) to GeoJSON text with self and collection links."""
    frame = gpd.GeoDataFrame([properties], geometry=[geometry], crs=ctx.store_crs)
    items_href = f"{basis}/collections/{schema.naam}/items"
    extra = [
        {
            "href": f"{basis}/collections/{schema.naam}",
            "rel": "collection",
            "type": "application/json",
            "title": schema.titel,
        }
    ]
    return features_json(frame, naar=naar, van_uri=ctx.store_uri, item_href=items_href, extra_links=extra)[0]


def etag(schema: Laag, properties: dict[str, Any], body: str) -> str:
    """ETag of a feature: ``"<versie>"`` for kansen (use it in If-Match), else a weak content hash."""
    if schema.naam == "kansen" and properties.get("versie") is not None:
        return f'"{int(properties["versie"])}"'
    return 'W/"' + hashlib.sha1(body.encode("utf-8"), usedforsecurity=False).hexdigest()[:20] + '"'


FidPad = Annotated[str, Path(description="Kenmerk (id) van het object.", max_length=200)]


@router.get(
    "/collections/{laag}/items/{fid}",
    response_class=GeoJSONResponse,
    response_model=Feature,
    responses=_fouten(400, 404),
    summary="Eén object",
    description='Eén object als GeoJSON Feature. De ETag-header is bij kansen de versie ("3"); stuur die mee '
    "als If-Match bij wijzigen.",
    operation_id="object",
)
async def object_(
    request: Request,
    ctx: ContextDep,
    schema: LaagDep,
    fid: FidPad,
    crs: CrsDep,
    gebruiker: GebruikerDep,
    f: FormaatDep = None,
) -> Response:
    feat = ctx.werkruimte.store.get(schema.naam, fid)
    body = feature_json(ctx, schema, feat.id, feat.properties, feat.geometry, naar=crs, basis=api_basis(request))
    return Response(
        body, media_type=GEOJSON, headers={"Content-Crs": crs.content_crs, "ETag": etag(schema, feat.properties, body)}
    )


def _allow(schema: Laag, *, item: bool) -> str:
    if schema.naam == "kansen":
        return "GET, PUT, PATCH, DELETE, OPTIONS" if item else "GET, POST, OPTIONS"
    return "GET, OPTIONS"


@router.options("/collections/{laag}/items", include_in_schema=False)
async def objecten_opties(schema: LaagDep) -> Response:
    """Allowed methods (QGIS asks this to decide whether a layer is editable)."""
    return Response(status_code=204, headers={"Allow": _allow(schema, item=False)})


@router.options("/collections/{laag}/items/{fid}", include_in_schema=False)
async def object_opties(schema: LaagDep, fid: FidPad) -> Response:
    """Allowed methods on one feature."""
    return Response(status_code=204, headers={"Allow": _allow(schema, item=True)})


# --------------------------------------------------------------------------- export

ExportFormaat = Literal["geojson", "gpkg", "csv", "xlsx"]


@router.get(
    "/collections/{laag}/export",
    responses={
        200: {
            "description": "Het bestand (Content-Disposition: attachment; de naam bevat laag en datum).",
            "content": {
                MEDIATYPES[f].split(";")[0]: {
                    "schema": {"type": "object"} if f == "geojson" else {"type": "string", "format": "binary"}
                }
                for f in FORMATEN
            },
        },
        **_fouten(400, 404),
    },
    response_class=Response,
    summary="Download een laag",
    description=(
        "Download een laag als GeoJSON (CRS84, RFC 7946), GeoPackage (in het opslag-CRS van de werkruimte, "
        "EPSG:28992 voor Nederlandse regio's), CSV (met x/y en lon/lat) of Excel. De bronvermelding "
        "(OpenStreetMap ODbL, CBS CC BY, partners) zit in het bestand. 'bbox' en kenmerkfilters werken "
        "zoals bij /items."
    ),
    operation_id="exporteer",
)
def exporteer_laag(
    ctx: ContextDep,
    schema: LaagDep,
    bbox: BboxDep,
    filters: EigenschappenDep,
    gebruiker: GebruikerDep,
    f: Annotated[ExportFormaat, Query(description="Bestandsformaat: geojson, gpkg, csv of xlsx.")],
) -> Response:
    store = ctx.werkruimte.store
    if bbox.buiten:
        gdf = store.query(schema.naam, filters=filters, limit=0)
    else:
        gdf = store.query(schema.naam, bbox=bbox.store_bbox, filters=filters)
    bronnen: list[str] = []
    if "bron" in gdf.columns:
        bronnen = sorted({str(b) for b in gdf["bron"].dropna().unique()})
    tekst = attributie(schema.naam, werkruimte_voorbeelddata=ctx.werkruimte.voorbeelddata, bronnen=bronnen)
    inhoud = exporteer(gdf, formaat=f, laag=schema.naam, attributie=tekst, crs_metrisch=ctx.store_crs)
    naam = bestandsnaam(schema.naam, f)
    headers = {"Content-Disposition": f"attachment; filename=\"{naam}\"; filename*=UTF-8''{quote(naam)}"}
    if f in ("geojson", "gpkg"):
        headers["Content-Crs"] = f"<{CRS84_URI}>" if f == "geojson" else f"<{ctx.store_uri}>"
    return Response(inhoud, media_type=MEDIATYPES[f], headers=headers)
