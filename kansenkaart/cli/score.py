"""Command ``score``: geschiktheid of locations for geclusterde or zorggeschikte woonvormen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from kansenkaart.cli._app import WorkspaceOption, app, console, met_foutafhandeling, werkruimte_pad
from kansenkaart.geschiktheid import beschikbare_profielen
from kansenkaart.io.score import ScoreResultaat, bereken_geschiktheid
from kansenkaart.io.werkruimte import Werkruimte

_TYPE_MEERVOUD = {
    "wooncomplex": ("wooncomplex", "wooncomplexen"),
    "nieuwbouwplan": ("nieuwbouwplan", "nieuwbouwplannen"),
    "kans": ("kans", "kansen"),
    "raster": ("rastercel", "rastercellen"),
}


def _getal(v: float, decimalen: int = 0) -> str:
    """Dutch number: thousands with a dot, decimals with a comma."""
    tekst = f"{v:,.{decimalen}f}"
    return tekst.replace(",", "_").replace(".", ",").replace("_", ".")


def _pct(v: float) -> str:
    return f"{_getal(100 * v)} %"


def _telling(per_type: dict[str, int]) -> str:
    delen = []
    for soort, (een, meer) in _TYPE_MEERVOUD.items():
        n = per_type.get(soort, 0)
        if n:
            delen.append(f"{_getal(n)} {een if n == 1 else meer}")
    return ", ".join(delen) or "geen kandidaten"


def _tabel(res: ScoreResultaat, top: int) -> Table:
    laag = res.laag
    met_gev = res.gevoeligheid is not None
    table = Table(title=f"Top {min(top, len(laag))}: {res.profiel.titel} (profiel {res.profiel.naam})", show_lines=True)
    table.add_column("rang", justify="right")
    table.add_column("score", justify="right")
    if met_gev:
        table.add_column("rangbereik", justify="right")
        table.add_column("robuust", justify="center")
    table.add_column("soort")
    table.add_column("naam")
    table.add_column("uitleg", ratio=1)
    for _, r in laag.head(top).iterrows():
        score = float(r["score"])
        rij: list[str] = [str(int(r["rang"])), "onbekend" if score != score else _getal(score, 1)]
        if met_gev:
            rij += [f"{int(r['rang_min'])}-{int(r['rang_max'])}", "ja" if bool(r["robuust"]) else "nee"]
        rij += [str(r["kandidaat_type"]), str(r["naam"] or ""), str(r["uitleg"])]
        table.add_row(*rij)
    return table


def _samenvatting_gevoeligheid(info: dict[str, Any], aantal_scenarios: int) -> str:
    g = info["gevoeligheid"]
    return (
        f"Gevoeligheid (gewichten ±{_getal(100 * g['variatie'])} %, {aantal_scenarios} scenario's waarvan "
        f"{g['trekkingen']} willekeurige trekkingen): Spearman min. {_getal(g['spearman_min'], 3)}, "
        f"mediaan {_getal(g['spearman_mediaan'], 3)}; overlap top-{g['top']} min. {_pct(g['top_overlap_min'])}, "
        f"mediaan {_pct(g['top_overlap_mediaan'])}; {_pct(g['aandeel_robuust'])} van de kandidaten robuust."
    )


@app.command("score")
@met_foutafhandeling
def score(
    profiel: str = typer.Option(
        "geclusterd",
        "--profiel",
        "-p",
        help=f"Scoreprofiel: {' of '.join(beschikbare_profielen())}, of het pad naar een eigen profiel (.toml).",
    ),
    celgrootte: float = typer.Option(
        100.0, "--celgrootte", min=0, help="Celgrootte van het raster over het bebouwd gebied (m); 0 = geen raster."
    ),
    gevoeligheid: bool = typer.Option(
        False, "--gevoeligheid", help="Gevoeligheidsanalyse: gewichten ±20 % en willekeurige trekkingen."
    ),
    trekkingen: int = typer.Option(200, "--trekkingen", min=0, max=10_000, help="Aantal willekeurige trekkingen."),
    variatie: float = typer.Option(0.2, "--variatie", min=0.0, max=0.9, help="Relatieve variatie van de gewichten."),
    seed: int = typer.Option(0, "--seed", help="Startwaarde van de toevalsgenerator (zelfde seed, zelfde trekkingen)."),
    top: int = typer.Option(10, "--top", min=1, max=1000, help="Aantal kandidaten in de tabel en de top-N-overlap."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Bereken de geschiktheid van locaties voor geclusterde of zorggeschikte woonvormen.

    Kandidaten: wooncomplexen, nieuwbouwplannen, kansen en een raster over het bebouwd gebied. Het
    resultaat staat in de laag 'geschiktheid' (score, bijdrage per criterium, harde voorwaarden,
    uitleg; met --gevoeligheid ook het rangbereik en of de rang robuust is).
    """
    ws = Werkruimte.open(werkruimte_pad(workspace))
    with console.status("Geschiktheid berekenen…"):
        res = bereken_geschiktheid(
            ws,
            profiel=profiel,
            celgrootte_m=celgrootte or None,
            gevoeligheid=gevoeligheid,
            trekkingen=trekkingen,
            variatie=variatie,
            seed=seed,
            top=top,
        )
    info = res.info
    console.print(
        f"Profiel [bold]{res.profiel.naam}[/]: {_getal(info['kandidaten'])} kandidaten ({_telling(info['per_type'])}); "
        f"{_getal(info['voldoet'])} voldoen aan de harde voorwaarden. Opgeslagen in laag 'geschiktheid'."
    )
    for cat in info.get("zonder_voorzieningen", []):
        console.print(f"[yellow]Let op:[/] geen voorzieningen van categorie '{cat}': die afstand is onbekend.")
    if info.get("kandidaten_niet_op_netwerk"):
        console.print(
            f"[yellow]Let op:[/] {_getal(info['kandidaten_niet_op_netwerk'])} kandidaten liggen te ver van het "
            "wandelnetwerk: hun afstanden zijn onbekend."
        )
    if ws.voorbeelddata:
        console.print("[yellow]Voorbeelddata:[/] deze werkruimte bevat gegenereerde voorbeeldlagen.")
    console.print(_tabel(res, top))
    if res.gevoeligheid is not None:
        console.print(_samenvatting_gevoeligheid(info, len(res.gevoeligheid.scenarios)))
