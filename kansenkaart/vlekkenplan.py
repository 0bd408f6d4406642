"""The vlekkenplan engine: snapping, nearest-voorziening distances, area statistics, isochrones.

All functions are pure: they take a :class:`~kansenkaart.netwerk.Netwerk` (or the
:class:`VoorbereidNetwerk` made from it once) and GeoDataFrames, and return new objects.

How distances are measured
--------------------------
Every point (a home, a complex, a voorziening, a candidate site) is snapped onto the nearest
point of the nearest walking *edge*, not node (:func:`snap_punten`). A walking distance is

    offset of the location  +  distance along the network  +  offset of the voorziening

where an *offset* (``snap_afstand_m``) is the straight line from the point to the path (the
walk from the front door to the footpath). Both offsets are included, and the location's
offset is also reported on its own. Points farther than ``max_snap_m`` (default 250 m) from
every edge are *onbereikbaar* with a Dutch reason; they never get a distance, and never 0.

Voorzieningen are exact sources: each reachable voorziening splits its edge at its snap point
(a new node), and a virtual source node is joined to that split node by an edge of the
voorziening's offset. One multi-source Dijkstra per category
(``scipy.sparse.csgraph.dijkstra(min_only=True)``) then gives, for every node, the exact
distance to the nearest voorziening and which one it is. Because voorzieningen are nodes of
the split graph, a location and a voorziening on the same edge are measured directly along
that edge. Beyond ``cutoff_m`` a distance is *not within cutoff*: ``inf`` in the node arrays,
``NaN`` plus a status text in every table, never a number.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from kansenkaart._isochroon import Lijnen, buffer_unie, gedekte_stukken, paden, ringen
from kansenkaart._snap import SnapIndex, SnapResultaat, bouw_snapindex, snap_geometrieen
from kansenkaart.crs import check_crs, to_metric
from kansenkaart.errors import CRSError, NetworkError, ValidationError
from kansenkaart.netwerk import Netwerk
from kansenkaart.schemas import CATEGORIEEN

__all__ = [
    "NIVEAUS",
    "STANDAARD_AANTAL_BINNEN_M",
    "STANDAARD_BANDEN_M",
    "STANDAARD_BUFFER_M",
    "STANDAARD_CUTOFF_M",
    "STANDAARD_LOOPSNELHEID_M_PER_MIN",
    "STANDAARD_MAX_SNAP_M",
    "STANDAARD_PANTOFFELZONE_M",
    "NodeAfstanden",
    "VoorbereidNetwerk",
    "afstanden_tot_voorzieningen",
    "afstanden_voor_locaties",
    "bereikbaarheid_laag",
    "dichtstbij_over_netwerk",
    "gebiedsstatistiek",
    "isochronen",
    "snap_punten",
    "voorbereid_netwerk",
]

STANDAARD_MAX_SNAP_M = 250.0
"""Points farther than this from every walking edge are onbereikbaar (metres)."""
STANDAARD_CUTOFF_M = 5000.0
"""Distances beyond this are reported as 'niet binnen 5000 m' (metres; about 100 minutes' walk)."""
STANDAARD_LOOPSNELHEID_M_PER_MIN = 50.0
"""Walking speed of older people: about 500 m in 10 minutes (woonzorgvisie Hilversum)."""
STANDAARD_PANTOFFELZONE_M = 600.0
"""The pantoffelzone over the footpath network (woonzorgvisie Hilversum)."""
STANDAARD_AANTAL_BINNEN_M: tuple[float, ...] = (600.0, 1000.0)
"""Radii (network metres) for the number of voorzieningen near each location."""
STANDAARD_BANDEN_M: tuple[float, ...] = (100.0, 300.0, 600.0)
"""Upper limits of the isochrone bands (metres)."""
STANDAARD_BUFFER_M = 25.0
"""Half-width of the isochrone strip around reachable paths (metres); see :func:`isochronen`."""
NIVEAUS = ("locatie", "buurt", "wijk", "gemeente")
"""Values of the ``niveau`` column of the ``bereikbaarheid`` layer."""

_MIN_GEWICHT = 1e-9  # scipy drops explicit zeros from sparse graphs; see Netwerk.csr()


# --------------------------------------------------------------------------------------------
# Prepared network
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VoorbereidNetwerk:
    """A :class:`Netwerk` prepared for repeated analysis: CSR matrix and spatial index, built once.

    Make one with :func:`voorbereid_netwerk`. Every public function of this module accepts
    either a ``Netwerk`` or a ``VoorbereidNetwerk``; with a plain ``Netwerk`` the prepared
    form is built once and cached for as long as that ``Netwerk`` object lives. The cache
    assumes the (frozen) ``Netwerk`` is not mutated in place.

    Attributes
    ----------
    crs
        The projected (metric) CRS of the network.
    n_nodes
        Number of nodes; nodes are ``0..n_nodes-1``.
    u, v, lengte, lijnen
        Per edge: end nodes, weight in metres and LineString geometry (``u`` to ``v``).
    node_xy
        ``(n_nodes, 2)`` node coordinates.
    graaf
        Symmetric CSR adjacency matrix with edge lengths as weights (``Netwerk.csr()``).
    snapindex
        Spatial indexes for snapping: edge samples in a KD-tree, and a ``shapely.STRtree``.
    """

    crs: CRS
    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    lengte: np.ndarray
    lijnen: np.ndarray
    node_xy: np.ndarray
    graaf: sparse.csr_matrix
    snapindex: SnapIndex
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.u)


_PREP_CACHE: dict[int, VoorbereidNetwerk] = {}


def voorbereid_netwerk(netwerk: Netwerk | VoorbereidNetwerk) -> VoorbereidNetwerk:
    """Prepare ``netwerk`` for analysis (CSR matrix, edge arrays, spatial index).

    Parameters
    ----------
    netwerk
        The walking network. A ``VoorbereidNetwerk`` is returned unchanged.

    Raises
    ------
    CRSError
        When the network has no CRS or a geographic one (distances need metres).
    NetworkError
        When the network has no edges or edges refer to unknown nodes.
    """
    if isinstance(netwerk, VoorbereidNetwerk):
        return netwerk
    key = id(netwerk)
    hit = _PREP_CACHE.get(key)
    if hit is not None:
        return hit
    if netwerk.crs is None:
        raise CRSError("Het wandelnetwerk heeft geen coördinatenstelsel (CRS).")
    crs = CRS.from_user_input(netwerk.crs)
    if not crs.is_projected:
        raise CRSError(
            f"Het wandelnetwerk staat in {crs.to_string()}, dat is niet geprojecteerd; "
            "afstanden vragen om meters (bijvoorbeeld EPSG:28992)."
        )
    edge_crs = check_crs(netwerk.edges, name="wandelnetwerk (lijnen)")
    if edge_crs != crs:
        raise CRSError(
            f"De lijnen van het wandelnetwerk staan in {edge_crs.to_string()}, "
            f"het netwerk zegt {crs.to_string()}."
        )
    if netwerk.n_edges == 0 or netwerk.n_nodes == 0:
        raise NetworkError("Het wandelnetwerk is leeg: er zijn geen lijnen.")
    u = netwerk.edges["u"].to_numpy(dtype=np.int64)
    v = netwerk.edges["v"].to_numpy(dtype=np.int64)
    n = netwerk.n_nodes
    if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
        raise NetworkError(f"Lijnen verwijzen naar knooppunten buiten 0..{n - 1}.")
    lijnen = netwerk.edges.geometry.to_numpy()
    if (shapely.is_missing(lijnen) | shapely.is_empty(lijnen)).any():
        raise NetworkError("Het wandelnetwerk heeft lijnen zonder geometrie.")
    lengte = netwerk.edges["length"].to_numpy(dtype=np.float64)
    if not np.isfinite(lengte).all() or (lengte < 0).any():
        raise NetworkError("Het wandelnetwerk heeft lijnen met een ongeldige lengte (negatief of leeg).")
    node_xy = shapely.get_coordinates(netwerk.nodes.geometry.to_numpy())
    if len(node_xy) != n:
        raise NetworkError("Het wandelnetwerk heeft knooppunten zonder geometrie.")
    prep = VoorbereidNetwerk(
        crs=crs,
        n_nodes=n,
        u=u,
        v=v,
        lengte=lengte,
        lijnen=lijnen,
        node_xy=node_xy,
        graaf=netwerk.csr().tocsr(),
        snapindex=bouw_snapindex(lijnen, lengte),
    )
    _PREP_CACHE[key] = prep
    weakref.finalize(netwerk, _PREP_CACHE.pop, key, None)
    return prep


