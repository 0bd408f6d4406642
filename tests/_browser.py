"""Shared helpers for end-to-end browser tests (headless Chromium via Selenium).

Usage in a test module::

    import pytest
    from tests._browser import chromium, server, vereist_browser

    pytestmark = [pytest.mark.browser, vereist_browser]

    def test_pagina(app):
        with server(app) as basis, chromium() as driver:
            driver.get(basis + "/monitor")

- :func:`server` runs a FastAPI app with uvicorn on a free localhost port in a background
  thread and yields the base URL (``http://127.0.0.1:PORT``).
- :func:`chromium` yields a headless Chromium driver that uses the system Chromium and
  chromedriver (``/usr/bin/chromium``, ``/usr/bin/chromedriver``) and a fresh profile.
  Selenium Manager never runs (both paths are given), so nothing is downloaded.
- :data:`vereist_browser` skips a test with a clear message when either binary is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "browser_ontbreekt",
    "chromium",
    "server",
    "vereist_browser",
]

CHROMIUM = Path(os.environ.get("KANSENKAART_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("KANSENKAART_CHROMEDRIVER", "/usr/bin/chromedriver"))

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def browser_ontbreekt() -> str | None:
    """Return why browser tests cannot run (Dutch), or None when they can."""
    ontbreekt = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if ontbreekt:
        return (
            f"browsertest overgeslagen: {', '.join(ontbreekt)} ontbreekt "
            "(installeer de Debian-pakketten chromium en chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "browsertest overgeslagen: het Python-pakket selenium ontbreekt"
    return None


vereist_browser = pytest.mark.skipif(browser_ontbreekt() is not None, reason=browser_ontbreekt() or "")
"""Skip marker: apply with ``pytestmark = [pytest.mark.browser, vereist_browser]``."""


@contextmanager
def server(app: Any, *, timeout_s: float = 15.0) -> Iterator[str]:
    """Serve ``app`` (ASGI) on a free localhost port in a background thread.

    Yields
    ------
    str
        The base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash).
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn-test")
    thread.start()
    try:
        einde = time.monotonic() + timeout_s
        while not srv.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it was ready")
            if time.monotonic() > einde:
                raise TimeoutError(f"uvicorn did not start within {timeout_s} s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=timeout_s)
        sock.close()


@contextmanager
def chromium(*, breedte: int = 1280, hoogte: int = 1000) -> Iterator[Any]:
    """Yield a headless Chromium WebDriver with a fresh, temporary profile.

    Skips the calling test when Chromium or chromedriver is missing.
    """
    reden = browser_ontbreekt()
    if reden is not None:
        pytest.skip(reden)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profiel = tempfile.mkdtemp(prefix="kansenkaart-chromium-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profiel}")
    options.add_argument(f"--window-size={breedte},{hoogte}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profiel, ignore_errors=True)
