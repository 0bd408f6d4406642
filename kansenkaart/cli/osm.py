"""Commands ``osm laden``, ``osm download`` and ``demo``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kansenkaart.cli._app import DutchTyper, WorkspaceOption, app, console, met_foutafhandeling, werkruimte_pad
from kansenkaart.errors import ValidationError
from kansenkaart.io.osm import (
    LaadRapport,
    OsmResultaat,
    gebied_uit_bbox,
    gebied_van_werkruimte,
    laad_in_werkruimte,
    laad_osm,
    overpass_bron,
)
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.regio import beschikbare_regios, laad_regio
from kansenkaart.settings import get_settings
from kansenkaart.voorzieningen import TagMapping, laad_tagmapping

__all__ = ["demo", "osm_app"]

osm_app = DutchTyper(
    help="OpenStreetMap: wandelnetwerk en voorzieningen laden uit een bestand of downloaden via Overpass.",
    no_args_is_help=True,
)
app.add_typer(osm_app, name="osm")

VOORBEELD_BANNER = "[bold black on yellow] VOORBEELDDATA — geen echte gegevens [/]"
OSM_LICENTIE = "Kaartgegevens © OpenStreetMap-bijdragers, ODbL (openstreetmap.org/copyright)."

TagsOption = typer.Option(
    None, "--tags", help="Eigen tagtabel (TOML, zelfde opbouw als kansenkaart/osm_tags.toml)."
)
VernieuwenOption = typer.Option(
    False, "--vernieuwen", help="Cache negeren: het netwerk en de voorzieningen opnieuw opbouwen."
)
MaxAfstandOption = typer.Option(
    50.0, "--max-afstand", min=0, help="Koppelen met partnervoorzieningen: maximale afstand bij gelijke naam (m)."
)
MaxAfstandZonderNaamOption = typer.Option(
    15.0, "--max-afstand-zonder-naam", min=0, help="Koppelen zonder naam: maximale afstand (m)."
)
MinGelijkenisOption = typer.Option(
    0.8, "--min-gelijkenis", min=0, max=1, help="Koppelen: minimale naamgelijkenis (0-1)."
)


@contextmanager
def _voortgang(titel: str) -> Iterator[Callable[[str], None]]:
    """A rich spinner whose text follows the steps reported by the library."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        taak = progress.add_task(titel, total=None)

        def meld(stap: str) -> None:
            progress.update(taak, description=stap)

        yield meld


def _getal(n: int) -> str:
    """Dutch thousands separator: 12.345."""
    return f"{int(n):,}".replace(",", ".")


def _mapping(tags: Path | None) -> TagMapping:
    return laad_tagmapping(tags) if tags is not None else laad_tagmapping()


def _toon(ws: Werkruimte, resultaat: OsmResultaat, rapport: LaadRapport) -> None:
    net = rapport.netwerk
    cache = ", ".join(f"{k} uit cache" if v else f"{k} opgebouwd" for k, v in rapport.uit_cache.items())
    console.print(f"Bron: {resultaat.bron.omschrijving} ({cache}).")
    console.print(
        f"Wandelnetwerk ({ws.crs.to_string()}): {_getal(net['knooppunten'])} knooppunten, "
        f"{_getal(net['lijnen'])} lijnen. Weggelaten buiten de grootste samenhangende component: "
        f"{_getal(net.get('knooppunten_verwijderd', 0))} knooppunten en {_getal(net.get('lijnen_verwijderd', 0))} "
        f"lijnen in {_getal(max(int(net.get('componenten', 1)) - 1, 0))} losse delen."
    )
    tabel = Table(title="Voorzieningen in de werkruimte")
    tabel.add_column("categorie")
    tabel.add_column("aantal", justify="right")
    for categorie, aantal in rapport.per_categorie.items():
        tabel.add_row(categorie, str(aantal))
    console.print(tabel)
    console.print(
        f"Uit OSM: {rapport.osm}; van partners: {rapport.partner}, waarvan {rapport.gekoppeld} gekoppeld aan "
        "dezelfde voorziening in OSM (één keer opgenomen, bron 'partner;OSM')."
    )
    if ws.voorbeelddata:
        console.print(VOORBEELD_BANNER)
    console.print(OSM_LICENTIE)


