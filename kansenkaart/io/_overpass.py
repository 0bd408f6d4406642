"""Overpass helpers: osmnx's "walk" way filter as a Python predicate, scoped osmnx settings, and
the voorzieningen query.

The walking network must keep exactly the ways that osmnx's ``network_type="walk"`` keeps, for
files as well as for Overpass. osmnx expresses that choice as an Overpass QL filter
(``osmnx._overpass._get_network_filter("walk")``), which the Overpass server evaluates. For files
we parse that very string into a predicate (:class:`WegFilter`) instead of re-typing it, so a new
osmnx release with a changed filter is picked up automatically (and its text is part of the
network cache key).

The voorzieningen are asked with our own query (:func:`voorzieningen_query`) rather than osmnx's
``features_from_polygon``: osmnx matches tag values exactly (``["amenity"="pharmacy"]``), which
misses objects that put several values in one tag (``amenity=pharmacy;doctors``). Our query uses a
regular expression that finds a value alone or in such a list; the answer (OSM XML) is read with
osmnx's public ``features_from_xml``, as for files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["WegFilter", "osmnx_instellingen", "voorzieningen_query", "waarde_regex", "walk_filter", "weg_filter"]

# One Overpass tag clause: ["key"], ["key"="v"], ["key"!="v"], ["key"~"re"], ["key"!~"re"].
_CLAUSE = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!=|=|!~|~)"(?P<val>[^"]*)")?\]')

Op = Literal["", "=", "!=", "~", "!~"]


@dataclass(frozen=True)
class _Clause:
    key: str
    op: Op
    val: str
    regex: re.Pattern[str] | None

    def geldt(self, tags: Mapping[str, str]) -> bool:
        waarde = tags.get(self.key)
        if self.op == "":
            return waarde is not None
        if self.op == "=":
            return waarde == self.val
        if self.op == "!=":
            return waarde != self.val
        assert self.regex is not None
        if self.op == "~":
            return waarde is not None and self.regex.search(waarde) is not None
        # Overpass: ["k"!~"re"] matches objects without the key, or whose value does not match.
        return waarde is None or self.regex.search(waarde) is None


@dataclass(frozen=True)
class WegFilter:
    """A way filter in Overpass QL, evaluated in Python on a way's tags.

    Attributes
    ----------
    tekst
        The filter as given, e.g. ``["highway"]["area"!~"yes"]...``.
    """

    tekst: str
    clauses: tuple[_Clause, ...]

    def __call__(self, tags: Mapping[str, str]) -> bool:
        """True when a way with ``tags`` passes every clause (Overpass semantics)."""
        return all(c.geldt(tags) for c in self.clauses)


def weg_filter(tekst: str) -> WegFilter:
    """Parse an Overpass QL tag filter (a sequence of ``[...]`` clauses) into a :class:`WegFilter`.

    Raises
    ------
    ValueError
        When the text holds anything this parser does not understand, so that a changed osmnx
        filter cannot be silently half-applied.
    """
    clauses = []
    pos = 0
    for m in _CLAUSE.finditer(tekst):
        if tekst[pos : m.start()].strip():
            break
        op: Op = m.group("op") or ""  # type: ignore[assignment]
        val = m.group("val") or ""
        regex = re.compile(val) if op in ("~", "!~") else None
        clauses.append(_Clause(m.group("key"), op, val, regex))
        pos = m.end()
    if tekst[pos:].strip() or not clauses:
        raise ValueError(f"Onbekende Overpass-filtertekst vanaf positie {pos}: {tekst[pos:pos + 60]!r}")
    return WegFilter(tekst, tuple(clauses))


def walk_filter() -> str:
    """Return osmnx's Overpass filter of the ``walk`` network type (incl. its default access rule)."""
    from osmnx import _overpass

    return str(_overpass._get_network_filter("walk"))


@contextmanager
def osmnx_instellingen(
    *, overpass_url: str, cache_folder: Path, http_cache: bool = True, timeout_s: float = 180
) -> Iterator[None]:
    """Point osmnx at ``overpass_url`` with its HTTP cache in ``cache_folder``; restore afterwards.

    osmnx keeps its settings in module globals; this context manager changes only the ones
    kansenkaart needs and puts the previous values back, also on error. With ``http_cache=False``
    osmnx neither reads nor writes its HTTP cache (a fresh download).
    """
    import osmnx as ox

    nieuw: dict[str, Any] = {
        "overpass_url": overpass_url.rstrip("/"),
        "cache_folder": str(cache_folder),
        "use_cache": http_cache,
        "log_console": False,
        "requests_timeout": timeout_s,
    }
    oud = {k: getattr(ox.settings, k) for k in nieuw}
    cache_folder.mkdir(parents=True, exist_ok=True)
    try:
        for k, v in nieuw.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in oud.items():
            setattr(ox.settings, k, v)


# Characters with a meaning in a POSIX extended regular expression (what Overpass uses).
_ERE_SPECIAAL = re.compile(r"([.\[\]()*+?{}|^$\\])")


def _ql_tekst(tekst: str) -> str:
    """``tekst`` as an Overpass QL string literal (double quotes, backslash escapes)."""
    return '"' + tekst.replace("\\", "\\\\").replace('"', '\\"') + '"'


def waarde_regex(waarden: Sequence[str]) -> str:
    """A regular expression (POSIX ERE, also valid for Python ``re``) for a tag value holding one of ``waarden``.

    It matches the value alone (``pharmacy``) and as an item of a ``;``-separated list
    (``pharmacy;doctors``, ``doctors ; pharmacy``), not as part of a longer word (``pharmacy_x``).
    """
    if not waarden:
        raise ValueError("waarde_regex vraagt minstens één waarde")
    keuze = "|".join(_ERE_SPECIAAL.sub(r"\\\1", w) for w in sorted(set(waarden)))
    return f"(^|;) *({keuze}) *(;|$)"


def _poly_filters(gebied: Any) -> list[str]:
    """Overpass ``(poly:"lat lon ...")`` filters for the outer rings of a (multi)polygon in lon/lat."""
    delen = list(gebied.geoms) if hasattr(gebied, "geoms") else [gebied]
    uit = []
    for deel in delen:
        coords = list(deel.exterior.coords)[:-1]
        uit.append('(poly:"' + " ".join(f"{lat:.6f} {lon:.6f}" for lon, lat in coords) + '")')
    return uit


def voorzieningen_query(tags: Mapping[str, bool | Sequence[str]], gebied: Any, *, timeout_s: int = 180) -> str:
    """The Overpass QL query for the candidate voorzieningen in ``gebied`` (WGS84 (multi)polygon).

    ``tags`` is :meth:`kansenkaart.voorzieningen.TagMapping.overpass_tags`: per key ``True`` (any
    value) or the values asked for, matched with :func:`waarde_regex`. Nodes, ways and relations
    are returned as OSM XML with everything below them (way nodes, relation members), so that
    ``osmnx.features_from_xml`` can build their geometry.
    """
    if not tags:
        raise ValueError("voorzieningen_query vraagt minstens één tag")
    polys = _poly_filters(gebied)
    delen: list[str] = []
    for sleutel, waarden in tags.items():
        if waarden is True:
            filt = f"[{_ql_tekst(sleutel)}]"
        elif waarden is False:
            continue
        else:
            filt = f"[{_ql_tekst(sleutel)}~{_ql_tekst(waarde_regex(list(waarden)))}]"
        delen.extend(f"nwr{filt}{p};" for p in polys)
    return f"[out:xml][timeout:{int(timeout_s)}];({''.join(delen)});(._;>;);out;"
