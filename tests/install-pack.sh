#!/usr/bin/env bash
# Installs pack v0.38.2, the CNB CLI, at target/tools/bin/pack, built from tests/pack/go.mod (the
# Go module proxy serves pack's module; `go install ...@v0.38.2` refuses it for its `replace`).
set -euo pipefail

PACK_VERSION=0.38.2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$root/target/tools/bin/pack"

command -v go >/dev/null || { echo "install-pack: Go is required (https://go.dev/dl/)" >&2; exit 1; }

if [[ -x "$binary" ]] && "$binary" version 2>/dev/null | grep -qx "$PACK_VERSION"; then
  echo "pack $PACK_VERSION already installed at $binary" >&2
  exit 0
fi
mkdir -p "$(dirname "$binary")"
(cd "$root/tests/pack" && CGO_ENABLED=0 go build -o "$binary" \
  -ldflags "-s -w -X github.com/buildpacks/pack/pkg/client.Version=$PACK_VERSION" \
  github.com/buildpacks/pack)
installed="$("$binary" version)"
[[ "$installed" == "$PACK_VERSION" ]] || { echo "install-pack: got version $installed" >&2; exit 1; }
echo "pack $installed installed at $binary" >&2
