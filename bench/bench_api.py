"""Benchmark of the HTTP API under a bounded load, against a real uvicorn on loopback.

What it does:

1. Builds the demo workspace with ``kansenkaart demo --workspace <tmp>`` (real Helsinki OSM
   data in EPSG:3067, with its walking network in the workspace cache).
2. Starts ``uvicorn`` with :func:`api.app.create_app` in a **separate process** on
   127.0.0.1 and a free port (single worker, as ``kansenkaart serve`` does).
3. From this process (the second one) runs each scenario with ``--clients`` concurrent
   keep-alive clients (a minimal asyncio HTTP/1.1 client) for ``--duur`` seconds, after a short warm-up, and
   reports p50/p95/p99 latency and throughput:

   - ``baseline``: ``GET /api/conformance`` (the floor: HTTP + framework only);
   - ``items_bbox``: ``/collections/voorzieningen/items`` with a different ~500 m bbox each
     request (as QGIS panning does), ``limit=100``;
   - ``query_hemelsbreed`` / ``query_lopend``: the README example (geclusterd-kansen within
     100 m of an ontmoetingsruimte) in both modes, repeated (as many planners asking the same
     question): after the first request the server's answer cache serves it;
   - ``hemelsbreed_koud`` / ``lopend_koud``: all kansen within 250-950 m (pantoffelzone
     scale) of an ontmoetingsruimte, a different distance on every request, so every request
     runs the query engine (multi-source Dijkstra for ``lopend``);
   - ``export_gpkg``: ``/collections/kansen/export?f=gpkg``.

Usage::

    PYTHONPATH=. python bench/bench_api.py [--duur 20] [--clients 20] [--workspace DIR]

Targets on the reference machine (2 cores): p95 < 50 ms for ``items_bbox`` and
``query_hemelsbreed``, < 150 ms for ``query_lopend``. The load generator shares the machine
with the server, so the figures include its CPU use; the baseline row shows that floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOELEN_MS = {
    "items_bbox": 50.0,
    "query_hemelsbreed": 50.0,
    "query_lopend": 150.0,
    "hemelsbreed_koud": 50.0,
    "lopend_koud": 150.0,
}
VOORBEELD = (
    "/api/query?doel=kansen&waar=doelgroep%3Dgeclusterd&binnen=100&van=voorzieningen"
    "&waar_ref=categorie%3Dontmoetingsruimte&modus={modus}"
)


# --------------------------------------------------------------------------- workspace


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def maak_werkruimte(pad: Path) -> str:
    """Build the demo workspace with the CLI; return a label for the report."""
    subprocess.run(
        [sys.executable, "-m", "kansenkaart", "demo", "--workspace", str(pad)],
        check=True,
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
    )
    return "demo-werkruimte (kansenkaart demo: Helsinki, echte OSM-gegevens, EPSG:3067)"


# --------------------------------------------------------------------------- server


def _vrije_poort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serveer(werkruimte: Path, poort: int) -> None:
    """Run the API in this process (the server side of the benchmark)."""
    import uvicorn

    sys.path.insert(0, str(REPO))
    from api.app import create_app

    app = create_app(werkruimte=werkruimte)
    gc.collect()
    gc.freeze()  # as ``kansenkaart serve`` does
    uvicorn.run(app, host="127.0.0.1", port=poort, log_level="warning", access_log=False)


def _wacht(url: str, proces: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    eind = time.monotonic() + timeout
    while time.monotonic() < eind:
        if proces.poll() is not None:
            raise RuntimeError("de server is gestopt tijdens het opstarten")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("de server kwam niet op tijd op")


# --------------------------------------------------------------------------- load


@dataclass
class Resultaat:
    """Latencies (ms) and errors of one scenario."""

    naam: str
    latenties: list[float]
    fouten: int
    duur: float

    def kwantiel(self, q: float) -> float:
        if not self.latenties:
            return float("nan")
        return statistics.quantiles(self.latenties, n=1000, method="inclusive")[int(q * 1000) - 1]

    @property
    def per_seconde(self) -> float:
        return len(self.latenties) / self.duur


async def _verzoek(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pad: str) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; return the status code."""
    writer.write(f"GET {pad} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode("ascii"))
    kop = await reader.readuntil(b"\r\n\r\n")
    regels = kop.decode("latin-1").split("\r\n")
    status = int(regels[0].split(" ", 2)[1])
    lengte = 0
    for regel in regels[1:]:
        naam, _, waarde = regel.partition(":")
        if naam.strip().lower() == "content-length":
            lengte = int(waarde)
    await reader.readexactly(lengte)
    return status


async def _belast(poort: int, paden: list[str], *, clients: int, duur: float, opwarmen: float) -> Resultaat:
    """``clients`` concurrent keep-alive connections, each sending its next request as soon as
    the previous answer is read (closed loop), for ``opwarmen + duur`` seconds.

    The client is a minimal HTTP/1.1 reader on asyncio streams (no HTTP library), so that the
    load generator takes as little of the shared CPU as possible.
    """
    latenties: list[float] = []
    fouten = 0
    teller = 0
    start = time.perf_counter()
    meet_vanaf = start + opwarmen
    eind = meet_vanaf + duur

    async def werker() -> None:
        nonlocal fouten, teller
        reader, writer = await asyncio.open_connection("127.0.0.1", poort)
        try:
            while time.perf_counter() < eind:
                pad = paden[teller % len(paden)]
                teller += 1
                t0 = time.perf_counter()
                status = await _verzoek(reader, writer, pad)
                t1 = time.perf_counter()
                if t0 >= meet_vanaf:
                    if status != 200:
                        fouten += 1
                    else:
                        latenties.append((t1 - t0) * 1000)
        finally:
            writer.close()

    await asyncio.gather(*(werker() for _ in range(clients)))
    return Resultaat("", latenties, fouten, duur)


def scenario_paden(basis: str, werkruimte: Path) -> dict[str, list[str]]:
    """URLs per scenario; bboxes (~500 m) are spread over the voorzieningen's extent.

    ``*_koud`` scenarios vary the distance on every request (250-950 m in 0.1 m steps), so
    the server's answer cache never helps and every request runs the query engine.
    """
    from pyproj import Transformer

    sys.path.insert(0, str(REPO))
    from kansenkaart.io.werkruimte import Werkruimte

    ws = Werkruimte.open(werkruimte)
    vz = ws.store.query("voorzieningen")
    minx, miny, maxx, maxy = vz.total_bounds
    tr = Transformer.from_crs(ws.crs, "OGC:CRS84", always_xy=True)
    rng = random.Random(1)
    bboxen = []
    for _ in range(200):
        x, y = rng.uniform(minx, maxx - 500), rng.uniform(miny, maxy - 500)
        a, b, c, d = tr.transform_bounds(x, y, x + 500, y + 500)
        bboxen.append(f"/api/collections/voorzieningen/items?bbox={a:.6f},{b:.6f},{c:.6f},{d:.6f}&limit=100")
    afstanden = [f"{250 + i / 10:.1f}" for i in range(7000)]
    rng.shuffle(afstanden)
    pantoffel = "/api/query?doel=kansen&binnen={d}&van=voorzieningen&waar_ref=categorie%3Dontmoetingsruimte&modus={m}"
    return {
        "baseline": ["/api/conformance"],
        "items_bbox": bboxen,
        "query_hemelsbreed": [VOORBEELD.format(modus="hemelsbreed")],
        "query_lopend": [VOORBEELD.format(modus="lopend")],
        "hemelsbreed_koud": [pantoffel.format(d=d, m="hemelsbreed") for d in afstanden],
        "lopend_koud": [pantoffel.format(d=d, m="lopend") for d in afstanden],
        "export_gpkg": ["/api/collections/kansen/export?f=gpkg"],
    }


def _omvang(basis: str, paden: dict[str, list[str]]) -> dict[str, str]:
    import httpx

    uit: dict[str, str] = {}
    for naam, lijst in paden.items():
        r = httpx.get(basis + lijst[0], timeout=120)
        try:
            data = r.json()
            uit[naam] = f"{data.get('numberReturned', '')} obj., {len(r.content) / 1024:.0f} kB"
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            uit[naam] = f"{len(r.content) / 1024:.0f} kB"
    return uit


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duur", type=float, default=20.0, help="seconden per scenario (standaard 20)")
    p.add_argument("--clients", type=int, default=20, help="gelijktijdige clients (standaard 20)")
    p.add_argument("--opwarmen", type=float, default=2.0, help="seconden opwarmen per scenario")
    p.add_argument("--workspace", type=Path, help="bestaande werkruimte (anders een nieuwe demo)")
    p.add_argument("--scenario", action="append", help="alleen deze scenario('s)")
    p.add_argument("--serveer", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--poort", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serveer:
        serveer(args.serveer, args.poort)
        return 0

    with tempfile.TemporaryDirectory(prefix="kk-bench-") as tmp:
        if args.workspace:
            werkruimte, label = args.workspace, f"werkruimte {args.workspace}"
        else:
            werkruimte = Path(tmp) / "demo"
            label = maak_werkruimte(werkruimte)
        poort = _vrije_poort()
        basis = f"http://127.0.0.1:{poort}"
        server = subprocess.Popen(
            [sys.executable, __file__, "--serveer", str(werkruimte), "--poort", str(poort)], cwd=REPO, env=_env()
        )
        try:
            _wacht(basis + "/api/conformance", server)
            paden = scenario_paden(basis, werkruimte)
            omvang = _omvang(basis, paden)
            resultaten = []
            for naam, lijst in paden.items():
                if args.scenario and naam not in args.scenario and naam != "baseline":
                    continue
                res = asyncio.run(_belast(poort, lijst, clients=args.clients, duur=args.duur, opwarmen=args.opwarmen))
                res.naam = naam
                resultaten.append(res)
                print(f"  {naam}: {len(res.latenties)} verzoeken", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=30)
    _rapport(resultaten, omvang, label=label, clients=args.clients, duur=args.duur)
    return 0


def _rapport(resultaten: list[Resultaat], omvang: dict[str, str], *, label: str, clients: int, duur: float) -> None:
    print(f"\nAPI-benchmark: {label}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"uvicorn (1 proces) op 127.0.0.1; belasting uit een tweede proces: {clients} clients x {duur:g} s "
        f"per scenario; {os.cpu_count()} cores; load average na afloop {load}\n"
    )
    kop = (
        f"| {'scenario':<18} | {'antwoord':>18} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | "
        f"{'p99 ms':>7} | {'fouten':>6} | {'p50/basis':>9} | {'doel p95':>9} |"
    )
    print(kop)
    print("|" + "|".join("-" * (len(c)) for c in kop.split("|")[1:-1]) + "|")
    basis = next((r for r in resultaten if r.naam == "baseline"), None)
    for r in resultaten:
        doel = DOELEN_MS.get(r.naam)
        oordeel = "" if doel is None else (f"<{doel:g} ok" if r.kwantiel(0.95) < doel else f"<{doel:g} NEE")
        ratio = r.kwantiel(0.5) / basis.kwantiel(0.5) if basis else float("nan")
        print(
            f"| {r.naam:<18} | {omvang.get(r.naam, ''):>18} | {r.per_seconde:7.0f} | {r.kwantiel(0.5):7.1f} | "
            f"{r.kwantiel(0.95):7.1f} | {r.kwantiel(0.99):7.1f} | {r.fouten:6d} | {ratio:9.1f} | {oordeel:>9} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
