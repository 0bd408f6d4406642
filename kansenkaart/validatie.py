"""Row-level validation of partner data against the layer schemas (pure: no I/O).

Two entry points share the same rules:

- :func:`valideer_rijen` checks a whole file: raw rows as read (strings from CSV, typed
  values from XLSX, GeoJSON or GeoPackage) plus their parsed geometries. It returns the valid
  rows with typed values and a table of rejects, one row per problem (``rij``, ``veld``,
  ``waarde``, ``reden``), with Dutch reasons.
- :func:`valideer_kenmerken` checks one feature written through the API or the web form and
  raises :class:`~kansenkaart.errors.ValidationError` listing every problem at once.

The rules (each one names the offending value and, where it helps, the allowed ones):

1. required field empty; ``bron_id`` is required on import (it makes re-import idempotent);
2. code not in its list (case, spaces and underscores are normalised; the closest allowed
   value is suggested); several codes for ``codes`` fields, separated by commas;
3. number not a number, not a whole number, below the minimum, above the maximum;
4. date not a date; year outside its range; ja/nee not recognised;
5. text too long or containing control characters;
6. location missing or unreadable (reported by the reader), outside the region's ``bbox``,
   or outside all gemeenten of the region (when their polygons are known);
7. gemeentecode not a gemeente of the region; with ``gemeente``: a row of another gemeente,
   or a location in another gemeente; an empty gemeentecode is filled from the location
   (or from ``gemeente``);
8. geometry type not allowed for the layer; invalid geometry (reason from GEOS, in Dutch);
   too many vertices;
9. duplicate key within the file (``bron`` + ``bron_id``, or ``code`` for area layers): all
   but the first occurrence are rejected;
10. probable duplicate of a stored feature: another key, the same name, within
    :data:`DUBBEL_AFSTAND_M` metres (the same key is an update, not a duplicate);
11. for area layers: a CBS code of the wrong form, or a gemeentecode that does not match it.

Distances and locations are evaluated in the region's metric CRS. A location counts as
inside a gemeente when it lies within :data:`GRENSMARGE_M` metres of its polygon, because
the CBS boundaries used for this check are generalised.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from kansenkaart.crs import check_crs
from kansenkaart.errors import ValidationError
from kansenkaart.regio import Regio
from kansenkaart.schemas import Laag, Veld

__all__ = [
    "AFKEUR_KOLOMMEN",
    "DUBBEL_AFSTAND_M",
    "GRENSMARGE_M",
    "Fout",
    "Validatieresultaat",
    "is_gebiedslaag",
    "normaliseer_code",
    "parse_getal",
    "valideer_kenmerken",
    "valideer_rijen",
]

AFKEUR_KOLOMMEN: tuple[str, ...] = ("rij", "veld", "waarde", "reden")
"""Columns of the rejects table."""
DUBBEL_AFSTAND_M = 25.0
"""A row with the same name as a stored feature of the layer within this distance is a probable duplicate."""
GRENSMARGE_M = 50.0
"""Tolerance (m) when testing whether a location lies in a gemeente (CBS boundaries are generalised)."""

_JA = frozenset({"ja", "j", "true", "waar", "1", "yes", "y", "x"})
_NEE = frozenset({"nee", "n", "false", "onwaar", "0", "no"})
_STUURTEKEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GETAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_CBS_CODE = {
    "gemeenten": re.compile(r"GM\d{4}"),
    "wijken": re.compile(r"WK\d{6}"),
    "buurten": re.compile(r"BU\d{8}"),
}
_CBS_VORM = {"gemeenten": "GMxxxx", "wijken": "WKxxxxxx", "buurten": "BUxxxxxxxx"}
_TYPE_NL = {"Point": "punt", "Polygon": "vlak", "MultiPolygon": "vlak"}
_GEOS_REDENEN = {
    "self-intersection": "de rand snijdt zichzelf",
    "ring self-intersection": "een ring raakt of snijdt zichzelf",
    "too few points in geometry component": "een deel van de vorm heeft te weinig punten",
    "hole lies outside shell": "een gat ligt buiten de buitenrand",
    "nested holes": "een gat ligt binnen een ander gat",
    "interior is disconnected": "het binnengebied valt in losse delen uiteen",
    "nested shells": "een vlak ligt binnen een ander vlak van dezelfde multipolygoon",
    "duplicate rings": "een ring komt dubbel voor",
    "invalid coordinate": "een coördinaat is geen getal",
    "ring is not closed": "een ring is niet gesloten (eerste en laatste punt verschillen)",
}
_SYSTEEM_NAMEN = ("id",)


class Fout(NamedTuple):
    """One problem: the field (column) it concerns, the value as given, and a Dutch reason."""

    veld: str
    waarde: str
    reden: str


class _OngeldigError(Exception):
    """A value that cannot be converted; ``args[0]`` is the Dutch reason."""


@dataclass(frozen=True)
class Validatieresultaat:
    """Outcome of :func:`valideer_rijen`.

    Attributes
    ----------
    geldig
        Valid rows, typed, in the region CRS; index ``rij`` (the row number as the user sees
        it). Columns: the schema fields present in the input, plus the key fields, ``bron``
        and ``gemeentecode`` where they are filled in by validation.
    afgekeurd
        One row per problem: ``rij``, ``veld``, ``waarde``, ``reden`` (Dutch).
    """

    geldig: gpd.GeoDataFrame
    afgekeurd: pd.DataFrame

    @property
    def afgekeurde_rijen(self) -> list[int]:
        """Row numbers with at least one problem, ascending."""
        return sorted({int(r) for r in self.afgekeurd["rij"]})


# --------------------------------------------------------------------------- small helpers


def is_gebiedslaag(schema: Laag) -> bool:
    """True for the CBS area layers (gemeenten, wijken, buurten), keyed on ``code``."""
    return tuple(schema.sleutel) == ("code",)


def _leeg(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating) and math.isnan(float(v)):
        return True
    return isinstance(v, str) and not v.strip()


def _toon(v: Any) -> str:
    """The value as shown in a reject (empty for missing values)."""
    if _leeg(v):
        return ""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _fmt(x: float) -> str:
    """Dutch-friendly number: no trailing .0, thousands with a dot."""
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.6g}".replace(",", " ").replace(".", ",").replace(" ", ".")


def parse_getal(waarde: Any) -> float | None:
    """Parse a number as a Dutch or English user writes it.

    Accepts ints and floats, and text such as ``52,23`` (decimal comma), ``52.23``,
    ``1.234,5`` or ``1,234.5`` (the last separator is the decimal one).

    Returns
    -------
    float or None
        ``None`` for an empty value.

    Raises
    ------
    ValidationError
        With a Dutch message when the value is not a (finite) number.
    """
    if _leeg(waarde):
        return None
    if isinstance(waarde, bool | np.bool_):
        raise ValidationError(f"'{waarde}' is geen getal.")
    if isinstance(waarde, int | np.integer):
        return float(waarde)
    if isinstance(waarde, float | np.floating):
        f = float(waarde)
    elif isinstance(waarde, str):
        s = waarde.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("\u2212", "-")
        if "," in s and "." in s:
            s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
        elif s.count(",") == 1:
            s = s.replace(",", ".")
        if not _GETAL.fullmatch(s):
            raise ValidationError(f"'{waarde}' is geen getal.")
        f = float(s)
    else:
        raise ValidationError(f"'{_toon(waarde)}' is geen getal.")
    if not math.isfinite(f):
        raise ValidationError(f"'{_toon(waarde)}' is geen eindig getal.")
    return f


def _sleutel_code(s: str) -> str:
    return re.sub(r"[\s_\-]+", "", s.casefold())


def normaliseer_code(waarde: str, codes: Sequence[str]) -> str | None:
    """Return the allowed code matching ``waarde`` up to case, spaces, hyphens and underscores.

    ``In_Voorbereiding`` matches ``in voorbereiding``, ``OV halte`` matches ``ov_halte``.
    Returns ``None`` when nothing matches.
    """
    k = _sleutel_code(waarde)
    for c in codes:
        if _sleutel_code(c) == k:
            return c
    return None


def _suggestie(waarde: str, codes: Sequence[str]) -> str:
    sleutels = {_sleutel_code(c): c for c in codes}
    best = difflib.get_close_matches(_sleutel_code(waarde), list(sleutels), n=1, cutoff=0.6)
    return f" Bedoelt u '{sleutels[best[0]]}'?" if best else ""


def _naam_sleutel(naam: Any) -> str:
    s = unicodedata.normalize("NFKD", str(naam)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "", s.casefold())


# --------------------------------------------------------------------------- value conversion


def _tekst(veld: Veld, v: Any) -> str | None:
    if _leeg(v):
        return None
    if isinstance(v, bool | np.bool_):
        s = "ja" if v else "nee"
    elif isinstance(v, int | np.integer):
        s = str(int(v))
    elif isinstance(v, float | np.floating):
        s = str(int(v)) if float(v).is_integer() else str(float(v))
    elif isinstance(v, datetime | date):
        s = _toon(v)
    else:
        s = str(v).strip()
    m = _STUURTEKEN.search(s)
    if m:
        raise _OngeldigError(
            f"de tekst bevat een onzichtbaar stuurteken (teken {m.start() + 1}, code {ord(m.group()):#04x}); "
            "verwijder het"
        )
    if len(s) > veld.max_lengte:
        raise _OngeldigError(f"de tekst is te lang: {_fmt(len(s))} tekens, maximaal {_fmt(veld.max_lengte)}")
    return s


def _getal(veld: Veld, v: Any, *, geheel: bool) -> float | int | None:
    try:
        f = parse_getal(v)
    except ValidationError as e:
        hint = " (een geheel getal, bijv. 12)" if geheel else " (bijv. 12,5 of 12.5)"
        raise _OngeldigError(f"{e.message[:-1]}{hint}") from e
    if f is None:
        return None
    if geheel and not f.is_integer():
        raise _OngeldigError(
            f"'{_toon(v)}' is geen geheel getal; gebruik geen decimalen en geen scheidingsteken voor duizendtallen"
        )
    if veld.minimum is not None and f < veld.minimum:
        raise _OngeldigError(f"{_fmt(f)} is kleiner dan het minimum {_fmt(veld.minimum)}")
    if veld.maximum is not None and f > veld.maximum:
        raise _OngeldigError(f"{_fmt(f)} is groter dan het maximum {_fmt(veld.maximum)}")
    return int(f) if geheel else f


def _jaar(veld: Veld, v: Any) -> int | None:
    try:
        f = parse_getal(v)
    except ValidationError as e:
        raise _OngeldigError(f"'{_toon(v)}' is geen jaartal (vier cijfers, bijv. 2027)") from e
    if f is None:
        return None
    if not f.is_integer():
        raise _OngeldigError(f"'{_toon(v)}' is geen jaartal (vier cijfers, bijv. 2027)")
    lo = veld.minimum if veld.minimum is not None else 1000
    hi = veld.maximum if veld.maximum is not None else 2200
    if not lo <= f <= hi:
        raise _OngeldigError(f"jaar {int(f)} ligt buiten het toegestane bereik {int(lo)}–{int(hi)}")
    return int(f)


_DATUM_NL = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_DATUM_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?")


def _datum(v: Any) -> str | None:
    if _leeg(v):
        return None
    if isinstance(v, datetime):  # includes pandas.Timestamp
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    s = str(v).strip()
    m = _DATUM_ISO.fullmatch(s)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    else:
        m = _DATUM_NL.fullmatch(s)
        if m:
            parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if parts is not None:
        try:
            return date(*parts).isoformat()
        except ValueError:
            pass
    raise _OngeldigError(f"'{s}' is geen geldige datum; schrijf JJJJ-MM-DD, bijv. 2025-03-01")


def _datumtijd(v: Any) -> str | None:
    if _leeg(v):
        return None
    if isinstance(v, datetime):
        return v.isoformat()
    s = str(v).strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
    except ValueError as e:
        raise _OngeldigError(f"'{s}' is geen geldig tijdstip; schrijf bijv. 2025-03-01T12:00:00Z") from e


def _ja_nee(v: Any) -> bool | None:
    if _leeg(v):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating) and float(v) in (0.0, 1.0):
        return bool(v)
    s = str(v).strip().casefold()
    if s in _JA:
        return True
    if s in _NEE:
        return False
    raise _OngeldigError(f"'{_toon(v)}' is geen ja of nee; vul ja of nee in")


def _code(veld: Veld, v: Any) -> str | None:
    s = _tekst(veld, v)
    if s is None:
        return None
    codes = veld.codes or ()
    gevonden = normaliseer_code(s, codes)
    if gevonden is None:
        raise _OngeldigError(f"'{s}' staat niet in de lijst.{_suggestie(s, codes)} Toegestaan: {', '.join(codes)}")
    return gevonden


def _codes(veld: Veld, v: Any) -> str | None:
    s = _tekst(veld, v)
    if s is None:
        return None
    codes = veld.codes or ()
    gekozen: set[str] = set()
    fout: list[str] = []
    for deel in re.split(r"[,;|]", s):
        if not deel.strip():
            continue
        gevonden = normaliseer_code(deel, codes)
        if gevonden is None:
            fout.append(f"'{deel.strip()}' staat niet in de lijst.{_suggestie(deel, codes)}")
        else:
            gekozen.add(gevonden)
    if fout:
        raise _OngeldigError(" ".join(fout) + f" Toegestaan (gescheiden door komma's): {', '.join(codes)}")
    if not gekozen:
        return None
    return ",".join(c for c in codes if c in gekozen)


def _gemeentecode(v: Any, regio: Regio) -> str | None:
    if _leeg(v):
        return None
    s = _toon(v).strip()
    kandidaat = s.upper().replace(" ", "")
    if re.fullmatch(r"\d{1,4}", kandidaat):
        kandidaat = "GM" + kandidaat.zfill(4)
    if not re.fullmatch(r"GM\d{4}", kandidaat):
        for g in regio.gemeenten:
            if _naam_sleutel(g.naam) == _naam_sleutel(s):
                return g.code
        raise _OngeldigError(
            f"'{s}' is geen CBS-gemeentecode (GM gevolgd door vier cijfers). Gemeenten van de regio: "
            + ", ".join(f"{g.code} {g.naam}" for g in regio.gemeenten)
        )
    if kandidaat not in regio.gemeentecodes:
        raise _OngeldigError(
            f"gemeente {kandidaat} hoort niet bij regio {regio.naam}. Toegestaan: "
            + ", ".join(f"{g.code} {g.naam}" for g in regio.gemeenten)
        )
    return kandidaat


def _converteer(veld: Veld, v: Any, regio: Regio) -> Any:
    if veld.naam == "gemeentecode":
        return _gemeentecode(v, regio)
    t = veld.type
    if t == "geheel":
        return _getal(veld, v, geheel=True)
    if t == "getal":
        return _getal(veld, v, geheel=False)
    if t == "jaar":
        return _jaar(veld, v)
    if t == "datum":
        return _datum(v)
    if t == "datumtijd":
        return _datumtijd(v)
    if t == "ja_nee":
        return _ja_nee(v)
    if t == "code":
        return _code(veld, v)
    if t == "codes":
        return _codes(veld, v)
    return _tekst(veld, v)


def _verplicht_reden(veld: Veld, *, bron_id_verplicht: bool) -> str | None:
    if veld.naam == "bron_id" and bron_id_verplicht:
        return (
            "bron_id is verplicht bij importeren: het is uw eigen kenmerk van dit object. Daarmee herkent "
            "een "
            "volgende import hetzelfde object, zodat opnieuw importeren niets dubbel opslaat"
        )
    if veld.verplicht:
        return "verplicht veld is leeg"
    return None


def _waarden(
    schema: Laag,
    raw: Mapping[str, Any],
    velden: Iterable[Veld],
    *,
    regio: Regio,
    bron_id_verplicht: bool,
    verplicht_controleren: bool = True,
) -> tuple[dict[str, Any], list[Fout]]:
    """Convert and check the attribute values of one row; return typed values and problems."""
    typed: dict[str, Any] = {}
    fouten: list[Fout] = []
    gebied = is_gebiedslaag(schema)
    for veld in velden:
        v = raw.get(veld.naam)
        try:
            w = _converteer(veld, v, regio)
        except _OngeldigError as e:
            fouten.append(Fout(veld.naam, _toon(v), str(e.args[0])))
            continue
        if w is None and verplicht_controleren:
            reden = _verplicht_reden(veld, bron_id_verplicht=bron_id_verplicht)
            if reden is not None:
                fouten.append(Fout(veld.naam, "", reden))
                continue
        typed[veld.naam] = w
    if gebied:
        fouten.extend(_gebiedscodes(schema, typed))
    return typed, fouten


def _gebiedscodes(schema: Laag, typed: Mapping[str, Any]) -> list[Fout]:
    """CBS code of the right form for the level, and matching gemeentecode / wijkcode."""
    fouten: list[Fout] = []
    code = typed.get("code")
    patroon = _CBS_CODE.get(schema.naam)
    if code is None or patroon is None:
        return fouten
    if not patroon.fullmatch(str(code)):
        fouten.append(
            Fout(
                "code",
                str(code),
                f"'{code}' is geen CBS-code van de vorm {_CBS_VORM[schema.naam]} voor laag '{schema.naam}'",
            )
        )
        return fouten
    gm = typed.get("gemeentecode")
    if schema.naam != "gemeenten" and gm is not None and gm != "GM" + str(code)[2:6]:
        fouten.append(Fout("gemeentecode", str(gm), f"gemeentecode {gm} past niet bij CBS-code {code}"))
    wk = typed.get("wijkcode")
    if schema.naam == "buurten" and wk is not None and wk != "WK" + str(code)[2:8]:
        fouten.append(Fout("wijkcode", str(wk), f"wijkcode {wk} past niet bij buurtcode {code}"))
    return fouten


# --------------------------------------------------------------------------- geometry


def _ongeldig_reden(reden: str) -> str:
    m = re.match(r"^(.*?)\s*\[(.*)\]\s*$", reden)
    soort, waar = (m.group(1), m.group(2)) if m else (reden, "")
    tekst = _GEOS_REDENEN.get(soort.strip().casefold(), soort.strip())
    plek = ""
    if waar:
        try:
            xy = [float(p) for p in waar.split()[:2]]
            plek = f" bij ({_fmt(round(xy[0], 1))}; {_fmt(round(xy[1], 1))})"
        except ValueError:
            plek = f" bij {waar}"
    return (
        f"ongeldige geometrie: {tekst}{plek}. Herstel de vorm, bijvoorbeeld in QGIS met "
        "'Geometrieën repareren' (Fix geometries)"
    )


def _xy(p: BaseGeometry) -> str:
    """A location as shown in a reject, e.g. ``(140123, 470456)``."""
    return f"({p.x:.0f}, {p.y:.0f})"


def _toon_locatie(i: int, p: BaseGeometry, bron_geoms: np.ndarray | None, bron_crs: CRS | None) -> str:
    """The location as the user gave it: the original point when there is one, else ``p``."""
    if bron_geoms is not None and bron_crs is not None:
        g = bron_geoms[i]
        if g is not None and g.geom_type == "Point":
            return f"({g.x:.6g}, {g.y:.6g})" if bron_crs.is_geographic else _xy(g)
    return _xy(p)


def _toegestaan_tekst(schema: Laag) -> str:
    soorten = sorted({_TYPE_NL.get(t, t) for t in schema.geometrie})
    return " of ".join(soorten)


def _locatiepunten(geoms: np.ndarray) -> np.ndarray:
    """A point per geometry: the point itself, or a point guaranteed inside a polygon."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = None
        elif g.geom_type == "Point":
            out[i] = g
        else:
            try:
                out[i] = g.representative_point()
            except shapely.errors.GEOSException:
                out[i] = g.centroid
    return out


