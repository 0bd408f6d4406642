"""Layer schemas: Dutch field names, types, code lists and definitions.

One :class:`Laag` per layer. The schemas are enforced by the import validation
(:mod:`kansenkaart.validatie`), the workspace store and the API; the partner templates and
the README field tables are generated from them, so there is one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kansenkaart.errors import UnknownLayerError

__all__ = [
    "CATEGORIEEN",
    "DEFINITIES",
    "LAGEN",
    "STATUSSEN",
    "Laag",
    "Veld",
    "laag",
]

VeldType = Literal["id", "tekst", "geheel", "getal", "datum", "datumtijd", "jaar", "ja_nee", "code", "codes"]

DOELGROEPEN = ("nultreden", "geclusterd", "zorggeschikt")
SOORTEN_KANS = ("aanpassing bestaande voorraad", "transformatie", "nieuwbouw", "woningsplitsing", "leegstand")
STATUSSEN = ("idee", "verkenning", "in voorbereiding", "in uitvoering", "gerealiseerd", "vervallen")
CATEGORIEEN = ("supermarkt", "huisarts", "apotheek", "ontmoetingsruimte", "ov_halte", "zorgcentrum")
EIGENDOM = ("corporatie", "particulier")
SOORTEN_ZORGCENTRUM = ("verpleeghuis", "woonzorgcentrum", "ouderenzorgcomplex", "zorgsteunpunt", "overig")
SOORTEN_COMPLEX = ("55+ flat", "serviceflat", "seniorenflat", "hofje", "overig")
HARDHEID = ("hard", "zacht")
TOEGANKELIJKHEID = ("BAT 3", "BAT 4", "Woonkeur 6", "WoningNet 5**", "anders")
JA_NEE = ("ja", "nee")

# Definitions quoted from the source documents (woonzorgvisie Hilversum bijlage 2, projectplan §2.1).
DEFINITIES: dict[str, str] = {
    "nultredenwoning": (
        "Nultredenwoningen zijn reguliere woningen die zowel intern als extern toegankelijk zijn. Dit houdt in "
        "dat je de woningen kan bereiken zonder trap te lopen (extern toegankelijk) en dat keuken, badkamer, "
        "toilet en minimaal één slaapkamer zonder trappen te bereiken zijn (intern toegankelijk). "
        "(Bron: woonzorgvisie Hilversum 2025-2030, bijlage 2)"
    ),
    "geclusterde woonvorm": (
        "Geclusterde woningen zijn woningen die voldoen aan de definitie voor nultredenwoningen in een "
        "geclusterde woonvorm. Er moet een ontmoetingsruimte inpandig aanwezig zijn of op loopafstand gelegen "
        "(bijvoorbeeld circa 100 meter) die open, laagdrempelig en transparant toegankelijk is voor bewoners en "
        "bij voorkeur ook voor buurtbewoners. Landelijk wordt bij clustering uitgegaan van een schaal van "
        "minimaal 12 woningen. Geclusterde woonvormen zijn onder andere hofjeswoningen, serviceflats en "
        "seniorenflats. (Bron: woonzorgvisie Hilversum 2025-2030, bijlage 2)"
    ),
    "zorggeschikte woning": (
        "Zorggeschikte woningen zijn zelfstandige, rolstoel- of rollatorgeschikte nultredenwoningen die "
        "onderdeel zijn van een geclusterde woonvorm. Deze woningen zijn geschikt om intensieve zorg (zoals "
        "Wlz-zorg) in de thuissituatie te kunnen leveren. Woningen die vallen onder de categorie Bouw Advies "
        "Toegankelijkheid (BAT) 3 of 4 en Woonkeur 6 vallen binnen deze definitie; in WoningNet-termen zijn "
        "dat 5**-woningen. (Bron: woonzorgvisie Hilversum bijlage 2; projectplan §2.1)"
    ),
    "zorgcentrum": (
        "Zorgcentra: verpleeghuizen, ouderenzorgcomplexen, woonzorgcentra en overige zorgsteunpunten. "
        "(Bron: projectplan regionale woonzorgopgave §2.1)"
    ),
    "wooncomplex voor senioren": (
        "Wooncomplexen voor zelfstandig wonende senioren, zonder of met ambulante zorgvoorziening; zonder en "
        "met ontmoetingsruimte (55+flats, serviceflats etc.). (Bron: projectplan §2.1)"
    ),
    "nieuwbouwplan": (
        "Geplande nieuwbouw uit de provinciale monitor plancapaciteit, die gemeenten tweemaal per jaar "
        "actualiseren. (Bron: projectplan §2.1)"
    ),
    "kans": (
        "Een locatie waar in de bestaande woningvoorraad of in de (geplande) nieuwbouw kansen liggen voor "
        "nultreden, geclusterde of zorggeschikte woningen voor ouderen. (Bron: projectplan §2.1)"
    ),
    "pantoffelzone": (
        "De korte loopafstand die een oudere nog zelfstandig kan overbruggen; standaard 600 m over het "
        "voetpadennetwerk. (Bron: woonzorgvisie Hilversum; domeinbeschrijving)"
    ),
}


@dataclass(frozen=True)
class Veld:
    """One field of a layer.

    Attributes
    ----------
    naam
        Column name (Dutch, snake_case).
    type
        Field type; ``code`` takes one value of ``codes``, ``codes`` a comma-separated list.
    omschrijving
        Dutch explanation, shown in the template and the README.
    verplicht
        Required on import and create.
    codes
        The allowed values for ``code``/``codes`` fields.
    minimum, maximum
        Bounds for numbers.
    systeem
        Filled by the system (id, audit fields); not part of the partner template.
    """

    naam: str
    type: VeldType
    omschrijving: str
    verplicht: bool = False
    codes: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    systeem: bool = False
    max_lengte: int = 2000


@dataclass(frozen=True)
class Laag:
    """A layer: its fields, allowed geometry types and place in the map.

    Attributes
    ----------
    naam
        Layer name as used in the CLI, API and GeoPackage.
    titel
        Dutch title for the map and templates.
    geometrie
        Allowed geometry types (shapely ``geom_type`` names).
    groep
        Layer-control group in the web map.
    afgeleid
        Derived by analysis (not imported); its columns may vary.
    sleutel
        Natural key used to match re-imports (``code`` for areas, ``bron``+``bron_id`` otherwise).
    """

    naam: str
    titel: str
    omschrijving: str
    geometrie: tuple[str, ...]
    velden: tuple[Veld, ...]
    groep: str
    afgeleid: bool = False
    sleutel: tuple[str, ...] = ("bron", "bron_id")
    definitie: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def veldnamen(self) -> tuple[str, ...]:
        """All field names, in order."""
        return tuple(v.naam for v in self.velden)

    @property
    def invoervelden(self) -> tuple[Veld, ...]:
        """Fields a partner fills in (not system fields)."""
        return tuple(v for v in self.velden if not v.systeem)

    def veld(self, naam: str) -> Veld:
        """Return field ``naam``; raise ``KeyError`` with the known names when unknown."""
        for v in self.velden:
            if v.naam == naam:
                return v
        raise KeyError(f"Laag '{self.naam}' heeft geen veld '{naam}'. Velden: {', '.join(self.veldnamen)}.")


PUNT = ("Point",)
VLAK = ("Polygon", "MultiPolygon")
PUNT_OF_VLAK = ("Point", "Polygon", "MultiPolygon")

_ID = Veld("id", "id", "Vast kenmerk van het object, door de kansenkaart toegekend.", systeem=True)
_BRON = Veld("bron", "tekst", "Organisatie of bestand waar het gegeven vandaan komt (bijv. 'Dudok', 'OSM').")
_BRON_ID = Veld(
    "bron_id",
    "tekst",
    "Uw eigen kenmerk van dit object. Hiermee herkent een volgende import hetzelfde object.",
)
_PEILDATUM = Veld("peildatum", "datum", "Datum waarop het gegeven geldig is (JJJJ-MM-DD).")
_GEMEENTE = Veld(
    "gemeentecode",
    "tekst",
    "CBS-gemeentecode (GMxxxx). Leeg laten: wordt ingevuld op basis van de locatie.",
)
_NAAM = Veld("naam", "tekst", "Naam of adres van het object.")


def _area_fields(code_prefix: str, parent: tuple[Veld, ...]) -> tuple[Veld, ...]:
    return (
        _ID,
        Veld("code", "tekst", f"CBS-code ({code_prefix}...).", verplicht=True, max_lengte=12),
        Veld("naam", "tekst", "Naam van het gebied.", verplicht=True),
        *parent,
        Veld("inwoners", "geheel", "Aantal inwoners.", minimum=0),
        Veld("inwoners_65plus", "geheel", "Aantal inwoners van 65 jaar en ouder.", minimum=0),
        Veld("inwoners_75plus", "geheel", "Aantal inwoners van 75 jaar en ouder.", minimum=0),
        Veld("pct_65plus", "getal", "Aandeel inwoners van 65 jaar en ouder (%).", minimum=0, maximum=100),
        Veld("pct_75plus", "getal", "Aandeel inwoners van 75 jaar en ouder (%).", minimum=0, maximum=100),
        Veld("woningen", "geheel", "Aantal woningen.", minimum=0),
        _BRON,
        _PEILDATUM,
    )


_WONING_FIELDS = (
    _ID,
    _NAAM,
    Veld("aantal_woningen", "geheel", "Aantal woningen op deze locatie of in dit complex.", verplicht=True, minimum=1),
    Veld("eigendom", "code", "Eigendom: corporatie of particulier.", verplicht=True, codes=EIGENDOM),
    Veld("eigenaar", "tekst", "Naam van de eigenaar, bijv. de woningcorporatie."),
    _GEMEENTE,
    Veld(
        "opleverjaar", "jaar", "Jaar van oplevering of van aanpassing tot dit woningtype.", minimum=1800, maximum=2100
    ),
    _BRON,
    _BRON_ID,
    _PEILDATUM,
)

_KANS_AUDIT = (
    Veld("versie", "geheel", "Versienummer; stijgt bij elke wijziging.", systeem=True, minimum=1),
    Veld("aangemaakt_door", "tekst", "Wie de kans heeft aangemaakt.", systeem=True),
    Veld("aangemaakt_op", "datumtijd", "Wanneer de kans is aangemaakt (UTC).", systeem=True),
    Veld("gewijzigd_door", "tekst", "Wie de kans het laatst heeft gewijzigd.", systeem=True),
    Veld("gewijzigd_op", "datumtijd", "Wanneer de kans het laatst is gewijzigd (UTC).", systeem=True),
    Veld("verwijderd", "ja_nee", "Zacht verwijderd (blijft in de historie, kan hersteld worden).", systeem=True),
)

LAGEN: dict[str, Laag] = {
    laag.naam: laag
    for laag in (
        Laag(
            "gemeenten",
            "Gemeenten",
            "CBS-gemeenten met inwoners en aandeel ouderen.",
            VLAK,
            _area_fields("GM", ()),
            "Gebieden",
            sleutel=("code",),
        ),
        Laag(
            "wijken",
            "Wijken",
            "CBS-wijken met inwoners en aandeel ouderen.",
            VLAK,
            _area_fields("WK", (Veld("gemeentecode", "tekst", "CBS-gemeentecode (GMxxxx).", verplicht=True),)),
            "Gebieden",
            sleutel=("code",),
        ),
        Laag(
            "buurten",
            "Buurten",
            "CBS-buurten met inwoners en aandeel ouderen.",
            VLAK,
            _area_fields(
                "BU",
                (
                    Veld("wijkcode", "tekst", "CBS-wijkcode (WKxxxxxx)."),
                    Veld("gemeentecode", "tekst", "CBS-gemeentecode (GMxxxx).", verplicht=True),
                    Veld(
                        "samenredzaamheid",
                        "tekst",
                        "Inzet in de buurt op samenredzaamheid, zorgvriendelijke inclusiviteit of vergelijkbare "
                        "concepten (korte omschrijving).",
                    ),
                ),
            ),
            "Gebieden",
            sleutel=("code",),
        ),
        Laag(
            "nultredenwoningen",
            "Nultredenwoningen",
            "Bestaande nultredenwoningen (per adres of per complex).",
            PUNT_OF_VLAK,
            _WONING_FIELDS,
            "Huidige situatie",
            definitie="nultredenwoning",
        ),
        Laag(
            "zorggeschikte_woningen",
            "Zorggeschikte woningen",
            "Bestaande zorggeschikte woningen (per adres of per complex).",
            PUNT_OF_VLAK,
            (
                *_WONING_FIELDS[:7],
                Veld(
                    "toegankelijkheid",
                    "code",
                    "Toegankelijkheidsklasse: BAT 3, BAT 4, Woonkeur 6, WoningNet 5** of anders.",
                    codes=TOEGANKELIJKHEID,
                ),
                *_WONING_FIELDS[7:],
            ),
            "Huidige situatie",
            definitie="zorggeschikte woning",
        ),
        Laag(
            "zorgcentra",
            "Zorgcentra",
            "Verpleeghuizen, woonzorgcentra, ouderenzorgcomplexen en zorgsteunpunten.",
            PUNT_OF_VLAK,
            (
                _ID,
                Veld("naam", "tekst", "Naam van het zorgcentrum.", verplicht=True),
                Veld("soort", "code", "Soort zorgcentrum.", verplicht=True, codes=SOORTEN_ZORGCENTRUM),
                Veld("aanbieder", "tekst", "Zorgaanbieder, bijv. HilverZorg, Amaris, Vivium, Inovum."),
                Veld("capaciteit", "geheel", "Aantal plaatsen of appartementen.", minimum=0),
                _GEMEENTE,
                _BRON,
                _BRON_ID,
                _PEILDATUM,
            ),
            "Huidige situatie",
            definitie="zorgcentrum",
        ),
        Laag(
            "wooncomplexen",
            "Wooncomplexen senioren",
            "Wooncomplexen voor zelfstandig wonende senioren (55+flats, serviceflats, hofjes).",
            PUNT_OF_VLAK,
            (
                _ID,
                Veld("naam", "tekst", "Naam of adres van het complex.", verplicht=True),
                Veld("soort", "code", "Soort complex.", codes=SOORTEN_COMPLEX),
                Veld("aantal_woningen", "geheel", "Aantal woningen in het complex.", verplicht=True, minimum=1),
                Veld(
                    "ontmoetingsruimte",
                    "ja_nee",
                    "Is er een ontmoetingsruimte in het complex (inpandig)?",
                    verplicht=True,
                ),
                Veld("zorg", "ja_nee", "Is er (ambulante) zorg aanwezig in of bij het complex?", verplicht=True),
                Veld("eigendom", "code", "Eigendom: corporatie of particulier.", codes=EIGENDOM),
                Veld("eigenaar", "tekst", "Naam van de eigenaar."),
                _GEMEENTE,
                Veld("opleverjaar", "jaar", "Bouwjaar of jaar van aanpassing.", minimum=1800, maximum=2100),
                _BRON,
                _BRON_ID,
                _PEILDATUM,
            ),
            "Huidige situatie",
            definitie="wooncomplex voor senioren",
        ),
        Laag(
            "nieuwbouwplannen",
            "Nieuwbouwplannen",
            "Plancapaciteit: geplande nieuwbouw (provinciale monitor plancapaciteit).",
            PUNT_OF_VLAK,
            (
                _ID,
                Veld("naam", "tekst", "Naam van het plan.", verplicht=True),
                Veld("aantal_woningen", "geheel", "Totaal aantal woningen in het plan.", verplicht=True, minimum=1),
                Veld("hardheid", "code", "Hard (vastgesteld) of zacht plan.", verplicht=True, codes=HARDHEID),
                Veld("opleverjaar", "jaar", "Verwacht jaar van oplevering.", minimum=2000, maximum=2100),
                Veld(
                    "doelgroepen",
                    "codes",
                    "Doelgroepen voor ouderen in het plan, gescheiden door komma's.",
                    codes=DOELGROEPEN,
                ),
                Veld("aantal_nultreden", "geheel", "Aantal nultredenwoningen in het plan.", minimum=0),
                Veld("aantal_geclusterd", "geheel", "Aantal geclusterde woningen in het plan.", minimum=0),
                Veld("aantal_zorggeschikt", "geheel", "Aantal zorggeschikte woningen in het plan.", minimum=0),
                _GEMEENTE,
                _BRON,
                _BRON_ID,
                _PEILDATUM,
            ),
            "Huidige situatie",
            definitie="nieuwbouwplan",
        ),
        Laag(
            "voorzieningen",
            "Voorzieningen",
            "Dagelijkse voorzieningen voor het vlekkenplan.",
            PUNT,
            (
                _ID,
                _NAAM,
                Veld("categorie", "code", "Soort voorziening.", verplicht=True, codes=CATEGORIEEN),
                Veld("osm_id", "tekst", "OpenStreetMap-kenmerk, bijv. 'node/123' (alleen bij bron OSM)."),
                _GEMEENTE,
                _BRON,
                _BRON_ID,
                _PEILDATUM,
            ),
            "Huidige situatie",
        ),
        Laag(
            "kansen",
            "Kansen",
            "Kansen voor nultreden, geclusterde en zorggeschikte woningen.",
            PUNT_OF_VLAK,
            (
                _ID,
                Veld("naam", "tekst", "Korte naam of adres van de kans.", verplicht=True, max_lengte=200),
                Veld("soort", "code", "Soort kans.", verplicht=True, codes=SOORTEN_KANS),
                Veld("doelgroep", "code", "Doelgroep.", verplicht=True, codes=DOELGROEPEN),
                Veld("aantal_woningen", "geheel", "Aantal woningen (schatting).", minimum=1, maximum=5000),
                Veld("status", "code", "Status van de kans.", verplicht=True, codes=STATUSSEN),
                Veld(
                    "opleverjaar",
                    "jaar",
                    "Verwacht jaar van oplevering; bij status gerealiseerd het jaar waarin is opgeleverd.",
                    minimum=2000,
                    maximum=2100,
                ),
                _GEMEENTE,
                Veld("partners", "tekst", "Betrokken partners, gescheiden door komma's.", max_lengte=500),
                Veld("toelichting", "tekst", "Toelichting.", max_lengte=4000),
                _BRON,
                _BRON_ID,
                *_KANS_AUDIT,
            ),
            "Kansen",
            definitie="kans",
        ),
        Laag(
            "bereikbaarheid",
            "Bereikbaarheid",
            "Loopafstand tot de dichtstbijzijnde voorziening per locatie en per gebied (vlekkenplan).",
            ("Point", "Polygon", "MultiPolygon"),
            (
                _ID,
                Veld("niveau", "tekst", "locatie, buurt, wijk of gemeente."),
                Veld("categorie", "code", "Soort voorziening.", codes=CATEGORIEEN),
            ),
            "Vlekkenplan",
            afgeleid=True,
        ),
        Laag(
            "vlekkenplan",
            "Vlekkenplan",
            "Loopzones (isochronen) rond voorzieningen per afstandsband.",
            VLAK,
            (
                _ID,
                Veld("categorie", "code", "Soort voorziening.", codes=CATEGORIEEN),
                Veld("band_van_m", "getal", "Ondergrens van de band (m)."),
                Veld("band_tot_m", "getal", "Bovengrens van de band (m)."),
            ),
            "Vlekkenplan",
            afgeleid=True,
        ),
        Laag(
            "geschiktheid",
            "Geschiktheid",
            "Score van locaties voor geclusterde of zorggeschikte woonvormen.",
            PUNT_OF_VLAK,
            (
                _ID,
                Veld("profiel", "tekst", "Scoreprofiel."),
                Veld("score", "getal", "Score 0-100."),
                Veld("uitleg", "tekst", "Uitleg van de score."),
            ),
            "Geschiktheid",
            afgeleid=True,
        ),
    )
}


def laag(naam: str) -> Laag:
    """Return the schema of layer ``naam``.

    Raises
    ------
    UnknownLayerError
        With the list of known layers.
    """
    try:
        return LAGEN[naam]
    except KeyError as e:
        raise UnknownLayerError(
            f"Onbekende laag '{naam}'. Bekende lagen: {', '.join(LAGEN)}.", details={"laag": naam}
        ) from e
