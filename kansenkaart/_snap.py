"""Vectorised snapping of points onto the nearest walking edge (private helper of the vlekkenplan).

A point is projected onto the nearest point of the nearest *edge* (not node). The result is
expressed along that edge: ``positie`` metres from node ``u`` (so ``lengte - positie`` from node
``v``) plus the straight ``offset`` from the point to the edge. Points farther than
``max_snap_m`` from every edge, and points without geometry, are *unreachable* and carry a
Dutch reason; they never get a distance.

Finding the nearest edge
------------------------
The edges are sampled every ``stap_m`` metres (``shapely.segmentize``) into a KD-tree. If the
nearest sample lies ``dv`` from the point, the nearest edge is at most ``dv`` away, and every
point of that edge lies within ``stap_m / 2`` of one of its samples; so the nearest edge is among
the edges with a sample within ``dv + stap_m / 2``. Those candidates (at most ``k`` samples) get
an exact ``shapely.distance``; a point with more candidates than ``k`` falls back to
``STRtree.query_nearest``. The answer is exact; the KD-tree only makes it fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

__all__ = ["SnapIndex", "SnapResultaat", "bouw_snapindex", "snap_geometrieen"]

_K = 16


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """Spatial indexes over the edges: samples in a KD-tree, and an STRtree as the fallback."""

    lijnen: np.ndarray
    lengte: np.ndarray
    boom: shapely.STRtree
    kd: cKDTree
    monster_lijn: np.ndarray
    stap_m: float


def bouw_snapindex(lijnen: np.ndarray, lengte: np.ndarray, *, stap_m: float = 10.0) -> SnapIndex:
    """Build the snapping indexes for ``lijnen`` (edge weights ``lengte``)."""
    dense = shapely.segmentize(lijnen, stap_m)
    xy, idx = shapely.get_coordinates(dense, return_index=True)
    return SnapIndex(
        lijnen=lijnen,
        lengte=lengte,
        boom=shapely.STRtree(lijnen),
        kd=cKDTree(xy),
        monster_lijn=idx.astype(np.int64),
        stap_m=float(stap_m),
    )


@dataclass(frozen=True, eq=False)
class SnapResultaat:
    """Snapping of ``k`` geometries, as arrays of length ``k``.

    ``lijn`` is the edge position (-1 when unreachable); ``positie`` the distance along the
    edge from its ``u`` end in network metres; ``offset`` the straight distance from the
    point to the edge (NaN when unreachable); ``xy`` the snapped point (NaN when
    unreachable); ``reden`` a Dutch reason or ``None``.
    """

    lijn: np.ndarray
    positie: np.ndarray
    offset: np.ndarray
    xy: np.ndarray
    reden: np.ndarray

    @property
    def bereikbaar(self) -> np.ndarray:
        """Boolean mask of the points that lie on the network within the snapping limit."""
        return self.lijn >= 0


def _as_points(geoms: np.ndarray) -> np.ndarray:
    """Points stay points; other geometries are represented by a point on their surface."""
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    other = (types != shapely.GeometryType.POINT) & (types >= 0)
    if other.any():
        out[other] = shapely.point_on_surface(geoms[other])
    return out


def _nearest_edges(index: SnapIndex, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest edge and its exact distance for every point (see the module docstring)."""
    xy = shapely.get_coordinates(pts)
    k = min(_K, len(index.monster_lijn))
    dist, nb = index.kd.query(xy, k=k)
    dist = dist.reshape(len(xy), k)
    nb = nb.reshape(len(xy), k)
    radius = dist[:, 0] + index.stap_m / 2.0
    cand = dist <= radius[:, None] + 1e-9
    too_many = cand[:, -1] & (k == _K)
    rows, cols = np.nonzero(cand & ~too_many[:, None])
    lijn = index.monster_lijn[nb[rows, cols]]
    pair = np.unique(rows * len(index.lijnen) + lijn)
    rows, lijn = pair // len(index.lijnen), pair % len(index.lijnen)
    d = shapely.distance(index.lijnen[lijn], pts[rows])
    order = np.lexsort((lijn, d, rows))
    rows, lijn, d = rows[order], lijn[order], d[order]
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    best_lijn = np.full(len(xy), -1, dtype=np.int64)
    best_d = np.full(len(xy), np.inf)
    best_lijn[rows[first]] = lijn[first]
    best_d[rows[first]] = d[first]
    fb = np.flatnonzero(too_many)
    if len(fb):
        (qi, ti), dd = index.boom.query_nearest(pts[fb], return_distance=True, all_matches=False)
        best_lijn[fb[qi]] = ti
        best_d[fb[qi]] = dd
    return best_lijn, best_d


def snap_geometrieen(index: SnapIndex, geoms: np.ndarray, *, max_snap_m: float) -> SnapResultaat:
    """Snap ``geoms`` onto the nearest edge of ``index``.

    Positions are scaled from the geometric length to the edge weight ``lengte`` so that they
    add up exactly to the weight used by the shortest-path search.
    """
    k = len(geoms)
    lijn = np.full(k, -1, dtype=np.int64)
    positie = np.full(k, np.nan)
    offset = np.full(k, np.nan)
    xy = np.full((k, 2), np.nan)
    reden = np.full(k, None, dtype=object)
    if k == 0:
        return SnapResultaat(lijn, positie, offset, xy, reden)

    pts = _as_points(np.asarray(geoms, dtype=object))
    leeg = shapely.is_missing(pts) | shapely.is_empty(pts)
    reden[leeg] = "geen geometrie"
    geldig = np.flatnonzero(~leeg)
    if len(geldig):
        e, d = _nearest_edges(index, pts[geldig])
        ok = d <= max_snap_m
        rows = geldig[ok]
        ti = e[ok]
        lijn[rows] = ti
        offset[rows] = d[ok]
        lines = index.lijnen[ti]
        geom_len = shapely.length(lines)
        frac = shapely.line_locate_point(lines, pts[rows], normalized=True)
        frac = np.clip(np.where(geom_len > 0, np.nan_to_num(frac, nan=0.0), 0.0), 0.0, 1.0)
        positie[rows] = frac * index.lengte[ti]
        xy[rows] = shapely.get_coordinates(shapely.line_interpolate_point(lines, frac * geom_len))
        ver = geldig[~ok]
        reden[ver] = [f"verder dan {max_snap_m:g} m van het wandelnetwerk ({x:.0f} m)" for x in d[~ok]]
    return SnapResultaat(lijn, positie, offset, xy, reden)