@dataclass
class _Gemeentezoeker:
    """Finds the gemeente of locations (region CRS), with :data:`GRENSMARGE_M` tolerance."""

    codes: np.ndarray
    tree: shapely.STRtree
    geoms: np.ndarray

    @classmethod
    def maak(cls, gemeenten: gpd.GeoDataFrame | None, crs: CRS) -> _Gemeentezoeker | None:
        if gemeenten is None or len(gemeenten) == 0 or "code" not in gemeenten.columns:
            return None
        check_crs(gemeenten, name="gemeenten")
        g = gemeenten if CRS.from_user_input(gemeenten.crs) == crs else gemeenten.to_crs(crs)
        g = g[g.geometry.notna() & ~g.geometry.is_empty]
        if len(g) == 0:
            return None
        geoms = np.asarray(g.geometry.values, dtype=object)
        return cls(codes=np.asarray(g["code"].astype(str)), tree=shapely.STRtree(geoms), geoms=geoms)

    def zoek(self, punten: np.ndarray) -> list[str | None]:
        """Gemeentecode per point (None when outside all gemeenten, beyond the margin)."""
        out: list[str | None] = [None] * len(punten)
        idx = [i for i, p in enumerate(punten) if p is not None]
        if not idx:
            return out
        pts = np.asarray([punten[i] for i in idx], dtype=object)
        src, tgt = self.tree.query(pts, predicate="intersects")
        for s, t in zip(src, tgt, strict=True):
            if out[idx[s]] is None:
                out[idx[s]] = str(self.codes[t])
        rest = [k for k, i in enumerate(idx) if out[i] is None]
        if rest:
            src2, tgt2 = self.tree.query_nearest(pts[rest], max_distance=GRENSMARGE_M, all_matches=False)
            for s, t in zip(src2, tgt2, strict=True):
                out[idx[rest[s]]] = str(self.codes[t])
        return out

    def ligt_in(self, punt: BaseGeometry, code: str) -> bool:
        """True when ``punt`` lies in gemeente ``code`` (within the margin)."""
        return any(
            c == code and bool(shapely.dwithin(g, punt, GRENSMARGE_M))
            for c, g in zip(self.codes, self.geoms, strict=True)
        )


