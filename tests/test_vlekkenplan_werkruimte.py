"""Workspace wiring of the vlekkenplan: layers stored, stable ids, zorgcentra merged, CLI."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.demo import bouw_demo
from kansenkaart.errors import NetworkError, NotFoundError
from kansenkaart.io.vlekkenplan import (
    bereken_vlekkenplan,
    vlekkenplan_stand,
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


def test_unchanged_categories_keep_their_zones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kansenkaart.io.vlekkenplan as iov

    pad = tmp_path / "demo"
    bouw_demo(pad)
    ws = Werkruimte.open(pad)
    gebouwd: list[tuple[str, ...]] = []
    echt = iov.isochronen

    def isochronen(*args: object, **kwargs: object) -> gpd.GeoDataFrame:
        gebouwd.append(tuple(kwargs["categorieen"]))  # type: ignore[arg-type]
        return echt(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(iov, "isochronen", isochronen)
    eerste = bereken_vlekkenplan(ws, threads=1, hergebruik=False)
    assert gebouwd == [tuple(CATEGORIEEN)] and eerste.info["zones_hergebruikt"] == []
    v1 = ws.store.read_layer("vlekkenplan")

    # nothing changed: every category is kept, and the layer is the same
    tweede = bereken_vlekkenplan(ws, threads=1)
    assert len(gebouwd) == 1
    assert tweede.info["zones_hergebruikt"] == [c for c in CATEGORIEEN if c in tweede.info["zones_per_categorie"]]
    v2 = ws.store.read_layer("vlekkenplan")
    assert list(v2["id"]) == list(v1["id"])
    assert all(a.equals_exact(b, 0) for a, b in zip(v1.geometry, v2.geometry, strict=True))

    # a new ontmoetingsruimte: only that category is built again, and it equals a full rebuild
    voorz = ws.store.read_layer("voorzieningen")
    ontm = voorz[voorz["categorie"] == "ontmoetingsruimte"].iloc[[0]].copy()
    ontm["id"] = "nieuw-ontmoeting"
    ontm["bron_id"] = "nieuw-ontmoeting"
    ontm["naam"] = "Nieuwe huiskamer"
    ontm["geometry"] = ontm.geometry.translate(300, 200)
    ws.store.replace_layer("voorzieningen", gpd.GeoDataFrame(
        pd.concat([voorz, ontm], ignore_index=True), geometry="geometry", crs=voorz.crs))
    derde = bereken_vlekkenplan(ws, threads=1)
    assert gebouwd[1:] == [("ontmoetingsruimte",)]
    assert "ontmoetingsruimte" not in derde.info["zones_hergebruikt"]
    v3 = ws.store.read_layer("vlekkenplan").set_index("id")
    v1_0_100 = v1.set_index("id").loc["ontmoetingsruimte:0-100"].geometry
    assert v3.loc["ontmoetingsruimte:0-100"].geometry.area > v1_0_100.area + 1000  # the new one's zone is added
    vol = bereken_vlekkenplan(ws, threads=1, hergebruik=False)
    assert gebouwd[2:] == [tuple(CATEGORIEEN)] and vol.info["zones_hergebruikt"] == []
    v4 = ws.store.read_layer("vlekkenplan").set_index("id")
    assert list(v4.index) == list(v3.index)
    # Equal up to floating point: a full run also splits the paths at the other categories'
    # voorzieningen, which moves no outline by more than a fraction of a millimetre.
    for zid in v4.index:
        assert v4.loc[zid].geometry.symmetric_difference(v3.loc[zid].geometry).area < 0.01, zid
        assert abs(v4.loc[zid, "oppervlakte_m2"] - v3.loc[zid, "oppervlakte_m2"]) < 0.01, zid

    # other settings (a different buffer) change every fingerprint
    bereken_vlekkenplan(ws, threads=1, buffer_m=30.0)
    assert gebouwd[3:] == [tuple(CATEGORIEEN)]

    # the CLI says what it kept, and --opnieuw keeps nothing
    runner = CliRunner()
    res = runner.invoke(app, ["vlekkenplan", "--buffer", "30", "--workspace", str(pad)])
    assert res.exit_code == 0, res.output
    assert "Loopzones ongewijzigd en behouden voor: supermarkt" in res.output and gebouwd[4:] == []
    res = runner.invoke(app, ["vlekkenplan", "--buffer", "30", "--opnieuw", "--workspace", str(pad)])
    assert res.exit_code == 0 and "behouden" not in res.output and gebouwd[4:] == [tuple(CATEGORIEEN)]


def test_stand_says_which_categories_changed_since_the_run(tmp_path: Path) -> None:
    from api.routes.web import kaart_info
    from kansenkaart.kaart import bouw_kaart

    pad = tmp_path / "demo"
    bouw_demo(pad)
    ws = Werkruimte.open(pad)
    stand = vlekkenplan_stand(ws)
    assert stand is not None and stand["bereikbaarheid"] == [] and stand["vlekkenplan"] == []
    assert stand["berekend_op"].endswith("Z")

    voorz = ws.store.read_layer("voorzieningen")
    i = voorz.index[voorz["categorie"] == "supermarkt"][0]
    ws.store.replace_layer("voorzieningen", voorz)
    assert vlekkenplan_stand(ws) == stand  # storing the same voorzieningen again changes nothing
    voorz.loc[i, "geometry"] = shapely.affinity.translate(voorz.loc[i, "geometry"], 80, 0)
    ws.store.replace_layer("voorzieningen", voorz)
    stand = vlekkenplan_stand(ws)
    assert stand is not None and stand["bereikbaarheid"] == ["supermarkt"] and stand["vlekkenplan"] == ["supermarkt"]
    uit = CliRunner().invoke(app, ["lagen", "--workspace", str(pad)]).output
    assert "Vlekkenplan verouderd: de voorzieningen (supermarkt) zijn gewijzigd sinds de berekening" in uit
    lagen = {c["naam"]: c for c in bouw_kaart(kaart_info(ws))[1]["lagen"]}
    assert lagen["vlekkenplan"]["gewijzigd"] == ["supermarkt"] and lagen["vlekkenplan"]["berekendOp"]
    assert lagen["kansen"]["gewijzigd"] is None and lagen["kansen"]["berekendOp"] is None

    bereken_vlekkenplan(ws, isochronen_maken=False, threads=1)  # distances anew, zones not
    stand = vlekkenplan_stand(ws)
    assert stand is not None and stand["bereikbaarheid"] == [] and stand["vlekkenplan"] == ["supermarkt"]
    bereken_vlekkenplan(ws, threads=1)
    stand = vlekkenplan_stand(ws)
    assert stand is not None and stand["bereikbaarheid"] == [] and stand["vlekkenplan"] == []
    assert "verouderd" not in CliRunner().invoke(app, ["lagen", "--workspace", str(pad)]).output