@osm_app.command("laden")
@met_foutafhandeling
def laden(
    bestand: Path = typer.Argument(..., help="OSM-bestand: .osm.pbf, .osm, .osm.bz2 of .osm.gz."),
    workspace: Path | None = WorkspaceOption,
    tags: Path | None = TagsOption,
    vernieuwen: bool = VernieuwenOption,
    max_afstand: float = MaxAfstandOption,
    max_afstand_zonder_naam: float = MaxAfstandZonderNaamOption,
    min_gelijkenis: float = MinGelijkenisOption,
) -> None:
    """Laad het wandelnetwerk en de voorzieningen uit een OSM-bestand in de werkruimte (offline)."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    mapping = _mapping(tags)
    with _voortgang(f"{bestand.name} laden") as meld:
        resultaat = laad_osm(bestand, crs=ws.crs, cache_dir=ws.cache_dir, mapping=mapping, vernieuwen=vernieuwen,
                             voortgang=meld)
        meld("Voorzieningen combineren en opslaan")
        rapport = laad_in_werkruimte(ws, resultaat, max_afstand_m=max_afstand,
                                     max_afstand_zonder_naam_m=max_afstand_zonder_naam, min_gelijkenis=min_gelijkenis)
    _toon(ws, resultaat, rapport)


def _werkruimte_voor_download(pad: Path, regio: str) -> Werkruimte:
    if Werkruimte.bestaat(pad):
        return Werkruimte.open(pad)
    if regio in beschikbare_regios() or regio.endswith(".toml"):
        laad_regio(regio)  # raises a clear RegionError first
        ws = Werkruimte.maak(pad, regio=regio)
        console.print(f"Nieuwe werkruimte gemaakt in [bold]{pad}[/] voor regio [bold]{ws.regio.naam}[/].")
        return ws
    return Werkruimte.open(pad)  # raises NotFoundError with a hint


def _gemeentecodes(ws: Werkruimte, regio: str) -> list[str] | None:
    tekst = regio.strip()
    if tekst.lower() in ("", "alle") or tekst == ws.regio.id or tekst.endswith(".toml"):
        return None
    codes = [c.strip().upper() for c in tekst.split(",") if c.strip()]
    fout = [c for c in codes if not (c.startswith("GM") and len(c) == 6 and c[2:].isdigit())]
    if fout:
        raise ValidationError(
            f"--regio '{regio}' is geen regio-id en geen lijst van gemeentecodes (GMxxxx). Gebruik 'alle', "
            f"'{ws.regio.id}' of bijvoorbeeld {','.join(ws.regio.gemeentecodes[:2])}.",
            details={"regio": regio},
        )
    return codes


@osm_app.command("download")
@met_foutafhandeling
def download(
    regio: str = typer.Option(
        "alle",
        "--regio",
        "-r",
        help="Gebied: 'alle' (de hele regio van de werkruimte), gemeentecodes (GM0402,GM1942) of een regio-id "
        "(maakt de werkruimte aan als die nog niet bestaat).",
    ),
    bbox: str | None = typer.Option(
        None, "--bbox", help="Eigen gebied in graden: minlon,minlat,maxlon,maxlat (in plaats van --regio)."
    ),
    rand: float = typer.Option(
        1000.0, "--rand", min=0, help="Marge rond de gemeenten (m): voorzieningen net over de grens tellen mee."
    ),
    overpass_url: str | None = typer.Option(
        None, "--overpass-url", help="Overpass-server. Standaard: KANSENKAART_OVERPASS_URL of overpass-api.de."
    ),
    workspace: Path | None = WorkspaceOption,
    tags: Path | None = TagsOption,
    vernieuwen: bool = VernieuwenOption,
    max_afstand: float = MaxAfstandOption,
    max_afstand_zonder_naam: float = MaxAfstandZonderNaamOption,
    min_gelijkenis: float = MinGelijkenisOption,
) -> None:
    """Download het wandelnetwerk en de voorzieningen van de regio via de Overpass API (online, met cache)."""
    settings = get_settings()
    ws = _werkruimte_voor_download(werkruimte_pad(workspace), regio)
    gebied = gebied_uit_bbox(bbox) if bbox else gebied_van_werkruimte(
        ws, gemeentecodes=_gemeentecodes(ws, regio), rand_m=rand
    )
    bron = overpass_bron(gebied, overpass_url=overpass_url or settings.overpass_url)
    mapping = _mapping(tags)
    with _voortgang("Downloaden via Overpass") as meld:
        resultaat = laad_osm(bron, crs=ws.crs, cache_dir=ws.cache_dir, mapping=mapping, vernieuwen=vernieuwen,
                             voortgang=meld)
        meld("Voorzieningen combineren en opslaan")
        rapport = laad_in_werkruimte(ws, resultaat, max_afstand_m=max_afstand,
                                     max_afstand_zonder_naam_m=max_afstand_zonder_naam, min_gelijkenis=min_gelijkenis)
    _toon(ws, resultaat, rapport)


@app.command("demo")
@met_foutafhandeling
def demo(
    workspace: Path | None = WorkspaceOption,
    seed: int = typer.Option(2024, "--seed", help="Startwaarde van de voorbeelddata (zelfde waarde, zelfde data)."),
) -> None:
    """Maak de demowerkruimte: echte OSM-gegevens van Helsinki met verzonnen voorbeelddata (offline)."""
    from kansenkaart.demo import bouw_demo

    pad = werkruimte_pad(workspace)
    with _voortgang("Demowerkruimte maken") as meld:
        resultaat = bouw_demo(pad, seed=seed, voortgang=meld)
    console.print(VOORBEELD_BANNER)
    console.print(
        f"Demowerkruimte gemaakt in [bold]{pad}[/]: regio 'Voorbeeldregio' op echte OpenStreetMap-gegevens van "
        "het centrum van Helsinki. Gemeenten, buurten, woningen, complexen, plannen en kansen zijn "
        "[bold]voorbeelddata[/] (verzonnen)."
    )
    tabel = Table(title="Lagen (voorbeelddata)")
    tabel.add_column("laag")
    tabel.add_column("objecten", justify="right")
    for naam, aantal in resultaat.aantallen.items():
        tabel.add_row(naam, str(aantal))
    console.print(tabel)
    net = resultaat.netwerk
    console.print(
        f"Wandelnetwerk: {_getal(net['knooppunten'])} knooppunten, {_getal(net['lijnen'])} lijnen"
        f"{' (uit de cache)' if resultaat.uit_cache.get('netwerk') else ''}."
    )
    console.print(OSM_LICENTIE)
    console.print(
        f"Inloggen op de kaart (rol aanjager): gebruikersnaam [bold]{resultaat.gebruiker}[/], wachtwoord "
        f"[bold]{resultaat.wachtwoord}[/] (ook in {escape(str(pad / 'DEMO-INLOG.txt'))}). "
        "Bekijken kan in de demo zonder aanmelden.",
        highlight=False,
    )
    console.print(f"Volgende stap: [bold]kansenkaart serve --workspace {pad}[/] en open de kaart in de browser.")
