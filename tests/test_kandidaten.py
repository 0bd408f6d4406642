"""Tests of candidate generation (kansenkaart.kandidaten)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kansenkaart.errors import CRSError, LimitError, ValidationError
from kansenkaart.kandidaten import (
    KANDIDAAT_KOLOMMEN,
    bebouwd_gebied,
    gemeentecode_uit_locatie,
    kandidaten_uit_lagen,
    locatiepunten,
    raster,
)

RD = "EPSG:28992"


@pytest.fixture
def lagen() -> dict[str, gpd.GeoDataFrame]:
    # An L-shaped complex: its centroid lies outside, its representative point inside.
    l_vorm = shapely.Polygon([(0, 0), (100, 0), (100, 10), (10, 10), (10, 100), (0, 100)])
    wc = gpd.GeoDataFrame(
        {
            "id": ["w1", "w2"],
            "naam": ["De Hof", "Serviceflat"],
            "aantal_woningen": [24, 8],
            "ontmoetingsruimte": pd.array([True, False], dtype="boolean"),
            "gemeentecode": ["GM0402", None],
        },
        geometry=[l_vorm, shapely.Point(500, 500)],
        crs=RD,
    )
    nb = gpd.GeoDataFrame(
        {"id": ["n1"], "naam": ["Plan Oost"], "aantal_woningen": [60], "gemeentecode": ["GM0402"]},
        geometry=[shapely.box(1000, 1000, 1100, 1100)],
        crs=RD,
    )
    kansen = gpd.GeoDataFrame(
        {
            "id": ["k1", "k2", "k3"],
            "naam": ["Kans 1", "Kans 2", "Kans 3"],
            "status": ["idee", "vervallen", "gerealiseerd"],
            "aantal_woningen": [None, 10, 20],
            "gemeentecode": [None, None, None],
        },
        geometry=shapely.points([[2000, 2000], [2100, 2100], [2200, 2200]]),
        crs=RD,
    )
    return {"wooncomplexen": wc, "nieuwbouwplannen": nb, "kansen": kansen}


def test_candidates_from_layers(lagen: dict[str, gpd.GeoDataFrame]) -> None:
    k = kandidaten_uit_lagen(**lagen)
    assert list(k.columns) == [*KANDIDAAT_KOLOMMEN, "geometry"]
    assert list(k["kandidaat_type"]) == ["wooncomplex", "wooncomplex", "nieuwbouwplan", "kans"]
    assert list(k["kandidaat_id"]) == ["wooncomplex:w1", "wooncomplex:w2", "nieuwbouwplan:n1", "kans:k1"]
    assert list(k["bron_id"]) == ["w1", "w2", "n1", "k1"]
    assert (k.geom_type == "Point").all()
    assert lagen["wooncomplexen"].geometry.iloc[0].contains(k.geometry.iloc[0])
    assert k["ontmoetingsruimte"].tolist()[:2] == [True, False]
    assert k["ontmoetingsruimte"].iloc[2:].isna().all()  # unknown for plans and kansen
    assert k["aantal_woningen"].iloc[3] is pd.NA
    assert k.crs == RD


def test_candidates_from_nothing() -> None:
    k = kandidaten_uit_lagen()
    assert len(k) == 0 and list(k.columns) == [*KANDIDAAT_KOLOMMEN, "geometry"]


def test_candidates_reject_missing_crs(lagen: dict[str, gpd.GeoDataFrame]) -> None:
    wc = lagen["wooncomplexen"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        kandidaten_uit_lagen(wooncomplexen=wc)


def test_grid_covers_area_with_aligned_cells() -> None:
    gebied = shapely.box(60, 60, 460, 260)
    r = raster(gpd.GeoSeries([gebied], crs=RD), celgrootte_m=100)
    centra = locatiepunten(r)
    # The grid is aligned to multiples of 100 m; the cells whose centre lies inside are kept.
    assert sorted({round(p.x) for p in centra}) == [150, 250, 350, 450]
    assert sorted({round(p.y) for p in centra}) == [150, 250]
    assert len(r) == 8
    assert (r.geom_type == "Polygon").all()
    assert set(r.geometry.area.round(6)) == {10000.0}
    bounds = r.geometry.bounds
    assert (bounds["minx"] % 100 == 0).all() and (bounds["miny"] % 100 == 0).all()
    assert r["kandidaat_id"].iloc[0] == "raster:100m:100:100"
    assert r["kandidaat_id"].is_unique
    assert (r["kandidaat_type"] == "raster").all()
    assert r["aantal_woningen"].isna().all()
    assert r.crs == RD


def test_grid_ids_are_stable_and_binnen_filters() -> None:
    gebied = gpd.GeoSeries([shapely.box(0, 0, 1000, 1000)], crs=RD)
    a = raster(gebied, celgrootte_m=250)
    b = raster(gebied, celgrootte_m=250)
    assert len(a) == 16 and list(a["kandidaat_id"]) == list(b["kandidaat_id"])
    half = gpd.GeoSeries([shapely.box(0, 0, 500, 1000)], crs=RD)
    c = raster(gebied, celgrootte_m=250, binnen=half)
    assert len(c) == 8
    assert set(c["kandidaat_id"]) <= set(a["kandidaat_id"])


def test_grid_limits_and_errors() -> None:
    gebied = gpd.GeoSeries([shapely.box(0, 0, 10_000, 10_000)], crs=RD)
    with pytest.raises(LimitError, match="celgrootte"):
        raster(gebied, celgrootte_m=10, max_cellen=100_000)
    with pytest.raises(ValidationError):
        raster(gebied, celgrootte_m=0)
    with pytest.raises(CRSError):
        raster(gpd.GeoSeries([shapely.box(5, 52, 5.1, 52.1)], crs="EPSG:4326"))
    with pytest.raises(CRSError):
        raster(shapely.box(0, 0, 10, 10))
    assert len(raster(gpd.GeoSeries([], crs=RD))) == 0


def test_built_up_area_follows_residential_streets() -> None:
    wegen = gpd.GeoDataFrame(
        {"highway": ["residential", "footway", ["living_street", "service"]]},
        geometry=[
            shapely.LineString([(0, 0), (1000, 0)]),
            shapely.LineString([(0, 5000), (1000, 5000)]),
            shapely.LineString([(0, 2000), (1000, 2000)]),
        ],
        crs=RD,
    )
    geb = bebouwd_gebied(wegen, afstand_m=75)
    assert len(geb) == 2  # the footway through the heath is not built-up
    r = raster(geb, celgrootte_m=100)
    ys = np.array([p.y for p in locatiepunten(r)])
    assert set(np.round(ys)) == {-50, 50, 1950, 2050}
    # Without OSM tags every edge counts.
    kaal = wegen.drop(columns="highway")
    assert len(bebouwd_gebied(kaal)) == 3
    assert bebouwd_gebied(kaal).attrs["wegtypen"] == "alle"
    # Only footpaths: nothing is built-up.
    assert len(bebouwd_gebied(wegen.assign(highway="footway"))) == 0


def _lijn(x0: float, y0: float, x1: float, y1: float) -> shapely.LineString:
    return shapely.LineString([(x0, y0), (x1, y1)])


def test_built_up_area_includes_dense_main_streets_not_rural_roads() -> None:
    # A town centre: tertiary streets every 100 m (a 600 × 600 m grid, one edge per block side).
    centrum = [_lijn(x, y, x + 100, y) for x in range(0, 600, 100) for y in range(0, 700, 100)]
    centrum += [_lijn(x, y, x, y + 100) for x in range(0, 700, 100) for y in range(0, 600, 100)]
    # Through the heath: a lone secondary road and a crossroads of two tertiary roads.
    heide = [_lijn(5000, 0, 7000, 0), _lijn(5000, 3000, 7000, 3000), _lijn(6000, 2000, 6000, 4000)]
    wegen = gpd.GeoDataFrame(
        {"highway": ["tertiary"] * len(centrum) + ["secondary", "tertiary", "tertiary"]},
        geometry=centrum + heide,
        crs=RD,
    )
    geb = bebouwd_gebied(wegen)
    assert "800 m straat binnen 150 m" in geb.attrs["wegtypen"]
    cellen = locatiepunten(raster(geb, celgrootte_m=100))
    x = np.array([p.x for p in cellen])
    assert (x < 1000).all()  # nothing along the heath roads
    assert len(cellen) >= 36  # every cell of the 600 × 600 m town
    assert len(bebouwd_gebied(wegen, min_straatlengte_m=None)) == 0  # only the woonstraat rule


def test_location_points_use_cell_centre_and_representative_point(lagen: dict[str, gpd.GeoDataFrame]) -> None:
    r = raster(gpd.GeoSeries([shapely.box(0, 0, 200, 100)], crs=RD), celgrootte_m=100)
    pts = locatiepunten(r)
    assert sorted((p.x, p.y) for p in pts) == [(50.0, 50.0), (150.0, 50.0)]
    vlak = gpd.GeoDataFrame({"kandidaat_type": ["kans"]}, geometry=[lagen["wooncomplexen"].geometry.iloc[0]], crs=RD)
    assert vlak.geometry.iloc[0].contains(locatiepunten(vlak).iloc[0])


def test_gemeentecode_from_location(lagen: dict[str, gpd.GeoDataFrame]) -> None:
    gemeenten = gpd.GeoDataFrame(
        {"code": ["GM0402", "GM0406"]},
        geometry=[shapely.box(-10, -10, 1500, 1500), shapely.box(1500, 1500, 3000, 3000)],
        crs=RD,
    )
    codes = gemeentecode_uit_locatie(lagen["kansen"], gemeenten=gemeenten)
    assert codes.tolist() == ["GM0406", "GM0406", "GM0406"]
    wc = gemeentecode_uit_locatie(lagen["wooncomplexen"], gemeenten=gemeenten)
    assert wc.tolist() == ["GM0402", "GM0402"]  # w2 filled from its location
    assert gemeentecode_uit_locatie(lagen["kansen"], gemeenten=None).isna().all()
