"""Voorzieningen from OpenStreetMap: tag mapping, representative points, merge with partner data.

Pure analysis code: every function takes GeoDataFrames (or tag dicts) and returns new ones. The
OSM reading itself lives in :mod:`kansenkaart.io.osm`; both its file route and its Overpass route
hand the same kind of *features* frame (the osmnx ``features_from_*`` layout) to
:func:`voorzieningen_uit_osm`, so the tag mapping is applied in exactly one place.

The mapping of OSM tags to categories is configurable: it is read from a TOML file, by default
the package's ``osm_tags.toml`` (see that file for the format and the README for a table).

Rules
-----
- An OSM object gets every category one of whose rules it matches (and no exclusion rule).
  Values separated by ``;`` count separately; repeated values count once.
- Areas and lines become a *representative point*: a point guaranteed to lie on the geometry
  (``shapely.point_on_surface``), not the centroid, which may fall outside an L-shaped building.
- The same facility mapped twice in OSM, as a node and as an area (a node inside the building
  polygon with the same tags, or a node and an area of the same category with the same name
  within ``dubbel_afstand_m``), gives one voorziening: the node (the more precise location), with
  the area's name when the node has none. Two nodes are never merged.
- :func:`combineer_voorzieningen` merges OSM voorzieningen into partner voorzieningen without
  duplicates: same category, and either similar names (:func:`naam_gelijkenis` at least
  ``min_gelijkenis``) within ``max_afstand_m``, or - when one of the two has no name - within
  the smaller ``max_afstand_zonder_naam_m``. Pairs are matched one-to-one, best first. A match
  keeps the partner's row (geometry, attributes, id) and records both sources: ``bron`` becomes
  ``"<partner>;OSM"`` and ``osm_id`` is filled in.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kansenkaart.crs import check_crs
from kansenkaart.errors import BadFileError, CRSError, ValidationError
from kansenkaart.schemas import CATEGORIEEN

__all__ = [
    "BRON_OSM",
    "KOLOMMEN",
    "Categorie",
    "Regel",
    "TagMapping",
    "Voorwaarde",
    "combineer_voorzieningen",
    "laad_tagmapping",
    "met_gemeentecode",
    "naam_gelijkenis",
    "normaliseer_naam",
    "parse_tagmapping",
    "representatieve_punten",
    "voorzieningen_uit_osm",
]

BRON_OSM = "OSM"
"""Value of ``bron`` for voorzieningen that come from OpenStreetMap."""

KOLOMMEN: tuple[str, ...] = ("id", "naam", "categorie", "osm_id", "gemeentecode", "bron", "bron_id", "peildatum")
"""Columns of a voorzieningen frame (besides ``geometry``), the fields of layer ``voorzieningen``."""

_ELEMENT_VOLGORDE = {"node": 0, "way": 1, "relation": 2}
# Columns of an osmnx features frame that are not OSM tags.
_GEEN_TAGS = frozenset({"geometry", "element", "id", "osmid", "nodes", "ways", "members", "type_"})


# --------------------------------------------------------------------------- tag mapping


@dataclass(frozen=True)
class Voorwaarde:
    """One tag condition of a rule.

    Attributes
    ----------
    sleutel
        The OSM key, e.g. ``amenity``.
    soort
        ``aanwezig`` (key present), ``een_van`` (one of ``waarden``) or ``niet`` (present and
        none of ``waarden``).
    waarden
        The values for ``een_van`` and ``niet``.
    """

    sleutel: str
    soort: Literal["aanwezig", "een_van", "niet"]
    waarden: frozenset[str] = frozenset()

    def geldt(self, tags: Mapping[str, str]) -> bool:
        """True when ``tags`` satisfy this condition."""
        waarde = tags.get(self.sleutel)
        if waarde is None:
            return False
        if self.soort == "aanwezig":
            return True
        delen = _waarden(waarde)
        if self.soort == "een_van":
            return not delen.isdisjoint(self.waarden)
        return delen.isdisjoint(self.waarden)


@dataclass(frozen=True)
class Regel:
    """A rule: all of its conditions must hold."""

    voorwaarden: tuple[Voorwaarde, ...]

    def geldt(self, tags: Mapping[str, str]) -> bool:
        """True when ``tags`` satisfy every condition."""
        return all(v.geldt(tags) for v in self.voorwaarden)


@dataclass(frozen=True)
class Categorie:
    """The rules of one voorziening category."""

    naam: str
    omschrijving: str
    regels: tuple[Regel, ...]
    uitsluiten: tuple[Regel, ...] = ()

    def geldt(self, tags: Mapping[str, str]) -> bool:
        """True when one rule matches and no exclusion rule does."""
        return any(r.geldt(tags) for r in self.regels) and not any(r.geldt(tags) for r in self.uitsluiten)


@dataclass(frozen=True)
class TagMapping:
    """The mapping of OSM tags to voorziening categories (see ``kansenkaart/osm_tags.toml``).

    Attributes
    ----------
    categorieen
        One :class:`Categorie` per configured category, in file order.
    dubbel_afstand_m
        Objects of one category with the same name within this distance are one voorziening.
    vingerafdruk
        SHA-256 of the mapping's content; part of the cache key of OSM voorzieningen.
    """

    versie: int
    categorieen: tuple[Categorie, ...]
    dubbel_afstand_m: float
    vingerafdruk: str

    def categorieen_voor(self, tags: Mapping[str, str]) -> tuple[str, ...]:
        """Return the categories an object with ``tags`` belongs to (possibly none)."""
        return tuple(c.naam for c in self.categorieen if c.geldt(tags))

    def overpass_tags(self) -> dict[str, bool | list[str]]:
        """Return the tag query for osmnx ``features_from_*``: every key/value any rule asks for.

        This is a superset of what the rules match (a rule with two conditions contributes
        both); :meth:`categorieen_voor` makes the exact choice afterwards.
        """
        tags: dict[str, set[str] | bool] = {}
        for cat in self.categorieen:
            for regel in cat.regels:
                for v in regel.voorwaarden:
                    if v.soort == "niet":
                        continue
                    huidig = tags.get(v.sleutel, set())
                    if v.soort == "aanwezig" or huidig is True:
                        tags[v.sleutel] = True
                    else:
                        assert isinstance(huidig, set)
                        tags[v.sleutel] = huidig | v.waarden
        return {k: (True if isinstance(v, bool) else sorted(v)) for k, v in sorted(tags.items())}

    def kan_passen(self, tags: Mapping[str, str]) -> bool:
        """Cheap pre-filter: True when ``tags`` contain a key/value of :meth:`overpass_tags`."""
        for sleutel, waarden in self._query.items():
            waarde = tags.get(sleutel)
            if waarde is None:
                continue
            if waarden is None or not _waarden(waarde).isdisjoint(waarden):
                return True
        return False

    def __post_init__(self) -> None:
        query = {k: (None if v is True else frozenset(v)) for k, v in self.overpass_tags().items()}  # type: ignore[arg-type]
        object.__setattr__(self, "_query", query)

    _query: dict[str, frozenset[str] | None] = field(init=False, repr=False, compare=False, default_factory=dict)


def _waarden(waarde: str) -> frozenset[str]:
    """Split an OSM value on ``;`` (multi-valued tags) into a set of stripped values."""
    if ";" not in waarde:
        return frozenset((waarde.strip(),))
    return frozenset(w.strip() for w in waarde.split(";") if w.strip())


def _voorwaarde(sleutel: str, raw: Any, where: str) -> Voorwaarde:
    if raw is True:
        return Voorwaarde(sleutel, "aanwezig")
    if isinstance(raw, str):
        return Voorwaarde(sleutel, "een_van", frozenset((raw,)))
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        return Voorwaarde(sleutel, "een_van", frozenset(raw))
    if isinstance(raw, dict) and set(raw) == {"niet"}:
        niet = raw["niet"]
        if isinstance(niet, str):
            niet = [niet]
        if isinstance(niet, list) and niet and all(isinstance(x, str) for x in niet):
            return Voorwaarde(sleutel, "niet", frozenset(niet))
    raise ValidationError(
        f"{where}: ongeldige voorwaarde {sleutel} = {raw!r}. Gebruik een waarde (\"supermarket\"), een lijst "
        "([\"a\", \"b\"]), true (sleutel aanwezig) of { niet = [\"a\"] }.",
        details={"sleutel": sleutel},
    )


def _regels(raw: Any, where: str) -> tuple[Regel, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError(f"{where}: verwacht een lijst met regels, niet {type(raw).__name__}.")
    regels = []
    for i, r in enumerate(raw, start=1):
        if not isinstance(r, dict) or not r:
            raise ValidationError(
                f"{where}, regel {i}: een regel is een tabel met tagvoorwaarden, bijv. {{ shop = \"supermarket\" }}."
            )
        regels.append(Regel(tuple(_voorwaarde(str(k), v, f"{where}, regel {i}") for k, v in r.items())))
    return tuple(regels)


def parse_tagmapping(data: Mapping[str, Any]) -> TagMapping:
    """Build a :class:`TagMapping` from the parsed TOML of a tag mapping file.

    Raises
    ------
    ValidationError
        When a category is unknown, has no rules, or a condition is malformed.
    """
    raw_cats = data.get("categorieen")
    if not isinstance(raw_cats, dict) or not raw_cats:
        raise ValidationError("De tagtabel heeft geen [categorieen.<naam>]-secties.")
    cats = []
    for naam, raw in raw_cats.items():
        if naam not in CATEGORIEEN:
            raise ValidationError(
                f"Onbekende categorie '{naam}' in de tagtabel. Toegestaan: {', '.join(CATEGORIEEN)}.",
                details={"categorie": naam},
            )
        where = f"categorie {naam}"
        regels = _regels(raw.get("regels"), where)
        if not regels:
            raise ValidationError(f"{where}: geen regels; geef minstens één regel, bijv. {{ amenity = \"pharmacy\" }}.")
        cats.append(Categorie(naam, str(raw.get("omschrijving", "")), regels, _regels(raw.get("uitsluiten"), where)))
    dubbel = data.get("dubbel", {})
    afstand = float(dubbel.get("afstand_m", 25.0))
    if not afstand >= 0:
        raise ValidationError(f"dubbel.afstand_m moet ≥ 0 zijn, niet {afstand}.")
    vingerafdruk = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return TagMapping(int(data.get("versie", 1)), tuple(cats), afstand, vingerafdruk)


@lru_cache(maxsize=8)
def _laad(pad: str) -> TagMapping:
    p = Path(pad)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise BadFileError(f"Tagtabel '{p}' bestaat niet.") from e
    except tomllib.TOMLDecodeError as e:
        raise BadFileError(f"Tagtabel '{p.name}' is geen geldige TOML: {e}") from e
    return parse_tagmapping(data)


def laad_tagmapping(pad: str | Path | None = None) -> TagMapping:
    """Load a tag mapping from a TOML file; by default the package's ``osm_tags.toml``.

    Raises
    ------
    BadFileError
        When the file does not exist or is not valid TOML.
    ValidationError
        When its content is invalid (see :func:`parse_tagmapping`).
    """
    if pad is None:
        pad = Path(str(resources.files("kansenkaart") / "osm_tags.toml"))
    return _laad(str(Path(pad).resolve()))


# --------------------------------------------------------------------------- names


def normaliseer_naam(naam: str | None) -> str:
    """Normalise a name for comparison: no accents, lower case, only letters/digits, single spaces."""
    if naam is None or (isinstance(naam, float) and np.isnan(naam)):
        return ""
    tekst = unicodedata.normalize("NFKD", str(naam))
    tekst = "".join(c for c in tekst if not unicodedata.combining(c)).casefold()
    tekst = "".join(c if c.isalnum() else " " for c in tekst)
    return " ".join(tekst.split())


def naam_gelijkenis(a: str | None, b: str | None) -> float:
    """Similarity of two names in [0, 1]; 0 when either is empty.

    The maximum of difflib's ratio of the normalised names and 0.9 when all words of the shorter
    name occur in the longer one ("Kerkelanden" vs "Apotheek Kerkelanden").
    """
    na, nb = normaliseer_naam(a), normaliseer_naam(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    ratio = SequenceMatcher(None, na, nb).ratio()
    ta, tb = set(na.split()), set(nb.split())
    kort, lang = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return max(ratio, 0.9 if kort <= lang else 0.0)


# --------------------------------------------------------------------------- OSM -> voorzieningen


def representatieve_punten(geometrie: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return a point on each geometry: points unchanged, areas and lines a point on the geometry.

    Uses ``shapely.point_on_surface``, so the point of an area always lies inside it (a centroid
    can fall outside an L-shaped building). Keeps the index and the CRS.
    """
    geoms = geometrie.to_numpy()
    is_punt = shapely.get_type_id(geoms) == 0
    uit = geoms.copy()
    uit[~is_punt] = shapely.point_on_surface(geoms[~is_punt])
    return gpd.GeoSeries(uit, index=geometrie.index, crs=geometrie.crs, name="geometry")


