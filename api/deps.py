"""FastAPI dependencies as named aliases (``LaagDep``, ``BboxDep``, ``CrsDep`` …).

Every query parameter with a limit declares it in ``Query(ge=, le=)`` so that it appears in
the OpenAPI document. Dependencies raise domain errors; :mod:`api.errors` turns them into
HTTP responses.

Users:

- :func:`huidige_gebruiker` (:data:`GebruikerDep`) resolves the user of a request through
  :class:`api.toegang.Toegang`: an API token, a web session (with its CSRF check on unsafe
  methods), or the anonymous lezer when reading is open; otherwise it raises ``AuthError``
  (401). Every route that reads or writes data depends on it; tests may replace it with
  ``app.dependency_overrides[huidige_gebruiker]``.
- :func:`optionele_gebruiker` (:data:`OptioneleGebruikerDep`) is for the few open routes
  (landing page, conformance): ``None`` without login, but a bad token is still a 401.
- :data:`KanaalDep` is the history channel of a write: ``web`` for a session, ``api`` for a token.
- :class:`ApiContext` (``request.app.state.kansenkaart``) holds the open workspace, the
  settings, the CRS choices and the lazily loaded walking network; the web map and the
  monitor routes use the same aliases (``ContextDep``, ``WerkruimteDep``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from pyproj import CRS

from api._geojson import CrsKeuze, bbox_naar_store, kies_crs, ondersteunde_crs, parse_bbox
from api.toegang import Aanmelding, Toegang
from kansenkaart.auth import Gebruiker, Kanaal, Rol
from kansenkaart.crs import crs_uri
from kansenkaart.errors import NetworkError, NotFoundError, ValidationError
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.query import Lezer, filters_voor_laag
from kansenkaart.schemas import LAGEN, Laag
from kansenkaart.schemas import laag as _schema
from kansenkaart.settings import Settings

__all__ = [
    "MAX_LIMIT",
    "ApiContext",
    "BboxDep",
    "BboxFilter",
    "ContextDep",
    "CrsDep",
    "DatetimeDep",
    "EigenschappenDep",
    "FormaatDep",
    "Gebruiker",
    "GebruikerDep",
    "KanaalDep",
    "LaagDep",
    "LimitDep",
    "NetwerkBron",
    "NetwerkDep",
    "OffsetDep",
    "OptioneleGebruikerDep",
    "Rol",
    "WerkruimteDep",
    "huidige_gebruiker",
    "optionele_gebruiker",
]

MAX_LIMIT = 10_000
"""Maximum ``limit`` of ``/items`` (advertised in the OpenAPI document; QGIS reads it)."""
STANDAARD_LIMIT = 100
MAX_OFFSET = 1_000_000_000
GEEN_NETWERK = "Geen wandelnetwerk in deze werkruimte; laad eerst OSM met 'kansenkaart osm laden'."

# --------------------------------------------------------------------------- users


def huidige_gebruiker(request: Request) -> Gebruiker:
    """The user of this request (token, session or anonymous lezer); 401 without login when reading is closed.

    A plain function (run in the thread pool): it reads ``gebruikers.sqlite``.
    """
    ctx: ApiContext = request.app.state.kansenkaart
    aanmelding = ctx.toegang.aanmelding(request, verplicht=True)
    assert aanmelding is not None
    request.state.aanmelding = aanmelding
    return aanmelding.gebruiker


GebruikerDep = Annotated[Gebruiker, Depends(huidige_gebruiker)]


def optionele_gebruiker(request: Request) -> Gebruiker | None:
    """The user of this request, or ``None`` without login (open routes); a bad token is still 401."""
    ctx: ApiContext = request.app.state.kansenkaart
    aanmelding = ctx.toegang.aanmelding(request, verplicht=False)
    if aanmelding is not None:
        request.state.aanmelding = aanmelding
        return aanmelding.gebruiker
    return None


OptioneleGebruikerDep = Annotated[Gebruiker | None, Depends(optionele_gebruiker)]


def kanaal(request: Request, gebruiker: GebruikerDep) -> Kanaal:
    """The history channel of a write: ``web`` (session) or ``api`` (token, or an overridden user)."""
    aanmelding: Aanmelding | None = getattr(request.state, "aanmelding", None)
    return aanmelding.kanaal if aanmelding is not None else "api"


KanaalDep = Annotated[Kanaal, Depends(kanaal)]


# --------------------------------------------------------------------------- app context


class NetwerkBron:
    """The walking network of the app, loaded once on first use (thread-safe).

    Parameters
    ----------
    laden
        Loads the workspace's cached network; returns ``None`` when there is none.
    voorbereiden
        Turns the network into the form the query engine uses (built once).
    netwerk
        An already loaded network (tests inject one).
    """

    def __init__(
        self,
        laden: Callable[[], Any | None],
        *,
        voorbereiden: Callable[[Any], Any] | None = None,
        netwerk: Any | None = None,
    ) -> None:
        self._laden = laden
        self._voorbereiden = voorbereiden or (lambda n: n)
        self._lock = threading.Lock()
        self._klaar = False
        self._netwerk: Any | None = None
        if netwerk is not None:
            self._netwerk = self._voorbereiden(netwerk)
            self._klaar = True

    @property
    def geladen(self) -> bool:
        """True once loading was attempted (or a network was injected)."""
        return self._klaar

    def beschikbaar(self) -> bool:
        """True when a network is (or can be) loaded."""
        return self.get_or_none() is not None

    def get_or_none(self) -> Any | None:
        """The prepared network, or ``None`` when the workspace has none."""
        if not self._klaar:
            with self._lock:
                if not self._klaar:
                    ruw = self._laden()
                    self._netwerk = None if ruw is None else self._voorbereiden(ruw)
                    self._klaar = True
        return self._netwerk

    def get(self) -> Any:
        """The prepared network.

        Raises
        ------
        NetworkError
            When the workspace has no walking network (HTTP 409).
        """
        n = self.get_or_none()
        if n is None:
            raise NetworkError(GEEN_NETWERK)
        return n

    def vergeet(self) -> None:
        """Drop the loaded network so that the next use reloads it (after 'osm laden')."""
        with self._lock:
            self._klaar = False
            self._netwerk = None


@dataclass
class ApiContext:
    """Everything the routes share: workspace, settings, read cache, CRS choices, network."""

    werkruimte: Werkruimte
    settings: Settings
    netwerk: NetwerkBron
    lezer: Lezer
    """Reads of layers for /items and /query: the read cache, or the store itself."""
    toegang: Toegang
    """Accounts, tokens and sessions (``gebruikers.sqlite``) and the read policy."""
    crs_keuzes: dict[str, CrsKeuze] = field(init=False)
    store_uri: str = field(init=False)

    def __post_init__(self) -> None:
        self.crs_keuzes = ondersteunde_crs(self.werkruimte.crs)
        self.store_uri = crs_uri(self.werkruimte.crs)

    @property
    def store_crs(self) -> CRS:
        """The storage (metric) CRS of the workspace."""
        return self.werkruimte.crs


async def context(request: Request) -> ApiContext:
    """The :class:`ApiContext` of the app."""
    ctx: ApiContext = request.app.state.kansenkaart
    return ctx


ContextDep = Annotated[ApiContext, Depends(context)]


async def werkruimte(ctx: ContextDep) -> Werkruimte:
    """The open workspace."""
    return ctx.werkruimte


WerkruimteDep = Annotated[Werkruimte, Depends(werkruimte)]


def netwerk(ctx: ContextDep) -> Any:
    """The prepared walking network; 409 with a Dutch hint when the workspace has none."""
    return ctx.netwerk.get()


NetwerkDep = Annotated[Any, Depends(netwerk)]


# --------------------------------------------------------------------------- layers


_LAAG_OMSCHRIJVING = "Naam van de laag (collectie): " + ", ".join(LAGEN) + "."


async def laag_param(
    ctx: ContextDep,
    laag: Annotated[str, Path(description=_LAAG_OMSCHRIJVING, json_schema_extra={"enum": list(LAGEN)})],
) -> Laag:
    """The layer of the path; 404 for an unknown layer or a derived layer not computed yet."""
    schema = _schema(laag)
    if not ctx.werkruimte.store.has_layer(schema.naam):
        raise NotFoundError(
            f"Laag '{schema.naam}' is nog niet berekend of geladen in deze werkruimte.",
            details={"laag": schema.naam},
        )
    return schema


LaagDep = Annotated[Laag, Depends(laag_param)]


# --------------------------------------------------------------------------- common parameters


async def crs_param(
    ctx: ContextDep,
    crs: Annotated[
        str | None,
        Query(
            description="Coördinatenstelsel van het antwoord (OGC API Features deel 2), als URI. "
            "Standaard CRS84 (lengte, breedte). Ondersteund: CRS84, EPSG:4326 (breedte, lengte), "
            "EPSG:28992 (RD New) en het opslag-CRS van de werkruimte (zie 'storageCrs' van de collectie).",
            max_length=200,
            examples=["http://www.opengis.net/def/crs/EPSG/0/28992"],
        ),
    ] = None,
) -> CrsKeuze:
    """The ``crs`` parameter: a supported output CRS (default CRS84)."""
    return kies_crs(crs, ctx.crs_keuzes, veld="crs")


CrsDep = Annotated[CrsKeuze, Depends(crs_param)]


@dataclass(frozen=True)
class BboxFilter:
    """A bbox in the store CRS; ``buiten`` when it misses the workspace's area entirely."""

    store_bbox: tuple[float, float, float, float] | None
    buiten: bool = False


