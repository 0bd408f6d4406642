"""Planners' spatial queries: "doelen binnen D m van referenties".

The question a planner asks is, for example, *"geclusterd-kansen binnen 100 m lopen van een
ontmoetingsruimte"*: a target layer with an attribute filter, a distance, and a reference
layer with an attribute filter. Two ways of measuring:

``hemelsbreed``
    Straight-line distance in the metric CRS of the workspace (EPSG:28992 for Dutch
    regions, EPSG:3067 for the Helsinki demo), with a shapely STRtree. Polygons use their
    true geometry: the distance is 0 when a target lies inside or touches a reference.
``lopend``
    Walking distance over the walking network: targets and references are snapped to the
    network and a multi-source shortest path runs from all references at once, cut off at
    D, with the vlekkenplan engine (:mod:`kansenkaart.vlekkenplan`). Polygons are
    represented by their representative point (a point guaranteed inside the polygon). A
    target farther than ``max_snap_m`` from the network has no walking distance.

With ``niet_binnen`` the question is inverted: targets with *no* reference within D.

:func:`ruimtelijke_query` is pure (GeoDataFrames in, GeoDataFrame out); its engine
:func:`zoek_treffers` is the same on bare geometry arrays (positions, distances and nearest
references out), for callers that keep layers in memory. :func:`voer_vraag_uit` is the thin
orchestration shared by the CLI and the API: it checks the question (:func:`vraag_filters`),
reads the two layers through the store (:class:`Lezer`: ``query`` and ``columns``) it is given,
references only within :func:`referentie_bbox`, and calls :func:`ruimtelijke_query`. The API's
read cache follows the same steps on its arrays (:mod:`api.routes.query`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kansenkaart.crs import check_crs
from kansenkaart.errors import CRSError, ValidationError
from kansenkaart.schemas import Laag, laag

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kansenkaart.netwerk import Netwerk

__all__ = [
    "MAX_AFSTAND_M",
    "MODI",
    "RESULTAATKOLOMMEN",
    "Lezer",
    "Modus",
    "Treffers",
    "Vraag",
    "filters_voor_laag",
    "parse_voorwaarden",
    "ref_labels",
    "referentie_bbox",
    "ruimtelijke_query",
    "voer_vraag_uit",
    "vraag_filters",
    "zoek_treffers",
]

Modus = Literal["hemelsbreed", "lopend"]
MODI: tuple[str, ...] = ("hemelsbreed", "lopend")
MIN_AFSTAND_M = 1.0
MAX_AFSTAND_M = 5000.0
RESULTAATKOLOMMEN = ("afstand_m", "dichtstbij_id", "dichtstbij_naam")

_JA = frozenset({"ja", "true", "1", "waar", "yes"})
_NEE = frozenset({"nee", "false", "0", "onwaar", "no"})


# --------------------------------------------------------------------------- attribute filters


def parse_voorwaarden(teksten: Iterable[str], *, parameter: str = "waar") -> list[tuple[str, str]]:
    """Split ``"veld=waarde"`` texts into (veld, waarde) pairs.

    Raises
    ------
    ValidationError
        When a text has no ``=``, or an empty field name or value.
    """
    paren: list[tuple[str, str]] = []
    for tekst in teksten:
        veld, is_, waarde = str(tekst).partition("=")
        veld, waarde = veld.strip(), waarde.strip()
        if not is_ or not veld or not waarde:
            raise ValidationError(
                f"Filter '{tekst}' in '{parameter}' is ongeldig: schrijf veld=waarde, "
                "bijvoorbeeld doelgroep=geclusterd.",
                details={"veld": parameter, "waarde": str(tekst)},
            )
        paren.append((veld, waarde))
    return paren


def _veldtype(schema: Laag, veld: str) -> str:
    for v in schema.velden:
        if v.naam == veld:
            return v.type
    return "tekst"


def _zet_om(schema: Laag, veld: str, waarde: str) -> list[Any]:
    """Convert one filter value to the field's type; a ``code`` field takes comma-separated values."""
    soort = _veldtype(schema, veld)
    v = schema.veld(veld) if veld in schema.veldnamen else None

    def fout(reden: str) -> ValidationError:
        return ValidationError(
            f"Filterwaarde '{waarde}' voor veld '{veld}' van laag '{schema.naam}' {reden}.",
            details={"veld": veld, "waarde": waarde},
        )

    if soort in ("geheel", "jaar", "getal"):
        try:
            if soort == "getal":
                tekst = waarde.replace(",", ".") if waarde.count(",") == 1 and "." not in waarde else waarde
                x: float = float(tekst)
            else:
                x = int(waarde)
        except ValueError as e:
            raise fout("is geen getal" if soort == "getal" else "is geen geheel getal") from e
        if not math.isfinite(x) or abs(x) >= 2**63:
            raise fout("is geen bruikbaar getal")
        if v is not None and v.minimum is not None and x < v.minimum:
            raise fout(f"is kleiner dan het minimum {v.minimum:g}")
        if v is not None and v.maximum is not None and x > v.maximum:
            raise fout(f"is groter dan het maximum {v.maximum:g}")
        return [x]
    if soort == "ja_nee":
        w = waarde.lower()
        if w in _JA:
            return [True]
        if w in _NEE:
            return [False]
        raise fout("is geen ja of nee")
    if soort == "datum":
        try:
            return [date.fromisoformat(waarde).isoformat()]
        except ValueError as e:
            raise fout("is geen datum (JJJJ-MM-DD)") from e
    if soort in ("code", "codes") and v is not None and v.codes:
        waarden = [w.strip() for w in waarde.split(",") if w.strip()]
        onbekend = [w for w in waarden if w not in v.codes]
        if onbekend or not waarden:
            raise ValidationError(
                f"Onbekende waarde '{(onbekend or [waarde])[0]}' voor veld '{veld}' van laag '{schema.naam}'. "
                f"Toegestaan: {', '.join(v.codes)}.",
                details={"veld": veld, "waarde": waarde, "toegestaan": list(v.codes)},
            )
        return waarden
    return [waarde]


