#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
#
# - Rust >= 1.95 with clippy and rustfmt, and Go >= 1.26 (to build the lifecycle) must be on PATH;
#   this script fails, saying what is missing, when they are not.
# - setpriv (util-linux), and podman, buildah, runc, skopeo and umoci (container builds and OCI
#   layouts without a Docker daemon), debootstrap, rpmbuild (rpm) and createrepo_c (the
#   end-to-end stack, tests/e2e), Maven and docker-registry (the end-to-end suite's loopback
#   registry), qemu-user-static (the arm64 lifecycle's check, run directly: no binfmt handler is
#   registered) are installed with apt-get when missing. Node.js with npm and a JDK (javac) must be
#   on PATH: the end-to-end stack packages them as RPMs.
# - Podman reads the project's tests/containers.conf (CONTAINERS_CONF, exported here), not the
#   machine's /etc/containers/containers.conf; the end-to-end suite gives the podman API service
#   it starts a registries.conf of its own (CONTAINERS_REGISTRIES_CONF). Nothing under /etc is
#   changed, apart from the test user below.
# - The real CNB lifecycle v0.21.0 (every phase, the extender included) is installed at
#   target/tools/bin/lifecycle and as the release tarball target/tools/lifecycle-v0.21.0+*.tgz
#   (tests/install-lifecycle.sh), and pack v0.38.2 at target/tools/bin/pack
#   (tests/install-pack.sh), both from the Go module proxy with committed go.sum files.
# - As root, the unprivileged user the lifecycle runs as on the host (it refuses root) is
#   created: cnbtest, or $CNB_TEST_USER.
# Nothing is skipped: a missing prerequisite is an error.
#
#   tests/test.sh          everything: fmt, clippy, every test (end-to-end included, and every
#                          parser's fuzz target, `fuzz_*`, with 2000 inputs), main command
#   tests/test.sh --e2e    the prerequisites, then only the end-to-end suite (tests/e2e: pack build
#                          with our builders, the registry and podman's API service it starts)
set -euo pipefail

mode=all
case "${1:-}" in
  "") ;;
  --e2e) mode=e2e ;;
  *) echo "usage: tests/test.sh [--e2e]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fail() { echo "tests/test.sh: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

version_at_least() { # version_at_least <have> <want>
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

step "Checking prerequisites"
command -v cargo >/dev/null || fail "cargo is required (Rust 1.95 or later, https://rustup.rs)"
rust_version="$(rustc --version | awk '{print $2}')"
version_at_least "$rust_version" 1.95.0 || fail "Rust 1.95 or later is required, found $rust_version"
cargo clippy --version >/dev/null 2>&1 || fail "clippy is required (rustup component add clippy)"
cargo fmt --version >/dev/null 2>&1 || fail "rustfmt is required (rustup component add rustfmt)"
command -v go >/dev/null || fail "Go 1.26 or later is required to build the lifecycle (https://go.dev/dl/)"
go_version="$(go env GOVERSION | sed 's/^go//')"
version_at_least "$go_version" 1.26 || fail "Go 1.26 or later is required, found $go_version"

missing_packages=()
for pair in setpriv:util-linux podman:podman buildah:buildah runc:runc skopeo:skopeo umoci:umoci \
  debootstrap:debootstrap rpmbuild:rpm createrepo_c:createrepo-c mvn:maven \
  docker-registry:docker-registry openssl:openssl python3:python3 \
  qemu-aarch64-static:qemu-user-static; do
  command -v "${pair%%:*}" >/dev/null || missing_packages+=("${pair#*:}")
done
for tool in node npm javac jar; do
  command -v "$tool" >/dev/null \
    || fail "$tool is required: the end-to-end stack packages this machine's Node.js and JDK as RPMs"
done
if ((${#missing_packages[@]})); then
  [[ "$(id -u)" == 0 ]] || fail "these packages are required: ${missing_packages[*]}"
  step "Installing ${missing_packages[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_packages[@]}" \
    || fail "cannot install ${missing_packages[*]} with apt-get"
fi
# Podman's settings are the project's own file, not the machine's /etc/containers/containers.conf.
export CONTAINERS_CONF="$root/tests/containers.conf"

step "Installing the CNB lifecycle and pack"
tests/install-lifecycle.sh
tests/install-pack.sh

if [[ "$(id -u)" == 0 ]]; then
  user="${CNB_TEST_USER:-cnbtest}"
  if ! id "$user" >/dev/null 2>&1; then
    step "Creating the unprivileged user $user for the lifecycle"
    useradd --user-group --create-home "$user"
  fi
fi

if [[ "$mode" == e2e ]]; then
  step "cargo test -p e2e-tests (the end-to-end suite)"
  cargo test --locked --no-fail-fast -p e2e-tests -- --nocapture
  step "The end-to-end suite passed"
  exit 0
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
step "cargo publish --dry-run: the extension toolkit and the libraries it depends on"
# A target directory of its own each run: cargo extracts the packaged crates of a multi-crate
# dry run into its home, keyed by the target directory and never refreshed, so a second run in
# the same target directory would verify a crate against an earlier run's copy of its sibling.
mkdir -p target
publish_target="$(mktemp -d "$root/target/publish-check.XXXXXX")"
cargo publish --locked --dry-run --allow-dirty --target-dir "$publish_target" -p cnb-output \
  -p untrusted-input -p platform-settings -p cnb-extension
rm -rf "$publish_target"
step "cargo test (every parser's fuzz target too: FUZZ_CASES=${FUZZ_CASES:-2000} inputs each; tests/fuzz.sh runs more)"
# --no-fail-fast: every test binary runs, so one failure does not hide the others; cargo still
# exits non-zero if any failed.
cargo test --locked --workspace --no-fail-fast
step "The main command (README): packaging every module"
cargo run --locked --release -p packager -- package
step "All tests passed"
