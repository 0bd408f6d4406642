"""``python -m kansenkaart`` runs the CLI."""

from kansenkaart.cli import main

main()
