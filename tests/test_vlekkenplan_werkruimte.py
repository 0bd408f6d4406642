"""Workspace wiring of the vlekkenplan: layers stored, stable ids, zorgcentra merged, CLI."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.demo import bouw_demo
from kansenkaart.errors import NetworkError, NotFoundError
from kansenkaart.io.vlekkenplan import (
    bereken_vlekkenplan,
    voorzieningen_uit_werkruimte,
    werkruimte_netwerk,
    zone_rond_voorziening,
)
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import CATEGORIEEN
from kansenkaart.vlekkenplan import snap_punten


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Werkruimte:
    pad = tmp_path_factory.mktemp("vlek") / "demo"
    bouw_demo(pad)
    return Werkruimte.open(pad)


def test_layers_are_stored_with_stable_unique_ids(demo: Werkruimte) -> None:
    res = bereken_vlekkenplan(demo)
    b = demo.store.read_layer("bereikbaarheid")
    assert b["id"].is_unique
    buurten = demo.store.read_layer("buurten")
    assert sorted(b.loc[b["niveau"] == "buurt", "code"]) == sorted(buurten["code"])
    assert set(b.loc[b["niveau"] == "buurt", "id"]) == {f"buurt:{c}" for c in buurten["code"]}
    assert (b.loc[b["niveau"] == "buurt", "weging"] == "ongewogen (knooppunten)").all()
    loc = b[b["niveau"] == "locatie"]
    assert len(loc) == res.info["locaties"] > 0
    assert all(i.startswith("locatie:") for i in loc["id"])
    v = demo.store.read_layer("vlekkenplan")
    assert set(v["categorie"]) <= set(CATEGORIEEN)
    assert v["id"].is_unique and len(v) == res.info["zones"]
    # A second run gives the same ids (the map and QGIS can rely on them).
    bereken_vlekkenplan(demo, isochronen_maken=False)
    again = demo.store.read_layer("bereikbaarheid")
    assert sorted(again["id"]) == sorted(b["id"])


def test_location_distances_are_walking_not_straight_line(demo: Werkruimte) -> None:
    b = demo.store.read_layer("bereikbaarheid")
    loc = b[(b["niveau"] == "locatie") & b["afstand_supermarkt_m"].notna()]
    voorz = voorzieningen_uit_werkruimte(demo)
    supers = voorz[voorz["categorie"] == "supermarkt"]
    straight = np.array([supers.distance(p).min() for p in loc.geometry])
    # Walking is never shorter than the straight line (small tolerance for the snap geometry).
    assert (loc["afstand_supermarkt_m"].to_numpy() + 0.01 >= straight).all()


def test_woningen_weighting(demo: Werkruimte) -> None:
    res = bereken_vlekkenplan(demo, gebiedslocaties="woningen", isochronen_maken=False, opslaan=False)
    buurt = res.gebieden["buurt"]
    assert set(buurt["weging"]) == {"woningen (aantal_woningen)"}


def test_zorgcentra_layer_counts_as_zorgcentrum_once(tmp_path: Path) -> None:
    ws = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    p = shapely.Point(140_000, 470_000)
    ws.store.replace_layer(
        "voorzieningen",
        gpd.GeoDataFrame(
            {"naam": ["Zonnehuis"], "categorie": ["zorgcentrum"], "bron": ["OSM"]}, geometry=[p], crs=28992
        ),
    )
    ws.store.replace_layer(
        "zorgcentra",
        gpd.GeoDataFrame(
            {"naam": ["Zonnehuis", "De Linde"], "soort": ["verpleeghuis", "woonzorgcentrum"], "bron": ["Amaris"] * 2},
            geometry=[shapely.Point(140_010, 470_000), shapely.Point(141_000, 470_000)],
            crs=28992,
        ),
    )
    voorz = voorzieningen_uit_werkruimte(ws)
    zc = voorz[voorz["categorie"] == "zorgcentrum"]
    assert sorted(zc["naam"]) == ["De Linde", "Zonnehuis"]


def test_missing_network_gives_dutch_message(tmp_path: Path) -> None:
    ws = Werkruimte.maak(tmp_path / "leeg", regio="gooi-en-vechtstreek")
    with pytest.raises(NetworkError, match="osm laden"):
        werkruimte_netwerk(ws)
    res = CliRunner().invoke(app, ["vlekkenplan", "--workspace", str(ws.pad)])
    assert res.exit_code == 2
    assert "wandelnetwerk" in res.output and "Traceback" not in res.output


def test_zone_around_one_voorziening(demo: Werkruimte, tmp_path: Path) -> None:
    voorz = voorzieningen_uit_werkruimte(demo)
    eerste = voorz[voorz["categorie"] == "ontmoetingsruimte"].iloc[0]
    zone = zone_rond_voorziening(demo, eerste["id"], afstand_m=100)
    assert len(zone) == 1 and zone["voorziening_id"].iloc[0] == eerste["id"]
    # The voorziening lies in its own zone; its 100 m zone is far smaller than a 100 m disc plus buffer.
    assert zone.geometry.iloc[0].buffer(1).contains(eerste.geometry)
    assert zone.geometry.area.iloc[0] < np.pi * 125**2
    with pytest.raises(NotFoundError):
        zone_rond_voorziening(demo, "bestaat-niet")
    out = tmp_path / "zone.geojson"
    res = CliRunner().invoke(app, ["zone", eerste["id"], "-o", str(out), "--workspace", str(demo.pad)])
    assert res.exit_code == 0, res.output
    assert gpd.read_file(out).crs.to_epsg() == 4326


def test_single_point_snaps_in_a_dense_area(demo: Werkruimte) -> None:
    # Regression: one point whose nearest edge samples all fall inside the search radius.
    voorz = voorzieningen_uit_werkruimte(demo)
    for _, rij in voorz.head(20).iterrows():
        res = snap_punten(werkruimte_netwerk(demo), gpd.GeoSeries([rij.geometry], crs=demo.crs))
        assert bool(res["bereikbaar"].iloc[0])


def test_cli_prints_table_and_rejects_bad_bands(demo: Werkruimte) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["vlekkenplan", "--zonder-zones", "--workspace", str(demo.pad)])
    assert res.exit_code == 0, res.output
    assert "Gemiddelde loopafstand per buurt" in res.output and "Voorbeelddata" in res.output
    bad = runner.invoke(app, ["vlekkenplan", "--banden", "300,100", "--workspace", str(demo.pad)])
    assert bad.exit_code == 2 and "oplopende" in bad.output
