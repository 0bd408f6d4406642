"""OpenStreetMap base data: the walking network and voorzieningen, from files or from Overpass.

Three sources, one code path
----------------------------
A source is described by an :class:`OsmBron` (:func:`bestand_bron` for a local file,
:func:`overpass_bron` for an area to download). :func:`laad_osm` turns any of them into the same
two intermediates, in the layout osmnx uses for both its file and its Overpass readers:

- an osmnx ``MultiDiGraph`` of the ways that osmnx's ``network_type="walk"`` keeps, and
- an osmnx *features* frame of the objects whose tags the tag mapping asks for.

Everything downstream is shared: :func:`kansenkaart.netwerk.netwerk_van_graaf` builds the
:class:`~kansenkaart.netwerk.Netwerk` in the region's metric CRS (largest component, report of
what was dropped) and :func:`kansenkaart.voorzieningen.voorzieningen_uit_osm` applies the tag
mapping.

How each source reaches the intermediates:

- **Files** (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``): one streaming pass of pyosmium
  (which reads all of these formats) selects the walkable ways with osmnx's own walk filter
  (parsed from ``osmnx._overpass._get_network_filter("walk")``, see :mod:`._overpass`) and the
  candidate voorzieningen, and writes them as two small OSM XML files in a temporary folder.
  osmnx then reads them with its public ``graph_from_xml`` and ``features_from_xml``, which run
  the same graph building and geometry building (areas, multipolygons) as its Overpass readers.
  Ways cut by the edge of an extract are split at the missing nodes (pieces after the first get a
  negative id, ``-(way_id * 1000 + k)``).
- **Overpass**: osmnx's ``graph_from_polygon(network_type="walk")`` with ``overpass_url`` pointed at
  the configured server and the osmnx HTTP cache in ``<cache>/overpass``; the voorzieningen with
  our own query (:func:`._overpass.voorzieningen_query`, which also finds multi-valued tags such as
  ``amenity=pharmacy;doctors``), whose OSM XML answer is kept in ``<cache>/overpass`` too and read
  with ``features_from_xml`` like a file.

Caching
-------
The results are cached in ``<cache>/netwerk/<key>`` and ``<cache>/voorzieningen/<key>`` (GeoParquet,
see :mod:`._osmcache`). The key covers the SHA-256 of the source file (or the Overpass URL and
area), the metric CRS, the osmnx walk filter and the tag mapping, so a second run is read from the
cache and a changed extract is rebuilt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.etree.ElementTree import ParseError as XmlParseError
from xml.sax import SAXException

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon, box

from kansenkaart.crs import check_crs
from kansenkaart.errors import BadFileError, CRSError, KansenkaartError, NetworkError, NotFoundError, ValidationError
from kansenkaart.io import _osmcache
from kansenkaart.io._overpass import osmnx_instellingen, voorzieningen_query, walk_filter, weg_filter
from kansenkaart.netwerk import Netwerk, netwerk_van_graaf
from kansenkaart.voorzieningen import (
    BRON_OSM,
    KOLOMMEN,
    TagMapping,
    combineer_voorzieningen,
    laad_tagmapping,
    met_gemeentecode,
    voorzieningen_uit_osm,
)

if TYPE_CHECKING:
    from kansenkaart.io.werkruimte import Werkruimte

__all__ = [
    "BESTANDSSOORTEN",
    "LaadRapport",
    "OsmBron",
    "OsmResultaat",
    "bestand_bron",
    "gebied_uit_bbox",
    "gebied_van_werkruimte",
    "laad_gebouwen",
    "laad_in_werkruimte",
    "laad_osm",
    "laad_werkruimte_netwerk",
    "overpass_bron",
    "parse_bbox",
]

BESTANDSSOORTEN: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")
"""File name endings :func:`bestand_bron` accepts."""

NETWERK_VERSIE = "1"
"""Bump when the way the network is built changes; part of the cache key."""
VOORZIENINGEN_VERSIE = "1"
"""Bump when the way voorzieningen are derived changes; part of the cache key."""

META_NETWERK = "netwerk_cache"
META_BRON = "osm_bron"

Voortgang = Callable[[str], None]


def _stil(_: str) -> None:
    return None


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class OsmBron:
    """A source of OSM data: a local file or an area to download from Overpass.

    Attributes
    ----------
    soort
        ``bestand`` or ``overpass``.
    sleutel
        SHA-256 of the file's bytes, or of the Overpass URL and area; part of the cache keys.
    omschrijving
        Dutch description for reports, e.g. ``Helsinki.osm.pbf (685 kB)``.
    pad
        The file (``bestand``).
    gebied
        The area in WGS84 lon/lat (``overpass``).
    overpass_url
        The Overpass API base URL (``overpass``).
    peildatum
        Date of the data (``JJJJ-MM-DD``) when known.
    """

    soort: Literal["bestand", "overpass"]
    sleutel: str
    omschrijving: str
    pad: Path | None = None
    gebied: Polygon | MultiPolygon | None = None
    overpass_url: str | None = None
    peildatum: str | None = None

    def als_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description (stored in the workspace metadata)."""
        return {
            "soort": self.soort,
            "sleutel": self.sleutel,
            "omschrijving": self.omschrijving,
            "pad": str(self.pad) if self.pad else None,
            "gebied": shapely.to_wkt(self.gebied, rounding_precision=6) if self.gebied is not None else None,
            "overpass_url": self.overpass_url,
            "peildatum": self.peildatum,
        }


