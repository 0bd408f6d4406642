"""Older inhabitants (65+ and 75+) per gemeente, derived from CBS postcode-4 (PC4) counts.

Two independent derivations, both pure (frames in, frame out):

- :func:`ouderen_per_gemeente` sums the PC4 counts of a *region file*: one row per PC4 with the
  gemeente (name or CBS code) and the columns ``inw_65plus`` and ``inw_75plus`` (or the CBS age
  bands ``inw_65_69`` … ``inw_95plus`` they are made of).
- :func:`ouderen_uit_leeftijdstabel` starts from the *long* CBS table "Bevolking; leeftijd,
  postcode" (one row per postcode × 5-year age band) and a postcode → gemeente table.

Both return the same frame: one row per gemeente of the region, indexed by CBS code
(``GMxxxx``), with nullable integer counts. A gemeente without any PC4 gets ``<NA>`` (unknown),
never 0. Gemeente names are matched to the region's CBS codes case- and space-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from kansenkaart.errors import ValidationError

__all__ = [
    "BEVOLKING_KOLOMMEN",
    "LEEFTIJDEN_65PLUS",
    "LEEFTIJDEN_75PLUS",
    "aandelen",
    "ouderen_per_gemeente",
    "ouderen_uit_leeftijdstabel",
]

LEEFTIJDEN_75PLUS: tuple[str, ...] = ("75-79", "80-84", "85-89", "90-94", "95+")
"""CBS 5-year age bands that make up 75+."""
LEEFTIJDEN_65PLUS: tuple[str, ...] = ("65-69", "70-74", *LEEFTIJDEN_75PLUS)
"""CBS 5-year age bands that make up 65+."""

BEVOLKING_KOLOMMEN: tuple[str, ...] = ("naam", "inwoners", "inwoners_65plus", "inwoners_75plus", "aantal_pc4")
"""Columns of the frames returned by this module (index: ``gemeentecode``)."""


def _band_kolom(band: str) -> str:
    """CBS age band label → column name of the PC4 region file (``75-79`` → ``inw_75_79``)."""
    return "inw_" + band.replace("-", "_").replace("+", "plus")


def _sleutel(naam: object) -> str:
    return " ".join(str(naam).split()).casefold()


def _codes_bij_naam(namen: pd.Series, gemeenten: Mapping[str, str]) -> pd.Series:
    """Map gemeente names (or codes) to CBS codes; values not in the region become <NA>."""
    per_naam = {_sleutel(naam): code for code, naam in gemeenten.items()}
    per_code = {code.upper(): code for code in gemeenten}

    def _code(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return pd.NA
        text = str(v).strip()
        return per_code.get(text.upper(), per_naam.get(_sleutel(text), pd.NA))

    return namen.map(_code).astype("string")


def _resultaat(som: pd.DataFrame, aantal: pd.Series, gemeenten: Mapping[str, str]) -> pd.DataFrame:
    codes = list(gemeenten)
    out = pd.DataFrame(index=pd.Index(codes, name="gemeentecode"))
    out["naam"] = pd.Series(gemeenten, dtype="string")
    for kolom in ("inwoners", "inwoners_65plus", "inwoners_75plus"):
        if kolom in som.columns:
            waarden = som[kolom].reindex(codes)
            out[kolom] = pd.array([None if pd.isna(v) else round(float(v)) for v in waarden], dtype="Int64")
        else:
            out[kolom] = pd.array([None] * len(codes), dtype="Int64")
    out["aantal_pc4"] = pd.array([int(aantal.get(c, 0)) for c in codes], dtype="Int64")
    # A gemeente without PC4 rows is unknown, not zero.
    leeg = out["aantal_pc4"] == 0
    out.loc[leeg, ["inwoners", "inwoners_65plus", "inwoners_75plus"]] = pd.NA
    return out


def _check_gevonden(codes: pd.Series, namen: pd.Series, gemeenten: Mapping[str, str]) -> None:
    if codes.notna().any():
        return
    gevonden = sorted({str(n) for n in namen.dropna().unique()})[:10]
    raise ValidationError(
        "Geen enkele postcode hoort bij een gemeente van de regio. Gevonden gemeenten: "
        f"{', '.join(gevonden) or '(geen)'}; verwacht: {', '.join(gemeenten.values())}.",
        details={"gevonden": gevonden},
    )


def ouderen_per_gemeente(
    pc4: pd.DataFrame,
    *,
    gemeenten: Mapping[str, str],
    gemeente_kolom: str = "gemeente",
) -> pd.DataFrame:
    """Sum 65+ and 75+ inhabitants of PC4 areas per gemeente.

    Parameters
    ----------
    pc4
        One row per PC4 area with a gemeente column (name or CBS code) and the CBS age-band
        columns ``inw_65_69`` … ``inw_95plus`` or, without them, the totals ``inw_65plus`` and
        ``inw_75plus``. The age bands win when both are present: they are the CBS counts
        themselves (the ``inw_65plus`` of the shared region file leaves out the 95+ band).
        ``inwoners`` (total) is summed when present. Rows whose gemeente is not in
        ``gemeenten`` are ignored (a national file works too).
    gemeenten
        CBS code → name of the region's gemeenten, e.g. ``{"GM0402": "Hilversum", ...}``.
    gemeente_kolom
        Column holding the gemeente name or code; ``gemeentecode`` is used instead when that
        column exists and ``gemeente_kolom`` does not.

    Returns
    -------
    pandas.DataFrame
        Index ``gemeentecode`` (region order), columns :data:`BEVOLKING_KOLOMMEN`; counts are
        ``Int64`` and ``<NA>`` for a gemeente without PC4 rows.

    Raises
    ------
    ValidationError
        When a needed column is missing or no row belongs to the region.
    """
    kolom = gemeente_kolom
    if kolom not in pc4.columns and "gemeentecode" in pc4.columns:
        kolom = "gemeentecode"
    if kolom not in pc4.columns:
        raise ValidationError(
            f"Kolom '{gemeente_kolom}' (gemeentenaam of -code) ontbreekt. "
            f"Kolommen: {', '.join(map(str, pc4.columns))}.",
            details={"veld": gemeente_kolom},
        )
    df = pd.DataFrame(index=pc4.index)
    for doel, banden in (("inwoners_65plus", LEEFTIJDEN_65PLUS), ("inwoners_75plus", LEEFTIJDEN_75PLUS)):
        bron = "inw_" + doel.removeprefix("inwoners_")
        band_kolommen = [_band_kolom(b) for b in banden]
        if all(k in pc4.columns for k in band_kolommen):
            df[doel] = pc4[band_kolommen].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=len(banden))
        elif bron in pc4.columns:
            df[doel] = pd.to_numeric(pc4[bron], errors="coerce")
        else:
            raise ValidationError(
                f"Kolom '{bron}' (of de leeftijdsklassen {', '.join(band_kolommen)}) ontbreekt.",
                details={"veld": bron},
            )
    if "inwoners" in pc4.columns:
        df["inwoners"] = pd.to_numeric(pc4["inwoners"], errors="coerce")
    codes = _codes_bij_naam(pc4[kolom], gemeenten)
    _check_gevonden(codes, pc4[kolom], gemeenten)
    df["gemeentecode"] = codes
    df = df[df["gemeentecode"].notna()]
    som = df.groupby("gemeentecode").sum(min_count=1)
    aantal = df.groupby("gemeentecode").size()
    return _resultaat(som, aantal, gemeenten)


def ouderen_uit_leeftijdstabel(
    leeftijden: pd.DataFrame,
    postcodes: pd.DataFrame,
    *,
    gemeenten: Mapping[str, str],
) -> pd.DataFrame:
    """Derive 65+ and 75+ per gemeente from the long CBS age table and a postcode table.

    Parameters
    ----------
    leeftijden
        CBS "Bevolking; leeftijd, postcode": columns ``postcode``, ``leeftijd`` (``"0-4"`` …
        ``"95+"``) and ``inwoners``. PC2 and PC3 rows (2- and 3-digit postcodes) are ignored;
        only 4-digit PC4 rows are used.
    postcodes
        Postcode → gemeente: columns ``postcode`` and ``gemeente`` (name or CBS code); PC2/PC3
        rows are ignored.
    gemeenten
        CBS code → name of the region's gemeenten.

    Returns
    -------
    pandas.DataFrame
        As :func:`ouderen_per_gemeente`; ``inwoners`` is the sum over all age bands.

    Raises
    ------
    ValidationError
        When a needed column is missing or no postcode belongs to the region.
    """
    for naam, frame, nodig in (
        ("leeftijdstabel", leeftijden, ("postcode", "leeftijd", "inwoners")),
        ("postcodetabel", postcodes, ("postcode", "gemeente")),
    ):
        ontbreekt = [k for k in nodig if k not in frame.columns]
        if ontbreekt:
            raise ValidationError(f"De {naam} mist kolom(men) {', '.join(ontbreekt)}.", details={"veld": ontbreekt[0]})
    pc = postcodes[["postcode", "gemeente"]].copy()
    pc["postcode"] = pd.to_numeric(pc["postcode"], errors="coerce")
    pc = pc[pc["postcode"].between(1000, 9999)]
    pc["gemeentecode"] = _codes_bij_naam(pc["gemeente"], gemeenten)
    _check_gevonden(pc["gemeentecode"], pc["gemeente"], gemeenten)
    pc = pc[pc["gemeentecode"].notna()].drop_duplicates("postcode")

    lt = leeftijden[["postcode", "leeftijd", "inwoners"]].copy()
    lt["postcode"] = pd.to_numeric(lt["postcode"], errors="coerce")
    lt = lt[lt["postcode"].isin(pc["postcode"])]
    lt["inwoners"] = pd.to_numeric(lt["inwoners"], errors="coerce")
    lt["leeftijd"] = lt["leeftijd"].astype(str).str.strip()
    lt = lt.merge(pc[["postcode", "gemeentecode"]], on="postcode", how="inner")

    def _som(banden: Sequence[str] | None) -> pd.Series:
        sel = lt if banden is None else lt[lt["leeftijd"].isin(banden)]
        return sel.groupby("gemeentecode")["inwoners"].sum(min_count=1)

    som = pd.DataFrame(
        {
            "inwoners": _som(None),
            "inwoners_65plus": _som(LEEFTIJDEN_65PLUS),
            "inwoners_75plus": _som(LEEFTIJDEN_75PLUS),
        }
    )
    aantal = lt.groupby("gemeentecode")["postcode"].nunique()
    return _resultaat(som, aantal, gemeenten)


def aandelen(aantallen: pd.Series) -> pd.Series:
    """Return each value's share of the total (0-1), or all ``<NA>`` when any value is unknown.

    Parameters
    ----------
    aantallen
        Counts per gemeente (nullable).

    Returns
    -------
    pandas.Series
        ``Float64`` shares on the same index, named ``aandeel``; all ``<NA>`` when a count is
        missing or the total is 0 (a share of an incomplete total would mislead).
    """
    s = aantallen.astype("Float64")
    if not len(s) or bool(s.isna().any()) or float(s.sum()) == 0:
        return pd.Series([pd.NA] * len(s), index=aantallen.index, dtype="Float64", name="aandeel")
    return (s / float(s.sum())).rename("aandeel")