async def bbox_param(
    ctx: ContextDep,
    bbox: Annotated[
        str | None,
        Query(
            description="Begrenzingsrechthoek minx,miny,maxx,maxy (of 6 getallen met hoogte), standaard in "
            "CRS84: lengtegraad,breedtegraad. Met 'bbox-crs' in een ander ondersteund stelsel.",
            max_length=400,
            examples=["5.10,52.20,5.20,52.30"],
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            description="Coördinatenstelsel van 'bbox' (URI); standaard CRS84.",
            max_length=200,
            examples=["http://www.opengis.net/def/crs/EPSG/0/28992"],
        ),
    ] = None,
) -> BboxFilter:
    """The ``bbox``/``bbox-crs`` parameters, transformed to the store CRS (densified)."""
    if bbox is None:
        if bbox_crs is not None:
            kies_crs(bbox_crs, ctx.crs_keuzes, veld="bbox-crs")
        return BboxFilter(None)
    keuze = kies_crs(bbox_crs, ctx.crs_keuzes, veld="bbox-crs")
    waarden = parse_bbox(bbox, veld="bbox")
    store_bbox = bbox_naar_store(waarden, bbox_crs=keuze, store_crs=ctx.store_crs, veld="bbox")
    if store_bbox is None:
        return BboxFilter(None, buiten=True)
    return BboxFilter(store_bbox)


