"""Pydantic models of the API's responses and request bodies.

The OGC API Features models follow the JSON schemas of OGC API - Features - Part 1 (landing
page, conformance, collections, GeoJSON FeatureCollection with ``numberMatched`` etc.) and
Part 2 (``crs``, ``storageCrs``). They document the OpenAPI document and the tests validate
every response against them; the handlers themselves return pre-serialised JSON for speed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kansenkaart.schemas import LAGEN

__all__ = [
    "Collection",
    "Collections",
    "ConfClasses",
    "Extent",
    "Feature",
    "FeatureCollection",
    "FeatureIn",
    "Fout",
    "Geometry",
    "HistorieRegel",
    "LandingPage",
    "Link",
    "QueryFeatureCollection",
    "QueryVraag",
    "WerkruimteInfo",
]

Positie = Annotated[list[float], Field(min_length=2, max_length=3)]


class _Open(BaseModel):
    """Objects that may carry extra members (OGC allows extensions)."""

    model_config = ConfigDict(extra="allow")


class Link(_Open):
    """A web link (OGC API Common ``link`` object)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None
    hreflang: str | None = None


class LandingPage(_Open):
    """The landing page ``/api``."""

    title: str | None = None
    description: str | None = None
    links: list[Link]


class ConfClasses(_Open):
    """The conformance declaration ``/api/conformance``."""

    conformsTo: list[str]  # noqa: N815 (OGC name)


class SpatialExtent(_Open):
    """Spatial extent: one or more bounding boxes in ``crs`` (CRS84)."""

    bbox: list[Annotated[list[float], Field(min_length=4, max_length=6)]]
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class Extent(_Open):
    """Extent of a collection."""

    spatial: SpatialExtent | None = None


class Collection(_Open):
    """One collection (layer)."""

    id: str
    title: str | None = None
    description: str | None = None
    links: list[Link]
    extent: Extent | None = None
    itemType: str = "feature"  # noqa: N815 (OGC name)
    crs: list[str] = Field(default_factory=list)
    storageCrs: str | None = None  # noqa: N815 (OGC name)


class Collections(_Open):
    """The collections ``/api/collections``."""

    links: list[Link]
    collections: list[Collection]


class Point(BaseModel):
    """GeoJSON Point."""

    type: Literal["Point"]
    coordinates: Positie
    bbox: list[float] | None = None


class MultiPoint(BaseModel):
    """GeoJSON MultiPoint."""

    type: Literal["MultiPoint"]
    coordinates: list[Positie]
    bbox: list[float] | None = None


class LineString(BaseModel):
    """GeoJSON LineString."""

    type: Literal["LineString"]
    coordinates: Annotated[list[Positie], Field(min_length=2)]
    bbox: list[float] | None = None


class MultiLineString(BaseModel):
    """GeoJSON MultiLineString."""

    type: Literal["MultiLineString"]
    coordinates: list[Annotated[list[Positie], Field(min_length=2)]]
    bbox: list[float] | None = None


class Polygon(BaseModel):
    """GeoJSON Polygon."""

    type: Literal["Polygon"]
    coordinates: list[Annotated[list[Positie], Field(min_length=4)]]
    bbox: list[float] | None = None


class MultiPolygon(BaseModel):
    """GeoJSON MultiPolygon."""

    type: Literal["MultiPolygon"]
    coordinates: list[list[Annotated[list[Positie], Field(min_length=4)]]]
    bbox: list[float] | None = None


Geometry = Annotated[
    Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon,
    Field(discriminator="type"),
]


class Feature(_Open):
    """A GeoJSON Feature with kansenkaart ``id`` and links."""

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None
    links: list[Link] | None = None


class FeatureCollection(_Open):
    """A GeoJSON FeatureCollection with the OGC paging members."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    links: list[Link] | None = None
    timeStamp: str | None = None  # noqa: N815 (OGC name)
    numberMatched: int | None = Field(default=None, ge=0)  # noqa: N815 (OGC name)
    numberReturned: int | None = Field(default=None, ge=0)  # noqa: N815 (OGC name)


class QueryFeatureCollection(FeatureCollection):
    """Result of a spatial query: features with ``afstand_m``, ``dichtstbij_id``, ``dichtstbij_naam``."""

    vraag: dict[str, Any]


class Fout(BaseModel):
    """Error body: a stable code, a Dutch message safe to show, structured details."""

    code: str = Field(description="Vaste foutcode, bijv. 'onbekende_laag'.")
    description: str = Field(description="Nederlandse melding die aan de gebruiker getoond kan worden.")
    details: dict[str, Any] = Field(default_factory=dict)


class FeatureIn(BaseModel):
    """A GeoJSON Feature sent to create or change a kans.

    Geometry in CRS84 (longitude, latitude) unless the ``Content-Crs`` header names another
    supported CRS. System fields (``versie``, ``aangemaakt_door`` …) are ignored.
    """

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"] = "Feature"
    id: str | int | None = None
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON-geometrie (Point, Polygon of MultiPolygon)."
    )
    properties: dict[str, Any] = Field(default_factory=dict, description="Kenmerken van de kans.")


class HistorieRegel(BaseModel):
    """One entry of the history of a kans."""

    kans_id: str
    versie: int | None
    actie: str
    gebruiker: str | None
    tijdstip: str | None
    kanaal: str | None
    wijzigingen: dict[str, Any]
    momentopname: dict[str, Any]


class QueryVraag(BaseModel):
    """A planner's spatial question, e.g. "kansen (geclusterd) binnen 100 m lopen van een ontmoetingsruimte"."""

    model_config = ConfigDict(extra="forbid")

    doel: str = Field(
        description="Doellaag, bijv. 'kansen'.", min_length=1, max_length=64, json_schema_extra={"enum": list(LAGEN)}
    )
    waar: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20, description="Filters op de doellaag, elk 'veld=waarde'."
    )
    binnen: float = Field(ge=1, le=5000, description="Afstand in meters (1 tot en met 5000).")
    van: str = Field(
        description="Referentielaag, bijv. 'voorzieningen'.",
        min_length=1,
        max_length=64,
        json_schema_extra={"enum": list(LAGEN)},
    )
    waar_ref: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20, description="Filters op de referentielaag, elk 'veld=waarde'."
    )
    modus: Literal["hemelsbreed", "lopend"] = Field(
        default="hemelsbreed",
        description="'hemelsbreed': rechte lijn in het metrische CRS van de werkruimte; "
        "'lopend': over het wandelnetwerk.",
    )
    niet: bool = Field(default=False, description="Omgekeerd: doelen zónder referentie binnen de afstand.")


class WerkruimteInfo(BaseModel):
    """What the web map needs to know about the workspace."""

    regio: str
    regio_id: str
    crs: str
    voorbeelddata: bool
    lagen: list[dict[str, Any]]
    wandelnetwerk: bool | None = None
    vlekkenplan: dict[str, Any] | None = Field(
        default=None,
        description="Stand van de berekende lagen bereikbaarheid en vlekkenplan: berekend_op (UTC) en per laag de "
        "categorieën voorzieningen die sindsdien zijn gewijzigd (leeg: actueel; null: onbekend). Null zonder "
        "berekening.",
    )
