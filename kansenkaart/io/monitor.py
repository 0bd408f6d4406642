"""Regional monitor wiring: workspace in, indicators, peildata, exports, charts and HTML out.

Everything the monitor keeps in a workspace lives in the store's metadata table, so the
workspace stays one GeoPackage file:

==========================  ==========================================================
key                         value (JSON)
==========================  ==========================================================
``peildatum:YYYY-MM-DD``    a frozen :class:`~kansenkaart.monitor.Monitorstand`
``monitor:behoefte``        imported need figures that override the region file
``monitor:bevolking``       65+/75+ per gemeente loaded from CBS PC4 counts
==========================  ==========================================================

The 65+/75+ counts are also written into the ``inwoners_65plus``/``inwoners_75plus`` fields
of the ``gemeenten`` layer when that layer holds the gemeente. The monitor reads the layer
first and falls back to the metadata per gemeente and field.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import IO, Any, Literal

import geopandas as gpd
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kansenkaart.bevolking import ouderen_per_gemeente, ouderen_uit_leeftijdstabel
from kansenkaart.errors import BadFileError, ConflictError, NotFoundError, ValidationError
from kansenkaart.io.store import nu
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.monitor import (
    AANBOD_DOELGROEPEN,
    INDICATOREN,
    PIJPLIJN_STATUSSEN,
    REGIO,
    SPREIDING_INDICATOREN,
    Monitorstand,
    Verschil,
    bereken_stand,
    trend,
    verschil,
)
from kansenkaart.regio import DOELGROEPEN
from kansenkaart.schemas import DEFINITIES

__all__ = [
    "DOELGROEP_TITELS",
    "META_BEHOEFTE",
    "META_BEVOLKING",
    "MONITOR_DEFINITIES",
    "PEILDATUM_PREFIX",
    "Overzicht",
    "bereken_monitor",
    "bevolking",
    "datum_nl",
    "decimaal",
    "exporteer",
    "geimporteerde_behoefte",
    "getal",
    "grafiek_behoefte_svg",
    "grafiek_spreiding_svg",
    "grafiek_trend_svg",
    "importeer_behoefte",
    "kaart_svg",
    "laad_bevolking",
    "lees_behoefte_csv",
    "lees_bevolkingsbestand",
    "lees_peildatum",
    "leg_peildatum_vast",
    "monitor_overzicht",
    "pagina_html",
    "peildata",
    "procent",
    "rapport_html",
    "verwijder_peildatum",
    "wis_behoefte",
]

PEILDATUM_PREFIX = "peildatum:"
META_BEHOEFTE = "monitor:behoefte"
META_BEVOLKING = "monitor:bevolking"

LAGEN = (
    "kansen",
    "nultredenwoningen",
    "zorggeschikte_woningen",
    "wooncomplexen",
    "nieuwbouwplannen",
    "gemeenten",
)

MONITOR_DEFINITIES: dict[str, str] = {
    "Behoefte": (
        "Indicatieve behoefte aan woningen voor ouderen per gemeente en doelgroep over de behoefteperiode, "
        "uit het regiobestand (regionale strategie bijlage 2; woonzorgvisie Hilversum tabel 1) of "
        "geïmporteerd. Een ontbrekend of niet eenduidig cijfer is 'onbekend', nooit 0."
    ),
    "Gerealiseerd": (
        "Kansen met status 'gerealiseerd', plus woningen in de lagen nultredenwoningen (nultreden), "
        "zorggeschikte woningen (zorggeschikt) en wooncomplexen met ontmoetingsruimte en minstens 12 "
        "woningen (geclusterd) met een opleverjaar vanaf het beginjaar van de behoefteperiode tot en met "
        "het peiljaar. Elke woning telt in één doelgroep, die van het record."
    ),
    "Pijplijn": (
        "Woningen in kansen met status idee, verkenning, in voorbereiding of in uitvoering (vervallen telt "
        "niet), plus de nultreden-, geclusterde en zorggeschikte woningen in nieuwbouwplannen met een "
        "opleverjaar vanaf het peiljaar of zonder opleverjaar (hard en zacht apart)."
    ),
    "Dubbeltelling": (
        "Een woning of plan dat aan een (niet vervallen) kans gekoppeld is, telt alleen via de kans. "
        "Gekoppeld: het bron_id van het object is het id van de kans, het bron_id van de kans is het id van "
        "het object, of beide hebben dezelfde bron en hetzelfde bron_id."
    ),
    "Dekking": "(Gerealiseerd + pijplijn) / behoefte. Onbekend als de behoefte onbekend of 0 is.",
    "Realisatiegraad": "Gerealiseerd / behoefte. Onbekend als de behoefte onbekend of 0 is.",
    "Restopgave": (
        "Behoefte − gerealiseerd − pijplijn (wat nog nergens voor gepland is). 'Restopgave na realisatie' = "
        "behoefte − gerealiseerd. Negatief betekent meer dan de behoefte."
    ),
    "Aanbod (spreiding)": (
        "Alle meegetelde geclusterde en zorggeschikte woningen die er nu staan (ook van vóór de "
        "behoefteperiode), inclusief gerealiseerde kansen."
    ),
    "Hoover-index": (
        "H = ½ · Σ |s_i − p_i|, met s_i het aandeel van gemeente i in het aanbod van de regio en p_i haar "
        "aandeel in de 75-plussers van de regio (65-plussers als het aantal 75-plussers niet voor elke "
        "gemeente bekend is). 0 = het aanbod is precies zo verdeeld als de ouderen; hoe hoger, hoe "
        "onevenwichtiger. H is het deel van het aanbod dat zou moeten verhuizen voor een evenredige "
        "verdeling."
    ),
    "Woningen per 1.000 75-plussers": "Aanbod / aantal inwoners van 75 jaar en ouder × 1.000.",
    "Peildatum": (
        "Een vastgelegde stand van alle indicatoren op een datum. De monitor vergelijkt de huidige stand met "
        "de laatste peildatum en toont de ontwikkeling over alle peildata."
    ),
}

DOELGROEP_TITELS = {
    "nultreden": "Nultredenwoningen",
    "geclusterd": "Geclusterde woningen",
    "zorggeschikt": "Zorggeschikte woningen",
}
_DEFINITIE_SLEUTELS = (
    "nultredenwoning",
    "geclusterde woonvorm",
    "zorggeschikte woning",
    "kans",
    "nieuwbouwplan",
)

# --------------------------------------------------------------------------- formatting


def getal(v: Any, *, leeg: str = "onbekend") -> str:
    """Dutch integer: ``1076`` → ``"1.076"``; unknown → ``"onbekend"``."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return leeg
    return f"{round(float(v)):,}".replace(",", ".")


def procent(v: Any, *, decimalen: int = 0, leeg: str = "onbekend") -> str:
    """Dutch percentage of a fraction: ``0.318`` → ``"32%"`` (or ``"31,8%"``); unknown → ``"onbekend"``."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return leeg
    return f"{100 * float(v):.{decimalen}f}".replace(".", ",") + "%"


def decimaal(v: Any, *, decimalen: int = 2, leeg: str = "onbekend") -> str:
    """Dutch decimal number: ``0.125`` → ``"0,13"``; unknown → ``"onbekend"``."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return leeg
    return f"{float(v):,.{decimalen}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def datum_nl(d: date | str) -> str:
    """``2026-01-01`` → ``"1-1-2026"`` (Dutch date)."""
    dd = date.fromisoformat(d) if isinstance(d, str) else d
    return f"{dd.day}-{dd.month}-{dd.year}"


