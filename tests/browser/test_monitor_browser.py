"""End to end: ``/monitor`` rendered in headless Chromium shows the expected numbers.

The workspace is the hand-computed one of ``tests/test_monitor.py``; one peildatum is frozen,
then kans K1 moves from verkenning to in voorbereiding, so the page lists that change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kansenkaart.io import monitor as iom
from kansenkaart.settings import Settings
from tests._browser import chromium, server, vereist_browser
from tests.test_monitor import bouw_werkruimte

pytestmark = [pytest.mark.browser, vereist_browser]


@pytest.fixture(scope="module")
def pagina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """A driver that has opened ``/monitor`` of the test workspace, and the base URL."""
    from api.app import create_app

    ws = bouw_werkruimte(Path(tmp_path_factory.mktemp("monitor")) / "ws")
    iom.leg_peildatum_vast(ws, peildatum="2026-01-01")
    k1 = ws.store.get("kansen", "K1")
    ws.store.update("kansen", "K1", {"status": "in voorbereiding"}, versie=k1.versie, gebruiker="t", kanaal="cli")
    with server(create_app(werkruimte=ws.pad, settings=Settings(lezen_zonder_login=True))) as basis, \
            chromium() as driver:
        driver.get(basis + "/monitor")
        yield driver, basis


def _cel(driver: Any, tabel: str, gemeente: str, veld: str) -> str:
    from selenium.webdriver.common.by import By

    el = driver.find_element(By.CSS_SELECTOR, f"#{tabel} tr[data-gemeente='{gemeente}'] td[data-veld='{veld}']")
    return str(el.text).strip()


def _svg_teksten(driver: Any, figuur: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [str(t.text).strip() for t in driver.find_elements(By.CSS_SELECTOR, f"#{figuur} svg text")]


def test_tables_show_the_hand_computed_numbers(pagina: tuple[Any, str]) -> None:
    driver, _ = pagina
    assert "Regionale monitor woonzorg" in driver.title
    assert _cel(driver, "tabel-nultreden", "GM0402", "behoefte") == "925"
    assert _cel(driver, "tabel-nultreden", "GM0402", "gerealiseerd") == "40"
    assert _cel(driver, "tabel-nultreden", "GM0402", "pijplijn") == "50"
    assert _cel(driver, "tabel-nultreden", "GM0402", "dekking") == "10%"  # 90 / 925
    assert _cel(driver, "tabel-nultreden", "regio", "behoefte") == "2.200"
    assert _cel(driver, "tabel-geclusterd", "GM0402", "kansen_in_voorbereiding") == "30"
    assert _cel(driver, "tabel-geclusterd", "regio", "pijplijn") == "89"
    for d in ("nultreden", "geclusterd", "zorggeschikt"):
        assert _cel(driver, f"tabel-{d}", "GM0317", "behoefte") == "onbekend"
        assert _cel(driver, f"tabel-{d}", "GM0317", "dekking") == "onbekend"
    assert _cel(driver, "tabel-spreiding", "GM0417", "aanbod") == "30"
    assert _cel(driver, "tabel-spreiding", "GM0402", "aandeel_aanbod") == "9,1%"  # 8 / 88
    assert _cel(driver, "tabel-spreiding", "GM0402", "aandeel_bevolking") == "33,3%"  # 8000 / 24000
    assert _cel(driver, "tabel-spreiding", "GM0417", "woningen_per_1000_75plus") == "15,0"


def test_charts_carry_the_numbers(pagina: tuple[Any, str]) -> None:
    driver, _ = pagina
    nultreden = _svg_teksten(driver, "figuur-nultreden")
    assert "925" in nultreden and "40 + 50" in nultreden and "Hilversum" in nultreden
    assert "onbekend" in nultreden  # Eemnes: no need figure, no bar
    geclusterd = _svg_teksten(driver, "figuur-geclusterd")
    assert "0 + 50" in geclusterd and "0 + 15" in geclusterd
    spreiding = _svg_teksten(driver, "figuur-spreiding")
    assert "9,1%" in spreiding and "33,3%" in spreiding and "34,1%" in spreiding  # Laren 30 / 88
    assert any("Hoover-index 0,44" in t for t in spreiding)


def test_change_since_last_peildatum_and_links(pagina: tuple[Any, str]) -> None:
    from selenium.webdriver.common.by import By

    driver, basis = pagina
    wijzigingen = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#wijzigingen-kansen li")]
    assert wijzigingen == ["Kans Hof Hilversum: verkenning → in voorbereiding"]
    assert driver.find_element(By.ID, "vergeleken-met").text == "1-1-2026"
    assert driver.find_element(By.ID, "hoover").text == "0,44"
    assert driver.find_element(By.ID, "link-kaart").get_attribute("href") == basis + "/"
    # the report opens from the page and keeps the numbers
    driver.get(basis + "/monitor/rapport?gemeente=GM0402")
    assert "Hilversum" in driver.title
    assert _cel(driver, "tabel-kerncijfers", "GM0402", "gerealiseerd") == "40"
    driver.get(basis + "/monitor")
