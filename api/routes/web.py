"""The web map: ``/`` (the page), ``/static`` (its scripts, styles and vendored Leaflet), and
``/api/query/export`` (download the answer of a spatial query, for the map's query panel).

The page is rendered by :func:`kansenkaart.kaart.kaart_html` from the workspace facts
(region, extent, stored layers); it holds no layer data. ``web/static/kaart.js`` loads the
layers from ``/api`` after the page has opened.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

import geopandas as gpd
import shapely
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pyproj import CRS

from api.deps import ContextDep, GebruikerDep, WerkruimteDep
from kansenkaart.attributie import attributie
from kansenkaart.crs import CRS84_URI, to_web
from kansenkaart.io.export import MEDIATYPES, bestandsnaam, exporteer
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.kaart import KaartInfo, KaartLaag, kaart_html
from kansenkaart.query import MAX_AFSTAND_M, MIN_AFSTAND_M, Vraag, voer_vraag_uit

__all__ = ["STATIC_DIR", "kaart_info", "router"]

STATIC_DIR = Path(str(resources.files("web") / "static"))

router = APIRouter()
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

# Layers whose extent frames the map when the page opens, best first.
_KADER = ("gemeenten", "wijken", "buurten")


def _extent_crs84(werkruimte: Werkruimte, extents: dict[str, tuple[float, float, float, float]]) -> (
    tuple[float, float, float, float] | None
):
    """The extent to show first (CRS84): the gemeenten, else all layers, else the region bbox."""
    ext = next((extents[n] for n in _KADER if n in extents), None)
    if ext is None and extents:
        minx = min(e[0] for e in extents.values())
        miny = min(e[1] for e in extents.values())
        maxx = max(e[2] for e in extents.values())
        maxy = max(e[3] for e in extents.values())
        ext = (minx, miny, maxx, maxy)
    crs: CRS | str = werkruimte.crs
    if ext is None and werkruimte.regio.bbox is not None:
        ext = werkruimte.regio.bbox
        crs = werkruimte.regio.crs
    if ext is None:
        return None
    w, s, e, n = to_web(gpd.GeoSeries([shapely.box(*ext)], crs=crs), name="extent").total_bounds
    return float(w), float(s), float(e), float(n)


def kaart_info(werkruimte: Werkruimte, *, basis: str = "", csrf_token: str = "") -> KaartInfo:
    """Collect what the map page needs from ``werkruimte``.

    Parameters
    ----------
    werkruimte
        The open workspace.
    basis
        URL prefix of the app (the ASGI ``root_path``), e.g. ``/kansenkaart``.
    csrf_token
        The session's CSRF token for the page's ``csrf-token`` meta tag (empty without a session).
    """
    infos = werkruimte.store.layers()
    extents = {i.naam: i.extent for i in infos if i.extent is not None and i.aantal > 0}
    stand = None
    if any(i.naam in ("bereikbaarheid", "vlekkenplan") and i.aantal for i in infos):
        from kansenkaart.io.vlekkenplan import vlekkenplan_stand

        stand = vlekkenplan_stand(werkruimte)

    def _laag(i: Any) -> KaartLaag:
        if stand is None or i.naam not in ("bereikbaarheid", "vlekkenplan"):
            return KaartLaag(i.naam, i.aantal, i.geometrietype)
        gewijzigd = stand.get(i.naam)
        return KaartLaag(i.naam, i.aantal, i.geometrietype, berekend_op=stand["berekend_op"],
                         gewijzigd=None if gewijzigd is None else tuple(gewijzigd))

    return KaartInfo(
        regio=werkruimte.regio.naam,
        bbox=_extent_crs84(werkruimte, extents),
        lagen=tuple(_laag(i) for i in infos),
        gemeenten=tuple((g.code, g.naam) for g in werkruimte.regio.gemeenten),
        voorbeelddata=werkruimte.voorbeelddata,
        api_basis=f"{basis}/api",
        static_basis=f"{basis}/static",
        monitor_url=f"{basis}/monitor",
        csrf_token=csrf_token,
    )


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def kaart(request: Request, werkruimte: WerkruimteDep, gebruiker: GebruikerDep) -> HTMLResponse:
    """The map page. Small: no layer data, which ``kaart.js`` loads from ``/api`` by bbox.

    Depends on :data:`~api.deps.GebruikerDep` like every API route: without login (and reading
    closed) a browser is sent to ``/login`` and back. The page carries the session's CSRF token.
    """
    basis = str(request.scope.get("root_path", "")).rstrip("/")
    info = kaart_info(werkruimte, basis=basis, csrf_token=_csrf_token(request))
    return HTMLResponse(kaart_html(info), headers={"Cache-Control": "no-store"})


def _csrf_token(request: Request) -> str:
    """The CSRF token of the session (set by :class:`api.toegang.Toegang`); empty without a session."""
    token = getattr(request.state, "csrf_token", None)
    return token if isinstance(token, str) else ""


# --------------------------------------------------------------------------- query download


@router.get(
    "/api/query/export",
    tags=["Ruimtelijke vraag"],
    response_class=Response,
    responses={
        200: {
            "description": "Het bestand (Content-Disposition: attachment).",
            "content": {MEDIATYPES[f].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                        for f in ("geojson", "gpkg", "csv")},
        },
    },
    summary="Download het antwoord op een ruimtelijke vraag",
    description="Dezelfde vraag als GET /api/query (doel, waar, binnen, van, waar_ref, modus, niet), als "
    "GeoJSON (CRS84), GeoPackage (opslag-CRS) of CSV, met afstand_m, dichtstbij_id en dichtstbij_naam "
    "en de bronvermelding van de doellaag.",
    operation_id="vraag_export",
)
def vraag_export(
    ctx: ContextDep,
    gebruiker: GebruikerDep,
    doel: Annotated[str, Query(description="Doellaag, bijv. 'kansen'.", min_length=1, max_length=64)],
    binnen: Annotated[
        float, Query(ge=MIN_AFSTAND_M, le=MAX_AFSTAND_M, description="Afstand D in meters (1 tot en met 5000).")
    ],
    van: Annotated[str, Query(description="Referentielaag, bijv. 'voorzieningen'.", min_length=1, max_length=64)],
    f: Annotated[Literal["geojson", "gpkg", "csv"], Query(description="Bestandsformaat: geojson, gpkg of csv.")],
    waar: Annotated[
        list[Annotated[str, Query(max_length=500)]],
        Query(description="Filter op de doellaag als veld=waarde; herhaalbaar.", max_length=20),
    ] = [],  # noqa: B006  (FastAPI copies defaults per request)
    waar_ref: Annotated[
        list[Annotated[str, Query(max_length=500)]],
        Query(description="Filter op de referentielaag als veld=waarde; herhaalbaar.", max_length=20),
    ] = [],  # noqa: B006
    modus: Annotated[
        Literal["hemelsbreed", "lopend"], Query(description="'hemelsbreed' of 'lopend' (over het wandelnetwerk).")
    ] = "hemelsbreed",
    niet: Annotated[bool, Query(description="Omgekeerd: doelen zónder referentie binnen D.")] = False,
) -> Response:
    """Answer the question with :func:`kansenkaart.query.voer_vraag_uit` and export it."""
    vraag = Vraag(doel=doel, binnen_m=binnen, van=van, waar=tuple(waar), waar_ref=tuple(waar_ref), modus=modus,
                  niet=niet)
    netwerk = ctx.netwerk.get() if modus == "lopend" else None
    resultaat = voer_vraag_uit(vraag, store=ctx.werkruimte.store, netwerk=netwerk, max_snap_m=ctx.settings.max_snap_m)
    tekst = attributie(vraag.doel, werkruimte_voorbeelddata=ctx.werkruimte.voorbeelddata)
    inhoud = exporteer(resultaat, formaat=f, laag=vraag.doel, attributie=tekst, crs_metrisch=ctx.store_crs)
    naam = bestandsnaam(f"zoekvraag_{vraag.doel}", f)
    headers = {"Content-Disposition": f"attachment; filename=\"{naam}\"; filename*=UTF-8''{quote(naam)}"}
    if f == "geojson":
        headers["Content-Crs"] = f"<{CRS84_URI}>"
    return Response(inhoud, media_type=MEDIATYPES[f], headers=headers)
