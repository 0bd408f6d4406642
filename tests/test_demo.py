"""Tests of the bundled demo workspace (``kansenkaart demo``): real OSM data of Helsinki plus example data."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.demo import (
    VOORBEELD,
    VOORBEELDGEMEENTEN,
    DemoResultaat,
    bouw_demo,
    helsinki_pbf,
    maak_demo_lagen,
)
from kansenkaart.errors import ConflictError
from kansenkaart.io.osm import OsmResultaat, laad_gebouwen, laad_osm, laad_werkruimte_netwerk
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.regio import NORMEN_VEREIST, laad_regio
from kansenkaart.schemas import LAGEN

GEGENEREERD = ("gemeenten", "wijken", "buurten", "nultredenwoningen", "zorggeschikte_woningen", "wooncomplexen",
               "zorgcentra", "nieuwbouwplannen", "kansen")
WONINGLAGEN = ("nultredenwoningen", "zorggeschikte_woningen", "wooncomplexen", "zorgcentra")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResultaat, float]:
    pad = tmp_path_factory.mktemp("demo") / "werkruimte"
    start = time.perf_counter()
    resultaat = bouw_demo(pad)
    return resultaat, time.perf_counter() - start


@pytest.fixture(scope="module")
def ws(demo: tuple[DemoResultaat, float]) -> Werkruimte:
    return Werkruimte.open(demo[0].pad)


@pytest.fixture(scope="module")
def bronnen(tmp_path_factory: pytest.TempPathFactory) -> tuple[OsmResultaat, gpd.GeoDataFrame]:
    pbf = helsinki_pbf()
    r = laad_osm(pbf, crs="EPSG:3067", cache_dir=tmp_path_factory.mktemp("cache"))
    return r, laad_gebouwen(pbf, crs="EPSG:3067")


def test_demo_region_file() -> None:
    r = laad_regio("voorbeeldregio")
    assert r.voorbeelddata and r.crs == "EPSG:3067"
    assert tuple((g.code, g.naam) for g in r.gemeenten) == VOORBEELDGEMEENTEN
    assert set(NORMEN_VEREIST) <= set(r.normen)
    assert r.norm("pantoffelzone_m") == 600
    gv = laad_regio("gooi-en-vechtstreek")
    for naam in NORMEN_VEREIST:
        assert r.normen[naam].waarde == gv.normen[naam].waarde
        assert r.bron(r.normen[naam].bron) == gv.bron(gv.normen[naam].bron)  # same sources
    for g in r.gemeenten:
        for b in g.behoefte.values():
            assert "Voorbeelddata" in b.toelichting
    assert r.bbox is not None


def test_demo_builds_fast_and_offline(demo: tuple[DemoResultaat, float]) -> None:
    resultaat, seconden = demo
    assert seconden < 30, f"demo build took {seconden:.1f} s"
    assert resultaat.uit_cache == {"netwerk": False, "voorzieningen": False}
    assert resultaat.aantallen["kansen"] >= 3


def test_demo_workspace_is_marked_as_example_data(ws: Werkruimte) -> None:
    assert ws.voorbeelddata
    assert ws.regio.id == "voorbeeldregio" and ws.crs.to_epsg() == 3067
    for naam in GEGENEREERD:
        laag = ws.store.read_layer(naam)
        assert len(laag) > 0, naam
        assert (laag["bron"] == VOORBEELD).all(), naam
        assert set(LAGEN[naam].veldnamen) <= set(laag.columns)
    vz = ws.store.read_layer("voorzieningen")
    assert set(vz["bron"]) == {"OSM", VOORBEELD}
    assert (vz.loc[vz["bron"] == VOORBEELD, "categorie"] == "zorgcentrum").all()
    assert set(vz["categorie"]) == {"apotheek", "supermarkt", "ov_halte", "huisarts", "ontmoetingsruimte",
                                    "zorgcentrum"}


def test_demo_network_is_in_the_workspace(ws: Werkruimte, demo: tuple[DemoResultaat, float]) -> None:
    netwerk = laad_werkruimte_netwerk(ws)
    assert netwerk is not None
    assert netwerk.n_nodes == demo[0].netwerk["knooppunten"] and netwerk.crs.to_epsg() == 3067


def test_areas_nest_and_add_up(ws: Werkruimte) -> None:
    gm = ws.store.read_layer("gemeenten").set_index("code")
    wk = ws.store.read_layer("wijken").set_index("code")
    bu = ws.store.read_layer("buurten").set_index("code")
    assert list(gm.index) == [c for c, _ in VOORBEELDGEMEENTEN]
    assert len(wk) == 6 and 12 <= len(bu) <= 18
    for code, b in bu.iterrows():
        assert code.startswith("BU99") and b["wijkcode"] == "WK" + code[2:8] and b["gemeentecode"] == "GM" + code[2:6]
        assert b.geometry.buffer(-0.01).within(wk.loc[b["wijkcode"]].geometry)
        assert b["naam"].startswith("Voorbeeldbuurt ")
    for _, w in wk.iterrows():
        assert w.geometry.buffer(-0.01).within(gm.loc[w["gemeentecode"]].geometry)
    # Buurten tile the gemeenten without overlaps.
    assert shapely.union_all(bu.geometry.to_numpy()).area == pytest.approx(gm.geometry.area.sum(), rel=1e-6)
    assert bu.geometry.area.sum() == pytest.approx(gm.geometry.area.sum(), rel=1e-6)
    for veld in ("inwoners", "inwoners_65plus", "inwoners_75plus", "woningen"):
        assert bu[veld].sum() == wk[veld].sum() == gm[veld].sum()
        for code, g in gm.iterrows():
            assert bu.loc[bu["gemeentecode"] == code, veld].sum() == g[veld]


def test_population_is_plausible(ws: Werkruimte) -> None:
    bu = ws.store.read_layer("buurten")
    gm = ws.store.read_layer("gemeenten")
    assert 5_000 <= gm["inwoners"].sum() <= 60_000  # central Helsinki, about 1.7 km²
    assert (bu["inwoners_75plus"] <= bu["inwoners_65plus"]).all()
    assert (bu["inwoners_65plus"] <= bu["inwoners"]).all()
    bewoond = bu[bu["inwoners"] > 0]
    assert ((bewoond["pct_65plus"] >= 10) & (bewoond["pct_65plus"] <= 35)).all()
    personen = bewoond["inwoners"] / bewoond["woningen"]
    assert ((personen > 1.4) & (personen < 2.2)).all()
    assert gm["pct_65plus"].min() >= 10 and gm["pct_65plus"].max() <= 30


def test_homes_lie_on_real_buildings(ws: Werkruimte, bronnen: tuple[OsmResultaat, gpd.GeoDataFrame]) -> None:
    gebouwen = bronnen[1]
    boom = shapely.STRtree(gebouwen.geometry.to_numpy())
    for naam in WONINGLAGEN:
        laag = ws.store.read_layer(naam)
        punten = laag.geometry.to_numpy()
        binnen, _ = boom.query(punten, predicate="within")
        assert set(binnen) == set(range(len(laag))), f"{naam}: not every object lies on a building"
    nt = ws.store.read_layer("nultredenwoningen")
    assert (nt["aantal_woningen"] >= 1).all() and nt["aantal_woningen"].max() < 500
    zg = ws.store.read_layer("zorggeschikte_woningen")
    assert set(zg["toegankelijkheid"]) <= set(LAGEN["zorggeschikte_woningen"].veld("toegankelijkheid").codes or ())
    # Sensible totals: a few percent of all homes are zorggeschikt, more are nultreden.
    woningen = ws.store.read_layer("gemeenten")["woningen"].sum()
    assert 0 < zg["aantal_woningen"].sum() < nt["aantal_woningen"].sum() < 0.5 * woningen


def test_wooncomplexen_with_and_without_ontmoetingsruimte(ws: Werkruimte) -> None:
    wc = ws.store.read_layer("wooncomplexen")
    assert set(wc["ontmoetingsruimte"]) == {True, False}
    assert (wc["aantal_woningen"] >= 12).all()
    zc = ws.store.read_layer("zorgcentra")
    assert set(zc["gemeentecode"]) == {c for c, _ in VOORBEELDGEMEENTEN}


def test_plans_and_kansen_are_complete(ws: Werkruimte) -> None:
    plannen = ws.store.read_layer("nieuwbouwplannen")
    assert len(plannen) == 4
    assert (plannen["aantal_nultreden"] <= plannen["aantal_woningen"]).all()
    assert (plannen["aantal_geclusterd"] <= plannen["aantal_nultreden"]).all()
    assert ((plannen["aantal_geclusterd"] == 0) | (plannen["aantal_geclusterd"] >= 12)).all()
    kansen = ws.store.read_layer("kansen")
    for veld in ("naam", "soort", "doelgroep", "aantal_woningen", "status", "gemeentecode", "partners",
                 "toelichting"):
        assert kansen[veld].notna().all(), veld
    assert kansen["toelichting"].str.startswith("Voorbeelddata").all()
    assert (kansen["versie"] == 1).all()
    assert len(ws.store.history()) == len(kansen)  # created through the store, with history
    assert len(set(kansen["soort"])) >= 3


def test_maak_demo_lagen_is_deterministic(bronnen: tuple[OsmResultaat, gpd.GeoDataFrame]) -> None:
    r, gebouwen = bronnen
    a = maak_demo_lagen(r.voorzieningen, r.netwerk, gebouwen, seed=7)
    b = maak_demo_lagen(r.voorzieningen, r.netwerk, gebouwen, seed=7)
    c = maak_demo_lagen(r.voorzieningen, r.netwerk, gebouwen, seed=8)
    assert set(a) == {*GEGENEREERD, "voorzieningen"}
    for naam in a:
        assert_geodataframe_equal(a[naam], b[naam])
        assert list(a[naam].columns[:-1]) == [v for v in LAGEN[naam].veldnamen if v in a[naam].columns]
    assert not a["nultredenwoningen"]["aantal_woningen"].equals(c["nultredenwoningen"]["aantal_woningen"])


def test_demo_layers_in_another_crs_are_projected(bronnen: tuple[OsmResultaat, gpd.GeoDataFrame]) -> None:
    r, gebouwen = bronnen
    lagen = maak_demo_lagen(r.voorzieningen.to_crs("EPSG:4326"), r.netwerk, gebouwen.to_crs("EPSG:4326"))
    assert all(g.crs.to_epsg() == 3067 for g in lagen.values())
    assert np.isfinite(lagen["buurten"].geometry.area).all()


def test_demo_refuses_to_overwrite_real_data(werkruimte: Werkruimte) -> None:
    with pytest.raises(ConflictError, match="echte gegevens"):
        bouw_demo(werkruimte.pad)
    res = CliRunner().invoke(app, ["demo", "--workspace", str(werkruimte.pad)])
    assert res.exit_code == 2 and "echte gegevens" in res.output


def test_cli_demo_twice_uses_the_cache(tmp_path: Path) -> None:
    runner = CliRunner()
    pad = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--workspace", str(pad)])
    assert res.exit_code == 0, res.output
    assert "VOORBEELDDATA" in res.output and "voorbeelddata" in res.output
    assert "OpenStreetMap" in res.output and "kansenkaart serve" in res.output
    res = runner.invoke(app, ["demo", "--workspace", str(pad)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "(uit de cache)" in res.output
    # a rebuilt demo gets a new account and password, printed once and kept in DEMO-INLOG.txt
    wachtwoord = (pad / "DEMO-INLOG.txt").read_text(encoding="utf-8").split("Wachtwoord:")[1].split()[0]
    assert f"wachtwoord {wachtwoord}" in " ".join(res.output.split())
    ws = Werkruimte.open(pad)
    assert ws.voorbeelddata and ws.store.count("kansen") >= 3
    res = runner.invoke(app, ["lagen", "--workspace", str(pad)])
    assert res.exit_code == 0 and "voorbeelddata" in res.output


def test_demo_account_en_lezen_zonder_aanmelden(demo: tuple[DemoResultaat, float], ws: Werkruimte) -> None:
    import stat

    from api.app import lezen_open
    from kansenkaart.io.gebruikers import Gebruikersdb
    from kansenkaart.settings import Settings

    resultaat = demo[0]
    inlog = resultaat.pad / "DEMO-INLOG.txt"
    assert resultaat.gebruiker == "demo" and resultaat.wachtwoord in inlog.read_text(encoding="utf-8")
    assert stat.S_IMODE(inlog.stat().st_mode) == 0o600
    db = Gebruikersdb.van_werkruimte(resultaat.pad)
    assert db.account("demo").rol == "aanjager"
    assert db.meld_aan("demo", resultaat.wachtwoord, ip="test", max_per_minuut=5).naam == "demo"
    assert ws.store.get_meta("lezen_zonder_login") == "ja" and lezen_open(Settings(), ws)
    assert not lezen_open(Settings(lezen_zonder_login=False), ws)  # the setting wins when it is set
