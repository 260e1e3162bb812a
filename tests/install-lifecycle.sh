#!/usr/bin/env bash
# Installs the real CNB lifecycle v0.21.17 at target/tools/bin/lifecycle (every phase; it
# dispatches on its name or its first argument) and its launcher at target/tools/bin/launcher,
# with `go install`.
#
# tests/lifecycle/go.mod pins github.com/buildpacks/lifecycle v0.21.17 and replaces
# github.com/osscontainertools/kaniko (which the Go module proxy refuses to serve here) with a
# stand-in that makes only the `extender` phase fail; see tests/lifecycle/kaniko-stub/README.md.
set -euo pipefail

LIFECYCLE_VERSION=0.21.17
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/target/tools/bin"
binary="$bin_dir/lifecycle"

command -v go >/dev/null || { echo "install-lifecycle: Go is required (https://go.dev/dl/)" >&2; exit 1; }

# CGO_ENABLED=0 and stripped (-s -w), as the lifecycle's own release builds: a static binary runs
# in any image (the launcher and the phases run inside build and run images in the end-to-end
# tests), and the launcher, which goes into every app image, is 2.8 MiB instead of 4.2.
if [[ -x "$binary" && -x "$bin_dir/launcher" ]] \
  && "$binary" -version 2>/dev/null | grep -qx "$LIFECYCLE_VERSION" \
  && go version -m "$binary" | grep -q 'CGO_ENABLED=0' \
  && go version -m "$binary" | grep -q -- '-ldflags=.*-s -w'; then
  echo "lifecycle $LIFECYCLE_VERSION already installed at $binary" >&2
  exit 0
fi

mkdir -p "$bin_dir"
cd "$root/tests/lifecycle"
CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$bin_dir" go install \
  -ldflags "-s -w -X github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION" \
  github.com/buildpacks/lifecycle/cmd/lifecycle github.com/buildpacks/lifecycle/cmd/launcher
installed="$("$binary" -version)"
[[ "$installed" == "$LIFECYCLE_VERSION" ]] || { echo "install-lifecycle: got version $installed" >&2; exit 1; }
echo "lifecycle $installed installed at $binary" >&2