# --------------------------------------------------------------------------- need import


def lees_behoefte_csv(pad: str | Path | IO[str], *, gemeentecodes: Sequence[str]) -> pd.DataFrame:
    """Read need figures from a CSV file ``gemeentecode;doelgroep;behoefte;bron``.

    Parameters
    ----------
    pad
        The file (``;`` or ``,`` separated, UTF-8 with or without BOM), or an open text stream.
        ``behoefte`` may be empty or ``onbekend`` (unknown) or ``ambigu``; an optional
        ``toelichting`` column is kept. ``gemeentecode`` ``regio`` gives a region total.
    gemeentecodes
        The CBS codes of the region.

    Returns
    -------
    pandas.DataFrame
        Columns ``gemeentecode``, ``doelgroep``, ``behoefte`` (``Int64``), ``status``,
        ``bron``, ``toelichting``.

    Raises
    ------
    BadFileError
        When the file cannot be read or lacks a required column.
    ValidationError
        On the first invalid row, naming the row number, the value and the allowed values.
    """
    try:
        text = pad.read() if hasattr(pad, "read") else Path(pad).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BadFileError(f"Behoeftebestand {pad} is niet te lezen: {e}") from e
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise BadFileError("Het behoeftebestand is leeg.")
    eerste = text.splitlines()[0]
    scheiding = ";" if eerste.count(";") >= eerste.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=scheiding)
    velden = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    ontbreekt = [k for k in ("gemeentecode", "doelgroep", "behoefte") if k not in velden]
    if ontbreekt:
        raise BadFileError(
            f"Kolom(men) {', '.join(ontbreekt)} ontbreken in het behoeftebestand. Verwacht: "
            "gemeentecode;doelgroep;behoefte;bron.",
            details={"velden": velden},
        )
    geldig = {c.upper(): c for c in gemeentecodes}
    rows: list[dict[str, Any]] = []
    gezien: set[tuple[str, str]] = set()
    for i, raw in enumerate(reader, start=2):
        rec = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(rec.values()):
            continue
        code_in = rec.get("gemeentecode", "")
        code = REGIO if code_in.lower() in (REGIO, "regio totaal", "totaal") else geldig.get(code_in.upper())
        if code is None:
            raise ValidationError(
                f"Rij {i}: gemeentecode '{code_in}' hoort niet bij de regio. Toegestaan: "
                f"{', '.join(gemeentecodes)} of 'regio'.",
                details={"rij": i, "veld": "gemeentecode", "waarde": code_in},
            )
        doelgroep = rec.get("doelgroep", "").lower()
        if doelgroep not in DOELGROEPEN:
            raise ValidationError(
                f"Rij {i}: doelgroep '{rec.get('doelgroep')}' is ongeldig. Kies {', '.join(DOELGROEPEN)}.",
                details={"rij": i, "veld": "doelgroep", "waarde": rec.get("doelgroep")},
            )
        ruw = rec.get("behoefte", "").replace(" ", "")
        waarde: int | None
        if ruw.lower() in ("", "onbekend", "ambigu", "-"):
            waarde, status = None, "ambigu" if ruw.lower() == "ambigu" else "onbekend"
        elif re.fullmatch(r"\d+", ruw) or re.fullmatch(r"\d{1,3}(\.\d{3})+", ruw):
            waarde, status = int(ruw.replace(".", "")), "bekend"
        else:
            raise ValidationError(
                f"Rij {i}: behoefte '{rec.get('behoefte')}' is geen geheel getal ≥ 0 (of leeg/'onbekend').",
                details={"rij": i, "veld": "behoefte", "waarde": rec.get("behoefte")},
            )
        if (code, doelgroep) in gezien:
            raise ValidationError(
                f"Rij {i}: {code} {doelgroep} staat dubbel in het bestand.",
                details={"rij": i, "veld": "gemeentecode", "waarde": code},
            )
        gezien.add((code, doelgroep))
        rows.append(
            {
                "gemeentecode": code,
                "doelgroep": doelgroep,
                "behoefte": waarde,
                "status": status,
                "bron": rec.get("bron") or "geïmporteerd",
                "toelichting": rec.get("toelichting", ""),
            }
        )
    if not rows:
        raise BadFileError("Het behoeftebestand bevat geen rijen.")
    df = pd.DataFrame(rows, columns=["gemeentecode", "doelgroep", "behoefte", "status", "bron", "toelichting"])
    df["behoefte"] = pd.array(list(df["behoefte"]), dtype="Int64")
    return df


def importeer_behoefte(ws: Werkruimte, pad: str | Path) -> pd.DataFrame:
    """Read a need CSV (see :func:`lees_behoefte_csv`) and store it in the workspace.

    The file replaces any earlier import as a whole; figures not in the file come from the
    region file again.
    """
    df = lees_behoefte_csv(pad, gemeentecodes=ws.regio.gemeentecodes)
    payload = {
        "bestand": Path(pad).name,
        "ingelezen_op": nu(),
        "rijen": [
            {k: (None if pd.isna(v) else (int(v) if k == "behoefte" else v)) for k, v in r.items()}
            for r in df.to_dict("records")
        ],
    }
    ws.store.set_meta(META_BEHOEFTE, json.dumps(payload, ensure_ascii=False))
    return df


def geimporteerde_behoefte(ws: Werkruimte) -> pd.DataFrame | None:
    """Return the imported need figures of the workspace, or None."""
    raw = ws.store.get_meta(META_BEHOEFTE)
    if raw is None:
        return None
    rijen = json.loads(raw)["rijen"]
    kolommen = ["gemeentecode", "doelgroep", "behoefte", "status", "bron", "toelichting"]
    waarden = [None if r.get("behoefte") is None else int(r["behoefte"]) for r in rijen]
    df = pd.DataFrame([{k: r.get(k) for k in kolommen if k != "behoefte"} for r in rijen], columns=kolommen)
    df["behoefte"] = pd.array(waarden, dtype="Int64")
    return df


def wis_behoefte(ws: Werkruimte) -> bool:
    """Remove imported need figures; return True when there were any."""
    had = ws.store.get_meta(META_BEHOEFTE) is not None
    ws.store.delete_meta(META_BEHOEFTE)
    return had


# --------------------------------------------------------------------------- population


