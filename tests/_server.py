"""A real ``kansenkaart serve`` process on loopback, for the concurrency and crash tests.

:class:`Serverproces` starts ``python -m kansenkaart serve --workspace … --port …`` (the command a
user runs: uvicorn, one process, the thread pool for the routes), waits until ``/api`` answers,
and stops it with SIGTERM (:meth:`stop`) or SIGKILL (:meth:`kill`). Its output goes to a log file
next to the workspace, shown when the server does not start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

__all__ = ["Serverproces", "vrije_poort"]

REPO = Path(__file__).resolve().parents[1]


def vrije_poort() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serverproces:
    """``kansenkaart serve`` in a child process.

    Parameters
    ----------
    werkruimte
        The workspace folder.
    env
        Extra environment variables (settings ``KANSENKAART_…``).
    """

    def __init__(self, werkruimte: Path, *, env: dict[str, str] | None = None) -> None:
        self.werkruimte = werkruimte
        self.extra_env = env or {}
        self.poort = 0
        self.proces: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.logpad = werkruimte.parent / "server.log"

    @property
    def basis(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.poort}"

    def start(self, *, timeout_s: float = 60.0) -> str:
        """Start the server and wait until it answers; return the base URL."""
        self.poort = vrije_poort()
        env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", **self.extra_env}
        self._log = self.logpad.open("ab")
        self.proces = subprocess.Popen(
            [sys.executable, "-m", "kansenkaart", "serve", "--workspace", str(self.werkruimte), "--port",
             str(self.poort)],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        einde = time.monotonic() + timeout_s
        while time.monotonic() < einde:
            if self.proces.poll() is not None:
                raise RuntimeError(f"server stopte bij het starten:\n{self.log()}")
            try:
                if httpx.get(self.basis + "/api/conformance", timeout=1.0).status_code == 200:
                    return self.basis
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"server niet gestart binnen {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        """The server output so far (last 4000 characters)."""
        try:
            return self.logpad.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (a crash)."""
        if self.proces is not None and self.proces.poll() is None:
            self.proces.send_signal(signal.SIGKILL)
            self.proces.wait(timeout=30)
        self._sluit_log()

    def stop(self) -> None:
        """SIGTERM and wait (a normal shutdown); SIGKILL after 20 s."""
        if self.proces is not None and self.proces.poll() is None:
            self.proces.send_signal(signal.SIGTERM)
            try:
                self.proces.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proces.kill()
                self.proces.wait(timeout=10)
        self._sluit_log()

    def _sluit_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
