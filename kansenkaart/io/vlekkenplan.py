"""Workspace wiring of the vlekkenplan engine: read layers, compute, store ``bereikbaarheid`` and ``vlekkenplan``.

The analysis itself lives in :mod:`kansenkaart.vlekkenplan` (pure functions). This module only
gathers the inputs from a :class:`~kansenkaart.io.werkruimte.Werkruimte`, runs the engine with
the region's norms and writes the two derived layers in one go each.

Inputs
------
- the walking network cached in the workspace (``kansenkaart osm laden`` / ``osm download``);
- the ``voorzieningen`` layer, plus the partner-delivered ``zorgcentra`` layer as category
  ``zorgcentrum`` (a zorgcentrum within 25 m of an OSM zorgcentrum counts once);
- the locations: every feature of ``nultredenwoningen``, ``zorggeschikte_woningen``,
  ``wooncomplexen``, ``nieuwbouwplannen`` and ``kansen`` (polygons by their representative point);
- the area layers ``buurten``, ``wijken`` and ``gemeenten`` that have features.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kansenkaart.errors import NetworkError, ValidationError
from kansenkaart.io.store import nu
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.netwerk import Netwerk
from kansenkaart.schemas import CATEGORIEEN
from kansenkaart.vlekkenplan import (
    NodeAfstanden,
    VoorbereidNetwerk,
    afstanden_tot_voorzieningen,
    afstanden_voor_locaties,
    bereikbaarheid_laag,
    gebiedsstatistiek,
    isochronen,
    voorbereid_netwerk,
)

__all__ = [
    "LOCATIELAGEN",
    "VlekkenplanResultaat",
    "bereken_vlekkenplan",
    "locaties_uit_werkruimte",
    "vlekkenplan_stand",
    "voorzieningen_uit_werkruimte",
    "werkruimte_netwerk",
    "zone_rond_voorziening",
]

LOCATIELAGEN: tuple[str, ...] = (
    "nultredenwoningen",
    "zorggeschikte_woningen",
    "wooncomplexen",
    "nieuwbouwplannen",
    "kansen",
)
WONINGLAGEN: tuple[str, ...] = ("nultredenwoningen", "zorggeschikte_woningen", "wooncomplexen")
GEBIEDSLAGEN: tuple[tuple[str, str], ...] = (("buurten", "buurt"), ("wijken", "wijk"), ("gemeenten", "gemeente"))
META_LAATSTE_RUN = "vlekkenplan:laatste_run"
ZONES_VERSIE = 1
"""Version of the zone construction; part of every zone fingerprint, so a release that builds
zones differently never reuses zones stored by an earlier one. Bump it when the construction
in :mod:`kansenkaart._isochroon` or :func:`kansenkaart.vlekkenplan.isochronen` changes."""
ZORGCENTRUM_DUBBEL_M = 25.0

Gebiedslocaties = Literal["knooppunten", "woningen"]


@dataclass
class VlekkenplanResultaat:
    """What :func:`bereken_vlekkenplan` computed (and stored)."""

    bereikbaarheid: gpd.GeoDataFrame
    vlekkenplan: gpd.GeoDataFrame | None
    node_afstanden: NodeAfstanden
    gebieden: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def werkruimte_netwerk(werkruimte: Werkruimte) -> Netwerk:
    """Return the workspace's walking network, or raise a Dutch :class:`NetworkError`."""
    from kansenkaart.io.osm import laad_werkruimte_netwerk

    netwerk = laad_werkruimte_netwerk(werkruimte)
    if netwerk is None:
        raise NetworkError(
            "Deze werkruimte heeft nog geen wandelnetwerk. Laad eerst OpenStreetMap met "
            "'kansenkaart osm laden BESTAND' of 'kansenkaart osm download'."
        )
    return netwerk


