"""Tests of the PDOK downloader and ``kansenkaart gebieden download``, against a local fixture server.

The server (``http.server`` in a thread on 127.0.0.1, random port) serves the canned PDOK answers in
``tests/fixtures/pdok`` page by page (``startIndex``/``count``) and applies the ``gemeentecode`` filter of
the request. No test calls the live PDOK service.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from typer.testing import CliRunner

from kansenkaart.cli import app
from kansenkaart.errors import KansenkaartError, ValidationError
from kansenkaart.io.pdok import download_gebieden, gemeentefilter
from kansenkaart.io.werkruimte import Werkruimte

FIXTURES = Path(__file__).parent / "fixtures" / "pdok"
REGIO = ("GM0402", "GM1942", "GM0406", "GM0376", "GM0417", "GM0317", "GM1696")
EXCEPTION_REPORT = (
    '<?xml version="1.0" encoding="UTF-8"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" '
    'version="2.0.0"><ows:Exception exceptionCode="InvalidParameterValue" locator="typename">'
    "<ows:ExceptionText>msWFSGetFeature(): WFS server error. TYPENAME 'wijkenbuurten:bestaatniet' "
    "doesn't exist in this server.</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
)


class FixtureServer:
    """A fake PDOK WFS: records requests, can fail first, can ignore the filter or answer slowly."""

    def __init__(self) -> None:
        self.verzoeken: list[dict[str, str]] = []
        self.fouten: list[int] = []  # HTTP status codes to answer first, one per request
        self.negeer_filter = False
        self.exception_report = False
        self.vertraging = 0.0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/cbs/wijkenbuurten/2023/wfs/v1_0"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def start(self) -> FixtureServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def antwoord(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self.verzoeken.append(params)
        if self.vertraging:
            time.sleep(self.vertraging)
        if self.fouten:
            status = self.fouten.pop(0)
            return status, "text/html", f"<html><body>{status} Service Unavailable</body></html>".encode()
        if self.exception_report:
            return 200, "text/xml", EXCEPTION_REPORT.encode()
        typename = params["typeNames"].split(":")[-1]
        data = json.loads((FIXTURES / f"{typename}.json").read_text(encoding="utf-8"))
        features = data["features"]
        if not self.negeer_filter and "FILTER" in params:
            codes = {el.text for el in ET.fromstring(params["FILTER"]).iter("Literal")}
            features = [f for f in features if f["properties"]["gemeentecode"] in codes]
        start, count = int(params.get("startIndex", 0)), int(params.get("count", 1000))
        data["features"] = features[start : start + count]
        return 200, "application/json; subtype=geojson; charset=utf-8", json.dumps(data).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                params = dict(parse_qsl(urlsplit(self.path).query))
                status, ctype, body = server.antwoord(params)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (time-out test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def pdok() -> Iterator[FixtureServer]:
    server = FixtureServer().start()
    try:
        yield server
    finally:
        server.stop()


def _dode_url() -> str:
    """A URL on a local port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/wfs"


# --------------------------------------------------------------------------- the filter


def test_gemeentefilter_is_fes_xml_and_rejects_bad_codes() -> None:
    een = ET.fromstring(gemeentefilter(["GM0402"]))
    assert een.tag == "Filter" and een[0].tag == "PropertyIsEqualTo"
    twee = ET.fromstring(gemeentefilter(["GM0402", "gm1942", "GM0402"]))
    assert twee[0].tag == "Or"
    assert [el.text for el in twee.iter("Literal")] == ["GM0402", "GM1942"]
    assert {el.text for el in twee.iter("PropertyName")} == {"gemeentecode"}
    with pytest.raises(ValidationError, match="'GM04<02' is geen CBS-gemeentecode"):
        gemeentefilter(["GM04<02"])
    with pytest.raises(ValidationError, match="Onbekend niveau 'provincies'"):
        download_gebieden(["GM0402"], niveau="provincies", wfs_url="http://127.0.0.1:9", cache_dir=None)


# --------------------------------------------------------------------------- downloading


