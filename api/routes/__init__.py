"""Route modules of the API: OGC API Features (``ogc``), spatial query (``query``), kansen writes (``kansen``).

Later issues add ``web`` (the map), ``monitor`` and auth; :func:`api.app.create_app`
includes ``api.routes.web`` and ``api.routes.monitor`` automatically when they exist
(each module exposes a ``router``).
"""

from __future__ import annotations

from starlette.requests import Request

__all__ = ["api_basis"]


def api_basis(request: Request) -> str:
    """Absolute base URL of the API (``http://host:port[/root_path]/api``), built from the request."""
    return str(request.base_url).rstrip("/") + "/api"
