"""Tests of reading partner files and the import (kansenkaart.io.partnerbestanden, .importeren, CLI).

Every test builds its own small CSV, XLSX, GeoJSON, GeoPackage or Shapefile in ``tmp_path``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.errors import BadFileError, KansenkaartError, LimitError, ValidationError
from kansenkaart.io.importeren import afkeurbestand, importeer
from kansenkaart.io.partnerbestanden import lees_coordinaten, normaliseer_kolomnaam, parse_crs
from kansenkaart.io.store import GeoPackageStore
from kansenkaart.io.werkruimte import Werkruimte

RD = "EPSG:28992"
KOP = ["bron_id", "naam", "soort", "doelgroep", "status", "aantal_woningen", "lon", "lat"]
RIJEN = [
    ["k1", "Hofje Oost", "nieuwbouw", "geclusterd", "idee", "18", "5,1769", "52,2292"],
    ["k2", "Oude school", "transformatie", "zorggeschikt", "In_Voorbereiding", "12", "5,1801", "52,2240"],
    ["k3", "Kerkplein", "nieuwbouw", "nultreden", "verkenning", "", "5,1700", "52,2300"],
]


# --------------------------------------------------------------------------- helpers


def _csv(pad: Path, kop: list[str], rijen: list[list[Any]], *, sep: str = ";", codering: str = "utf-8-sig") -> Path:
    regels = [sep.join(kop)] + [sep.join("" if v is None else str(v) for v in r) for r in rijen]
    pad.write_bytes(("\r\n".join(regels) + "\r\n").encode(codering))
    return pad


def _xlsx(
    pad: Path, kop: list[str], rijen: list[list[Any]], *, blad: str = "Gegevens", extra_bladen: tuple[str, ...] = ()
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = blad
    ws.append(kop)
    for r in rijen:
        ws.append(r)
    for b in extra_bladen:
        wb.create_sheet(b)
    wb.save(pad)
    return pad


def _kansen_gdf(n: int = 2, crs: str = RD) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "bron_id": [f"g{i}" for i in range(n)],
            "naam": [f"Kans {i}" for i in range(n)],
            "soort": "nieuwbouw",
            "doelgroep": "geclusterd",
            "status": "idee",
        },
        geometry=[shapely.Point(140_000 + 100 * i, 470_000) for i in range(n)],
        crs=RD,
    ).to_crs(crs)


def _geojson(pad: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    pad.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}), encoding="utf-8")
    return pad


def _feature(props: dict[str, Any], geom: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom}


KANS_PROPS = {"bron_id": "j1", "naam": "Hofje", "soort": "nieuwbouw", "doelgroep": "geclusterd", "status": "idee"}


@pytest.fixture
def ws(werkruimte: Werkruimte) -> Werkruimte:
    """A workspace with two square gemeenten (Hilversum around the test points, Huizen north-east)."""
    gemeenten = gpd.GeoDataFrame(
        {"code": ["GM0402", "GM0406"], "naam": ["Hilversum", "Huizen"]},
        geometry=[shapely.box(136_000, 466_000, 143_000, 477_000), shapely.box(143_000, 477_000, 150_000, 484_000)],
        crs=RD,
    )
    werkruimte.store.upsert("gemeenten", gemeenten, gebruiker="test", kanaal="cli")
    return werkruimte


@dataclass(frozen=True)
class _Uitvoer:
    exit_code: int
    output: str

    @property
    def tekst(self) -> str:
        """The output on normalised whitespace (rich wraps long lines)."""
        return " ".join(self.output.split())


def _cli(*args: str) -> _Uitvoer:
    res = CliRunner().invoke(app, list(args))
    return _Uitvoer(res.exit_code, res.output)


# --------------------------------------------------------------------------- reading: names, CRS, coordinates


@pytest.mark.parametrize(
    ("kop", "verwacht"),
    [
        ("Naam *", "naam"),
        ("bron_id*", "bron_id"),
        ("Bron ID", "bron_id"),
        ("\ufeffnaam", "naam"),
        ("Longitude", "lon"),
        ("breedtegraad", "lat"),
        ("X_RD", "rd_x"),
        ("aantal woningen (schatting)", "aantal_woningen"),
    ],
)
def test_kolomnamen_genormaliseerd(kop: str, verwacht: str) -> None:
    assert normaliseer_kolomnaam(kop) == verwacht


@pytest.mark.parametrize(
    ("invoer", "epsg"),
    [
        ("EPSG:28992", 28992),
        ("28992", 28992),
        ("RD", 28992),
        ("rd new", 28992),
        ("WGS84", 4326),
        ("urn:ogc:def:crs:EPSG::28992", 28992),
        ("http://www.opengis.net/def/crs/EPSG/0/3067", 3067),
    ],
)
def test_parse_crs(invoer: str, epsg: int) -> None:
    assert parse_crs(invoer).to_epsg() == epsg


def test_parse_crs_onbekend() -> None:
    with pytest.raises(ValidationError, match="Onbekend coördinatenstelsel 'EPSG:99'"):
        parse_crs("EPSG:99")


def test_coordinaten_per_rij_lon_lat_of_rd_of_wkt() -> None:
    rijen = pd.DataFrame(
        {
            "lon": ["5,1769", "", "", ""],
            "lat": ["52,2292", "", "", ""],
            "rd_x": ["", "140.000", "", ""],
            "rd_y": ["", "470000", "", ""],
            "wkt": ["", "", "SRID=28992;POINT (140100 470100)", ""],
        },
        dtype=object,
    )
    co = lees_coordinaten(rijen, doel_crs=RD)
    g = co.geometrie
    assert g.crs == RD
    assert 140_000 < g.iloc[0].x < 141_500
    assert (g.iloc[1].x, g.iloc[1].y) == (140_000, 470_000)  # 140.000 = thousands separator in RD
    assert (g.iloc[2].x, g.iloc[2].y) == (140_100, 470_100)
    assert g.iloc[3] is None and co.fouten[3][0].reden.startswith("de locatie ontbreekt")
    assert "lon/lat (EPSG:4326)" in co.omschrijving and "rd_x/rd_y (EPSG:28992)" in co.omschrijving


@pytest.mark.parametrize(
    ("rij", "veld", "reden"),
    [
        ({"lon": "5,2", "lat": ""}, "lat", "lat ontbreekt"),
        ({"lon": "5,2x", "lat": "52"}, "lon", "lon: '5,2x' is geen getal"),
        ({"lon": "140000", "lat": "470000"}, "lon", "dit lijken RD-coördinaten"),
    ],
)
def test_coordinaten_onleesbaar_per_rij(rij: dict[str, str], veld: str, reden: str) -> None:
    co = lees_coordinaten(pd.DataFrame([rij], dtype=object))
    assert co.geometrie.iloc[0] is None
    assert co.fouten[0][0].veld == veld and reden in co.fouten[0][0].reden


def test_wkt_onleesbaar_per_rij() -> None:
    co = lees_coordinaten(pd.DataFrame([{"wkt": "POINT (1 2", "crs": "EPSG:28992"}], dtype=object))
    assert co.fouten[0][0].veld == "wkt" and "WKT is niet leesbaar" in co.fouten[0][0].reden


def test_onbekende_crs_in_crs_kolom_per_rij() -> None:
    co = lees_coordinaten(pd.DataFrame([{"x": "1", "y": "2", "crs": "EPSG:99"}], dtype=object))
    assert co.fouten[0][0].veld == "crs" and "Onbekend coördinatenstelsel" in co.fouten[0][0].reden


# --------------------------------------------------------------------------- whole files: happy paths


def test_csv_puntkomma_decimale_komma_en_genormaliseerde_codes(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _csv(tmp_path / "kansen_hilversum.csv", KOP, RIJEN)
    res = importeer(ws, "kansen", pad)
    assert (res.gelezen, res.nieuw, res.gewijzigd, res.ongewijzigd, res.afgekeurd) == (3, 3, 0, 0, 0)
    assert res.exit_code == 0 and res.afgekeurd_bestand is None
    opgeslagen = ws.store.query("kansen").set_index("bron_id")
    assert opgeslagen.loc["k2", "status"] == "in voorbereiding"
    assert set(opgeslagen["bron"]) == {"kansen_hilversum"}
    assert set(opgeslagen["gemeentecode"]) == {"GM0402"}  # filled from the stored gemeenten
    assert opgeslagen.loc["k1", "versie"] == 1
    hist = ws.store.history()
    assert set(hist["kanaal"]) == {"import"} and len(hist) == 3


def test_csv_komma_gescheiden_en_windows_1252(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [["k1", "Café de Hoek", "nieuwbouw", "geclusterd", "idee", "18", "5.1769", "52.2292"]]
    pad = _csv(tmp_path / "k.csv", KOP, rijen, sep=",", codering="cp1252")
    res = importeer(ws, "kansen", pad)
    assert res.nieuw == 1
    assert ws.store.query("kansen")["naam"].iloc[0] == "Café de Hoek"


def test_xlsx_met_excel_getallen_en_datums(ws: Werkruimte, tmp_path: Path) -> None:
    kop = ["naam *", "soort *", "bron_id *", "peildatum", "capaciteit", "rd_x", "rd_y"]
    import datetime as dt

    rijen = [["De Koppel", "Verpleeghuis", 17, dt.datetime(2025, 3, 1), 120.0, 140_000, 470_000]]
    res = importeer(ws, "zorgcentra", _xlsx(tmp_path / "zorg.xlsx", kop, rijen))
    assert res.nieuw == 1 and res.bronlaag == "Gegevens" and res.locatie == "rd_x/rd_y (EPSG:28992)"
    z = ws.store.query("zorgcentra").iloc[0]
    assert (z["bron_id"], z["peildatum"], z["capaciteit"], z["soort"]) == ("17", "2025-03-01", 120, "verpleeghuis")


def test_xlsx_enige_blad_met_andere_naam(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _xlsx(tmp_path / "k.xlsx", KOP, RIJEN, blad="Blad1")
    assert importeer(ws, "kansen", pad).nieuw == 3


def test_geojson_is_lon_lat(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _geojson(tmp_path / "k.geojson", [_feature(KANS_PROPS, {"type": "Point", "coordinates": [5.1769, 52.2292]})])
    res = importeer(ws, "kansen", pad)
    assert res.nieuw == 1 and res.locatie == "geometrie (EPSG:4326)"
    p = ws.store.query("kansen").geometry.iloc[0]
    assert 140_000 < p.x < 141_500 and 469_000 < p.y < 472_000


def test_geojson_onleesbare_geometrie_per_rij(ws: Werkruimte, tmp_path: Path) -> None:
    features = [
        _feature(KANS_PROPS, {"type": "Point", "coordinates": ["a"]}),
        _feature({**KANS_PROPS, "bron_id": "j2"}, {"type": "Polygon", "coordinates": [[[5.17, 52.23], [5.18, 52.23]]]}),
        _feature({**KANS_PROPS, "bron_id": "j3"}, None),
        _feature({**KANS_PROPS, "bron_id": "j4", "naam": "Goed"}, {"type": "Point", "coordinates": [5.17, 52.23]}),
    ]
    res = importeer(ws, "kansen", _geojson(tmp_path / "k.geojson", features))
    assert res.nieuw == 1 and res.afkeuringen["rij"].tolist() == [1, 2, 3]
    redenen = res.afkeuringen["reden"].tolist()
    assert redenen[0].startswith("de geometrie is niet leesbaar; controleer de coördinaten")
    assert redenen[2] == "het object heeft geen geometrie"


def test_geojson_met_legacy_crs_lid(ws: Werkruimte, tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    vlak = shapely.geometry.mapping(shapely.box(140_000, 470_000, 140_050, 470_050))
    pad = _geojson(tmp_path / "k.geojson", [_feature(KANS_PROPS, vlak)], crs=crs)
    assert importeer(ws, "kansen", pad).nieuw == 1
    assert ws.store.query("kansen").geometry.iloc[0].bounds == (140_000, 470_000, 140_050, 470_050)


def test_geojson_met_rd_coordinaten_zonder_crs(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _geojson(tmp_path / "k.geojson", [_feature(KANS_PROPS, {"type": "Point", "coordinates": [140000, 470000]})])
    with pytest.raises(BadFileError, match=r"geen coördinatenstelsel.*--crs"):
        importeer(ws, "kansen", pad)
    assert importeer(ws, "kansen", pad, crs="EPSG:28992").nieuw == 1


def test_geopackage_laag_met_de_naam_van_de_doellaag(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "aanlevering.gpkg"
    _kansen_gdf(2).to_file(pad, layer="kansen")
    _kansen_gdf(1).to_file(pad, layer="iets_anders")
    res = importeer(ws, "kansen", pad)
    assert res.nieuw == 2 and res.bronlaag == "kansen"


def test_geopackage_enige_laag_in_ander_crs(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "a.gpkg"
    _kansen_gdf(2, crs="EPSG:4326").to_file(pad, layer="mijn_laag")
    assert importeer(ws, "kansen", pad).nieuw == 2
    assert ws.store.query("kansen").geometry.iloc[0].distance(shapely.Point(140_000, 470_000)) < 0.01


def test_geopackage_meerdere_lagen_vraagt_om_bronlaag(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "a.gpkg"
    _kansen_gdf(2).to_file(pad, layer="eerste")
    _kansen_gdf(1).to_file(pad, layer="tweede")
    with pytest.raises(BadFileError, match=r"meerdere lagen.*eerste, tweede.*--bronlaag"):
        importeer(ws, "kansen", pad)
    assert importeer(ws, "kansen", pad, bronlaag="tweede").nieuw == 1


def test_shapefile(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "kansen.shp"
    _kansen_gdf(2).to_file(pad)
    assert importeer(ws, "kansen", pad).nieuw == 2


def test_wkt_met_crs_optie_en_x_y_met_crs_kolom(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _csv(
        tmp_path / "w.csv",
        ["bron_id", "naam", "soort", "doelgroep", "status", "wkt"],
        [
            [
                "w1",
                "Vlak",
                "nieuwbouw",
                "geclusterd",
                "idee",
                "POLYGON ((140000 470000, 140050 470000, 140050 470050, 140000 470000))",
            ]
        ],
    )
    assert importeer(ws, "kansen", pad, crs="EPSG:28992").nieuw == 1
    pad2 = _csv(
        tmp_path / "xy.csv",
        ["bron_id", "naam", "soort", "doelgroep", "status", "x", "y", "crs"],
        [["x1", "Punt", "nieuwbouw", "geclusterd", "idee", "140000", "470000", "EPSG:28992"]],
    )
    assert importeer(ws, "kansen", pad2).nieuw == 1


# --------------------------------------------------------------------------- whole files: refused (exit 2)


@pytest.mark.parametrize(
    ("kolommen", "waarden", "melding"),
    [
        (["x", "y"], ["140000", "470000"], "Geen coördinatenstelsel opgegeven: de kolommen x/y"),
        (["wkt"], ["POINT (140000 470000)"], "Geen coördinatenstelsel opgegeven: de kolommen wkt"),
        (["lon"], ["5.17"], "De kolom 'lat' ontbreekt"),
        (["adres"], ["Kerkstraat 1"], "Geen locatie gevonden"),
    ],
)
def test_bestand_zonder_bruikbare_locatie(
    ws: Werkruimte, tmp_path: Path, kolommen: list[str], waarden: list[str], melding: str
) -> None:
    kop = ["bron_id", "naam", "soort", "doelgroep", "status", *kolommen]
    pad = _csv(tmp_path / "k.csv", kop, [["k1", "A", "nieuwbouw", "geclusterd", "idee", *waarden]])
    with pytest.raises(BadFileError, match=melding):
        importeer(ws, "kansen", pad)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_geopackage_zonder_crs(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "a.gpkg"
    _kansen_gdf(1).set_crs(None, allow_override=True).to_file(pad, layer="kansen")
    with pytest.raises(BadFileError, match="geen coördinatenstelsel"):
        importeer(ws, "kansen", pad)


def test_shapefile_zonder_prj(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "kansen.shp"
    _kansen_gdf(1).to_file(pad)
    pad.with_suffix(".prj").unlink()
    with pytest.raises(BadFileError, match=r"\.prj"):
        importeer(ws, "kansen", pad)


@pytest.mark.parametrize(
    ("naam", "inhoud", "melding"),
    [
        ("leeg.csv", b"", "is leeg"),
        ("spaties.csv", b"  \r\n\r\n", "is leeg"),
        ("kop.csv", b"bron_id;naam;lon;lat\r\n", "bevat geen gegevens"),
        ("oud.xls", b"\xd0\xcf\x11\xe0", "oud Excel-bestand"),
        ("kapot.xlsx", b"PK\x03\x04 geen zip", "geen geldig Excel-bestand"),
        ("kapot.geojson", b"{niet json", "geen geldige GeoJSON"),
        ("leeg.geojson", b'{"type": "FeatureCollection", "features": []}', "bevat geen objecten"),
        ("binair.csv", b"\x00\x01\x02", "geen tekstbestand"),
        ("kapot.gpkg", b"SQLite format 3\x00" + bytes(range(256)) * 8, "geen geldig GeoPackage-bestand"),
        ("punt.geojson", b'{"type": "Point", "coordinates": [5.17, 52.23]}', "geen GeoJSON FeatureCollection"),
        ("notities.txt", b"hallo", "Onbekend bestandsformaat '.txt'"),
    ],
)
def test_onbruikbaar_bestand(ws: Werkruimte, tmp_path: Path, naam: str, inhoud: bytes, melding: str) -> None:
    pad = tmp_path / naam
    pad.write_bytes(inhoud)
    with pytest.raises(BadFileError, match=melding):
        importeer(ws, "kansen", pad)


def test_bestand_bestaat_niet(ws: Werkruimte, tmp_path: Path) -> None:
    with pytest.raises(BadFileError, match="bestaat niet"):
        importeer(ws, "kansen", tmp_path / "weg.csv")


def test_xlsx_verkeerd_blad(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _xlsx(tmp_path / "k.xlsx", KOP, RIJEN, blad="Blad1", extra_bladen=("Blad2",))
    with pytest.raises(BadFileError, match="geen blad 'Gegevens' en meerdere andere bladen: Blad1, Blad2"):
        importeer(ws, "kansen", pad)
    with pytest.raises(BadFileError, match="geen blad 'Blad9'"):
        importeer(ws, "kansen", pad, bronlaag="Blad9")
    assert importeer(ws, "kansen", pad, bronlaag="blad1").nieuw == 3


def test_xlsx_leeg_gegevensblad(ws: Werkruimte, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active.title = "Gegevens"
    wb.save(tmp_path / "leeg.xlsx")
    with pytest.raises(BadFileError, match="is leeg"):
        importeer(ws, "kansen", tmp_path / "leeg.xlsx")


def test_verplichte_kolom_ontbreekt(ws: Werkruimte, tmp_path: Path) -> None:
    kop = [k for k in KOP if k not in ("status", "bron_id")]
    rijen = [[v for k, v in zip(KOP, r, strict=True) if k not in ("status", "bron_id")] for r in RIJEN]
    with pytest.raises(BadFileError, match=r"Verplichte kolommen ontbreken.*status, bron_id") as exc:
        importeer(ws, "kansen", _csv(tmp_path / "k.csv", kop, rijen))
    assert "opnieuw importeren niets dubbel" in exc.value.message


def test_dubbele_kolom(ws: Werkruimte, tmp_path: Path) -> None:
    with pytest.raises(BadFileError, match="De kolom 'naam' staat meer dan eens"):
        importeer(ws, "kansen", _csv(tmp_path / "k.csv", [*KOP, "Naam *"], [[*RIJEN[0], "x"]]))


def test_te_veel_objecten(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _csv(tmp_path / "k.csv", KOP, RIJEN)
    with pytest.raises(LimitError, match="grens is 2"):
        importeer(ws, "kansen", pad, max_features=2)
    with pytest.raises(LimitError, match="meer dan 2 rijen"):
        importeer(ws, "kansen", _xlsx(tmp_path / "k.xlsx", KOP, RIJEN), max_features=2)
    gpkg = tmp_path / "k.gpkg"
    _kansen_gdf(3).to_file(gpkg, layer="kansen")
    with pytest.raises(LimitError, match="3 objecten; de grens is 2"):
        importeer(ws, "kansen", gpkg, max_features=2)
    assert ws.store.count("kansen") == 0


def test_afgeleide_laag_wordt_niet_geimporteerd(ws: Werkruimte, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="wordt berekend"):
        importeer(ws, "vlekkenplan", _csv(tmp_path / "k.csv", KOP, RIJEN))


# --------------------------------------------------------------------------- rejects


def test_afgekeurde_rijen_naar_afkeurbestand_geldige_opgeslagen(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [
        *RIJEN,
        ["k4", "Ver weg", "nieuwbouw", "nultreden", "idee", "10", "4,90", "52,37"],
        ["k5", "", "nieuwbouw", "nultreden", "verkening", "10", "5,17", "52,23"],
    ]
    pad = _csv(tmp_path / "k.csv", KOP, rijen)
    res = importeer(ws, "kansen", pad)
    assert (res.nieuw, res.afgekeurd, res.exit_code) == (3, 2, 1)
    assert res.afgekeurd_bestand == afkeurbestand(pad) == tmp_path / "k.afgekeurd.csv"
    ruw = res.afgekeurd_bestand.read_bytes()
    assert ruw.startswith(b"\xef\xbb\xbf")
    regels = ruw.decode("utf-8-sig").splitlines()
    assert regels[0] == "rij;veld;waarde;reden"
    assert regels[1] == "5;locatie;(4.9, 52.37);de locatie ligt buiten regio Gooi en Vechtstreek"
    terug = pd.read_csv(res.afgekeurd_bestand, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(terug["rij"]) == ["5", "6", "6"] and list(terug["veld"]) == ["locatie", "naam", "status"]
    assert ws.store.count("kansen") == 3
    # fixed file: no rejects, the stale rejects file is removed
    res2 = importeer(ws, "kansen", _csv(pad, KOP, RIJEN))
    assert res2.afgekeurd == 0 and not afkeurbestand(pad).exists()


def test_rij_met_meer_cellen_dan_kolommen(ws: Werkruimte, tmp_path: Path) -> None:
    pad = tmp_path / "k.csv"
    pad.write_text(
        ";".join(KOP) + "\n" + ";".join(RIJEN[0]) + "\n" + ";".join(RIJEN[1]) + ";Dudok; Amaris\n", encoding="utf-8"
    )
    res = importeer(ws, "kansen", pad)
    assert res.nieuw == 1
    assert res.afkeuringen["reden"].iloc[0].startswith("de rij heeft meer cellen dan er kolommen zijn")


def test_autorisatie_weigert_rijen(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [*RIJEN[:2], ["k9", "Huizen", "nieuwbouw", "nultreden", "idee", "10", "5,2400", "52,3000"]]
    pad = _csv(tmp_path / "k.csv", KOP, rijen)

    def alleen_hilversum(laag: str, props: dict[str, Any], geom: Any) -> str | None:
        assert laag == "kansen" and geom is not None
        gm = props.get("gemeentecode")
        return None if gm == "GM0402" else f"u mag niet schrijven in gemeente {gm}"

    res = importeer(ws, "kansen", pad, autorisatie=alleen_hilversum)
    assert res.nieuw == 2 and res.afgekeurd == 1
    assert res.afkeuringen.to_dict("records") == [
        {"rij": 4, "veld": "", "waarde": "", "reden": "u mag niet schrijven in gemeente GM0406"}
    ]


def test_gemeente_optie(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [RIJEN[0], ["k9", "Huizen", "nieuwbouw", "nultreden", "idee", "10", "5,2400", "52,3000"]]
    res = importeer(ws, "kansen", _csv(tmp_path / "k.csv", KOP, rijen), gemeente="GM0402")
    assert res.nieuw == 1
    assert "niet in GM0402 Hilversum (--gemeente)" in res.afkeuringen["reden"].iloc[0]


def test_dubbel_met_opgeslagen_uit_ander_bestand(ws: Werkruimte, tmp_path: Path) -> None:
    importeer(ws, "kansen", _csv(tmp_path / "maart.csv", KOP, RIJEN))
    res = importeer(ws, "kansen", _csv(tmp_path / "april.csv", KOP, RIJEN))
    assert res.nieuw == 0 and res.afgekeurd == 3
    assert res.afkeuringen["reden"].str.startswith("lijkt een dubbel van 'Hofje Oost' (bron maart").any()


# --------------------------------------------------------------------------- idempotence and safety


def test_opnieuw_importeren_verandert_niets(ws: Werkruimte, tmp_path: Path) -> None:
    kop = [*KOP, "partners", "toelichting"]
    rijen = [[*r, "Dudok, HilverZorg", "met\nregelovergang"] for r in RIJEN]
    pad = _xlsx(tmp_path / "k.xlsx", kop, rijen)
    eerste = importeer(ws, "kansen", pad)
    voor = ws.store.query("kansen")
    hist_voor = ws.store.history()
    tweede = importeer(ws, "kansen", pad)
    assert (tweede.nieuw, tweede.gewijzigd, tweede.ongewijzigd, tweede.afgekeurd) == (0, 0, 3, 0)
    assert tweede.ids == eerste.ids
    assert_geodataframe_equal(ws.store.query("kansen"), voor)
    assert len(ws.store.history()) == len(hist_voor)


def test_gewijzigde_rij_wordt_bijgewerkt(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _csv(tmp_path / "k.csv", KOP, RIJEN)
    importeer(ws, "kansen", pad)
    rijen = [r.copy() for r in RIJEN]
    rijen[1][4] = "in uitvoering"
    res = importeer(ws, "kansen", _csv(pad, KOP, rijen))
    assert (res.nieuw, res.gewijzigd, res.ongewijzigd) == (0, 1, 2)
    k2 = ws.store.query("kansen", filters={"bron_id": "k2"}).iloc[0]
    assert k2["status"] == "in uitvoering" and k2["versie"] == 2


def test_mislukte_opslag_laat_bestaande_gegevens_intact(
    ws: Werkruimte, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    importeer(ws, "kansen", _csv(tmp_path / "k.csv", KOP, RIJEN[:2]))
    voor = ws.store.query("kansen")
    hist_voor = ws.store.history()
    echt = GeoPackageStore._insert_rows
    aanroepen = {"n": 0}

    def faalt_halverwege(self: GeoPackageStore, *args: Any, **kwargs: Any) -> None:
        aanroepen["n"] += 1
        if aanroepen["n"] >= 2:
            raise sqlite3.OperationalError("disk I/O error")
        echt(self, *args, **kwargs)

    monkeypatch.setattr(GeoPackageStore, "_insert_rows", faalt_halverwege)
    rijen = [
        [*RIJEN[0][:4], "gerealiseerd", *RIJEN[0][5:]],
        RIJEN[1],
        ["k7", "Nieuw 1", "nieuwbouw", "nultreden", "idee", "5", "5,175", "52,225"],
        ["k8", "Nieuw 2", "nieuwbouw", "nultreden", "idee", "5", "5,176", "52,226"],
    ]
    with pytest.raises(KansenkaartError, match="er is niets gewijzigd") as exc:
        importeer(ws, "kansen", _csv(tmp_path / "k.csv", KOP, rijen))
    assert aanroepen["n"] == 2  # the first new row was inserted, the second failed
    assert not isinstance(exc.value, BadFileError)
    assert_geodataframe_equal(ws.store.query("kansen"), voor)
    pd.testing.assert_frame_equal(ws.store.history(), hist_voor)
    res = _cli("import", "kansen", str(tmp_path / "k.csv"), "--workspace", str(ws.pad))
    assert res.exit_code == 2 and "niets gewijzigd" in res.tekst and "Traceback" not in res.output


# --------------------------------------------------------------------------- CLI


def test_cli_exitcode_0_en_samenvatting(ws: Werkruimte, tmp_path: Path) -> None:
    pad = _csv(tmp_path / "k.csv", [*KOP, "opmerking"], [[*r, "x"] for r in RIJEN])
    res = _cli("import", "kansen", str(pad), "--workspace", str(ws.pad))
    assert res.exit_code == 0, res.output
    assert "gelezen 3" in res.tekst and "nieuw 3" in res.tekst and "afgekeurd 0" in res.tekst
    assert "Genegeerde kolommen (geen veld van laag kansen): opmerking." in res.tekst
    res = _cli("import", "kansen", str(pad), "--workspace", str(ws.pad))
    assert res.exit_code == 0 and "ongewijzigd 3" in res.tekst


def test_cli_exitcode_1_bij_afgekeurde_rijen(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [RIJEN[0], ["k2", "School", "nieuwbouw", "geclusterd", "verkening", "x", "5,18", "52,22"]]
    res = _cli("import", "kansen", str(_csv(tmp_path / "k.csv", KOP, rijen)), "-w", str(ws.pad))
    assert res.exit_code == 1, res.output
    assert "nieuw 1" in res.tekst and "afgekeurd 1" in res.tekst
    assert "Bedoelt u 'verkenning'?" in res.tekst
    assert "k.afgekeurd.csv" in res.tekst
    assert ws.store.count("kansen") == 1


@pytest.mark.parametrize(
    ("args", "melding"),
    [
        (["kansen", "{pad}/weg.csv"], "bestaat niet"),
        (["kansen", "{pad}/leeg.csv"], "is leeg"),
        (["vlekkenplan", "{pad}/k.csv"], "wordt berekend"),
        (["onzin", "{pad}/k.csv"], "Onbekende laag 'onzin'"),
        (["kansen", "{pad}/xy.csv"], "Geen coördinatenstelsel opgegeven"),
        (["kansen", "{pad}/k.csv", "--gemeente", "GM0363"], "hoort niet bij regio"),
        (["kansen", "{pad}/k.csv", "--crs", "EPSG:99"], "Onbekend coördinatenstelsel"),
    ],
)
def test_cli_exitcode_2_een_regel_zonder_traceback(
    ws: Werkruimte, tmp_path: Path, args: list[str], melding: str
) -> None:
    _csv(tmp_path / "k.csv", KOP, RIJEN)
    (tmp_path / "leeg.csv").write_bytes(b"")
    _csv(tmp_path / "xy.csv", ["bron_id", "naam", "x", "y"], [["1", "a", "1", "2"]])
    res = _cli("import", *[a.format(pad=tmp_path) for a in args], "--workspace", str(ws.pad))
    assert res.exit_code == 2, res.output
    assert melding in res.tekst and "Fout:" in res.tekst
    assert "Traceback" not in res.output
    assert ws.store.count("kansen") == 0


def test_cli_melding_met_rich_markup_tekens(ws: Werkruimte, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = _cli("import", "kansen", "[red]weg[/red].csv", "--workspace", str(ws.pad))
    assert res.exit_code == 2 and "[red]weg[/red].csv' bestaat niet" in res.tekst


def test_cli_zonder_werkruimte(tmp_path: Path) -> None:
    res = _cli("import", "kansen", str(_csv(tmp_path / "k.csv", KOP, RIJEN)), "--workspace", str(tmp_path / "geen"))
    assert res.exit_code == 2 and "Geen werkruimte gevonden" in res.tekst


def test_cli_voortgangsbalk_bij_groot_bestand(ws: Werkruimte, tmp_path: Path) -> None:
    rijen = [
        [f"k{i}", f"Kans {i}", "nieuwbouw", "geclusterd", "idee", "10", f"5,{1700 + i % 90}", "52,23"]
        for i in range(4000)
    ]
    pad = _csv(tmp_path / "groot.csv", [*KOP, "toelichting"], [[*r, "x" * 60] for r in rijen])
    assert pad.stat().st_size > 256 * 1024
    res = _cli("import", "kansen", str(pad), "--workspace", str(ws.pad))
    assert res.exit_code == 0, res.output
    assert "gelezen 4000" in res.tekst and "nieuw 4000" in res.tekst
