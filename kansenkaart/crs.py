"""Coordinate reference systems: one constant and one helper each.

Everything that is measured in metres is measured in a projected *metric* CRS. For Dutch
regions that is EPSG:28992 (RD New), the default. A region file may name another metric CRS
for regions outside the Netherlands, because RD New is only valid there (the bundled demo
workspace lies in Helsinki and uses EPSG:3067). Everything served on the web is in
CRS84 (longitude, latitude).
"""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
from pyproj import CRS

from kansenkaart.errors import CRSError

__all__ = [
    "METRIC_CRS",
    "RD_NEW",
    "WEB_CRS",
    "check_crs",
    "crs_uri",
    "parse_crs_uri",
    "to_metric",
    "to_web",
]

RD_NEW = "EPSG:28992"
METRIC_CRS = RD_NEW
WEB_CRS = "OGC:CRS84"

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


def check_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str = "laag") -> CRS:
    """Return the CRS of ``gdf``; raise :class:`CRSError` when it has none.

    Parameters
    ----------
    gdf
        Frame or series to check.
    name
        Name used in the error message.
    """
    if gdf.crs is None:
        raise CRSError(
            f"De geometrie van '{name}' heeft geen coördinatenstelsel (CRS). "
            "Geef het CRS op, bijvoorbeeld EPSG:28992 (RD) of EPSG:4326 (lengte/breedte)."
        )
    return CRS.from_user_input(gdf.crs)


def to_metric(gdf: G, *, crs: str | CRS = METRIC_CRS, name: str = "laag") -> G:
    """Project ``gdf`` to the metric CRS (default EPSG:28992); reject a missing CRS."""
    check_crs(gdf, name=name)
    target = CRS.from_user_input(crs)
    if not target.is_projected:
        raise CRSError(f"CRS {target.to_string()} is niet geprojecteerd; afstanden vragen om meters.")
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)


def to_web(gdf: G, *, name: str = "laag") -> G:
    """Project ``gdf`` to CRS84 (lon/lat) for the web and GeoJSON; reject a missing CRS."""
    check_crs(gdf, name=name)
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(WEB_CRS):
        return gdf
    return gdf.to_crs(WEB_CRS)


def crs_uri(crs: str | CRS) -> str:
    """Return the OGC URI of a CRS, e.g. ``http://www.opengis.net/def/crs/EPSG/0/28992``."""
    c = CRS.from_user_input(crs)
    if c == CRS.from_user_input(WEB_CRS):
        return CRS84_URI
    auth = c.to_authority()
    if auth is None:
        raise CRSError(f"CRS {c.to_string()} heeft geen EPSG-code.")
    return f"http://www.opengis.net/def/crs/{auth[0]}/0/{auth[1]}"


def parse_crs_uri(uri: str) -> CRS:
    """Parse an OGC CRS URI (or ``EPSG:xxxx``) into a :class:`pyproj.CRS`."""
    text = uri.strip()
    if text in (CRS84_URI, "OGC:CRS84", "CRS84"):
        return CRS.from_user_input(WEB_CRS)
    prefix = "http://www.opengis.net/def/crs/"
    try:
        if text.startswith(prefix):
            auth, _version, code = text[len(prefix) :].split("/")
            return CRS.from_user_input(f"{auth}:{code}")
        return CRS.from_user_input(text)
    except Exception as e:  # pyproj raises CRSError of its own, and ValueError on bad URIs
        raise CRSError(f"Onbekend coördinatenstelsel: '{uri}'.", details={"veld": "crs"}) from e
