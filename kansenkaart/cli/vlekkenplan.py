"""Commands ``vlekkenplan`` and ``zone``: walking distances, per-area statistics and isochrones."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import CATEGORIEEN
from kansenkaart.settings import get_settings


def _banden(tekst: str) -> tuple[float, ...]:
    try:
        banden = tuple(float(x) for x in tekst.split(",") if x.strip())
    except ValueError:
        raise fout(f"Ongeldige banden '{tekst}': geef afstanden in meters, bijvoorbeeld 100,300,600.") from None
    if not banden or any(b <= 0 or not math.isfinite(b) for b in banden) or list(banden) != sorted(set(banden)):
        raise fout(f"Ongeldige banden '{tekst}': oplopende positieve afstanden, bijvoorbeeld 100,300,600.")
    return banden


def _m(x: object) -> str:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(f) else f"{f:,.0f}".replace(",", ".")


@app.command("vlekkenplan")
@met_foutafhandeling
def vlekkenplan(
    banden: str = typer.Option("100,300,600", "--banden", help="Afstandsbanden van de loopzones in meters."),
    buffer: float = typer.Option(25.0, "--buffer", min=1.0, max=200.0, help="Halve breedte van de loopzones (m)."),
    cutoff: float = typer.Option(5000.0, "--cutoff", min=100.0, help="Verder dan dit: 'niet binnen X m'."),
    gebied: str = typer.Option(
        "knooppunten",
        "--gebied",
        help="Waarover de gebiedsstatistiek middelt: 'knooppunten' (alle straten, ongewogen) of 'woningen' "
        "(gewogen naar aantal woningen).",
    ),
    zonder_zones: bool = typer.Option(False, "--zonder-zones", help="Sla de loopzones (isochronen) over."),
    opnieuw: bool = typer.Option(
        False,
        "--opnieuw",
        help="Bouw alle loopzones opnieuw; standaard blijven de opgeslagen zones staan van elke categorie "
        "waarvan netwerk, voorzieningen en instellingen niet zijn veranderd.",
    ),
    niveau: str = typer.Option("buurt", "--niveau", help="Welke tabel tonen: buurt, wijk of gemeente."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Bereken loopafstanden tot voorzieningen, de statistiek per gebied en de loopzones (vlekkenplan)."""
    from kansenkaart.io.vlekkenplan import bereken_vlekkenplan

    if gebied not in ("knooppunten", "woningen"):
        raise fout(f"Onbekende keuze --gebied '{gebied}'; kies knooppunten of woningen.")
    ws = Werkruimte.open(werkruimte_pad(workspace))
    with console.status("Vlekkenplan berekenen…") as status:
        res = bereken_vlekkenplan(
            ws,
            banden_m=_banden(banden),
            buffer_m=buffer,
            cutoff_m=cutoff,
            max_snap_m=get_settings().max_snap_m,
            gebiedslocaties=gebied,  # type: ignore[arg-type]
            isochronen_maken=not zonder_zones,
            hergebruik=not opnieuw,
            voortgang=lambda s: status.update(s + "…"),
        )
    info = res.info
    console.print(
        f"Bereikbaarheid opgeslagen: {info['locaties']} locaties, "
        + ", ".join(f"{n} {k}en" for k, n in info["gebieden"].items())
        + (f"; {info['zones']} loopzones." if info["zones"] else ".")
    )
    if info.get("zones_hergebruikt"):
        console.print(
            f"Loopzones ongewijzigd en behouden voor: {', '.join(info['zones_hergebruikt'])} "
            "(--opnieuw bouwt ze toch opnieuw)."
        )
    if info["onbereikbare_voorzieningen"]:
        console.print(
            f"[yellow]{info['onbereikbare_voorzieningen']} voorziening(en) liggen verder dan "
            f"{info['max_snap_m']:g} m van het wandelnetwerk en tellen niet mee.[/]"
        )
    stats = res.gebieden.get(niveau)
    if stats is None or not len(stats):
        console.print(f"Geen {niveau}en in deze werkruimte; de tabel per {niveau} blijft leeg.")
        return
    table = Table(title=f"Gemiddelde loopafstand per {niveau} (m) — weging: {stats['weging'].iloc[0]}")
    table.add_column(niveau)
    for cat in CATEGORIEEN:
        table.add_column(cat.replace("_", " "), justify="right")
    for _, rij in stats.iterrows():
        table.add_row(str(rij["naam"]), *(_m(rij.get(f"gem_afstand_{c}_m")) for c in CATEGORIEEN))
    console.print(table)
    if ws.voorbeelddata:
        console.print("[bold yellow]Voorbeelddata — geen echte gegevens.[/]")


@app.command("zone")
@met_foutafhandeling
def zone(
    voorziening: str = typer.Argument(..., help="Id van de voorziening (zie de laag voorzieningen)."),
    afstand: float = typer.Option(100.0, "--afstand", min=1.0, max=5000.0, help="Loopafstand in meters."),
    uitvoer: Path = typer.Option(..., "--uitvoer", "-o", help="Bestand: .geojson, .gpkg, .csv of .xlsx."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak de loopzone rond één voorziening, bijvoorbeeld 100 m rond een ontmoetingsruimte."""
    from kansenkaart.attributie import attributie
    from kansenkaart.io.export import exporteer_naar_bestand
    from kansenkaart.io.vlekkenplan import zone_rond_voorziening

    ws = Werkruimte.open(werkruimte_pad(workspace))
    gdf = zone_rond_voorziening(ws, voorziening, afstand_m=afstand)
    pad = exporteer_naar_bestand(
        gdf,
        uitvoer,
        laag="vlekkenplan",
        attributie=attributie("vlekkenplan", werkruimte_voorbeelddata=ws.voorbeelddata),
        crs_metrisch=ws.crs,
    )
    opp = float(gdf.geometry.area.sum()) if len(gdf) else 0.0
    console.print(f"Loopzone van {afstand:g} m rond {voorziening} ({opp / 10_000:.2f} ha) geschreven naar {pad}.")
