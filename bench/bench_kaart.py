"""Benchmark of the web map: page weight and time until usable, in headless Chromium.

Usage::

    PYTHONPATH=. python bench/bench_kaart.py [--workspace DIR] [--herhalingen 5]

Without ``--workspace`` the demo workspace is built in a temporary folder with
``kansenkaart demo`` (real Helsinki OSM data, all layers). Tile requests are blocked, as on a
meeting-room laptop without internet, so the figures are HTML + JS + CSS + the first data
requests only.

Measured with the browser's Navigation and Resource Timing APIs (on localhost nothing is
compressed, so bytes are ``decodedBodySize``):

- **bytes** per kind: the page (HTML), scripts, stylesheets, images, data (``/api``);
- **DOMContentLoaded** and **usable**: navigation start → ``performance.mark('kansenkaart-klaar')``,
  which ``kaart.js`` sets when the first visible layers are drawn (``window.kansenkaartKlaar``);
- *cold* (browser cache disabled) and *warm* (cache on, second visit) loads.

Baseline, measured in the same run: the page folium produces by default for the same
workspace, every layer embedded as inline GeoJSON (served with the same vendored Leaflet;
time until the ``load`` event). The ratio shows what loading from the API by bounding box,
and only the visible layers, saves as the workspace grows.
Budget (issue 8): first HTML + JS + data under 1.5 MB on the demo workspace, usable within 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import folium  # noqa: E402
from fastapi.responses import HTMLResponse  # noqa: E402

from api.app import create_app  # noqa: E402
from kansenkaart.crs import to_web  # noqa: E402
from kansenkaart.io.werkruimte import Werkruimte  # noqa: E402
from kansenkaart.settings import Settings  # noqa: E402
from tests._browser import chromium, server  # noqa: E402

BUDGET_BYTES = 1_500_000
BUDGET_S = 2.0
TEGELS = ["*service.pdok.nl*", "*tile.openstreetmap.org*"]

_METING = """
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource');
const soort = e => e.name.includes('/api/') ? 'data' : (e.initiatorType === 'script' ? 'scripts'
  : (e.initiatorType === 'link' || e.name.endsWith('.css')) ? 'stijl'
  : (e.initiatorType === 'img' || e.initiatorType === 'css') ? 'beelden' : 'overig');
const bytes = {pagina: nav.decodedBodySize, scripts: 0, stijl: 0, beelden: 0, data: 0, overig: 0};
const overdracht = {pagina: nav.transferSize, scripts: 0, stijl: 0, beelden: 0, data: 0, overig: 0};
for (const e of res) {
  if (/pdok|openstreetmap/.test(e.name)) continue;   // blocked tiles: 0 bytes, not part of the budget
  bytes[soort(e)] += e.decodedBodySize;
  overdracht[soort(e)] += e.transferSize;
}
const klaar = performance.getEntriesByName('kansenkaart-klaar')[0];
return {bytes, overdracht, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
        klaar: klaar ? klaar.startTime : null, verzoeken: res.length,
        data_verzoeken: res.filter(e => e.name.includes('/api/')).map(e => e.name.split('/api/')[1])};
