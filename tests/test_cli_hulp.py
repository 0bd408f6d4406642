"""``--help`` is Dutch, frame included: the usage line, the --help option and the [default]/[required] marks.

These run the real entry point (``kansenkaart.cli.main``) like a user does; the frame text comes
from click and typer, which ``kansenkaart/cli/_app.py`` turns into Dutch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from kansenkaart.cli import app
from tests._cli import start

ENGELS = (
    "Usage:",
    "Show this message and exit",
    "[default:",
    "[required]",
    "[env var:",
    "(deprecated)",
    "Try '",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "Options",
    "Arguments",
    "Commands",
)


def _hulp(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # wide enough that rich never wraps a mark such as "[standaard: gpkg]" over two lines
    monkeypatch.setenv("COLUMNS", "200")
    return start(monkeypatch, capsys, *args)


def _geen_engels(out: str) -> None:
    for woord in ENGELS:
        assert woord not in out, f"{woord!r} in:\n{out}"


def test_top_level_help_is_dutch(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _hulp(monkeypatch, capsys, "--help")
    assert code == 0 and err == ""
    assert "Gebruik: kansenkaart [OPTIES] COMMANDO [ARGUMENTEN]..." in out
    assert "Toon deze hulp en stop." in out
    assert "Opties" in out and "Commando's" in out
    _geen_engels(out)


def test_command_help_is_dutch(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _hulp(monkeypatch, capsys, "export", "--help")
    assert code == 0
    assert "Gebruik: kansenkaart export [OPTIES]" in out
    assert "Toon deze hulp en stop." in out
    assert "[standaard: gpkg]" in out  # --formaat
    assert "[verplicht]" in out  # the argument LAAG
    _geen_engels(out)


@pytest.mark.parametrize("groep", [["gebruiker"], ["token"], ["monitor", "peildatum"]])
def test_sub_command_group_help_is_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], groep: list[str]
) -> None:
    code, out, _ = _hulp(monkeypatch, capsys, *groep, "--help")
    assert code == 0
    assert f"Gebruik: kansenkaart {' '.join(groep)} [OPTIES] COMMANDO [ARGUMENTEN]..." in out
    assert "Toon deze hulp en stop." in out and "Commando's" in out
    _geen_engels(out)


def test_sub_command_help_is_dutch(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _hulp(monkeypatch, capsys, "gebruiker", "toevoegen", "--help")
    assert code == 0
    assert "Gebruik: kansenkaart gebruiker toevoegen [OPTIES]" in out
    assert "Toon deze hulp en stop." in out and "[verplicht]" in out  # --rol
    _geen_engels(out)


def test_a_group_without_command_prints_its_help_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _hulp(monkeypatch, capsys, "gebruiker")
    assert code == 2 and err == ""
    assert out.count("Gebruik: kansenkaart gebruiker") == 1, out
    _geen_engels(out)


def _commando_paden(cmd: Any, pad: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield pad
    for naam, sub in sorted(getattr(cmd, "commands", {}).items()):
        if not sub.hidden:
            yield from _commando_paden(sub, (*pad, naam))


ALLE_COMMANDOS = list(_commando_paden(typer.main.get_command(app)))


@pytest.mark.parametrize("pad", ALLE_COMMANDOS, ids=lambda p: " ".join(p) or "kansenkaart")
def test_every_command_has_a_dutch_help_frame(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pad: tuple[str, ...]
) -> None:
    """A (sub)app made with plain ``typer.Typer`` instead of ``DutchTyper`` would fail here."""
    code, out, _ = _hulp(monkeypatch, capsys, *pad, "--help")
    assert code == 0
    assert out.lstrip().startswith(f"Gebruik: {' '.join(('kansenkaart', *pad))}"), out
    assert "Toon deze hulp en stop." in out
    _geen_engels(out)
