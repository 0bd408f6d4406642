"""Vlekkenplan engine on a hand-checkable grid.

The grid (``raster_netwerk()``) has 5 x 5 nodes 100 m apart; node ``i`` sits at
``(i % 5 * 100, i // 5 * 100)`` in EPSG:28992. Expected distances are worked out by hand in the
comments.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from kansenkaart.errors import CRSError, ValidationError
from kansenkaart.vlekkenplan import (
    afstanden_tot_voorzieningen,
    afstanden_voor_locaties,
    bereikbaarheid_laag,
    gebiedsstatistiek,
    isochronen,
    snap_punten,
    voorbereid_netwerk,
)
from tests._netwerk_fixtures import raster_netwerk

RD = "EPSG:28992"


@pytest.fixture(scope="module")
def raster():
    return raster_netwerk()


def _punten(rows: list[dict], crs: str = RD) -> gpd.GeoDataFrame:
    geoms = [Point(r.pop("xy")) for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@pytest.fixture(scope="module")
def voorzieningen() -> gpd.GeoDataFrame:
    return _punten(
        [
            # on edge 1-2, exactly in the middle, on the path (offset 0)
            {"id": "s1", "categorie": "supermarkt", "xy": (150.0, 0.0)},
            # 10 m west of edge 10-15 (x = 0, y 200..300), halfway: offset 10
            {"id": "h1", "categorie": "huisarts", "xy": (-10.0, 250.0)},
            # 1 km away from the grid: beyond the 250 m snapping limit
            {"id": "h2", "categorie": "huisarts", "xy": (1400.0, 1400.0)},
            # exactly on node 24 (400, 400)
            {"id": "o1", "categorie": "ontmoetingsruimte", "xy": (400.0, 400.0)},
            {"id": "o2", "categorie": "ontmoetingsruimte", "xy": (0.0, 0.0)},
            # not a category we compute
            {"id": "x1", "categorie": "bakker", "xy": (200.0, 200.0)},
        ]
    )


CATS = ("supermarkt", "huisarts", "ontmoetingsruimte", "apotheek")


@pytest.fixture(scope="module")
def node_afstanden(raster, voorzieningen):
    return afstanden_tot_voorzieningen(raster, voorzieningen, categorieen=CATS, cutoff_m=600.0)


# --------------------------------------------------------------------------------------------
# snapping
# --------------------------------------------------------------------------------------------


def test_snap_point_in_middle_of_edge_gets_partial_lengths(raster):
    pts = _punten([{"xy": (350.0, 10.0)}, {"xy": (120.0, -5.0)}])
    s = snap_punten(raster, pts)
    first = s.iloc[0]
    # nearest edge is 3-4 (y = 0, x 300..400); the foot of the perpendicular is (350, 0)
    assert {int(first["u"]), int(first["v"])} == {3, 4}
    assert first["snap_afstand_m"] == pytest.approx(10.0)
    assert first["deel_u_m"] == pytest.approx(50.0)
    assert first["deel_v_m"] == pytest.approx(50.0)
    assert (first["snap_x"], first["snap_y"]) == pytest.approx((350.0, 0.0))
    second = s.iloc[1]
    assert {int(second["u"]), int(second["v"])} == {1, 2}
    assert second["deel_u_m"] == pytest.approx(20.0)
    assert second["deel_v_m"] == pytest.approx(80.0)
    assert bool(s["bereikbaar"].all())


def test_snap_beyond_limit_is_unreachable_never_zero(raster):
    pts = _punten([{"xy": (1000.0, 1000.0)}, {"xy": (200.0, 0.0)}])
    s = snap_punten(raster, pts, max_snap_m=250.0)
    far = s.iloc[0]
    assert not far["bereikbaar"]
    assert "verder dan 250 m" in far["reden"]
    assert "849 m" in far["reden"]  # distance to (400, 400) = 600 * sqrt(2)
    assert math.isnan(far["snap_afstand_m"]) and math.isnan(far["deel_u_m"])
    assert pd.isna(far["lijn"])
    assert s["bereikbaar"].iloc[1] and pd.isna(s["reden"].iloc[1])
    assert s["snap_afstand_m"].iloc[1] == pytest.approx(0.0)


def test_snap_empty_geometry_and_projection(raster):
    pts = gpd.GeoDataFrame(geometry=[None, Point(150.0, 0.0)], crs=RD)
    s = snap_punten(raster, pts)
    assert not s["bereikbaar"].iloc[0] and s["reden"].iloc[0] == "geen geometrie"
    # the same point in WGS84 is projected to the network CRS first
    wgs = gpd.GeoDataFrame(geometry=[Point(150.0, 0.0)], crs=RD).to_crs("EPSG:4326")
    s2 = snap_punten(raster, wgs)
    assert s2.iloc[0]["deel_u_m"] == pytest.approx(50.0, abs=1e-3)


def test_missing_crs_is_rejected(raster):
    with pytest.raises(CRSError):
        snap_punten(raster, gpd.GeoDataFrame(geometry=[Point(0, 0)]))


# --------------------------------------------------------------------------------------------
# node distances
# --------------------------------------------------------------------------------------------


def test_node_distances_by_hand(node_afstanden):
    d = node_afstanden.afstand["supermarkt"]
    # s1 sits halfway along edge 1-2
    assert d[1] == pytest.approx(50.0)
    assert d[2] == pytest.approx(50.0)
    assert d[0] == pytest.approx(150.0)
    assert d[6] == pytest.approx(150.0)  # (100, 100)
    assert d[12] == pytest.approx(250.0)  # (200, 200)
    assert d[23] == pytest.approx(550.0)  # (300, 400): 50 + 100 + 400
    assert np.isinf(d[24])  # (400, 400): 650 > cutoff 600
    ids = node_afstanden.dichtstbij_id("supermarkt")
    assert ids[0] == "s1" and ids[24] is None
    # huisarts h1: offset 10, then 50 m to node 10 (0, 200) and to node 15 (0, 300)
    dh = node_afstanden.afstand["huisarts"]
    assert dh[10] == pytest.approx(60.0)
    assert dh[15] == pytest.approx(60.0)
    assert dh[11] == pytest.approx(160.0)


def test_nearest_of_several_and_unreachable_voorziening(node_afstanden):
    ids = node_afstanden.dichtstbij_id("ontmoetingsruimte")
    d = node_afstanden.afstand["ontmoetingsruimte"]
    assert ids[0] == "o2" and d[0] == pytest.approx(0.0, abs=1e-6)
    assert ids[24] == "o1" and d[24] == pytest.approx(0.0, abs=1e-6)
    assert ids[3] == "o2" and d[3] == pytest.approx(300.0)  # (300, 0): 300 from o2, 500 from o1
    onb = node_afstanden.onbereikbaar
    assert list(onb["id"]) == ["h2"]
    assert "verder dan 250 m" in onb.iloc[0]["reden"]
    assert node_afstanden.zonder_voorzieningen == ("apotheek",)
    assert "bakker" not in set(node_afstanden.voorzieningen["categorie"])


def test_node_distances_match_networkx(raster, voorzieningen, node_afstanden):
    snapped = node_afstanden.voorzieningen
    g = nx.Graph()
    for row in raster.edges.itertuples():
        g.add_edge(row.u, row.v, weight=row.length)
    for cat in ("supermarkt", "huisarts", "ontmoetingsruimte"):
        sources = []
        for row in snapped[(snapped["categorie"] == cat) & snapped["bereikbaar"]].itertuples():
            name = f"bron-{row.id}"
            g.add_edge(name, int(row.u), weight=row.snap_afstand_m + row.deel_u_m)
            g.add_edge(name, int(row.v), weight=row.snap_afstand_m + row.deel_v_m)
            sources.append(name)
        ref = nx.multi_source_dijkstra_path_length(g, sources, weight="weight")
        ours = node_afstanden.afstand[cat]
        for node in range(raster.n_nodes):
            expected = ref[node]
            if expected <= 600.0:
                assert ours[node] == pytest.approx(expected, abs=1e-6)
            else:
                assert np.isinf(ours[node])
        g.remove_nodes_from(sources)


# --------------------------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def locaties() -> gpd.GeoDataFrame:
    return _punten(
        [
            {"id": "midden", "xy": (350.0, 10.0)},  # edge 3-4, 10 m off the path
            {"id": "zelfde_lijn", "xy": (120.0, 5.0)},  # same edge as s1
            {"id": "ver_weg", "xy": (1000.0, 1000.0)},  # beyond the snapping limit
            {"id": "hoek", "xy": (400.0, 390.0)},  # on edge 19-24, 10 m below node 24
        ]
    )


def test_location_distances_by_hand(raster, node_afstanden, locaties):
    out = afstanden_voor_locaties(raster, node_afstanden, locaties, loopsnelheid_m_per_min=50.0)
    out = out.set_index("code")
    # 10 m offset + 50 m to node 3 + 150 m from node 3 back to s1
    assert out.loc["midden", "afstand_supermarkt_m"] == pytest.approx(210.0)
    assert out.loc["midden", "minuten_supermarkt"] == pytest.approx(210.0 / 50.0)
    assert out.loc["midden", "dichtstbij_supermarkt"] == "s1"
    assert out.loc["midden", "status_supermarkt"] == "binnen"
    assert out.loc["midden", "snap_afstand_m"] == pytest.approx(10.0)
    # on the same edge as s1: straight along the edge, 30 m, plus the 5 m offset (not 5 + 20 + 50)
    assert out.loc["zelfde_lijn", "afstand_supermarkt_m"] == pytest.approx(35.0)
    # unreachable: NaN and a reason in every category, never 0
    far = out.loc["ver_weg"]
    assert not far["bereikbaar"]
    for c in ("supermarkt", "huisarts", "ontmoetingsruimte"):
        assert math.isnan(far[f"afstand_{c}_m"]) and math.isnan(far[f"minuten_{c}"])
        assert far[f"status_{c}"].startswith("onbereikbaar: verder dan 250 m")
        assert pd.isna(far[f"dichtstbij_{c}"])
        assert pd.isna(far[f"aantal_{c}_binnen_600m"])
    # beyond the cutoff: 10 + 650 > 600
    hoek = out.loc["hoek"]
    assert math.isnan(hoek["afstand_supermarkt_m"])
    assert hoek["status_supermarkt"] == "niet binnen 600 m"
    assert pd.isna(hoek["dichtstbij_supermarkt"])
    # ... but 10 m along the edge from o1 on node 24
    assert hoek["afstand_ontmoetingsruimte_m"] == pytest.approx(10.0)
    assert hoek["dichtstbij_ontmoetingsruimte"] == "o1"
    # a category without voorzieningen says so
    assert (out["status_apotheek"].drop("ver_weg") == "geen bereikbare voorzieningen").all()
    assert out["afstand_apotheek_m"].isna().all()
    assert (out["niveau"] == "locatie").all()
    assert out.crs == raster.crs


def test_counts_within_radius(raster, node_afstanden, locaties):
    out = afstanden_voor_locaties(raster, node_afstanden, locaties, aantal_binnen_m=(300.0, 1000.0))
    out = out.set_index("code")
    # midden (350, 10): o2 at 10 + 350 = 360 m, o1 at 10 + 50 + 400 = 460 m
    assert out.loc["midden", "aantal_ontmoetingsruimte_binnen_300m"] == 0
    assert out.loc["midden", "aantal_ontmoetingsruimte_binnen_1000m"] == 2
    # zelfde_lijn (120, 5): o2 at 5 + 120 = 125 m; o1 at 5 + 80 + 200 + 400 = 685 m
    assert out.loc["zelfde_lijn", "aantal_ontmoetingsruimte_binnen_300m"] == 1
    assert out.loc["zelfde_lijn", "aantal_supermarkt_binnen_300m"] == 1
    assert out.loc["zelfde_lijn", "aantal_ontmoetingsruimte_binnen_1000m"] == 2


def test_graph_nodes_as_locations(raster, node_afstanden):
    out = afstanden_voor_locaties(raster, node_afstanden, None, aantal_binnen_m=())
    assert len(out) == raster.n_nodes
    assert out.attrs["locaties"] == "knooppunten"
    d = node_afstanden.afstand["supermarkt"]
    finite = np.isfinite(d)
    np.testing.assert_allclose(out["afstand_supermarkt_m"].to_numpy()[finite], d[finite])
    assert out["afstand_supermarkt_m"].isna().to_numpy()[~finite].all()
    assert (out["status_supermarkt"].to_numpy()[~finite] == "niet binnen 600 m").all()


def test_node_afstanden_of_other_network_is_rejected(node_afstanden, locaties):
    other = raster_netwerk(3, 3)
    with pytest.raises(ValidationError, match="ander wandelnetwerk"):
        afstanden_voor_locaties(other, node_afstanden, locaties)


def test_invalid_arguments(raster, voorzieningen):
    with pytest.raises(ValidationError):
        afstanden_tot_voorzieningen(raster, voorzieningen, cutoff_m=-1)
    with pytest.raises(ValidationError, match="Kolom 'soort'"):
        afstanden_tot_voorzieningen(raster, voorzieningen, categorie_kolom="soort")
    with pytest.raises(ValidationError):
        afstanden_tot_voorzieningen(raster, voorzieningen, max_snap_m=float("nan"))
    geo = raster_netwerk(crs="EPSG:4326")
    with pytest.raises(CRSError):
        voorbereid_netwerk(geo)


# --------------------------------------------------------------------------------------------
# per-area statistics
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def woningen() -> gpd.GeoDataFrame:
    return _punten(
        [
            {"id": "A", "aantal_woningen": 10, "xy": (0.0, 0.0)},  # supermarkt 150 m
            {"id": "B", "aantal_woningen": 30, "xy": (0.0, 100.0)},  # 250 m
            {"id": "C", "aantal_woningen": 5, "xy": (300.0, 0.0)},  # 150 m
            {"id": "E", "aantal_woningen": 1, "xy": (300.0, 100.0)},  # 250 m
            {"id": "D", "aantal_woningen": 5, "xy": (400.0, 400.0)},  # 650 m: beyond the cutoff
            {"id": "F", "aantal_woningen": 100, "xy": (250.0, 50.0)},  # 50 m from every path
        ]
    )


@pytest.fixture(scope="module")
def buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["BU01", "BU02", "BU03"], "naam": ["West", "Oost", "Leeg"]},
        geometry=[box(-50, -50, 199, 450), box(199, -50, 450, 450), box(1000, 1000, 1100, 1100)],
        crs=RD,
    )


@pytest.fixture(scope="module")
def woning_afstanden(raster, node_afstanden, woningen):
    # max_snap_m = 20 makes F (50 m from every path) onbereikbaar
    return afstanden_voor_locaties(raster, node_afstanden, woningen, max_snap_m=20.0)


def test_area_statistics_weighted_by_hand(woning_afstanden, buurten):
    st = gebiedsstatistiek(
        woning_afstanden, buurten, niveau="buurt", gewicht_kolom="aantal_woningen", pantoffelzone_m=200.0
    ).set_index("code")
    west, oost, leeg = st.loc["BU01"], st.loc["BU02"], st.loc["BU03"]
    assert west["weging"] == "woningen (aantal_woningen)"
    assert west["niveau"] == "buurt" and west["naam"] == "West"
    # West: A 150 m (10 homes), B 250 m (30 homes)
    assert west["gem_afstand_supermarkt_m"] == pytest.approx((10 * 150 + 30 * 250) / 40)
    assert west["med_afstand_supermarkt_m"] == pytest.approx(250.0)
    assert west["aandeel_pantoffelzone_supermarkt"] == pytest.approx(10 / 40)
    assert west["aandeel_niet_binnen_cutoff_supermarkt"] == pytest.approx(0.0)
    assert west["gem_aantal_supermarkt_binnen_600m"] == pytest.approx(1.0)
    assert west["n_locaties"] == 2 and west["n_onbereikbaar"] == 0
    assert west["gewicht_totaal"] == pytest.approx(40)
    # Oost: C 150 m (5), E 250 m (1), D beyond the cutoff (5), F onbereikbaar (left out)
    assert oost["n_locaties"] == 4 and oost["n_onbereikbaar"] == 1
    assert oost["gewicht_totaal"] == pytest.approx(11)
    assert math.isnan(oost["gem_afstand_supermarkt_m"])  # D's distance is unknown: no mean
    assert oost["med_afstand_supermarkt_m"] == pytest.approx(250.0)  # 5.5 of 11 homes reached at E
    assert oost["aandeel_pantoffelzone_supermarkt"] == pytest.approx(5 / 11)
    assert oost["aandeel_niet_binnen_cutoff_supermarkt"] == pytest.approx(5 / 11)
    assert oost["gem_aantal_supermarkt_binnen_600m"] == pytest.approx(6 / 11)
    # an area without locations: counts 0, statistics NaN
    assert leeg["n_locaties"] == 0 and math.isnan(leeg["gem_afstand_supermarkt_m"])
    assert st.crs == woning_afstanden.crs


def test_area_statistics_unweighted(woning_afstanden, buurten):
    st = gebiedsstatistiek(woning_afstanden, buurten, niveau="wijk", pantoffelzone_m=200.0).set_index("code")
    west = st.loc["BU01"]
    assert west["weging"] == "ongewogen (locaties)"
    assert west["gem_afstand_supermarkt_m"] == pytest.approx(200.0)
    assert west["med_afstand_supermarkt_m"] == pytest.approx(200.0)  # halfway between 150 and 250
    assert west["aandeel_pantoffelzone_supermarkt"] == pytest.approx(0.5)
    assert (st["niveau"] == "wijk").all()


def test_area_statistics_rejects_bad_input(woning_afstanden, buurten):
    with pytest.raises(ValidationError, match="niveau"):
        gebiedsstatistiek(woning_afstanden, buurten, niveau="provincie")
    with pytest.raises(ValidationError, match="pantoffelzone"):
        gebiedsstatistiek(woning_afstanden, buurten, niveau="buurt", pantoffelzone_m=800.0)  # cutoff 600
    with pytest.raises(ValidationError, match="Gewichtkolom"):
        gebiedsstatistiek(woning_afstanden, buurten, niveau="buurt", gewicht_kolom="inwoners")


def test_node_weighting_label_and_layer(raster, node_afstanden, buurten):
    nodes = afstanden_voor_locaties(raster, node_afstanden, None, aantal_binnen_m=())
    st = gebiedsstatistiek(nodes, buurten, niveau="gemeente", pantoffelzone_m=600.0)
    assert set(st["weging"]) == {"ongewogen (knooppunten)"}
    laag = bereikbaarheid_laag(nodes, st)
    assert list(laag.columns[:3]) == ["niveau", "code", "naam"]
    assert set(laag["niveau"]) == {"locatie", "gemeente"}
    assert len(laag) == len(nodes) + len(st)
    assert laag.crs == raster.crs


# --------------------------------------------------------------------------------------------
# isochrones
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zones(raster, voorzieningen):
    return isochronen(raster, voorzieningen, categorieen=("supermarkt",), banden_m=(100.0, 300.0, 600.0))


def test_isochrone_bands_are_disjoint_and_cover_the_zone(raster, voorzieningen, zones):
    assert list(zones["band_tot_m"]) == [100.0, 300.0, 600.0]
    assert list(zones["band_van_m"]) == [0.0, 100.0, 300.0]
    geoms = zones.geometry.to_numpy()
    for i in range(3):
        for j in range(i + 1, 3):
            assert shapely.intersection(geoms[i], geoms[j]).area < 1e-6
    whole = isochronen(raster, voorzieningen, categorieen=("supermarkt",), banden_m=(600.0,)).geometry.iloc[0]
    union = shapely.union_all(geoms)
    assert shapely.symmetric_difference(union, whole).area < 1e-3
    assert zones.crs == raster.crs
    assert set(zones.geom_type) == {"MultiPolygon"}
    assert zones["voorziening_id"].isna().all()


def test_isochrone_cuts_edges_at_the_remaining_distance(zones):
    band100 = zones.geometry.iloc[0]
    # within 100 m of s1 (150, 0): the path y = 0 from x = 50 to x = 250, and 50 m up x = 100 and x = 200
    assert band100.contains(Point(150, 0))
    assert band100.contains(Point(30, 0))  # 20 m past the cut at x = 50: inside the 25 m strip
    assert not band100.intersects(Point(20, 0))  # 30 m past the cut
    assert band100.contains(Point(100, 70))  # 20 m past the cut at (100, 50)
    assert not band100.intersects(Point(100, 80))
    assert not band100.intersects(Point(0, 0))  # node 0 is 150 m away
    # node 0 (150 m) is in the 100-300 band, node 24 (650 m) in none
    assert zones.geometry.iloc[1].contains(Point(0, 0))
    assert not shapely.union_all(zones.geometry.to_numpy()).intersects(Point(400, 400))
    # the 100 m band is a strip around 200 + 2 * 50 m of path; its area is at most (len + 2r) * 2r
    assert band100.area <= (300 + 4 * 25) * 50 + 1


def test_isochrone_per_voorziening(raster, voorzieningen):
    per = isochronen(
        raster, voorzieningen, categorieen=("ontmoetingsruimte",), banden_m=(100.0,), per_voorziening=True
    )
    assert sorted(per["voorziening_id"]) == ["o1", "o2"]
    o2 = per.set_index("voorziening_id").geometry["o2"]
    # the 100 m zone around the ontmoetingsruimte at (0, 0)
    assert o2.contains(Point(90, 0)) and o2.contains(Point(0, 90))
    assert not o2.intersects(Point(140, 0))
    assert not o2.intersects(Point(400, 400))
    # two L-shaped arms of 100 m with a 25 m strip: area below (200 + 2r) * 2r
    assert 100 * 50 < o2.area <= (200 + 2 * 25) * 50 + 1


def test_isochrone_validation(raster, voorzieningen):
    with pytest.raises(ValidationError, match="oplopen"):
        isochronen(raster, voorzieningen, banden_m=(300.0, 100.0))
    with pytest.raises(ValidationError):
        isochronen(raster, voorzieningen, buffer_m=0)


def test_no_reachable_voorziening_at_all(raster):
    far = _punten([{"id": "ver", "categorie": "supermarkt", "xy": (5000.0, 5000.0)}])
    na = afstanden_tot_voorzieningen(raster, far, categorieen=("supermarkt",))
    assert na.zonder_voorzieningen == ("supermarkt",)
    assert (na.dichtstbij["supermarkt"] == -1).all()
    assert np.isinf(na.afstand["supermarkt"]).all()
    out = afstanden_voor_locaties(raster, na, None, aantal_binnen_m=(600.0,))
    assert (out["status_supermarkt"] == "geen bereikbare voorzieningen").all()
    assert (out["aantal_supermarkt_binnen_600m"] == 0).all()
    assert len(isochronen(raster, far, categorieen=("supermarkt",))) == 0


def test_isochrones_in_worker_threads_equal_serial(raster, voorzieningen, zones):
    par = isochronen(raster, voorzieningen, categorieen=("supermarkt",), threads=2)
    for a, b in zip(zones.geometry, par.geometry, strict=True):
        assert shapely.symmetric_difference(a, b).area < 1e-9
