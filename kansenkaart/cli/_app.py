"""The typer application and helpers shared by all command modules."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
import typer.core
import typer.rich_utils
from rich.console import Console
from rich.markup import escape
from typer.models import CommandFunctionType

from kansenkaart.errors import BadFileError, KansenkaartError
from kansenkaart.settings import get_settings

__all__ = [
    "DutchCommand",
    "DutchGroup",
    "DutchTyper",
    "WorkspaceOption",
    "app",
    "console",
    "err_console",
    "fout",
    "werkruimte_pad",
]

# click's exception classes as typer uses them (recent typer releases vendor click as typer._click).
_ck: Any = sys.modules[typer.BadParameter.__module__]

# Dutch titles for the panels of --help (typer keeps them in module constants).
typer.rich_utils.OPTIONS_PANEL_TITLE = "Opties"
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenten"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Commando's"
typer.rich_utils.ERRORS_PANEL_TITLE = "Fout"
typer.rich_utils.ABORTED_TEXT = "Afgebroken."
# ... and for the rest of the frame typer's rich help prints around an option's own help text.
typer.rich_utils.DEFAULT_STRING = "[standaard: {}]"
typer.rich_utils.REQUIRED_LONG_STRING = "[verplicht]"
typer.rich_utils.ENVVAR_STRING = "[omgevingsvariabele: {}]"
typer.rich_utils.DEPRECATED_STRING = "(verouderd) "
typer.rich_utils.RICH_HELP = "Hulp: [blue]{command_path} {help_option}[/]"

# The usage line's prefix and the --help option's own text are written by click itself, not by
# typer.rich_utils, so no constant reaches them: the command classes below override the two
# click hooks that produce them (``format_usage`` and ``get_help_option``).
GEBRUIK = "Gebruik: "
HULP_OPTIE = "Toon deze hulp en stop."
# The placeholders of the usage line (typer's defaults: "[OPTIONS]" and "COMMAND [ARGS]...").
OPTIES_METAVAR = "[OPTIES]"
COMMANDO_METAVAR = "COMMANDO [ARGUMENTEN]..."
# typer colours click's "Usage: " prefix with a highlighter regex; give "Gebruik: " the same style
# (only colour: skipped if a typer release renames the class).
_markeerder: Any = getattr(typer.rich_utils, "OptionHighlighter", None)
if _markeerder is not None:
    _markeerder.highlights = [*_markeerder.highlights, rf"(?P<usage>{re.escape(GEBRUIK)})"]


def _gebruiksregel(command: Any, ctx: Any, formatter: Any) -> None:
    """click's ``Command.format_usage`` with a Dutch prefix instead of its default ``Usage: ``."""
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)), prefix=GEBRUIK)


def _hulpoptie(optie: Any) -> Any:
    """click's --help option (made and cached by ``Command.get_help_option``) with a Dutch help text."""
    if optie is not None:
        optie.help = HULP_OPTIE
    return optie


class DutchCommand(typer.core.TyperCommand):
    """A typer command whose usage line and --help option are Dutch."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _gebruiksregel(self, ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _hulpoptie(super().get_help_option(ctx))


class DutchGroup(typer.core.TyperGroup):
    """A typer command group whose usage line and --help option are Dutch."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _gebruiksregel(self, ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _hulpoptie(super().get_help_option(ctx))


