"""Download CBS gemeenten, wijken and buurten from the PDOK wijken-en-buurten WFS.

The service (``https://service.pdok.nl/cbs/wijkenbuurten/2023/wfs/v1_0``, MapServer) is asked
with WFS 2.0 ``GetFeature`` requests:

- ``typeNames`` ``wijkenbuurten:gemeenten`` / ``:wijken`` / ``:buurten``;
- ``outputFormat=application/json`` and ``srsName=EPSG:28992`` (x = east, y = north);
- a Filter Encoding XML ``FILTER`` on ``gemeentecode`` (an ``Or`` of ``PropertyIsEqualTo``).
  PDOK's MapServer ignores ``CQL_FILTER`` silently (it then returns the first 1,000 features
  of the whole country), so the XML filter is the one that works; as a second line of
  defence the result is filtered on ``gemeentecode`` here as well;
- paging with ``count``/``startIndex`` until a page holds fewer than ``count`` features
  (PDOK caps a page at 1,000 features).

Every raw page is cached as ``<cache_dir>/<sha256 of url and parameters>.json`` (written
atomically), so a second run with the same request needs no network. Network errors,
time-outs and HTTP 5xx/429 answers are retried with a growing pause; when all attempts fail
the error says "PDOK is niet bereikbaar: …".

The result keeps PDOK's own camelCase column names (``gemeentecode``, ``gemeentenaam``,
``wijkcode``, ``buurtcode``, ``aantalInwoners``, ``percentagePersonen65JaarEnOuder``,
``water``, …); mapping them to the kansenkaart schema is done by
:func:`kansenkaart.io.gebieden.normaliseer_gebieden`. Two things are cleaned here because
they are properties of this source: areas that are only water (``water == "JA"``) are left
out, and CBS's codes for secret or unknown numbers (``-99995``, ``-99997``, …) become
missing values.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import geopandas as gpd
import httpx
import pandas as pd

from kansenkaart.crs import RD_NEW
from kansenkaart.errors import KansenkaartError, ValidationError

__all__ = [
    "CODEVELDEN",
    "NIVEAUS",
    "TYPENAMES",
    "Niveau",
    "download_gebieden",
    "gemeentefilter",
]

Niveau = Literal["gemeenten", "wijken", "buurten"]

NIVEAUS: tuple[Niveau, ...] = ("gemeenten", "wijken", "buurten")
TYPENAMES: dict[str, str] = {n: f"wijkenbuurten:{n}" for n in NIVEAUS}
"""WFS feature type per level."""
CODEVELDEN: dict[str, str] = {"gemeenten": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode"}
"""The PDOK column holding the CBS code of an area, per level."""

PAGINAGROOTTE = 1000
"""Features per request; PDOK serves at most 1,000 per page."""
_CODES_PER_VERZOEK = 10  # gemeenten per request: keeps the URL short
_GEMEENTECODE = re.compile(r"^GM\d{4}$")
_CBS_ONBEKEND = -99990  # CBS writes secret/unknown numbers as -99995, -99997, -99999 …
_RD_BEREIK = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)  # validity area of RD New (EPSG:28992)
_USER_AGENT = "kansenkaart (https://github.com/kansenkaart; woonzorg ouderen)"


def gemeentefilter(gemeentecodes: Sequence[str]) -> str:
    """Return the Filter Encoding XML that selects features by ``gemeentecode``.

    Parameters
    ----------
    gemeentecodes
        CBS codes ``GMxxxx``; they are validated before they go into the XML.

    Raises
    ------
    ValidationError
        For a code that is not ``GM`` plus four digits.
    """
    codes = _check_codes(gemeentecodes)
    parts = [
        "<PropertyIsEqualTo><PropertyName>gemeentecode</PropertyName>"
        f"<Literal>{escape(c)}</Literal></PropertyIsEqualTo>"
        for c in codes
    ]
    inner = parts[0] if len(parts) == 1 else "<Or>" + "".join(parts) + "</Or>"
    return f"<Filter>{inner}</Filter>"


def _check_codes(gemeentecodes: Iterable[str]) -> list[str]:
    codes: list[str] = []
    for c in gemeentecodes:
        code = str(c).strip().upper()
        if not _GEMEENTECODE.match(code):
            raise ValidationError(
                f"'{c}' is geen CBS-gemeentecode (verwacht GM gevolgd door vier cijfers, bijv. GM0402). "
                "PDOK kent alleen Nederlandse gemeenten.",
                details={"veld": "gemeentecode", "waarde": str(c)},
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValidationError(
            "Geen gemeentecodes opgegeven om te downloaden.", details={"veld": "gemeentecode"}
        )
    return codes


def _check_niveau(niveau: str) -> Niveau:
    for n in NIVEAUS:
        if n == niveau:
            return n
    raise ValidationError(
        f"Onbekend niveau '{niveau}'. Kies uit: {', '.join(NIVEAUS)}.",
        details={"veld": "niveau", "waarde": niveau},
    )


# --------------------------------------------------------------------------- HTTP with retries and cache


def _cache_pad(cache_dir: Path, url: str, params: dict[str, str]) -> Path:
    sleutel = json.dumps({"url": url, "params": sorted(params.items())}, sort_keys=True)
    return cache_dir / f"{hashlib.sha256(sleutel.encode('utf-8')).hexdigest()}.json"


def _schrijf_atomair(pad: Path, data: bytes) -> None:
    pad.parent.mkdir(parents=True, exist_ok=True)
    tmp = pad.with_name(f".{pad.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(pad)
    finally:
        tmp.unlink(missing_ok=True)


def _onbereikbaar(reden: str, url: str, **details: Any) -> KansenkaartError:
    return KansenkaartError(
        f"PDOK is niet bereikbaar: {reden}. Controleer de internetverbinding (en een eventuele proxy) "
        "of probeer het later opnieuw.",
        details={"bron": "pdok", "url": url, **details},
    )


def _exception_tekst(body: bytes) -> str:
    """Extract the text of an OWS ExceptionReport (or the start of any other body)."""
    text = body.decode("utf-8", errors="replace")
    m = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</(?:\w+:)?ExceptionText>", text, flags=re.S)
    found = m.group(1) if m else text
    return " ".join(found.split())[:300]


def _haal_pagina(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    *,
    pogingen: int,
    wachttijd: float,
) -> tuple[bytes, dict[str, Any]]:
    """GET one page; retry transport errors, 5xx and 429; return the raw body and the parsed collection."""
    laatste = ""
    for poging in range(1, pogingen + 1):
        try:
            resp = client.get(url, params=params)
        except httpx.TimeoutException as e:
            laatste = f"geen antwoord binnen de wachttijd ({type(e).__name__})"
        except httpx.TransportError as e:
            laatste = f"geen verbinding met {httpx.URL(url).host or url} ({e})"
        else:
            if resp.status_code >= 500 or resp.status_code == 429:
                laatste = f"de dienst antwoordt met HTTP {resp.status_code}"
            elif resp.status_code >= 400:
                raise KansenkaartError(
                    f"PDOK weigert het verzoek (HTTP {resp.status_code}): {_exception_tekst(resp.content)}",
                    details={"bron": "pdok", "url": str(resp.request.url), "status": resp.status_code},
                )
            else:
                return resp.content, _lees_collectie(resp.content, str(resp.request.url))
        if poging < pogingen and wachttijd > 0:
            time.sleep(wachttijd * 2 ** (poging - 1))
    raise _onbereikbaar(laatste, url, pogingen=pogingen)


def _lees_collectie(body: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as e:
        raise KansenkaartError(
            f"PDOK gaf een onverwacht antwoord (geen GeoJSON): {_exception_tekst(body)}",
            details={"bron": "pdok", "url": url},
        ) from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
        data.get("features"), list
    ):
        raise KansenkaartError(
            "PDOK gaf een onverwacht antwoord (geen FeatureCollection).", details={"bron": "pdok", "url": url}
        )
    return data


# --------------------------------------------------------------------------- download


def download_gebieden(
    gemeentecodes: Sequence[str],
    *,
    niveau: str,
    wfs_url: str,
    cache_dir: str | Path | None,
    vernieuwen: bool = False,
    timeout: float = 60.0,
    pogingen: int = 3,
    wachttijd: float = 1.0,
    paginagrootte: int = PAGINAGROOTTE,
) -> gpd.GeoDataFrame:
    """Download the CBS areas of one level for some gemeenten from the PDOK WFS.

    Parameters
    ----------
    gemeentecodes
        CBS gemeentecodes (``GMxxxx``), e.g. ``Regio.gemeentecodes``.
    niveau
        ``gemeenten``, ``wijken`` or ``buurten``.
    wfs_url
        WFS endpoint, e.g. ``Settings.pdok_wfs_url``
        (``https://service.pdok.nl/cbs/wijkenbuurten/2023/wfs/v1_0``).
    cache_dir
        Folder for the raw responses (e.g. ``<workspace>/cache/pdok``); ``None`` disables
        the cache.
    vernieuwen
        Download again even when a cached response exists (the cache is then refreshed).
    timeout
        Seconds to wait for connecting and for each read.
    pogingen
        Attempts per page for network errors, time-outs and HTTP 5xx/429.
    wachttijd
        Pause in seconds before the second attempt; doubles for every further attempt.
    paginagrootte
        Features per request (``count``); PDOK serves at most 1,000.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area in EPSG:28992 with PDOK's column names, sorted on the area code;
        water-only areas left out; CBS "secret/unknown" numbers as missing values. Empty
        (with a geometry column) when nothing matches.

    Raises
    ------
    ValidationError
        For an invalid gemeentecode or level.
    KansenkaartError
        "PDOK is niet bereikbaar: …" when the service cannot be reached after all attempts,
        or a message with PDOK's own error text when it refuses the request.
    """
    n = _check_niveau(niveau)
    codes = _check_codes(gemeentecodes)
    if paginagrootte < 1:
        raise ValidationError("De paginagrootte moet minstens 1 zijn.", details={"veld": "paginagrootte"})
    cache = Path(cache_dir) if cache_dir is not None else None
    features: list[dict[str, Any]] = []
    with httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
    ) as client:
        for i in range(0, len(codes), _CODES_PER_VERZOEK):
            deel = codes[i : i + _CODES_PER_VERZOEK]
            start = 0
            while True:
                params = {
                    "service": "WFS",
                    "version": "2.0.0",
                    "request": "GetFeature",
                    "typeNames": TYPENAMES[n],
                    "outputFormat": "application/json",
                    "srsName": RD_NEW,
                    "count": str(paginagrootte),
                    "startIndex": str(start),
                    "FILTER": gemeentefilter(deel),
                }
                pagina = _pagina(client, wfs_url, params, cache=cache, vernieuwen=vernieuwen,
                                 pogingen=pogingen, wachttijd=wachttijd)
                page_features = pagina["features"]
                features.extend(page_features)
                if len(page_features) < paginagrootte:
                    break
                start += len(page_features)
    return _frame(features, niveau=n, codes=codes)


def _pagina(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    *,
    cache: Path | None,
    vernieuwen: bool,
    pogingen: int,
    wachttijd: float,
) -> dict[str, Any]:
    pad = _cache_pad(cache, url, params) if cache is not None else None
    if pad is not None and pad.exists() and not vernieuwen:
        try:
            return _lees_collectie(pad.read_bytes(), str(pad))
        except KansenkaartError:
            pad.unlink(missing_ok=True)  # a damaged cache file: fetch again
    ruw, data = _haal_pagina(client, url, params, pogingen=pogingen, wachttijd=wachttijd)
    if pad is not None:
        _schrijf_atomair(pad, ruw)
    return data


def _frame(features: list[dict[str, Any]], *, niveau: Niveau, codes: list[str]) -> gpd.GeoDataFrame:
    if not features:
        return gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs=RD_NEW)}, geometry="geometry", crs=RD_NEW)
    gdf = gpd.GeoDataFrame.from_features(features, crs=RD_NEW)
    if "gemeentecode" in gdf.columns:
        gdf = gdf[gdf["gemeentecode"].astype(str).str.strip().str.upper().isin(codes)]
    if "water" in gdf.columns:
        gdf = gdf[gdf["water"].astype(str).str.strip().str.upper() != "JA"]
    code = CODEVELDEN[niveau]
    if code in gdf.columns:
        gdf = gdf.drop_duplicates(subset=code).sort_values(code, kind="stable")
    gdf = gdf.reset_index(drop=True)
    for col in gdf.columns:
        if col == gdf.geometry.name or not pd.api.types.is_numeric_dtype(gdf[col]):
            continue
        if pd.api.types.is_bool_dtype(gdf[col]):
            continue
        onbekend = gdf[col] <= _CBS_ONBEKEND
        if onbekend.any():
            s = gdf[col].astype("Int64") if pd.api.types.is_integer_dtype(gdf[col]) else gdf[col]
            gdf[col] = s.mask(onbekend)
    _check_rd(gdf)
    return gdf


def _check_rd(gdf: gpd.GeoDataFrame) -> None:
    """Reject coordinates that cannot be RD New (e.g. lon/lat from a misconfigured service)."""
    if gdf.empty or gdf.geometry.isna().all():
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    x0, y0, x1, y1 = _RD_BEREIK
    if not (x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1):
        raise KansenkaartError(
            "PDOK gaf coördinaten terug die niet in RD New (EPSG:28992) passen "
            f"(omvang {minx:.0f}, {miny:.0f} – {maxx:.0f}, {maxy:.0f}). Controleer de WFS-URL.",
            details={"bron": "pdok", "omvang": [float(minx), float(miny), float(maxx), float(maxy)]},
        )
