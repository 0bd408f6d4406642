"""Commands ``monitor …`` (regional monitor) and ``gebieden leeftijden`` (65+/75+ per gemeente)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from kansenkaart.cli._app import DutchTyper, WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.cli.export import gebieden_app
from kansenkaart.io import monitor as mon
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.monitor import REGIO
from kansenkaart.regio import DOELGROEPEN

monitor_app = DutchTyper(
    help="Regionale monitor: behoefte, realisatie, pijplijn, spreiding en peildata.",
    invoke_without_command=True,
)
peildatum_app = DutchTyper(help="Peildata: een stand van de monitor vastleggen of verwijderen.", no_args_is_help=True)
behoefte_app = DutchTyper(
    help="Behoeftecijfers importeren (vullen of vervangen het regiobestand).", no_args_is_help=True
)
app.add_typer(monitor_app, name="monitor")
monitor_app.add_typer(peildatum_app, name="peildatum")
monitor_app.add_typer(behoefte_app, name="behoefte")

PeildatumOptie = typer.Option(None, "--peildatum", "-p", help="Toon een vastgelegde peildatum (JJJJ-MM-DD).")


def _datum(tekst: str | None) -> date | None:
    if tekst is None:
        return None
    try:
        return date.fromisoformat(tekst.strip())
    except ValueError as e:
        raise fout(f"Datum '{tekst}' is ongeldig; gebruik JJJJ-MM-DD, bijvoorbeeld 2026-01-01.") from e


def _tabel_doelgroep(ov: mon.Overzicht, doelgroep: str, *, details: bool) -> Table:
    st = ov.stand
    van, tot = st.behoefte_periode
    t = Table(
        title=f"{mon.DOELGROEP_TITELS[doelgroep]} — behoefte {van}–{tot}",
        title_justify="left",
    )
    pijplijn_kolommen = (
        "kansen_idee",
        "kansen_verkenning",
        "kansen_in_voorbereiding",
        "kansen_in_uitvoering",
        "plannen_hard",
        "plannen_zacht",
    )
    koppen = ["gemeente", "behoefte", "gerealiseerd"]
    if details:
        koppen += ["idee", "verk.", "voorb.", "uitv.", "plan hard", "plan zacht"]
    koppen += ["pijplijn", "dekking", "restopgave"]
    for kop in koppen:
        t.add_column(kop, justify="left" if kop == "gemeente" else "right")
    rijen = st.indicatoren[st.indicatoren["doelgroep"] == doelgroep]
    laatste = list(st.gemeenten)[-1]
    for r in rijen.to_dict("records"):
        behoefte = mon.getal(r["behoefte"])
        t.add_row(
            str(r["gemeente"]),
            f"[yellow]{behoefte}[/]" if pd.isna(r["behoefte"]) else behoefte,
            mon.getal(r["gerealiseerd"]),
            *((mon.getal(r[k]) for k in pijplijn_kolommen) if details else ()),
            mon.getal(r["pijplijn"]),
            mon.procent(r["dekking"]),
            mon.getal(r["restopgave"]),
            style="bold" if r["gemeentecode"] == REGIO else None,
            end_section=r["gemeentecode"] == laatste,
        )
    return t


def _tabel_spreiding(ov: mon.Overzicht) -> Table:
    sp = ov.stand.spreiding
    t = Table(
        title=f"Spreiding geclusterd + zorggeschikt aanbod — Hoover-index {mon.decimaal(sp.hoover)} "
        f"(incl. pijplijn {mon.decimaal(sp.hoover_met_pijplijn)}; basis {sp.basis or 'onbekend'})",
        title_justify="left",
    )
    for kop in (
        "gemeente",
        "aanbod",
        "aandeel aanbod",
        "75+",
        "65+",
        f"aandeel {sp.basis or '75+'}",
        "per 1.000 75+",
    ):
        t.add_column(kop, justify="left" if kop == "gemeente" else "right")
    for r in sp.tabel.to_dict("records"):
        t.add_row(
            str(r["gemeente"]),
            mon.getal(r["aanbod"]),
            mon.procent(r["aandeel_aanbod"], decimalen=1),
            mon.getal(r["inwoners_75plus"]),
            mon.getal(r["inwoners_65plus"]),
            mon.procent(r["aandeel_bevolking"], decimalen=1),
            mon.decimaal(r["woningen_per_1000_75plus"], decimalen=1),
            style="bold" if r["gemeentecode"] == REGIO else None,
        )
    return t


def _toon(ov: mon.Overzicht, doelgroep: str | None, *, details: bool = False) -> None:
    st = ov.stand
    kop = "actuele stand" if ov.actueel else "vastgelegde peildatum"
    console.print(f"[bold]Regionale monitor {st.regio_naam}[/] — {kop} {mon.datum_nl(st.peildatum)}")
    if st.voorbeelddata:
        console.print("[bold red]Voorbeelddata — geen echte gegevens.[/]")
    for d in [doelgroep] if doelgroep else DOELGROEPEN:
        console.print(_tabel_doelgroep(ov, d, details=details))
    console.print(_tabel_spreiding(ov))
    if ov.vergelijking is None:
        console.print("Nog geen eerdere peildatum: leg er een vast met 'kansenkaart monitor peildatum vastleggen'.")
    else:
        console.print(f"[bold]Wijzigingen sinds peildatum {mon.datum_nl(ov.vergelijking.peildatum)}[/]")
        assert ov.verschil is not None
        if ov.verschil.leeg:
            console.print("  geen")
        for r in ov.verschil.kansen.to_dict("records"):
            console.print(f"  • {r['omschrijving']}")
        for r in ov.verschil.indicatoren.to_dict("records"):
            if r["gemeentecode"] == REGIO:
                v = "onbekend" if pd.isna(r["verschil"]) else f"{int(r['verschil']):+d}"
                console.print(
                    f"  • regio {r['doelgroep']} {r['indicator'].replace('_', ' ')}: "
                    f"{mon.getal(r['oud'])} → {mon.getal(r['nieuw'])} ({v})"
                )
    for m in st.meldingen:
        console.print(f"[yellow]Let op:[/] {m}")


@monitor_app.callback()
def monitor(
    ctx: typer.Context,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Regionale monitor. Zonder subcommando: toon de indicatoren (zoals 'monitor toon')."""
    if ctx.invoked_subcommand is None:
        toon(workspace=workspace, peildatum=None, doelgroep=None, details=False)


