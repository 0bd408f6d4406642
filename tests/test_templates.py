"""Tests of the partner templates (kansenkaart.io.templates) and ``kansenkaart template``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.errors import ValidationError
from kansenkaart.io.importeren import importeer
from kansenkaart.io.templates import MAX_RIJEN, TOELICHTING_KOPRIJ, schrijf_template, template_kolommen
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.regio import laad_regio
from kansenkaart.schemas import DEFINITIES, DOELGROEPEN, LAGEN, SOORTEN_KANS, STATUSSEN

REGIO = laad_regio("gooi-en-vechtstreek")
KANSEN_KOPPEN = [
    "naam *",
    "soort *",
    "doelgroep *",
    "aantal_woningen",
    "status *",
    "opleverjaar",
    "gemeentecode",
    "partners",
    "toelichting",
    "bron",
    "bron_id *",
    "lon *",
    "lat *",
]


def _blad(pad: Path, naam: str) -> Worksheet:
    ws = openpyxl.load_workbook(pad)[naam]
    assert isinstance(ws, Worksheet)
    return ws


def _validaties(ws: Worksheet) -> dict[str, object]:
    """Column letter → DataValidation."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}


def _lijst(pad: Path, formule: str) -> list[str]:
    """Values of a range like ``Codelijsten!$A$2:$A$7``."""
    blad, bereik = formule.split("!")
    ws = _blad(pad, blad)
    return [str(c[0].value) for c in ws[bereik.replace("$", "")]]


def test_xlsx_koppen_met_verplicht_teken(tmp_path: Path) -> None:
    pad = schrijf_template("kansen", tmp_path / "kansen.xlsx")
    wb = openpyxl.load_workbook(pad)
    assert wb.sheetnames == ["Gegevens", "Toelichting", "Coördinaten", "Definities", "Codelijsten"]
    assert wb["Codelijsten"].sheet_state == "hidden"
    ws = wb["Gegevens"]
    assert [c.value for c in ws[1]] == KANSEN_KOPPEN
    assert ws.freeze_panes == "A2"
    assert ws["A1"].comment is not None and "Korte naam of adres" in ws["A1"].comment.text
    assert ws.max_row == 1


def test_xlsx_keuzelijsten_en_getalcontrole(tmp_path: Path) -> None:
    pad = schrijf_template("kansen", tmp_path / "kansen.xlsx", regio=REGIO)
    dv = _validaties(_blad(pad, "Gegevens"))
    soort, doelgroep, aantal, status, jaar, gemeente = (dv[k] for k in "BCDEFG")
    assert soort.type == "list" and _lijst(pad, soort.formula1) == list(SOORTEN_KANS)  # type: ignore[attr-defined]
    assert _lijst(pad, doelgroep.formula1) == list(DOELGROEPEN)  # type: ignore[attr-defined]
    assert _lijst(pad, status.formula1) == list(STATUSSEN)  # type: ignore[attr-defined]
    assert _lijst(pad, gemeente.formula1) == list(REGIO.gemeentecodes)  # type: ignore[attr-defined]
    assert str(soort.sqref) == f"B2:B{MAX_RIJEN + 1}"  # type: ignore[attr-defined]
    assert (aantal.type, aantal.operator, aantal.formula1, aantal.formula2) == (  # type: ignore[attr-defined]
        "whole",
        "between",
        "1",
        "5000",
    )
    assert (jaar.type, jaar.formula1, jaar.formula2) == ("whole", "2000", "2100")  # type: ignore[attr-defined]
    lon, lat = dv["L"], dv["M"]
    assert (lon.type, lon.formula1, lon.formula2) == ("decimal", "-180", "180")  # type: ignore[attr-defined]
    assert (lat.type, lat.formula1, lat.formula2) == ("decimal", "-90", "90")  # type: ignore[attr-defined]
    assert all(v.showInputMessage and v.prompt for v in dv.values())  # type: ignore[attr-defined]


def _validatie(pad: Path, kop: str) -> object:
    ws = _blad(pad, "Gegevens")
    letter = next(c.column_letter for c in ws[1] if c.value == kop)
    return _validaties(ws)[letter]


def test_xlsx_ja_nee_en_meerkeuze(tmp_path: Path) -> None:
    pad = schrijf_template("wooncomplexen", tmp_path / "w.xlsx")
    for kop in ("ontmoetingsruimte *", "zorg *"):
        assert _lijst(pad, _validatie(pad, kop).formula1) == ["ja", "nee"]  # type: ignore[attr-defined]
    pad2 = schrijf_template("nieuwbouwplannen", tmp_path / "n.xlsx")
    doelgroepen = _validatie(pad2, "doelgroepen")
    assert doelgroepen.type == "list" and not doelgroepen.showErrorMessage  # type: ignore[attr-defined]
    jaar = _validatie(pad2, "opleverjaar")
    assert (jaar.type, jaar.formula1, jaar.formula2) == ("whole", "2000", "2100")  # type: ignore[attr-defined]


