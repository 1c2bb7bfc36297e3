#!/usr/bin/env bash
# Install what OneWindow needs on a Debian machine (as root): system packages, then a virtualenv in .venv.
#   scripts/install.sh          the hall: speech engine, CJK fonts
#   scripts/install.sh --test   also what the tests and benchmarks need: headless Chromium, Redis, PostgreSQL,
#                               zbar (QR decoding), faketime (a whole server at a chosen time), wrk (load)
#                               (the prefecture's tests start their own throwaway cluster; nothing is started here)
#   scripts/install.sh --prefecture   the hall's packages and PostgreSQL, for the prefecture server
#   scripts/install.sh --agent        a kiosk or counter PC's device agent: no speech engine, no database server
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3 python3-venv espeak-ng fonts-noto-cjk alsa-utils libusb-1.0-0)
extras="."
if [[ "${1:-}" == "--agent" ]]; then
  packages=(python3 python3-venv fonts-noto-cjk libusb-1.0-0)
fi
if [[ "${1:-}" == "--prefecture" ]]; then
  packages+=(postgresql)
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium redis-server sox postgresql openssl zbar-tools faketime wrk)
  extras=".[test,bench]"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "==> apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
echo "==> pip install -e '$extras'"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e "$extras"
echo "==> installed"