def _geometriefouten(
    geoms: np.ndarray,
    schema: Laag,
    *,
    regio: Regio,
    crs: CRS,
    max_vertices: int | None,
    bron_crs: CRS | None,
    bron_geoms: np.ndarray | None,
    zoeker: _Gemeentezoeker | None,
) -> tuple[list[list[Fout]], np.ndarray]:
    """Check geometries (already in the region CRS); return problems per row and location points."""
    n = len(geoms)
    fouten: list[list[Fout]] = [[] for _ in range(n)]
    bruikbaar = np.ones(n, dtype=bool)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            bruikbaar[i] = False
            continue
        if g.geom_type not in schema.geometrie:
            fouten[i].append(
                Fout(
                    "geometrie",
                    g.geom_type,
                    f"geometrietype {g.geom_type} is niet toegestaan in laag '{schema.naam}'; toegestaan: "
                    f"{_toegestaan_tekst(schema)}",
                )
            )
            bruikbaar[i] = False
            continue
        if max_vertices is not None:
            nv = int(shapely.get_num_coordinates(g))
            if nv > max_vertices:
                fouten[i].append(
                    Fout(
                        "geometrie",
                        f"{_fmt(nv)} hoekpunten",
                        f"de vorm heeft te veel hoekpunten: {_fmt(nv)}, maximaal {_fmt(max_vertices)}; "
                        "vereenvoudig "
                        "de vorm (bijv. in QGIS met 'Vereenvoudigen')",
                    )
                )
                bruikbaar[i] = False
                continue
        if not g.is_valid:
            fouten[i].append(Fout("geometrie", g.geom_type, _ongeldig_reden(shapely.is_valid_reason(g))))
            bruikbaar[i] = False
    punten = _locatiepunten(
        np.asarray([g if ok else None for g, ok in zip(geoms, bruikbaar, strict=True)], dtype=object)
    )
    if regio.bbox is not None:
        box = shapely.box(*regio.bbox)
        for i, p in enumerate(punten):
            if p is None or box.covers(p):
                continue
            fouten[i].append(
                Fout(
                    "locatie",
                    _toon_locatie(i, p, bron_geoms, bron_crs),
                    f"de locatie ligt buiten regio {regio.naam}" + _verwisseld_hint(i, bron_geoms, bron_crs, crs, box),
                )
            )
            punten[i] = None
    if zoeker is not None and not is_gebiedslaag(schema):
        gevonden = zoeker.zoek(punten)
        for i, p in enumerate(punten):
            if p is not None and gevonden[i] is None:
                fouten[i].append(
                    Fout(
                        "locatie",
                        _toon_locatie(i, p, bron_geoms, bron_crs),
                        f"de locatie ligt buiten de gemeenten van regio {regio.naam}",
                    )
                )
                punten[i] = None
    return fouten, punten


