"""Regional monitor: indicators computed by hand on a constructed workspace.

The workspace of :func:`bouw_werkruimte` (Gooi en Vechtstreek, peildatum 2026-01-01) holds the
objects below; every expected number in the tests is derived from this list by hand.

kansen
  K1 Hof Hilversum         GM0402 geclusterd   verkenning        30  (bron gemeente / P-4)
  K2 Zorgcluster Huizen    GM0406 zorggeschikt gerealiseerd      20
  K3 Eemnes Hof            GM0317 geclusterd   idee              15
  K4 Vervallen plan        GM0402 nultreden    vervallen         50  → never counts
  K5 Naarden nultreden     GM1942 nultreden    in uitvoering     12
  K6 Larens hofje          (no code; point in the Laren polygon) geclusterd in voorbereiding 24
  K7 Zorgwoningen Centrum  GM0402 zorggeschikt gerealiseerd       8
nultredenwoningen
  N1 GM0402 40 (2023) realised · N2 GM1942 10 (2010) existing · N3 GM0402 5 (no year) existing
  N4 GM0406 6 (2099, after the peiljaar) → not counted
zorggeschikte_woningen
  Z1 GM0402 8 (2025), bron_id = K7 → counted through K7 only · Z2 GM0376 14 (2015) existing
  Z3 GM0417 6 (2024) realised
wooncomplexen
  W1 GM0417 24 ontmoetingsruimte (1995) existing geclusterd · W2 GM1696 8 → < 12, not counted
  W3 GM1696 30 without ontmoetingsruimte → not counted · W4 GM1942 16 ontmoetingsruimte (2022) realised
nieuwbouwplannen
  P1 GM0402 hard 2029: 50 nultreden + 20 geclusterd · P2 GM0406 zacht, no year: 10 zorggeschikt
  P3 GM1942 hard 2020 (past): 30 nultreden → not counted
  P4 GM0402 zacht 2029: 12 geclusterd, bron gemeente / P-4 = K1 → counted through K1 only
gemeenten (75+): GM0402 8000, GM1942 6000, GM0406 4000, GM0376 1000, GM0417 2000, GM0317 800,
  GM1696 2200 (region 24000)
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box
from typer.testing import CliRunner

from kansenkaart.errors import BadFileError, ConflictError, NotFoundError, ValidationError
from kansenkaart.io import monitor as iom
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.monitor import (
    REGIO,
    Monitorstand,
    behoefte_tabel,
    hoover_index,
    telling,
    verschil,
)
from kansenkaart.regio import laad_regio

PEILDATUM = date(2026, 1, 1)
CODES = ("GM0402", "GM1942", "GM0406", "GM0376", "GM0417", "GM0317", "GM1696")
INW_75 = {
    "GM0402": 8000,
    "GM1942": 6000,
    "GM0406": 4000,
    "GM0376": 1000,
    "GM0417": 2000,
    "GM0317": 800,
    "GM1696": 2200,
}
NAMEN = {
    "GM0402": "Hilversum",
    "GM1942": "Gooise Meren",
    "GM0406": "Huizen",
    "GM0376": "Blaricum",
    "GM0417": "Laren",
    "GM0317": "Eemnes",
    "GM1696": "Wijdemeren",
}


def _vlak(code: str):
    i = CODES.index(code)
    return box(130000 + 2000 * i, 470000, 131000 + 2000 * i, 471000)


def _punt(code: str, dx: float = 0) -> Point:
    c = _vlak(code).centroid
    return Point(c.x + dx, c.y)


def _laag(rijen: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rijen), geometry=geoms, crs="EPSG:28992")


def bouw_werkruimte(pad: Path) -> Werkruimte:
    """Build the workspace described in the module docstring (no peildata yet)."""
    ws = Werkruimte.maak(pad, regio="gooi-en-vechtstreek")
    s = ws.store
    s.replace_layer(
        "gemeenten",
        _laag(
            [{"code": c, "naam": NAMEN[c], "inwoners_75plus": INW_75[c], "bron": "test"} for c in CODES],
            [_vlak(c) for c in CODES],
        ),
    )

    def kans(fid: str, naam: str, code: str | None, doelgroep: str, status: str, n: int, **extra: object) -> None:
        props = {
            "id": fid,
            "naam": naam,
            "soort": "nieuwbouw",
            "doelgroep": doelgroep,
            "status": status,
            "aantal_woningen": n,
            **extra,
        }
        if code:
            props["gemeentecode"] = code
        s.create("kansen", props, _punt(code or "GM0417", 100), gebruiker="test", kanaal="cli")

    kans("K1", "Hof Hilversum", "GM0402", "geclusterd", "verkenning", 30, bron="gemeente", bron_id="P-4")
    kans("K2", "Zorgcluster Huizen", "GM0406", "zorggeschikt", "gerealiseerd", 20)
    kans("K3", "Eemnes Hof", "GM0317", "geclusterd", "idee", 15)
    kans("K4", "Vervallen plan", "GM0402", "nultreden", "vervallen", 50)
    kans("K5", "Naarden nultreden", "GM1942", "nultreden", "in uitvoering", 12)
    kans("K6", "Larens hofje", None, "geclusterd", "in voorbereiding", 24)
    kans("K7", "Zorgwoningen Centrum", "GM0402", "zorggeschikt", "gerealiseerd", 8)

    woning = {"eigendom": "corporatie"}
    s.replace_layer(
        "nultredenwoningen",
        _laag(
            [
                {
                    "id": "N1",
                    "naam": "N1",
                    "aantal_woningen": 40,
                    "gemeentecode": "GM0402",
                    "opleverjaar": 2023,
                    **woning,
                },
                {
                    "id": "N2",
                    "naam": "N2",
                    "aantal_woningen": 10,
                    "gemeentecode": "GM1942",
                    "opleverjaar": 2010,
                    **woning,
                },
                {
                    "id": "N3",
                    "naam": "N3",
                    "aantal_woningen": 5,
                    "gemeentecode": "GM0402",
                    "opleverjaar": None,
                    **woning,
                },
                {
                    "id": "N4",
                    "naam": "N4",
                    "aantal_woningen": 6,
                    "gemeentecode": "GM0406",
                    "opleverjaar": 2099,
                    **woning,
                },
            ],
            [_punt("GM0402"), _punt("GM1942"), _punt("GM0402"), _punt("GM0406")],
        ),
    )
    s.replace_layer(
        "zorggeschikte_woningen",
        _laag(
            [
                {
                    "id": "Z1",
                    "naam": "Z1",
                    "aantal_woningen": 8,
                    "gemeentecode": "GM0402",
                    "opleverjaar": 2025,
                    "bron": "Dudok",
                    "bron_id": "K7",
                    **woning,
                },
                {
                    "id": "Z2",
                    "naam": "Z2",
                    "aantal_woningen": 14,
                    "gemeentecode": "GM0376",
                    "opleverjaar": 2015,
                    **woning,
                },
                {
                    "id": "Z3",
                    "naam": "Z3",
                    "aantal_woningen": 6,
                    "gemeentecode": "GM0417",
                    "opleverjaar": 2024,
                    **woning,
                },
            ],
            [_punt("GM0402"), _punt("GM0376"), _punt("GM0417")],
        ),
    )
    s.replace_layer(
        "wooncomplexen",
        _laag(
            [
                {
                    "id": "W1",
                    "naam": "W1",
                    "aantal_woningen": 24,
                    "ontmoetingsruimte": True,
                    "zorg": True,
                    "gemeentecode": "GM0417",
                    "opleverjaar": 1995,
                },
                {
                    "id": "W2",
                    "naam": "W2",
                    "aantal_woningen": 8,
                    "ontmoetingsruimte": True,
                    "zorg": False,
                    "gemeentecode": "GM1696",
                    "opleverjaar": 2024,
                },
                {
                    "id": "W3",
                    "naam": "W3",
                    "aantal_woningen": 30,
                    "ontmoetingsruimte": False,
                    "zorg": False,
                    "gemeentecode": "GM1696",
                    "opleverjaar": 2023,
                },
                {
                    "id": "W4",
                    "naam": "W4",
                    "aantal_woningen": 16,
                    "ontmoetingsruimte": True,
                    "zorg": True,
                    "gemeentecode": "GM1942",
                    "opleverjaar": 2022,
                },
            ],
            [_punt("GM0417"), _punt("GM1696"), _punt("GM1696"), _punt("GM1942")],
        ),
    )
    s.replace_layer(
        "nieuwbouwplannen",
        _laag(
            [
                {
                    "id": "P1",
                    "naam": "P1",
                    "aantal_woningen": 200,
                    "hardheid": "hard",
                    "opleverjaar": 2029,
                    "aantal_nultreden": 50,
                    "aantal_geclusterd": 20,
                    "gemeentecode": "GM0402",
                },
                {
                    "id": "P2",
                    "naam": "P2",
                    "aantal_woningen": 40,
                    "hardheid": "zacht",
                    "opleverjaar": None,
                    "aantal_zorggeschikt": 10,
                    "gemeentecode": "GM0406",
                },
                {
                    "id": "P3",
                    "naam": "P3",
                    "aantal_woningen": 60,
                    "hardheid": "hard",
                    "opleverjaar": 2020,
                    "aantal_nultreden": 30,
                    "gemeentecode": "GM1942",
                },
                {
                    "id": "P4",
                    "naam": "P4",
                    "aantal_woningen": 80,
                    "hardheid": "zacht",
                    "opleverjaar": 2029,
                    "aantal_geclusterd": 12,
                    "gemeentecode": "GM0402",
                    "bron": "gemeente",
                    "bron_id": "P-4",
                },
            ],
            [_punt("GM0402"), _punt("GM0406"), _punt("GM1942"), _punt("GM0402")],
        ),
    )
    return ws


@pytest.fixture
def ws(tmp_path: Path) -> Werkruimte:
    return bouw_werkruimte(tmp_path / "ws")


@pytest.fixture
def stand(ws: Werkruimte) -> Monitorstand:
    return iom.bereken_monitor(ws, peildatum=PEILDATUM)


def rij(st: Monitorstand, code: str, doelgroep: str) -> dict:
    sel = st.indicatoren[(st.indicatoren["gemeentecode"] == code) & (st.indicatoren["doelgroep"] == doelgroep)]
    assert len(sel) == 1
    return {k: (None if pd.isna(v) else v) for k, v in sel.iloc[0].to_dict().items()}


# --------------------------------------------------------------------------- indicators


def test_hilversum_hand_computed(stand: Monitorstand) -> None:
    r = rij(stand, "GM0402", "nultreden")
    # N1 realised (2023); N3 has no year (existing stock); K4 vervallen; P1 hard 50.
    assert (r["behoefte"], r["gerealiseerd"], r["plannen_hard"], r["pijplijn"]) == (925, 40, 50, 50)
    assert r["dekking"] == pytest.approx(90 / 925)
    assert r["realisatiegraad"] == pytest.approx(40 / 925)
    assert (r["restopgave"], r["restopgave_na_realisatie"]) == (835, 885)

    r = rij(stand, "GM0402", "geclusterd")
    # K1 verkenning 30 + P1 hard 20; P4 is linked to K1 (bron + bron_id) and does not count again.
    assert (r["kansen_verkenning"], r["plannen_hard"], r["plannen_zacht"], r["pijplijn"]) == (30, 20, 0, 50)
    assert (r["gerealiseerd"], r["restopgave"]) == (0, 455)
    assert r["dekking"] == pytest.approx(50 / 505)

    r = rij(stand, "GM0402", "zorggeschikt")
    # K7 gerealiseerd 8; Z1 (bron_id = K7) counts through the kans only.
    assert (r["behoefte"], r["gerealiseerd"], r["pijplijn"], r["restopgave"]) == (130, 8, 0, 122)


def test_other_gemeenten_hand_computed(stand: Monitorstand) -> None:
    r = rij(stand, "GM1942", "nultreden")  # K5 in uitvoering 12; N2 (2010) and P3 (2020, past) do not count
    assert (r["gerealiseerd"], r["kansen_in_uitvoering"], r["plannen_hard"], r["pijplijn"]) == (0, 12, 0, 12)
    assert r["dekking"] == pytest.approx(12 / 410)
    r = rij(stand, "GM1942", "geclusterd")  # W4 realised (2022, ontmoetingsruimte, 16 ≥ 12)
    assert (r["gerealiseerd"], r["pijplijn"], r["restopgave"]) == (16, 0, 214)
    r = rij(stand, "GM0417", "geclusterd")  # K6 has no gemeentecode: placed in Laren by its location
    assert (r["gerealiseerd"], r["kansen_in_voorbereiding"], r["pijplijn"], r["restopgave"]) == (
        0,
        24,
        24,
        66,
    )
    assert rij(stand, "GM0417", "zorggeschikt")["gerealiseerd"] == 6  # Z3
    assert rij(stand, "GM0376", "zorggeschikt")["gerealiseerd"] == 0  # Z2 is from 2015: existing stock
    assert rij(stand, "GM0406", "nultreden")["gerealiseerd"] == 0  # N4 (2099) lies after the peiljaar
    w = rij(stand, "GM1696", "geclusterd")  # W2 too small, W3 without ontmoetingsruimte
    assert (w["gerealiseerd"], w["pijplijn"]) == (0, 0)


def test_unknown_need_is_onbekend_never_zero(stand: Monitorstand) -> None:
    for d in ("nultreden", "geclusterd", "zorggeschikt"):
        r = rij(stand, "GM0317", d)
        assert r["behoefte"] is None and r["behoefte_status"] == "onbekend"
        assert r["dekking"] is None and r["restopgave"] is None and r["realisatiegraad"] is None
    eemnes = rij(stand, "GM0317", "geclusterd")
    assert (eemnes["kansen_idee"], eemnes["pijplijn"]) == (15, 15)  # the supply is still counted
    huizen = rij(stand, "GM0406", "zorggeschikt")  # bijlage 2 column is ambiguous
    assert huizen["behoefte"] is None and huizen["behoefte_status"] == "ambigu"
    assert (huizen["gerealiseerd"], huizen["plannen_zacht"], huizen["pijplijn"]) == (20, 10, 10)
    assert any("Eemnes" in m and "onbekend" in m for m in stand.meldingen)


def test_region_rows(stand: Monitorstand) -> None:
    r = rij(stand, REGIO, "nultreden")  # need from the region file (sum of bijlage 2 without Eemnes)
    assert (r["behoefte"], r["gerealiseerd"], r["pijplijn"], r["restopgave"]) == (2200, 40, 62, 2098)
    assert r["dekking"] == pytest.approx(102 / 2200)
    r = rij(stand, REGIO, "geclusterd")  # 30 + 20 + 15 + 24
    assert (r["behoefte"], r["gerealiseerd"], r["pijplijn"], r["restopgave"]) == (1025, 16, 89, 920)
    r = rij(stand, REGIO, "zorggeschikt")  # region figure ambiguous in the region file
    assert r["behoefte"] is None and r["behoefte_status"] == "ambigu"
    assert (r["gerealiseerd"], r["pijplijn"]) == (8 + 20 + 6, 10)


def test_ledger_explains_what_does_not_count(stand: Monitorstand) -> None:
    t = stand.telling.set_index("id")
    assert not t.loc["Z1", "meegeteld"]
    assert t.loc["Z1", "reden"] == "gekoppeld aan kans 'Zorgwoningen Centrum'; telt mee via de kans"
    assert not t.loc["P3", "meegeteld"] and "vóór het peiljaar" in t.loc["P3", "reden"]
    assert not t.loc["W3", "meegeteld"] and "ontmoetingsruimte" in t.loc["W3", "reden"]
    assert not t.loc["W2", "meegeteld"] and "12" in t.loc["W2", "reden"]
    assert not t.loc["K4", "meegeteld"] and t.loc["K4", "rubriek"] == "vervallen"
    assert t.loc["K6", "gemeentecode"] == "GM0417"


def test_spread_and_hoover_hand_computed(stand: Monitorstand) -> None:
    sp = stand.spreiding
    tab = sp.tabel.set_index("gemeentecode")
    # aanbod = counted geclusterd + zorggeschikt homes that exist (realised or older):
    aanbod = {
        "GM0402": 8,
        "GM1942": 16,
        "GM0406": 20,
        "GM0376": 14,
        "GM0417": 24 + 6,
        "GM0317": 0,
        "GM1696": 0,
    }
    assert {c: int(tab.loc[c, "aanbod"]) for c in CODES} == aanbod
    assert int(tab.loc[REGIO, "aanbod"]) == 88
    met = {
        "GM0402": 8 + 50,
        "GM1942": 16,
        "GM0406": 20 + 10,
        "GM0376": 14,
        "GM0417": 30 + 24,
        "GM0317": 15,
        "GM1696": 0,
    }
    assert {c: int(tab.loc[c, "aanbod_met_pijplijn"]) for c in CODES} == met
    assert sp.basis == "75+"
    s = {c: Fraction(aanbod[c], 88) for c in CODES}
    p = {c: Fraction(INW_75[c], 24000) for c in CODES}
    h = Fraction(1, 2) * sum(abs(s[c] - p[c]) for c in CODES)
    assert sp.hoover == pytest.approx(float(h))  # 0.4356...
    assert sp.hoover == pytest.approx(0.435606, abs=1e-6)
    assert tab.loc["GM0402", "aandeel_aanbod"] == pytest.approx(8 / 88)
    assert tab.loc["GM0402", "aandeel_bevolking"] == pytest.approx(1 / 3)
    assert tab.loc["GM0417", "woningen_per_1000_75plus"] == pytest.approx(15.0)
    assert tab.loc[REGIO, "woningen_per_1000_75plus"] == pytest.approx(88 / 24)
    hm = Fraction(1, 2) * sum(abs(Fraction(met[c], 187) - p[c]) for c in CODES)
    assert sp.hoover_met_pijplijn == pytest.approx(float(hm))


def test_hoover_index_definition() -> None:
    idx = ["a", "b", "c"]
    assert hoover_index(pd.Series([50, 30, 20], index=idx), pd.Series([100, 100, 200], index=idx)) == pytest.approx(0.3)
    assert hoover_index(pd.Series([1, 2], index=idx[:2]), pd.Series([10, 20], index=idx[:2])) == pytest.approx(0)
    assert hoover_index(pd.Series([0, 0], index=idx[:2]), pd.Series([1, 1], index=idx[:2])) is None
    assert hoover_index(pd.Series([1, 1], index=idx[:2]), pd.Series([1, None], index=idx[:2])) is None


def test_spread_falls_back_to_65plus(ws: Werkruimte) -> None:
    g = ws.store.read_layer("gemeenten")
    g["inwoners_65plus"] = [2 * INW_75[c] for c in g["code"]]
    g.loc[g["code"] == "GM0317", "inwoners_75plus"] = None
    ws.store.replace_layer("gemeenten", g)
    st = iom.bereken_monitor(ws, peildatum=PEILDATUM)
    assert st.spreiding.basis == "65+"
    assert st.spreiding.tabel.set_index("gemeentecode").loc["GM0402", "aandeel_bevolking"] == pytest.approx(1 / 3)
    assert any("65-plussers" in m for m in st.meldingen)


def test_no_population_no_index(tmp_path: Path) -> None:
    ws = Werkruimte.maak(tmp_path / "leeg", regio="gooi-en-vechtstreek")
    st = iom.bereken_monitor(ws, peildatum=PEILDATUM)
    assert st.spreiding.basis is None and st.spreiding.hoover is None
    assert (st.indicatoren["gerealiseerd"] == 0).all()
    assert rij(st, "GM0317", "nultreden")["behoefte"] is None


def test_telling_is_pure_and_keeps_input(stand: Monitorstand, ws: Werkruimte) -> None:
    kansen = ws.store.read_layer("kansen")
    voor = kansen.copy()
    t = telling(kansen=kansen, gemeentecodes=CODES, startjaar=2022, peiljaar=2026)
    pd.testing.assert_frame_equal(kansen, voor)
    # without polygons K6 has no gemeente and is listed, not counted
    k6 = t.set_index("id").loc["K6"]
    assert not k6["meegeteld"] and "gemeente" in k6["reden"]


def test_telling_gerealiseerde_kans_naar_opleverjaar() -> None:
    basis = {"soort": "nieuwbouw", "doelgroep": "zorggeschikt", "status": "gerealiseerd", "aantal_woningen": 10,
             "gemeentecode": "GM0402"}
    jaren = {"zonder": None, "in_periode": 2024, "voor_start": 2019, "na_peil": 2028, "peiljaar": 2026}
    kansen = _laag([{**basis, "id": k, "naam": k, "opleverjaar": j} for k, j in jaren.items()],
                   [_punt("GM0402", dx=10 * i) for i in range(len(jaren))])
    t = telling(kansen=kansen, gemeentecodes=CODES, startjaar=2022, peiljaar=2026).set_index("id")
    assert t.loc["zonder", "rubriek"] == "gerealiseerd" and t.loc["zonder", "meegeteld"]
    assert t.loc["in_periode", "rubriek"] == "gerealiseerd" and t.loc["in_periode", "meegeteld"]
    assert t.loc["peiljaar", "rubriek"] == "gerealiseerd" and t.loc["peiljaar", "meegeteld"]
    assert t.loc["voor_start", "rubriek"] == "bestaand" and t.loc["voor_start", "meegeteld"]
    assert not t.loc["na_peil", "meegeteld"]
    assert t.loc["na_peil", "reden"] == "status gerealiseerd, maar opleverjaar 2028 ligt na het peiljaar 2026"
    # the same kans counts once its year has come
    t28 = telling(kansen=kansen, gemeentecodes=CODES, startjaar=2022, peiljaar=2028).set_index("id")
    assert t28.loc["na_peil", "meegeteld"] and t28.loc["na_peil", "rubriek"] == "gerealiseerd"


def test_telling_pijplijn_na_de_behoefteperiode() -> None:
    kansen = _laag(
        [{"id": k, "naam": k, "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": st, "aantal_woningen": 12,
          "gemeentecode": "GM0402", "opleverjaar": j}
         for k, st, j in (("K2030", "in uitvoering", 2030), ("K2031", "verkenning", 2031), ("Kleeg", "idee", None),
                          ("Kgerealiseerd", "gerealiseerd", 2025))],
        [_punt("GM0402", dx=10 * i) for i in range(4)],
    )
    plannen = _laag(
        [{"id": p, "naam": p, "hardheid": "hard", "opleverjaar": j, "aantal_nultreden": 20, "gemeentecode": "GM0402"}
         for p, j in (("P2030", 2030), ("P2032", 2032))],
        [_punt("GM0402", dx=100 + 10 * i) for i in range(2)],
    )
    t = telling(kansen=kansen, nieuwbouwplannen=plannen, gemeentecodes=CODES, startjaar=2022, peiljaar=2026,
                eindjaar=2030).set_index("id")
    assert t.loc[["K2030", "Kleeg", "Kgerealiseerd", "P2030"], "meegeteld"].all()
    assert not t.loc["K2031", "meegeteld"] and not t.loc["P2032", "meegeteld"]
    assert t.loc["K2031", "reden"] == "opleverjaar 2031 ligt na de behoefteperiode 2022-2030"
    assert t.loc["P2032", "reden"] == "opleverjaar 2032 ligt na de behoefteperiode 2022-2030"
    # without an end year (the default) nothing is cut off
    assert telling(kansen=kansen, nieuwbouwplannen=plannen, gemeentecodes=CODES, startjaar=2022,
                   peiljaar=2026)["meegeteld"].all()


def test_monitor_laat_pijplijn_na_2030_buiten_de_dekking(ws: Werkruimte) -> None:
    voor = rij(iom.bereken_monitor(ws, peildatum=PEILDATUM), "GM0402", "geclusterd")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"opleverjaar": 2032}, versie=k1.versie, gebruiker="test", kanaal="api")
    st = iom.bereken_monitor(ws, peildatum=PEILDATUM)
    na = rij(st, "GM0402", "geclusterd")
    assert na["pijplijn"] == voor["pijplijn"] - 30  # K1's 30 homes; its linked plan P4 only ever counted through K1
    k1_regels = st.telling[st.telling["id"] == "K1"]
    assert list(k1_regels["reden"]) == ["opleverjaar 2032 ligt na de behoefteperiode 2022-2030"]
    p4 = st.telling[st.telling["id"] == "P4"]  # linked to K1: it says why it does not count after all
    assert list(p4["reden"]) == [
        "gekoppeld aan kans 'Hof Hilversum', die niet meetelt: opleverjaar 2032 ligt na de behoefteperiode 2022-2030"
    ]


# --------------------------------------------------------------------------- need import


def test_behoefte_import_fills_and_overrides(ws: Werkruimte, tmp_path: Path) -> None:
    csv = tmp_path / "behoefte.csv"
    csv.write_text(
        "gemeentecode;doelgroep;behoefte;bron\n"
        "GM0402;zorggeschikt;130;woonzorgvisie\n"
        "GM1942;zorggeschikt;70;gemeente Gooise Meren\n"
        "GM0406;zorggeschikt;55;gemeente Huizen\n"
        "GM0376;zorggeschikt;14;test\n"
        "GM0417;zorggeschikt;35;test\n"
        "GM0317;zorggeschikt;;geen figuur\n"
        "GM1696;zorggeschikt;1.000;test\n"
        "GM0402;nultreden;900;herijking\n",
        encoding="utf-8",
    )
    df = iom.importeer_behoefte(ws, csv)
    assert len(df) == 8 and df["behoefte"].isna().sum() == 1
    st = iom.bereken_monitor(ws, peildatum=PEILDATUM)
    assert rij(st, "GM0402", "nultreden")["behoefte"] == 900
    assert rij(st, "GM1696", "zorggeschikt")["behoefte"] == 1000
    assert rij(st, "GM0317", "zorggeschikt")["behoefte"] is None  # empty stays unknown
    r = rij(st, "GM0406", "zorggeschikt")
    assert r["behoefte"] == 55 and r["dekking"] == pytest.approx(30 / 55)
    regio = rij(st, REGIO, "zorggeschikt")  # sum of the imported figures, Eemnes unknown
    assert regio["behoefte"] == 130 + 70 + 55 + 14 + 35 + 1000 and regio["behoefte_status"] == "bekend"
    assert "Eemnes" in regio["behoefte_toelichting"]
    # nultreden figures were imported for one gemeente: the region total becomes the sum, too
    assert rij(st, REGIO, "nultreden")["behoefte"] == 2200 - 925 + 900
    assert iom.wis_behoefte(ws)
    assert rij(iom.bereken_monitor(ws, peildatum=PEILDATUM), "GM0402", "nultreden")["behoefte"] == 925


@pytest.mark.parametrize(
    ("regel", "woord"),
    [
        ("GM9999;nultreden;10;x", "GM9999"),
        ("GM0402;senioren;10;x", "senioren"),
        ("GM0402;nultreden;-5;x", "-5"),
        ("GM0402;nultreden;12,5;x", "12,5"),
    ],
)
def test_behoefte_import_rejects_bad_rows(regel: str, woord: str) -> None:
    tekst = io.StringIO(f"gemeentecode;doelgroep;behoefte;bron\n{regel}\n")
    with pytest.raises(ValidationError, match="Rij 2") as e:
        iom.lees_behoefte_csv(tekst, gemeentecodes=CODES)
    assert woord in str(e.value)


def test_behoefte_import_bad_file() -> None:
    with pytest.raises(BadFileError, match="behoefte"):
        iom.lees_behoefte_csv(io.StringIO("code;aantal\nGM0402;4\n"), gemeentecodes=CODES)
    with pytest.raises(ValidationError, match="dubbel"):
        iom.lees_behoefte_csv(
            io.StringIO("gemeentecode,doelgroep,behoefte\nGM0402,nultreden,1\nGM0402,nultreden,2\n"),
            gemeentecodes=CODES,
        )


def test_behoefte_tabel_region_rules() -> None:
    regio = laad_regio("gooi-en-vechtstreek")
    t = behoefte_tabel(regio).set_index(["gemeentecode", "doelgroep"])
    assert t.loc[(REGIO, "nultreden"), "behoefte"] == 2200
    assert pd.isna(t.loc[(REGIO, "zorggeschikt"), "behoefte"])
    assert t.loc[("GM0402", "zorggeschikt"), "behoefte"] == 130
    assert pd.isna(t.loc[("GM1942", "zorggeschikt"), "behoefte"])  # bijlage-2 value 720 is ambiguous


# --------------------------------------------------------------------------- peildata


def test_peildata_and_a_kans_that_moves_status(ws: Werkruimte) -> None:
    eerste = iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    with pytest.raises(ConflictError, match="al vastgelegd"):
        iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"status": "in voorbereiding"}, versie=k1.versie, gebruiker="t", kanaal="cli")
    ws.store.delete("kansen", "K3", versie=None, gebruiker="t", kanaal="cli")
    ws.store.create(
        "kansen",
        {
            "id": "K8",
            "naam": "Nieuw hofje",
            "soort": "transformatie",
            "doelgroep": "geclusterd",
            "status": "idee",
            "aantal_woningen": 18,
            "gemeentecode": "GM1696",
        },
        _punt("GM1696"),
        gebruiker="t",
        kanaal="cli",
    )
    tweede = iom.leg_peildatum_vast(ws, peildatum=date(2026, 4, 1))
    assert iom.peildata(ws) == [date(2026, 1, 1), date(2026, 4, 1)]

    # frozen stands survive a JSON round trip unchanged
    terug = iom.lees_peildatum(ws, "2026-01-01")
    pd.testing.assert_frame_equal(terug.indicatoren, eerste.indicatoren)
    assert terug.spreiding.hoover == eerste.spreiding.hoover

    v = verschil(eerste, tweede)
    oms = list(v.kansen["omschrijving"])
    assert "Kans Hof Hilversum: verkenning → in voorbereiding" in oms
    assert "Nieuwe kans Nieuw hofje (idee)" in oms
    assert any(o.startswith("Kans Eemnes Hof staat niet meer") for o in oms)
    d = v.indicatoren.set_index(["gemeentecode", "doelgroep", "indicator"])
    assert d.loc[("GM0402", "geclusterd", "kansen_verkenning"), ["oud", "nieuw", "verschil"]].tolist() == [
        30,
        0,
        -30,
    ]
    assert d.loc[("GM0402", "geclusterd", "kansen_in_voorbereiding"), "verschil"] == 30
    assert ("GM0402", "geclusterd", "pijplijn") not in d.index  # moved within the pipeline: total unchanged
    assert d.loc[("GM0317", "geclusterd", "pijplijn"), "verschil"] == -15
    assert d.loc[(REGIO, "geclusterd", "pijplijn"), ["oud", "nieuw"]].tolist() == [89, 89 - 15 + 18]

    ov = iom.monitor_overzicht(ws, peildatum="2026-04-01")
    assert not ov.actueel and ov.vergelijking is not None and ov.vergelijking.peildatum == date(2026, 1, 1)
    tr = ov.trend[(ov.trend["gemeentecode"] == REGIO) & (ov.trend["doelgroep"] == "geclusterd")]
    assert tr["peildatum"].tolist() == ["2026-01-01", "2026-04-01"]
    assert tr["pijplijn"].tolist() == [89, 92]

    with pytest.raises(NotFoundError, match="2026-01-01, 2026-04-01"):
        iom.lees_peildatum(ws, "2025-12-31")
    iom.verwijder_peildatum(ws, "2026-01-01")
    assert iom.peildata(ws) == [date(2026, 4, 1)]


def test_verschil_reports_a_delayed_kans_but_not_years_an_old_stand_lacks(ws: Werkruimte) -> None:
    eerste = iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"opleverjaar": 2028}, versie=k1.versie, gebruiker="t", kanaal="cli")
    tweede = iom.leg_peildatum_vast(ws, peildatum="2026-04-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"opleverjaar": 2030}, versie=k1.versie, gebruiker="t", kanaal="cli")
    derde = iom.bereken_monitor(ws, peildatum=date(2026, 7, 1))
    assert "Kans Hof Hilversum: opleverjaar onbekend → 2028" in list(verschil(eerste, tweede).kansen["omschrijving"])
    v = verschil(iom.lees_peildatum(ws, "2026-04-01"), derde)
    assert list(v.kansen["omschrijving"]) == ["Kans Hof Hilversum: opleverjaar 2028 → 2030"]
    # a stand frozen before kansen had a year: no year is reported as changed
    oud = tweede.to_dict()
    oud["kansen"] = [{k: w for k, w in r.items() if k != "opleverjaar"} for r in oud["kansen"]]
    v_oud = verschil(Monitorstand.from_dict(oud), derde)
    assert not any("opleverjaar" in o for o in v_oud.kansen["omschrijving"])


def test_note_on_pipeline_kansen_whose_year_has_passed(ws: Werkruimte) -> None:
    assert not any("opleverjaar vóór" in m for m in iom.bereken_monitor(ws, peildatum=PEILDATUM).meldingen)
    for kid, jaar in (("K1", 2024), ("K5", 2025), ("K2", 2023)):  # K2 is gerealiseerd: not overdue
        k = ws.store.get("kansen", kid)
        ws.store.update("kansen", kid, {"opleverjaar": jaar}, versie=k.versie, gebruiker="t", kanaal="cli")
    meldingen = iom.bereken_monitor(ws, peildatum=PEILDATUM).meldingen
    assert "2 kans(en) in de pijplijn met een opleverjaar vóór 2026 (Hof Hilversum, Naarden nultreden): werk de " \
        "status of het opleverjaar bij." in meldingen


def test_current_overview_compares_with_last_peildatum(ws: Werkruimte) -> None:
    iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"status": "in voorbereiding"}, versie=k1.versie, gebruiker="t", kanaal="cli")
    ov = iom.monitor_overzicht(ws)
    assert ov.actueel and ov.verschil is not None
    assert "Kans Hof Hilversum: verkenning → in voorbereiding" in list(ov.verschil.kansen["omschrijving"])
    data = ov.to_dict()
    json.dumps(data)  # JSON-ready
    assert data["peildata"] == ["2026-01-01"]
    assert data["verschil"]["van"] == "2026-01-01"


# --------------------------------------------------------------------------- export and report


def test_export_xlsx_and_csv(ws: Werkruimte, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ov = iom.monitor_overzicht(ws, peildatum=None)
    xlsx = tmp_path / "m.xlsx"
    iom.exporteer(ov, xlsx)
    wb = load_workbook(xlsx)
    assert {
        "Samenvatting",
        "Indicatoren",
        "Spreiding",
        "Trend",
        "Kansen",
        "Onderbouwing",
        "Definities",
        "Bronnen",
    } <= set(wb.sheetnames)
    blad = wb["Indicatoren"]
    kop = [c.value for c in blad[1]]
    rijen = [dict(zip(kop, (c.value for c in r), strict=True)) for r in blad.iter_rows(min_row=2)]
    eemnes = next(r for r in rijen if r["Gemeentecode"] == "GM0317" and r["Doelgroep"] == "nultreden")
    assert eemnes["Behoefte"] == "onbekend" and eemnes["Dekking"] == "onbekend"
    hil = next(r for r in rijen if r["Gemeentecode"] == "GM0402" and r["Doelgroep"] == "nultreden")
    assert (hil["Behoefte"], hil["Gerealiseerd"], hil["Pijplijn totaal"]) == (925, 40, 50)

    csv = tmp_path / "m.csv"
    iom.exporteer(ov, csv)
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(csv, dtype=str, encoding="utf-8-sig")
    sel = df.set_index(["gemeentecode", "doelgroep", "indicator"])["waarde"]
    assert sel[("GM0402", "nultreden", "gerealiseerd")] == "40"
    assert sel[("GM0317", "geclusterd", "behoefte")] == "onbekend"
    assert sel[(REGIO, "geclusterd+zorggeschikt", "hoover")] == "0.435606"
    with pytest.raises(ValidationError, match="exportformaat"):
        iom.exporteer(ov, tmp_path / "m.pdf")


def test_export_xlsx_never_writes_formulas(ws: Werkruimte, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws.store.update("kansen", "K3", {"naam": '=HYPERLINK("http://x","klik")'}, versie=None, gebruiker="t", kanaal="cli")
    xlsx = tmp_path / "m.xlsx"
    iom.exporteer(iom.monitor_overzicht(ws), xlsx)
    blad = load_workbook(xlsx)["Kansen"]
    cel = next(c for r in blad.iter_rows() for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cel.data_type == "s"


def test_report_html(ws: Werkruimte) -> None:
    k7 = ws.store.get("kansen", "K7")
    ws.store.update("kansen", "K7", {"opleverjaar": 2025}, versie=k7.versie, gebruiker="test", kanaal="api")
    ov = iom.monitor_overzicht(ws, peildatum=None)
    html = iom.rapport_html(ws, ov, gemeente="GM0402")
    assert "Monitor woonzorg — Hilversum" in html
    assert 'data-veld="gerealiseerd">40<' in html
    assert "Zorgwoningen Centrum" in html and "Eemnes Hof" not in html  # only Hilversum's kansen
    rij_k7 = re.search(r'<tr data-kans="K7">.*?</tr>', html)
    assert rij_k7 is not None and '<td class="getal">2025</td>' in rij_k7.group(0)  # its opleverjaar, no separator
    assert "<th class=\"getal\">Opleverjaar</th>" in html
    assert "<svg" in html and "H = ½" in html and "CC BY 4.0" in html
    assert "@page" in html  # print CSS inlined
    regio = iom.rapport_html(ws, ov)
    assert 'id="tabel-spreiding"' in regio and "Eemnes Hof" in regio
    with pytest.raises(NotFoundError, match="GM9999"):
        iom.rapport_html(ws, ov, gemeente="GM9999")


# --------------------------------------------------------------------------- CLI


def test_cli_workflow(ws: Werkruimte, tmp_path: Path) -> None:
    from kansenkaart.cli import app

    runner = CliRunner(env={"COLUMNS": "200"})
    w = ["-w", str(ws.pad)]
    r = runner.invoke(app, ["monitor", "peildatum", "vastleggen", "--datum", "2026-01-01", *w])
    assert r.exit_code == 0, r.output
    assert "Peildatum 2026-01-01 vastgelegd" in r.output
    r = runner.invoke(app, ["monitor", "peildatum", "vastleggen", "--datum", "2026-01-01", *w])
    assert r.exit_code == 2 and "al vastgelegd" in r.output
    r = runner.invoke(app, ["monitor", "peildata", *w])
    assert r.exit_code == 0 and "2026-01-01" in r.output
    r = runner.invoke(app, ["monitor", "toon", "--doelgroep", "geclusterd", *w])
    assert r.exit_code == 0, r.output
    assert "onbekend" in r.output and "Hoover-index 0,44" in r.output
    r = runner.invoke(app, ["monitor", *w])
    assert r.exit_code == 0 and "Nultredenwoningen" in r.output
    r = runner.invoke(app, ["monitor", "export", "-o", str(tmp_path / "m.xlsx"), *w])
    assert r.exit_code == 0 and (tmp_path / "m.xlsx").exists()
    r = runner.invoke(app, ["monitor", "rapport", "--gemeente", "GM0402", "-o", str(tmp_path / "r.html"), *w])
    assert r.exit_code == 0 and "Hilversum" in (tmp_path / "r.html").read_text(encoding="utf-8")
    r = runner.invoke(app, ["monitor", "rapport", "--gemeente", "GM9999", "-o", str(tmp_path / "x.html"), *w])
    assert r.exit_code == 2 and "GM9999" in r.output
    csv = tmp_path / "b.csv"
    csv.write_text("gemeentecode;doelgroep;behoefte;bron\nGM0406;zorggeschikt;55;test\n", encoding="utf-8")
    r = runner.invoke(app, ["monitor", "behoefte", "importeren", str(csv), *w])
    assert r.exit_code == 0 and "1 behoeftecijfers" in r.output
    r = runner.invoke(app, ["monitor", "peildatum", "verwijderen", "2026-01-01", *w])
    assert r.exit_code == 0
    r = runner.invoke(app, ["monitor", "peildatum", "vastleggen", "--datum", "1-1-2026", *w])
    assert r.exit_code == 2 and "JJJJ-MM-DD" in r.output


def test_cli_gebieden_leeftijden(ws: Werkruimte, tmp_path: Path) -> None:
    from kansenkaart.cli import app

    pc4 = tmp_path / "pc4.csv"
    pc4.write_text(
        "postcode;gemeente;inwoners;inw_65plus;inw_75plus\n"
        "1211;Hilversum;9685;1155;470\n1212;Hilversum;3615;695;385\n3755;Eemnes;9365;1960;820\n"
        "1011;Amsterdam;5000;700;300\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["gebieden", "leeftijden", str(pc4), "-w", str(ws.pad)], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    assert "855" in r.output  # Hilversum 470 + 385
    g = ws.store.read_layer("gemeenten").set_index("code")
    assert g.loc["GM0402", "inwoners_75plus"] == 855 and g.loc["GM0317", "inwoners_65plus"] == 1960
    # gemeenten without PC4 rows keep their (layer) value; the metadata holds unknown, not 0
    assert g.loc["GM0406", "inwoners_75plus"] == INW_75["GM0406"]
    meta = json.loads(ws.store.get_meta(iom.META_BEVOLKING) or "{}")
    assert meta["gemeenten"]["GM0406"]["inwoners_75plus"] is None
    assert "Let op" in r.output
