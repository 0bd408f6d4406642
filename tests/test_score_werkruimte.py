"""Tests of the workspace wiring of the geschiktheid score (kansenkaart.io.score) and the CLI.

A small workspace in Hilversum coordinates (EPSG:28992): a 100 m street grid, voorzieningen,
a zorgcentrum, wijken with 65+ shares, two gemeenten (Hilversum with a known need, Eemnes without)
and one candidate of every kind. The demo workspace (real Helsinki OSM data) is used when
``kansenkaart.demo`` is available.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.errors import NetworkError
from kansenkaart.geschiktheid import laad_profiel
from kansenkaart.io import score as score_io
from kansenkaart.io.score import bereken_geschiktheid, laagkolommen, laatste_run
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.netwerk import Netwerk

RD = "EPSG:28992"
X0, Y0 = 140_000.0, 470_000.0


def straten(n: int = 21, stap: float = 100.0) -> Netwerk:
    """An ``n`` × ``n`` grid of residential streets, ``stap`` m apart, from (X0, Y0)."""
    xy = np.array([(X0 + (i % n) * stap, Y0 + (i // n) * stap) for i in range(n * n)])
    u, v = [], []
    for i in range(n * n):
        if i % n < n - 1:
            u.append(i)
            v.append(i + 1)
        if i // n < n - 1:
            u.append(i)
            v.append(i + n)
    lijnen = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    nodes = gpd.GeoDataFrame({"osmid": np.arange(n * n)}, geometry=shapely.points(xy), crs=RD)
    edges = gpd.GeoDataFrame(
        {
            "u": u,
            "v": v,
            "length": shapely.length(lijnen),
            "osmid": pd.array(np.arange(len(u)), dtype="Int64"),
            "highway": "residential",
            "name": None,
        },
        geometry=lijnen,
        crs=RD,
    )
    return Netwerk(nodes=nodes, edges=edges, crs=edges.crs, rapport={})


def _punten(rijen: list[dict[str, object]], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rijen), geometry=shapely.points(xy), crs=RD)


def _vak(x0: float, x1: float) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([shapely.box(X0 + x0, Y0, X0 + x1, Y0 + 2000)])


@pytest.fixture
def ws(werkruimte: Werkruimte) -> Werkruimte:
    s = werkruimte.store
    s.replace_layer(
        "gemeenten",
        gpd.GeoDataFrame(
            {"code": ["GM0402", "GM0317"], "naam": ["Hilversum", "Eemnes"]},
            geometry=[_vak(0, 1500), _vak(1500, 2000)],
            crs=RD,
        ),
    )
    s.replace_layer(
        "wijken",
        gpd.GeoDataFrame(
            {
                "code": ["WK040201", "WK040203", "WK031702"],
                "naam": ["Centrum", "Zuidwest", "Eemnes"],
                "gemeentecode": ["GM0402", "GM0402", "GM0317"],
                "inwoners": [9750, 9145, 9450],
                "pct_65plus": [12.0, 28.0, 21.0],
            },
            geometry=[_vak(0, 1000), _vak(1000, 1500), _vak(1500, 2000)],
            crs=RD,
        ),
    )
    vz = [
        ("supermarkt", 500, 500),
        ("huisarts", 500, 600),
        ("apotheek", 600, 500),
        ("ov_halte", 400, 500),
        ("ontmoetingsruimte", 500, 400),
    ]
    s.replace_layer(
        "voorzieningen",
        _punten(
            [{"id": f"v{i}", "naam": c, "categorie": c, "bron": "test"} for i, (c, _, _) in enumerate(vz)],
            [(X0 + x, Y0 + y) for _, x, y in vz],
        ),
    )
    s.replace_layer(
        "zorgcentra",
        _punten([{"id": "z1", "naam": "Zorgcentrum", "soort": "verpleeghuis", "bron": "test"}], [(X0 + 700, Y0 + 700)]),
    )
    s.replace_layer(
        "wooncomplexen",
        _punten(
            [
                {
                    "id": "w1",
                    "naam": "De Hof",
                    "aantal_woningen": 30,
                    "ontmoetingsruimte": True,
                    "zorg": True,
                    "opleverjaar": 2023,
                    "gemeentecode": "GM0402",
                    "bron": "test",
                    "bron_id": "1",
                },
                {
                    "id": "w2",
                    "naam": "Seniorenflat",
                    "aantal_woningen": 40,
                    "ontmoetingsruimte": False,
                    "zorg": False,
                    "opleverjaar": 1975,
                    "gemeentecode": "GM0402",
                    "bron": "test",
                    "bron_id": "2",
                },
            ],
            [(X0 + 1200, Y0 + 1200), (X0 + 500, Y0 + 450)],
        ),
    )
    s.replace_layer(
        "nieuwbouwplannen",
        gpd.GeoDataFrame(
            {
                "id": ["n1"],
                "naam": ["Plan Klein"],
                "aantal_woningen": [8],
                "hardheid": ["hard"],
                "bron": ["test"],
                "bron_id": ["n1"],
            },
            geometry=[shapely.box(X0 + 300, Y0 + 300, X0 + 350, Y0 + 350)],
            crs=RD,
        ),
    )
    s.replace_layer(
        "kansen",
        _punten(
            [
                {
                    "id": "k1",
                    "naam": "Kans Eemnes",
                    "soort": "nieuwbouw",
                    "doelgroep": "geclusterd",
                    "status": "idee",
                    "aantal_woningen": 20,
                    "bron": "test",
                    "bron_id": "k1",
                },
                {
                    "id": "k2",
                    "naam": "Vervallen",
                    "soort": "nieuwbouw",
                    "doelgroep": "geclusterd",
                    "status": "vervallen",
                    "aantal_woningen": 20,
                    "bron": "test",
                    "bron_id": "k2",
                },
            ],
            [(X0 + 1800, Y0 + 1800), (X0 + 900, Y0 + 900)],
        ),
    )
    return werkruimte


@pytest.fixture
def netwerk() -> Netwerk:
    return straten()


def test_every_candidate_gets_a_score_and_explanation(ws: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk)
    laag = res.laag
    assert res.info["per_type"]["wooncomplex"] == 2
    assert res.info["per_type"]["nieuwbouwplan"] == 1
    assert res.info["per_type"]["kans"] == 1  # the vervallen kans is no candidate
    assert res.info["per_type"]["raster"] == 400  # 2 × 2 km of streets, 100 m cells
    assert laag["score"].between(0, 100).all()
    assert laag["uitleg"].str.len().gt(0).all()
    assert laag["id"].is_unique
    assert list(laag["rang"]) == sorted(laag["rang"])
    # Stored, with the documented columns.
    stored = ws.store.read_layer("geschiktheid")
    assert len(stored) == len(laag)
    verwacht = laagkolommen(res.profiel, met_gevoeligheid=False)
    assert set(verwacht) <= set(stored.columns)
    assert {
        "kandidaat_type",
        "naam",
        "bron_id",
        "profiel",
        "score",
        "rang",
        "harde_voorwaarden_niet_voldaan",
        "uitleg",
        *(f"bijdrage_{c}" for c in res.profiel.ids),
    } <= set(stored.columns)
    assert set(stored.geom_type) == {"Point", "Polygon"}
    run = laatste_run(ws)
    assert run is not None and run["profiel"] == "geclusterd"


def test_distances_come_from_the_vlekkenplan_engine(ws: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk, celgrootte_m=None)
    g = res.gescoord.set_index("kandidaat_id")
    w2 = g.loc["wooncomplex:w2"]
    assert w2["afstand_supermarkt_m"] == pytest.approx(50.0)  # along the street from (500, 450)
    assert w2["afstand_ontmoetingsruimte_m"] == pytest.approx(50.0)
    assert w2["afstand_zorgcentrum_m"] == pytest.approx(450.0)
    assert w2["dichtstbij_supermarkt"] == "v0"
    assert "supermarkt op 50 m" in w2["uitleg"]
    assert res.info["zoekafstand_m"] == res.profiel.max_afstand_m()


def test_hard_conditions_and_unknown_need_in_the_workspace(ws: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk, celgrootte_m=None)
    g = res.laag.set_index("id")
    # De Hof lies 1 km from the ontmoetingsruimte but has one in the building.
    assert g.loc["wooncomplex:w1", "voldoet"]
    assert "ontmoetingsruimte in het gebouw" in g.loc["wooncomplex:w1", "uitleg"]
    assert g.loc["wooncomplex:w2", "voldoet"]
    # Plan Klein: 8 homes.
    assert not g.loc["nieuwbouwplan:n1", "voldoet"]
    assert "minstens 12 woningen" in g.loc["nieuwbouwplan:n1", "harde_voorwaarden_niet_voldaan"]
    # The kans in Eemnes: far from the ontmoetingsruimte, need unknown.
    k1 = g.loc["kans:k1"]
    assert not k1["voldoet"]
    assert k1["gemeentecode"] == "GM0317"
    assert pd.isna(k1["bijdrage_tekort"])
    assert "behoefte aan geclusterde woningen in de gemeente onbekend" in k1["uitleg"]
    assert k1["rang"] > max(g.loc[g["voldoet"], "rang"])
    # Fair share: De Hof (with ontmoetingsruimte, 30 homes, 2023) counts as supply; the 1975 flat not.
    assert res.tekort.loc["GM0402", "aanbod"] == 30
    assert res.tekort.loc["GM0402", "tekort"] == 505 - 30
    assert f"gemeente heeft nog {505 - 30} geclusterde woningen nodig" in g.loc["wooncomplex:w2", "uitleg"]
    # 65+ from the wijken.
    assert "28% 65+ in de wijk" in g.loc["wooncomplex:w1", "uitleg"]
    assert "12% 65+ in de wijk" in g.loc["wooncomplex:w2", "uitleg"]


def test_grid_cells_are_named_after_their_area(ws: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk, celgrootte_m=250)
    cellen = res.laag[res.laag["kandidaat_type"] == "raster"]
    assert len(cellen) == 64
    assert cellen["naam"].str.startswith("Rastercel 250 m in ").all()
    assert cellen["aantal_woningen"].isna().all()
    assert cellen["harde_voorwaarden_onbekend"].str.contains("minstens 12 woningen").all()
    assert set(cellen["gemeentecode"]) == {"GM0402", "GM0317"}


def test_sensitivity_columns_and_summary(ws: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk, celgrootte_m=200, gevoeligheid=True, trekkingen=30)
    laag = res.laag
    assert {"rang_min", "rang_max", "robuust"} <= set(laag.columns)
    assert (laag["rang_min"] <= laag["rang"]).all() and (laag["rang"] <= laag["rang_max"]).all()
    run = laatste_run(ws)
    assert run is not None
    samen = run["gevoeligheid"]
    assert samen["trekkingen"] == 30
    assert 0 <= samen["top_overlap_min"] <= 1
    assert {"rang_min", "rang_max", "robuust"} <= set(ws.store.read_layer("geschiktheid").columns)


def test_zorggeschikt_profile_and_custom_file(ws: Werkruimte, netwerk: Netwerk, tmp_path: Path) -> None:
    res = bereken_geschiktheid(ws, netwerk=netwerk, profiel="zorggeschikt", celgrootte_m=None)
    assert set(res.laag["profiel"]) == {"zorggeschikt"}
    # Zorggeschikt need: only Hilversum is known (130); Eemnes unknown.
    assert res.tekort.loc["GM0402", "behoefte"] == 130
    assert np.isnan(res.tekort["behoefte"]["GM0317"])
    eigen = tmp_path / "eigen.toml"
    tekst = laad_profiel("geclusterd").pad.read_text(encoding="utf-8")  # type: ignore[union-attr]
    eigen.write_text(tekst.replace('naam = "geclusterd"', 'naam = "eigen"', 1), encoding="utf-8")
    res2 = bereken_geschiktheid(ws, netwerk=netwerk, profiel=eigen, celgrootte_m=None)
    assert set(ws.store.read_layer("geschiktheid")["profiel"]) == {"eigen"}
    assert res2.info["profielbestand"] == str(eigen)


def test_workspace_without_voorzieningen_gives_unknown_distances(werkruimte: Werkruimte, netwerk: Netwerk) -> None:
    res = bereken_geschiktheid(werkruimte, netwerk=netwerk, celgrootte_m=500)
    assert len(res.laag) == 16  # 2 × 2 km of streets, 500 m cells; no gemeenten layer to clip with
    assert set(res.info["zonder_voorzieningen"]) == set(res.profiel.categorieen)
    assert res.laag["uitleg"].str.contains("afstand tot supermarkt onbekend").all()
    assert res.laag["voldoet"].all()  # unknown never fails a hard condition
    assert res.laag["score"].isna().all()  # nothing known: no score, not 0


def test_no_network_is_a_clear_error(ws: Werkruimte) -> None:
    with pytest.raises(NetworkError, match="kansenkaart osm laden"):
        bereken_geschiktheid(ws)


def test_cli_score(ws: Werkruimte, netwerk: Netwerk, monkeypatch: pytest.MonkeyPatch) -> None:
    from kansenkaart.cli import app

    monkeypatch.setattr(score_io, "laad_werkruimte_netwerk", lambda _ws: netwerk)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "score",
            "--workspace",
            str(ws.pad),
            "--celgrootte",
            "200",
            "--top",
            "5",
            "--gevoeligheid",
            "--trekkingen",
            "20",
        ],
        env={"COLUMNS": "200"},
    )
    assert r.exit_code == 0, r.output
    assert "Profiel geclusterd" in r.output
    assert "rastercellen" in r.output and "Opgeslagen in laag 'geschiktheid'" in r.output
    assert "Top 5" in r.output and "rangbereik" in r.output
    assert "Spearman" in r.output and "overlap top-5" in r.output
    r = runner.invoke(app, ["score", "--workspace", str(ws.pad), "--profiel", "bestaat-niet"])
    assert r.exit_code == 2
    assert "Onbekend profiel 'bestaat-niet'" in r.output


# --------------------------------------------------------------------------- the demo workspace


@pytest.fixture(scope="module")
def demo_werkruimte(tmp_path_factory: pytest.TempPathFactory) -> Werkruimte:
    demo = pytest.importorskip("kansenkaart.demo", reason="kansenkaart.demo (de demowerkruimte) ontbreekt")
    from kansenkaart.regio import beschikbare_regios

    if demo.DEMO_REGIO not in beschikbare_regios():
        pytest.skip(f"het regiobestand '{demo.DEMO_REGIO}' van de demo ontbreekt nog")
    pad = tmp_path_factory.mktemp("demo") / "ws"
    demo.bouw_demo(pad)
    return Werkruimte.open(pad)


@pytest.mark.slow
def test_demo_workspace_every_candidate_scored(demo_werkruimte: Werkruimte) -> None:
    ws = demo_werkruimte
    res = bereken_geschiktheid(ws, gevoeligheid=True, trekkingen=20)
    laag = ws.store.read_layer("geschiktheid")
    assert len(laag) == len(res.laag) > 0
    assert laag["score"].notna().all()
    assert laag["uitleg"].str.len().gt(0).all()
    assert {"wooncomplex", "nieuwbouwplan", "raster"} <= set(laag["kandidaat_type"])
    # Real OSM network and facilities: most candidates have real distances.
    assert res.gescoord["afstand_supermarkt_m"].notna().mean() > 0.5
    # The generated buurten carry 65+ and 75+ statistics.
    assert res.gescoord["nut_aandeel_65plus"].notna().all()
    for profiel in ("zorggeschikt",):
        res2 = bereken_geschiktheid(ws, profiel=profiel, celgrootte_m=None)
        assert res2.laag["uitleg"].str.len().gt(0).all()
