"""Authorisation that needs the workspace: in which gemeente(n) does a kans lie?

:mod:`kansenkaart.auth` decides from gemeentecodes; this module finds those codes. A kans is
associated with its stored ``gemeentecode`` **and** the gemeente its location lies in (when
the workspace has a ``gemeenten`` layer). Both count, because validation fills an empty
gemeentecode from the location but does not reject an explicit gemeentecode that differs from
it: a bewerker of GM0402 must not be able to place a kans in GM1942 by typing GM0402.

The location test is the one validation uses (:class:`kansenkaart.validatie._Gemeentezoeker`:
the point itself, or a point inside a polygon; a tolerance of ``GRENSMARGE_M`` for the
generalised CBS boundaries), so the gemeente filled in by validation is the gemeente that
authorisation checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from kansenkaart.auth import Gebruiker, controleer_importeren, reden_voor_rij
from kansenkaart.io.importeren import Autorisatie
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.validatie import _Gemeentezoeker, _locatiepunten

__all__ = ["Gemeentebepaling", "import_autorisatie"]


@dataclass(frozen=True)
class Gemeentebepaling:
    """The gemeenten of a workspace, ready to tell in which gemeente a location lies.

    Build it with :meth:`van` (reads the ``gemeenten`` layer once).
    """

    zoeker: _Gemeentezoeker | None
    namen: Mapping[str, str]

    @classmethod
    def van(cls, werkruimte: Werkruimte) -> Gemeentebepaling:
        """Read the stored gemeenten of ``werkruimte`` (none stored: locations give no gemeente)."""
        store = werkruimte.store
        gemeenten = store.read_layer("gemeenten") if store.has_layer("gemeenten") else None
        zoeker = _Gemeentezoeker.maak(gemeenten if gemeenten is not None and len(gemeenten) else None, store.crs)
        return cls(zoeker=zoeker, namen={g.code: g.naam for g in werkruimte.regio.gemeenten})

    def van_locatie(self, geometrie: BaseGeometry | None) -> str | None:
        """The gemeentecode of a location (store CRS), or None when unknown or outside all gemeenten."""
        if self.zoeker is None or geometrie is None or geometrie.is_empty:
            return None
        punten = _locatiepunten(np.asarray([geometrie], dtype=object))
        return self.zoeker.zoek(punten)[0]

    def van_kans(self, properties: Mapping[str, Any], geometrie: BaseGeometry | None) -> frozenset[str]:
        """Every gemeente a kans is associated with: its gemeentecode and that of its location."""
        codes = {self.van_locatie(geometrie)}
        code = properties.get("gemeentecode")
        if isinstance(code, str) and code:
            codes.add(code)
        return frozenset(c for c in codes if c)


def import_autorisatie(werkruimte: Werkruimte, gebruiker: Gebruiker, laag: str) -> Autorisatie | None:
    """The per-row check of an import by ``gebruiker`` into ``laag``.

    Raises :class:`~kansenkaart.errors.ForbiddenError` when the user may not import into
    ``laag`` at all (lezer; bewerker and a layer other than kansen). Returns ``None`` when
    every valid row is allowed (aanjager, beheerder), else a callable for
    :func:`kansenkaart.io.importeren.importeer` that rejects a row, with a Dutch reason,
    when its gemeente (gemeentecode and location) is not one of the bewerker's, or when it
    would update a stored kans (same ``bron`` + ``bron_id``) of another gemeente.
    """
    controleer_importeren(gebruiker, laag)
    if gebruiker.rol != "bewerker":
        return None
    bepaling = Gemeentebepaling.van(werkruimte)
    store = werkruimte.store
    bestaand = store.query("kansen", met_verwijderd=True) if store.count("kansen", met_verwijderd=True) else None
    per_sleutel: dict[tuple[str, str], frozenset[str]] = {}
    if bestaand is not None:
        for rec, geom in zip(
            bestaand.drop(columns=bestaand.geometry.name).to_dict("records"), bestaand.geometry, strict=True
        ):
            bron, bron_id = rec.get("bron"), rec.get("bron_id")
            if isinstance(bron, str) and isinstance(bron_id, str):
                props = {k: (None if v is pd.NA else v) for k, v in rec.items()}
                per_sleutel[(bron, bron_id)] = bepaling.van_kans(props, geom)

    def controleer(_laag: str, properties: dict[str, Any], geometrie: BaseGeometry | None) -> str | None:
        sleutel = (str(properties.get("bron")), str(properties.get("bron_id")))
        return reden_voor_rij(
            gebruiker,
            gemeente_oud=per_sleutel.get(sleutel),
            gemeente_nieuw=bepaling.van_kans(properties, geometrie),
            gemeentenamen=bepaling.namen,
        )

    return controleer
