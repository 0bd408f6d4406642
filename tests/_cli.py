"""Run the real CLI entry point (``kansenkaart.cli.main``) in-process, as a user would."""

from __future__ import annotations

import sys

import pytest

from kansenkaart.cli import main


def start(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``kansenkaart ARGS...``; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["kansenkaart", *args])
    with pytest.raises(SystemExit) as uit:
        main()
    out, err = capsys.readouterr()
    code = uit.value.code
    return (code if isinstance(code, int) else 0), out, err
