"""Regional monitor: need, realisation, pipeline, coverage and fair-share spread.

Pure analysis (no I/O): layers and tables in, frames and a :class:`Monitorstand` out. The
workspace wiring, persistence of peildata and the presentation live in
:mod:`kansenkaart.io.monitor`. Every definition below is also written out in the README
section "Regionale monitor" of the README.

Counting rules, in short
------------------------
Each stored object is first turned into rows of a *telling* (a ledger: object, gemeente,
doelgroep, rubriek, number of homes, counted yes/no and why not), see :func:`telling`. All
indicators are sums over the counted rows of that ledger, so every number can be traced back
to the objects behind it.

- **Doelgroepen are counted separately**, like the need table of the regional strategy
  (bijlage 2): each home counts once, in the doelgroep of its record (a zorggeschikte woning
  counts as zorggeschikt only, not also as geclusterd and nultreden).
- **Gerealiseerd** (realised, per doelgroep): kansen with status ``gerealiseerd`` (with an
  ``opleverjaar`` before ``startjaar`` they are existing stock, ``bestaand``; with one after
  ``peiljaar`` they do not count yet; without one they count as realised); homes in
  ``nultredenwoningen`` (→ nultreden) and ``zorggeschikte_woningen`` (→ zorggeschikt); homes in
  ``wooncomplexen`` with an ontmoetingsruimte and at least ``min_woningen_cluster`` homes
  (→ geclusterd) - for the three layers only when ``startjaar <= opleverjaar <= peiljaar``.
- **Pijplijn** (pipeline): kansen with status idee, verkenning, in voorbereiding or in
  uitvoering (``vervallen`` never counts), plus the ``aantal_nultreden`` /
  ``aantal_geclusterd`` / ``aantal_zorggeschikt`` of nieuwbouwplannen whose ``opleverjaar`` is
  unknown or ``>= peiljaar``, split hard/zacht; pipeline with an ``opleverjaar`` after the
  need period (``eindjaar``) does not meet its need and is listed, not counted.
- **No double counting**: an object that is linked to a kans that is not vervallen counts
  through the kans only. Linked means: the object's ``bron_id`` is the kans ``id``, or the
  kans ``bron_id`` is the object's ``id``, or both have the same non-empty ``bron`` and
  ``bron_id``.
- **Dekking** = (gerealiseerd + pijplijn) / behoefte; **realisatiegraad** = gerealiseerd /
  behoefte; both unknown (``<NA>``) when the need is unknown or 0.
  **Restopgave** = behoefte − gerealiseerd − pijplijn; **restopgave na realisatie** =
  behoefte − gerealiseerd (negative means more than the need).
- **Spreiding**: *aanbod* per gemeente = all counted geclusterde + zorggeschikte homes that
  exist (realised since the start year or older); its share of the region against the
  gemeente's share of the region's 75+ population (65+ when 75+ is not known for every
  gemeente). Hoover index ``H = ½ Σ_i |s_i − p_i|``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from kansenkaart.bevolking import aandelen
from kansenkaart.errors import RegionError, ValidationError
from kansenkaart.regio import DOELGROEPEN, Regio

__all__ = [
    "AANBOD_DOELGROEPEN",
    "INDICATOREN",
    "INDICATOR_KOLOMMEN",
    "PIJPLIJN_STATUSSEN",
    "REGIO",
    "RUBRIEKEN",
    "SPREIDING_INDICATOREN",
    "Monitorstand",
    "Spreiding",
    "Verschil",
    "behoefte_tabel",
    "bereken_stand",
    "hoover_index",
    "indicatoren",
    "spreiding",
    "telling",
    "trend",
    "verschil",
]

REGIO = "regio"
"""The ``gemeentecode`` of the region rows in every table."""

PIJPLIJN_STATUSSEN: tuple[str, ...] = ("idee", "verkenning", "in voorbereiding", "in uitvoering")
"""Kans statuses that count as pipeline (``gerealiseerd`` is realised, ``vervallen`` never counts)."""

AANBOD_DOELGROEPEN: tuple[str, ...] = ("geclusterd", "zorggeschikt")
"""Doelgroepen that make up the care-ready supply in the spread indicator."""

RUBRIEKEN: tuple[str, ...] = (
    "gerealiseerd",
    "bestaand",
    *PIJPLIJN_STATUSSEN,
    "plan hard",
    "plan zacht",
    "vervallen",
)
"""The rubrieken of the ledger (:func:`telling`)."""

_PIJPLIJN_KOLOMMEN: dict[str, str] = {
    "idee": "kansen_idee",
    "verkenning": "kansen_verkenning",
    "in voorbereiding": "kansen_in_voorbereiding",
    "in uitvoering": "kansen_in_uitvoering",
    "plan hard": "plannen_hard",
    "plan zacht": "plannen_zacht",
}

INDICATOREN: tuple[str, ...] = (
    "behoefte",
    "gerealiseerd",
    *_PIJPLIJN_KOLOMMEN.values(),
    "pijplijn",
    "dekking",
    "realisatiegraad",
    "restopgave",
    "restopgave_na_realisatie",
)
"""The numeric indicators per gemeente × doelgroep, in order."""

INDICATOR_KOLOMMEN: tuple[str, ...] = (
    "gemeentecode",
    "gemeente",
    "doelgroep",
    "behoefte",
    "behoefte_status",
    "behoefte_bron",
    "behoefte_toelichting",
    *INDICATOREN[1:],
)
"""Columns of :func:`indicatoren`, in order."""

_TELLING_KOLOMMEN = (
    "laag",
    "id",
    "naam",
    "gemeentecode",
    "doelgroep",
    "rubriek",
    "aantal",
    "meegeteld",
    "reden",
)
_KANS_KOLOMMEN = ("id", "naam", "gemeentecode", "doelgroep", "status", "aantal_woningen", "opleverjaar")
SPREIDING_INDICATOREN: tuple[str, ...] = (
    "aanbod",
    "aanbod_met_pijplijn",
    "inwoners_75plus",
    "inwoners_65plus",
    "aandeel_aanbod",
    "aandeel_aanbod_met_pijplijn",
    "aandeel_bevolking",
    "verschil_aandeel",
    "woningen_per_1000_75plus",
    "woningen_per_1000_65plus",
)
"""The spread (fair share) indicators per gemeente, in order."""
_SPREIDING_KOLOMMEN = ("gemeentecode", "gemeente", *SPREIDING_INDICATOREN)
_INT_KOLOMMEN = frozenset(
    {
        "behoefte",
        "gerealiseerd",
        *_PIJPLIJN_KOLOMMEN.values(),
        "pijplijn",
        "restopgave",
        "restopgave_na_realisatie",
        "aanbod",
        "aanbod_met_pijplijn",
        "inwoners_75plus",
        "inwoners_65plus",
        "aantal",
        "aantal_woningen",
        "opleverjaar",
    }
)
_FLOAT_KOLOMMEN = frozenset(
    {
        "dekking",
        "realisatiegraad",
        "aandeel_aanbod",
        "aandeel_aanbod_met_pijplijn",
        "aandeel_bevolking",
        "verschil_aandeel",
        "woningen_per_1000_75plus",
        "woningen_per_1000_65plus",
        "hoover",
    }
)
_VERSCHIL_INDICATOREN = ("behoefte", "gerealiseerd", *_PIJPLIJN_KOLOMMEN.values(), "pijplijn")

FORMAAT = 1
"""Version of the JSON format of a frozen :class:`Monitorstand`."""


# --------------------------------------------------------------------------- small helpers


def _leeg(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return False


def _tekst(v: Any) -> str | None:
    if _leeg(v):
        return None
    s = " ".join(str(v).split())
    return s or None


def _geheel(v: Any) -> int | None:
    if _leeg(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else round(f)


def _ja(v: Any) -> bool:
    if _leeg(v):
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("ja", "true", "1", "waar", "yes")
    return bool(v)


def _kolom(df: pd.DataFrame, naam: str) -> pd.Series:
    """Column ``naam`` of ``df``, or an all-missing column when absent."""
    if naam in df.columns:
        return df[naam]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _frame(records: Iterable[Mapping[str, Any]], kolommen: Sequence[str]) -> pd.DataFrame:
    """Build a frame with nullable dtypes for the known count/ratio columns."""
    df = pd.DataFrame(list(records), columns=list(kolommen))
    for k in df.columns:
        if k in _INT_KOLOMMEN:
            df[k] = pd.array([_geheel(v) for v in df[k]], dtype="Int64")
        elif k in _FLOAT_KOLOMMEN:
            df[k] = pd.array([None if _leeg(v) else float(v) for v in df[k]], dtype="Float64")
        elif k == "meegeteld":
            df[k] = df[k].astype(bool)
        else:
            df[k] = pd.array([None if _leeg(v) else str(v) for v in df[k]], dtype=object)
    return df


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: ``<NA>`` → None, numpy scalars → Python."""
    out = []
    for rec in df.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if _leeg(v):
                row[str(k)] = None
            elif isinstance(v, np.generic):
                row[str(k)] = v.item()
            else:
                row[str(k)] = v
        out.append(row)
    return out


