"""Importing a partner file over HTTP: ``POST /api/collections/{laag}/import`` (multipart upload).

The same import as ``kansenkaart import LAAG BESTAND`` (:func:`kansenkaart.io.importeren.importeer`:
validate every row, store the valid ones in one transaction, matched on ``bron`` + ``bron_id``),
with the rights of the logged-in user:

- aanjager and beheerder: every layer;
- bewerker: only ``kansen``, and each row only when its gemeente (gemeentecode and location)
  is one of theirs, also for rows that update a stored kans; other rows are rejected with the
  reason, like any other invalid row;
- lezer: 403.

Limits: the request body (``max_body_bytes``, 413), the number of features
(``max_import_features``, 413) and the vertices per geometry (``max_vertices``, a rejected row).
History rows of kansen get kanaal ``import`` and the user's name. The answer lists the counts
and every rejected row with its Dutch reason.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ContextDep, GebruikerDep, LaagDep
from api.routes.ogc import _fouten
from kansenkaart.errors import BadFileError
from kansenkaart.io.autorisatie import import_autorisatie
from kansenkaart.io.importeren import importeer

__all__ = ["ImportAfkeuring", "ImportAntwoord", "router"]

router = APIRouter(prefix="/api/collections", tags=["Importeren"])

UPLOAD_SUFFIXEN = (".csv", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg")
_VEILIG = re.compile(r"[^A-Za-z0-9._ -]+")
_KOPIEER_BLOK = 1 << 20


class ImportAfkeuring(BaseModel):
    """One problem of a rejected row."""

    rij: int
    veld: str
    waarde: str
    reden: str


class ImportAntwoord(BaseModel):
    """Outcome of an import."""

    laag: str
    bestand: str
    bronlaag: str | None
    locatie: str
    gelezen: int
    nieuw: int
    gewijzigd: int
    ongewijzigd: int
    afgekeurd: int
    afkeuringen: list[ImportAfkeuring]
    genegeerde_kolommen: list[str]
    ids: list[str]


def _bestandsnaam(ruw: str | None) -> str:
    """A safe file name from the upload (its stem becomes ``bron`` of the rows)."""
    naam = Path((ruw or "").replace("\\", "/")).name
    naam = _VEILIG.sub("_", naam).strip(" .")[:120]
    suffix = Path(naam).suffix.lower()
    if suffix not in UPLOAD_SUFFIXEN or not Path(naam).stem:
        raise BadFileError(
            f"Bestand '{(ruw or '')[:100]}' heeft geen bruikbare naam of extensie. Stuur CSV (.csv), Excel (.xlsx), "
            "GeoJSON (.geojson) of GeoPackage (.gpkg); een Shapefile kan alleen met 'kansenkaart import'.",
            details={"toegestaan": list(UPLOAD_SUFFIXEN)},
        )
    return naam


@router.post(
    "/{laag}/import",
    response_model=ImportAntwoord,
    responses=_fouten(400, 403, 404, 413),
    summary="Bestand importeren in een laag",
    description="Upload een ingevuld sjabloon of partnerbestand (CSV, Excel, GeoJSON of GeoPackage) als "
    "multipart/form-data (veld 'bestand'). Elke rij wordt gecontroleerd; geldige rijen worden opgeslagen, "
    "afgekeurde staan met de reden in het antwoord. Opnieuw importeren van hetzelfde bestand (zelfde naam) "
    "wijzigt niets. Aanjager en beheerder: elke laag; bewerker: alleen kansen van de eigen gemeenten.",
    operation_id="importeren",
)
def importeer_upload(
    ctx: ContextDep,
    schema: LaagDep,
    gebruiker: GebruikerDep,
    bestand: Annotated[UploadFile, File(description="Het bestand (.csv, .xlsx, .geojson of .gpkg).")],
    gemeente: Annotated[
        str | None,
        Form(
            description="Importeer voor één gemeente (GMxxxx): rijen van andere gemeenten worden afgekeurd.",
            max_length=6,
            pattern=r"^(GM\d{4})?$",
        ),
    ] = None,
    crs: Annotated[
        str | None,
        Form(description="Coördinatenstelsel van de kolommen x/y of wkt, bijv. EPSG:28992.", max_length=100),
    ] = None,
    bronlaag: Annotated[
        str | None, Form(description="Blad (Excel) of laag (GeoPackage) om te lezen.", max_length=100)
    ] = None,
) -> JSONResponse:
    autorisatie = import_autorisatie(ctx.werkruimte, gebruiker, schema.naam)
    naam = _bestandsnaam(bestand.filename)
    instellingen = ctx.settings
    with tempfile.TemporaryDirectory(prefix="kansenkaart-import-") as tmp:
        pad = Path(tmp) / naam
        with pad.open("wb") as uit:
            while blok := bestand.file.read(_KOPIEER_BLOK):
                uit.write(blok)
        resultaat = importeer(
            ctx.werkruimte,
            schema.naam,
            pad,
            gemeente=gemeente or None,
            crs=crs or None,
            bronlaag=bronlaag or None,
            gebruiker=gebruiker.naam,
            kanaal="import",
            autorisatie=autorisatie,
            max_features=instellingen.max_import_features,
            max_vertices=instellingen.max_vertices,
        )
    afkeuringen: list[dict[str, Any]] = [
        {"rij": int(str(r["rij"])), "veld": str(r["veld"]), "waarde": str(r["waarde"]), "reden": str(r["reden"])}
        for r in resultaat.afkeuringen.to_dict("records")
    ]
    return JSONResponse(
        {
            "laag": resultaat.laag,
            "bestand": naam,
            "bronlaag": resultaat.bronlaag,
            "locatie": resultaat.locatie,
            "gelezen": resultaat.gelezen,
            "nieuw": resultaat.nieuw,
            "gewijzigd": resultaat.gewijzigd,
            "ongewijzigd": resultaat.ongewijzigd,
            "afgekeurd": resultaat.afgekeurd,
            "afkeuringen": afkeuringen,
            "genegeerde_kolommen": list(resultaat.genegeerde_kolommen),
            "ids": list(resultaat.ids),
        }
    )
