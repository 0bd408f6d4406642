"""Commands ``serve`` (the HTTP API and map) and ``query`` (a planner's spatial question)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, cast

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.query import MODI, Modus, Vraag, voer_vraag_uit
from kansenkaart.settings import get_settings

__all__ = ["query", "serve"]


@app.command("serve")
@met_foutafhandeling
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Adres waarop de server luistert."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="Poort."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Start de API (OGC API Features, ruimtelijke vragen, downloads) en de kaart."""
    import uvicorn

    from api.app import create_app

    pad = werkruimte_pad(workspace)
    toepassing = create_app(werkruimte=pad, settings=get_settings())
    ws: Werkruimte = toepassing.state.kansenkaart.werkruimte
    toegang = toepassing.state.kansenkaart.toegang
    voorbeeld = " (voorbeelddata)" if ws.voorbeelddata and "voorbeelddata" not in ws.regio.naam.lower() else ""
    basis = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}"
    console.print(
        f"Kansenkaart [bold]{escape(ws.regio.naam)}[/]{voorbeeld} uit {escape(str(pad))}\n"
        f"  API:          {basis}/api\n"
        f"  Documentatie: {basis}/api/docs\n"
        f"  QGIS:         nieuwe verbinding 'WFS / OGC API - Features' met URL {basis}/api\n"
        f"  Aanmelden:    {basis}/login"
        + (" (lezen kan ook zonder aanmelden)" if toegang.lezen_open else "")
        + "\nStoppen: Ctrl+C"
    )
    if toegang.db.aantal() == 0:
        console.print(
            "[bold yellow]Er zijn nog geen gebruikers.[/] Maak de eerste beheerder (in een ander venster): "
            f"kansenkaart gebruiker toevoegen NAAM --rol beheerder --workspace {escape(str(pad))}"
        )
    gc.collect()
    gc.freeze()  # the objects built at start-up (workspace, schemas) need no more GC passes
    uvicorn.run(toepassing, host=host, port=port, log_level="info", proxy_headers=True)


def _tekst(v: Any) -> str:
    if v is None or (not isinstance(v, list | tuple) and pd.isna(v)):
        return ""
    return f"{v:g}" if isinstance(v, float) else escape(str(v))


@app.command("query")
@met_foutafhandeling
def query(
    doel: str = typer.Argument(..., help="Doellaag, bijv. kansen."),
    waar: list[str] = typer.Option([], "--waar", help="Filter op de doellaag: veld=waarde (herhaalbaar)."),
    binnen: float = typer.Option(..., "--binnen", min=1, max=5000, help="Afstand in meters (1-5000)."),
    van: str = typer.Option(..., "--van", help="Referentielaag, bijv. voorzieningen."),
    waar_ref: list[str] = typer.Option(
        [], "--waar-ref", help="Filter op de referentielaag: veld=waarde (herhaalbaar)."
    ),
    modus: str = typer.Option(
        "hemelsbreed", "--modus", help="hemelsbreed (rechte lijn, metrisch CRS) of lopend (over het wandelnetwerk)."
    ),
    niet: bool = typer.Option(False, "--niet", help="Omgekeerd: doelen zónder referentie binnen de afstand."),
    uitvoer: Path | None = typer.Option(
        None, "--uitvoer", "-o", help="Schrijf het resultaat naar een bestand (.geojson, .gpkg, .csv of .xlsx)."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Beantwoord een ruimtelijke vraag, bijv. geclusterd-kansen binnen 100 m lopen van een ontmoetingsruimte.

    Voorbeeld: kansenkaart query kansen --waar doelgroep=geclusterd --binnen 100 --van voorzieningen
    --waar-ref categorie=ontmoetingsruimte --modus lopend
    """
    from kansenkaart.errors import ValidationError

    if modus not in MODI:
        raise ValidationError(f"Onbekende modus '{modus}'. Kies uit: {', '.join(MODI)}.")
    ws = Werkruimte.open(werkruimte_pad(workspace))
    vraag = Vraag(
        doel=doel,
        binnen_m=binnen,
        van=van,
        waar=tuple(waar),
        waar_ref=tuple(waar_ref),
        modus=cast(Modus, modus),
        niet=niet,
    )
    netwerk = None
    if modus == "lopend":
        from kansenkaart.io.osm import laad_werkruimte_netwerk
        from kansenkaart.query import bereid_netwerk_voor

        ruw = laad_werkruimte_netwerk(ws)
        netwerk = None if ruw is None else bereid_netwerk_voor(ruw)
    resultaat = voer_vraag_uit(vraag, store=ws.store, netwerk=netwerk, max_snap_m=get_settings().max_snap_m)

    table = Table(title=escape(f"{vraag.beschrijving()}: {len(resultaat)} gevonden"))
    table.add_column("id", overflow="fold")
    table.add_column("naam")
    extra = [c for c in ("doelgroep", "status", "categorie", "soort") if c in resultaat.columns][:2]
    for c in extra:
        table.add_column(c)
    table.add_column("afstand (m)", justify="right")
    table.add_column("dichtstbij")
    for _, rij in resultaat.iterrows():
        table.add_row(
            _tekst(rij.get("id")),
            _tekst(rij.get("naam")),
            *[_tekst(rij.get(c)) for c in extra],
            _tekst(rij["afstand_m"]),
            _tekst(rij["dichtstbij_naam"]) or _tekst(rij["dichtstbij_id"]),
        )
    console.print(table)
    if uitvoer is not None:
        from kansenkaart.attributie import attributie
        from kansenkaart.io.export import exporteer, formaat_uit_pad

        formaat = formaat_uit_pad(uitvoer)
        bronnen = {str(b) for b in resultaat["bron"].dropna()} if "bron" in resultaat.columns else set()
        tekst = attributie(doel, werkruimte_voorbeelddata=ws.voorbeelddata, bronnen=sorted(bronnen))
        inhoud = exporteer(resultaat, formaat=formaat, laag=doel, attributie=tekst, crs_metrisch=ws.crs)
        uitvoer.parent.mkdir(parents=True, exist_ok=True)
        uitvoer.write_bytes(inhoud)
        console.print(f"Resultaat geschreven naar [bold]{uitvoer}[/] ({len(resultaat)} objecten, {formaat}).")
