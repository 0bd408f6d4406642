#!/bin/sh
# Install the Debian packages the test suite needs (headless Chromium + ChromeDriver for the
# browser tests, GDAL's ogrinfo for the GeoPackage checks) when they are missing.
# Runs apt-get as root, or through sudo when available; otherwise prints what to install.
set -e
PKGS="chromium chromium-driver gdal-bin"
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v ogrinfo >/dev/null 2>&1 || missing="$missing gdal-bin"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Ontbrekende systeempakketten:$missing — installeer ze met: apt-get install $PKGS" >&2
  exit 0
fi
echo "Systeempakketten installeren:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
