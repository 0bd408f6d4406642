"""65+/75+ per gemeente from CBS postcode-4 counts: constructed frames and the real CBS data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from kansenkaart.bevolking import aandelen, ouderen_per_gemeente, ouderen_uit_leeftijdstabel
from kansenkaart.errors import ValidationError
from kansenkaart.io import monitor as iom
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.monitor import REGIO
from kansenkaart.regio import laad_regio

REGIO_GV = laad_regio("gooi-en-vechtstreek")
GEMEENTEN = {g.code: g.naam for g in REGIO_GV.gemeenten}


def _gedeeld() -> Path | None:
    d = Path(__file__).resolve().parents[2] / "shared" / "data"
    return d if d.is_dir() else None


@pytest.fixture
def gedeeld() -> Path:
    d = _gedeeld()
    if d is None:
        pytest.skip("../shared/data ontbreekt: deze test gebruikt de echte CBS-gegevens (PC4 en wijken) van de regio")
    return d


# --------------------------------------------------------------------------- constructed


def test_ouderen_per_gemeente_sums_and_matches_names() -> None:
    pc4 = pd.DataFrame(
        {
            "postcode": [1211, 1212, 3755, 1011, 1401],
            "gemeente": ["Hilversum", " hilversum ", "EEMNES", "Amsterdam", "GM1942"],
            "inwoners": [100, 50, 80, 999, 10],
            "inw_65plus": [20, 10, 30, 99, 5],
            "inw_75plus": [8, 4, 10, 50, 2],
        }
    )
    out = ouderen_per_gemeente(pc4, gemeenten=GEMEENTEN)
    assert list(out.index) == list(GEMEENTEN)  # region order
    assert out.loc["GM0402", ["inwoners", "inwoners_65plus", "inwoners_75plus", "aantal_pc4"]].tolist() == [
        150,
        30,
        12,
        2,
    ]
    assert out.loc["GM0317", "inwoners_75plus"] == 10
    assert out.loc["GM1942", "inwoners_75plus"] == 2  # matched by CBS code
    # no PC4 rows: unknown, not zero
    assert pd.isna(out.loc["GM0406", "inwoners_75plus"]) and out.loc["GM0406", "aantal_pc4"] == 0


def test_ouderen_per_gemeente_from_age_bands() -> None:
    banden = ["inw_65_69", "inw_70_74", "inw_75_79", "inw_80_84", "inw_85_89", "inw_90_94", "inw_95plus"]
    pc4 = pd.DataFrame([{"gemeente": "Laren", **dict.fromkeys(banden, 10)}])
    out = ouderen_per_gemeente(pc4, gemeenten=GEMEENTEN)
    assert (out.loc["GM0417", "inwoners_65plus"], out.loc["GM0417", "inwoners_75plus"]) == (70, 50)
    assert pd.isna(out.loc["GM0417", "inwoners"])


def test_ouderen_errors() -> None:
    with pytest.raises(ValidationError, match="Amsterdam"):
        ouderen_per_gemeente(
            pd.DataFrame({"gemeente": ["Amsterdam"], "inw_65plus": [1], "inw_75plus": [1]}),
            gemeenten=GEMEENTEN,
        )
    with pytest.raises(ValidationError, match="inw_75plus"):
        ouderen_per_gemeente(pd.DataFrame({"gemeente": ["Laren"], "inw_65plus": [1]}), gemeenten=GEMEENTEN)
    with pytest.raises(ValidationError, match="gemeente"):
        ouderen_per_gemeente(pd.DataFrame({"plaats": ["Laren"]}), gemeenten=GEMEENTEN)


def test_ouderen_uit_leeftijdstabel_ignores_pc2_pc3() -> None:
    leeftijden = pd.DataFrame(
        {
            "postcode": [12, 121, 1211, 1211, 1211, 1211, 3755],
            "leeftijd": ["75-79", "75-79", "0-4", "65-69", "75-79", "95+", "80-84"],
            "inwoners": [9999, 9999, 100, 30, 20, 5, 7],
        }
    )
    postcodes = pd.DataFrame(
        {"postcode": [12, 121, 1211, 3755], "gemeente": ["Hilversum", "Hilversum", "Hilversum", "Eemnes"]}
    )
    out = ouderen_uit_leeftijdstabel(leeftijden, postcodes, gemeenten=GEMEENTEN)
    assert out.loc["GM0402", ["inwoners", "inwoners_65plus", "inwoners_75plus", "aantal_pc4"]].tolist() == [
        155,
        55,
        25,
        1,
    ]
    assert out.loc["GM0317", "inwoners_75plus"] == 7
    assert pd.isna(out.loc["GM1942", "inwoners_75plus"])


def test_aandelen() -> None:
    s = aandelen(pd.Series([1, 3], index=["a", "b"]))
    assert s.tolist() == [0.25, 0.75] and s.name == "aandeel"
    assert aandelen(pd.Series([1, None], index=["a", "b"], dtype="Int64")).isna().all()
    assert aandelen(pd.Series([0, 0], index=["a", "b"])).isna().all()


# --------------------------------------------------------------------------- real CBS data


@pytest.mark.shared
def test_real_75plus_shares_two_derivations_agree(gedeeld: Path) -> None:
    pc4dir = gedeeld / "cbs-pc4-certegis"
    regiobestand = gpd.read_file(pc4dir / "gooi_vechtstreek_pc4.gpkg")
    a = ouderen_per_gemeente(regiobestand, gemeenten=GEMEENTEN)
    b = ouderen_uit_leeftijdstabel(
        pd.read_csv(pc4dir / "inwoners_per_postcode_leeftijd_2021.csv"),
        pd.read_csv(pc4dir / "postcodes_plaats_gemeente_2021.csv"),
        gemeenten=GEMEENTEN,
    )
    # 39 PC4 areas, Hilversum 11 of them (SOURCE.md), and every gemeente has a figure
    assert int(a["aantal_pc4"].sum()) == 39 and a.loc["GM0402", "aantal_pc4"] == 11
    assert a["inwoners_75plus"].notna().all()
    for kolom in ("inwoners_65plus", "inwoners_75plus", "aantal_pc4"):
        assert a[kolom].tolist() == b[kolom].tolist(), kolom
    assert a.loc["GM0402", "inwoners"] == 91_235  # SOURCE.md: Hilversum 91,235 inhabitants
    # The age bands are used, not the file's own inw_65plus, which leaves out the 95+ band:
    bands = [f"inw_{b}" for b in ("65_69", "70_74", "75_79", "80_84", "85_89", "90_94", "95plus")]
    hil = regiobestand[regiobestand["gemeente"] == "Hilversum"]
    assert int(hil[bands].sum().sum()) == a.loc["GM0402", "inwoners_65plus"] == 17_270
    assert int(hil["inw_65plus"].sum()) == 17_270 - int(hil["inw_95plus"].sum())
    # the 75+ shares: same from both derivations, summing to 1
    sa, sb = aandelen(a["inwoners_75plus"]), aandelen(b["inwoners_75plus"])
    pd.testing.assert_series_equal(sa, sb)
    assert float(sa.sum()) == pytest.approx(1.0)
    assert float(sa["GM0402"]) == pytest.approx(8005 / 24730)


@pytest.mark.shared
def test_real_65plus_shares_agree_with_cbs_wijken(gedeeld: Path) -> None:
    """The PC4 65+ shares (1-1-2021) agree with CBS wijken 2022 (population × % 65+)."""
    pc4 = ouderen_per_gemeente(
        gpd.read_file(gedeeld / "cbs-pc4-certegis" / "gooi_vechtstreek_pc4.gpkg"), gemeenten=GEMEENTEN
    )
    wijken = gpd.read_file(gedeeld / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg", layer="wijken")
    assert len(wijken) == 38 and set(wijken["gm_code"]) == set(GEMEENTEN)
    n65 = (wijken["population"] * wijken["pop_65plus"] / 100).groupby(wijken["gm_code"]).sum()
    uit_wijken = aandelen(n65.reindex(list(GEMEENTEN)))
    uit_pc4 = aandelen(pc4["inwoners_65plus"])
    verschil = (uit_wijken.astype(float) - uit_pc4.astype(float)).abs()
    # different year, different areas and rounded percentages: within half a percentage point
    assert float(verschil.max()) < 0.005, verschil.to_dict()
    inw = wijken.groupby("gm_code")["population"].sum().reindex(list(GEMEENTEN))
    # PC4 areas do not follow gemeente borders exactly (Blaricum differs most, 3 %)
    assert ((inw - pc4["inwoners"].astype(float)).abs() / inw).max() < 0.05


@pytest.mark.shared
def test_spread_uses_the_real_75plus_shares(gedeeld: Path, tmp_path: Path) -> None:
    """Load the real PC4 counts into a workspace; the spread indicator uses exactly those shares."""
    ws = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    kwb = gpd.read_file(gedeeld / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg", layer="gemeenten")
    ws.store.replace_layer(
        "gemeenten",
        gpd.GeoDataFrame(
            {"code": kwb["code"], "naam": kwb["name"], "inwoners": kwb["population"], "bron": "CBS"},
            geometry=kwb.geometry,
            crs=kwb.crs,
        ),
    )
    pc4dir = gedeeld / "cbs-pc4-certegis"
    geladen = iom.laad_bevolking(
        ws,
        pc4dir / "inwoners_per_postcode_leeftijd_2021.csv",
        postcodes=pc4dir / "postcodes_plaats_gemeente_2021.csv",
    )
    laag = ws.store.read_layer("gemeenten").set_index("code")
    for code in GEMEENTEN:
        assert laag.loc[code, "inwoners_75plus"] == geladen.loc[code, "inwoners_75plus"]

    # one zorggeschikte woning per gemeente, so every gemeente has supply
    rep = kwb.set_index("code").geometry.representative_point()
    ws.store.replace_layer(
        "zorggeschikte_woningen",
        gpd.GeoDataFrame(
            {"naam": list(GEMEENTEN), "aantal_woningen": [10] * 7, "eigendom": ["corporatie"] * 7},
            geometry=[rep[c] for c in GEMEENTEN],
            crs=kwb.crs,
        ),
    )
    st = iom.bereken_monitor(ws, peildatum=date(2026, 1, 1))
    assert st.spreiding.basis == "75+"
    tab = st.spreiding.tabel.set_index("gemeentecode")
    onafhankelijk = ouderen_per_gemeente(gpd.read_file(pc4dir / "gooi_vechtstreek_pc4.gpkg"), gemeenten=GEMEENTEN)
    verwacht = aandelen(onafhankelijk["inwoners_75plus"])
    for code in GEMEENTEN:
        assert tab.loc[code, "aandeel_bevolking"] == pytest.approx(float(verwacht[code]))
        assert tab.loc[code, "aanbod"] == 10  # placed by location in the CBS gemeente polygons
    assert tab.loc[REGIO, "inwoners_75plus"] == 24_730
    p = verwacht.astype(float)
    assert st.spreiding.hoover == pytest.approx(0.5 * float((1 / 7 - p).abs().sum()))
    assert tab.loc["GM0402", "woningen_per_1000_75plus"] == pytest.approx(10_000 / 8005)
    assert "CBS" in st.bronnen["bevolking"]
