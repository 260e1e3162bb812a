#!/usr/bin/env bash
# The README's benchmark command: runs the three benches and prints one markdown table
# (figure, value, target, held).
#
#   tests/bench.sh [go-app runs]      (default 3; each run builds go-http cold, warm and with
#                                      plain `go build`, and go-toolchain up to 3 times)
#
# - `cargo bench -p cnb-harness --bench modules`: detect / generate of every module as the
#   lifecycle runs them (median of 50 interleaved runs, spawn included; one run of each under
#   callgrind for its instruction count), the lifecycle's whole `detector` over the UBI order
#   (median of 10), the module binaries' sizes;
# - `cargo bench -p packager --bench packaging`: `packager package` from a warm cargo cache
#   (median of 3), the `.cnb` sizes, `packager builder create` (median of 3) and the layers the
#   builder adds over the build image;
# - `cargo bench -p packager --bench registry`: `packager builder create --publish` against a
#   loopback registry, cold (empty blob cache) and warm, beside `pack builder create --publish`
#   of the same definition (twice): time and bytes over the wire each way, for a
#   builder-ubi8-base-shaped definition, and for a Paketo shape with composites for linux/amd64
#   and linux/arm64 (with each platform's layers and image size in the index each run left);
# - the main command (`cargo run --release -p packager -- package`) cold, in a fresh
#   CARGO_TARGET_DIR (target/bench/main-command-target, removed after), and warm (the same again):
#   wall and CPU time (GNU time), with the load average before and after;
# - `buildpacks/go-app/bench.sh`: go-app cold build over plain `go build` and warm over cold
#   (medians of the runs), and the buildpack process's own instructions (callgrind);
# - from `target/e2e/figures.tsv`, when the end-to-end suite (tests/e2e) wrote it: the go-app app
#   image on the static run image over the binary's size, each app's `pack build` (first build
#   and rebuild from the cache), and `pack builder create` vs `packager builder create` (time,
#   layers, compressed size).
#
# Each bench writes its rows to one file (BENCH_ROWS); the benches' own output goes to stderr.
# The table is printed on stdout and kept in target/bench/figures.md. Prerequisites: cargo, go, GNU
# time, valgrind, setpriv, the test user (cnbtest, or $CNB_TEST_USER; tests/test.sh creates it as
# root) and the lifecycle (installed with tests/install-lifecycle.sh when missing). A missing
# prerequisite is an error: nothing is skipped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
go_app_runs="${1:-3}"

fail() { echo "tests/bench.sh: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

step "Checking prerequisites"
command -v cargo >/dev/null || fail "cargo is required (Rust 1.95 or later, https://rustup.rs)"
command -v go >/dev/null || fail "Go 1.26 or later is required (go-app bench, the lifecycle)"
command -v valgrind >/dev/null || fail "valgrind is required (instruction counts): apt-get install valgrind"
[[ -x /usr/bin/time ]] || fail "GNU time is required (the main command's CPU time): apt-get install time"
command -v setpriv >/dev/null || fail "setpriv is required (the detector runs as the test user): apt-get install util-linux"
test_user="${CNB_TEST_USER:-cnbtest}"
id "$test_user" >/dev/null 2>&1 \
  || fail "the user $test_user the lifecycle runs as does not exist: run tests/test.sh once as root"
command -v docker-registry >/dev/null || fail "docker-registry is required (registry bench): apt-get install docker-registry"
command -v skopeo >/dev/null || fail "skopeo is required (registry bench): apt-get install skopeo"
[[ -x target/tools/bin/pack ]] || tests/install-pack.sh
[[ "$go_app_runs" =~ ^[1-9][0-9]*$ ]] || fail "usage: tests/bench.sh [go-app runs]"
if [[ -z "${CNB_LIFECYCLE:-}" ]]; then
  tests/install-lifecycle.sh
fi

out="${CARGO_TARGET_DIR:-$root/target}/bench"
mkdir -p "$out"
rows="$out/rows.tsv"
: > "$rows"
export BENCH_ROWS="$rows" BENCH_CALLGRIND=1

step "Modules: detect, generate, detector, binary sizes"
cargo bench -q --locked -p cnb-harness --bench modules >&2
step "Packaging: packager package, .cnb sizes, builder create"
cargo bench -q --locked -p packager --bench packaging >&2
step "Registry: builder create --publish, packager cold and warm, pack"
cargo bench -q --locked -p packager --bench registry >&2
step "The main command, cold (a fresh CARGO_TARGET_DIR) and warm (run again, nothing changed)"
# `cargo run --release -p packager -- package` as the README gives it, the crates already
# downloaded; wall time and the CPU time of every process (user + sys), with the load average.
main_target="$out/main-command-target"
rm -rf "$main_target"
for run in cold warm; do
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  CARGO_TARGET_DIR="$main_target" /usr/bin/time -f '%e %U %S' -o "$out/main-command-$run.time" \
    cargo run -q --locked --release -p packager -- package >/dev/null 2>"$out/main-command-$run.log" \
    || fail "the main command failed ($run run): see $out/main-command-$run.log"
  read -r wall user sys < "$out/main-command-$run.time"
  awk -v run="$run" -v w="$wall" -v u="$user" -v s="$sys" -v l0="$load_before" \
    -v l1="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
      printf "main command `cargo run --release -p packager -- package`, %s\t%.1f s wall, %.1f s CPU (user %.1f + sys %.1f); load %s → %s on %d cores\t-\t-\n",
        run == "cold" ? "cold (fresh target dir)" : "warm (second run)", w, u + s, u, s, l0, l1, '"$(nproc)"'
    }' >> "$rows"