def _gedeeld(teller: int | None, noemer: int | None) -> float | None:
    if teller is None or noemer is None or noemer == 0:
        return None
    return teller / noemer


# --------------------------------------------------------------------------- need


def behoefte_tabel(regio: Regio, *, geimporteerd: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the need per gemeente and doelgroep, plus region rows.

    Parameters
    ----------
    regio
        The region (its file gives the need per gemeente and the region totals).
    geimporteerd
        Optional imported figures that override the region file: columns ``gemeentecode``
        (a CBS code of the region, or ``"regio"``), ``doelgroep``, ``behoefte`` (integer or
        missing), ``status`` (``bekend``/``onbekend``/``ambigu``) and ``bron``.

    Returns
    -------
    pandas.DataFrame
        Columns ``gemeentecode``, ``gemeente``, ``doelgroep``, ``behoefte`` (``Int64``,
        ``<NA>`` when not known), ``status``, ``bron``, ``toelichting``; gemeenten in region
        order, then the region rows (``gemeentecode == "regio"``).

    Notes
    -----
    A figure is used only when its status is ``bekend``; an ``ambigu`` or ``onbekend`` figure
    stays unknown, never 0. The region need per doelgroep is, in this order: an imported
    ``regio`` row; the region file's ``regio_behoefte`` when it is ``bekend`` and no gemeente
    figure of that doelgroep was imported; the sum of the gemeente figures when none of them
    is ``ambigu`` and at least one is known (the toelichting names the gemeenten without a
    figure); otherwise unknown, with the status of the region file.
    """
    imp: dict[tuple[str, str], dict[str, Any]] = {}
    if geimporteerd is not None:
        for ruw in geimporteerd.to_dict("records"):
            imp[(str(ruw["gemeentecode"]), str(ruw["doelgroep"]))] = {str(k): v for k, v in ruw.items()}
    rows: list[dict[str, Any]] = []
    for g in regio.gemeenten:
        for d in DOELGROEPEN:
            rec = imp.get((g.code, d))
            if rec is not None:
                waarde = _geheel(rec.get("behoefte"))
                status = str(rec.get("status") or ("bekend" if waarde is not None else "onbekend"))
                rows.append(
                    {
                        "gemeentecode": g.code,
                        "gemeente": g.naam,
                        "doelgroep": d,
                        "behoefte": waarde if status == "bekend" else None,
                        "status": status,
                        "bron": _tekst(rec.get("bron")) or "geïmporteerd",
                        "toelichting": "Geïmporteerd cijfer.",
                    }
                )
                continue
            b = g.behoefte[d]
            bekend = b.status == "bekend" and b.waarde is not None
            rows.append(
                {
                    "gemeentecode": g.code,
                    "gemeente": g.naam,
                    "doelgroep": d,
                    "behoefte": b.waarde if bekend else None,
                    "status": b.status if not bekend else "bekend",
                    "bron": regio.bron(b.bron) if b.bron else "",
                    "toelichting": b.toelichting,
                }
            )
    per_doelgroep = {d: [r for r in rows if r["doelgroep"] == d] for d in DOELGROEPEN}
    for d in DOELGROEPEN:
        rec = imp.get((REGIO, d))
        rb = regio.regio_behoefte[d]
        gemeente_rijen = per_doelgroep[d]
        ge_importeerd = any((g.code, d) in imp for g in regio.gemeenten)
        if rec is not None:
            waarde = _geheel(rec.get("behoefte"))
            status = str(rec.get("status") or ("bekend" if waarde is not None else "onbekend"))
            regel = {
                "behoefte": waarde if status == "bekend" else None,
                "status": status,
                "bron": _tekst(rec.get("bron")) or "geïmporteerd",
                "toelichting": "Geïmporteerd cijfer.",
            }
        elif rb.status == "bekend" and rb.waarde is not None and not ge_importeerd:
            regel = {
                "behoefte": rb.waarde,
                "status": "bekend",
                "bron": regio.bron(rb.bron) if rb.bron else "",
                "toelichting": rb.toelichting,
            }
        elif not any(r["status"] == "ambigu" for r in gemeente_rijen) and any(
            r["behoefte"] is not None for r in gemeente_rijen
        ):
            zonder = [r["gemeente"] for r in gemeente_rijen if r["behoefte"] is None]
            toel = "Som van de gemeenten"
            if zonder:
                toel += f" met een bekend cijfer (zonder {', '.join(zonder)}: onbekend)"
            regel = {
                "behoefte": sum(r["behoefte"] for r in gemeente_rijen if r["behoefte"] is not None),
                "status": "bekend",
                "bron": "som van de gemeenten",
                "toelichting": toel + ".",
            }
        else:
            regel = {
                "behoefte": None,
                "status": rb.status if rb.status != "bekend" else "onbekend",
                "bron": regio.bron(rb.bron) if rb.bron else "",
                "toelichting": rb.toelichting,
            }
        rows.append(dict(gemeentecode=REGIO, gemeente=regio.naam, doelgroep=d, **regel))
    df = pd.DataFrame(
        rows, columns=["gemeentecode", "gemeente", "doelgroep", "behoefte", "status", "bron", "toelichting"]
    )
    df["behoefte"] = pd.array([_geheel(v) for v in df["behoefte"]], dtype="Int64")
    return df


# --------------------------------------------------------------------------- the ledger


def _gemeentecodes(gdf: pd.DataFrame, gemeenten: gpd.GeoDataFrame | None, geldig: frozenset[str]) -> pd.Series:
    """The gemeentecode of every object: its attribute, else the gemeente polygon it lies in."""
    codes = pd.Series(
        [(_tekst(v) or "").upper() or None for v in _kolom(gdf, "gemeentecode")],
        index=gdf.index,
        dtype=object,
    )
    ontbreekt = codes.isna()
    if (
        ontbreekt.any()
        and gemeenten is not None
        and len(gemeenten)
        and isinstance(gdf, gpd.GeoDataFrame)
        and gdf.crs is not None
        and gemeenten.crs is not None
    ):
        sub = gdf.loc[ontbreekt]
        sub = sub[sub.geometry.notna() & ~sub.geometry.is_empty]
        if len(sub):
            vlakken = gemeenten[["code", gemeenten.geometry.name]]
            if CRS.from_user_input(vlakken.crs) != CRS.from_user_input(sub.crs):
                vlakken = vlakken.to_crs(sub.crs)
            punten = gpd.GeoDataFrame(geometry=sub.geometry.representative_point(), crs=sub.crs)
            hit = gpd.sjoin(punten, vlakken, how="left", predicate="within")
            hit = hit[~hit.index.duplicated(keep="first")]
            codes.loc[hit.index] = [None if _leeg(c) else str(c) for c in hit["code"]]
    return codes.where(codes.isin(geldig), None)


@dataclass(frozen=True)
class _Koppeling:
    ids: frozenset[str]
    bron_ids: frozenset[str]
    paren: frozenset[tuple[str, str]]
    naam: Mapping[str, str]

    def kans(self, obj_id: str | None, bron: str | None, bron_id: str | None) -> str | None:
        """Return the name of the kans an object is linked to, or None."""
        if bron_id is not None and bron_id in self.ids:
            return self.naam.get(bron_id, bron_id)
        if obj_id is not None and obj_id in self.bron_ids:
            return self.naam.get("bron_id:" + obj_id, obj_id)
        if bron is not None and bron_id is not None and (bron.casefold(), bron_id) in self.paren:
            return self.naam.get(f"paar:{bron.casefold()}|{bron_id}", bron_id)
        return None


def _koppeling(kansen: pd.DataFrame | None) -> _Koppeling:
    ids: set[str] = set()
    bron_ids: set[str] = set()
    paren: set[tuple[str, str]] = set()
    naam: dict[str, str] = {}
    if kansen is not None:
        for rec in kansen.to_dict("records"):
            if _tekst(rec.get("status")) == "vervallen" or _ja(rec.get("verwijderd")):
                continue
            kid, kb, kbid = _tekst(rec.get("id")), _tekst(rec.get("bron")), _tekst(rec.get("bron_id"))
            knaam = _tekst(rec.get("naam")) or kid or "?"
            if kid:
                ids.add(kid)
                naam[kid] = knaam
            if kbid:
                bron_ids.add(kbid)
                naam["bron_id:" + kbid] = knaam
            if kb and kbid:
                paren.add((kb.casefold(), kbid))
                naam[f"paar:{kb.casefold()}|{kbid}"] = knaam
    return _Koppeling(frozenset(ids), frozenset(bron_ids), frozenset(paren), naam)


def _na_periode(jaar: int | None, startjaar: int, eindjaar: int | None) -> str | None:
    """Why pipeline delivered in ``jaar`` does not meet the need of the period (``None``: it does)."""
    if jaar is None or eindjaar is None or jaar <= eindjaar:
        return None
    return f"opleverjaar {jaar} ligt na de behoefteperiode {startjaar}-{eindjaar}"


def telling(
    *,
    kansen: pd.DataFrame | None,
    nultredenwoningen: pd.DataFrame | None = None,
    zorggeschikte_woningen: pd.DataFrame | None = None,
    wooncomplexen: pd.DataFrame | None = None,
    nieuwbouwplannen: pd.DataFrame | None = None,
    gemeentecodes: Sequence[str],
    gemeenten: gpd.GeoDataFrame | None = None,
    startjaar: int,
    peiljaar: int,
    eindjaar: int | None = None,
    min_woningen_cluster: int = 12,
) -> pd.DataFrame:
    """Return the ledger: one row per object and doelgroep, with rubriek and whether it counts.

    Parameters
    ----------
    kansen, nultredenwoningen, zorggeschikte_woningen, wooncomplexen, nieuwbouwplannen
        The layers (GeoDataFrames with the schema fields of :mod:`kansenkaart.schemas`), or
        None when absent. Soft-deleted kansen (``verwijderd``) are skipped.
    gemeentecodes
        CBS codes of the region's gemeenten; objects elsewhere are listed but not counted.
    gemeenten
        Optional gemeente polygons (column ``code``) to place objects without a
        ``gemeentecode`` by location.
    startjaar
        First year of the need period: homes with an ``opleverjaar`` from this year count as
        realised, older ones as existing stock (``bestaand``).
    peiljaar
        Year of the peildatum: homes delivered later do not count yet; nieuwbouwplannen with
        an ``opleverjaar`` before it are no longer pipeline.
    eindjaar
        Last year of the need period (``None``: no end). Pipeline (kansen that are not
        realised, nieuwbouwplannen) with a later ``opleverjaar`` does not meet this need: it
        is listed, not counted.
    min_woningen_cluster
        Minimum size of a wooncomplex to count as geclusterde woonvorm (norm, default 12).

    Returns
    -------
    pandas.DataFrame
        Columns ``laag``, ``id``, ``naam``, ``gemeentecode``, ``doelgroep``, ``rubriek`` (one
        of :data:`RUBRIEKEN`), ``aantal`` (``Int64``), ``meegeteld`` (bool) and ``reden``
        (why a row does not count; empty when it does).
    """
    geldig = frozenset(gemeentecodes)
    link = _koppeling(kansen)
    rows: list[dict[str, Any]] = []

    def _rij(
        laagnaam: str,
        rec: Any,
        code: str | None,
        doelgroep: str | None,
        rubriek: str,
        aantal: int | None,
        reden: str | None,
    ) -> None:
        if reden is None and code is None:
            reden = "ligt niet in een gemeente van de regio (gemeentecode leeg of onbekend)"
        if reden is None and aantal is None:
            reden = "aantal woningen onbekend"
        if reden is None and doelgroep not in DOELGROEPEN:
            reden = "doelgroep onbekend"
        rows.append(
            {
                "laag": laagnaam,
                "id": _tekst(rec.get("id")),
                "naam": _tekst(rec.get("naam")),
                "gemeentecode": code,
                "doelgroep": doelgroep,
                "rubriek": rubriek,
                "aantal": aantal,
                "meegeteld": reden is None,
                "reden": reden or "",
            }
        )

    def _via_kans(kans: str) -> str:
        """Why an object linked to ``kans`` does not count on its own."""
        eigen = niet_meegeteld.get(kans)
        if eigen:
            return f"gekoppeld aan kans '{kans}', die niet meetelt: {eigen}"
        return f"gekoppeld aan kans '{kans}'; telt mee via de kans"

    if kansen is not None and len(kansen):
        codes = _gemeentecodes(kansen, gemeenten, geldig)
        for (_i, rec), code in zip(kansen.iterrows(), codes, strict=True):
            if _ja(rec.get("verwijderd")):
                continue
            status = _tekst(rec.get("status"))
            doelgroep = _tekst(rec.get("doelgroep"))
            aantal = _geheel(rec.get("aantal_woningen"))
            if status == "gerealiseerd":
                jaar = _geheel(rec.get("opleverjaar"))
                if jaar is not None and jaar > peiljaar:
                    _rij("kansen", rec, code, doelgroep, "gerealiseerd", aantal,
                         f"status gerealiseerd, maar opleverjaar {jaar} ligt na het peiljaar {peiljaar}")
                elif jaar is not None and jaar < startjaar:
                    _rij("kansen", rec, code, doelgroep, "bestaand", aantal, None)
                else:
                    _rij("kansen", rec, code, doelgroep, "gerealiseerd", aantal, None)
            elif status in PIJPLIJN_STATUSSEN:
                _rij("kansen", rec, code, doelgroep, status, aantal,
                     _na_periode(_geheel(rec.get("opleverjaar")), startjaar, eindjaar))
            elif status == "vervallen":
                _rij("kansen", rec, code, doelgroep, "vervallen", aantal, "kans is vervallen")
            else:
                _rij("kansen", rec, code, doelgroep, "idee", aantal, f"status '{status}' onbekend")

    # Kansen that do not count (for their year, a missing number, …): objects linked to them say so.
    # (Keyed like _Koppeling.kans answers: by the kans's name, else its id.)
    niet_meegeteld = {
        r["naam"] or r["id"] or "?": r["reden"] for r in rows if r["laag"] == "kansen" and not r["meegeteld"]
    }

    woninglagen: tuple[tuple[str, pd.DataFrame | None, str], ...] = (
        ("nultredenwoningen", nultredenwoningen, "nultreden"),
        ("zorggeschikte_woningen", zorggeschikte_woningen, "zorggeschikt"),
        ("wooncomplexen", wooncomplexen, "geclusterd"),
    )
    for laagnaam, gdf, doelgroep in woninglagen:
        if gdf is None or not len(gdf):
            continue
        codes = _gemeentecodes(gdf, gemeenten, geldig)
        for (_i, rec), code in zip(gdf.iterrows(), codes, strict=True):
            aantal = _geheel(rec.get("aantal_woningen"))
            jaar = _geheel(rec.get("opleverjaar"))
            rubriek = "gerealiseerd" if jaar is not None and jaar >= startjaar else "bestaand"
            reden: str | None = None
            kans = link.kans(_tekst(rec.get("id")), _tekst(rec.get("bron")), _tekst(rec.get("bron_id")))
            if kans is not None:
                reden = _via_kans(kans)
            elif jaar is not None and jaar > peiljaar:
                reden = f"opleverjaar {jaar} ligt na het peiljaar {peiljaar}"
            elif laagnaam == "wooncomplexen":
                if not _ja(rec.get("ontmoetingsruimte")):
                    reden = "geen ontmoetingsruimte: geen geclusterde woonvorm"
                elif aantal is not None and aantal < min_woningen_cluster:
                    reden = f"minder dan {min_woningen_cluster} woningen: geen geclusterde woonvorm"
            _rij(laagnaam, rec, code, doelgroep, rubriek, aantal, reden)

    if nieuwbouwplannen is not None and len(nieuwbouwplannen):
        codes = _gemeentecodes(nieuwbouwplannen, gemeenten, geldig)
        for (_i, rec), code in zip(nieuwbouwplannen.iterrows(), codes, strict=True):
            hardheid = _tekst(rec.get("hardheid"))
            rubriek = "plan hard" if hardheid == "hard" else "plan zacht"
            jaar = _geheel(rec.get("opleverjaar"))
            kans = link.kans(_tekst(rec.get("id")), _tekst(rec.get("bron")), _tekst(rec.get("bron_id")))
            for d in DOELGROEPEN:
                aantal = _geheel(rec.get(f"aantal_{d}"))
                if not aantal:
                    continue
                reden = None
                if kans is not None:
                    reden = _via_kans(kans)
                elif jaar is not None and jaar < peiljaar:
                    reden = (
                        f"opleverjaar {jaar} ligt vóór het peiljaar {peiljaar}; opgeleverde woningen "
                        "horen in de woninglagen"
                    )
                else:
                    reden = _na_periode(jaar, startjaar, eindjaar)
                _rij("nieuwbouwplannen", rec, code, d, rubriek, aantal, reden)
    return _frame(rows, _TELLING_KOLOMMEN)


# --------------------------------------------------------------------------- indicators


def _sommen(tel: pd.DataFrame) -> pd.DataFrame:
    """Counted homes per (gemeentecode, doelgroep) × rubriek."""
    mee = tel[tel["meegeteld"]]
    if not len(mee):
        return pd.DataFrame(columns=list(RUBRIEKEN), dtype="Int64")
    p = mee.pivot_table(
        index=["gemeentecode", "doelgroep"], columns="rubriek", values="aantal", aggfunc="sum", fill_value=0
    )
    return p.reindex(columns=list(RUBRIEKEN), fill_value=0)


def indicatoren(
    *,
    telling: pd.DataFrame,
    behoefte: pd.DataFrame,
    gemeenten: Mapping[str, str],
    regio_naam: str,
) -> pd.DataFrame:
    """Return need, realised, pipeline, coverage and gap per gemeente and doelgroep.

    Parameters
    ----------
    telling
        The ledger of :func:`telling`.
    behoefte
        The need table of :func:`behoefte_tabel`.
    gemeenten
        CBS code → name of the region's gemeenten, in display order.
    regio_naam
        Name shown on the region rows.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDICATOR_KOLOMMEN`; one row per gemeente × doelgroep, then the region
        rows (``gemeentecode == "regio"``). Counts are ``Int64``; ``behoefte``, ``dekking``,
        ``realisatiegraad`` and the two ``restopgave`` columns are ``<NA>`` when the need is
        unknown. The region counts are the sums over the gemeenten; the region need comes
        from :func:`behoefte_tabel`.
    """
    sommen = _sommen(telling)
    need = {(r["gemeentecode"], r["doelgroep"]): r for r in behoefte.to_dict("records")}

    def _waarde(code: str, d: str, rubriek: str) -> int:
        if code == REGIO:
            if not len(sommen):
                return 0
            sel = sommen.xs(d, level="doelgroep") if d in sommen.index.get_level_values("doelgroep") else None
            return 0 if sel is None else int(sel.loc[sel.index.isin(list(gemeenten)), rubriek].sum())
        if (code, d) in sommen.index:
            return _geheel(sommen.loc[(code, d), rubriek]) or 0
        return 0

    rows = []
    for code, naam in [*gemeenten.items(), (REGIO, regio_naam)]:
        for d in DOELGROEPEN:
            b = need.get((code, d), {})
            bw = _geheel(b.get("behoefte"))
            gerealiseerd = _waarde(code, d, "gerealiseerd")
            pijplijn_delen = {kol: _waarde(code, d, rub) for rub, kol in _PIJPLIJN_KOLOMMEN.items()}
            pijplijn = sum(pijplijn_delen.values())
            rows.append(
                dict(
                    gemeentecode=code,
                    gemeente=naam,
                    doelgroep=d,
                    behoefte=bw,
                    behoefte_status=b.get("status", "onbekend"),
                    behoefte_bron=b.get("bron", ""),
                    behoefte_toelichting=b.get("toelichting", ""),
                    gerealiseerd=gerealiseerd,
                    **pijplijn_delen,
                    pijplijn=pijplijn,
                    dekking=_gedeeld(gerealiseerd + pijplijn, bw),
                    realisatiegraad=_gedeeld(gerealiseerd, bw),
                    restopgave=None if bw is None else bw - gerealiseerd - pijplijn,
                    restopgave_na_realisatie=None if bw is None else bw - gerealiseerd,
                )
            )
    return _frame(rows, INDICATOR_KOLOMMEN)


def hoover_index(aanbod: pd.Series, bevolking: pd.Series) -> float | None:
    """Return the Hoover index of supply against population: ``H = ½ Σ_i |s_i − p_i|``.

    Parameters
    ----------
    aanbod
        Supply per gemeente (homes).
    bevolking
        Population per gemeente (e.g. inhabitants aged 75+), same index.

    Returns
    -------
    float or None
        ``s_i`` is the gemeente's share of the region's supply, ``p_i`` its share of the
        region's population. 0 means supply is spread exactly like the population; the
        maximum (approaching 1) means all supply lies in a gemeente with almost no one of the
        population. None when a value is unknown or a total is 0.
    """
    s = aandelen(aanbod)
    p = aandelen(bevolking.reindex(aanbod.index))
    if s.isna().any() or p.isna().any() or not len(s):
        return None
    return float(0.5 * (s - p).abs().sum())


@dataclass(frozen=True)
class Spreiding:
    """The fair-share spread of care-ready supply.

    Attributes
    ----------
    tabel
        Per gemeente, then a region row: ``aanbod``, ``aanbod_met_pijplijn``,
        ``inwoners_75plus``, ``inwoners_65plus``, the shares ``aandeel_aanbod``,
        ``aandeel_aanbod_met_pijplijn``, ``aandeel_bevolking`` (of the :attr:`basis` group),
        ``verschil_aandeel`` (supply share − population share) and the homes per 1,000
        inhabitants aged 75+ and 65+.
    basis
        ``"75+"``, ``"65+"`` (when 75+ is not known for every gemeente) or None (population
        unknown: no shares, no index).
    hoover, hoover_met_pijplijn
        Hoover index of the supply, and of supply plus pipeline (geclusterd + zorggeschikt).
    """

    tabel: pd.DataFrame
    basis: str | None
    hoover: float | None
    hoover_met_pijplijn: float | None


def spreiding(
    *,
    indicatoren: pd.DataFrame,
    telling: pd.DataFrame,
    bevolking: pd.DataFrame | None,
    gemeenten: Mapping[str, str],
    regio_naam: str,
) -> Spreiding:
    """Return each gemeente's share of care-ready supply against its share of older inhabitants.

    Parameters
    ----------
    indicatoren
        Frame of :func:`indicatoren` (for the pipeline).
    telling
        Ledger of :func:`telling` (for the supply: counted ``gerealiseerd`` and ``bestaand``
        rows of the doelgroepen :data:`AANBOD_DOELGROEPEN`).
    bevolking
        Index ``gemeentecode`` with columns ``inwoners_75plus`` and ``inwoners_65plus``
        (nullable), or None when unknown.
    gemeenten
        CBS code → name, in display order.
    regio_naam
        Name of the region row.

    Returns
    -------
    Spreiding
    """
    codes = list(gemeenten)
    mee = telling[
        telling["meegeteld"]
        & telling["rubriek"].isin(["gerealiseerd", "bestaand"])
        & telling["doelgroep"].isin(list(AANBOD_DOELGROEPEN))
    ]
    aanbod = mee.groupby("gemeentecode")["aantal"].sum().reindex(codes, fill_value=0).astype("Int64")
    ind = indicatoren[indicatoren["doelgroep"].isin(list(AANBOD_DOELGROEPEN)) & indicatoren["gemeentecode"].isin(codes)]
    pijplijn = ind.groupby("gemeentecode")["pijplijn"].sum().reindex(codes, fill_value=0).astype("Int64")
    met = aanbod + pijplijn
    if bevolking is None:
        bevolking = pd.DataFrame(index=pd.Index(codes), columns=["inwoners_75plus", "inwoners_65plus"])
    b75 = pd.array([_geheel(v) for v in _kolom(bevolking, "inwoners_75plus").reindex(codes)], dtype="Int64")
    b65 = pd.array([_geheel(v) for v in _kolom(bevolking, "inwoners_65plus").reindex(codes)], dtype="Int64")
    b75s, b65s = pd.Series(b75, index=codes), pd.Series(b65, index=codes)
    basis: str | None
    if not b75s.isna().any() and b75s.sum() > 0:
        basis, pop = "75+", b75s
    elif not b65s.isna().any() and b65s.sum() > 0:
        basis, pop = "65+", b65s
    else:
        basis, pop = None, pd.Series(pd.array([None] * len(codes), dtype="Int64"), index=codes)
    s, sm, p = aandelen(aanbod), aandelen(met), aandelen(pop)
    rows = []
    for c in codes:
        rows.append(
            {
                "gemeentecode": c,
                "gemeente": gemeenten[c],
                "aanbod": aanbod[c],
                "aanbod_met_pijplijn": met[c],
                "inwoners_75plus": b75s[c],
                "inwoners_65plus": b65s[c],
                "aandeel_aanbod": s[c],
                "aandeel_aanbod_met_pijplijn": sm[c],
                "aandeel_bevolking": p[c],
                "verschil_aandeel": None if _leeg(s[c]) or _leeg(p[c]) else s[c] - p[c],
                "woningen_per_1000_75plus": _per_1000(aanbod[c], b75s[c]),
                "woningen_per_1000_65plus": _per_1000(aanbod[c], b65s[c]),
            }
        )
    t75 = None if b75s.isna().any() else int(b75s.sum())
    t65 = None if b65s.isna().any() else int(b65s.sum())
    rows.append(
        {
            "gemeentecode": REGIO,
            "gemeente": regio_naam,
            "aanbod": int(aanbod.sum()),
            "aanbod_met_pijplijn": int(met.sum()),
            "inwoners_75plus": t75,
            "inwoners_65plus": t65,
            "aandeel_aanbod": 1.0 if aanbod.sum() else None,
            "aandeel_aanbod_met_pijplijn": 1.0 if met.sum() else None,
            "aandeel_bevolking": 1.0 if basis else None,
            "verschil_aandeel": None,
            "woningen_per_1000_75plus": _per_1000(int(aanbod.sum()), t75),
            "woningen_per_1000_65plus": _per_1000(int(aanbod.sum()), t65),
        }
    )
    return Spreiding(
        tabel=_frame(rows, _SPREIDING_KOLOMMEN),
        basis=basis,
        hoover=hoover_index(aanbod, pop) if basis else None,
        hoover_met_pijplijn=hoover_index(met, pop) if basis else None,
    )


def _per_1000(aanbod: Any, inwoners: Any) -> float | None:
    a, b = _geheel(aanbod), _geheel(inwoners)
    if a is None or b is None or b == 0:
        return None
    return 1000 * a / b


# --------------------------------------------------------------------------- the stand


@dataclass(frozen=True)
class Monitorstand:
    """All monitor indicators at one peildatum (current, or frozen in the workspace).

    Attributes
    ----------
    peildatum
        The date the figures describe.
    regio_id, regio_naam
        The region.
    behoefte_periode
        First and last year of the need figures (e.g. 2022-2030).
    indicatoren
        See :func:`indicatoren`.
    spreiding
        See :func:`spreiding`.
    kansen
        Per kans: ``id``, ``naam``, ``gemeentecode``, ``doelgroep``, ``status``,
        ``aantal_woningen`` (used to list what changed between peildata).
    telling
        The ledger of :func:`telling`.
    meldingen
        Dutch notes on incomplete data (unknown need, objects that do not count, …).
    bronnen
        Sources used: need sources, population source, region file.
    berekend_op
        When the figures were computed (UTC, ISO 8601).
    voorbeelddata
        True when the workspace holds example data.
    """

    peildatum: date
    regio_id: str
    regio_naam: str
    behoefte_periode: tuple[int, int]
    gemeenten: dict[str, str]
    indicatoren: pd.DataFrame
    spreiding: Spreiding
    kansen: pd.DataFrame
    telling: pd.DataFrame
    meldingen: tuple[str, ...] = ()
    bronnen: dict[str, str] = field(default_factory=dict)
    berekend_op: str = ""
    voorbeelddata: bool = False

    def regio_rijen(self) -> pd.DataFrame:
        """The region rows of :attr:`indicatoren` (one per doelgroep)."""
        return self.indicatoren[self.indicatoren["gemeentecode"] == REGIO].reset_index(drop=True)

    def gemeente_rijen(self, code: str | None = None) -> pd.DataFrame:
        """The gemeente rows of :attr:`indicatoren` (of one gemeente when ``code`` is given)."""
        sel = self.indicatoren["gemeentecode"] != REGIO if code is None else self.indicatoren["gemeentecode"] == code
        return self.indicatoren[sel].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (unknown values are None)."""
        return {
            "formaat": FORMAAT,
            "peildatum": self.peildatum.isoformat(),
            "berekend_op": self.berekend_op,
            "regio": {"id": self.regio_id, "naam": self.regio_naam},
            "behoefte_periode": list(self.behoefte_periode),
            "voorbeelddata": self.voorbeelddata,
            "gemeenten": [{"code": c, "naam": n} for c, n in self.gemeenten.items()],
            "indicatoren": _records(self.indicatoren),
            "spreiding": {
                "basis": self.spreiding.basis,
                "hoover": self.spreiding.hoover,
                "hoover_met_pijplijn": self.spreiding.hoover_met_pijplijn,
                "gemeenten": _records(self.spreiding.tabel),
            },
            "kansen": _records(self.kansen),
            "telling": _records(self.telling),
            "meldingen": list(self.meldingen),
            "bronnen": dict(self.bronnen),
        }

    def to_json(self) -> str:
        """Return :meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Monitorstand:
        """Rebuild a stand from :meth:`to_dict` output.

        Raises
        ------
        ValidationError
            When the data are not a monitor stand of a known format.
        """
        try:
            if int(data.get("formaat", 0)) != FORMAAT:
                raise ValidationError(f"Onbekend formaat {data.get('formaat')!r} van een vastgelegde monitorstand.")
            sp = data["spreiding"]
            return cls(
                peildatum=date.fromisoformat(str(data["peildatum"])),
                regio_id=str(data["regio"]["id"]),
                regio_naam=str(data["regio"]["naam"]),
                behoefte_periode=(int(data["behoefte_periode"][0]), int(data["behoefte_periode"][1])),
                gemeenten={str(g["code"]): str(g["naam"]) for g in data["gemeenten"]},
                indicatoren=_frame(data["indicatoren"], INDICATOR_KOLOMMEN),
                spreiding=Spreiding(
                    tabel=_frame(sp["gemeenten"], _SPREIDING_KOLOMMEN),
                    basis=sp.get("basis"),
                    hoover=sp.get("hoover"),
                    hoover_met_pijplijn=sp.get("hoover_met_pijplijn"),
                ),
                kansen=_kansen_uit_json(data.get("kansen", [])),
                telling=_frame(data.get("telling", []), _TELLING_KOLOMMEN),
                meldingen=tuple(data.get("meldingen", ())),
                bronnen=dict(data.get("bronnen", {})),
                berekend_op=str(data.get("berekend_op", "")),
                voorbeelddata=bool(data.get("voorbeelddata", False)),
            )
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ValidationError):
                raise
            raise ValidationError(f"Vastgelegde monitorstand is onleesbaar: {e}") from e


def _kansen_uit_json(rijen: list[dict[str, Any]]) -> pd.DataFrame:
    """The kansen of a frozen stand; a stand frozen before kansen had an ``opleverjaar`` is marked
    (``attrs["zonder"]``), so that :func:`verschil` does not report every year as a change."""
    df = _frame(rijen, _KANS_KOLOMMEN)
    if rijen and not any("opleverjaar" in r for r in rijen):
        df.attrs["zonder"] = ["opleverjaar"]
    return df


def _kansen_momentopname(kansen: pd.DataFrame | None, codes: pd.Series | None) -> pd.DataFrame:
    rows = []
    if kansen is not None and len(kansen):
        assert codes is not None
        for (_i, rec), code in zip(kansen.iterrows(), codes, strict=True):
            if _ja(rec.get("verwijderd")):
                continue
            rows.append(
                {
                    "id": _tekst(rec.get("id")),
                    "naam": _tekst(rec.get("naam")),
                    "gemeentecode": code,
                    "doelgroep": _tekst(rec.get("doelgroep")),
                    "status": _tekst(rec.get("status")),
                    "aantal_woningen": _geheel(rec.get("aantal_woningen")),
                    "opleverjaar": _geheel(rec.get("opleverjaar")),
                }
            )
    return _frame(rows, _KANS_KOLOMMEN)


def _over_tijd(kansen: pd.DataFrame, peiljaar: int) -> str | None:
    """A note on pipeline kansen whose opleverjaar has passed (``None`` when there are none)."""
    jaar = pd.to_numeric(kansen["opleverjaar"], errors="coerce")
    laat = kansen[kansen["status"].isin(PIJPLIJN_STATUSSEN) & (jaar < peiljaar).fillna(False).to_numpy(dtype=bool)]
    if not len(laat):
        return None
    namen = sorted(str(n or i) for n, i in zip(laat["naam"], laat["id"], strict=True))
    lijst = ", ".join(namen[:5]) + (f" en {len(namen) - 5} andere" if len(namen) > 5 else "")
    return (
        f"{len(namen)} kans(en) in de pijplijn met een opleverjaar vóór {peiljaar} ({lijst}): "
        "werk de status of het opleverjaar bij."
    )


def _meldingen(
    behoefte: pd.DataFrame,
    tel: pd.DataFrame,
    sp: Spreiding,
    bevolking: pd.DataFrame | None,
    kansen: pd.DataFrame | None = None,
    peiljaar: int | None = None,
) -> list[str]:
    out: list[str] = []
    onbekend = behoefte[(behoefte["gemeentecode"] != REGIO) & behoefte["behoefte"].isna()]
    groepen: dict[tuple[str, str], list[str]] = {}
    for naam, groep in onbekend.groupby("gemeente", sort=False):
        for status, sub in groep.groupby("status", sort=False):
            groepen.setdefault((str(status), ", ".join(sub["doelgroep"])), []).append(str(naam))
    for (status, doelgroepen), namen in groepen.items():
        reden = " (de bron is niet eenduidig)" if status == "ambigu" else ""
        out.append(f"Behoefte {doelgroepen} onbekend{reden} voor {', '.join(namen)}: getoond als 'onbekend'.")
    regio_onbekend = behoefte[(behoefte["gemeentecode"] == REGIO) & behoefte["behoefte"].isna()]
    if len(regio_onbekend):
        out.append(f"Behoefte van de regio onbekend voor: {', '.join(regio_onbekend['doelgroep'])}.")
    niet = tel[~tel["meegeteld"] & (tel["rubriek"] != "vervallen")]
    for oorzaak, groep in niet.groupby("reden", sort=True):
        lagen = ", ".join(sorted(set(groep["laag"])))
        out.append(f"{groep['id'].nunique()} object(en) in {lagen} tellen niet mee: {oorzaak}.")
    laat = _over_tijd(kansen, peiljaar) if kansen is not None and len(kansen) and peiljaar is not None else None
    if laat:
        out.append(laat)
    if sp.basis is None:
        out.append(
            "Aantal 75-plussers en 65-plussers per gemeente is onbekend: geen spreidingsindex. "
            "Laad de bevolkingscijfers (kansenkaart gebieden leeftijden)."
        )
    elif sp.basis == "65+":
        out.append("Aantal 75-plussers is niet voor elke gemeente bekend: spreiding berekend op 65-plussers.")
    return out


def bereken_stand(
    *,
    regio: Regio,
    lagen: Mapping[str, pd.DataFrame | None],
    peildatum: date,
    bevolking: pd.DataFrame | None = None,
    behoefte_import: pd.DataFrame | None = None,
    bronnen: Mapping[str, str] | None = None,
    voorbeelddata: bool = False,
    berekend_op: str | None = None,
) -> Monitorstand:
    """Compute all monitor indicators for a region.

    Parameters
    ----------
    regio
        The region (gemeenten, need figures, norm ``min_woningen_cluster``, need period).
    lagen
        Layer name → frame for ``kansen``, ``nultredenwoningen``, ``zorggeschikte_woningen``,
        ``wooncomplexen``, ``nieuwbouwplannen`` and (optional, for placing objects without
        gemeentecode) ``gemeenten``. Missing keys count as empty layers.
    peildatum
        The date of the figures; its year is the peiljaar of :func:`telling`.
    bevolking
        Older inhabitants per gemeente (index ``gemeentecode``; ``inwoners_75plus``,
        ``inwoners_65plus``), or None.
    behoefte_import
        Imported need figures (see :func:`behoefte_tabel`).
    bronnen
        Extra source descriptions to record (e.g. of the population figures).
    voorbeelddata
        Mark the stand as example data.
    berekend_op
        Timestamp to record; default now (UTC).

    Returns
    -------
    Monitorstand
    """
    gemeenten = {g.code: g.naam for g in regio.gemeenten}
    startjaar = regio.behoefte_periode[0]
    try:
        min_cluster = int(regio.norm("min_woningen_cluster"))
    except RegionError:  # a region without the norm: the definition's 12
        min_cluster = 12
    polygonen = lagen.get("gemeenten")
    gebieden = polygonen if isinstance(polygonen, gpd.GeoDataFrame) and len(polygonen) else None
    tel = telling(
        kansen=lagen.get("kansen"),
        nultredenwoningen=lagen.get("nultredenwoningen"),
        zorggeschikte_woningen=lagen.get("zorggeschikte_woningen"),
        wooncomplexen=lagen.get("wooncomplexen"),
        nieuwbouwplannen=lagen.get("nieuwbouwplannen"),
        gemeentecodes=list(gemeenten),
        gemeenten=gebieden,
        startjaar=startjaar,
        peiljaar=peildatum.year,
        eindjaar=regio.behoefte_periode[1],
        min_woningen_cluster=min_cluster,
    )
    beh = behoefte_tabel(regio, geimporteerd=behoefte_import)
    ind = indicatoren(telling=tel, behoefte=beh, gemeenten=gemeenten, regio_naam=regio.naam)
    sp = spreiding(indicatoren=ind, telling=tel, bevolking=bevolking, gemeenten=gemeenten, regio_naam=regio.naam)
    kansen = lagen.get("kansen")
    kcodes = _gemeentecodes(kansen, gebieden, frozenset(gemeenten)) if kansen is not None and len(kansen) else None
    momentopname = _kansen_momentopname(kansen, kcodes)
    bron = {f"behoefte: {b}": b for b in sorted({str(x) for x in beh["bron"] if x})}
    bron = {**bron, **(bronnen or {})}
    return Monitorstand(
        peildatum=peildatum,
        regio_id=regio.id,
        regio_naam=regio.naam,
        behoefte_periode=regio.behoefte_periode,
        gemeenten=gemeenten,
        indicatoren=ind,
        spreiding=sp,
        kansen=momentopname,
        telling=tel,
        meldingen=tuple(_meldingen(beh, tel, sp, bevolking, momentopname, peildatum.year)),
        bronnen=bron,
        berekend_op=berekend_op or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        voorbeelddata=voorbeelddata,
    )


# --------------------------------------------------------------------------- change over time


@dataclass(frozen=True)
class Verschil:
    """What changed between two stands.

    Attributes
    ----------
    van, tot
        The peildata compared (older, newer).
    indicatoren
        Changed figures: ``gemeentecode``, ``gemeente``, ``doelgroep``, ``indicator``,
        ``oud``, ``nieuw``, ``verschil`` (``<NA>`` when one side is unknown).
    kansen
        Changed kansen: ``id``, ``naam``, ``gemeentecode``, ``wijziging`` (``nieuw``,
        ``verdwenen``, ``status``, ``aantal_woningen``, ``doelgroep``), ``oud``, ``nieuw`` and
        a Dutch ``omschrijving`` such as "Kans X: verkenning → in voorbereiding".
    hoover
        (old, new) Hoover index.
    """

    van: date
    tot: date
    indicatoren: pd.DataFrame
    kansen: pd.DataFrame
    hoover: tuple[float | None, float | None]

    @property
    def leeg(self) -> bool:
        """True when nothing changed."""
        return not len(self.indicatoren) and not len(self.kansen) and self.hoover[0] == self.hoover[1]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "van": self.van.isoformat(),
            "tot": self.tot.isoformat(),
            "indicatoren": _records(self.indicatoren),
            "kansen": _records(self.kansen),
            "hoover": {"oud": self.hoover[0], "nieuw": self.hoover[1]},
        }


def _fmt(v: Any) -> str:
    return "onbekend" if _leeg(v) else str(v)


def verschil(oud: Monitorstand, nieuw: Monitorstand) -> Verschil:
    """Return what changed from stand ``oud`` to stand ``nieuw``.

    Parameters
    ----------
    oud, nieuw
        Two stands of the same region, e.g. the last peildatum and the current figures.

    Returns
    -------
    Verschil
        Only figures and kansen that changed; a figure that turns from unknown into known (or
        back) counts as changed with ``verschil`` ``<NA>``.
    """
    key = ["gemeentecode", "doelgroep"]
    a = oud.indicatoren.set_index(key)
    b = nieuw.indicatoren.set_index(key)
    rows = []
    for idx in b.index:
        for ind in _VERSCHIL_INDICATOREN:
            nv = _geheel(b.at[idx, ind])
            ov = _geheel(a.at[idx, ind]) if idx in a.index else None
            if ov == nv:
                continue
            rows.append(
                {
                    "gemeentecode": idx[0],
                    "gemeente": b.at[idx, "gemeente"],
                    "doelgroep": idx[1],
                    "indicator": ind,
                    "oud": ov,
                    "nieuw": nv,
                    "verschil": None if ov is None or nv is None else nv - ov,
                }
            )
    ind_df = pd.DataFrame(
        rows, columns=["gemeentecode", "gemeente", "doelgroep", "indicator", "oud", "nieuw", "verschil"]
    )
    for k in ("oud", "nieuw", "verschil"):
        ind_df[k] = pd.array([_geheel(v) for v in ind_df[k]], dtype="Int64")

    ka = {r["id"]: r for r in _records(oud.kansen)}
    kb = {r["id"]: r for r in _records(nieuw.kansen)}
    zonder = set(oud.kansen.attrs.get("zonder", ())) | set(nieuw.kansen.attrs.get("zonder", ()))
    velden = [
        (veld, label)
        for veld, label in (("aantal_woningen", "aantal woningen"), ("doelgroep", "doelgroep"),
                            ("opleverjaar", "opleverjaar"))
        if veld not in zonder
    ]
    krows = []
    for kid, r in kb.items():
        naam = r["naam"] or kid
        if kid not in ka:
            krows.append(
                {
                    "id": kid,
                    "naam": naam,
                    "gemeentecode": r["gemeentecode"],
                    "wijziging": "nieuw",
                    "oud": None,
                    "nieuw": r["status"],
                    "omschrijving": f"Nieuwe kans {naam} ({_fmt(r['status'])})",
                }
            )
            continue
        o = ka[kid]
        if o["status"] != r["status"]:
            krows.append(
                {
                    "id": kid,
                    "naam": naam,
                    "gemeentecode": r["gemeentecode"],
                    "wijziging": "status",
                    "oud": o["status"],
                    "nieuw": r["status"],
                    "omschrijving": f"Kans {naam}: {_fmt(o['status'])} → {_fmt(r['status'])}",
                }
            )
        for veld, label in velden:
            if o[veld] != r[veld]:
                krows.append(
                    {
                        "id": kid,
                        "naam": naam,
                        "gemeentecode": r["gemeentecode"],
                        "wijziging": veld,
                        "oud": _fmt(o[veld]),
                        "nieuw": _fmt(r[veld]),
                        "omschrijving": f"Kans {naam}: {label} {_fmt(o[veld])} → {_fmt(r[veld])}",
                    }
                )
    for kid, o in ka.items():
        if kid not in kb:
            naam = o["naam"] or kid
            krows.append(
                {
                    "id": kid,
                    "naam": naam,
                    "gemeentecode": o["gemeentecode"],
                    "wijziging": "verdwenen",
                    "oud": o["status"],
                    "nieuw": None,
                    "omschrijving": f"Kans {naam} staat niet meer in de inventarisatie (was {_fmt(o['status'])})",
                }
            )
    kans_df = pd.DataFrame(
        krows, columns=["id", "naam", "gemeentecode", "wijziging", "oud", "nieuw", "omschrijving"]
    ).astype(object)
    return Verschil(
        van=oud.peildatum,
        tot=nieuw.peildatum,
        indicatoren=ind_df,
        kansen=kans_df.where(kans_df.notna(), None),
        hoover=(oud.spreiding.hoover, nieuw.spreiding.hoover),
    )


def trend(standen: Sequence[Monitorstand]) -> pd.DataFrame:
    """Return the development of the main figures over a series of stands.

    Parameters
    ----------
    standen
        Stands in any order (sorted here by peildatum).

    Returns
    -------
    pandas.DataFrame
        One row per stand × gemeente (and region) × doelgroep: ``peildatum`` (ISO text),
        ``gemeentecode``, ``gemeente``, ``doelgroep``, ``behoefte``, ``gerealiseerd``,
        ``pijplijn``, ``dekking`` and the region's ``hoover`` of that stand.
    """
    rows = []
    for st in sorted(standen, key=lambda s: s.peildatum):
        for rec in _records(st.indicatoren):
            rows.append(
                {
                    "peildatum": st.peildatum.isoformat(),
                    "gemeentecode": rec["gemeentecode"],
                    "gemeente": rec["gemeente"],
                    "doelgroep": rec["doelgroep"],
                    "behoefte": rec["behoefte"],
                    "gerealiseerd": rec["gerealiseerd"],
                    "pijplijn": rec["pijplijn"],
                    "dekking": rec["dekking"],
                    "hoover": st.spreiding.hoover,
                }
            )
    return _frame(
        rows,
        [
            "peildatum",
            "gemeentecode",
            "gemeente",
            "doelgroep",
            "behoefte",
            "gerealiseerd",
            "pijplijn",
            "dekking",
            "hoover",
        ],
    )
