"""The typer application and helpers shared by all command modules."""

from __future__ import annotations

import os
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
from rich.console import Console
from rich.markup import escape

from kansenkaart.errors import BadFileError, KansenkaartError
from kansenkaart.settings import get_settings

__all__ = ["WorkspaceOption", "app", "console", "err_console", "fout", "werkruimte_pad"]

app = typer.Typer(
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


def main() -> None:
    """Entry point of the ``kansenkaart`` command.

    An unexpected error prints one Dutch line and writes the technical details to a log file
    (no stack trace on the console); set ``KANSENKAART_DEBUG=1`` to see the trace instead.
    """
    try:
        app()
    except KeyboardInterrupt:
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
