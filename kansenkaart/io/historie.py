"""Export of the audit trail of kansen (``kansen_historie``): JSON, CSV or Excel.

Every row is one version of one kans: who (``gebruiker``), when (``tijdstip``, UTC), from where
(``kanaal``: api, web, import, cli, systeem), what (``actie``: aangemaakt, gewijzigd,
verwijderd, hersteld), the changed fields with old and new values (``wijzigingen``) and a
snapshot of the whole kans after the change (``momentopname``, geometry as WKT in the
workspace CRS).

CSV is UTF-8 with BOM, comma-separated, CRLF (RFC 4180), like the layer exports; the two
structured columns hold JSON, and ``samenvatting`` says the same in words ("status: idee →
verkenning"). Text that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from kansenkaart.errors import ValidationError

__all__ = ["HISTORIE_FORMATEN", "HISTORIE_KOLOMMEN", "exporteer_historie", "historie_regels"]

HistorieFormaat = Literal["json", "csv", "xlsx"]
HISTORIE_FORMATEN: tuple[str, ...] = ("json", "csv", "xlsx")
HISTORIE_KOLOMMEN: tuple[str, ...] = (
    "kans_id",
    "versie",
    "actie",
    "gebruiker",
    "tijdstip",
    "kanaal",
    "samenvatting",
    "wijzigingen",
    "momentopname",
)
_FORMULE_TEKENS = ("=", "+", "-", "@", "\t", "\r")


def _versie(v: Any) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(v)


def _kort(v: Any) -> str:
    if v is None:
        return "—"
    tekst = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return tekst if len(tekst) <= 80 else tekst[:77] + "…"


def _samenvatting(wijzigingen: Mapping[str, Any]) -> str:
    delen = []
    for veld, paar in wijzigingen.items():
        if isinstance(paar, list | tuple) and len(paar) == 2:
            delen.append(f"{veld}: {_kort(paar[0])} → {_kort(paar[1])}")
    return "; ".join(delen)


def historie_regels(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of :meth:`GeoPackageStore.history` as plain dicts (JSON-ready), oldest first."""
    regels = []
    for rij in df.to_dict("records"):
        wijzigingen = rij["wijzigingen"] if isinstance(rij["wijzigingen"], dict) else {}
        regels.append(
            {
                "kans_id": str(rij["kans_id"]),
                "versie": _versie(rij["versie"]),
                "actie": str(rij["actie"]),
                "gebruiker": rij["gebruiker"],
                "tijdstip": rij["tijdstip"],
                "kanaal": rij["kanaal"],
                "samenvatting": _samenvatting(wijzigingen),
                "wijzigingen": wijzigingen,
                "momentopname": rij["momentopname"],
            }
        )
    return regels


def _cel(v: Any) -> str:
    if v is None:
        return ""
    tekst = json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict | list) else str(v)
    return "'" + tekst if tekst.startswith(_FORMULE_TEKENS) else tekst


def exporteer_historie(df: pd.DataFrame, *, formaat: str) -> bytes:
    """The history ``df`` (from :meth:`GeoPackageStore.history`) as a file.

    Parameters
    ----------
    formaat
        ``json`` (a list of objects), ``csv`` or ``xlsx``.

    Raises
    ------
    ValidationError
        For another format.
    """
    f = formaat.lower().lstrip(".")
    regels = historie_regels(df)
    if f == "json":
        return json.dumps(regels, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if f == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(HISTORIE_KOLOMMEN)
        for r in regels:
            w.writerow([_cel(r[k]) for k in HISTORIE_KOLOMMEN])
        return buf.getvalue().encode("utf-8-sig")
    if f == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "historie"
        ws.append(list(HISTORIE_KOLOMMEN))
        for r in regels:
            ws.append([r["kans_id"], r["versie"], *[_cel(r[k])[:32_767] for k in HISTORIE_KOLOMMEN[2:]]])
        for rij in ws.iter_rows(min_row=2):
            for cel in rij:
                if isinstance(cel.value, str):
                    cel.data_type = "s"  # text, never a formula
        ws.freeze_panes = "A2"
        uit = io.BytesIO()
        wb.save(uit)
        return uit.getvalue()
    raise ValidationError(
        f"Onbekend formaat '{formaat}' voor de historie. Kies uit: {', '.join(HISTORIE_FORMATEN)}.",
        details={"formaat": formaat, "toegestaan": list(HISTORIE_FORMATEN)},
    )
