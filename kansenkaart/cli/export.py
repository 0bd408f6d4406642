"""Commands ``export`` and ``gebieden download``."""

from __future__ import annotations

from pathlib import Path

import typer

from kansenkaart.attributie import BRONNEN, attributie
from kansenkaart.cli._app import DutchTyper, WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.export import FORMATEN, bestandsnaam, exporteer_naar_bestand, formaat_uit_pad
from kansenkaart.io.gebieden import normaliseer_gebieden
from kansenkaart.io.pdok import NIVEAUS, download_gebieden
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import laag as _schema
from kansenkaart.settings import get_settings


def _gebieden_app() -> typer.Typer:
    """The ``gebieden`` command group (shared with other modules that add commands to it)."""
    for group in app.registered_groups:
        if group.name == "gebieden" and group.typer_instance is not None:
            return group.typer_instance
    sub = DutchTyper(
        help="CBS-gebieden (gemeenten, wijken, buurten) ophalen en beheren.", no_args_is_help=True
    )
    app.add_typer(sub, name="gebieden")
    return sub


gebieden_app = _gebieden_app()


@app.command("export")
@met_foutafhandeling
def export(
    laag: str = typer.Argument(..., help="Naam van de laag, bijv. kansen, buurten of vlekkenplan."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Bestand (.geojson, .gpkg, .csv of .xlsx) of map; bij een map: <laag>_<datum>.<formaat>.",
    ),
    formaat: str = typer.Option(
        "gpkg", "--formaat", "-f", help=f"Formaat als -o een map is of ontbreekt: {', '.join(FORMATEN)}."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Exporteer een laag naar GeoJSON, GeoPackage, CSV of Excel, met bronvermelding."""
    schema = _schema(laag)
    if output is None or output.is_dir():
        pad = (output or Path.cwd()) / bestandsnaam(schema.naam, formaat)
    else:
        formaat_uit_pad(output)  # checks the suffix before any work is done
        pad = output
    ws = Werkruimte.open(werkruimte_pad(workspace))
    gdf = ws.store.read_layer(schema.naam)  # kansen: without the soft-deleted ones
    bronnen = gdf["bron"].dropna().unique().tolist() if "bron" in gdf.columns else []
    tekst = attributie(schema.naam, werkruimte_voorbeelddata=ws.voorbeelddata, bronnen=bronnen)
    try:
        geschreven = exporteer_naar_bestand(gdf, pad, laag=schema.naam, attributie=tekst, crs_metrisch=ws.crs)
    except PermissionError as e:
        raise fout(f"Kan '{pad}' niet schrijven: geen schrijfrechten in deze map.") from e
    except OSError as e:
        raise fout(f"Kan '{pad}' niet schrijven: {e.strerror or e}.") from e
    console.print(
        f"{len(gdf)} objecten van laag [bold]{schema.naam}[/] geëxporteerd naar [bold]{geschreven}[/].",
        highlight=False,
    )
    console.print(f"Bronvermelding: {tekst}", highlight=False)


@gebieden_app.command("download")
@met_foutafhandeling
def download(
    niveau: str = typer.Option(
        "alle", "--niveau", "-n", help=f"Welke gebieden: {', '.join(NIVEAUS)} of alle."
    ),
    vernieuw: bool = typer.Option(
        False, "--vernieuw", help="Opnieuw downloaden, ook als de antwoorden al in de cache staan."
    ),
    wfs_url: str | None = typer.Option(
        None, "--wfs-url", help="PDOK-WFS (standaard KANSENKAART_PDOK_WFS_URL, CBS wijken en buurten 2023)."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Download CBS-gemeenten, -wijken en -buurten van PDOK voor de gemeenten van de regio."""
    if niveau == "alle":
        niveaus: tuple[str, ...] = NIVEAUS
    elif niveau in NIVEAUS:
        niveaus = (niveau,)
    else:
        raise fout(f"Onbekend niveau '{niveau}'. Kies uit: {', '.join(NIVEAUS)} of alle.")
    ws = Werkruimte.open(werkruimte_pad(workspace))
    if ws.voorbeelddata:
        raise fout(
            "Deze werkruimte bevat voorbeelddata; CBS-gebieden van PDOK horen daar niet bij. "
            "Maak een werkruimte voor een Nederlandse regio met 'kansenkaart init --regio ...'."
        )
    settings = get_settings()
    url = wfs_url or settings.pdok_wfs_url
    cache = (settings.cache_dir or ws.cache_dir) / "pdok"
    codes = ws.regio.gemeentecodes
    console.print(f"Gebieden downloaden van PDOK voor {len(codes)} gemeenten van {ws.regio.naam} …")
    for n in niveaus:
        ruw = download_gebieden(codes, niveau=n, wfs_url=url, cache_dir=cache, vernieuwen=vernieuw)
        if ruw.empty:
            console.print(f"{n}: geen gebieden gevonden.")
            continue
        gdf = normaliseer_gebieden(ruw, niveau=n)
        res = ws.store.upsert(n, gdf, gebruiker="cli", kanaal="import")
        console.print(
            f"{n}: {len(gdf)} gebieden ({res.nieuw} nieuw, {res.gewijzigd} gewijzigd, "
            f"{res.ongewijzigd} ongewijzigd)."
        )
    console.print(f"{BRONNEN['cbs'].tekst} (via PDOK).", highlight=False)
