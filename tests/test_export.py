"""Tests of attribution, the layer exports (GeoJSON, GeoPackage, CSV, XLSX) and ``kansenkaart export``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from kansenkaart.attributie import BRONNEN, attributie, licenties
from kansenkaart.cli import app
from kansenkaart.errors import CRSError, NotFoundError, UnknownLayerError, ValidationError
from kansenkaart.io.export import bestandsnaam, exporteer, exporteer_naar_bestand, formaat_uit_pad
from kansenkaart.io.werkruimte import Werkruimte

DATUM = date(2025, 3, 14)
OSM = BRONNEN["osm"].tekst
CBS = BRONNEN["cbs"].tekst
VOORBEELD = "Voorbeelddata — geen echte gegevens"
KANS = {
    "naam": "Hofje Oost",
    "soort": "nieuwbouw",
    "doelgroep": "geclusterd",
    "status": "idee",
    "aantal_woningen": 18,
    "gemeentecode": "GM0402",
    "bron": "Dudok",
}


@pytest.fixture
def ws(tmp_path: Path) -> Werkruimte:
    """A Gooi en Vechtstreek workspace with two kansen (one soft-deleted), buurten and a wooncomplex."""
    w = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    s = w.store
    s.create("kansen", {**KANS, "id": "kans-1"}, shapely.Point(140_000, 470_000), gebruiker="anna",
             kanaal="cli")
    s.create(
        "kansen",
        {**KANS, "id": "kans-2", "naam": "Oud plan", "bron": "gemeente Hilversum"},
        shapely.box(140_100, 470_100, 140_200, 470_200),
        gebruiker="anna",
        kanaal="cli",
    )
    s.delete("kansen", "kans-2", versie=1, gebruiker="anna", kanaal="cli")
    s.create(
        "wooncomplexen",
        {"id": "wc-1", "naam": "=SOM(A1:A9)", "aantal_woningen": 24, "ontmoetingsruimte": True, "zorg": False,
         "peildatum": "2024-12-31", "bron": "Dudok", "bron_id": "D-17"},
        shapely.Point(140_500, 470_500),
        gebruiker="anna",
        kanaal="cli",
    )
    buurten = gpd.GeoDataFrame(
        {
            "id": ["bu-1", "bu-2"],
            "code": ["BU04020101", "BU04020102"],
            "naam": ["Centrum-Noord", "Centrum-Zuid"],
            "gemeentecode": ["GM0402", "GM0402"],
            "inwoners": [1200, 950],
            "pct_65plus": [19.5, None],
            "bron": ["CBS", "CBS"],
        },
        geometry=[
            shapely.box(139_000, 469_000, 140_000, 470_000),
            shapely.box(139_000, 468_000, 140_000, 469_000),
        ],
        crs="EPSG:28992",
    )
    s.replace_layer("buurten", buurten)
    return w


def _tekst(w: Werkruimte, laag: str) -> str:
    return attributie(laag, werkruimte_voorbeelddata=w.voorbeelddata)


# --------------------------------------------------------------------------- attribution


def test_attribution_per_kind_of_layer() -> None:
    assert attributie("buurten", werkruimte_voorbeelddata=False) == CBS
    assert attributie("voorzieningen", werkruimte_voorbeelddata=False) == OSM
    afgeleid = attributie("vlekkenplan", werkruimte_voorbeelddata=False)
    assert afgeleid == f"{OSM} | {CBS} | berekend met kansenkaart"
    assert OSM == "© OpenStreetMap-bijdragers, ODbL 1.0, https://www.openstreetmap.org/copyright"
    assert CBS == "Bron: CBS / Kadaster, CC BY 4.0"
    assert "partners" in attributie("kansen", werkruimte_voorbeelddata=False)


def test_attribution_demo_and_partner_sources() -> None:
    demo = attributie("geschiktheid", werkruimte_voorbeelddata=True)
    assert demo.startswith(VOORBEELD + " | ")
    bronnen = ["OSM", "Dudok", " dudok ", None, "Vivium"]
    tekst = attributie("voorzieningen", werkruimte_voorbeelddata=False, bronnen=bronnen)
    assert tekst == f"{OSM} | Gegevens van partners: Dudok, Vivium"
    cbs = attributie("gemeenten", werkruimte_voorbeelddata=False, bronnen=["CBS 2023", "PDOK CBS"])
    assert cbs == CBS
    osm = attributie("voorzieningen", werkruimte_voorbeelddata=False, bronnen=["OpenStreetMap", "osm"])
    assert osm == OSM
    met_kaart = attributie("zorgcentra", werkruimte_voorbeelddata=False, bronnen=["brt"])
    assert met_kaart.count("BRT-Achtergrondkaart") == 1
    assert licenties(attributie("bereikbaarheid", werkruimte_voorbeelddata=True)) == (
        BRONNEN["osm"].licentie,
        BRONNEN["cbs"].licentie,
    )


def test_attribution_unknown_layer() -> None:
    with pytest.raises(UnknownLayerError, match="Onbekende laag 'huizen'"):
        attributie("huizen", werkruimte_voorbeelddata=False)


# --------------------------------------------------------------------------- names and formats


def test_file_name_carries_layer_and_date() -> None:
    assert bestandsnaam("kansen", "geojson", DATUM) == "kansen_2025-03-14.geojson"
    assert bestandsnaam("buurten", "GPKG", DATUM) == "buurten_2025-03-14.gpkg"
    assert bestandsnaam("kansen", "xlsx").startswith(f"kansen_{date.today().isoformat()}")
    assert formaat_uit_pad("uit/Kansen.CSV") == "csv"


def test_unknown_format_lists_the_allowed_ones(ws: Werkruimte) -> None:
    gdf = ws.store.read_layer("kansen")
    with pytest.raises(ValidationError) as exc:
        exporteer(gdf, formaat="shp", laag="kansen", attributie="x", crs_metrisch=ws.crs)
    assert str(exc.value) == "Onbekend exportformaat 'shp'. Kies uit: geojson, gpkg, csv, xlsx."
    with pytest.raises(ValidationError, match=r"Onbekend exportformaat '\.shp'.*\.geojson, \.gpkg, \.csv"):
        exporteer_naar_bestand(gdf, ws.pad / "kansen.shp", laag="kansen", attributie="x")
    with pytest.raises(ValidationError, match="Onbekend exportformaat"):
        bestandsnaam("kansen", "pdf")


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_is_rfc7946_crs84_with_attribution(ws: Werkruimte) -> None:
    gdf = ws.store.read_layer("kansen")
    tekst = attributie("kansen", werkruimte_voorbeelddata=False, bronnen=["Dudok"])
    data = json.loads(exporteer(gdf, formaat="geojson", laag="kansen", attributie=tekst, crs_metrisch=ws.crs))
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    assert data["attribution"] == tekst and data["licentie"]
    assert [f["id"] for f in data["features"]] == ["kans-1"]  # the soft-deleted kans is not read
    feat = data["features"][0]
    lon, lat = feat["geometry"]["coordinates"]
    assert lon == pytest.approx(5.1677, abs=1e-3) and lat == pytest.approx(52.2179, abs=1e-3)
    assert len(str(lon).split(".")[1]) <= 7
    props = feat["properties"]
    assert "id" not in props
    assert props["aantal_woningen"] == 18 and props["verwijderd"] is False and props["versie"] == 1
    assert props["aangemaakt_op"].endswith("Z")


def test_geojson_polygons_and_reading_back_with_gdal(ws: Werkruimte, tmp_path: Path) -> None:
    pad = exporteer_naar_bestand(ws.store.read_layer("buurten"), tmp_path / "b.geojson", laag="buurten",
                                 attributie=_tekst(ws, "buurten"))
    data = json.loads(pad.read_text(encoding="utf-8"))
    ring = data["features"][0]["geometry"]["coordinates"][0][0]
    assert all(5.0 < x < 5.3 for x, _ in ring) and all(52.1 < y < 52.3 for _, y in ring)
    assert shapely.geometry.shape(data["features"][0]["geometry"]).geoms[0].exterior.is_ccw  # right-hand rule
    assert data["features"][1]["properties"]["pct_65plus"] is None
    back = pyogrio.read_dataframe(pad)
    assert list(back["id"]) == ["bu-1", "bu-2"]
    assert back.crs.to_epsg() == 4326
    assert pyogrio.read_info(pad)["layer_metadata"]["DESCRIPTION"] == CBS


# --------------------------------------------------------------------------- GeoPackage


def test_gpkg_in_metric_crs_with_typed_fields(ws: Werkruimte, tmp_path: Path) -> None:
    tekst = _tekst(ws, "wooncomplexen")
    pad = exporteer_naar_bestand(ws.store.read_layer("wooncomplexen"), tmp_path / "w.gpkg",
                                 laag="wooncomplexen", attributie=tekst, datum=DATUM)
    info = pyogrio.read_info(pad)
    assert info["layer_name"] == "wooncomplexen"
    assert info["crs"] == "EPSG:28992"
    assert info["features"] == 1
    assert info["geometry_type"] == "Point"
    types = dict(zip(info["fields"], zip(info["ogr_types"], info["ogr_subtypes"], strict=True), strict=True))
    assert types["aantal_woningen"][0] in ("OFTInteger", "OFTInteger64")
    assert types["ontmoetingsruimte"] == ("OFTInteger", "OFSTBoolean")
    assert types["peildatum"][0] == "OFTDate"
    assert types["naam"][0] == "OFTString"
    assert info["layer_metadata"]["DESCRIPTION"] == tekst
    assert info["layer_metadata"]["exportdatum"] == "2025-03-14"
    back = pyogrio.read_dataframe(pad)
    assert back.loc[0, "naam"] == "=SOM(A1:A9)"
    assert back.geometry[0].equals(shapely.Point(140_500, 470_500))


def test_gpkg_opens_with_ogrinfo(ws: Werkruimte, tmp_path: Path) -> None:
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (GDAL command-line tools, Debian package gdal-bin) staat niet op het PATH")
    pad = exporteer_naar_bestand(ws.store.read_layer("kansen"), tmp_path / "k.gpkg", laag="kansen",
                                 attributie=_tekst(ws, "kansen"))
    out = subprocess.run(["ogrinfo", "-so", str(pad), "kansen"], capture_output=True, text=True, check=True)
    assert "Feature Count: 1" in out.stdout
    assert 'ID["EPSG",28992]' in out.stdout or "EPSG:28992" in out.stdout
    assert "aantal_woningen: Integer" in out.stdout
    assert "verwijderd: Integer(Boolean)" in out.stdout
    assert "aangemaakt_op: DateTime" in out.stdout
    assert "Warning" not in out.stderr and "ERROR" not in out.stderr


def test_gpkg_multipolygon_layer(ws: Werkruimte, tmp_path: Path) -> None:
    data = exporteer(ws.store.read_layer("buurten"), formaat="gpkg", laag="buurten",
                     attributie=_tekst(ws, "buurten"), crs_metrisch=ws.crs)
    (tmp_path / "b.gpkg").write_bytes(data)
    back = gpd.read_file(tmp_path / "b.gpkg", layer="buurten")
    assert list(back.geom_type) == ["MultiPolygon", "MultiPolygon"]
    assert back["inwoners"].tolist() == [1200, 950]


# --------------------------------------------------------------------------- CSV


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_points_with_coordinates_and_attribution(ws: Werkruimte) -> None:
    tekst = _tekst(ws, "wooncomplexen")
    data = exporteer(ws.store.read_layer("wooncomplexen"), formaat="csv", laag="wooncomplexen",
                     attributie=tekst, crs_metrisch=ws.crs)
    rows = _csv_rows(data)
    header = list(rows[0])
    # wooncomplexen may hold points or polygons, so it has a wkt column (also for points)
    assert header[-6:] == ["x", "y", "lon", "lat", "wkt", "bronvermelding"]
    r = rows[0]
    assert r["wkt"] == "POINT (140500 470500)"
    assert float(r["x"]) == 140_500 and float(r["y"]) == 470_500
    assert float(r["lon"]) == pytest.approx(5.1750, abs=1e-3)
    assert float(r["lat"]) == pytest.approx(52.2224, abs=1e-3)
    assert r["bronvermelding"] == tekst
    assert r["ontmoetingsruimte"] == "ja" and r["zorg"] == "nee"
    assert r["peildatum"] == "2024-12-31"
    assert r["naam"] == "'=SOM(A1:A9)"  # not run as a formula by a spreadsheet


def test_csv_point_layer_has_no_wkt(ws: Werkruimte) -> None:
    ws.store.create("voorzieningen", {"naam": "Albert Heijn", "categorie": "supermarkt", "bron": "OSM"},
                    shapely.Point(140_200, 470_300), gebruiker="cli", kanaal="cli")
    data = exporteer(ws.store.read_layer("voorzieningen"), formaat="csv", laag="voorzieningen",
                     attributie=_tekst(ws, "voorzieningen"), crs_metrisch=ws.crs)
    rows = _csv_rows(data)
    assert list(rows[0])[-5:] == ["x", "y", "lon", "lat", "bronvermelding"]
    assert rows[0]["bronvermelding"] == OSM


def test_csv_polygons_have_representative_point_and_wkt(ws: Werkruimte) -> None:
    data = exporteer(ws.store.read_layer("buurten"), formaat="csv", laag="buurten",
                     attributie=_tekst(ws, "buurten"), crs_metrisch=ws.crs)
    rows = _csv_rows(data)
    assert list(rows[0])[-6:] == ["x", "y", "lon", "lat", "wkt", "bronvermelding"]
    box = shapely.box(139_000, 469_000, 140_000, 470_000)
    assert box.contains(shapely.Point(float(rows[0]["x"]), float(rows[0]["y"])))
    assert shapely.from_wkt(rows[0]["wkt"]).equals(box)
    assert rows[1]["pct_65plus"] == ""


# --------------------------------------------------------------------------- XLSX


def test_xlsx_has_data_and_attribution_sheets(ws: Werkruimte) -> None:
    tekst = _tekst(ws, "wooncomplexen")
    data = exporteer(ws.store.read_layer("wooncomplexen"), formaat="xlsx", laag="wooncomplexen",
                     attributie=tekst, crs_metrisch=ws.crs, datum=DATUM)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["wooncomplexen", "Bronvermelding"]
    sheet = wb["wooncomplexen"]
    header = [c.value for c in sheet[1]]
    assert header[-6:] == ["x", "y", "lon", "lat", "wkt", "bronvermelding"]
    row = dict(zip(header, list(sheet[2]), strict=True))
    assert row["naam"].value == "=SOM(A1:A9)" and row["naam"].data_type == "s"  # text, not a formula
    assert row["aantal_woningen"].value == 24
    assert row["peildatum"].value.date() == date(2024, 12, 31)
    assert row["x"].value == 140_500
    meta = {r[0]: r[1] for r in wb["Bronvermelding"].iter_rows(values_only=True)}
    assert meta["Bronvermelding"] == tekst
    assert meta["Exportdatum"].date() == DATUM
    assert meta["Aantal objecten"] == 1


def test_xlsx_leaves_wkt_too_long_for_excel_empty(ws: Werkruimte) -> None:
    groot = shapely.Point(141_000, 471_000).buffer(500, quad_segs=2_000)  # 8,000 vertices
    gdf = gpd.GeoDataFrame({"id": ["bu-9"], "code": ["BU04020109"], "naam": ["Groot"]}, geometry=[groot],
                           crs="EPSG:28992")
    data = exporteer(gdf, formaat="xlsx", laag="buurten", attributie=CBS, crs_metrisch=ws.crs)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb["buurten"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("wkt") + 1).value is None
    assert sheet.cell(row=2, column=header.index("x") + 1).value == pytest.approx(141_000, abs=1)
    notes = [r[1] for r in wb["Bronvermelding"].iter_rows(values_only=True) if r[0] == "Let op"]
    assert notes and "te groot voor een Excel-cel" in notes[0]


# --------------------------------------------------------------------------- empty layers, CRS


@pytest.mark.parametrize("formaat", ["geojson", "gpkg", "csv", "xlsx"])
def test_empty_layer_gives_valid_empty_file(ws: Werkruimte, tmp_path: Path, formaat: str) -> None:
    leeg = ws.store.read_layer("zorgcentra")
    assert leeg.empty
    pad = exporteer_naar_bestand(leeg, tmp_path / f"leeg.{formaat}", laag="zorgcentra",
                                 attributie=_tekst(ws, "zorgcentra"))
    if formaat == "geojson":
        assert json.loads(pad.read_text(encoding="utf-8"))["features"] == []
    elif formaat == "gpkg":
        info = pyogrio.read_info(pad)
        assert info["features"] == 0 and info["crs"] == "EPSG:28992"
        assert "capaciteit" in list(info["fields"])
    elif formaat == "csv":
        text = pad.read_bytes().decode("utf-8-sig")
        assert text.splitlines()[0].endswith("x,y,lon,lat,wkt,bronvermelding")
        assert len(text.splitlines()) == 1
    else:
        wb = openpyxl.load_workbook(pad)
        assert wb["zorgcentra"].max_row == 1 and "Bronvermelding" in wb.sheetnames


def test_export_needs_a_crs(ws: Werkruimte, tmp_path: Path) -> None:
    gdf = ws.store.read_layer("kansen").set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        exporteer(gdf, formaat="geojson", laag="kansen", attributie="x", crs_metrisch=ws.crs)
    lonlat = ws.store.read_layer("kansen").to_crs(4326)
    with pytest.raises(CRSError, match="graden"):
        exporteer_naar_bestand(lonlat, tmp_path / "k.csv", laag="kansen", attributie="x")
    with pytest.raises(NotFoundError, match="bestaat niet"):
        exporteer_naar_bestand(lonlat, tmp_path / "nergens" / "k.csv", laag="kansen", attributie="x",
                               crs_metrisch=ws.crs)


# --------------------------------------------------------------------------- CLI


def test_cli_export_writes_file_and_reports(ws: Werkruimte, tmp_path: Path) -> None:
    out = tmp_path / "kansen.geojson"
    res = CliRunner().invoke(app, ["export", "kansen", "-o", str(out), "--workspace", str(ws.pad)])
    assert res.exit_code == 0, res.output
    assert "1 objecten" in res.output and "kansen.geojson" in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in data["features"]] == ["kans-1"]
    assert "Dudok" in data["attribution"] and "gemeente Hilversum" not in data["attribution"]


def test_cli_report_keeps_long_paths_on_one_line(ws: Werkruimte, tmp_path: Path) -> None:
    """A path longer than the terminal is printed whole, so it can be copied (no hard line breaks in it)."""
    diep = tmp_path / ("map-met-een-lange-naam-" * 4) / ("nog-een-lange-submap-" * 3)
    diep.mkdir(parents=True)
    out = diep / "kansen-export.geojson"
    res = CliRunner().invoke(app, ["export", "kansen", "-o", str(out), "--workspace", str(ws.pad)], terminal_width=60)
    assert res.exit_code == 0, res.output
    assert len(str(out)) > 60
    assert str(out) in res.output


def test_cli_export_to_folder_uses_dated_name(ws: Werkruimte, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["export", "buurten", "-o", str(tmp_path), "--formaat", "xlsx", "--workspace", str(ws.pad)]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / bestandsnaam("buurten", "xlsx")).exists()


@pytest.mark.parametrize(
    ("args", "melding"),
    [
        (["export", "huizen", "-o", "x.gpkg"], "Onbekende laag 'huizen'"),
        (["export", "kansen", "-o", "x.shp"], "Onbekend exportformaat"),
        (["export", "vlekkenplan", "-o", "x.gpkg"], "nog niet berekend"),
    ],
)
def test_cli_export_errors_are_one_dutch_line(ws: Werkruimte, args: list[str], melding: str) -> None:
    res = CliRunner().invoke(app, [*args, "--workspace", str(ws.pad)])
    assert res.exit_code == 2
    assert melding in res.output
    assert "Traceback" not in res.output


def test_cli_export_missing_workspace(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["export", "kansen", "-o", str(tmp_path / "k.gpkg"),
                                   "--workspace", str(tmp_path / "geen")])
    assert res.exit_code == 2
    assert "Geen werkruimte gevonden" in res.output
    assert "Traceback" not in res.output
