"""Commands ``template`` and ``import``.

Exit codes of ``import``: 0 all rows stored; 1 some rows rejected (the valid ones are stored,
the rejects are in ``<naam>.afgekeurd.csv``); 2 the file or the arguments cannot be used
(nothing is stored). Every error is one Dutch line, never a stack trace.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.errors import KansenkaartError
from kansenkaart.io.autorisatie import import_autorisatie
from kansenkaart.io.gebruikers import Gebruikersdb
from kansenkaart.io.importeren import ImportResultaat, importeer
from kansenkaart.io.templates import schrijf_template
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import LAGEN
from kansenkaart.settings import get_settings

_INVOERLAGEN = ", ".join(n for n, s in LAGEN.items() if not s.afgeleid)
_GROOT_BESTAND = 256 * 1024  # bytes; above this a progress bar is shown
_MAX_TONEN = 20  # rejects listed on the console


@contextmanager
def _fouten() -> Iterator[None]:
    """Domain and file-system errors → one Dutch line and exit code 2 (markup-safe)."""
    try:
        yield
    except KansenkaartError as e:
        raise fout(e.message, 2) from e
    except PermissionError as e:
        raise fout(f"Geen toegang tot '{e.filename or ''}': controleer de rechten.", 2) from e
    except OSError as e:
        raise fout(f"Bestand '{e.filename or ''}' kan niet gebruikt worden: {e.strerror or e}.", 2) from e


@app.command("template")
@met_foutafhandeling
def template(
    laag: str = typer.Argument(..., help="Laag waarvoor u een sjabloon wilt, bijv. kansen of zorgcentra."),
    formaat: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help="xlsx (met keuzelijsten en toelichting, standaard) of csv (alleen kopjes).",
    ),
    uitvoer: Path | None = typer.Option(
        None, "--output", "-o", help="Uitvoerbestand. Standaard <laag>-sjabloon.xlsx in de huidige map."
    ),
    overschrijven: bool = typer.Option(False, "--overschrijven", help="Overschrijf een bestaand bestand."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Schrijf een invulsjabloon (Excel of CSV) voor een laag, voor gemeenten en partners."""
    with _fouten():
        if formaat is not None and formaat.lower() not in ("xlsx", "csv"):
            raise fout(f"Onbekend formaat '{formaat}'. Kies xlsx of csv.", 2)
        fmt = (
            formaat.lower()
            if formaat
            else ("csv" if uitvoer is not None and uitvoer.suffix.lower() == ".csv" else "xlsx")
        )
        pad = uitvoer if uitvoer is not None else Path(f"{laag}-sjabloon.{fmt}")
        if pad.suffix.lower() not in (f".{fmt}", ".xlsm" if fmt == "xlsx" else f".{fmt}"):
            raise fout(
                f"Het bestand '{pad.name}' past niet bij --format {fmt}; gebruik de extensie .{fmt}.",
                2,
            )
        ws_pad = werkruimte_pad(workspace)
        regio = Werkruimte.open(ws_pad).regio if Werkruimte.bestaat(ws_pad) else None
        geschreven = schrijf_template(
            laag, pad, formaat="csv" if fmt == "csv" else "xlsx", regio=regio, overschrijven=overschrijven
        )
    console.print(
        f"Sjabloon voor laag [bold]{escape(laag)}[/] geschreven naar [bold]{escape(str(geschreven))}[/].",
        highlight=False,
    )
    console.print(
        escape(f"Vul het in en importeer het met: kansenkaart import {laag} {geschreven.name}"),
        highlight=False,
    )


@contextmanager
def _voortgang(aan: bool) -> Iterator[Progress]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not aan,
    ) as progress:
        yield progress


def _gebruiker() -> str:
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