def voorzieningen_uit_werkruimte(werkruimte: Werkruimte) -> gpd.GeoDataFrame:
    """Return the voorzieningen of a workspace, with the ``zorgcentra`` layer as category zorgcentrum.

    A zorgcentrum from the ``zorgcentra`` layer that lies within 25 m of a zorgcentrum already in
    ``voorzieningen`` (for example the same home from OSM) is not added twice.
    """
    store = werkruimte.store
    voorz = store.read_layer("voorzieningen")[["id", "naam", "categorie", "bron", "geometry"]]
    if store.has_layer("zorgcentra"):
        zc = store.read_layer("zorgcentra")
        if len(zc):
            pts = zc.geometry.representative_point()
            bestaand = voorz[voorz["categorie"] == "zorgcentrum"]
            if len(bestaand):
                dist = pts.apply(lambda p: bestaand.distance(p).min())
                nieuw = (dist > ZORGCENTRUM_DUBBEL_M).to_numpy()
            else:
                nieuw = np.ones(len(zc), dtype=bool)
            extra = gpd.GeoDataFrame(
                {
                    "id": zc["id"].to_numpy()[nieuw],
                    "naam": zc["naam"].to_numpy()[nieuw],
                    "categorie": "zorgcentrum",
                    "bron": zc["bron"].to_numpy()[nieuw],
                },
                geometry=pts.to_numpy()[nieuw],
                crs=zc.crs,
            )
            voorz = pd.concat([voorz, extra], ignore_index=True)
    return gpd.GeoDataFrame(voorz, geometry="geometry", crs=werkruimte.crs)


def locaties_uit_werkruimte(werkruimte: Werkruimte, *, lagen: Sequence[str] = LOCATIELAGEN) -> gpd.GeoDataFrame:
    """Return one point per feature of the location layers, with ``bron_laag`` and ``aantal_woningen``."""
    delen = []
    for naam in lagen:
        if not werkruimte.store.has_layer(naam):
            continue
        gdf = werkruimte.store.read_layer(naam)
        if not len(gdf):
            continue
        aantal = (
            pd.to_numeric(gdf["aantal_woningen"], errors="coerce").astype("float64")
            if "aantal_woningen" in gdf
            else np.nan
        )
        delen.append(
            gpd.GeoDataFrame(
                {
                    "id": gdf["id"].astype(str).to_numpy(),
                    "naam": gdf["naam"].to_numpy() if "naam" in gdf else None,
                    "bron_laag": naam,
                    "aantal_woningen": aantal,
                },
                geometry=gdf.geometry.representative_point().to_numpy(),
                crs=werkruimte.crs,
            )
        )
    if not delen:
        return gpd.GeoDataFrame(
            {"id": [], "naam": [], "bron_laag": [], "aantal_woningen": []}, geometry=[], crs=werkruimte.crs
        )
    return gpd.GeoDataFrame(pd.concat(delen, ignore_index=True), geometry="geometry", crs=werkruimte.crs)