def test_toelichting_per_veld(tmp_path: Path) -> None:
    pad = schrijf_template("kansen", tmp_path / "kansen.xlsx")
    ws = _blad(pad, "Toelichting")
    rijen = list(ws.iter_rows(min_row=TOELICHTING_KOPRIJ, values_only=True))
    assert rijen[0] == ("kolom", "verplicht", "type", "omschrijving", "toegestane waarden")
    per_kolom = {r[0]: r for r in rijen[1:]}
    assert [r[0] for r in rijen[1:14]] == [k.rstrip(" *") for k in KANSEN_KOPPEN]
    assert per_kolom["status"][1:3] == ("ja", "keuze uit lijst")
    assert per_kolom["status"][4] == ", ".join(STATUSSEN)
    assert per_kolom["aantal_woningen"][1:3] == ("nee", "geheel getal")
    assert per_kolom["aantal_woningen"][4] == "1 t/m 5000"
    assert per_kolom["bron_id"][1] == "ja" and "opnieuw importeert" in per_kolom["bron_id"][3]
    assert per_kolom["naam"][4] == "maximaal 200 tekens"
    assert per_kolom["rd_x"][1] == "nee (alternatief)" and "EPSG:28992" in per_kolom["rd_x"][3]
    assert {"rd_y", "x", "y", "wkt", "crs"} <= set(per_kolom)
    assert "Kolommen met * (oranje) zijn verplicht" in str(ws["A3"].value)


def test_definities_uit_de_brondocumenten(tmp_path: Path) -> None:
    pad = schrijf_template("zorggeschikte_woningen", tmp_path / "z.xlsx")
    ws = _blad(pad, "Definities")
    rijen = list(ws.iter_rows(min_row=5, values_only=True))
    assert rijen[0] == ("zorggeschikte woning (deze laag)", DEFINITIES["zorggeschikte woning"])
    assert {r[0] for r in rijen[1:]} == set(DEFINITIES) - {"zorggeschikte woning"}
    assert "(Bron: woonzorgvisie Hilversum" in str(rijen[0][1])
    uitleg = " ".join(str(c.value) for c in _blad(pad, "Coördinaten")["A"] if c.value)
    assert "lon + lat" in uitleg and "rd_x + rd_y" in uitleg and "geen coördinatenstelsel opgegeven" in uitleg


def test_csv_sjabloon_alleen_kopregel_utf8_bom_puntkomma(tmp_path: Path) -> None:
    pad = schrijf_template("kansen", tmp_path / "kansen.csv")
    ruw = pad.read_bytes()
    assert ruw.startswith(b"\xef\xbb\xbf")
    assert ruw.decode("utf-8-sig") == ";".join(KANSEN_KOPPEN) + "\r\n"


@pytest.mark.parametrize(("laag", "melding"), [("wijken", "geen sjabloon nodig"), ("vlekkenplan", "wordt berekend")])
def test_geen_sjabloon_voor_gebieden_en_afgeleide_lagen(laag: str, melding: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=melding):
        schrijf_template(laag, tmp_path / "x.xlsx")


def test_bestaand_bestand_wordt_niet_overschreven(tmp_path: Path) -> None:
    pad = schrijf_template("kansen", tmp_path / "k.xlsx")
    with pytest.raises(ValidationError, match="bestaat al"):
        schrijf_template("kansen", pad)
    assert schrijf_template("kansen", pad, overschrijven=True) == pad


@pytest.mark.parametrize("laag", [n for n, s in LAGEN.items() if not s.afgeleid and s.sleutel != ("code",)])
def test_elke_invoerlaag_heeft_een_sjabloon(laag: str, tmp_path: Path) -> None:
    kolommen = template_kolommen(laag)
    assert [k.naam for k in kolommen][-2:] == ["lon", "lat"]
    assert {k.naam for k in kolommen if k.verplicht} >= {
        "bron_id",
        *(v.naam for v in LAGEN[laag].velden if v.verplicht and not v.systeem),
    }
    schrijf_template(laag, tmp_path / f"{laag}.xlsx")


