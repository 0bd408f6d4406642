"""Commands ``init`` and ``lagen``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.regio import beschikbare_regios


@app.command("init")
@met_foutafhandeling
def init(
    regio: str = typer.Option(
        ..., "--regio", "-r", help=f"Regio-id ({', '.join(beschikbare_regios())}) of pad naar een regiobestand (.toml)."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak een nieuwe, lege werkruimte voor een regio."""
    pad = werkruimte_pad(workspace)
    ws = Werkruimte.maak(pad, regio=regio)
    console.print(
        f"Werkruimte gemaakt in [bold]{pad}[/] voor regio [bold]{ws.regio.naam}[/] "
        f"({len(ws.regio.gemeenten)} gemeenten, CRS {ws.regio.crs})."
    )
    console.print("Volgende stap: laad gebieden en lagen met 'kansenkaart import LAAG BESTAND'.")
    console.print(
        "Accounts: maak de eerste beheerder met 'kansenkaart gebruiker toevoegen NAAM --rol beheerder "
        f"--workspace {pad}'. Zonder account is de kaart niet te openen (lezen zonder aanmelden staat uit).",
        markup=False,
        highlight=False,
    )


@app.command("lagen")
@met_foutafhandeling
def lagen(workspace: Path | None = WorkspaceOption) -> None:
    """Toon de lagen van de werkruimte met het aantal objecten."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    table = Table(title=f"Lagen in {ws.pad} ({ws.regio.naam}{', voorbeelddata' if ws.voorbeelddata else ''})")
    table.add_column("laag")
    table.add_column("titel")
    table.add_column("objecten", justify="right")
    table.add_column("soort")
    table.add_column("laatst gewijzigd")
    for info in ws.store.layers():
        table.add_row(
            info.naam,
            info.titel,
            str(info.aantal),
            "berekend" if info.afgeleid else "invoer",
            (info.laatst_gewijzigd or "")[:19].replace("T", " "),
        )
    console.print(table)
    from kansenkaart.io.vlekkenplan import vlekkenplan_stand

    stand = vlekkenplan_stand(ws)
    if stand is not None:
        verouderd = sorted({c for laag in ("bereikbaarheid", "vlekkenplan") for c in (stand.get(laag) or [])})
        if verouderd:
            console.print(
                f"[yellow]Vlekkenplan verouderd: de voorzieningen ({', '.join(verouderd)}) zijn gewijzigd sinds de "
                "berekening. Draai 'kansenkaart vlekkenplan' opnieuw.[/]"
            )