def _in_netwerk_crs(
    vn: VoorbereidNetwerk, gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str
) -> np.ndarray:
    """Geometries of ``gdf`` in the network CRS (projected when needed); reject a missing CRS."""
    check_crs(gdf, name=name)
    projected = to_metric(gdf, crs=vn.crs, name=name)
    geoms = projected.geometry if isinstance(projected, gpd.GeoDataFrame) else projected
    return np.asarray(geoms.to_numpy(), dtype=object)


def _check_positief(waarde: float, naam: str, *, oneindig: bool = False) -> float:
    w = float(waarde)
    if math.isnan(w) or w <= 0 or (math.isinf(w) and not oneindig):
        raise ValidationError(f"{naam} moet een positief getal zijn, niet {waarde!r}.", details={"veld": naam})
    return w


def _check_snap(max_snap_m: float) -> float:
    w = float(max_snap_m)
    if not (w >= 0 and math.isfinite(w)):
        raise ValidationError(
            f"max_snap_m moet een getal ≥ 0 zijn, niet {max_snap_m!r}.", details={"veld": "max_snap_m"}
        )
    return w


# --------------------------------------------------------------------------------------------
# 1. Snapping
# --------------------------------------------------------------------------------------------


def _snap_frame(res: SnapResultaat, vn: VoorbereidNetwerk, index: pd.Index) -> pd.DataFrame:
    ok = res.bereikbaar
    lijn = res.lijn
    safe = np.where(ok, lijn, 0)
    deel_u = np.where(ok, res.positie, np.nan)
    deel_v = np.where(ok, vn.lengte[safe] - res.positie, np.nan)
    def _int(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values.astype(np.int64), mask=~ok)

    return pd.DataFrame(
        {
            "lijn": _int(safe),
            "u": _int(vn.u[safe]),
            "v": _int(vn.v[safe]),
            "deel_u_m": deel_u,
            "deel_v_m": np.maximum(deel_v, 0.0),
            "snap_afstand_m": res.offset,
            "snap_x": res.xy[:, 0],
            "snap_y": res.xy[:, 1],
            "bereikbaar": ok,
            "reden": res.reden,
        },
        index=index,
    )


def snap_punten(
    netwerk: Netwerk | VoorbereidNetwerk,
    punten: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_snap_m: float = STANDAARD_MAX_SNAP_M,
) -> pd.DataFrame:
    """Snap points onto the nearest point of the nearest walking edge.

    Non-point geometries (e.g. a building polygon) are represented by a point on their surface.

    Parameters
    ----------
    netwerk
        The walking network (or its prepared form).
    punten
        Points with a CRS; projected to the network CRS when it differs.
    max_snap_m
        Points farther than this from every edge are onbereikbaar (default 250 m).

    Returns
    -------
    pandas.DataFrame
        On the index of ``punten``, with columns:

        - ``lijn``: edge position in ``netwerk.edges`` (``<NA>`` when onbereikbaar);
        - ``u``, ``v``: the edge's end nodes;
        - ``deel_u_m``, ``deel_v_m``: network metres from the snap point to ``u`` and to ``v``
          (they add up to the edge length);
        - ``snap_afstand_m``: straight distance from the point to the snap point (the offset);
        - ``snap_x``, ``snap_y``: the snap point in the network CRS;
        - ``bereikbaar``: False when the point has no geometry or lies beyond ``max_snap_m``;
        - ``reden``: Dutch reason when not bereikbaar, else missing.

        Distances of onbereikbare points are NaN, never 0.
    """
    vn = voorbereid_netwerk(netwerk)
    max_snap_m = _check_snap(max_snap_m)
    geoms = _in_netwerk_crs(vn, punten, name="punten")
    res = snap_geometrieen(vn.snapindex, geoms, max_snap_m=max_snap_m)
    return _snap_frame(res, vn, punten.index)


