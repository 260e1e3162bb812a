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
# Odd runs time cold (then warm) before plain, even runs plain first, so that neither side
# always comes first; the overhead is the median of the runs' cold/plain ratios (each pair ran
# back to back, under the same load), in wall time and in CPU time (user + system of the whole
# process tree: less sensitive to other load on the machine). Go's own files are read once
# before the runs, so that the first timed build does not pay for the disk.
# Then, with BENCH_TOOLCHAIN=1 (the default), the same for tests/fixtures/apps/go-toolchain, whose
# go.mod asks for go1.25.14: the cold build downloads, verifies and extracts the toolchain, the
# warm one reuses the cached layer.
#
# With BENCH_CALLGRIND=1, one more cold build of the app runs the buildpack under
# `valgrind --tool=callgrind` (its own process only, not go's): the instructions the buildpack
# itself executes, a repeatable figure. With BENCH_ROWS=<file> (tests/bench.sh), the figures are
# also appended to <file> as tab-separated rows `figure, value, target, held`.
#
# The module is built as the packager builds it (static, `module` profile). The machine's other
# load shows in the figures: compare ratios.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
app="${2:-go-http}"

command -v go >/dev/null || { echo "bench.sh: go is required" >&2; exit 1; }
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  command -v valgrind >/dev/null || { echo "bench.sh: BENCH_CALLGRIND=1 needs valgrind" >&2; exit 1; }
fi

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

exec 3>&2 # the real stderr, for the messages of failing timed commands
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
row() { [[ -z "${BENCH_ROWS:-}" ]] || printf '%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_ROWS"; }

# timed <command...>: runs it; prints "<wall seconds> <cpu seconds>" (CPU: user + system of the
# command and every child it waited for).
timed() {
  local times wall user sys
  times=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >&3 2>&3; } 2>&1 ) || exit 1
  read -r wall user sys <<< "$times"
  echo "$wall $(calc "$user + $sys")"
}

# build <layers root> <app copy> <log> [wrapper...]: runs bin/build as the lifecycle does.
build() {
  local dir="$1" layers="$1/layers/paketo-community_go-app" platform="$1/platform" app_dir="$2" log="$3"
  shift 3
  mkdir -p "$layers" "$platform/env"
  : > "$dir/plan.toml"
  (cd "$app_dir" && env -i PATH="$PATH" HOME="${HOME:-/}" \
    CNB_TARGET_OS=linux CNB_TARGET_ARCH=amd64 CNB_TARGET_DISTRO_NAME=ubuntu CNB_TARGET_DISTRO_VERSION=22.04 \
    CNB_BUILDPACK_DIR="$module" CNB_LAYERS_DIR="$layers" CNB_PLATFORM_DIR="$platform" CNB_BP_PLAN_PATH="$dir/plan.toml" \
    "$@" "$module/bin/build" "$layers" "$platform" "$dir/plan.toml" > "$log" 2>&1) \
    || { cat "$log" >&3; echo "bench.sh: the build failed" >&3; exit 1; }
}

# plain <go> <run dir>: the same go build without the buildpack, empty caches.
plain() {
  (cd "$2/app-plain" && env -u GOFLAGS -u GOROOT GOTOOLCHAIN=local CGO_ENABLED=0 \
    GOCACHE="$2/plain-cache" GOMODCACHE="$2/plain-mod" GOPATH="$2/plain-gopath" \
    "$1" build -buildmode=exe -trimpath -o "$2/plain-bin/" ./... > "$2/plain.log" 2>&1) \
    || { cat "$2/plain.log" >&3; exit 1; }
}

