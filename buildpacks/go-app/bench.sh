#!/usr/bin/env bash
# Benchmark of the Go App Buildpack: prints figures, asserts nothing.
#
#   buildpacks/go-app/bench.sh [runs] [app]     (default: 5 runs of tests/fixtures/apps/go-http)
#
# For each run, on a fresh copy of the app:
# - cold:  bin/build with an empty layers directory (empty module and build caches), as the
#          lifecycle runs it (CNB_* env, positional arguments);
# - plain: `CGO_ENABLED=0 go build -buildmode=exe -trimpath` of the same app with the same go and
#          empty GOCACHE/GOMODCACHE: what the buildpack adds is the overhead;
# - warm:  bin/build again over the layers of the cold build (caches restored), as a rebuild.
# Then, with BENCH_TOOLCHAIN=1 (the default), the same for tests/fixtures/apps/go-toolchain, whose
# go.mod asks for go1.25.14: the cold build downloads, verifies and extracts the toolchain, the
# warm one reuses the cached layer.
#
# Medians of the runs are printed. The module is built as the packager builds it (static,
# `module` profile). The machine's other load shows in the figures: compare medians.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
app="${2:-go-http}"

command -v go >/dev/null || { echo "bench.sh: go is required" >&2; exit 1; }

echo "==> Building the buildpack (module profile, static)" >&2
(cd "$root" && RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --locked --profile module \
  --target x86_64-unknown-linux-gnu -p go-app-buildpack)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
module="$work/module"
mkdir -p "$module/bin"
cp "$root/buildpacks/go-app/buildpack.toml" "$module/"
cp "$target_dir/x86_64-unknown-linux-gnu/module/go-app-buildpack" "$module/bin/build"
ln -s build "$module/bin/detect"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# build <layers root> <app copy> <log>: runs bin/build as the lifecycle does.
build() {
  local layers="$1/layers/paketo-community_go-app" platform="$1/platform"
  mkdir -p "$layers" "$platform/env"
  : > "$1/plan.toml"
  (cd "$2" && env -i PATH="$PATH" HOME="${HOME:-/}" \
    CNB_TARGET_OS=linux CNB_TARGET_ARCH=amd64 CNB_TARGET_DISTRO_NAME=ubuntu CNB_TARGET_DISTRO_VERSION=22.04 \
    CNB_BUILDPACK_DIR="$module" CNB_LAYERS_DIR="$layers" CNB_PLATFORM_DIR="$platform" CNB_BP_PLAN_PATH="$1/plan.toml" \
    "$module/bin/build" "$layers" "$platform" "$1/plan.toml" > "$3" 2>&1) \
    || { cat "$3" >&2; echo "bench.sh: the build failed" >&2; exit 1; }
}

# bench <app> <runs>: prints the medians for one app.
bench() {
  local app="$1" runs="$2" cold=() plain=() warm=()
  local source="$root/tests/fixtures/apps/$app"
  for ((i = 1; i <= runs; i++)); do
    local run="$work/$app-$i"
    mkdir -p "$run"
    cp -R "$source" "$run/app-cold"
    local start end
    start=$(now); build "$run" "$run/app-cold" "$run/cold.log"; end=$(now)
    cold+=("$(calc "$end - $start")")

    cp -R "$source" "$run/app-warm"
    start=$(now); build "$run" "$run/app-warm" "$run/warm.log"; end=$(now)
    warm+=("$(calc "$end - $start")")

    # Plain go build, same flags, empty caches (the go the buildpack used: PATH's or the layer's).
    local go_binary
    go_binary="$(sed -n 's/^    Using .* from PATH (\(.*\)): .*/\1/p' "$run/cold.log")"
    [[ -n "$go_binary" ]] || go_binary="$run/layers/paketo-community_go-app/go/bin/go"
    cp -R "$source" "$run/app-plain"
    start=$(now)
    (cd "$run/app-plain" && env -u GOFLAGS -u GOROOT GOTOOLCHAIN=local CGO_ENABLED=0 \
      GOCACHE="$run/plain-cache" GOMODCACHE="$run/plain-mod" GOPATH="$run/plain-gopath" \
      "$go_binary" build -buildmode=exe -trimpath -o "$run/plain-bin/" ./... > "$run/plain.log" 2>&1) \
      || { cat "$run/plain.log" >&2; exit 1; }
    end=$(now)
    plain+=("$(calc "$end - $start")")
    chmod -R u+w "$run" && rm -rf "$run"
    echo "    run $i: cold ${cold[-1]}s, plain go build ${plain[-1]}s, warm ${warm[-1]}s" >&2
  done
  local c p w
  c=$(printf '%s\n' "${cold[@]}" | median)
  p=$(printf '%s\n' "${plain[@]}" | median)
  w=$(printf '%s\n' "${warm[@]}" | median)
  printf '%s (median of %d runs)\n' "$app" "$runs"
  printf '  cold buildpack build     %6.2f s\n' "$c"
  printf '  plain go build (cold)    %6.2f s   overhead ratio cold/plain = %.2f\n' "$p" "$(calc "$c / $p")"
  printf '  warm rebuild             %6.2f s   warm/cold = %.2f (%.1fx faster)\n' "$w" "$(calc "$w / $c")" "$(calc "$c / $w")"
}

echo "==> $app, $runs runs" >&2
bench "$app" "$runs"
if [[ "${BENCH_TOOLCHAIN:-1}" == 1 && "$app" != go-toolchain ]]; then
  toolchain_runs=$(( runs < 3 ? runs : 3 ))
  echo "==> go-toolchain (downloads go1.25.14 when cold), $toolchain_runs runs" >&2
  bench go-toolchain "$toolchain_runs"
fi