def _soort_bestand(pad: Path) -> str | None:
    naam = pad.name.lower()
    return next((s for s in BESTANDSSOORTEN if naam.endswith(s)), None)


def _header_datum(pad: Path) -> str | None:
    import osmium

    try:
        header = osmium.io.Reader(str(pad), osmium.osm.NOTHING).header()
    except RuntimeError:
        return None
    for k in ("osmosis_replication_timestamp", "timestamp"):
        v = header.get(k, "")
        if v:
            return v[:10]
    return None


def bestand_bron(pad: str | Path) -> OsmBron:
    """Describe a local OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``) as a source.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    BadFileError
        When its name does not end in a supported extension.
    """
    p = Path(pad).expanduser()
    if not p.is_file():
        raise NotFoundError(f"OSM-bestand '{p}' bestaat niet.", details={"pad": str(p)})
    if _soort_bestand(p) is None:
        raise BadFileError(
            f"'{p.name}' is geen OSM-bestand. Toegestaan: {', '.join(BESTANDSSOORTEN)} "
            "(bijv. een uitsnede van download.geofabrik.de of extract.bbbike.org).",
            details={"pad": str(p)},
        )
    sha = _osmcache.bestand_sha256(p)
    grootte = p.stat().st_size
    return OsmBron(
        soort="bestand",
        sleutel=sha,
        omschrijving=f"{p.name} ({grootte / 1000:,.0f} kB)".replace(",", "."),
        pad=p.resolve(),
        peildatum=_header_datum(p),
    )


def overpass_bron(gebied: Polygon | MultiPolygon, *, overpass_url: str) -> OsmBron:
    """Describe an area (WGS84 lon/lat) to download from the Overpass API at ``overpass_url``.

    Raises
    ------
    ValidationError
        When the area is empty, invalid or not in lon/lat degrees.
    """
    if not isinstance(gebied, Polygon | MultiPolygon) or gebied.is_empty or not gebied.is_valid:
        raise ValidationError("Het downloadgebied moet een geldig (multi)polygoon zijn.")
    minx, miny, maxx, maxy = gebied.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            f"Het downloadgebied {tuple(round(v, 3) for v in gebied.bounds)} ligt niet in "
            "lengte-/breedtegraden (WGS84)."
        )
    url = overpass_url.rstrip("/")
    wkt = shapely.to_wkt(gebied, rounding_precision=6)
    return OsmBron(
        soort="overpass",
        sleutel=_osmcache.sleutel("overpass", url, wkt),
        omschrijving=f"Overpass {url}, gebied {minx:.4f},{miny:.4f},{maxx:.4f},{maxy:.4f}",
        gebied=gebied,
        overpass_url=url,
        peildatum=datetime.now(UTC).date().isoformat(),
    )


def parse_bbox(tekst: str) -> tuple[float, float, float, float]:
    """Parse ``minlon,minlat,maxlon,maxlat`` (WGS84 degrees).

    Raises
    ------
    ValidationError
        With the expected format when the text is not four ordered numbers in range.
    """
    try:
        waarden = tuple(float(x) for x in tekst.replace(";", ",").split(","))
    except ValueError as e:
        raise ValidationError(f"Ongeldige bbox '{tekst}': verwacht minlon,minlat,maxlon,maxlat in graden.") from e
    if len(waarden) != 4:
        raise ValidationError(f"Ongeldige bbox '{tekst}': verwacht vier getallen minlon,minlat,maxlon,maxlat.")
    minx, miny, maxx, maxy = waarden
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ValidationError(
            f"Ongeldige bbox '{tekst}': verwacht minlon < maxlon en minlat < maxlat in graden (WGS84), "
            "bijv. 5.10,52.18,5.25,52.27."
        )
    return minx, miny, maxx, maxy