def _verwisseld_hint(i: int, bron_geoms: np.ndarray | None, bron_crs: CRS | None, crs: CRS, box: BaseGeometry) -> str:
    """' Zijn ... verwisseld?' when swapping x and y of a point puts it inside the region."""
    if bron_geoms is None or bron_crs is None:
        return ""
    g = bron_geoms[i]
    if g is None or g.geom_type != "Point":
        return ""
    gewisseld = gpd.GeoSeries([shapely.Point(g.y, g.x)], crs=bron_crs)
    try:
        p = gewisseld.to_crs(crs).iloc[0]
    except Exception:  # pyproj raises several types for impossible coordinates
        return ""
    if p is not None and not p.is_empty and math.isfinite(p.x) and box.covers(p):
        namen = "lon en lat" if bron_crs.is_geographic else "x en y"
        return f". Zijn {namen} verwisseld?"
    return ""


def _in_regio_crs(geometrie: gpd.GeoSeries, crs: CRS) -> tuple[np.ndarray, np.ndarray, CRS]:
    bron_crs = check_crs(geometrie, name="locaties")
    bron = np.asarray(geometrie.values, dtype=object)
    if bron_crs == crs:
        return bron, bron, bron_crs
    return np.asarray(geometrie.to_crs(crs).values, dtype=object), bron, bron_crs