done
rm -rf "$main_target"
step "go-app: cold, warm and plain go build ($go_app_runs runs)"
buildpacks/go-app/bench.sh "$go_app_runs" >&2

# The end-to-end suite's figures: never invented here.
figure="go-app: app image on the static run image / binary size"
e2e="$root/target/e2e/figures.tsv"
value() { [[ -f "$e2e" ]] && awk -F'\t' -v key="$1" '$1 == key { v = $2 } END { print v }' "$e2e"; }
image="$(value 'go-app image bytes' || true)" binary="$(value 'go-app binary bytes' || true)"
static="$(value 'static run image bytes' || true)"
if [[ -n "$image" && -n "$binary" ]]; then
  launcher="$root/target/tools/bin/launcher"
  awk -v figure="$figure" -v i="$image" -v b="$binary" -v s="$static" \
    -v l="$( [[ -f "$launcher" ]] && stat -c %s "$launcher" || true)" 'BEGIN {
      mib = 1048576
      value = sprintf("%.2f (image %.2f MiB, binary %.2f MiB", i / b, i / mib, b / mib)
      target = "≥ 1 + static run image / binary (the floor)"
      if (s != "") {
        value = value sprintf("; beyond binary and run image: %.2f MiB", (i - b - s) / mib)
        if (l != "") value = value sprintf(", the CNB launcher being %.2f MiB", l / mib)
        target = sprintf("≥ %.2f (1 + static run image %.2f MiB / binary)", 1 + s / b, s / mib)
      }
      printf "%s\t%s; target/e2e/figures.tsv)\t%s\t-\n", figure, value, target
    }' >> "$rows"
else
  printf '%s\t%s\t%s\t-\n' "$figure" "not measured (run tests/e2e first)" \
    "≥ 1 + static run image / binary (the floor)" >> "$rows"
fi

# pack build of each app (first build, rebuild from the cache) and the two ways to make the
# builder, as the end-to-end suite measured them: figures, not assertions.
for app in node java go; do
  for build in "first build" rebuild; do
    seconds="$(value "e2e $app $build seconds" || true)"
    text="not measured (run tests/e2e first)"
    [[ -z "$seconds" ]] || text="$seconds s (target/e2e/figures.tsv)"
    printf '%s\t%s\t-\t-\n' "e2e: pack build --publish, $app app, $build" "$text" >> "$rows"
  done
done
for tool in "pack builder create" "packager builder create"; do
  seconds="$(value "$tool seconds" || true)" layers="$(value "$tool layers" || true)"
  bytes="$(value "$tool bytes" || true)"
  if [[ -n "$seconds" ]]; then
    value_text="$(awk -v s="$seconds" -v l="$layers" -v b="$bytes" \
      'BEGIN { printf "%s s, %d layers, %.1f MiB compressed (target/e2e/figures.tsv)", s, l, b / 1048576 }')"
  else
    value_text="not measured (run tests/e2e first)"
  fi
  note="--publish: pull and push included"
  [[ "$tool" == "pack builder create" ]] || note="--publish: the library in the test's debug build; pull and push included"
  printf '%s\t%s\t-\t-\n' "e2e builder: \`$tool\` (tests/e2e/builder.toml; $note)" "$value_text" >> "$rows"
done

{
  echo "| figure | value | target | held |"
  echo "| --- | --- | --- | --- |"
  awk -F'\t' 'NF == 4 { printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$rows"
} > "$out/figures.md"
cat "$out/figures.md"
