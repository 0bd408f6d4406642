"""HTTP API of kansenkaart (FastAPI): OGC API Features, spatial query, exports, kansen writes.

Start it with ``kansenkaart serve``; build it in code with :func:`create_app`.
"""

from __future__ import annotations

from api.app import create_app

__all__ = ["create_app"]