@app.command("import")
@met_foutafhandeling
def importeer_bestand(
    laag: str = typer.Argument(..., help=f"Doellaag: {_INVOERLAGEN}."),
    bestand: Path = typer.Argument(..., help="CSV, Excel (.xlsx), GeoJSON, GeoPackage of Shapefile."),
    gemeente: str | None = typer.Option(
        None,
        "--gemeente",
        "-g",
        help="Importeer voor één gemeente (GMxxxx); rijen van andere gemeenten worden afgekeurd.",
    ),
    crs: str | None = typer.Option(
        None, "--crs", help="Coördinatenstelsel van de kolommen x/y of wkt, bijv. EPSG:28992."
    ),
    bronlaag: str | None = typer.Option(None, "--bronlaag", help="Blad (Excel) of laag (GeoPackage) om te lezen."),
    gebruiker: str | None = typer.Option(
        None,
        "--gebruiker",
        "-u",
        help="Importeer met de rechten van dit account (rol en gemeenten); de historie noemt deze naam. "
        "Zonder: als de gebruiker van deze computer, met alle rechten.",
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Importeer een bestand van een gemeente of partner (of CBS-gebieden) in een laag.

    Geldige rijen worden opgeslagen; afgekeurde rijen staan met de reden in BESTAND.afgekeurd.csv.
    Opnieuw importeren van hetzelfde bestand wijzigt niets. Exitcode 0: alles opgeslagen;
    1: rijen afgekeurd; 2: bestand of opties onbruikbaar, of geen rechten (er is niets opgeslagen).

    Met --gebruiker gelden de rechten van dat account: een lezer mag niet importeren, een bewerker
    alleen kansen van de eigen gemeenten (andere rijen worden afgekeurd met de reden).
    """
    settings = get_settings()
    with _fouten():
        ws = Werkruimte.open(werkruimte_pad(workspace))
        naam, autorisatie = _gebruiker(), None
        if gebruiker is not None:
            account = Gebruikersdb.van_werkruimte(ws.pad).account(gebruiker)
            if not account.actief:
                raise fout(f"Gebruiker '{account.naam}' is uitgeschakeld en mag niet importeren.", 2)
            naam = account.naam
            autorisatie = import_autorisatie(ws, account.gebruiker, laag)
        try:
            groot = bestand.stat().st_size > _GROOT_BESTAND
        except OSError:
            groot = False
        with _voortgang(groot) as progress:
            taken: dict[str, TaskID] = {}

            def meld(stap: str, gedaan: int, totaal: int | None) -> None:
                if stap not in taken:
                    taken[stap] = progress.add_task(stap.capitalize(), total=totaal)
                progress.update(taken[stap], completed=gedaan, total=totaal)

            resultaat = importeer(
                ws,
                laag,
                bestand,
                gemeente=gemeente,
                crs=crs,
                bronlaag=bronlaag,
                gebruiker=naam,
                kanaal="import",
                autorisatie=autorisatie,
                max_features=settings.max_import_features,
                max_vertices=settings.max_vertices,
                voortgang=meld,
            )
    _samenvatting(resultaat)
    if resultaat.exit_code:
        raise typer.Exit(resultaat.exit_code)


def _samenvatting(r: ImportResultaat) -> None:
    soort = "blad" if r.bestand.suffix.lower() in (".xlsx", ".xlsm") else "laag"
    waar = f" ({soort} {r.bronlaag})" if r.bronlaag else ""
    console.print(escape(f"Import van {r.bestand.name}{waar} in laag {r.laag}; locatie: {r.locatie}."), highlight=False)
    tabel = Table(show_header=False, box=None, padding=(0, 2))
    tabel.add_column()
    tabel.add_column(justify="right")
    for label, waarde in (
        ("gelezen", r.gelezen),
        ("nieuw", r.nieuw),
        ("gewijzigd", r.gewijzigd),
        ("ongewijzigd", r.ongewijzigd),
        ("afgekeurd", r.afgekeurd),
    ):
        tabel.add_row(label, str(waarde))
    console.print(tabel)
    if r.genegeerde_kolommen:
        console.print(
            escape(f"Genegeerde kolommen (geen veld van laag {r.laag}): {', '.join(r.genegeerde_kolommen)}."),
            highlight=False,
        )
    if not r.afgekeurd:
        console.print("Alle rijen zijn opgeslagen.")
        return
    per_veld = r.afkeuringen.groupby("veld", sort=True)["rij"].nunique()
    console.print(
        escape("Afgekeurd per veld: " + ", ".join(f"{v or '(rij)'} {n}" for v, n in per_veld.items()) + "."),
        highlight=False,
    )
    t = Table(title=f"Afgekeurde rijen ({r.afgekeurd} rijen, {len(r.afkeuringen)} meldingen)", title_justify="left")
    for k in ("rij", "veld", "waarde", "reden"):
        t.add_column(k, overflow="fold")
    for rec in r.afkeuringen.head(_MAX_TONEN).itertuples(index=False):
        t.add_row(*(escape(str(x)) for x in rec))
    console.print(t)
    if len(r.afkeuringen) > _MAX_TONEN:
        console.print(f"… en nog {len(r.afkeuringen) - _MAX_TONEN} meldingen.")
    console.print(
        escape(
            f"Alle redenen staan in {r.afgekeurd_bestand}. Verbeter de rijen en importeer het bestand "
            "opnieuw; wat al is opgeslagen blijft ongewijzigd."
        ),
        highlight=False,
    )
