"""A small workspace with known geometry for the query and API tests.

All coordinates in EPSG:28992 around O = (140000, 470000), inside Gooi en Vechtstreek.

Walking network (a synthetic :class:`~kansenkaart.netwerk.Netwerk`)::

    y=470080  N0 ---- N1 ---- N2 ---- N3 ---- N4 ---- N5 ---- N6     "Noordkade"
               |                                               |
               | (only the two ends connect: a canal in between)|
    y=470000  S0 ---- S1 ---- S2 ---- S3 ---- S4 ---- S5 ---- S6     "Hoofdstraat"
            x=139800  139900  140000  140100  140200  140300  140400

Reference: ontmoetingsruimte OR1 at S2 (140000, 470000); a supermarkt near K3 that the
``categorie=ontmoetingsruimte`` filter must leave out; a second ontmoetingsruimte OR2 west of
the Noordkade, far from everything.

Kansen (query: doelgroep=geclusterd, binnen 100 m van ontmoetingsruimte):

===  ==========  ==========================  ================  ==============
id   doelgroep   where                       hemelsbreed       lopend
===  ==========  ==========================  ================  ==============
K1   geclusterd  (140030, 470010)            31.6 m  ✓         ≤ 42 m  ✓
K2   geclusterd  (140000, 470085) Noordkade  85 m    ✓         ~485 m  ✗ (detour)
K3   geclusterd  (140300, 470000)            300 m   ✗         300 m   ✗
K4   nultreden   (140020, 470000)            20 m (filtered out by doelgroep)
K5   geclusterd  polygon x 139920-139960     40 m    ✓         ~60 m   ✓
K6   geclusterd  (140010, 470000), deleted   never returned
===  ==========  ==========================  ================  ==============
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.netwerk import Netwerk

CRS = "EPSG:28992"
XS = [139_800, 139_900, 140_000, 140_100, 140_200, 140_300, 140_400]
Y_ZUID, Y_NOORD = 470_000, 470_080

KANS_BASIS = {"soort": "nieuwbouw", "status": "idee", "aantal_woningen": 16, "bron": "test"}
KANSEN: dict[str, tuple[dict[str, object], shapely.Geometry]] = {
    "K1": ({"naam": "Hofje aan de Hoofdstraat", "doelgroep": "geclusterd"}, shapely.Point(140_030, 470_010)),
    "K2": ({"naam": "Overkant Noordkade", "doelgroep": "geclusterd"}, shapely.Point(140_000, 470_085)),
    "K3": ({"naam": "Ver weg", "doelgroep": "geclusterd", "status": "verkenning"}, shapely.Point(140_300, 470_000)),
    "K4": ({"naam": "Nultreden dichtbij", "doelgroep": "nultreden"}, shapely.Point(140_020, 470_000)),
    "K5": ({"naam": "Blok west", "doelgroep": "geclusterd"}, shapely.box(139_920, 469_990, 139_960, 470_010)),
    "K6": ({"naam": "Verwijderd", "doelgroep": "geclusterd"}, shapely.Point(140_010, 470_000)),
}

VERWACHT = {
    ("hemelsbreed", False): {"K1", "K2", "K5"},
    ("lopend", False): {"K1", "K5"},
    ("hemelsbreed", True): {"K3"},
    ("lopend", True): {"K2", "K3"},
}
"""Expected ids of the example query (doelgroep=geclusterd, 100 m, categorie=ontmoetingsruimte)."""


def maak_netwerk() -> Netwerk:
    """The synthetic walking network drawn in the module docstring."""
    punten = [(x, Y_ZUID) for x in XS] + [(x, Y_NOORD) for x in XS]
    nodes = gpd.GeoDataFrame(
        {"osmid": np.arange(len(punten), dtype=np.int64)},
        geometry=[shapely.Point(p) for p in punten],
        crs=CRS,
    )
    n = len(XS)
    paren = [(i, i + 1, "Hoofdstraat") for i in range(n - 1)]
    paren += [(n + i, n + i + 1, "Noordkade") for i in range(n - 1)]
    paren += [(0, n, "Westbrug"), (n - 1, 2 * n - 1, "Oostbrug")]
    geoms = [shapely.LineString([punten[u], punten[v]]) for u, v, _ in paren]
    edges = gpd.GeoDataFrame(
        {
            "u": np.array([u for u, _, _ in paren], dtype=np.int64),
            "v": np.array([v for _, v, _ in paren], dtype=np.int64),
            "length": shapely.length(np.array(geoms)),
            "osmid": pd.array(range(len(paren)), dtype="Int64"),
            "highway": "footway",
            "name": [s for _, _, s in paren],
        },
        geometry=geoms,
        crs=CRS,
    )
    return Netwerk(nodes=nodes, edges=edges, crs=pyproj.CRS.from_user_input(CRS), rapport={})


def voorzieningen() -> gpd.GeoDataFrame:
    """OR1 at S2, a supermarkt next to K3, OR2 far north-west."""
    return gpd.GeoDataFrame(
        {
            "id": ["OR1", "SM1", "OR2"],
            "naam": ["Buurthuis De Brink", "Supermarkt Oost", "Wijkcentrum Noord"],
            "categorie": ["ontmoetingsruimte", "supermarkt", "ontmoetingsruimte"],
            "bron": "test",
            "bron_id": ["or1", "sm1", "or2"],
        },
        geometry=[shapely.Point(140_000, 470_000), shapely.Point(140_300, 470_005), shapely.Point(139_500, 470_500)],
        crs=CRS,
    )


def gemeenten() -> gpd.GeoDataFrame:
    """Two gemeenten split at x = 140 150 (Hilversum west, Gooise Meren east)."""
    return gpd.GeoDataFrame(
        {
            "id": ["GM0402", "GM1942"],
            "code": ["GM0402", "GM1942"],
            "naam": ["Hilversum", "Gooise Meren"],
            "bron": "test",
        },
        geometry=[shapely.box(135_000, 465_000, 140_150, 475_000), shapely.box(140_150, 465_000, 145_000, 475_000)],
        crs=CRS,
    )


def kansen_frame() -> gpd.GeoDataFrame:
    """The kansen K1-K6 as a frame (K6 is deleted after loading by :func:`maak_werkruimte`)."""
    rijen = [{"id": k, **KANS_BASIS, **props, "bron_id": k} for k, (props, _g) in KANSEN.items()]
    return gpd.GeoDataFrame(rijen, geometry=[g for _p, g in KANSEN.values()], crs=CRS)


def maak_werkruimte(pad: Path, *, met_netwerk: bool = False) -> Werkruimte:
    """Create the workspace at ``pad`` with gemeenten, voorzieningen and kansen (K6 soft-deleted).

    With ``met_netwerk`` the synthetic walking network is stored in the workspace's network
    cache the way ``kansenkaart osm laden`` stores one (so the CLI and the app find it).
    """
    ws = Werkruimte.maak(pad, regio="gooi-en-vechtstreek")
    s = ws.store
    s.replace_layer("gemeenten", gemeenten())
    s.replace_layer("voorzieningen", voorzieningen())
    for fid, (props, geom) in KANSEN.items():
        s.create("kansen", {"id": fid, **KANS_BASIS, **props, "bron_id": fid}, geom, gebruiker="test", kanaal="systeem")
    s.delete("kansen", "K6", versie=1, gebruiker="test", kanaal="systeem")
    if met_netwerk:
        from kansenkaart.io import _osmcache
        from kansenkaart.io.osm import META_NETWERK

        _osmcache.schrijf_netwerk(maak_netwerk(), ws.cache_dir / "netwerk" / "test", info={"bron": "test"})
        s.set_meta(META_NETWERK, "netwerk/test")
    return ws
