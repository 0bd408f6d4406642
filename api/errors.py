"""Errors become HTTP in one place.

:data:`FOUTTABEL` maps every domain error of :mod:`kansenkaart.errors` (plus the two errors
that only exist at the HTTP edge) to a status code and a stable machine-readable ``code``.
Every error body has the same shape::

    {"code": "onbekende_laag", "description": "<Nederlandse melding>", "details": {...}}

``description`` is the Dutch message of the domain error, safe to show to a user. The
technical detail (exception chain, traceback) is only logged. FastAPI's request validation
errors become 400 with a Dutch message naming the parameter; Starlette's own 404/405 get a
Dutch body; anything unexpected becomes a 500 with a generic Dutch message (bad input must
never get there: the tests and the schemathesis run check that).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kansenkaart.auth import TeVeelPogingenError
from kansenkaart.errors import (
    AuthError,
    BadFileError,
    ConflictError,
    CRSError,
    ForbiddenError,
    KansenkaartError,
    LimitError,
    NetworkError,
    NotFoundError,
    PreconditionError,
    UnknownLayerError,
    ValidationError,
)

__all__ = [
    "FOUTTABEL",
    "BodyLimitMiddleware",
    "CsrfError",
    "VersieVereistError",
    "foutbody",
    "installeer_foutafhandeling",
    "status_voor",
]

logger = logging.getLogger("kansenkaart.api")


class VersieVereistError(PreconditionError):
    """A write on a kans came without ``If-Match`` (HTTP 428 Precondition Required)."""


class CsrfError(ForbiddenError):
    """An unsafe request with a session cookie but without the session's CSRF token (HTTP 403)."""


# The one error table: domain error → (HTTP status, code). Subclasses are looked up along
# the MRO, so a more specific class (CRSError before ValidationError) wins.
FOUTTABEL: dict[type[Exception], tuple[int, str]] = {
    ValidationError: (400, "ongeldige_invoer"),
    CRSError: (400, "ongeldig_crs"),
    BadFileError: (400, "ongeldig_bestand"),
    UnknownLayerError: (404, "onbekende_laag"),
    NotFoundError: (404, "niet_gevonden"),
    ConflictError: (409, "conflict"),
    PreconditionError: (412, "verouderde_versie"),
    VersieVereistError: (428, "versie_vereist"),
    AuthError: (401, "niet_aangemeld"),
    ForbiddenError: (403, "geen_toegang"),
    CsrfError: (403, "csrf_ongeldig"),
    LimitError: (413, "te_groot"),
    TeVeelPogingenError: (429, "te_veel_pogingen"),
    NetworkError: (409, "geen_wandelnetwerk"),
}

_ONBEKEND = (500, "serverfout")
_SERVERFOUT = (
    "Er ging iets mis op de server. Probeer het later opnieuw; blijft het misgaan, "
    "neem dan contact op met de beheerder van de kansenkaart."
)
_HTTP_MELDINGEN: dict[int, tuple[str, str]] = {
    400: (
        "ongeldig_verzoek",
        "Het verzoek kon niet gelezen worden; controleer het formaat van de inhoud (bijvoorbeeld geldige JSON in "
        "UTF-8).",
    ),
    401: ("niet_aangemeld", "U bent niet aangemeld."),
    403: ("geen_toegang", "U heeft geen toegang tot deze gegevens."),
    404: ("niet_gevonden", "Deze pagina of bron bestaat niet. Begin bij /api voor een overzicht."),
    406: ("niet_aanvaardbaar", "Dit formaat kan niet geleverd worden; vraag JSON of GeoJSON."),
    413: ("te_groot", "Het verzoek is te groot."),
    415: ("ongeldig_mediatype", "Dit mediatype wordt niet ondersteund; stuur JSON of GeoJSON."),
    429: ("te_veel_pogingen", "Te veel verzoeken; wacht even en probeer het opnieuw."),
}
WWW_AUTHENTICATE = 'Bearer realm="kansenkaart"'



