"""Command-line interface ``kansenkaart``.

Each command group lives in its own module; importing it registers its commands on
:data:`kansenkaart.cli._app.app`.
"""

from __future__ import annotations

# Importing a module registers its commands; this order is their order in --help.
# isort: off
from kansenkaart.cli import lagen  # noqa: F401
from kansenkaart.cli import export  # noqa: F401
from kansenkaart.cli import importeren  # noqa: F401
from kansenkaart.cli import serve  # noqa: F401
from kansenkaart.cli import osm  # noqa: F401
from kansenkaart.cli import monitor  # noqa: F401
from kansenkaart.cli import score  # noqa: F401
from kansenkaart.cli import vlekkenplan  # noqa: F401
from kansenkaart.cli import gebruikers  # noqa: F401
from kansenkaart.cli import beheer  # noqa: F401

# isort: on
from kansenkaart.cli._app import app, main

__all__ = ["app", "main"]
