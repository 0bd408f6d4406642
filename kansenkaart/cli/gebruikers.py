"""Commands ``gebruiker`` (accounts) and ``token`` (API tokens).

The CLI works directly on ``<workspace>/gebruikers.sqlite`` and asks for no login: whoever can
read and write the workspace folder on the server is trusted to manage it (the same person can
copy the GeoPackage anyway). Protect the folder with file permissions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from kansenkaart.auth import ROLLEN
from kansenkaart.cli._app import DutchTyper, WorkspaceOption, app, console, fout, met_foutafhandeling, werkruimte_pad
from kansenkaart.io.gebruikers import Account, Gebruikersdb
from kansenkaart.io.werkruimte import Werkruimte

__all__ = ["gebruiker_app", "token_app"]

gebruiker_app = DutchTyper(
    help="Accounts van de kansenkaart: toevoegen, wijzigen, verwijderen (uitschakelen) en lijst.",
    no_args_is_help=True,
)
token_app = DutchTyper(
    help="API-tokens (voor QGIS, scripts en koppelingen): maken, intrekken en lijst.",
    no_args_is_help=True,
)
app.add_typer(gebruiker_app, name="gebruiker")
app.add_typer(token_app, name="token")

_ROLLEN = ", ".join(ROLLEN)
RolOption = typer.Option(
    None,
    "--rol",
    "-r",
    help=f"Rol: {_ROLLEN}. beheerder: alles; aanjager: kansen overal bewerken en lagen importeren; "
    "bewerker: kansen van de eigen gemeenten; lezer: alleen lezen.",
)
GemeenteOption = typer.Option(
    None, "--gemeente", "-g", help="Gemeente van een bewerker (GMxxxx); herhaal voor meer gemeenten."
)
StdinOption = typer.Option(
    False, "--wachtwoord-stdin", help="Lees het wachtwoord van de standaardinvoer (één regel) in plaats van te vragen."
)


def _openen(workspace: Path | None) -> tuple[Werkruimte, Gebruikersdb]:
    ws = Werkruimte.open(werkruimte_pad(workspace))
    return ws, Gebruikersdb.van_werkruimte(ws.pad)


def _wachtwoord(stdin: bool) -> str:
    if stdin:
        regel = sys.stdin.readline()
        if not regel:
            raise fout("Geen wachtwoord op de standaardinvoer.", 2)
        return regel.rstrip("\r\n")
    return str(
        typer.prompt(
            "Wachtwoord (minstens 12 tekens)", hide_input=True, confirmation_prompt="Herhaal het wachtwoord"
        )
    )


def _tekst(acc: Account) -> str:
    gemeenten = f", gemeenten {', '.join(acc.gemeenten)}" if acc.gemeenten else ""
    staat = "" if acc.actief else ", uitgeschakeld"
    return f"{acc.naam} (rol {acc.rol}{gemeenten}{staat})"


@gebruiker_app.command("toevoegen")
@met_foutafhandeling
def toevoegen(
    naam: str = typer.Argument(..., help="Gebruikersnaam (bijv. voornaam.achternaam of een e-mailadres)."),
    rol: str = typer.Option(..., "--rol", "-r", help=f"Rol: {_ROLLEN}."),
    gemeente: list[str] | None = GemeenteOption,
    wachtwoord_stdin: bool = StdinOption,
    zonder_wachtwoord: bool = typer.Option(
        False,
        "--zonder-wachtwoord",
        help="Account zonder wachtwoord: kan niet aanmelden op de kaart, alleen API-tokens gebruiken.",
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak een account. Het wachtwoord wordt gevraagd (twee keer), of gelezen met --wachtwoord-stdin.

    De eerste beheerder: kansenkaart gebruiker toevoegen NAAM --rol beheerder
    """
    ws, db = _openen(workspace)
    wachtwoord = None if zonder_wachtwoord else _wachtwoord(wachtwoord_stdin)
    acc = db.voeg_toe(
        naam, rol=rol, gemeenten=gemeente or [], wachtwoord=wachtwoord, gemeentecodes=ws.regio.gemeentecodes
    )
    console.print(escape(f"Gebruiker {_tekst(acc)} aangemaakt."), highlight=False)
    if acc.heeft_wachtwoord:
        console.print("Aanmelden op de kaart: /login. Een API-token voor QGIS of scripts: "
                      f"kansenkaart token maken {escape(acc.naam)}", highlight=False)