# bench <app> <runs>: prints the medians for one app.
bench() {
  local app="$1" runs="$2" cold=() plain_times=() warm=() ratios=() cpu_ratios=()
  local source="$root/tests/fixtures/apps/$app" go_binary=""
  for ((i = 1; i <= runs; i++)); do
    local run="$work/$app-$i" c p w
    mkdir -p "$run"
    cp -R "$source" "$run/app-cold"
    cp -R "$source" "$run/app-warm"
    cp -R "$source" "$run/app-plain"
    if (( i % 2 == 0 )); then p=$(timed plain "$go_binary" "$run"); fi
    c=$(timed build "$run" "$run/app-cold" "$run/cold.log")
    w=$(timed build "$run" "$run/app-warm" "$run/warm.log")
    if [[ -z "$go_binary" ]]; then
      # The go the buildpack used, for the plain builds: PATH's, or a copy of the layer's.
      go_binary="$(sed -n 's/^    Using .* from PATH (\(.*\)): .*/\1/p' "$run/cold.log")"
      if [[ -z "$go_binary" ]]; then
        cp -R "$run/layers/paketo-community_go-app/go" "$work/go-$app"
        go_binary="$work/go-$app/bin/go"
      fi
    fi
    if (( i % 2 == 1 )); then p=$(timed plain "$go_binary" "$run"); fi
    cold+=("${c% *}"); warm+=("${w% *}"); plain_times+=("${p% *}")
    ratios+=("$(calc "${c% *} / ${p% *}")")
    cpu_ratios+=("$(calc "${c#* } / ${p#* }")")
    chmod -R u+w "$run" && rm -rf "$run"
    echo "    run $i: cold ${c% *}s (CPU ${c#* }s), plain go build ${p% *}s (CPU ${p#* }s), warm ${w% *}s" >&2
  done
  local c p w ratio cpu_ratio speedup
  c=$(printf '%s\n' "${cold[@]}" | median)
  p=$(printf '%s\n' "${plain_times[@]}" | median)
  w=$(printf '%s\n' "${warm[@]}" | median)
  ratio=$(printf '%s\n' "${ratios[@]}" | median)
  cpu_ratio=$(printf '%s\n' "${cpu_ratios[@]}" | median)
  speedup=$(calc "$c / $w")
  printf '%s (median of %d runs)\n' "$app" "$runs"
  printf '  cold buildpack build     %6.2f s\n' "$c"
  printf '  plain go build (cold)    %6.2f s   cold/plain = %.2f (median of the runs'"'"' ratios; CPU time %.2f)\n' "$p" "$ratio" "$cpu_ratio"
  printf '  warm rebuild             %6.2f s   warm/cold = %.2f (%.1fx faster)\n' "$w" "$(calc "$w / $c")" "$speedup"

  local what="$app" target="< 1.10" held
  held=$(awk "BEGIN { print ($ratio < 1.10) ? \"held\" : \"missed\" }")
  if [[ "$app" == go-toolchain ]]; then
    # The buildpack first installs the go1.25.14 that go.mod asks for; plain go build is handed it.
    what="$app, installs go1.25.14 first"; target="-"; held="-"
  fi
  row "go-app cold build / plain \`go build\` ($what)" \
    "$(printf '%.2f (CPU time %.2f); %.1f s / %.1f s' "$ratio" "$cpu_ratio" "$c" "$p")" "$target" "$held"
  row "go-app warm rebuild speed-up, cold / warm ($app)" \
    "$(printf '%.0f× (%.2f s warm)' "$speedup" "$w")" "≥ 3×" \
    "$(awk "BEGIN { print ($speedup >= 3) ? \"held\" : \"missed\" }")"
}

# callgrind <app>: the instructions of the buildpack's own process in one cold build.
callgrind() {
  local run="$work/$1-callgrind" instructions
  mkdir -p "$run"
  cp -R "$root/tests/fixtures/apps/$1" "$run/app"
  build "$run" "$run/app" "$run/build.log" valgrind --tool=callgrind --trace-children=no \
    --callgrind-out-file="$run/callgrind.out"
  instructions=$(sed -n 's/.*Collected : *\([0-9,]*\).*/\1/p' "$run/build.log" | tr -d ,)
  [[ -n "$instructions" ]] || { cat "$run/build.log" >&2; echo "bench.sh: no callgrind count" >&2; exit 1; }
  printf '%s: the buildpack process executes %s instructions in a cold build (callgrind; go not counted)\n' "$1" "$instructions"
  row "go-app buildpack's own process in a cold build of $1 (callgrind; go's processes not counted)" \
    "$(calc "$instructions / 1e6") M instructions" "-" "-"
  chmod -R u+w "$run" && rm -rf "$run"
}

echo "==> Reading the go on PATH once (page cache)" >&2
find "$(go env GOROOT)" -type f -exec cat {} + > /dev/null
echo "==> $app, $runs runs" >&2
bench "$app" "$runs"
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  echo "==> $app under callgrind" >&2
  callgrind "$app"
fi
if [[ "${BENCH_TOOLCHAIN:-1}" == 1 && "$app" != go-toolchain ]]; then
  toolchain_runs=$(( runs < 3 ? runs : 3 ))
  echo "==> go-toolchain (downloads go1.25.14 when cold), $toolchain_runs runs" >&2
  bench go-toolchain "$toolchain_runs"
fi