def filters_voor_laag(
    schema: Laag,
    paren: Iterable[tuple[str, str]],
    *,
    kolommen: Collection[str] | None = None,
    parameter: str = "waar",
) -> dict[str, list[Any]]:
    """Validate and convert attribute filters for layer ``schema``.

    Parameters
    ----------
    schema
        The layer schema.
    paren
        (veld, waarde) pairs; several values for one field are OR-ed, as are
        comma-separated values of a ``code`` field (``status=idee,verkenning``).
    kolommen
        The columns that may be filtered on; default the schema fields (pass the stored
        columns for derived layers, whose columns vary).
    parameter
        Name of the parameter, for messages.

    Returns
    -------
    dict
        Field → list of typed values, as :meth:`GeoPackageStore.query` takes them.

    Raises
    ------
    ValidationError
        For an unknown field (naming the known ones) or a value that does not fit the field.
    """
    bekend = list(kolommen) if kolommen is not None else list(schema.veldnamen)
    out: dict[str, list[Any]] = {}
    for veld, waarde in paren:
        if veld not in bekend:
            raise ValidationError(
                f"Onbekend filterveld '{veld}' in '{parameter}' voor laag '{schema.naam}'. "
                f"Velden: {', '.join(bekend)}.",
                details={"veld": veld, "parameter": parameter, "toegestaan": bekend},
            )
        for w in _zet_om(schema, veld, waarde):
            if w not in out.setdefault(veld, []):
                out[veld].append(w)
    return out


# --------------------------------------------------------------------------- the query


