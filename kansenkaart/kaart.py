"""The web map skeleton: a folium map without data, wrapped in the page template.

:func:`kaart_html` turns a :class:`KaartInfo` (region name, extent, stored layers) into the
HTML of the map page. Folium builds the Leaflet skeleton server-side: base layers (PDOK
BRT-Achtergrondkaart, OpenStreetMap, none), a metric scale bar, the drawing tools and a
grouped layer control with one *empty* feature group per layer. No layer data is embedded:
``web/static/kaart.js`` fills the groups from the OGC API Features endpoints (``/api``) by
bounding box, so the first page stays small however large the workspace is.

Every script and stylesheet is served from ``/static/vendor`` (the defaults of folium point
to CDNs), so the page works without internet; only the tile URL templates are external,
and the map shows the data on a plain background when tiles cannot load.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import folium
import folium.plugins
import jinja2
from branca.element import Figure, MacroElement
from folium.template import Template
from markupsafe import Markup

from kansenkaart.attributie import OSM, SCHEIDING, attributie
from kansenkaart.schemas import CATEGORIEEN, DOELGROEPEN, LAGEN, SOORTEN_KANS, STATUSSEN, Laag, Veld

__all__ = [
    "BASISKAARTEN",
    "GROEPEN",
    "KaartInfo",
    "KaartLaag",
    "bouw_kaart",
    "in_nederland",
    "kaart_html",
    "label",
]

GROEPEN: tuple[str, ...] = ("Huidige situatie", "Kansen", "Vlekkenplan", "Geschiktheid", "Gebieden")
"""Order of the groups in the layer control (``Laag.groep``)."""

Basiskaart = Literal["pdok", "osm", "geen"]

BASISKAARTEN: dict[str, dict[str, Any]] = {
    "pdok": {
        "naam": "PDOK BRT-Achtergrondkaart",
        "url": "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
        "attributie": "Kaartgegevens &copy; Kadaster",
        "max_zoom": 19,
    },
    "osm": {
        "naam": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        # Filled in below with the same HTML as the OSM part of an OSM-derived layer, so that
        # Leaflet (which shows each distinct attribution once) names OpenStreetMap only once.
        "attributie": "",
        "max_zoom": 19,
    },
}
GEEN_ACHTERGROND = "Geen achtergrond"

# Layers shown when the page opens; the others are one click away in the layer control.
# Dense point layers (voorzieningen, nultredenwoningen) and the heavy isochrone polygons
# start hidden so the first page stays small.
STANDAARD_ZICHTBAAR = frozenset(
    {"gemeenten", "kansen", "zorgcentra", "wooncomplexen", "zorggeschikte_woningen", "nieuwbouwplannen"}
)

# Colours (ColorBrewer-like, readable on both PDOK and OSM and on a plain background).
LAAGKLEUREN: dict[str, str] = {
    "nultredenwoningen": "#4575b4",
    "zorggeschikte_woningen": "#7b3294",
    "zorgcentra": "#d7191c",
    "wooncomplexen": "#1a9641",
    "nieuwbouwplannen": "#e66101",
    "voorzieningen": "#636363",
    "kansen": "#000000",
    "bereikbaarheid": "#2c7fb8",
    "vlekkenplan": "#31a354",
    "geschiktheid": "#fdae61",
    "gemeenten": "#222222",
    "wijken": "#555555",
    "buurten": "#888888",
}
DOELGROEPKLEUREN: dict[str, str] = {"nultreden": "#1f78b4", "geclusterd": "#ff7f00", "zorggeschikt": "#e31a1c"}
# Status → marker style: the fill keeps the doelgroep colour readable; plans that are not yet
# firm get a dashed outline and a lighter fill, kansen no longer pursued turn grey.
STATUSSTIJLEN: dict[str, dict[str, Any]] = {
    "idee": {"dashArray": "2 3", "fillOpacity": 0.55},
    "verkenning": {"dashArray": "6 3", "fillOpacity": 0.7},
    "in voorbereiding": {"dashArray": None, "fillOpacity": 0.85},
    "in uitvoering": {"dashArray": None, "fillOpacity": 0.95},
    "gerealiseerd": {"dashArray": None, "fillOpacity": 1.0},
    "vervallen": {"dashArray": "2 4", "fillOpacity": 0.5, "kleur": "#9e9e9e"},
}
# Walking-distance bands of the vlekkenplan: upper bound (m) → colour; the last band catches the rest.
BANDKLEUREN: tuple[tuple[float | None, str, str], ...] = (
    (100.0, "#006837", "0–100 m"),
    (300.0, "#31a354", "100–300 m"),
    (600.0, "#addd8e", "300–600 m"),
    (None, "#fee391", "meer dan 600 m"),
)
# Colour ramp of the geschiktheid score (0–100): low → high.
SCOREKLEUREN: tuple[tuple[float, str], ...] = (
    (0.0, "#d7191c"),
    (25.0, "#fdae61"),
    (50.0, "#ffffbf"),
    (75.0, "#a6d96a"),
    (100.0, "#1a9641"),
)

# Roughly the Netherlands in CRS84 (lon/lat), used to choose the default base map.
_NL_BBOX = (3.2, 50.7, 7.3, 53.6)

_URL = re.compile(r"https?://[^\s,;|]+")
_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>', re.IGNORECASE)

_TRANSPARANT_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_LABELS = {
    "id": "Id",
    "gemeentecode": "Gemeente",
    "wijkcode": "Wijk",
    "bron_id": "Bron-id",
    "osm_id": "OSM-id",
    "ov_halte": "Ov-halte",
}
_TOKENS = {"pct": "%", "65plus": "65-plus", "75plus": "75-plus", "m": "(m)", "ov": "ov"}


def label(naam: str) -> str:
    """Return a readable Dutch label for field ``naam``.

    ``aantal_woningen`` → ``Aantal woningen``, ``pct_75plus`` → ``% 75-plus``,
    ``band_tot_m`` → ``Band tot (m)``, ``gemeentecode`` → ``Gemeente``.
    """
    if naam in _LABELS:
        return _LABELS[naam]
    woorden = [_TOKENS.get(t, t) for t in naam.split("_") if t]
    tekst = " ".join(woorden) or naam
    return tekst[:1].upper() + tekst[1:]


@dataclass(frozen=True)
class KaartLaag:
    """A stored layer as the map needs it.

    Attributes
    ----------
    naam
        Layer name (as in the API).
    aantal
        Number of features (decides whether the layer loads at once or by bounding box).
    geometrietype
        ``POINT``, ``MULTIPOLYGON`` or ``GEOMETRY`` (mixed).
    berekend_op
        For a computed layer: when it was computed (ISO 8601, UTC), shown in the legend.
    gewijzigd
        For the vlekkenplan layers: the categories of voorzieningen that changed since, so the
        layer is out of date (the legend says so); ``None`` when unknown.
    """

    naam: str
    aantal: int = 0
    geometrietype: str = "GEOMETRY"
    berekend_op: str | None = None
    gewijzigd: tuple[str, ...] | None = None

    @property
    def schema(self) -> Laag:
        """The layer schema."""
        return LAGEN[self.naam]


@dataclass(frozen=True)
class KaartInfo:
    """Everything the map page needs to know about a workspace.

    Attributes
    ----------
    regio
        Region name shown in the header.
    bbox
        Extent (min lon, min lat, max lon, max lat) in CRS84, or ``None`` for the Netherlands.
    lagen
        The stored layers, in schema order; layers not listed are left out of the map.
    gemeenten
        ``(code, naam)`` of the region's gemeenten, for the kansen filter and the form.
    voorbeelddata
        The workspace holds example data: the page shows a banner.
    basiskaart
        Default base map; ``None`` chooses PDOK inside the Netherlands and OSM elsewhere.
    api_basis, static_basis, monitor_url
        URL prefixes (relative to the site root).
    csrf_token
        Token for the ``csrf-token`` meta tag (empty until authentication is added).
    """

    regio: str
    bbox: tuple[float, float, float, float] | None = None
    lagen: tuple[KaartLaag, ...] = ()
    gemeenten: tuple[tuple[str, str], ...] = ()
    voorbeelddata: bool = False
    basiskaart: Basiskaart | None = None
    api_basis: str = "/api"
    static_basis: str = "/static"
    monitor_url: str = "/monitor"
    csrf_token: str = ""


def in_nederland(bbox: Sequence[float] | None) -> bool:
    """True when the centre of ``bbox`` (CRS84) lies in the Netherlands (or no bbox is known)."""
    if bbox is None:
        return True
    x = (bbox[0] + bbox[2]) / 2
    y = (bbox[1] + bbox[3]) / 2
    return _NL_BBOX[0] <= x <= _NL_BBOX[2] and _NL_BBOX[1] <= y <= _NL_BBOX[3]


# --------------------------------------------------------------------------- folium elements


def _vendor(static: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    v = f"{static}/vendor"
    js = [("leaflet", f"{v}/leaflet/leaflet.js")]
    css = [("leaflet_css", f"{v}/leaflet/leaflet.css")]
    return js, css


class _Kaart(folium.Map):
    """A folium Map that loads Leaflet from the local vendor folder (no jQuery/Bootstrap/icons)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium reads this class attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class _Schaalbalk(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control.scale(
                {metric: true, imperial: false, position: "bottomleft", maxWidth: 160}
            ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Schaalbalk"


class _Lagenkeuze(folium.plugins.GroupedLayerControl):
    """Grouped layer control that also lists the base maps (folium's passes ``null`` for those).

    Overlays are check boxes (``exclusiveGroups`` is empty); the control starts expanded,
    because the map is shown in meetings where every layer should be visible at a glance.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control.groupedLayers(
                {
                    {%- for naam, laag in this.basislagen.items() %}
                    {{ naam|tojson }}: {{ laag }},
                    {%- endfor %}
                },
                {
                    {%- for groep, lagen in this.grouped_overlays.items() %}
                    {{ groep|tojson }}: {
                        {%- for titel, laag in lagen.items() %}
                        {{ titel|tojson }}: {{ laag }},
                        {%- endfor %}
                    },
                    {%- endfor %}
                },
                {{ this.options|tojson }}
            ).addTo({{ this._parent.get_name() }});
            {%- for laag in this.layers_untoggle|sort %}
            {{ laag }}.remove();
            {%- endfor %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        basislagen: Mapping[str, folium.map.Layer],
        groepen: Mapping[str, list[folium.map.Layer]],
    ) -> None:
        super().__init__(dict(groepen), exclusive_groups=False, collapsed=False, position="topright")
        self._name = "Lagenkeuze"
        self.basislagen = {naam: laag.get_name() for naam, laag in basislagen.items()}
        for laag in basislagen.values():
            laag.control = False
            if not laag.show:
                self.layers_untoggle.add(laag.get_name())


def _veld_config(v: Veld) -> dict[str, Any]:
    out: dict[str, Any] = {"naam": v.naam, "label": label(v.naam), "type": v.type, "omschrijving": v.omschrijving}
    if v.verplicht:
        out["verplicht"] = True
    if v.systeem:
        out["systeem"] = True
    if v.codes is not None:
        out["codes"] = list(v.codes)
    if v.minimum is not None:
        out["minimum"] = v.minimum
    if v.maximum is not None:
        out["maximum"] = v.maximum
    if v.type == "tekst":
        out["maxLengte"] = v.max_lengte
    return out


def _laagnaam(naam: str, titel: str) -> str:
    """Label in the layer control: a colour swatch, the title and a status slot for kaart.js.

    The control inserts the label as HTML; the title comes from the schema, never from users.
    """
    kleur = LAAGKLEUREN.get(naam, "#3388ff")
    return (
        f'<span class="kk-swatch kk-swatch-{naam}" style="background:{kleur}"></span>{html.escape(titel)}'
        f'<span class="kk-laagstatus" data-laag="{naam}"></span>'
    )


def _bron_html(deel: str) -> str:
    """One attribution part as HTML for Leaflet's attribution control (a URL becomes a "licentie" link)."""
    tekst = html.escape(deel.strip())
    return _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" rel="noopener">licentie</a>', tekst)


def _attributie_html(naam: str, *, voorbeelddata: bool) -> list[str]:
    """The attribution parts of a layer as HTML for Leaflet's attribution control (links for URLs)."""
    return [_bron_html(deel) for deel in attributie(naam, werkruimte_voorbeelddata=voorbeelddata).split(SCHEIDING)]


BASISKAARTEN["osm"]["attributie"] = _bron_html(OSM.tekst)


# Loading: layers up to these sizes load once, whole; larger ones per bounding box of the view
# (and again after panning), at most ``_LIMIET_BBOX`` features at a time with a "zoom in" hint.
_ALLES_KANSEN = 2000
_ALLES_VLAKKEN = 500
_ALLES_KLEIN = 300
_LIMIET_BBOX = 1000


def _laden(laag: KaartLaag) -> dict[str, Any]:
    """How kaart.js loads a layer: all at once (small layers, kansen) or per bounding box."""
    if laag.naam == "kansen" and laag.aantal <= _ALLES_KANSEN:
        return {"wijze": "alles", "limiet": _ALLES_KANSEN}
    if laag.geometrietype == "MULTIPOLYGON" and laag.aantal <= _ALLES_VLAKKEN:
        return {"wijze": "alles", "limiet": _ALLES_VLAKKEN}
    if laag.aantal <= _ALLES_KLEIN:
        return {"wijze": "alles", "limiet": _ALLES_KLEIN}
    return {"wijze": "bbox", "limiet": _LIMIET_BBOX}


def bouw_kaart(info: KaartInfo) -> tuple[folium.Map, dict[str, Any]]:
    """Build the folium map skeleton and the configuration for ``kaart.js``.

    Parameters
    ----------
    info
        Workspace facts: extent, stored layers, gemeenten.

    Returns
    -------
    (folium.Map, dict)
        The map (empty feature groups, no data) and the JSON-serialisable configuration
        with the JavaScript names of the map, the groups and the drawing tools.
    """
    js, css = _vendor(info.static_basis)
    # zoomSnap 0.5: the workspace fills the screen better than with whole zoom levels only.
    kaart = _Kaart(location=None, tiles=None, zoom_start=8, control_scale=False, prefer_canvas=False, zoom_snap=0.5)
    kaart.default_js = js
    kaart.default_css = css
    if info.bbox is not None:
        w, s, e, n = info.bbox
        kaart.fit_bounds([[s, w], [n, e]], padding=(24, 24))
    else:
        kaart.location = [52.2, 5.3]

    standaard = info.basiskaart or ("pdok" if in_nederland(info.bbox) else "osm")
    basislagen: dict[str, folium.map.Layer] = {}
    for sleutel, b in BASISKAARTEN.items():
        tegel = folium.TileLayer(
            tiles=b["url"],
            attr=b["attributie"],
            name=b["naam"],
            max_zoom=b["max_zoom"],
            max_native_zoom=b["max_zoom"],
            subdomains="",
            show=sleutel == standaard,
            error_tile_url=_TRANSPARANT_PIXEL,
        )
        tegel.add_to(kaart)
        basislagen[b["naam"]] = tegel
    leeg = folium.FeatureGroup(name=GEEN_ACHTERGROND, overlay=False, show=standaard == "geen")
    leeg.add_to(kaart)
    basislagen[GEEN_ACHTERGROND] = leeg

    groepen: dict[str, list[folium.map.Layer]] = {g: [] for g in GROEPEN}
    lagen_cfg: list[dict[str, Any]] = []
    for kl in info.lagen:
        schema = kl.schema
        fg = folium.FeatureGroup(name=_laagnaam(kl.naam, schema.titel), show=kl.naam in STANDAARD_ZICHTBAAR)
        fg.add_to(kaart)
        groepen.setdefault(schema.groep, []).append(fg)
        lagen_cfg.append(
            {
                "naam": kl.naam,
                "titel": schema.titel,
                "groep": schema.groep,
                "omschrijving": schema.omschrijving,
                "variabele": fg.get_name(),
                "aantal": kl.aantal,
                "geometrie": kl.geometrietype,
                "afgeleid": schema.afgeleid,
                "kleur": LAAGKLEUREN.get(kl.naam, "#3388ff"),
                "attributie": _attributie_html(kl.naam, voorbeelddata=info.voorbeelddata),
                "velden": [_veld_config(v) for v in schema.velden],
                "berekendOp": kl.berekend_op,
                "gewijzigd": None if kl.gewijzigd is None else list(kl.gewijzigd),
                **_laden(kl),
            }
        )

    getekend = folium.FeatureGroup(name="Getekend", control=False)
    getekend.add_to(kaart)
    tekenen = folium.plugins.Draw(
        feature_group=getekend,
        position="topleft",
        show_geometry_on_click=False,
        draw_options={
            "polyline": False,
            "rectangle": False,
            "circle": False,
            "circlemarker": False,
            "marker": True,
            "polygon": {"allowIntersection": False, "showArea": False},
        },
        edit_options={"edit": False, "remove": False},
    )
    tekenen.default_js = [("leaflet_draw_js", f"{info.static_basis}/vendor/leaflet-draw/leaflet.draw.js")]
    tekenen.default_css = [("leaflet_draw_css", f"{info.static_basis}/vendor/leaflet-draw/leaflet.draw.css")]
    tekenen.add_to(kaart)

    _Schaalbalk().add_to(kaart)
    keuze = _Lagenkeuze(basislagen, {g: lagen for g, lagen in groepen.items() if lagen})
    keuze.default_js = [
        (
            "leaflet.groupedlayercontrol.min.js",
            f"{info.static_basis}/vendor/leaflet-groupedlayercontrol/leaflet.groupedlayercontrol.min.js",
        )
    ]
    keuze.default_css = [
        (
            "leaflet.groupedlayercontrol.min.css",
            f"{info.static_basis}/vendor/leaflet-groupedlayercontrol/leaflet.groupedlayercontrol.min.css",
        )
    ]
    keuze.add_to(kaart)

    config: dict[str, Any] = {
        "kaart": kaart.get_name(),
        "getekend": getekend.get_name(),
        "basislagen": {naam: laag.get_name() for naam, laag in basislagen.items()},
        "api": info.api_basis,
        "zoekExport": f"{info.api_basis}/query/export",
        "monitor": info.monitor_url,
        "regio": info.regio,
        "voorbeelddata": info.voorbeelddata,
        "lagen": lagen_cfg,
        "gemeenten": [{"code": c, "naam": n} for c, n in info.gemeenten],
        "codes": {
            "soort": list(SOORTEN_KANS),
            "doelgroep": list(DOELGROEPEN),
            "status": list(STATUSSEN),
            "categorie": list(CATEGORIEEN),
        },
        "stijl": {
            "doelgroep": DOELGROEPKLEUREN,
            "status": STATUSSTIJLEN,
            "banden": [{"tot": t, "kleur": k, "label": lab} for t, k, lab in BANDKLEUREN],
            "score": [{"waarde": w, "kleur": k} for w, k in SCOREKLEUREN],
        },
    }
    return kaart, config


def _json_script(data: Mapping[str, Any]) -> Markup:
    """JSON safe to place inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def kaart_html(info: KaartInfo) -> str:
    """Render the map page for ``info`` (``web/templates/kaart.html`` around the folium map).

    Parameters
    ----------
    info
        Workspace facts; see :class:`KaartInfo`.

    Returns
    -------
    str
        A complete HTML document. It contains no layer data: ``kaart.js`` loads the layers
        from the API after the page has opened.
    """
    kaart, config = bouw_kaart(info)
    figuur = kaart.get_root()
    assert isinstance(figuur, Figure)
    figuur.render()
    # folium's header sets maximum-scale=1 and user-scalable=no, which stops people from enlarging
    # the page (WCAG 1.4.4, required for Dutch government sites); kaart.html sets its own viewport.
    kop = _VIEWPORT.sub("", figuur.header.render())
    return _templates().get_template("kaart.html").render(
        info=info,
        folium_kop=Markup(kop),
        folium_kaart=Markup(figuur.html.render()),
        folium_script=Markup(figuur.script.render()),
        config=_json_script(config),
        static=info.static_basis,
        start=info.api_basis.removesuffix("/api") + "/",
    )