# --------------------------------------------------------------------------- duplicates


def _sleutelwaarden(schema: Laag, typed: Mapping[str, Any]) -> tuple[str, ...] | None:
    vals = [typed.get(k) for k in schema.sleutel]
    if any(v is None for v in vals):
        return None
    return tuple(str(v) for v in vals)


def _sleutel_tekst(schema: Laag, sleutel: tuple[str, ...]) -> str:
    return ", ".join(f"{k} '{v}'" for k, v in zip(schema.sleutel, sleutel, strict=True))


@dataclass
class _Bestaand:
    """Stored features of the layer, for the duplicate check (region CRS)."""

    tree: shapely.STRtree
    geoms: np.ndarray
    namen: list[str]
    sleutels: list[tuple[str, ...] | None]
    labels: list[str]

    @classmethod
    def maak(cls, schema: Laag, bestaand: gpd.GeoDataFrame | None, crs: CRS) -> _Bestaand | None:
        if bestaand is None or len(bestaand) == 0 or "naam" not in bestaand.columns or is_gebiedslaag(schema):
            return None
        check_crs(bestaand, name=schema.naam)
        b = bestaand if CRS.from_user_input(bestaand.crs) == crs else bestaand.to_crs(crs)
        b = b[b.geometry.notna() & ~b.geometry.is_empty & b["naam"].notna()]
        if len(b) == 0:
            return None
        geoms = np.asarray(b.geometry.values, dtype=object)
        records = b.drop(columns=b.geometry.name).to_dict("records")
        sleutels = [
            _sleutelwaarden(schema, {k: (None if _leeg(r.get(k)) else r.get(k)) for k in schema.sleutel})
            for r in records
        ]
        labels = []
        for r in records:
            delen = [f"'{r['naam']}'"]
            if not _leeg(r.get("bron_id")):
                delen.append(f"bron {r.get('bron')}, bron_id {r.get('bron_id')}")
            elif not _leeg(r.get("id")):
                delen.append(f"id {r.get('id')}")
            labels.append(f"{delen[0]} ({delen[1]})" if len(delen) > 1 else delen[0])
        return cls(
            tree=shapely.STRtree(geoms),
            geoms=geoms,
            namen=[_naam_sleutel(n) for n in b["naam"]],
            sleutels=sleutels,
            labels=labels,
        )

    def dubbel_van(self, geom: BaseGeometry, naam: str, sleutel: tuple[str, ...] | None) -> tuple[str, float] | None:
        k = _naam_sleutel(naam)
        if not k:
            return None
        kandidaten = self.tree.query(geom, predicate="dwithin", distance=DUBBEL_AFSTAND_M)
        beste: tuple[str, float] | None = None
        for t in sorted(int(x) for x in kandidaten):
            if self.namen[t] != k or (sleutel is not None and self.sleutels[t] == sleutel):
                continue
            d = float(shapely.distance(geom, self.geoms[t]))
            if beste is None or d < beste[1]:
                beste = (self.labels[t], d)
        return beste