def gebied_uit_bbox(bbox: tuple[float, float, float, float] | str) -> Polygon:
    """Return the WGS84 polygon of a bbox (tuple or ``minlon,minlat,maxlon,maxlat`` text)."""
    b = parse_bbox(bbox) if isinstance(bbox, str) else parse_bbox(",".join(map(str, bbox)))
    return box(*b)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class OsmResultaat:
    """What :func:`laad_osm` returns.

    Attributes
    ----------
    netwerk
        The walking network in the metric CRS.
    voorzieningen
        OSM voorzieningen (columns :data:`kansenkaart.voorzieningen.KOLOMMEN`, Points in the
        metric CRS).
    bron
        The source.
    netwerk_sleutel, voorzieningen_sleutel
        Cache keys (folder names under ``<cache>/netwerk`` and ``<cache>/voorzieningen``).
    uit_cache
        Per part (``netwerk``, ``voorzieningen``): read from the cache instead of built.
    """

    netwerk: Netwerk
    voorzieningen: gpd.GeoDataFrame
    bron: OsmBron
    netwerk_sleutel: str
    voorzieningen_sleutel: str
    uit_cache: dict[str, bool] = field(default_factory=dict)


@dataclass
class _Ruw:
    graaf: nx.MultiDiGraph | None = None
    features: gpd.GeoDataFrame | None = None


# --------------------------------------------------------------------------- file extraction


def _schrijf_xml(pad: Path, nodes: dict[int, tuple[float, float, dict[str, str]]],
                 wegen: list[tuple[int, list[int], dict[str, str]]],
                 relaties: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]]) -> None:
    import osmium
    from osmium.osm import mutable

    schrijver = osmium.SimpleWriter(str(pad))
    try:
        for nid in sorted(nodes):
            lon, lat, tags = nodes[nid]
            schrijver.add_node(mutable.Node(id=nid, location=(lon, lat), tags=tags))
        for wid, refs, tags in sorted(wegen, key=lambda w: w[0]):
            schrijver.add_way(mutable.Way(id=wid, nodes=refs, tags=tags))
        for rid, leden, tags in sorted(relaties, key=lambda r: r[0]):
            schrijver.add_relation(mutable.Relation(id=rid, members=leden, tags=tags))
    finally:
        schrijver.close()


def _extraheer(
    pad: Path, map_: Path, *, mapping: TagMapping, netwerk: bool, voorzieningen: bool
) -> tuple[Path | None, Path | None]:
    """Stream an OSM file and write the walkable ways and candidate voorzieningen as OSM XML."""
    try:
        return _extraheer_ongecontroleerd(pad, map_, mapping=mapping, netwerk=netwerk, voorzieningen=voorzieningen)
    except RuntimeError as e:  # libosmium reports unreadable input (bad PBF blob, XML error) like this
        raise BadFileError(f"OSM-bestand '{pad.name}' kan niet gelezen worden: {e}", details={"pad": str(pad)}) from e