def lees_bevolkingsbestand(
    pad: str | Path,
    *,
    gemeenten: Mapping[str, str],
    postcodes: str | Path | None = None,
) -> pd.DataFrame:
    """Read CBS PC4 age counts and return 65+/75+ per gemeente.

    Parameters
    ----------
    pad
        Either a PC4 region file (GeoPackage, GeoJSON or CSV) with a ``gemeente`` (or
        ``gemeentecode``) column and ``inw_65plus``/``inw_75plus`` or the age-band columns; or,
        with ``postcodes``, the long CBS age table (``postcode``, ``leeftijd``, ``inwoners``).
    gemeenten
        CBS code → name of the region's gemeenten.
    postcodes
        Postcode → gemeente table (CSV with ``postcode`` and ``gemeente``) for the long table.

    Returns
    -------
    pandas.DataFrame
        See :func:`kansenkaart.bevolking.ouderen_per_gemeente`.
    """
    p = Path(pad)
    if not p.exists():
        raise NotFoundError(f"Bestand {p} bestaat niet.")
    try:
        if p.suffix.lower() == ".csv":
            tabel = pd.read_csv(p, sep=None, engine="python", encoding="utf-8-sig")
        else:
            tabel = pd.DataFrame(gpd.read_file(p).drop(columns="geometry", errors="ignore"))
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise BadFileError(f"Bevolkingsbestand {p.name} is niet te lezen: {e}") from e
    if postcodes is not None:
        try:
            pc = pd.read_csv(postcodes, sep=None, engine="python", encoding="utf-8-sig")
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise BadFileError(f"Postcodebestand {Path(postcodes).name} is niet te lezen: {e}") from e
        return ouderen_uit_leeftijdstabel(tabel, pc, gemeenten=gemeenten)
    return ouderen_per_gemeente(tabel, gemeenten=gemeenten)


def laad_bevolking(
    ws: Werkruimte,
    pad: str | Path,
    *,
    postcodes: str | Path | None = None,
    bron: str | None = None,
    gebruiker: str = "cli",
    kanaal: str = "cli",
) -> pd.DataFrame:
    """Load 65+/75+ per gemeente from CBS PC4 counts into the workspace.

    Stores the counts in the metadata (``monitor:bevolking``) and, for gemeenten present in
    the ``gemeenten`` layer, in its ``inwoners_65plus``/``inwoners_75plus`` fields (only
    known counts: a gemeente without PC4 rows keeps its layer values).

    Returns
    -------
    pandas.DataFrame
        The counts per gemeente (see :func:`lees_bevolkingsbestand`).
    """
    gemeenten = {g.code: g.naam for g in ws.regio.gemeenten}
    df = lees_bevolkingsbestand(pad, gemeenten=gemeenten, postcodes=postcodes)
    bron_tekst = bron or (
        f"CBS, Bevolking; leeftijd, postcode (PC4), bestand {Path(pad).name}"
        + (f" met {Path(postcodes).name}" if postcodes else "")
        + " — Bron: CBS, CC BY 4.0"
    )
    payload = {
        "bron": bron_tekst,
        "geladen_op": nu(),
        "gemeenten": {
            code: {
                "naam": str(rec["naam"]),
                "inwoners": None if pd.isna(rec["inwoners"]) else int(rec["inwoners"]),
                "inwoners_65plus": None if pd.isna(rec["inwoners_65plus"]) else int(rec["inwoners_65plus"]),
                "inwoners_75plus": None if pd.isna(rec["inwoners_75plus"]) else int(rec["inwoners_75plus"]),
                "aantal_pc4": int(rec["aantal_pc4"]),
            }
            for code, rec in df.iterrows()
        },
    }
    ws.store.set_meta(META_BEVOLKING, json.dumps(payload, ensure_ascii=False))
    if ws.store.has_layer("gemeenten"):
        laag = ws.store.read_layer("gemeenten")
        for fid, code in zip(laag["id"], laag["code"], strict=True):
            if code in df.index:
                rec = df.loc[code]
                # Only known counts are written: a gemeente without PC4 rows keeps its layer values.
                props = {k: int(rec[k]) for k in ("inwoners_65plus", "inwoners_75plus") if not pd.isna(rec[k])}
                if props:
                    ws.store.update("gemeenten", str(fid), props, versie=None, gebruiker=gebruiker, kanaal=kanaal)
    return df


def bevolking(ws: Werkruimte) -> tuple[pd.DataFrame, str]:
    """Return 65+/75+ per gemeente of the workspace and a description of the source.

    The ``gemeenten`` layer's ``inwoners_65plus``/``inwoners_75plus`` are used first; where
    empty, the counts loaded with :func:`laad_bevolking` (metadata). Unknown stays ``<NA>``.
    """
    codes = list(ws.regio.gemeentecodes)
    out = pd.DataFrame(index=pd.Index(codes, name="gemeentecode"))
    for k in ("inwoners_65plus", "inwoners_75plus"):
        out[k] = pd.array([None] * len(codes), dtype="Int64")
    bronnen: list[str] = []
    if ws.store.has_layer("gemeenten"):
        laag = ws.store.read_layer("gemeenten")
        gebruikt = False
        for rec in laag.to_dict("records"):
            if rec.get("code") in out.index:
                for k in ("inwoners_65plus", "inwoners_75plus"):
                    v = rec.get(k)
                    if v is not None and not pd.isna(v):
                        out.loc[rec["code"], k] = int(v)
                        gebruikt = True
        if gebruikt:
            b = sorted({str(x) for x in laag["bron"].dropna()}) if "bron" in laag.columns else []
            bronnen.append("laag gemeenten" + (f" ({', '.join(b)})" if b else ""))
    raw = ws.store.get_meta(META_BEVOLKING)
    if raw is not None:
        data = json.loads(raw)
        gebruikt = False
        for code, rec in data.get("gemeenten", {}).items():
            if code not in out.index:
                continue
            for k in ("inwoners_65plus", "inwoners_75plus"):
                if pd.isna(out.loc[code, k]) and rec.get(k) is not None:
                    out.loc[code, k] = int(rec[k])
                    gebruikt = True
        if gebruikt:
            bronnen.append(str(data.get("bron", "geladen bevolkingscijfers")))
    return out, "; ".join(bronnen)


# --------------------------------------------------------------------------- the stand and peildata


def _lagen(ws: Werkruimte) -> dict[str, gpd.GeoDataFrame | None]:
    return {naam: ws.store.read_layer(naam) if ws.store.has_layer(naam) else None for naam in LAGEN}


def bereken_monitor(ws: Werkruimte, *, peildatum: date | None = None) -> Monitorstand:
    """Compute the current monitor stand of a workspace.

    Parameters
    ----------
    ws
        The workspace.
    peildatum
        Date of the stand (default today); its year decides which opleverjaren count.
    """
    bev, bev_bron = bevolking(ws)
    bronnen: dict[str, str] = {}
    if bev_bron:
        bronnen["bevolking"] = bev_bron
    if ws.store.get_meta(META_BEHOEFTE):
        bronnen["behoefte (import)"] = "Geïmporteerde behoeftecijfers (kansenkaart monitor behoefte importeren)"
    return bereken_stand(
        regio=ws.regio,
        lagen=_lagen(ws),
        peildatum=peildatum or date.today(),
        bevolking=bev,
        behoefte_import=geimporteerde_behoefte(ws),
        bronnen=bronnen,
        voorbeelddata=ws.voorbeelddata,
    )


def _datum(d: date | str) -> date:
    if isinstance(d, date):
        return d
    try:
        return date.fromisoformat(str(d).strip())
    except ValueError as e:
        raise ValidationError(
            f"Datum '{d}' is ongeldig; gebruik JJJJ-MM-DD, bijvoorbeeld 2026-01-01.",
            details={"veld": "datum", "waarde": str(d)},
        ) from e


