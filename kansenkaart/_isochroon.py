"""Geometry of the isochrones (private helper of the vlekkenplan).

The zone within a band is built from the network: the stretches of path that are reachable
within the band (whole edges, and edges cut at the exact remaining distance) are buffered and
dissolved. Cutting is vectorised over all pieces at once (one ``shapely.linestrings`` call);
whole edges keep their original geometry.

Where the time goes: GEOS dissolves buffers at a roughly fixed cost per input polygon (about
20-30 microseconds on the benchmark machine), whatever its size. So before buffering, the
pieces of a band are chained into *trails* (pieces paired end to end at every node, found with
vectorised pointer jumping), which cuts the number of inputs about threefold without changing
the dissolved area. Each band's ring pieces are buffered once, and the disjoint bands are made
with two overlay operations per category (:func:`ringen`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    from kansenkaart.vlekkenplan import VoorbereidNetwerk, _Uitbreiding

__all__ = ["Lijnen", "Stukken", "buffer_unie", "gedekte_stukken", "paden", "paden_volgorde", "ringen", "substrings"]

_EPS = 1e-9

VEREENVOUDIG_M = 0.2
"""Tolerance (m) for dropping near-collinear vertices of the path geometry used for the zones.

OSM ways are densely noded; simplifying them once per network roughly halves the vertices that
GEOS has to buffer and dissolve. 0.2 m is far below the strip width (25 m) and below the round-join
error of the buffer itself (0.5 m at ``quad_segs=4``); every band is built from the same simplified
lines, so bands still tile the outer zone exactly. Distances are not affected: they come from the
network weights, not from this geometry.
"""

Stukken = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Pieces of edges: edge position, start and end in network metres from the edge's ``u`` end."""


