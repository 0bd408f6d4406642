"""Geschiktheid: a transparent, configurable score of candidate locations, with sensitivity analysis.

Pure analysis: frames in, frames out, no I/O except reading a profile file. The workspace
wiring (reading layers, walking distances from the vlekkenplan engine, storing the layer
``geschiktheid``) lives in :mod:`kansenkaart.io.score`. Every rule below is also written out
in the README section "Geschiktheid".

The score
---------
A *profile* (:class:`Profiel`, a TOML file in ``kansenkaart/profielen/``) lists criteria, each
with a weight ``w_i``, a transformation to a utility ``u_i`` in [0, 1] and its source. For a
candidate, with K the criteria whose value is known for that candidate and whose weight is
above 0::

    score      = 100 · Σ_{i∈K} w_i·u_i / Σ_{i∈K} w_i
    bijdrage_i = 100 · w_i·u_i / Σ_{i∈K} w_i          (so Σ bijdrage_i = score)

A criterion whose value is unknown for a candidate (need of Eemnes, number of homes of a grid
cell, a facility category without any data) is left out of both sums for that candidate: it
counts neither as 0 nor as 1, its ``bijdrage`` is empty and it is named in the explanation as
"onbekend". ``gewicht_bekend`` says which share of the total weight was known.

Hard conditions (``hard = true`` in the profile) are checked separately. A candidate that fails
one keeps its score (so it can still be compared), gets ``voldoet = False`` and the failed
conditions in ``harde_voorwaarden_niet_voldaan``, and is ranked *after* every candidate that
passes. An unknown value never fails a hard condition; it is listed in
``harde_voorwaarden_onbekend``.

Transformations
---------------
``afstand``
    Walking distance ``d`` to the nearest facility of a category (column
    ``afstand_<categorie>_m``): ``u = 1`` for ``d <= norm_m``, ``u = 0`` for ``d >= max_m``,
    linear in between (or a logistic S-curve with the same end points). ``NaN`` means "not
    within the search cutoff" and gives ``u = 0`` (the wiring searches at least as far as the
    largest ``max_m``). With ``inpandig = true`` a candidate whose ``ontmoetingsruimte`` is
    true has distance 0 ("in het gebouw"). A hard distance condition is checked in whole
    metres, the unit of the explanation, so "op 100 m" never fails "binnen 100 m". For a
    candidate whose building is not known (plan, kans, grid cell) a failed ontmoetingsruimte
    condition adds "Kan met een inpandige ontmoetingsruimte." to the explanation.
``voorzieningenindex``
    The daily-facilities index: visit-frequency weighted mean of the distance utilities of
    several categories (Geroscoop convention: supermarkt 52, huisarts 12, apotheek 12 visits
    a year). Categories whose distance is unknown are left out of the mean.
``gebied``
    A statistic of the buurt (or wijk) the candidate lies in (:func:`gebiedskenmerken`):
    ``u = 0`` at or below ``ondergrens``, ``1`` at or above ``bovengrens``, linear between.
``tekort``
    The fair-share gap of the candidate's gemeente for the profile's doelgroep
    (:func:`tekort_per_gemeente`): ``u = tekort / behoefte`` (share of the need still open),
    clipped to [0, 1]; or, with ``maatstaf = "aantal"``, ``tekort / bovengrens``.
``aantal_woningen``
    Whether the number of homes reaches ``minimum`` (12, the national cluster scale): ``u`` is
    1 or 0; unknown for grid cells.

Numbers in a profile may be written as ``"regio:<norm>"``; they are taken from the region's
norms (e.g. ``regio:ontmoetingsruimte_max_m`` = 100 m), so a region with another norm changes
the profile too.

Sensitivity
-----------
:func:`gevoeligheid` recomputes the ranking for perturbed weights: each weight ×0.8 and ×1.2
in turn (one at a time), and ``trekkingen`` random draws in which every weight is multiplied
by an independent uniform factor in [1 − variatie, 1 + variatie]. It reports each candidate's
best and worst rank and marks it *robuust* when every scenario keeps it within
``max(marge_min, ⌈marge_relatief · rang⌉)`` places of its base rank; per scenario the Spearman
rank correlation with the base ranking and the overlap of the top ``top``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kansenkaart.crs import check_crs
from kansenkaart.errors import CRSError, ValidationError
from kansenkaart.regio import DOELGROEPEN, Regio
from kansenkaart.schemas import CATEGORIEEN

__all__ = [
    "CURVEN",
    "GEBIEDSKOLOMMEN",
    "SOORTEN",
    "STANDAARD_NORMEN",
    "Criterium",
    "Gevoeligheid",
    "Profiel",
    "aanbod_per_gemeente",
    "behoefte_uit_regio",
    "beschikbare_profielen",
    "gebiedskenmerken",
    "gevoeligheid",
    "laad_profiel",
    "nut_afstand",
    "nut_lineair",
    "parse_profiel",
    "scoor",
    "tekort_per_gemeente",
]

Soort = Literal["afstand", "voorzieningenindex", "gebied", "tekort", "aantal_woningen"]
SOORTEN: tuple[str, ...] = ("afstand", "voorzieningenindex", "gebied", "tekort", "aantal_woningen")
"""The kinds of criterion a profile can use."""

Curve = Literal["lineair", "logistisch"]
CURVEN: tuple[str, ...] = ("lineair", "logistisch")

GEBIEDSKOLOMMEN: tuple[str, ...] = (
    "pct_65plus",
    "pct_75plus",
    "inwoners_65plus",
    "inwoners_75plus",
    "dichtheid_65plus",
    "dichtheid_75plus",
)
"""Area statistics a ``gebied`` criterion can use (see :func:`gebiedskenmerken`)."""

STANDAARD_NORMEN: dict[str, float] = {
    "ontmoetingsruimte_max_m": 100.0,
    "min_woningen_cluster": 12.0,
    "pantoffelzone_m": 600.0,
    "loopsnelheid_m_per_min": 50.0,
}
"""Norms used when no region is given (the values of the Gooi en Vechtstreek region file)."""

_CATEGORIE_LABEL = {
    "supermarkt": "supermarkt",
    "huisarts": "huisarts",
    "apotheek": "apotheek",
    "ontmoetingsruimte": "ontmoetingsruimte",
    "ov_halte": "ov-halte",
    "zorgcentrum": "zorgcentrum",
}
_DOELGROEP_BN = {"nultreden": "nultreden", "geclusterd": "geclusterde", "zorggeschikt": "zorggeschikte"}
_GEBIED_TEKST = {
    "pct_65plus": ("{}% 65+", "pct"),
    "pct_75plus": ("{}% 75+", "pct"),
    "inwoners_65plus": ("{} 65-plussers", "int"),
    "inwoners_75plus": ("{} 75-plussers", "int"),
    "dichtheid_65plus": ("{} 65-plussers per km²", "int"),
    "dichtheid_75plus": ("{} 75-plussers per km²", "int"),
}
_REGIO_PREFIX = "regio:"
_SLECHT = -1.0e9  # rank key offset for failing a hard condition: always below every score


# --------------------------------------------------------------------------- the profile


@dataclass(frozen=True)
class Criterium:
    """One criterion of a profile.

    Attributes
    ----------
    id
        Key in the profile (``[criteria.<id>]``); output columns are ``nut_<id>`` and
        ``bijdrage_<id>``.
    soort
        One of :data:`SOORTEN`.
    label
        Dutch label used in explanations and tables.
    gewicht
        Weight (≥ 0). Weight 0 keeps the criterion in the explanation (and as hard
        condition) but out of the score.
    bron
        Where the criterion and its numbers come from.
    toelichting
        Why the transformation looks like it does.
    categorie
        ``afstand``: the facility category (:data:`kansenkaart.schemas.CATEGORIEEN`).
    norm_m, max_m, curve
        ``afstand`` and ``voorzieningenindex``: full utility up to ``norm_m``, none from
        ``max_m``; a number or ``"regio:<norm>"``.
    inpandig
        ``afstand``: a candidate whose column ``<categorie>`` is true has it in the building.
    hard, hard_max_m, minimum
        Hard condition: distance ≤ ``hard_max_m`` (``afstand``) or homes ≥ ``minimum``
        (``aantal_woningen``).
    frequenties
        ``voorzieningenindex``: visits per year per category.
    kolom, ondergrens, bovengrens
        ``gebied``: the statistic (:data:`GEBIEDSKOLOMMEN`) and its utility caps.
    maatstaf
        ``tekort``: ``aandeel`` (gap / need) or ``aantal`` (gap / ``bovengrens``).
    """

    id: str
    soort: Soort
    label: str
    gewicht: float
    bron: str
    toelichting: str = ""
    categorie: str | None = None
    norm_m: float | str | None = None
    max_m: float | str | None = None
    curve: Curve = "lineair"
    inpandig: bool = False
    hard: bool = False
    hard_max_m: float | str | None = None
    minimum: float | str | None = None
    frequenties: dict[str, float] = field(default_factory=dict)
    kolom: str | None = None
    ondergrens: float | str | None = None
    bovengrens: float | str | None = None
    maatstaf: Literal["aandeel", "aantal"] = "aandeel"

    @property
    def categorieen(self) -> tuple[str, ...]:
        """Facility categories whose distances this criterion reads."""
        if self.soort == "afstand" and self.categorie:
            return (self.categorie,)
        if self.soort == "voorzieningenindex":
            return tuple(self.frequenties)
        return ()

    def getal(self, attr: str) -> float:
        """Return numeric parameter ``attr`` (after :meth:`Profiel.met_normen`)."""
        v = getattr(self, attr)
        if v is None or isinstance(v, str):
            raise ValidationError(f"Criterium '{self.id}': parameter '{attr}' is niet (als getal) ingevuld.")
        return float(v)


@dataclass(frozen=True)
class Profiel:
    """A scoring profile: doelgroep, criteria with weights and sources.

    Load one with :func:`laad_profiel`; the shipped profiles are ``geclusterd`` and
    ``zorggeschikt``.
    """

    naam: str
    titel: str
    doelgroep: str
    omschrijving: str
    criteria: tuple[Criterium, ...]
    pad: Path | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        """Criterion ids in profile order."""
        return tuple(c.id for c in self.criteria)

    @property
    def gewichten(self) -> np.ndarray:
        """Weights in profile order."""
        return np.array([c.gewicht for c in self.criteria], dtype=float)

    @property
    def categorieen(self) -> tuple[str, ...]:
        """All facility categories the profile needs distances for."""
        out: list[str] = []
        for c in self.criteria:
            out += [k for k in c.categorieen if k not in out]
        return tuple(out)

    def criterium(self, cid: str) -> Criterium:
        """Return criterion ``cid``."""
        for c in self.criteria:
            if c.id == cid:
                return c
        raise ValidationError(
            f"Profiel '{self.naam}' heeft geen criterium '{cid}'. Criteria: {', '.join(self.ids)}.",
            details={"criterium": cid},
        )

    def met_gewichten(self, gewichten: Mapping[str, float]) -> Profiel:
        """Return a copy with some weights replaced (``{id: weight}``)."""
        for k, v in gewichten.items():
            self.criterium(k)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValidationError(f"Gewicht van '{k}' moet een getal ≥ 0 zijn, niet {v!r}.")
        return replace(
            self,
            criteria=tuple(replace(c, gewicht=float(gewichten.get(c.id, c.gewicht))) for c in self.criteria),
        )

    def met_normen(self, normen: Mapping[str, float] | None = None) -> Profiel:
        """Return a copy where every ``"regio:<norm>"`` is replaced by the norm's value.

        ``normen`` defaults to :data:`STANDAARD_NORMEN`; a norm missing from ``normen`` is
        taken from there too.
        """
        alle = {**STANDAARD_NORMEN, **(normen or {})}
        velden = ("norm_m", "max_m", "hard_max_m", "minimum", "ondergrens", "bovengrens")
        nieuw = []
        for c in self.criteria:
            wijz: dict[str, Any] = {}
            for veld in velden:
                v = getattr(c, veld)
                if isinstance(v, str):
                    sleutel = v[len(_REGIO_PREFIX) :]
                    if sleutel not in alle:
                        raise ValidationError(
                            f"Criterium '{c.id}': onbekende norm '{v}'. Bekend: "
                            f"{', '.join(_REGIO_PREFIX + k for k in alle)}.",
                            details={"criterium": c.id, "veld": veld},
                        )
                    wijz[veld] = float(alle[sleutel])
            nieuw.append(replace(c, **wijz) if wijz else c)
        return replace(self, criteria=tuple(nieuw))

    def max_afstand_m(self, normen: Mapping[str, float] | None = None) -> float:
        """The largest ``max_m`` of the distance criteria: search at least this far."""
        p = self.met_normen(normen)
        waarden = [c.getal("max_m") for c in p.criteria if c.soort in ("afstand", "voorzieningenindex")]
        return max(waarden, default=0.0)


def _profielen_dir() -> Path:
    return Path(str(resources.files("kansenkaart") / "profielen"))


def beschikbare_profielen() -> list[str]:
    """Names of the profiles shipped with the package."""
    return sorted(p.stem for p in _profielen_dir().glob("*.toml"))


def _getal_of_norm(v: Any, where: str, veld: str) -> float | str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValidationError(f"{where}: '{veld}' moet een getal zijn, niet {v!r}.")
    if isinstance(v, int | float):
        if not math.isfinite(v) or v < 0:
            raise ValidationError(f"{where}: '{veld}' moet een getal ≥ 0 zijn, niet {v!r}.")
        return float(v)
    if isinstance(v, str) and v.startswith(_REGIO_PREFIX) and len(v) > len(_REGIO_PREFIX):
        return v
    raise ValidationError(f"{where}: '{veld}' moet een getal of 'regio:<norm>' zijn, niet {v!r}.")


_TOEGESTAAN: dict[str, set[str]] = {
    "afstand": {"categorie", "norm_m", "max_m", "curve", "inpandig", "hard_max_m"},
    "voorzieningenindex": {"frequenties", "norm_m", "max_m", "curve"},
    "gebied": {"kolom", "ondergrens", "bovengrens"},
    "tekort": {"maatstaf", "bovengrens"},
    "aantal_woningen": {"minimum"},
}
_ALGEMEEN = {"soort", "label", "gewicht", "bron", "toelichting", "hard"}


def _criterium(cid: str, raw: Mapping[str, Any], where: str) -> Criterium:
    w = f"{where}: criterium '{cid}'"
    soort = raw.get("soort")
    if soort not in SOORTEN:
        raise ValidationError(f"{w}: soort {soort!r} is ongeldig; kies uit {', '.join(SOORTEN)}.")
    onbekend = set(raw) - _ALGEMEEN - _TOEGESTAAN[soort]
    if onbekend:
        raise ValidationError(
            f"{w}: onbekende sleutel(s) {', '.join(sorted(onbekend))} voor soort '{soort}'. "
            f"Toegestaan: {', '.join(sorted(_ALGEMEEN | _TOEGESTAAN[soort]))}."
        )
    gewicht = raw.get("gewicht")
    if isinstance(gewicht, bool) or not isinstance(gewicht, int | float) or not math.isfinite(gewicht) or gewicht < 0:
        raise ValidationError(f"{w}: gewicht moet een getal ≥ 0 zijn, niet {gewicht!r}.")
    bron = str(raw.get("bron", "")).strip()
    if not bron:
        raise ValidationError(f"{w}: 'bron' ontbreekt; elk criterium noemt zijn bron.")
    curve = raw.get("curve", "lineair")
    if curve not in CURVEN:
        raise ValidationError(f"{w}: curve {curve!r} is ongeldig; kies uit {', '.join(CURVEN)}.")
    kw: dict[str, Any] = {
        "id": cid,
        "soort": soort,
        "label": str(raw.get("label", cid)),
        "gewicht": float(gewicht),
        "bron": bron,
        "toelichting": str(raw.get("toelichting", "")),
        "curve": curve,
        "hard": bool(raw.get("hard", False)),
        "inpandig": bool(raw.get("inpandig", False)),
    }
    for veld in ("norm_m", "max_m", "hard_max_m", "minimum", "ondergrens", "bovengrens"):
        kw[veld] = _getal_of_norm(raw.get(veld), w, veld)
    if soort == "afstand":
        cat = raw.get("categorie")
        if cat not in CATEGORIEEN:
            raise ValidationError(f"{w}: categorie {cat!r} is ongeldig; kies uit {', '.join(CATEGORIEEN)}.")
        kw["categorie"] = cat
        if kw["inpandig"] and cat != "ontmoetingsruimte":
            raise ValidationError(f"{w}: 'inpandig' kan alleen bij categorie ontmoetingsruimte.")
        if kw["hard"] and kw["hard_max_m"] is None:
            raise ValidationError(f"{w}: een harde voorwaarde op afstand vraagt 'hard_max_m'.")
    if soort in ("afstand", "voorzieningenindex"):
        for veld in ("norm_m", "max_m"):
            if kw[veld] is None:
                raise ValidationError(f"{w}: '{veld}' ontbreekt.")
    if soort == "voorzieningenindex":
        freq = raw.get("frequenties")
        if not isinstance(freq, Mapping) or not freq:
            raise ValidationError(f"{w}: 'frequenties' ontbreekt (bezoeken per jaar per categorie).")
        for k, v in freq.items():
            if k not in CATEGORIEEN:
                raise ValidationError(f"{w}: frequentie voor onbekende categorie '{k}'.")
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                raise ValidationError(f"{w}: frequentie van '{k}' moet een getal > 0 zijn, niet {v!r}.")
        kw["frequenties"] = {str(k): float(v) for k, v in freq.items()}
    if soort == "gebied":
        kolom = raw.get("kolom")
        if kolom not in GEBIEDSKOLOMMEN:
            raise ValidationError(f"{w}: kolom {kolom!r} is ongeldig; kies uit {', '.join(GEBIEDSKOLOMMEN)}.")
        kw["kolom"] = kolom
        if kw["ondergrens"] is None or kw["bovengrens"] is None:
            raise ValidationError(f"{w}: 'ondergrens' en 'bovengrens' zijn nodig.")
    if soort == "tekort":
        maatstaf = raw.get("maatstaf", "aandeel")
        if maatstaf not in ("aandeel", "aantal"):
            raise ValidationError(f"{w}: maatstaf {maatstaf!r} is ongeldig; kies aandeel of aantal.")
        kw["maatstaf"] = maatstaf
        if maatstaf == "aantal" and kw["bovengrens"] is None:
            raise ValidationError(f"{w}: maatstaf 'aantal' vraagt 'bovengrens' (aantal woningen voor nut 1).")
    if soort == "aantal_woningen" and kw["minimum"] is None:
        raise ValidationError(f"{w}: 'minimum' ontbreekt.")
    if kw["hard"] and soort not in ("afstand", "aantal_woningen"):
        raise ValidationError(f"{w}: een harde voorwaarde kan alleen bij soort afstand of aantal_woningen.")
    return Criterium(**kw)


def parse_profiel(data: Mapping[str, Any], *, pad: Path | None = None) -> Profiel:
    """Build a :class:`Profiel` from parsed TOML; raise :class:`ValidationError` when invalid."""
    where = str(pad) if pad else "profiel"
    naam = data.get("naam")
    if not naam:
        raise ValidationError(f"{where}: 'naam' ontbreekt.")
    doelgroep = data.get("doelgroep")
    if doelgroep not in DOELGROEPEN:
        raise ValidationError(f"{where}: doelgroep {doelgroep!r} is ongeldig; kies uit {', '.join(DOELGROEPEN)}.")
    raw = data.get("criteria")
    if not isinstance(raw, Mapping) or not raw:
        raise ValidationError(f"{where}: het profiel heeft geen criteria ([criteria.<naam>]).")
    onbekend = set(data) - {"naam", "titel", "doelgroep", "omschrijving", "criteria"}
    if onbekend:
        raise ValidationError(f"{where}: onbekende sleutel(s) {', '.join(sorted(onbekend))}.")
    criteria = tuple(_criterium(str(k), v, where) for k, v in raw.items())
    if not any(c.gewicht > 0 for c in criteria):
        raise ValidationError(f"{where}: minstens één criterium moet een gewicht > 0 hebben.")
    p = Profiel(
        naam=str(naam),
        titel=str(data.get("titel", naam)),
        doelgroep=str(doelgroep),
        omschrijving=str(data.get("omschrijving", "")),
        criteria=criteria,
        pad=pad,
    )
    for c in p.met_normen().criteria:  # check the numbers once, with the standard norms
        if c.soort in ("afstand", "voorzieningenindex") and not c.getal("max_m") > c.getal("norm_m"):
            raise ValidationError(f"{where}: criterium '{c.id}': max_m moet groter zijn dan norm_m.")
        if c.soort == "gebied" and not c.getal("bovengrens") > c.getal("ondergrens"):
            raise ValidationError(f"{where}: criterium '{c.id}': bovengrens moet groter zijn dan ondergrens.")
    return p


def laad_profiel(profiel: str | Path | Profiel) -> Profiel:
    """Load a profile by name (a shipped file) or by path to a TOML file.

    Parameters
    ----------
    profiel
        ``"geclusterd"``, ``"zorggeschikt"``, a path to a ``.toml`` file, or a
        :class:`Profiel` (returned as is).

    Raises
    ------
    ValidationError
        When the profile is unknown or its file is invalid.
    """
    if isinstance(profiel, Profiel):
        return profiel
    path = Path(profiel)
    if not (path.suffix == ".toml" and path.exists()):
        path = _profielen_dir() / f"{profiel}.toml"
    if not path.exists():
        raise ValidationError(
            f"Onbekend profiel '{profiel}'. Beschikbaar: {', '.join(beschikbare_profielen())}, "
            "of geef het pad naar een eigen profielbestand (.toml).",
            details={"profiel": str(profiel)},
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ValidationError(f"Profielbestand {path.name} is geen geldige TOML: {e}") from e
    return parse_profiel(data, pad=path)


# --------------------------------------------------------------------------- transformations


def nut_lineair(waarde: np.ndarray | pd.Series, *, ondergrens: float, bovengrens: float) -> np.ndarray:
    """Utility rising linearly from 0 at ``ondergrens`` to 1 at ``bovengrens``; NaN stays NaN."""
    x = np.asarray(waarde, dtype=float)
    return np.clip((x - ondergrens) / (bovengrens - ondergrens), 0.0, 1.0)


def nut_afstand(
    afstand_m: np.ndarray | pd.Series, *, norm_m: float, max_m: float, curve: Curve = "lineair"
) -> np.ndarray:
    """Utility of a walking distance: 1 up to ``norm_m``, 0 from ``max_m``.

    ``lineair`` falls in a straight line; ``logistisch`` follows an S-curve through the
    midpoint, rescaled so that it is exactly 1 at ``norm_m`` and 0 at ``max_m``
    (``L(d) = 1 / (1 + exp((d - mid) / s))`` with ``L(norm_m) = 0.95``). ``NaN`` (not found
    within the search cutoff) gives 0.
    """
    d = np.asarray(afstand_m, dtype=float)
    d = np.where(np.isnan(d), np.inf, d)
    if curve == "lineair":
        return np.clip((max_m - d) / (max_m - norm_m), 0.0, 1.0)
    mid = (norm_m + max_m) / 2
    s = (mid - norm_m) / math.log(19.0)
    with np.errstate(over="ignore"):
        lg = 1.0 / (1.0 + np.exp((d - mid) / s))
    return np.clip((lg - 0.05) / 0.9, 0.0, 1.0)


# --------------------------------------------------------------------------- area statistics


def _gebiedslaag(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Area layer with derived 65+/75+ shares, counts and densities (per km²)."""
    check_crs(gdf, name="gebieden")
    g = gdf.to_crs(crs) if CRS.from_user_input(gdf.crs) != crs else gdf

    def num(k: str) -> np.ndarray:
        return pd.to_numeric(g[k], errors="coerce").to_numpy(dtype=float) if k in g else np.full(len(g), np.nan)

    inw = num("inwoners")
    km2 = shapely.area(np.asarray(g.geometry.values, dtype=object)) / 1e6
    out = pd.DataFrame(index=g.index)
    out["gebied_code"] = g["code"].to_numpy(dtype=object) if "code" in g else None
    out["gebied_naam"] = g["naam"].to_numpy(dtype=object) if "naam" in g else None
    out["gebied_gemeentecode"] = g["gemeentecode"].to_numpy(dtype=object) if "gemeentecode" in g else None
    out["inwoners"] = inw
    for lft in ("65plus", "75plus"):
        pct = num(f"pct_{lft}")
        aantal = num(f"inwoners_{lft}")
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(np.isnan(pct) & (inw > 0), 100.0 * aantal / inw, pct)
            aantal = np.where(np.isnan(aantal), pct * inw / 100.0, aantal)
            dicht = np.where(km2 > 0, aantal / km2, np.nan)
        out[f"pct_{lft}"] = pct
        out[f"inwoners_{lft}"] = aantal
        out[f"dichtheid_{lft}"] = dicht
    return gpd.GeoDataFrame(out, geometry=g.geometry.to_numpy(), crs=crs)


