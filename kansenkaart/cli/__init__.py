"""Command-line interface ``kansenkaart``.

Each command group lives in its own module; importing it registers its commands on
:data:`kansenkaart.cli._app.app`.
"""

from __future__ import annotations

from kansenkaart.cli import lagen  # noqa: F401  (registers commands)
from kansenkaart.cli import export  # noqa: F401
from kansenkaart.cli import importeren  # noqa: F401
from kansenkaart.cli import serve  # noqa: F401
from kansenkaart.cli import osm  # noqa: F401
from kansenkaart.cli import monitor  # noqa: F401
from kansenkaart.cli import score  # noqa: F401
from kansenkaart.cli._app import app, main

__all__ = ["app", "main"]
