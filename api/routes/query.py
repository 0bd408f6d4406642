"""Planners' spatial query: ``GET/POST /api/query``.

"Welke geclusterd-kansen liggen binnen 100 m lopen van een ontmoetingsruimte?"::

    GET /api/query?doel=kansen&waar=doelgroep=geclusterd&binnen=100&van=voorzieningen
        &waar_ref=categorie=ontmoetingsruimte&modus=lopend

The answer is a GeoJSON FeatureCollection of the matching targets, each with ``afstand_m``
and the ``dichtstbij_id``/``dichtstbij_naam`` of the nearest reference. The logic is
:func:`kansenkaart.query.voer_vraag_uit`, shared with ``kansenkaart query``; with the read
cache (the default) the same steps run on the layers in memory (:func:`_uit_geheugen`), with
the same answers, byte for byte.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api._cache import Leescache
from api._geojson import CrsKeuze, dumps, features_json, met_eigenschappen
from api.deps import MAX_LIMIT, ApiContext, ContextDep, CrsDep, GebruikerDep
from api.models import QueryFeatureCollection, QueryVraag
from api.routes import api_basis
from api.routes.ogc import GEOJSON, GeoJSONResponse, _fouten, _nu, tekstvariant
from kansenkaart.query import (
    MAX_AFSTAND_M,
    MIN_AFSTAND_M,
    RESULTAATKOLOMMEN,
    Vraag,
    referentie_bbox,
    voer_vraag_uit,
    vraag_filters,
    zoek_treffers,
)
from kansenkaart.schemas import LAGEN

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["Ruimtelijke vraag"])

_BESCHRIJVING = (
    "Welke objecten van de doellaag (met filter) liggen binnen D meter van een object van de referentielaag "
    "(met filter)? Modus 'hemelsbreed' meet in een rechte lijn in het metrische coördinatenstelsel van de "
    "werkruimte (EPSG:28992 voor Nederlandse regio's; vlakken met hun echte vorm, 0 m als ze overlappen); "
    "modus 'lopend' meet over het wandelnetwerk (vlakken vanaf hun representatieve punt). Met niet=true: "
    "de doelen zónder referentie binnen D. Elk resultaat krijgt afstand_m, dichtstbij_id en dichtstbij_naam. "
    "Zonder wandelnetwerk in de werkruimte geeft 'lopend' 409."
)
_QUERY_LIMIT = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_LIMIT,
        description=f"Maximaal aantal resultaten (1 tot en met {MAX_LIMIT}); numberMatched geeft het totaal.",
    ),
]


def _uit_geheugen(
    ctx: ApiContext, lezer: Leescache, vraag: Vraag, netwerk: Any, *, crs: CrsKeuze, limit: int, href: str
) -> tuple[int, list[str]] | None:
    """Answer from the layers in memory without building frames; ``None`` when a layer is not cached.

    The same question checks (:func:`vraag_filters`), selection (:meth:`Leescache.selectie`, as
    :meth:`Leescache.query` selects), reference area (:func:`referentie_bbox`) and engine
    (:func:`zoek_treffers`) as :func:`voer_vraag_uit`, on geometry arrays. Each target's
    Feature text is the one ``items`` serves (kept per row), with the three result properties
    added; only the distances are new per question.
    """
    d, doel_filters, ref_filters = vraag_filters(vraag, store=lezer, netwerk=netwerk)
    doelen = lezer.selectie(vraag.doel, filters=doel_filters)
    if doelen is None or not lezer.metrisch or any(k in doelen.kolommen for k in RESULTAATKOLOMMEN):
        return None  # the general path decides (and says what is wrong)
    bbox = referentie_bbox(doelen.geoms, d, niet=vraag.niet)
    referenties = lezer.selectie(vraag.van, filters=ref_filters, bbox=bbox)
    if referenties is None:
        return None
    treffers = zoek_treffers(
        doelen.geoms,
        referenties.geoms,
        afstand_m=d,
        crs=lezer.store.crs,
        modus=vraag.modus,
        netwerk=netwerk,
        niet_binnen=vraag.niet,
        max_snap_m=ctx.settings.max_snap_m,
    )
    variant, maak = tekstvariant(ctx, crs=crs, items_href=href)
    teksten = lezer.feature_teksten(doelen, treffers.posities[:limit], variant=variant, maak=maak)
    ids, namen = lezer.labels(referenties)
    features = []
    for tekst, afstand, ref in zip(teksten, treffers.afstand_m[:limit], treffers.referentie[:limit], strict=True):
        features.append(
            met_eigenschappen(
                tekst,
                {
                    "afstand_m": float(afstand),
                    "dichtstbij_id": ids[ref] if ref >= 0 else None,
                    "dichtstbij_naam": namen[ref] if ref >= 0 else None,
                },
            )
        )
    return len(treffers), features


def _bereken(ctx: ApiContext, vraag: Vraag, *, crs: CrsKeuze, limit: int, basis: str) -> tuple[int, list[str]]:
    netwerk = ctx.netwerk.get() if vraag.modus == "lopend" else None
    href = f"{basis}/collections/{vraag.doel}/items"
    lezer = ctx.lezer
    if isinstance(lezer, Leescache):
        antwoord = _uit_geheugen(ctx, lezer, vraag, netwerk, crs=crs, limit=limit, href=href)
        if antwoord is not None:
            return antwoord
    resultaat = voer_vraag_uit(vraag, store=lezer, netwerk=netwerk, max_snap_m=ctx.settings.max_snap_m)
    return len(resultaat), features_json(resultaat.iloc[:limit], naar=crs, van_uri=ctx.store_uri, item_href=href)


async def _beantwoord(request: Request, ctx: ApiContext, vraag: Vraag, *, crs: CrsKeuze, limit: int) -> Response:
    """Answer a question: remembered answers at once, new ones computed in a worker thread."""
    basis = api_basis(request)

    def bereken() -> tuple[int, list[str]]:
        return _bereken(ctx, vraag, crs=crs, limit=limit, basis=basis)

    lezer = ctx.lezer
    if isinstance(lezer, Leescache):  # the same question on unchanged data: the remembered answer
        sleutel = ("vraag", vraag, crs.uri, limit, basis)
        if lezer.bekend(sleutel):
            totaal, features = lezer.antwoord(sleutel, bereken)
        else:
            totaal, features = await run_in_threadpool(lezer.antwoord, sleutel, bereken)
    else:
        totaal, features = await run_in_threadpool(bereken)
    kop = dumps(
        {
            "type": "FeatureCollection",
            "vraag": vraag.als_dict(),
            "numberMatched": totaal,
            "numberReturned": len(features),
            "timeStamp": _nu(),
            "links": [{"href": str(request.url), "rel": "self", "type": GEOJSON, "title": "Deze vraag"}],
        }
    )
    body = kop[:-1] + ',"features":[' + ",".join(features) + "]}"
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": crs.content_crs})


@router.get(
    "/query",
    response_class=GeoJSONResponse,
    response_model=QueryFeatureCollection,
    responses=_fouten(400, 404, 409),
    summary="Ruimtelijke vraag",
    description=_BESCHRIJVING,
    operation_id="vraag",
)
async def vraag_get(
    request: Request,
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    crs: CrsDep,
    doel: Annotated[
        str,
        Query(
            description="Doellaag, bijv. 'kansen'.",
            min_length=1,
            max_length=64,
            json_schema_extra={"enum": list(LAGEN)},
        ),
    ],
    binnen: Annotated[
        float,
        Query(
            ge=MIN_AFSTAND_M,
            le=MAX_AFSTAND_M,
            description="Afstand D in meters (1 tot en met 5000); 'binnen D' telt D zelf mee.",
        ),
    ],
    van: Annotated[
        str,
        Query(
            description="Referentielaag, bijv. 'voorzieningen'.",
            min_length=1,
            max_length=64,
            json_schema_extra={"enum": list(LAGEN)},
        ),
    ],
    waar: Annotated[
        list[Annotated[str, Query(max_length=500)]],
        Query(
            description="Filter op de doellaag als veld=waarde, bijv. doelgroep=geclusterd; herhaalbaar.", max_length=20
        ),
    ] = [],  # noqa: B006  (FastAPI copies defaults per request)
    waar_ref: Annotated[
        list[Annotated[str, Query(max_length=500)]],
        Query(
            description="Filter op de referentielaag als veld=waarde, bijv. categorie=ontmoetingsruimte; herhaalbaar.",
            max_length=20,
        ),
    ] = [],  # noqa: B006
    modus: Annotated[
        Literal["hemelsbreed", "lopend"],
        Query(
            description="'hemelsbreed' (rechte lijn, metrisch CRS van de werkruimte) of 'lopend' "
            "(over het wandelnetwerk)."
        ),
    ] = "hemelsbreed",
    niet: Annotated[bool, Query(description="Omgekeerd: doelen zónder referentie binnen D.")] = False,
    limit: _QUERY_LIMIT = MAX_LIMIT,
) -> Response:
    vraag = Vraag(
        doel=doel, binnen_m=binnen, van=van, waar=tuple(waar), waar_ref=tuple(waar_ref), modus=modus, niet=niet
    )
    return await _beantwoord(request, ctx, vraag, crs=crs, limit=limit)


@router.post(
    "/query",
    response_class=GeoJSONResponse,
    response_model=QueryFeatureCollection,
    responses=_fouten(400, 404, 409, 413),
    summary="Ruimtelijke vraag (JSON)",
    description=_BESCHRIJVING + " Dezelfde vraag als GET, als JSON in de body.",
    operation_id="vraag_post",
)
async def vraag_post(
    request: Request,
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    crs: CrsDep,
    body: QueryVraag,
    limit: _QUERY_LIMIT = MAX_LIMIT,
) -> Response:
    vraag = Vraag(
        doel=body.doel,
        binnen_m=body.binnen,
        van=body.van,
        waar=tuple(body.waar),
        waar_ref=tuple(body.waar_ref),
        modus=body.modus,
        niet=body.niet,
    )
    return await _beantwoord(request, ctx, vraag, crs=crs, limit=limit)