def _zoek(punten: np.ndarray, gebieden: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``gebieden`` of the area containing each point (-1 when none; first wins)."""
    pos = np.full(len(punten), -1, dtype=np.int64)
    if not len(gebieden) or not len(punten):
        return pos
    tree = shapely.STRtree(np.asarray(gebieden.geometry.values, dtype=object))
    i_pt, i_geb = tree.query(punten, predicate="intersects")
    if len(i_pt):
        eerste = np.unique(i_pt, return_index=True)[1]
        pos[i_pt[eerste]] = i_geb[eerste]
    return pos


def gebiedskenmerken(
    punten: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    buurten: gpd.GeoDataFrame | None = None,
    wijken: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The 65+ and 75+ statistics of the buurt (or wijk) each point lies in.

    The buurt is used when the point lies in a buurt whose 65+ share is known (given, or
    ``inwoners_65plus / inwoners``); otherwise the wijk; otherwise the buurt even with an
    unknown share. Missing shares and counts are derived from each other and ``inwoners``;
    densities are counts per km² of the area's geometry.

    Parameters
    ----------
    punten
        Candidate points in a projected CRS (e.g. :func:`kansenkaart.kandidaten.locatiepunten`).
    buurten, wijken
        Area layers as stored (``code``, ``naam``, ``gemeentecode``, ``inwoners``,
        ``inwoners_65plus``, ``inwoners_75plus``, ``pct_65plus``, ``pct_75plus``); either may
        be ``None``.

    Returns
    -------
    pandas.DataFrame
        On the index of ``punten``: ``gebied_niveau`` (``buurt``/``wijk``/None),
        ``gebied_code``, ``gebied_naam``, ``gebied_gemeentecode``, ``inwoners`` and
        :data:`GEBIEDSKOLOMMEN`; NaN where unknown.
    """
    check_crs(punten, name="punten")
    crs = CRS.from_user_input(punten.crs)
    if not crs.is_projected:
        raise CRSError("Gebiedskenmerken vragen punten in een stelsel in meters.")
    geoms = np.asarray((punten.geometry if isinstance(punten, gpd.GeoDataFrame) else punten).values, dtype=object)
    kolommen = ["gebied_code", "gebied_naam", "gebied_gemeentecode", "inwoners", *GEBIEDSKOLOMMEN]
    n = len(geoms)
    out = pd.DataFrame(index=punten.index)
    out["gebied_niveau"] = np.full(n, None, dtype=object)
    waarden: dict[str, np.ndarray] = {
        k: (np.full(n, None, dtype=object) if k.startswith("gebied_") else np.full(n, np.nan)) for k in kolommen
    }
    niveau = np.full(n, None, dtype=object)
    gevonden = np.zeros(n, dtype=bool)
    lagen = [
        (naam, _gebiedslaag(gdf, crs))
        for naam, gdf in (("buurt", buurten), ("wijk", wijken))
        if gdf is not None and len(gdf)
    ]
    for eis_bekend in (True, False):
        for naam, laag in lagen:
            open_ = np.flatnonzero(~gevonden)
            if not len(open_):
                break
            pos = _zoek(geoms[open_], laag)
            ok = pos >= 0
            if eis_bekend:
                ok &= ~np.isnan(laag["pct_65plus"].to_numpy(dtype=float)[np.maximum(pos, 0)])
            sel = open_[ok]
            for k in kolommen:
                waarden[k][sel] = laag[k].to_numpy()[pos[ok]]
            niveau[sel] = naam
            gevonden[sel] = True
    out["gebied_niveau"] = niveau
    for k in kolommen:
        out[k] = waarden[k]
    return out


# --------------------------------------------------------------------------- fair share


def behoefte_uit_regio(regio: Regio, doelgroep: str) -> dict[str, int | None]:
    """Need per gemeente for ``doelgroep`` from the region file; ``None`` unless status ``bekend``."""
    if doelgroep not in DOELGROEPEN:
        raise ValidationError(f"Onbekende doelgroep '{doelgroep}'; kies uit {', '.join(DOELGROEPEN)}.")
    out: dict[str, int | None] = {}
    for g in regio.gemeenten:
        b = g.behoefte[doelgroep]
        out[g.code] = b.waarde if (b.status == "bekend" and b.waarde is not None) else None
    return out


def _som_per_gemeente(gdf: pd.DataFrame | None, mask: np.ndarray | None = None) -> pd.Series:
    if gdf is None or not len(gdf) or "gemeentecode" not in gdf or "aantal_woningen" not in gdf:
        return pd.Series(dtype=float)
    df = gdf if mask is None else gdf[mask]
    aantal = pd.to_numeric(df["aantal_woningen"], errors="coerce").fillna(0)
    return aantal.groupby(df["gemeentecode"].astype(object)).sum()


def _opgeleverd_vanaf(gdf: pd.DataFrame, vanaf_jaar: int | None) -> np.ndarray:
    """True for rows to count: all without ``vanaf_jaar``; else a known opleverjaar ≥ it."""
    if vanaf_jaar is None:
        return np.ones(len(gdf), dtype=bool)
    jaar = _num_kolom(gdf, "opleverjaar")
    return ~np.isnan(jaar) & (jaar >= vanaf_jaar)


def aanbod_per_gemeente(
    *,
    doelgroep: str,
    wooncomplexen: pd.DataFrame | None = None,
    nultredenwoningen: pd.DataFrame | None = None,
    zorggeschikte_woningen: pd.DataFrame | None = None,
    kansen: pd.DataFrame | None = None,
    min_woningen_cluster: int = 12,
    vanaf_jaar: int | None = None,
) -> pd.Series:
    """Realised supply per gemeente for one doelgroep (homes that reduce the need).

    What counts (the same rules as "gerealiseerd" in the regional monitor; each home counts in
    the doelgroep of its record only):

    - ``geclusterd``: homes in ``wooncomplexen`` with an ontmoetingsruimte and at least
      ``min_woningen_cluster`` homes;
    - ``zorggeschikt``: homes in ``zorggeschikte_woningen``;
    - ``nultreden``: homes in ``nultredenwoningen``;
    - for every doelgroep: ``aantal_woningen`` of kansen of that doelgroep with status
      ``gerealiseerd``.

    With ``vanaf_jaar`` (the start of the need period, e.g. 2022) layer homes count only when
    their ``opleverjaar`` is known and not earlier: the need figures are *additional* need
    from that year on. Rows need a ``gemeentecode`` (fill it with
    :func:`kansenkaart.kandidaten.gemeentecode_uit_locatie`); rows without one are not counted.

    Returns
    -------
    pandas.Series
        Homes per gemeentecode (float; gemeenten without supply are absent, i.e. 0).
    """
    if doelgroep not in DOELGROEPEN:
        raise ValidationError(f"Onbekende doelgroep '{doelgroep}'; kies uit {', '.join(DOELGROEPEN)}.")
    delen: list[pd.Series] = []
    if doelgroep == "geclusterd" and wooncomplexen is not None and len(wooncomplexen):
        wc = wooncomplexen
        ok = _bool_kolom(wc, "ontmoetingsruimte") & (_num_kolom(wc, "aantal_woningen") >= min_woningen_cluster)
        delen.append(_som_per_gemeente(wc, ok & _opgeleverd_vanaf(wc, vanaf_jaar)))
    laag = {"zorggeschikt": zorggeschikte_woningen, "nultreden": nultredenwoningen}.get(doelgroep)
    if laag is not None and len(laag):
        delen.append(_som_per_gemeente(laag, _opgeleverd_vanaf(laag, vanaf_jaar)))
    if kansen is not None and len(kansen) and {"status", "doelgroep"} <= set(kansen.columns):
        ok = ((kansen["status"] == "gerealiseerd") & (kansen["doelgroep"] == doelgroep)).to_numpy(dtype=bool)
        delen.append(_som_per_gemeente(kansen, ok))
    delen = [d for d in delen if len(d)]
    if not delen:
        return pd.Series(dtype=float, name="aanbod")
    out = pd.concat(delen).groupby(level=0).sum()
    out.name = "aanbod"
    return out.astype(float)


def tekort_per_gemeente(
    *, behoefte: Mapping[str, int | None], aanbod: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    """The fair-share gap per gemeente: need minus realised supply.

    Parameters
    ----------
    behoefte
        Need per gemeentecode; ``None`` means unknown (e.g. Eemnes, or an ambiguous figure).
    aanbod
        Realised supply per gemeentecode (:func:`aanbod_per_gemeente`); absent means 0.

    Returns
    -------
    pandas.DataFrame
        Index ``gemeentecode``; ``behoefte`` (float, NaN = onbekend), ``aanbod``, ``tekort``
        (``behoefte − aanbod``, may be negative; NaN when the need is unknown) and
        ``aandeel_open`` (``tekort / behoefte`` clipped to [0, 1]; 0 when the need is 0).
    """
    codes = list(behoefte)
    a = pd.Series(aanbod if aanbod is not None else {}, dtype=float)
    out = pd.DataFrame(index=pd.Index(codes, name="gemeentecode"))
    out["behoefte"] = [np.nan if behoefte[c] is None else float(behoefte[c]) for c in codes]  # type: ignore[arg-type]
    out["aanbod"] = a.reindex(codes).fillna(0.0).to_numpy()
    out["tekort"] = out["behoefte"] - out["aanbod"]
    b = out["behoefte"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        open_ = np.where(b > 0, np.clip(out["tekort"].to_numpy() / b, 0.0, 1.0), np.where(b == 0, 0.0, np.nan))
    out["aandeel_open"] = open_
    return out


# --------------------------------------------------------------------------- text helpers (vectorised)


def _nl_getal(v: float) -> str:
    return f"{round(v):,}".replace(",", ".")


def _teksten(waarden: np.ndarray, fmt: Any) -> np.ndarray:
    """Format numbers via their unique values only (few distinct values → fast), NaN → ''."""
    x = np.asarray(waarden, dtype=float)
    out = np.full(len(x), "", dtype=object)
    ok = ~np.isnan(x)
    if ok.any():
        uniek, inv = np.unique(x[ok], return_inverse=True)
        out[ok] = np.array([fmt(u) for u in uniek], dtype=object)[inv]
    return out


def _join(delen: Sequence[np.ndarray], sep: str, n: int) -> np.ndarray:
    """Join string arrays element-wise with ``sep``, skipping empty parts (object-array arithmetic)."""
    out = np.full(n, "", dtype=object)
    heeft = np.zeros(n, dtype=bool)
    for d in delen:
        d = np.asarray(d, dtype=object)
        vol = d != ""
        tussen = heeft & vol
        if tussen.all():
            out = out + sep + d
        elif tussen.any():
            out = out + np.where(tussen, sep, "").astype(object) + d
        else:
            out = out + d
        heeft |= vol
    return out


def _afstand_tekst(
    label: str, d: np.ndarray, onbekend: np.ndarray, inpandig: np.ndarray, zoekafstand_m: float | None
) -> np.ndarray:
    n = len(d)
    t = _teksten(np.round(d), lambda v: f"{label} op {_nl_getal(v)} m")
    geen = f"geen {label} binnen {_nl_getal(zoekafstand_m)} m" if zoekafstand_m else f"geen {label} in de buurt"
    t = np.where(np.isnan(d), geen, t)
    t = np.where(inpandig, f"{label} in het gebouw", t)
    t = np.where(onbekend, f"afstand tot {label} onbekend", t)
    return np.asarray(t, dtype=object).reshape(n)


# --------------------------------------------------------------------------- scoring


@dataclass
class _Eval:
    nut: np.ndarray  # float, NaN = unknown
    tekst: np.ndarray  # object (str)
    hard_faalt: np.ndarray | None = None  # bool
    hard_onbekend: np.ndarray | None = None  # bool
    hard_tekst: str = ""
    hint: np.ndarray | None = None  # object (str): extra sentence for a failed hard condition


_JA = frozenset({"ja", "true", "1", "waar", "yes"})


def _als_boolean(s: pd.Series) -> pd.Series:
    """Nullable boolean series; also accepts ``ja``/``nee`` and ``true``/``false`` text."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    uniek = pd.unique(s.dropna())
    vertaling = {v: (v if isinstance(v, bool | np.bool_) else str(v).strip().lower() in _JA) for v in uniek}
    return s.map(vertaling).astype("boolean")


def _bool_kolom(df: pd.DataFrame, naam: str) -> np.ndarray:
    """True where column ``naam`` is true; missing column or value counts as not true."""
    if naam not in df:
        return np.zeros(len(df), dtype=bool)
    return np.asarray(_als_boolean(df[naam]).fillna(False), dtype=bool)


def _num_kolom(df: pd.DataFrame, naam: str) -> np.ndarray:
    if naam not in df:
        return np.full(len(df), np.nan)
    return np.asarray(pd.to_numeric(df[naam], errors="coerce"), dtype=float)


def _afstanden(df: pd.DataFrame, cat: str) -> tuple[np.ndarray, np.ndarray]:
    """Distance column and unknown-mask for a category (an absent column is unknown)."""
    kol = f"afstand_{cat}_m"
    if kol not in df:
        return np.full(len(df), np.nan), np.ones(len(df), dtype=bool)
    return _num_kolom(df, kol), _bool_kolom(df, f"afstand_{cat}_onbekend")


def _eval_afstand(c: Criterium, df: pd.DataFrame, zoekafstand_m: float | None) -> _Eval:
    assert c.categorie is not None
    d, onbekend = _afstanden(df, c.categorie)
    inpandig = _bool_kolom(df, c.categorie) if c.inpandig else np.zeros(len(df), dtype=bool)
    d = np.where(inpandig, 0.0, d)
    onbekend = onbekend & ~inpandig
    nut = nut_afstand(d, norm_m=c.getal("norm_m"), max_m=c.getal("max_m"), curve=c.curve)
    nut = np.where(onbekend, np.nan, nut)
    ev = _Eval(nut=nut, tekst=_afstand_tekst(c.label, d, onbekend, inpandig, zoekafstand_m))
    if c.hard:
        grens = c.getal("hard_max_m")
        # Compared in whole metres, as shown in the explanation (no "op 100 m" that fails "≤ 100 m").
        ok = inpandig | (~np.isnan(d) & (np.round(d) <= grens))
        ev.hard_faalt = ~ok & ~onbekend
        ev.hard_onbekend = onbekend
        ev.hard_tekst = f"{c.label} binnen {_nl_getal(grens)} m" + (" of in het gebouw" if c.inpandig else "")
        if c.inpandig:
            # Plans, kansen and grid cells (building unknown) can still get one in the building.
            kol = df[c.categorie] if c.categorie in df else pd.Series(pd.NA, index=df.index)
            gebouw_onbekend = np.asarray(_als_boolean(kol).isna(), dtype=bool)
            ev.hint = np.where(ev.hard_faalt & gebouw_onbekend, f"Kan met een inpandige {c.label}. ", "").astype(object)
    return ev


def _eval_index(c: Criterium, df: pd.DataFrame, zoekafstand_m: float | None) -> _Eval:
    n = len(df)
    teller = np.zeros(n)
    noemer = np.zeros(n)
    teksten = []
    for cat, f in c.frequenties.items():
        d, onbekend = _afstanden(df, cat)
        u = nut_afstand(d, norm_m=c.getal("norm_m"), max_m=c.getal("max_m"), curve=c.curve)
        teller += np.where(onbekend, 0.0, f * u)
        noemer += np.where(onbekend, 0.0, f)
        teksten.append(
            _afstand_tekst(_CATEGORIE_LABEL.get(cat, cat), d, onbekend, np.zeros(n, dtype=bool), zoekafstand_m)
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        nut = np.where(noemer > 0, teller / noemer, np.nan)
    return _Eval(nut=nut, tekst=_join(teksten, ", ", n))


def _eval_gebied(c: Criterium, df: pd.DataFrame) -> _Eval:
    assert c.kolom is not None
    x = _num_kolom(df, c.kolom)
    nut = nut_lineair(x, ondergrens=c.getal("ondergrens"), bovengrens=c.getal("bovengrens"))
    sjabloon, soort = _GEBIED_TEKST[c.kolom]
    niveau = (
        df["gebied_niveau"].to_numpy(dtype=object) if "gebied_niveau" in df else np.full(len(df), "buurt", dtype=object)
    )
    waar = np.where(niveau == "wijk", " in de wijk", " in de buurt")
    getoond = np.round(x) if soort == "pct" else np.round(x / 10.0) * 10.0  # round first: few unique texts
    t = _teksten(getoond, lambda v: sjabloon.format(f"{v:.0f}" if soort == "pct" else _nl_getal(v)))
    t = np.where(np.isnan(x), f"{c.label} onbekend", t + waar)
    return _Eval(nut=nut, tekst=t.astype(object))


def _eval_tekort(c: Criterium, df: pd.DataFrame, doelgroep: str, tekort: pd.DataFrame | None) -> _Eval:
    n = len(df)
    codes = df["gemeentecode"].to_numpy(dtype=object) if "gemeentecode" in df else np.full(n, None, dtype=object)
    if tekort is None or not len(tekort):
        behoefte = np.full(n, np.nan)
        gap = np.full(n, np.nan)
    else:
        t = tekort.reindex(pd.Index(codes).astype(object))
        behoefte = t["behoefte"].to_numpy(dtype=float)
        gap = t["tekort"].to_numpy(dtype=float)
    if c.maatstaf == "aandeel":
        with np.errstate(invalid="ignore", divide="ignore"):
            nut = np.where(behoefte > 0, np.clip(gap / behoefte, 0.0, 1.0), np.where(behoefte == 0, 0.0, np.nan))
    else:
        nut = np.clip(gap / c.getal("bovengrens"), 0.0, 1.0)
    bn = _DOELGROEP_BN.get(doelgroep, doelgroep)
    tekst = _teksten(
        gap,
        lambda v: (
            f"gemeente heeft nog {_nl_getal(v)} {bn} woningen nodig"
            if v > 0
            else f"gemeente heeft haar behoefte aan {bn} woningen al gerealiseerd"
        ),
    )
    geen_code = pd.isna(pd.Series(codes)).to_numpy()
    tekst = np.where(np.isnan(gap), f"behoefte aan {bn} woningen in de gemeente onbekend", tekst)
    tekst = np.where(geen_code, "gemeente onbekend", tekst)
    return _Eval(nut=nut, tekst=tekst.astype(object))


def _eval_aantal(c: Criterium, df: pd.DataFrame) -> _Eval:
    x = _num_kolom(df, "aantal_woningen")
    minimum = c.getal("minimum")
    nut = np.where(np.isnan(x), np.nan, (x >= minimum).astype(float))
    t = _teksten(x, lambda v: f"{_nl_getal(v)} woningen" + ("" if v >= minimum else f" (minder dan {minimum:g})"))
    t = np.where(np.isnan(x), "aantal woningen onbekend", t)
    ev = _Eval(nut=nut, tekst=t.astype(object))
    if c.hard:
        ev.hard_faalt = ~np.isnan(x) & (x < minimum)
        ev.hard_onbekend = np.isnan(x)
        ev.hard_tekst = f"minstens {minimum:g} woningen"
    return ev


def _evalueer(p: Profiel, df: pd.DataFrame, tekort: pd.DataFrame | None, zoekafstand_m: float | None) -> list[_Eval]:
    out = []
    for c in p.criteria:
        if c.soort == "afstand":
            out.append(_eval_afstand(c, df, zoekafstand_m))
        elif c.soort == "voorzieningenindex":
            out.append(_eval_index(c, df, zoekafstand_m))
        elif c.soort == "gebied":
            out.append(_eval_gebied(c, df))
        elif c.soort == "tekort":
            out.append(_eval_tekort(c, df, p.doelgroep, tekort))
        else:
            out.append(_eval_aantal(c, df))
    return out


def _scores(nut: np.ndarray, gewichten: np.ndarray) -> np.ndarray:
    """Scores (0-100) for one or more weight vectors.

    ``nut``: (n, k) with NaN = unknown; ``gewichten``: (k,) or (m, k). Returns (n,) or (m, n);
    NaN where no criterion with weight > 0 is known. Shared by :func:`scoor` and
    :func:`gevoeligheid` so both rank identically.
    """
    bekend = ~np.isnan(nut)
    u0 = np.where(bekend, nut, 0.0)
    w = np.atleast_2d(gewichten)
    teller = w @ u0.T
    noemer = w @ bekend.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(noemer > 0, 100.0 * teller / noemer, np.nan)
    return s[0] if np.ndim(gewichten) == 1 else s


def _sleutel(scores: np.ndarray, voldoet: np.ndarray) -> np.ndarray:
    """Ranking key (higher is better): fails below passes, unknown score last; rounded against noise."""
    s = np.round(scores, 9)
    s = np.where(np.isnan(s), -1.0e6, s)
    return np.where(voldoet, s, s + _SLECHT)


def _rangen(sleutel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ranks per row of ``sleutel`` (higher key = better = rank 1).

    Returns (min rank "1224"-style, average rank for Spearman, stable order best→worst), each
    of the shape of ``sleutel`` (1-D or 2-D, one ranking per row).
    """
    k = np.atleast_2d(sleutel)
    m, n = k.shape
    orde = np.argsort(-k, axis=1, kind="stable")
    s = np.take_along_axis(k, orde, axis=1)
    idx = np.broadcast_to(np.arange(n), (m, n))
    nieuw = np.ones((m, n), dtype=bool)
    nieuw[:, 1:] = s[:, 1:] != s[:, :-1]
    begin = np.maximum.accumulate(np.where(nieuw, idx, 0), axis=1)
    einde_nieuw = np.ones((m, n), dtype=bool)
    einde_nieuw[:, :-1] = nieuw[:, 1:]
    einde = np.minimum.accumulate(np.where(einde_nieuw, idx, n - 1)[:, ::-1], axis=1)[:, ::-1]
    rmin = np.empty((m, n), dtype=np.int64)
    ravg = np.empty((m, n), dtype=float)
    rows = np.arange(m)[:, None]
    rmin[rows, orde] = begin + 1
    ravg[rows, orde] = (begin + einde) / 2.0 + 1.0
    if sleutel.ndim == 1:
        return rmin[0], ravg[0], orde[0]
    return rmin, ravg, orde


F = TypeVar("F", pd.DataFrame, gpd.GeoDataFrame)


def scoor(
    kandidaten: F,
    *,
    profiel: Profiel | str | Path,
    tekort: pd.DataFrame | None = None,
    normen: Mapping[str, float] | None = None,
    zoekafstand_m: float | None = None,
) -> F:
    """Score candidates with a profile: score 0-100, contribution per criterion, explanation.

    Parameters
    ----------
    kandidaten
        One row per candidate, carrying what the profile's criteria read:

        - ``afstand_<categorie>_m`` (walking distance; NaN = not within the search cutoff)
          and optionally ``afstand_<categorie>_onbekend`` (True = distance unknown, e.g. the
          point could not be snapped to the network, or the category has no data at all); an
          absent distance column means unknown for every candidate;
        - ``ontmoetingsruimte`` (True for a complex with an ontmoetingsruimte in the building);
        - the area statistics of :func:`gebiedskenmerken` plus ``gebied_niveau``;
        - ``gemeentecode`` and ``aantal_woningen``.
    profiel
        A :class:`Profiel`, a shipped profile name or a path to a TOML file.
    tekort
        Fair-share gap per gemeente (:func:`tekort_per_gemeente`); ``None`` = unknown.
    normen
        Region norms for ``"regio:<norm>"`` values (default :data:`STANDAARD_NORMEN`).
    zoekafstand_m
        The search cutoff used for the distances, for the text "geen … binnen X m".

    Returns
    -------
    DataFrame or GeoDataFrame
        A copy of ``kandidaten`` (same index, same CRS) with, per criterion, ``nut_<id>``
        (utility 0-1, NaN = onbekend) and ``bijdrage_<id>`` (score points, NaN = onbekend),
        and ``profiel``, ``score``, ``rang`` (1 = best; equal scores share a rank; failing a
        hard condition ranks after all that pass), ``voldoet``,
        ``harde_voorwaarden_niet_voldaan``, ``harde_voorwaarden_onbekend``, ``onbekend``,
        ``gewicht_bekend`` (% of the weight that was known) and ``uitleg`` (one Dutch line).
    """
    p = laad_profiel(profiel).met_normen(normen)
    n = len(kandidaten)
    evals = _evalueer(p, kandidaten, tekort, zoekafstand_m)
    nut = np.column_stack([e.nut for e in evals]) if n else np.zeros((0, len(evals)))
    w = p.gewichten
    score = _scores(nut, w)
    bekend = ~np.isnan(nut)
    noemer = bekend.astype(float) @ w
    out = kandidaten.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, c in enumerate(p.criteria):
            out[f"nut_{c.id}"] = nut[:, j]
            bijdrage = np.where(bekend[:, j] & (noemer > 0), 100.0 * w[j] * np.nan_to_num(nut[:, j]) / noemer, np.nan)
            out[f"bijdrage_{c.id}"] = bijdrage
    # Hard conditions.
    faalt_delen, onb_delen, hints = [], [], []
    voldoet = np.ones(n, dtype=bool)
    for e in evals:
        if e.hard_faalt is None or e.hard_onbekend is None:
            continue
        voldoet &= ~e.hard_faalt
        faalt_delen.append(np.where(e.hard_faalt, e.hard_tekst, ""))
        onb_delen.append(np.where(e.hard_onbekend, e.hard_tekst, ""))
        if e.hint is not None:
            hints.append(e.hint)
    faalt = _join([d.astype(object) for d in faalt_delen], "; ", n)
    onb_hard = _join([d.astype(object) for d in onb_delen], "; ", n)
    onbekend = _join(
        [
            np.where(np.isnan(e.nut) & (c.gewicht > 0), c.label, "").astype(object)
            for c, e in zip(p.criteria, evals, strict=True)
        ],
        ", ",
        n,
    )
    rmin, _avg, _orde = _rangen(_sleutel(score, voldoet))
    feiten = _join([e.tekst for e in evals], ", ", n)
    hint = _join(hints, "", n)
    uitleg = np.where(faalt != "", "Voldoet niet: " + faalt + ". ", "") + hint + feiten
    out["profiel"] = p.naam
    out["score"] = score
    out["rang"] = rmin
    out["voldoet"] = voldoet
    out["harde_voorwaarden_niet_voldaan"] = faalt
    out["harde_voorwaarden_onbekend"] = onb_hard
    out["onbekend"] = onbekend
    totaal = float(w.sum())
    out["gewicht_bekend"] = 100.0 * noemer / totaal if totaal > 0 else np.nan
    out["uitleg"] = uitleg
    return out


# --------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class Gevoeligheid:
    """Result of :func:`gevoeligheid`.

    Attributes
    ----------
    kandidaten
        On the index of the scored frame: ``rang_basis``, ``rang_min``, ``rang_max``,
        ``rang_marge`` (allowed deviation) and ``robuust``.
    scenarios
        One row per scenario: ``scenario`` (name), ``soort`` (``basis``, ``een_gewicht`` or
        ``willekeurig``), ``spearman``, ``top_overlap`` (share of the base top that stays in
        the top) and ``gewicht_<id>`` per criterion.
    top
        The N of the top-N overlap.
    """

    kandidaten: pd.DataFrame
    scenarios: pd.DataFrame
    top: int

    @property
    def samenvatting(self) -> dict[str, float]:
        """Minimum and median Spearman and top-N overlap over the perturbed scenarios, share robust."""
        s = self.scenarios[self.scenarios["soort"] != "basis"]
        return {
            "spearman_min": float(s["spearman"].min()) if len(s) else float("nan"),
            "spearman_mediaan": float(s["spearman"].median()) if len(s) else float("nan"),
            "top_overlap_min": float(s["top_overlap"].min()) if len(s) else float("nan"),
            "top_overlap_mediaan": float(s["top_overlap"].median()) if len(s) else float("nan"),
            "aandeel_robuust": float(self.kandidaten["robuust"].mean()) if len(self.kandidaten) else float("nan"),
        }


def _spearman(ravg: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Pearson correlation of average ranks (= Spearman's rho with ties), per row."""
    b = basis - basis.mean()
    r = ravg - ravg.mean(axis=1, keepdims=True)
    noemer = np.sqrt((r * r).sum(axis=1) * (b * b).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(noemer > 0, (r @ b) / noemer, np.nan)


def gevoeligheid(
    gescoord: pd.DataFrame,
    *,
    profiel: Profiel | str | Path,
    trekkingen: int = 200,
    variatie: float = 0.2,
    seed: int | None = 0,
    top: int = 10,
    marge_relatief: float = 0.1,
    marge_min: int = 2,
    blok: int = 32,
) -> Gevoeligheid:
    """Sensitivity of the ranking to the weights.

    Scenarios: the base weights; each weight with weight > 0 ×(1 − variatie) and
    ×(1 + variatie) in turn; and ``trekkingen`` draws in which every weight is multiplied by an
    independent uniform factor in [1 − variatie, 1 + variatie]. Hard conditions do not depend on
    the weights, so a failing candidate stays after the passing ones in every scenario.

    Parameters
    ----------
    gescoord
        Output of :func:`scoor` with the same profile (reads ``nut_<id>`` and ``voldoet``).
    profiel
        The profile used for scoring.
    trekkingen
        Number of random draws (default 200).
    variatie
        Relative perturbation (default 0.2 = ±20 %).
    seed
        Seed of the random generator (same seed, same draws).
    top
        N of the top-N overlap (default 10).
    marge_relatief, marge_min
        A candidate is *robuust* when in every scenario its rank stays within
        ``max(marge_min, ceil(marge_relatief · rang_basis))`` places of its base rank.
    blok
        Scenarios evaluated per matrix block (memory: ``blok × n`` floats).

    Returns
    -------
    Gevoeligheid
    """
    p = laad_profiel(profiel)
    if not 0 <= variatie < 1:
        raise ValidationError(f"Variatie moet tussen 0 en 1 liggen, niet {variatie}.")
    if trekkingen < 0:
        raise ValidationError(f"Aantal trekkingen moet ≥ 0 zijn, niet {trekkingen}.")
    ids = p.ids
    ontbreekt = [k for k in [*(f"nut_{i}" for i in ids), "voldoet"] if k not in gescoord]
    if ontbreekt:
        raise ValidationError(
            "De gevoeligheidsanalyse vraagt de uitvoer van 'scoor' met hetzelfde profiel; "
            f"ontbrekende kolommen: {', '.join(ontbreekt)}."
        )
    nut = gescoord[[f"nut_{i}" for i in ids]].to_numpy(dtype=float)
    voldoet = gescoord["voldoet"].to_numpy(dtype=bool)
    n = len(gescoord)
    w0 = p.gewichten
    namen: list[str] = ["basis"]
    soorten: list[str] = ["basis"]
    W = [w0]
    for j, c in enumerate(p.criteria):
        if w0[j] <= 0 or variatie == 0:
            continue
        for f, teken in ((1 - variatie, "-"), (1 + variatie, "+")):
            w = w0.copy()
            w[j] *= f
            W.append(w)
            namen.append(f"{c.id} {teken}{round(variatie * 100)}%")
            soorten.append("een_gewicht")
    rng = np.random.default_rng(seed)
    if trekkingen:
        factoren = rng.uniform(1 - variatie, 1 + variatie, size=(trekkingen, len(w0)))
        W.extend(list(w0 * factoren))
        namen += [f"trekking {i + 1}" for i in range(trekkingen)]
        soorten += ["willekeurig"] * trekkingen
    Wm = np.vstack(W)
    m = len(Wm)
    ntop = min(top, n)
    spearman = np.empty(m)
    overlap = np.empty(m)
    rang_min = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    rang_max = np.zeros(n, dtype=np.int64)
    basis_min = basis_avg = basis_top = None
    for start in range(0, m, max(1, blok)):
        Wb = Wm[start : start + blok]
        s = _scores(nut, Wb)
        rmin, ravg, orde = _rangen(_sleutel(s, voldoet[None, :]))
        if basis_min is None:
            basis_min, basis_avg, basis_top = rmin[0].copy(), ravg[0].copy(), orde[0, :ntop].copy()
        assert basis_avg is not None and basis_top is not None
        np.minimum(rang_min, rmin.min(axis=0), out=rang_min)
        np.maximum(rang_max, rmin.max(axis=0), out=rang_max)
        spearman[start : start + len(Wb)] = _spearman(ravg, basis_avg) if n > 1 else np.nan
        if ntop:
            in_top = np.zeros((len(Wb), n), dtype=bool)
            np.put_along_axis(in_top, orde[:, :ntop], True, axis=1)
            overlap[start : start + len(Wb)] = in_top[:, basis_top].sum(axis=1) / ntop
        else:
            overlap[start : start + len(Wb)] = np.nan
    if n == 0:
        basis_min = np.zeros(0, dtype=np.int64)
        rang_min = rang_max = basis_min
    assert basis_min is not None
    marge = np.maximum(marge_min, np.ceil(marge_relatief * basis_min)).astype(np.int64)
    robuust = (rang_min >= basis_min - marge) & (rang_max <= basis_min + marge)
    kand = pd.DataFrame(
        {
            "rang_basis": basis_min,
            "rang_min": rang_min,
            "rang_max": rang_max,
            "rang_marge": marge,
            "robuust": robuust,
        },
        index=gescoord.index,
    )
    sc = pd.DataFrame({"scenario": namen, "soort": soorten, "spearman": spearman, "top_overlap": overlap})
    for j, i in enumerate(ids):
        sc[f"gewicht_{i}"] = Wm[:, j]
    return Gevoeligheid(kandidaten=kand, scenarios=sc, top=ntop)
