"""Property-based run against the app's own OpenAPI document: bad input never gives a 5xx.

Schemathesis generates valid and invalid requests for every operation of
``/api/openapi.json`` (reads, the spatial query, exports and the kansen writes) on a small
fixture workspace with a walking network, and checks that no response is a server error.
The number of examples per operation is bounded (``MAX_EXAMPLES``) and the run is
derandomised, so it is repeatable and takes well under a minute.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from kansenkaart.settings import Settings
from tests._auth import bearer, maak_token
from tests.query_fixture import maak_netwerk, maak_werkruimte

MAX_EXAMPLES = 30

# On the operations of this API (not those of the monitor and the map, added by other
# modules) the responses must also match the document: status codes, media types, schemas.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _eigen(label: str) -> bool:
    return not any(deel in label for deel in ("/monitor", "/query/export"))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pad = tmp_path_factory.mktemp("schemathesis") / "ws"
    maak_werkruimte(pad)
    app = create_app(werkruimte=pad, settings=Settings(), netwerk=maak_netwerk())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    schema.kansenkaart_headers = bearer(maak_token(pad))  # type: ignore[attr-defined]  # a beheerder token
    return schema


def _proef(operatie: Any, checks: list[Any], statussen: Counter[int], headers: dict[str, str]) -> Any:
    """A hypothesis test that sends MAX_EXAMPLES generated requests to one operation."""

    @given(case=operatie.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        statussen[case.call_and_validate(checks=checks, headers=headers).status_code] += 1

    return run


def test_no_server_errors(api_schema: Any) -> None:
    """Every operation, MAX_EXAMPLES generated requests each: no 5xx (all failures reported together).

    Hypothesis is driven per operation here instead of through schemathesis' pytest plugin,
    whose lazy-fixture support does not work with pytest 9.
    """
    fouten: list[str] = []
    statussen: Counter[int] = Counter()
    aantal = 0
    for resultaat in api_schema.get_all_operations():
        operatie = resultaat.ok()
        aantal += 1
        try:
            checks = CHECKS if _eigen(operatie.label) else [not_a_server_error]
            _proef(operatie, checks, statussen, api_schema.kansenkaart_headers)()
        except Exception as e:  # collect every operation's failure, then fail once
            fouten.append(f"{operatie.label}: {e}")
    print(f"schemathesis: {aantal} operaties, {sum(statussen.values())} verzoeken, statussen {dict(statussen)}")
    assert aantal >= 20
    assert not fouten, "\n\n".join(fouten)
    assert not any(s >= 500 for s in statussen)


def test_schema_covers_the_api(api_schema: Any) -> None:
    """The fuzzed document holds every endpoint (a route missing from it would go untested)."""
    paden = set(api_schema.raw_schema["paths"])
    assert {
        "/",
        "/conformance",
        "/collections",
        "/collections/{laag}",
        "/collections/{laag}/items",
        "/collections/{laag}/items/{fid}",
        "/collections/{laag}/export",
        "/collections/kansen/items",
        "/collections/kansen/items/{fid}",
        "/collections/kansen/items/{fid}/historie",
        "/collections/kansen/items/{fid}/herstel",
        "/query",
        "/werkruimte",
    } <= paden
    assert Path(__file__).exists()
