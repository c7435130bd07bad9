#!/usr/bin/env bash
# Installs what roomcast needs on Debian 12, and nothing that is already
# there: a second run changes nothing.
set -euo pipefail



# Debian packages: cgo build of pipeline/codec (pkg-config, FFmpeg 5.1 dev
# libraries) and the real peers the tests start (ffmpeg/ffprobe, nginx with
# the RTMP module, chromium).
pkgs=(pkg-config gcc libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  libswresample-dev libavfilter-dev libavdevice-dev ffmpeg nginx libnginx-mod-rtmp
  libnginx-mod-stream
  chromium ca-certificates)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The distribution's nginx service is not used: tests start their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
fi

command -v go >/dev/null 2>&1 || { echo "install-deps: Go 1.26 is required on PATH" >&2; exit 1; }
echo "install-deps: ok"