def leg_peildatum_vast(
    ws: Werkruimte, *, peildatum: date | str | None = None, overschrijven: bool = False
) -> Monitorstand:
    """Freeze the current indicators under a peildatum (default today).

    Raises
    ------
    ConflictError
        When the peildatum exists and ``overschrijven`` is False.
    """
    d = _datum(peildatum) if peildatum is not None else date.today()
    sleutel = PEILDATUM_PREFIX + d.isoformat()
    if ws.store.get_meta(sleutel) is not None and not overschrijven:
        raise ConflictError(
            f"Peildatum {d.isoformat()} is al vastgelegd. Kies een andere datum of overschrijf de stand.",
            details={"peildatum": d.isoformat()},
        )
    stand = bereken_monitor(ws, peildatum=d)
    ws.store.set_meta(sleutel, stand.to_json())
    return stand


def peildata(ws: Werkruimte) -> list[date]:
    """Return the frozen peildata of a workspace, oldest first."""
    out = []
    for k in ws.store.list_meta(PEILDATUM_PREFIX):
        try:
            out.append(date.fromisoformat(k[len(PEILDATUM_PREFIX) :]))
        except ValueError:
            continue
    return sorted(out)


def lees_peildatum(ws: Werkruimte, peildatum: date | str) -> Monitorstand:
    """Return the stand frozen at ``peildatum``.

    Raises
    ------
    NotFoundError
        When that peildatum was not frozen (the message lists the ones that were).
    """
    d = _datum(peildatum)
    raw = ws.store.get_meta(PEILDATUM_PREFIX + d.isoformat())
    if raw is None:
        bekend = ", ".join(x.isoformat() for x in peildata(ws)) or "(nog geen)"
        raise NotFoundError(
            f"Peildatum {d.isoformat()} is niet vastgelegd. Vastgelegd: {bekend}.",
            details={"peildatum": d.isoformat()},
        )
    return Monitorstand.from_dict(json.loads(raw))


def verwijder_peildatum(ws: Werkruimte, peildatum: date | str) -> None:
    """Remove a frozen peildatum (raises :class:`NotFoundError` when absent)."""
    d = _datum(peildatum)
    lees_peildatum(ws, d)
    ws.store.delete_meta(PEILDATUM_PREFIX + d.isoformat())


