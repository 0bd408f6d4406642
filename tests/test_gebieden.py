"""Tests of the CBS area loaders (kansenkaart.io.gebieden): column mapping on small frames built here,
and the real gemeenten and wijken of Gooi en Vechtstreek from ../shared/data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.errors import BadFileError, CRSError, ValidationError
from kansenkaart.io.gebieden import lees_gebieden, normaliseer_gebieden
from kansenkaart.io.importeren import importeer
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.regio import laad_regio

RD = "EPSG:28992"
REGIO = laad_regio("gooi-en-vechtstreek")
VIERKANT = shapely.box(140_000, 470_000, 141_000, 471_000)


def _frame(kolommen: dict[str, list[Any]], crs: str | None = RD) -> gpd.GeoDataFrame:
    n = len(next(iter(kolommen.values())))
    geoms = [shapely.box(140_000 + 1000 * i, 470_000, 140_900 + 1000 * i, 470_900) for i in range(n)]
    return gpd.GeoDataFrame(kolommen, geometry=geoms, crs=crs)


# --------------------------------------------------------------------------- column mapping


def test_cbs_shapefile_namen() -> None:
    gdf = _frame(
        {
            "GM_CODE": ["GM0402"],
            "GM_NAAM": ["Hilversum"],
            "AANT_INW": [91733],
            "P_65_EO_JR": [19],
            "WONINGEN": [43398],
            "OAD": [2300],
        }
    )
    uit = normaliseer_gebieden(gdf, niveau="gemeenten")
    assert list(uit.columns) == [
        "code",
        "naam",
        "inwoners",
        "inwoners_65plus",
        "pct_65plus",
        "woningen",
        "bron",
        "geometry",
    ]
    r = uit.iloc[0]
    assert (r["code"], r["naam"], r["inwoners"], r["pct_65plus"], r["woningen"]) == (
        "GM0402",
        "Hilversum",
        91733,
        19.0,
        43398,
    )
    assert r["inwoners_65plus"] == round(91733 * 0.19)
    assert r["bron"] == "CBS"
    assert str(uit["inwoners"].dtype) == "Int64" and uit.crs == RD


def test_cbs_wijken_shapefile_namen_met_gemeentecode() -> None:
    gdf = _frame(
        {
            "WK_CODE": ["WK040201"],
            "WK_NAAM": ["Centrum"],
            "GM_CODE": ["GM0402"],
            "GM_NAAM": ["Hilversum"],
            "AANT_INW": [9750],
        }
    )
    r = normaliseer_gebieden(gdf, niveau="wijken").iloc[0]
    assert (r["code"], r["naam"], r["gemeentecode"], r["inwoners"]) == ("WK040201", "Centrum", "GM0402", 9750)


def test_pdok_camelcase_namen() -> None:
    gdf = _frame(
        {
            "wijkcode": ["WK040201", "WK040202"],
            "wijknaam": ["Centrum", "Noordwest"],
            "gemeentecode": ["GM0402", "GM0402"],
            "gemeentenaam": ["Hilversum", "Hilversum"],
            "water": ["NEE", "NEE"],
            "aantalInwoners": [9750, 9000],
            "percentagePersonen65JaarEnOuder": [12, 27],
            "woningvoorraad": [5350, 3616],
            "jaar": [2022, 2022],
        }
    )
    uit = normaliseer_gebieden(gdf, niveau="wijken")
    assert list(uit["code"]) == ["WK040201", "WK040202"]
    assert list(uit["inwoners_65plus"]) == [1170, 2430]
    assert list(uit["woningen"]) == [5350, 3616]
    assert set(uit["peildatum"]) == {"2022-01-01"} and set(uit["bron"]) == {"CBS 2022"}


def test_tmap_namen_en_afgeleide_codes_voor_buurten() -> None:
    gdf = _frame(
        {
            "code": ["bu04020101"],
            "name": ["Stationsbuurt"],
            "population": [1200],
            "pop_65plus": [20.0],
            "dwelling_total": [700],
        }
    )
    r = normaliseer_gebieden(gdf, niveau="buurten").iloc[0]
    assert (r["code"], r["wijkcode"], r["gemeentecode"]) == ("BU04020101", "WK040201", "GM0402")
    assert (r["inwoners"], r["inwoners_65plus"], r["woningen"]) == (1200, 240, 700)


def test_statcode_statnaam() -> None:
    r = normaliseer_gebieden(_frame({"statcode": ["GM0317"], "statnaam": ["Eemnes"]}), niveau="gemeenten").iloc[0]
    assert (r["code"], r["naam"]) == ("GM0317", "Eemnes")


def test_75plus_als_aanwezig() -> None:
    gdf = _frame({"code": ["GM0402"], "naam": ["H"], "inwoners": [1000], "pct_75plus": [9.5], "inwoners_75plus": [96]})
    r = normaliseer_gebieden(gdf, niveau="gemeenten").iloc[0]
    assert (r["pct_75plus"], r["inwoners_75plus"]) == (9.5, 96)
    gdf2 = _frame({"code": ["GM0402"], "naam": ["H"], "inwoners": [1000], "pct_75plus": [9.5]})
    assert normaliseer_gebieden(gdf2, niveau="gemeenten").iloc[0]["inwoners_75plus"] == 95  # 94.9999… rounds


@pytest.mark.parametrize("sentinel", [-99999999, -99999997, -99997, -99995])
def test_cbs_geheimhoudingscodes_worden_ontbrekend(sentinel: int) -> None:
    gdf = _frame(
        {
            "GM_CODE": ["GM0402", "GM0406"],
            "GM_NAAM": ["H", "Hu"],
            "AANT_INW": [sentinel, 41000],
            "P_65_EO_JR": [19, sentinel],
            "WONINGEN": [sentinel, 18000],
        }
    )
    uit = normaliseer_gebieden(gdf, niveau="gemeenten")
    assert pd.isna(uit["inwoners"].iloc[0]) and uit["inwoners"].iloc[1] == 41000
    assert pd.isna(uit["pct_65plus"].iloc[1])
    assert pd.isna(uit["inwoners_65plus"]).all()
    assert pd.isna(uit["woningen"].iloc[0])


def test_waterrijen_vallen_weg_en_index_blijft() -> None:
    gdf = _frame({"buurtcode": ["BU16960101", "BU16969999"], "buurtnaam": ["Kern", "Plassen"], "water": ["NEE", "JA"]})
    uit = normaliseer_gebieden(gdf, niveau="buurten")
    assert list(uit["code"]) == ["BU16960101"] and list(uit.index) == [0]


def test_ongeldig_vlak_wordt_hersteld() -> None:
    strik = shapely.Polygon([(140_000, 470_000), (140_100, 470_100), (140_100, 470_000), (140_000, 470_100)])
    gdf = gpd.GeoDataFrame({"code": ["GM0402"], "naam": ["H"]}, geometry=[strik], crs=RD)
    g = normaliseer_gebieden(gdf, niveau="gemeenten").geometry.iloc[0]
    assert g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") and g.area == pytest.approx(5000)


def test_lege_invoer_geeft_leeg_resultaat() -> None:
    leeg = gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs=RD)}, geometry="geometry", crs=RD)
    uit = normaliseer_gebieden(leeg, niveau="buurten")
    assert len(uit) == 0 and uit.crs == RD


@pytest.mark.parametrize(
    ("kolommen", "niveau", "melding"),
    [
        ({"naam": ["H"]}, "gemeenten", "Geen kolom met de CBS-code van de gemeenten gevonden"),
        ({"code": ["GM0402"]}, "gemeenten", "Geen kolom met de naam"),
        ({"code": ["GM0402"], "naam": ["H"]}, "wijken", "bevat gemeenten \\(GM…\\), geen wijken"),
        ({"code": ["GM0402"], "naam": ["H"]}, "provincies", "Onbekend niveau 'provincies'"),
    ],
)
def test_normaliseer_fouten(kolommen: dict[str, list[Any]], niveau: str, melding: str) -> None:
    with pytest.raises(ValidationError, match=melding):
        normaliseer_gebieden(_frame(kolommen), niveau=niveau)


def test_normaliseer_zonder_crs() -> None:
    with pytest.raises(CRSError):
        normaliseer_gebieden(_frame({"code": ["GM0402"], "naam": ["H"]}, crs=None), niveau="gemeenten")


# --------------------------------------------------------------------------- reading files


def _wijken_frame() -> gpd.GeoDataFrame:
    return _frame(
        {
            "WK_CODE": ["WK040201", "WK040601", "WK036301"],
            "WK_NAAM": ["Centrum", "Oude Dorp", "Burgwallen"],
            "GM_CODE": ["GM0402", "GM0406", "GM0363"],
            "AANT_INW": [9750, 3000, 4000],
        }
    )


def test_lees_shapefile_en_knip_tot_regio(tmp_path: Path) -> None:
    pad = tmp_path / "wijk_2023.shp"
    _wijken_frame().to_file(pad)
    uit = lees_gebieden(pad, niveau="wijken", regio=REGIO)
    assert list(uit["code"]) == ["WK040201", "WK040601"] and list(uit.index) == [0, 1]
    assert list(lees_gebieden(pad, niveau="wijken", regio=REGIO, gemeente="GM0406")["code"]) == ["WK040601"]


def test_lees_geojson(tmp_path: Path) -> None:
    pad = tmp_path / "wijken.geojson"
    _wijken_frame().to_crs("EPSG:4326").to_file(pad, driver="GeoJSON")
    uit = lees_gebieden(pad, niveau="wijken")
    assert len(uit) == 3 and uit.crs.to_epsg() == 4326


def test_lees_geopackage_kiest_laag(tmp_path: Path) -> None:
    pad = tmp_path / "kwb.gpkg"
    _wijken_frame().to_file(pad, layer="wijken")
    _frame({"GM_CODE": ["GM0402"], "GM_NAAM": ["Hilversum"]}).to_file(pad, layer="gemeenten")
    assert list(lees_gebieden(pad, niveau="gemeenten")["code"]) == ["GM0402"]
    assert len(lees_gebieden(pad, niveau="wijken")) == 3
    with pytest.raises(BadFileError, match=r"meerdere lagen.*--bronlaag"):
        lees_gebieden(pad, niveau="buurten")


def test_lees_gebieden_fouten(tmp_path: Path) -> None:
    with pytest.raises(BadFileError, match="bestaat niet"):
        lees_gebieden(tmp_path / "weg.gpkg", niveau="wijken")
    (tmp_path / "w.csv").write_text("code;naam\n", encoding="utf-8")
    with pytest.raises(BadFileError, match=r"niet uit '\.csv'"):
        lees_gebieden(tmp_path / "w.csv", niveau="wijken")
    pad = tmp_path / "w.shp"
    _wijken_frame().to_file(pad)
    pad.with_suffix(".prj").unlink()
    with pytest.raises(BadFileError, match="geen coördinatenstelsel"):
        lees_gebieden(pad, niveau="wijken")
    assert len(lees_gebieden(pad, niveau="wijken", crs="EPSG:28992")) == 3
    buiten = tmp_path / "amsterdam.shp"
    _wijken_frame().iloc[[2]].to_file(buiten)
    with pytest.raises(ValidationError, match="bevat geen wijken van regio Gooi en Vechtstreek"):
        lees_gebieden(buiten, niveau="wijken", regio=REGIO)


def test_import_gebieden_via_cli_is_idempotent(werkruimte: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "wijken.gpkg"
    _wijken_frame().to_file(pad, layer="wijken")
    args = ["import", "wijken", str(pad), "--workspace", str(werkruimte.pad)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "nieuw 2" in " ".join(res.output.split())
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "ongewijzigd 2" in " ".join(res.output.split())


# --------------------------------------------------------------------------- real data (../shared/data)


def test_echte_wijken_van_de_regio(shared_data: Path, werkruimte: Werkruimte) -> None:
    pad = shared_data / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg"
    res = importeer(werkruimte, "wijken", pad)
    assert (res.gelezen, res.nieuw, res.afgekeurd) == (38, 38, 0), res.afkeuringen
    assert res.bronlaag == "wijken"
    wijken = werkruimte.store.query("wijken")
    assert len(wijken) == 38 and wijken.crs == RD
    hilversum = wijken[wijken["gemeentecode"] == "GM0402"]
    assert len(hilversum) == 9
    assert int(hilversum["inwoners"].sum()) == 91_735
    assert sorted(hilversum["code"]) == [f"WK0402{i:02d}" for i in range(1, 10)]
    centrum = hilversum.set_index("code").loc["WK040201"]
    assert (centrum["naam"], centrum["inwoners"], centrum["pct_65plus"]) == ("Centrum", 9750, 12.0)
    assert centrum["inwoners_65plus"] == 1170
    assert hilversum["pct_65plus"].between(12, 37).all()
    tweede = importeer(werkruimte, "wijken", pad)
    assert (tweede.nieuw, tweede.gewijzigd, tweede.ongewijzigd) == (0, 0, 38)


def test_echte_wijken_van_een_gemeente(shared_data: Path, werkruimte: Werkruimte) -> None:
    pad = shared_data / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg"
    res = importeer(werkruimte, "wijken", pad, gemeente="GM0402")
    assert res.nieuw == 9 and res.afgekeurd == 0


def test_echte_pdok_gemeenten_camelcase(shared_data: Path, werkruimte: Werkruimte) -> None:
    pad = shared_data / "cbs-gemeenten2023-pdok-wfs" / "gooi_vechtstreek_gemeenten_2023.gpkg"
    ruw = gpd.read_file(pad)
    assert ruw.set_index("gemeentecode").loc["GM0402", "aantalInwoners"] == 93_327
    gemeenten = normaliseer_gebieden(ruw, niveau="gemeenten").set_index("code")
    assert sorted(gemeenten.index) == sorted(REGIO.gemeentecodes)
    h = gemeenten.loc["GM0402"]
    assert (h["naam"], h["inwoners"], h["pct_65plus"]) == ("Hilversum", 93_327, 19.0)
    assert h["inwoners_65plus"] == round(93_327 * 19 / 100)
    assert h["peildatum"] == "2023-01-01"
    res = importeer(werkruimte, "gemeenten", pad)
    assert res.nieuw == 7 and res.afgekeurd == 0
    opgeslagen = werkruimte.store.query("gemeenten").set_index("code")
    assert opgeslagen.loc["GM0402", "inwoners"] == 93_327
    assert opgeslagen.crs == RD and opgeslagen.geometry.iloc[0].bounds[0] > 100_000


def test_echte_gemeenten_daarna_partnerdata_krijgt_gemeentecode(
    shared_data: Path, werkruimte: Werkruimte, tmp_path: Path
) -> None:
    importeer(werkruimte, "gemeenten", shared_data / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg")
    pad = tmp_path / "zorg.csv"
    pad.write_text(
        "naam;soort;bron_id;lon;lat\r\nZorgcentrum Huizen;woonzorgcentrum;z1;5,2420;52,2990\r\n"
        "Zorgcentrum Hilversum;verpleeghuis;z2;5,1769;52,2292\r\n",
        encoding="utf-8",
    )
    res = importeer(werkruimte, "zorgcentra", pad)
    assert res.nieuw == 2, res.afkeuringen
    assert list(werkruimte.store.query("zorgcentra")["gemeentecode"]) == ["GM0406", "GM0402"]
