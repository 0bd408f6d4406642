"""The regional monitor over HTTP: JSON, export, the ``/monitor`` page and the printable report.

- ``GET /api/monitor``: all indicators as JSON (unknown values are ``null`` with a status);
- ``GET /api/monitor/peildata``: the frozen peildata with the region totals;
- ``GET /api/monitor/export?f=xlsx|csv``: download all indicators;
- ``GET /monitor``: the monitor page (HTML with inline SVG charts), linked from the map;
- ``GET /monitor/rapport?gemeente=GMxxxx``: printable report for a gemeente or the region.

Every route takes an optional ``peildatum`` (``JJJJ-MM-DD``) to show a frozen stand instead of
the current figures. The routes only translate requests into calls of
:mod:`kansenkaart.io.monitor`.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import GebruikerDep, WerkruimteDep
from kansenkaart.errors import ValidationError
from kansenkaart.io import monitor as mon
from kansenkaart.monitor import REGIO

__all__ = ["router"]

router = APIRouter()

_MEDIATYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

PeildatumQuery = Annotated[
    str | None,
    Query(
        description="Toon een vastgelegde peildatum (JJJJ-MM-DD) in plaats van de actuele stand.",
        max_length=10,
        pattern=r"^(\d{4}-\d{2}-\d{2})?$",
    ),
]


def _peildatum(waarde: str | None) -> date | None:
    if not waarde:
        return None
    try:
        return date.fromisoformat(waarde)
    except ValueError as e:
        raise ValidationError(
            f"Peildatum '{waarde}' is ongeldig; gebruik JJJJ-MM-DD.", details={"parameter": "peildatum"}
        ) from e


def _basis(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get(
    "/api/monitor",
    tags=["Monitor"],
    summary="Indicatoren van de regionale monitor",
    description=(
        "Behoefte, gerealiseerd, pijplijn (per status), dekking en restopgave per gemeente en doelgroep, "
        "de spreiding (aandeel aanbod tegenover aandeel 75-plussers, Hoover-index), de vastgelegde "
        "peildata, wat er veranderd is sinds de laatste peildatum en de ontwikkeling over de peildata. "
        "Onbekende waarden zijn null; `behoefte_status` zegt of de behoefte bekend, onbekend of ambigu "
        "is."
    ),
    operation_id="monitor",
)
def monitor(werkruimte: WerkruimteDep, gebruiker: GebruikerDep, peildatum: PeildatumQuery = None) -> JSONResponse:
    """All indicators as JSON."""
    ov = mon.monitor_overzicht(werkruimte, peildatum=_peildatum(peildatum))
    return JSONResponse(ov.to_dict(), headers={"Cache-Control": "no-store"})


@router.get(
    "/api/monitor/peildata",
    tags=["Monitor"],
    summary="Vastgelegde peildata",
    description="De vastgelegde peildata, oudste eerst, met de regiocijfers per doelgroep en de Hoover-index.",
    operation_id="monitor_peildata",
)
def peildata(werkruimte: WerkruimteDep, gebruiker: GebruikerDep) -> JSONResponse:
    """The frozen peildata with their region totals."""
    uit: list[dict[str, Any]] = []
    for d in mon.peildata(werkruimte):
        st = mon.lees_peildatum(werkruimte, d)
        regio = st.to_dict()["indicatoren"]
        uit.append(
            {
                "peildatum": d.isoformat(),
                "berekend_op": st.berekend_op,
                "hoover": st.spreiding.hoover,
                "regio": [
                    {
                        k: r[k]
                        for k in (
                            "doelgroep",
                            "behoefte",
                            "behoefte_status",
                            "gerealiseerd",
                            "pijplijn",
                            "dekking",
                        )
                    }
                    for r in regio
                    if r["gemeentecode"] == REGIO
                ],
            }
        )
    return JSONResponse({"peildata": uit}, headers={"Cache-Control": "no-store"})


@router.get(
    "/api/monitor/export",
    tags=["Monitor"],
    summary="Download alle indicatoren (Excel of CSV)",
    description=(
        "Excel: werkbladen samenvatting, indicatoren, spreiding, trend, wijzigingen, kansen, onderbouwing, "
        "definities en bronnen. CSV: één lange tabel (peildatum, gemeentecode, gemeente, doelgroep, "
        "indicator, waarde, status), kommagescheiden met decimale punt (RFC 4180, zoals de laagexport; gebruik "
        "Excel-export voor Excel). Onbekende waarden staan er als 'onbekend'."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "Het bestand (Content-Disposition: attachment).",
            "content": {
                m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in _MEDIATYPES.values()
            },
        }
    },
    operation_id="monitor_export",
)
def export(
    werkruimte: WerkruimteDep,
    gebruiker: GebruikerDep,
    f: Annotated[Literal["xlsx", "csv"], Query(description="Bestandsformaat: xlsx of csv.")] = "xlsx",
    peildatum: PeildatumQuery = None,
) -> Response:
    """Download all indicators."""
    ov = mon.monitor_overzicht(werkruimte, peildatum=_peildatum(peildatum))
    buf = io.BytesIO()
    mon.exporteer(ov, buf, formaat=f)
    naam = f"monitor-{ov.stand.regio_id}-{ov.stand.peildatum.isoformat()}.{f}"
    return Response(
        buf.getvalue(),
        media_type=_MEDIATYPES[f],
        headers={
            "Content-Disposition": f"attachment; filename=\"{naam}\"; filename*=UTF-8''{quote(naam)}",
            "Cache-Control": "no-store",
        },
    )


@router.get("/monitor", response_class=HTMLResponse, include_in_schema=False)
def pagina(
    request: Request, werkruimte: WerkruimteDep, gebruiker: GebruikerDep, peildatum: PeildatumQuery = None
) -> HTMLResponse:
    """The monitor page."""
    basis = _basis(request)
    ov = mon.monitor_overzicht(werkruimte, peildatum=_peildatum(peildatum))
    html = mon.pagina_html(
        ov,
        kaart_url=f"{basis}/",
        export_url=f"{basis}/api/monitor/export",
        rapport_url=f"{basis}/monitor/rapport",
        pagina_url=f"{basis}/monitor",
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/monitor/rapport", response_class=HTMLResponse, include_in_schema=False)
def rapport(
    request: Request,
    werkruimte: WerkruimteDep,
    gebruiker: GebruikerDep,
    gemeente: Annotated[
        str | None,
        Query(
            description="CBS-gemeentecode (GMxxxx); leeg: rapport voor de regio.",
            pattern=r"^(GM\d{4})?$",
            max_length=6,
        ),
    ] = None,
    peildatum: PeildatumQuery = None,
) -> HTMLResponse:
    """The printable report for the region or one gemeente."""
    basis = _basis(request)
    ov = mon.monitor_overzicht(werkruimte, peildatum=_peildatum(peildatum))
    terug = f"{basis}/monitor" + (f"?peildatum={ov.stand.peildatum.isoformat()}" if not ov.actueel else "")
    html = mon.rapport_html(werkruimte, ov, gemeente=gemeente or None, terug_url=terug)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
