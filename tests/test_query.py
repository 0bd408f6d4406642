"""Tests of the planners' spatial query (kansenkaart.query) and the ``kansenkaart query`` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.errors import CRSError, NetworkError, UnknownLayerError, ValidationError
from kansenkaart.query import (
    Modus,
    Vraag,
    filters_voor_laag,
    parse_voorwaarden,
    ref_labels,
    referentie_bbox,
    ruimtelijke_query,
    voer_vraag_uit,
    zoek_treffers,
)
from kansenkaart.schemas import laag
from tests.query_fixture import VERWACHT, kansen_frame, maak_netwerk, maak_werkruimte, voorzieningen

VOORBEELD = [
    "query", "kansen", "--waar", "doelgroep=geclusterd", "--binnen", "100", "--van", "voorzieningen",
    "--waar-ref", "categorie=ontmoetingsruimte",
]  # fmt: skip


def _doelen() -> gpd.GeoDataFrame:
    k = kansen_frame()
    return k[(k["doelgroep"] == "geclusterd") & (k["id"] != "K6")].reset_index(drop=True)


def _ors() -> gpd.GeoDataFrame:
    v = voorzieningen()
    return v[v["categorie"] == "ontmoetingsruimte"].reset_index(drop=True)


def _afstanden(gdf: gpd.GeoDataFrame) -> dict[str, float]:
    return {str(i): float(d) for i, d in zip(gdf["id"], gdf["afstand_m"], strict=True)}


# --------------------------------------------------------------------------- filters


def test_parse_voorwaarden() -> None:
    assert parse_voorwaarden(["doelgroep=geclusterd", " status = idee "]) == [
        ("doelgroep", "geclusterd"),
        ("status", "idee"),
    ]
    assert parse_voorwaarden(["naam=a=b"]) == [("naam", "a=b")]
    for slecht in ("doelgroep", "=x", "doelgroep="):
        with pytest.raises(ValidationError, match="veld=waarde"):
            parse_voorwaarden([slecht])


def test_filters_convert_and_check_values() -> None:
    kansen = laag("kansen")
    assert filters_voor_laag(kansen, [("status", "idee,verkenning"), ("aantal_woningen", "16")]) == {
        "status": ["idee", "verkenning"],
        "aantal_woningen": [16],
    }
    assert filters_voor_laag(laag("wooncomplexen"), [("ontmoetingsruimte", "ja")]) == {"ontmoetingsruimte": [True]}
    with pytest.raises(ValidationError, match="Toegestaan: nultreden, geclusterd, zorggeschikt"):
        filters_voor_laag(kansen, [("doelgroep", "senioren")])
    with pytest.raises(ValidationError, match=r"Onbekend filterveld 'kleur'.*Velden: id, naam"):
        filters_voor_laag(kansen, [("kleur", "rood")])
    with pytest.raises(ValidationError, match="geen geheel getal"):
        filters_voor_laag(kansen, [("aantal_woningen", "veel")])
    with pytest.raises(ValidationError, match="minimum"):
        filters_voor_laag(kansen, [("aantal_woningen", "0")])
    with pytest.raises(ValidationError, match="bruikbaar"):
        filters_voor_laag(kansen, [("versie", str(2**70))])
    # Derived layers filter on their stored columns.
    assert filters_voor_laag(laag("geschiktheid"), [("klasse", "A")], kolommen=["id", "klasse"]) == {"klasse": ["A"]}


# --------------------------------------------------------------------------- hemelsbreed


def test_hemelsbreed_example() -> None:
    uit = ruimtelijke_query(_doelen(), _ors(), afstand_m=100, modus="hemelsbreed")
    assert set(uit["id"]) == VERWACHT[("hemelsbreed", False)]
    assert _afstanden(uit) == {"K1": 31.6, "K2": 85.0, "K5": 40.0}  # K5: polygon edge to the point
    assert set(uit["dichtstbij_id"]) == {"OR1"} and set(uit["dichtstbij_naam"]) == {"Buurthuis De Brink"}
    assert uit.crs == _doelen().crs and list(uit.columns[:-3]) == list(_doelen().columns)


def test_hemelsbreed_niet_binnen_reports_nearest_distance() -> None:
    uit = ruimtelijke_query(_doelen(), _ors(), afstand_m=100, modus="hemelsbreed", niet_binnen=True)
    assert set(uit["id"]) == VERWACHT[("hemelsbreed", True)]
    assert _afstanden(uit) == {"K3": 300.0} and list(uit["dichtstbij_id"]) == ["OR1"]


def test_hemelsbreed_distance_is_inclusive_and_polygon_inside_is_zero() -> None:
    doelen = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[shapely.Point(0, 0), shapely.Point(100, 0)], crs=28992)
    refs = gpd.GeoDataFrame({"id": ["vlak"]}, geometry=[shapely.box(-10, -10, 10, 10)], crs=28992)
    uit = ruimtelijke_query(doelen, refs, afstand_m=90, modus="hemelsbreed")
    assert _afstanden(uit) == {"a": 0.0, "b": 90.0}
    assert list(uit["dichtstbij_naam"]) == [None, None]  # no naam column


def test_empty_references_and_targets() -> None:
    leeg = _ors().iloc[:0]
    assert len(ruimtelijke_query(_doelen(), leeg, afstand_m=100)) == 0
    alle = ruimtelijke_query(_doelen(), leeg, afstand_m=100, niet_binnen=True)
    assert len(alle) == 4 and alle["afstand_m"].isna().all() and alle["dichtstbij_id"].isna().all()
    assert len(ruimtelijke_query(_doelen().iloc[:0], _ors(), afstand_m=100)) == 0


def test_references_in_other_crs_are_projected() -> None:
    uit = ruimtelijke_query(_doelen(), _ors().to_crs(4326), afstand_m=100)
    assert set(uit["id"]) == VERWACHT[("hemelsbreed", False)]


@pytest.mark.parametrize(("modus", "niet"), [(m, n) for m in ("hemelsbreed", "lopend") for n in (False, True)])
def test_zoek_treffers_is_the_engine_of_ruimtelijke_query(modus: Modus, niet: bool) -> None:
    """The array form (used by the API's read cache) gives the rows and values of the frame form."""
    doelen, refs = _doelen(), _ors()
    netwerk = maak_netwerk() if modus == "lopend" else None
    uit = ruimtelijke_query(doelen, refs, afstand_m=100, modus=modus, netwerk=netwerk, niet_binnen=niet)
    t = zoek_treffers(
        np.asarray(doelen.geometry.array), np.asarray(refs.geometry.array), afstand_m=100, crs=doelen.crs,
        modus=modus, netwerk=netwerk, niet_binnen=niet,
    )  # fmt: skip
    assert len(t) == len(uit) and list(doelen["id"].iloc[t.posities]) == list(uit["id"])
    np.testing.assert_array_equal(t.afstand_m, uit["afstand_m"].to_numpy(dtype=float))
    ids, _namen = ref_labels(refs)
    assert [ids[i] if i >= 0 else None for i in t.referentie] == list(uit["dichtstbij_id"])


def test_referentie_bbox() -> None:
    punten = np.array([shapely.Point(0, 0), shapely.box(10, 20, 30, 40), None], dtype=object)
    assert referentie_bbox(punten, 100, niet=False) == (-100.0, -100.0, 130.0, 140.0)
    assert referentie_bbox(punten, 100, niet=True) is None  # niet: every reference counts
    assert referentie_bbox(punten[:0], 100, niet=False) is None
    assert referentie_bbox(np.array([None, shapely.Point()], dtype=object), 100, niet=False) is None


def test_bad_arguments() -> None:
    with pytest.raises(ValidationError, match="5000"):
        ruimtelijke_query(_doelen(), _ors(), afstand_m=6000)
    with pytest.raises(ValidationError, match="modus"):
        ruimtelijke_query(_doelen(), _ors(), afstand_m=10, modus="fietsend")  # type: ignore[arg-type]
    with pytest.raises(CRSError, match="metrisch"):
        ruimtelijke_query(_doelen().to_crs(4326), _ors(), afstand_m=10)
    with pytest.raises(CRSError, match="geen coördinatenstelsel"):
        ruimtelijke_query(_doelen().set_crs(None, allow_override=True), _ors(), afstand_m=10)
    with pytest.raises(NetworkError, match="kansenkaart osm laden"):
        ruimtelijke_query(_doelen(), _ors(), afstand_m=10, modus="lopend")


# --------------------------------------------------------------------------- lopend


def test_lopend_example_takes_the_detour() -> None:
    netwerk = maak_netwerk()
    uit = ruimtelijke_query(_doelen(), _ors(), afstand_m=100, modus="lopend", netwerk=netwerk)
    assert set(uit["id"]) == VERWACHT[("lopend", False)]
    afstand = _afstanden(uit)
    assert afstand["K1"] == pytest.approx(40.0, abs=0.2)  # 10 m to the street + 30 m along it
    assert afstand["K5"] == pytest.approx(60.0, abs=0.2)  # representative point of the polygon
    assert set(uit["dichtstbij_id"]) == {"OR1"}
    # K2 is 85 m straight across the canal but about 485 m around it.
    ver = ruimtelijke_query(_doelen(), _ors(), afstand_m=500, modus="lopend", netwerk=netwerk)
    assert _afstanden(ver)["K2"] == pytest.approx(485.0, abs=0.5)


def test_lopend_niet_binnen_and_unreachable_targets() -> None:
    netwerk = maak_netwerk()
    uit = ruimtelijke_query(_doelen(), _ors(), afstand_m=100, modus="lopend", netwerk=netwerk, niet_binnen=True)
    assert set(uit["id"]) == VERWACHT[("lopend", True)]
    assert uit["afstand_m"].isna().all()  # beyond the cut-off the walking distance is not computed
    doelen = gpd.GeoDataFrame({"id": ["ver"]}, geometry=[shapely.Point(141_000, 471_000)], crs=28992)
    assert len(ruimtelijke_query(doelen, _ors(), afstand_m=5000, modus="lopend", netwerk=netwerk)) == 0
    niet = ruimtelijke_query(doelen, _ors(), afstand_m=5000, modus="lopend", netwerk=netwerk, niet_binnen=True)
    assert list(niet["id"]) == ["ver"] and np.isnan(niet["afstand_m"].iloc[0])


# --------------------------------------------------------------------------- on a workspace


@pytest.mark.parametrize("modus", ["hemelsbreed", "lopend"])
@pytest.mark.parametrize("niet", [False, True])
def test_voer_vraag_uit_on_workspace(tmp_path: Path, modus: str, niet: bool) -> None:
    ws = maak_werkruimte(tmp_path / "ws")
    vraag = Vraag(
        doel="kansen",
        waar=("doelgroep=geclusterd",),
        binnen_m=100,
        van="voorzieningen",
        waar_ref=("categorie=ontmoetingsruimte",),
        modus=cast(Modus, modus),
        niet=niet,
    )
    uit = voer_vraag_uit(vraag, store=ws.store, netwerk=maak_netwerk())
    assert set(uit["id"]) == VERWACHT[(modus, niet)]
    assert "lopen" in vraag.beschrijving() or modus == "hemelsbreed"


def test_voer_vraag_uit_errors(tmp_path: Path) -> None:
    ws = maak_werkruimte(tmp_path / "ws")
    with pytest.raises(UnknownLayerError):
        voer_vraag_uit(Vraag(doel="kansen", binnen_m=100, van="cafes"), store=ws.store)
    with pytest.raises(ValidationError, match="waar_ref"):
        voer_vraag_uit(Vraag(doel="kansen", binnen_m=100, van="voorzieningen", waar_ref=("x",)), store=ws.store)
    with pytest.raises(NetworkError):
        voer_vraag_uit(Vraag(doel="kansen", binnen_m=100, van="voorzieningen", modus="lopend"), store=ws.store)


# --------------------------------------------------------------------------- CLI


def test_cli_query_example_hemelsbreed(tmp_path: Path) -> None:
    from kansenkaart.cli import app

    maak_werkruimte(tmp_path / "ws")
    uitvoer = tmp_path / "resultaat.geojson"
    r = CliRunner().invoke(
        app,
        [*VOORBEELD, "--modus", "hemelsbreed", "--workspace", str(tmp_path / "ws"), "--uitvoer", str(uitvoer)],
        env={"COLUMNS": "250"},
    )
    assert r.exit_code == 0, r.output
    uit = " ".join(r.output.split())
    assert "3 gevonden" in uit and "Buurthuis De Brink" in uit and "31.6" in uit
    data = json.loads(uitvoer.read_text(encoding="utf-8"))
    assert {f["id"] for f in data["features"]} == VERWACHT[("hemelsbreed", False)]
    assert all("afstand_m" in f["properties"] for f in data["features"])


def test_cli_query_example_lopend_uses_the_workspace_network(tmp_path: Path) -> None:
    from kansenkaart.cli import app

    maak_werkruimte(tmp_path / "ws", met_netwerk=True)
    r = CliRunner().invoke(
        app, [*VOORBEELD, "--modus", "lopend", "--workspace", str(tmp_path / "ws")], env={"COLUMNS": "250"}
    )
    assert r.exit_code == 0, r.output
    uit = " ".join(r.output.split())
    assert "binnen 100 m lopen" in uit and "2 gevonden" in uit
    assert "Hofje aan de Hoofdstraat" in uit and "Blok west" in uit and "Overkant" not in uit


def test_cli_query_errors_are_dutch(tmp_path: Path) -> None:
    from kansenkaart.cli import app

    maak_werkruimte(tmp_path / "ws")
    r = CliRunner().invoke(app, [*VOORBEELD, "--modus", "fietsend", "--workspace", str(tmp_path / "ws")])
    assert r.exit_code == 2 and "Onbekende modus" in " ".join(r.output.split())
    r = CliRunner().invoke(app, [*VOORBEELD, "--modus", "lopend", "--workspace", str(tmp_path / "ws")])
    assert r.exit_code == 2 and "kansenkaart osm laden" in " ".join(r.output.split())
