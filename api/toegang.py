"""Who sends a request: API tokens, web sessions with CSRF protection, or nobody.

Three ways in, checked in this order:

1. ``Authorization: Bearer <token>`` (scripts, QGIS, curl): the token is looked up by its
   SHA-256 in ``gebruikers.sqlite``. An unknown or revoked token, or the token of an inactive
   account, is a 401 even when reading is open. Requests with a token are exempt from CSRF
   checks (a browser never adds this header by itself). Writes are recorded with kanaal ``api``.
2. The session cookie ``kansenkaart_sessie`` (the web map, after ``POST /login``): a random
   session id, signed with :mod:`itsdangerous`, HttpOnly, SameSite=Lax, ``Secure`` per the
   setting ``cookie_secure``. The session lives server-side (hash of the id, user, CSRF token,
   times). Every unsafe request (POST, PUT, PATCH, DELETE) with the cookie must carry the
   session's CSRF token in the ``X-CSRF-Token`` header (synchroniser token, from the page's
   ``<meta name="csrf-token">``), else 403. Writes are recorded with kanaal ``web``.
3. Nothing: the anonymous *lezer* when reading is open (setting ``lezen_zonder_login``, or a
   workspace marked open by ``kansenkaart demo``), else 401.

The login form has its own CSRF protection before any session exists: ``GET /login`` sets a
signed cookie ``kansenkaart_login`` and puts the same token in a hidden field; ``POST /login``
needs both to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import CsrfError
from kansenkaart.auth import Gebruiker, Kanaal, anonieme_lezer, vergelijk_geheim
from kansenkaart.errors import AuthError
from kansenkaart.io.gebruikers import SESSIE_MAX_S, Gebruikersdb, Sessie
from kansenkaart.settings import Settings

__all__ = [
    "BEVEILIGINGSKOPPEN",
    "CSRF_HEADER",
    "LOGINCOOKIE",
    "SESSIECOOKIE",
    "VEILIGE_METHODEN",
    "Aanmelding",
    "BeveiligingskoppenMiddleware",
    "Toegang",
]

SESSIECOOKIE = "kansenkaart_sessie"
LOGINCOOKIE = "kansenkaart_login"
CSRF_HEADER = "X-CSRF-Token"
VEILIGE_METHODEN = frozenset({"GET", "HEAD", "OPTIONS"})
_LOGIN_GELDIG_S = 3600
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

Via = Literal["token", "sessie", "anoniem"]


@dataclass(frozen=True)
class Aanmelding:
    """How the user of a request is known."""

    gebruiker: Gebruiker
    via: Via
    csrf_token: str | None = None

    @property
    def kanaal(self) -> Kanaal:
        """The channel written to the history: ``web`` for a session, else ``api``."""
        return "web" if self.via == "sessie" else "api"


class Toegang:
    """Authentication for one app: the accounts database, cookie signing and the read policy.

    Parameters
    ----------
    db
        The workspace's accounts database.
    settings
        ``secret_key`` (else a key stored in ``db``), ``cookie_secure``.
    lezen_open
        Reading without login allowed.
    """

    def __init__(self, db: Gebruikersdb, settings: Settings, *, lezen_open: bool) -> None:
        self.db = db
        self.settings = settings
        self.lezen_open = lezen_open
        sleutel = settings.secret_key or db.sessiesleutel()
        self._sessie = URLSafeTimedSerializer(sleutel, salt="kansenkaart-sessie")
        self._login = URLSafeTimedSerializer(sleutel, salt="kansenkaart-login")

    # ------------------------------------------------------------------ who is it

    def aanmelding(self, request: Request, *, verplicht: bool = True) -> Aanmelding | None:
        """Resolve the user of ``request`` (see the module docstring).

        Raises
        ------
        AuthError
            A bad or revoked token; or no login while ``verplicht`` and reading is closed.
        CsrfError
            An unsafe request with a session cookie but without the matching CSRF token.
        """
        kop = request.headers.get("authorization")
        if kop is not None:
            schema, _, waarde = kop.strip().partition(" ")
            if schema.lower() != "bearer" or not waarde.strip():
                raise AuthError(
                    "Gebruik de header 'Authorization: Bearer <token>' met een API-token "
                    "(maak er een met 'kansenkaart token maken').",
                    details={"token": "ongeldig"},
                )
            return Aanmelding(self.db.gebruiker_van_token(waarde.strip()), "token")
        sessie = self.sessie(request)
        if sessie is not None:
            request.state.csrf_token = sessie.csrf_token
            if request.method.upper() not in VEILIGE_METHODEN and not vergelijk_geheim(
                request.headers.get(CSRF_HEADER), sessie.csrf_token
            ):
                raise CsrfError(
                    "De beveiligingscode (CSRF-token) van deze pagina ontbreekt of klopt niet meer. Laad de pagina "
                    "opnieuw en probeer het nog eens.",
                    details={"header": CSRF_HEADER},
                )
            return Aanmelding(sessie.gebruiker, "sessie", sessie.csrf_token)
        if self.lezen_open:
            return Aanmelding(anonieme_lezer(), "anoniem")
        if not verplicht:
            return None
        raise AuthError(
            "U bent niet aangemeld. Meld u aan op de kaart (/login), of stuur een API-token mee in de header "
            "'Authorization: Bearer <token>'.",
            details={"aanmelden": True},
        )

    def sessie_id(self, request: Request) -> str | None:
        """The (verified) session id from the cookie, or None."""
        waarde = request.cookies.get(SESSIECOOKIE)
        if not waarde or len(waarde) > 500:
            return None
        try:
            sid = self._sessie.loads(waarde, max_age=SESSIE_MAX_S)
        except BadSignature:
            return None
        return sid if isinstance(sid, str) else None

    def sessie(self, request: Request) -> Sessie | None:
        """The live session of ``request``, or None."""
        sid = self.sessie_id(request)
        return None if sid is None else self.db.sessie(sid)

    # ------------------------------------------------------------------ cookies

    def _pad(self, request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/") + "/"

    def zet_sessie(self, response: Response, request: Request, sid: str) -> None:
        """Set the session cookie (HttpOnly, SameSite=Lax, Secure per setting; ends with the browser)."""
        response.set_cookie(
            SESSIECOOKIE,
            self._sessie.dumps(sid),
            path=self._pad(request),
            secure=self.settings.cookie_secure,
            httponly=True,
            samesite="lax",
        )

    def wis_sessie(self, response: Response, request: Request) -> None:
        """Remove the session cookie."""
        response.delete_cookie(
            SESSIECOOKIE, path=self._pad(request), secure=self.settings.cookie_secure, httponly=True, samesite="lax"
        )

    def zet_login_token(self, response: Response, request: Request, token: str) -> None:
        """Set the cookie with the login form's pre-session CSRF token (SameSite=Strict, one hour)."""
        response.set_cookie(
            LOGINCOOKIE,
            self._login.dumps(token),
            max_age=_LOGIN_GELDIG_S,
            path=self._pad(request),
            secure=self.settings.cookie_secure,
            httponly=True,
            samesite="strict",
        )

    def login_token_uit_cookie(self, request: Request) -> str | None:
        """The login-form token from its signed cookie, or None."""
        waarde = request.cookies.get(LOGINCOOKIE)
        if not waarde or len(waarde) > 500:
            return None
        try:
            token = self._login.loads(waarde, max_age=_LOGIN_GELDIG_S)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    def wis_login(self, response: Response, request: Request) -> None:
        """Remove the login-form cookie (after a successful login)."""
        response.delete_cookie(
            LOGINCOOKIE, path=self._pad(request), secure=self.settings.cookie_secure, httponly=True, samesite="strict"
        )

    def cookie_komt_niet_aan(self, request: Request) -> bool:
        """True when a Secure cookie would be dropped: plain HTTP to a host other than this computer."""
        if not self.settings.cookie_secure or request.url.scheme == "https":
            return False
        host = (request.url.hostname or "").lower()
        return host not in _LOOPBACK


BEVEILIGINGSKOPPEN: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
"""Sent with every answer: no framing of the map by another site (clickjacking of its buttons), no
MIME sniffing, no full URLs in the Referer to other sites."""


class BeveiligingskoppenMiddleware:
    """Add :data:`BEVEILIGINGSKOPPEN` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def met_koppen(message: Message) -> None:
            if message["type"] == "http.response.start":
                koppen = MutableHeaders(scope=message)
                for naam, waarde in BEVEILIGINGSKOPPEN:
                    if naam.decode() not in koppen:
                        koppen.append(naam.decode(), waarde.decode())
            await send(message)

        await self.app(scope, receive, met_koppen)
