#!/usr/bin/env bash
# Builds the end-to-end test stack as local podman images, from Debian's packages and this
# machine's Node.js and JDK (see ../README.md for what is real and what stands in):
#
#   localhost/e2e/debian-dnf:bookworm     debootstrap minbase + dnf + ca-certificates
#   localhost/e2e/build-ubi8:latest       the build image (stack io.buildpacks.stacks.ubi8)
#   localhost/e2e/run-nodejs-<N>-ubi8:latest, localhost/e2e/run-java-<N>-ubi8:latest
#   <out>/rpms/                           the RPM repository (createrepo_c, nodejs:<N> module)
#   <out>/stack.env                       what was built, for the tests (KEY=value lines)
#
# <out> is $E2E_DIR, default <target dir>/e2e. Nothing is rebuilt when the images carry the
# label e2e.stack.hash of the current inputs (this directory, the Node.js and JDK versions).
# Runs as root (debootstrap, podman). Every missing prerequisite fails the run.
set -euo pipefail

stack="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$stack/../../.." && pwd)"
out="${E2E_DIR:-${CARGO_TARGET_DIR:-$root/target}/e2e}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm

fail() { echo "tests/e2e/stack/build.sh: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap and podman build the images)"
for tool in debootstrap podman rpmbuild createrepo_c modifyrepo_c node npm java javac sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool is required (tests/test.sh installs it)"
done

# This machine's Node.js and npm (the nodejs:<N> module's RPMs carry them).
node_version="$(node --version)"; node_version="${node_version#v}"
node_major="${node_version%%.*}"
npm_version="$(npm --version)"
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -x "$node_prefix/bin/node" ] && [ -d "$node_prefix/lib/node_modules/npm" ] \
  || fail "expected node and npm under $node_prefix (bin/node, lib/node_modules/npm)"
# This machine's JDK (java-<N>-openjdk-headless and -devel carry it).
jdk_home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
jdk_version="$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$jdk_home/release")"
[ -n "$jdk_version" ] || fail "no JAVA_VERSION in $jdk_home/release"
java_major="${jdk_version%%.*}"

build_image=localhost/e2e/build-ubi8:latest
node_run_image="localhost/e2e/run-nodejs-$node_major-ubi8:latest"
java_run_image="localhost/e2e/run-java-$java_major-ubi8:latest"

hash="$( (cd "$stack" && find . -type f | LC_ALL=C sort | xargs sha256sum;
          echo "$node_version $npm_version $jdk_version $suite") | sha256sum | cut -c1-16)"

write_env() {
  cat > "$out/stack.env" <<EOF
STACK_HASH=$hash
BUILD_IMAGE=$build_image
NODE_MAJOR=$node_major
NODE_VERSION=$node_version
NODE_RUN_IMAGE=$node_run_image
JAVA_MAJOR=$java_major
JAVA_VERSION=$jdk_version
JAVA_RUN_IMAGE=$java_run_image
RPMS=$out/rpms
EOF
}

image_hash() { podman image inspect --format '{{index .Labels "e2e.stack.hash"}}' "$1" 2>/dev/null || true; }
if [ -f "$out/rpms/repodata/repomd.xml" ] \
   && [ "$(image_hash "$build_image")" = "$hash" ] \
   && [ "$(image_hash "$node_run_image")" = "$hash" ] \
   && [ "$(image_hash "$java_run_image")" = "$hash" ]; then
  mkdir -p "$out"; write_env
  log "The end-to-end stack is up to date ($hash)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# 1. The base: a Debian root filesystem with dnf (Debian packages dnf, not microdnf).
base="localhost/e2e/debian-dnf:$suite"
base_hash="$(echo "$suite minbase dnf rpm ca-certificates" | sha256sum | cut -c1-16)"
if [ "$(image_hash "$base")" != "$base_hash" ]; then
  log "debootstrap $suite (minbase, dnf, rpm, ca-certificates) from $mirror"
  debootstrap --variant=minbase --include=dnf,rpm,ca-certificates "$suite" "$work/rootfs" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import --quiet --change "LABEL e2e.stack.hash=$base_hash" - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

# 2. The RPM repository.
log "Building the RPMs (Node.js $node_version, npm $npm_version, OpenJDK $jdk_version, stand-ins)"
rpmbuild_() {
  rpmbuild -bb --define "_topdir $work/rpmbuild" --define "_binary_payload w.ufdio" "$@" \
    > "$work/rpmbuild.log" 2>&1 || { tail -30 "$work/rpmbuild.log" >&2; fail "rpmbuild $* failed"; }
}
rpmbuild_ --define "node_root $node_prefix" --define "node_version $node_version" \
  --define "npm_version $npm_version" "$stack/rpm/nodejs.spec"
rpmbuild_ --define "java_major $java_major" --define "jdk_root $jdk_home" \
  --define "jdk_version $jdk_version" "$stack/rpm/java-openjdk.spec"
rpmbuild_ "$stack/rpm/stand-ins.spec"
rm -rf "$out/rpms"
mkdir -p "$out/rpms"
mv "$work"/rpmbuild/RPMS/*/*.rpm "$out/rpms/"
sed -e "s/@NODE_MAJOR@/$node_major/g" -e "s/@NODE_VERSION@/$node_version/g" \
  -e "s/@NPM_VERSION@/$npm_version/g" "$stack/modules.yaml.in" > "$work/modules.yaml"
createrepo_c -q "$out/rpms"
modifyrepo_c --mdtype=modules "$work/modules.yaml" "$out/rpms/repodata" >/dev/null

# 3. The images.
context="$work/context"
mkdir -p "$context/ca-certificates"
cp "$stack/e2e.repo" "$context/"
# The machine's own CAs (e.g. a TLS-inspecting proxy's) so the Go toolchain download works.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$context/ca-certificates/"
fi
cat > "$context/images.json" <<EOF
{
  "os_codename": "ubi8",
  "repo_type": "stack",
  "images": [
    { "name": "default", "build_image": "build", "run_image": "run", "create_build_image": true },
    { "name": "nodejs-$node_major", "build_image": "build-nodejs-$node_major", "run_image": "$node_run_image", "is_default_run_image": true },
    { "name": "java-$java_major", "build_image": "build-java-$java_major", "run_image": "$java_run_image" }
  ]
}
EOF
podman_build() {
  podman build --network none --pull=never --build-arg "base=$base" --build-arg "stack_hash=$hash" \
    --volume "$out/rpms:/srv/e2e-rpms:ro" "$@" "$context" > "$work/podman-build.log" 2>&1 \
    || { tail -40 "$work/podman-build.log" >&2; fail "podman build $* failed"; }
}
log "Building $build_image"
podman_build -f "$stack/build.Containerfile" -t "$build_image"
log "Building $node_run_image"
podman_build -f "$stack/run.Containerfile" --build-arg "module=nodejs:$node_major" \
  --build-arg "packages=nodejs npm" -t "$node_run_image"
log "Building $java_run_image"
podman_build -f "$stack/run.Containerfile" \
  --build-arg "packages=java-$java_major-openjdk-headless" -t "$java_run_image"
write_env
log "The end-to-end stack is built ($hash): $out/stack.env"