def test_download_gemeenten_in_pages(pdok: FixtureServer) -> None:
    gdf = download_gebieden(REGIO, niveau="gemeenten", wfs_url=pdok.url, cache_dir=None, paginagrootte=3)
    assert [v["startIndex"] for v in pdok.verzoeken] == ["0", "3", "6"]  # 3 + 3 + 1 features
    v = pdok.verzoeken[0]
    assert (v["service"], v["version"], v["request"]) == ("WFS", "2.0.0", "GetFeature")
    assert v["typeNames"] == "wijkenbuurten:gemeenten"
    assert v["outputFormat"] == "application/json"
    assert v["srsName"] == "EPSG:28992"
    assert v["count"] == "3"
    assert {el.text for el in ET.fromstring(v["FILTER"]).iter("Literal")} == set(REGIO)
    assert len(gdf) == 7
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf["gemeentecode"]) == sorted(REGIO)
    for col in ("gemeentecode", "gemeentenaam", "aantalInwoners", "percentagePersonen65JaarEnOuder", "water"):
        assert col in gdf.columns
    hilversum = gdf.set_index("gemeentecode").loc["GM0402"]
    assert hilversum["gemeentenaam"] == "Hilversum"
    assert hilversum["aantalInwoners"] == 93_327
    assert hilversum["percentagePersonen65JaarEnOuder"] == 19
    minx, miny, maxx, maxy = gdf.total_bounds  # RD New, region extent
    assert 128_000 < minx < maxx < 152_000 and 463_000 < miny < maxy < 487_000


def test_full_last_page_asks_once_more(pdok: FixtureServer) -> None:
    gdf = download_gebieden(REGIO, niveau="gemeenten", wfs_url=pdok.url, cache_dir=None, paginagrootte=7)
    assert [v["startIndex"] for v in pdok.verzoeken] == ["0", "7"]
    assert len(gdf) == 7


def test_wijken_without_water_and_with_cbs_unknowns_missing(pdok: FixtureServer) -> None:
    gdf = download_gebieden(["GM0402", "GM1696"], niveau="wijken", wfs_url=pdok.url, cache_dir=None)
    assert pdok.verzoeken[0]["typeNames"] == "wijkenbuurten:wijken"
    assert len(gdf) == 9  # the water-only wijk of Wijdemeren is left out
    assert (gdf["water"] == "NEE").all()
    assert list(gdf["wijkcode"]) == [f"WK0402{i:02d}" for i in range(1, 10)]
    waarde = gdf.set_index("wijkcode")["gemiddeldeWoningwaarde"]
    assert pd.isna(waarde["WK040209"])  # -99997 = secret
    assert waarde["WK040201"] == 304
    assert gdf["percentagePersonen65JaarEnOuder"].notna().all()


def test_empty_answer_gives_empty_frame(pdok: FixtureServer) -> None:
    gdf = download_gebieden(REGIO, niveau="buurten", wfs_url=pdok.url, cache_dir=None)
    assert gdf.empty and gdf.crs.to_epsg() == 28992


def test_filter_ignored_by_server_is_applied_here(pdok: FixtureServer) -> None:
    pdok.negeer_filter = True  # PDOK does this with CQL_FILTER: the whole country comes back
    gdf = download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=pdok.url, cache_dir=None)
    assert list(gdf["gemeentecode"]) == ["GM0402"]


def test_second_run_comes_from_the_cache(pdok: FixtureServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "pdok"
    eerste = download_gebieden(REGIO, niveau="gemeenten", wfs_url=pdok.url, cache_dir=cache, paginagrootte=4)
    bestanden = sorted(cache.glob("*.json"))
    assert len(bestanden) == 2 and all(len(p.stem) == 64 for p in bestanden)
    assert json.loads(bestanden[0].read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    pdok.stop()  # offline from here on
    tweede = download_gebieden(REGIO, niveau="gemeenten", wfs_url=pdok.url, cache_dir=cache, paginagrootte=4)
    assert_geodataframe_equal(eerste, tweede)
    with pytest.raises(KansenkaartError, match="PDOK is niet bereikbaar"):
        download_gebieden(REGIO, niveau="gemeenten", wfs_url=pdok.url, cache_dir=cache, paginagrootte=4,
                          vernieuwen=True, pogingen=1)


# --------------------------------------------------------------------------- failures


def test_retry_after_503(pdok: FixtureServer) -> None:
    pdok.fouten = [503]
    gdf = download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=pdok.url, cache_dir=None, wachttijd=0)
    assert len(pdok.verzoeken) == 2
    assert list(gdf["gemeentecode"]) == ["GM0402"]


def test_persistent_5xx_gives_dutch_error(pdok: FixtureServer, tmp_path: Path) -> None:
    pdok.fouten = [503, 502, 500]
    with pytest.raises(KansenkaartError) as exc:
        download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=pdok.url, cache_dir=tmp_path, pogingen=3,
                          wachttijd=0)
    assert str(exc.value).startswith("PDOK is niet bereikbaar: de dienst antwoordt met HTTP 500")
    assert len(pdok.verzoeken) == 3
    assert not list(tmp_path.glob("*.json"))  # failures are not cached