def _extraheer_ongecontroleerd(
    pad: Path, map_: Path, *, mapping: TagMapping, netwerk: bool, voorzieningen: bool
) -> tuple[Path | None, Path | None]:
    import osmium

    weg = weg_filter(walk_filter())
    bestand = str(pad)
    # Pass 1 (relations only; cheap): multipolygons that may be voorzieningen, and their member ways.
    relaties: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
    lid_wegen: set[int] = set()
    if voorzieningen:
        for r in osmium.FileProcessor(bestand, osmium.osm.RELATION):
            if not isinstance(r, osmium.osm.Relation):
                continue
            tags = dict(r.tags)
            if tags.get("type") == "multipolygon" and mapping.kan_passen(tags):
                leden = [(m.type, m.ref, m.role) for m in r.members]
                relaties.append((r.id, leden, tags))
                lid_wegen.update(m.ref for m in r.members if m.type == "w")

    # Pass 2 (nodes and ways, with node locations).
    net_nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    net_wegen: list[tuple[int, list[int], dict[str, str]]] = []
    poi_nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    poi_wegen: list[tuple[int, list[int], dict[str, str]]] = []
    sleutels = list(mapping.overpass_tags())
    fp = osmium.FileProcessor(bestand, osmium.osm.NODE | osmium.osm.WAY).with_locations()
    # Nodes: only the tagged candidates reach Python (their locations are stored regardless).
    node_filter: osmium.BaseFilter
    if voorzieningen:
        node_filter = osmium.filter.KeyFilter(*sleutels)
        node_filter.enable_for(osmium.osm.NODE)
    else:
        node_filter = osmium.filter.EntityFilter(osmium.osm.WAY)
    fp = fp.with_filter(node_filter)
    for o in fp:
        if isinstance(o, osmium.osm.Node):
            tags = dict(o.tags)
            if mapping.kan_passen(tags):
                poi_nodes[o.id] = (o.location.lon, o.location.lat, tags)
            continue
        if not isinstance(o, osmium.osm.Way):
            continue
        tags = dict(o.tags)
        if netwerk and "highway" in tags and weg(tags):
            stuk: list[Any] = []
            stukken: list[list[Any]] = []
            for n in o.nodes:
                if n.location.valid():
                    stuk.append(n)
                elif stuk:
                    stukken.append(stuk)
                    stuk = []
            stukken.append(stuk)
            for k, s in enumerate(x for x in stukken if len(x) >= 2):
                for n in s:
                    net_nodes[n.ref] = (n.lon, n.lat, {})
                net_wegen.append((o.id if k == 0 else -(o.id * 1000 + k), [n.ref for n in s], tags))
        if voorzieningen and (o.id in lid_wegen or mapping.kan_passen(tags)):
            geldig = [n for n in o.nodes if n.location.valid()]
            if len(geldig) >= 2:
                for n in geldig:
                    poi_nodes.setdefault(n.ref, (n.lon, n.lat, {}))
                poi_wegen.append((o.id, [n.ref for n in geldig], tags if mapping.kan_passen(tags) else {}))

    net_pad = poi_pad = None
    if netwerk:
        if not net_wegen:
            raise NetworkError(
                f"'{pad.name}' bevat geen wegen of paden waarover voetgangers kunnen lopen.",
                details={"pad": str(pad)},
            )
        net_pad = map_ / "netwerk.osm"
        _schrijf_xml(net_pad, net_nodes, net_wegen, [])
    if voorzieningen:
        aanwezig = {w[0] for w in poi_wegen}
        rel = []
        for rid, leden, tags in relaties:
            over = [
                (t, ref, rol)
                for t, ref, rol in leden
                if (t == "w" and ref in aanwezig) or (t == "n" and ref in poi_nodes)
            ]
            if any(t == "w" for t, _, _ in over):
                rel.append((rid, over, tags))
        poi_pad = map_ / "voorzieningen.osm"
        _schrijf_xml(poi_pad, poi_nodes, poi_wegen, rel)
    return net_pad, poi_pad


def _leeg_features() -> gpd.GeoDataFrame:
    idx = pd.MultiIndex.from_arrays([[], []], names=["element", "id"])
    return gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs="EPSG:4326")}, index=idx, crs="EPSG:4326")


