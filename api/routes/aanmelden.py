"""Logging in and out of the web map, and "who am I".

- ``GET /login``: the Dutch login form (escaped template ``web/templates/login.html``) with a
  pre-session CSRF token (hidden field + signed cookie);
- ``POST /login``: checks the form's CSRF token, the rate limit (429 with ``Retry-After``) and
  the password; on success a new server-side session, the session cookie, and a 303 to the
  page the user came from (local paths only);
- ``POST /logout``: ends the session (CSRF token as form field or ``X-CSRF-Token`` header);
- ``GET /api/aanmelding``: the current user (name, role, gemeenten, how), for the map header.

Login and logout are not part of the OpenAPI document: API clients use tokens.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import ContextDep, OptioneleGebruikerDep
from api.errors import CsrfError
from api.toegang import CSRF_HEADER
from kansenkaart.auth import TeVeelPogingenError, nieuw_geheim, vergelijk_geheim
from kansenkaart.errors import AuthError

__all__ = ["router"]

router = APIRouter()

_GEEN_HTTPS = (
    "Aanmelden kan hier alleen via HTTPS: de sessiecookie is beveiligd ('Secure') en uw browser stuurt hem niet "
    "over een onversleutelde verbinding. Open de kaart via https://, of (alleen voor een test op een intern netwerk) "
    "start de server met KANSENKAART_COOKIE_SECURE=false."
)


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def _basis(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _volgende(waarde: str | None, basis: str) -> str:
    """Where to go after login: a local path of this app, never another site (open redirect)."""
    standaard = f"{basis}/"
    if not waarde or len(waarde) > 2000 or not waarde.startswith("/") or waarde.startswith("//"):
        return standaard
    if "\\" in waarde or any(ord(c) < 32 or ord(c) == 127 for c in waarde):
        return standaard
    if basis and not (waarde == basis or waarde.startswith(basis + "/")):
        return standaard
    return waarde


def _pagina(
    request: Request,
    ctx: Any,
    *,
    token: str,
    volgende: str,
    fout: str = "",
    naam: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    basis = _basis(request)
    ws = ctx.werkruimte
    html = (
        _templates()
        .get_template("login.html")
        .render(
            regio=ws.regio.naam,
            voorbeelddata=ws.voorbeelddata,
            actie=f"{basis}/login",
            csrf_token=token,
            volgende=volgende,
            fout=fout,
            naam=naam[:200],
            lezen_open=ctx.toegang.lezen_open,
            kaart_url=f"{basis}/",
        )
    )
    antwoord = HTMLResponse(
        html,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    if ctx.toegang.login_token_uit_cookie(request) != token:
        ctx.toegang.zet_login_token(antwoord, request, token)
    return antwoord


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_pagina(
    request: Request,
    ctx: ContextDep,
    volgende: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The login form; a user who is logged in already goes on at once."""
    doel = _volgende(volgende, _basis(request))
    if ctx.toegang.sessie(request) is not None:
        return RedirectResponse(doel, status_code=303)
    token = ctx.toegang.login_token_uit_cookie(request) or nieuw_geheim()
    fout = _GEEN_HTTPS if ctx.toegang.cookie_komt_niet_aan(request) else ""
    return _pagina(request, ctx, token=token, volgende=doel, fout=fout)


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login(
    request: Request,
    ctx: ContextDep,
    naam: Annotated[str, Form(max_length=200)] = "",
    wachtwoord: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    volgende: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the form and start a session (303 to ``volgende``), or show the form with a Dutch message."""
    toegang = ctx.toegang
    doel = _volgende(volgende, _basis(request))
    cookie_token = toegang.login_token_uit_cookie(request)
    if toegang.cookie_komt_niet_aan(request):
        return _pagina(request, ctx, token=cookie_token or nieuw_geheim(), volgende=doel, fout=_GEEN_HTTPS,
                       naam=naam, status_code=400)
    if not vergelijk_geheim(csrf_token, cookie_token):
        return _pagina(
            request,
            ctx,
            token=cookie_token or nieuw_geheim(),
            volgende=doel,
            naam=naam,
            fout="Het aanmeldformulier is verlopen of niet op deze site ingevuld. Probeer het nog eens.",
            status_code=403,
        )
    assert cookie_token is not None
    ip = request.client.host if request.client is not None else "onbekend"
    try:
        gebruiker = toegang.db.meld_aan(naam, wachtwoord, ip=ip, max_per_minuut=ctx.settings.login_pogingen_per_minuut)
    except TeVeelPogingenError as e:
        wacht = int(e.details.get("retry_after", 60))
        return _pagina(request, ctx, token=cookie_token, volgende=doel, naam=naam, fout=e.message, status_code=429,
                       headers={"Retry-After": str(wacht)})
    except AuthError as e:
        return _pagina(request, ctx, token=cookie_token, volgende=doel, naam=naam, fout=e.message, status_code=401)
    oud = toegang.sessie_id(request)
    if oud is not None:
        toegang.db.beeindig_sessie(oud)
    sid, _csrf = toegang.db.maak_sessie(gebruiker.naam)
    antwoord = RedirectResponse(doel, status_code=303, headers={"Cache-Control": "no-store"})
    toegang.zet_sessie(antwoord, request, sid)
    toegang.wis_login(antwoord, request)
    return antwoord


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    ctx: ContextDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """End the session (CSRF token as form field or header) and go to the login page."""
    toegang = ctx.toegang
    sid = toegang.sessie_id(request)
    sessie = None if sid is None else toegang.db.sessie(sid)
    if sessie is not None:
        if not (
            vergelijk_geheim(csrf_token, sessie.csrf_token)
            or vergelijk_geheim(request.headers.get(CSRF_HEADER), sessie.csrf_token)
        ):
            raise CsrfError(
                "De beveiligingscode (CSRF-token) ontbreekt of klopt niet; laad de pagina opnieuw en meld u dan af.",
                details={"header": CSRF_HEADER},
            )
        assert sid is not None
        toegang.db.beeindig_sessie(sid)
    antwoord = RedirectResponse(f"{_basis(request)}/login", status_code=303, headers={"Cache-Control": "no-store"})
    toegang.wis_sessie(antwoord, request)
    return antwoord


@router.get(
    "/api/aanmelding",
    tags=["Aanmelden"],
    summary="Wie ben ik",
    description="De aangemelde gebruiker (naam, rol, gemeenten) en hoe (token of sessie), of 'aangemeld: false'. "
    "De webkaart toont hiermee de naam en de knop Uitloggen.",
    operation_id="aanmelding",
)
def aanmelding(request: Request, ctx: ContextDep, gebruiker: OptioneleGebruikerDep) -> JSONResponse:
    """The current user."""
    basis = _basis(request)
    via = getattr(getattr(request.state, "aanmelding", None), "via", None)
    uit: dict[str, Any] = {
        "aangemeld": gebruiker is not None and via in ("token", "sessie"),
        "lezen_zonder_login": ctx.toegang.lezen_open,
        "login_url": f"{basis}/login?volgende={quote(basis + '/', safe='')}",
        "logout_url": f"{basis}/logout",
    }
    if gebruiker is not None:
        uit.update(naam=gebruiker.naam, rol=gebruiker.rol, gemeenten=list(gebruiker.gemeenten), via=via,
                   mag_schrijven=gebruiker.mag_schrijven)
    return JSONResponse(uit, headers={"Cache-Control": "no-store"})
