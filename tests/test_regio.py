"""Tests of the region files and the CRS helpers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from kansenkaart.crs import check_crs, crs_uri, parse_crs_uri, to_metric, to_web
from kansenkaart.errors import CRSError, RegionError
from kansenkaart.regio import beschikbare_regios, laad_regio


def test_gooi_en_vechtstreek_has_seven_gemeenten_with_cbs_codes() -> None:
    r = laad_regio("gooi-en-vechtstreek")
    assert set(r.gemeentecodes) == {"GM0402", "GM1942", "GM0406", "GM0376", "GM0417", "GM0317", "GM1696"}
    assert r.gemeente("GM0402").naam == "Hilversum"
    assert r.crs == "EPSG:28992"


def test_need_figures_match_the_sources_and_eemnes_is_unknown() -> None:
    r = laad_regio("gooi-en-vechtstreek")
    h = r.gemeente("GM0402").behoefte
    assert (h["nultreden"].waarde, h["geclusterd"].waarde, h["zorggeschikt"].waarde) == (925, 505, 130)
    eemnes = r.gemeente("GM0317").behoefte
    assert all(b.waarde is None and b.status == "onbekend" for b in eemnes.values())
    assert "Woondeal" in eemnes["nultreden"].toelichting
    # Bijlage 2: the per-gemeente nultreden and geclusterd figures add up to the region totals.
    nul = sum(g.behoefte["nultreden"].waarde or 0 for g in r.gemeenten)
    gecl = sum(g.behoefte["geclusterd"].waarde or 0 for g in r.gemeenten)
    assert (nul, gecl) == (r.regio_behoefte["nultreden"].waarde, r.regio_behoefte["geclusterd"].waarde) == (2200, 1025)
    # The ambiguous zorggeschikt column is recorded but not used as a value.
    gm = r.gemeente("GM1942").behoefte["zorggeschikt"]
    assert gm.waarde is None and gm.status == "ambigu" and gm.extra["waarde_bijlage2"] == 720


def test_norms_have_sources() -> None:
    r = laad_regio("gooi-en-vechtstreek")
    assert r.norm("ontmoetingsruimte_max_m") == 100
    assert r.norm("min_woningen_cluster") == 12
    assert r.norm("pantoffelzone_m") == 600
    assert r.norm("loopsnelheid_m_per_min") == 50
    for n in r.normen.values():
        assert n.bron in r.bronnen, n.naam


def test_unknown_region_lists_available() -> None:
    with pytest.raises(RegionError, match="gooi-en-vechtstreek"):
        laad_regio("atlantis")
    assert "gooi-en-vechtstreek" in beschikbare_regios()


def test_custom_region_file_is_validated(tmp_path: Path) -> None:
    src = laad_regio("gooi-en-vechtstreek").pad
    assert src is not None
    good = tmp_path / "mijnregio.toml"
    good.write_text(src.read_text(encoding="utf-8").replace('id = "gooi-en-vechtstreek"', 'id = "mijnregio"'))
    assert laad_regio(good).id == "mijnregio"
    bad = tmp_path / "fout.toml"
    bad.write_text(src.read_text(encoding="utf-8").replace('code = "GM0402"', 'code = "0402"'))
    with pytest.raises(RegionError, match="0402"):
        laad_regio(bad)
    broken = tmp_path / "kapot.toml"
    broken.write_text("id = [")
    with pytest.raises(RegionError, match="TOML"):
        laad_regio(broken)


def test_crs_helpers_reject_missing_crs_and_round_trip() -> None:
    g = gpd.GeoDataFrame(geometry=[shapely.Point(5.17, 52.22)])
    with pytest.raises(CRSError):
        check_crs(g)
    g = g.set_crs(4326)
    rd = to_metric(g)
    assert rd.crs.to_epsg() == 28992
    assert 130_000 < rd.geometry.x.iloc[0] < 150_000
    back = to_web(rd)
    assert abs(back.geometry.x.iloc[0] - 5.17) < 1e-7
    with pytest.raises(CRSError):
        to_metric(g, crs="EPSG:4326")
    assert crs_uri("EPSG:28992") == "http://www.opengis.net/def/crs/EPSG/0/28992"
    assert parse_crs_uri("http://www.opengis.net/def/crs/EPSG/0/28992").to_epsg() == 28992
    assert parse_crs_uri("http://www.opengis.net/def/crs/OGC/1.3/CRS84").to_string() == "OGC:CRS84"
    with pytest.raises(CRSError):
        parse_crs_uri("http://www.opengis.net/def/crs/EPSG/0/nope")
