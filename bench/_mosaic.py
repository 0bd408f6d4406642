"""A region-sized walking network made of translated copies of a real one (benchmark helper).

The real Helsinki extract has about 2,500 nodes. To benchmark at region scale while keeping
real street topology, :func:`mosaic` lays ``kolommen x rijen`` copies of a network side by
side, each translated by exactly the width or height of the network's bounding box, so that
the tiles abut. Neighbouring tiles are then *stitched* where the extract was cut: every dead
end (degree-1 node) within ``rand_m`` of the shared edge of one tile is joined to the nearest
node within ``rand_m`` of that edge in the other tile, when it is at most ``max_verbinding_m``
away, by a straight connector edge (both directions, duplicates removed). Connectors are the
only non-OSM edges; their number is reported in ``rapport["verbindingen"]``. Voorzieningen
are translated with their tile, so every tile has the same facilities.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from kansenkaart.netwerk import Netwerk

__all__ = ["mosaic", "mosaic_punten", "tegels_voor"]


def tegels_voor(netwerk: Netwerk, *, min_nodes: int) -> tuple[int, int]:
    """Smallest near-square ``(kolommen, rijen)`` whose mosaic has at least ``min_nodes`` nodes."""
    tiles = int(np.ceil(min_nodes / netwerk.n_nodes))
    kolommen = int(np.ceil(np.sqrt(tiles)))
    rijen = int(np.ceil(tiles / kolommen))
    return kolommen, rijen


def _offsets(netwerk: Netwerk, kolommen: int, rijen: int) -> np.ndarray:
    xmin, ymin, xmax, ymax = netwerk.edges.total_bounds
    w, h = xmax - xmin, ymax - ymin
    return np.array([(i * w, j * h) for j in range(rijen) for i in range(kolommen)], dtype=float)


def _connectors(
    xy: np.ndarray, a_mask: np.ndarray, b_mask: np.ndarray, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Join every node of ``a_mask`` to its nearest node of ``b_mask`` within ``max_m``."""
    a_idx = np.flatnonzero(a_mask)
    b_idx = np.flatnonzero(b_mask)
    if len(a_idx) == 0 or len(b_idx) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    d, j = cKDTree(xy[b_idx]).query(xy[a_idx], distance_upper_bound=max_m)
    ok = np.isfinite(d)
    return a_idx[ok], b_idx[j[ok]]


def mosaic(
    netwerk: Netwerk,
    *,
    kolommen: int,
    rijen: int,
    rand_m: float = 40.0,
    max_verbinding_m: float = 150.0,
) -> Netwerk:
    """Tile ``netwerk`` into a ``kolommen x rijen`` mosaic of translated copies, stitched at the edges."""
    n, m = netwerk.n_nodes, netwerk.n_edges
    offs = _offsets(netwerk, kolommen, rijen)
    t = len(offs)
    xy0 = shapely.get_coordinates(netwerk.nodes.geometry.to_numpy())
    xmin, ymin, xmax, ymax = netwerk.edges.total_bounds
    deg = np.bincount(np.concatenate([netwerk.edges["u"], netwerk.edges["v"]]), minlength=n)
    dead = deg == 1
    east = xy0[:, 0] > xmax - rand_m
    west = xy0[:, 0] < xmin + rand_m
    north = xy0[:, 1] > ymax - rand_m
    south = xy0[:, 1] < ymin + rand_m

    xy = (xy0[None, :, :] + offs[:, None, :]).reshape(-1, 2)
    tile_of_node = np.repeat(np.arange(t), n)
    u0 = netwerk.edges["u"].to_numpy()
    v0 = netwerk.edges["v"].to_numpy()
    u = (u0[None, :] + n * np.arange(t)[:, None]).ravel()
    v = (v0[None, :] + n * np.arange(t)[:, None]).ravel()
    geoms0 = netwerk.edges.geometry.to_numpy()
    geoms = np.concatenate([shapely.transform(geoms0, lambda c, o=o: c + o) for o in offs])
    lengths = np.tile(netwerk.edges["length"].to_numpy(), t)

    cu: list[np.ndarray] = []
    cv: list[np.ndarray] = []
    for k in range(t):
        i, j = k % kolommen, k // kolommen
        base = k * n
        neighbours = []
        if i + 1 < kolommen:
            neighbours.append((k + 1, east, west))
        if j + 1 < rijen:
            neighbours.append((k + kolommen, north, south))
        for k2, side_a, side_b in neighbours:
            for from_a in (True, False):
                mask_a = np.zeros(len(xy), bool)
                mask_b = np.zeros(len(xy), bool)
                mask_a[base : base + n] = side_a & dead if from_a else side_a
                mask_b[k2 * n : k2 * n + n] = side_b if from_a else side_b & dead
                a, b = (
                    _connectors(xy, mask_a, mask_b, max_verbinding_m)
                    if from_a
                    else _connectors(xy, mask_b, mask_a, max_verbinding_m)[::-1]
                )
                cu.append(a)
                cv.append(b)
    cu_a = np.concatenate(cu) if cu else np.empty(0, np.int64)
    cv_a = np.concatenate(cv) if cv else np.empty(0, np.int64)
    pairs = np.unique(np.stack([np.minimum(cu_a, cv_a), np.maximum(cu_a, cv_a)], axis=1), axis=0)
    cu_a, cv_a = pairs[:, 0], pairs[:, 1]
    cgeoms = shapely.linestrings(np.stack([xy[cu_a], xy[cv_a]], axis=1)) if len(cu_a) else np.empty(0, object)
    clen = shapely.length(cgeoms) if len(cu_a) else np.empty(0)

    nodes = gpd.GeoDataFrame(
        {"osmid": np.arange(len(xy), dtype=np.int64), "tegel": tile_of_node},
        geometry=shapely.points(xy),
        crs=netwerk.crs,
    )
    edges = gpd.GeoDataFrame(
        {
            "u": np.concatenate([u, cu_a]),
            "v": np.concatenate([v, cv_a]),
            "length": np.concatenate([lengths, clen]),
            "osmid": pd.array([None] * (len(u) + len(cu_a)), dtype="Int64"),
            "highway": np.concatenate([np.tile(netwerk.edges["highway"].to_numpy(), t),
                                       np.full(len(cu_a), "verbinding", dtype=object)]),
            "name": None,
        },
        geometry=np.concatenate([geoms, cgeoms]),
        crs=netwerk.crs,
    )
    rapport = {"tegels": t, "kolommen": kolommen, "rijen": rijen, "verbindingen": len(cu_a),
               "lijnen_per_tegel": m, "knooppunten_per_tegel": n}
    return Netwerk(nodes=nodes, edges=edges, crs=netwerk.crs, rapport=rapport)


def mosaic_punten(punten: gpd.GeoDataFrame, netwerk: Netwerk, *, kolommen: int, rijen: int) -> gpd.GeoDataFrame:
    """Copy ``punten`` into every tile of the mosaic built from ``netwerk`` (ids get a tile suffix)."""
    offs = _offsets(netwerk, kolommen, rijen)
    geoms = punten.geometry.to_numpy()
    parts = []
    for k, o in enumerate(offs):
        p = punten.copy()
        p["geometry"] = shapely.transform(geoms, lambda c, o=o: c + o)
        if "id" in p:
            p["id"] = p["id"].astype(str) + f"_t{k}"
        parts.append(p)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=punten.crs)