def test_ingevuld_sjabloon_importeert_alle_rijen(werkruimte: Werkruimte, tmp_path: Path) -> None:
    pad = schrijf_template("wooncomplexen", tmp_path / "wooncomplexen_dudok.xlsx", regio=REGIO)
    wb = openpyxl.load_workbook(pad)
    ws = wb["Gegevens"]
    koppen = [str(c.value).rstrip(" *") for c in ws[1]]
    rijen = [
        {
            "naam": "Hofje A",
            "soort": "Hofje",
            "aantal_woningen": 14,
            "ontmoetingsruimte": "ja",
            "zorg": "nee",
            "eigendom": "corporatie",
            "eigenaar": "Dudok Wonen",
            "opleverjaar": 2001,
            "bron": "Dudok",
            "bron_id": "D-1",
            "peildatum": dt.datetime(2025, 3, 1),
            "lon": 5.1769,
            "lat": 52.2292,
        },
        {
            "naam": "Flat B",
            "soort": "55+ flat",
            "aantal_woningen": 40,
            "ontmoetingsruimte": "nee",
            "zorg": "ja",
            "gemeentecode": "GM0402",
            "bron": "Dudok",
            "bron_id": "D-2",
            "lon": "5,1801",
            "lat": "52,2240",
        },
        {
            "naam": "Serviceflat C",
            "soort": "serviceflat",
            "aantal_woningen": 60,
            "ontmoetingsruimte": "ja",
            "zorg": "ja",
            "bron": "Dudok",
            "bron_id": "D-3",
            "lon": 5.16,
            "lat": 52.22,
        },
    ]
    for r, rij in enumerate(rijen, start=2):
        for c, k in enumerate(koppen, start=1):
            ws.cell(row=r, column=c, value=rij.get(k))
    wb.save(pad)
    res = importeer(werkruimte, "wooncomplexen", pad)
    assert (res.gelezen, res.nieuw, res.afgekeurd) == (3, 3, 0), res.afkeuringen
    opgeslagen = werkruimte.store.query("wooncomplexen").set_index("bron_id")
    assert list(opgeslagen.index) == ["D-1", "D-2", "D-3"]
    assert opgeslagen.loc["D-1", "soort"] == "hofje" and bool(opgeslagen.loc["D-1", "ontmoetingsruimte"])
    assert opgeslagen.loc["D-1", "peildatum"] == "2025-03-01"
    assert opgeslagen.loc["D-2", "gemeentecode"] == "GM0402"
    assert importeer(werkruimte, "wooncomplexen", pad).ongewijzigd == 3


def test_csv_sjabloon_rondreis(werkruimte: Werkruimte, tmp_path: Path) -> None:
    pad = schrijf_template("voorzieningen", tmp_path / "v.csv")
    with pad.open("a", encoding="utf-8", newline="") as f:
        kop = pad.read_text(encoding="utf-8-sig").strip().split(";")
        waarden = {
            "naam *": "AH Kerkstraat",
            "categorie *": "Supermarkt",
            "bron_id *": "ah-1",
            "lon *": "5,1769",
            "lat *": "52,2292",
        }
        f.write(";".join(waarden.get(k, "") for k in kop) + "\r\n")
    res = importeer(werkruimte, "voorzieningen", pad)
    assert res.nieuw == 1 and werkruimte.store.query("voorzieningen")["categorie"].iloc[0] == "supermarkt"


# --------------------------------------------------------------------------- CLI


def test_cli_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["template", "kansen", "--workspace", str(tmp_path / "geen")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "kansen-sjabloon.xlsx").exists()
    res = CliRunner().invoke(app, ["template", "zorgcentra", "--format", "csv", "-o", "z.csv"])
    assert res.exit_code == 0 and (tmp_path / "z.csv").read_bytes().startswith(b"\xef\xbb\xbfnaam *;soort *")
    res = CliRunner().invoke(app, ["template", "zorgcentra", "-o", "z.csv"])
    assert res.exit_code == 2 and "bestaat al" in res.output


def test_cli_template_met_werkruimte_krijgt_gemeentelijst(werkruimte: Werkruimte, tmp_path: Path) -> None:
    uit = tmp_path / "k.xlsx"
    res = CliRunner().invoke(app, ["template", "kansen", "-o", str(uit), "--workspace", str(werkruimte.pad)])
    assert res.exit_code == 0, res.output
    assert _lijst(uit, _validaties(_blad(uit, "Gegevens"))["G"].formula1) == list(  # type: ignore[attr-defined]
        REGIO.gemeentecodes
    )


@pytest.mark.parametrize(
    ("args", "melding"),
    [
        (["wijken"], "geen sjabloon nodig"),
        (["kansen", "--format", "ods"], "Onbekend formaat 'ods'"),
        (["kansen", "--format", "csv", "-o", "k.xlsx"], "past niet bij --format csv"),
        (["onzin"], "Onbekende laag"),
    ],
)
def test_cli_template_fouten(args: list[str], melding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["template", *args, "--workspace", str(tmp_path / "geen")])
    assert res.exit_code == 2 and melding in " ".join(res.output.split()) and "Traceback" not in res.output