@dataclass(frozen=True)
class Overzicht:
    """Everything the monitor shows: the stand, the frozen peildata, change and trend.

    Attributes
    ----------
    stand
        The stand shown (current, or a frozen one).
    vastgelegd
        All frozen stands, oldest first.
    vergelijking
        The frozen stand :attr:`verschil` compares with (the last one before :attr:`stand`),
        or None.
    verschil
        What changed since :attr:`vergelijking`, or None.
    trend
        :func:`kansenkaart.monitor.trend` over the frozen stands plus the current one.
    actueel
        True when :attr:`stand` is the current (not frozen) stand.
    """

    stand: Monitorstand
    vastgelegd: tuple[Monitorstand, ...]
    vergelijking: Monitorstand | None
    verschil: Verschil | None
    trend: pd.DataFrame
    actueel: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the stand, peildata, change since the last peildatum and the trend."""
        d = self.stand.to_dict()
        d.pop("telling")
        d["actueel"] = self.actueel
        d["peildata"] = [s.peildatum.isoformat() for s in self.vastgelegd]
        d["verschil"] = None if self.verschil is None else self.verschil.to_dict()
        d["trend"] = [
            {k: (None if pd.isna(v) else v) for k, v in rec.items()}
            for rec in self.trend[self.trend["gemeentecode"] == REGIO].to_dict("records")
        ]
        return d


def monitor_overzicht(ws: Werkruimte, *, peildatum: date | str | None = None) -> Overzicht:
    """Return the monitor overview of a workspace.

    Parameters
    ----------
    ws
        The workspace.
    peildatum
        Show this frozen peildatum instead of the current figures; the change is then
        computed against the peildatum before it.
    """
    vast = tuple(lees_peildatum(ws, d) for d in peildata(ws))
    if peildatum is None:
        stand, actueel = bereken_monitor(ws), True
        eerder = [s for s in vast if s.peildatum <= stand.peildatum]
        reeks = [*vast] if any(s.peildatum == stand.peildatum for s in vast) else [*vast, stand]
    else:
        stand, actueel = lees_peildatum(ws, peildatum), False
        eerder = [s for s in vast if s.peildatum < stand.peildatum]
        reeks = [s for s in vast if s.peildatum <= stand.peildatum]
    vergelijking = eerder[-1] if eerder else None
    return Overzicht(
        stand=stand,
        vastgelegd=vast,
        vergelijking=vergelijking,
        verschil=None if vergelijking is None else verschil(vergelijking, stand),
        trend=trend(reeks),
        actueel=actueel,
    )


# --------------------------------------------------------------------------- export

_KOLOMTITELS: dict[str, str] = {
    "peildatum": "Peildatum",
    "gemeentecode": "Gemeentecode",
    "gemeente": "Gemeente",
    "doelgroep": "Doelgroep",
    "behoefte": "Behoefte",
    "behoefte_status": "Status behoefte",
    "behoefte_bron": "Bron behoefte",
    "behoefte_toelichting": "Toelichting behoefte",
    "gerealiseerd": "Gerealiseerd",
    "kansen_idee": "Kansen: idee",
    "kansen_verkenning": "Kansen: verkenning",
    "kansen_in_voorbereiding": "Kansen: in voorbereiding",
    "kansen_in_uitvoering": "Kansen: in uitvoering",
    "plannen_hard": "Nieuwbouwplannen: hard",
    "plannen_zacht": "Nieuwbouwplannen: zacht",
    "pijplijn": "Pijplijn totaal",
    "dekking": "Dekking",
    "realisatiegraad": "Realisatiegraad",
    "restopgave": "Restopgave",
    "restopgave_na_realisatie": "Restopgave na realisatie",
    "aanbod": "Aanbod geclusterd + zorggeschikt",
    "aanbod_met_pijplijn": "Aanbod incl. pijplijn",
    "inwoners_75plus": "Inwoners 75+",
    "inwoners_65plus": "Inwoners 65+",
    "aandeel_aanbod": "Aandeel aanbod",
    "aandeel_aanbod_met_pijplijn": "Aandeel aanbod incl. pijplijn",
    "aandeel_bevolking": "Aandeel ouderen",
    "verschil_aandeel": "Verschil aandeel (aanbod − ouderen)",
    "woningen_per_1000_75plus": "Woningen per 1.000 75+",
    "woningen_per_1000_65plus": "Woningen per 1.000 65+",
    "hoover": "Hoover-index",
    "laag": "Laag",
    "id": "Id",
    "naam": "Naam",
    "rubriek": "Rubriek",
    "aantal": "Aantal woningen",
    "aantal_woningen": "Aantal woningen",
    "meegeteld": "Meegeteld",
    "reden": "Reden niet meegeteld",
    "status": "Status",
    "indicator": "Indicator",
    "oud": "Oud",
    "nieuw": "Nieuw",
    "verschil": "Verschil",
    "wijziging": "Wijziging",
    "omschrijving": "Omschrijving",
}
_PROCENT_KOLOMMEN = frozenset(
    {
        "dekking",
        "realisatiegraad",
        "aandeel_aanbod",
        "aandeel_aanbod_met_pijplijn",
        "aandeel_bevolking",
        "verschil_aandeel",
    }
)
_ONBEKEND_KOLOMMEN = frozenset(
    {
        "behoefte",
        "dekking",
        "realisatiegraad",
        "restopgave",
        "restopgave_na_realisatie",
        "inwoners_75plus",
        "inwoners_65plus",
        "aandeel_aanbod",
        "aandeel_aanbod_met_pijplijn",
        "aandeel_bevolking",
        "verschil_aandeel",
        "woningen_per_1000_75plus",
        "woningen_per_1000_65plus",
        "hoover",
        "oud",
        "nieuw",
        "verschil",
    }
)


def _samenvatting(ov: Overzicht) -> list[tuple[str, Any]]:
    st = ov.stand
    sp = st.spreiding
    return [
        ("Regio", st.regio_naam),
        ("Peildatum", st.peildatum.isoformat()),
        ("Stand", "actueel (niet vastgelegd)" if ov.actueel else "vastgelegde peildatum"),
        ("Berekend op", st.berekend_op),
        ("Behoefteperiode", f"{st.behoefte_periode[0]}-{st.behoefte_periode[1]}"),
        ("Voorbeelddata", "ja — geen echte gegevens" if st.voorbeelddata else "nee"),
        ("Spreiding: bevolkingsgroep", sp.basis or "onbekend"),
        ("Hoover-index aanbod", "onbekend" if sp.hoover is None else round(sp.hoover, 4)),
        (
            "Hoover-index aanbod incl. pijplijn",
            "onbekend" if sp.hoover_met_pijplijn is None else round(sp.hoover_met_pijplijn, 4),
        ),
        ("Formule Hoover-index", "H = ½ · Σ |s_i − p_i|"),
        ("Vergeleken met peildatum", ov.vergelijking.peildatum.isoformat() if ov.vergelijking else "geen"),
        ("Vastgelegde peildata", ", ".join(s.peildatum.isoformat() for s in ov.vastgelegd) or "geen"),
    ]


def _geen_formules(blad: Any) -> None:
    """Store text that starts with ``=`` as text: a kans name must never run as a formula."""
    for rij in blad.iter_rows():
        for cell in rij:
            if cell.data_type == "f":
                cell.data_type = "s"


def _xlsx_blad(wb: Any, titel: str, df: pd.DataFrame, *, kolommen: Sequence[str] | None = None) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(titel)
    cols = list(kolommen or df.columns)
    ws.append([_KOLOMTITELS.get(c, c) for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for rec in df.to_dict("records"):
        rij = []
        for c in cols:
            v = rec.get(c)
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                rij.append("onbekend" if c in _ONBEKEND_KOLOMMEN else None)
            elif isinstance(v, bool):
                rij.append("ja" if v else "nee")
            elif hasattr(v, "item"):
                rij.append(v.item())
            else:
                rij.append(v)
        ws.append(rij)
    _geen_formules(ws)
    for j, c in enumerate(cols, start=1):
        letter = get_column_letter(j)
        if c in _PROCENT_KOLOMMEN:
            for cell in ws[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%"
        elif c.startswith("woningen_per_1000") or c == "hoover":
            for cell in ws[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
        breedte = max([len(str(_KOLOMTITELS.get(c, c)))] + [len(str(x.value or "")) for x in ws[letter][1:50]])
        ws.column_dimensions[letter].width = min(60, max(10, breedte + 2))
    ws.freeze_panes = "A2"


def _xlsx(ov: Overzicht, doel: Path | IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    st = ov.stand
    wb = Workbook()
    sam = wb.active
    assert sam is not None
    sam.title = "Samenvatting"
    sam.append(["Regionale monitor woonzorg", st.regio_naam])
    sam["A1"].font = Font(bold=True, size=13)
    for k, v in _samenvatting(ov):
        sam.append([k, v])
    sam.append([])
    sam.append(["Meldingen"])
    sam[f"A{sam.max_row}"].font = Font(bold=True)
    for m in st.meldingen:
        sam.append(["", m])
    _geen_formules(sam)
    sam.column_dimensions["A"].width = 36
    sam.column_dimensions["B"].width = 100
    ind_cols = [
        "gemeentecode",
        "gemeente",
        "doelgroep",
        "behoefte",
        "behoefte_status",
        *INDICATOREN[1:],
        "behoefte_bron",
        "behoefte_toelichting",
    ]
    _xlsx_blad(wb, "Indicatoren", st.indicatoren, kolommen=ind_cols)
    _xlsx_blad(wb, "Spreiding", st.spreiding.tabel)
    _xlsx_blad(wb, "Trend", ov.trend)
    if ov.verschil is not None:
        _xlsx_blad(
            wb,
            "Wijzigingen kansen",
            ov.verschil.kansen,
            kolommen=["omschrijving", "naam", "gemeentecode", "wijziging", "oud", "nieuw", "id"],
        )
        _xlsx_blad(wb, "Wijzigingen cijfers", ov.verschil.indicatoren)
    _xlsx_blad(wb, "Kansen", st.kansen)
    _xlsx_blad(wb, "Onderbouwing", st.telling)
    defs = pd.DataFrame(
        list(MONITOR_DEFINITIES.items()) + [(k, DEFINITIES[k]) for k in _DEFINITIE_SLEUTELS],
        columns=["begrip", "definitie"],
    )
    _xlsx_blad(wb, "Definities", defs)
    _xlsx_blad(wb, "Bronnen", pd.DataFrame(_bronnen(st), columns=["bron", "omschrijving"]))
    wb.save(doel)


def _csv_rijen(ov: Overzicht) -> pd.DataFrame:
    st = ov.stand
    p = st.peildatum.isoformat()
    rows: list[dict[str, Any]] = []
    for rec in st.indicatoren.to_dict("records"):
        for ind in INDICATOREN:
            rows.append(
                {
                    "peildatum": p,
                    "gemeentecode": rec["gemeentecode"],
                    "gemeente": rec["gemeente"],
                    "doelgroep": rec["doelgroep"],
                    "indicator": ind,
                    "waarde": rec[ind],
                    "status": rec["behoefte_status"] if ind == "behoefte" else "",
                }
            )
    for rec in st.spreiding.tabel.to_dict("records"):
        for ind in SPREIDING_INDICATOREN:
            rows.append(
                {
                    "peildatum": p,
                    "gemeentecode": rec["gemeentecode"],
                    "gemeente": rec["gemeente"],
                    "doelgroep": "+".join(AANBOD_DOELGROEPEN),
                    "indicator": ind,
                    "waarde": rec[ind],
                    "status": "",
                }
            )
    for ind, v in (
        ("hoover", st.spreiding.hoover),
        ("hoover_met_pijplijn", st.spreiding.hoover_met_pijplijn),
    ):
        rows.append(
            {
                "peildatum": p,
                "gemeentecode": REGIO,
                "gemeente": st.regio_naam,
                "doelgroep": "+".join(AANBOD_DOELGROEPEN),
                "indicator": ind,
                "waarde": v,
                "status": f"basis {st.spreiding.basis}" if st.spreiding.basis else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["peildatum", "gemeentecode", "gemeente", "doelgroep", "indicator", "waarde", "status"]
    )


def _csv_waarde(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return "onbekend"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.6g}"
    return str(int(v)) if isinstance(v, float) else str(v)


def exporteer(ov: Overzicht, doel: str | Path | IO[bytes], *, formaat: Literal["xlsx", "csv"] | None = None) -> None:
    """Write all indicators to an Excel workbook or a CSV file.

    Parameters
    ----------
    ov
        The overview to export.
    doel
        File path or binary stream.
    formaat
        ``xlsx`` (sheets: samenvatting, indicatoren, spreiding, trend, wijzigingen, kansen,
        onderbouwing, definities, bronnen) or ``csv`` (one long table ``peildatum,
        gemeentecode, gemeente, doelgroep, indicator, waarde, status``; RFC 4180 like the layer
        export: comma-separated, decimal point, UTF-8 with BOM). Default: from the file extension.

    Unknown values are written as ``onbekend``.
    """
    if formaat is None:
        if not isinstance(doel, str | Path):
            raise ValidationError("Geef het formaat (xlsx of csv) op bij een export naar een stroom.")
        ext = Path(doel).suffix.lower().lstrip(".")
        if ext not in ("xlsx", "csv"):
            raise ValidationError(f"Onbekend exportformaat '.{ext}'. Kies .xlsx of .csv.", details={"waarde": ext})
        formaat = ext  # type: ignore[assignment]
    if formaat == "xlsx":
        _xlsx(ov, Path(doel) if isinstance(doel, str) else doel)
        return
    df = _csv_rijen(ov)
    df["waarde"] = [_csv_waarde(v) for v in df["waarde"]]
    text = df.to_csv(index=False, lineterminator="\r\n")
    data = ("\ufeff" + text).encode("utf-8")
    if isinstance(doel, str | Path):
        Path(doel).write_bytes(data)
    else:
        doel.write(data)


# --------------------------------------------------------------------------- charts (SVG)

_KLEUR_BEHOEFTE = "#c9ced6"
_KLEUR_GEREALISEERD = "#1b6e53"
_KLEUR_PIJPLIJN = "#8fd0b4"
_KLEUR_BEVOLKING = "#e0a040"
_KLEUR_TEKST = "#1f2933"


_SVG_SLOT = threading.Lock()
"""matplotlib's rc_context changes global settings: one SVG rendering at a time."""