def gedekte_stukken(ub: _Uitbreiding, d: np.ndarray, van: float, tot: float) -> Stukken:
    """The parts of the network whose distance ``x`` satisfies ``van < x <= tot`` (``van = 0``: ``x <= tot``).

    ``d`` holds the exact distance of every node of the split graph. On a sub-edge ``(a, b)`` of
    length ``L`` the distance at ``t`` metres from ``a`` is ``min(d[a] + t, d[b] + L - t)``, so the
    part within ``B`` is ``[0, B - d[a]]`` joined with ``[L - (B - d[b]), L]``. The ring between two
    limits is the part within ``tot`` minus the part within ``van``; at most two intervals.
    """
    pa, pb = ub.sub_pa, ub.sub_pb
    ls = pb - pa
    da, db = d[ub.sub_a], d[ub.sub_b]

    def _cover(limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        al = limit - da
        be = limit - db
        full = (al >= ls) | (be >= ls) | ((al >= 0) & (be >= 0) & (al + be >= ls))
        return al, be, full

    ah, bh, full_h = _cover(tot)
    if van > 0:
        al, bl, full_l = _cover(van)
        gl = np.where(al >= 0, np.minimum(al, ls), 0.0)
        gr = np.where(bl >= 0, ls - np.minimum(bl, ls), ls)
    else:
        full_l = np.zeros(len(ls), dtype=bool)
        gl = np.zeros(len(ls))
        gr = ls.copy()
    live = ~full_l & ((ah >= 0) | (bh >= 0))
    # whole-gap piece when the upper limit covers the sub-edge
    p_full = live & full_h
    # otherwise up to two pieces: from the a-end and from the b-end
    a_piece = live & ~full_h & (ah >= 0)
    a0, a1 = gl, np.minimum(ah, gr)
    b_piece = live & ~full_h & (bh >= 0)
    b0, b1 = np.maximum(ls - bh, gl), gr

    lijn = np.concatenate([ub.sub_lijn[p_full], ub.sub_lijn[a_piece], ub.sub_lijn[b_piece]])
    s0 = np.concatenate([gl[p_full], a0[a_piece], b0[b_piece]])
    s1 = np.concatenate([gr[p_full], a1[a_piece], b1[b_piece]])
    base = np.concatenate([pa[p_full], pa[a_piece], pa[b_piece]])
    keep = s1 - s0 > _EPS
    return lijn[keep], (base + s0)[keep], (base + s1)[keep]


def _lijn_index(vn: VoorbereidNetwerk) -> dict[str, np.ndarray]:
    """Flat vertex arrays of all edges with a global cumulative length (cached on ``vn``)."""
    cached: dict[str, np.ndarray] | None = vn._cache.get("lijn_index")
    if cached is not None:
        return cached
    lijnen = shapely.simplify(vn.lijnen, VEREENVOUDIG_M, preserve_topology=False)
    coords, idx = shapely.get_coordinates(lijnen, return_index=True)
    starts = np.searchsorted(idx, np.arange(len(lijnen)))
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    seg = np.where(idx[1:] == idx[:-1], seg, 0.0)
    cum = np.r_[0.0, np.cumsum(seg)]
    within = cum - cum[starts[idx]]
    ends = np.r_[starts[1:], len(idx)] - 1
    geomlen = within[ends]
    off = np.r_[0.0, np.cumsum(geomlen + 1.0)[:-1]]
    scale = np.divide(geomlen, vn.lengte, out=np.ones(len(geomlen)), where=vn.lengte > 0)
    out = {"coords": coords, "gcum": off[idx] + within, "off": off, "geomlen": geomlen, "scale": scale,
           "lijnen": lijnen}
    vn._cache["lijn_index"] = out
    return out


def substrings(vn: VoorbereidNetwerk, lijn: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """LineStrings of edges ``lijn`` between ``s0`` and ``s1`` network metres from their ``u`` end.

    Vectorised equivalent of ``shapely.ops.substring`` for many pieces; whole edges are
    returned as their original geometry.
    """
    out = np.empty(len(lijn), dtype=object)
    if len(lijn) == 0:
        return out
    ix = _lijn_index(vn)
    whole = (s0 <= _EPS) & (s1 >= vn.lengte[lijn] - _EPS)
    out[whole] = ix["lijnen"][lijn[whole]]
    part = np.flatnonzero(~whole)
    if len(part) == 0:
        return out
    e = lijn[part]
    gl = ix["geomlen"][e]
    t0 = np.clip(s0[part] * ix["scale"][e], 0.0, gl)
    t1 = np.clip(s1[part] * ix["scale"][e], 0.0, gl)
    g0 = ix["off"][e] + t0
    g1 = ix["off"][e] + t1
    gcum, coords = ix["gcum"], ix["coords"]
    i0 = np.searchsorted(gcum, g0, side="right")
    i1 = np.searchsorted(gcum, g1, side="left")
    i0 = np.clip(i0, 1, len(gcum) - 1)
    i1 = np.clip(i1, 1, len(gcum) - 1)

    def _interp(g: np.ndarray, i: np.ndarray) -> np.ndarray:
        c0, c1 = gcum[i - 1], gcum[i]
        t = np.divide(g - c0, c1 - c0, out=np.zeros(len(g)), where=c1 > c0)
        return coords[i - 1] + (coords[i] - coords[i - 1]) * t[:, None]

    start = _interp(g0, i0)
    end = _interp(g1, i1)
    n_in = np.maximum(i1 - i0, 0)
    counts = n_in + 2
    first = np.r_[0, np.cumsum(counts)[:-1]]
    total = int(counts.sum())
    xy = np.empty((total, 2))
    xy[first] = start
    xy[first + counts - 1] = end
    if n_in.any():
        piece = np.repeat(np.arange(len(part)), n_in)
        k = np.arange(int(n_in.sum())) - np.repeat(np.cumsum(n_in) - n_in, n_in)
        xy[first[piece] + 1 + k] = coords[i0[piece] + k]
    out[part] = shapely.linestrings(xy, indices=np.repeat(np.arange(len(part)), counts))
    return out


def _eindpunten(ub: _Uitbreiding, vn: VoorbereidNetwerk, lijn: np.ndarray, s0: np.ndarray, s1: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Node ids of the ends of pieces: network node, split node, or a fresh id for a cut end."""
    tol = 1e-6

    def _split(pos: np.ndarray) -> np.ndarray:
        out = np.full(len(pos), -1, dtype=np.int64)
        f = len(ub.s_lijn)
        if f == 0:
            return out
        i = np.clip(np.searchsorted(ub.s_sleutel, lijn * ub.sleutel_k + pos - tol), 0, f - 1)
        hit = (ub.s_lijn[i] == lijn) & (np.abs(ub.s_pos[i] - pos) <= tol)
        out[hit] = ub.s_node[i[hit]]
        return out

    a = np.where(s0 <= tol, vn.u[lijn], _split(s0))
    b = np.where(s1 >= vn.lengte[lijn] - tol, vn.v[lijn], _split(s1))
    fresh = ub.graaf.shape[0]
    na, nb = a < 0, b < 0
    a[na] = fresh + np.arange(int(na.sum()))
    b[nb] = fresh + int(na.sum()) + np.arange(int(nb.sum()))
    return a, b


def _lijstrangorde(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointer jumping: for each state the last state of its chain and the number of steps to it."""
    s = np.arange(len(nxt))
    succ = np.where(nxt >= 0, nxt, s)
    dist = (nxt >= 0).astype(np.int64)
    for _ in range(max(1, len(nxt).bit_length() + 1)):
        nsucc = succ[succ]
        if np.array_equal(nsucc, succ):
            break
        dist = dist + dist[succ]
        succ = nsucc
    return succ, dist


def paden_volgorde(a: np.ndarray, b: np.ndarray, *, max_stukken: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chain pieces ``(a_i, b_i)`` into trails by pairing the piece ends at every node.

    Returns the piece order, whether each piece is walked backwards (``b`` to ``a``), and a
    trail number per ordered piece (trails are cut after ``max_stukken`` pieces). Buffering a
    few long trails and dissolving them is much cheaper than dissolving many short pieces,
    and the dissolved area is the same.
    """
    m = len(a)
    if m == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.astype(bool), e
    node = np.concatenate([a, b])
    order = np.argsort(node, kind="stable")
    hn = node[order]
    start = np.r_[True, hn[1:] != hn[:-1]]
    rank = np.arange(2 * m) - np.flatnonzero(start)[np.cumsum(start) - 1]
    i = np.flatnonzero(rank % 2 == 0)
    j = i + 1
    ok = j < 2 * m
    ok[ok] = hn[j[ok]] == hn[i[ok]]
    partner = np.full(2 * m, -1, dtype=np.int64)
    partner[order[i[ok]]] = order[j[ok]]
    partner[order[j[ok]]] = order[i[ok]]
    # State s < m: piece s entered at its a-end; s >= m: piece s - m entered at its b-end.
    s = np.arange(2 * m)
    nxt = partner[np.where(s < m, s + m, s - m)]
    succ, dist = _lijstrangorde(nxt)
    cyclus = nxt[succ] >= 0
    if cyclus.any():
        # Break every cycle just before its smallest state.
        mn = s.copy()
        ptr = np.where(cyclus, nxt, s)
        for _ in range(max(1, len(nxt).bit_length() + 1)):
            new_mn = np.minimum(mn, mn[ptr])
            new_ptr = ptr[ptr]
            if np.array_equal(new_mn, mn) and np.array_equal(new_ptr, ptr):
                break
            mn, ptr = new_mn, new_ptr
        nxt = nxt.copy()
        nxt[cyclus & (nxt == mn)] = -1
        succ, dist = _lijstrangorde(nxt)
    e = np.arange(m)
    fwd = succ[e] <= succ[e + m]
    state = np.where(fwd, e, e + m)
    term = succ[state]
    o = np.lexsort((-dist[state], term))
    term = term[o]
    first = np.r_[True, term[1:] != term[:-1]]
    grp = np.cumsum(first) - 1
    pos = np.arange(m) - np.flatnonzero(first)[grp]
    chunk = np.r_[True, (first[1:] | (pos[1:] % max_stukken == 0))]
    return o, ~fwd[o], np.cumsum(chunk) - 1


Lijnen = tuple[np.ndarray, np.ndarray]
"""LineStrings as flat arrays: ``(xy, index)`` as taken by ``shapely.linestrings``; cheap to pickle."""


def paden(
    ub: _Uitbreiding, vn: VoorbereidNetwerk, stukken: Stukken, *, max_stukken: int = 32
) -> Lijnen:
    """The pieces chained into trails (see :func:`paden_volgorde`), as flat coordinate arrays."""
    lijn, s0, s1 = stukken
    lines = substrings(vn, lijn, s0, s1)
    if len(lines) < 2:
        xy, idx = shapely.get_coordinates(lines, return_index=True)
        return xy, idx
    a, b = _eindpunten(ub, vn, lijn, s0, s1)
    o, rev, trail = paden_volgorde(a, b, max_stukken=max_stukken)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    starts = np.searchsorted(idx, np.arange(len(lines)))
    ends = np.r_[starts[1:], len(idx)]
    cnt = (ends - starts)[o]
    k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    pos = np.where(np.repeat(rev, cnt), np.repeat(ends[o] - 1, cnt) - k, np.repeat(starts[o], cnt) + k)
    return coords[pos], np.repeat(trail, cnt)


def _multipolygon(geom: Any) -> shapely.Geometry | None:
    if geom is None or geom.is_empty:
        return None
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return None
    return shapely.MultiPolygon(parts)


def buffer_unie(lijnen: Lijnen, buffer_m: float, quad_segs: int) -> shapely.Geometry | None:
    """Dissolved buffer of ``lijnen`` (``None`` when there are none). Top-level, so it can run in a worker."""
    xy, idx = lijnen
    if len(xy) == 0:
        return None
    lines = shapely.linestrings(xy, indices=idx)
    return _union(shapely.buffer(lines, buffer_m, quad_segs=quad_segs))


def _union(polys: np.ndarray) -> shapely.Geometry:
    """Dissolve overlapping polygons; GEOS >= 3.12 first splits them into disjoint subsets (faster)."""
    if hasattr(shapely, "disjoint_subset_union_all"):
        return shapely.disjoint_subset_union_all(polys)
    return shapely.union_all(polys)


def ringen(qs: list[shapely.Geometry | None]) -> list[shapely.Geometry | None]:
    """Disjoint bands from the dissolved ring buffers ``Q_i`` (innermost first).

    Band ``i`` is ``Q_i`` minus the union of the inner ``Q``'s. That equals
    ``zone(tot_i) - zone(tot_{i-1})`` because the ring pieces partition the reachable network,
    so bands are disjoint and together they cover the zone of the outer band.
    """
    out: list[shapely.Geometry | None] = []
    acc: shapely.Geometry | None = None
    for i, q in enumerate(qs):
        if q is None:
            out.append(None)
            continue
        out.append(_multipolygon(q if acc is None else shapely.difference(q, acc)))
        if i < len(qs) - 1:
            acc = q if acc is None else shapely.union(acc, q)
    return out
