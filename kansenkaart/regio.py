"""Region configuration: gemeenten, need figures (behoefte) and norms, read from TOML.

A region is one TOML file. The package ships ``gooi-en-vechtstreek`` and the demo region
``voorbeeldregio``; another region is just another file (see README, "Region files").
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from kansenkaart.errors import RegionError

__all__ = [
    "DOELGROEPEN",
    "Behoefte",
    "Gemeente",
    "Norm",
    "Regio",
    "beschikbare_regios",
    "laad_regio",
]

DOELGROEPEN: tuple[str, ...] = ("nultreden", "geclusterd", "zorggeschikt")
NORMEN_VEREIST: tuple[str, ...] = (
    "ontmoetingsruimte_max_m",
    "min_woningen_cluster",
    "pantoffelzone_m",
    "loopsnelheid_m_per_min",
)

Status = Literal["bekend", "onbekend", "ambigu"]


@dataclass(frozen=True)
class Behoefte:
    """A need figure for one doelgroep, with its source.

    ``waarde`` is ``None`` when the sources give no usable number; ``status`` then says
    whether it is ``onbekend`` (missing) or ``ambigu`` (given, but contradictory).
    """

    doelgroep: str
    waarde: int | None
    status: Status
    bron: str
    toelichting: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bekend(self) -> bool:
        """True when a usable, unambiguous number is known (status ``bekend``)."""
        return self.waarde is not None and self.status == "bekend"


@dataclass(frozen=True)
class Norm:
    """A norm value with unit and source."""

    naam: str
    waarde: float
    eenheid: str
    bron: str
    toelichting: str = ""


@dataclass(frozen=True)
class Gemeente:
    """A gemeente with its CBS code and need figures."""

    code: str
    naam: str
    behoefte: dict[str, Behoefte]


@dataclass(frozen=True)
class Regio:
    """A region: gemeenten, norms, need figures and the metric CRS used for measuring."""

    id: str
    naam: str
    crs: str
    gemeenten: tuple[Gemeente, ...]
    normen: dict[str, Norm]
    bronnen: dict[str, str]
    regio_behoefte: dict[str, Behoefte]
    behoefte_periode: tuple[int, int]
    bbox: tuple[float, float, float, float] | None = None
    voorbeelddata: bool = False
    pad: Path | None = None

    def gemeente(self, code: str) -> Gemeente:
        """Return the gemeente with CBS code ``code`` (e.g. ``GM0402``)."""
        for g in self.gemeenten:
            if g.code == code:
                return g
        known = ", ".join(g.code for g in self.gemeenten)
        raise RegionError(f"Gemeente '{code}' hoort niet bij regio {self.naam}. Bekend: {known}.")

    @property
    def gemeentecodes(self) -> tuple[str, ...]:
        """The CBS codes of the gemeenten, in file order."""
        return tuple(g.code for g in self.gemeenten)

    def norm(self, naam: str) -> float:
        """Return the value of norm ``naam``."""
        try:
            return self.normen[naam].waarde
        except KeyError as e:
            raise RegionError(f"Norm '{naam}' ontbreekt in regio {self.naam}.") from e

    def bron(self, sleutel: str) -> str:
        """Resolve a source key to its full description (or return the text itself)."""
        return self.bronnen.get(sleutel, sleutel)


def _regios_dir() -> Path:
    return Path(str(resources.files("kansenkaart") / "regios"))


def beschikbare_regios() -> list[str]:
    """Return the ids of the region files shipped with the package."""
    return sorted(p.stem for p in _regios_dir().glob("*.toml"))


def _behoefte(doelgroep: str, raw: dict[str, Any] | None, where: str) -> Behoefte:
    if raw is None:
        return Behoefte(doelgroep, None, "onbekend", "", "Geen bron.")
    waarde = raw.get("waarde")
    status = raw.get("status", "bekend" if waarde is not None else "onbekend")
    if status not in ("bekend", "onbekend", "ambigu"):
        raise RegionError(f"{where}: status '{status}' is ongeldig; kies bekend, onbekend of ambigu.")
    if waarde is not None and (not isinstance(waarde, int) or waarde < 0):
        raise RegionError(f"{where}: waarde moet een geheel getal ≥ 0 zijn, niet {waarde!r}.")
    if status == "bekend" and waarde is None:
        raise RegionError(f"{where}: status 'bekend' vraagt om een waarde.")
    extra = {k: v for k, v in raw.items() if k not in ("waarde", "status", "bron", "toelichting")}
    return Behoefte(
        doelgroep=doelgroep,
        waarde=waarde,
        status=status,
        bron=str(raw.get("bron", "")),
        toelichting=str(raw.get("toelichting", "")),
        extra=extra,
    )


def parse_regio(data: dict[str, Any], *, pad: Path | None = None) -> Regio:
    """Build a :class:`Regio` from parsed TOML data; raise :class:`RegionError` when invalid."""
    where = str(pad) if pad else "regiobestand"
    try:
        rid = str(data["id"])
        naam = str(data["naam"])
        gemeenten_raw = data["gemeenten"]
    except KeyError as e:
        raise RegionError(f"{where}: verplicht veld {e.args[0]!r} ontbreekt.") from e
    normen: dict[str, Norm] = {}
    for key, raw in data.get("normen", {}).items():
        if "waarde" not in raw:
            raise RegionError(f"{where}: norm '{key}' heeft geen waarde.")
        normen[key] = Norm(
            naam=key,
            waarde=float(raw["waarde"]),
            eenheid=str(raw.get("eenheid", "")),
            bron=str(raw.get("bron", "")),
            toelichting=str(raw.get("toelichting", "")),
        )
    missing = [n for n in NORMEN_VEREIST if n not in normen]
    if missing:
        raise RegionError(f"{where}: normen ontbreken: {', '.join(missing)}.")
    gemeenten = []
    seen: set[str] = set()
    for i, g in enumerate(gemeenten_raw):
        code = str(g.get("code", ""))
        if not (code.startswith("GM") and len(code) == 6 and code[2:].isdigit()):
            raise RegionError(f"{where}: gemeente {i + 1} heeft ongeldige CBS-code '{code}' (verwacht GMxxxx).")
        if code in seen:
            raise RegionError(f"{where}: gemeente {code} staat dubbel in het bestand.")
        seen.add(code)
        raw_b = g.get("behoefte", {})
        behoefte = {d: _behoefte(d, raw_b.get(d), f"{where}: {code} behoefte {d}") for d in DOELGROEPEN}
        gemeenten.append(Gemeente(code=code, naam=str(g.get("naam", code)), behoefte=behoefte))
    if not gemeenten:
        raise RegionError(f"{where}: de regio heeft geen gemeenten.")
    periode = data.get("behoefte_periode", [2022, 2030])
    bbox = data.get("bbox")
    rb = data.get("regio_behoefte", {})
    return Regio(
        id=rid,
        naam=naam,
        crs=str(data.get("crs", "EPSG:28992")),
        gemeenten=tuple(gemeenten),
        normen=normen,
        bronnen={str(k): str(v) for k, v in data.get("bronnen", {}).items()},
        regio_behoefte={d: _behoefte(d, rb.get(d), f"{where}: regio behoefte {d}") for d in DOELGROEPEN},
        behoefte_periode=(int(periode[0]), int(periode[1])),
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        voorbeelddata=bool(data.get("voorbeelddata", False)),
        pad=pad,
    )


def laad_regio(regio: str | Path) -> Regio:
    """Load a region by id (a shipped file) or by path to a TOML file.

    Parameters
    ----------
    regio
        A shipped region id such as ``"gooi-en-vechtstreek"``, or a path to a ``.toml`` file.

    Raises
    ------
    RegionError
        When the region is unknown or its file is invalid.
    """
    path = Path(regio)
    if not (path.suffix == ".toml" and path.exists()):
        path = _regios_dir() / f"{regio}.toml"
    if not path.exists():
        raise RegionError(
            f"Onbekende regio '{regio}'. Beschikbaar: {', '.join(beschikbare_regios())}, "
            "of geef het pad naar een eigen regiobestand (.toml)."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RegionError(f"Regiobestand {path.name} is geen geldige TOML: {e}") from e
    return parse_regio(data, pad=path)