def test_connection_refused_gives_dutch_error() -> None:
    with pytest.raises(KansenkaartError) as exc:
        download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=_dode_url(), cache_dir=None, pogingen=2,
                          wachttijd=0)
    assert str(exc.value).startswith("PDOK is niet bereikbaar: geen verbinding met 127.0.0.1")
    assert exc.value.details["bron"] == "pdok"


def test_timeout_is_retried_then_reported(pdok: FixtureServer) -> None:
    pdok.vertraging = 0.5
    with pytest.raises(KansenkaartError, match="PDOK is niet bereikbaar: geen antwoord binnen de wachttijd"):
        download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=pdok.url, cache_dir=None, timeout=0.1,
                          pogingen=2, wachttijd=0)
    assert len(pdok.verzoeken) == 2


def test_wfs_exception_report_is_shown(pdok: FixtureServer) -> None:
    pdok.exception_report = True
    with pytest.raises(KansenkaartError, match=r"geen GeoJSON.*TYPENAME 'wijkenbuurten:bestaatniet'"):
        download_gebieden(["GM0402"], niveau="gemeenten", wfs_url=pdok.url, cache_dir=None)


# --------------------------------------------------------------------------- CLI


def _heeft_normaliseer_gebieden() -> bool:
    if importlib.util.find_spec("kansenkaart.io.gebieden") is None:
        return False
    from kansenkaart.io import gebieden

    return hasattr(gebieden, "normaliseer_gebieden")


def test_cli_download_stores_areas_and_works_offline_later(pdok: FixtureServer, tmp_path: Path) -> None:
    if not _heeft_normaliseer_gebieden():
        pytest.skip("kansenkaart.io.gebieden.normaliseer_gebieden bestaat nog niet")
    ws = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    args = ["gebieden", "download", "--niveau", "alle", "--wfs-url", pdok.url, "--workspace", str(ws.pad)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "gemeenten: 7 gebieden (7 nieuw" in res.output
    assert "wijken: 9 gebieden (9 nieuw" in res.output
    assert "buurten: geen gebieden gevonden" in res.output
    gemeenten = ws.store.read_layer("gemeenten")
    assert sorted(gemeenten["code"]) == sorted(REGIO)
    assert gemeenten.set_index("code").loc["GM0402", "naam"] == "Hilversum"
    assert ws.store.count("wijken") == 9
    assert list((ws.pad / "cache" / "pdok").glob("*.json"))
    pdok.stop()
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "gemeenten: 7 gebieden (0 nieuw, 0 gewijzigd, 7 ongewijzigd)" in res.output


@pytest.mark.parametrize(
    ("extra", "melding"),
    [
        (["--niveau", "provincies"], "Onbekend niveau 'provincies'"),
    ],
)
def test_cli_download_bad_level(tmp_path: Path, extra: list[str], melding: str) -> None:
    ws = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    res = CliRunner().invoke(app, ["gebieden", "download", *extra, "--workspace", str(ws.pad)])
    assert res.exit_code == 2 and melding in res.output and "Traceback" not in res.output


def test_cli_download_missing_workspace(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["gebieden", "download", "--workspace", str(tmp_path / "geen")])
    assert res.exit_code == 2
    assert "Geen werkruimte gevonden" in res.output


def test_cli_download_network_failure_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _heeft_normaliseer_gebieden():
        pytest.skip("kansenkaart.io.gebieden.normaliseer_gebieden bestaat nog niet")
    monkeypatch.setattr("kansenkaart.io.pdok.time.sleep", lambda _s: None)  # no pauses between attempts
    ws = Werkruimte.maak(tmp_path / "ws", regio="gooi-en-vechtstreek")
    res = CliRunner().invoke(
        app, ["gebieden", "download", "--wfs-url", _dode_url(), "--workspace", str(ws.pad)]
    )
    assert res.exit_code == 2
    assert "PDOK is niet bereikbaar" in res.output
    assert "Traceback" not in res.output