def _svg(fig: Any, prefix: str, titel: str = "") -> str:
    """Render a matplotlib figure as inline SVG with real ``<text>``, unique ids and a title."""
    import matplotlib

    buf = io.StringIO()
    with _SVG_SLOT, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{prefix}-titel" ', 1).replace(
        ">", f'><title id="{prefix}-titel">{_xml(titel or prefix)}</title>', 1
    )


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _figuur(breedte: float, hoogte: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(breedte, hoogte))
    fig.patch.set_alpha(0)
    return fig


def grafiek_behoefte_svg(rijen: pd.DataFrame, *, label: str = "gemeente", titel: str = "", id: str = "grafiek") -> str:
    """Horizontal bars per row: need (grey) and realised + pipeline stacked (green).

    Parameters
    ----------
    rijen
        Rows with ``label``, ``behoefte`` (nullable), ``gerealiseerd`` and ``pijplijn``.
    label
        Column with the bar labels (gemeente or doelgroep).
    titel
        Chart title.
    id
        Prefix of the SVG element ids (unique per page).

    Returns
    -------
    str
        Inline SVG. Each bar carries its number as text: the need (``onbekend`` when
        unknown) and ``gerealiseerd + pijplijn``.
    """
    n = len(rijen)
    fig = _figuur(7.2, 0.75 + 0.62 * max(n, 1))
    ax = fig.add_subplot(1, 1, 1)
    labels = [str(x) for x in rijen[label]]
    beh = [None if pd.isna(v) else int(v) for v in rijen["behoefte"]]
    ger = [int(v) for v in rijen["gerealiseerd"]]
    pij = [int(v) for v in rijen["pijplijn"]]
    maxw = max([1, *[b or 0 for b in beh], *[g + p for g, p in zip(ger, pij, strict=True)]])
    ys = list(range(n))[::-1]
    h = 0.36
    ax.barh([y + h / 2 for y in ys], [b or 0 for b in beh], height=h, color=_KLEUR_BEHOEFTE, label="Behoefte")
    ax.barh([y - h / 2 for y in ys], ger, height=h, color=_KLEUR_GEREALISEERD, label="Gerealiseerd")
    ax.barh([y - h / 2 for y in ys], pij, left=ger, height=h, color=_KLEUR_PIJPLIJN, label="Pijplijn")
    pad = maxw * 0.01
    for y, b, g, p in zip(ys, beh, ger, pij, strict=True):
        ax.text(
            (b or 0) + pad,
            y + h / 2,
            getal(b),
            va="center",
            ha="left",
            fontsize=8.5,
            color=_KLEUR_TEKST,
            style="italic" if b is None else "normal",
        )
        ax.text(
            g + p + pad,
            y - h / 2,
            f"{getal(g)} + {getal(p)}",
            va="center",
            ha="left",
            fontsize=8.5,
            color=_KLEUR_TEKST,
        )
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, maxw * 1.18)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.tick_params(axis="x", labelsize=8)
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.xaxis.set_major_formatter(_nl_formatter())
    ax.set_xlabel("woningen", fontsize=8.5)
    if titel:
        ax.set_title(titel, loc="left", fontsize=10.5, fontweight="bold", pad=22)
    ax.legend(
        loc="lower left",
        fontsize=8,
        frameon=False,
        ncols=3,
        bbox_to_anchor=(0, 1.0),
        borderaxespad=0.2,
        handlelength=1.2,
    )
    return _svg(fig, id, titel)


def _nl_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _p: getal(x))


