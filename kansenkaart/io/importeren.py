"""Import orchestration: read → validate → store → rejects file → summary.

:func:`importeer` is what ``kansenkaart import LAAG BESTAND`` runs:

1. read the file (:mod:`kansenkaart.io.partnerbestanden`; for the area layers gemeenten,
   wijken and buurten :func:`kansenkaart.io.gebieden.lees_gebieden`);
2. validate every row (:func:`kansenkaart.validatie.valideer_rijen`) against the schema, the
   region, the stored gemeenten and the stored features of the layer;
3. store the valid rows with :meth:`GeoPackageStore.upsert` in **one transaction**, matched
   on the layer key (``bron`` + ``bron_id``; ``code`` for areas), so re-importing the same
   file changes nothing and a failure stores nothing;
4. write the rejects, one line per problem, to ``<naam>.afgekeurd.csv`` next to the input
   (UTF-8 with BOM, ``;``-separated, so Dutch Excel opens it in columns); when a run has
   no rejects, an old rejects file of the same input is removed.

A file that cannot be used at all raises :class:`BadFileError` or :class:`LimitError` before
anything is stored.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from kansenkaart.errors import BadFileError, KansenkaartError, LimitError, ValidationError
from kansenkaart.io.gebieden import lees_gebieden
from kansenkaart.io.partnerbestanden import lees_partnerbestand
from kansenkaart.io.werkruimte import Werkruimte
from kansenkaart.schemas import Laag
from kansenkaart.schemas import laag as _schema
from kansenkaart.validatie import AFKEUR_KOLOMMEN, Fout, is_gebiedslaag, valideer_rijen

__all__ = [
    "AFKEUR_ACHTERVOEGSEL",
    "Autorisatie",
    "ImportResultaat",
    "Voortgang",
    "afkeurbestand",
    "importeer",
    "schrijf_afkeuringen",
]

AFKEUR_ACHTERVOEGSEL = ".afgekeurd.csv"

Autorisatie = Callable[[str, dict[str, Any], BaseGeometry | None], str | None]
"""``(laag, properties, geometry) -> reden``: a Dutch reason when the user may not write the row."""
Voortgang = Callable[[str, int, int | None], None]
"""``(stap, gedaan, totaal)`` with stap ``lezen``, ``valideren`` or ``opslaan``."""


@dataclass(frozen=True)
class ImportResultaat:
    """Outcome of an import.

    Attributes
    ----------
    laag, bestand
        Target layer and input file.
    bronlaag
        Sheet or GeoPackage layer read (``None`` for CSV/GeoJSON).
    locatie
        How the location was given, e.g. ``lon/lat (EPSG:4326)``.
    gelezen
        Rows (features) read.
    nieuw, gewijzigd, ongewijzigd
        Stored rows by outcome.
    afkeuringen
        One row per problem: ``rij``, ``veld``, ``waarde``, ``reden``.
    afgekeurd_bestand
        The rejects file, or ``None`` when nothing was rejected.
    genegeerde_kolommen
        Columns of the file that are not part of the layer.
    ids
        Ids of the stored features, in file order.
    """

    laag: str
    bestand: Path
    bronlaag: str | None
    locatie: str
    gelezen: int
    nieuw: int
    gewijzigd: int
    ongewijzigd: int
    afkeuringen: pd.DataFrame
    afgekeurd_bestand: Path | None
    genegeerde_kolommen: tuple[str, ...]
    ids: tuple[str, ...]

    @property
    def afgekeurd(self) -> int:
        """Number of rejected rows."""
        return int(self.afkeuringen["rij"].nunique()) if len(self.afkeuringen) else 0

    @property
    def exit_code(self) -> int:
        """1 when rows were rejected, else 0."""
        return 1 if self.afgekeurd else 0


def afkeurbestand(pad: str | Path) -> Path:
    """The rejects file of input ``pad``: ``<map>/<naam>.afgekeurd.csv``."""
    p = Path(pad)
    return p.with_name(p.stem + AFKEUR_ACHTERVOEGSEL)


def schrijf_afkeuringen(afkeuringen: pd.DataFrame, pad: str | Path) -> Path:
    """Write rejects as CSV for Dutch Excel: UTF-8 with BOM, ``;`` as separator, sorted by row."""
    p = Path(pad)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(AFKEUR_KOLOMMEN)
    for rec in afkeuringen.sort_values("rij", kind="stable").itertuples(index=False):
        w.writerow([str(x) for x in rec])
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))
    tmp.replace(p)
    return p


def _verplichte_kolommen(schema: Laag, kolommen: set[str], pad: Path) -> None:
    nodig = [v.naam for v in schema.invoervelden if v.verplicht or v.naam == "bron_id"]
    mist = [k for k in nodig if k not in kolommen]
    if not mist:
        return
    extra = ""
    if "bron_id" in mist:
        extra = (
            " bron_id is uw eigen kenmerk van elk object; daarmee herkent een volgende import hetzelfde "
            "object, "
            "zodat opnieuw importeren niets dubbel opslaat."
        )
    gevonden = ", ".join(sorted(kolommen)) or "(geen)"
    raise BadFileError(
        f"{'Verplichte kolommen ontbreken' if len(mist) > 1 else 'Verplichte kolom ontbreekt'} in "
        f"'{pad.name}': {', '.join(mist)}. "
        f"Gevonden kolommen: {gevonden}.{extra} Gebruik het sjabloon: kansenkaart template {schema.naam}.",
        details={"ontbrekend": mist},
    )


def _laag_of_niets(ws: Werkruimte, naam: str) -> gpd.GeoDataFrame | None:
    if not ws.store.has_layer(naam) or ws.store.count(naam) == 0:
        return None
    return ws.store.query(naam)


def importeer(
    werkruimte: Werkruimte,
    laag: str,
    pad: str | Path,
    *,
    gemeente: str | None = None,
    crs: str | None = None,
    bronlaag: str | None = None,
    gebruiker: str = "cli",
    kanaal: str = "import",
    autorisatie: Autorisatie | None = None,
    max_features: int = 50_000,
    max_vertices: int | None = 10_000,
    voortgang: Voortgang | None = None,
) -> ImportResultaat:
    """Import a partner file (or a CBS area file) into a layer of the workspace.

    Parameters
    ----------
    werkruimte
        The workspace.
    laag
        Target layer, e.g. ``kansen``, ``zorgcentra`` or ``wijken``.
    pad
        CSV, XLSX, GeoJSON, GeoPackage or Shapefile (area layers: GeoPackage, GeoJSON or
        Shapefile with CBS column names).
    gemeente
        Import for one gemeente (``GMxxxx``): partner rows of another gemeente are rejected;
        for area layers only the areas of this gemeente are read.
    crs
        CRS of ``x``/``y``/``wkt`` columns, or of a GeoJSON or Shapefile that declares none.
    bronlaag
        XLSX sheet or GeoPackage layer to read.
    gebruiker, kanaal
        Recorded in the history of kansen.
    autorisatie
        Optional check per valid row; a returned reason rejects the row (e.g. per-gemeente
        roles).
    max_features
        Refuse files with more features (``Settings.max_import_features``).
    max_vertices
        Maximum vertices per partner geometry (``Settings.max_vertices``); not applied to
        CBS areas.
    voortgang
        Progress callback ``(stap, gedaan, totaal)``.

    Returns
    -------
    ImportResultaat
        Counts, rejects and the rejects file.

    Raises
    ------
    BadFileError
        A file that cannot be used (format, empty, sheet/layer, missing columns, no CRS).
    LimitError
        More than ``max_features`` features.
    ValidationError
        Derived layer or an invalid ``gemeente``.
    KansenkaartError
        When storing fails; nothing is stored then.
    """
    schema = _schema(laag)
    if schema.afgeleid:
        raise ValidationError(f"Laag '{schema.naam}' wordt berekend en kan niet geïmporteerd worden.")
    p = Path(pad)
    regio = werkruimte.regio
    store = werkruimte.store
    if voortgang is not None:
        voortgang("lezen", 0, None)
    gebied = is_gebiedslaag(schema)
    leesfouten: list[list[Fout]] | None = None
    if gebied:
        gdf = lees_gebieden(p, niveau=schema.naam, laag=bronlaag, regio=regio, gemeente=gemeente, crs=crs)
        if len(gdf) > max_features:
            raise LimitError(
                f"'{p.name}' heeft {len(gdf)} gebieden; de grens is {max_features} per import "
                "(KANSENKAART_MAX_IMPORT_FEATURES)."
            )
        rijen = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
        geometrie = gdf.geometry
        rijnummers = [int(i) + 1 for i in gdf.index]
        locatie = f"geometrie ({gdf.crs.to_string() if gdf.crs is not None else '?'})"
        genegeerd: tuple[str, ...] = ()
        gelezen_laag = gdf.attrs.get("bronlaag", bronlaag)
    else:
        pb = lees_partnerbestand(
            p,
            schema=schema,
            crs=crs,
            bronlaag=bronlaag,
            max_features=max_features,
            voortgang=(lambda n: voortgang("lezen", n, None)) if voortgang is not None else None,
        )
        _verplichte_kolommen(schema, set(map(str, pb.rijen.columns)), p)
        rijen, geometrie, rijnummers, leesfouten = pb.rijen, pb.geometrie, pb.rijnummers, pb.leesfouten
        locatie, genegeerd, gelezen_laag = pb.crs_omschrijving, pb.genegeerde_kolommen, pb.bronlaag
    n = len(rijen)
    if voortgang is not None:
        voortgang("lezen", n, n)
        voortgang("valideren", 0, n)
    resultaat = valideer_rijen(
        rijen.reset_index(drop=True),
        geometrie.reset_index(drop=True),
        schema=schema,
        regio=regio,
        rijnummers=rijnummers,
        leesfouten=leesfouten,
        gemeenten=None if gebied else _laag_of_niets(werkruimte, "gemeenten"),
        bestaand=None if gebied else _laag_of_niets(werkruimte, schema.naam),
        gemeente=None if gebied else gemeente,
        bron=None if gebied else p.stem,
        max_vertices=None if gebied else max_vertices,
        voortgang=(lambda k: voortgang("valideren", k, n)) if voortgang is not None else None,
    )
    geldig = resultaat.geldig
    afkeuringen = resultaat.afgekeurd
    if autorisatie is not None and len(geldig):
        geldig, afkeuringen = _autoriseer(schema, geldig, afkeuringen, autorisatie)
    if voortgang is not None:
        voortgang("opslaan", 0, len(geldig))
    nieuw = gewijzigd = ongewijzigd = 0
    ids: tuple[str, ...] = ()
    if len(geldig):
        try:
            res = store.upsert(schema.naam, geldig.reset_index(drop=True), gebruiker=gebruiker, kanaal=kanaal)
        except (sqlite3.Error, OSError) as e:
            raise KansenkaartError(
                f"Opslaan in de werkruimte is mislukt; er is niets gewijzigd ({e}). Probeer het opnieuw; "
                "blijft het "
                "misgaan, controleer dan of de schijf vol is of het bestand door een ander programma is "
                "vergrendeld.",
                details={"laag": schema.naam},
            ) from e
        nieuw, gewijzigd, ongewijzigd, ids = res.nieuw, res.gewijzigd, res.ongewijzigd, res.ids
    if voortgang is not None:
        voortgang("opslaan", len(geldig), len(geldig))
    uitvoer = _schrijf_of_ruim_op(afkeuringen, p, werkruimte)
    return ImportResultaat(
        laag=schema.naam,
        bestand=p,
        bronlaag=gelezen_laag,
        locatie=locatie,
        gelezen=n,
        nieuw=nieuw,
        gewijzigd=gewijzigd,
        ongewijzigd=ongewijzigd,
        afkeuringen=afkeuringen.sort_values("rij", kind="stable").reset_index(drop=True),
        afgekeurd_bestand=uitvoer,
        genegeerde_kolommen=genegeerd,
        ids=ids,
    )


def _autoriseer(
    schema: Laag, geldig: gpd.GeoDataFrame, afkeuringen: pd.DataFrame, autorisatie: Autorisatie
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    extra: list[tuple[int, str, str, str]] = []
    houden: list[bool] = []
    geomnaam = geldig.geometry.name
    for rij, rec in zip(geldig.index, geldig.drop(columns=geomnaam).to_dict("records"), strict=True):
        props = {str(k): (None if v is pd.NA else v) for k, v in rec.items()}
        reden = autorisatie(schema.naam, props, geldig.geometry.loc[rij])
        houden.append(reden is None)
        if reden is not None:
            extra.append((int(rij), "", "", reden))
    if not extra:
        return geldig, afkeuringen
    nieuw = pd.DataFrame(extra, columns=list(AFKEUR_KOLOMMEN))
    samen = nieuw if afkeuringen.empty else pd.concat([afkeuringen, nieuw], ignore_index=True)
    return geldig[houden], samen


def _schrijf_of_ruim_op(afkeuringen: pd.DataFrame, pad: Path, werkruimte: Werkruimte) -> Path | None:
    doel = afkeurbestand(pad)
    if afkeuringen.empty:
        # An old rejects file of this input is stale now; if it cannot be removed it is
        # overwritten by the next run with rejects, so a failure here is harmless.
        with contextlib.suppress(OSError):
            doel.unlink(missing_ok=True)
        return None
    try:
        return schrijf_afkeuringen(afkeuringen, doel)
    except OSError:
        reserve = werkruimte.pad / "afgekeurd" / doel.name
        reserve.parent.mkdir(parents=True, exist_ok=True)
        return schrijf_afkeuringen(afkeuringen, reserve)