class DutchTyper(typer.Typer):
    """``typer.Typer`` whose group and commands are :class:`DutchGroup` and :class:`DutchCommand`,
    with Dutch placeholders in the usage line (typer's own ``options_metavar``/``subcommand_metavar``).

    Use it for every (sub)app of the CLI, so that each ``--help`` has a Dutch frame.
    """

    def __init__(
        self,
        *,
        cls: type[typer.core.TyperGroup] | None = None,
        options_metavar: str | None = None,
        subcommand_metavar: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            cls=cls or DutchGroup,
            options_metavar=options_metavar or OPTIES_METAVAR,
            subcommand_metavar=subcommand_metavar or COMMANDO_METAVAR,
            **kwargs,
        )

    def command(
        self,
        name: str | None = None,
        *,
        cls: type[typer.core.TyperCommand] | None = None,
        options_metavar: str | None = None,
        **kwargs: Any,
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(
            name, cls=cls or DutchCommand, options_metavar=options_metavar or OPTIES_METAVAR, **kwargs
        )


app = DutchTyper(
    name="kansenkaart",
    help="Kansenkaart wonen met zorg: lagen, vlekkenplan, geschiktheid, monitor en kaart.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
# soft_wrap: long lines (file paths, URLs) are left to the terminal to wrap, so rich never
# breaks a path with a hard newline that would spoil copying it.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help="Werkruimte (map). Standaard: KANSENKAART_WORKSPACE of ./werkruimte.",
)


def werkruimte_pad(workspace: Path | None) -> Path:
    """Resolve the workspace folder: the option, else the setting ``KANSENKAART_WORKSPACE``."""
    return workspace if workspace is not None else get_settings().workspace


def fout(message: str, code: int = 2) -> typer.Exit:
    """Print a Dutch error message (no stack trace) and return the Exit to raise."""
    err_console.print(f"[bold red]Fout:[/] {escape(message)}")
    return typer.Exit(code)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except BadFileError as e:
        raise fout(e.message, 2) from e
    except KansenkaartError as e:
        raise fout(e.message, 2) from e


def met_foutafhandeling(func: F) -> F:
    """Decorate a command so that domain errors print a Dutch message and exit with code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _domain_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# click's messages for a wrong value (and typer's range checks), in Dutch; anything else is shown as is.
_REDENEN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(patroon, re.IGNORECASE | re.DOTALL), vertaling)
    for patroon, vertaling in (
        (r"^Input should be greater than or equal to (.+?)\.?$", r"moet minstens \1 zijn"),
        (r"^Input should be less than or equal to (.+?)\.?$", r"mag hoogstens \1 zijn"),
        (r"^Input should be greater than (.+?)\.?$", r"moet groter zijn dan \1"),
        (r"^Input should be less than (.+?)\.?$", r"moet kleiner zijn dan \1"),
        (r"^Input should be a valid (?:number|float).*$", "dat is geen getal"),
        (r"^Input should be a valid integer.*$", "dat is geen geheel getal"),
        (r"^(.+) is not in the range (.+?)\.?$", r"\1 ligt niet in het bereik \2"),
        (r"^'(.*)' is not a valid float.*$", r"'\1' is geen getal"),
        (r"^'(.*)' is not a valid integer.*$", r"'\1' is geen geheel getal"),
        (r"^'(.*)' is not a valid boolean.*$", r"'\1' is geen ja/nee-waarde"),
        (r"^'(.*)' is not one of (.+?)\.?$", r"'\1' is geen van deze: \2"),
        (r"^(?:Path|File|Directory) '(.*)' does not exist\.?$", r"'\1' bestaat niet"),
        (r"^(?:Path|File) '(.*)' is a directory\.?$", r"'\1' is een map, geen bestaand"),
        (r"^Directory '(.*)' is a file\.?$", r"'\1' is een bestand, geen map"),
    )
)
_GEBRUIK: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(patroon, re.DOTALL), vertaling)
    for patroon, vertaling in (
        (r"^No such command '(.+?)'\. Did you mean (.+)\?$", r"Onbekend commando '\1'. Bedoelt u \2?"),
        (r"^No such command '(.+)'\.?$", r"Onbekend commando '\1'."),
        (r"^Missing command\.?$", "Geef een commando op."),
        (r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)\.?$", r"Onverwacht extra argument: \1."),
        (r"^Option '(.+)' requires an argument\.?$", r"Optie '\1' vraagt om een waarde."),
        (r"^Option '(.+)' requires (\d+) arguments\.?$", r"Optie '\1' vraagt om \2 waarden."),
        (r"^Option '(.+)' does not take a value\.?$", r"Optie '\1' neemt geen waarde."),
    )
)


def _vertaal(tekst: str, tabel: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for patroon, vertaling in tabel:
        if patroon.match(tekst):
            return patroon.sub(vertaling, tekst)
    return tekst


def _param_naam(e: Exception) -> str:
    """How the option or argument of ``e`` is written on the command line: '--binnen', 'LAAG'."""
    hint = getattr(e, "param_hint", None)
    if isinstance(hint, list | tuple):
        return " / ".join(f"'{h}'" for h in hint)
    if hint:
        return str(hint)
    param = getattr(e, "param", None)
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return f"'{str(param.name or '').upper()}'"
    opts = list(getattr(param, "opts", None) or [param.name])
    return " / ".join(f"'{o}'" for o in opts)


def gebruiksfout(e: Exception) -> str:
    """A Dutch message for a command-line mistake reported by click or typer (wrong option, value, ...)."""
    if isinstance(e, _ck.NoSuchOption):
        tekst = f"Onbekende optie: {e.option_name}."
        if e.possibilities:
            tekst += " Bedoelt u " + " of ".join(sorted(e.possibilities)) + "?"
        return tekst
    if isinstance(e, _ck.MissingParameter):
        soort = "Het argument" if getattr(e.param, "param_type_name", "") == "argument" else "De optie"
        return f"{soort} {_param_naam(e)} ontbreekt."
    if isinstance(e, _ck.BadParameter):
        return f"Ongeldige waarde voor {_param_naam(e)}: {_vertaal(str(e.message).strip(), _REDENEN)}."
    if isinstance(e, _ck.FileError):
        return f"Bestand '{e.ui_filename}' kan niet geopend worden: {e.message}"
    return _vertaal(str(getattr(e, "message", e)).strip(), _GEBRUIK)


def _commando_pad(args: list[str]) -> str:
    """``kansenkaart`` plus the (sub)commands at the start of ``args``, e.g. ``kansenkaart monitor peildata``."""
    pad = ["kansenkaart"]
    try:
        cmd: Any = typer.main.get_command(app)
        for arg in args:
            sub = cmd.commands.get(arg) if hasattr(cmd, "commands") else None
            if sub is None:
                break
            pad.append(arg)
            cmd = sub
    except Exception:  # only a help pointer: never fail on it
        pass
    return " ".join(pad)


def main() -> None:
    """Entry point of the ``kansenkaart`` command.

    A mistake on the command line (unknown option, missing or wrong value) prints one Dutch line
    and a pointer to ``--help`` (exit code 2). An unexpected error prints one Dutch line and
    writes the technical details to a log file (no stack trace on the console); set
    ``KANSENKAART_DEBUG=1`` to see the trace instead.
    """
    try:
        code = app(standalone_mode=False)
    except _ck.ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # a group called without a command: its help
            # The error is made with ctx.get_help(): typer's rich help has already been printed
            # then (and the message is empty); only a plain-text help is left to print here.
            tekst = e.format_message()
            if tekst.strip():
                console.print(tekst, markup=False, highlight=False)
            sys.exit(e.exit_code)
        try:
            melding = gebruiksfout(e)
        except Exception:  # never let the translation hide the mistake itself
            melding = str(e)
        err_console.print(f"[bold red]Fout:[/] {escape(melding)}")
        if isinstance(e, _ck.UsageError):
            ctx = getattr(e, "ctx", None)
            pad = ctx.command_path if ctx is not None else _commando_pad(sys.argv[1:])
            err_console.print(escape(f"Hulp: {pad} --help"), highlight=False)
        sys.exit(e.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        err_console.print("Afgebroken.")
        sys.exit(130)
    except Exception as e:  # last resort at the edge: never show a stack trace to a user
        if os.environ.get("KANSENKAART_DEBUG"):
            raise
        log = Path(tempfile.gettempdir()) / f"kansenkaart-fout-{datetime.now():%Y%m%d-%H%M%S}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        err_console.print(
            f"[bold red]Onverwachte fout:[/] {escape(type(e).__name__)}: {escape(str(e))}\n"
            f"Details staan in {escape(str(log))}. Meld dit bij de beheerder van de kansenkaart."
        )
        sys.exit(1)
    # typer.Exit(n) in a command comes back as n; a command's own return value means success
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