def _lege_voorzieningen(crs: Any) -> gpd.GeoDataFrame:
    kolommen = {k: pd.Series(dtype=object) for k in KOLOMMEN}
    return gpd.GeoDataFrame(kolommen, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _tags_van(rij: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in rij.items() if isinstance(v, str) and k not in _GEEN_TAGS}


def voorzieningen_uit_osm(
    features: gpd.GeoDataFrame,
    *,
    crs: str | CRS,
    mapping: TagMapping | None = None,
    peildatum: str | None = None,
) -> gpd.GeoDataFrame:
    """Map OSM features to voorzieningen: one point per (object, category), without duplicates.

    Parameters
    ----------
    features
        OSM objects with their tags as columns, in the osmnx ``features_from_*`` layout: a
        ``(element, id)`` MultiIndex (or ``element`` and ``id`` columns), element ``node``,
        ``way`` or ``relation``. Must have a CRS.
    crs
        The metric CRS of the result.
    mapping
        The tag mapping; default the package's ``osm_tags.toml``.
    peildatum
        Optional date (``JJJJ-MM-DD``) of the OSM data, stored in ``peildatum``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`KOLOMMEN` and a Point ``geometry`` in ``crs``: ``id`` is
        ``osm-<element>-<id>-<categorie>``, ``osm_id`` is ``<element>/<id>``, ``bron`` is
        ``OSM`` and ``bron_id`` is ``<element>/<id>:<categorie>``. ``naam`` is the ``name``
        tag, else ``brand``, else empty. Sorted by category and OSM id.

    Raises
    ------
    CRSError
        When ``features`` has no CRS or ``crs`` is not projected.
    """
    mapping = mapping or laad_tagmapping()
    doel = CRS.from_user_input(crs)
    if not doel.is_projected:
        raise CRSError(f"CRS {doel.to_string()} is niet geprojecteerd; voorzieningen worden in meters gemeten.")
    check_crs(features, name="OSM-objecten")
    if len(features) == 0:
        return _lege_voorzieningen(doel)
    f = features.reset_index() if "element" in (features.index.names or []) else features.reset_index(drop=True)
    if "element" not in f.columns or "id" not in f.columns:
        raise ValidationError("OSM-objecten missen de kolommen 'element' en 'id' (osmnx-indeling).")
    f = f[f.geometry.notna() & ~f.geometry.is_empty]
    f = f.to_crs(doel)
    punten = representatieve_punten(f.geometry)
    tagkolommen = [c for c in f.columns if c not in _GEEN_TAGS and c != f.geometry.name]
    records = f[["element", "id", *tagkolommen]].to_dict("records")

    rijen: list[dict[str, Any]] = []
    for rec, punt, vorm in zip(records, punten.to_numpy(), f.geometry.to_numpy(), strict=True):
        tags = _tags_van(rec)
        for cat in mapping.categorieen_voor(tags):
            rijen.append(
                {
                    "element": str(rec["element"]),
                    "osmid": int(rec["id"]),
                    "categorie": cat,
                    "naam": tags.get("name") or tags.get("brand") or None,
                    "punt": punt,
                    "vorm": vorm,
                }
            )
    if not rijen:
        return _lege_voorzieningen(doel)
    r = pd.DataFrame(rijen)
    r = r.drop_duplicates(["element", "osmid", "categorie"]).reset_index(drop=True)
    r = _ontdubbel(r, afstand_m=mapping.dubbel_afstand_m).reset_index(drop=True)

    osm_id = r["element"] + "/" + r["osmid"].astype(str)
    out = gpd.GeoDataFrame(
        {
            "id": "osm-" + r["element"] + "-" + r["osmid"].astype(str) + "-" + r["categorie"],
            "naam": r["naam"].astype(object),
            "categorie": r["categorie"],
            "osm_id": osm_id,
            "gemeentecode": pd.Series([None] * len(r), dtype=object),
            "bron": BRON_OSM,
            "bron_id": osm_id + ":" + r["categorie"],
            "peildatum": peildatum,
        },
        geometry=gpd.GeoSeries(r["punt"].to_numpy(), crs=doel),
        crs=doel,
    )
    element = r["element"].map(_ELEMENT_VOLGORDE).to_numpy()
    order = np.lexsort((r["osmid"].to_numpy(), element, r["categorie"].to_numpy()))
    return _als_object(out.iloc[order].reset_index(drop=True))


def _als_object(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Text columns as ``object`` with ``None`` for missing (as the workspace store returns them)."""
    for k in KOLOMMEN:
        if k in gdf.columns:
            gdf[k] = pd.Series(
                [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in gdf[k]],
                index=gdf.index,
                dtype=object,
            )
    return gdf


def _ontdubbel(r: pd.DataFrame, *, afstand_m: float) -> pd.DataFrame:
    """Leave one row per duplicate group (see module docstring); the kept row gets the group's name.

    Duplicates are pairs of the same category of which one is a node and the other a way or
    relation (the same facility mapped as a point and as an area), when the node lies inside the
    area and at most one of them has a name or both have the same name, or when both have the same
    name and lie within ``afstand_m``. Two nodes are never merged: they are two objects in OSM
    (e.g. the bus stops on either side of a street).
    """
    n = len(r)
    ouder = np.arange(n)

    def vind(i: int) -> int:
        while ouder[i] != i:
            ouder[i] = ouder[ouder[i]]
            i = int(ouder[i])
        return i

    namen = np.array([normaliseer_naam(x) for x in r["naam"]], dtype=object)
    punten = np.asarray(r["punt"].to_numpy(), dtype=object)
    vormen = np.asarray(r["vorm"].to_numpy(), dtype=object)
    cats = r["categorie"].to_numpy()
    is_node = (r["element"] == "node").to_numpy()
    # Pairs within afstand_m, and points inside the area of another object.
    a, b = shapely.STRtree(punten).query(punten, predicate="dwithin", distance=afstand_m)
    vlak_idx = np.flatnonzero(np.isin(shapely.get_type_id(vormen), (3, 6)))
    if len(vlak_idx):
        pa, pv = shapely.STRtree(vormen[vlak_idx]).query(punten, predicate="within")
        ca, cb = pa, vlak_idx[pv]
    else:
        ca = cb = np.array([], dtype=np.int64)
    paren = [*zip(a, b, [False] * len(a), strict=True), *zip(ca, cb, [True] * len(ca), strict=True)]
    for i, j, binnen in paren:
        if cats[i] != cats[j] or is_node[i] == is_node[j]:
            continue
        zelfde_naam = bool(namen[i]) and namen[i] == namen[j]
        naamloos = not namen[i] or not namen[j]
        if zelfde_naam or (binnen and naamloos):
            ouder[vind(int(i))] = vind(int(j))
    groepen = np.array([vind(i) for i in range(n)])
    rang = pd.DataFrame(
        {
            "groep": groepen,
            "element": r["element"].map(_ELEMENT_VOLGORDE).to_numpy(),
            "naamloos": namen == "",
            "osmid": r["osmid"].to_numpy(),
        }
    ).sort_values(["groep", "element", "naamloos", "osmid"])
    eerste_naam = (
        pd.Series(r["naam"].to_numpy(), index=r.index).loc[rang.index].groupby(rang["groep"].to_numpy()).first()
    )
    uit = r.loc[rang.drop_duplicates("groep").index].copy()
    namen_uit = eerste_naam.loc[groepen[uit.index.to_numpy()]].to_numpy(dtype=object)
    uit["naam"] = pd.Series([x if isinstance(x, str) and x else None for x in namen_uit], index=uit.index, dtype=object)
    return uit.sort_index()


def met_gemeentecode(gdf: gpd.GeoDataFrame, gemeenten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill empty ``gemeentecode`` values with the code of the gemeente each object lies in.

    The location of an area is its representative point. Objects outside every gemeente keep an
    empty code. ``gemeenten`` needs columns ``code`` and ``geometry`` (any CRS; it is projected to
    the CRS of ``gdf``). Returns a new frame on the index of ``gdf``.
    """
    check_crs(gdf, name="objecten")
    check_crs(gemeenten, name="gemeenten")
    uit = gdf.copy()
    if "gemeentecode" not in uit.columns:
        uit["gemeentecode"] = None
    uit["gemeentecode"] = pd.Series([None if _leeg(v) else v for v in uit["gemeentecode"]], index=uit.index,
                                    dtype=object)
    if len(uit) == 0 or len(gemeenten) == 0:
        return uit
    g = gemeenten.to_crs(uit.crs) if CRS.from_user_input(gemeenten.crs) != CRS.from_user_input(uit.crs) else gemeenten
    leeg = uit["gemeentecode"].isna().to_numpy()
    if not leeg.any():
        return uit
    punten = _punten(uit)[leeg]
    codes = g["code"].to_numpy()
    ip, ig = shapely.STRtree(g.geometry.to_numpy()).query(punten, predicate="within")
    gevonden = np.full(len(punten), None, dtype=object)
    gevonden[ip[::-1]] = codes[ig[::-1]]  # the first gemeente wins when areas overlap
    kolom = uit["gemeentecode"].to_numpy(dtype=object, copy=True)
    kolom[leeg] = gevonden
    uit["gemeentecode"] = pd.Series([None if _leeg(v) else v for v in kolom], index=uit.index, dtype=object)
    return uit


def _leeg(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


# --------------------------------------------------------------------------- merge with partners


def _punten(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(representatieve_punten(gdf.geometry).to_numpy(), dtype=object)


def combineer_voorzieningen(
    partner: gpd.GeoDataFrame,
    osm: gpd.GeoDataFrame,
    *,
    max_afstand_m: float = 50.0,
    max_afstand_zonder_naam_m: float = 15.0,
    min_gelijkenis: float = 0.8,
) -> gpd.GeoDataFrame:
    """Combine partner voorzieningen with OSM voorzieningen without duplicates.

    A partner row and an OSM row are the same voorziening when they have the same ``categorie``
    and either both have a name with :func:`naam_gelijkenis` ≥ ``min_gelijkenis`` and lie at most
    ``max_afstand_m`` apart, or one of them has no name and they lie at most
    ``max_afstand_zonder_naam_m`` apart. Candidate pairs are matched one-to-one, most similar
    name first, then nearest.

    Parameters
    ----------
    partner
        Voorzieningen delivered by partners (columns as layer ``voorzieningen``; ``bron`` names
        the partner). Their rows are kept as they are.
    osm
        Voorzieningen from :func:`voorzieningen_uit_osm`, in the same CRS.
    max_afstand_m, max_afstand_zonder_naam_m, min_gelijkenis
        The matching rule (metres, metres, 0-1).

    Returns
    -------
    geopandas.GeoDataFrame
        All partner rows (matched ones with ``bron = "<partner>;OSM"``, the OSM ``osm_id``, and the
        OSM name when the partner gave none), followed by the unmatched OSM rows. Index 0..n-1,
        CRS of the inputs.

    Raises
    ------
    CRSError
        When a frame has no CRS, the CRSs differ, or the CRS is not projected.
    """
    for naam, gdf in (("partner", partner), ("osm", osm)):
        c = check_crs(gdf, name=f"voorzieningen ({naam})")
        if not c.is_projected:
            raise CRSError(f"Voorzieningen ({naam}) staan in {c.to_string()}; combineren vraagt om meters.")
    if CRS.from_user_input(partner.crs) != CRS.from_user_input(osm.crs):
        raise CRSError(
            f"Voorzieningen van partners ({CRS.from_user_input(partner.crs).to_string()}) en OSM "
            f"({CRS.from_user_input(osm.crs).to_string()}) staan in verschillende coördinatenstelsels."
        )
    if min(max_afstand_m, max_afstand_zonder_naam_m) < 0 or not 0 <= min_gelijkenis <= 1:
        raise ValidationError("Afstanden moeten ≥ 0 zijn en de naamgelijkenis tussen 0 en 1.")
    p = partner.reset_index(drop=True).copy()
    o = osm.reset_index(drop=True)
    for kolom in ("osm_id", "bron", "naam"):
        if kolom not in p.columns:
            p[kolom] = None
        p[kolom] = p[kolom].astype(object)
    gekoppeld_osm = np.zeros(len(o), dtype=bool)
    if len(p) and len(o):
        pp, op = _punten(p), _punten(o)
        radius = max(max_afstand_m, max_afstand_zonder_naam_m)
        ia, ib = shapely.STRtree(op).query(pp, predicate="dwithin", distance=radius)
        kandidaten = []
        for i, j in zip(ia, ib, strict=True):
            if p.at[i, "categorie"] != o.at[j, "categorie"]:
                continue
            d = float(shapely.distance(pp[i], op[j]))
            np_, no = normaliseer_naam(p.at[i, "naam"]), normaliseer_naam(o.at[j, "naam"])
            if np_ and no:
                sim = naam_gelijkenis(np_, no)
                if sim >= min_gelijkenis and d <= max_afstand_m:
                    kandidaten.append((-sim, d, int(i), int(j)))
            elif d <= max_afstand_zonder_naam_m:
                kandidaten.append((0.0, d, int(i), int(j)))
        kandidaten.sort()
        bezet_p: set[int] = set()
        for _, _, i, j in kandidaten:
            if i in bezet_p or gekoppeld_osm[j]:
                continue
            bezet_p.add(i)
            gekoppeld_osm[j] = True
            bron = p.at[i, "bron"]
            p.at[i, "bron"] = f"{bron if isinstance(bron, str) and bron else 'partner'};{BRON_OSM}"
            p.at[i, "osm_id"] = o.at[j, "osm_id"]
            if not normaliseer_naam(p.at[i, "naam"]) and normaliseer_naam(o.at[j, "naam"]):
                p.at[i, "naam"] = o.at[j, "naam"]
    rest = o.loc[~gekoppeld_osm]
    if len(p) == 0:
        return rest.reset_index(drop=True)
    if len(rest) == 0:
        return p
    out = pd.concat([p, rest], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry=p.geometry.name, crs=p.crs)