@monitor_app.command("toon")
@met_foutafhandeling
def toon(
    workspace: Path | None = WorkspaceOption,
    peildatum: str | None = PeildatumOptie,
    doelgroep: str | None = typer.Option(None, "--doelgroep", "-d", help=f"Alleen {', '.join(DOELGROEPEN)}."),
    details: bool = typer.Option(False, "--details", help="Toon de pijplijn per status en hard/zacht."),
) -> None:
    """Toon behoefte, gerealiseerd, pijplijn, dekking, spreiding en wijzigingen sinds de vorige peildatum."""
    if doelgroep is not None and doelgroep not in DOELGROEPEN:
        raise fout(f"Doelgroep '{doelgroep}' is ongeldig; kies {', '.join(DOELGROEPEN)}.")
    ws = Werkruimte.open(werkruimte_pad(workspace))
    _toon(mon.monitor_overzicht(ws, peildatum=_datum(peildatum)), doelgroep, details=details)


@peildatum_app.command("vastleggen")
@met_foutafhandeling
def vastleggen(
    datum: str | None = typer.Option(None, "--datum", help="Peildatum JJJJ-MM-DD (standaard vandaag)."),
    overschrijven: bool = typer.Option(False, "--overschrijven", help="Vervang een bestaande stand op die datum."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Leg de huidige stand van alle indicatoren vast onder een peildatum."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    st = mon.leg_peildatum_vast(ws, peildatum=_datum(datum), overschrijven=overschrijven)
    regio = st.regio_rijen()
    delen = ", ".join(
        f"{r['doelgroep']} {mon.getal(r['gerealiseerd'])} gerealiseerd / {mon.getal(r['pijplijn'])} in de pijplijn"
        for r in regio.to_dict("records")
    )
    console.print(
        f"Peildatum {st.peildatum.isoformat()} vastgelegd: {delen}; "
        f"{len(st.kansen)} kansen; Hoover-index {mon.decimaal(st.spreiding.hoover)}."
    )


@peildatum_app.command("verwijderen")
@met_foutafhandeling
def verwijderen(
    datum: str = typer.Argument(..., help="Peildatum JJJJ-MM-DD."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Verwijder een vastgelegde peildatum."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    dag = _datum(datum)
    assert dag is not None
    mon.verwijder_peildatum(ws, dag)
    console.print(f"Peildatum {dag.isoformat()} verwijderd.")


@monitor_app.command("peildata")
@met_foutafhandeling
def lijst_peildata(workspace: Path | None = WorkspaceOption) -> None:
    """Toon de vastgelegde peildata met de regiocijfers."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    data = mon.peildata(ws)
    if not data:
        console.print("Nog geen peildata. Leg er een vast met 'kansenkaart monitor peildatum vastleggen'.")
        return
    t = Table(title=f"Peildata {ws.regio.naam}", title_justify="left")
    t.add_column("peildatum")
    for d in DOELGROEPEN:
        t.add_column(f"{d} gerealiseerd", justify="right")
        t.add_column(f"{d} pijplijn", justify="right")
    t.add_column("Hoover", justify="right")
    t.add_column("kansen", justify="right")
    for dag in data:
        st = mon.lees_peildatum(ws, dag)
        regio = st.regio_rijen().set_index("doelgroep")
        cellen = []
        for dg in DOELGROEPEN:
            cellen += [mon.getal(regio.at[dg, "gerealiseerd"]), mon.getal(regio.at[dg, "pijplijn"])]
        t.add_row(dag.isoformat(), *cellen, mon.decimaal(st.spreiding.hoover), str(len(st.kansen)))
    console.print(t)


@monitor_app.command("export")
@met_foutafhandeling
def export(
    output: Path = typer.Option(..., "--output", "-o", help="Doelbestand: .xlsx (alle werkbladen) of .csv."),
    peildatum: str | None = PeildatumOptie,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Exporteer alle indicatoren naar Excel (.xlsx) of CSV."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    ov = mon.monitor_overzicht(ws, peildatum=_datum(peildatum))
    mon.exporteer(ov, output)
    console.print(f"Monitor ({mon.datum_nl(ov.stand.peildatum)}) geëxporteerd naar [bold]{output}[/].")


@monitor_app.command("rapport")
@met_foutafhandeling
def rapport(
    output: Path = typer.Option(..., "--output", "-o", help="Doelbestand (.html); open het in een browser en druk af."),
    gemeente: str | None = typer.Option(None, "--gemeente", "-g", help="CBS-gemeentecode (GMxxxx); leeg: regio."),
    peildatum: str | None = PeildatumOptie,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak een printbaar rapport (HTML) voor de regio of één gemeente."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    ov = mon.monitor_overzicht(ws, peildatum=_datum(peildatum))
    html = mon.rapport_html(ws, ov, gemeente=gemeente.upper() if gemeente else None)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    wat = ov.stand.gemeenten.get(gemeente.upper(), gemeente) if gemeente else ov.stand.regio_naam
    console.print(f"Rapport {wat} geschreven naar [bold]{output}[/].")


@behoefte_app.command("importeren")
@met_foutafhandeling
def behoefte_importeren(
    bestand: Path = typer.Argument(..., help="CSV met kolommen gemeentecode;doelgroep;behoefte;bron."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Importeer behoeftecijfers; ze vervangen of vullen die van het regiobestand (leeg = onbekend)."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    df = mon.importeer_behoefte(ws, bestand)
    bekend = int(df["behoefte"].notna().sum())
    console.print(
        f"{len(df)} behoeftecijfers geïmporteerd ({bekend} bekend, {len(df) - bekend} onbekend). "
        "Een nieuwe import vervangt deze in zijn geheel."
    )


@behoefte_app.command("wissen")
@met_foutafhandeling
def behoefte_wissen(workspace: Path | None = WorkspaceOption) -> None:
    """Verwijder geïmporteerde behoeftecijfers (het regiobestand geldt weer)."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    console.print(
        "Geïmporteerde behoeftecijfers verwijderd."
        if mon.wis_behoefte(ws)
        else "Er waren geen geïmporteerde behoeftecijfers."
    )


@gebieden_app.command("leeftijden")
@met_foutafhandeling
def leeftijden(
    bestand: Path = typer.Argument(
        ...,
        help="CBS PC4-bestand met gemeente en inw_65plus/inw_75plus (GeoPackage of CSV), of met --postcodes "
        "de lange CBS-tabel postcode;leeftijd;inwoners.",
    ),
    postcodes: Path | None = typer.Option(None, "--postcodes", help="CSV postcode → gemeente (bij de lange tabel)."),
    bron: str | None = typer.Option(None, "--bron", help="Bronvermelding (standaard: CBS, bestandsnaam)."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Laad het aantal inwoners van 65+ en 75+ per gemeente (voor de spreiding in de monitor)."""
    ws = Werkruimte.open(werkruimte_pad(workspace))
    df = mon.laad_bevolking(ws, bestand, postcodes=postcodes, bron=bron)
    t = Table(title="Inwoners 65+ en 75+ per gemeente", title_justify="left")
    for kop in ("gemeente", "PC4", "inwoners", "65+", "75+"):
        t.add_column(kop, justify="left" if kop == "gemeente" else "right")
    for code, r in df.iterrows():
        t.add_row(
            f"{r['naam']} ({code})",
            str(r["aantal_pc4"]),
            mon.getal(r["inwoners"]),
            mon.getal(r["inwoners_65plus"]),
            mon.getal(r["inwoners_75plus"]),
        )
    console.print(t)
    ontbreekt = [str(r["naam"]) for _c, r in df.iterrows() if pd.isna(r["inwoners_75plus"])]
    if ontbreekt:
        console.print(f"[yellow]Let op:[/] geen postcodes gevonden voor {', '.join(ontbreekt)} (onbekend).")
