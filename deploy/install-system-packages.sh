#!/usr/bin/env bash
# Installs the Debian packages callmon needs; does nothing when they are all there.
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-dev build-essential   # the virtual environment
  redis-server                                       # live fan-out (tests start their own)
  mariadb-server                                     # ViciDial enrichment tests
  postgresql                                         # the PostgreSQL storage backend (tests start their own)
  flite festival festvox-kallpc16k festvox-kdlpc16k espeak-ng sox libsox-fmt-all  # test speech and audio tools (kal_diphone, ked_diphone: bench/insight)
  apertium apertium-eng-spa apertium-spa-ita         # offline translation (es-it: pivot tests)
  chromium chromium-driver                           # real-browser dashboard tests
  nginx haproxy openssl systemd                      # deploy/ configuration checks (systemd-analyze verify)
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