def bereken_vlekkenplan(
    werkruimte: Werkruimte,
    *,
    netwerk: Netwerk | VoorbereidNetwerk | None = None,
    banden_m: Sequence[float] = (100.0, 300.0, 600.0),
    buffer_m: float = 25.0,
    cutoff_m: float = 5000.0,
    max_snap_m: float = 250.0,
    gebiedslocaties: Gebiedslocaties = "knooppunten",
    isochronen_maken: bool = True,
    hergebruik: bool = True,
    threads: int = 2,
    opslaan: bool = True,
    voortgang: Callable[[str], None] | None = None,
) -> VlekkenplanResultaat:
    """Compute the vlekkenplan of a workspace and store ``bereikbaarheid`` and ``vlekkenplan``.

    Parameters
    ----------
    werkruimte
        The workspace.
    netwerk
        A walking network; default the workspace's cached network.
    banden_m
        Isochrone bands (metres over the network).
    buffer_m
        Half-width of the isochrone strips around reachable paths (metres).
    cutoff_m
        Distances beyond this are reported as "niet binnen <cutoff> m".
    max_snap_m
        Points farther from the network are "onbereikbaar" (never distance 0).
    gebiedslocaties
        Locations the per-area statistics average over: ``knooppunten`` (every node of the
        walking network in the area, unweighted: a sample of "every street", because address
        points are not available) or ``woningen`` (the homes layers, weighted by
        ``aantal_woningen``).
    isochronen_maken
        Also build the ``vlekkenplan`` isochrones (the slowest step).
    hergebruik
        Keep the stored zones of every category whose inputs did not change since they were
        made: the same walking network, the same positions of that category's voorzieningen,
        bands, buffer width and snap limit, and the same zone construction
        (:data:`ZONES_VERSIE`). Only the other categories are built again. ``False`` builds
        every zone anew.
    threads
        Threads for the isochrones (GEOS releases the GIL).
    opslaan
        Store the layers in the workspace.
    voortgang
        Called with a Dutch description of each step.
    """
    meld = voortgang or (lambda _s: None)
    if gebiedslocaties not in ("knooppunten", "woningen"):
        raise ValidationError(
            f"Onbekende keuze '{gebiedslocaties}' voor de gebiedsstatistiek; kies knooppunten of woningen."
        )
    regio = werkruimte.regio
    snelheid = regio.norm("loopsnelheid_m_per_min")
    pantoffel = regio.norm("pantoffelzone_m")

    meld("Wandelnetwerk laden")
    vn = voorbereid_netwerk(netwerk if netwerk is not None else werkruimte_netwerk(werkruimte))
    voorz = voorzieningen_uit_werkruimte(werkruimte)
    if not len(voorz):
        raise ValidationError(
            "Er zijn geen voorzieningen in deze werkruimte. Laad OSM ('kansenkaart osm laden') "
            "of importeer voorzieningen ('kansenkaart import voorzieningen BESTAND')."
        )

    meld("Afstanden tot de dichtstbijzijnde voorziening berekenen (per categorie)")
    na = afstanden_tot_voorzieningen(vn, voorz, categorieen=CATEGORIEEN, cutoff_m=cutoff_m, max_snap_m=max_snap_m)

    meld("Afstanden per locatie")
    locaties = locaties_uit_werkruimte(werkruimte)
    delen: list[gpd.GeoDataFrame] = []
    loc_afst = None
    if len(locaties):
        loc_afst = afstanden_voor_locaties(vn, na, locaties, loopsnelheid_m_per_min=snelheid, max_snap_m=max_snap_m)
        delen.append(loc_afst)

    meld("Statistiek per buurt, wijk en gemeente")
    if gebiedslocaties == "woningen":
        basis = loc_afst[loc_afst["bron_laag"].isin(WONINGLAGEN)] if loc_afst is not None else None
        gewicht: str | None = "aantal_woningen"
    else:
        basis = afstanden_voor_locaties(vn, na, None, loopsnelheid_m_per_min=snelheid, max_snap_m=max_snap_m)
        gewicht = None
    gebieden: dict[str, gpd.GeoDataFrame] = {}
    if basis is not None and len(basis):
        for laag, niveau in GEBIEDSLAGEN:
            if not werkruimte.store.has_layer(laag):
                continue
            g = werkruimte.store.read_layer(laag)
            if not len(g):
                continue
            stats = gebiedsstatistiek(
                basis, g[["code", "naam", "geometry"]], niveau=niveau, gewicht_kolom=gewicht, pantoffelzone_m=pantoffel
            )
            gebieden[niveau] = stats
            delen.append(stats)
    if not delen:
        raise ValidationError(
            "Er zijn geen locaties en geen gebieden om de bereikbaarheid voor te berekenen. "
            "Importeer woningen, complexen, kansen of gebieden."
        )
    bereikbaarheid = bereikbaarheid_laag(*delen)
    bereikbaarheid = _opslagklaar(bereikbaarheid, _bereikbaarheid_ids(bereikbaarheid))

    vlekken = None
    vorige = _vorige_run(werkruimte)
    zones_per_categorie: dict[str, Any] = dict(vorige.get("zones_per_categorie") or {})
    posities = _voorzieningen_per_categorie(voorz)
    voorzieningen_zones = vorige.get("voorzieningen_zones") if not isochronen_maken else posities
    hergebruikt: list[str] = []
    if isochronen_maken:
        afdrukken = {
            c: zone_vingerafdruk(vn, voorz[voorz["categorie"] == c], banden_m=banden_m, buffer_m=buffer_m,
                                 max_snap_m=max_snap_m)
            for c in CATEGORIEEN
        }
        bewaard = _bewaarde_zones(werkruimte, zones_per_categorie, afdrukken) if hergebruik else {}
        hergebruikt = [c for c in CATEGORIEEN if c in bewaard]
        nieuw = [c for c in CATEGORIEEN if c not in bewaard]
        delen_v = [bewaard[c] for c in hergebruikt]
        if nieuw:
            tekst = f"Loopzones maken ({', '.join(f'{b:g}' for b in banden_m)} m)"
            if hergebruikt:
                tekst += f" voor {', '.join(nieuw)}; ongewijzigd: {', '.join(hergebruikt)}"
            meld(tekst)
            delen_v.append(isochronen(vn, voorz, banden_m=banden_m, buffer_m=buffer_m, categorieen=nieuw,
                                      max_snap_m=max_snap_m, threads=threads))
        vlekken = _zones_op_volgorde(delen_v, vn.crs)
        vlekken = _opslagklaar(vlekken, _vlekkenplan_ids(vlekken))
        telling_c = vlekken["categorie"].value_counts()
        zones_per_categorie = {
            c: {"vingerafdruk": afdrukken[c], "zones": int(telling_c.get(c, 0))} for c in CATEGORIEEN
        }

    info = {
        "tijdstip": nu(),
        "banden_m": list(banden_m),
        "buffer_m": buffer_m,
        "cutoff_m": cutoff_m,
        "max_snap_m": max_snap_m,
        "loopsnelheid_m_per_min": snelheid,
        "pantoffelzone_m": pantoffel,
        "gebiedslocaties": gebiedslocaties,
        "knooppunten": int(vn.n_nodes),
        "voorzieningen": {c: int((voorz["categorie"] == c).sum()) for c in CATEGORIEEN},
        "onbereikbare_voorzieningen": len(na.onbereikbaar),
        "locaties": len(locaties),
        "gebieden": {k: len(v) for k, v in gebieden.items()},
        "zones": len(vlekken) if vlekken is not None else 0,
        "zones_hergebruikt": hergebruikt,
        "zones_per_categorie": zones_per_categorie,
        "voorzieningen_afstanden": posities,
        "voorzieningen_zones": voorzieningen_zones,
    }
    if opslaan:
        meld("Lagen opslaan")
        werkruimte.store.replace_layer("bereikbaarheid", bereikbaarheid)
        if vlekken is not None:
            werkruimte.store.replace_layer("vlekkenplan", vlekken)
        werkruimte.store.set_meta(META_LAATSTE_RUN, json.dumps(info, ensure_ascii=False))
    return VlekkenplanResultaat(
        bereikbaarheid=bereikbaarheid, vlekkenplan=vlekken, node_afstanden=na, gebieden=gebieden, info=info
    )