def _check_afstand(afstand_m: float) -> float:
    d = float(afstand_m)
    if not (math.isfinite(d) and MIN_AFSTAND_M <= d <= MAX_AFSTAND_M):
        raise ValidationError(
            f"Afstand {afstand_m} m valt buiten het bereik {MIN_AFSTAND_M:g} tot en met {MAX_AFSTAND_M:g} m.",
            details={"veld": "binnen", "waarde": afstand_m},
        )
    return d


def _metrisch(doelen: gpd.GeoDataFrame, referenties: gpd.GeoDataFrame) -> tuple[CRS, gpd.GeoDataFrame]:
    crs = check_crs(doelen, name="doelen")
    check_crs(referenties, name="referenties")
    if not crs.is_projected:
        raise CRSError(
            f"De doelen liggen in {crs.to_string()}, dat is geen metrisch stelsel; afstanden vragen om meters "
            "(bijvoorbeeld EPSG:28992)."
        )
    if CRS.from_user_input(referenties.crs) != crs:
        referenties = referenties.to_crs(crs)
    return crs, referenties


def ref_labels(referenties: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ``id`` (else the index) and ``naam`` of each reference as text, ``None`` when missing."""
    if "id" in referenties.columns:
        ids = np.array([None if pd.isna(v) else str(v) for v in referenties["id"]], dtype=object)
    else:
        ids = np.array([str(i) for i in referenties.index], dtype=object)
    if "naam" in referenties.columns:
        namen = np.array([None if pd.isna(v) else str(v) for v in referenties["naam"]], dtype=object)
    else:
        namen = np.full(len(referenties), None, dtype=object)
    return ids, namen


def _hemelsbreed(
    doel_geoms: np.ndarray, ref_geoms: np.ndarray, afstand_m: float, *, alles: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest reference per target: (distance, reference position); NaN/-1 when none (within D)."""
    n = len(doel_geoms)
    afstand = np.full(n, np.nan)
    dichtstbij = np.full(n, -1, dtype=np.int64)
    geldig_ref = np.array([g is not None and not g.is_empty for g in ref_geoms], dtype=bool)
    if n == 0 or not geldig_ref.any():
        return afstand, dichtstbij
    ref_pos = np.flatnonzero(geldig_ref)
    tree = shapely.STRtree(ref_geoms[geldig_ref])
    kwargs: dict[str, Any] = {"return_distance": True, "all_matches": False}
    if not alles:
        kwargs["max_distance"] = afstand_m * (1 + 1e-12) + 1e-9
    (i_doel, i_ref), dist = tree.query_nearest(doel_geoms, **kwargs)
    afstand[i_doel] = dist
    dichtstbij[i_doel] = ref_pos[i_ref]
    return afstand, dichtstbij


def _representatief(geoms: np.ndarray) -> np.ndarray:
    """Points stay; other geometries become their representative point (inside the polygon)."""
    out = np.asarray(geoms, dtype=object).copy()
    for i, g in enumerate(out):
        if g is not None and not g.is_empty and g.geom_type != "Point":
            out[i] = g.representative_point()
    return out


def _lopend(
    doel_geoms: np.ndarray,
    ref_geoms: np.ndarray,
    afstand_m: float,
    *,
    netwerk: Any,
    crs: CRS,
    max_snap_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance to the nearest reference per target, with the vlekkenplan engine.

    The references are the sources of one multi-source Dijkstra (cut off at D); each target
    then takes the nearer end of the edge it snaps onto. Both offsets (point to path) count.
    """
    from kansenkaart import vlekkenplan

    return vlekkenplan.dichtstbij_over_netwerk(
        netwerk,
        gpd.GeoSeries(_representatief(ref_geoms), crs=crs),
        gpd.GeoSeries(_representatief(doel_geoms), crs=crs),
        cutoff_m=afstand_m,
        max_snap_m=max_snap_m,
    )


@dataclass(frozen=True)
class Treffers:
    """The answer of a spatial question in array form (what :func:`zoek_treffers` returns).

    Attributes
    ----------
    posities
        Positions of the matching targets in the target input, in input order.
    afstand_m
        Per match the distance to the nearest reference in metres, rounded to 0.1 m; NaN when
        unknown (``niet_binnen`` for ``lopend`` beyond the cut-off).
    referentie
        Per match the position of the nearest reference in the reference input; -1 when none.
    """

    posities: np.ndarray
    afstand_m: np.ndarray
    referentie: np.ndarray

    def __len__(self) -> int:
        return len(self.posities)


def _check_modus(modus: str) -> None:
    if modus not in MODI:
        raise ValidationError(
            f"Onbekende modus '{modus}'. Kies uit: {', '.join(MODI)}.",
            details={"veld": "modus", "waarde": modus, "toegestaan": list(MODI)},
        )


def zoek_treffers(
    doel_geoms: np.ndarray,
    ref_geoms: np.ndarray,
    *,
    afstand_m: float,
    crs: CRS,
    modus: Modus = "hemelsbreed",
    netwerk: Netwerk | Any | None = None,
    niet_binnen: bool = False,
    max_snap_m: float = 250.0,
) -> Treffers:
    """The targets within (or, inverted, not within) ``afstand_m`` of a reference, on bare geometries.

    The engine of :func:`ruimtelijke_query` without frames: callers that keep layers in memory
    (the API's read cache) pass the geometry arrays and use the positions. Arguments as for
    :func:`ruimtelijke_query`; both arrays are in ``crs``, the metric CRS of the workspace.

    Raises
    ------
    ValidationError
        For a distance outside 1-5000 m or an unknown mode.
    NetworkError
        For ``lopend`` without a usable network.
    """
    d = _check_afstand(afstand_m)
    _check_modus(modus)
    doel_geoms = np.asarray(doel_geoms, dtype=object)
    ref_geoms = np.asarray(ref_geoms, dtype=object)
    if modus == "lopend":
        from kansenkaart.errors import NetworkError

        if netwerk is None:
            raise NetworkError("Geen wandelnetwerk in deze werkruimte; laad eerst OSM met 'kansenkaart osm laden'.")
        if len(doel_geoms) and len(ref_geoms):
            afstand, dichtstbij = _lopend(doel_geoms, ref_geoms, d, netwerk=netwerk, crs=crs, max_snap_m=max_snap_m)
        else:
            afstand, dichtstbij = np.full(len(doel_geoms), np.nan), np.full(len(doel_geoms), -1, dtype=np.int64)
    else:
        afstand, dichtstbij = _hemelsbreed(doel_geoms, ref_geoms, d, alles=niet_binnen)
    binnen = np.isfinite(afstand) & (afstand <= d + 1e-9)
    keep = ~binnen if niet_binnen else binnen
    sel_afstand = afstand[keep]
    return Treffers(
        posities=np.flatnonzero(keep),
        afstand_m=np.where(np.isfinite(sel_afstand), np.round(sel_afstand, 1), np.nan),
        referentie=dichtstbij[keep],
    )


def ruimtelijke_query(
    doelen: gpd.GeoDataFrame,
    referenties: gpd.GeoDataFrame,
    *,
    afstand_m: float,
    modus: Modus = "hemelsbreed",
    netwerk: Netwerk | Any | None = None,
    niet_binnen: bool = False,
    max_snap_m: float = 250.0,
) -> gpd.GeoDataFrame:
    """Return the targets within (or, inverted, not within) ``afstand_m`` of a reference.

    Parameters
    ----------
    doelen
        Target features in a metric CRS (the workspace CRS).
    referenties
        Reference features; projected to the CRS of ``doelen`` when different. Columns
        ``id`` and ``naam`` (when present) name the nearest reference in the result.
    afstand_m
        The distance D in metres, 1 to 5000; "binnen D" includes D itself.
    modus
        ``"hemelsbreed"`` (straight line, true geometry distance) or ``"lopend"`` (over the
        walking network; polygons by their representative point).
    netwerk
        The walking network (:class:`~kansenkaart.netwerk.Netwerk`, or the prepared form the
        vlekkenplan engine accepts); required for ``lopend``.
    niet_binnen
        Invert: return the targets with no reference within D.
    max_snap_m
        Maximum distance from a point to the network for ``lopend``.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows of ``doelen`` (same index, CRS and columns, input order) plus
        ``afstand_m`` (metres, rounded to 0.1 m; for ``niet_binnen`` the nearest distance when
        known, else missing), ``dichtstbij_id`` and ``dichtstbij_naam`` of the nearest reference.

    Raises
    ------
    ValidationError
        For a distance outside 1-5000 m or an unknown mode.
    CRSError
        When a frame has no CRS or the targets are not in a metric CRS.
    NetworkError
        For ``lopend`` without a usable network.
    """
    _check_afstand(afstand_m)
    _check_modus(modus)
    crs, referenties = _metrisch(doelen, referenties)
    treffers = zoek_treffers(
        np.asarray(doelen.geometry.array, dtype=object),
        np.asarray(referenties.geometry.array, dtype=object),
        afstand_m=afstand_m,
        crs=crs,
        modus=modus,
        netwerk=netwerk,
        niet_binnen=niet_binnen,
        max_snap_m=max_snap_m,
    )
    ids, namen = ref_labels(referenties)
    out = doelen.iloc[treffers.posities].copy()
    out["afstand_m"] = treffers.afstand_m
    out["dichtstbij_id"] = pd.Series(
        [ids[i] if i >= 0 else None for i in treffers.referentie], index=out.index, dtype=object
    )
    out["dichtstbij_naam"] = pd.Series(
        [namen[i] if i >= 0 else None for i in treffers.referentie], index=out.index, dtype=object
    )
    return out


# --------------------------------------------------------------------------- orchestration


class Lezer(Protocol):
    """The read side of a store that :func:`voer_vraag_uit` needs.

    :class:`~kansenkaart.io.store.GeoPackageStore` satisfies it, and so does the API's
    read cache.
    """

    def query(
        self,
        naam: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> gpd.GeoDataFrame:
        """Features of a layer (bbox in the store CRS; soft-deleted kansen left out)."""
        ...

    def columns(self, naam: str) -> list[str]:
        """The attribute columns of a stored layer."""
        ...


@dataclass(frozen=True)
class Vraag:
    """A spatial question as planners phrase it (shared by the CLI and the API).

    Attributes
    ----------
    doel, van
        Target and reference layer names.
    waar, waar_ref
        Filters ``"veld=waarde"`` on the target and reference layer.
    binnen_m
        Distance D (metres, 1-5000).
    modus
        ``hemelsbreed`` or ``lopend``.
    niet
        Invert ("niet binnen").
    """

    doel: str
    binnen_m: float
    van: str
    waar: tuple[str, ...] = ()
    waar_ref: tuple[str, ...] = ()
    modus: Modus = "hemelsbreed"
    niet: bool = False

    def beschrijving(self) -> str:
        """The question as a Dutch sentence, e.g. for a table title."""
        doel = self.doel + (f" ({', '.join(self.waar)})" if self.waar else "")
        ref = self.van + (f" ({', '.join(self.waar_ref)})" if self.waar_ref else "")
        wijze = "lopen" if self.modus == "lopend" else "hemelsbreed"
        return f"{doel} {'niet ' if self.niet else ''}binnen {self.binnen_m:g} m {wijze} van {ref}"

    def als_dict(self) -> dict[str, Any]:
        """The question as plain JSON-ready data."""
        return {
            "doel": self.doel,
            "waar": list(self.waar),
            "binnen": self.binnen_m,
            "van": self.van,
            "waar_ref": list(self.waar_ref),
            "modus": self.modus,
            "niet": self.niet,
            "beschrijving": self.beschrijving(),
        }


def _filters(store: Lezer, naam: str, teksten: Iterable[str], parameter: str) -> dict[str, list[Any]]:
    schema = laag(naam)
    paren = parse_voorwaarden(teksten, parameter=parameter)
    kolommen = store.columns(naam) if schema.afgeleid else None
    return filters_voor_laag(schema, paren, kolommen=kolommen, parameter=parameter)


def vraag_filters(
    vraag: Vraag, *, store: Lezer, netwerk: Netwerk | Any | None = None
) -> tuple[float, dict[str, list[Any]], dict[str, list[Any]]]:
    """Check a question before anything is read: (distance, target filters, reference filters).

    Raises
    ------
    UnknownLayerError, NotFoundError
        For an unknown or not yet computed layer.
    ValidationError
        For a bad filter or distance.
    NetworkError
        For ``lopend`` without a network.
    """
    d = _check_afstand(vraag.binnen_m)
    doel_filters = _filters(store, vraag.doel, vraag.waar, "waar")
    ref_filters = _filters(store, vraag.van, vraag.waar_ref, "waar_ref")
    if vraag.modus == "lopend" and netwerk is None:
        from kansenkaart.errors import NetworkError

        raise NetworkError("Geen wandelnetwerk in deze werkruimte; laad eerst OSM met 'kansenkaart osm laden'.")
    return d, doel_filters, ref_filters


def referentie_bbox(
    doel_geoms: np.ndarray, afstand_m: float, *, niet: bool
) -> tuple[float, float, float, float] | None:
    """The area in which references can matter: the targets' bounding box grown by D.

    Walking distance is never shorter than the straight line, so references outside it are
    farther than D from every target. ``None`` (read them all) for ``niet``, where the nearest
    reference beyond D is still reported, and when the targets have no extent.
    """
    if niet or len(doel_geoms) == 0:
        return None
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(np.asarray(doel_geoms, dtype=object)))
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return None
    d = float(afstand_m)
    return (minx - d, miny - d, maxx + d, maxy + d)


def voer_vraag_uit(
    vraag: Vraag,
    *,
    store: Lezer,
    netwerk: Netwerk | Any | None = None,
    max_snap_m: float = 250.0,
) -> gpd.GeoDataFrame:
    """Answer ``vraag`` on a workspace store: read both layers (filtered) and run the query.

    References are only read within the targets' bounding box grown by D
    (:func:`referentie_bbox`), except for ``niet`` where the nearest reference beyond D is
    still reported for ``hemelsbreed``.

    Raises
    ------
    UnknownLayerError, NotFoundError
        For an unknown or not yet computed layer.
    ValidationError
        For a bad filter or distance.
    NetworkError
        For ``lopend`` without a network.
    """
    d, doel_filters, ref_filters = vraag_filters(vraag, store=store, netwerk=netwerk)
    doelen = store.query(vraag.doel, filters=doel_filters)
    if len(doelen) == 0:
        referenties = store.query(vraag.van, filters=ref_filters, limit=0)
    else:
        bbox = referentie_bbox(np.asarray(doelen.geometry.array, dtype=object), d, niet=vraag.niet)
        referenties = store.query(vraag.van, filters=ref_filters, bbox=bbox)
    return ruimtelijke_query(
        doelen,
        referenties,
        afstand_m=d,
        modus=vraag.modus,
        netwerk=netwerk,
        niet_binnen=vraag.niet,
        max_snap_m=max_snap_m,
    )


def bereid_netwerk_voor(netwerk: Netwerk | Any) -> Any:
    """Prepare a walking network once for repeated ``lopend`` queries (CSR matrix, edge index).

    Returns the :class:`~kansenkaart.vlekkenplan.VoorbereidNetwerk` that
    :func:`ruimtelijke_query` accepts as ``netwerk``; an app keeps it and reuses it.
    """
    from kansenkaart.vlekkenplan import voorbereid_netwerk

    return voorbereid_netwerk(netwerk)
