"""Tests of the geschiktheid score (kansenkaart.geschiktheid): constructed cases with an obvious
order, profiles as data, unknown values, fair share, area statistics on real CBS data and the
sensitivity analysis."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kansenkaart.errors import ValidationError
from kansenkaart.geschiktheid import (
    STANDAARD_NORMEN,
    aanbod_per_gemeente,
    behoefte_uit_regio,
    beschikbare_profielen,
    gebiedskenmerken,
    gevoeligheid,
    laad_profiel,
    nut_afstand,
    parse_profiel,
    scoor,
    tekort_per_gemeente,
)
from kansenkaart.regio import laad_regio

CATS = ("ontmoetingsruimte", "supermarkt", "huisarts", "apotheek", "ov_halte", "zorgcentrum")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def kandidaat(afstand: float = 100.0, **extra: object) -> dict[str, object]:
    """One candidate row with every distance equal to ``afstand`` and neutral area data."""
    rij: dict[str, object] = {f"afstand_{c}_m": afstand for c in CATS}
    rij.update(
        pct_65plus=20.0,
        pct_75plus=8.0,
        dichtheid_65plus=800.0,
        gebied_niveau="buurt",
        gemeentecode="GM0402",
        aantal_woningen=np.nan,
    )
    rij.update(extra)
    return rij


def frame(*rijen: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rijen))


@pytest.fixture
def tekort() -> pd.DataFrame:
    return tekort_per_gemeente(
        behoefte={"GM0402": 505, "GM0317": None, "GM0376": 5}, aanbod={"GM0402": 125, "GM0376": 5}
    )


# --------------------------------------------------------------------------- profiles


def test_shipped_profiles_load_with_sources() -> None:
    assert {"geclusterd", "zorggeschikt"} <= set(beschikbare_profielen())
    for naam in ("geclusterd", "zorggeschikt"):
        p = laad_profiel(naam)
        assert p.doelgroep == naam
        assert all(c.bron for c in p.criteria)
        assert p.criterium("voorzieningen").frequenties == {
            "supermarkt": 52,
            "huisarts": 12,
            "apotheek": 12,
            "ov_halte": 12,
        }
        hard = {c.id for c in p.criteria if c.hard}
        assert hard == {"ontmoetingsruimte", "cluster"}
        # regio: references resolve to the woonzorgvisie norms.
        q = p.met_normen(STANDAARD_NORMEN)
        assert q.criterium("ontmoetingsruimte").hard_max_m == 100.0
        assert q.criterium("cluster").minimum == 12.0


def test_zorggeschikt_weighs_care_more_than_geclusterd() -> None:
    g, z = laad_profiel("geclusterd"), laad_profiel("zorggeschikt")
    aandeel = lambda p, cid: p.criterium(cid).gewicht / p.gewichten.sum()  # noqa: E731
    assert aandeel(z, "zorgcentrum") > aandeel(g, "zorgcentrum")
    assert aandeel(z, "aandeel_75plus") > aandeel(g, "aandeel_75plus")


def test_region_norm_changes_profile() -> None:
    p = laad_profiel("geclusterd").met_normen({"ontmoetingsruimte_max_m": 150})
    assert p.criterium("ontmoetingsruimte").hard_max_m == 150.0
    df = frame(kandidaat(130.0))
    assert not scoor(df, profiel="geclusterd")["voldoet"].iloc[0]
    assert scoor(df, profiel="geclusterd", normen={"ontmoetingsruimte_max_m": 150})["voldoet"].iloc[0]


@pytest.mark.parametrize(
    ("wijziging", "fout"),
    [
        ({"soort": "onzin"}, "soort"),
        ({"bron": ""}, "bron"),
        ({"gewicht": -1}, "gewicht"),
        ({"categorie": "bakker"}, "categorie"),
        ({"max_m": 50}, "max_m"),
        ({"norm_m": "regio:bestaat_niet"}, "norm"),
        ({"kleur": "rood"}, "onbekende sleutel"),
    ],
)
def test_invalid_profile_is_rejected(wijziging: dict[str, object], fout: str) -> None:
    crit = {"soort": "afstand", "categorie": "supermarkt", "gewicht": 1, "norm_m": 100, "max_m": 500, "bron": "test"}
    crit.update(wijziging)
    with pytest.raises(ValidationError, match=fout):
        parse_profiel({"naam": "x", "doelgroep": "geclusterd", "criteria": {"a": crit}})


def test_hard_condition_only_on_distance_or_homes() -> None:
    crit = {
        "soort": "gebied",
        "kolom": "pct_65plus",
        "gewicht": 1,
        "ondergrens": 0,
        "bovengrens": 30,
        "bron": "t",
        "hard": True,
    }
    with pytest.raises(ValidationError, match="harde voorwaarde"):
        parse_profiel({"naam": "x", "doelgroep": "geclusterd", "criteria": {"a": crit}})


def test_unknown_profile_names_the_shipped_ones() -> None:
    with pytest.raises(ValidationError, match="geclusterd"):
        laad_profiel("bestaat-niet")


# --------------------------------------------------------------------------- transformations


def test_distance_utility_curves() -> None:
    d = np.array([0, 100, 350, 600, 1000, np.nan])
    lin = nut_afstand(d, norm_m=100, max_m=600)
    np.testing.assert_allclose(lin, [1, 1, 0.5, 0, 0, 0])
    log = nut_afstand(d, norm_m=100, max_m=600, curve="logistisch")
    np.testing.assert_allclose(log[[0, 1, 3, 4, 5]], [1, 1, 0, 0, 0], atol=1e-12)
    assert log[2] == pytest.approx(0.5)
    assert np.all(np.diff(nut_afstand(np.linspace(0, 800, 50), norm_m=100, max_m=600, curve="logistisch")) <= 0)


# --------------------------------------------------------------------------- constructed cases


def test_near_everything_beats_far_from_everything(tekort: pd.DataFrame) -> None:
    df = frame(kandidaat(1500.0), kandidaat(50.0), kandidaat(400.0))
    out = scoor(df, profiel="geclusterd", tekort=tekort)
    assert list(out["rang"]) == [3, 1, 2]
    assert out["score"].iloc[1] > out["score"].iloc[2] > out["score"].iloc[0]
    # Every distance contribution is larger for the near candidate.
    for cid in ("ontmoetingsruimte", "voorzieningen", "zorgcentrum"):
        assert out[f"bijdrage_{cid}"].iloc[1] > out[f"bijdrage_{cid}"].iloc[0]


def test_score_is_sum_of_contributions_and_within_0_100(tekort: pd.DataFrame) -> None:
    rng = np.random.default_rng(3)
    rijen = [
        kandidaat(
            float(rng.uniform(0, 2000)),
            pct_65plus=float(rng.uniform(5, 40)),
            gemeentecode=str(rng.choice(["GM0402", "GM0317", "GM0376"])),
        )
        for _ in range(200)
    ]
    out = scoor(frame(*rijen), profiel="zorggeschikt", tekort=tekort)
    bijdragen = out.filter(like="bijdrage_").sum(axis=1, skipna=True)
    np.testing.assert_allclose(bijdragen, out["score"], atol=1e-9)
    assert out["score"].between(0, 100).all()
    assert out["uitleg"].str.len().gt(0).all()


def test_failed_hard_condition_is_flagged_and_ranked_last(tekort: pd.DataFrame) -> None:
    # A has everything at 50 m except the ontmoetingsruimte at 250 m: best score, but fails.
    a = kandidaat(50.0, afstand_ontmoetingsruimte_m=250.0)
    b = kandidaat(400.0, afstand_ontmoetingsruimte_m=90.0)
    out = scoor(frame(a, b), profiel="geclusterd", tekort=tekort)
    assert out["score"].iloc[0] > out["score"].iloc[1]
    assert list(out["voldoet"]) == [False, True]
    assert list(out["rang"]) == [2, 1]
    assert "ontmoetingsruimte binnen 100 m" in out["harde_voorwaarden_niet_voldaan"].iloc[0]
    assert out["harde_voorwaarden_niet_voldaan"].iloc[1] == ""
    assert out["uitleg"].iloc[0].startswith("Voldoet niet: ontmoetingsruimte binnen 100 m")


def test_too_few_homes_fails_cluster_condition() -> None:
    out = scoor(
        frame(kandidaat(50.0, aantal_woningen=8), kandidaat(50.0, aantal_woningen=40), kandidaat(50.0)),
        profiel="geclusterd",
    )
    assert list(out["voldoet"]) == [False, True, True]
    assert "minstens 12 woningen" in out["harde_voorwaarden_niet_voldaan"].iloc[0]
    assert "8 woningen (minder dan 12)" in out["uitleg"].iloc[0]
    # Unknown number of homes (a grid cell) does not fail, but is reported.
    assert "minstens 12 woningen" in out["harde_voorwaarden_onbekend"].iloc[2]
    assert "aantal woningen onbekend" in out["uitleg"].iloc[2]


def test_ontmoetingsruimte_in_the_building_passes() -> None:
    df = frame(
        kandidaat(300.0, afstand_ontmoetingsruimte_m=np.nan, ontmoetingsruimte=True),
        kandidaat(300.0, afstand_ontmoetingsruimte_m=np.nan, ontmoetingsruimte=False),
    )
    df["ontmoetingsruimte"] = df["ontmoetingsruimte"].astype("boolean")
    out = scoor(df, profiel="geclusterd")
    assert list(out["voldoet"]) == [True, False]
    assert out["nut_ontmoetingsruimte"].iloc[0] == 1.0
    assert "ontmoetingsruimte in het gebouw" in out["uitleg"].iloc[0]
    assert "geen ontmoetingsruimte" in out["uitleg"].iloc[1]


def test_unknown_need_is_onbekend_not_zero(tekort: pd.DataFrame) -> None:
    # Same location in Hilversum (need known, 75 % open) and in Eemnes (need unknown).
    df = frame(
        kandidaat(200.0, gemeentecode="GM0402"),
        kandidaat(200.0, gemeentecode="GM0317"),
        kandidaat(200.0, gemeentecode="GM0376"),
    )
    out = scoor(df, profiel="geclusterd", tekort=tekort)
    assert np.isnan(out["nut_tekort"].iloc[1]) and np.isnan(out["bijdrage_tekort"].iloc[1])
    assert "tekort in de gemeente" in out["onbekend"].iloc[1]
    assert "behoefte aan geclusterde woningen in de gemeente onbekend" in out["uitleg"].iloc[1]
    # Excluded from the weighted mean: equals the score of a profile without the criterion ...
    zonder = laad_profiel("geclusterd").met_gewichten({"tekort": 0})
    ref = scoor(df, profiel=zonder, tekort=tekort)["score"].iloc[1]
    assert out["score"].iloc[1] == pytest.approx(ref)
    # ... which lies strictly between counting it as 0 (Blaricum: need realised) and as 1.
    assert out["nut_tekort"].iloc[2] == 0.0
    assert out["score"].iloc[2] < out["score"].iloc[1]
    assert out["gewicht_bekend"].iloc[1] < out["gewicht_bekend"].iloc[0]
    assert "gemeente heeft nog 380 geclusterde woningen nodig" in out["uitleg"].iloc[0]
    assert "al gerealiseerd" in out["uitleg"].iloc[2]


def test_unknown_distance_is_onbekend_and_does_not_fail_hard() -> None:
    df = frame(kandidaat(50.0, afstand_ontmoetingsruimte_onbekend=True, afstand_apotheek_onbekend=False))
    df = df.drop(columns=["afstand_huisarts_m"])  # no distances at all for this category
    out = scoor(df, profiel="geclusterd")
    assert out["voldoet"].iloc[0]
    assert "ontmoetingsruimte" in out["harde_voorwaarden_onbekend"].iloc[0]
    assert np.isnan(out["nut_ontmoetingsruimte"].iloc[0])
    assert "afstand tot ontmoetingsruimte onbekend" in out["uitleg"].iloc[0]
    assert "afstand tot huisarts onbekend" in out["uitleg"].iloc[0]
    # The index averages the categories that are known: all at 50 m, so utility 1.
    assert out["nut_voorzieningen"].iloc[0] == 1.0


def test_nan_distance_means_beyond_cutoff_utility_zero() -> None:
    out = scoor(frame(kandidaat(np.nan)), profiel="geclusterd", zoekafstand_m=1500)
    assert out["nut_voorzieningen"].iloc[0] == 0.0
    assert "geen supermarkt binnen 1.500 m" in out["uitleg"].iloc[0]
    assert not out["voldoet"].iloc[0]


def test_explanation_reads_like_the_issue_example(tekort: pd.DataFrame) -> None:
    rij = kandidaat(450.0, afstand_ontmoetingsruimte_m=80.0, pct_65plus=31.0, aantal_woningen=40)
    uitleg = scoor(frame(rij), profiel="geclusterd", tekort=tekort)["uitleg"].iloc[0]
    for stuk in (
        "ontmoetingsruimte op 80 m",
        "supermarkt op 450 m",
        "31% 65+ in de buurt",
        "gemeente heeft nog 380 geclusterde woningen nodig",
        "40 woningen",
    ):
        assert stuk in uitleg
    assert "\n" not in uitleg


def test_equal_candidates_share_a_rank() -> None:
    out = scoor(frame(kandidaat(100.0), kandidaat(100.0), kandidaat(900.0)), profiel="geclusterd")
    assert list(out["rang"]) == [1, 1, 3]


def test_scoor_keeps_index_and_crs() -> None:
    df = frame(kandidaat(100.0), kandidaat(300.0))
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy([0, 1], [0, 1]), crs="EPSG:28992")
    gdf.index = pd.Index([10, 20])
    out = scoor(gdf, profiel="geclusterd")
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == gdf.crs
    assert list(out.index) == [10, 20]
    assert "score" not in gdf  # input untouched


# --------------------------------------------------------------------------- profiles as data


def _met_gewicht(tmp_path: Path, criterium: str, gewicht: float) -> Path:
    bron = laad_profiel("geclusterd").pad
    assert bron is not None
    tekst = bron.read_text(encoding="utf-8")
    patroon = rf"(\[criteria\.{criterium}\][^\[]*?\ngewicht = )[0-9.]+"
    nieuw, n = re.subn(patroon, rf"\g<1>{gewicht}", tekst)
    assert n == 1
    pad = tmp_path / f"geclusterd_{criterium}_{gewicht}.toml"
    pad.write_text(nieuw, encoding="utf-8")
    return pad


def test_changing_a_weight_in_the_profile_file_changes_the_ranking(tmp_path: Path) -> None:
    # A: facilities next door, few older people. B: facilities far, many older people.
    a = kandidaat(60.0, pct_65plus=11.0, dichtheid_65plus=300.0)
    b = kandidaat(
        80.0,
        afstand_supermarkt_m=900.0,
        afstand_huisarts_m=900.0,
        afstand_apotheek_m=900.0,
        afstand_ov_halte_m=900.0,
        afstand_zorgcentrum_m=900.0,
        pct_65plus=34.0,
        dichtheid_65plus=1400.0,
    )
    df = frame(a, b)
    basis = scoor(df, profiel="geclusterd")
    assert list(basis["rang"]) == [1, 2]
    pad = _met_gewicht(tmp_path, "aandeel_65plus", 200)
    assert laad_profiel(pad).criterium("aandeel_65plus").gewicht == 200
    zwaar = scoor(df, profiel=pad)
    assert list(zwaar["rang"]) == [2, 1]
    # And the other way round: weighing the facilities more widens A's lead.
    pad2 = _met_gewicht(tmp_path, "voorzieningen", 100)
    meer = scoor(df, profiel=pad2)
    assert list(meer["rang"]) == [1, 2]
    assert (meer["score"].iloc[0] - meer["score"].iloc[1]) > (basis["score"].iloc[0] - basis["score"].iloc[1])


# --------------------------------------------------------------------------- fair share


def test_supply_counts_what_the_definition_says() -> None:
    wc = pd.DataFrame(
        {
            "gemeentecode": ["GM0402", "GM0402", "GM0402", "GM0402", "GM0406"],
            "aantal_woningen": [40, 10, 30, 50, 20],
            "ontmoetingsruimte": [True, True, False, True, True],
            "opleverjaar": [2023, 2023, 2023, 1990, 2024],
        }
    )
    kansen = pd.DataFrame(
        {
            "gemeentecode": ["GM0402", "GM0402", "GM0402"],
            "doelgroep": ["geclusterd", "geclusterd", "zorggeschikt"],
            "status": ["gerealiseerd", "idee", "gerealiseerd"],
            "aantal_woningen": [15, 99, 7],
        }
    )
    a = aanbod_per_gemeente(doelgroep="geclusterd", wooncomplexen=wc, kansen=kansen, vanaf_jaar=2022)
    # 40 (with OR, >= 12, 2023) + 15 (kans gerealiseerd); not 10 (< 12), 30 (no OR), 50 (before 2022).
    assert a["GM0402"] == 55
    assert a["GM0406"] == 20
    z = aanbod_per_gemeente(
        doelgroep="zorggeschikt",
        kansen=kansen,
        zorggeschikte_woningen=pd.DataFrame(
            {"gemeentecode": ["GM0402"], "aantal_woningen": [5], "opleverjaar": [np.nan]}
        ),
        vanaf_jaar=2022,
    )
    assert z["GM0402"] == 7  # the home without opleverjaar is not counted


def test_gap_table_and_region_need() -> None:
    regio = laad_regio("gooi-en-vechtstreek")
    b = behoefte_uit_regio(regio, "geclusterd")
    assert b["GM0402"] == 505 and b["GM0317"] is None
    bz = behoefte_uit_regio(regio, "zorggeschikt")
    assert bz["GM0402"] == 130 and bz["GM1942"] is None  # ambigu → unknown
    t = tekort_per_gemeente(behoefte=b, aanbod={"GM0402": 125, "GM0376": 9})
    assert t.loc["GM0402", "tekort"] == 380
    assert t.loc["GM0402", "aandeel_open"] == pytest.approx(380 / 505)
    assert np.isnan(t["tekort"]["GM0317"])
    assert t.loc["GM0376", "tekort"] == -4 and t.loc["GM0376", "aandeel_open"] == 0


# --------------------------------------------------------------------------- area statistics


def _vak(x0: float, y0: float, grootte: float = 1000.0) -> shapely.Polygon:
    return shapely.box(x0, y0, x0 + grootte, y0 + grootte)


def test_area_statistics_prefer_buurt_then_wijk() -> None:
    crs = "EPSG:28992"
    wijken = gpd.GeoDataFrame(
        {
            "code": ["WK1"],
            "naam": ["Wijk"],
            "gemeentecode": ["GM0402"],
            "inwoners": [4000],
            "pct_65plus": [25.0],
            "inwoners_65plus": [None],
            "pct_75plus": [None],
            "inwoners_75plus": [None],
        },
        geometry=[_vak(0, 0, 2000)],
        crs=crs,
    )
    buurten = gpd.GeoDataFrame(
        {
            "code": ["BU1", "BU2"],
            "naam": ["Buurt 1", "Buurt 2"],
            "gemeentecode": ["GM0402", "GM0402"],
            "inwoners": [1000, 500],
            "inwoners_65plus": [310, None],
            "pct_65plus": [None, None],
            "inwoners_75plus": [120, None],
            "pct_75plus": [None, None],
        },
        geometry=[_vak(0, 0), _vak(1000, 0)],
        crs=crs,
    )
    punten = gpd.GeoSeries(shapely.points([[500, 500], [1500, 500], [500, 1500], [9000, 9000]]), crs=crs)
    k = gebiedskenmerken(punten, buurten=buurten, wijken=wijken)
    assert list(k["gebied_niveau"].iloc[:3]) == ["buurt", "wijk", "wijk"]
    assert pd.isna(k["gebied_niveau"].iloc[3])
    assert k["pct_65plus"].iloc[0] == pytest.approx(31.0)  # derived 310 / 1000
    assert k["dichtheid_65plus"].iloc[0] == pytest.approx(310.0)  # per km²
    assert k["pct_75plus"].iloc[0] == pytest.approx(12.0)
    assert k["pct_65plus"].iloc[1] == 25.0  # BU2 has no 65+ data: falls back to the wijk
    assert k["inwoners_65plus"].iloc[1] == pytest.approx(1000.0)
    assert np.isnan(k["pct_65plus"].iloc[3])
    out = scoor(
        pd.concat(
            [
                frame(*[kandidaat(100.0)] * 4).drop(
                    columns=["pct_65plus", "pct_75plus", "dichtheid_65plus", "gebied_niveau"]
                ),
                k.reset_index(drop=True),
            ],
            axis=1,
        ),
        profiel="geclusterd",
    )
    assert "31% 65+ in de buurt" in out["uitleg"].iloc[0]
    assert "25% 65+ in de wijk" in out["uitleg"].iloc[1]
    assert "aandeel 65+ onbekend" in out["uitleg"].iloc[3]


def test_real_cbs_wijken_feed_the_65plus_criterion() -> None:
    pad = SHARED / "cbs-kwb2022-tmap" / "gooi_vechtstreek_2022.gpkg"
    if not pad.exists():
        pytest.skip(f"{pad} ontbreekt: deze test gebruikt de echte CBS-wijken van de regio (../shared/data)")
    wijken = gpd.read_file(pad, layer="wijken")
    wijken = wijken.rename(
        columns={"name": "naam", "gm_code": "gemeentecode", "population": "inwoners", "pop_65plus": "pct_65plus"}
    )
    hilversum = wijken[wijken["gemeentecode"] == "GM0402"].reset_index(drop=True)
    assert len(hilversum) == 9
    punten = gpd.GeoSeries(hilversum.geometry.representative_point(), crs=wijken.crs)
    k = gebiedskenmerken(punten, wijken=wijken)
    assert list(k["gebied_code"]) == list(hilversum["code"])
    np.testing.assert_allclose(k["pct_65plus"], hilversum["pct_65plus"])
    # Equal synthetic distances everywhere: only the area data differ.
    df = pd.concat(
        [
            frame(*[kandidaat(250.0)] * len(k)).drop(
                columns=["pct_65plus", "pct_75plus", "dichtheid_65plus", "gebied_niveau"]
            ),
            k,
        ],
        axis=1,
    )
    out = scoor(df, profiel="geclusterd")
    # The 65+ contribution follows the real shares (12 % in Centrum ... 37 % in Landelijk Gebied).
    orde_pct = hilversum["pct_65plus"].to_numpy()
    assert np.all(np.diff(out["nut_aandeel_65plus"].to_numpy()[np.argsort(orde_pct)]) >= 0)
    hoog, laag = int(np.argmax(orde_pct)), int(np.argmin(orde_pct))
    assert out["bijdrage_aandeel_65plus"].iloc[hoog] > out["bijdrage_aandeel_65plus"].iloc[laag]
    assert f"{orde_pct[hoog]:.0f}% 65+ in de wijk" in out["uitleg"].iloc[hoog]
    # With only the 65+ share weighted, the ranking is the ranking of the real shares.
    alleen = laad_profiel("geclusterd").met_gewichten(
        {c.id: (1.0 if c.id == "aandeel_65plus" else 0.0) for c in laad_profiel("geclusterd").criteria}
    )
    r = scoor(df, profiel=alleen)["rang"].to_numpy()
    verwacht = pd.Series(-orde_pct).rank(method="min").to_numpy()
    np.testing.assert_array_equal(r, verwacht)
    # 75+ is not in this data set: onbekend, not 0.
    assert out["nut_aandeel_75plus"].isna().all()


# --------------------------------------------------------------------------- sensitivity


@pytest.fixture
def gescoord() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rijen = [
        kandidaat(
            float(rng.uniform(0, 1200)),
            afstand_supermarkt_m=float(rng.uniform(0, 1200)),
            pct_65plus=float(rng.uniform(8, 38)),
            gemeentecode="GM0402",
        )
        for _ in range(60)
    ]
    return scoor(frame(*rijen), profiel="geclusterd")


def test_rank_range_contains_base_rank(gescoord: pd.DataFrame) -> None:
    g = gevoeligheid(gescoord, profiel="geclusterd", trekkingen=100, seed=1)
    k = g.kandidaten
    assert list(k.index) == list(gescoord.index)
    np.testing.assert_array_equal(k["rang_basis"], gescoord["rang"])
    assert (k["rang_min"] <= k["rang_basis"]).all() and (k["rang_basis"] <= k["rang_max"]).all()
    n_een = 2 * int((laad_profiel("geclusterd").gewichten > 0).sum())
    assert list(g.scenarios["soort"].value_counts().sort_index()) == [1, n_een, 100]
    assert g.scenarios["spearman"].between(-1, 1).all()
    assert g.scenarios["top_overlap"].between(0, 1).all()
    # Same seed, same result.
    g2 = gevoeligheid(gescoord, profiel="geclusterd", trekkingen=100, seed=1)
    pd.testing.assert_frame_equal(g.scenarios, g2.scenarios)


def test_unperturbed_weights_give_spearman_one(gescoord: pd.DataFrame) -> None:
    g = gevoeligheid(gescoord, profiel="geclusterd", trekkingen=5, variatie=0.0)
    assert np.allclose(g.scenarios["spearman"], 1.0)
    assert np.allclose(g.scenarios["top_overlap"], 1.0)
    assert g.kandidaten["robuust"].all()
    assert (g.kandidaten["rang_min"] == g.kandidaten["rang_max"]).all()
    g = gevoeligheid(gescoord, profiel="geclusterd", trekkingen=20)
    assert g.scenarios.loc[g.scenarios["soort"] == "basis", "spearman"].iloc[0] == pytest.approx(1.0)


def test_robust_marking_on_constructed_case() -> None:
    # A clearly best and D clearly worst; B and C swap places when the weights move: B is
    # better on facilities, C on the 65+ share, and their scores are almost equal.
    a = kandidaat(50.0, pct_65plus=35.0, dichtheid_65plus=1500.0)
    b = kandidaat(300.0, pct_65plus=10.0, dichtheid_65plus=800.0, afstand_ontmoetingsruimte_m=100.0)
    c = kandidaat(640.0, pct_65plus=35.0, dichtheid_65plus=800.0, afstand_ontmoetingsruimte_m=100.0)
    d = kandidaat(1500.0, pct_65plus=10.0, dichtheid_65plus=0.0, afstand_ontmoetingsruimte_m=99.0)
    out = scoor(frame(a, b, c, d), profiel="geclusterd")
    assert abs(out["score"].iloc[1] - out["score"].iloc[2]) < 3
    g = gevoeligheid(out, profiel="geclusterd", trekkingen=200, marge_relatief=0.0, marge_min=0)
    k = g.kandidaten
    assert k["robuust"].tolist() == [True, False, False, True]
    assert (k.loc[[1, 2], "rang_min"] == 2).all() and (k.loc[[1, 2], "rang_max"] == 3).all()
    # With a margin of one place they all count as robust.
    ruim = gevoeligheid(out, profiel="geclusterd", trekkingen=50, marge_relatief=0.0, marge_min=1)
    assert ruim.kandidaten["robuust"].all()


def test_failing_candidates_stay_behind_in_every_scenario() -> None:
    a = kandidaat(50.0, afstand_ontmoetingsruimte_m=300.0)  # best score, fails
    b = kandidaat(800.0, afstand_ontmoetingsruimte_m=50.0)
    out = scoor(frame(a, b), profiel="geclusterd")
    k = gevoeligheid(out, profiel="geclusterd", trekkingen=50).kandidaten
    assert k["rang_min"].tolist() == [2, 1] and k["rang_max"].tolist() == [2, 1]


def test_sensitivity_needs_scored_frame() -> None:
    with pytest.raises(ValidationError, match="nut_ontmoetingsruimte"):
        gevoeligheid(frame(kandidaat()), profiel="geclusterd")
