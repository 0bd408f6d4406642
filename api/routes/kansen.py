"""Writing kansen: OGC API Features Part 4 (create, replace, update, delete) plus history and restore.

Endpoints (under ``/api/collections/kansen/items``)::

    POST   /                      create a kans (GeoJSON Feature) → 201, Location, ETag
    PUT    /{id}                  replace a kans (If-Match required)
    PATCH  /{id}                  change some properties and/or the geometry (If-Match required)
    DELETE /{id}                  soft delete (If-Match required) → 204
    GET    /{id}/historie         all versions: who, when, from where, what changed
    POST   /{id}/herstel          restore a soft-deleted kans (beheerder)

and ``GET /api/collections/kansen/historie?f=json|csv|xlsx``: the history of all kansen
(aanjager, beheerder).

Versions: the ETag of a kans is its version in quotes (``"3"``). A write must send it back
as ``If-Match``; a missing header is 428, a stale one 412 with the current version in the
body. Geometry arrives in CRS84 unless the ``Content-Crs`` header names another supported
CRS (QGIS sends the layer CRS there, without angle brackets; both forms are accepted).

All writes go through :func:`schrijf_kans`, the one place with the permission check
(:func:`kansenkaart.auth.controleer_kans_schrijven`): a lezer gets 403, the anonymous reader
401; a bewerker only writes kansen whose gemeenten (stored gemeentecode and the gemeente of
the location, before and after the change) are all theirs; only a beheerder restores. Writes
through a web session are recorded with kanaal ``web``, with an API token ``api``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

import numpy as np
import shapely
from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from pyproj import CRS
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from api._geojson import CrsKeuze, geometrie_naar_store, kies_crs
from api.deps import ApiContext, ContextDep, CrsDep, Gebruiker, GebruikerDep, KanaalDep
from api.errors import VersieVereistError
from api.models import Feature, FeatureIn, HistorieRegel
from api.routes import api_basis
from api.routes.ogc import GEOJSON, GeoJSONResponse, _fouten, _json, etag, feature_json
from kansenkaart.auth import Kanaal, controleer_kans_schrijven, mag_historie_exporteren
from kansenkaart.crs import CRS84_URI
from kansenkaart.errors import PreconditionError, ValidationError
from kansenkaart.io.autorisatie import Gemeentebepaling
from kansenkaart.io.historie import exporteer_historie, historie_regels
from kansenkaart.io.store import Feature as StoreFeature
from kansenkaart.schemas import Laag
from kansenkaart.schemas import laag as _schema
from kansenkaart.validatie import valideer_kenmerken

__all__ = ["Actie", "historie_router", "router", "schrijf_kans"]

router = APIRouter(prefix="/api/collections/kansen/items", tags=["Kansen bewerken"])
historie_router = APIRouter(prefix="/api/collections/kansen", tags=["Kansen bewerken"])

KANAAL: Kanaal = "api"
Actie = Literal["maak", "vervang", "wijzig", "verwijder", "herstel"]
_SYSTEEMVELDEN = frozenset(v.naam for v in _schema("kansen").velden if v.systeem)

FidPad = Annotated[str, Path(description="Kenmerk (id) van de kans.", max_length=200)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='De versie waarop de wijziging is gebaseerd, zoals de ETag van het object: "3".',
        max_length=200,
    ),
]
ContentCrs = Annotated[
    str | None,
    Header(
        alias="Content-Crs",
        description="Coördinatenstelsel van de geometrie in de body (URI, eventueel tussen < >); standaard CRS84.",
        max_length=200,
    ),
]
_FEATURE_VOORBEELD = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [5.16917, 52.21807]},
    "properties": {
        "naam": "Hofje Oost",
        "soort": "nieuwbouw",
        "doelgroep": "geclusterd",
        "status": "idee",
        "aantal_woningen": 18,
        "opleverjaar": 2028,
    },
}
FeatureBody = Annotated[
    FeatureIn, Body(openapi_examples={"kans": {"summary": "Een nieuwe kans", "value": _FEATURE_VOORBEELD}})
]


# --------------------------------------------------------------------------- parsing


def _versie(if_match: str | None, ctx: ApiContext, fid: str) -> int | None:
    """The version from If-Match (``"3"``, ``W/"3"`` or ``*``); 428 when missing, 412 when unreadable."""
    if if_match is None or not if_match.strip():
        raise VersieVereistError(
            "Stuur de versie mee waarop uw wijziging is gebaseerd, in de header If-Match (de ETag van het "
            'object, bijvoorbeeld "3"). Zo overschrijft u niet per ongeluk de wijziging van een ander.',
            details={"id": fid, "header": "If-Match"},
        )
    tekst = if_match.split(",")[0].strip()
    if tekst == "*":
        return None
    if tekst.startswith("W/"):
        tekst = tekst[2:]
    tekst = tekst.strip('"').strip()
    try:
        return int(tekst)
    except ValueError:
        huidig = ctx.werkruimte.store.get("kansen", fid).versie
        raise PreconditionError(
            f"If-Match '{if_match[:50]}' is geen versie van kans '{fid}'; de huidige versie is {huidig}.",
            details={"id": fid, "huidige_versie": huidig, "uw_versie": if_match[:50]},
        ) from None


def _geometrie(
    ruw: dict[str, Any] | None, *, schema: Laag, content_crs: CrsKeuze, store_crs: CRS, max_vertices: int
) -> BaseGeometry:
    """Parse and check a GeoJSON geometry, and transform it to the store CRS."""
    if ruw is None:
        raise ValidationError("De kans heeft een geometrie nodig (een punt of vlak).", details={"veld": "geometry"})
    try:
        geom = shape(ruw)
    except Exception as e:  # shapely raises many types for malformed GeoJSON; all are bad input
        raise ValidationError(
            "De geometrie is geen geldige GeoJSON-geometrie.", details={"veld": "geometry", "reden": str(e)[:200]}
        ) from e
    if geom.geom_type not in schema.geometrie:
        raise ValidationError(
            f"Geometrietype {geom.geom_type} past niet bij laag '{schema.naam}'. "
            f"Toegestaan: {', '.join(schema.geometrie)}.",
            details={"veld": "geometry", "toegestaan": list(schema.geometrie)},
        )
    if geom.is_empty:
        raise ValidationError("De geometrie is leeg.", details={"veld": "geometry"})
    coords = shapely.get_coordinates(geom)
    if len(coords) > max_vertices:
        raise ValidationError(
            f"De geometrie heeft {len(coords)} hoekpunten; het maximum is {max_vertices}.",
            details={"veld": "geometry", "maximum": max_vertices},
        )
    if not np.all(np.isfinite(coords)):
        raise ValidationError("De geometrie bevat ongeldige coördinaten.", details={"veld": "geometry"})
    if content_crs.geografisch:
        lon, lat = (coords[:, 1], coords[:, 0]) if content_crs.lat_eerst else (coords[:, 0], coords[:, 1])
        if np.any(np.abs(lon) > 180) or np.any(np.abs(lat) > 90):
            raise ValidationError(
                "De coördinaten liggen buiten de wereld (lengtegraad -180..180, breedtegraad -90..90). "
                "Stuur CRS84 (lengte, breedte) of noem het stelsel in de header Content-Crs.",
                details={"veld": "geometry"},
            )
    return geometrie_naar_store(geom, van=content_crs, store_crs=store_crs)


def _kenmerken(properties: dict[str, Any]) -> dict[str, Any]:
    """Input properties without system fields (QGIS sends them back as it read them).

    Text with a lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot be stored as UTF-8: 400.
    """
    for k, v in properties.items():
        for tekst in (k, v) if isinstance(v, str) else (k,):
            try:
                tekst.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ValidationError(
                    f"Veld '{k.encode('utf-8', 'replace').decode()[:60]}' bevat een ongeldig teken (een losse "
                    "UTF-16-surrogaat); stuur geldige Unicode-tekst.",
                    details={"veld": k.encode("utf-8", "replace").decode()[:60]},
                ) from e
    return {k: v for k, v in properties.items() if k not in _SYSTEEMVELDEN}


def _valideer(
    ctx: ApiContext, properties: dict[str, Any], geometry: BaseGeometry | None, *, gedeeltelijk: bool
) -> dict[str, Any]:
    """Validate with the shared rules (:func:`kansenkaart.validatie.valideer_kenmerken`).

    Returns the typed values; an empty ``gemeentecode`` is filled from the location when the
    workspace has gemeenten.
    """
    store = ctx.werkruimte.store
    gemeenten = store.read_layer("gemeenten")
    typed, _geom = valideer_kenmerken(
        _schema("kansen"),
        properties,
        geometry,
        regio=ctx.werkruimte.regio,
        gemeenten=gemeenten if len(gemeenten) else None,
        gedeeltelijk=gedeeltelijk,
        max_vertices=ctx.settings.max_vertices,
    )
    return typed


# --------------------------------------------------------------------------- the one write function


def schrijf_kans(
    ctx: ApiContext,
    gebruiker: Gebruiker,
    actie: Actie,
    *,
    fid: str | None = None,
    properties: dict[str, Any] | None = None,
    geometry: BaseGeometry | None = None,
    versie: int | None = None,
    kanaal: Kanaal = KANAAL,
) -> StoreFeature | None:
    """Carry out one write on the kansen layer for ``gebruiker`` (every write route calls this).

    Parameters
    ----------
    actie
        ``maak`` (create), ``vervang`` (replace all properties), ``wijzig`` (change the given
        properties/geometry), ``verwijder`` (soft delete) or ``herstel`` (restore).
    properties
        Schema field values, without system fields.
    geometry
        In the store CRS.
    versie
        The version the change is based on (from If-Match); ``None`` skips the check.
    kanaal
        Recorded in the history: ``api`` (token) or ``web`` (session).

    Raises
    ------
    AuthError
        Anonymous reader (401).
    ForbiddenError
        A lezer; restore by anyone but a beheerder; a bewerker and a kans (before or after
        the change) in a gemeente that is not theirs (403, the message names the gemeente).

    Notes
    -----
    For a bewerker the decision depends on the stored kans, so the write is pinned to the
    version that was checked: a concurrent change in between gives 412, never a write on a
    kans that has moved out of their gemeenten meanwhile.
    """
    store = ctx.werkruimte.store
    naam = gebruiker.naam
    if not gebruiker.mag_schrijven or actie == "herstel":
        controleer_kans_schrijven(gebruiker, actie=actie)  # lezer, anonymous, restore by a non-beheerder
    bepaling = Gemeentebepaling.van(ctx.werkruimte) if gebruiker.rol == "bewerker" else None

    def controleer(oud: StoreFeature | None, nieuw: dict[str, Any] | None, geom: BaseGeometry | None) -> None:
        if bepaling is None:
            return
        controleer_kans_schrijven(
            gebruiker,
            actie=actie,
            gemeente_oud=None if oud is None else bepaling.van_kans(oud.properties, oud.geometry),
            gemeente_nieuw=None if nieuw is None else bepaling.van_kans(nieuw, geom),
            gemeentenamen=bepaling.namen,
        )

    if actie == "maak":
        assert geometry is not None
        props = _valideer(ctx, properties or {}, geometry, gedeeltelijk=False)
        controleer(None, props, geometry)
        return store.create("kansen", props, geometry, gebruiker=naam, kanaal=kanaal)
    assert fid is not None
    if actie == "herstel":
        return store.restore("kansen", fid, gebruiker=naam, kanaal=kanaal)
    oud = store.get("kansen", fid)  # 404 before validation
    if bepaling is not None:
        controleer(oud, dict(oud.properties), oud.geometry)  # a kans of another gemeente: 403 before validation
        if versie is None:
            versie = oud.versie
    if actie == "vervang":
        volledig = {v.naam: None for v in _schema("kansen").invoervelden if v.naam != "id"}
        volledig.update(properties or {})
        props = _valideer(ctx, volledig, geometry, gedeeltelijk=False)
        props.pop("id", None)
        controleer(oud, props, geometry)
        return store.update("kansen", fid, props, geometry, versie=versie, gebruiker=naam, kanaal=kanaal)
    if actie == "wijzig":
        # A new gemeentecode without a new location is checked against (or, when emptied,
        # filled from) the stored location.
        ter_controle = geometry
        if ter_controle is None and properties and "gemeentecode" in properties:
            ter_controle = oud.geometry
        props = _valideer(ctx, properties or {}, ter_controle, gedeeltelijk=True) if (properties or geometry) else {}
        props.pop("id", None)
        controleer(oud, {**oud.properties, **props}, geometry if geometry is not None else oud.geometry)
        return store.update("kansen", fid, props, geometry, versie=versie, gebruiker=naam, kanaal=kanaal)
    if actie == "verwijder":
        return store.delete("kansen", fid, versie=versie, gebruiker=naam, kanaal=kanaal)
    raise ValueError(f"unknown actie {actie!r}")


# --------------------------------------------------------------------------- routes


def _antwoord(
    request: Request, ctx: ApiContext, feat: StoreFeature, *, crs: CrsKeuze, status_code: int = 200
) -> Response:
    schema = _schema("kansen")
    basis = api_basis(request)
    body = feature_json(ctx, schema, feat.id, feat.properties, feat.geometry, naar=crs, basis=basis)
    headers = {"ETag": etag(schema, feat.properties, body), "Content-Crs": crs.content_crs}
    if status_code == 201:
        headers["Location"] = f"{basis}/collections/kansen/items/{quote(feat.id, safe='')}"
    return Response(body, status_code=status_code, media_type=GEOJSON, headers=headers)


def _content_crs(ctx: ApiContext, content_crs: str | None) -> CrsKeuze:
    if content_crs is None or not content_crs.strip():
        return ctx.crs_keuzes[CRS84_URI]
    return kies_crs(content_crs, ctx.crs_keuzes, veld="Content-Crs")


@router.post(
    "",
    status_code=201,
    response_class=GeoJSONResponse,
    response_model=Feature,
    responses=_fouten(400, 409, 413),
    summary="Nieuwe kans",
    description="Maak een kans van een GeoJSON Feature (geometrie in CRS84, of in het stelsel uit Content-Crs). "
    "De gemeentecode wordt uit de locatie ingevuld als de werkruimte gemeenten heeft. Antwoord: 201 met "
    "Location en ETag.",
    operation_id="kans_maken",
)
def kans_maken(
    request: Request,
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    kanaal: KanaalDep,
    feature: FeatureBody,
    crs: CrsDep,
    content_crs: ContentCrs = None,
) -> Response:
    schema = _schema("kansen")
    keuze = _content_crs(ctx, content_crs)
    geom = _geometrie(
        feature.geometry,
        schema=schema,
        content_crs=keuze,
        store_crs=ctx.store_crs,
        max_vertices=ctx.settings.max_vertices,
    )
    props = _kenmerken(feature.properties)
    props.pop("id", None)  # the server assigns the id (OGC API Features Part 4)
    feat = schrijf_kans(ctx, gebruiker, "maak", properties=props, geometry=geom, kanaal=kanaal)
    assert feat is not None
    return _antwoord(request, ctx, feat, crs=crs, status_code=201)


def _bestaande_kans_schrijven(
    request: Request,
    ctx: ApiContext,
    gebruiker: Gebruiker,
    kanaal: Kanaal,
    fid: str,
    feature: FeatureIn,
    crs: CrsKeuze,
    if_match: str | None,
    content_crs: str | None,
    *,
    actie: Actie,
) -> Response:
    """PUT (``vervang``: geometry required) and PATCH (``wijzig``: geometry optional) of one kans."""
    versie = _versie(if_match, ctx, fid)
    geom = None
    if actie == "vervang" or feature.geometry is not None:
        geom = _geometrie(
            feature.geometry,
            schema=_schema("kansen"),
            content_crs=_content_crs(ctx, content_crs),
            store_crs=ctx.store_crs,
            max_vertices=ctx.settings.max_vertices,
        )
    props = _kenmerken(feature.properties)
    props.pop("id", None)
    feat = schrijf_kans(ctx, gebruiker, actie, fid=fid, properties=props, geometry=geom, versie=versie, kanaal=kanaal)
    assert feat is not None
    return _antwoord(request, ctx, feat, crs=crs)


@router.put(
    "/{fid}",
    response_class=GeoJSONResponse,
    response_model=Feature,
    responses=_fouten(400, 404, 412, 413, 428),
    summary="Kans vervangen",
    description="Vervang alle kenmerken en de geometrie van een kans. Vereist If-Match met de huidige versie.",
    operation_id="kans_vervangen",
)
def kans_vervangen(
    request: Request,
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    kanaal: KanaalDep,
    fid: FidPad,
    feature: FeatureBody,
    crs: CrsDep,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
) -> Response:
    return _bestaande_kans_schrijven(
        request, ctx, gebruiker, kanaal, fid, feature, crs, if_match, content_crs, actie="vervang"
    )


@router.patch(
    "/{fid}",
    response_class=GeoJSONResponse,
    response_model=Feature,
    responses=_fouten(400, 404, 412, 413, 428),
    summary="Kans wijzigen",
    description="Wijzig enkele kenmerken en/of de geometrie van een kans (JSON merge patch: alleen wat u stuurt "
    "verandert; null maakt een veld leeg). Vereist If-Match met de huidige versie.",
    operation_id="kans_wijzigen",
)
def kans_wijzigen(
    request: Request,
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    kanaal: KanaalDep,
    fid: FidPad,
    feature: FeatureBody,
    crs: CrsDep,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
) -> Response:
    return _bestaande_kans_schrijven(
        request, ctx, gebruiker, kanaal, fid, feature, crs, if_match, content_crs, actie="wijzig"
    )


@router.delete(
    "/{fid}",
    status_code=204,
    response_class=Response,
    responses=_fouten(404, 412, 428),
    summary="Kans verwijderen",
    description="Verwijder een kans (zacht: hij blijft in de historie en kan hersteld worden). "
    "Vereist If-Match met de huidige versie.",
    operation_id="kans_verwijderen",
)
def kans_verwijderen(
    ctx: ContextDep, gebruiker: GebruikerDep, kanaal: KanaalDep, fid: FidPad, if_match: IfMatch = None
) -> Response:
    versie = _versie(if_match, ctx, fid)
    schrijf_kans(ctx, gebruiker, "verwijder", fid=fid, versie=versie, kanaal=kanaal)
    return Response(status_code=204)


@router.get(
    "/{fid}/historie",
    response_model=list[HistorieRegel],
    responses=_fouten(404),
    summary="Historie van een kans",
    description="Alle versies van een kans, oudste eerst: wie, wanneer, via welk kanaal, wat er veranderde, "
    "en een momentopname (geometrie als WKT in het opslag-CRS). Ook voor verwijderde kansen.",
    operation_id="kans_historie",
)
def kans_historie(ctx: ContextDep, gebruiker: GebruikerDep, fid: FidPad) -> Response:
    store = ctx.werkruimte.store
    store.get("kansen", fid, met_verwijderd=True)
    regels = [{k: v for k, v in r.items() if k != "samenvatting"} for r in historie_regels(store.history(fid))]
    return _json(regels)


@router.post(
    "/{fid}/herstel",
    response_class=GeoJSONResponse,
    response_model=Feature,
    responses=_fouten(404, 409),
    summary="Verwijderde kans herstellen",
    description="Herstel een zacht verwijderde kans; hij krijgt een nieuwe versie. 409 als hij niet verwijderd is. "
    "Alleen voor de beheerder.",
    operation_id="kans_herstellen",
)
def kans_herstellen(
    request: Request, ctx: ContextDep, gebruiker: GebruikerDep, kanaal: KanaalDep, fid: FidPad, crs: CrsDep
) -> Response:
    feat = schrijf_kans(ctx, gebruiker, "herstel", fid=fid, kanaal=kanaal)
    assert feat is not None
    return _antwoord(request, ctx, feat, crs=crs)


_HISTORIE_MEDIATYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@historie_router.get(
    "/historie",
    response_class=Response,
    responses={
        200: {
            "description": "De historie als bestand (Content-Disposition: attachment).",
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/HistorieRegel"}}
                },
                "text/csv": {"schema": {"type": "string"}},
                _HISTORIE_MEDIATYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **_fouten(400),
    },
    summary="Historie van alle kansen downloaden",
    description="Elke versie van elke kans, oudste eerst: wie, wanneer, via welk kanaal (api, web, import, cli, "
    "systeem), wat er veranderde (oude en nieuwe waarden) en een momentopname. Alleen voor de aanjager en de "
    "beheerder. Formaat: json, csv (UTF-8, komma's) of xlsx.",
    operation_id="historie_export",
)
def historie_export(
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    f: Annotated[Literal["json", "csv", "xlsx"], Query(description="Bestandsformaat: json, csv of xlsx.")] = "json",
) -> Response:
    mag_historie_exporteren(gebruiker)
    inhoud = exporteer_historie(ctx.werkruimte.store.history(), formaat=f)
    naam = f"kansen_historie.{f}"
    return Response(
        inhoud,
        media_type=_HISTORIE_MEDIATYPES[f],
        headers={
            "Content-Disposition": f"attachment; filename=\"{naam}\"; filename*=UTF-8''{quote(naam)}",
            "Cache-Control": "no-store",
        },
    )
