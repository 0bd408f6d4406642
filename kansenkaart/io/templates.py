"""Partner templates (sjablonen): XLSX with drop-downs and explanations, or a CSV header line.

The template of a layer is generated from its schema (:data:`kansenkaart.schemas.LAGEN`),
so templates, validation and the README tables cannot drift apart.

XLSX layout:

- ``Gegevens``: one header row with the input fields of the layer, then ``lon`` and ``lat``.
  Required columns end in `` *`` and are shaded orange (the import accepts headers with or
  without the marker). Every column carries an input message with its explanation; code
  lists and ja/nee fields get a drop-down, whole numbers, numbers and coordinates a number
  check (rows 2 to :data:`MAX_RIJEN` + 1).
- ``Toelichting``: per column its name, whether it is required, its type, explanation and
  allowed values (table header in row :data:`TOELICHTING_KOPRIJ`).
- ``Coördinaten``: the accepted coordinate formats.
- ``Definities``: the definition of the layer and the general definitions, quoted from the
  source documents.
- ``Codelijsten`` (hidden): the allowed values the drop-downs refer to.

CSV: one header line, UTF-8 with BOM and ``;`` as separator, so Dutch Excel opens it in
columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kansenkaart.errors import ValidationError
from kansenkaart.regio import Regio
from kansenkaart.schemas import DEFINITIES, Laag, Veld, laag
from kansenkaart.validatie import is_gebiedslaag

__all__ = [
    "MAX_RIJEN",
    "TOELICHTING_KOPRIJ",
    "Kolom",
    "schrijf_template",
    "template_kolommen",
]

MAX_RIJEN = 10_000
"""Number of data rows that get drop-downs and number checks in the XLSX template."""
TOELICHTING_KOPRIJ = 6
"""Row of the table header on the ``Toelichting`` sheet."""
VERPLICHT_TEKEN = " *"

_TYPE_NL = {
    "id": "tekst",
    "tekst": "tekst",
    "geheel": "geheel getal",
    "getal": "getal",
    "datum": "datum (JJJJ-MM-DD)",
    "datumtijd": "datum en tijd",
    "jaar": "jaartal",
    "ja_nee": "ja/nee",
    "code": "keuze uit lijst",
    "codes": "een of meer uit lijst, gescheiden door komma's",
}
_ORANJE = "FCE4D6"
_BLAUW = "DDEBF7"
_GRIJS = "EDEDED"


@dataclass(frozen=True)
class Kolom:
    """A column of the template.

    Attributes
    ----------
    naam
        Column name as the import expects it (without the required marker).
    verplicht
        Required on import.
    type
        Dutch type label.
    omschrijving
        Dutch explanation.
    toegestaan
        Allowed values or range, in Dutch (empty when anything goes).
    veld
        The schema field, or ``None`` for location columns.
    """

    naam: str
    verplicht: bool
    type: str
    omschrijving: str
    toegestaan: str
    veld: Veld | None = None

    @property
    def kop(self) -> str:
        """Header text: the name, with `` *`` when required."""
        return self.naam + (VERPLICHT_TEKEN if self.verplicht else "")


def _getal_tekst(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


def _toegestaan(v: Veld, regio: Regio | None) -> str:
    if v.naam == "gemeentecode":
        if regio is not None:
            return ", ".join(f"{g.code} ({g.naam})" for g in regio.gemeenten)
        return "GM gevolgd door vier cijfers, bijv. GM0402"
    if v.type in ("code", "codes") and v.codes:
        return ", ".join(v.codes)
    if v.type == "ja_nee":
        return "ja, nee"
    if v.type in ("geheel", "getal", "jaar"):
        if v.minimum is not None and v.maximum is not None:
            return f"{_getal_tekst(v.minimum)} t/m {_getal_tekst(v.maximum)}"
        if v.minimum is not None:
            return f"minimaal {_getal_tekst(v.minimum)}"
        if v.maximum is not None:
            return f"maximaal {_getal_tekst(v.maximum)}"
        return ""
    if v.type == "datum":
        return "bijv. 2025-03-01"
    if v.type in ("tekst", "id"):
        return f"maximaal {v.max_lengte} tekens"
    return ""


def _omschrijving(v: Veld, schema: Laag) -> str:
    if v.naam == "bron":
        return (
            f"{v.omschrijving} Vul bij voorkeur uw organisatie in en houd die bij elke levering gelijk; leeg "
            "laten: de bestandsnaam wordt gebruikt."
        )
    if v.naam == "bron_id":
        return (
            f"{v.omschrijving} Verplicht en uniek binnen uw bron: wie hetzelfde bestand opnieuw importeert, "
            "wijzigt dan niets, en een gewijzigde rij werkt het bestaande object bij."
        )
    return v.omschrijving


def template_kolommen(schema: Laag | str, *, regio: Regio | None = None) -> list[Kolom]:
    """The columns of the partner template of a layer, in order.

    The input fields of the schema (not the system fields), with ``bron_id`` required, then
    ``lon`` and ``lat``.

    Raises
    ------
    ValidationError
        For area layers (imported directly from CBS files) and derived layers.
    UnknownLayerError
        For an unknown layer name.
    """
    s = laag(schema) if isinstance(schema, str) else schema
    if s.afgeleid:
        raise ValidationError(f"Laag '{s.naam}' wordt berekend; daar is geen sjabloon voor.")
    if is_gebiedslaag(s):
        raise ValidationError(
            f"Voor gebiedslaag '{s.naam}' is geen sjabloon nodig: importeer het CBS-bestand (GeoPackage, "
            "GeoJSON "
            f"of Shapefile) direct met 'kansenkaart import {s.naam} BESTAND'."
        )
    kolommen = [
        Kolom(
            naam=v.naam,
            verplicht=v.verplicht or v.naam == "bron_id",
            type=_TYPE_NL[v.type],
            omschrijving=_omschrijving(v, s),
            toegestaan=_toegestaan(v, regio),
            veld=v,
        )
        for v in s.invoervelden
    ]
    kolommen += [
        Kolom(
            "lon",
            True,
            "getal",
            "Lengtegraad (WGS84, EPSG:4326), bijv. 5,1769. Of gebruik rd_x/rd_y of wkt: zie het blad Coördinaten.",
            "-180 t/m 180",
        ),
        Kolom("lat", True, "getal", "Breedtegraad (WGS84, EPSG:4326), bijv. 52,2292.", "-90 t/m 90"),
    ]
    return kolommen


_ALTERNATIEVEN = [
    ("rd_x", "getal", "RD-x in meters (EPSG:28992), bijv. 140123. Samen met rd_y, in plaats van lon en lat."),
    ("rd_y", "getal", "RD-y in meters (EPSG:28992), bijv. 470456."),
    ("x", "getal", "x in het stelsel van de kolom crs (of de optie --crs)."),
    ("y", "getal", "y in het stelsel van de kolom crs (of de optie --crs)."),
    (
        "wkt",
        "tekst",
        "Punt of vlak als WKT, bijv. POINT (140123 470456) of POLYGON ((...)); met de kolom crs.",
    ),
    ("crs", "tekst", "Coördinatenstelsel van x/y of wkt, bijv. EPSG:28992 (RD) of EPSG:4326 (lon/lat)."),
]

_COORDINATEN_TEKST = [
    "Coördinaten: zo geeft u de locatie op",
    "",
    "Elke rij heeft een locatie nodig: een punt (adres, complex) of een vlak (terrein, plangebied). Kies "
    "per rij één "
    "van deze manieren; de import gebruikt de eerste die gevuld is, in deze volgorde:",
    "",
    "1. wkt + crs: de vorm als WKT-tekst, bijv. POINT (140123 470456) of POLYGON ((140000 470000, 140100 "
    "470000, "
    "140100 470100, 140000 470000)), met in de kolom crs het stelsel (bijv. EPSG:28992). Ook "
    "SRID=28992;POINT (...) "
    "mag.",
    "2. lon + lat (standaard in dit sjabloon): lengte- en breedtegraad in WGS84 (EPSG:4326), zoals Google "
    "Maps en "
    "OpenStreetMap ze tonen. Hilversum ligt rond lon 5,17 en lat 52,23.",
    "3. rd_x + rd_y: Rijksdriehoekscoördinaten in meters (EPSG:28992), zoals in QGIS, BAG en PDOK. "
    "Hilversum ligt "
    "rond rd_x 140000 en rd_y 470000. Voeg de kolommen rd_x en rd_y toe of hernoem lon en lat.",
    "4. x + y + crs: coördinaten in een ander stelsel; zet het stelsel in de kolom crs of geef bij het "
    "importeren "
    "--crs EPSG:xxxx op.",
    "",
    "Een komma als decimaalteken (52,2292) mag. Zonder opgegeven stelsel (x/y of wkt zonder crs) wordt het "
    "hele "
    "bestand geweigerd: 'geen coördinatenstelsel opgegeven'.",
    "Een locatie buiten de regio, of (als de gemeentegrenzen geladen zijn) buiten de gemeenten van de "
    "regio, wordt "
    "afgekeurd. Zijn lon en lat verwisseld, dan zegt de import dat.",
    "Laat gemeentecode leeg: die wordt dan ingevuld op basis van de locatie.",
    "",
    "GIS-bestanden (GeoJSON, GeoPackage, Shapefile) hebben hun eigen geometrie; daar zijn deze kolommen "
    "niet nodig. "
    "GeoJSON is altijd lon/lat; een GeoPackage of Shapefile moet een coördinatenstelsel hebben.",
]


def schrijf_template(
    schema: Laag | str,
    pad: str | Path,
    *,
    formaat: Literal["xlsx", "csv"] | None = None,
    regio: Regio | None = None,
    overschrijven: bool = False,
) -> Path:
    """Write the partner template of a layer.

    Parameters
    ----------
    schema
        The layer (schema or name).
    pad
        Output file.
    formaat
        ``xlsx`` or ``csv``; default from the extension of ``pad`` (``.csv`` → csv, else xlsx).
    regio
        When given, the gemeentecode column gets a drop-down with the region's gemeenten.
    overschrijven
        Overwrite an existing file (default: refuse, it may hold a partner's data).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValidationError
        For area and derived layers, an unknown format, or an existing file.
    """
    s = laag(schema) if isinstance(schema, str) else schema
    p = Path(pad)
    fmt = formaat or ("csv" if p.suffix.lower() == ".csv" else "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise ValidationError(f"Onbekend formaat '{fmt}'. Kies xlsx of csv.", details={"veld": "formaat"})
    kolommen = template_kolommen(s, regio=regio)
    if p.exists() and not overschrijven:
        raise ValidationError(
            f"'{p}' bestaat al en kan ingevulde gegevens bevatten. Kies een andere naam of gebruik --overschrijven.",
            details={"pad": str(p)},
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerow([k.kop for k in kolommen])
        p.write_bytes(buf.getvalue().encode("utf-8-sig"))
        return p
    _schrijf_xlsx(s, kolommen, p, regio)
    return p


def _schrijf_xlsx(schema: Laag, kolommen: list[Kolom], pad: Path, regio: Regio | None) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Gegevens"
    wb.properties.title = f"Sjabloon {schema.titel} (kansenkaart)"
    wb.properties.creator = "kansenkaart"
    lijsten = wb.create_sheet("Codelijsten")
    lijst_kolom = 0

    def lijst(naam: str, waarden: list[str]) -> str:
        nonlocal lijst_kolom
        lijst_kolom += 1
        letter = get_column_letter(lijst_kolom)
        lijsten.cell(row=1, column=lijst_kolom, value=naam).font = Font(bold=True)
        for i, w in enumerate(waarden, start=2):
            lijsten.cell(row=i, column=lijst_kolom, value=w)
        return f"Codelijsten!${letter}$2:${letter}${len(waarden) + 1}"

    ja_nee_bereik: str | None = None
    laatste = MAX_RIJEN + 1
    for c, kol in enumerate(kolommen, start=1):
        letter = get_column_letter(c)
        cel = ws.cell(row=1, column=c, value=kol.kop)
        cel.font = Font(bold=True)
        cel.fill = PatternFill("solid", fgColor=_ORANJE if kol.verplicht else _BLAUW)
        cel.alignment = Alignment(vertical="center")
        uitleg = kol.omschrijving + (f"\nToegestaan: {kol.toegestaan}" if kol.toegestaan else "")
        uitleg += "\nVerplicht." if kol.verplicht else ""
        cel.comment = Comment(uitleg, "kansenkaart", width=320, height=140)
        ws.column_dimensions[letter].width = max(12, min(40, len(kol.kop) + 6))
        bereik = f"{letter}2:{letter}{laatste}"
        v = kol.veld
        dv: DataValidation
        if v is not None and v.type == "code" and v.codes:
            dv = DataValidation(
                type="list",
                formula1=lijst(v.naam, list(v.codes)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Ongeldige keuze",
                error=f"Kies een waarde uit de lijst: {', '.join(v.codes)}."[:255],
            )
        elif v is not None and v.type == "codes" and v.codes:
            dv = DataValidation(
                type="list", formula1=lijst(v.naam, list(v.codes)), allow_blank=True, showErrorMessage=False
            )
        elif v is not None and v.type == "ja_nee":
            if ja_nee_bereik is None:
                ja_nee_bereik = lijst("ja_nee", ["ja", "nee"])
            dv = DataValidation(
                type="list",
                formula1=ja_nee_bereik,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Ja of nee",
                error="Kies ja of nee.",
            )
        elif v is not None and v.naam == "gemeentecode" and regio is not None:
            dv = DataValidation(
                type="list",
                formula1=lijst("gemeentecode", list(regio.gemeentecodes)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Onbekende gemeente",
                error="Kies een gemeente van de regio, of laat het veld leeg.",
            )
        elif v is not None and v.type in ("geheel", "jaar", "getal"):
            soort = "decimal" if v.type == "getal" else "whole"
            if v.minimum is not None and v.maximum is not None:
                operator, f1, f2 = "between", _getal_tekst(v.minimum), _getal_tekst(v.maximum)
            elif v.minimum is not None:
                operator, f1, f2 = "greaterThanOrEqual", _getal_tekst(v.minimum), None
            elif v.maximum is not None:
                operator, f1, f2 = "lessThanOrEqual", _getal_tekst(v.maximum), None
            else:
                operator, f1, f2 = "between", "-1000000000", "1000000000"
            woord = "een getal" if v.type == "getal" else ("een jaartal" if v.type == "jaar" else "een geheel getal")
            dv = DataValidation(
                type=soort,
                operator=operator,
                formula1=f1.replace(",", "."),
                formula2=None if f2 is None else f2.replace(",", "."),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Ongeldig getal",
                error=f"Vul {woord} in" + (f" ({kol.toegestaan})." if kol.toegestaan else "."),
            )
        elif kol.naam in ("lon", "lat"):
            grens = "180" if kol.naam == "lon" else "90"
            dv = DataValidation(
                type="decimal",
                operator="between",
                formula1=f"-{grens}",
                formula2=grens,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Ongeldige coördinaat",
                error=f"{kol.naam} ligt tussen -{grens} en {grens} (WGS84). RD-coördinaten horen in rd_x en rd_y.",
            )
        else:
            dv = DataValidation(allow_blank=True)
        dv.showInputMessage = True
        dv.promptTitle = kol.naam[:32]
        dv.prompt = (kol.omschrijving + (" Verplicht." if kol.verplicht else ""))[:255]
        dv.add(bereik)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    lijsten.sheet_state = "hidden"

    _toelichting(wb.create_sheet("Toelichting", 1), schema, kolommen)
    co = wb.create_sheet("Coördinaten", 2)
    co.column_dimensions["A"].width = 130
    for i, regel in enumerate(_COORDINATEN_TEKST, start=1):
        cel = co.cell(row=i, column=1, value=regel)
        cel.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cel.font = Font(bold=True, size=14)
    _definities(wb.create_sheet("Definities", 3), schema)
    wb.active = 0
    wb.save(pad)


def _toelichting(ws: object, schema: Laag, kolommen: list[Kolom]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(ws, Worksheet)
    ws["A1"] = f"Sjabloon {schema.titel}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = schema.omschrijving
    ws["A3"] = (
        "Vul de gegevens in op het blad 'Gegevens', één rij per object. Kolommen met * (oranje) zijn "
        "verplicht. "
        "Laat de kopjes staan; extra kolommen worden genegeerd."
    )
    ws["A4"] = (
        f"Importeren: kansenkaart import {schema.naam} BESTAND.xlsx (eventueel met --gemeente GMxxxx). "
        "Afgekeurde "
        "rijen komen met een reden in BESTAND.afgekeurd.csv; opnieuw importeren van hetzelfde bestand "
        "wijzigt niets."
    )
    koppen = ["kolom", "verplicht", "type", "omschrijving", "toegestane waarden"]
    for c, k in enumerate(koppen, start=1):
        cel = ws.cell(row=TOELICHTING_KOPRIJ, column=c, value=k)
        cel.font = Font(bold=True)
        cel.fill = PatternFill("solid", fgColor=_GRIJS)
    rij = TOELICHTING_KOPRIJ + 1
    for kol in kolommen:
        waarden = [kol.naam, "ja" if kol.verplicht else "nee", kol.type, kol.omschrijving, kol.toegestaan]
        for c, w in enumerate(waarden, start=1):
            ws.cell(row=rij, column=c, value=w).alignment = Alignment(wrap_text=True, vertical="top")
        if kol.verplicht:
            ws.cell(row=rij, column=1).fill = PatternFill("solid", fgColor=_ORANJE)
        rij += 1
    for naam, type_, uitleg in _ALTERNATIEVEN:
        waarden = [naam, "nee (alternatief)", type_, uitleg, ""]
        for c, w in enumerate(waarden, start=1):
            ws.cell(row=rij, column=c, value=w).alignment = Alignment(wrap_text=True, vertical="top")
        rij += 1
    for letter, breedte in zip("ABCDE", (18, 16, 22, 70, 45), strict=True):
        ws.column_dimensions[letter].width = breedte
    ws.freeze_panes = f"A{TOELICHTING_KOPRIJ + 1}"


def _definities(ws: object, schema: Laag) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(ws, Worksheet)
    ws["A1"] = "Definities"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (
        "Gebruik deze definities bij het invullen, zodat de gegevens van alle gemeenten en partners vergelijkbaar zijn."
    )
    for c, k in enumerate(("begrip", "definitie (met bron)"), start=1):
        cel = ws.cell(row=4, column=c, value=k)
        cel.font = Font(bold=True)
        cel.fill = PatternFill("solid", fgColor=_GRIJS)
    volgorde = ([schema.definitie] if schema.definitie in DEFINITIES else []) + [
        k for k in DEFINITIES if k != schema.definitie
    ]
    for i, begrip in enumerate(volgorde, start=5):
        label = f"{begrip} (deze laag)" if begrip == schema.definitie else begrip
        ws.cell(row=i, column=1, value=label).alignment = Alignment(vertical="top", wrap_text=True)
        ws.cell(row=i, column=2, value=DEFINITIES[begrip]).alignment = Alignment(wrap_text=True, vertical="top")
        if begrip == schema.definitie:
            ws.cell(row=i, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 120
