"""Tests of the row-level validation (kansenkaart.validatie): one test per rule, on data built here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from kansenkaart.errors import CRSError, ValidationError
from kansenkaart.regio import Regio, laad_regio
from kansenkaart.schemas import LAGEN
from kansenkaart.validatie import (
    AFKEUR_KOLOMMEN,
    Fout,
    Validatieresultaat,
    normaliseer_code,
    parse_getal,
    valideer_kenmerken,
    valideer_rijen,
)

REGIO: Regio = laad_regio("gooi-en-vechtstreek")
RD = "EPSG:28992"
HILVERSUM = shapely.box(136_000, 466_000, 143_000, 477_000)
HUIZEN = shapely.box(143_000, 477_000, 150_000, 484_000)
IN_HILVERSUM = shapely.Point(140_000, 470_000)
IN_HUIZEN = shapely.Point(146_000, 480_000)
IN_BBOX_BUITEN_GEMEENTEN = shapely.Point(131_000, 465_000)
KANS: dict[str, Any] = {
    "naam": "Hofje Oost",
    "soort": "nieuwbouw",
    "doelgroep": "geclusterd",
    "status": "idee",
    "aantal_woningen": "18",
    "bron": "test",
    "bron_id": "1",
}


@pytest.fixture
def gemeenten() -> gpd.GeoDataFrame:
    """Two square 'gemeenten' inside the region bbox."""
    return gpd.GeoDataFrame(
        {"code": ["GM0402", "GM0406"], "naam": ["Hilversum", "Huizen"]}, geometry=[HILVERSUM, HUIZEN], crs=RD
    )


def _valideer(
    rijen: list[dict[str, Any]],
    geoms: list[BaseGeometry | None] | None = None,
    *,
    laag: str = "kansen",
    crs: str = RD,
    **kw: Any,
) -> Validatieresultaat:
    geoms = geoms if geoms is not None else [IN_HILVERSUM] * len(rijen)
    return valideer_rijen(
        pd.DataFrame(rijen, dtype=object), gpd.GeoSeries(geoms, crs=crs), schema=LAGEN[laag], regio=REGIO, **kw
    )


def _kans(**over: Any) -> dict[str, Any]:
    return {**KANS, **over}


def _eén_fout(res: Validatieresultaat, veld: str) -> str:
    """The reason of the only reject, which must concern ``veld``."""
    assert len(res.geldig) == 0, res.afgekeurd
    fouten = res.afgekeurd[res.afgekeurd["veld"] == veld]
    assert len(fouten) == 1, res.afgekeurd.to_dict("records")
    return str(fouten["reden"].iloc[0])


# --------------------------------------------------------------------------- basics


def test_geldige_rij_getypeerd_in_regio_crs_met_rijnummer_als_index() -> None:
    res = _valideer([_kans(), _kans(bron_id="2", aantal_woningen="")])
    assert res.afgekeurd.empty
    assert list(res.afgekeurd.columns) == list(AFKEUR_KOLOMMEN)
    g = res.geldig
    assert list(g.index) == [2, 3] and g.index.name == "rij"
    assert g.crs == RD
    assert str(g["aantal_woningen"].dtype) == "Int64"
    assert g["aantal_woningen"].iloc[0] == 18 and pd.isna(g["aantal_woningen"].iloc[1])
    assert set(g.columns) >= {"naam", "soort", "doelgroep", "status", "bron", "bron_id", "geometry"}


def test_lon_lat_geometrie_wordt_naar_regio_crs_geprojecteerd() -> None:
    res = _valideer([_kans()], [shapely.Point(5.1769, 52.2292)], crs="EPSG:4326")
    assert res.afgekeurd.empty
    p = res.geldig.geometry.iloc[0]
    assert 139_000 < p.x < 142_000 and 469_000 < p.y < 472_000


def test_geometrie_zonder_crs_wordt_geweigerd() -> None:
    with pytest.raises(CRSError):
        valideer_rijen(pd.DataFrame([KANS]), gpd.GeoSeries([IN_HILVERSUM]), schema=LAGEN["kansen"], regio=REGIO)


def test_rijnummers_komen_uit_de_lezer() -> None:
    res = _valideer([_kans(), _kans(bron_id="2", naam="")], rijnummers=[7, 9])
    assert res.afgekeurde_rijen == [9]
    assert list(res.geldig.index) == [7]


# --------------------------------------------------------------------------- required fields


def test_verplicht_veld_leeg() -> None:
    assert _eén_fout(_valideer([_kans(naam="  ")]), "naam") == "verplicht veld is leeg"


def test_verplicht_veld_afwezige_kolom_telt_als_leeg() -> None:
    rij = _kans()
    del rij["status"]
    assert _eén_fout(_valideer([rij]), "status") == "verplicht veld is leeg"


def test_bron_id_verplicht_bij_import_met_uitleg() -> None:
    reden = _eén_fout(_valideer([_kans(bron_id="")]), "bron_id")
    assert "verplicht bij importeren" in reden and "opnieuw importeren" in reden


def test_bron_id_niet_verplicht_buiten_import() -> None:
    assert _valideer([_kans(bron_id="")], bron_id_verplicht=False).afgekeurd.empty


def test_bron_standaard_de_bestandsnaam() -> None:
    res = _valideer([_kans(bron=""), _kans(bron="Dudok", bron_id="2")], bron="kansen_hilversum")
    assert list(res.geldig["bron"]) == ["kansen_hilversum", "Dudok"]


# --------------------------------------------------------------------------- code lists


@pytest.mark.parametrize(
    ("laag", "veld", "invoer", "verwacht"),
    [
        ("kansen", "status", "In_Voorbereiding", "in voorbereiding"),
        ("kansen", "status", "  IDEE ", "idee"),
        ("voorzieningen", "categorie", "OV halte", "ov_halte"),
        ("zorggeschikte_woningen", "toegankelijkheid", "woonkeur 6", "Woonkeur 6"),
    ],
)
def test_code_wordt_genormaliseerd(laag: str, veld: str, invoer: str, verwacht: str) -> None:
    basis = {"naam": "x", "bron": "t", "bron_id": "1"}
    extra = {
        "kansen": {k: v for k, v in KANS.items() if k not in basis},
        "voorzieningen": {"categorie": "supermarkt"},
        "zorggeschikte_woningen": {"aantal_woningen": "4", "eigendom": "corporatie"},
    }[laag]
    res = _valideer([{**basis, **extra, veld: invoer}], laag=laag)
    assert res.afgekeurd.empty, res.afgekeurd
    assert res.geldig[veld].iloc[0] == verwacht


def test_code_niet_in_lijst_met_suggestie() -> None:
    reden = _eén_fout(_valideer([_kans(status="verkening")]), "status")
    assert "'verkening' staat niet in de lijst" in reden
    assert "Bedoelt u 'verkenning'?" in reden
    assert "idee, verkenning, in voorbereiding" in reden


def test_meerdere_codes_genormaliseerd_en_in_lijstvolgorde() -> None:
    rij = {
        "naam": "Plan",
        "aantal_woningen": "40",
        "hardheid": "Hard",
        "doelgroepen": "Zorggeschikt; nultreden",
        "bron": "t",
        "bron_id": "p1",
    }
    res = _valideer([rij, {**rij, "bron_id": "p2", "doelgroepen": "nultreden, ouderen"}], laag="nieuwbouwplannen")
    assert res.geldig["doelgroepen"].iloc[0] == "nultreden,zorggeschikt"
    reden = str(res.afgekeurd.set_index("rij").loc[3, "reden"])
    assert "'ouderen' staat niet in de lijst" in reden


def test_normaliseer_code() -> None:
    assert normaliseer_code("in-uitvoering", ("in uitvoering",)) == "in uitvoering"
    assert normaliseer_code("onbekend", ("idee",)) is None


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("waarde", "verwacht"),
    [
        ("52,23", 52.23),
        ("52.23", 52.23),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        (" 7 ", 7.0),
        (3, 3.0),
        ("-0,5", -0.5),
        ("", None),
        (None, None),
    ],
)
def test_parse_getal(waarde: Any, verwacht: float | None) -> None:
    assert parse_getal(waarde) == verwacht


@pytest.mark.parametrize("waarde", ["veel", "1,2,3", "nan", "inf", True, "12 woningen"])
def test_parse_getal_weigert(waarde: Any) -> None:
    with pytest.raises(ValidationError, match="geen"):
        parse_getal(waarde)


def test_getal_is_geen_getal() -> None:
    assert "'veel' is geen getal" in _eén_fout(_valideer([_kans(aantal_woningen="veel")]), "aantal_woningen")


def test_getal_is_geen_geheel_getal() -> None:
    reden = _eén_fout(_valideer([_kans(aantal_woningen="12,5")]), "aantal_woningen")
    assert "geen geheel getal" in reden


def test_getal_onder_minimum() -> None:
    reden = _eén_fout(_valideer([_kans(aantal_woningen="0")]), "aantal_woningen")
    assert reden == "0 is kleiner dan het minimum 1"


def test_getal_boven_maximum() -> None:
    reden = _eén_fout(_valideer([_kans(aantal_woningen="6000")]), "aantal_woningen")
    assert reden == "6.000 is groter dan het maximum 5.000"


def test_getal_met_decimale_komma_en_excel_getallen() -> None:
    rij = {"code": "WK040201", "naam": "Centrum", "gemeentecode": "GM0402", "pct_65plus": "12,5", "inwoners": 9750.0}
    res = _valideer([rij], [HILVERSUM], laag="wijken")
    assert res.afgekeurd.empty, res.afgekeurd
    assert res.geldig["pct_65plus"].iloc[0] == 12.5 and res.geldig["inwoners"].iloc[0] == 9750


# --------------------------------------------------------------------------- dates, years, ja/nee


def _zorgcentrum(**over: Any) -> dict[str, Any]:
    return {"naam": "De Koppel", "soort": "verpleeghuis", "bron": "t", "bron_id": "z1", **over}


@pytest.mark.parametrize(
    ("invoer", "verwacht"),
    [
        ("2025-03-01", "2025-03-01"),
        ("1-3-2025", "2025-03-01"),
        ("01/03/2025", "2025-03-01"),
        (dt.datetime(2025, 3, 1), "2025-03-01"),
        (dt.date(2025, 3, 1), "2025-03-01"),
    ],
)
def test_datum_wordt_iso(invoer: Any, verwacht: str) -> None:
    res = _valideer([_zorgcentrum(peildatum=invoer)], laag="zorgcentra")
    assert res.geldig["peildatum"].iloc[0] == verwacht


@pytest.mark.parametrize("invoer", ["31-02-2025", "maart 2025", "2025-13-01", "45000"])
def test_datum_ongeldig(invoer: str) -> None:
    reden = _eén_fout(_valideer([_zorgcentrum(peildatum=invoer)], laag="zorgcentra"), "peildatum")
    assert "geen geldige datum" in reden and "JJJJ-MM-DD" in reden


def test_jaar_buiten_bereik() -> None:
    rij = {
        "naam": "Plan",
        "aantal_woningen": "40",
        "hardheid": "zacht",
        "opleverjaar": "1999",
        "bron": "t",
        "bron_id": "p1",
    }
    reden = _eén_fout(_valideer([rij], laag="nieuwbouwplannen"), "opleverjaar")
    assert reden == "jaar 1999 ligt buiten het toegestane bereik 2000–2100"


def test_jaar_geen_jaartal() -> None:
    rij = {
        "naam": "Plan",
        "aantal_woningen": "40",
        "hardheid": "zacht",
        "opleverjaar": "2027,5",
        "bron": "t",
        "bron_id": "p1",
    }
    assert "geen jaartal" in _eén_fout(_valideer([rij], laag="nieuwbouwplannen"), "opleverjaar")


def _complex(**over: Any) -> dict[str, Any]:
    return {
        "naam": "Flat",
        "aantal_woningen": "30",
        "ontmoetingsruimte": "ja",
        "zorg": "nee",
        "bron": "t",
        "bron_id": "c1",
        **over,
    }


@pytest.mark.parametrize(
    ("invoer", "verwacht"),
    [
        ("ja", True),
        ("J", True),
        ("true", True),
        ("1", True),
        ("Yes", True),
        (True, True),
        (1, True),
        ("nee", False),
        ("n", False),
        ("FALSE", False),
        ("0", False),
        ("no", False),
        (0.0, False),
    ],
)
def test_ja_nee_herkend(invoer: Any, verwacht: bool) -> None:
    res = _valideer([_complex(ontmoetingsruimte=invoer)], laag="wooncomplexen")
    assert res.afgekeurd.empty
    assert bool(res.geldig["ontmoetingsruimte"].iloc[0]) is verwacht
    assert str(res.geldig["ontmoetingsruimte"].dtype) == "boolean"


def test_ja_nee_niet_herkend() -> None:
    reden = _eén_fout(_valideer([_complex(zorg="misschien")], laag="wooncomplexen"), "zorg")
    assert reden == "'misschien' is geen ja of nee; vul ja of nee in"


# --------------------------------------------------------------------------- text


def test_tekst_te_lang() -> None:
    reden = _eén_fout(_valideer([_kans(naam="x" * 201)]), "naam")
    assert reden == "de tekst is te lang: 201 tekens, maximaal 200"


def test_tekst_met_stuurteken() -> None:
    reden = _eén_fout(_valideer([_kans(naam="Hof\x07je")]), "naam")
    assert "onzichtbaar stuurteken (teken 4" in reden


def test_tekst_met_regelovergang_mag() -> None:
    assert _valideer([_kans(toelichting="regel 1\nregel 2")]).afgekeurd.empty


def test_getal_als_tekst_uit_excel() -> None:
    res = _valideer([_kans(bron_id=17.0)])
    assert res.geldig["bron_id"].iloc[0] == "17"


# --------------------------------------------------------------------------- locations


def test_locatie_ontbreekt() -> None:
    reden = _eén_fout(_valideer([_kans()], [None]), "locatie")
    assert reden.startswith("de locatie ontbreekt")


def test_locatie_onleesbaar_meldt_de_reden_van_de_lezer() -> None:
    fout = Fout("lat", "52,2x", "lat: '52,2x' is geen getal")
    res = _valideer([_kans()], [None], leesfouten=[[fout]])
    assert res.afgekeurd.to_dict("records") == [
        {"rij": 2, "veld": "lat", "waarde": "52,2x", "reden": "lat: '52,2x' is geen getal"}
    ]


def test_locatie_buiten_regio_bbox() -> None:
    reden = _eén_fout(_valideer([_kans()], [shapely.Point(100_000, 400_000)]), "locatie")
    assert reden == "de locatie ligt buiten regio Gooi en Vechtstreek"


def test_locatie_buiten_regio_met_verwisselde_lon_lat() -> None:
    res = _valideer([_kans()], [shapely.Point(52.2292, 5.1769)], crs="EPSG:4326")
    reden = _eén_fout(res, "locatie")
    assert "buiten regio" in reden and "Zijn lon en lat verwisseld?" in reden
    assert res.afgekeurd["waarde"].iloc[0] == "(52.2292, 5.1769)"


def test_locatie_buiten_alle_gemeenten(gemeenten: gpd.GeoDataFrame) -> None:
    assert _valideer([_kans()], [IN_BBOX_BUITEN_GEMEENTEN]).afgekeurd.empty  # without gemeenten: bbox only
    reden = _eén_fout(_valideer([_kans()], [IN_BBOX_BUITEN_GEMEENTEN], gemeenten=gemeenten), "locatie")
    assert reden == "de locatie ligt buiten de gemeenten van regio Gooi en Vechtstreek"


def test_locatie_net_over_de_gemeentegrens_telt_mee(gemeenten: gpd.GeoDataFrame) -> None:
    res = _valideer([_kans(gemeentecode="")], [shapely.Point(135_980, 470_000)], gemeenten=gemeenten)
    assert res.afgekeurd.empty and res.geldig["gemeentecode"].iloc[0] == "GM0402"


# --------------------------------------------------------------------------- gemeentecode


@pytest.mark.parametrize(
    ("invoer", "verwacht"),
    [
        ("GM0402", "GM0402"),
        ("gm0402", "GM0402"),
        ("402", "GM0402"),
        ("Hilversum", "GM0402"),
        ("gooise meren", "GM1942"),
    ],
)
def test_gemeentecode_genormaliseerd(invoer: str, verwacht: str) -> None:
    assert _valideer([_kans(gemeentecode=invoer)]).geldig["gemeentecode"].iloc[0] == verwacht


def test_gemeentecode_niet_van_de_regio() -> None:
    reden = _eén_fout(_valideer([_kans(gemeentecode="GM0363")]), "gemeentecode")
    assert reden.startswith("gemeente GM0363 hoort niet bij regio Gooi en Vechtstreek")
    assert "GM0402 Hilversum" in reden


def test_gemeentecode_onzin() -> None:
    assert "geen CBS-gemeentecode" in _eén_fout(_valideer([_kans(gemeentecode="Utrecht")]), "gemeentecode")


def test_gemeentecode_ingevuld_uit_de_locatie(gemeenten: gpd.GeoDataFrame) -> None:
    res = _valideer([_kans(), _kans(bron_id="2")], [IN_HILVERSUM, IN_HUIZEN], gemeenten=gemeenten)
    assert list(res.geldig["gemeentecode"]) == ["GM0402", "GM0406"]


def test_gemeentecode_die_de_locatie_tegenspreekt(gemeenten: gpd.GeoDataFrame) -> None:
    res = _valideer([_kans(gemeentecode="Hilversum")], [IN_HUIZEN], gemeenten=gemeenten)
    assert _eén_fout(res, "gemeentecode") == (
        "de locatie ligt in GM0406 Huizen, niet in GM0402 Hilversum; "
        "laat gemeentecode leeg om hem uit de locatie te laten invullen"
    )
    assert res.afgekeurd["waarde"].iloc[0] == "GM0402"


def test_gemeentecode_die_de_locatie_niet_tegenspreekt(gemeenten: gpd.GeoDataFrame) -> None:
    rijen = [_kans(gemeentecode="GM0402", bron_id=str(i)) for i in range(3)]
    geoms = [
        IN_HILVERSUM,  # agrees
        shapely.Point(143_030, 470_000),  # 30 m into Huizen's box: within the border margin of Hilversum
        IN_BBOX_BUITEN_GEMEENTEN,  # in no stored gemeente: nothing to contradict (the location rule decides)
    ]
    res = _valideer(rijen[:2], geoms[:2], gemeenten=gemeenten)
    assert res.afgekeurd.empty and list(res.geldig["gemeentecode"]) == ["GM0402", "GM0402"]
    res = _valideer(rijen[2:], geoms[2:], gemeenten=gemeenten)
    assert list(res.afgekeurd["veld"]) == ["locatie"]
    # without gemeenten in the workspace nothing is known about the location, so the code stands
    assert _valideer([_kans(gemeentecode="GM0402")], [IN_HUIZEN]).afgekeurd.empty


def test_gemeente_optie_vult_gemeentecode() -> None:
    res = _valideer([_kans()], gemeente="GM0402")
    assert res.geldig["gemeentecode"].iloc[0] == "GM0402"


def test_gemeente_optie_rij_van_andere_gemeente() -> None:
    reden = _eén_fout(_valideer([_kans(gemeentecode="GM0406")], gemeente="GM0402"), "gemeentecode")
    assert reden == "deze rij hoort bij GM0406 Huizen, maar u importeert voor GM0402 Hilversum (--gemeente)"


def test_gemeente_optie_locatie_in_andere_gemeente(gemeenten: gpd.GeoDataFrame) -> None:
    res = _valideer([_kans()], [IN_HUIZEN], gemeenten=gemeenten, gemeente="GM0402")
    assert _eén_fout(res, "locatie") == "de locatie ligt in GM0406 Huizen, niet in GM0402 Hilversum (--gemeente)"


def test_gemeente_optie_onbekende_gemeente() -> None:
    with pytest.raises(ValidationError, match="--gemeente: gemeente GM0363 hoort niet bij regio"):
        _valideer([_kans()], gemeente="GM0363")


# --------------------------------------------------------------------------- geometry


def test_geometrietype_niet_toegestaan() -> None:
    lijn = shapely.LineString([(140_000, 470_000), (140_100, 470_000)])
    reden = _eén_fout(_valideer([_kans()], [lijn]), "geometrie")
    assert reden == "geometrietype LineString is niet toegestaan in laag 'kansen'; toegestaan: punt of vlak"
    vlak = shapely.box(140_000, 470_000, 140_100, 470_100)
    rij = {"naam": "AH", "categorie": "supermarkt", "bron": "t", "bron_id": "1"}
    assert "toegestaan: punt" in _eén_fout(_valideer([rij], [vlak], laag="voorzieningen"), "geometrie")


def test_ongeldige_geometrie_zelfdoorsnijding() -> None:
    strik = shapely.Polygon([(140_000, 470_000), (140_100, 470_100), (140_100, 470_000), (140_000, 470_100)])
    reden = _eén_fout(_valideer([_kans()], [strik]), "geometrie")
    assert reden.startswith("ongeldige geometrie: de rand snijdt zichzelf bij (140.050; 470.050)")
    assert "Geometrieën repareren" in reden


def test_te_veel_hoekpunten() -> None:
    cirkel = IN_HILVERSUM.buffer(50, quad_segs=16)  # 65 coordinates
    reden = _eén_fout(_valideer([_kans()], [cirkel], max_vertices=20), "geometrie")
    assert reden.startswith("de vorm heeft te veel hoekpunten: 65, maximaal 20")
    assert _valideer([_kans()], [cirkel], max_vertices=100).afgekeurd.empty


# --------------------------------------------------------------------------- duplicates


def test_dubbel_in_bestand_alleen_de_eerste_blijft() -> None:
    res = _valideer([_kans(), _kans(naam="Ander"), _kans(bron_id="2"), _kans(naam="Derde")])
    assert list(res.geldig.index) == [2, 4]
    redenen = res.afgekeurd.set_index("rij")["reden"]
    assert redenen.loc[3] == (
        "dubbel in het bestand: bron 'test', bron_id '1' staat ook in rij 2; alleen de eerste wordt gebruikt"
    )
    assert list(res.afgekeurd["rij"]) == [3, 5]


def test_dubbel_in_bestand_op_code_voor_gebieden() -> None:
    rij = {"code": "GM0402", "naam": "Hilversum"}
    res = _valideer([rij, {**rij, "naam": "Hilversum 2"}], [HILVERSUM, HILVERSUM], laag="gemeenten")
    assert res.afgekeurde_rijen == [3] and "code 'GM0402' staat ook in rij 2" in res.afgekeurd["reden"].iloc[0]


def _bestaand(punt: BaseGeometry, **over: Any) -> gpd.GeoDataFrame:
    rec = {"id": "abc", "naam": "Hofje Oost", "bron": "test", "bron_id": "99", **over}
    return gpd.GeoDataFrame([rec], geometry=[punt], crs=RD)


def test_dubbel_met_opgeslagen_object() -> None:
    bestaand = _bestaand(shapely.Point(140_010, 470_000))
    reden = _eén_fout(_valideer([_kans(naam="hofje  oost")], bestaand=bestaand), "naam")
    assert reden.startswith("lijkt een dubbel van 'Hofje Oost' (bron test, bron_id 99): zelfde naam op 10 m")


def test_zelfde_sleutel_is_een_wijziging_geen_dubbel() -> None:
    bestaand = _bestaand(shapely.Point(140_010, 470_000), bron_id="1")
    assert _valideer([_kans()], bestaand=bestaand).afgekeurd.empty


@pytest.mark.parametrize("over", [{"naam": "Hofje West"}, {}])
def test_geen_dubbel_bij_andere_naam_of_verder_weg(over: dict[str, Any]) -> None:
    afstand = 10 if over else 40
    bestaand = _bestaand(shapely.Point(140_000 + afstand, 470_000), **over)
    assert _valideer([_kans()], bestaand=bestaand).afgekeurd.empty


# --------------------------------------------------------------------------- area layers


def test_gebied_code_van_verkeerde_vorm_of_gemeente() -> None:
    rijen = [
        {"code": "WK0402", "naam": "Centrum", "gemeentecode": "GM0402"},
        {"code": "WK040201", "naam": "Centrum", "gemeentecode": "GM0406"},
    ]
    res = _valideer(rijen, [HILVERSUM, HILVERSUM], laag="wijken")
    redenen = res.afgekeurd.set_index("rij")["reden"]
    assert redenen.loc[2] == "'WK0402' is geen CBS-code van de vorm WKxxxxxx voor laag 'wijken'"
    assert redenen.loc[3] == "gemeentecode GM0406 past niet bij CBS-code WK040201"


def test_afgeleide_laag_kan_niet_worden_gevalideerd() -> None:
    with pytest.raises(ValidationError, match="wordt berekend"):
        _valideer([{"categorie": "supermarkt"}], laag="vlekkenplan")


def test_alle_problemen_van_een_rij_tegelijk() -> None:
    res = _valideer([_kans(naam="", status="weg", aantal_woningen="-3")], [None])
    assert sorted(res.afgekeurd["veld"]) == ["aantal_woningen", "locatie", "naam", "status"]
    assert res.afgekeurde_rijen == [2]


# --------------------------------------------------------------------------- single features (API)


def test_kenmerken_geldig_getypeerd_en_gemeentecode_uit_locatie(gemeenten: gpd.GeoDataFrame) -> None:
    props, geom = valideer_kenmerken(
        LAGEN["kansen"],
        {**KANS, "status": "In uitvoering", "id": "genegeerd", "versie": 3},
        IN_HILVERSUM,
        regio=REGIO,
        gemeenten=gemeenten,
    )
    assert props["status"] == "in uitvoering" and props["aantal_woningen"] == 18
    assert props["gemeentecode"] == "GM0402"
    assert "id" not in props and "versie" not in props
    assert geom is IN_HILVERSUM


def test_kenmerken_gemeentecode_die_de_locatie_tegenspreekt(gemeenten: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValidationError) as exc:
        valideer_kenmerken(LAGEN["kansen"], {**KANS, "gemeentecode": "GM0402"}, IN_HUIZEN, regio=REGIO,
                           gemeenten=gemeenten)
    assert set(exc.value.details["velden"]) == {"gemeentecode"}
    assert exc.value.details["velden"]["gemeentecode"].startswith("de locatie ligt in GM0406 Huizen, niet in GM0402")
    # a partial change of the code alone is checked against the location it is given with
    with pytest.raises(ValidationError):
        valideer_kenmerken(LAGEN["kansen"], {"gemeentecode": "Huizen"}, IN_HILVERSUM, regio=REGIO,
                           gemeenten=gemeenten, gedeeltelijk=True)
    props, _ = valideer_kenmerken(LAGEN["kansen"], {"gemeentecode": "Huizen"}, IN_HUIZEN, regio=REGIO,
                                  gemeenten=gemeenten, gedeeltelijk=True)
    assert props == {"gemeentecode": "GM0406"}


def test_kenmerken_alle_problemen_tegelijk() -> None:
    with pytest.raises(ValidationError) as exc:
        valideer_kenmerken(
            LAGEN["kansen"], {**KANS, "naam": "", "status": "weg", "kleur": "rood"}, shapely.Point(0, 0), regio=REGIO
        )
    velden = exc.value.details["velden"]
    assert set(velden) == {"naam", "status", "kleur", "geometrie"}
    assert velden["naam"] == "verplicht veld is leeg"
    assert velden["kleur"].startswith("onbekend veld")
    assert "buiten regio" in velden["geometrie"]
    assert "naam: verplicht veld is leeg" in exc.value.message


def test_kenmerken_zonder_geometrie_bij_aanmaken() -> None:
    with pytest.raises(ValidationError) as exc:
        valideer_kenmerken(LAGEN["kansen"], KANS, None, regio=REGIO)
    assert exc.value.details["velden"] == {"geometrie": "de locatie ontbreekt"}


def test_kenmerken_bron_id_niet_verplicht() -> None:
    props, _ = valideer_kenmerken(LAGEN["kansen"], {**KANS, "bron_id": None}, IN_HILVERSUM, regio=REGIO)
    assert props["bron_id"] is None


def test_kenmerken_gedeeltelijk_alleen_gegeven_velden() -> None:
    props, geom = valideer_kenmerken(LAGEN["kansen"], {"status": "Gerealiseerd"}, None, regio=REGIO, gedeeltelijk=True)
    assert props == {"status": "gerealiseerd"} and geom is None
    with pytest.raises(ValidationError) as exc:
        valideer_kenmerken(LAGEN["kansen"], {"naam": ""}, None, regio=REGIO, gedeeltelijk=True)
    assert exc.value.details["velden"] == {"naam": "verplicht veld is leeg"}


def test_kenmerken_ongeldige_geometrie() -> None:
    strik = shapely.Polygon([(140_000, 470_000), (140_100, 470_100), (140_100, 470_000), (140_000, 470_100)])
    with pytest.raises(ValidationError) as exc:
        valideer_kenmerken(LAGEN["kansen"], {}, strik, regio=REGIO, gedeeltelijk=True)
    assert exc.value.details["velden"]["geometrie"].startswith("ongeldige geometrie: de rand snijdt zichzelf")
