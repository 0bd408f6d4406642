#!/bin/sh
# Build a Gooi en Vechtstreek workspace from the real CBS data in ../shared/data.
# Usage: sh data/wijken/maak_werkruimte_gooi_en_vechtstreek.sh [WORKSPACE] [SHARED_DATA_DIR]
set -eu
WS=${1:-gv}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${2:-${KANSENKAART_SHARED:-$HERE/../../../shared}/data}
KWB="$DATA/cbs-kwb2022-tmap/gooi_vechtstreek_2022.gpkg"
PC4="$DATA/cbs-pc4-certegis/gooi_vechtstreek_pc4.gpkg"
for f in "$KWB" "$PC4"; do
  [ -f "$f" ] || { echo "Bestand niet gevonden: $f (geef de map met de gedeelde data als tweede argument)" >&2; exit 2; }
done
kansenkaart init --regio gooi-en-vechtstreek --workspace "$WS"
kansenkaart import gemeenten "$KWB" --bronlaag gemeenten --workspace "$WS"
kansenkaart import wijken "$KWB" --bronlaag wijken --workspace "$WS"
kansenkaart gebieden leeftijden "$PC4" --workspace "$WS"
kansenkaart lagen --workspace "$WS"
echo "Volgende stap: 'kansenkaart osm download --workspace $WS' (online) of 'kansenkaart osm laden BESTAND.osm.pbf'."