@gebruiker_app.command("wijzigen")
@met_foutafhandeling
def wijzigen(
    naam: str = typer.Argument(..., help="Gebruikersnaam."),
    rol: str | None = RolOption,
    gemeente: list[str] | None = GemeenteOption,
    nieuw_wachtwoord: bool = typer.Option(
        False, "--nieuw-wachtwoord", help="Stel een nieuw wachtwoord in (beëindigt de open sessies op de kaart)."
    ),
    wachtwoord_stdin: bool = StdinOption,
    actief: bool | None = typer.Option(
        None, "--actief/--inactief", help="Account aan- of uitzetten (uitzetten trekt ook de API-tokens in)."
    ),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Wijzig rol, gemeenten, wachtwoord of status van een account. Geldt direct, ook voor open sessies."""
    ws, db = _openen(workspace)
    wachtwoord = _wachtwoord(wachtwoord_stdin) if (nieuw_wachtwoord or wachtwoord_stdin) else None
    acc = db.wijzig(
        naam,
        rol=rol,
        gemeenten=gemeente if gemeente else None,
        wachtwoord=wachtwoord,
        actief=actief,
        gemeentecodes=ws.regio.gemeentecodes,
    )
    extra = " Nieuw wachtwoord ingesteld; open sessies zijn beëindigd." if wachtwoord is not None else ""
    console.print(escape(f"Gebruiker {_tekst(acc)} bijgewerkt.{extra}"), highlight=False)


@gebruiker_app.command("verwijderen")
@met_foutafhandeling
def verwijderen(
    naam: str = typer.Argument(..., help="Gebruikersnaam."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Schakel een account uit: aanmelden kan niet meer, tokens en sessies vervallen direct.

    De naam blijft bewaard (en bezet) omdat de historie van kansen ernaar verwijst. Weer aanzetten:
    kansenkaart gebruiker wijzigen NAAM --actief (tokens blijven ingetrokken).
    """
    _ws, db = _openen(workspace)
    acc = db.verwijder(naam)
    console.print(escape(f"Gebruiker {_tekst(acc)}: aanmelden kan niet meer; tokens en sessies zijn ingetrokken."),
                  highlight=False)


@gebruiker_app.command("lijst")
@met_foutafhandeling
def lijst(workspace: Path | None = WorkspaceOption) -> None:
    """Toon alle accounts met rol, gemeenten, status en het aantal actieve tokens."""
    _ws, db = _openen(workspace)
    accounts = db.lijst()
    if not accounts:
        console.print("Nog geen gebruikers. Maak de eerste beheerder: kansenkaart gebruiker toevoegen NAAM --rol "
                      "beheerder")
        return
    tokens: dict[str, int] = {}
    for t in db.tokens():
        if t.actief:
            tokens[t.gebruiker] = tokens.get(t.gebruiker, 0) + 1
    tabel = Table(title="Gebruikers")
    for kolom in ("naam", "rol", "gemeenten", "status", "wachtwoord", "tokens", "aangemaakt"):
        tabel.add_column(kolom)
    for acc in accounts:
        tabel.add_row(
            escape(acc.naam),
            acc.rol,
            ", ".join(acc.gemeenten),
            "actief" if acc.actief else "uitgeschakeld",
            "ja" if acc.heeft_wachtwoord else "nee",
            str(tokens.get(acc.naam, 0)),
            acc.aangemaakt_op[:10],
        )
    console.print(tabel)


@token_app.command("maken")
@met_foutafhandeling
def token_maken(
    gebruiker: str = typer.Argument(..., help="Gebruikersnaam van de eigenaar; het token krijgt diens rechten."),
    naam: str = typer.Option("", "--naam", "-n", help="Omschrijving, bijv. 'QGIS werkplek GIS-afdeling'."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Maak een API-token. Het token wordt één keer getoond; bewaar het veilig.

    Gebruik: header 'Authorization: Bearer <token>' (curl -H, of in QGIS bij de verbinding).
    """
    _ws, db = _openen(workspace)
    info, token = db.maak_token(gebruiker, naam=naam)
    console.print(escape(f"Token {info.id} ('{info.naam}') voor {info.gebruiker}:"), highlight=False)
    console.print(token, markup=False, highlight=False, soft_wrap=True)
    console.print("Dit token wordt niet nog eens getoond. Intrekken: "
                  f"kansenkaart token intrekken {info.id}", highlight=False)


@token_app.command("intrekken")
@met_foutafhandeling
def token_intrekken(
    token_id: str = typer.Argument(..., help="Id van het token (zie 'kansenkaart token lijst')."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Trek een API-token in; het werkt direct niet meer."""
    _ws, db = _openen(workspace)
    info = db.trek_token_in(token_id)
    console.print(escape(f"Token {info.id} ('{info.naam}') van {info.gebruiker} is ingetrokken."), highlight=False)


@token_app.command("lijst")
@met_foutafhandeling
def token_lijst(
    gebruiker: str | None = typer.Option(None, "--gebruiker", "-u", help="Alleen de tokens van deze gebruiker."),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Toon de API-tokens (nooit het token zelf): id, naam, eigenaar, aangemaakt, laatst gebruikt, status."""
    _ws, db = _openen(workspace)
    tabel = Table(title="API-tokens")
    for kolom in ("id", "naam", "gebruiker", "aangemaakt", "laatst gebruikt", "status"):
        tabel.add_column(kolom)
    for t in db.tokens(gebruiker):
        tabel.add_row(
            t.id,
            escape(t.naam),
            escape(t.gebruiker),
            t.aangemaakt_op.replace("T", " ").rstrip("Z"),
            (t.laatst_gebruikt_op or "").replace("T", " ").rstrip("Z"),
            "actief" if t.actief else f"ingetrokken {(t.ingetrokken_op or '')[:10]}",
        )
    console.print(tabel)
