"""Tests of the GeoPackage store: CRUD, versions, history, atomicity, GeoPackage validity."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from kansenkaart.errors import ConflictError, NotFoundError, PreconditionError, ValidationError
from kansenkaart.io.store import GeoPackageStore
from kansenkaart.io.werkruimte import Werkruimte

KANS = {
    "naam": "Hofje Oost",
    "soort": "nieuwbouw",
    "doelgroep": "geclusterd",
    "status": "idee",
    "aantal_woningen": 18,
    "gemeentecode": "GM0402",
}
P = shapely.Point(140_000, 470_000)


def _points(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {
            "naam": [f"Voorziening {i}" for i in range(n)],
            "categorie": rng.choice(["supermarkt", "apotheek"], n),
            "bron": "test",
            "bron_id": [str(i) for i in range(n)],
        },
        geometry=shapely.points(rng.uniform(135_000, 145_000, n), rng.uniform(465_000, 475_000, n)),
        crs="EPSG:28992",
    )


def test_create_get_update_versions_and_history(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    k = s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    assert k.versie == 1
    assert k.properties["aangemaakt_door"] == "anna"
    k2 = s.update("kansen", k.id, {"status": "verkenning"}, versie=1, gebruiker="bert", kanaal="web")
    assert k2.versie == 2 and k2.properties["status"] == "verkenning"
    assert k2.properties["gewijzigd_door"] == "bert"
    with pytest.raises(PreconditionError) as exc:
        s.update("kansen", k.id, {"status": "idee"}, versie=1, gebruiker="carla", kanaal="api")
    assert exc.value.details["huidige_versie"] == 2
    moved = s.update("kansen", k.id, {}, shapely.Point(140_050, 470_000), versie=2, gebruiker="bert", kanaal="web")
    assert moved.versie == 3 and moved.geometry.x == 140_050
    hist = s.history(k.id)
    assert list(hist["versie"]) == [1, 2, 3]
    assert list(hist["actie"]) == ["aangemaakt", "gewijzigd", "gewijzigd"]
    assert hist.iloc[1]["wijzigingen"] == {"status": ["idee", "verkenning"]}
    assert "geometrie" in hist.iloc[2]["wijzigingen"]
    assert list(hist["kanaal"]) == ["api", "web", "web"]


def test_update_without_changes_keeps_version(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    k = s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    same = s.update("kansen", k.id, {"status": "idee"}, versie=1, gebruiker="anna", kanaal="api")
    assert same.versie == 1
    assert len(s.history(k.id)) == 1


def test_soft_delete_and_restore(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    k = s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    s.delete("kansen", k.id, versie=1, gebruiker="anna", kanaal="web")
    assert s.count("kansen") == 0
    assert s.count("kansen", met_verwijderd=True) == 1
    with pytest.raises(NotFoundError):
        s.get("kansen", k.id)
    with pytest.raises(NotFoundError):
        s.update("kansen", k.id, {"status": "idee"}, versie=2, gebruiker="x", kanaal="api")
    r = s.restore("kansen", k.id, gebruiker="beheer", kanaal="cli")
    assert r.versie == 3 and not r.properties["verwijderd"]
    assert list(s.history(k.id)["actie"]) == ["aangemaakt", "verwijderd", "hersteld"]
    with pytest.raises(ConflictError):
        s.restore("kansen", k.id, gebruiker="beheer", kanaal="cli")


def test_unknown_field_and_duplicate_id_are_rejected(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    with pytest.raises(ValidationError, match="kleur"):
        s.create("kansen", {**KANS, "kleur": "rood"}, P, gebruiker="a", kanaal="api")
    s.create("kansen", {**KANS, "id": "k1"}, P, gebruiker="a", kanaal="api")
    with pytest.raises(ConflictError):
        s.create("kansen", {**KANS, "id": "k1"}, P, gebruiker="a", kanaal="api")


def test_query_bbox_filters_and_paging(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    gdf = _points(500)
    s.replace_layer("voorzieningen", gdf)
    bbox = (137_000, 467_000, 139_000, 469_000)
    got = s.query("voorzieningen", bbox=bbox)
    expected = gdf.cx[137_000:139_000, 467_000:469_000]
    assert sorted(got["naam"]) == sorted(expected["naam"])
    assert s.count("voorzieningen", bbox=bbox) >= len(got)
    apo = s.query("voorzieningen", filters={"categorie": "apotheek"})
    assert set(apo["categorie"]) == {"apotheek"}
    assert len(apo) == int((gdf["categorie"] == "apotheek").sum())
    page1 = s.query("voorzieningen", limit=100, offset=0)
    page2 = s.query("voorzieningen", limit=100, offset=100)
    assert len(page1) == 100 and not set(page1["id"]) & set(page2["id"])
    with pytest.raises(ValidationError, match="kleur"):
        s.query("voorzieningen", filters={"kleur": "rood"})


def test_replace_layer_round_trip(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    gdf = _points(50)
    gdf["id"] = [f"v{i}" for i in range(50)]
    s.replace_layer("voorzieningen", gdf)
    got = s.read_layer("voorzieningen")[["id", "naam", "categorie", "bron", "bron_id", "geometry"]]
    exp = gdf[["id", "naam", "categorie", "bron", "bron_id", "geometry"]]
    assert_geodataframe_equal(
        got.astype({c: object for c in got.columns if c != "geometry"}),
        exp.astype({c: object for c in exp.columns if c != "geometry"}),
        check_dtype=False,
        check_less_precise=True,
    )


def test_replace_layer_projects_from_wgs84(werkruimte: Werkruimte) -> None:
    gdf = _points(3).to_crs(4326)
    werkruimte.store.replace_layer("voorzieningen", gdf)
    got = werkruimte.store.read_layer("voorzieningen")
    assert got.crs.to_epsg() == 28992
    assert np.allclose(np.sort(got.geometry.x), np.sort(_points(3).geometry.x), atol=0.01)


def test_failed_write_leaves_previous_state(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    s.replace_layer("voorzieningen", _points(20))
    bad = _points(5)
    bad["onbekend"] = 1
    with pytest.raises(ValidationError):
        s.replace_layer("voorzieningen", bad)
    assert s.count("voorzieningen") == 20
    # A failure inside the transaction (duplicate ids) rolls back too.
    dup = _points(5)
    dup["id"] = "same"
    with pytest.raises(ConflictError):
        s.replace_layer("voorzieningen", dup)
    assert s.count("voorzieningen") == 20


def test_upsert_is_idempotent_and_logs_kansen(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    rows = gpd.GeoDataFrame(
        [{**KANS, "bron": "Dudok", "bron_id": "A1"}, {**KANS, "naam": "Flat West", "bron": "Dudok", "bron_id": "A2"}],
        geometry=[P, shapely.Point(139_000, 471_000)],
        crs="EPSG:28992",
    )
    r1 = s.upsert("kansen", rows, gebruiker="import", kanaal="import")
    assert (r1.nieuw, r1.gewijzigd, r1.ongewijzigd) == (2, 0, 0)
    r2 = s.upsert("kansen", rows, gebruiker="import", kanaal="import")
    assert (r2.nieuw, r2.gewijzigd, r2.ongewijzigd) == (0, 0, 2)
    rows.loc[0, "status"] = "verkenning"
    r3 = s.upsert("kansen", rows, gebruiker="import", kanaal="import")
    assert (r3.nieuw, r3.gewijzigd, r3.ongewijzigd) == (0, 1, 1)
    assert s.count("kansen") == 2
    changed = s.get("kansen", r3.ids[0])
    assert changed.versie == 2
    assert list(s.history(changed.id)["kanaal"]) == ["import", "import"]


def test_workspace_is_a_valid_geopackage(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    s.replace_layer("voorzieningen", _points(10))
    path = str(s.path)
    layers = dict(pyogrio.list_layers(path))
    assert {"kansen", "voorzieningen", "gemeenten", "kansen_historie"} <= set(layers)
    info = pyogrio.read_info(path, layer="voorzieningen")
    assert info["crs"] == "EPSG:28992" and info["features"] == 10
    assert info["geometry_type"] == "Point"
    kansen = pyogrio.read_dataframe(path, layer="kansen")
    assert kansen.loc[0, "naam"] == "Hofje Oost" and kansen.loc[0, "versie"] == 1
    # The R-tree is maintained by the standard triggers: GDAL's spatial filter finds the feature.
    near = pyogrio.read_dataframe(path, layer="kansen", bbox=(139_990, 469_990, 140_010, 470_010))
    assert len(near) == 1
    if shutil.which("ogrinfo"):
        out = subprocess.run(["ogrinfo", "-so", path, "voorzieningen"], capture_output=True, text=True, check=True)
        assert "Feature Count: 10" in out.stdout and "RD New" in out.stdout


def test_integrity_and_backup(werkruimte: Werkruimte, tmp_path) -> None:
    s = werkruimte.store
    s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    assert s.integrity_check() == []
    dest = s.backup(tmp_path / "kopie.gpkg")
    # The copy is one self-contained file (no WAL side file needed).
    with sqlite3.connect(dest) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy = GeoPackageStore(dest)
    assert copy.count("kansen") == 1
    assert copy.integrity_check() == []


def test_concurrent_writers_are_serialised(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    k = s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    results: list[str] = []

    def worker(n: int) -> None:
        store = GeoPackageStore(s.path)
        for _ in range(10):
            cur = store.get("kansen", k.id)
            try:
                store.update(
                    "kansen",
                    k.id,
                    {"aantal_woningen": int(cur.properties["aantal_woningen"]) + 1},
                    versie=cur.versie,
                    gebruiker=f"w{n}",
                    kanaal="api",
                )
                results.append("ok")
            except PreconditionError:
                results.append("412")
        store.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = s.get("kansen", k.id)
    ok = results.count("ok")
    assert ok + results.count("412") == 40
    assert final.versie == 1 + ok
    assert final.properties["aantal_woningen"] == KANS["aantal_woningen"] + ok
    assert list(s.history(k.id)["versie"]) == list(range(1, ok + 2))
    assert s.integrity_check() == []


def test_open_missing_workspace_names_the_fix(tmp_path) -> None:
    with pytest.raises(NotFoundError, match="kansenkaart init"):
        Werkruimte.open(tmp_path / "nergens")


def test_workspace_stores_its_region(werkruimte: Werkruimte) -> None:
    again = Werkruimte.open(werkruimte.pad)
    assert again.regio.id == "gooi-en-vechtstreek"
    assert again.crs.to_epsg() == 28992
    with pytest.raises(ConflictError):
        Werkruimte.maak(werkruimte.pad, regio="gooi-en-vechtstreek")


def _als_oude_werkruimte(pad: str) -> None:
    """Make the file look like one written before ``kansen.opleverjaar`` and ``wooncomplexen`` existed."""
    conn = sqlite3.connect(pad)
    try:
        conn.execute("ALTER TABLE kansen DROP COLUMN opleverjaar")
        conn.execute("DROP TABLE wooncomplexen")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = 'wooncomplexen'")
        conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'wooncomplexen'")
        conn.execute("DROP TABLE rtree_wooncomplexen_geom")
        conn.commit()
    finally:
        conn.close()


def test_older_workspace_gets_the_new_fields_and_keeps_its_data(werkruimte: Werkruimte) -> None:
    s = werkruimte.store
    k = s.create("kansen", KANS, P, gebruiker="anna", kanaal="api")
    s.update("kansen", k.id, {"status": "verkenning"}, versie=1, gebruiker="bert", kanaal="web")
    s.replace_layer("voorzieningen", _points(5))
    pad = str(s.path)
    s.close()
    _als_oude_werkruimte(pad)
    conn = sqlite3.connect(pad)
    assert "opleverjaar" not in {r[1] for r in conn.execute("PRAGMA table_info(kansen)")}
    conn.close()

    nieuw = GeoPackageStore(pad)
    assert "opleverjaar" in nieuw.columns("kansen")
    assert nieuw.has_layer("wooncomplexen") and nieuw.count("wooncomplexen") == 0
    assert nieuw.get_meta("schema_bijgewerkt_op") is not None
    kans = nieuw.get("kansen", k.id)
    assert kans.versie == 2 and kans.properties["status"] == "verkenning" and kans.properties["opleverjaar"] is None
    assert list(nieuw.history(k.id)["versie"]) == [1, 2]
    assert nieuw.count("voorzieningen") == 5
    k3 = nieuw.update("kansen", k.id, {"opleverjaar": 2028}, versie=2, gebruiker="bert", kanaal="web")
    assert k3.versie == 3 and k3.properties["opleverjaar"] == 2028
    assert nieuw.history(k.id).iloc[-1]["wijzigingen"] == {"opleverjaar": [None, 2028]}
    assert "wooncomplexen" in dict(pyogrio.list_layers(pad))  # registered as a GeoPackage layer again
    nieuw.close()

    # Opening an up-to-date workspace writes nothing.
    conn = sqlite3.connect(pad)
    def _stand() -> tuple[int, str | None]:
        versie = conn.execute("PRAGMA schema_version").fetchone()[0]
        tijd = conn.execute("SELECT waarde FROM kansenkaart_meta WHERE sleutel = 'schema_bijgewerkt_op'").fetchone()[0]
        return versie, tijd

    voor = _stand()
    GeoPackageStore(pad).close()
    na = _stand()
    conn.close()
    assert voor == na