# --------------------------------------------------------------------------------------------
# 2. Nearest-voorziening distances
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Uitbreiding:
    """The network with every reachable voorziening as a split node plus a virtual source.

    Node numbering: ``0..n-1`` the network nodes, ``n + j`` the split node of source ``j`` (on
    its edge, at its snap point), ``n + F + j`` the virtual source of ``j`` (one directed edge of
    the voorziening's offset to its split node; nothing leads back into it).
    """

    n: int
    graaf: sparse.csr_matrix
    xy: np.ndarray  # coordinates of nodes 0..n+F-1
    bron_lijn: np.ndarray
    bron_pos: np.ndarray
    bron_offset: np.ndarray
    # split points sorted by (edge, position), with a float search key
    s_lijn: np.ndarray
    s_pos: np.ndarray
    s_node: np.ndarray
    s_sleutel: np.ndarray
    sleutel_k: float
    # sub-edges of the split graph, in original-edge coordinates (for isochrones)
    sub_lijn: np.ndarray
    sub_a: np.ndarray
    sub_b: np.ndarray
    sub_pa: np.ndarray
    sub_pb: np.ndarray

    @property
    def n_bronnen(self) -> int:
        return len(self.bron_lijn)

    def virtueel(self, j: np.ndarray) -> np.ndarray:
        """Virtual source node of sources ``j``."""
        return self.n + self.n_bronnen + np.asarray(j, dtype=np.int64)

    def plaats(
        self, vn: VoorbereidNetwerk, lijn: np.ndarray, pos: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sub-edge ``(a, b)`` holding position ``pos`` on edge ``lijn``, and the metres to ``a`` and ``b``."""
        a = vn.u[lijn].copy()
        b = vn.v[lijn].copy()
        pa = np.zeros(len(lijn))
        pb = vn.lengte[lijn].copy()
        f = len(self.s_lijn)
        if f:
            i = np.searchsorted(self.s_sleutel, lijn * self.sleutel_k + pos, side="right")
            prev = np.clip(i - 1, 0, f - 1)
            nxt = np.clip(i, 0, f - 1)
            has_prev = (i > 0) & (self.s_lijn[prev] == lijn)
            has_next = (i < f) & (self.s_lijn[nxt] == lijn)
            a[has_prev] = self.s_node[prev[has_prev]]
            pa[has_prev] = self.s_pos[prev[has_prev]]
            b[has_next] = self.s_node[nxt[has_next]]
            pb[has_next] = self.s_pos[nxt[has_next]]
        return a, b, np.maximum(pos - pa, 0.0), np.maximum(pb - pos, 0.0)


def _uitbreiding(
    vn: VoorbereidNetwerk, lijn: np.ndarray, pos: np.ndarray, offset: np.ndarray, split_xy: np.ndarray
) -> _Uitbreiding:
    n = vn.n_nodes
    f = len(lijn)
    order = np.lexsort((pos, lijn))
    sl, sp = lijn[order], pos[order]
    sn = n + order

    heeft_split = np.zeros(vn.n_edges, dtype=bool)
    heeft_split[sl] = True
    vrij = np.flatnonzero(~heeft_split)
    if f:
        first = np.r_[True, sl[1:] != sl[:-1]]
        last = np.r_[sl[1:] != sl[:-1], True]
        mid = np.flatnonzero(~last)
        # chain u - s_1 - ... - s_k - v for every split edge
        ca = np.concatenate([vn.u[sl[first]], sn[mid], sn[last]])
        cb = np.concatenate([sn[first], sn[mid + 1], vn.v[sl[last]]])
        cpa = np.concatenate([np.zeros(int(first.sum())), sp[mid], sp[last]])
        cpb = np.concatenate([sp[first], sp[mid + 1], vn.lengte[sl[last]]])
        clijn = np.concatenate([sl[first], sl[mid], sl[last]])
    else:
        ca = cb = clijn = np.empty(0, dtype=np.int64)
        cpa = cpb = np.empty(0)
    cw = np.maximum(cpb - cpa, _MIN_GEWICHT)

    total = n + 2 * f
    base = vn.graaf
    indptr = np.concatenate([base.indptr, np.full(2 * f, base.indptr[-1], dtype=base.indptr.dtype)])
    resized = sparse.csr_matrix((base.data, base.indices, indptr), shape=(total, total))
    virt = n + f + np.arange(f)
    rows = np.concatenate([ca, cb, virt])
    cols = np.concatenate([cb, ca, n + np.arange(f)])
    data = np.concatenate([cw, cw, np.maximum(offset, _MIN_GEWICHT)])
    extra = sparse.csr_matrix((data, (rows, cols)), shape=(total, total))
    graaf = (resized + extra).tocsr()

    k = float(vn.lengte.max()) * 2.0 + 1.0
    return _Uitbreiding(
        n=n,
        graaf=graaf,
        xy=np.vstack([vn.node_xy, split_xy]),
        bron_lijn=lijn,
        bron_pos=pos,
        bron_offset=offset,
        s_lijn=sl,
        s_pos=sp,
        s_node=sn,
        s_sleutel=sl * k + sp,
        sleutel_k=k,
        sub_lijn=np.concatenate([vrij, clijn]),
        sub_a=np.concatenate([vn.u[vrij], ca]),
        sub_b=np.concatenate([vn.v[vrij], cb]),
        sub_pa=np.concatenate([np.zeros(len(vrij)), cpa]),
        sub_pb=np.concatenate([vn.lengte[vrij], cpb]),
    )


@dataclass(frozen=True, eq=False)
class NodeAfstanden:
    """Nearest-voorziening distances for every node of a network, per category.

    Made by :func:`afstanden_tot_voorzieningen`; consumed by :func:`afstanden_voor_locaties`.

    Attributes
    ----------
    categorieen
        The categories computed.
    cutoff_m
        Distances beyond this are not computed (``inf`` in :attr:`afstand`).
    voorzieningen
        One row per voorziening considered (index of the input), with ``id``, ``categorie``
        and the snapping columns of :func:`snap_punten`; onbereikbare rows keep their reason.
    n_nodes
        Number of network nodes.
    crs
        The network CRS.
    """

    categorieen: tuple[str, ...]
    cutoff_m: float
    voorzieningen: pd.DataFrame
    n_nodes: int
    crs: CRS
    _afstand: dict[str, np.ndarray] = field(repr=False)
    _bron: dict[str, np.ndarray] = field(repr=False)
    _uitbreiding: _Uitbreiding = field(repr=False)
    _bron_rij: np.ndarray = field(repr=False)
    _netwerk: VoorbereidNetwerk = field(repr=False)

    @property
    def afstand(self) -> Mapping[str, np.ndarray]:
        """Per category, metres from each node to the nearest voorziening (``inf``: not within cutoff).

        Includes the voorziening's offset from the path. Read-only views of length ``n_nodes``.
        """
        out = {}
        for c, a in self._afstand.items():
            view = a[: self.n_nodes].view()
            view.flags.writeable = False
            out[c] = view
        return out

    @property
    def dichtstbij(self) -> Mapping[str, np.ndarray]:
        """Per category, the row position in :attr:`voorzieningen` of the nearest one (-1: none)."""
        return {c: self._rijen(j[: self.n_nodes]) for c, j in self._bron.items()}

    def _rijen(self, j: np.ndarray) -> np.ndarray:
        """Row positions in :attr:`voorzieningen` of sources ``j`` (-1 stays -1)."""
        if len(self._bron_rij) == 0:
            return np.full(len(j), -1, dtype=np.int64)
        return np.where(j >= 0, self._bron_rij[np.maximum(j, 0)], -1)

    def dichtstbij_id(self, categorie: str) -> np.ndarray:
        """Per node, the id of the nearest voorziening of ``categorie`` (``None`` beyond the cutoff)."""
        self._check_categorie(categorie)
        rows = self.dichtstbij[categorie]
        ids = self.voorzieningen["id"].to_numpy(dtype=object)
        out = np.full(len(rows), None, dtype=object)
        out[rows >= 0] = ids[rows[rows >= 0]]
        return out

    @property
    def onbereikbaar(self) -> pd.DataFrame:
        """The voorzieningen that could not be snapped, with ``id``, ``categorie`` and ``reden``."""
        v = self.voorzieningen
        return v.loc[~v["bereikbaar"], ["id", "categorie", "reden"]]

    @property
    def zonder_voorzieningen(self) -> tuple[str, ...]:
        """Categories without any reachable voorziening."""
        v = self.voorzieningen
        have = set(v.loc[v["bereikbaar"], "categorie"])
        return tuple(c for c in self.categorieen if c not in have)

    def _check_categorie(self, categorie: str) -> None:
        if categorie not in self.categorieen:
            raise ValidationError(
                f"Categorie '{categorie}' is niet berekend. Berekend: {', '.join(self.categorieen)}.",
                details={"veld": "categorie"},
            )


def _check_categorieen(categorieen: Sequence[str]) -> tuple[str, ...]:
    cats = tuple(categorieen) if not isinstance(categorieen, str) else (categorieen,)
    if not cats:
        raise ValidationError("Geef minstens één categorie op.", details={"veld": "categorieen"})
    if len(set(cats)) != len(cats):
        raise ValidationError(f"Categorieën staan dubbel: {', '.join(cats)}.", details={"veld": "categorieen"})
    for c in cats:
        if not isinstance(c, str) or not c:
            raise ValidationError(f"Ongeldige categorie {c!r}.", details={"veld": "categorieen"})
    return cats


def _snap_voorzieningen(
    vn: VoorbereidNetwerk,
    voorzieningen: gpd.GeoDataFrame,
    *,
    categorieen: tuple[str, ...],
    max_snap_m: float,
    id_kolom: str | None,
    categorie_kolom: str,
) -> tuple[pd.DataFrame, SnapResultaat]:
    if not isinstance(voorzieningen, gpd.GeoDataFrame):
        raise ValidationError("voorzieningen moet een GeoDataFrame zijn.")
    if categorie_kolom not in voorzieningen.columns:
        raise ValidationError(
            f"Kolom '{categorie_kolom}' ontbreekt in de voorzieningen. Kolommen: "
            f"{', '.join(map(str, voorzieningen.columns))}.",
            details={"veld": categorie_kolom},
        )
    if id_kolom is not None and id_kolom not in voorzieningen.columns:
        raise ValidationError(
            f"Kolom '{id_kolom}' ontbreekt in de voorzieningen; geef id_kolom=None om de index te gebruiken.",
            details={"veld": id_kolom},
        )
    geoms = _in_netwerk_crs(vn, voorzieningen, name="voorzieningen")
    cat = voorzieningen[categorie_kolom].to_numpy(dtype=object)
    keep = np.isin(cat, np.array(categorieen, dtype=object))
    sub = voorzieningen.loc[keep]
    res = snap_geometrieen(vn.snapindex, geoms[keep], max_snap_m=max_snap_m)
    frame = _snap_frame(res, vn, sub.index)
    ids = sub[id_kolom].to_numpy(dtype=object) if id_kolom is not None else sub.index.to_numpy(dtype=object)
    frame.insert(0, "categorie", cat[keep])
    frame.insert(0, "id", ids)
    return frame, res


def _dijkstra_per_categorie(
    ub: _Uitbreiding, bron_cat: np.ndarray, categorieen: tuple[str, ...], cutoff_m: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    total = ub.graaf.shape[0]
    afstand: dict[str, np.ndarray] = {}
    bron: dict[str, np.ndarray] = {}
    for c in categorieen:
        j = np.flatnonzero(bron_cat == c)
        if len(j) == 0:
            afstand[c] = np.full(total, np.inf)
            bron[c] = np.full(total, -1, dtype=np.int64)
            continue
        d, _, src = dijkstra(
            ub.graaf, directed=True, indices=ub.virtueel(j), limit=cutoff_m, min_only=True,
            return_predecessors=True,
        )
        src = np.asarray(src, dtype=np.int64)
        sj = np.where(src >= 0, src - (ub.n + ub.n_bronnen), -1)
        d = np.where(sj >= 0, d, np.inf)
        afstand[c] = d
        bron[c] = sj
    return afstand, bron


def afstanden_tot_voorzieningen(
    netwerk: Netwerk | VoorbereidNetwerk,
    voorzieningen: gpd.GeoDataFrame,
    *,
    categorieen: Sequence[str] = CATEGORIEEN,
    cutoff_m: float = STANDAARD_CUTOFF_M,
    max_snap_m: float = STANDAARD_MAX_SNAP_M,
    id_kolom: str | None = "id",
    categorie_kolom: str = "categorie",
) -> NodeAfstanden:
    """Distance from every network node to the nearest voorziening, per category.

    One multi-source Dijkstra per category (``scipy.sparse.csgraph.dijkstra`` with
    ``min_only=True``) on a CSR matrix, from all voorzieningen of that category at once. Each
    voorziening is an exact source at its snap point (its edge is split there) and its offset
    from the path is part of the distance.

    Parameters
    ----------
    netwerk
        The walking network (or its prepared form).
    voorzieningen
        Points with a CRS and a category column. Rows of other categories are ignored.
    categorieen
        Categories to compute (default: the six of :data:`kansenkaart.schemas.CATEGORIEEN`).
    cutoff_m
        Stop searching beyond this many metres (``inf`` allowed). Beyond it a distance is
        *not within cutoff*, never a number.
    max_snap_m
        Voorzieningen farther than this from every edge are onbereikbaar and are not sources.
    id_kolom
        Column with the voorziening id (``None``: the index).
    categorie_kolom
        Column with the category.

    Returns
    -------
    NodeAfstanden
        Per category: node distances, nearest voorziening, the cutoff and the onbereikbare
        voorzieningen with their reason.
    """
    vn = voorbereid_netwerk(netwerk)
    cats = _check_categorieen(categorieen)
    cutoff_m = _check_positief(cutoff_m, "cutoff_m", oneindig=True)
    max_snap_m = _check_snap(max_snap_m)
    frame, res = _snap_voorzieningen(
        vn, voorzieningen, categorieen=cats, max_snap_m=max_snap_m, id_kolom=id_kolom,
        categorie_kolom=categorie_kolom,
    )
    ok = res.bereikbaar
    bron_rij = np.flatnonzero(ok)
    ub = _uitbreiding(vn, res.lijn[ok], res.positie[ok], res.offset[ok], res.xy[ok])
    bron_cat = frame["categorie"].to_numpy(dtype=object)[ok]
    afstand, bron = _dijkstra_per_categorie(ub, bron_cat, cats, cutoff_m)
    return NodeAfstanden(
        categorieen=cats,
        cutoff_m=cutoff_m,
        voorzieningen=frame,
        n_nodes=vn.n_nodes,
        crs=vn.crs,
        _afstand=afstand,
        _bron=bron,
        _uitbreiding=ub,
        _bron_rij=bron_rij,
        _netwerk=vn,
    )


def _via_dichtste_eind(
    d: np.ndarray, bron: np.ndarray, a: np.ndarray, b: np.ndarray, da: np.ndarray, db: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance and source for locations on sub-edge ``(a, b)``: through the nearer end, plus the offset."""
    via_a = d[a] + da
    via_b = d[b] + db
    use_b = via_b < via_a
    return np.where(use_b, via_b, via_a) + offset, np.where(use_b, bron[b], bron[a])


def dichtstbij_over_netwerk(
    netwerk: Netwerk | VoorbereidNetwerk,
    bronnen: gpd.GeoSeries,
    doelen: gpd.GeoSeries,
    *,
    cutoff_m: float,
    max_snap_m: float = STANDAARD_MAX_SNAP_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance from each of ``doelen`` to the nearest of ``bronnen``, and which one.

    The lean form of :func:`afstanden_tot_voorzieningen` plus :func:`afstanden_voor_locaties`
    for one set of sources, without their tables: the same snapping (both offsets count), the
    same split of the sources' edges and the same multi-source Dijkstra. Made for answering
    many different spatial questions quickly (:mod:`kansenkaart.query`).

    Parameters
    ----------
    netwerk
        The walking network (or its prepared form).
    bronnen, doelen
        Geometries with a CRS (points; other geometries snap with their nearest point).
    cutoff_m
        Search no farther; a target beyond it gets NaN.
    max_snap_m
        Sources and targets farther than this from every edge are left out (NaN for a target).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Per target the distance in metres (NaN when no source is within ``cutoff_m`` or the
        target cannot be snapped) and the position of the nearest source in ``bronnen`` (-1).
    """
    vn = voorbereid_netwerk(netwerk)
    cutoff_m = _check_positief(cutoff_m, "cutoff_m", oneindig=True)
    max_snap_m = _check_snap(max_snap_m)
    afstand = np.full(len(doelen), np.nan)
    dichtstbij = np.full(len(doelen), -1, dtype=np.int64)
    b_geoms = _in_netwerk_crs(vn, bronnen, name="bronnen")
    d_geoms = _in_netwerk_crs(vn, doelen, name="doelen")
    rb = snap_geometrieen(vn.snapindex, b_geoms, max_snap_m=max_snap_m)
    ok_b = rb.bereikbaar
    if len(doelen) == 0 or not ok_b.any():
        return afstand, dichtstbij
    ub = _uitbreiding(vn, rb.lijn[ok_b], rb.positie[ok_b], rb.offset[ok_b], rb.xy[ok_b])
    alle = np.full(ub.n_bronnen, "alle", dtype=object)  # one category holding every source
    afstanden, bronnen_j = _dijkstra_per_categorie(ub, alle, ("alle",), cutoff_m)
    d, sj = afstanden["alle"], bronnen_j["alle"]
    rd = snap_geometrieen(vn.snapindex, d_geoms, max_snap_m=max_snap_m)
    rij = np.flatnonzero(rd.bereikbaar)
    if len(rij) == 0:
        return afstand, dichtstbij
    a, b, da, db = ub.plaats(vn, rd.lijn[rij], rd.positie[rij])
    tot, j = _via_dichtste_eind(d, sj, a, b, da, db, rd.offset[rij])
    binnen = np.isfinite(tot) & (tot <= cutoff_m) & (j >= 0)
    afstand[rij[binnen]] = tot[binnen]
    dichtstbij[rij[binnen]] = np.flatnonzero(ok_b)[j[binnen]]
    return afstand, dichtstbij


# --------------------------------------------------------------------------------------------
# Distances and counts for locations
# --------------------------------------------------------------------------------------------


def _fmt_m(x: float) -> str:
    return f"{x:g}"


def _status_niet_binnen(cutoff_m: float) -> str:
    if math.isinf(cutoff_m):
        return "niet verbonden met een voorziening"
    return f"niet binnen {_fmt_m(cutoff_m)} m"


def _lokale_dijkstra(
    ub: _Uitbreiding, bronnen: np.ndarray, limiet: float, *, cel_m: float | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per-source Dijkstra up to ``limiet`` metres, one small subgraph per grid cell of sources.

    A path of length ≤ ``limiet`` from a source never leaves the disc of radius ``limiet`` around
    the source's snap point (a network distance is never shorter than the straight line), so the
    search for the sources of one cell only needs the nodes in that cell and its 8 neighbours
    (cells at least ``limiet`` wide). This avoids scipy allocating full-length arrays per source.

    Yields ``(sources, local_nodes, D)`` with ``D[i, k]`` the distance from source ``sources[i]``
    to node ``local_nodes[k]`` (``inf`` beyond ``limiet``).
    """
    if len(bronnen) == 0:
        return
    cel = float(max(limiet, 1.0) if cel_m is None else max(cel_m, limiet, 1.0))
    xy = ub.xy  # network and split nodes
    origin = xy.min(axis=0)
    cell_xy = np.floor((xy - origin) / cel).astype(np.int64)
    ncx = int(cell_xy[:, 0].max()) + 3
    node_cell = (cell_xy[:, 1] + 1) * ncx + (cell_xy[:, 0] + 1)
    node_order = np.argsort(node_cell, kind="stable")
    sorted_cells = node_cell[node_order]

    bron_xy = xy[ub.n + bronnen]
    bc = np.floor((bron_xy - origin) / cel).astype(np.int64)
    bron_cell = (bc[:, 1] + 1) * ncx + (bc[:, 0] + 1)
    order = np.argsort(bron_cell, kind="stable")
    cells, starts = np.unique(bron_cell[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    offsets = np.array([dy * ncx + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    for cell, s, e in zip(cells, starts, ends, strict=True):
        src = bronnen[order[s:e]]
        near = cell + offsets
        lo = np.searchsorted(sorted_cells, near, side="left")
        hi = np.searchsorted(sorted_cells, near, side="right")
        local = np.sort(np.concatenate([node_order[a:b] for a, b in zip(lo, hi, strict=True)]))
        nodes = np.concatenate([local, ub.virtueel(src)])
        sub = ub.graaf[nodes][:, nodes]
        d = dijkstra(sub, directed=True, indices=np.arange(len(local), len(nodes)), limit=limiet)
        yield src, local, np.asarray(d)[:, : len(local)]


def _tel_binnen(
    ub: _Uitbreiding,
    bronnen: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    da: np.ndarray,
    db: np.ndarray,
    offset: np.ndarray,
    straal: float,
) -> np.ndarray:
    """Number of ``bronnen`` within ``straal`` network metres of each location (offsets included)."""
    tel = np.zeros(len(a), dtype=np.int64)
    kandidaat = np.flatnonzero(offset <= straal)
    if len(kandidaat) == 0:
        return tel
    lookup = np.full(ub.graaf.shape[0], -1, dtype=np.int64)
    for _, local, d in _lokale_dijkstra(ub, bronnen, straal):
        lookup[local] = np.arange(len(local))
        la = lookup[a[kandidaat]]
        lb = lookup[b[kandidaat]]
        hit = (la >= 0) | (lb >= 0)
        if hit.any():
            idx = kandidaat[hit]
            inf_col = np.full((d.shape[0], 1), np.inf)
            dd = np.hstack([d, inf_col])
            ca = np.where(la[hit] >= 0, la[hit], d.shape[1])
            cb = np.where(lb[hit] >= 0, lb[hit], d.shape[1])
            via = np.minimum(dd[:, ca] + da[idx], dd[:, cb] + db[idx]) + offset[idx]
            tel[idx] += (via <= straal).sum(axis=0)
        lookup[local] = -1
    return tel


def _ids_voor(rows: np.ndarray, ids: np.ndarray) -> pd.Series:
    """Voorziening ids for row positions (``-1``: none), keeping integer ids integer."""
    ok = rows >= 0
    taken = ids[np.where(ok, rows, 0)] if len(ids) else np.full(len(rows), None, dtype=object)
    ser = pd.Series(taken, dtype=object)
    ser[~ok] = None
    inferred = pd.api.types.infer_dtype(ser.dropna(), skipna=True)
    if inferred == "integer":
        return pd.Series(pd.array(ser.where(ok, None).tolist(), dtype="Int64"))
    return ser


def afstanden_voor_locaties(
    netwerk: Netwerk | VoorbereidNetwerk,
    node_afstanden: NodeAfstanden,
    locaties: gpd.GeoDataFrame | None,
    *,
    loopsnelheid_m_per_min: float = STANDAARD_LOOPSNELHEID_M_PER_MIN,
    max_snap_m: float = STANDAARD_MAX_SNAP_M,
    aantal_binnen_m: Sequence[float] = STANDAARD_AANTAL_BINNEN_M,
    id_kolom: str | None = "id",
    naam_kolom: str | None = "naam",
) -> gpd.GeoDataFrame:
    """Walking distance from each location to the nearest voorziening of every category.

    A location snapped onto the edge ``(u, v)`` gets ``offset + min(d[u] + deel_u, d[v] +
    deel_v)``, where ``d`` includes the voorziening's own offset, and where a voorziening on the
    same edge is reached directly along that edge.

    Parameters
    ----------
    netwerk
        The network ``node_afstanden`` was computed on.
    node_afstanden
        Result of :func:`afstanden_tot_voorzieningen`.
    locaties
        Points with a CRS (homes, complexes, candidate sites). ``None``: the network nodes
        themselves (offset 0; the ``bereikbaarheid`` of every graph node).
    loopsnelheid_m_per_min
        Walking speed for the minutes columns (default 50 m/min: 500 m in 10 minutes).
    max_snap_m
        Locations farther than this from every edge are onbereikbaar.
    aantal_binnen_m
        Radii (network metres) for counting voorzieningen near each location; ``()`` skips the
        counts (they cost one local search per voorziening).
    id_kolom, naam_kolom
        Columns copied into ``code`` and ``naam`` (when present; ``code`` falls back to the index).

    Returns
    -------
    geopandas.GeoDataFrame
        On the index of ``locaties`` (or the node numbers), in the network CRS, with the input
        columns (result columns win on a name clash) and:

        - ``niveau``: ``'locatie'``; ``code``, ``naam``: id and name of the location;
        - ``snap_afstand_m``: straight metres from the location to the path (included in every
          distance); ``bereikbaar``, ``reden``: see :func:`snap_punten`;
        - ``cutoff_m``: the cutoff the distances were computed with;
        - per category ``<cat>``:

          - ``afstand_<cat>_m``: walking metres to the nearest voorziening, NaN when not within
            the cutoff, when the location is onbereikbaar, or when the category has none;
          - ``minuten_<cat>``: the same in walking minutes;
          - ``dichtstbij_<cat>``: id of that voorziening (missing when the distance is NaN);
          - ``status_<cat>``: ``'binnen'``, ``'niet binnen <cutoff> m'``,
            ``'onbereikbaar: <reden>'`` or ``'geen bereikbare voorzieningen'``;
          - ``aantal_<cat>_binnen_<r>m``: number of voorzieningen within ``r`` network metres
            (missing when the location is onbereikbaar).

        ``attrs["locaties"]`` is ``'knooppunten'`` or ``'locaties'``.
    """
    vn = voorbereid_netwerk(netwerk)
    na = node_afstanden
    if not isinstance(na, NodeAfstanden):
        raise ValidationError("node_afstanden moet het resultaat van afstanden_tot_voorzieningen zijn.")
    if na._netwerk is not vn and (na.n_nodes != vn.n_nodes or na._netwerk.n_edges != vn.n_edges or na.crs != vn.crs):
        raise ValidationError(
            "node_afstanden hoort bij een ander wandelnetwerk "
            f"({na.n_nodes} knooppunten, {na.crs.to_string()}) dan opgegeven "
            f"({vn.n_nodes} knooppunten, {vn.crs.to_string()})."
        )
    snelheid = _check_positief(loopsnelheid_m_per_min, "loopsnelheid_m_per_min")
    max_snap_m = _check_snap(max_snap_m)
    radii = tuple(_check_positief(r, "aantal_binnen_m") for r in aantal_binnen_m)
    ub = na._uitbreiding

    if locaties is None:
        n = vn.n_nodes
        index = pd.RangeIndex(n, name="knooppunt")
        a = b = np.arange(n, dtype=np.int64)
        da = db = offset = np.zeros(n)
        ok = np.ones(n, dtype=bool)
        reden = np.full(n, None, dtype=object)
        geometry = gpd.GeoSeries(shapely.points(vn.node_xy), crs=vn.crs, index=index)
        basis = pd.DataFrame(index=index)
        code = pd.Series(np.arange(n), index=index).astype(str)
        naam = pd.Series(None, index=index, dtype=object)
        soort = "knooppunten"
    else:
        geoms = _in_netwerk_crs(vn, locaties, name="locaties")
        res = snap_geometrieen(vn.snapindex, geoms, max_snap_m=max_snap_m)
        ok = res.bereikbaar
        index = locaties.index
        k = len(geoms)
        a = np.zeros(k, dtype=np.int64)
        b = np.zeros(k, dtype=np.int64)
        da = np.full(k, np.inf)
        db = np.full(k, np.inf)
        if ok.any():
            a[ok], b[ok], da[ok], db[ok] = ub.plaats(vn, res.lijn[ok], res.positie[ok])
        offset = np.where(ok, res.offset, np.inf)
        reden = res.reden
        geometry = gpd.GeoSeries(geoms, crs=vn.crs, index=index)
        basis = pd.DataFrame(locaties.drop(columns=locaties.geometry.name))
        code = (
            locaties[id_kolom].astype(str)
            if id_kolom is not None and id_kolom in locaties.columns
            else pd.Series(index.astype(str), index=index)
        )
        naam = (
            locaties[naam_kolom]
            if naam_kolom is not None and naam_kolom in locaties.columns
            else pd.Series(None, index=index, dtype=object)
        )
        soort = "locaties"

    ids = na.voorzieningen["id"].to_numpy(dtype=object)
    cols: dict[str, Any] = {
        "niveau": "locatie",
        "code": code.to_numpy(),
        "naam": naam.to_numpy(),
        "snap_afstand_m": np.where(ok, offset, np.nan),
        "bereikbaar": ok,
        "reden": reden,
        "cutoff_m": na.cutoff_m,
    }
    niet_binnen = _status_niet_binnen(na.cutoff_m)
    onbereikbaar_tekst = np.array([f"onbereikbaar: {r}" for r in reden], dtype=object)
    bron_cat_all = na.voorzieningen["categorie"].to_numpy(dtype=object)[na._bron_rij]
    for c in na.categorieen:
        d = na._afstand[c]
        j = na._bron[c]
        tot, bron_j = _via_dichtste_eind(d, j, a, b, da, db, offset)
        binnen = ok & np.isfinite(tot) & (tot <= na.cutoff_m) & (bron_j >= 0)
        afst = np.where(binnen, tot, np.nan)
        rows = na._rijen(np.where(binnen, bron_j, -1))
        heeft = c not in na.zonder_voorzieningen
        status = np.where(
            ~ok,
            onbereikbaar_tekst,
            np.where(binnen, "binnen", niet_binnen if heeft else "geen bereikbare voorzieningen"),
        )
        cols[f"afstand_{c}_m"] = afst
        cols[f"minuten_{c}"] = afst / snelheid
        cols[f"dichtstbij_{c}"] = _ids_voor(rows, ids).to_numpy()
        cols[f"status_{c}"] = status.astype(object)
        bronnen_c = np.flatnonzero(bron_cat_all == c)
        for r in radii:
            tel = _tel_binnen(ub, bronnen_c, a[ok], b[ok], da[ok], db[ok], offset[ok], r)
            full = pd.array(np.zeros(len(ok), dtype=np.int64), dtype="Int64")
            full[ok] = tel
            full[~ok] = pd.NA
            cols[f"aantal_{c}_binnen_{_fmt_m(r)}m"] = full
    result = pd.DataFrame(cols, index=index)
    basis = basis.drop(columns=[c for c in basis.columns if c in result.columns or c == "geometry"])
    out = gpd.GeoDataFrame(pd.concat([basis, result], axis=1), geometry=geometry, crs=vn.crs)
    out.attrs["locaties"] = soort
    out.attrs["cutoff_m"] = na.cutoff_m
    out.attrs["loopsnelheid_m_per_min"] = snelheid
    return out


# --------------------------------------------------------------------------------------------
# 3. Per-area statistics
# --------------------------------------------------------------------------------------------

_WEGING_NAMEN = {
    "inwoners": "inwoners",
    "aantal_inwoners": "inwoners (aantal_inwoners)",
    "bevolking": "inwoners (bevolking)",
    "woningen": "woningen",
    "aantal_woningen": "woningen (aantal_woningen)",
}


def _weging(gewicht_kolom: str | None, soort: str) -> str:
    if gewicht_kolom is None:
        return f"ongewogen ({soort})"
    return _WEGING_NAMEN.get(gewicht_kolom, f"gewicht ({gewicht_kolom})")


def _gewogen_mediaan(groep: np.ndarray, x: np.ndarray, w: np.ndarray, n_groepen: int) -> np.ndarray:
    """Weighted median per group (the 50 % point; halfway between two values on an exact tie).

    ``x`` may hold ``inf`` (not within the cutoff); a median that lands there is NaN.
    """
    out = np.full(n_groepen, np.nan)
    keep = w > 0
    g, x, w = groep[keep], x[keep], w[keep]
    if len(g) == 0:
        return out
    order = np.lexsort((x, g))
    g, x, w = g[order], x[order], w[order]
    cw = np.cumsum(w)
    start = np.r_[True, g[1:] != g[:-1]]
    base = (cw - w)[start]
    gi = np.cumsum(start) - 1
    cwg = cw - base[gi]
    totaal = np.bincount(g, weights=w, minlength=n_groepen)
    half = totaal[g] / 2.0
    tol = 1e-9 * totaal[g]
    reached = cwg >= half - tol
    first = reached & (start | ~np.r_[False, reached[:-1]])
    pos = np.flatnonzero(first)
    val = x[pos].copy()
    exact = np.abs(cwg[pos] - half[pos]) <= tol[pos]
    has_next = (pos + 1 < len(g)) & (np.r_[g[1:], -1][pos] == g[pos])
    avg = exact & has_next
    val[avg] = (x[pos[avg]] + x[pos[avg] + 1]) / 2.0
    val[~np.isfinite(val)] = np.nan
    out[g[pos]] = val
    return out


def gebiedsstatistiek(
    locatie_afstanden: gpd.GeoDataFrame,
    gebieden: gpd.GeoDataFrame,
    *,
    niveau: str,
    gewicht_kolom: str | None = None,
    pantoffelzone_m: float = STANDAARD_PANTOFFELZONE_M,
    code_kolom: str = "code",
    naam_kolom: str | None = "naam",
) -> gpd.GeoDataFrame:
    """Per-area walking-distance statistics in the style of the CBS nabijheidsstatistiek.

    Every location of ``locatie_afstanden`` (the output of :func:`afstanden_voor_locaties`)
    is assigned to the area that contains it; locations outside every area are left out.
    Onbereikbare locations are counted (``n_onbereikbaar``) but have no distance and are left
    out of every statistic. A location beyond the cutoff counts as *farther than the cutoff*:
    it is never within the pantoffelzone, it makes the mean unknown (NaN) and the median NaN
    only if the median itself lies beyond the cutoff.

    Parameters
    ----------
    locatie_afstanden
        Result of :func:`afstanden_voor_locaties`.
    gebieden
        Area polygons (buurten, wijken or gemeenten) with a CRS and a code column.
    niveau
        ``'buurt'``, ``'wijk'`` or ``'gemeente'``.
    gewicht_kolom
        Column of ``locatie_afstanden`` with a weight per location, e.g. ``'aantal_woningen'``
        or ``'inwoners'``; ``None`` weights every location equally. Missing weights count as 0.
    pantoffelzone_m
        The pantoffelzone (default 600 m); must not exceed the cutoff of the distances.
    code_kolom, naam_kolom
        Columns of ``gebieden`` with the area code and name.

    Returns
    -------
    geopandas.GeoDataFrame
        On the index of ``gebieden``, with the area polygons in the CRS of the locations, and:

        - ``niveau``, ``code``, ``naam``;
        - ``weging``: how locations were weighted, e.g. ``'woningen (aantal_woningen)'``,
          ``'inwoners'`` or ``'ongewogen (knooppunten)'``;
        - ``n_locaties`` (in the area), ``n_onbereikbaar`` (of those), ``gewicht_totaal``
          (of the bereikbare ones);
        - per category ``<cat>``:

          - ``gem_afstand_<cat>_m``: weighted mean walking distance (NaN when a weighted
            location is not within the cutoff, or there are none);
          - ``med_afstand_<cat>_m``: weighted median walking distance;
          - ``aandeel_pantoffelzone_<cat>``: weighted share (0-1) within ``pantoffelzone_m``;
          - ``aandeel_niet_binnen_cutoff_<cat>``: weighted share beyond the cutoff (or without
            any bereikbare voorziening of the category);
          - ``gem_aantal_<cat>_binnen_<r>m``: weighted mean number of voorzieningen within ``r``
            network metres (for each radius counted by :func:`afstanden_voor_locaties`).
    """
    if niveau not in NIVEAUS[1:]:
        raise ValidationError(
            f"Onbekend niveau '{niveau}'. Kies uit: {', '.join(NIVEAUS[1:])}.", details={"veld": "niveau"}
        )
    pantoffelzone_m = _check_positief(pantoffelzone_m, "pantoffelzone_m")
    loc_crs = check_crs(locatie_afstanden, name="locatie_afstanden")
    if not loc_crs.is_projected:
        raise CRSError(f"locatie_afstanden staat in {loc_crs.to_string()}; verwacht een metrisch CRS.")
    for kolom in ("bereikbaar", "cutoff_m"):
        if kolom not in locatie_afstanden.columns:
            raise ValidationError(
                f"Kolom '{kolom}' ontbreekt: geef de uitvoer van afstanden_voor_locaties mee.",
                details={"veld": kolom},
            )
    if code_kolom not in gebieden.columns:
        raise ValidationError(
            f"Kolom '{code_kolom}' ontbreekt in de gebieden. Kolommen: {', '.join(map(str, gebieden.columns))}.",
            details={"veld": code_kolom},
        )
    cats = [c[len("status_"):] for c in locatie_afstanden.columns if str(c).startswith("status_")]
    cutoff = float(np.nanmin(locatie_afstanden["cutoff_m"].to_numpy(dtype=float))) if len(
        locatie_afstanden
    ) else math.inf
    if pantoffelzone_m > cutoff:
        raise ValidationError(
            f"De pantoffelzone ({_fmt_m(pantoffelzone_m)} m) is groter dan de cutoff van de afstanden "
            f"({_fmt_m(cutoff)} m); bereken de afstanden met een grotere cutoff.",
            details={"veld": "pantoffelzone_m"},
        )
    if gewicht_kolom is not None:
        if gewicht_kolom not in locatie_afstanden.columns:
            raise ValidationError(
                f"Gewichtkolom '{gewicht_kolom}' ontbreekt in de locaties.", details={"veld": gewicht_kolom}
            )
        gewicht = pd.to_numeric(locatie_afstanden[gewicht_kolom], errors="coerce").to_numpy(dtype=float)
        if (gewicht < 0).any():
            raise ValidationError(
                f"Gewichtkolom '{gewicht_kolom}' bevat negatieve waarden.", details={"veld": gewicht_kolom}
            )
        gewicht = np.nan_to_num(gewicht, nan=0.0)
    else:
        gewicht = np.ones(len(locatie_afstanden))
    soort = str(locatie_afstanden.attrs.get("locaties", "locaties"))

    gebied = to_metric(gebieden, crs=loc_crs, name="gebieden")
    area_geoms = gebied.geometry.to_numpy()
    tree = shapely.STRtree(area_geoms)
    qi, ti = tree.query(locatie_afstanden.geometry.to_numpy(), predicate="intersects")
    qi, first = np.unique(qi, return_index=True)
    ti = ti[first]
    n_areas = len(gebied)

    ok = locatie_afstanden["bereikbaar"].to_numpy(dtype=bool)[qi]
    w = gewicht[qi]
    g = ti
    n_loc = np.bincount(g, minlength=n_areas)
    n_onb = np.bincount(g[~ok], minlength=n_areas)
    wg = np.where(ok, w, 0.0)
    wtot = np.bincount(g, weights=wg, minlength=n_areas)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols: dict[str, Any] = {
            "niveau": niveau,
            "code": gebied[code_kolom].to_numpy(),
            "naam": gebied[naam_kolom].to_numpy() if naam_kolom and naam_kolom in gebied.columns else None,
            "weging": _weging(gewicht_kolom, soort),
            "n_locaties": n_loc,
            "n_onbereikbaar": n_onb,
            "gewicht_totaal": wtot,
        }
        pos_w = wtot > 0
        for c in cats:
            x = locatie_afstanden[f"afstand_{c}_m"].to_numpy(dtype=float)[qi]
            x = np.where(np.isnan(x), np.inf, x)  # bereikbaar and NaN: beyond the cutoff or no voorziening
            far = ok & np.isinf(x)
            w_far = np.bincount(g, weights=np.where(far & (wg > 0), wg, 0.0), minlength=n_areas)
            s = np.bincount(g, weights=np.where(ok & ~far, wg * np.where(far, 0.0, x), 0.0), minlength=n_areas)
            gem = np.where(pos_w & (w_far == 0), s / wtot, np.nan)
            med = _gewogen_mediaan(g[ok], x[ok], wg[ok], n_areas)
            binnen = np.bincount(g, weights=np.where(ok & (x <= pantoffelzone_m), wg, 0.0), minlength=n_areas)
            cols[f"gem_afstand_{c}_m"] = gem
            cols[f"med_afstand_{c}_m"] = med
            cols[f"aandeel_pantoffelzone_{c}"] = np.where(pos_w, binnen / wtot, np.nan)
            cols[f"aandeel_niet_binnen_cutoff_{c}"] = np.where(pos_w, w_far / wtot, np.nan)
            prefix = f"aantal_{c}_binnen_"
            for kol in [k for k in locatie_afstanden.columns if str(k).startswith(prefix)]:
                cnt = pd.to_numeric(locatie_afstanden[kol], errors="coerce").to_numpy(dtype=float)[qi]
                cnt = np.nan_to_num(cnt, nan=0.0)
                sc = np.bincount(g, weights=np.where(ok, wg * cnt, 0.0), minlength=n_areas)
                cols[f"gem_{kol}"] = np.where(pos_w, sc / wtot, np.nan)
    out = gpd.GeoDataFrame(pd.DataFrame(cols, index=gebied.index), geometry=area_geoms, crs=loc_crs)
    out.attrs["buiten_gebieden"] = int(len(locatie_afstanden) - len(qi))
    out.attrs["pantoffelzone_m"] = pantoffelzone_m
    return out


def bereikbaarheid_laag(*delen: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Stack location rows and area rows into one ``bereikbaarheid`` layer.

    Parameters
    ----------
    *delen
        Results of :func:`afstanden_voor_locaties` and :func:`gebiedsstatistiek`, all in the
        same CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        All rows, with ``niveau``, ``code`` and ``naam`` first; a column that one part lacks
        is missing on the rows of that part.
    """
    if not delen:
        raise ValidationError("Geef minstens één deel van de laag bereikbaarheid mee.")
    crs = check_crs(delen[0], name="bereikbaarheid")
    for d in delen:
        if "niveau" not in d.columns:
            raise ValidationError("Elk deel van bereikbaarheid moet een kolom 'niveau' hebben.")
        if check_crs(d, name="bereikbaarheid") != crs:
            raise CRSError("De delen van bereikbaarheid staan in verschillende coördinatenstelsels.")
    frames = [pd.DataFrame(d).reset_index(drop=True) for d in delen]
    geom_name = "geometry"
    stacked = pd.concat(
        [f.rename(columns={d.geometry.name: geom_name}) for f, d in zip(frames, delen, strict=True)],
        ignore_index=True,
    )
    first = ["niveau", "code", "naam"]
    order = [c for c in first if c in stacked.columns] + [
        c for c in stacked.columns if c not in first and c != geom_name
    ] + [geom_name]
    return gpd.GeoDataFrame(stacked[order], geometry=geom_name, crs=crs)


# --------------------------------------------------------------------------------------------
# 4. Isochrones
# --------------------------------------------------------------------------------------------


def _check_banden(banden_m: Sequence[float]) -> tuple[float, ...]:
    banden = tuple(_check_positief(b, "banden_m") for b in banden_m)
    if not banden:
        raise ValidationError("Geef minstens één afstandsband op.", details={"veld": "banden_m"})
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(banden)):
        raise ValidationError(
            f"De banden moeten oplopen, niet {', '.join(map(_fmt_m, banden))}.", details={"veld": "banden_m"}
        )
    return banden


def isochronen(
    netwerk: Netwerk | VoorbereidNetwerk,
    voorzieningen: gpd.GeoDataFrame,
    *,
    banden_m: Sequence[float] = STANDAARD_BANDEN_M,
    buffer_m: float = STANDAARD_BUFFER_M,
    categorieen: Sequence[str] = CATEGORIEEN,
    per_voorziening: bool = False,
    max_snap_m: float = STANDAARD_MAX_SNAP_M,
    id_kolom: str | None = "id",
    categorie_kolom: str = "categorie",
    quad_segs: int = 4,
    threads: int = 1,
) -> gpd.GeoDataFrame:
    """Walking-distance zones (the "vlekken") around the voorzieningen of each category.

    The zone within ``B`` metres is built from the network itself, not from a hull: every
    stretch of path whose walking distance to the nearest voorziening is at most ``B`` (whole
    edges, and edges cut at the exact remaining distance, with the same exact distances as
    :func:`afstanden_tot_voorzieningen`) is buffered by ``buffer_m`` and dissolved. Bands are
    disjoint rings: ``0-100``, ``100-300`` and ``300-600`` m by default; together they cover the
    zone of the largest band.

    ``buffer_m`` (default 25 m) is the half-width of the strip along a reachable path that the
    zone claims. 25 m covers the front gardens and building line along a typical street, so the
    homes on a reachable street fall inside, while staying well below the smallest band (100 m)
    so that the zone does not jump to the next street over. The walk across the strip is not
    charged; a home's exact distance, with its offset, comes from
    :func:`afstanden_voor_locaties`.

    Parameters
    ----------
    netwerk
        The walking network (or its prepared form).
    voorzieningen
        Points with a CRS and a category column.
    banden_m
        Increasing upper limits of the bands in metres (default 100, 300, 600).
    buffer_m
        Half-width of the strip along reachable paths (metres).
    categorieen
        Categories to build zones for.
    per_voorziening
        False: one zone per category and band. True: one zone per individual voorziening and
        band (e.g. the 100 m zone around one ontmoetingsruimte); filter ``voorzieningen`` first
        to get the zones of a few.
    max_snap_m, id_kolom, categorie_kolom
        As in :func:`afstanden_tot_voorzieningen`.
    quad_segs
        Segments per quarter circle of the buffer's round ends and joins. With 4 the outline
        lies within ``buffer_m * (1 - cos 11.25°)`` (0.5 m at 25 m) inside the exact strip; 2
        is hardly faster but loses up to 3 m at bends.
    threads
        Worker threads for buffering and dissolving (default 1: none). GEOS releases the GIL,
        so each thread uses a core; the network search runs in the calling thread meanwhile.

    Returns
    -------
    geopandas.GeoDataFrame
        In the network CRS, one row per non-empty zone, with ``categorie``, ``band_van_m``,
        ``band_tot_m``, ``voorziening_id`` (``None`` for category zones), ``oppervlakte_m2``,
        ``buffer_m`` and a MultiPolygon ``geometry``. ``attrs["onbereikbaar"]`` lists the
        voorzieningen that could not be snapped, with their reason.
    """
    vn = voorbereid_netwerk(netwerk)
    banden = _check_banden(banden_m)
    buffer_m = _check_positief(buffer_m, "buffer_m")
    qs_ = int(quad_segs)
    if qs_ < 1:
        raise ValidationError(f"quad_segs moet ≥ 1 zijn, niet {quad_segs!r}.", details={"veld": "quad_segs"})
    na = afstanden_tot_voorzieningen(
        vn, voorzieningen, categorieen=categorieen, cutoff_m=banden[-1], max_snap_m=max_snap_m,
        id_kolom=id_kolom, categorie_kolom=categorie_kolom,
    )
    ub = na._uitbreiding
    grenzen = list(zip((0.0, *banden[:-1]), banden, strict=True))

    def _ring_lijnen(d: np.ndarray) -> list[Lijnen]:
        return [paden(ub, vn, gedekte_stukken(ub, d, lo, hi), max_stukken=16) for lo, hi in grenzen]

    def _zones() -> Iterator[tuple[str, Any, list[Lijnen]]]:
        """(categorie, voorziening id or None, trails per band), one zone at a time."""
        if not per_voorziening:
            for c in na.categorieen:
                d = na._afstand[c]
                if np.isfinite(d).any():
                    yield c, None, _ring_lijnen(d)
            return
        ids = na.voorzieningen["id"].to_numpy(dtype=object)
        cats = na.voorzieningen["categorie"].to_numpy(dtype=object)
        full = np.full(ub.graaf.shape[0], np.inf)
        for j_src, local, dmat in _lokale_dijkstra(ub, np.arange(ub.n_bronnen), banden[-1]):
            for j, drow in zip(j_src, dmat, strict=True):
                full[local] = drow
                row = na._bron_rij[j]
                yield cats[row], ids[row], _ring_lijnen(full)
                full[local] = np.inf

    keys: list[tuple[str, Any]] = []
    banden_per_zone: list[list[shapely.Geometry | None]] = []
    n_threads = int(threads)
    if n_threads < 1:
        raise ValidationError(f"threads moet ≥ 1 zijn, niet {threads!r}.", details={"veld": "threads"})
    if n_threads == 1:
        for c, vid, lijnen in _zones():
            keys.append((c, vid))
            banden_per_zone.append(ringen([buffer_unie(ln, buffer_m, qs_) for ln in lijnen]))
    else:
        # Workers dissolve each band as soon as its trails are ready; a zone's rings follow
        # when its last band is done.
        pool = ThreadPoolExecutor(max_workers=n_threads)
        try:
            band_futs: dict[Future[Any], tuple[int, int]] = {}
            for z, (c, vid, lijnen) in enumerate(_zones()):
                keys.append((c, vid))
                for i, ln in enumerate(lijnen):
                    band_futs[pool.submit(buffer_unie, ln, buffer_m, qs_)] = (z, i)
            q: dict[tuple[int, int], shapely.Geometry | None] = {}
            ring_futs: dict[int, Future[Any]] = {}
            for fut in as_completed(band_futs):
                z, i = band_futs[fut]
                q[z, i] = fut.result()
                if all((z, k) in q for k in range(len(grenzen))):
                    ring_futs[z] = pool.submit(ringen, [q[z, k] for k in range(len(grenzen))])
            banden_per_zone = [ring_futs[z].result() for z in range(len(keys))]
        finally:
            pool.shutdown()

    rows: list[dict[str, Any]] = []
    for (categorie, vid), polys in zip(keys, banden_per_zone, strict=True):
        for (van, tot), poly in zip(grenzen, polys, strict=True):
            if poly is not None:
                rows.append(
                    {"categorie": categorie, "band_van_m": van, "band_tot_m": tot, "voorziening_id": vid,
                     "oppervlakte_m2": float(poly.area), "buffer_m": buffer_m, "geometry": poly}
                )
    columns = ["categorie", "band_van_m", "band_tot_m", "voorziening_id", "oppervlakte_m2", "buffer_m", "geometry"]
    frame = pd.DataFrame(rows, columns=columns)
    if per_voorziening and len(frame):
        frame["_vid"] = frame["voorziening_id"].astype(str)
        frame = frame.sort_values(["categorie", "_vid", "band_van_m"], kind="stable").drop(columns="_vid")
        frame = frame.reset_index(drop=True)
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=vn.crs)
    out.attrs["onbereikbaar"] = na.onbereikbaar.to_dict("records")
    return out