def _features(lees: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    from osmnx._errors import InsufficientResponseError

    try:
        return lees()
    except InsufficientResponseError:
        return _leeg_features()


def _ruw_uit_bestand(bron: OsmBron, *, mapping: TagMapping, netwerk: bool, voorzieningen: bool,
                     werkmap: Path, voortgang: Voortgang) -> _Ruw:
    import osmnx as ox

    assert bron.pad is not None
    voortgang(f"{bron.pad.name} lezen (wandelnetwerk en voorzieningen selecteren)")
    net_pad, poi_pad = _extraheer(bron.pad, werkmap, mapping=mapping, netwerk=netwerk, voorzieningen=voorzieningen)
    ruw = _Ruw()
    if net_pad is not None:
        voortgang("Wandelgraaf bouwen (osmnx)")
        ruw.graaf = ox.graph_from_xml(net_pad, bidirectional=True, simplify=True, retain_all=True)
    if poi_pad is not None:
        voortgang("Voorzieningen bouwen (osmnx)")
        # No tag filter here: the file holds only candidates (chosen with TagMapping.kan_passen,
        # which also understands multi-valued tags such as amenity=pharmacy;doctors).
        ruw.features = _features(lambda: ox.features_from_xml(poi_pad))
    return ruw


_OVERPASS_TIMEOUT_S = 180
_OVERPASS_FOUT = re.compile(rb"<remark>\s*(.*?)\s*</remark>", re.S)


def _overpass_voorzieningen(bron: OsmBron, *, mapping: TagMapping, map_: Path, vernieuwen: bool) -> Path:
    """Download the candidate voorzieningen as OSM XML (kept in ``map_``, keyed by server and query).

    Raises ``requests.RequestException`` for HTTP errors, and :class:`KansenkaartError` when the
    server answers 200 with an error remark (a timeout or an out-of-memory on its side).
    """
    import osmnx as ox
    import requests

    assert bron.gebied is not None and bron.overpass_url is not None
    query = voorzieningen_query(mapping.overpass_tags(), bron.gebied, timeout_s=_OVERPASS_TIMEOUT_S)
    pad = map_ / f"voorzieningen-{_osmcache.sleutel(bron.overpass_url, query)[:32]}.osm"
    if pad.exists() and not vernieuwen:
        return pad
    antwoord = requests.post(
        f"{bron.overpass_url}/interpreter",
        data={"data": query},
        headers={"User-Agent": str(ox.settings.http_user_agent)},
        timeout=_OVERPASS_TIMEOUT_S + 30,
    )
    antwoord.raise_for_status()
    opmerking = _OVERPASS_FOUT.search(antwoord.content)
    if opmerking is not None and b"error" in opmerking.group(1).lower():
        melding = opmerking.group(1).decode("utf-8", "replace").strip()
        raise KansenkaartError(
            f"De Overpass API ({bron.overpass_url}) kon de voorzieningen niet leveren: {melding}. Probeer het later "
            "opnieuw, kies een andere server met --overpass-url, of laad een bestand met 'kansenkaart osm laden'.",
            details={"url": bron.overpass_url},
        )
    map_.mkdir(parents=True, exist_ok=True)
    tijdelijk = pad.with_suffix(f".{os.getpid()}.tmp")
    tijdelijk.write_bytes(antwoord.content)
    tijdelijk.replace(pad)
    return pad


def _ruw_uit_overpass(bron: OsmBron, *, mapping: TagMapping, netwerk: bool, voorzieningen: bool,
                      cache_dir: Path, vernieuwen: bool, voortgang: Voortgang) -> _Ruw:
    import osmnx as ox
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    assert bron.gebied is not None and bron.overpass_url is not None
    ruw = _Ruw()
    try:
        with osmnx_instellingen(overpass_url=bron.overpass_url, cache_folder=cache_dir / "overpass",
                                http_cache=not vernieuwen):
            if netwerk:
                voortgang(f"Wandelnetwerk downloaden van {bron.overpass_url}")
                try:
                    ruw.graaf = ox.graph_from_polygon(
                        bron.gebied, network_type="walk", simplify=True, retain_all=True, truncate_by_edge=True
                    )
                except InsufficientResponseError as e:
                    raise NetworkError("Overpass gaf geen wegen of paden voor voetgangers in dit gebied.") from e
            if voorzieningen:
                voortgang(f"Voorzieningen downloaden van {bron.overpass_url}")
                poi_pad = _overpass_voorzieningen(bron, mapping=mapping, map_=cache_dir / "overpass",
                                                  vernieuwen=vernieuwen)
                gebied = bron.gebied
                try:
                    ruw.features = _features(lambda: ox.features_from_xml(poi_pad, polygon=gebied))
                except (XmlParseError, SAXException) as e:
                    poi_pad.unlink(missing_ok=True)  # a retry downloads again
                    raise KansenkaartError(
                        f"Het antwoord van de Overpass API ({bron.overpass_url}) is geen geldige OSM XML ({e}). "
                        "Probeer het later opnieuw of kies een andere server met --overpass-url.",
                        details={"url": bron.overpass_url},
                    ) from e
    except (requests.RequestException, ResponseStatusCodeError) as e:
        raise KansenkaartError(
            f"De Overpass API ({bron.overpass_url}) is niet bereikbaar of gaf een fout: {e}. Probeer het later "
            "opnieuw, kies een andere server met --overpass-url, of laad een bestand met 'kansenkaart osm laden'.",
            details={"url": bron.overpass_url},
        ) from e
    return ruw


def _ruwe_gegevens(bron: OsmBron, *, mapping: TagMapping, netwerk: bool, voorzieningen: bool, cache_dir: Path,
                   vernieuwen: bool, voortgang: Voortgang) -> _Ruw:
    """Normalise a source into the two intermediates (osmnx graph, osmnx features frame)."""
    if bron.soort == "overpass":
        return _ruw_uit_overpass(bron, mapping=mapping, netwerk=netwerk, voorzieningen=voorzieningen,
                                 cache_dir=cache_dir, vernieuwen=vernieuwen, voortgang=voortgang)
    werkmap = Path(tempfile.mkdtemp(prefix="osm-", dir=cache_dir))
    try:
        return _ruw_uit_bestand(bron, mapping=mapping, netwerk=netwerk, voorzieningen=voorzieningen,
                                werkmap=werkmap, voortgang=voortgang)
    finally:
        shutil.rmtree(werkmap, ignore_errors=True)


def laad_osm(
    bron: OsmBron | str | Path,
    *,
    crs: str | CRS,
    cache_dir: Path,
    mapping: TagMapping | None = None,
    vernieuwen: bool = False,
    voortgang: Voortgang | None = None,
) -> OsmResultaat:
    """Build (or read from the cache) the walking network and the OSM voorzieningen of a source.

    Parameters
    ----------
    bron
        An :class:`OsmBron`, or the path of an OSM file.
    crs
        The metric CRS of the results (the region's ``crs``).
    cache_dir
        The cache folder (a workspace's ``cache/``).
    mapping
        The tag mapping; default the package's ``osm_tags.toml``.
    vernieuwen
        Ignore cached results (and the Overpass HTTP cache) and rebuild.
    voortgang
        Called with a short Dutch description of each step (for a progress display).

    Raises
    ------
    NotFoundError, BadFileError
        For a missing or unreadable file.
    NetworkError
        When the source holds no walkable ways.
    KansenkaartError
        When Overpass cannot be reached.
    """
    meld = voortgang or _stil
    b = bron if isinstance(bron, OsmBron) else bestand_bron(bron)
    doel = CRS.from_user_input(crs)
    if not doel.is_projected:
        raise CRSError(f"CRS {doel.to_string()} is niet geprojecteerd; het wandelnetwerk wordt in meters gebouwd.")
    mapping = mapping or laad_tagmapping()
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    net_sleutel = _osmcache.sleutel("netwerk", NETWERK_VERSIE, b.sleutel, doel.to_wkt(), walk_filter())
    vz_sleutel = _osmcache.sleutel(
        "voorzieningen", VOORZIENINGEN_VERSIE, b.sleutel, doel.to_wkt(), mapping.vingerafdruk
    )
    net_map = cache_dir / "netwerk" / net_sleutel
    vz_map = cache_dir / "voorzieningen" / vz_sleutel

    netwerk = None if vernieuwen else _osmcache.lees_netwerk(net_map)
    vz = None if vernieuwen else _osmcache.lees_voorzieningen(vz_map)
    uit_cache = {"netwerk": netwerk is not None, "voorzieningen": vz is not None}
    if netwerk is None or vz is None:
        ruw = _ruwe_gegevens(b, mapping=mapping, netwerk=netwerk is None, voorzieningen=vz is None,
                             cache_dir=cache_dir, vernieuwen=vernieuwen, voortgang=meld)
        info = {"bron": b.als_dict(), "gemaakt_op": datetime.now(UTC).isoformat(timespec="seconds")}
        if netwerk is None:
            assert ruw.graaf is not None
            meld("Wandelnetwerk omzetten naar het metrische CRS en de grootste samenhangende component")
            netwerk = netwerk_van_graaf(ruw.graaf, crs=doel)
            _osmcache.schrijf_netwerk(netwerk, net_map, info={**info, "walk_filter": walk_filter()})
        if vz is None:
            assert ruw.features is not None
            meld("Tags van voorzieningen indelen in categorieën")
            vz = voorzieningen_uit_osm(ruw.features, crs=doel, mapping=mapping, peildatum=b.peildatum)
            _osmcache.schrijf_voorzieningen(vz, vz_map, info={**info, "tagtabel": mapping.vingerafdruk})
    return OsmResultaat(netwerk, vz, b, net_sleutel, vz_sleutel, uit_cache)


# --------------------------------------------------------------------------- buildings (demo)


def laad_gebouwen(pad: str | Path, *, crs: str | CRS) -> gpd.GeoDataFrame:
    """Read the building footprints of an OSM file (closed ways and multipolygons with ``building``).

    Parameters
    ----------
    pad
        An OSM file (any format of :data:`BESTANDSSOORTEN`).
    crs
        The metric CRS of the result.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id`` (``way/1`` or ``relation/2``), ``building`` (the tag value),
        ``bouwlagen`` (``building:levels`` as a number, NaN when absent or not a number),
        ``naam``, ``gebruik`` (the first of ``amenity``, ``shop``, ``office``, ``tourism``,
        ``leisure`` when present) and a (Multi)Polygon ``geometry`` in ``crs``.
    """
    import osmium

    bron = bestand_bron(pad)
    assert bron.pad is not None
    wkb = osmium.geom.WKBFactory()
    rijen: list[dict[str, Any]] = []
    geoms: list[str] = []
    fp = osmium.FileProcessor(str(bron.pad)).with_areas(osmium.filter.KeyFilter("building"))
    fp = fp.with_filter(osmium.filter.KeyFilter("building"))
    for o in fp:
        if not isinstance(o, osmium.osm.Area):
            continue
        try:
            g = wkb.create_multipolygon(o)
        except RuntimeError:  # a broken ring in the source data: skip this building
            continue
        tags = dict(o.tags)
        try:
            lagen = float(tags.get("building:levels", "nan").replace(",", "."))
        except ValueError:
            lagen = np.nan
        gebruik = next((tags[k] for k in ("amenity", "shop", "office", "tourism", "leisure") if k in tags), None)
        rijen.append(
            {
                "osm_id": f"{'way' if o.from_way() else 'relation'}/{o.orig_id()}",
                "building": tags.get("building"),
                "bouwlagen": lagen if np.isfinite(lagen) else np.nan,
                "naam": tags.get("name"),
                "gebruik": gebruik,
            }
        )
        geoms.append(g)
    frame = pd.DataFrame(rijen, columns=["osm_id", "building", "bouwlagen", "naam", "gebruik"])
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapely.from_wkb(geoms), crs="EPSG:4326"))
    gdf = gdf[gdf.geometry.is_valid & ~gdf.geometry.is_empty]
    return gdf.to_crs(crs).sort_values("osm_id").reset_index(drop=True)


