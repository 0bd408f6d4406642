"""Workspace wiring of the geschiktheid score: read layers and distances, score, store ``geschiktheid``.

Steps of :func:`bereken_geschiktheid`:

1. **Candidates** (:mod:`kansenkaart.kandidaten`): the stored ``wooncomplexen``,
   ``nieuwbouwplannen`` and ``kansen`` (not gerealiseerd/vervallen), plus a grid of
   ``celgrootte_m`` cells over the built-up area: within 75 m of a woonstraat of the workspace's
   walking network and inside the ``gemeenten`` layer (when that layer is filled).
2. **Distances** from the vlekkenplan engine (:mod:`kansenkaart.vlekkenplan`): *one*
   multi-source run per facility category for the whole workspace
   (:func:`~kansenkaart.vlekkenplan.afstanden_tot_voorzieningen`, sources: layer
   ``voorzieningen`` plus layer ``zorgcentra`` as category ``zorgcentrum``), then
   :func:`~kansenkaart.vlekkenplan.afstanden_voor_locaties` for all candidate points at once.
   Nothing is recomputed per candidate. The search cutoff is the profile's largest ``max_m``
   (beyond it a facility adds nothing to the score). A candidate that cannot be snapped to the
   network, or a category without any voorziening, gives an *unknown* distance.
3. **Area statistics** of the buurt (or wijk) each candidate lies in, and the gemeente.
4. **Fair share**: need per gemeente (region file, overridden by need figures imported with
   ``kansenkaart monitor behoefte importeren``) minus realised supply
   (:func:`~kansenkaart.geschiktheid.aanbod_per_gemeente`, homes delivered from the start of the
   need period).
5. **Score** (:func:`~kansenkaart.geschiktheid.scoor`) and, when asked, the sensitivity analysis.
6. **Store** the layer ``geschiktheid`` (replacing the previous run) and a summary of the run in
   the workspace metadata (``geschiktheid``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from kansenkaart import geschiktheid as gs
from kansenkaart import vlekkenplan
from kansenkaart.errors import NetworkError
from kansenkaart.geschiktheid import (
    Gevoeligheid,
    Profiel,
    aanbod_per_gemeente,
    gebiedskenmerken,
    laad_profiel,
    scoor,
    tekort_per_gemeente,
)
from kansenkaart.io.monitor import geimporteerde_behoefte
from kansenkaart.io.osm import laad_werkruimte_netwerk
from kansenkaart.io.store import nu
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.kandidaten import (
    bebouwd_gebied,
    gemeentecode_uit_locatie,
    kandidaten_uit_lagen,
    locatiepunten,
    raster,
)
from kansenkaart.monitor import REGIO, behoefte_tabel
from kansenkaart.netwerk import Netwerk

__all__ = [
    "META_GESCHIKTHEID",
    "ScoreResultaat",
    "bereken_geschiktheid",
    "laagkolommen",
    "laatste_run",
    "status_onbekend",
]

META_GESCHIKTHEID = "geschiktheid"
"""Metadata key with a JSON summary of the last run."""

STANDAARD_RASTER_AFSTAND_M = 75.0
"""Half-width of the built-up zone around woonstraten (see :func:`kansenkaart.kandidaten.bebouwd_gebied`)."""


def status_onbekend(status: pd.Series) -> np.ndarray:
    """True where a vlekkenplan ``status_<cat>`` means *unknown* rather than *far*.

    ``onbereikbaar: …`` (the candidate lies too far from every path) and ``geen bereikbare
    voorzieningen`` (the category has no data in this workspace) are unknown; ``niet binnen X m``
    is a real "far" (utility 0) and ``binnen`` a known distance.
    """
    s = status.astype(str)
    return (s.str.startswith("onbereikbaar") | (s == "geen bereikbare voorzieningen")).to_numpy(dtype=bool)


@dataclass(frozen=True)
class ScoreResultaat:
    """Result of :func:`bereken_geschiktheid`.

    Attributes
    ----------
    profiel
        The profile used (with the region's norms filled in).
    laag
        The stored layer ``geschiktheid`` (one row per candidate, sorted by rank).
    gescoord
        Everything behind it: distances, area statistics, ``nut_<id>`` utilities.
    tekort
        Need, supply and gap per gemeente for the profile's doelgroep.
    gevoeligheid
        The sensitivity analysis, or ``None``.
    info
        Summary: candidates per type, network size, search cutoff, categories without data,
        timings; also stored in the workspace metadata.
    """

    profiel: Profiel
    laag: gpd.GeoDataFrame
    gescoord: gpd.GeoDataFrame
    tekort: pd.DataFrame
    gevoeligheid: Gevoeligheid | None
    info: dict[str, Any] = field(default_factory=dict)


def _lees(ws: Werkruimte, naam: str) -> gpd.GeoDataFrame | None:
    if not ws.store.has_layer(naam):
        return None
    gdf = ws.store.read_layer(naam)
    return gdf if len(gdf) else None


def _behoefte(ws: Werkruimte, doelgroep: str) -> dict[str, int | None]:
    """Need per gemeente: the region file, overridden by imported figures (monitor rules)."""
    tabel = behoefte_tabel(ws.regio, geimporteerd=geimporteerde_behoefte(ws))
    rijen = tabel[(tabel["doelgroep"] == doelgroep) & (tabel["gemeentecode"] != REGIO)]
    return {
        str(c): (None if pd.isna(b) else int(b)) for c, b in zip(rijen["gemeentecode"], rijen["behoefte"], strict=True)
    }


def _bronnen(voorzieningen: gpd.GeoDataFrame | None, zorgcentra: gpd.GeoDataFrame | None, crs: CRS) -> gpd.GeoDataFrame:
    """The distance sources: voorzieningen (by category) plus zorgcentra as ``zorgcentrum``."""
    delen = []
    if voorzieningen is not None:
        delen.append(voorzieningen[["id", "categorie", "geometry"]])
    if zorgcentra is not None:
        zc = zorgcentra[["id", "geometry"]].copy()
        zc["categorie"] = "zorgcentrum"
        zc["id"] = "zorgcentra:" + zc["id"].astype(str)
        delen.append(zc[["id", "categorie", "geometry"]])
    if not delen:
        return gpd.GeoDataFrame({"id": [], "categorie": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    out = gpd.GeoDataFrame(pd.concat(delen, ignore_index=True), geometry="geometry", crs=crs)
    niet_punt = out.geom_type != "Point"
    if niet_punt.any():
        out.loc[niet_punt, "geometry"] = out.geometry[niet_punt].representative_point()
    return out


def _afstanden(
    netwerk: Netwerk,
    bronnen: gpd.GeoDataFrame,
    punten: gpd.GeoSeries,
    categorieen: tuple[str, ...],
    zoekafstand_m: float,
    max_snap_m: float,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Distance columns for the candidate points, read from one vlekkenplan run per category."""
    vn = vlekkenplan.voorbereid_netwerk(netwerk)
    if not bronnen["categorie"].isin(list(categorieen)).any():
        # No voorziening at all: every distance is unknown. (The engine is not called: with zero
        # sources afstanden_voor_locaties indexes an empty array.)
        out = pd.DataFrame(index=punten.index)
        for c in categorieen:
            out[f"afstand_{c}_m"] = np.nan
            out[f"afstand_{c}_onbekend"] = True
            out[f"dichtstbij_{c}"] = None
        out["op_netwerk"] = True
        info = {
            "netwerk_knooppunten": int(vn.n_nodes),
            "netwerk_lijnen": int(vn.n_edges),
            "zonder_voorzieningen": list(categorieen),
            "voorzieningen_onbereikbaar": 0,
            "kandidaten_niet_op_netwerk": 0,
        }
        return out, info
    na = vlekkenplan.afstanden_tot_voorzieningen(
        vn, bronnen, categorieen=categorieen, cutoff_m=zoekafstand_m, max_snap_m=max_snap_m
    )
    locaties = gpd.GeoDataFrame(geometry=punten.reset_index(drop=True), crs=punten.crs)
    loc = vlekkenplan.afstanden_voor_locaties(
        vn, na, locaties, max_snap_m=max_snap_m, aantal_binnen_m=(), id_kolom=None, naam_kolom=None
    )
    out = pd.DataFrame(index=punten.index)
    for c in categorieen:
        out[f"afstand_{c}_m"] = loc[f"afstand_{c}_m"].to_numpy(dtype=float)
        out[f"afstand_{c}_onbekend"] = status_onbekend(loc[f"status_{c}"])
        out[f"dichtstbij_{c}"] = loc[f"dichtstbij_{c}"].to_numpy(dtype=object)
    out["op_netwerk"] = loc["bereikbaar"].to_numpy(dtype=bool)
    info = {
        "netwerk_knooppunten": int(vn.n_nodes),
        "netwerk_lijnen": int(vn.n_edges),
        "zonder_voorzieningen": list(na.zonder_voorzieningen),
        "voorzieningen_onbereikbaar": len(na.onbereikbaar),
        "kandidaten_niet_op_netwerk": int((~out["op_netwerk"]).sum()),
    }
    return out, info


def laagkolommen(profiel: Profiel, *, met_gevoeligheid: bool) -> list[str]:
    """Columns of the stored ``geschiktheid`` layer, in order (without ``id`` and geometry)."""
    return [
        "kandidaat_type",
        "naam",
        "bron_laag",
        "bron_id",
        "gemeentecode",
        "gebied_code",
        "gebied_naam",
        "profiel",
        "score",
        "rang",
        *(["rang_min", "rang_max", "robuust"] if met_gevoeligheid else []),
        "voldoet",
        "harde_voorwaarden_niet_voldaan",
        "harde_voorwaarden_onbekend",
        "onbekend",
        "gewicht_bekend",
        *(f"bijdrage_{c.id}" for c in profiel.criteria),
        "uitleg",
        *(f"afstand_{c}_m" for c in profiel.categorieen),
        "aantal_woningen",
        "ontmoetingsruimte",
    ]


def bereken_geschiktheid(
    werkruimte: Werkruimte,
    *,
    profiel: str | Path | Profiel = "geclusterd",
    celgrootte_m: float | None = 100.0,
    gevoeligheid: bool = False,
    trekkingen: int = 200,
    variatie: float = 0.2,
    seed: int | None = 0,
    top: int = 10,
    zoekafstand_m: float | None = None,
    raster_afstand_m: float = STANDAARD_RASTER_AFSTAND_M,
    max_snap_m: float = vlekkenplan.STANDAARD_MAX_SNAP_M,
    netwerk: Netwerk | None = None,
    opslaan: bool = True,
) -> ScoreResultaat:
    """Score every candidate of a workspace and store the layer ``geschiktheid``.

    Parameters
    ----------
    werkruimte
        The workspace.
    profiel
        ``"geclusterd"``, ``"zorggeschikt"``, a path to a profile TOML, or a :class:`Profiel`.
    celgrootte_m
        Grid cell size in metres; ``None`` or 0 leaves the grid out.
    gevoeligheid
        Also run the sensitivity analysis (adds ``rang_min``, ``rang_max``, ``robuust``).
    trekkingen, variatie, seed, top
        Settings of :func:`kansenkaart.geschiktheid.gevoeligheid`.
    zoekafstand_m
        Search cutoff for distances; default the profile's largest ``max_m``.
    raster_afstand_m
        Width of the built-up zone around woonstraten for the grid.
    max_snap_m
        Candidates and voorzieningen farther than this from every path are unknown / ignored.
    netwerk
        A walking network to use instead of the workspace's cached one (tests, notebooks).
    opslaan
        Store the layer and the run summary (default) or only return them.

    Raises
    ------
    NetworkError
        When the workspace has no walking network.
    """
    t0 = time.perf_counter()
    ws = werkruimte
    normen = {k: ws.regio.norm(k) for k in ws.regio.normen}
    p = laad_profiel(profiel).met_normen(normen)
    if netwerk is None:
        netwerk = laad_werkruimte_netwerk(ws)
    if netwerk is None:
        raise NetworkError("Geen wandelnetwerk in deze werkruimte; laad eerst OSM met 'kansenkaart osm laden'.")
    crs = CRS.from_user_input(ws.crs)
    zoek = float(zoekafstand_m) if zoekafstand_m else p.max_afstand_m()

    lagen = {
        naam: _lees(ws, naam)
        for naam in (
            "wooncomplexen",
            "nieuwbouwplannen",
            "kansen",
            "gemeenten",
            "wijken",
            "buurten",
            "voorzieningen",
            "zorgcentra",
            "zorggeschikte_woningen",
            "nultredenwoningen",
        )
    }
    gemeenten = lagen["gemeenten"]

    # 1. Candidates.
    delen = [
        kandidaten_uit_lagen(
            wooncomplexen=lagen["wooncomplexen"],
            nieuwbouwplannen=lagen["nieuwbouwplannen"],
            kansen=lagen["kansen"],
            crs=crs,
        )
    ]
    wegtypen = None
    if celgrootte_m:
        gebied = bebouwd_gebied(netwerk.edges.to_crs(crs), afstand_m=raster_afstand_m)
        wegtypen = gebied.attrs.get("wegtypen")
        delen.append(raster(gebied, celgrootte_m=celgrootte_m, crs=crs, binnen=gemeenten))
    delen = [d for d in delen if len(d)]
    if delen:
        kand = gpd.GeoDataFrame(pd.concat(delen, ignore_index=True), geometry="geometry", crs=crs)
    else:
        kand = kandidaten_uit_lagen(crs=crs)
    t_kand = time.perf_counter()

    # 2./3. Area statistics, gemeente, distances.
    punten = locatiepunten(kand)
    gebied_df = gebiedskenmerken(punten, buurten=lagen["buurten"], wijken=lagen["wijken"])
    codes = gemeentecode_uit_locatie(kand, gemeenten=gemeenten)
    codes = codes.where(codes.notna(), gebied_df["gebied_gemeentecode"])
    kand["gemeentecode"] = codes.astype(object)
    is_raster = (kand["kandidaat_type"] == "raster").to_numpy()
    if is_raster.any():
        naam_geb = gebied_df["gebied_naam"].to_numpy(dtype=object)
        met_naam = is_raster & pd.notna(naam_geb)
        kand.loc[met_naam, "naam"] = (
            kand.loc[met_naam, "naam"] + " in " + pd.Series(naam_geb[met_naam], index=kand.index[met_naam]).astype(str)
        )
    bronnen = _bronnen(lagen["voorzieningen"], lagen["zorgcentra"], crs)
    afst, afst_info = _afstanden(netwerk, bronnen, punten, p.categorieen, zoek, max_snap_m)
    t_afst = time.perf_counter()

    # 4. Fair share.
    aanbod_lagen: dict[str, gpd.GeoDataFrame | None] = {}
    for naam in ("wooncomplexen", "zorggeschikte_woningen", "nultredenwoningen", "kansen"):
        gdf = lagen[naam]
        if gdf is not None:
            gdf = gdf.copy()
            gdf["gemeentecode"] = gemeentecode_uit_locatie(gdf, gemeenten=gemeenten)
        aanbod_lagen[naam] = gdf
    aanbod = aanbod_per_gemeente(
        doelgroep=p.doelgroep,
        min_woningen_cluster=int(ws.regio.norm("min_woningen_cluster")),
        vanaf_jaar=ws.regio.behoefte_periode[0],
        **aanbod_lagen,
    )
    tekort = tekort_per_gemeente(behoefte=_behoefte(ws, p.doelgroep), aanbod=aanbod)

    # 5. Score (and sensitivity).
    invoer = pd.concat([kand, gebied_df.drop(columns=["gebied_gemeentecode"]), afst], axis=1)
    invoer = gpd.GeoDataFrame(invoer, geometry="geometry", crs=crs)
    gescoord = scoor(invoer, profiel=p, tekort=tekort, zoekafstand_m=zoek)
    t_score = time.perf_counter()
    gev: Gevoeligheid | None = None
    if gevoeligheid:
        gev = gs.gevoeligheid(gescoord, profiel=p, trekkingen=trekkingen, variatie=variatie, seed=seed, top=top)
        gescoord = gescoord.join(gev.kandidaten[["rang_min", "rang_max", "robuust"]])
    t_gev = time.perf_counter()

    # 6. The layer.
    kolommen = laagkolommen(p, met_gevoeligheid=gev is not None)
    laag = gescoord[[*kolommen, "geometry"]].copy()
    laag.insert(0, "id", gescoord["kandidaat_id"].to_numpy(dtype=object))
    for k in ["score", "gewicht_bekend", *(c for c in kolommen if c.startswith("bijdrage_"))]:
        laag[k] = laag[k].round(1)
    for k in (c for c in kolommen if c.startswith("afstand_")):
        laag[k] = laag[k].round(0)
    laag["aantal_woningen"] = pd.array(laag["aantal_woningen"], dtype="Float64").astype("Int64")
    laag = laag.sort_values(["rang", "id"], kind="stable").reset_index(drop=True)
    laag = gpd.GeoDataFrame(laag, geometry="geometry", crs=crs)

    per_type = {str(k): int(v) for k, v in kand["kandidaat_type"].value_counts().items()}
    info: dict[str, Any] = {
        "profiel": p.naam,
        "profielbestand": str(p.pad) if p.pad else None,
        "berekend_op": nu(),
        "kandidaten": len(laag),
        "per_type": per_type,
        "voldoet": int(laag["voldoet"].sum()),
        "celgrootte_m": float(celgrootte_m) if celgrootte_m else None,
        "raster_wegtypen": wegtypen,
        "zoekafstand_m": zoek,
        **afst_info,
        "tekort": {str(c): (None if pd.isna(r.tekort) else float(r.tekort)) for c, r in tekort.iterrows()},
        "duur_s": {
            "kandidaten": round(t_kand - t0, 3),
            "afstanden": round(t_afst - t_kand, 3),
            "score": round(t_score - t_afst, 3),
            "gevoeligheid": round(t_gev - t_score, 3),
        },
    }
    if gev is not None:
        info["gevoeligheid"] = {
            "trekkingen": trekkingen,
            "variatie": variatie,
            "seed": seed,
            "top": gev.top,
            **gev.samenvatting,
        }
    if opslaan:
        ws.store.replace_layer("geschiktheid", laag)
        ws.store.set_meta(META_GESCHIKTHEID, json.dumps(info, ensure_ascii=False, default=str))
    return ScoreResultaat(profiel=p, laag=laag, gescoord=gescoord, tekort=tekort, gevoeligheid=gev, info=info)


def laatste_run(werkruimte: Werkruimte) -> dict[str, Any] | None:
    """The summary of the last stored run (profile, counts, sensitivity), or ``None``."""
    raw = werkruimte.store.get_meta(META_GESCHIKTHEID)
    return None if raw is None else dict(json.loads(raw))
