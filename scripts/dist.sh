#!/usr/bin/env bash
# Builds static capi-upload binaries for a laptop without Go: linux,
# darwin (macOS) and windows, each for amd64 and arm64, with the version
# stamped from git describe. Output: dist/capi-upload-<version>-<os>-<arch>[.exe]
# and dist/SHA256SUMS.
#
#   bash scripts/dist.sh            # all six
#   OUT=/tmp/dist bash scripts/dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
OUT=${OUT:-dist}
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
mkdir -p "$OUT"
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  os=${target%/*} arch=${target#*/}
  name="capi-upload-$version-$os-$arch"
  [ "$os" = windows ] && name="$name.exe"
  # CGO_ENABLED=0: no libc to match on the user's machine; -trimpath and
  # -buildvcs=false: the same bytes from the same commit, whoever builds.
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$version" -o "$OUT/$name" .
  echo "$OUT/$name"
done
(cd "$OUT" && sha256sum capi-upload-"$version"-* > SHA256SUMS)
echo "$OUT/SHA256SUMS"
