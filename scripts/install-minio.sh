#!/usr/bin/env bash
# Installs the MinIO server binary used by the storage/s3 conformance tests
# into "$(go env GOPATH)/bin". Idempotent: does nothing when a minio binary of
# any version is already there (set MINIO_FORCE=1 to reinstall).
#
# MinIO tags (RELEASE.YYYY-MM-DDTHH-MM-SSZ) are not semver, so the module is
# pinned by the pseudo-version that `go list -m github.com/minio/minio@<rev>`
# resolves to.
set -euo pipefail

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"

gobin="$(go env GOBIN)"
if [[ -z "${gobin}" ]]; then
	gobin="$(go env GOPATH)/bin"
fi

if [[ -x "${gobin}/minio" && "${MINIO_FORCE:-0}" != "1" ]]; then
	echo "minio already installed at ${gobin}/minio"
	exit 0
fi

start=$(date +%s)
echo "installing github.com/minio/minio@${MINIO_VERSION} into ${gobin}"
GOFLAGS="${GOFLAGS:-} -trimpath" CGO_ENABLED=0 \
	go install "github.com/minio/minio@${MINIO_VERSION}"
echo "minio installed in $(( $(date +%s) - start ))s: ${gobin}/minio"