def _vorige_run(werkruimte: Werkruimte) -> dict[str, Any]:
    """The info of the last stored run (empty when there is none or it is unreadable)."""
    tekst = werkruimte.store.get_meta(META_LAATSTE_RUN)
    if not tekst:
        return {}
    try:
        info = json.loads(tekst)
    except json.JSONDecodeError:
        return {}
    return info if isinstance(info, dict) else {}


def netwerk_vingerafdruk(vn: VoorbereidNetwerk) -> str:
    """SHA-256 of the walking network as the zones see it: edge ends, lengths and geometry (cached on ``vn``)."""
    cached: str | None = vn._cache.get("vingerafdruk")
    if cached is not None:
        return cached
    h = hashlib.sha256()
    h.update(vn.crs.to_wkt().encode())
    for arr in (vn.u, vn.v, vn.lengte, shapely.get_coordinates(vn.lijnen), shapely.get_num_coordinates(vn.lijnen)):
        h.update(np.ascontiguousarray(arr).tobytes())
    out = h.hexdigest()
    vn._cache["vingerafdruk"] = out
    return out


def zone_vingerafdruk(
    vn: VoorbereidNetwerk,
    voorzieningen: gpd.GeoDataFrame,
    *,
    banden_m: Sequence[float],
    buffer_m: float,
    max_snap_m: float,
) -> str:
    """Fingerprint of everything the zones of one category depend on.

    The network (:func:`netwerk_vingerafdruk`), the positions of the category's voorzieningen
    in the network CRS (sorted, so their order does not matter; names and ids do not shape a
    zone), the bands, the buffer width, the snap limit and :data:`ZONES_VERSIE`.
    """
    pts = voorzieningen.geometry
    if len(pts) and pts.crs is not None and vn.crs != pts.crs:
        pts = pts.to_crs(vn.crs)
    h = hashlib.sha256()
    h.update(netwerk_vingerafdruk(vn).encode())
    h.update(json.dumps([ZONES_VERSIE, [float(b) for b in banden_m], float(buffer_m), float(max_snap_m)]).encode())
    h.update(_posities_hash(pts).encode())
    return h.hexdigest()


