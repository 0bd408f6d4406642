"""The walking network as plain GeoDataFrames in a metric CRS.

:class:`Netwerk` is the one representation that the OSM loaders produce and the vlekkenplan
engine consumes. It is undirected (people walk both ways along a footpath), its nodes are
numbered ``0..n-1`` so that it maps directly onto a sparse CSR matrix, and every edge has a
LineString geometry oriented from ``u`` to ``v`` whose planar length in the metric CRS is
the edge weight ``length`` (metres).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy import sparse

from kansenkaart.crs import METRIC_CRS
from kansenkaart.errors import NetworkError

__all__ = ["Netwerk", "netwerk_van_graaf"]


@dataclass(frozen=True)
class Netwerk:
    """An undirected walking network in a metric CRS.

    Attributes
    ----------
    nodes
        One row per node, index ``0..n-1``; columns ``osmid`` and ``geometry`` (Point).
    edges
        One row per undirected edge; columns ``u``, ``v`` (node positions), ``length``
        (metres, equal to the planar length of ``geometry``), ``osmid``, ``highway``,
        ``name`` and ``geometry`` (LineString from node ``u`` to node ``v``).
    crs
        The metric CRS of both frames.
    rapport
        What was dropped while building (components, nodes, edges), for reporting.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    crs: CRS
    rapport: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.edges)

    def csr(self) -> sparse.csr_matrix:
        """Return the symmetric CSR adjacency matrix with edge lengths as weights.

        Parallel edges keep the shortest length. Zero-length edges get a tiny positive
        weight, because scipy treats explicit zeros in a sparse matrix as missing edges.
        """
        n = self.n_nodes
        u = self.edges["u"].to_numpy(dtype=np.int64)
        v = self.edges["v"].to_numpy(dtype=np.int64)
        w = np.maximum(self.edges["length"].to_numpy(dtype=np.float64), 1e-9)
        rows = np.concatenate([u, v])
        cols = np.concatenate([v, u])
        data = np.concatenate([w, w])
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(n, n))


def _component_labels(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    m = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = sparse.csgraph.connected_components(m, directed=False)
    return labels


def netwerk_van_graaf(graph: nx.MultiDiGraph, *, crs: str | CRS = METRIC_CRS) -> Netwerk:
    """Convert an osmnx graph into a :class:`Netwerk` in the metric CRS.

    The graph is projected to ``crs``, made undirected (one edge per OSM way segment),
    and reduced to its largest connected component. What was dropped is recorded in
    ``Netwerk.rapport``.

    Parameters
    ----------
    graph
        An osmnx ``MultiDiGraph`` with node ``x``/``y`` and a ``crs`` graph attribute.
    crs
        The metric CRS to build the network in (default EPSG:28992).

    Raises
    ------
    NetworkError
        When the graph has no CRS or no edges.
    """
    import osmnx as ox

    if graph.graph.get("crs") is None:
        raise NetworkError("De graaf heeft geen coördinatenstelsel (graph['crs'] ontbreekt).")
    if graph.number_of_edges() == 0:
        raise NetworkError("Het wandelnetwerk is leeg: er zijn geen begaanbare wegen gevonden.")
    target = CRS.from_user_input(crs)
    gp = ox.project_graph(graph, to_crs=target)
    nodes_gdf, edges_gdf = ox.graph_to_gdfs(gp, nodes=True, edges=True, fill_edge_geometry=True)

    osmids = nodes_gdf.index.to_numpy()
    pos = pd.Series(np.arange(len(osmids)), index=osmids)
    e = edges_gdf.reset_index()
    u = pos.loc[e["u"].to_numpy()].to_numpy()
    v = pos.loc[e["v"].to_numpy()].to_numpy()
    geoms = e.geometry.to_numpy()

    # Undirected: a walk graph stores each way both ways; keep one copy per (pair, geometry).
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    lengths = shapely.length(geoms)
    key = pd.DataFrame({"a": a, "b": b, "len": np.round(lengths, 3)})
    first = ~key.duplicated()
    u, v, geoms, lengths = u[first], v[first], geoms[first], lengths[first]
    e = e.loc[first.to_numpy()]

    def _col(name: str) -> list[Any]:
        # osmnx merges the attributes of simplified edges into lists built from sets, whose order
        # varies between processes; take the smallest value so results are reproducible.
        if name not in e:
            return [None] * len(e)
        return [x if not isinstance(x, list) else min(x, key=lambda y: (str(type(y)), y)) for x in e[name].tolist()]

    n_all = len(osmids)
    labels = _component_labels(n_all, u, v)
    counts = np.bincount(labels)
    main = int(np.argmax(counts))
    keep_node = labels == main
    keep_edge = keep_node[u]
    new_pos = np.full(n_all, -1, dtype=np.int64)
    new_pos[keep_node] = np.arange(int(keep_node.sum()))

    node_geoms = shapely.points(nodes_gdf["x"].to_numpy(), nodes_gdf["y"].to_numpy())
    nodes = gpd.GeoDataFrame(
        {"osmid": osmids[keep_node].astype(np.int64)},
        geometry=node_geoms[keep_node],
        crs=target,
    )
    edges = gpd.GeoDataFrame(
        {
            "u": new_pos[u[keep_edge]],
            "v": new_pos[v[keep_edge]],
            "length": lengths[keep_edge],
            "osmid": pd.array(np.asarray(_col("osmid"), dtype=object)[keep_edge], dtype="Int64"),
            "highway": np.asarray(_col("highway"), dtype=object)[keep_edge],
            "name": np.asarray(_col("name"), dtype=object)[keep_edge],
        },
        geometry=geoms[keep_edge],
        crs=target,
    )
    edges = edges.reset_index(drop=True)
    rapport = {
        "componenten": len(counts),
        "knooppunten_totaal": int(n_all),
        "knooppunten_verwijderd": int(n_all - keep_node.sum()),
        "lijnen_totaal": len(u),
        "lijnen_verwijderd": int(len(u) - keep_edge.sum()),
    }
    return Netwerk(nodes=nodes, edges=edges, crs=target, rapport=rapport)
