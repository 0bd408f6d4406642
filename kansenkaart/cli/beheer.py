"""Commands ``backup``, ``herstel`` and ``historie`` (managing a running workspace)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.backup import controleer_backup, gebruikers_kopie, herstel_backup, maak_backup
from kansenkaart.io.historie import HISTORIE_FORMATEN, exporteer_historie, historie_regels
from kansenkaart.io.werkruimte import Werkruimte

__all__ = ["backup", "herstel", "historie"]

_MAX_TONEN = 50


@app.command("backup")
@met_foutafhandeling
def backup(
    uitvoer: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Doelbestand (.gpkg) of map. Standaard <werkruimte>/backups/kansenkaart-<tijd>.gpkg.",
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak een consistente kopie van de werkruimte, ook terwijl de server draait.

    De kopie bevat alle lagen, de historie van kansen en de metadata; de accounts en tokens gaan naar
    een apart bestand ernaast (<naam>.gebruikers.sqlite). Zet beide op een andere schijf of server.
    """
    ws = Werkruimte.open(werkruimte_pad(workspace))
    b = maak_backup(ws, uitvoer)
    console.print(f"Backup gemaakt: [bold]{escape(str(b.werkruimte))}[/] (gecontroleerd, in orde).")
    if b.gebruikers is not None:
        console.print(
            f"Accounts en tokens: [bold]{escape(str(b.gebruikers))}[/] (bevat wachtwoord-hashes: bewaar het veilig)."
        )
    console.print(escape(f"Terugzetten: kansenkaart herstel {b.werkruimte}"), highlight=False)


@app.command("herstel")
@met_foutafhandeling
def herstel(
    bestand: Path = typer.Argument(..., help="De backup (.gpkg) die teruggezet moet worden."),
    ja: bool = typer.Option(False, "--ja", "-y", help="Niet om bevestiging vragen."),
    met_gebruikers: bool = typer.Option(
        False,
        "--met-gebruikers",
        help="Zet ook de accounts en tokens terug (uit <naam>.gebruikers.sqlite). Let op: tokens die sinds de "
        "backup zijn ingetrokken, werken dan weer.",
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Zet een backup terug in de werkruimte, ook terwijl de server draait.

    De backup wordt eerst gecontroleerd (in orde, zelfde regio en coördinatenstelsel). Daarna wordt de huidige
    stand bewaard als veiligheidskopie in <werkruimte>/backups/voor-herstel-<tijd>.gpkg, zodat niets verloren gaat.
    """
    ws = Werkruimte.open(werkruimte_pad(workspace))
    info = controleer_backup(bestand, ws)
    huidig = ws.store.count("kansen")
    console.print(
        escape(
            f"Backup {info.pad.name}: regio {info.regio_id}, {info.kansen} kansen (ook verwijderde), {info.historie} "
            f"historieregels, bestand van {info.gemaakt_op.replace('T', ' ')}. De werkruimte heeft nu {huidig} "
            "kansen."
        ),
        highlight=False,
    )
    if met_gebruikers and not gebruikers_kopie(info.pad).is_file():
        raise fout(f"Bij deze backup hoort geen accountbestand '{gebruikers_kopie(info.pad).name}'.", 2)
    if not ja and not typer.confirm(
        "Alle wijzigingen sinds deze backup worden teruggedraaid (de huidige stand wordt eerst bewaard). Doorgaan?",
        default=False,
    ):
        raise fout("Afgebroken; er is niets gewijzigd.", 1)
    r = herstel_backup(ws, info.pad, met_gebruikers=met_gebruikers)
    console.print(f"Backup teruggezet in [bold]{escape(str(ws.store.path))}[/]; de werkruimte is in orde.")
    console.print(
        escape(f"De stand van vóór het herstellen staat in {r.veiligheidskopie.werkruimte}."), highlight=False
    )
    if r.gebruikers_hersteld:
        console.print("Accounts en tokens zijn ook teruggezet.")


@app.command("historie")
@met_foutafhandeling
def historie(
    kans: str | None = typer.Option(None, "--kans", "-k", help="Alleen de historie van deze kans (id)."),
    uitvoer: Path | None = typer.Option(
        None, "--output", "-o", help="Schrijf naar een bestand: .csv, .xlsx of .json. Zonder: toon een tabel."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Toon of exporteer de historie van kansen: wie, wanneer, via welk kanaal, wat er veranderde (oud → nieuw)."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    if kans is not None:
        ws.store.get("kansen", kans, met_verwijderd=True)  # NotFoundError with a clear message
    df = ws.store.history(kans)
    if uitvoer is not None:
        formaat = uitvoer.suffix.lower().lstrip(".")
        if formaat not in HISTORIE_FORMATEN:
            raise fout(f"Onbekende extensie '{uitvoer.suffix}'; gebruik .csv, .xlsx of .json.", 2)
        uitvoer.parent.mkdir(parents=True, exist_ok=True)
        uitvoer.write_bytes(exporteer_historie(df, formaat=formaat))
        console.print(f"{len(df)} historieregels geschreven naar [bold]{escape(str(uitvoer))}[/].")
        return
    regels = historie_regels(df)
    laatste = f", laatste {_MAX_TONEN}" if len(regels) > _MAX_TONEN else ""
    tabel = Table(title=f"Historie ({len(regels)} regels{laatste})")
    for kolom in ("kans", "versie", "actie", "gebruiker", "tijdstip", "kanaal", "wijzigingen"):
        tabel.add_column(kolom, overflow="fold")
    for r in regels[-_MAX_TONEN:]:
        tabel.add_row(
            escape(r["kans_id"]),
            str(r["versie"]),
            r["actie"],
            escape(str(r["gebruiker"])),
            str(r["tijdstip"]).replace("T", " "),
            str(r["kanaal"]),
            escape(r["samenvatting"]),
        )
    console.print(tabel)
