#!/usr/bin/env bash
# Vendors hls.js (the light build, an ES module) into web/static/vendor/,
# where the console's player imports it; the files are committed, so
# `make run` needs no network. Run again (`make vendor-hlsjs`) to update:
# HLSJS_VERSION picks the release, and the tarball's integrity is checked
# against what the npm registry publishes for it.
set -euo pipefail

HLSJS_VERSION="${HLSJS_VERSION:-1.7.4}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${root}/web/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

cd "${tmp}"
want="$(npm view "hls.js@${HLSJS_VERSION}" dist.integrity)"
tarball="$(npm pack --silent "hls.js@${HLSJS_VERSION}")"
got="sha512-$(openssl dgst -sha512 -binary "${tarball}" | base64 -w0)"
if [[ "${got}" != "${want}" ]]; then
	echo "hls.js ${HLSJS_VERSION}: tarball integrity ${got}, registry says ${want}" >&2
	exit 1
fi
tar xzf "${tarball}"

mkdir -p "${dest}"
cp package/dist/hls.light.min.mjs "${dest}/hls.light.min.mjs"
cp package/LICENSE "${dest}/hls.js.LICENSE"
sha="$(sha256sum "${dest}/hls.light.min.mjs" | cut -d' ' -f1)"
cat >"${dest}/README" <<README
Vendored third-party code for the console (web/static). Do not edit by
hand: scripts/vendor-hlsjs.sh (make vendor-hlsjs) writes this directory.

hls.light.min.mjs
  hls.js ${HLSJS_VERSION}, the light build as an ES module
  (dist/hls.light.min.mjs of the npm package hls.js@${HLSJS_VERSION},
  https://www.npmjs.com/package/hls.js, source https://github.com/video-dev/hls.js).
  npm tarball integrity: ${want}
  sha256 of the file: ${sha}
  License: Apache-2.0, in hls.js.LICENSE.
README
echo "vendored hls.js ${HLSJS_VERSION} into ${dest}"