"""


def _werkruimte(pad: Path | None, tmp: Path) -> tuple[Path, str]:
    """The workspace to measure: the given one, else the demo (CLI, else library), else the test one."""
    if pad is not None:
        return pad, f"werkruimte {pad}"
    demo = tmp / "demo"
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kansenkaart", "demo", "--workspace", str(demo)], cwd=REPO,
                       capture_output=True, text=True)
    if r.returncode == 0 and Werkruimte.bestaat(demo):
        return demo, f"demowerkruimte ('kansenkaart demo', gebouwd in {time.perf_counter() - t0:.0f} s)"
    try:
        from kansenkaart.demo import bouw_demo

        bouw_demo(demo)
        return demo, (f"demowerkruimte (kansenkaart.demo.bouw_demo, {time.perf_counter() - t0:.0f} s; "
                      "'kansenkaart demo' niet beschikbaar)")
    except Exception as e:  # any failure: fall back to the small test workspace, and say so
        print(f"LET OP: de demowerkruimte kon niet gebouwd worden ({e}); de testwerkruimte van "
              "tests/test_kaart.py wordt gebruikt.", file=sys.stderr)
    from tests.test_kaart import bouw_kaartwerkruimte

    bouw_kaartwerkruimte(tmp / "test")
    return tmp / "test", "testwerkruimte (tests/test_kaart.py; geen demo beschikbaar)"


def _inline_pagina(ws: Werkruimte) -> str:
    """The naive folium page: every layer of the workspace embedded as inline GeoJSON."""
    m = folium.Map(tiles=None)
    m.default_js = [("leaflet", "/static/vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "/static/vendor/leaflet/leaflet.css")]
    folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", attr="OSM").add_to(m)
    grenzen = None
    for info in ws.store.layers():
        if info.aantal == 0:
            continue
        gdf = to_web(ws.store.read_layer(info.naam), name=info.naam)
        folium.GeoJson(gdf.to_json(), name=info.naam).add_to(m)
        b = gdf.total_bounds
        grenzen = b if grenzen is None else [min(grenzen[0], b[0]), min(grenzen[1], b[1]),
                                             max(grenzen[2], b[2]), max(grenzen[3], b[3])]
    if grenzen is not None:
        m.fit_bounds([[grenzen[1], grenzen[0]], [grenzen[3], grenzen[2]]])
    return m.get_root().render()


def _meet(driver: Any, url: str, *, koud: bool, wacht_op_klaar: bool) -> dict[str, Any]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": koud})
    driver.get("about:blank")
    driver.get(url)
    if wacht_op_klaar:
        WebDriverWait(driver, 60, poll_frequency=0.02).until(
            lambda d: d.execute_script("return window.kansenkaartKlaar === true"))
    WebDriverWait(driver, 60, poll_frequency=0.02).until(
        lambda d: d.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd > 0"))
    uitkomst: dict[str, Any] = driver.execute_script(_METING)
    return uitkomst


def _mb(n: float) -> str:
    return f"{n / 1e6:6.3f} MB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", type=Path, default=None, help="werkruimte (standaard: demo bouwen)")
    p.add_argument("--herhalingen", type=int, default=5, help="aantal metingen per situatie")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-kaart-") as tmp:
        pad, beschrijving = _werkruimte(args.workspace, Path(tmp))
        app = create_app(werkruimte=pad, settings=Settings())
        ws: Werkruimte = app.state.kansenkaart.werkruimte
        inline = _inline_pagina(ws)
        app.add_api_route("/bench/inline", lambda: HTMLResponse(inline), include_in_schema=False)
        print(f"Kaart-benchmark op {beschrijving}: regio {ws.regio.naam}, "
              f"{'voorbeelddata' if ws.voorbeelddata else 'echte gegevens'}")
        print("Lagen: " + ", ".join(f"{i.naam} {i.aantal}" for i in ws.store.layers()))

        with server(app) as basis, chromium(breedte=1400, hoogte=900) as driver:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": TEGELS})
            allereerste = _meet(driver, basis + "/", koud=True, wacht_op_klaar=True)  # fresh server (imports, caches)
            koud = [_meet(driver, basis + "/", koud=True, wacht_op_klaar=True) for _ in range(args.herhalingen)]
            _meet(driver, basis + "/", koud=False, wacht_op_klaar=True)
            warm = [_meet(driver, basis + "/", koud=False, wacht_op_klaar=True) for _ in range(args.herhalingen)]
            naief = [_meet(driver, basis + "/bench/inline", koud=True, wacht_op_klaar=False)
                     for _ in range(args.herhalingen)]

    eerste = koud[0]
    totaal = sum(eerste["bytes"].values())
    naief_totaal = sum(naief[0]["bytes"].values())
    klaar_koud = statistics.median(m["klaar"] for m in koud) / 1000
    klaar_warm = statistics.median(m["klaar"] for m in warm) / 1000
    naief_load = statistics.median(m["load"] for m in naief) / 1000

    print()
    print(f"{'eerste bezoek (cache uit)':28} {'bytes':>12}")
    for k, v in eerste["bytes"].items():
        print(f"  {k:26} {_mb(v):>12}")
    print(f"  {'totaal':26} {_mb(totaal):>12}   budget {_mb(BUDGET_BYTES)}  "
          f"{'OK' if totaal < BUDGET_BYTES else 'OVERSCHREDEN'}")
    print(f"  data-verzoeken: {len(eerste['data_verzoeken'])}")
    for v in eerste["data_verzoeken"]:
        print(f"    /api/{v[:110]}")
    print()
    print(f"{'tijd (mediaan van ' + str(args.herhalingen) + ')':28} {'koud':>9} {'warm':>9}")
    print(f"  {'DOMContentLoaded':26} {statistics.median(m['dcl'] for m in koud) / 1000:8.2f}s "
          f"{statistics.median(m['dcl'] for m in warm) / 1000:8.2f}s")
    print(f"  {'bruikbaar (kansenkaartKlaar)':26} {klaar_koud:8.2f}s {klaar_warm:8.2f}s   budget {BUDGET_S:.1f} s  "
          f"{'OK' if klaar_koud < BUDGET_S else 'OVERSCHREDEN'}")
    print(f"  {'bruikbaar, slechtste koud':26} {max(m['klaar'] for m in koud) / 1000:8.2f}s")
    print(f"  {'bruikbaar, 1e na serverstart':26} {allereerste['klaar'] / 1000:8.2f}s")
    print()
    print("basislijn: folium-standaardpagina met alle lagen als inline GeoJSON")
    print(f"  {'bytes':26} {_mb(naief_totaal):>12}   kansenkaart/basislijn = {totaal / naief_totaal:.2f}")
    print(f"  {'tijd tot load (koud)':26} {naief_load:8.2f}s   kansenkaart/basislijn = {klaar_koud / naief_load:.2f}")
    return 0 if totaal < BUDGET_BYTES and klaar_koud < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