BboxDep = Annotated[BboxFilter, Depends(bbox_param)]

LimitDep = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_LIMIT,
        description=f"Maximaal aantal objecten per pagina (1 tot en met {MAX_LIMIT:,}).".replace(",", "."),
    ),
]
OffsetDep = Annotated[
    int,
    Query(ge=0, le=MAX_OFFSET, description="Aantal objecten dat wordt overgeslagen (voor bladeren; zie link 'next')."),
]

Formaat = Literal["json", "geojson", "application/json", "application/geo+json"]
FormaatDep = Annotated[
    Formaat | None,
    Query(description="Formaat van het antwoord. Alleen JSON/GeoJSON; HTML wordt niet geleverd."),
]


def _parse_tijd(deel: str) -> None:
    if deel in ("", ".."):
        return
    datetime.fromisoformat(deel.replace("Z", "+00:00").replace("z", "+00:00"))


async def datetime_param(
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="Tijdstip of interval (RFC 3339, bijv. 2024-01-01T00:00:00Z/..). De lagen hebben geen "
            "tijdsdimensie: de parameter wordt gecontroleerd maar filtert niet.",
            max_length=100,
        ),
    ] = None,
) -> str | None:
    """The OGC ``datetime`` parameter: validated, not used (layers have no temporal extent)."""
    if datetime_ is None:
        return None
    delen = datetime_.split("/")
    try:
        if len(delen) > 2 or delen == ["..", ".."] or delen == [""]:
            raise ValueError(datetime_)
        for deel in delen:
            _parse_tijd(deel)
    except ValueError as e:
        raise ValidationError(
            f"'datetime' is ongeldig: '{datetime_[:100]}'. Gebruik RFC 3339, bijvoorbeeld 2024-01-01T00:00:00Z "
            "of een interval 2024-01-01T00:00:00Z/..",
            details={"veld": "datetime"},
        ) from e
    return datetime_


DatetimeDep = Annotated[str | None, Depends(datetime_param)]

# Query parameters of /items that are not property filters (QGIS sends limit, bbox,
# bbox-crs, crs and sometimes f; OGC clients may send datetime).
OGC_PARAMETERS = frozenset({"bbox", "bbox-crs", "crs", "limit", "offset", "f", "datetime"})


def filterbare_kolommen(ctx: ApiContext, schema: Laag) -> list[str]:
    """The fields of a layer that can be filtered on (stored columns for derived layers)."""
    if schema.afgeleid:
        return ctx.werkruimte.store.columns(schema.naam)
    return list(schema.veldnamen)


async def eigenschappen_param(request: Request, ctx: ContextDep, schema: LaagDep) -> dict[str, list[Any]]:
    """Property filters ``?veld=waarde`` of ``/items``: any field of the layer.

    A query parameter that is neither an OGC parameter nor a field of the layer is a 400
    naming it, so a typo does not silently return everything.
    """
    kolommen = filterbare_kolommen(ctx, schema)
    paren: list[tuple[str, str]] = []
    for naam, waarde in request.query_params.multi_items():
        if naam in OGC_PARAMETERS:
            continue
        if naam not in kolommen:
            raise ValidationError(
                f"Onbekende parameter '{naam}'. Filtervelden van laag '{schema.naam}': {', '.join(kolommen)}; "
                f"overige parameters: {', '.join(sorted(OGC_PARAMETERS))}.",
                details={"veld": naam, "toegestaan": kolommen + sorted(OGC_PARAMETERS)},
            )
        if not waarde.strip():
            raise ValidationError(f"Lege waarde voor filterveld '{naam}'.", details={"veld": naam})
        paren.append((naam, waarde.strip()))
    return filters_voor_laag(schema, paren, kolommen=kolommen, parameter="filter")


EigenschappenDep = Annotated[dict[str, list[Any]], Depends(eigenschappen_param)]
