"""kansenkaart: layers, walking-distance vlekkenplan, geschiktheid score, regional monitor and web map.

The public surface of the library is re-exported here, explicitly. Names load lazily (on first
use), so ``import kansenkaart`` stays fast and the CLI starts quickly.

Typical use in a notebook::

    import kansenkaart as kk

    ws = kk.Werkruimte.open("demo-werkruimte")
    res = kk.bereken_vlekkenplan(ws)
    res.gebieden["buurt"]            # per-buurt table
    score = kk.bereken_geschiktheid(ws, profiel="geclusterd")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_PUBLIEK: dict[str, str] = {
    # workspace, region, schemas, CRS
    "Werkruimte": "kansenkaart.io.werkruimte",
    "GeoPackageStore": "kansenkaart.io.store",
    "Provider": "kansenkaart.io.store",
    "Regio": "kansenkaart.regio",
    "laad_regio": "kansenkaart.regio",
    "beschikbare_regios": "kansenkaart.regio",
    "LAGEN": "kansenkaart.schemas",
    "CATEGORIEEN": "kansenkaart.schemas",
    "DEFINITIES": "kansenkaart.schemas",
    "laag": "kansenkaart.schemas",
    "METRIC_CRS": "kansenkaart.crs",
    "WEB_CRS": "kansenkaart.crs",
    "to_metric": "kansenkaart.crs",
    "to_web": "kansenkaart.crs",
    # import, templates, areas, export
    "importeer": "kansenkaart.io.importeren",
    "schrijf_template": "kansenkaart.io.templates",
    "lees_gebieden": "kansenkaart.io.gebieden",
    "normaliseer_gebieden": "kansenkaart.io.gebieden",
    "exporteer_naar_bestand": "kansenkaart.io.export",
    "attributie": "kansenkaart.attributie",
    # OpenStreetMap, network, demo
    "Netwerk": "kansenkaart.netwerk",
    "netwerk_van_graaf": "kansenkaart.netwerk",
    "bestand_bron": "kansenkaart.io.osm",
    "laad_osm": "kansenkaart.io.osm",
    "laad_in_werkruimte": "kansenkaart.io.osm",
    "laad_werkruimte_netwerk": "kansenkaart.io.osm",
    "laad_tagmapping": "kansenkaart.voorzieningen",
    "voorzieningen_uit_osm": "kansenkaart.voorzieningen",
    "combineer_voorzieningen": "kansenkaart.voorzieningen",
    "bouw_demo": "kansenkaart.demo",
    "helsinki_pbf": "kansenkaart.demo",
    # vlekkenplan engine and wiring
    "voorbereid_netwerk": "kansenkaart.vlekkenplan",
    "snap_punten": "kansenkaart.vlekkenplan",
    "afstanden_tot_voorzieningen": "kansenkaart.vlekkenplan",
    "afstanden_voor_locaties": "kansenkaart.vlekkenplan",
    "dichtstbij_over_netwerk": "kansenkaart.vlekkenplan",
    "gebiedsstatistiek": "kansenkaart.vlekkenplan",
    "bereikbaarheid_laag": "kansenkaart.vlekkenplan",
    "isochronen": "kansenkaart.vlekkenplan",
    "bereken_vlekkenplan": "kansenkaart.io.vlekkenplan",
    "voorzieningen_uit_werkruimte": "kansenkaart.io.vlekkenplan",
    "locaties_uit_werkruimte": "kansenkaart.io.vlekkenplan",
    "werkruimte_netwerk": "kansenkaart.io.vlekkenplan",
    "zone_rond_voorziening": "kansenkaart.io.vlekkenplan",
    # geschiktheid
    "Profiel": "kansenkaart.geschiktheid",
    "laad_profiel": "kansenkaart.geschiktheid",
    "beschikbare_profielen": "kansenkaart.geschiktheid",
    "scoor": "kansenkaart.geschiktheid",
    "gevoeligheid": "kansenkaart.geschiktheid",
    "kandidaten_uit_lagen": "kansenkaart.kandidaten",
    "raster": "kansenkaart.kandidaten",
    "bereken_geschiktheid": "kansenkaart.io.score",
    # spatial query
    "ruimtelijke_query": "kansenkaart.query",
    # regional monitor and population
    "bereken_stand": "kansenkaart.monitor",
    "hoover_index": "kansenkaart.monitor",
    "ouderen_per_gemeente": "kansenkaart.bevolking",
    "ouderen_uit_leeftijdstabel": "kansenkaart.bevolking",
    "aandelen": "kansenkaart.bevolking",
    "bereken_monitor": "kansenkaart.io.monitor",
    "monitor_overzicht": "kansenkaart.io.monitor",
    "leg_peildatum_vast": "kansenkaart.io.monitor",
    "peildata": "kansenkaart.io.monitor",
    "laad_bevolking": "kansenkaart.io.monitor",
    "grafiek_spreiding_svg": "kansenkaart.io.monitor",
    "grafiek_behoefte_svg": "kansenkaart.io.monitor",
}

__all__ = ["__version__", *sorted(_PUBLIEK)]


def __getattr__(name: str) -> Any:
    module = _PUBLIEK.get(name)
    if module is None:
        raise AttributeError(f"module 'kansenkaart' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from kansenkaart.attributie import attributie
    from kansenkaart.bevolking import aandelen, ouderen_per_gemeente, ouderen_uit_leeftijdstabel
    from kansenkaart.crs import METRIC_CRS, WEB_CRS, to_metric, to_web
    from kansenkaart.demo import bouw_demo, helsinki_pbf
    from kansenkaart.geschiktheid import Profiel, beschikbare_profielen, gevoeligheid, laad_profiel, scoor
    from kansenkaart.io.export import exporteer_naar_bestand
    from kansenkaart.io.gebieden import lees_gebieden, normaliseer_gebieden
    from kansenkaart.io.importeren import importeer
    from kansenkaart.io.monitor import (
        bereken_monitor,
        grafiek_behoefte_svg,
        grafiek_spreiding_svg,
        laad_bevolking,
        leg_peildatum_vast,
        monitor_overzicht,
        peildata,
    )
    from kansenkaart.io.osm import bestand_bron, laad_in_werkruimte, laad_osm, laad_werkruimte_netwerk
    from kansenkaart.io.score import bereken_geschiktheid
    from kansenkaart.io.store import GeoPackageStore, Provider
    from kansenkaart.io.templates import schrijf_template
    from kansenkaart.io.vlekkenplan import (
        bereken_vlekkenplan,
        locaties_uit_werkruimte,
        voorzieningen_uit_werkruimte,
        werkruimte_netwerk,
        zone_rond_voorziening,
    )
    from kansenkaart.io.werkruimte import Werkruimte
    from kansenkaart.kandidaten import kandidaten_uit_lagen, raster
    from kansenkaart.monitor import bereken_stand, hoover_index
    from kansenkaart.netwerk import Netwerk, netwerk_van_graaf
    from kansenkaart.query import ruimtelijke_query
    from kansenkaart.regio import Regio, beschikbare_regios, laad_regio
    from kansenkaart.schemas import CATEGORIEEN, DEFINITIES, LAGEN, laag
    from kansenkaart.vlekkenplan import (
        afstanden_tot_voorzieningen,
        afstanden_voor_locaties,
        bereikbaarheid_laag,
        dichtstbij_over_netwerk,
        gebiedsstatistiek,
        isochronen,
        snap_punten,
        voorbereid_netwerk,
    )
    from kansenkaart.voorzieningen import combineer_voorzieningen, laad_tagmapping, voorzieningen_uit_osm