def grafiek_spreiding_svg(stand: Monitorstand, *, id: str = "grafiek-spreiding") -> str:
    """Bars per gemeente: share of the region's care-ready supply vs share of its older inhabitants."""
    tab = stand.spreiding.tabel
    tab = tab[tab["gemeentecode"] != REGIO]
    n = len(tab)
    basis = stand.spreiding.basis
    fig = _figuur(7.2, 0.75 + 0.62 * max(n, 1))
    ax = fig.add_subplot(1, 1, 1)
    ys = list(range(n))[::-1]
    h = 0.36
    s = [None if pd.isna(v) else float(v) for v in tab["aandeel_aanbod"]]
    p = [None if pd.isna(v) else float(v) for v in tab["aandeel_bevolking"]]
    ax.barh(
        [y + h / 2 for y in ys],
        [100 * (v or 0) for v in s],
        height=h,
        color=_KLEUR_GEREALISEERD,
        label="Aandeel in aanbod geclusterd + zorggeschikt",
    )
    ax.barh(
        [y - h / 2 for y in ys],
        [100 * (v or 0) for v in p],
        height=h,
        color=_KLEUR_BEVOLKING,
        label=f"Aandeel in {basis or '75+'}-inwoners",
    )
    for y, a, b in zip(ys, s, p, strict=True):
        ax.text(
            100 * (a or 0) + 0.5,
            y + h / 2,
            procent(a, decimalen=1),
            va="center",
            fontsize=8.5,
            color=_KLEUR_TEKST,
        )
        ax.text(
            100 * (b or 0) + 0.5,
            y - h / 2,
            procent(b, decimalen=1),
            va="center",
            fontsize=8.5,
            color=_KLEUR_TEKST,
        )
    ax.set_yticks(ys, [str(x) for x in tab["gemeente"]])
    top = max([10.0, *[100 * (v or 0) for v in s], *[100 * (v or 0) for v in p]])
    ax.set_xlim(0, top * 1.18)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.tick_params(axis="x", labelsize=8)
    for sp in ("top", "right", "left"):
        ax.spines[sp].set_visible(False)
    ax.set_xlabel("% van de regio", fontsize=8.5)
    hv = stand.spreiding.hoover
    ax.set_title(
        f"Spreiding van het aanbod — Hoover-index {decimaal(hv)}",
        loc="left",
        fontsize=10.5,
        fontweight="bold",
        pad=22,
    )
    ax.legend(
        loc="lower left",
        fontsize=8,
        frameon=False,
        ncols=2,
        bbox_to_anchor=(0, 1.0),
        borderaxespad=0.2,
        handlelength=1.2,
    )
    return _svg(fig, id, "Spreiding: aandeel in het aanbod tegenover aandeel in de ouderen per gemeente")


def grafiek_trend_svg(trendtabel: pd.DataFrame, *, gemeentecode: str = REGIO, id: str = "grafiek-trend") -> str | None:
    """Lines per doelgroep over the peildata: realised (solid) and realised + pipeline (dashed).

    Returns None when there is no peildatum to show.
    """
    t = trendtabel[trendtabel["gemeentecode"] == gemeentecode]
    if not len(t):
        return None
    datums = sorted(set(t["peildatum"]))
    fig = _figuur(7.2, 2.8)
    ax = fig.add_subplot(1, 1, 1)
    kleuren = {"nultreden": "#4a6fa5", "geclusterd": _KLEUR_GEREALISEERD, "zorggeschikt": "#b5523b"}
    xs = list(range(len(datums)))
    for d in DOELGROEPEN:
        sub = t[t["doelgroep"] == d].set_index("peildatum").reindex(datums)
        g = [int(v) for v in sub["gerealiseerd"].fillna(0)]
        gp = [int(a) + int(b) for a, b in zip(sub["gerealiseerd"].fillna(0), sub["pijplijn"].fillna(0), strict=True)]
        ax.plot(xs, g, marker="o", color=kleuren[d], label=f"{d}: gerealiseerd")
        ax.plot(xs, gp, marker="o", linestyle="--", color=kleuren[d], alpha=0.6, label=f"{d}: incl. pijplijn")
        ax.annotate(
            getal(gp[-1]),
            (xs[-1], gp[-1]),
            textcoords="offset points",
            xytext=(6, 0),
            fontsize=8,
            va="center",
        )
    ax.set_xticks(xs, [datum_nl(d) for d in datums])
    ax.set_xlim(-0.3, len(xs) - 0.4)
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_formatter(_nl_formatter())
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    ax.set_ylabel("woningen", fontsize=8.5)
    ax.set_title("Ontwikkeling tussen peildata", loc="left", fontsize=10.5, fontweight="bold")
    ax.legend(fontsize=7.5, frameon=False, ncols=3, loc="upper left", bbox_to_anchor=(0, -0.15))
    return _svg(fig, id, "Ontwikkeling van gerealiseerd en pijplijn tussen peildata")


_STATUS_KLEUREN = {
    "idee": "#9aa5b1",
    "verkenning": "#4a6fa5",
    "in voorbereiding": "#e0a040",
    "in uitvoering": "#b5523b",
    "gerealiseerd": "#1b6e53",
    "vervallen": "#d0d0d0",
}


