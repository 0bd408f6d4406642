"""Mistakes on the command line get one Dutch line, a pointer to --help and exit code 2.

These run the real entry point (``kansenkaart.cli.main``), which turns click's and typer's
English usage errors into Dutch; ``CliRunner`` tests elsewhere call the typer app directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import start

ENGELS = ("Invalid value", "No such", "Missing", "Usage:", "Try '", "Error", "Got unexpected", "requires an")




@pytest.mark.parametrize(
    ("args", "melding"),
    [
        (["query", "kansen", "--binnen", "abc", "--van", "voorzieningen"],
         "Ongeldige waarde voor '--binnen': dat is geen getal."),
        (["query", "kansen", "--binnen", "9999", "--van", "voorzieningen"],
         "Ongeldige waarde voor '--binnen': mag hoogstens 5000 zijn."),
        (["query", "kansen", "--binnen", "0", "--van", "voorzieningen"],
         "Ongeldige waarde voor '--binnen': moet minstens 1 zijn."),
        (["query", "kansen", "--van", "voorzieningen"], "De optie '--binnen' ontbreekt."),
        (["query", "kansen", "--binnen"], "Optie '--binnen' vraagt om een waarde."),
        (["query", "kansen", "--binnen", "5", "--van", "voorzieningen", "extra"], "Onverwacht extra argument: extra."),
        (["export"], "Het argument 'LAAG' ontbreekt."),
        (["vlekkenplan", "--cutof", "5"], "Onbekende optie: --cutof. Bedoelt u --cutoff?"),
        (["nietbestaand"], "Onbekend commando 'nietbestaand'."),
        (["gebruikers"], "Onbekend commando 'gebruikers'. Bedoelt u 'gebruiker'?"),
    ],
)
def test_usage_mistakes_are_one_dutch_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], melding: str
) -> None:
    code, _out, err = start(monkeypatch, capsys, *args)
    assert code == 2
    regels = [r for r in err.splitlines() if r.strip()]
    assert regels[0] == f"Fout: {melding}", err
    assert regels[1].startswith("Hulp: kansenkaart") and regels[1].endswith("--help")
    assert len(regels) == 2 and "Traceback" not in err
    for woord in ENGELS:
        assert woord not in err, woord


def test_a_group_without_command_shows_its_help_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = start(monkeypatch, capsys, "gebruiker")
    assert code == 2
    assert "Commando's" in out and "toevoegen" in out and "Commands" not in out


def test_help_and_domain_errors_keep_their_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = start(monkeypatch, capsys, "query", "--help")
    assert code == 0 and "Opties" in out and "--binnen" in out
    # a command's own Dutch error (typer.Exit(2) from the command) comes through unchanged
    code, _, err = start(monkeypatch, capsys, "export", "kansen", "-o", str(tmp_path / "k.gpkg"),
                          "-w", str(tmp_path / "geen"))
    assert code == 2 and err.startswith("Fout: ") and "Hulp:" not in err
