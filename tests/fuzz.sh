#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (the `fuzz_*` tests, crates/fuzz-check) with
# FUZZ_CASES inputs each, new ones every run (FUZZ_RANDOM=1; `cargo test` replays a fixed
# seed), then prints the README's Reliability table from
# target/fuzz/figures.tsv. A panic or a hang (an input not answered within a minute,
# fuzz_check::HANG_GUARD) fails the run; the slowest input's time is a figure, printed.
#
#   tests/fuzz.sh [cases]    # default 20000 per parser (`cargo test` alone runs 2000)
set -euo pipefail
cases="${1:-20000}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rm -f target/fuzz/figures.tsv
FUZZ_RANDOM=1 FUZZ_CASES="$cases" cargo test --locked --release --workspace --lib --bins --tests fuzz_ -- --test-threads 2
[[ -s target/fuzz/figures.tsv ]] || { echo "tests/fuzz.sh: no fuzz figures recorded" >&2; exit 1; }
echo
echo "| parser | inputs | panics | hangs (no answer in 60 s) | slowest input |"
echo "| --- | --- | --- | --- | --- |"
sort target/fuzz/figures.tsv | awk -F'\t' '{ printf "| %s | %d | 0 | 0 | %.1f ms |\n", $1, $2, $3 }'
