"""Helpers for tests that need accounts: API tokens, passwords and web-session logins.

- :func:`maak_token` creates an account (token-only unless a password is given) in the
  workspace's ``gebruikers.sqlite`` and returns a fresh API token;
- :func:`bearer` is the ``Authorization`` header for a token;
- :func:`inloggen` logs a ``TestClient`` in through ``GET/POST /login`` (pre-session CSRF token
  included) and returns the session's CSRF token from the map page.

Session tests use ``TestClient(app, base_url="https://testserver")``: the session cookie is
``Secure`` (setting ``cookie_secure``), so httpx only sends it over https.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kansenkaart.errors import NotFoundError
from kansenkaart.io.gebruikers import Gebruikersdb

__all__ = ["WACHTWOORD", "bearer", "csrf_van_pagina", "inloggen", "maak_account", "maak_token"]

WACHTWOORD = "correct paard batterij niet"
"""A password that passes the policy (tests only)."""


def maak_account(
    werkruimte_pad: Path,
    naam: str,
    *,
    rol: str = "beheerder",
    gemeenten: tuple[str, ...] = (),
    wachtwoord: str | None = None,
) -> None:
    """Create account ``naam`` unless it exists (``wachtwoord=None``: token-only, no Argon2 cost)."""
    db = Gebruikersdb.van_werkruimte(werkruimte_pad)
    try:
        db.account(naam)
    except NotFoundError:
        db.voeg_toe(naam, rol=rol, gemeenten=gemeenten, wachtwoord=wachtwoord)
    db.close()


def maak_token(
    werkruimte_pad: Path,
    naam: str = "test-beheerder",
    *,
    rol: str = "beheerder",
    gemeenten: tuple[str, ...] = (),
) -> str:
    """Create account ``naam`` if needed and return a new API token for it."""
    maak_account(werkruimte_pad, naam, rol=rol, gemeenten=gemeenten)
    db = Gebruikersdb.van_werkruimte(werkruimte_pad)
    _info, token = db.maak_token(naam, naam="test")
    db.close()
    return token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def csrf_van_pagina(html: str) -> str:
    """The CSRF token from the ``<meta name="csrf-token">`` of the map page."""
    m = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert m is not None, "kaartpagina zonder csrf-token"
    return m.group(1)


def inloggen(client: Any, naam: str, wachtwoord: str = WACHTWOORD) -> str:
    """Log ``client`` (a TestClient on https) in through the form; return the session's CSRF token."""
    r = client.get("/login")
    assert r.status_code == 200, r.text
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m is not None
    r = client.post(
        "/login",
        data={"naam": naam, "wachtwoord": wachtwoord, "csrf_token": m.group(1), "volgende": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    pagina = client.get("/")
    assert pagina.status_code == 200, pagina.text
    return csrf_van_pagina(pagina.text)