# --------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class LaadRapport:
    """What :func:`laad_in_werkruimte` did.

    Attributes
    ----------
    netwerk
        Nodes, edges and what was dropped (``Netwerk.rapport``).
    per_categorie
        Number of voorzieningen per category in the layer afterwards.
    osm
        Number of OSM voorzieningen found.
    partner
        Number of partner voorzieningen (not from OSM) in the layer.
    gekoppeld
        Partner voorzieningen matched with an OSM voorziening (kept once, both sources recorded).
    uit_cache
        Per part: read from the cache.
    """

    netwerk: dict[str, int]
    per_categorie: dict[str, int]
    osm: int
    partner: int
    gekoppeld: int
    uit_cache: dict[str, bool]


def _partner_deel(bestaand: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The non-OSM rows of a voorzieningen layer, with an earlier OSM match undone."""
    bron = bestaand["bron"].astype(object)
    partner = bestaand.loc[bron.ne(BRON_OSM).to_numpy()].copy()
    suffix = f";{BRON_OSM}"
    had_osm = partner["bron"].astype(str).str.endswith(suffix)
    partner.loc[had_osm, "bron"] = partner.loc[had_osm, "bron"].astype(str).str[: -len(suffix)]
    partner.loc[had_osm, "osm_id"] = None
    return partner


def laad_in_werkruimte(
    werkruimte: Werkruimte,
    resultaat: OsmResultaat,
    *,
    max_afstand_m: float = 50.0,
    max_afstand_zonder_naam_m: float = 15.0,
    min_gelijkenis: float = 0.8,
) -> LaadRapport:
    """Store an :class:`OsmResultaat` in a workspace.

    The voorzieningen layer is rewritten (in one transaction): its partner rows are kept, the OSM
    voorzieningen of an earlier load are replaced, and the new OSM voorzieningen are merged with
    the partner rows by :func:`kansenkaart.voorzieningen.combineer_voorzieningen`. OSM voorzieningen
    get the ``gemeentecode`` of the gemeente they lie in (layer ``gemeenten``). The workspace
    metadata points at the cached network, which :func:`laad_werkruimte_netwerk` reads.
    """
    store = werkruimte.store
    if CRS.from_user_input(resultaat.netwerk.crs) != CRS.from_user_input(werkruimte.crs):
        raise CRSError(
            f"Het wandelnetwerk staat in {resultaat.netwerk.crs.to_string()}, de werkruimte in "
            f"{CRS.from_user_input(werkruimte.crs).to_string()}."
        )
    bestaand = store.read_layer("voorzieningen")
    partner = _partner_deel(bestaand)[[*KOLOMMEN, "geometry"]]
    osm = resultaat.voorzieningen
    gemeenten = store.read_layer("gemeenten")
    if len(gemeenten):
        osm = met_gemeentecode(osm, gemeenten)
    samen = combineer_voorzieningen(
        partner, osm, max_afstand_m=max_afstand_m, max_afstand_zonder_naam_m=max_afstand_zonder_naam_m,
        min_gelijkenis=min_gelijkenis,
    )
    samen = samen[[*KOLOMMEN, samen.geometry.name]]
    store.replace_layer("voorzieningen", samen)
    gekoppeld = int(samen["bron"].astype(str).str.endswith(f";{BRON_OSM}").sum())
    store.set_meta(META_NETWERK, f"netwerk/{resultaat.netwerk_sleutel}")
    store.set_meta(
        META_BRON,
        json.dumps({**resultaat.bron.als_dict(), "geladen_op": datetime.now(UTC).isoformat(timespec="seconds")}),
    )
    net = resultaat.netwerk
    return LaadRapport(
        netwerk={"knooppunten": net.n_nodes, "lijnen": net.n_edges, **net.rapport},
        per_categorie={k: int(v) for k, v in samen["categorie"].value_counts().sort_index().items()},
        osm=len(osm),
        partner=len(partner),
        gekoppeld=gekoppeld,
        uit_cache=dict(resultaat.uit_cache),
    )


def laad_werkruimte_netwerk(werkruimte: Werkruimte) -> Netwerk | None:
    """Return the workspace's walking network; ``None`` when none was loaded.

    Reads the cache entry recorded by :func:`laad_in_werkruimte`. When the cache folder was
    deleted and the network came from a local file that still exists unchanged, the network is
    rebuilt from that file (no download is ever started here).
    """
    pointer = werkruimte.store.get_meta(META_NETWERK)
    if not pointer:
        return None
    netwerk = _osmcache.lees_netwerk(werkruimte.cache_dir / pointer)
    if netwerk is not None:
        return netwerk
    raw = werkruimte.store.get_meta(META_BRON)
    info = json.loads(raw) if raw else {}
    pad = Path(info["pad"]) if info.get("soort") == "bestand" and info.get("pad") else None
    if pad is None or not pad.is_file():
        return None
    bron = bestand_bron(pad)
    if bron.sleutel != info.get("sleutel"):
        return None
    return laad_osm(bron, crs=werkruimte.crs, cache_dir=werkruimte.cache_dir).netwerk


def gebied_van_werkruimte(
    werkruimte: Werkruimte, *, gemeentecodes: list[str] | None = None, rand_m: float = 1000.0
) -> Polygon | MultiPolygon:
    """Return the download area (WGS84) of a workspace: its gemeenten plus a margin.

    The gemeenten come from layer ``gemeenten`` (all, or ``gemeentecodes``); when that layer is
    empty, the region's ``bbox`` is used. The margin ``rand_m`` (metres) keeps voorzieningen and
    paths just across the border, which people near the border walk to.

    Raises
    ------
    ValidationError
        When a gemeentecode is not in the layer, or there is neither a layer nor a bbox.
    """
    gemeenten = werkruimte.store.read_layer("gemeenten")
    crs = CRS.from_user_input(werkruimte.crs)
    if len(gemeenten):
        if gemeentecodes:
            onbekend = sorted(set(gemeentecodes) - set(gemeenten["code"]))
            if onbekend:
                raise ValidationError(
                    f"Gemeente(n) {', '.join(onbekend)} staan niet in de laag gemeenten. "
                    f"Bekend: {', '.join(sorted(gemeenten['code']))}.",
                    details={"gemeenten": onbekend},
                )
            gemeenten = gemeenten[gemeenten["code"].isin(gemeentecodes)]
        vorm = shapely.union_all(gemeenten.geometry.to_numpy())
    elif werkruimte.regio.bbox is not None and not gemeentecodes:
        vorm = box(*werkruimte.regio.bbox)
    else:
        raise ValidationError(
            "De werkruimte heeft nog geen gemeenten om het downloadgebied te bepalen. Laad ze eerst met "
            "'kansenkaart gebieden download', of geef een gebied met --bbox minlon,minlat,maxlon,maxlat."
        )
    gebied = gpd.GeoSeries([vorm.buffer(rand_m) if rand_m > 0 else vorm], crs=crs)
    check_crs(gebied, name="gebied")
    wgs = shapely.simplify(gebied.to_crs("EPSG:4326").iloc[0], 1e-5)
    if not wgs.is_valid:
        wgs = wgs.buffer(0)
    return wgs