def _posities_hash(punten: gpd.GeoSeries) -> str:
    """SHA-256 of point positions, sorted and rounded to the millimetre (order and a store round trip do not matter)."""
    xy = shapely.get_coordinates(shapely.point_on_surface(punten.to_numpy())) if len(punten) else np.empty((0, 2))
    xy = np.round(xy, 3)
    xy = xy[np.lexsort((xy[:, 1], xy[:, 0]))] if len(xy) else xy
    return hashlib.sha256(np.ascontiguousarray(xy, dtype=np.float64).tobytes()).hexdigest()


def _voorzieningen_per_categorie(voorz: gpd.GeoDataFrame) -> dict[str, str]:
    """Position hash of each category's voorzieningen, as read from the workspace."""
    return {c: _posities_hash(voorz.geometry[voorz["categorie"] == c]) for c in CATEGORIEEN}


def vlekkenplan_stand(werkruimte: Werkruimte) -> dict[str, Any] | None:
    """When the stored vlekkenplan layers were computed, and which categories changed since.

    Compares the voorzieningen now in the workspace (``voorzieningen`` plus ``zorgcentra``, as a
    run reads them) with those the last run used, per category. ``None`` when there was no run.

    Returns
    -------
    dict or None
        ``berekend_op`` (ISO time of the last run); ``bereikbaarheid`` and ``vlekkenplan``: the
        categories whose voorzieningen moved, appeared or disappeared since that layer was
        computed (empty: up to date; ``None``: unknown, for a run by an earlier release).
    """
    vorige = _vorige_run(werkruimte)
    if not vorige.get("tijdstip"):
        return None
    try:
        nu_ = _voorzieningen_per_categorie(voorzieningen_uit_werkruimte(werkruimte))
    except (ValidationError, KeyError, ValueError):
        return {"berekend_op": vorige["tijdstip"], "bereikbaarheid": None, "vlekkenplan": None}

    def _gewijzigd(toen: Any) -> list[str] | None:
        if not isinstance(toen, dict):
            return None
        return [c for c in CATEGORIEEN if c in toen and toen[c] != nu_.get(c)]

    return {
        "berekend_op": vorige["tijdstip"],
        "bereikbaarheid": _gewijzigd(vorige.get("voorzieningen_afstanden")),
        "vlekkenplan": _gewijzigd(vorige.get("voorzieningen_zones")),
    }


def _bewaarde_zones(
    werkruimte: Werkruimte, vorige: dict[str, Any], afdrukken: dict[str, str]
) -> dict[str, gpd.GeoDataFrame]:
    """Stored zones per category that can be kept: same fingerprint, and every zone still there."""
    gelijk = [c for c, a in afdrukken.items()
              if isinstance(vorige.get(c), dict) and vorige[c].get("vingerafdruk") == a]
    if not gelijk or not werkruimte.store.has_layer("vlekkenplan"):
        return {}
    opgeslagen = werkruimte.store.read_layer("vlekkenplan")
    if not len(opgeslagen) and any(int(vorige[c].get("zones", -1)) != 0 for c in gelijk):
        return {}
    uit: dict[str, gpd.GeoDataFrame] = {}
    for c in gelijk:
        deel = opgeslagen[opgeslagen["categorie"] == c] if len(opgeslagen) else opgeslagen
        if "voorziening_id" in deel.columns:
            deel = deel[deel["voorziening_id"].isna()]
        if len(deel) == int(vorige[c].get("zones", -1)):
            uit[c] = deel.drop(columns=["id"], errors="ignore")
    return uit