# --------------------------------------------------------------------------- whole files


def valideer_rijen(
    rijen: pd.DataFrame,
    geometrie: gpd.GeoSeries,
    *,
    schema: Laag,
    regio: Regio,
    rijnummers: Sequence[int] | None = None,
    leesfouten: Sequence[Sequence[Fout]] | None = None,
    gemeenten: gpd.GeoDataFrame | None = None,
    bestaand: gpd.GeoDataFrame | None = None,
    gemeente: str | None = None,
    bron: str | None = None,
    bron_id_verplicht: bool = True,
    max_vertices: int | None = 10_000,
    voortgang: Callable[[int], None] | None = None,
) -> Validatieresultaat:
    """Validate the rows of a partner file; return typed valid rows and the rejects.

    Parameters
    ----------
    rijen
        One row per feature with the raw values as read; columns are schema field names
        (other columns are ignored; an absent column counts as empty).
    geometrie
        The parsed geometry of each row (same length and order as ``rijen``), with its CRS;
        ``None`` where the row has no readable location.
    schema
        The target layer.
    regio
        The workspace region: its ``bbox`` (region CRS), gemeenten and metric CRS.
    rijnummers
        The row number of each row as the user sees it (header = row 1). Default 2, 3, …
    leesfouten
        Per row, the problems the file reader found (e.g. unreadable coordinates); they are
        reported as they are, and replace the generic "location missing" reason.
    gemeenten
        Stored gemeenten polygons (column ``code``); enables the "outside all gemeenten" and
        "location in another gemeente" checks and filling an empty ``gemeentecode``.
    bestaand
        The stored features of the layer (columns ``naam`` and the key fields), for the
        probable-duplicate check.
    gemeente
        Import for one gemeente only (``GMxxxx``): rows of other gemeenten are rejected and an
        empty gemeentecode is set to it.
    bron
        Value for an empty ``bron`` (e.g. the file name without extension).
    bron_id_verplicht
        Require ``bron_id`` (imports: it is the key that makes re-import idempotent).
    max_vertices
        Maximum vertices per geometry (``None``: no limit).
    voortgang
        Called with the number of rows done, now and then (for a progress bar).

    Returns
    -------
    Validatieresultaat
        Valid rows (typed, region CRS, index = row number) and one reject per problem.

    Raises
    ------
    ValidationError
        When ``gemeente`` is not a gemeente of the region, the layer is derived, or the
        lengths of ``rijen`` and ``geometrie`` differ.
    CRSError
        When ``geometrie`` has no CRS.
    """
    if schema.afgeleid:
        raise ValidationError(f"Laag '{schema.naam}' wordt berekend en kan niet geïmporteerd worden.")
    n = len(rijen)
    if len(geometrie) != n:
        raise ValidationError("Het aantal locaties past niet bij het aantal rijen.")
    nummers = list(rijnummers) if rijnummers is not None else list(range(2, n + 2))
    if len(nummers) != n:
        raise ValidationError("Het aantal rijnummers past niet bij het aantal rijen.")
    gem = _check_gemeente_optie(gemeente, regio)
    crs = CRS.from_user_input(regio.crs)
    gebied = is_gebiedslaag(schema)
    zoeker = _Gemeentezoeker.maak(gemeenten, crs)
    geoms, bron_geoms, bron_crs = _in_regio_crs(geometrie, crs)
    velden = [v for v in schema.invoervelden if v.naam not in _SYSTEEM_NAMEN]
    aanwezig = {str(c) for c in rijen.columns}
    records: list[dict[Hashable, Any]] = rijen.to_dict("records")

    typed_rijen: list[dict[str, Any]] = []
    fouten: list[list[Fout]] = []
    stap = max(1, n // 100)
    for i, raw in enumerate(records):
        raw_s = {str(k): v for k, v in raw.items()}
        if bron is not None and "bron" in schema.veldnamen and _leeg(raw_s.get("bron")):
            raw_s["bron"] = bron
        typed, f = _waarden(
            schema,
            raw_s,
            velden,
            regio=regio,
            bron_id_verplicht=bron_id_verplicht and not gebied and "bron_id" in schema.veldnamen,
        )
        typed_rijen.append(typed)
        fouten.append(f)
        if voortgang is not None and (i + 1) % stap == 0:
            voortgang(i + 1)

    geo_fouten, punten = _geometriefouten(
        geoms,
        schema,
        regio=regio,
        crs=crs,
        max_vertices=max_vertices,
        bron_crs=bron_crs,
        bron_geoms=bron_geoms,
        zoeker=zoeker,
    )
    for i in range(n):
        gelezen = list(leesfouten[i]) if leesfouten is not None else []
        if (geoms[i] is None or geoms[i].is_empty) and not gelezen:
            gelezen.append(Fout("locatie", "", "de locatie ontbreekt; vul lon en lat, rd_x en rd_y, of wkt in"))
        fouten[i][:0] = gelezen
        fouten[i].extend(geo_fouten[i])

    heeft_gemeentecode = "gemeentecode" in schema.veldnamen
    if heeft_gemeentecode and not gebied:
        gevonden = zoeker.zoek(punten) if zoeker is not None else [None] * n
        for i in range(n):
            _gemeente_regels(typed_rijen[i], fouten[i], punten[i], gevonden[i], gem, zoeker, regio)

    _dubbel_in_bestand(schema, typed_rijen, fouten, nummers)
    best = _Bestaand.maak(schema, bestaand, crs)
    if best is not None:
        for i in range(n):
            if fouten[i] or not typed_rijen[i].get("naam"):
                continue
            d = best.dubbel_van(geoms[i], typed_rijen[i]["naam"], _sleutelwaarden(schema, typed_rijen[i]))
            if d is not None:
                fouten[i].append(
                    Fout(
                        "naam",
                        str(typed_rijen[i]["naam"]),
                        f"lijkt een dubbel van {d[0]}: zelfde naam op {_fmt(round(d[1]))} m. Is het hetzelfde "
                        "object, gebruik dan dezelfde bron en bron_id; is het een ander object, geef het dan "
                        "een andere naam",
                    )
                )
    if voortgang is not None:
        voortgang(n)

    kolommen = [
        v.naam
        for v in velden
        if v.naam in aanwezig
        or v.naam in schema.sleutel
        or (v.naam == "bron" and bron is not None)
        or (v.naam == "gemeentecode" and not gebied and (zoeker is not None or gem is not None))
    ]
    goed = [i for i in range(n) if not fouten[i]]
    afgekeurd = pd.DataFrame(
        [(nummers[i], f.veld, f.waarde, f.reden) for i in range(n) for f in fouten[i]],
        columns=list(AFKEUR_KOLOMMEN),
    )
    afgekeurd["rij"] = afgekeurd["rij"].astype("int64")
    return Validatieresultaat(
        geldig=_frame(
            schema,
            kolommen,
            [typed_rijen[i] for i in goed],
            [geoms[i] for i in goed],
            [nummers[i] for i in goed],
            crs,
        ),
        afgekeurd=afgekeurd,
    )


def _check_gemeente_optie(gemeente: str | None, regio: Regio) -> str | None:
    if gemeente is None:
        return None
    try:
        return _gemeentecode(gemeente, regio)
    except _OngeldigError as e:
        raise ValidationError(f"--gemeente: {e.args[0]}.", details={"veld": "gemeente", "waarde": gemeente}) from e


def _gemeente_regels(
    typed: dict[str, Any],
    fouten: list[Fout],
    punt: BaseGeometry | None,
    gevonden: str | None,
    gemeente: str | None,
    zoeker: _Gemeentezoeker | None,
    regio: Regio,
) -> None:
    """Fill an empty gemeentecode and check it against ``gemeente`` and the location."""
    if any(f.veld == "gemeentecode" for f in fouten):
        return
    code = typed.get("gemeentecode")
    if gemeente is not None:
        if code is not None and code != gemeente:
            fouten.append(
                Fout(
                    "gemeentecode",
                    code,
                    f"deze rij hoort bij {_gemeente_naam(code, regio)}, maar u importeert voor "
                    f"{_gemeente_naam(gemeente, regio)} (--gemeente)",
                )
            )
            return
        if zoeker is not None and punt is not None and not zoeker.ligt_in(punt, gemeente):
            fouten.append(
                Fout(
                    "locatie",
                    _xy(punt),
                    f"de locatie ligt in {_gemeente_naam(gevonden, regio)}, "
                    f"niet in {_gemeente_naam(gemeente, regio)} (--gemeente)",
                )
            )
            return
        typed["gemeentecode"] = gemeente
        return
    if code is None:
        if gevonden is not None:
            typed["gemeentecode"] = gevonden
        return
    fout = _tegenstrijdige_gemeente(code, punt, gevonden, zoeker, regio)
    if fout is not None:
        fouten.append(Fout("gemeentecode", code, fout))


def _tegenstrijdige_gemeente(
    code: str, punt: BaseGeometry | None, gevonden: str | None, zoeker: _Gemeentezoeker | None, regio: Regio
) -> str | None:
    """Why an explicit ``code`` contradicts the location (``None`` when it does not).

    Only a location that lies in *another* stored gemeente contradicts the code; a location
    outside every stored gemeente, or within the border margin of ``code``, does not.
    """
    if zoeker is None or punt is None or gevonden is None or gevonden == code or zoeker.ligt_in(punt, code):
        return None
    return (
        f"de locatie ligt in {_gemeente_naam(gevonden, regio)}, niet in {_gemeente_naam(code, regio)}; "
        "laat gemeentecode leeg om hem uit de locatie te laten invullen"
    )


def _gemeente_naam(code: str | None, regio: Regio) -> str:
    if code is None:
        return "een andere gemeente"
    for g in regio.gemeenten:
        if g.code == code:
            return f"{code} {g.naam}"
    return code


def _dubbel_in_bestand(
    schema: Laag, typed_rijen: list[dict[str, Any]], fouten: list[list[Fout]], nummers: Sequence[int]
) -> None:
    eerste: dict[tuple[str, ...], int] = {}
    for i, typed in enumerate(typed_rijen):
        sleutel = _sleutelwaarden(schema, typed)
        if sleutel is None:
            continue
        if sleutel in eerste:
            veld = schema.sleutel[-1]
            fouten[i].append(
                Fout(
                    veld,
                    sleutel[-1],
                    f"dubbel in het bestand: {_sleutel_tekst(schema, sleutel)} staat ook in rij "
                    f"{nummers[eerste[sleutel]]}; "
                    "alleen de eerste wordt gebruikt",
                )
            )
        else:
            eerste[sleutel] = i


_DTYPES = {"geheel": "Int64", "jaar": "Int64", "getal": "float64", "ja_nee": "boolean"}


def _frame(
    schema: Laag,
    kolommen: list[str],
    rijen: list[dict[str, Any]],
    geoms: list[BaseGeometry | None],
    nummers: list[int],
    crs: CRS,
) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {}
    for k in kolommen:
        veld = schema.veld(k)
        waarden = [r.get(k) for r in rijen]
        dtype = _DTYPES.get(veld.type)
        if dtype == "float64":
            data[k] = pd.array([np.nan if w is None else float(w) for w in waarden], dtype="float64")
        elif dtype is not None:
            data[k] = pd.Series(waarden, dtype=dtype).array
        else:
            data[k] = pd.array(waarden, dtype=object)
    index = pd.Index(nummers, name="rij", dtype="int64")
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, index=index, crs=crs), index=index, crs=crs)