def kaart_svg(
    gemeenten: gpd.GeoDataFrame | None,
    kansen: gpd.GeoDataFrame | None,
    *,
    gemeentecode: str | None = None,
    id: str = "kaart",
) -> str | None:
    """A small printable map: gemeente outlines and kansen coloured by status.

    Parameters
    ----------
    gemeenten
        Gemeente polygons (column ``code``, ``naam``), or None.
    kansen
        Kansen points/polygons (column ``status``, ``gemeentecode``), or None.
    gemeentecode
        Highlight and zoom to this gemeente; only its kansen are drawn.

    Returns
    -------
    str or None
        Inline SVG, or None when there is nothing to draw.
    """
    heeft_vlakken = gemeenten is not None and len(gemeenten) > 0
    if kansen is not None and len(kansen) and gemeentecode is not None and "gemeentecode" in kansen.columns:
        kansen = kansen[kansen["gemeentecode"] == gemeentecode]
    heeft_kansen = kansen is not None and len(kansen) > 0
    if not heeft_vlakken and not heeft_kansen:
        return None
    fig = _figuur(4.8, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    crs = None
    if heeft_vlakken:
        assert gemeenten is not None
        crs = gemeenten.crs
        gemeenten.plot(ax=ax, facecolor="#f4f5f7", edgecolor="#7b8794", linewidth=0.6)
        if gemeentecode is not None:
            sel = gemeenten[gemeenten["code"] == gemeentecode]
            if len(sel):
                sel.plot(ax=ax, facecolor="#e3f1ea", edgecolor="#1b6e53", linewidth=1.4)
                minx, miny, maxx, maxy = sel.total_bounds
                dx, dy = (maxx - minx) * 0.08 + 100, (maxy - miny) * 0.08 + 100
                ax.set_xlim(minx - dx, maxx + dx)
                ax.set_ylim(miny - dy, maxy + dy)
        for _i, r in gemeenten.iterrows():
            if gemeentecode is None or r.get("code") == gemeentecode:
                pt = r.geometry.representative_point()
                ax.text(pt.x, pt.y, str(r.get("naam") or r.get("code")), fontsize=7, ha="center", color="#52606d")
    if heeft_kansen:
        assert kansen is not None
        k = kansen if crs is None else kansen.to_crs(crs)
        pts = k.geometry.representative_point()
        for status, kleur in _STATUS_KLEUREN.items():
            m = (k["status"] == status).to_numpy()
            if m.any():
                ax.scatter(
                    pts.x[m],
                    pts.y[m],
                    s=22,
                    color=kleur,
                    edgecolor="white",
                    linewidth=0.5,
                    label=status,
                    zorder=3,
                )
        ax.legend(
            fontsize=7,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            title="Kansen",
            title_fontsize=7.5,
        )
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _svg(fig, id, "Kaart met gemeentegrenzen en kansen naar status")


# --------------------------------------------------------------------------- HTML


def _templates() -> Environment:
    pad = Path(str(resources.files("web") / "templates"))
    env = Environment(loader=FileSystemLoader(pad), autoescape=select_autoescape(["html"]))
    env.filters["getal"] = getal
    env.filters["procent"] = procent
    env.filters["decimaal"] = decimaal
    env.filters["datum"] = datum_nl
    return env


def _css() -> str:
    return (Path(str(resources.files("web") / "static")) / "monitor.css").read_text(encoding="utf-8")


def _bronnen(stand: Monitorstand) -> list[tuple[str, str]]:
    from kansenkaart.attributie import BRONNEN

    out = [(k, v) for k, v in stand.bronnen.items()]
    out.append(("gebieden en bevolking", BRONNEN["cbs"].tekst))
    out.append(("kansen, woningen en plannen", BRONNEN["partners"].tekst))
    if stand.voorbeelddata:
        out.append(("kaartgegevens", BRONNEN["osm"].tekst))
    if stand.voorbeelddata:
        out.insert(0, ("let op", BRONNEN["voorbeelddata"].tekst))
    return out


def _rijen(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for templates: ``<NA>``/NaN → None, numpy scalars → Python."""
    out = []
    for rec in df.to_dict("records"):
        out.append(
            {
                str(k): (
                    None
                    if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                    else (v.item() if hasattr(v, "item") else v)
                )
                for k, v in rec.items()
            }
        )
    return out


def _doelgroep_blokken(stand: Monitorstand) -> list[dict[str, Any]]:
    blokken = []
    for d in DOELGROEPEN:
        rijen = stand.indicatoren[(stand.indicatoren["doelgroep"] == d)]
        gem = rijen[rijen["gemeentecode"] != REGIO]
        blokken.append(
            {
                "doelgroep": d,
                "titel": DOELGROEP_TITELS[d],
                "grafiek": grafiek_behoefte_svg(
                    gem, titel=f"{DOELGROEP_TITELS[d]}: behoefte, gerealiseerd en pijplijn", id=f"grafiek-{d}"
                ),
                "rijen": _rijen(rijen),
            }
        )
    return blokken


def _context(ov: Overzicht) -> dict[str, Any]:
    st = ov.stand
    return {
        "ov": ov,
        "stand": st,
        "regio": REGIO,
        "doelgroepen": DOELGROEPEN,
        "doelgroep_titels": DOELGROEP_TITELS,
        "pijplijn_statussen": PIJPLIJN_STATUSSEN,
        "spreiding": _rijen(st.spreiding.tabel),
        "regio_rijen": _rijen(st.regio_rijen()),
        "definities": [*MONITOR_DEFINITIES.items(), *[(k, DEFINITIES[k]) for k in _DEFINITIE_SLEUTELS]],
        "bronnen": _bronnen(st),
        "trend_regio": _rijen(ov.trend[ov.trend["gemeentecode"] == REGIO]),
        "verschil_kansen": [] if ov.verschil is None else _rijen(ov.verschil.kansen),
        "verschil_cijfers": [] if ov.verschil is None else _rijen(ov.verschil.indicatoren),
        "css": _css(),
        "nu_niet_vastgelegd": ov.actueel and not any(v.peildatum == st.peildatum for v in ov.vastgelegd),
    }


def pagina_html(
    ov: Overzicht,
    *,
    kaart_url: str = "/",
    export_url: str = "/api/monitor/export",
    rapport_url: str = "/monitor/rapport",
    pagina_url: str = "/monitor",
) -> str:
    """Render the ``/monitor`` page (server-side HTML with inline SVG charts)."""
    st = ov.stand
    ctx = _context(ov)
    ctx.update(
        kaart_url=kaart_url,
        export_url=export_url,
        rapport_url=rapport_url,
        pagina_url=pagina_url,
        blokken=_doelgroep_blokken(st),
        grafiek_spreiding=grafiek_spreiding_svg(st),
        grafiek_trend=grafiek_trend_svg(ov.trend) if len(ov.vastgelegd) else None,
    )
    return _templates().get_template("monitor.html").render(**ctx)


def rapport_html(
    ws: Werkruimte,
    ov: Overzicht,
    *,
    gemeente: str | None = None,
    terug_url: str | None = None,
) -> str:
    """Render the printable report for the region or for one gemeente.

    Parameters
    ----------
    ws
        The workspace (for the map geometry).
    ov
        The overview to report.
    gemeente
        CBS code of a gemeente, or None for the region report.
    terug_url
        Optional link back to the monitor page (hidden when printed).

    Raises
    ------
    NotFoundError
        When ``gemeente`` is not a gemeente of the region.
    """
    st = ov.stand
    if gemeente is not None and gemeente not in st.gemeenten:
        raise NotFoundError(
            f"Gemeente '{gemeente}' hoort niet bij regio {st.regio_naam}. Bekend: {', '.join(st.gemeenten)}.",
            details={"gemeente": gemeente},
        )
    ctx = _context(ov)
    vlakken = ws.store.read_layer("gemeenten") if ws.store.has_layer("gemeenten") else None
    kansen = ws.store.read_layer("kansen") if ws.store.has_layer("kansen") else None
    if kansen is not None and len(kansen):
        codes = dict(zip(st.kansen["id"], st.kansen["gemeentecode"], strict=True))
        kansen = kansen.assign(gemeentecode=[codes.get(i) for i in kansen["id"]])
    code = gemeente or REGIO
    rijen = st.indicatoren[st.indicatoren["gemeentecode"] == code]
    if gemeente is None:
        blokken = _doelgroep_blokken(st)
        grafiek = None
        kansen_lijst = _rijen(st.kansen)
    else:
        blokken = []
        grafiek = grafiek_behoefte_svg(
            rijen.assign(titel=[DOELGROEP_TITELS[d] for d in rijen["doelgroep"]]),
            label="titel",
            titel=f"{st.gemeenten[gemeente]}: behoefte, gerealiseerd en pijplijn",
            id="grafiek-gemeente",
        )
        kansen_lijst = _rijen(st.kansen[st.kansen["gemeentecode"] == gemeente])
    verschil_kansen = ctx["verschil_kansen"]
    verschil_cijfers = ctx["verschil_cijfers"]
    if gemeente is not None:
        verschil_kansen = [r for r in verschil_kansen if r["gemeentecode"] == gemeente]
        verschil_cijfers = [r for r in verschil_cijfers if r["gemeentecode"] == gemeente]
    trend_rijen = _rijen(ov.trend[ov.trend["gemeentecode"] == code])
    ctx.update(
        gemeente=gemeente,
        gebied=st.gemeenten[gemeente] if gemeente else st.regio_naam,
        rijen=_rijen(rijen),
        blokken=blokken,
        grafiek=grafiek,
        grafiek_spreiding=grafiek_spreiding_svg(st),
        spreiding_rij=next((r for r in ctx["spreiding"] if r["gemeentecode"] == code), None),
        kaart=kaart_svg(vlakken, kansen, gemeentecode=gemeente),
        kansen_lijst=kansen_lijst,
        verschil_kansen=verschil_kansen,
        verschil_cijfers=verschil_cijfers,
        trend_rijen=trend_rijen,
        terug_url=terug_url,
    )
    return _templates().get_template("monitor_rapport.html").render(**ctx)
