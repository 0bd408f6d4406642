/*
 * kansenkaart — web map.
 *
 * The page is a folium skeleton (map, base layers, empty feature groups per layer, drawing
 * tools, grouped layer control). This script fills it:
 *   - loads the layers from the OGC API Features endpoints (/api/collections/{laag}/items)
 *     by bounding box, only for visible layers, and again after panning/zooming;
 *   - styles them, builds popups (user text only through textContent) and the legend;
 *   - the kans form: create (after drawing), edit, move, soft delete, history;
 *   - the planner's query panel (/api/query) and the export panel;
 *   - the header: who is logged in (GET /api/aanmelding) and "Uitloggen" (POST /logout with the
 *     CSRF token), or "Aanmelden" when reading is open without login.
 * Configuration comes from <script type="application/json" id="kaart-config">, written by
 * kansenkaart/kaart.py from the layer schemas: no code list is hard-coded here.
 *
 * State for tests and for the console: window.kansenkaart; window.kansenkaartKlaar is true
 * once the first visible layers are drawn.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------ Dutch texts of Leaflet.draw
  // Must run before folium's script creates the draw control (this file loads in <head>).
  if (window.L && L.drawLocal) {
    var d = L.drawLocal.draw;
    d.toolbar.actions = { title: 'Tekenen annuleren', text: 'Annuleren' };
    d.toolbar.finish = { title: 'Tekenen afronden', text: 'Afronden' };
    d.toolbar.undo = { title: 'Laatste punt verwijderen', text: 'Laatste punt verwijderen' };
    d.toolbar.buttons.polygon = 'Kans als vlak tekenen';
    d.toolbar.buttons.marker = 'Kans als punt tekenen';
    d.handlers.marker.tooltip.start = 'Klik op de kaart om de kans te plaatsen.';
    d.handlers.polygon.tooltip = {
      start: 'Klik om het vlak te beginnen.',
      cont: 'Klik om verder te tekenen.',
      end: 'Klik op het eerste punt om het vlak te sluiten.'
    };
    d.handlers.polyline.error = '<strong>Fout:</strong> de randen mogen elkaar niet kruisen!';
    var e = L.drawLocal.edit;
    e.toolbar.actions.save = { title: 'Wijzigingen bewaren', text: 'Bewaren' };
    e.toolbar.actions.cancel = { title: 'Bewerken annuleren', text: 'Annuleren' };
    e.toolbar.actions.clearAll = { title: 'Alles wissen', text: 'Alles wissen' };
    e.handlers.edit.tooltip = { text: 'Versleep de punten om de vorm te wijzigen.', subtext: '' };
  }

  var K = (window.kansenkaart = { klaar: false, lagen: {}, bezig: 0, fouten: [] });
  window.kansenkaartKlaar = false;

  var KANS_VELDEN = ['naam', 'soort', 'doelgroep', 'aantal_woningen', 'status', 'opleverjaar', 'partners',
    'toelichting'];
  var GEHELE_TYPEN = ['geheel', 'jaar'];
  var ZOEK_DOWNLOADS = [['geojson', 'GeoJSON'], ['gpkg', 'GeoPackage'], ['csv', 'CSV']];
  var cfg, kaart;

  // ------------------------------------------------------------------ small helpers

  function $(id) { return document.getElementById(id); }

  /** Create an element; strings become text nodes (never HTML). */
  function el(tag, attrs) {
    var n = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'tekst') n.textContent = v;
        else if (k === 'klasse') n.className = v;
        else if (k.slice(0, 2) === 'op') n.addEventListener(k.slice(2), v);
        else n.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return n;
  }

  function leeg(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }

  function toon(n, aan) { if (n) n.hidden = !aan; }

  var GETAL = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 2 });
  var DATUMTIJD = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'medium', timeStyle: 'short' });

  function datumTijd(iso) {
    if (!iso) return '';
    var t = new Date(iso);
    return isNaN(t.getTime()) ? String(iso) : DATUMTIJD.format(t);
  }

  function veldVan(laag, naam) {
    var l = cfg.lagenOpNaam[laag];
    if (!l) return null;
    for (var i = 0; i < l.velden.length; i++) if (l.velden[i].naam === naam) return l.velden[i];
    return null;
  }

  function labelVan(laag, naam) {
    var v = veldVan(laag, naam);
    if (v) return v.label;
    var s = String(naam).replace(/_m$/, ' (m)').replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function gemeenteNaam(code) {
    if (!code) return '';
    for (var i = 0; i < cfg.gemeenten.length; i++) {
      if (cfg.gemeenten[i].code === code) return cfg.gemeenten[i].naam + ' (' + code + ')';
    }
    return String(code);
  }

  function waardeTekst(laag, naam, v) {
    if (v === null || v === undefined || v === '') return '';
    var veld = veldVan(laag, naam);
    var type = veld ? veld.type : null;
    if (typeof v === 'boolean') return v ? 'ja' : 'nee';
    if (naam === 'gemeentecode') return gemeenteNaam(v);
    if (type === 'datumtijd') return datumTijd(v);
    if (type === 'jaar' || naam === 'id') return String(v);
    if (typeof v === 'number') return GETAL.format(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function melding(tekst, soort) {
    var m = $('kk-melding');
    m.textContent = tekst;
    m.className = 'kk-melding ' + (soort === 'ok' ? 'kk-melding-ok' : 'kk-melding-fout');
    toon(m, true);
    clearTimeout(melding.t);
    melding.t = setTimeout(function () { toon(m, false); }, soort === 'ok' ? 4000 : 9000);
  }

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') || '' : '';
  }

  /**
   * Call the API. Resolves to {status, ok, body, etag, headers}; a network failure gives
   * status 0. Writes carry the CSRF token and the session cookie.
   */
  function api(pad, opties) {
    opties = opties || {};
    var methode = opties.method || 'GET';
    var headers = { Accept: opties.accept || 'application/geo+json, application/json' };
    if (methode !== 'GET' && methode !== 'HEAD') headers['X-CSRF-Token'] = csrfToken();
    if (opties.body !== undefined) headers['Content-Type'] = opties.contentType || 'application/json';
    if (opties.ifMatch) headers['If-Match'] = opties.ifMatch;
    var url = /^https?:/.test(pad) ? pad : cfg.api + pad;
    K.bezig++;
    return fetch(url, {
      method: methode,
      headers: headers,
      credentials: 'same-origin',
      body: opties.body === undefined ? undefined : JSON.stringify(opties.body),
      signal: opties.signal
    }).then(function (r) {
      var type = r.headers.get('Content-Type') || '';
      var lees = /json/.test(type) ? r.json().catch(function () { return null; }) : r.text().then(function () { return null; });
      return lees.then(function (body) {
        return { status: r.status, ok: r.ok, body: body, etag: r.headers.get('ETag'), headers: r.headers };
      });
    }, function (err) {
      if (err && err.name === 'AbortError') throw err;
      return { status: 0, ok: false, body: null, etag: null, headers: null };
    }).finally(function () { K.bezig--; });
  }

  /** A Dutch message for a failed API answer. */
  function foutTekst(r) {
    if (r.status === 0) return 'Geen verbinding met de server. Uw invoer is bewaard; probeer het opnieuw.';
    if (r.status === 401) {
      return 'U bent niet (meer) aangemeld. Meld u aan (in een ander tabblad: ' + loginUrl() +
        ') en probeer het opnieuw; uw invoer is bewaard.';
    }
    if (r.status === 403) {
      // The server names the reason, e.g. the gemeente the user may not edit, or a stale CSRF token.
      return (r.body && r.body.description) || 'U heeft geen rechten voor deze handeling. Vraag de beheerder om toegang.';
    }
    if (r.body && r.body.description) return r.body.description;
    return 'Er ging iets mis (' + r.status + '). Probeer het opnieuw.';
  }

  function loginUrl() {
    return (K.aanmelding && K.aanmelding.login_url) || (cfg.api.replace(/\/api$/, '') + '/login');
  }

  // ------------------------------------------------------------------ who is logged in (header)

  /** Show the user and an "Uitloggen" button (a POST form with the CSRF token) in the header. */
  function initAanmelding() {
    var vak = $('kk-gebruiker');
    if (!vak) return;
    api('/aanmelding', { accept: 'application/json' }).then(function (r) {
      if (!r.ok || !r.body) return;
      var a = K.aanmelding = r.body;
      leeg(vak);
      if (a.aangemeld) {
        var rol = a.rol + (a.gemeenten && a.gemeenten.length ? ' ' + a.gemeenten.map(gemeenteNaam).join(', ') : '');
        vak.appendChild(el('span', { klasse: 'kk-gebruiker-naam', id: 'kk-gebruiker-naam', title: rol },
          el('span', { klasse: 'kk-verborgen' }, 'Aangemeld als '), a.naam));
        vak.appendChild(el('span', { klasse: 'kk-gebruiker-rol', id: 'kk-gebruiker-rol' }, ' (' + a.rol + ')'));
        if (a.via === 'sessie') {
          vak.appendChild(el('form', { method: 'post', action: a.logout_url, klasse: 'kk-uitloggen' },
            el('input', { type: 'hidden', name: 'csrf_token', value: csrfToken() }),
            el('button', { type: 'submit', klasse: 'kk-knop kk-knop-licht', id: 'kk-uitloggen' }, 'Uitloggen')));
        }
      } else {
        vak.appendChild(el('a', { href: a.login_url, id: 'kk-aanmelden', klasse: 'kk-knop kk-knop-licht' }, 'Aanmelden'));
      }
      document.documentElement.setAttribute('data-mag-schrijven', a.mag_schrijven ? 'ja' : 'nee');
    });
  }

  // ------------------------------------------------------------------ styles

  function scoreKleur(score) {
    var stops = cfg.stijl.score;
    if (score === null || score === undefined || isNaN(score)) return '#bdbdbd';
    if (score <= stops[0].waarde) return stops[0].kleur;
    for (var i = 1; i < stops.length; i++) {
      if (score <= stops[i].waarde) {
        var a = stops[i - 1], b = stops[i];
        var f = (score - a.waarde) / (b.waarde - a.waarde);
        return mengKleur(a.kleur, b.kleur, f);
      }
    }
    return stops[stops.length - 1].kleur;
  }

  function mengKleur(a, b, f) {
    function rgb(h) { return [1, 3, 5].map(function (i) { return parseInt(h.slice(i, i + 2), 16); }); }
    var x = rgb(a), y = rgb(b);
    return '#' + x.map(function (v, i) {
      var c = Math.round(v + (y[i] - v) * f).toString(16);
      return c.length < 2 ? '0' + c : c;
    }).join('');
  }

  function bandKleur(tot) {
    var banden = cfg.stijl.banden;
    for (var i = 0; i < banden.length; i++) {
      if (banden[i].tot === null || (tot !== null && tot !== undefined && tot <= banden[i].tot)) return banden[i].kleur;
    }
    return banden[banden.length - 1].kleur;
  }

  /**
   * Walking distance that colours a bereikbaarheid row: to the voorziening chosen in the legend,
   * else to the farthest one (all of them lie within that distance). Locations carry
   * afstand_<categorie>_m, areas gem_afstand_<categorie>_m (vlekkenplan engine).
   */
  function afstandVan(p) {
    var cat = K.lagen.bereikbaarheid && K.lagen.bereikbaarheid.categorie;
    if (cat) {
      var a = p['afstand_' + cat + '_m'], g = p['gem_afstand_' + cat + '_m'];
      return typeof a === 'number' ? a : (typeof g === 'number' ? g : null);
    }
    var max = null;
    Object.keys(p).forEach(function (k) {
      if (/^(gem_)?afstand_.+_m$/.test(k) && typeof p[k] === 'number' && (max === null || p[k] > max)) max = p[k];
    });
    return max;
  }

  function stijl(laag, feature) {
    var p = feature.properties || {};
    var l = cfg.lagenOpNaam[laag];
    var kleur = l.kleur;
    if (laag === 'kansen') {
      var st = cfg.stijl.status[p.status] || {};
      var k = st.kleur || cfg.stijl.doelgroep[p.doelgroep] || '#555555';
      return { color: '#222222', weight: 2.5, fillColor: k, fillOpacity: st.fillOpacity === undefined ? 0.6 : st.fillOpacity,
        dashArray: st.dashArray || null, radius: 9, pane: 'kk-kansen' };
    }
    if (laag === 'vlekkenplan') {
      return { color: bandKleur(p.band_tot_m), weight: 0.5, fillColor: bandKleur(p.band_tot_m), fillOpacity: 0.45,
        pane: 'kk-vlakken' };
    }
    if (laag === 'bereikbaarheid') {
      var a = afstandVan(p);
      var bk = a === null ? kleur : bandKleur(a);
      return { color: bk, weight: 1, fillColor: bk, fillOpacity: 0.5, radius: 5, pane: 'kk-vlakken' };
    }
    if (laag === 'geschiktheid') {
      var sk = scoreKleur(typeof p.score === 'number' ? p.score : parseFloat(p.score));
      return { color: '#444444', weight: 0.6, fillColor: sk, fillOpacity: 0.7, radius: 6, pane: 'kk-vlakken' };
    }
    if (l.groep === 'Gebieden') {
      var dik = { gemeenten: 2.5, wijken: 1.5, buurten: 1 }[laag] || 1;
      return { color: kleur, weight: dik, fill: false, dashArray: laag === 'buurten' ? '4 3' : null, pane: 'kk-gebieden' };
    }
    return { color: '#ffffff', weight: 1, fillColor: kleur, fillOpacity: 0.9, radius: 6, pane: 'kk-punten' };
  }

  // ------------------------------------------------------------------ popups

  function popupInhoud(laag, feature) {
    var p = feature.properties || {};
    var l = cfg.lagenOpNaam[laag];
    var titel = p.naam || p.categorie || l.titel;
    var tabel = el('table', { klasse: 'kk-popup-tabel' });
    var getoond = {};
    var velden = l.velden.filter(function (v) { return !v.systeem && v.naam !== 'naam'; }).map(function (v) { return v.naam; });
    Object.keys(p).forEach(function (k) { if (velden.indexOf(k) < 0 && !veldVan(laag, k)) velden.push(k); });
    velden.forEach(function (k) {
      if (getoond[k]) return;
      getoond[k] = true;
      var t = waardeTekst(laag, k, p[k]);
      if (t === '') return;
      var v = veldVan(laag, k);
      tabel.appendChild(el('tr', null, el('th', { scope: 'row', title: v ? v.omschrijving : null, tekst: labelVan(laag, k) }),
        el('td', { tekst: t })));
    });
    var inhoud = el('div', { klasse: 'kk-popup', 'data-laag': laag, 'data-id': feature.id },
      el('div', { klasse: 'kk-popup-laag', tekst: l.titel }),
      el('h3', { tekst: String(titel) }),
      tabel);
    if (laag === 'kansen') {
      if (p.gewijzigd_door || p.gewijzigd_op) {
        inhoud.appendChild(el('p', { klasse: 'kk-popup-gewijzigd',
          tekst: 'Laatst gewijzigd door ' + (p.gewijzigd_door || 'onbekend') + ' op ' + datumTijd(p.gewijzigd_op) }));
      }
      inhoud.appendChild(el('div', { klasse: 'kk-knoppen' },
        el('button', { type: 'button', klasse: 'kk-knop kk-popup-bewerken', tekst: 'Bewerken',
          opclick: function () { kaart.closePopup(); bewerkKans(feature.id); } }),
        el('button', { type: 'button', klasse: 'kk-knop kk-knop-licht kk-popup-historie', tekst: 'Historie',
          opclick: function () { kaart.closePopup(); bewerkKans(feature.id).then(toonHistorie); } })));
    }
    if (cfg.voorbeelddata) inhoud.appendChild(el('p', { klasse: 'kk-popup-voorbeeld', tekst: 'Voorbeelddata — geen echte gegevens' }));
    return inhoud;
  }

  // ------------------------------------------------------------------ layers

  function nieuweLaag(l) {
    var groep = window[l.variabele];
    var s = {
      cfg: l, groep: groep, geladen: false, bbox: null, volledig: false, totaal: null, controller: null,
      filters: {}, kenmerk: 0,
      geojson: L.geoJSON(null, {
        pointToLayer: function (f, ll) { return L.circleMarker(ll, stijl(l.naam, f)); },
        style: function (f) { return stijl(l.naam, f); },
        onEachFeature: function (f, laag) {
          laag.feature = f;
          laag.bindPopup(function () { return popupInhoud(l.naam, f); }, { maxWidth: 360, minWidth: 220 });
        }
      })
    };
    // The vlekkenplan shows one voorziening at a time (bands of several overlap into a blur);
    // the legend offers the others and "alle voorzieningen".
    if (l.naam === 'vlekkenplan' && cfg.codes.categorie.length) s.filters.categorie = cfg.codes.categorie[0];
    s.geojson.addTo(groep);
    return s;
  }

  function zichtbaar(s) { return kaart.hasLayer(s.groep); }

  function laadBox() {
    return kaart.getBounds().pad(0.25);
  }

  function bboxTekst(b) {
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(',');
  }

  /** Load a layer if it is visible and its data does not cover the view yet (or always with forceer). */
  function laadLaag(naam, forceer) {
    var s = K.lagen[naam];
    if (!s || !zichtbaar(s)) return Promise.resolve(false);
    var l = s.cfg;
    if (!forceer && !s.geladen && l.aantal === 0 && naam !== 'kansen') {
      s.geladen = true;  // empty when the page was made (imports need a reload); kansen may be added here
      return Promise.resolve(false);
    }
    if (!forceer && s.geladen) {
      if (l.wijze === 'alles') return Promise.resolve(false);
      if (s.volledig && s.bbox && s.bbox.contains(kaart.getBounds())) return Promise.resolve(false);
    }
    if (s.controller) s.controller.abort();
    var controller = (s.controller = new AbortController());
    var params = new URLSearchParams();
    params.set('limit', String(l.limiet));
    var box = null;
    if (l.wijze === 'bbox') {
      box = laadBox();
      params.set('bbox', bboxTekst(box));
    }
    Object.keys(s.filters).forEach(function (k) { if (s.filters[k]) params.set(k, s.filters[k]); });
    var kenmerk = ++s.kenmerk;
    zetLaden(1);
    return api('/collections/' + encodeURIComponent(naam) + '/items?' + params.toString(), { signal: controller.signal })
      .then(function (r) {
        if (kenmerk !== s.kenmerk) return false;
        if (!r.ok) {
          K.fouten.push(naam + ': ' + r.status);
          laagStatus(naam, 'niet geladen');
          if (r.status === 401 || r.status === 403) melding(foutTekst(r));
          return false;
        }
        var fc = r.body || { features: [] };
        var features = fc.features || [];
        if (naam === 'vlekkenplan') {
          // Wide bands first, so the nearest (smallest) band is drawn on top.
          features = features.slice().sort(function (a, b) {
            return (b.properties.band_tot_m || 0) - (a.properties.band_tot_m || 0);
          });
        }
        s.geojson.clearLayers();
        s.geojson.addData({ type: 'FeatureCollection', features: features });
        s.geladen = true;
        s.bbox = box;
        s.totaal = typeof fc.numberMatched === 'number' ? fc.numberMatched : null;
        s.volledig = s.totaal === null ? features.length < l.limiet : features.length >= s.totaal;
        if (!s.volledig) {
          laagStatus(naam, features.length + ' van ' + (s.totaal === null ? 'meer' : s.totaal) + ' — zoom in');
        } else {
          laagStatus(naam, '');
        }
        if (naam === 'kansen') kansenAantal(features.length);
        if (zoek.ids) markeerZoekresultaat();
        return true;
      }, function (err) {
        if (err && err.name === 'AbortError') return false;
        throw err;
      })
      .finally(function () {
        if (s.controller === controller) s.controller = null;
        zetLaden(-1);
      });
  }

  var laden = 0;
  function zetLaden(d) {
    laden += d;
    toon($('kk-laden'), laden > 0);
  }

  function laagStatus(naam, tekst) {
    var n = document.querySelector('.kk-laagstatus[data-laag="' + naam + '"]');
    if (n) n.textContent = tekst ? ' (' + tekst + ')' : '';
  }

  function laadZichtbare(forceer) {
    return Promise.all(Object.keys(K.lagen).map(function (n) { return laadLaag(n, forceer); }));
  }

  K.aantalOpKaart = function (naam) {
    var s = K.lagen[naam];
    return s && zichtbaar(s) ? s.geojson.getLayers().length : 0;
  };
  K.idsOpKaart = function (naam) {
    var s = K.lagen[naam];
    return s ? s.geojson.getLayers().map(function (x) { return x.feature.id; }) : [];
  };
  K.herlaad = function (naam) { return naam ? laadLaag(naam, true) : laadZichtbare(true); };
  K.zichtbaar = function (naam) { return !!K.lagen[naam] && zichtbaar(K.lagen[naam]); };

  // ------------------------------------------------------------------ legend

  function legendaControl() {
    var c = L.control({ position: 'bottomleft' });
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'kk-legenda leaflet-control');
      div.id = 'kk-legenda';
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return c;
  }

  function symbool(kleur, vorm, extra) {
    var s = el('span', { klasse: 'kk-symbool kk-symbool-' + (vorm || 'punt') });
    s.style.background = kleur;
    if (extra) Object.keys(extra).forEach(function (k) { s.style[k] = extra[k]; });
    return s;
  }

  function werkLegendaBij() {
    var div = $('kk-legenda');
    if (!div) return;
    leeg(div);
    div.appendChild(el('h2', { tekst: 'Legenda' }));
    var iets = false;
    var punten = null;
    cfg.lagen.forEach(function (l) {
      var s = K.lagen[l.naam];
      if (!s || !zichtbaar(s)) return;
      iets = true;
      var blok = el('div', { klasse: 'kk-legenda-blok', 'data-laag': l.naam }, el('h3', { tekst: l.titel }));
      var lijst = el('ul');
      if (l.naam === 'kansen') {
        cfg.codes.doelgroep.forEach(function (d) {
          lijst.appendChild(el('li', null, symbool(cfg.stijl.doelgroep[d], 'punt'), d));
        });
        blok.appendChild(lijst);
        var st = el('ul', { klasse: 'kk-legenda-status' });
        cfg.codes.status.forEach(function (naam) {
          var x = cfg.stijl.status[naam] || {};
          var sym = symbool(x.kleur || '#777777', 'punt', { opacity: String(x.fillOpacity || 0.6) });
          if (x.dashArray) sym.classList.add('kk-symbool-gestippeld');
          st.appendChild(el('li', null, sym, naam));
        });
        blok.appendChild(el('p', { klasse: 'kk-legenda-sub', tekst: 'Status (vulling en rand):' }));
        blok.appendChild(st);
      } else if (l.naam === 'vlekkenplan' || l.naam === 'bereikbaarheid') {
        cfg.stijl.banden.forEach(function (b) {
          lijst.appendChild(el('li', null, symbool(b.kleur, 'vlak'), 'loopafstand ' + b.label));
        });
        blok.appendChild(lijst);
        blok.appendChild(voorzieningKeuze(l.naam));
        if (l.berekendOp) {
          blok.appendChild(el('p', { klasse: 'kk-legenda-sub kk-berekend', tekst: 'Berekend op ' + datumTijd(l.berekendOp) }));
        }
        if (l.gewijzigd && l.gewijzigd.length) {
          blok.appendChild(el('p', { klasse: 'kk-legenda-verouderd', role: 'status',
            tekst: 'Verouderd: de voorzieningen (' + l.gewijzigd.join(', ') + ') zijn gewijzigd sinds deze ' +
              'berekening. Draai \'kansenkaart vlekkenplan\' opnieuw.' }));
        }
      } else if (l.naam === 'geschiktheid') {
        var balk = el('div', { klasse: 'kk-schaal' });
        balk.style.background = 'linear-gradient(to right, ' + cfg.stijl.score.map(function (x) {
          return x.kleur + ' ' + x.waarde + '%';
        }).join(', ') + ')';
        blok.appendChild(balk);
        blok.appendChild(el('div', { klasse: 'kk-schaal-labels' }, el('span', { tekst: '0 (minder geschikt)' }),
          el('span', { tekst: '100 (geschikt)' })));
      } else if (l.groep === 'Gebieden') {
        lijst.appendChild(el('li', null, symbool('transparent', 'rand', { borderColor: l.kleur }), 'grens'));
        blok.appendChild(lijst);
      } else {
        // Simple point layers share one compact block.
        if (!punten) {
          punten = el('ul', { klasse: 'kk-legenda-punten' });
          div.appendChild(el('div', { klasse: 'kk-legenda-blok', 'data-laag': 'punten' }, punten));
        }
        punten.appendChild(el('li', { 'data-laag': l.naam, title: l.omschrijving }, symbool(l.kleur, 'punt'), l.titel));
        return;
      }
      div.appendChild(blok);
    });
    if (zoek.ids) {
      div.appendChild(el('div', { klasse: 'kk-legenda-blok' }, el('h3', { tekst: 'Zoekresultaat' }),
        el('ul', null, el('li', null, symbool('transparent', 'halo'), 'gevonden object'))));
      iets = true;
    }
    if (!iets) div.appendChild(el('p', { tekst: 'Zet een laag aan in de lagenlijst.' }));
  }

  /**
   * Choice of voorziening in the legend: a property filter for the vlekkenplan (one set of
   * bands at a time), the distance column that colours bereikbaarheid.
   */
  function voorzieningKeuze(naam) {
    var s = K.lagen[naam];
    var sel = el('select', { id: 'kk-' + naam + '-categorie', 'aria-label': 'Voorziening voor ' + s.cfg.titel },
      el('option', { value: '', tekst: naam === 'vlekkenplan' ? 'alle voorzieningen' : 'de verste voorziening' }));
    cfg.codes.categorie.forEach(function (c) { sel.appendChild(el('option', { value: c, tekst: c })); });
    sel.value = (naam === 'vlekkenplan' ? s.filters.categorie : s.categorie) || '';
    sel.addEventListener('change', function () {
      if (naam === 'vlekkenplan') {
        s.filters.categorie = sel.value;
        laadLaag(naam, true);
      } else {
        s.categorie = sel.value;
        s.geojson.eachLayer(function (x) { s.geojson.resetStyle(x); });
      }
    });
    return el('label', { klasse: 'kk-legenda-keuze' }, 'Voorziening: ', sel);
  }

  // ------------------------------------------------------------------ background tiles

  function bewaakAchtergrond() {
    var notice = $('kk-melding-achtergrond');
    var actief = null;
    var status = {};
    function werkBij() {
      var st = actief && status[L.stamp(actief)];
      toon(notice, !!(st && st.fout > 0 && st.goed === 0));
    }
    Object.keys(cfg.basislagen).forEach(function (naam) {
      var laag = window[cfg.basislagen[naam]];
      if (!laag || !laag.on) return;
      var st = (status[L.stamp(laag)] = { fout: 0, goed: 0 });
      if (laag instanceof L.TileLayer) {
        laag.on('tileerror', function () { st.fout++; werkBij(); });
        laag.on('tileload', function (e) {
          // A failed tile is replaced by the transparent errorTileUrl, whose 'load' is no success.
          var src = e.tile && e.tile.getAttribute('src');
          if (src && src.slice(0, 5) === 'data:') return;
          st.goed++;
          werkBij();
        });
      }
      if (kaart.hasLayer(laag)) {
        actief = laag;
        // Tiles may have failed (or loaded) before this script ran: count what is there.
        var c = laag.getContainer && laag.getContainer();
        if (c) {
          c.querySelectorAll('img.leaflet-tile').forEach(function (img) {
            var src = img.getAttribute('src') || '';
            if (src.slice(0, 5) === 'data:') st.fout++;
            else if (img.complete && img.naturalWidth > 0) st.goed++;
          });
        }
      }
    });
    werkBij();
    kaart.on('baselayerchange', function (e) { actief = e.layer; werkBij(); });
    K.achtergrondFout = function () { return !notice.hidden; };
  }

  // ------------------------------------------------------------------ kansen filter

  function vulSelect(sel, opties) {
    opties.forEach(function (o) {
      var waarde = typeof o === 'string' ? o : o.code;
      var tekst = typeof o === 'string' ? o : o.naam + ' (' + o.code + ')';
      sel.appendChild(el('option', { value: waarde, tekst: tekst }));
    });
  }

  function kansenAantal(n) {
    var s = K.lagen.kansen;
    var gefilterd = s && Object.keys(s.filters).some(function (k) { return s.filters[k]; });
    $('kk-filter-aantal').textContent = n + (n === 1 ? ' kans' : ' kansen') + ' op de kaart' + (gefilterd ? ' (gefilterd)' : '') + '.';
  }

  function initFilter() {
    vulSelect($('kk-filter-gemeentecode'), cfg.gemeenten);
    vulSelect($('kk-filter-doelgroep'), cfg.codes.doelgroep);
    vulSelect($('kk-filter-status'), cfg.codes.status);
    var form = $('kk-filter');
    function pasToe() {
      var s = K.lagen.kansen;
      if (!s) return;
      ['gemeentecode', 'doelgroep', 'status'].forEach(function (k) { s.filters[k] = form.elements[k].value; });
      if (!zichtbaar(s)) kaart.addLayer(s.groep);
      laadLaag('kansen', true);
    }
    form.addEventListener('change', pasToe);
    form.addEventListener('reset', function () { setTimeout(pasToe, 0); });
    form.addEventListener('submit', function (e) { e.preventDefault(); pasToe(); });
  }

  // ------------------------------------------------------------------ tabs and panel

  function kiesTab(naam) {
    document.querySelectorAll('.kk-tabs [role=tab]').forEach(function (b) {
      var aan = b.getAttribute('data-tab') === naam;
      b.setAttribute('aria-selected', aan ? 'true' : 'false');
      toon($(b.getAttribute('aria-controls')), aan);
    });
    if ($('kk-paneel').hidden) zetPaneel(true);
  }

  function zetPaneel(aan) {
    $('kk-paneel').hidden = !aan;
    var knop = $('kk-paneel-knop');
    knop.setAttribute('aria-expanded', aan ? 'true' : 'false');
    knop.textContent = aan ? 'Paneel verbergen' : 'Paneel tonen';
    kaart.invalidateSize();
  }

  function initPaneel() {
    document.querySelectorAll('.kk-tabs [role=tab]').forEach(function (b) {
      b.addEventListener('click', function () { kiesTab(b.getAttribute('data-tab')); });
    });
    $('kk-paneel-knop').addEventListener('click', function () { zetPaneel($('kk-paneel').hidden); });
  }

  // ------------------------------------------------------------------ kans form

  var form = { modus: null, id: null, etag: null, feature: null, geometrie: null, tekenlaag: null, verplaats: null };
  K.formulier = form;

  function initKansFormulier() {
    var vak = $('kk-kans-velden');
    KANS_VELDEN.forEach(function (naam) {
      var v = veldVan('kansen', naam);
      if (!v) return;
      var id = 'kk-kans-' + naam;
      var invoer;
      if (v.codes) {
        invoer = el('select', { id: id, name: naam }, el('option', { value: '', tekst: '— kies —' }));
        vulSelect(invoer, v.codes);
      } else if (GEHELE_TYPEN.indexOf(v.type) >= 0 || v.type === 'getal') {
        invoer = el('input', { id: id, name: naam, type: 'number', inputmode: 'numeric',
          min: v.minimum, max: v.maximum, step: v.type === 'getal' ? 'any' : 1 });
      } else if (naam === 'toelichting') {
        invoer = el('textarea', { id: id, name: naam, rows: 4, maxlength: v.maxLengte });
      } else {
        invoer = el('input', { id: id, name: naam, type: 'text', maxlength: v.maxLengte });
      }
      invoer.setAttribute('aria-describedby', id + '-fout ' + id + '-uitleg');
      if (v.verplicht) invoer.setAttribute('aria-required', 'true');
      vak.appendChild(el('div', { klasse: 'kk-veld', 'data-veld': naam },
        el('label', { for: id, tekst: v.label + (v.verplicht ? ' *' : '') }),
        invoer,
        el('small', { id: id + '-uitleg', klasse: 'kk-hulp', tekst: v.omschrijving }),
        el('div', { id: id + '-fout', klasse: 'kk-veldfout', hidden: true })));
    });
    vak.appendChild(el('p', { klasse: 'kk-hulp', tekst: '* verplicht' }));
    $('kk-kans').addEventListener('submit', function (e) { e.preventDefault(); slaKansOp(); });
    $('kk-kans-annuleren').addEventListener('click', sluitFormulier);
    $('kk-kans-verplaatsen').addEventListener('click', startVerplaatsen);
    $('kk-kans-historie-knop').addEventListener('click', toonHistorie);
    $('kk-kans-verwijderen').addEventListener('click', verwijderKans);
  }

  function invoer(naam) { return $('kk-kans-' + naam); }

  function wisFouten() {
    KANS_VELDEN.forEach(function (n) {
      var f = $('kk-kans-' + n + '-fout');
      if (f) { f.textContent = ''; f.hidden = true; }
      var i = invoer(n);
      if (i) i.removeAttribute('aria-invalid');
    });
    toon($('kk-kans-fout'), false);
    toon($('kk-conflict'), false);
  }

  function zetWaarden(props) {
    KANS_VELDEN.forEach(function (n) {
      var i = invoer(n);
      if (!i) return;
      var v = props ? props[n] : null;
      i.value = v === null || v === undefined ? '' : String(v);
    });
  }

  function leesWaarden() {
    var props = {};
    KANS_VELDEN.forEach(function (n) {
      var i = invoer(n);
      if (!i) return;
      var v = veldVan('kansen', n);
      var w = i.value.trim();
      if (w === '') props[n] = null;
      else if (GEHELE_TYPEN.indexOf(v.type) >= 0 && /^-?\d+$/.test(w)) props[n] = parseInt(w, 10);
      else if (v.type === 'getal' && !isNaN(Number(w))) props[n] = Number(w);
      else props[n] = w;
    });
    return props;
  }

  function toonGemeente(props) {
    var code = props && props.gemeentecode;
    $('kk-kans-gemeente').textContent = code ? gemeenteNaam(code) : (form.modus === 'nieuw'
      ? 'wordt bepaald uit de locatie' : 'onbekend (buiten de gemeenten van de regio)');
    var p = props || {};
    $('kk-kans-gewijzigd').textContent = p.gewijzigd_op
      ? 'Laatst gewijzigd door ' + (p.gewijzigd_door || 'onbekend') + ' op ' + datumTijd(p.gewijzigd_op) +
        ' (versie ' + p.versie + ').'
      : '';
  }

  function openFormulier(modus) {
    var wasNieuw = form.modus === 'nieuw';
    form.modus = modus;
    toon($('kk-kans-leeg'), false);
    toon($('kk-kans'), true);
    toon($('kk-historie'), false);
    toon($('kk-kans-bestaand'), modus === 'bewerk');
    toon($('kk-verplaats-uitleg'), false);
    $('kk-kans-titel').textContent = modus === 'nieuw' ? 'Nieuwe kans' : 'Kans bewerken';
    kiesTab('kans');
    return wasNieuw;
  }

  function sluitFormulier() {
    stopVerplaatsen(false);
    if (form.tekenlaag) { window[cfg.getekend].removeLayer(form.tekenlaag); }
    form.modus = form.id = form.etag = form.feature = form.geometrie = form.tekenlaag = null;
    wisFouten();
    zetWaarden(null);
    toon($('kk-kans'), false);
    toon($('kk-historie'), false);
    toon($('kk-kans-leeg'), true);
    $('kk-kans-titel').textContent = 'Kans';
  }

  /** A shape was drawn: start a new kans (typed values of an unsaved new kans are kept). */
  function nieuweKans(laag) {
    var getekend = window[cfg.getekend];
    if (form.modus === 'bewerk') sluitFormulier();
    if (form.tekenlaag && form.tekenlaag !== laag) getekend.removeLayer(form.tekenlaag);
    var behoud = openFormulier('nieuw');
    form.id = form.etag = form.feature = null;
    form.tekenlaag = laag;
    form.geometrie = laag.toGeoJSON().geometry;
    if (!behoud) { zetWaarden(null); wisFouten(); }
    toonGemeente(null);
    var eerste = invoer('naam');
    if (eerste && !eerste.value) eerste.focus();
  }
  K.nieuweKans = function (geometrie) {
    var laag = L.geoJSON(geometrie).getLayers()[0];
    window[cfg.getekend].addLayer(laag);
    nieuweKans(laag);
  };

  function laadKans(id) {
    return api('/collections/kansen/items/' + encodeURIComponent(id)).then(function (r) {
      if (!r.ok) { melding(foutTekst(r)); throw new Error('kans niet geladen'); }
      return r;
    });
  }

  function bewerkKans(id) {
    return laadKans(id).then(function (r) {
      stopVerplaatsen(false);
      if (form.tekenlaag) { window[cfg.getekend].removeLayer(form.tekenlaag); form.tekenlaag = null; }
      openFormulier('bewerk');
      wisFouten();
      vulUitServer(r.body, r.etag);
      return r.body;
    });
  }
  K.bewerkKans = bewerkKans;

  function vulUitServer(feature, etag) {
    form.feature = feature;
    form.id = feature.id;
    form.etag = etag || (feature.properties && feature.properties.versie !== undefined ? '"' + feature.properties.versie + '"' : null);
    form.geometrie = feature.geometry;
    zetWaarden(feature.properties);
    toonGemeente(feature.properties);
  }

  function toonVeldfouten(velden) {
    var rest = [];
    Object.keys(velden || {}).forEach(function (k) {
      var naam = k.replace(/^properties\./, '');
      var f = $('kk-kans-' + naam + '-fout');
      if (f) {
        f.textContent = String(velden[k]);
        f.hidden = false;
        invoer(naam).setAttribute('aria-invalid', 'true');
      } else {
        rest.push((naam === 'geometry' || naam === 'geometrie' ? 'Locatie' : labelVan('kansen', naam)) + ': ' + velden[k]);
      }
    });
    return rest;
  }

  function toonFormulierFout(tekst) {
    var f = $('kk-kans-fout');
    f.textContent = tekst;
    toon(f, true);
  }

  function gelijk(a, b) {
    var x = a === undefined || a === '' ? null : a, y = b === undefined || b === '' ? null : b;
    return String(x) === String(y);
  }

  /** The fields the user changed relative to the version the edit started from (a merge patch). */
  function mijnWijzigingen(props) {
    var basis = (form.feature && form.feature.properties) || {};
    var uit = {};
    KANS_VELDEN.forEach(function (n) { if (n in props && !gelijk(props[n], basis[n])) uit[n] = props[n]; });
    return uit;
  }

  function slaKansOp() {
    wisFouten();
    var props = leesWaarden();
    var slecht = KANS_VELDEN.filter(function (n) { var i = invoer(n); return i && i.validity && i.validity.badInput; });
    if (slecht.length) {
      var o = {};
      slecht.forEach(function (n) { o[n] = 'Vul een getal in.'; });
      toonVeldfouten(o);
      toonFormulierFout('Controleer de gemarkeerde velden. Uw invoer is bewaard.');
      return Promise.resolve(false);
    }
    var verzoek, wijzigingen = null;
    if (form.modus === 'nieuw') {
      if (!form.geometrie) { toonFormulierFout('Teken eerst een punt of vlak op de kaart.'); return Promise.resolve(false); }
      var schoon = {};
      Object.keys(props).forEach(function (k) { if (props[k] !== null) schoon[k] = props[k]; });
      verzoek = api('/collections/kansen/items', { method: 'POST', contentType: 'application/geo+json',
        body: { type: 'Feature', geometry: form.geometrie, properties: schoon } });
    } else if (form.modus === 'bewerk') {
      wijzigingen = mijnWijzigingen(props);
      var body = { type: 'Feature', properties: wijzigingen };
      if (form.verplaats) body.geometry = verplaatsGeometrie();
      if (!Object.keys(wijzigingen).length && !body.geometry) {
        melding('Er is niets gewijzigd.', 'ok');
        return Promise.resolve(true);
      }
      verzoek = api('/collections/kansen/items/' + encodeURIComponent(form.id), { method: 'PATCH',
        contentType: 'application/merge-patch+json', ifMatch: form.etag, body: body });
    } else {
      return Promise.resolve(false);
    }
    var knop = $('kk-kans-opslaan');
    knop.disabled = true;
    return verzoek.then(function (r) {
      if (r.ok) {
        var nieuw = form.modus === 'nieuw';
        if (form.tekenlaag) { window[cfg.getekend].removeLayer(form.tekenlaag); form.tekenlaag = null; }
        stopVerplaatsen(false);
        var f = r.body;
        if (f && f.type === 'Feature') {
          openFormulier('bewerk');
          vulUitServer(f, r.etag);
        }
        melding(nieuw ? 'Kans opgeslagen.' : 'Wijzigingen opgeslagen.', 'ok');
        K.laatstOpgeslagen = f ? f.id : null;
        var s = K.lagen.kansen;
        if (s && !zichtbaar(s)) kaart.addLayer(s.groep);
        return laadLaag('kansen', true).then(function () { return true; });
      }
      if (r.status === 400 || r.status === 422) {
        var details = (r.body && r.body.details) || {};
        var velden = details.velden;
        if (!velden && details.veld) { velden = {}; velden[details.veld] = r.body.description; }
        var rest = toonVeldfouten(velden || {});
        var opVeld = Object.keys(velden || {}).length - rest.length;
        if (rest.length) toonFormulierFout(rest.join(' ') + (opVeld ? ' Controleer ook de gemarkeerde velden.' : ''));
        else if (opVeld) toonFormulierFout('Controleer de gemarkeerde velden. Uw invoer is bewaard.');
        else toonFormulierFout(foutTekst(r));
        return false;
      }
      if (r.status === 412) { toonConflict(r, props, wijzigingen || {}); return false; }
      toonFormulierFout(foutTekst(r));
      return false;
    }).finally(function () { knop.disabled = false; });
  }
  K.slaKansOp = slaKansOp;

  /** 412: somebody else changed the kans. Show both versions; reload or re-apply. */
  function toonConflict(r, mijn, gewijzigd) {
    var huidigInBody = r.body && r.body.type === 'Feature' ? r.body : null;
    if (huidigInBody) return tekenConflict(huidigInBody, r.etag, mijn, gewijzigd);
    // The 412 body names the current version; fetch that version to show it next to yours.
    return laadKans(form.id).then(function (x) { tekenConflict(x.body, x.etag, mijn, gewijzigd); },
      function () { tekenConflict(null, null, mijn, gewijzigd); });
  }

  function tekenConflict(huidig, etag, mijn, gewijzigd) {
    var div = leeg($('kk-conflict'));
    div.appendChild(el('p', null, el('strong', { tekst: 'Iemand anders heeft deze kans intussen gewijzigd.' }),
      ' Uw wijzigingen zijn nog niet opgeslagen. Vergelijk hieronder uw versie met de huidige versie.'));
    if (huidig) {
      var hp = huidig.properties || {};
      var tabel = el('table', { klasse: 'kk-tabel kk-conflict-tabel' },
        el('thead', null, el('tr', null, el('th', { scope: 'col', tekst: 'Veld' }), el('th', { scope: 'col', tekst: 'Uw versie' }),
          el('th', { scope: 'col', tekst: 'Huidige versie' }))));
      var tb = el('tbody');
      KANS_VELDEN.forEach(function (n) {
        var a = waardeTekst('kansen', n, mijn[n]), b = waardeTekst('kansen', n, hp[n]);
        tb.appendChild(el('tr', { klasse: a !== b ? 'kk-verschil' : null, 'data-veld': n },
          el('th', { scope: 'row', tekst: labelVan('kansen', n) + (n in gewijzigd ? ' (door u gewijzigd)' : '') }),
          el('td', { tekst: a || '—' }), el('td', { tekst: b || '—' })));
      });
      tabel.appendChild(tb);
      div.appendChild(tabel);
      if (hp.gewijzigd_door) {
        div.appendChild(el('p', { klasse: 'kk-hulp', tekst: 'Huidige versie ' + (hp.versie || '') + ', gewijzigd door ' +
          hp.gewijzigd_door + ' op ' + datumTijd(hp.gewijzigd_op) + '.' }));
      }
    }
    div.appendChild(el('p', { klasse: 'kk-hulp', tekst: '"Opnieuw toepassen" zet alleen de velden die u zelf hebt ' +
      'gewijzigd over de huidige versie heen; de andere wijzigingen blijven staan.' }));
    function metHuidige(verder) {
      if (etag && huidig) return Promise.resolve(verder(huidig, etag));
      return laadKans(form.id).then(function (x) { return verder(x.body, x.etag); });
    }
    div.appendChild(el('div', { klasse: 'kk-knoppen' },
      el('button', { type: 'button', klasse: 'kk-knop kk-knop-licht', id: 'kk-conflict-laden',
        tekst: 'Huidige versie laden (uw wijzigingen vervallen)',
        opclick: function () {
          laadKans(form.id).then(function (x) { vulUitServer(x.body, x.etag); wisFouten(); });
        } }),
      el('button', { type: 'button', klasse: 'kk-knop', id: 'kk-conflict-toepassen', tekst: 'Mijn wijzigingen opnieuw toepassen',
        opclick: function () {
          metHuidige(function (feature, nieuweEtag) {
            form.feature = feature;
            form.etag = nieuweEtag;
            var waarden = {};
            KANS_VELDEN.forEach(function (n) { waarden[n] = n in gewijzigd ? gewijzigd[n] : feature.properties[n]; });
            zetWaarden(waarden);
            toonGemeente(feature.properties);
            return slaKansOp();
          });
        } })));
    toon(div, true);
    div.scrollIntoView({ block: 'nearest' });
  }

  // -- move (Leaflet.draw edit handlers on a temporary copy)

  function startVerplaatsen() {
    if (form.modus !== 'bewerk' || !form.feature || form.verplaats) return;
    var kopie = L.geoJSON(form.feature.geometry, {
      style: function () { return { color: '#d01c8b', weight: 3, dashArray: '6 4', fillOpacity: 0.15 }; }
    });
    kopie.addTo(kaart);
    kopie.eachLayer(function (x) {
      if (x.editing) x.editing.enable();
      else if (x.dragging) x.dragging.enable();
    });
    form.verplaats = kopie;
    toon($('kk-verplaats-uitleg'), true);
    $('kk-kans-verplaatsen').disabled = true;
  }
  K.startVerplaatsen = startVerplaatsen;

  function verplaatsGeometrie() {
    var fc = form.verplaats.toGeoJSON();
    return fc.features && fc.features.length ? fc.features[0].geometry : fc.geometry;
  }
  K.verplaatsNaar = function (geometrie) {
    // Same as dragging on the map; used by the browser tests and from the console.
    if (!form.verplaats) startVerplaatsen();
    form.verplaats.clearLayers();
    form.verplaats.addData(geometrie);
  };

  function stopVerplaatsen() {
    if (!form.verplaats) return;
    form.verplaats.eachLayer(function (x) { if (x.editing && x.editing.enabled()) x.editing.disable(); });
    kaart.removeLayer(form.verplaats);
    form.verplaats = null;
    toon($('kk-verplaats-uitleg'), false);
    $('kk-kans-verplaatsen').disabled = false;
  }

  // -- delete (soft, with confirmation) and restore

  function bevestig(tekst) {
    var dlg = $('kk-bevestig');
    $('kk-bevestig-tekst').textContent = tekst;
    return new Promise(function (resolve) {
      dlg.addEventListener('close', function dicht() {
        dlg.removeEventListener('close', dicht);
        resolve(dlg.returnValue === 'ja');
      });
      dlg.returnValue = '';
      dlg.showModal();
    });
  }

  function verwijderKans() {
    if (form.modus !== 'bewerk' || !form.id) return Promise.resolve(false);
    var naam = (form.feature && form.feature.properties && form.feature.properties.naam) || 'deze kans';
    return bevestig('Weet u zeker dat u "' + naam + '" wilt verwijderen? De kans verdwijnt van de kaart maar blijft in de historie en kan worden hersteld.')
      .then(function (ja) {
        if (!ja) return false;
        var id = form.id;
        return api('/collections/kansen/items/' + encodeURIComponent(id), { method: 'DELETE', ifMatch: form.etag })
          .then(function (r) {
            if (r.status === 412) { var w = leesWaarden(); toonConflict(r, w, mijnWijzigingen(w)); return false; }
            if (!r.ok) { toonFormulierFout(foutTekst(r)); return false; }
            sluitFormulier();
            toonHerstel(id, naam);
            return laadLaag('kansen', true).then(function () { return true; });
          });
      });
  }
  K.verwijderKans = verwijderKans;

  function toonHerstel(id, naam) {
    var m = $('kk-melding');
    leeg(m);
    m.className = 'kk-melding kk-melding-ok';
    m.appendChild(document.createTextNode('Kans "' + naam + '" verwijderd. '));
    m.appendChild(el('button', { type: 'button', klasse: 'kk-knop kk-knop-licht', id: 'kk-herstel', tekst: 'Herstellen',
      opclick: function () {
        api('/collections/kansen/items/' + encodeURIComponent(id) + '/herstel', { method: 'POST' }).then(function (r) {
          if (!r.ok) { melding(foutTekst(r)); return; }
          melding('Kans hersteld.', 'ok');
          laadLaag('kansen', true);
        });
      } }));
    toon(m, true);
    clearTimeout(melding.t);
    melding.t = setTimeout(function () { toon(m, false); }, 15000);
  }

  // -- history

  function wijzigingTekst(veld, paar) {
    var oud = Array.isArray(paar) ? paar[0] : null, nieuw = Array.isArray(paar) ? paar[1] : paar;
    if (veld === 'geometrie' || veld === 'geometry') return 'Locatie gewijzigd';
    if (veld === 'verwijderd') return nieuw ? 'Verwijderd' : 'Hersteld';
    var a = waardeTekst('kansen', veld, oud), b = waardeTekst('kansen', veld, nieuw);
    return labelVan('kansen', veld) + ': ' + (a || '—') + ' → ' + (b || '—');
  }

  function toonHistorie() {
    if (!form.id) return Promise.resolve([]);
    var id = form.id;
    return api('/collections/kansen/items/' + encodeURIComponent(id) + '/historie', { accept: 'application/json' })
      .then(function (r) {
        var lijst = leeg($('kk-historie-lijst'));
        toon($('kk-historie'), true);
        if (!r.ok) { lijst.appendChild(el('li', { tekst: foutTekst(r) })); return []; }
        var regels = Array.isArray(r.body) ? r.body : (r.body && (r.body.historie || r.body.versies || r.body.items)) || [];
        regels.slice().reverse().forEach(function (h) {
          var acties = { aangemaakt: 'aangemaakt', gewijzigd: 'gewijzigd', verwijderd: 'verwijderd', hersteld: 'hersteld' };
          var item = el('li', { klasse: 'kk-historie-regel', 'data-versie': h.versie },
            el('div', { klasse: 'kk-historie-kop' },
              el('strong', { tekst: 'Versie ' + h.versie }), ' — ' + (acties[h.actie] || h.actie) + ' door ' +
              (h.gebruiker || 'onbekend') + ' op ' + datumTijd(h.tijdstip) + (h.kanaal ? ' (via ' + h.kanaal + ')' : '')));
          var w = h.wijzigingen || {};
          var ul = el('ul');
          Object.keys(w).forEach(function (k) {
            if (h.actie === 'aangemaakt' && k !== 'naam') return;
            ul.appendChild(el('li', { tekst: wijzigingTekst(k, w[k]) }));
          });
          if (ul.childNodes.length) item.appendChild(ul);
          lijst.appendChild(item);
        });
        if (!regels.length) lijst.appendChild(el('li', { tekst: 'Geen historie gevonden.' }));
        $('kk-historie').scrollIntoView({ block: 'nearest' });
        return regels;
      });
  }
  K.toonHistorie = toonHistorie;

  // ------------------------------------------------------------------ query panel

  var zoek = { ids: null, features: [], laag: null };
  K.zoek = zoek;

  function laagOpties(sel) {
    leeg(sel);
    cfg.lagen.forEach(function (l) { sel.appendChild(el('option', { value: l.naam, tekst: l.titel })); });
  }

  function veldOpties(sel, laag) {
    leeg(sel);
    sel.appendChild(el('option', { value: '', tekst: '— geen filter —' }));
    var l = cfg.lagenOpNaam[laag];
    if (!l) return;
    l.velden.forEach(function (v) {
      if (v.systeem || v.type === 'id') return;
      sel.appendChild(el('option', { value: v.naam, tekst: v.label }));
    });
  }

  function waardeInvoer(vakId, id, laag, veld) {
    var vak = leeg($(vakId));
    var v = veld ? veldVan(laag, veld) : null;
    var n;
    if (v && v.codes) {
      n = el('select', { id: id });
      vulSelect(n, v.codes);
    } else if (v && v.type === 'ja_nee') {
      n = el('select', { id: id }, el('option', { value: 'ja', tekst: 'ja' }), el('option', { value: 'nee', tekst: 'nee' }));
    } else if (veld === 'gemeentecode' && cfg.gemeenten.length) {
      n = el('select', { id: id });
      vulSelect(n, cfg.gemeenten);
    } else {
      n = el('input', { id: id, type: 'text', disabled: !v });
    }
    vak.appendChild(n);
  }

  function initZoeken() {
    var doel = $('kk-zoek-laag'), van = $('kk-zoek-van');
    laagOpties(doel);
    laagOpties(van);
    if (cfg.lagenOpNaam.kansen) doel.value = 'kansen';
    if (cfg.lagenOpNaam.voorzieningen) van.value = 'voorzieningen';
    function werkBij(laagSel, veldSel, vakId, id) {
      return function () {
        veldOpties(veldSel, laagSel.value);
        waardeInvoer(vakId, id, laagSel.value, null);
      };
    }
    var d1 = werkBij(doel, $('kk-zoek-veld'), 'kk-zoek-waarde-vak', 'kk-zoek-waarde');
    var d2 = werkBij(van, $('kk-zoek-van-veld'), 'kk-zoek-van-waarde-vak', 'kk-zoek-van-waarde');
    doel.addEventListener('change', d1);
    van.addEventListener('change', d2);
    d1();
    d2();
    $('kk-zoek-veld').addEventListener('change', function () {
      waardeInvoer('kk-zoek-waarde-vak', 'kk-zoek-waarde', doel.value, this.value);
    });
    $('kk-zoek-van-veld').addEventListener('change', function () {
      waardeInvoer('kk-zoek-van-waarde-vak', 'kk-zoek-van-waarde', van.value, this.value);
    });
    $('kk-zoek').addEventListener('submit', function (e) { e.preventDefault(); voerZoekUit(); });
    $('kk-zoek-wissen').addEventListener('click', wisZoekresultaat);
  }

  /** The question as query parameters of /api/query (repeatable waar / waar_ref). */
  function zoekParams() {
    var p = new URLSearchParams();
    p.set('doel', $('kk-zoek-laag').value);
    var veld = $('kk-zoek-veld').value, waarde = $('kk-zoek-waarde') && $('kk-zoek-waarde').value;
    if (veld && waarde) p.append('waar', veld + '=' + waarde);
    p.set('binnen', $('kk-zoek-afstand').value);
    p.set('van', $('kk-zoek-van').value);
    var rveld = $('kk-zoek-van-veld').value, rwaarde = $('kk-zoek-van-waarde') && $('kk-zoek-van-waarde').value;
    if (rveld && rwaarde) p.append('waar_ref', rveld + '=' + rwaarde);
    p.set('modus', $('kk-zoek-modus').value);
    if ($('kk-zoek-niet').checked) p.set('niet', 'true');
    return p;
  }
  K.zoekParams = function () { return zoekParams().toString(); };

  function voerZoekUit() {
    var fout = $('kk-zoek-fout');
    toon(fout, false);
    var params = zoekParams();
    var knop = $('kk-zoek-start');
    knop.disabled = true;
    return api('/query?' + params.toString()).then(function (r) {
      if (!r.ok) {
        fout.textContent = foutTekst(r);
        toon(fout, true);
        return null;
      }
      toonZoekresultaat(r.body, params);
      return r.body;
    }).finally(function () { knop.disabled = false; });
  }
  K.voerZoekUit = voerZoekUit;

  function zoekGroep() {
    if (!zoek.groep) {
      zoek.groep = L.featureGroup().addTo(kaart);
    }
    return zoek.groep;
  }

  function toonZoekresultaat(fc, params) {
    var features = (fc && fc.features) || [];
    zoek.features = features;
    zoek.ids = features.map(function (f) { return f.id; });
    zoek.laag = params.get('doel');
    var doelLaag = cfg.lagenOpNaam[zoek.laag];
    var s = K.lagen[zoek.laag];
    if (s && !zichtbaar(s)) kaart.addLayer(s.groep);
    markeerZoekresultaat();
    var vanTitel = (cfg.lagenOpNaam[params.get('van')] || {}).titel || params.get('van');
    var totaal = typeof fc.numberMatched === 'number' ? fc.numberMatched : features.length;
    $('kk-zoek-samenvatting').textContent = totaal + ' ' + (doelLaag ? doelLaag.titel.toLowerCase() : 'objecten') +
      (params.get('niet') ? ' niet' : '') + ' binnen ' + params.get('binnen') + ' m (' + params.get('modus') + ') van ' +
      vanTitel.toLowerCase() + (features.length < totaal ? '; de eerste ' + features.length + ' staan hieronder.' : '.');
    var dl = leeg($('kk-zoek-download'));
    ZOEK_DOWNLOADS.forEach(function (f) {
      var p = new URLSearchParams(params.toString());
      p.set('f', f[0]);
      dl.appendChild(el('a', { klasse: 'kk-knop kk-knop-licht', href: zoekExportUrl(p), download: '',
        'data-formaat': f[0], tekst: 'Download ' + f[1] }));
    });
    var lijst = leeg($('kk-zoek-lijst'));
    features.forEach(function (f) {
      var p = f.properties || {};
      var regel = el('li', { 'data-id': f.id },
        el('button', { type: 'button', klasse: 'kk-link', tekst: String(p.naam || f.id),
          opclick: function () { zoomNaar(f); } }));
      var extra = [];
      if (typeof p.afstand_m === 'number') extra.push(GETAL.format(Math.round(p.afstand_m)) + ' m');
      if (p.dichtstbij_naam) extra.push('dichtstbij: ' + p.dichtstbij_naam);
      if (extra.length) regel.appendChild(el('span', { klasse: 'kk-hulp', tekst: ' — ' + extra.join(', ') }));
      lijst.appendChild(regel);
    });
    toon($('kk-zoek-resultaat'), true);
    werkLegendaBij();
    var g = zoekGroep();
    if (g.getLayers().length) {
      var b = g.getBounds();
      if (b.isValid() && !kaart.getBounds().contains(b)) kaart.fitBounds(b.pad(0.1), { maxZoom: 16 });
    }
  }

  function zoekExportUrl(p) {
    return cfg.zoekExport + '?' + p.toString();
  }

  function markeerZoekresultaat() {
    var g = zoekGroep();
    g.clearLayers();
    if (!zoek.ids) return;
    L.geoJSON({ type: 'FeatureCollection', features: zoek.features }, {
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 13, color: '#ff00cc', weight: 4, fill: false, pane: 'kk-zoek',
          className: 'kk-zoek-halo' });
      },
      style: function () { return { color: '#ff00cc', weight: 5, fill: false, pane: 'kk-zoek', className: 'kk-zoek-halo' }; },
      onEachFeature: function (f, laag) {
        laag.feature = f;
        laag.bindPopup(function () { return popupInhoud(zoek.laag, f); }, { maxWidth: 360 });
      }
    }).eachLayer(function (x) { g.addLayer(x); });
  }

  K.gemarkeerdeIds = function () {
    return zoek.groep ? zoek.groep.getLayers().map(function (x) { return x.feature.id; }) : [];
  };

  function wisZoekresultaat() {
    zoek.ids = null;
    zoek.features = [];
    if (zoek.groep) zoek.groep.clearLayers();
    toon($('kk-zoek-resultaat'), false);
    toon($('kk-zoek-fout'), false);
    werkLegendaBij();
  }

  function zoomNaar(f) {
    var laag = L.geoJSON(f);
    var b = laag.getBounds();
    if (!b.isValid()) return;
    if (b.getNorthEast().equals(b.getSouthWest())) kaart.setView(b.getCenter(), Math.max(kaart.getZoom(), 16));
    else kaart.fitBounds(b.pad(0.2));
    L.popup({ maxWidth: 360 }).setLatLng(b.getCenter()).setContent(popupInhoud(zoek.laag, f)).openOn(kaart);
  }

  // ------------------------------------------------------------------ export panel

  function initExport() {
    var tb = $('kk-export-tabel').tBodies[0];
    cfg.lagen.forEach(function (l) {
      var cel = el('td');
      ZOEK_DOWNLOADS.forEach(function (f) {
        cel.appendChild(el('a', { klasse: 'kk-knop kk-knop-licht kk-knop-klein', download: '', 'data-formaat': f[0],
          href: cfg.api + '/collections/' + encodeURIComponent(l.naam) + '/export?f=' + f[0],
          title: l.titel + ' als ' + f[1], tekst: f[1] }));
      });
      tb.appendChild(el('tr', { 'data-laag': l.naam }, el('th', { scope: 'row', tekst: l.titel }), cel));
    });
    var url = new URL(cfg.api, window.location.href).href;
    var veld = $('kk-api-url');
    veld.value = url;
    $('kk-api-kopieer').addEventListener('click', function () {
      var klaar = function () { $('kk-api-gekopieerd').textContent = 'Gekopieerd: ' + url; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(klaar, function () { veld.select(); document.execCommand('copy'); klaar(); });
      } else {
        veld.select();
        document.execCommand('copy');
        klaar();
      }
    });
  }

  // ------------------------------------------------------------------ start

  /** Dutch titles (tooltips, screen-reader labels) for Leaflet's own controls. */
  function nederlandseBediening() {
    var c = kaart.getContainer();
    [['.leaflet-control-zoom-in', 'Inzoomen'], ['.leaflet-control-zoom-out', 'Uitzoomen']].forEach(function (z) {
      var knop = c.querySelector(z[0]);
      if (knop) { knop.title = z[1]; knop.setAttribute('aria-label', z[1]); }
    });
    if (kaart.attributionControl) {
      kaart.attributionControl.setPrefix(
        '<a href="https://leafletjs.com" target="_blank" rel="noopener" ' +
        'title="Leaflet, een JavaScript-bibliotheek voor interactieve kaarten">Leaflet</a>');
    }
  }

  function start() {
    var node = $('kaart-config');
    if (!node) return;
    cfg = JSON.parse(node.textContent);
    cfg.lagenOpNaam = {};
    cfg.lagen.forEach(function (l) { cfg.lagenOpNaam[l.naam] = l; });
    cfg.zoekExport = cfg.zoekExport || cfg.api + '/query/export';
    K.config = cfg;
    kaart = K.kaart = window[cfg.kaart];
    if (!kaart) { console.error('kansenkaart: kaart niet gevonden'); return; }

    nederlandseBediening();

    [['kk-vlakken', 405], ['kk-gebieden', 415], ['kk-punten', 450], ['kk-kansen', 460], ['kk-zoek', 470]]
      .forEach(function (p) { kaart.createPane(p[0]).style.zIndex = String(p[1]); });

    cfg.lagen.forEach(function (l) { if (window[l.variabele]) K.lagen[l.naam] = nieuweLaag(l); });
    Object.keys(K.lagen).forEach(function (n) {
      // Layers visible from the start were added before this script ran: credit their sources now.
      if (zichtbaar(K.lagen[n]) && kaart.attributionControl) {
        (K.lagen[n].cfg.attributie || []).forEach(function (deel) { kaart.attributionControl.addAttribution(deel); });
      }
    });

    var groepNaam = {};
    Object.keys(K.lagen).forEach(function (n) { groepNaam[L.stamp(K.lagen[n].groep)] = n; });
    kaart.on('layeradd layerremove', function (e) {
      var naam = groepNaam[L.stamp(e.layer)];
      if (!naam) return;
      var ac = kaart.attributionControl;
      (K.lagen[naam].cfg.attributie || []).forEach(function (deel) {
        if (!ac) return;
        if (e.type === 'layeradd') ac.addAttribution(deel); else ac.removeAttribution(deel);
      });
      if (e.type === 'layeradd') laadLaag(naam, false);
      werkLegendaBij();
    });
    kaart.on('moveend', function () { laadZichtbare(false); });
    kaart.on(L.Draw.Event.CREATED, function (e) { nieuweKans(e.layer); });

    legendaControl().addTo(kaart);
    bewaakAchtergrond();
    initPaneel();
    initFilter();
    initKansFormulier();
    initZoeken();
    initExport();
    initAanmelding();
    werkLegendaBij();

    laadZichtbare(false).then(function () {
      K.klaar = true;
      window.kansenkaartKlaar = true;
      document.documentElement.setAttribute('data-kaart-klaar', 'ja');
      if (window.performance && performance.mark) performance.mark('kansenkaart-klaar');
    }, function (err) {
      K.fouten.push(String(err));
      melding('De kaartlagen konden niet geladen worden. Ververs de pagina of probeer het later opnieuw.');
      K.klaar = true;
      window.kansenkaartKlaar = true;
    });
  }

  document.addEventListener('DOMContentLoaded', start);
})();