# --------------------------------------------------------------------------- single features (API)


def valideer_kenmerken(
    schema: Laag,
    properties: Mapping[str, Any],
    geometry: BaseGeometry | None,
    *,
    regio: Regio,
    gemeenten: gpd.GeoDataFrame | None = None,
    gedeeltelijk: bool = False,
    max_vertices: int | None = 10_000,
) -> tuple[dict[str, Any], BaseGeometry | None]:
    """Validate one feature for a create (POST/PUT) or a partial update (PATCH).

    The same rules as :func:`valideer_rijen` apply, except the file-level ones (duplicates
    within a file or against stored data) and ``bron_id``, which is not required here.

    Parameters
    ----------
    schema
        The target layer.
    properties
        Field name → value (strings or typed values). System fields (``id``, ``versie``,
        audit fields) are ignored; unknown fields are an error.
    geometry
        The geometry **in the region CRS** (``regio.crs``); the caller projects it first
        (e.g. from CRS84). ``None``: no geometry given (an error unless ``gedeeltelijk``).
    regio
        The workspace region.
    gemeenten
        Stored gemeenten polygons (column ``code``): enables the gemeente checks and fills
        an empty or absent ``gemeentecode`` from the location.
    gedeeltelijk
        PATCH semantics: only the given fields are checked and returned; a required field
        may be absent but not emptied.
    max_vertices
        Maximum vertices of the geometry (``None``: no limit).

    Returns
    -------
    tuple of (dict, geometry or None)
        Typed values (ints, floats, ISO date strings, bools, normalised codes) of the given
        fields (all input fields for a create), plus the filled ``gemeentecode``; and the
        geometry as given.

    Raises
    ------
    ValidationError
        With ``details = {"velden": {veld: reden, ...}}`` listing every problem.
    """
    if schema.afgeleid:
        raise ValidationError(f"Laag '{schema.naam}' wordt berekend en kan niet met de hand worden bewerkt.")
    systeem = {v.naam for v in schema.velden if v.systeem}
    problemen: dict[str, str] = {}
    for k in properties:
        if k not in schema.veldnamen:
            invoer = ", ".join(v.naam for v in schema.invoervelden)
            problemen[str(k)] = f"onbekend veld voor laag '{schema.naam}'; velden: {invoer}"
    velden = [v for v in schema.invoervelden if v.naam not in systeem and (not gedeeltelijk or v.naam in properties)]
    typed, fouten = _waarden(schema, properties, velden, regio=regio, bron_id_verplicht=False)
    for f in fouten:
        problemen.setdefault(f.veld, f.reden)
    crs = CRS.from_user_input(regio.crs)
    zoeker = _Gemeentezoeker.maak(gemeenten, crs)
    if geometry is None or geometry.is_empty:
        if not gedeeltelijk:
            problemen.setdefault("geometrie", "de locatie ontbreekt")
    else:
        geo, punten = _geometriefouten(
            np.asarray([geometry], dtype=object),
            schema,
            regio=regio,
            crs=crs,
            max_vertices=max_vertices,
            bron_crs=None,
            bron_geoms=None,
            zoeker=zoeker,
        )
        for f in geo[0]:
            problemen.setdefault("geometrie", f.reden)
        if (
            "gemeentecode" in schema.veldnamen
            and not is_gebiedslaag(schema)
            and "gemeentecode" not in problemen
            and zoeker is not None
            and punten[0] is not None
        ):
            # The rules of an import row: fill an empty code from the location, refuse one that contradicts it.
            gemeentefouten: list[Fout] = []
            _gemeente_regels(typed, gemeentefouten, punten[0], zoeker.zoek(punten)[0], None, zoeker, regio)
            for f in gemeentefouten:
                problemen.setdefault(f.veld, f.reden)
    if problemen:
        samenvatting = "; ".join(f"{k}: {v}" for k, v in problemen.items())
        raise ValidationError(
            f"Ongeldige invoer voor laag '{schema.naam}': {samenvatting}.", details={"velden": problemen}
        )
    return typed, geometry
