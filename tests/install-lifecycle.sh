#!/usr/bin/env bash
# Installs the real CNB lifecycle v0.21.0 (every phase, the extender with kaniko included) from
# tests/lifecycle/go.mod (see tests/lifecycle/README.md for why v0.21.0):
#
#   target/tools/bin/lifecycle, target/tools/bin/launcher   the binaries (the harness tests run
#                                                           detector and builder on the host)
#   target/tools/lifecycle-v0.21.0+linux.x86-64.tgz         the release tarball, as `pack builder
#                                                           create` takes it in `[lifecycle] uri`
#   target/tools/linux-arm64/lifecycle                      the same for linux/arm64 (pure Go:
#                                                           GOARCH=arm64), the multi-platform
#                                                           tests' lifecycle image's arm64 entry,
#                                                           checked with qemu-aarch64-static
#
# Both binaries are static (CGO_ENABLED=0) and stripped (-s -w), as the lifecycle's own release
# builds: they run inside build and run images, and the launcher goes into every app image.
set -euo pipefail

LIFECYCLE_VERSION=0.21.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/target/tools/bin"
binary="$bin_dir/lifecycle"
tarball="$root/target/tools/lifecycle-v$LIFECYCLE_VERSION+linux.x86-64.tgz"

command -v go >/dev/null || { echo "install-lifecycle: Go is required (https://go.dev/dl/)" >&2; exit 1; }

if ! { [[ -x "$binary" && -x "$bin_dir/launcher" ]] \
  && "$binary" -version 2>/dev/null | grep -qx "$LIFECYCLE_VERSION" \
  && go version -m "$binary" | grep -q 'CGO_ENABLED=0' \
  && go version -m "$binary" | grep -q 'chainguard-dev/kaniko' \
  && go version -m "$binary" | grep -q -- '-ldflags=.*-s -w'; }; then
  mkdir -p "$bin_dir"
  (cd "$root/tests/lifecycle" && CGO_ENABLED=0 GOBIN="$bin_dir" go install \
    -ldflags "-s -w -X github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION" \
    github.com/buildpacks/lifecycle/cmd/lifecycle github.com/buildpacks/lifecycle/cmd/launcher)
  installed="$("$binary" -version)"
  [[ "$installed" == "$LIFECYCLE_VERSION" ]] || { echo "install-lifecycle: got version $installed" >&2; exit 1; }
  rm -f "$tarball"
fi

if [[ ! -f "$tarball" || "$tarball" -ot "$binary" ]]; then
  # The release layout: lifecycle.toml (the APIs of v0.21.0's api/apis.go) and lifecycle/ with
  # the binary, the launcher and every phase as a link to the binary.
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/lifecycle"
  cp "$binary" "$bin_dir/launcher" "$work/lifecycle/"
  for phase in analyzer builder creator detector exporter extender rebaser restorer; do
    ln -s lifecycle "$work/lifecycle/$phase"
  done
  cat > "$work/lifecycle.toml" <<TOML
[apis]
[apis.buildpack]
deprecated = []
supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"]
[apis.platform]
deprecated = []
supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"]

[lifecycle]
version = "$LIFECYCLE_VERSION"
TOML
  tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$tarball" lifecycle.toml lifecycle
fi
arm64="$root/target/tools/linux-arm64/lifecycle"
# Run directly by qemu-aarch64-static (Debian's qemu-user-static): no binfmt handler is
# registered, the machine's configuration stays as it is.
if ! { [[ -x "$arm64" && ! "$arm64" -ot "$binary" ]] \
  && qemu-aarch64-static "$arm64" -version 2>/dev/null | grep -qx "$LIFECYCLE_VERSION"; }; then
  mkdir -p "$(dirname "$arm64")"
  (cd "$root/tests/lifecycle" && CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o "$arm64" \
    -ldflags "-s -w -X github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION" \
    github.com/buildpacks/lifecycle/cmd/lifecycle)
  installed="$(qemu-aarch64-static "$arm64" -version)"
  [[ "$installed" == "$LIFECYCLE_VERSION" ]] || { echo "install-lifecycle: the arm64 lifecycle is version $installed" >&2; exit 1; }
fi
echo "lifecycle $LIFECYCLE_VERSION installed at $binary, $tarball and (linux/arm64) $arm64" >&2
