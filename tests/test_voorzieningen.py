"""Tests of the OSM tag mapping and the merge with partner voorzieningen (pure functions).

The tag mapping is tested on the hand-built OSM XML fixture ``tests/fixtures/osm/klein.osm`` (read
with osmnx's ``features_from_xml``, the same layout both OSM routes produce): polygon amenities,
nodes without names, and duplicate tags.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import osmnx as ox
import pytest
import shapely
from shapely.geometry import Point

from kansenkaart.errors import BadFileError, CRSError, ValidationError
from kansenkaart.schemas import CATEGORIEEN, LAGEN
from kansenkaart.voorzieningen import (
    KOLOMMEN,
    combineer_voorzieningen,
    laad_tagmapping,
    met_gemeentecode,
    naam_gelijkenis,
    normaliseer_naam,
    parse_tagmapping,
    representatieve_punten,
    voorzieningen_uit_osm,
)

KLEIN = Path(__file__).parent / "fixtures" / "osm" / "klein.osm"
RD = "EPSG:28992"


@pytest.fixture(scope="module")
def features() -> gpd.GeoDataFrame:
    return ox.features_from_xml(KLEIN)


@pytest.fixture(scope="module")
def vz(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return voorzieningen_uit_osm(features, crs=RD)


def _rijen(vz: gpd.GeoDataFrame, osm_id: str) -> gpd.GeoDataFrame:
    return vz[vz["osm_id"] == osm_id]


# --------------------------------------------------------------------------- the mapping file


def test_default_mapping_covers_every_category() -> None:
    m = laad_tagmapping()
    assert {c.naam for c in m.categorieen} == set(CATEGORIEEN)
    assert m.categorieen_voor({"shop": "supermarket"}) == ("supermarkt",)
    assert m.categorieen_voor({"amenity": "doctors"}) == ("huisarts",)
    assert m.categorieen_voor({"healthcare": "doctor", "healthcare:speciality": "general"}) == ("huisarts",)
    assert m.categorieen_voor({"amenity": "doctors", "healthcare:speciality": "ophthalmology"}) == ()
    assert m.categorieen_voor({"amenity": "doctors", "healthcare:speciality": "general;paediatrics"}) == ("huisarts",)
    assert m.categorieen_voor({"amenity": "pharmacy"}) == ("apotheek",)
    assert m.categorieen_voor({"amenity": "pharmacy", "dispensing": "no"}) == ()
    assert m.categorieen_voor({"amenity": "community_centre"}) == ("ontmoetingsruimte",)
    assert m.categorieen_voor({"amenity": "social_centre"}) == ("ontmoetingsruimte",)
    for tags in ({"highway": "bus_stop"}, {"railway": "station"}, {"railway": "halt"}, {"railway": "tram_stop"},
                 {"public_transport": "platform"}):
        assert m.categorieen_voor(tags) == ("ov_halte",)
    for tags in ({"amenity": "nursing_home"}, {"social_facility": "assisted_living"},
                 {"amenity": "social_facility", "social_facility": "nursing_home"}):
        assert m.categorieen_voor(tags) == ("zorgcentrum",)
    assert m.categorieen_voor({"amenity": "pharmacy;doctors"}) == ("huisarts", "apotheek")
    assert m.categorieen_voor({"amenity": "bench"}) == ()
    assert m.categorieen_voor({"shop": "supermarket "}) == ("supermarkt",)  # stray space


def test_overpass_tags_and_prefilter() -> None:
    m = laad_tagmapping()
    q = m.overpass_tags()
    assert q["shop"] == ["supermarket"]
    assert {"doctors", "pharmacy", "community_centre", "nursing_home"} <= set(q["amenity"])  # type: ignore[arg-type]
    assert "healthcare:speciality" not in q or q["healthcare:speciality"] != ["ophthalmology"]
    assert m.kan_passen({"amenity": "pharmacy;doctors"})
    assert m.kan_passen({"highway": "bus_stop"})
    assert not m.kan_passen({"highway": "footway"})
    assert not m.kan_passen({"name": "Apotheek"})


def test_custom_mapping_file(tmp_path: Path) -> None:
    p = tmp_path / "tags.toml"
    p.write_text(
        'versie = 2\n[categorieen.ontmoetingsruimte]\nregels = [{ amenity = "library" }, { leisure = true }]\n'
        "[dubbel]\nafstand_m = 5\n",
        encoding="utf-8",
    )
    m = laad_tagmapping(p)
    assert m.versie == 2 and m.dubbel_afstand_m == 5
    assert m.categorieen_voor({"amenity": "library"}) == ("ontmoetingsruimte",)
    assert m.categorieen_voor({"leisure": "park"}) == ("ontmoetingsruimte",)
    assert m.overpass_tags() == {"amenity": ["library"], "leisure": True}
    assert m.vingerafdruk != laad_tagmapping().vingerafdruk


@pytest.mark.parametrize(
    ("data", "melding"),
    [
        ({}, "geen \\[categorieen"),
        ({"categorieen": {"bakker": {"regels": [{"shop": "bakery"}]}}}, "Onbekende categorie 'bakker'"),
        ({"categorieen": {"apotheek": {}}}, "geen regels"),
        ({"categorieen": {"apotheek": {"regels": [{"amenity": 3}]}}}, "ongeldige voorwaarde amenity"),
        ({"categorieen": {"apotheek": {"regels": [{"amenity": {"wel": ["x"]}}]}}}, "ongeldige voorwaarde"),
        ({"categorieen": {"apotheek": {"regels": "amenity=pharmacy"}}}, "verwacht een lijst"),
    ],
)
def test_invalid_mapping(data: dict, melding: str) -> None:
    with pytest.raises(ValidationError, match=melding):
        parse_tagmapping(data)


def test_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadFileError, match="bestaat niet"):
        laad_tagmapping(tmp_path / "weg.toml")
    kapot = tmp_path / "kapot.toml"
    kapot.write_text("[categorieen\n", encoding="utf-8")
    with pytest.raises(BadFileError, match="geen geldige TOML"):
        laad_tagmapping(kapot)


# --------------------------------------------------------------------------- OSM -> voorzieningen


def test_schema_and_ids(vz: gpd.GeoDataFrame) -> None:
    assert tuple(c for c in vz.columns if c != "geometry") == KOLOMMEN
    assert set(KOLOMMEN) <= set(LAGEN["voorzieningen"].veldnamen)
    assert vz.crs.to_epsg() == 28992
    assert (vz.geometry.geom_type == "Point").all()
    assert vz["id"].is_unique and vz["bron_id"].is_unique
    assert (vz["bron"] == "OSM").all()
    rij = _rijen(vz, "node/1001").iloc[0]
    assert rij["id"] == "osm-node-1001-supermarkt" and rij["bron_id"] == "node/1001:supermarkt"
    assert rij["naam"] == "Albert Heijn Kerkstraat"
    assert len(vz) == 15


def test_polygon_amenity_becomes_a_point_inside_it(features: gpd.GeoDataFrame, vz: gpd.GeoDataFrame) -> None:
    vlak = features.loc[("way", 2001)].geometry
    vlak_rd = gpd.GeoSeries([vlak], crs="EPSG:4326").to_crs(RD).iloc[0]
    assert not vlak_rd.contains(vlak_rd.centroid)  # the fixture is L-shaped on purpose
    rij = _rijen(vz, "way/2001")
    assert list(rij["categorie"]) == ["supermarkt"] and rij["naam"].iloc[0] == "Jumbo Hoek"
    assert vlak_rd.contains(rij.geometry.iloc[0])


def test_multipolygon_point_lies_in_the_outer_ring_not_in_the_hole(
    features: gpd.GeoDataFrame, vz: gpd.GeoDataFrame
) -> None:
    mp = gpd.GeoSeries([features.loc[("relation", 3001)].geometry], crs="EPSG:4326").to_crs(RD).iloc[0]
    assert len(mp.interiors if mp.geom_type == "Polygon" else mp.geoms[0].interiors) == 1
    rij = _rijen(vz, "relation/3001")
    assert list(rij["categorie"]) == ["zorgcentrum"]
    assert mp.contains(rij.geometry.iloc[0])


def test_node_without_name(vz: gpd.GeoDataFrame) -> None:
    rij = _rijen(vz, "node/1002")
    assert list(rij["categorie"]) == ["ov_halte"]
    assert rij["naam"].iloc[0] is None


def test_duplicate_tags_give_no_duplicate_rows(vz: gpd.GeoDataFrame) -> None:
    # One object, two categories: two rows.
    assert sorted(_rijen(vz, "node/1003")["categorie"]) == ["apotheek", "huisarts"]
    # highway=bus_stop + public_transport=platform + railway=tram_stop: one ov_halte.
    assert list(_rijen(vz, "node/1004")["categorie"]) == ["ov_halte"]
    # amenity=pharmacy;pharmacy: one apotheek.
    assert list(_rijen(vz, "node/1014")["categorie"]) == ["apotheek"]
    # Three zorg tags on one node: one zorgcentrum.
    assert list(_rijen(vz, "node/1013")["categorie"]) == ["zorgcentrum"]
    assert not vz.duplicated(["osm_id", "categorie"]).any()


def test_same_facility_as_node_and_polygon_is_one_voorziening(vz: gpd.GeoDataFrame) -> None:
    # Buurthuis De Linde: building polygon (way 2002) and a node inside with the same tags.
    assert _rijen(vz, "way/2002").empty
    assert list(_rijen(vz, "node/1005")["naam"]) == ["Buurthuis De Linde"]
    # Apotheek Zuid: named polygon (way 2003), unnamed node inside -> the node, with the name.
    assert _rijen(vz, "way/2003").empty
    assert list(_rijen(vz, "node/1006")["naam"]) == ["Apotheek Zuid"]
    assert (vz["categorie"] == "ontmoetingsruimte").sum() == 2  # De Linde + Zonnehoek (day care)


def test_two_nodes_are_never_merged(vz: gpd.GeoDataFrame) -> None:
    # Two bus stops 'Stationsplein' 17 m apart: two objects in OSM, two voorzieningen.
    assert len(vz[vz["naam"] == "Stationsplein"]) == 2


def test_excluded_objects(vz: gpd.GeoDataFrame) -> None:
    assert _rijen(vz, "node/1007").empty  # ophthalmologist
    assert _rijen(vz, "node/1012").empty  # dispensing=no
    assert _rijen(vz, "node/1009").empty  # bench
    assert sorted(vz.loc[vz["categorie"] == "huisarts", "osm_id"]) == ["node/1003", "node/1008"]


def test_dedup_distance_is_configurable(features: gpd.GeoDataFrame) -> None:
    # A station node and a station area with the same name, 40 m apart: merged only with a larger radius.
    extra = gpd.GeoDataFrame(
        {"element": ["node", "way"], "id": [1, 2], "railway": ["station", "station"], "name": ["Centraal", "Centraal"]},
        geometry=[Point(5.1800, 52.2200), shapely.box(5.1805, 52.2201, 5.1806, 52.2202)],
        crs="EPSG:4326",
    ).set_index(["element", "id"])
    data = {"categorieen": {"ov_halte": {"regels": [{"railway": "station"}]}}}
    klein = voorzieningen_uit_osm(extra, crs=RD, mapping=parse_tagmapping({**data, "dubbel": {"afstand_m": 10}}))
    groot = voorzieningen_uit_osm(extra, crs=RD, mapping=parse_tagmapping({**data, "dubbel": {"afstand_m": 60}}))
    assert len(klein) == 2
    assert list(groot["osm_id"]) == ["node/1"]


def test_empty_and_invalid_input(features: gpd.GeoDataFrame) -> None:
    leeg = voorzieningen_uit_osm(features.iloc[0:0], crs=RD)
    assert len(leeg) == 0 and tuple(c for c in leeg.columns if c != "geometry") == KOLOMMEN
    assert leeg.crs.to_epsg() == 28992
    with pytest.raises(CRSError, match="niet geprojecteerd"):
        voorzieningen_uit_osm(features, crs="EPSG:4326")
    with pytest.raises(CRSError):
        voorzieningen_uit_osm(features.set_crs(None, allow_override=True), crs=RD)


def test_representatieve_punten_keeps_points_and_index() -> None:
    s = gpd.GeoSeries([Point(1, 1), shapely.box(0, 0, 2, 2), shapely.LineString([(0, 0), (4, 0)])],
                      index=[7, 8, 9], crs=RD)
    r = representatieve_punten(s)
    assert list(r.index) == [7, 8, 9] and r.crs == s.crs
    assert r.iloc[0].equals(Point(1, 1))
    assert s.iloc[1].contains(r.iloc[1]) and s.iloc[2].distance(r.iloc[2]) < 1e-9


# --------------------------------------------------------------------------- names


def test_name_normalisation_and_similarity() -> None:
    assert normaliseer_naam("  Apotheek  d'Óude-Haven ") == "apotheek d oude haven"
    assert normaliseer_naam(None) == ""
    assert naam_gelijkenis("Apotheek Kerkelanden", "apotheek kerkelanden") == 1.0
    assert naam_gelijkenis("Kerkelanden", "Apotheek Kerkelanden") == pytest.approx(0.9)
    assert naam_gelijkenis("Albert Heijn", "Albert Hein") > 0.9
    assert naam_gelijkenis("Albert Heijn", "Jumbo") < 0.5
    assert naam_gelijkenis("", "Jumbo") == 0.0


# --------------------------------------------------------------------------- merge with partners


def _gdf(rijen: list[dict], crs: str = RD) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "xy"} for r in rijen],
        geometry=[Point(*r["xy"]) for r in rijen],
        crs=crs,
    )


def _osm(rijen: list[dict]) -> gpd.GeoDataFrame:
    for i, r in enumerate(rijen):
        r.setdefault("id", f"osm-node-{i}-{r['categorie']}")
        r.setdefault("osm_id", f"node/{i}")
        r.setdefault("bron", "OSM")
    return _gdf(rijen)


def _partner(rijen: list[dict]) -> gpd.GeoDataFrame:
    for i, r in enumerate(rijen):
        r.setdefault("id", f"p{i}")
        r.setdefault("bron", "Dudok")
        r.setdefault("bron_id", f"D-{i}")
    return _gdf(rijen)


def test_merge_same_name_nearby() -> None:
    partner = _partner([{"naam": "Apotheek Kerkelanden", "categorie": "apotheek", "xy": (0, 0)}])
    osm = _osm([{"naam": "Kerkelanden", "categorie": "apotheek", "xy": (30, 0)}])
    uit = combineer_voorzieningen(partner, osm)
    assert len(uit) == 1
    rij = uit.iloc[0]
    assert rij["bron"] == "Dudok;OSM" and rij["osm_id"] == "node/0"
    assert rij["id"] == "p0" and rij["bron_id"] == "D-0" and rij["naam"] == "Apotheek Kerkelanden"
    assert rij.geometry.equals(Point(0, 0))  # the partner's location is kept


@pytest.mark.parametrize(
    ("osm_rij", "gekoppeld"),
    [
        ({"naam": "Apotheek Kerkelanden", "categorie": "apotheek", "xy": (49, 0)}, True),
        ({"naam": "Apotheek Kerkelanden", "categorie": "apotheek", "xy": (80, 0)}, False),  # too far
        ({"naam": "Apotheek Centrum", "categorie": "apotheek", "xy": (5, 0)}, False),  # other name
        ({"naam": "Apotheek Kerkelanden", "categorie": "huisarts", "xy": (0, 0)}, False),  # other category
        ({"naam": None, "categorie": "apotheek", "xy": (10, 0)}, True),  # unnamed, close
        ({"naam": None, "categorie": "apotheek", "xy": (30, 0)}, False),  # unnamed, not close enough
    ],
)
def test_merge_rule(osm_rij: dict, gekoppeld: bool) -> None:
    partner = _partner([{"naam": "Apotheek Kerkelanden", "categorie": "apotheek", "xy": (0, 0)}])
    uit = combineer_voorzieningen(partner, _osm([osm_rij]))
    assert len(uit) == (1 if gekoppeld else 2)
    assert (uit.iloc[0]["bron"] == "Dudok;OSM") is gekoppeld


def test_merge_is_one_to_one_and_best_first() -> None:
    partner = _partner([
        {"naam": "Jumbo", "categorie": "supermarkt", "xy": (0, 0)},
        {"naam": "Jumbo Centrum", "categorie": "supermarkt", "xy": (20, 0)},
    ])
    osm = _osm([{"naam": "Jumbo Centrum", "categorie": "supermarkt", "xy": (10, 0)}])
    uit = combineer_voorzieningen(partner, osm)
    assert len(uit) == 2
    assert list(uit["bron"]) == ["Dudok", "Dudok;OSM"]  # the exact name wins, although both are 10 m away


def test_merge_fills_a_missing_partner_name_and_thresholds_are_configurable() -> None:
    partner = _partner([{"naam": None, "categorie": "ov_halte", "xy": (0, 0)}])
    osm = _osm([{"naam": "Stationsplein", "categorie": "ov_halte", "xy": (12, 0)}])
    uit = combineer_voorzieningen(partner, osm)
    assert len(uit) == 1 and uit.iloc[0]["naam"] == "Stationsplein"
    assert len(combineer_voorzieningen(partner, osm, max_afstand_zonder_naam_m=5)) == 2
    p2 = _partner([{"naam": "Albert Heijn", "categorie": "supermarkt", "xy": (0, 0)}])
    o2 = _osm([{"naam": "AH", "categorie": "supermarkt", "xy": (5, 0)}])
    assert len(combineer_voorzieningen(p2, o2)) == 2
    assert len(combineer_voorzieningen(p2, o2, min_gelijkenis=0.0)) == 1


def test_merge_edge_cases() -> None:
    partner = _partner([{"naam": "Jumbo", "categorie": "supermarkt", "xy": (0, 0)}])
    osm = _osm([{"naam": "Jumbo", "categorie": "supermarkt", "xy": (0, 0)}])
    assert len(combineer_voorzieningen(partner.iloc[0:0], osm)) == 1
    assert len(combineer_voorzieningen(partner, osm.iloc[0:0])) == 1
    with pytest.raises(CRSError, match="verschillende coördinatenstelsels"):
        combineer_voorzieningen(partner, osm.set_crs("EPSG:3067", allow_override=True))
    with pytest.raises(CRSError, match="meters"):
        combineer_voorzieningen(partner.set_crs("EPSG:4326", allow_override=True),
                                osm.set_crs("EPSG:4326", allow_override=True))
    with pytest.raises(ValidationError):
        combineer_voorzieningen(partner, osm, min_gelijkenis=2)


def test_met_gemeentecode() -> None:
    gemeenten = gpd.GeoDataFrame({"code": ["GM0001", "GM0002"]},
                                 geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=RD)
    punten = _gdf([
        {"naam": "a", "xy": (5, 5)},
        {"naam": "b", "xy": (15, 5), "gemeentecode": "GM9999"},  # kept: not empty
        {"naam": "c", "xy": (50, 50)},
    ])
    uit = met_gemeentecode(punten, gemeenten.to_crs("EPSG:4326"))
    assert list(uit["gemeentecode"]) == ["GM0001", "GM9999", None]
    assert list(uit.index) == list(punten.index)