def _zones_op_volgorde(delen: list[gpd.GeoDataFrame], crs: Any) -> gpd.GeoDataFrame:
    """Kept and new zones in one frame, in the order of a full run (category, then band)."""
    kolommen = ["categorie", "band_van_m", "band_tot_m", "voorziening_id", "oppervlakte_m2", "buffer_m", "geometry"]
    delen = [d.to_crs(crs) if d.crs is not None and d.crs != crs else d for d in delen if len(d)]
    if not delen:
        return gpd.GeoDataFrame({k: [] for k in kolommen[:-1]}, geometry=[], crs=crs)
    frame = pd.concat([d[kolommen] for d in delen], ignore_index=True)
    frame["voorziening_id"] = frame["voorziening_id"].astype(object).where(frame["voorziening_id"].notna(), None)
    volgorde = {c: i for i, c in enumerate(CATEGORIEEN)}
    frame["_c"] = frame["categorie"].map(volgorde)
    frame = frame.sort_values(["_c", "band_van_m"], kind="stable").drop(columns="_c").reset_index(drop=True)
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    onb = [r for d in delen for r in d.attrs.get("onbereikbaar", [])]
    out.attrs["onbereikbaar"] = onb
    return out


def zone_rond_voorziening(
    werkruimte: Werkruimte,
    voorziening_id: str,
    *,
    afstand_m: float = 100.0,
    buffer_m: float = 25.0,
    netwerk: Netwerk | VoorbereidNetwerk | None = None,
) -> gpd.GeoDataFrame:
    """Return the walking zone (isochrone) of ``afstand_m`` around one voorziening.

    For example the 100 m zone around one ontmoetingsruimte: the land from which it is within
    100 m walking. Raises :class:`~kansenkaart.errors.NotFoundError` for an unknown id.
    """
    from kansenkaart.errors import NotFoundError

    voorz = voorzieningen_uit_werkruimte(werkruimte)
    een = voorz[voorz["id"] == str(voorziening_id)]
    if not len(een):
        raise NotFoundError(f"Voorziening '{voorziening_id}' bestaat niet in deze werkruimte.")
    vn = voorbereid_netwerk(netwerk if netwerk is not None else werkruimte_netwerk(werkruimte))
    cat = str(een["categorie"].iloc[0])
    return isochronen(vn, een, banden_m=(afstand_m,), buffer_m=buffer_m, categorieen=(cat,), per_voorziening=True)


def _opslagklaar(gdf: gpd.GeoDataFrame, ids: Sequence[str]) -> gpd.GeoDataFrame:
    """Make a derived frame storable: stable ids, plain dtypes (text for mixed object columns)."""
    out = gdf.copy()
    out["id"] = list(ids)
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            continue
        out[col] = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in s]
    return out


def _bereikbaarheid_ids(gdf: gpd.GeoDataFrame) -> list[str]:
    """Stable ids: ``locatie:<laag>:<feature id>`` for locations, ``<niveau>:<code>`` for areas."""
    ids = []
    for niveau, code, laag, fid in zip(
        gdf["niveau"],
        gdf.get("code", pd.Series([None] * len(gdf))),
        gdf.get("bron_laag", pd.Series([None] * len(gdf))),
        gdf.get("id", pd.Series([None] * len(gdf))),
        strict=True,
    ):
        ids.append(f"locatie:{laag}:{fid}" if niveau == "locatie" else f"{niveau}:{code}")
    return ids


def _vlekkenplan_ids(gdf: gpd.GeoDataFrame) -> list[str]:
    """Stable ids: ``<categorie>:<van>-<tot>`` plus ``:<voorziening id>`` for per-voorziening zones."""
    ids = []
    for cat, van, tot, vid in zip(
        gdf["categorie"],
        gdf["band_van_m"],
        gdf["band_tot_m"],
        gdf.get("voorziening_id", pd.Series([None] * len(gdf))),
        strict=True,
    ):
        base = f"{cat}:{van:g}-{tot:g}"
        ids.append(base if vid is None or (isinstance(vid, float) and np.isnan(vid)) else f"{base}:{vid}")
    return ids