def status_voor(exc: BaseException) -> tuple[int, str]:
    """Return (HTTP status, code) for an exception, following :data:`FOUTTABEL`."""
    for cls in type(exc).__mro__:
        if cls in FOUTTABEL:
            return FOUTTABEL[cls]
    return _ONBEKEND


def _jsonbaar(v: Any) -> Any:
    """Make details JSON-safe (no NaN, no exceptions or other objects)."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, Mapping):
        return {str(k): _jsonbaar(x) for k, x in v.items()}
    if isinstance(v, Sequence) and not isinstance(v, bytes | bytearray):
        return [_jsonbaar(x) for x in v]
    return str(v)


def foutbody(code: str, description: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The error body shared by all error responses."""
    return {"code": code, "description": description, "details": _jsonbaar(dict(details or {}))}


def _antwoord(
    status: int,
    code: str,
    description: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(foutbody(code, description, details), status_code=status, headers=dict(headers or {}))


def _wil_html(request: Request) -> bool:
    """True for a page request of a browser (GET/HEAD outside /api that accepts HTML)."""
    basis = str(request.scope.get("root_path", "")).rstrip("/")
    pad = request.url.path[len(basis) :] if basis and request.url.path.startswith(basis) else request.url.path
    if request.method not in ("GET", "HEAD") or pad == "/api" or pad.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _fout_headers(exc: KansenkaartError, status: int) -> dict[str, str]:
    if status == 401:
        fout = ', error="invalid_token"' if exc.details.get("token") == "ongeldig" else ""
        return {"WWW-Authenticate": WWW_AUTHENTICATE + fout}
    if status == 429:
        return {"Retry-After": str(int(exc.details.get("retry_after", 60)))}
    return {}


async def _domeinfout(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KansenkaartError)
    status, code = status_voor(exc)
    if status == 401 and _wil_html(request):
        # A page of the map or the monitor without login: to the login form, and back afterwards.
        from urllib.parse import quote

        basis = str(request.scope.get("root_path", "")).rstrip("/")
        terug = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{basis}/login?volgende={quote(terug, safe='')}", status_code=303)
    logger.info(
        "%s %s -> %s %s: %s (details=%r, oorzaak=%r)",
        request.method,
        request.url.path,
        status,
        type(exc).__name__,
        exc.message,
        exc.details,
        exc.__cause__,
    )
    return _antwoord(status, code, exc.message, exc.details, _fout_headers(exc, status))


# Dutch phrases for pydantic's error types (loc names the parameter).
_PYDANTIC_NL: dict[str, str] = {
    "missing": "ontbreekt",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "finite_number": "moet een eindig getal zijn",
    "bool_parsing": "moet 'true' of 'false' zijn",
    "bool_type": "moet 'true' of 'false' zijn",
    "string_type": "moet tekst zijn",
    "dict_type": "moet een JSON-object zijn",
    "list_type": "moet een lijst zijn",
    "model_type": "moet een JSON-object zijn",
    "model_attributes_type": "moet een JSON-object zijn",
    "json_invalid": "is geen geldige JSON",
    "extra_forbidden": "is geen bekend veld",
    "string_unicode": "bevat ongeldige tekens",
}


def _pydantic_fout_nl(err: Mapping[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "header", "body", "cookie")]
    naam = ".".join(loc) if loc else "body"
    soort = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if soort == "json_invalid":
        # loc is ("body", <position>): name the body and say where the JSON breaks.
        plek = next((p for p in err.get("loc", ()) if isinstance(p, int)), None)
        return "body", "is geen geldige JSON" + (f" (fout bij teken {plek})" if plek is not None else "")
    if soort == "greater_than_equal":
        reden = f"moet minstens {ctx.get('ge')} zijn"
    elif soort == "greater_than":
        reden = f"moet groter zijn dan {ctx.get('gt')}"
    elif soort == "less_than_equal":
        reden = f"mag hoogstens {ctx.get('le')} zijn"
    elif soort == "less_than":
        reden = f"moet kleiner zijn dan {ctx.get('lt')}"
    elif soort in ("enum", "literal_error"):
        reden = f"moet een van deze waarden zijn: {ctx.get('expected')}"
    elif soort == "string_too_long":
        reden = f"mag hoogstens {ctx.get('max_length')} tekens lang zijn"
    elif soort == "string_too_short":
        reden = f"moet minstens {ctx.get('min_length')} teken(s) lang zijn"
    elif soort == "too_long":
        reden = f"mag hoogstens {ctx.get('max_length')} elementen hebben"
    elif soort == "too_short":
        reden = f"moet minstens {ctx.get('min_length')} elementen hebben"
    elif soort == "value_error":
        # Our own validators raise ValueError with a Dutch message.
        reden = str(ctx.get("error", "is ongeldig"))
    else:
        reden = _PYDANTIC_NL.get(soort, "heeft een ongeldige waarde")
    return naam, reden


def vertaal_validatiefouten(errors: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Translate pydantic/FastAPI validation errors into one Dutch message plus details."""
    delen: list[str] = []
    velden: dict[str, str] = {}
    for err in errors:
        naam, reden = _pydantic_fout_nl(err)
        velden.setdefault(naam, reden)
    for naam, reden in velden.items():
        delen.append(f"'{naam}' {reden}")
    eerste = next(iter(velden), "body")
    melding = "Ongeldige invoer: " + "; ".join(delen) + "." if delen else "Ongeldige invoer."
    return melding, {"parameter": eerste, "velden": velden}


async def _validatiefout(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    melding, details = vertaal_validatiefouten(exc.errors())
    logger.info("%s %s -> 400 validatie: %s", request.method, request.url.path, exc.errors())
    return _antwoord(400, "ongeldige_parameter", melding, details)


async def _httpfout(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        toegestaan = headers.get("Allow") or headers.get("allow") or ""
        code, melding = (
            "methode_niet_toegestaan",
            f"Methode {request.method} is hier niet toegestaan"
            + (f"; toegestaan: {toegestaan}." if toegestaan else "."),
        )
    elif exc.status_code in _HTTP_MELDINGEN:
        code, melding = _HTTP_MELDINGEN[exc.status_code]
    elif exc.status_code >= 500:
        code, melding = _ONBEKEND[1], _SERVERFOUT
    else:
        code, melding = "fout", "Het verzoek kon niet worden verwerkt."
    return _antwoord(exc.status_code, code, melding, {}, headers)


async def _serverfout(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Onverwachte fout bij %s %s", request.method, request.url.path, exc_info=exc)
    return _antwoord(500, _ONBEKEND[1], _SERVERFOUT)


def installeer_foutafhandeling(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""
    app.add_exception_handler(KansenkaartError, _domeinfout)
    app.add_exception_handler(RequestValidationError, _validatiefout)
    app.add_exception_handler(StarletteHTTPException, _httpfout)
    app.add_exception_handler(Exception, _serverfout)


class _TeGroot(StarletteHTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Reject request bodies over ``max_bytes`` with 413 (Content-Length and streamed size).

    A declared ``Content-Length`` over the limit is answered at once, before the body is
    read; a body streamed without (or with a wrong) length is counted while it is read.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _melding(self) -> dict[str, Any]:
        return foutbody(
            "te_groot",
            f"Het verzoek is te groot: de inhoud mag hoogstens {self.max_bytes:,} bytes zijn.".replace(",", "."),
            {"max_bytes": self.max_bytes},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lengte: int | None = None
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                try:
                    lengte = int(v)
                except ValueError:
                    lengte = None
        if lengte is not None and lengte > self.max_bytes:
            await JSONResponse(self._melding(), status_code=413)(scope, receive, send)
            return
        totaal = 0

        async def begrensd() -> Message:
            nonlocal totaal
            message = await receive()
            if message["type"] == "http.request":
                totaal += len(message.get("body", b""))
                if totaal > self.max_bytes:
                    raise _TeGroot()
            return message

        await self.app(scope, begrensd, send)
