"""Attribution: one place for the source and licence texts of every layer.

Every export, the web map and the API take their attribution from here, so a licence text
is written once. Texts are Dutch because users see them.

- OpenStreetMap data (voorzieningen, the walking network) are ODbL 1.0: the attribution
  "© OpenStreetMap-bijdragers" with a link to the copyright page is mandatory.
- CBS/Kadaster area data (gemeenten, wijken, buurten) are CC BY 4.0: "Bron: CBS / Kadaster".
- The PDOK BRT-Achtergrondkaart (base map) is Kadaster, CC BY 4.0.
- Partner data (housing corporations, care providers, gemeenten) are used under the
  agreement with the supplier.
- Derived layers (bereikbaarheid, vlekkenplan, geschiktheid) are computed from OSM and CBS
  data with kansenkaart.
- A demo workspace always carries "Voorbeelddata — geen echte gegevens".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kansenkaart.schemas import laag as _schema

__all__ = [
    "BRONNEN",
    "SCHEIDING",
    "Bron",
    "attributie",
    "licenties",
]

SCHEIDING = " | "
"""Separator between the parts of an attribution (as in a web-map attribution control)."""


@dataclass(frozen=True)
class Bron:
    """One data source with its attribution text and licence.

    Attributes
    ----------
    sleutel
        Short key (``osm``, ``cbs``, ``pdok_brt``, ``partners``, ``kansenkaart``, ``voorbeelddata``).
    tekst
        The Dutch attribution text to show.
    licentie
        The licence (name and link), or ``None`` when there is no open licence to name.
    kenmerk
        A substring that occurs in every attribution built with this source (used by
        :func:`licenties` to find the licences back from a text).
    """

    sleutel: str
    tekst: str
    licentie: str | None
    kenmerk: str


OSM = Bron(
    "osm",
    "© OpenStreetMap-bijdragers, ODbL 1.0, https://www.openstreetmap.org/copyright",
    "ODbL 1.0 (https://opendatacommons.org/licenses/odbl/1-0/)",
    "OpenStreetMap-bijdragers",
)
CBS = Bron(
    "cbs",
    "Bron: CBS / Kadaster, CC BY 4.0",
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/deed.nl)",
    "CBS / Kadaster",
)
PDOK_BRT = Bron(
    "pdok_brt",
    "Achtergrondkaart: BRT-Achtergrondkaart © Kadaster / PDOK, CC BY 4.0",
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/deed.nl)",
    "BRT-Achtergrondkaart",
)
PARTNERS = Bron(
    "partners",
    "Gegevens van partners in de regio (gemeenten, woningcorporaties, zorgaanbieders)",
    "gebruik volgens de afspraken met de leverancier van de gegevens",
    "Gegevens van partners",
)
KANSENKAART = Bron("kansenkaart", "berekend met kansenkaart", None, "berekend met kansenkaart")
VOORBEELDDATA = Bron("voorbeelddata", "Voorbeelddata — geen echte gegevens", None, "Voorbeelddata")

BRONNEN: dict[str, Bron] = {b.sleutel: b for b in (OSM, CBS, PDOK_BRT, PARTNERS, KANSENKAART, VOORBEELDDATA)}
"""All sources by key, in the order they appear in an attribution."""

_VOLGORDE = tuple(BRONNEN)
_GEBIEDEN = frozenset({"gemeenten", "wijken", "buurten"})
_OSM_LAGEN = frozenset({"voorzieningen"})
_AFGELEID = frozenset({"bereikbaarheid", "vlekkenplan", "geschiktheid"})

# Free-text source names (the ``bron`` column) that mean one of the standard sources.
_ALIASSEN: dict[str, str] = {
    "osm": "osm",
    "openstreetmap": "osm",
    "overpass": "osm",
    "cbs": "cbs",
    "cbs / kadaster": "cbs",
    "cbs/kadaster": "cbs",
    "pdok": "cbs",
    "pdok cbs": "cbs",
    "brt": "pdok_brt",
    "brt-achtergrondkaart": "pdok_brt",
    "pdok_brt": "pdok_brt",
    "kansenkaart": "kansenkaart",
    "voorbeelddata": "voorbeelddata",
    "demo": "voorbeelddata",
    "partners": "partners",
}


def _standaardbron(naam: str) -> str | None:
    """The key of a standard source named by ``naam`` (e.g. "CBS 2023", "OpenStreetMap"), else None."""
    tekst = naam.strip().lower()
    if tekst in _ALIASSEN:
        return _ALIASSEN[tekst]
    eerste = re.split(r"[\s/,;:()-]+", tekst, maxsplit=1)[0]
    return _ALIASSEN.get(eerste)


def _standaard(naam: str) -> tuple[str, ...]:
    if naam in _GEBIEDEN:
        return ("cbs",)
    if naam in _OSM_LAGEN:
        return ("osm",)
    if naam in _AFGELEID:
        return ("osm", "cbs", "kansenkaart")
    return ("partners",)


def attributie(laag: str, *, werkruimte_voorbeelddata: bool, bronnen: Iterable[str | None] = ()) -> str:
    """Return the Dutch attribution text for a layer.

    Parameters
    ----------
    laag
        Layer name (see :data:`kansenkaart.schemas.LAGEN`).
    werkruimte_voorbeelddata
        True when the workspace holds example data; adds "Voorbeelddata — geen echte gegevens"
        in front.
    bronnen
        Extra sources, typically the distinct values of the layer's ``bron`` column. Names of
        standard sources (``OSM``, ``OpenStreetMap``, ``CBS``, ``CBS 2023``, ``BRT``,
        ``kansenkaart``, ``voorbeelddata``; any case; the first word counts) add that source;
        other names are partner names and are listed, e.g. ``["Dudok", "OSM"]`` on
        ``voorzieningen`` gives the OSM text plus "Gegevens van partners: Dudok". Empty values
        (``None``, blanks, NaN) are skipped.

    Returns
    -------
    str
        The parts joined with ``" | "``, e.g. for ``vlekkenplan``:
        "© OpenStreetMap-bijdragers, ODbL 1.0, https://www.openstreetmap.org/copyright | Bron: CBS /
        Kadaster, CC BY 4.0 | berekend met kansenkaart".

    Raises
    ------
    UnknownLayerError
        When ``laag`` is not a known layer.
    """
    _schema(laag)  # validates the name
    sleutels = set(_standaard(laag))
    partners: list[str] = []
    for ruw in bronnen:
        if ruw is None:
            continue
        naam = " ".join(str(ruw).split())
        if not naam or naam.lower() in ("nan", "none"):
            continue
        sleutel = _standaardbron(naam)
        if sleutel is not None:
            sleutels.add(sleutel)
        elif naam.casefold() not in {p.casefold() for p in partners}:
            partners.append(naam)
    if werkruimte_voorbeelddata:
        sleutels.add("voorbeelddata")
    if partners:
        sleutels.add("partners")
    delen: list[str] = []
    for sleutel in _VOLGORDE:
        if sleutel not in sleutels:
            continue
        if sleutel == "partners" and partners:
            delen.append(f"{PARTNERS.kenmerk}: {', '.join(sorted(partners, key=str.lower))}")
        else:
            delen.append(BRONNEN[sleutel].tekst)
    # The demo warning comes first: it is the most important thing to read.
    if "voorbeelddata" in sleutels:
        delen.remove(VOORBEELDDATA.tekst)
        delen.insert(0, VOORBEELDDATA.tekst)
    return SCHEIDING.join(delen)


def licenties(tekst: str) -> tuple[str, ...]:
    """Return the licences that belong to an attribution text made by :func:`attributie`.

    Parameters
    ----------
    tekst
        An attribution text.

    Returns
    -------
    tuple of str
        Distinct licence texts in source order, e.g.
        ``("ODbL 1.0 (https://…)", "CC BY 4.0 (https://…)")``; empty when none applies.
    """
    out: list[str] = []
    for bron in BRONNEN.values():
        if bron.licentie is not None and bron.kenmerk in tekst and bron.licentie not in out:
            out.append(bron.licentie)
    return tuple(out)
